//! [`GoValue`]: a Go value on its way into `encoding/json` or jsoniter, the
//! one value model of the crate (command output, release JSON values and
//! structured-merge-diff's field-set keys all use it).

use std::collections::BTreeMap;

/// A Go value about to be serialised by Go's `encoding/json`, and so (via
/// `sigs.k8s.io/yaml`) by helm's YAML output too.
///
/// The variants mirror the Go types whose encoding differs: a Go `int`
/// field prints as an integer, whereas every number that went through
/// `json.Unmarshal` into `interface{}` is a `float64`; a Go map prints its
/// keys sorted, whereas a struct prints its fields in declaration order.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    /// `nil`: a nil interface, pointer, map or slice. Prints `null`.
    Null,
    /// A Go `bool`.
    Bool(bool),
    /// A Go integer field, e.g. a release revision.
    Int(i64),
    /// A Go `float64`. Every number decoded by `json.Unmarshal` into
    /// `interface{}` is one, integers included.
    Float(f64),
    /// A Go `string`.
    String(String),
    /// A non-nil Go slice (`[]` when empty; use [`GoValue::Null`] for a nil
    /// slice, which Go prints as `null`).
    Array(Vec<GoValue>),
    /// A Go map with string keys. `encoding/json` sorts the keys by their
    /// bytes, which is exactly `BTreeMap<String, _>`'s order.
    Map(BTreeMap<String, GoValue>),
    /// A Go struct: fields in declaration order, already named as their
    /// `json` tags say. The caller has already dropped `omitempty` fields
    /// (see [`StructBuilder::field_omitempty`]).
    Struct(Vec<(String, GoValue)>),
}

impl GoValue {
    /// What Go's `json.Unmarshal` into `interface{}` makes of `value`:
    /// objects become maps, arrays slices, and every number a `float64`.
    ///
    /// serde_json hands over integers that fit 64 bits as `i64`/`u64`;
    /// they are converted with round-to-nearest-even, which is what Go's
    /// correctly rounded `ParseFloat` does with the same digits. Fractional
    /// numbers are only as exact as serde_json parsed them, which is why the
    /// crate enables serde_json's `float_roundtrip` feature.
    pub fn from_json(value: &serde_json::Value) -> GoValue {
        match value {
            serde_json::Value::Null => GoValue::Null,
            serde_json::Value::Bool(b) => GoValue::Bool(*b),
            serde_json::Value::Number(n) => GoValue::Float(number_to_f64(n)),
            serde_json::Value::String(s) => GoValue::String(s.clone()),
            serde_json::Value::Array(items) => {
                GoValue::Array(items.iter().map(GoValue::from_json).collect())
            }
            serde_json::Value::Object(map) => GoValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// What apimachinery's unstructured converter makes of `value` (a
    /// Kubernetes object read as JSON): objects become maps, integers that
    /// fit an `int64` stay integers, every other number is a `float64`.
    /// (`-0` stays a float here while Go reads it as the integer 0.)
    pub fn from_unstructured(value: &serde_json::Value) -> GoValue {
        match value {
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => GoValue::Int(i),
                None => GoValue::Float(number_to_f64(n)),
            },
            serde_json::Value::Array(items) => {
                GoValue::Array(items.iter().map(GoValue::from_unstructured).collect())
            }
            serde_json::Value::Object(map) => GoValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_unstructured(v)))
                    .collect(),
            ),
            other => GoValue::from_json(other),
        }
    }

    /// A string value.
    pub fn string(s: impl Into<String>) -> GoValue {
        GoValue::String(s.into())
    }

    /// Starts a [`GoValue::Struct`], fields added in declaration order.
    pub fn struct_builder() -> StructBuilder {
        StructBuilder::default()
    }

    /// Whether `encoding/json`'s `omitempty` would drop a field holding
    /// this value: `false`, `0`, `""`, nil, and empty slices and maps.
    /// Structs are never empty to Go, whatever they hold.
    pub fn is_empty_value(&self) -> bool {
        match self {
            GoValue::Null => true,
            GoValue::Bool(b) => !b,
            GoValue::Int(i) => *i == 0,
            GoValue::Float(f) => *f == 0.0,
            GoValue::String(s) => s.is_empty(),
            GoValue::Array(a) => a.is_empty(),
            GoValue::Map(m) => m.is_empty(),
            GoValue::Struct(_) => false,
        }
    }
}

fn number_to_f64(n: &serde_json::Number) -> f64 {
    if let Some(i) = n.as_i64() {
        i as f64
    } else if let Some(u) = n.as_u64() {
        u as f64
    } else {
        // Without serde_json's arbitrary_precision every other number is
        // an f64 already, so this cannot fall through to the default.
        n.as_f64().unwrap_or_default()
    }
}

/// Builds a [`GoValue::Struct`] field by field, in declaration order.
#[derive(Debug, Default, Clone)]
pub struct StructBuilder {
    fields: Vec<(String, GoValue)>,
}

impl StructBuilder {
    /// Adds a field that is always written.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<GoValue>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Adds a field tagged `json:",omitempty"`: it is left out when Go
    /// would consider the value empty ([`GoValue::is_empty_value`]).
    pub fn field_omitempty(self, name: impl Into<String>, value: impl Into<GoValue>) -> Self {
        let value = value.into();
        if value.is_empty_value() {
            self
        } else {
            self.field(name, value)
        }
    }

    /// The finished struct value.
    pub fn build(self) -> GoValue {
        GoValue::Struct(self.fields)
    }
}

impl From<bool> for GoValue {
    fn from(b: bool) -> Self {
        GoValue::Bool(b)
    }
}

impl From<i64> for GoValue {
    fn from(i: i64) -> Self {
        GoValue::Int(i)
    }
}

impl From<i32> for GoValue {
    fn from(i: i32) -> Self {
        GoValue::Int(i64::from(i))
    }
}

impl From<u32> for GoValue {
    fn from(i: u32) -> Self {
        GoValue::Int(i64::from(i))
    }
}

impl From<f64> for GoValue {
    fn from(f: f64) -> Self {
        GoValue::Float(f)
    }
}

impl From<&str> for GoValue {
    fn from(s: &str) -> Self {
        GoValue::String(s.to_owned())
    }
}

impl From<String> for GoValue {
    fn from(s: String) -> Self {
        GoValue::String(s)
    }
}

impl From<Vec<GoValue>> for GoValue {
    fn from(items: Vec<GoValue>) -> Self {
        GoValue::Array(items)
    }
}

impl From<BTreeMap<String, GoValue>> for GoValue {
    fn from(map: BTreeMap<String, GoValue>) -> Self {
        GoValue::Map(map)
    }
}

/// `None` is Go's nil.
impl<T: Into<GoValue>> From<Option<T>> for GoValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(GoValue::Null, Into::into)
    }
}

impl From<&serde_json::Value> for GoValue {
    fn from(value: &serde_json::Value) -> Self {
        GoValue::from_json(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_json_is_go_unmarshal_into_interface() {
        let v = json!({
            "b": [1, -2, 1.5, true, null, "s"],
            "a": {"x": 12345678901234567890u64, "y": -9223372036854775808i64},
        });
        let expected = GoValue::Map(BTreeMap::from([
            (
                "a".to_owned(),
                GoValue::Map(BTreeMap::from([
                    ("x".to_owned(), GoValue::Float(12345678901234567890.0)),
                    ("y".to_owned(), GoValue::Float(-9223372036854775808.0)),
                ])),
            ),
            (
                "b".to_owned(),
                GoValue::Array(vec![
                    GoValue::Float(1.0),
                    GoValue::Float(-2.0),
                    GoValue::Float(1.5),
                    GoValue::Bool(true),
                    GoValue::Null,
                    GoValue::string("s"),
                ]),
            ),
        ]));
        assert_eq!(GoValue::from_json(&v), expected);
    }

    #[test]
    fn big_integers_round_like_parse_float() {
        // 2^53 + 1 is not representable; Go's ParseFloat rounds to even.
        let v: serde_json::Value = serde_json::from_str("9007199254740993").unwrap_or_default();
        assert_eq!(GoValue::from_json(&v), GoValue::Float(9007199254740992.0));
        let v: serde_json::Value = serde_json::from_str("18446744073709551615").unwrap_or_default();
        assert_eq!(
            GoValue::from_json(&v),
            GoValue::Float(18446744073709551616.0)
        );
    }

    #[test]
    fn omitempty_follows_go() {
        let s = GoValue::struct_builder()
            .field("name", "x")
            .field_omitempty("empty", "")
            .field_omitempty("zero", 0i64)
            .field_omitempty("nested", GoValue::Struct(vec![]))
            .field_omitempty("none", Option::<String>::None)
            .build();
        assert_eq!(
            s,
            GoValue::Struct(vec![
                ("name".to_owned(), GoValue::string("x")),
                ("nested".to_owned(), GoValue::Struct(vec![])),
            ])
        );
    }
}
