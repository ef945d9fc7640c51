//! `get values|manifest|notes|hooks|metadata` output.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::action::values::coalesce;
use crate::output::GoValue;
use crate::release::{Dependency, Release};

use super::times;
use super::{Compat, Format, PresentError, encode, encode_yaml};

/// The stored user values as helm holds them: `nil` when the record has
/// none (printed `null`), otherwise the map.
pub fn config_go_value(rel: &Release, config: &serde_json::Value) -> GoValue {
    match &rel.config {
        None => GoValue::Null,
        Some(_) => GoValue::from_json(config),
    }
}

/// `get values --all`: the chart's defaults coalesced with the user values.
pub fn computed_values(rel: &Release) -> Result<GoValue, PresentError> {
    let config = rel
        .config_value()
        .map_err(|e| PresentError::Json(format!("stored values: {e}")))?;
    let defaults = match &rel.chart {
        Some(c) => c
            .values()
            .map_err(|e| PresentError::Json(format!("stored chart values: {e}")))?,
        None => serde_json::Value::Null,
    };
    Ok(GoValue::from_json(&coalesce(&defaults, &config)))
}

/// `get values [--all]`.
pub fn values(rel: &Release, all: bool, format: Format) -> Result<String, PresentError> {
    let v = if all {
        computed_values(rel)?
    } else {
        let config = rel
            .config_value()
            .map_err(|e| PresentError::Json(format!("stored values: {e}")))?;
        config_go_value(rel, &config)
    };
    match format {
        Format::Table => {
            let header = if all {
                "COMPUTED VALUES:"
            } else {
                "USER-SUPPLIED VALUES:"
            };
            Ok(format!("{header}\n{}", encode_yaml(&v)?))
        }
        f => encode(f, &v),
    }
}

/// `get manifest`.
pub fn manifest(rel: &Release) -> String {
    format!("{}\n", rel.manifest)
}

/// `get notes`.
pub fn notes(rel: &Release) -> String {
    if rel.info.notes.is_empty() {
        String::new()
    } else {
        format!("NOTES:\n{}\n", rel.info.notes)
    }
}

/// `get hooks`.
pub fn hooks(rel: &Release) -> String {
    let mut out = String::new();
    for h in &rel.hooks {
        let _ = writeln!(out, "---\n# Source: {}\n{}", h.path, h.manifest);
    }
    out
}

fn dependency_value(d: &Dependency) -> GoValue {
    let mut b = GoValue::struct_builder()
        .field("name", GoValue::String(d.name.clone()))
        .field_omitempty("version", GoValue::String(d.version.clone()))
        .field("repository", GoValue::String(d.repository.clone()))
        .field_omitempty("condition", GoValue::String(d.condition.clone()));
    if !d.tags.is_empty() {
        b = b.field(
            "tags",
            GoValue::Array(d.tags.iter().map(|t| GoValue::String(t.clone())).collect()),
        );
    }
    b = b.field_omitempty("enabled", GoValue::Bool(d.enabled));
    if !d.import_values.is_empty() {
        b = b.field(
            "import-values",
            GoValue::Array(d.import_values.iter().map(GoValue::from_json).collect()),
        );
    }
    b.field_omitempty("alias", GoValue::String(d.alias.clone()))
        .build()
}

fn string_map(m: &BTreeMap<String, String>) -> GoValue {
    GoValue::Map(
        m.iter()
            .map(|(k, v)| (k.clone(), GoValue::String(v.clone())))
            .collect(),
    )
}

/// `k8s.io/apimachinery/pkg/labels.Set.String()`: sorted `k=v` pairs.
fn label_string(m: &BTreeMap<String, String>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// `get metadata`. `labels` are the labels helm reports for this lookup
/// (all object labels for the newest revision, custom ones for
/// `--revision`).
pub fn metadata(
    rel: &Release,
    labels: &BTreeMap<String, String>,
    format: Format,
    compat: Compat,
) -> Result<String, PresentError> {
    let meta = rel
        .chart
        .as_ref()
        .and_then(|c| c.metadata.clone())
        .unwrap_or_default();
    let deployed_at = rel
        .info
        .last_deployed
        .as_ref()
        .map(times::rfc3339)
        .unwrap_or_else(times::zero_rfc3339);
    match format {
        Format::Table => {
            let mut out = String::new();
            let _ = writeln!(out, "NAME: {}", rel.name);
            let _ = writeln!(out, "CHART: {}", meta.name);
            let _ = writeln!(out, "VERSION: {}", meta.version);
            let _ = writeln!(out, "APP_VERSION: {}", meta.app_version);
            let _ = writeln!(out, "ANNOTATIONS: {}", label_string(&meta.annotations));
            if compat == Compat::V4 {
                let _ = writeln!(out, "LABELS: {}", label_string(labels));
            }
            let mut deps: Vec<&str> = meta.dependencies.iter().map(|d| d.name.as_str()).collect();
            deps.sort_unstable();
            let _ = writeln!(out, "DEPENDENCIES: {}", deps.join(","));
            let _ = writeln!(out, "NAMESPACE: {}", rel.namespace);
            let _ = writeln!(out, "REVISION: {}", rel.version);
            let _ = writeln!(out, "STATUS: {}", rel.info.status);
            let _ = writeln!(out, "DEPLOYED_AT: {deployed_at}");
            if compat == Compat::V4 {
                let method = match rel.apply_method.as_str() {
                    "" => "client-side apply (defaulted)".to_string(),
                    "csa" => "client-side apply".to_string(),
                    "ssa" => "server-side apply".to_string(),
                    other => format!("unknown ({other:?})"),
                };
                let _ = writeln!(out, "APPLY_METHOD: {method}");
            }
            Ok(out)
        }
        f => {
            let mut b = GoValue::struct_builder()
                .field("name", GoValue::String(rel.name.clone()))
                .field("chart", GoValue::String(meta.name.clone()))
                .field("version", GoValue::String(meta.version.clone()))
                .field("appVersion", GoValue::String(meta.app_version.clone()))
                .field_omitempty("annotations", string_map(&meta.annotations));
            if compat == Compat::V4 {
                b = b.field_omitempty("labels", string_map(labels));
            }
            if !meta.dependencies.is_empty() {
                b = b.field(
                    "dependencies",
                    GoValue::Array(meta.dependencies.iter().map(dependency_value).collect()),
                );
            }
            b = b
                .field("namespace", GoValue::String(rel.namespace.clone()))
                .field("revision", GoValue::Int(rel.version))
                .field(
                    "status",
                    GoValue::String(rel.info.status.as_str().to_string()),
                )
                .field("deployedAt", GoValue::String(deployed_at));
            if compat == Compat::V4 {
                b = b.field_omitempty("applyMethod", GoValue::String(rel.apply_method.clone()));
            }
            encode(f, &b.build())
        }
    }
}
