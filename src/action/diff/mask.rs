//! Secrets' values hidden from a diff (helm-diff's redaction): each key of
//! `data` and `stringData` stays, with its size, and whether it changed;
//! its value does not.
//!
//! A value the other side has unchanged reads `REDACTED # (N bytes)` on
//! both sides; a value that changed, or that only one side has, reads
//! `-------- # (N bytes)` on the old side and `++++++++ # (N bytes)` on
//! the new one. So the unified diff shows exactly which keys changed.

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::gojson::GoValue;

use super::objects::ManifestObject;

/// Whether `object` is a core-group Secret.
pub fn is_secret(object: &ManifestObject) -> bool {
    object.id.group.is_empty() && object.id.kind == "Secret"
}

/// `old` and `new` (either may be absent) with their Secret values
/// masked; other fields untouched.
pub fn mask_pair(
    old: Option<&GoValue>,
    new: Option<&GoValue>,
) -> (Option<GoValue>, Option<GoValue>) {
    let mut old_out = old.cloned();
    let mut new_out = new.cloned();
    for field in ["data", "stringData"] {
        let old_map = old.and_then(|v| field_map(v, field));
        let new_map = new.and_then(|v| field_map(v, field));
        let encoded = field == "data";
        if let (Some(target), Some(map)) = (old_out.as_mut(), old_map) {
            set_field(target, field, masked(map, new_map, "--------", encoded));
        }
        if let (Some(target), Some(map)) = (new_out.as_mut(), new_map) {
            set_field(target, field, masked(map, old_map, "++++++++", encoded));
        }
    }
    (old_out, new_out)
}

fn field_map<'a>(value: &'a GoValue, field: &str) -> Option<&'a BTreeMap<String, GoValue>> {
    match value {
        GoValue::Map(m) => match m.get(field) {
            Some(GoValue::Map(f)) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

fn set_field(value: &mut GoValue, field: &str, masked: BTreeMap<String, GoValue>) {
    if let GoValue::Map(m) = value {
        m.insert(field.to_string(), GoValue::Map(masked));
    }
}

fn masked(
    mine: &BTreeMap<String, GoValue>,
    theirs: Option<&BTreeMap<String, GoValue>>,
    changed_mark: &str,
    base64_encoded: bool,
) -> BTreeMap<String, GoValue> {
    mine.iter()
        .map(|(k, v)| {
            let same = theirs.and_then(|t| t.get(k)) == Some(v);
            let mark = if same { "REDACTED" } else { changed_mark };
            let size = byte_len(v, base64_encoded);
            (
                k.clone(),
                GoValue::String(format!("{mark} # ({size} bytes)")),
            )
        })
        .collect()
}

/// The size of the secret value: `data` holds base64, whose decoded
/// length is what the user put in; `stringData` holds the value itself.
fn byte_len(v: &GoValue, base64_encoded: bool) -> usize {
    match v {
        GoValue::String(s) if base64_encoded => base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map(|b| b.len())
            .unwrap_or(s.len()),
        GoValue::String(s) => s.len(),
        GoValue::Null => 0,
        other => crate::output::to_yaml(other)
            .map(|y| y.trim_end().len())
            .unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(data: &[(&str, &str)], string_data: &[(&str, &str)]) -> GoValue {
        let map = |kv: &[(&str, &str)]| {
            GoValue::Map(
                kv.iter()
                    .map(|(k, v)| (k.to_string(), GoValue::string(*v)))
                    .collect(),
            )
        };
        let mut top = BTreeMap::new();
        top.insert("kind".to_string(), GoValue::string("Secret"));
        if !data.is_empty() {
            top.insert("data".to_string(), map(data));
        }
        if !string_data.is_empty() {
            top.insert("stringData".to_string(), map(string_data));
        }
        GoValue::Map(top)
    }

    fn get(v: &Option<GoValue>, field: &str, key: &str) -> Option<String> {
        match v
            .as_ref()
            .and_then(|v| field_map(v, field))
            .and_then(|m| m.get(key))
        {
            Some(GoValue::String(s)) => Some(s.clone()),
            _ => None,
        }
    }

    #[test]
    fn unchanged_changed_added_and_removed_keys_are_told_apart_without_values() {
        // "c2VjcmV0" is base64 of "secret" (6 bytes); "bmV3LXNlY3JldA==" of
        // "new-secret" (10 bytes).
        let old = secret(
            &[
                ("same", "c2VjcmV0"),
                ("changed", "c2VjcmV0"),
                ("gone", "c2VjcmV0"),
            ],
            &[],
        );
        let new = secret(
            &[
                ("same", "c2VjcmV0"),
                ("changed", "bmV3LXNlY3JldA=="),
                ("added", "c2VjcmV0"),
            ],
            &[("plain", "abc")],
        );
        let (o, n) = mask_pair(Some(&old), Some(&new));
        assert_eq!(
            get(&o, "data", "same").as_deref(),
            Some("REDACTED # (6 bytes)")
        );
        assert_eq!(
            get(&n, "data", "same").as_deref(),
            Some("REDACTED # (6 bytes)")
        );
        assert_eq!(
            get(&o, "data", "changed").as_deref(),
            Some("-------- # (6 bytes)")
        );
        assert_eq!(
            get(&n, "data", "changed").as_deref(),
            Some("++++++++ # (10 bytes)")
        );
        assert_eq!(
            get(&o, "data", "gone").as_deref(),
            Some("-------- # (6 bytes)")
        );
        assert_eq!(
            get(&n, "data", "added").as_deref(),
            Some("++++++++ # (6 bytes)")
        );
        assert_eq!(
            get(&n, "stringData", "plain").as_deref(),
            Some("++++++++ # (3 bytes)")
        );
        let all = format!("{o:?}{n:?}");
        assert!(!all.contains("c2VjcmV0") && !all.contains("abc"), "{all}");
    }

    #[test]
    fn a_secret_on_one_side_only_is_masked_too() {
        let s = secret(&[("k", "c2VjcmV0")], &[]);
        let (o, n) = mask_pair(None, Some(&s));
        assert_eq!(o, None);
        assert_eq!(
            get(&n, "data", "k").as_deref(),
            Some("++++++++ # (6 bytes)")
        );
        let (o, _) = mask_pair(Some(&s), None);
        assert_eq!(
            get(&o, "data", "k").as_deref(),
            Some("-------- # (6 bytes)")
        );
    }
}
