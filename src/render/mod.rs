//! Helm's rendering layer on the [`crate::gotemplate`] engine: the values
//! templates see (`.Values`, `.Release`, `.Chart`, `.Capabilities`,
//! `.Files`, `.Template`, `.Subcharts`), Helm's own functions (`include`,
//! `tpl`, `toYaml`, `lookup`, ...), the template set and its order, Helm's
//! error texts (v3 and v4), and the assembly of the rendered files into a
//! manifest, hooks, notes and CRDs.

pub mod capabilities;
mod caps_object;
mod chart_object;
pub mod crds;
pub mod engine;
pub mod error;
pub mod fallback;
mod files;
mod func_names;
mod funcs;
mod glob;
pub mod hooks;
mod json_scan;
pub mod manifest;
mod objects;
pub mod sort;
pub mod split;
mod toml;
mod yaml_pretty;

pub use capabilities::{Capabilities, HelmVersion, KubeVersion};
pub use engine::{
    RENDER_STACK_BYTES, ReleaseInfo, RenderOptions, discard, on_big_stack, render, set_short_lived,
};
pub use error::RenderError;

use crate::gojson::GoValue;

/// Answers Helm's `lookup` function from a cluster. `template` and client
/// dry runs have none, and `lookup` then returns an empty map, as helm's.
pub trait Lookup {
    /// `lookup apiVersion kind namespace name`: the object (or, with an
    /// empty name, the list) as apimachinery's unstructured map, `None`
    /// when it does not exist; `Err` carries helm's error text.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<GoValue>, String>;
}

#[cfg(test)]
mod tests;
