//! A release as helm's `encoding/json` sees it: the Go structs' field order,
//! `omitempty` rules and time encodings of helm v3 or v4.

use crate::cluster::resources::LiveResources;
use crate::output::GoValue;
use crate::release::{GoTime, Hook, Release};

use super::{Compat, PresentError};

fn time_value(t: &Option<GoTime>) -> GoValue {
    match t {
        Some(t) => GoValue::String(crate::release::time::to_json_text(t)),
        None => GoValue::String(String::new()),
    }
}

/// Adds a time field: v4 omits zero times, v3 writes `""`.
fn time_field(
    b: crate::output::StructBuilder,
    name: &str,
    t: &Option<GoTime>,
    compat: Compat,
) -> crate::output::StructBuilder {
    match (t, compat) {
        (None, Compat::V4) => b,
        _ => b.field(name, time_value(t)),
    }
}

fn strings(v: &[String]) -> GoValue {
    GoValue::Array(v.iter().map(|s| GoValue::String(s.clone())).collect())
}

fn hook_value(h: &Hook, compat: Compat) -> GoValue {
    let mut run = GoValue::struct_builder();
    run = time_field(run, "started_at", &h.last_run.started_at, compat);
    run = time_field(run, "completed_at", &h.last_run.completed_at, compat);
    run = run.field("phase", GoValue::String(h.last_run.phase.clone()));
    let mut b = GoValue::struct_builder()
        .field_omitempty("name", GoValue::String(h.name.clone()))
        .field_omitempty("kind", GoValue::String(h.kind.clone()))
        .field_omitempty("path", GoValue::String(h.path.clone()))
        .field_omitempty("manifest", GoValue::String(h.manifest.clone()));
    if !h.events.is_empty() {
        b = b.field("events", strings(&h.events));
    }
    b = b.field("last_run", run.build());
    b = b.field_omitempty("weight", GoValue::Int(h.weight));
    if !h.delete_policies.is_empty() {
        b = b.field("delete_policies", strings(&h.delete_policies));
    }
    if !h.output_log_policies.is_empty() {
        b = b.field("output_log_policies", strings(&h.output_log_policies));
    }
    b.build()
}

/// The release as helm prints it with `-o json`/`-o yaml` (`status`): the
/// chart left out, as helm strips it, and `info.resources` filled with the
/// live objects when given.
pub fn release_value(
    rel: &Release,
    compat: Compat,
    resources: Option<&LiveResources>,
) -> Result<GoValue, PresentError> {
    let info = &rel.info;
    let mut ib = GoValue::struct_builder();
    ib = time_field(ib, "first_deployed", &info.first_deployed, compat);
    ib = time_field(ib, "last_deployed", &info.last_deployed, compat);
    ib = time_field(ib, "deleted", &info.deleted, compat);
    ib = ib
        .field_omitempty("description", GoValue::String(info.description.clone()))
        .field_omitempty("status", GoValue::String(info.status.as_str().to_string()))
        .field_omitempty("notes", GoValue::String(info.notes.clone()));
    if let Some(res) = resources.filter(|r| !r.is_empty()) {
        let map = res
            .0
            .iter()
            .map(|(k, objs)| {
                (
                    k.clone(),
                    GoValue::Array(objs.iter().map(GoValue::from_json).collect()),
                )
            })
            .collect();
        ib = ib.field("resources", GoValue::Map(map));
    }

    let mut b = GoValue::struct_builder()
        .field_omitempty("name", GoValue::String(rel.name.clone()))
        .field("info", ib.build());
    let config = rel
        .config_value()
        .map_err(|e| PresentError::Json(format!("stored values: {e}")))?;
    // A Go map with omitempty: left out when nil or empty.
    if config.as_object().is_some_and(|m| !m.is_empty()) {
        b = b.field("config", GoValue::from_json(&config));
    }
    b = b.field_omitempty("manifest", GoValue::String(rel.manifest.clone()));
    if !rel.hooks.is_empty() {
        b = b.field(
            "hooks",
            GoValue::Array(rel.hooks.iter().map(|h| hook_value(h, compat)).collect()),
        );
    }
    b = b
        .field_omitempty("version", GoValue::Int(rel.version))
        .field_omitempty("namespace", GoValue::String(rel.namespace.clone()));
    if compat == Compat::V4 {
        b = b.field_omitempty("apply_method", GoValue::String(rel.apply_method.clone()));
    }
    Ok(b.build())
}
