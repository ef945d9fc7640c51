//! Secrets' values hidden from a manifest shown to someone who did not ask
//! for them (the HTTP API's default): every value under `data` and
//! `stringData` of a core `Secret` becomes `REDACTED`; keys, and every
//! other document, stay as they are.
//!
//! This works on the text, line by line, so the rest of the manifest keeps
//! its exact bytes (comments, `# Source:` lines, key order).

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

#[cfg(test)]
mod tests {
    use super::redact_secrets;

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
