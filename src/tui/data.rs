//! What the UI shows of the library's values: a release record becomes a
//! list row, a details view or a history line. Formatting only; what a
//! release is and what state it is in comes from the library.

use super::model::{ContentView, HistoryRow, ReleaseKey, Row};
use crate::action::watch::ReleaseSummary;
use crate::present::{Format, get};
use crate::release::{GoTime, Release};
use crate::storage::Record;

/// A time as the list shows it (`2026-01-02 10:04`, UTC).
pub fn short_time(t: Option<&GoTime>) -> String {
    t.map(|t| t.timestamp().strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The list row of a release as the watch reports it; `stuck` is the
/// library's reason when the release looks stuck.
pub fn summary_row(s: &ReleaseSummary, stuck: Option<String>) -> Row {
    Row {
        key: ReleaseKey::new(&s.namespace, &s.name),
        revision: s.revision,
        status: s.status.clone(),
        chart_name: if s.chart.is_empty() {
            "MISSING".to_string()
        } else {
            s.chart.clone()
        },
        chart_version: s.chart_version.clone(),
        app_version: s.app_version.clone(),
        updated: short_time(s.updated.as_ref()),
        updated_unix: s.updated.as_ref().map_or(0, |t| t.timestamp().as_second()),
        stuck,
    }
}

/// The Info, Manifest, Values and Hooks tabs of a revision.
pub fn content(rel: &Release) -> ContentView {
    let meta = rel.chart.as_ref().and_then(|c| c.metadata.as_ref());
    let (chart_name, chart_version) = meta
        .map(|m| (m.name.clone(), m.version.clone()))
        .unwrap_or_default();
    let info = vec![
        ("STATUS:".into(), rel.info.status.as_str().to_string()),
        ("CHART:".into(), chart_name.clone()),
        ("VERSION:".into(), chart_version.clone()),
        ("APP VERSION:".into(), rel.app_version()),
        ("NAMESPACE:".into(), rel.namespace.clone()),
        ("REVISION:".into(), rel.version.to_string()),
        (
            "UPDATED:".into(),
            short_time(rel.info.last_deployed.as_ref()),
        ),
        ("DESCRIPTION:".into(), rel.info.description.clone()),
    ];
    // A record whose values do not print still shows everything else.
    let values =
        |all| get::values(rel, all, Format::Yaml).unwrap_or_else(|e| format!("error: {e}\n"));
    ContentView {
        info,
        notes: rel.info.notes.clone(),
        manifest: rel.manifest.clone(),
        values_user: values(false),
        values_computed: values(true),
        hooks: get::hooks(rel),
        chart_name,
        chart_version,
        revision: rel.version,
    }
}

/// The History tab's lines, oldest first.
pub fn history(records: &[Record]) -> Vec<HistoryRow> {
    records
        .iter()
        .map(|r| {
            let rel = &r.release;
            HistoryRow {
                revision: rel.version,
                updated: short_time(rel.info.last_deployed.as_ref()),
                status: rel.info.status.clone(),
                chart: rel.chart_label(),
                app_version: rel.app_version(),
                description: rel.info.description.clone(),
            }
        })
        .collect()
}
