//! `Chart.yaml`, `Chart.lock` and `values.yaml` into the chart model, the
//! way helm reads them: `sigs.k8s.io/yaml` turns the YAML into JSON (a
//! number or bool headed for a string field becomes its text), then Go's
//! `encoding/json` fills the struct: keys matched exactly, else
//! case-insensitively, in sorted key order (the later of two matching keys
//! wins), unknown keys ignored, `null` leaving a field as it was, and the
//! first type mismatch reported in Go's words once the rest is decoded.

use std::collections::BTreeMap;

use crate::compat::Compat;
use crate::gojson::decode::{field_type_text, match_field, value_type_text, yaml_number_string};
use crate::gojson::{GoTime, GoValue};

use super::model::{Dependency, Lock, Maintainer, Metadata, Values};

/// The JSON names of `Metadata`'s fields, in declaration order (the
/// repo index's `ChartVersion` embeds them).
pub(crate) const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];

/// The JSON names of `Maintainer`'s fields.
pub(crate) const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];

/// The JSON names of `Dependency`'s fields, in declaration order.
pub(crate) const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

/// Metadata as decoded, with the null entries Go keeps as nil pointers
/// (validation refuses them later, in its own order).
#[derive(Clone, Debug, Default)]
pub struct DecodedMetadata {
    /// The fields.
    pub metadata: Metadata,
    /// `maintainers` had a null entry.
    pub null_maintainer: bool,
    /// The index of the first null entry of `dependencies`.
    pub null_dependency: Option<usize>,
}

/// Decodes a YAML-derived value into `into` (fields present overwrite,
/// as Go's decoder does into an existing struct).
///
/// # Errors
///
/// Go's `json: cannot unmarshal ...` text of the first type mismatch.
pub fn metadata_into(
    value: &GoValue,
    into: &mut DecodedMetadata,
    compat: Compat,
) -> Result<(), String> {
    let mut d = Decoder::new(compat);
    match value {
        GoValue::Null => {}
        GoValue::Map(m) => d.metadata(m, into),
        other => d.top_error(other, &format!("{}Metadata", d.pkg)),
    }
    d.finish()
}

/// Decodes `Chart.lock` (or `requirements.lock`); `Ok(None)` for an empty
/// document (Go sets the pointer to nil).
///
/// # Errors
///
/// Go's `json: ...` text of the first type mismatch or bad time.
pub fn lock(value: &GoValue, compat: Compat) -> Result<Option<Lock>, String> {
    let mut d = Decoder::new(compat);
    let mut lock = Lock::default();
    match value {
        GoValue::Null => return Ok(None),
        GoValue::Map(m) => {
            for (key, v) in m {
                let Some(field) = match_field(key, &["generated", "digest", "dependencies"]) else {
                    continue;
                };
                d.push("Lock", field);
                match field {
                    "generated" => match v {
                        GoValue::Null => {}
                        GoValue::String(s) => match GoTime::parse_rfc3339(s) {
                            Some(t) => lock.generated = Some(t),
                            None => d.fail(format!(
                                "parsing time {:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {:?} as \"2006\"",
                                format!("\"{s}\""),
                                format!("{s}\"")
                            )),
                        },
                        other => d.mismatch(other, "time.Time"),
                    },
                    "digest" => d.string(v, &mut lock.digest),
                    _ => {
                        let mut nulls = None;
                        d.dependencies(v, &mut lock.dependencies, &mut nulls);
                    }
                }
                d.pop();
            }
        }
        other => d.top_error(other, &format!("*{}Lock", d.pkg)),
    }
    d.finish()?;
    Ok(Some(lock))
}

/// Decodes one values document into a map; `Ok(None)` for an empty
/// document (Go's decoder sets the map to nil).
///
/// # Errors
///
/// Go's `json: cannot unmarshal ...` text when the document is not a map.
pub fn values(value: &GoValue) -> Result<Option<Values>, String> {
    match value {
        GoValue::Null => Ok(None),
        GoValue::Map(m) => Ok(Some(m.clone())),
        other => Err(value_type_text(other, "map[string]interface {}")),
    }
}

/// The `apiVersion` field only (helm v4's `chartBase`, read to choose a
/// loader).
///
/// # Errors
///
/// Go's `json: ...` text for a non-object document or a non-string field.
pub fn api_version(value: &GoValue) -> Result<String, String> {
    let mut d = Decoder::new(Compat::V4);
    let mut out = String::new();
    match value {
        GoValue::Null => {}
        GoValue::Map(m) => {
            for (key, v) in m {
                if match_field(key, &["apiVersion"]).is_some() {
                    d.push("chartBase", "apiVersion");
                    d.string(v, &mut out);
                    d.pop();
                }
            }
        }
        other => d.top_error(other, "loader.chartBase"),
    }
    d.finish()?;
    Ok(out)
}

/// What `sigs.k8s.io/yaml` makes of a YAML scalar headed for a Go string:
/// numbers and bools become their text (floats as `float32` `'g'`).
fn scalar_text(v: &GoValue) -> Option<String> {
    match v {
        GoValue::String(s) => Some(s.clone()),
        GoValue::Bool(b) => Some(b.to_string()),
        GoValue::Int(i) => Some(i.to_string()),
        GoValue::Float(f) => Some(yaml_number_string(*f)),
        _ => None,
    }
}

struct Decoder {
    pkg: &'static str,
    /// (innermost struct name, JSON field path).
    stack: Vec<(&'static str, &'static str)>,
    first: Option<String>,
}

impl Decoder {
    fn new(compat: Compat) -> Decoder {
        Decoder {
            pkg: if compat == Compat::V3 {
                "chart."
            } else {
                "v2."
            },
            stack: Vec::new(),
            first: None,
        }
    }

    fn finish(self) -> Result<(), String> {
        match self.first {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn push(&mut self, st: &'static str, field: &'static str) {
        self.stack.push((st, field));
    }

    fn pop(&mut self) {
        self.stack.pop();
    }

    fn fail(&mut self, msg: String) {
        if self.first.is_none() {
            self.first = Some(msg);
        }
    }

    fn top_error(&mut self, v: &GoValue, ty: &str) {
        self.fail(value_type_text(v, ty));
    }

    /// A type mismatch at the current field.
    fn mismatch(&mut self, v: &GoValue, ty: &str) {
        let Some((st, _)) = self.stack.last() else {
            self.top_error(v, ty);
            return;
        };
        let path: Vec<&str> = self.stack.iter().map(|(_, f)| *f).collect();
        let msg = field_type_text(v, st, &path.join("."), ty);
        self.fail(msg);
    }

    fn string(&mut self, v: &GoValue, into: &mut String) {
        match v {
            GoValue::Null => {}
            other => match scalar_text(other) {
                Some(s) => *into = s,
                None => self.mismatch(other, "string"),
            },
        }
    }

    fn bool(&mut self, v: &GoValue, into: &mut bool) {
        match v {
            GoValue::Null => {}
            GoValue::Bool(b) => *into = *b,
            other => self.mismatch(other, "bool"),
        }
    }

    fn strings(&mut self, v: &GoValue, into: &mut Vec<String>) {
        match v {
            GoValue::Null => into.clear(),
            GoValue::Array(items) => {
                into.clear();
                for item in items {
                    let mut s = String::new();
                    self.string(item, &mut s);
                    into.push(s);
                }
            }
            other => self.mismatch(other, "[]string"),
        }
    }

    fn metadata(&mut self, m: &BTreeMap<String, GoValue>, into: &mut DecodedMetadata) {
        for (key, v) in m {
            let Some(field) = match_field(key, METADATA_FIELDS) else {
                continue;
            };
            self.push("Metadata", field);
            let md = &mut into.metadata;
            match field {
                "name" => self.string(v, &mut md.name),
                "home" => self.string(v, &mut md.home),
                "sources" => self.strings(v, &mut md.sources),
                "version" => self.string(v, &mut md.version),
                "description" => self.string(v, &mut md.description),
                "keywords" => self.strings(v, &mut md.keywords),
                "maintainers" => {
                    self.maintainers(v, &mut md.maintainers, &mut into.null_maintainer)
                }
                "icon" => self.string(v, &mut md.icon),
                "apiVersion" => self.string(v, &mut md.api_version),
                "condition" => self.string(v, &mut md.condition),
                "tags" => self.string(v, &mut md.tags),
                "appVersion" => self.string(v, &mut md.app_version),
                "deprecated" => self.bool(v, &mut md.deprecated),
                "annotations" => match v {
                    GoValue::Null => md.annotations.clear(),
                    GoValue::Map(entries) => {
                        for (k, item) in entries {
                            let mut s = String::new();
                            self.string(item, &mut s);
                            md.annotations.insert(k.clone(), s);
                        }
                    }
                    other => self.mismatch(other, "map[string]string"),
                },
                "kubeVersion" => self.string(v, &mut md.kube_version),
                "dependencies" => {
                    self.dependencies(v, &mut md.dependencies, &mut into.null_dependency)
                }
                _ => self.string(v, &mut md.chart_type),
            }
            self.pop();
        }
    }

    fn maintainers(&mut self, v: &GoValue, into: &mut Vec<Maintainer>, nulls: &mut bool) {
        match v {
            GoValue::Null => {
                into.clear();
                *nulls = false;
            }
            GoValue::Array(items) => {
                into.clear();
                *nulls = false;
                for item in items {
                    let mut m = Maintainer::default();
                    match item {
                        GoValue::Null => *nulls = true,
                        GoValue::Map(fields) => {
                            for (key, fv) in fields {
                                let Some(f) = match_field(key, MAINTAINER_FIELDS) else {
                                    continue;
                                };
                                self.push("Maintainer", f);
                                match f {
                                    "name" => self.string(fv, &mut m.name),
                                    "email" => self.string(fv, &mut m.email),
                                    _ => self.string(fv, &mut m.url),
                                }
                                self.pop();
                            }
                        }
                        other => {
                            let ty = format!("{}Maintainer", self.pkg);
                            self.mismatch(other, &ty);
                        }
                    }
                    into.push(m);
                }
            }
            other => {
                let ty = format!("[]*{}Maintainer", self.pkg);
                self.mismatch(other, &ty);
            }
        }
    }

    fn dependencies(&mut self, v: &GoValue, into: &mut Vec<Dependency>, nulls: &mut Option<usize>) {
        match v {
            GoValue::Null => {
                into.clear();
                *nulls = None;
            }
            GoValue::Array(items) => {
                into.clear();
                *nulls = None;
                for (i, item) in items.iter().enumerate() {
                    let mut d = Dependency::default();
                    match item {
                        GoValue::Null => {
                            nulls.get_or_insert(i);
                        }
                        GoValue::Map(fields) => {
                            for (key, fv) in fields {
                                let Some(f) = match_field(key, DEPENDENCY_FIELDS) else {
                                    continue;
                                };
                                self.push("Dependency", f);
                                match f {
                                    "name" => self.string(fv, &mut d.name),
                                    "version" => self.string(fv, &mut d.version),
                                    "repository" => self.string(fv, &mut d.repository),
                                    "condition" => self.string(fv, &mut d.condition),
                                    "tags" => self.strings(fv, &mut d.tags),
                                    "enabled" => self.bool(fv, &mut d.enabled),
                                    "import-values" => match fv {
                                        GoValue::Null => d.import_values.clear(),
                                        GoValue::Array(a) => d.import_values = a.clone(),
                                        other => self.mismatch(other, "[]interface {}"),
                                    },
                                    _ => self.string(fv, &mut d.alias),
                                }
                                self.pop();
                            }
                        }
                        other => {
                            let ty = format!("{}Dependency", self.pkg);
                            self.mismatch(other, &ty);
                        }
                    }
                    into.push(d);
                }
            }
            other => {
                let ty = format!("[]*{}Dependency", self.pkg);
                self.mismatch(other, &ty);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, GoValue)]) -> GoValue {
        GoValue::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn numbers_become_text_and_keys_fold() {
        let v = map(&[
            ("Name", GoValue::string("x")),
            ("version", GoValue::Float(1.0)),
            ("appVersion", GoValue::Float(1.10)),
            ("deprecated", GoValue::Bool(true)),
        ]);
        let mut d = DecodedMetadata::default();
        metadata_into(&v, &mut d, Compat::V3).unwrap();
        assert_eq!(d.metadata.name, "x");
        assert_eq!(d.metadata.version, "1");
        assert_eq!(d.metadata.app_version, "1.1");
        assert!(d.metadata.deprecated);
    }

    #[test]
    fn type_errors_in_go_words() {
        let v = map(&[(
            "maintainers",
            GoValue::Array(vec![map(&[("name", GoValue::Array(vec![]))])]),
        )]);
        let mut d = DecodedMetadata::default();
        assert_eq!(
            metadata_into(&v, &mut d, Compat::V3).unwrap_err(),
            "json: cannot unmarshal array into Go struct field Maintainer.maintainers.name of type string"
        );
        let v = map(&[("deprecated", GoValue::string("yes"))]);
        assert_eq!(
            metadata_into(&v, &mut DecodedMetadata::default(), Compat::V4).unwrap_err(),
            "json: cannot unmarshal string into Go struct field Metadata.deprecated of type bool"
        );
        assert_eq!(
            metadata_into(
                &GoValue::Array(vec![]),
                &mut DecodedMetadata::default(),
                Compat::V3
            )
            .unwrap_err(),
            "json: cannot unmarshal array into Go value of type chart.Metadata"
        );
    }
}
