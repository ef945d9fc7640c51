//! Helm's `engine.Render`: every template of a chart and its enabled
//! subcharts, rendered into one map of file name to text.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::Lookup;
use super::capabilities::Capabilities;
use super::error::RenderError;
use crate::chart::model::{Chart, Values};
use crate::compat::Compat;
use crate::sprig::Env;

/// `.Release`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseInfo {
    /// `.Release.Name`.
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision` (a Go `int`).
    pub revision: i64,
    /// `.Release.IsInstall`.
    pub is_install: bool,
    /// `.Release.IsUpgrade`.
    pub is_upgrade: bool,
}

/// Everything a render needs besides the chart and its values.
#[derive(Clone)]
pub struct RenderOptions {
    /// Which helm to imitate.
    pub compat: Compat,
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: Capabilities,
    /// `missingkey=error` (helm's lint `--strict`) instead of `zero`.
    pub strict: bool,
    /// The cluster `lookup` asks; `None` makes it return empty maps.
    pub lookup: Option<Rc<dyn Lookup>>,
    /// Randomness and time for Sprig.
    pub env: Env,
    /// `getHostByName` resolves only with `--enable-dns`.
    pub enable_dns: bool,
}

/// Renders every template of `chart` (dependencies already processed:
/// only enabled subcharts remain) with the coalesced `values`. Keys are
/// `<chart path>/templates/<file>`; `NOTES.txt` files are included;
/// partials (`_*`) are not. `<no value>` is already removed.
pub fn render(
    chart: &Chart,
    values: &Values,
    options: &RenderOptions,
) -> Result<BTreeMap<String, String>, RenderError> {
    let _ = (chart, values, options);
    todo!("render")
}
