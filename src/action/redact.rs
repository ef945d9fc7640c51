//! Secrets' values hidden from a manifest shown to someone who did not ask
//! for them (the HTTP API's default): every value under `data` and
//! `stringData` of a core `Secret` becomes `REDACTED`; keys, and every
//! other document, stay as they are.
//!
//! This works on the text, line by line, so the rest of the manifest keeps
//! its exact bytes (comments, `# Source:` lines, key order).
//!
//! Values are masked too: [`release_secret_values`] collects what a
//! release's Secrets hold (`stringData` values, `data` values decoded),
//! and [`redact_json_values`] replaces every leaf string of a values tree
//! equal to one of them, so exactly the values that flow into Secrets are
//! hidden.

use std::collections::BTreeSet;

use base64::Engine as _;

/// What a hidden value reads.
pub const REDACTED: &str = "REDACTED";

/// `manifest` (YAML documents separated by `---` lines) with the values
/// of Secrets' `data` and `stringData` replaced by [`REDACTED`].
pub fn redact_secrets(manifest: &str) -> String {
    let mut out = String::with_capacity(manifest.len());
    let mut doc: Vec<&str> = Vec::new();
    for line in manifest.split_inclusive('\n') {
        if line.trim_end() == "---" || line.starts_with("--- ") {
            flush(&mut out, &doc);
            doc.clear();
            out.push_str(line);
        } else {
            doc.push(line);
        }
    }
    flush(&mut out, &doc);
    out
}

fn flush(out: &mut String, doc: &[&str]) {
    if !is_core_secret(doc) {
        doc.iter().for_each(|l| out.push_str(l));
        return;
    }
    // Inside a top-level `data:` / `stringData:` map: the indentation of
    // its keys once seen, and whether we are skipping a block scalar's
    // continuation lines (deeper than the key).
    let mut in_map = false;
    let mut key_indent: Option<usize> = None;
    for line in doc {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start().len();
        let blank_or_comment = body.trim().is_empty() || body.trim_start().starts_with('#');
        if indent == 0 && !blank_or_comment {
            let key = body.split(':').next().unwrap_or_default().trim();
            in_map = key == "data" || key == "stringData";
            key_indent = None;
            out.push_str(line);
            continue;
        }
        if !in_map || blank_or_comment {
            if !(in_map && key_indent.is_some_and(|k| indent > k)) {
                out.push_str(line);
            }
            continue;
        }
        let k = *key_indent.get_or_insert(indent);
        if indent > k {
            // A continuation of a multi-line value: dropped with it.
            continue;
        }
        match body.find(':') {
            Some(colon) => {
                out.push_str(&body[..colon]);
                out.push_str(": ");
                out.push_str(REDACTED);
                out.push('\n');
            }
            None => out.push_str(line),
        }
    }
}

/// Whether the document is a `v1` Secret (top-level `apiVersion: v1` and
/// `kind: Secret`).
fn is_core_secret(doc: &[&str]) -> bool {
    let top = |key: &str| {
        doc.iter().find_map(|l| {
            let rest = l.strip_prefix(key)?.strip_prefix(':')?;
            Some(rest.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    top("kind").as_deref() == Some("Secret") && top("apiVersion").as_deref() == Some("v1")
}

/// Every value the core Secrets of `manifest` hold: each `stringData`
/// string, and each `data` value base64-decoded (when it decodes to
/// UTF-8). Empty strings are left out: masking them would hide nothing
/// and mark every empty value. A document that does not parse adds
/// nothing.
pub fn secret_values(manifest: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for doc in crate::cluster::objects::split_manifests(manifest) {
        let parsed: Result<Option<serde_json::Value>, _> =
            serde_saphyr::from_str_with_options(&doc, crate::cluster::objects::yaml_options());
        let Ok(Some(v)) = parsed else { continue };
        if v.get("kind").and_then(|k| k.as_str()) != Some("Secret")
            || v.get("apiVersion").and_then(|k| k.as_str()) != Some("v1")
        {
            continue;
        }
        if let Some(m) = v.get("stringData").and_then(|d| d.as_object()) {
            out.extend(m.values().filter_map(|x| x.as_str()).map(str::to_string));
        }
        if let Some(m) = v.get("data").and_then(|d| d.as_object()) {
            for x in m.values().filter_map(|x| x.as_str()) {
                // The API server accepts base64 with or without padding
                // and with whitespace; decode the usual form.
                let compact: String = x.chars().filter(|c| !c.is_whitespace()).collect();
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(compact)
                    && let Ok(text) = String::from_utf8(bytes)
                {
                    out.insert(text);
                }
            }
        }
    }
    out.remove("");
    out
}

/// [`secret_values`] of a release's manifest and its hooks' manifests.
pub fn release_secret_values(rel: &crate::release::Release) -> BTreeSet<String> {
    let mut out = secret_values(&rel.manifest);
    for h in &rel.hooks {
        out.extend(secret_values(&h.manifest));
    }
    out
}

/// Replaces every leaf string of `v` found in `secrets` by [`REDACTED`]
/// (map keys stay as they are).
pub fn redact_json_values(v: &mut serde_json::Value, secrets: &BTreeSet<String>) {
    if secrets.is_empty() {
        return;
    }
    match v {
        serde_json::Value::String(s) if secrets.contains(s.as_str()) => {
            *s = REDACTED.to_string();
        }
        serde_json::Value::Array(items) => {
            items
                .iter_mut()
                .for_each(|x| redact_json_values(x, secrets));
        }
        serde_json::Value::Object(m) => {
            m.values_mut().for_each(|x| redact_json_values(x, secrets));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{REDACTED, redact_json_values, redact_secrets, secret_values};
    use serde_json::json;

    const SECRETS: &str = "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: aHVudGVyMg==\n  bin: //79\nstringData:\n  token: \"abc def\"\n  empty: \"\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  shown: visible\n---\napiVersion: example.com/v1\nkind: Secret\nstringData:\n  other: not-core\n";

    #[test]
    fn secret_values_are_string_data_and_decoded_data() {
        let got: Vec<String> = secret_values(SECRETS).into_iter().collect();
        // "hunter2" is base64 aHVudGVyMg==; //79 decodes to bytes that
        // are not UTF-8 and is left out, as is the empty string.
        assert_eq!(got, ["abc def", "hunter2"]);
    }

    #[test]
    fn only_values_flowing_into_secrets_are_masked() {
        let secrets = secret_values(SECRETS);
        let mut v = json!({
            "db": {"password": "hunter2", "user": "admin"},
            "token": "abc def",
            "list": ["hunter2", "visible", 3],
            "hunter2": "key stays",
            "n": 7,
            "shown": "visible",
            "other": "not-core"
        });
        redact_json_values(&mut v, &secrets);
        assert_eq!(
            v,
            json!({
                "db": {"password": REDACTED, "user": "admin"},
                "token": REDACTED,
                "list": [REDACTED, "visible", 3],
                "hunter2": "key stays",
                "n": 7,
                "shown": "visible",
                "other": "not-core"
            })
        );
    }

    #[test]
    fn no_secrets_masks_nothing() {
        let mut v = json!({"a": "", "b": "x"});
        let before = v.clone();
        redact_json_values(&mut v, &secret_values("apiVersion: v1\nkind: ConfigMap\n"));
        assert_eq!(v, before);
    }

    #[test]
    fn secret_values_hidden_other_documents_untouched() {
        let m = "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: aHVudGVyMg==\n  cert: |\n    line1\n    line2\nstringData:\n  token: abc\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  password: visible\n";
        let want = "---\n# Source: c/templates/s.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: REDACTED\n  cert: REDACTED\nstringData:\n  token: REDACTED\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  password: visible\n";
        assert_eq!(redact_secrets(m), want);
    }

    #[test]
    fn a_secret_of_another_group_is_not_core() {
        let m = "apiVersion: example.com/v1\nkind: Secret\ndata:\n  a: b\n";
        assert_eq!(redact_secrets(m), m);
    }
}
