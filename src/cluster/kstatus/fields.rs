//! Reading fields of an object the way kstatus reads them from a Go
//! `unstructured.Unstructured`.
//!
//! The rules are exact because they decide between a status and an error
//! (which kstatus reports as `Unknown`): a wrongly typed field is an error for
//! some readers and silently defaulted for others. The JSON to Go mapping
//! this relies on: client-go decodes integers that fit an `int64` to `int64`
//! and every other number to `float64`, which is what
//! [`serde_json::Value::as_i64`] distinguishes.

use serde_json::Value;

/// Why a field could not be read; kstatus turns it into an `Unknown` status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError(pub(crate) String);

pub(crate) type Read<T> = Result<T, FieldError>;

/// A JSON value's type as Go's `%T` names it, for error messages.
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.as_i64().is_some() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn json_path(path: &[&str]) -> String {
    path.iter().map(|field| format!(".{field}")).collect()
}

/// Walks `path` like `unstructured.NestedFieldNoCopy`: a missing key or a
/// `null` on the way means "not found", any other non-object on the way is an
/// error. A found field may itself be `null`.
pub(crate) fn nested<'a>(obj: &'a Value, path: &[&str]) -> Read<Option<&'a Value>> {
    let mut value = obj;
    for (i, field) in path.iter().enumerate() {
        match value {
            Value::Null => return Ok(None),
            Value::Object(map) => match map.get(*field) {
                Some(next) => value = next,
                None => return Ok(None),
            },
            other => {
                return Err(FieldError(format!(
                    "{} accessor error: {other} is of the type {}, expected map[string]interface{{}}",
                    json_path(&path[..=i]),
                    go_type(other)
                )));
            }
        }
    }
    Ok(Some(value))
}

/// `unstructured.NestedInt64`: a found field that is not an integer
/// (including `null`) is an error.
pub(crate) fn nested_i64(obj: &Value, path: &[&str]) -> Read<Option<i64>> {
    match nested(obj, path)? {
        None => Ok(None),
        Some(value) => value.as_i64().map(Some).ok_or_else(|| {
            FieldError(format!(
                "{} accessor error: {value} is of the type {}, expected int64",
                json_path(path),
                go_type(value)
            ))
        }),
    }
}

/// `unstructured.NestedString`: a found field that is not a string (including
/// `null`) is an error.
pub(crate) fn nested_str<'a>(obj: &'a Value, path: &[&str]) -> Read<Option<&'a str>> {
    match nested(obj, path)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(value) => Err(FieldError(format!(
            "{} accessor error: {value} is of the type {}, expected string",
            json_path(path),
            go_type(value)
        ))),
    }
}

/// kstatus' `GetIntField`: anything but an integer at `path` gives `default`.
pub(crate) fn int_or(obj: &Value, path: &[&str], default: i64) -> i64 {
    match nested(obj, path) {
        Ok(Some(value)) => value.as_i64().unwrap_or(default),
        _ => default,
    }
}

/// kstatus' `GetStringField`: anything but a string at `path` gives `default`.
pub(crate) fn str_or<'a>(obj: &'a Value, path: &[&str], default: &'a str) -> &'a str {
    match nested(obj, path) {
        Ok(Some(Value::String(s))) => s,
        _ => default,
    }
}

/// `unstructured.Unstructured`'s string getters (`GetName`, `GetKind`, …):
/// anything but a string reads as empty.
pub(crate) fn str_field<'a>(obj: &'a Value, path: &[&str]) -> &'a str {
    str_or(obj, path, "")
}

/// One entry of `status.conditions`, with the four fields kstatus looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) type_: String,
    pub(crate) status: String,
    pub(crate) reason: String,
    pub(crate) message: String,
}

/// Reads `status.conditions` as kstatus' `GetObjectWithConditions` does, with
/// the unstructured converter's typing rules: `status` and `conditions` may be
/// missing or `null`, a `null` entry is an empty condition, and the four
/// fields must be strings when present and not `null`. Any other shape is an
/// error. Other fields of a condition are ignored whatever their type.
pub(crate) fn conditions(obj: &Value) -> Read<Vec<Condition>> {
    let status = match obj.get("status") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(status)) => status,
        Some(other) => return Err(cannot_restore("struct", other)),
    };
    let entries = match status.get("conditions") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(entries)) => entries,
        Some(other) => return Err(cannot_restore("slice", other)),
    };
    entries
        .iter()
        .map(|entry| match entry {
            Value::Null => Ok(Condition::default()),
            Value::Object(map) => {
                let field = |name: &str| -> Read<String> {
                    match map.get(name) {
                        None | Some(Value::Null) => Ok(String::new()),
                        Some(Value::String(s)) => Ok(s.clone()),
                        Some(other) => Err(FieldError(format!(
                            "cannot convert {} to string",
                            go_type(other)
                        ))),
                    }
                };
                Ok(Condition {
                    type_: field("type")?,
                    status: field("status")?,
                    reason: field("reason")?,
                    message: field("message")?,
                })
            }
            other => Err(cannot_restore("struct", other)),
        })
        .collect()
}

fn cannot_restore(what: &str, from: &Value) -> FieldError {
    let kind = match from {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.as_i64().is_some() => "int64",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    };
    FieldError(format!("cannot restore {what} from {kind}"))
}

/// The object's API group, as `schema.ParseGroupVersion` reads `apiVersion`:
/// `None` when the apiVersion is malformed (more than one `/`), in which case
/// Go treats the whole group/version/kind as empty.
pub(crate) fn api_group(obj: &Value) -> Option<&str> {
    let api_version = str_field(obj, &["apiVersion"]);
    if api_version.is_empty() || api_version == "/" {
        return Some("");
    }
    match api_version.matches('/').count() {
        0 => Some(""),
        1 => api_version.split('/').next(),
        _ => None,
    }
}

/// The object's group and kind as kstatus dispatches on them: both empty when
/// the apiVersion is malformed.
pub(crate) fn group_kind(obj: &Value) -> (&str, &str) {
    match api_group(obj) {
        Some(group) => (group, str_field(obj, &["kind"])),
        None => ("", ""),
    }
}

/// `GetLabels` of an unstructured object: the labels, or none at all when
/// any value is not a string (Go's accessor gives up on the whole map).
pub(crate) fn labels(obj: &Value) -> Option<&serde_json::Map<String, Value>> {
    match nested(obj, &["metadata", "labels"]) {
        Ok(Some(Value::Object(map))) if map.values().all(Value::is_string) => Some(map),
        _ => None,
    }
}
