//! Go's `encoding/json` decoding of a [`GoValue`] into helm's typed
//! structs: field names matched exactly, then case-insensitively; unknown
//! fields skipped, or refused in strict mode (`DisallowUnknownFields`, what
//! `yaml.UnmarshalStrict` turns on); type mismatches reported with Go's
//! `json: cannot unmarshal ...` text. `null` leaves a field at its zero
//! value, as Go does.
//!
//! Shared by the chart layer (`Chart.yaml`, `Chart.lock`) and the repo
//! layer (`index.yaml`, `repositories.yaml`), which both sit above this
//! module.

use std::collections::BTreeMap;

use crate::gojson::{GoTime, GoValue};

/// A decoding failure, worded as Go's `encoding/json` words it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// Where a value sits: the innermost struct type and the JSON field path
/// from the top (Go 1.20+ error context; map keys are not part of it).
#[derive(Clone, Debug)]
pub(crate) struct Cx {
    /// Go's name of the innermost struct type.
    pub strukt: &'static str,
    /// Field names from the top, dotted.
    pub path: String,
    /// Reject unknown fields.
    pub strict: bool,
    /// The Go type of the top-level value, for errors there.
    pub top: &'static str,
    /// The document was YAML: sigs.k8s.io/yaml turns a number or bool
    /// into a string where the target is a direct `string` field.
    pub yaml: bool,
}

impl Cx {
    /// The context at the top of a document.
    pub fn top(top: &'static str, strict: bool) -> Cx {
        Cx {
            strukt: "",
            path: String::new(),
            strict,
            top,
            yaml: strict,
        }
    }

    /// The same context for a YAML (or JSON) document.
    pub fn with_yaml(mut self, yaml: bool) -> Cx {
        self.yaml = yaml;
        self
    }

    /// The context inside field `name` of struct `strukt`.
    pub fn field(&self, strukt: &'static str, name: &str) -> Cx {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Cx {
            strukt,
            path,
            strict: self.strict,
            top: self.top,
            yaml: self.yaml,
        }
    }

    /// Go's type error for `value` found where `go_type` was wanted.
    pub fn type_error(&self, value: &GoValue, go_type: &str) -> DecodeError {
        if self.path.is_empty() {
            DecodeError(value_type_text(value, self.top))
        } else {
            DecodeError(field_type_text(value, self.strukt, &self.path, go_type))
        }
    }
}

/// Go's type error for `value` decoded at the top, into a `go_type`.
pub(crate) fn value_type_text(value: &GoValue, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go value of type {go_type}",
        kind(value)
    )
}

/// Go's type error for `value` decoded into field `path` (dotted, from the
/// top) whose innermost struct is `strukt`.
pub(crate) fn field_type_text(value: &GoValue, strukt: &str, path: &str, go_type: &str) -> String {
    format!(
        "json: cannot unmarshal {} into Go struct field {strukt}.{path} of type {go_type}",
        kind(value)
    )
}

/// The JSON kind Go names in a type error.
fn kind(value: &GoValue) -> &'static str {
    match value {
        GoValue::Null => "null",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) | GoValue::Float(_) => "number",
        GoValue::String(_) => "string",
        GoValue::Array(_) => "array",
        GoValue::Map(_) | GoValue::Struct(_) => "object",
    }
}

/// Walks an object's members in order, handing each to `set` under the
/// declared field name it matches (exactly, else ignoring ASCII case, as
/// Go's `encoding/json` does). `null` or a non-object: Go's behaviour for
/// a struct (no-op, type error).
pub(crate) fn object(
    value: &GoValue,
    cx: &Cx,
    go_type: &str,
    fields: &[&'static str],
    mut set: impl FnMut(&'static str, &GoValue) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    let map = match value {
        GoValue::Null => return Ok(()),
        GoValue::Map(m) => m,
        other => return Err(cx.type_error(other, go_type)),
    };
    for (key, v) in map {
        match match_field(key, fields) {
            Some(f) => set(f, v)?,
            None if cx.strict => {
                return Err(DecodeError(format!("json: unknown field {key:?}")));
            }
            None => {}
        }
    }
    Ok(())
}

/// The struct field a JSON key lands in: the exact name, else the first
/// match ignoring ASCII case (as Go's `encoding/json` folds names).
pub(crate) fn match_field(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

/// A Go `string`.
pub(crate) fn string(v: &GoValue, cx: &Cx) -> Result<String, DecodeError> {
    match v {
        GoValue::Null => Ok(String::new()),
        GoValue::String(s) => Ok(s.clone()),
        other => Err(cx.type_error(other, "string")),
    }
}

/// A Go `string` that is a direct field of the struct decoded (or an
/// element of one): from YAML, sigs.k8s.io/yaml has already turned a
/// number or bool there into a string (`password: 1234`). Promoted fields
/// of an embedded struct do not get this (it looks one level deep only).
pub(crate) fn direct_string(v: &GoValue, cx: &Cx) -> Result<String, DecodeError> {
    if cx.yaml {
        match v {
            GoValue::Float(f) => return Ok(yaml_number_string(*f)),
            GoValue::Int(i) => return Ok(i.to_string()),
            GoValue::Bool(b) => return Ok(b.to_string()),
            _ => {}
        }
    }
    string(v, cx)
}

/// A `[]string` direct field (elements converted as [`direct_string`]).
pub(crate) fn direct_strings(v: &GoValue, cx: &Cx) -> Result<Vec<String>, DecodeError> {
    match v {
        GoValue::Null => Ok(Vec::new()),
        GoValue::Array(items) => items.iter().map(|i| direct_string(i, cx)).collect(),
        other => Err(cx.type_error(other, "[]string")),
    }
}

/// go-yaml's number as sigs.k8s.io/yaml writes it into a string field: an
/// integer in decimal, a float with `strconv.FormatFloat(f, 'g', -1, 32)`.
/// Numbers arrive as float64 here, so an integral value in `int64` range
/// is taken to have been a YAML integer.
pub(crate) fn yaml_number_string(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        // Integral and in range: exact as an i64.
        return format!("{}", f as i64);
    }
    go_g32(f as f32)
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest float32 digits, in
/// exponent form (sign, at least two digits) when the decimal exponent of
/// those digits is below -4 or at least 6.
fn go_g32(f: f32) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.unsigned_abs())
    } else {
        format!("{f}")
    }
}

/// A Go `bool`.
pub(crate) fn boolean(v: &GoValue, cx: &Cx) -> Result<bool, DecodeError> {
    match v {
        GoValue::Null => Ok(false),
        GoValue::Bool(b) => Ok(*b),
        other => Err(cx.type_error(other, "bool")),
    }
}

/// A Go `[]string`.
pub(crate) fn strings(v: &GoValue, cx: &Cx) -> Result<Vec<String>, DecodeError> {
    match v {
        GoValue::Null => Ok(Vec::new()),
        GoValue::Array(items) => items.iter().map(|i| string(i, cx)).collect(),
        other => Err(cx.type_error(other, "[]string")),
    }
}

/// A Go `map[string]string`.
pub(crate) fn string_map(v: &GoValue, cx: &Cx) -> Result<BTreeMap<String, String>, DecodeError> {
    match v {
        GoValue::Null => Ok(BTreeMap::new()),
        GoValue::Map(m) => m
            .iter()
            .map(|(k, v)| Ok((k.clone(), string(v, cx)?)))
            .collect(),
        other => Err(cx.type_error(other, "map[string]string")),
    }
}

/// A Go `time.Time` (`None` for the zero time, which `null` leaves).
pub(crate) fn time(v: &GoValue, _cx: &Cx) -> Result<Option<GoTime>, DecodeError> {
    match v {
        GoValue::Null => Ok(None),
        GoValue::String(s) => match GoTime::parse_rfc3339(s) {
            Some(t) => Ok(Some(t)),
            None => Err(DecodeError(format!(
                "parsing time {:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {:?} as \"2006\"",
                s, s
            ))),
        },
        _ => Err(DecodeError(
            "Time.UnmarshalJSON: input is not a JSON string".into(),
        )),
    }
}

/// Go's zero `time.Time`, as `encoding/json` writes it.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// A time as `encoding/json` writes it (RFC 3339 with nanoseconds).
pub(crate) fn time_value(t: &Option<GoTime>) -> GoValue {
    match t {
        Some(t) => GoValue::String(crate::gojson::time::rfc3339_nano(t)),
        None => GoValue::string(ZERO_TIME),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_numbers_as_go_writes_them_into_strings() {
        assert_eq!(yaml_number_string(3.0), "3");
        assert_eq!(yaml_number_string(1.1), "1.1");
        assert_eq!(yaml_number_string(0.00001), "1e-05");
        assert_eq!(yaml_number_string(1234567.5), "1.2345675e+06");
        assert_eq!(yaml_number_string(123456.5), "123456.5");
    }

    #[test]
    fn field_names_exact_first_then_folded() {
        assert_eq!(match_field("Name", &["name", "Name"]), Some("Name"));
        assert_eq!(match_field("NAME", &["name"]), Some("name"));
        assert_eq!(match_field("nom", &["name"]), None);
    }
}
