//! The chart as a release record stores it: the JSON Go's `encoding/json`
//! writes for helm's `Chart` struct (v3 `pkg/chart`, v4 `pkg/chart/v2`).
//!
//! - keys in struct order: `metadata`, `lock`, `templates`, `values`,
//!   `schema`, (v4) `schemamodtime`, `files`, (v4) `modtime` (omitted when
//!   zero); subcharts are not stored;
//! - `lock`, `templates`, `values`, `schema` and `files` are `null` when
//!   Go's value is nil;
//! - file and schema bytes are standard base64; v4 files carry `modtime`
//!   (omitted when zero); v4's `schemamodtime` is always written, zero as
//!   `0001-01-01T00:00:00Z`;
//! - metadata fields are all `omitempty` except a dependency's `name` and
//!   `repository`.

use base64::Engine as _;

use crate::compat::Compat;
use crate::gojson::json::{Encoder, write_value};
use crate::gojson::time::rfc3339_nano;
use crate::gojson::{GoTime, GoValue};

use super::model::{Chart, Dependency, File, Lock, Metadata};

const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The `chart` member of a release record, byte for byte as helm `compat`
/// writes it.
///
/// A value Go cannot encode (a NaN or infinite float in the values) is
/// written as `null`; helm would fail the whole release instead.
pub fn chart_json(chart: &Chart, compat: Compat) -> String {
    let mut out = String::new();
    let value = chart_value(chart, compat);
    if write_value(&mut out, &value, Encoder::EncodingJson).is_err() {
        out.clear();
        out.push_str("null");
    }
    out
}

/// The chart as a Go value in record form (see [`chart_json`]).
pub fn chart_value(chart: &Chart, compat: Compat) -> GoValue {
    let v4 = compat == Compat::V4;
    let mut b = GoValue::struct_builder()
        .field("metadata", metadata_value(&chart.metadata))
        .field(
            "lock",
            chart.lock.as_ref().map_or(GoValue::Null, lock_value),
        )
        .field("templates", files_value(&chart.templates, v4))
        .field(
            "values",
            if chart.values_null {
                GoValue::Null
            } else {
                GoValue::Map(chart.values.clone())
            },
        )
        .field(
            "schema",
            chart
                .schema
                .as_ref()
                .map_or(GoValue::Null, |s| GoValue::String(b64(s))),
        );
    if v4 {
        b = b.field("schemamodtime", time_value(chart.schema_mod_time.as_ref()));
    }
    b = b.field("files", files_value(&chart.files, v4));
    if v4 && let Some(t) = &chart.mod_time {
        b = b.field("modtime", time_value(Some(t)));
    }
    b.build()
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A Go `time.Time` field: what its `MarshalJSON` writes.
fn time_value(t: Option<&GoTime>) -> GoValue {
    GoValue::String(t.map_or_else(|| ZERO_TIME.to_string(), rfc3339_nano))
}

fn files_value(files: &[File], v4: bool) -> GoValue {
    if files.is_empty() {
        return GoValue::Null;
    }
    GoValue::Array(
        files
            .iter()
            .map(|f| {
                let mut b = GoValue::struct_builder()
                    .field("name", f.name.as_str())
                    .field("data", b64(&f.data));
                if v4 && let Some(t) = &f.mod_time {
                    b = b.field("modtime", time_value(Some(t)));
                }
                b.build()
            })
            .collect(),
    )
}

fn strings(v: &[String]) -> GoValue {
    GoValue::Array(v.iter().map(|s| GoValue::string(s.as_str())).collect())
}

/// `Metadata` as `encoding/json` writes it.
pub fn metadata_value(md: &Metadata) -> GoValue {
    let maintainers = GoValue::Array(
        md.maintainers
            .iter()
            .map(|m| {
                GoValue::struct_builder()
                    .field_omitempty("name", m.name.as_str())
                    .field_omitempty("email", m.email.as_str())
                    .field_omitempty("url", m.url.as_str())
                    .build()
            })
            .collect(),
    );
    let annotations = GoValue::Map(
        md.annotations
            .iter()
            .map(|(k, v)| (k.clone(), GoValue::string(v.as_str())))
            .collect(),
    );
    GoValue::struct_builder()
        .field_omitempty("name", md.name.as_str())
        .field_omitempty("home", md.home.as_str())
        .field_omitempty("sources", strings(&md.sources))
        .field_omitempty("version", md.version.as_str())
        .field_omitempty("description", md.description.as_str())
        .field_omitempty("keywords", strings(&md.keywords))
        .field_omitempty("maintainers", maintainers)
        .field_omitempty("icon", md.icon.as_str())
        .field_omitempty("apiVersion", md.api_version.as_str())
        .field_omitempty("condition", md.condition.as_str())
        .field_omitempty("tags", md.tags.as_str())
        .field_omitempty("appVersion", md.app_version.as_str())
        .field_omitempty("deprecated", md.deprecated)
        .field_omitempty("annotations", annotations)
        .field_omitempty("kubeVersion", md.kube_version.as_str())
        .field_omitempty(
            "dependencies",
            GoValue::Array(md.dependencies.iter().map(dependency_value).collect()),
        )
        .field_omitempty("type", md.chart_type.as_str())
        .build()
}

/// A `Dependency` as `encoding/json` writes it.
pub fn dependency_value(d: &Dependency) -> GoValue {
    GoValue::struct_builder()
        .field("name", d.name.as_str())
        .field_omitempty("version", d.version.as_str())
        .field("repository", d.repository.as_str())
        .field_omitempty("condition", d.condition.as_str())
        .field_omitempty("tags", strings(&d.tags))
        .field_omitempty("enabled", d.enabled)
        .field_omitempty("import-values", GoValue::Array(d.import_values.clone()))
        .field_omitempty("alias", d.alias.as_str())
        .build()
}

/// A `Lock` as `encoding/json` writes it (no field is omitted).
pub fn lock_value(l: &Lock) -> GoValue {
    GoValue::struct_builder()
        .field("generated", time_value(l.generated.as_ref()))
        .field("digest", l.digest.as_str())
        .field(
            "dependencies",
            if l.dependencies.is_empty() {
                GoValue::Null
            } else {
                GoValue::Array(l.dependencies.iter().map(dependency_value).collect())
            },
        )
        .build()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shape_v3_and_v4() {
        let mut c = Chart::default();
        c.metadata.name = "a".into();
        c.metadata.version = "1.0.0".into();
        c.metadata.api_version = "v2".into();
        c.values_null = true;
        c.templates.push(File {
            name: "templates/x.yaml".into(),
            data: b"x".to_vec(),
            mod_time: None,
        });
        assert_eq!(
            chart_json(&c, Compat::V3),
            r#"{"metadata":{"name":"a","version":"1.0.0","apiVersion":"v2"},"lock":null,"templates":[{"name":"templates/x.yaml","data":"eA=="}],"values":null,"schema":null,"files":null}"#
        );
        assert_eq!(
            chart_json(&c, Compat::V4),
            r#"{"metadata":{"name":"a","version":"1.0.0","apiVersion":"v2"},"lock":null,"templates":[{"name":"templates/x.yaml","data":"eA=="}],"values":null,"schema":null,"schemamodtime":"0001-01-01T00:00:00Z","files":null}"#
        );
    }
}
