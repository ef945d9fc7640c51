//! helm's output, byte for byte: how each command prints its result in
//! `table`, `json` and `yaml`, for helm v4 (the default) and helm v3.
//!
//! These functions are pure: they turn action results into text using the
//! Go-compatible machinery in [`crate::output`].

mod color;
pub mod get;
pub mod history;
pub mod list;
pub mod outdated;
mod release_value;
pub mod status;
mod times;
pub mod watch;

pub use color::Colors;
pub use release_value::release_value;

use crate::output::{GoValue, to_json, to_yaml};

pub use crate::compat::Compat;

/// `-o/--output`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// Human-readable (the default).
    #[default]
    Table,
    /// Go `encoding/json`.
    Json,
    /// `sigs.k8s.io/yaml`.
    Yaml,
}

impl Format {
    /// Parses a format name; helm's error text on failure.
    pub fn parse(s: &str) -> Result<Format, PresentError> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "yaml" => Ok(Format::Yaml),
            _ => Err(PresentError::InvalidFormat),
        }
    }
}

/// Why output could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PresentError {
    /// An unknown `-o` value.
    #[error("invalid format type")]
    InvalidFormat,
    /// JSON encoding failed.
    #[error("unable to write JSON output: {0}")]
    Json(String),
    /// YAML encoding failed.
    #[error("unable to write YAML output: {0}")]
    Yaml(String),
}

/// helm's `output.EncodeJSON`.
pub fn encode_json(v: &GoValue) -> Result<String, PresentError> {
    to_json(v).map_err(|e| PresentError::Json(e.to_string()))
}

/// helm's `output.EncodeYAML`.
pub fn encode_yaml(v: &GoValue) -> Result<String, PresentError> {
    to_yaml(v).map_err(|e| PresentError::Yaml(e.to_string()))
}

/// Encodes `v` as JSON or YAML (for `Format::Table` the caller prints its
/// own layout).
pub fn encode(format: Format, v: &GoValue) -> Result<String, PresentError> {
    match format {
        Format::Yaml => encode_yaml(v),
        _ => encode_json(v),
    }
}
