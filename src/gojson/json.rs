//! Writing a [`GoValue`] as Go's JSON encoders do: `encoding/json` (helm's
//! `-o json`, `json.Marshal`) and jsoniter (structured-merge-diff).

use std::fmt;

use super::escape::{Escaping, write_string};
use super::float;
use super::value::GoValue;

/// A value Go's `encoding/json` refuses to encode.
///
/// The only such [`GoValue`] is a NaN or infinite [`GoValue::Float`]: Go
/// fails the whole encoding with `json: unsupported value: NaN` and writes
/// nothing, so [`to_json`] does the same rather than inventing a spelling.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    value: f64,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "json: unsupported value: {}",
            float::format_g(self.value)
        )
    }
}

impl std::error::Error for JsonError {}

/// Which Go encoder to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoder {
    /// `encoding/json`: [`Escaping::EncodingJson`] strings,
    /// [`float::json_float`] numbers.
    EncodingJson,
    /// jsoniter's `WriteVal` of a decoded value: [`Escaping::JsoniterHtml`]
    /// strings, [`float::jsoniter_float`] numbers.
    Jsoniter,
}

/// Encodes `value` exactly as Go's `json.NewEncoder(w).Encode(value)`
/// does, which is what helm's `-o json` prints: compact, map keys sorted,
/// struct fields in order, HTML-safe string escaping, Go's float layout,
/// and a trailing newline.
///
/// # Errors
///
/// [`JsonError`] if the value holds a NaN or infinite float.
pub fn to_json(value: &GoValue) -> Result<String, JsonError> {
    let mut out = String::new();
    write_value(&mut out, value, Encoder::EncodingJson)?;
    out.push('\n');
    Ok(out)
}

/// Appends `value` as compact JSON the way `encoder` writes it (no
/// trailing newline): map keys sorted by their bytes, struct fields in
/// order.
///
/// # Errors
///
/// [`JsonError`] if the value holds a NaN or infinite float; what was
/// written before it stays in `out`.
pub fn write_value(out: &mut String, value: &GoValue, encoder: Encoder) -> Result<(), JsonError> {
    let escaping = match encoder {
        Encoder::EncodingJson => Escaping::EncodingJson,
        Encoder::Jsoniter => Escaping::JsoniterHtml,
    };
    match value {
        GoValue::Null => out.push_str("null"),
        GoValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        GoValue::Int(i) => out.push_str(&i.to_string()),
        GoValue::Float(f) => {
            if !f.is_finite() {
                return Err(JsonError { value: *f });
            }
            out.push_str(&match encoder {
                Encoder::EncodingJson => float::json_float(*f),
                Encoder::Jsoniter => float::jsoniter_float(*f),
            });
        }
        GoValue::String(s) => write_string(out, s, escaping),
        GoValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, encoder)?;
            }
            out.push(']');
        }
        GoValue::Map(map) => write_object(out, map.iter().map(|(k, v)| (k.as_str(), v)), encoder)?,
        GoValue::Struct(fields) => {
            write_object(out, fields.iter().map(|(k, v)| (k.as_str(), v)), encoder)?
        }
    }
    Ok(())
}

fn write_object<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a str, &'a GoValue)>,
    encoder: Encoder,
) -> Result<(), JsonError> {
    let escaping = match encoder {
        Encoder::EncodingJson => Escaping::EncodingJson,
        Encoder::Jsoniter => Escaping::JsoniterHtml,
    };
    out.push('{');
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key, escaping);
        out.push(':');
        write_value(out, value, encoder)?;
    }
    out.push('}');
    Ok(())
}

/// Go's `json.Indent(dst, compact, "", indent)` over compact JSON (as
/// [`to_json`] writes it): one member or element a line, `": "` after
/// keys, empty objects and arrays kept as `{}` / `[]`.
pub fn indent(compact: &str, indent: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Go prints an empty object or array as `{}` / `[]`.
                if matches!(chars.peek(), Some('}') | Some(']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn escapes_like_go() {
        let v = GoValue::string("<a href=\"x\">&</a>\u{2028}\u{8}\u{c}\u{1}\t\u{7f}é😀");
        assert_eq!(
            to_json(&v).unwrap(),
            "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\\u2028\\b\\f\\u0001\\t\u{7f}é😀\"\n"
        );
    }

    #[test]
    fn structs_keep_order_maps_sort() {
        let map = GoValue::Map(BTreeMap::from([
            ("b".to_owned(), GoValue::Int(1)),
            ("a".to_owned(), GoValue::Array(vec![])),
        ]));
        let v = GoValue::struct_builder()
            .field("z", map)
            .field("a", GoValue::Null)
            .build();
        assert_eq!(
            to_json(&v).unwrap(),
            "{\"z\":{\"a\":[],\"b\":1},\"a\":null}\n"
        );
    }

    #[test]
    fn jsoniter_pads_exponents_and_escapes_controls() {
        let v = GoValue::Array(vec![GoValue::Float(1e-7), GoValue::string("<\u{8}")]);
        let mut out = String::new();
        write_value(&mut out, &v, Encoder::Jsoniter).unwrap();
        assert_eq!(out, r#"[1e-07,"\u003c\u0008"]"#);
        out.clear();
        write_value(&mut out, &v, Encoder::EncodingJson).unwrap();
        assert_eq!(out, r#"[1e-7,"\u003c\b"]"#);
    }

    #[test]
    fn nan_is_an_error() {
        let err = to_json(&GoValue::Array(vec![GoValue::Float(f64::NAN)])).unwrap_err();
        assert_eq!(err.to_string(), "json: unsupported value: NaN");
        let err = to_json(&GoValue::Float(f64::NEG_INFINITY)).unwrap_err();
        assert_eq!(err.to_string(), "json: unsupported value: -Inf");
    }
}

#[cfg(test)]
mod indent_tests {
    use super::*;

    #[test]
    fn indent_matches_go() {
        assert_eq!(
            indent(r#"{"a":[],"b":{"c":"x,:{"},"d":[1,2]}"#, "  "),
            "{\n  \"a\": [],\n  \"b\": {\n    \"c\": \"x,:{\"\n  },\n  \"d\": [\n    1,\n    2\n  ]\n}"
        );
        assert_eq!(
            indent(r#"{"a":{},"b":[{}]}"#, "\t"),
            "{\n\t\"a\": {},\n\t\"b\": [\n\t\t{}\n\t]\n}"
        );
    }
}
