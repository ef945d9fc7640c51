//! The label selector of a workload (`spec.selector`), which kstatus uses to
//! list the pods of a StatefulSet or ReplicaSet (and the ReplicaSets of a
//! Deployment) before it judges the workload.
//!
//! Parsing follows `metav1.LabelSelectorAsSelector` after Go's JSON decoding
//! of `metav1.LabelSelector`, because an invalid selector makes kstatus report
//! the workload as `Unknown` whatever its status says.

use serde_json::{Map, Value};
use std::fmt;

use super::fields;

/// Why a workload's `spec.selector` cannot be used; kstatus reports the
/// workload as `Unknown` then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError(String);

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectorError {}

/// How one requirement compares a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// From `matchLabels`: the label exists and has the one value.
    Equals,
    /// The label exists and has one of the values.
    In,
    /// The label is absent or has none of the values.
    NotIn,
    /// The label exists.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

impl Requirement {
    fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let value = labels
            .and_then(|l| l.get(&self.key))
            .and_then(Value::as_str);
        let listed = |v: &str| self.values.iter().any(|w| w == v);
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(listed),
            Operator::NotIn => !value.is_some_and(listed),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

impl fmt::Display for Requirement {
    /// The Kubernetes label-selector syntax, as `labels.Requirement.String`
    /// writes it (values of a set sorted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values = self.values.clone();
        values.sort();
        let values = values.join(",");
        match self.operator {
            Operator::Equals => write!(f, "{}={values}", self.key),
            Operator::In => write!(f, "{} in ({values})", self.key),
            Operator::NotIn => write!(f, "{} notin ({values})", self.key),
            Operator::Exists => f.write_str(&self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
        }
    }
}

/// A validated label selector: every requirement must hold. An empty
/// selector (`{}`) selects everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Reads `spec.selector` of a workload as kstatus does; a missing or
    /// `null` selector is an error too, because kstatus cannot list pods
    /// without one.
    pub fn of_workload(obj: &Value) -> Result<Self, SelectorError> {
        match fields::nested(obj, &["spec", "selector"]) {
            Err(e) => Err(SelectorError(e.0)),
            Ok(None) => Err(SelectorError("no selector found".into())),
            Ok(Some(Value::Object(selector))) => Self::parse(selector),
            Ok(Some(other)) => Err(SelectorError(format!(
                ".spec.selector accessor error: {other} is not a map"
            ))),
        }
    }

    /// Parses a `metav1.LabelSelector` object and validates it.
    pub fn parse(selector: &Map<String, Value>) -> Result<Self, SelectorError> {
        let mut requirements = Vec::new();

        if let Some(match_labels) = go_json_field(selector, "matchLabels") {
            match match_labels {
                Value::Null => {}
                Value::Object(labels) => {
                    for (key, value) in labels {
                        let value = go_json_string(value, "matchLabels")?;
                        requirements.push(requirement(key, Operator::Equals, vec![value])?);
                    }
                }
                _ => return Err(type_error("matchLabels", "map[string]string")),
            }
        }

        if let Some(expressions) = go_json_field(selector, "matchExpressions") {
            match expressions {
                Value::Null => {}
                Value::Array(expressions) => {
                    // Decode every entry first: Go reports a type error only
                    // after decoding the whole selector, before validating.
                    let decoded = expressions
                        .iter()
                        .map(decode_expression)
                        .collect::<Result<Vec<_>, _>>()?;
                    for (key, operator, values) in decoded {
                        let operator = match operator.as_str() {
                            "In" => Operator::In,
                            "NotIn" => Operator::NotIn,
                            "Exists" => Operator::Exists,
                            "DoesNotExist" => Operator::DoesNotExist,
                            other => {
                                return Err(SelectorError(format!(
                                    "{other:?} is not a valid label selector operator"
                                )));
                            }
                        };
                        requirements.push(requirement(&key, operator, values)?);
                    }
                }
                _ => {
                    return Err(type_error(
                        "matchExpressions",
                        "[]v1.LabelSelectorRequirement",
                    ));
                }
            }
        }

        // `labels.Selector.Add` keeps requirements sorted by key.
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Self { requirements })
    }

    /// Whether a pod (or any object) carries matching labels. An object whose
    /// labels are not all strings has no labels at all for Go's accessors.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = fields::labels(obj);
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// The selector in the API's `labelSelector` query syntax, for listing
    /// the selected objects server-side; empty when it selects everything.
    pub fn to_query(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, requirement) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{requirement}")?;
        }
        Ok(())
    }
}

/// Finds a struct field in a JSON object as Go's `encoding/json` does: the
/// exact key, else a key equal to it ignoring ASCII case.
fn go_json_field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// A Go `string` decoded from JSON: `null` leaves it empty.
fn go_json_string(value: &Value, field: &str) -> Result<String, SelectorError> {
    match value {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        _ => Err(type_error(field, "string")),
    }
}

fn type_error(field: &str, go_type: &str) -> SelectorError {
    SelectorError(format!(
        "json: cannot unmarshal into Go struct field LabelSelector.{field} of type {go_type}"
    ))
}

fn decode_expression(entry: &Value) -> Result<(String, String, Vec<String>), SelectorError> {
    let map = match entry {
        Value::Null => return Ok((String::new(), String::new(), Vec::new())),
        Value::Object(map) => map,
        _ => {
            return Err(type_error(
                "matchExpressions",
                "v1.LabelSelectorRequirement",
            ));
        }
    };
    let string = |name: &str| match go_json_field(map, name) {
        None => Ok(String::new()),
        Some(value) => go_json_string(value, &format!("matchExpressions.{name}")),
    };
    let values = match go_json_field(map, "values") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| go_json_string(v, "matchExpressions.values"))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(type_error("matchExpressions.values", "[]string")),
    };
    Ok((string("key")?, string("operator")?, values))
}

/// `labels.NewRequirement`'s validation.
fn requirement(
    key: &str,
    operator: Operator,
    values: Vec<String>,
) -> Result<Requirement, SelectorError> {
    if let Err(why) = validate_label_key(key) {
        return Err(SelectorError(format!("key: Invalid value: {key:?}: {why}")));
    }
    let count_ok = match operator {
        Operator::In | Operator::NotIn => !values.is_empty(),
        Operator::Equals => values.len() == 1,
        Operator::Exists | Operator::DoesNotExist => values.is_empty(),
    };
    if !count_ok {
        return Err(SelectorError(format!(
            "values: Invalid value: {values:?}: wrong number of values for this operator"
        )));
    }
    if let Some(bad) = values.iter().find(|v| !is_label_value(v)) {
        return Err(SelectorError(format!(
            "values[{key}]: Invalid value: {bad:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        )));
    }
    Ok(Requirement {
        key: key.to_string(),
        operator,
        values,
    })
}

/// A label key: an optional DNS-subdomain prefix and `/`, then a name.
fn validate_label_key(key: &str) -> Result<(), &'static str> {
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => name,
        [prefix, name] => {
            if !is_dns1123_subdomain(prefix) {
                return Err("prefix part must be a lowercase RFC 1123 subdomain");
            }
            name
        }
        _ => return Err("a label key may contain at most one '/'"),
    };
    if name.is_empty() || name.len() > 63 || !is_label_name(name) {
        return Err(
            "name part must be 1 to 63 alphanumeric characters, '-', '_' or '.', starting and ending alphanumeric",
        );
    }
    Ok(())
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// At most 63 bytes, and empty or a label name.
fn is_label_value(s: &str) -> bool {
    s.len() <= 63 && (s.is_empty() || is_label_name(s))
}

/// At most 253 bytes of dot-separated `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            match (b.first(), b.last()) {
                (Some(first), Some(last)) => {
                    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
                    edge(first) && edge(last) && b.iter().all(|c| edge(c) || *c == b'-')
                }
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn selector(v: Value) -> Result<LabelSelector, SelectorError> {
        LabelSelector::of_workload(&json!({"spec": {"selector": v}}))
    }

    #[test]
    fn query_syntax_is_sorted_like_go() {
        let s = selector(json!({
            "matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [
                {"key": "zone", "operator": "NotIn", "values": ["z", "y"]},
                {"key": "tier", "operator": "In", "values": ["web"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "example.com/owner", "operator": "Exists"}
            ]
        }))
        .expect("valid");
        assert_eq!(
            s.to_query(),
            "a=1,b=2,!canary,example.com/owner,tier in (web),zone notin (y,z)"
        );
        assert_eq!(selector(json!({})).expect("empty").to_query(), "");
    }

    #[test]
    fn matching() {
        let s = selector(json!({"matchLabels": {"app": "db"}, "matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["b"]}]}))
            .expect("valid");
        assert!(s.matches(&json!({"metadata": {"labels": {"app": "db"}}})));
        assert!(s.matches(&json!({"metadata": {"labels": {"app": "db", "zone": "a"}}})));
        assert!(!s.matches(&json!({"metadata": {"labels": {"app": "db", "zone": "b"}}})));
        assert!(!s.matches(&json!({"metadata": {"labels": {"app": "db", "n": 1}}})));
        assert!(!s.matches(&json!({"metadata": {}})));
        assert!(selector(json!({})).expect("empty").matches(&json!({})));
    }

    #[test]
    fn invalid_selectors() {
        for bad in [
            json!(null),
            json!("app=db"),
            json!({"matchLabels": []}),
            json!({"matchLabels": {"app": 1}}),
            json!({"matchLabels": {"a/b/c": "x"}}),
            json!({"matchLabels": {"Example.com/app": "x"}}),
            json!({"matchLabels": {"/app": "x"}}),
            json!({"matchLabels": {"app": "-x"}}),
            json!({"matchLabels": {"app": "x".repeat(64)}}),
            json!({"matchExpressions": {}}),
            json!({"matchExpressions": [null]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "In"}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
            json!({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]}),
        ] {
            assert!(selector(bad.clone()).is_err(), "{bad}");
        }
        assert!(LabelSelector::of_workload(&json!({"spec": {}})).is_err());
        assert!(selector(json!({"MatchLabels": {"app": "db"}})).is_ok());
        assert!(selector(json!({"matchLabels": {"app": null}})).is_ok());
    }
}
