//! Chart values as helm computes them: user values from `-f`/`--set`
//! flags ([`options`], [`strvals`]), dependency enablement and imports
//! ([`dependencies`]), the coalesced `.Values` tree templates see
//! ([`coalesce`]), `values.schema.json` validation ([`schema`]) and the
//! upgrade-time reuse/reset rules ([`upgrade`]).
//!
//! Values are [`crate::chart::model::Values`] maps of
//! [`crate::gojson::GoValue`]: numbers read from YAML or JSON are
//! `Float` (Go's float64) and `--set` integers are `Int` (int64), because
//! templates can tell them apart.

pub mod coalesce;
pub mod dependencies;
pub mod options;
pub mod schema;
pub mod strvals;
pub mod upgrade;

pub use coalesce::coalesce_values;
pub use dependencies::process_dependencies;
pub use options::{ValueOptions, ValueReader};

/// Errors of the values layer, with helm's message texts.
#[derive(Debug, thiserror::Error)]
pub enum ValuesError {
    /// A values file or `--set-file` file that cannot be read (Go's
    /// `os.ReadFile` text, or the HTTP getter's).
    #[error("{0}")]
    Read(String),
    /// A values file that is not valid YAML or not a map.
    #[error("failed to parse {path}: {source}")]
    Parse {
        /// The file as given on the command line.
        path: String,
        /// The YAML error.
        source: crate::gojson::yaml::YamlError,
    },
    /// A bad `--set`-family line; the message carries helm's wrapper
    /// (`failed parsing --set data: ...`).
    #[error("{0}")]
    Flag(String),
    /// Values that break a chart's `values.schema.json`, or a values
    /// tree that cannot be coalesced, with helm's text.
    #[error("{0}")]
    Invalid(String),
}

impl ValuesError {
    /// The error's category.
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}
