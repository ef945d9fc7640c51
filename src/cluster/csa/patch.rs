//! Writing the patch as client-go's `json.Marshal` does.

use serde_json::Value;

use super::migrate::Entry;
use crate::gojson::escape::{Escaping, write_html_escaped_raw, write_string};
use crate::gojson::json::{Encoder, write_value};
use crate::gojson::value::GoValue;

/// The text of client-go's patch: `json.Marshal` of a list of two maps
/// (members in sorted order: `op`, `path`, `value`).
pub(super) fn encode_patch(entries: Option<&[Entry]>, resource_version: &str) -> String {
    let mut out = String::from(r#"[{"op":"replace","path":"/metadata/managedFields","value":"#);
    match entries {
        None => out.push_str("null"),
        Some(entries) => {
            out.push('[');
            for (index, entry) in entries.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                encode_entry(entry, &mut out);
            }
            out.push(']');
        }
    }
    out.push_str(r#"},{"op":"replace","path":"/metadata/resourceVersion","value":"#);
    write_string(&mut out, resource_version, Escaping::EncodingJson);
    out.push_str("}]");
    out
}

/// `json.Marshal` of a `ManagedFieldsEntry`: members in struct order, all
/// `omitempty`.
fn encode_entry(entry: &Entry, out: &mut String) {
    out.push('{');
    let mut first = true;
    let mut member = |name: &str, out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
    };
    for (name, value) in [
        ("manager", &entry.manager),
        ("operation", &entry.operation),
        ("apiVersion", &entry.api_version),
    ] {
        if !value.is_empty() {
            member(name, out);
            write_string(out, value, Escaping::EncodingJson);
        }
    }
    if let Some(time) = &entry.time {
        member("time", out);
        out.push_str(time);
    }
    if !entry.fields_type.is_empty() {
        member("fieldsType", out);
        write_string(out, &entry.fields_type, Escaping::EncodingJson);
    }
    if let Some(raw) = &entry.fields_v1 {
        member("fieldsV1", out);
        if raw.is_empty() {
            out.push_str("null");
        } else {
            // `FieldsV1.MarshalJSON` returns the raw text, which
            // `json.Marshal` compacts with HTML escaping.
            write_html_escaped_raw(out, raw);
        }
    }
    if !entry.subresource.is_empty() {
        member("subresource", out);
        write_string(out, &entry.subresource, Escaping::EncodingJson);
    }
    out.push('}');
}

/// `json.Marshal` of the value the unstructured converter holds for
/// `value`: objects with sorted keys, integers that fit an `int64` as
/// integers, other numbers as `float64`.
pub(super) fn write_go_json(value: &Value, out: &mut String) {
    // Numbers read from JSON text are finite, the only thing the writer
    // refuses.
    let _ = write_value(
        out,
        &GoValue::from_unstructured(value),
        Encoder::EncodingJson,
    );
}
