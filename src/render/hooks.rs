//! The head of a rendered document (`releaseutil.SimpleHead`: apiVersion,
//! kind, metadata name and annotations) as sigs.k8s.io/yaml decodes it,
//! and helm's hook annotations read from it.

use std::collections::BTreeMap;

use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gojson::float::format_g;
use crate::gojson::yaml;
use crate::release::Hook;

/// `helm.sh/hook`.
const HOOK: &str = "helm.sh/hook";
/// `helm.sh/hook-weight`.
const HOOK_WEIGHT: &str = "helm.sh/hook-weight";
/// `helm.sh/hook-delete-policy`.
const HOOK_DELETE: &str = "helm.sh/hook-delete-policy";
/// `helm.sh/hook-output-log-policy`.
const HOOK_OUTPUT_LOG: &str = "helm.sh/hook-output-log-policy";

/// The events helm knows; `test-success` is helm 2's name for `test`.
const EVENTS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
];

/// What helm reads of a document before sorting it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Head {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.annotations`, `None` when absent or null.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Decodes a document's head. `Err` is Go's error text (sigs.k8s.io/yaml's
/// `error converting YAML to JSON: …` or `error unmarshaling JSON: …`).
pub fn parse_head(doc: &str, compat: Compat) -> Result<Head, String> {
    let value = yaml::from_slice(doc.as_bytes()).map_err(|e| e.message().to_owned())?;
    let mut head = Head::default();
    let type_name = match compat {
        Compat::V3 => "releaseutil.SimpleHead",
        Compat::V4 => "util.SimpleHead",
    };
    let unmarshal = |what: &str, field: Option<(&str, &str)>, go_type: &str| {
        let target = match field {
            None => format!("Go value of type {go_type}"),
            Some((strukt, path)) => format!("Go struct field {strukt}.{path} of type {go_type}"),
        };
        format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {what} into {target}"
        )
    };
    let top = match &value {
        GoValue::Null => return Ok(head),
        GoValue::Map(m) => m,
        other => return Err(unmarshal(json_kind(other), None, type_name)),
    };
    let strukt = type_name.rsplit('.').next().unwrap_or(type_name);
    // Go's encoding/json matches member names exactly, else ignoring case;
    // the first type error is reported and decoding goes on.
    let mut first_error: Option<String> = None;
    let mut note = |e: String| {
        if first_error.is_none() {
            first_error = Some(e);
        }
    };
    for (key, v) in top {
        let field = match_field(key, &["apiVersion", "kind", "metadata"]);
        match field {
            Some("apiVersion") => match as_string(v) {
                Ok(Some(s)) => head.api_version = s,
                Ok(None) => {}
                Err(k) => note(unmarshal(k, Some((strukt, "apiVersion")), "string")),
            },
            Some("kind") => match as_string(v) {
                Ok(Some(s)) => head.kind = s,
                Ok(None) => {}
                Err(k) => note(unmarshal(k, Some((strukt, "kind")), "string")),
            },
            Some(_) => match v {
                GoValue::Null => {}
                GoValue::Map(meta) => {
                    for (mk, mv) in meta {
                        match match_field(mk, &["name", "annotations"]) {
                            Some("name") => match as_string(mv) {
                                Ok(Some(s)) => head.name = s,
                                Ok(None) => {}
                                Err(k) => note(unmarshal(k, Some(("", "metadata.name")), "string")),
                            },
                            Some(_) => match mv {
                                GoValue::Null => head.annotations = None,
                                GoValue::Map(anns) => {
                                    let mut out = head.annotations.take().unwrap_or_default();
                                    for (ak, av) in anns {
                                        match as_string(av) {
                                            Ok(Some(s)) => {
                                                out.insert(ak.clone(), s);
                                            }
                                            Ok(None) => {
                                                out.insert(ak.clone(), String::new());
                                            }
                                            Err(k) => note(unmarshal(
                                                k,
                                                Some(("", "metadata.annotations")),
                                                "string",
                                            )),
                                        }
                                    }
                                    head.annotations = Some(out);
                                }
                                other => note(unmarshal(
                                    json_kind(other),
                                    Some(("", "metadata.annotations")),
                                    "map[string]string",
                                )),
                            },
                            None => {}
                        }
                    }
                }
                other => note(unmarshal(
                    json_kind(other),
                    Some((strukt, "metadata")),
                    "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }",
                )),
            },
            None => {}
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(head),
    }
}

/// The declared field `key` lands in: exact, else ASCII case-insensitive.
fn match_field(key: &str, fields: &[&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .find(|f| **f == key)
        .or_else(|| fields.iter().find(|f| f.eq_ignore_ascii_case(key)))
        .copied()
}

/// A scalar decoded into a Go `string` field through sigs.k8s.io/yaml,
/// which turns YAML numbers and booleans into their text first (integers
/// in decimal, floats as float32 `'g'`). `Ok(None)` is JSON null (the
/// field keeps its zero value); `Err` names the JSON kind that cannot be
/// a string.
fn as_string(v: &GoValue) -> Result<Option<String>, &'static str> {
    match v {
        GoValue::Null => Ok(None),
        GoValue::String(s) => Ok(Some(s.clone())),
        GoValue::Bool(b) => Ok(Some(b.to_string())),
        GoValue::Int(i) => Ok(Some(i.to_string())),
        GoValue::Float(f) => Ok(Some(float_text(*f))),
        other => Err(json_kind(other)),
    }
}

/// The text sigs.k8s.io/yaml gives a YAML number bound for a string: an
/// integer literal in decimal, a float as float32 `'g'`. The two cannot be
/// told apart after decoding; integral values below 2^53 are taken as
/// integers, which is what charts write (`5`, `"-5"`).
fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        // Integral and exactly representable: an integer literal.
        format!("{}", f as i64)
    } else {
        format_g(f64::from(f as f32))
    }
}

fn json_kind(v: &GoValue) -> &'static str {
    match v {
        GoValue::Null => "null",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) | GoValue::Float(_) => "number",
        GoValue::String(_) => "string",
        GoValue::Array(_) => "array",
        GoValue::Map(_) | GoValue::Struct(_) => "object",
    }
}

/// What a document is: a hook (with its events), a manifest, or nothing
/// (a hook with an unknown event, which helm drops silently).
pub enum Sorted {
    /// Not a hook.
    Manifest,
    /// A hook.
    Hook(Box<Hook>),
    /// A hook naming an event helm does not know; the line helm logs on
    /// stderr about it (v3's `log`, v4's `slog` text).
    Dropped(String),
}

/// helm's `manifestFile.sort` for one document of `path`.
pub fn classify(head: &Head, path: &str, doc: &str, compat: Compat) -> Sorted {
    let Some(annotations) = head.annotations.as_ref().filter(|a| !a.is_empty()) else {
        return Sorted::Manifest;
    };
    let Some(hook_types) = annotations.get(HOOK) else {
        return Sorted::Manifest;
    };
    let mut events = Vec::new();
    for t in hook_types.split(',') {
        let t = t.trim().to_lowercase();
        let event = if t == "test-success" {
            "test"
        } else {
            t.as_str()
        };
        if !EVENTS.contains(&event) {
            return Sorted::Dropped(match compat {
                Compat::V3 => format!(
                    "manifest_sorter.go:199: info: skipping unknown hook: {}",
                    crate::values::strvals::go_quote(hook_types)
                ),
                Compat::V4 => format!(
                    "level=INFO msg=\"skipping unknown hooks\" hookTypes={}",
                    slog_value(hook_types)
                ),
            });
        }
        events.push(event.to_owned());
    }
    let list = |key: &str| -> Vec<String> {
        annotations
            .get(key)
            .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
            .unwrap_or_default()
    };
    let mut hook = Hook::default();
    hook.name = head.name.clone();
    hook.kind = head.kind.clone();
    hook.path = path.to_owned();
    hook.manifest = doc.to_owned();
    hook.events = events;
    hook.weight = annotations.get(HOOK_WEIGHT).map_or(0, |w| go_atoi(w));
    hook.delete_policies = list(HOOK_DELETE);
    hook.output_log_policies = list(HOOK_OUTPUT_LOG);
    Sorted::Hook(Box::new(hook))
}

/// A string as slog's text handler writes it: bare unless empty or
/// holding a space, `"`, `=` or an unprintable character.
pub(crate) fn slog_value(s: &str) -> String {
    let needs_quote = s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '=' || c.is_control());
    if needs_quote {
        crate::values::strvals::go_quote(s)
    } else {
        s.to_owned()
    }
}

/// Go's `strconv.Atoi` with errors as 0: an optional sign and decimal
/// digits, within int64 (Go's `int` on 64-bit).
fn go_atoi(s: &str) -> i64 {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    s.parse::<i64>().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_coerces_annotation_scalars() {
        let h = parse_head(
            "apiVersion: v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: -5\n    x: yes\n",
            Compat::V4,
        )
        .ok();
        let h = h.unwrap_or_default();
        assert_eq!(h.kind, "Job");
        let a = h.annotations.unwrap_or_default();
        assert_eq!(a.get("helm.sh/hook-weight").map(String::as_str), Some("-5"));
        assert_eq!(a.get("x").map(String::as_str), Some("true"));
    }

    #[test]
    fn head_errors_in_go_words() {
        assert_eq!(
            parse_head("- a\n", Compat::V3).err().as_deref(),
            Some(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type releaseutil.SimpleHead"
            )
        );
        assert_eq!(
            parse_head("kind: [a]\n", Compat::V4).err().as_deref(),
            Some(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go struct field SimpleHead.kind of type string"
            )
        );
    }

    #[test]
    fn unknown_event_drops_and_test_success_is_test() {
        let head = |hook: &str| Head {
            kind: "Pod".into(),
            annotations: Some(BTreeMap::from([(HOOK.to_owned(), hook.to_owned())])),
            ..Head::default()
        };
        match classify(&head("pre-install, bogus"), "p", "d", Compat::V4) {
            Sorted::Dropped(line) => assert_eq!(
                line,
                "level=INFO msg=\"skipping unknown hooks\" hookTypes=\"pre-install, bogus\""
            ),
            _ => panic!("not dropped"),
        }
        match classify(&head("bogus"), "p", "d", Compat::V3) {
            Sorted::Dropped(line) => assert_eq!(
                line,
                "manifest_sorter.go:199: info: skipping unknown hook: \"bogus\""
            ),
            _ => panic!("not dropped"),
        }
        match classify(&head(" Test-Success ,post-install"), "p", "d", Compat::V3) {
            Sorted::Hook(h) => assert_eq!(h.events, ["test", "post-install"]),
            _ => panic!("not a hook"),
        }
    }

    #[test]
    fn atoi_as_go() {
        assert_eq!(go_atoi("-5"), -5);
        assert_eq!(go_atoi("+7"), 7);
        assert_eq!(go_atoi(" 7"), 0);
        assert_eq!(go_atoi("1.5"), 0);
        assert_eq!(go_atoi("99999999999999999999"), 0);
    }
}
