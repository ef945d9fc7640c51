//! Go's `encoding/json` encoder, as helm's `-o json` uses it.

use std::fmt;

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
    write_value(&mut out, value)?;
    out.push('\n');
    Ok(out)
}

fn write_value(out: &mut String, value: &GoValue) -> Result<(), JsonError> {
    match value {
        GoValue::Null => out.push_str("null"),
        GoValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        GoValue::Int(i) => out.push_str(&i.to_string()),
        GoValue::Float(f) => {
            if !f.is_finite() {
                return Err(JsonError { value: *f });
            }
            out.push_str(&float::json_float(*f));
        }
        GoValue::String(s) => write_string(out, s),
        GoValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item)?;
            }
            out.push(']');
        }
        GoValue::Map(map) => write_object(out, map.iter().map(|(k, v)| (k.as_str(), v)))?,
        GoValue::Struct(fields) => write_object(out, fields.iter().map(|(k, v)| (k.as_str(), v)))?,
    }
    Ok(())
}

fn write_object<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a str, &'a GoValue)>,
) -> Result<(), JsonError> {
    out.push('{');
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, key);
        out.push(':');
        write_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

/// How Go's encoder (with its default HTML escaping) writes one character
/// of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharEncoding {
    /// Written as is.
    Raw,
    /// Written as a two-character escape such as `\n` or `\"`.
    Short(char),
    /// Written as `\uXXXX` (lower-case hex).
    Unicode,
}

/// Go escapes quotes, backslashes, control characters, the HTML-sensitive
/// `<`, `>`, `&`, and the JavaScript line terminators U+2028 and U+2029.
/// Since Go 1.22 `\b` and `\f` have short forms too.
fn char_encoding(c: char) -> CharEncoding {
    match c {
        '"' => CharEncoding::Short('"'),
        '\\' => CharEncoding::Short('\\'),
        '\u{8}' => CharEncoding::Short('b'),
        '\u{c}' => CharEncoding::Short('f'),
        '\n' => CharEncoding::Short('n'),
        '\r' => CharEncoding::Short('r'),
        '\t' => CharEncoding::Short('t'),
        '\0'..='\u{1f}' | '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => CharEncoding::Unicode,
        _ => CharEncoding::Raw,
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match char_encoding(c) {
            CharEncoding::Raw => out.push(c),
            CharEncoding::Short(e) => {
                out.push('\\');
                out.push(e);
            }
            CharEncoding::Unicode => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        }
    }
    out.push('"');
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
    fn nan_is_an_error() {
        let err = to_json(&GoValue::Array(vec![GoValue::Float(f64::NAN)])).unwrap_err();
        assert_eq!(err.to_string(), "json: unsupported value: NaN");
        let err = to_json(&GoValue::Float(f64::NEG_INFINITY)).unwrap_err();
        assert_eq!(err.to_string(), "json: unsupported value: -Inf");
    }
}
