//! The release record install and upgrade write: the chart as helm
//! stores it (after dependency processing), the user values as `config`,
//! the rendered manifest, hooks and notes, and helm's info fields.

use std::collections::BTreeMap;

use crate::chart::model::{Chart, Values};
use crate::chart::record::chart_json;
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gojson::time::GoTime;
use crate::release::{Info, Release, Status};
use crate::render::manifest::Assembled;
use crate::storage::labels::is_system_label;

use super::ActionError;

/// The parts of a new revision besides the render.
pub(crate) struct NewRevision<'a> {
    /// The release name.
    pub name: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// The revision number.
    pub version: i64,
    /// The status it is stored with.
    pub status: Status,
    /// Its description.
    pub description: String,
    /// The release's first deployment (`None`: now).
    pub first_deployed: Option<GoTime>,
    /// Custom record labels.
    pub labels: BTreeMap<String, String>,
    /// Whose record format to write.
    pub compat: Compat,
}

/// helm's check on `--labels`.
///
/// # Errors
///
/// helm's message naming its system labels.
pub(crate) fn check_labels(labels: &BTreeMap<String, String>) -> Result<(), ActionError> {
    if labels.keys().any(|k| is_system_label(k)) {
        return Err(ActionError::Invalid(
            "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]".into(),
        ));
    }
    Ok(())
}

/// Builds the record of a new revision.
///
/// # Errors
///
/// The chart or values cannot be encoded (a value Go could not encode).
pub(crate) fn new_release(
    rev: NewRevision<'_>,
    chart: &Chart,
    config: &Values,
    assembled: &Assembled,
) -> Result<Release, ActionError> {
    let config_json = crate::gojson::json::to_json(&GoValue::Map(config.clone()))
        .map_err(|e| ActionError::Invalid(format!("json: {e}")))?;
    // helm's `config` is `omitempty`: empty user values are not stored
    // (and read back as `null`).
    let text = if config.is_empty() {
        format!("{{\"chart\":{}}}", chart_json(chart, rev.compat))
    } else {
        format!(
            "{{\"chart\":{},\"config\":{config_json}}}",
            chart_json(chart, rev.compat)
        )
    };
    let mut release: Release = serde_json::from_str(&text)
        .map_err(|e| ActionError::Invalid(format!("cannot encode the release: {e}")))?;
    let now = GoTime::now();
    let mut info = Info::default();
    info.first_deployed = Some(rev.first_deployed.unwrap_or(now));
    info.last_deployed = Some(now);
    info.status = rev.status;
    info.description = rev.description;
    info.notes = assembled.notes.clone();
    release.info = info;
    release.name = rev.name.to_string();
    release.namespace = rev.namespace.to_string();
    release.version = rev.version;
    release.manifest = assembled.manifest.clone();
    release.hooks = assembled.hooks.clone();
    release.labels = rev.labels;
    // helm v4 records how objects were applied; rudder always applies
    // server-side. helm v3 has no such field.
    release.apply_method = match rev.compat {
        Compat::V4 => "ssa".into(),
        Compat::V3 => String::new(),
    };
    match rev.compat {
        Compat::V4 => Ok(release),
        Compat::V3 => v3_zero_times(&release),
    }
}

/// The user values a stored revision was made with (`config`).
pub(crate) fn stored_config(release: &Release) -> Values {
    match release.config_value().map(|v| GoValue::from_json(&v)) {
        Ok(GoValue::Map(m)) => m,
        _ => Values::new(),
    }
}

/// The stored chart as far as upgrade needs it (`--reuse-values`): its
/// default values.
pub(crate) fn stored_chart(release: &Release) -> Chart {
    let values = release
        .chart
        .as_ref()
        .and_then(|c| c.values().ok())
        .map(|v| GoValue::from_json(&v));
    let mut chart = Chart::default();
    if let Some(GoValue::Map(m)) = values {
        chart.values = m;
    }
    if let Some(meta) = release.chart.as_ref().and_then(|c| c.metadata.as_ref()) {
        chart.metadata.name = meta.name.clone();
        chart.metadata.version = meta.version.clone();
    }
    chart
}

/// helm 3 writes a zero time as `""` where helm 4 leaves it out: the
/// record's `info.deleted` and each hook's `last_run` times until it runs.
/// Spelled so here (the record model keeps a zero time's spelling, and
/// writes known members in helm's order whatever order they are read in).
fn v3_zero_times(release: &Release) -> Result<Release, ActionError> {
    let encode =
        |e: serde_json::Error| ActionError::Invalid(format!("cannot encode the release: {e}"));
    let mut hooks = serde_json::to_value(&release.hooks).map_err(encode)?;
    if let Some(list) = hooks.as_array_mut() {
        for h in list {
            if let Some(run) = h
                .get_mut("last_run")
                .and_then(serde_json::Value::as_object_mut)
            {
                run.entry("started_at").or_insert_with(|| "".into());
                run.entry("completed_at").or_insert_with(|| "".into());
            }
        }
    }
    let text = format!("{{\"info\":{{\"deleted\":\"\"}},\"hooks\":{hooks}}}");
    let zeroes: Release = serde_json::from_str(&text).map_err(encode)?;
    let mut out = release.clone();
    out.hooks = zeroes.hooks;
    let mut info = zeroes.info;
    info.first_deployed = release.info.first_deployed;
    info.last_deployed = release.info.last_deployed;
    info.status = release.info.status.clone();
    info.description = release.info.description.clone();
    info.notes = release.info.notes.clone();
    out.info = info;
    Ok(out)
}
