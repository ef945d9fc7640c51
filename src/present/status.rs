//! `status` and `get all` output (helm's `statusPrinter`).

use std::fmt::Write as _;

use crate::cluster::resources::LiveResources;
use crate::output::kubectl::TablePrinter;
use crate::release::Release;

use super::times;
use super::{Colors, Compat, Format, PresentError, encode, encode_yaml, release_value};

/// What the status block shows beyond the basics.
#[derive(Clone, Copy, Debug, Default)]
pub struct StatusStyle {
    /// The helm version imitated.
    pub compat: Compat,
    /// `get all`: values, hooks and manifest (helm's debug mode).
    pub debug: bool,
    /// `get all`: chart name, version and app version.
    pub show_metadata: bool,
    /// v3 `--show-desc` (v4 always shows the description).
    pub show_description: bool,
    /// Colours (v4).
    pub colors: Colors,
    /// Leave the notes out (`test`: always in v4, `--hide-notes` in v3).
    pub hide_notes: bool,
}

/// Renders `status` in `format`: the whole release (chart stripped) for
/// JSON/YAML, helm's status block for tables.
pub fn render(
    rel: &Release,
    resources: Option<&LiveResources>,
    format: Format,
    style: &StatusStyle,
) -> Result<String, PresentError> {
    match format {
        Format::Table => render_table(rel, resources, style),
        f => encode(f, &release_value(rel, style.compat, resources)?),
    }
}

/// helm's `statusPrinter.WriteTable`.
pub fn render_table(
    rel: &Release,
    resources: Option<&LiveResources>,
    style: &StatusStyle,
) -> Result<String, PresentError> {
    let mut out = String::new();
    let c = style.colors;
    let _ = writeln!(out, "NAME: {}", rel.name);
    if let Some(t) = &rel.info.last_deployed {
        let _ = writeln!(out, "LAST DEPLOYED: {}", times::ansic(t));
    }
    let _ = writeln!(out, "NAMESPACE: {}", c.namespace(&rel.namespace));
    let _ = writeln!(out, "STATUS: {}", c.status(&rel.info.status));
    let _ = writeln!(out, "REVISION: {}", rel.version);
    if style.show_metadata {
        let m = rel
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .unwrap_or_default();
        let _ = writeln!(out, "CHART: {}", m.name);
        let _ = writeln!(out, "VERSION: {}", m.version);
        let _ = writeln!(out, "APP_VERSION: {}", m.app_version);
    }
    if style.compat == Compat::V4 || style.show_description {
        let _ = writeln!(out, "DESCRIPTION: {}", rel.info.description);
    }
    if let Some(res) = resources.filter(|r| !r.is_empty()) {
        let mut printer = TablePrinter::new();
        let mut buf = String::new();
        for (kind, objs) in &res.0 {
            let _ = writeln!(buf, "==> {kind}");
            for obj in objs {
                buf.push_str(&printer.print(obj));
            }
            buf.push('\n');
        }
        let _ = writeln!(out, "RESOURCES:\n{buf}");
    }

    let tests: Vec<_> = rel
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == "test"))
        .collect();
    if tests.is_empty() {
        out.push_str("TEST SUITE: None\n");
    } else {
        for h in tests {
            let Some(started) = &h.last_run.started_at else {
                continue;
            };
            let _ = write!(
                out,
                "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
                h.name,
                times::ansic(started),
                times::ansic_or_zero(&h.last_run.completed_at),
                h.last_run.phase
            );
        }
    }

    if style.debug {
        out.push_str("USER-SUPPLIED VALUES:\n");
        let config = rel
            .config_value()
            .map_err(|e| PresentError::Yaml(format!("stored values: {e}")))?;
        out.push_str(&encode_yaml(&super::get::config_go_value(rel, &config))?);
        out.push('\n');
        let computed = super::get::computed_values(rel)?;
        out.push_str("COMPUTED VALUES:\n");
        out.push_str(&encode_yaml(&computed)?);
        out.push('\n');
    }

    if rel
        .info
        .description
        .eq_ignore_ascii_case("Dry run complete")
        || style.debug
    {
        out.push_str("HOOKS:\n");
        for h in &rel.hooks {
            let _ = writeln!(out, "---\n# Source: {}\n{}", h.path, h.manifest);
        }
        let _ = writeln!(out, "MANIFEST:\n{}", rel.manifest);
    }

    if !style.hide_notes && !rel.info.notes.is_empty() {
        let _ = writeln!(out, "NOTES:\n{}", rel.info.notes.trim());
    }
    Ok(out)
}
