//! Sprig's defaults.go: `default`, `empty`, `coalesce`, `all`, `any`,
//! `ternary`, and the JSON functions (`toJson`, `toPrettyJson`,
//! `toRawJson`, `fromJson` and their `must` forms; Helm replaces `toJson`
//! and `fromJson` with its own, the others stay Sprig's).

use super::convert::{ANY, BOOL, STRING, arg_bool, arg_str, def, string_value};
use super::env::Env;
use super::json_decode::decode;
use crate::gotemplate::strconv::format_float;
use crate::gotemplate::{FloatKind, FuncError, Funcs, Signature, Value};

/// Registers the defaults and JSON functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    def(
        funcs,
        "default",
        Signature::variadic(vec![ANY], ANY, ANY),
        |a| match a.get(1) {
            Some(given) if !empty(given) => Ok(given.clone()),
            _ => Ok(a[0].clone()),
        },
    );
    def(funcs, "empty", Signature::new(vec![ANY], BOOL), |a| {
        Ok(Value::Bool(empty(&a[0])))
    });
    def(
        funcs,
        "coalesce",
        Signature::variadic(vec![], ANY, ANY),
        |a| {
            Ok(a.iter()
                .find(|v| !empty(v))
                .cloned()
                .unwrap_or_else(Value::nil))
        },
    );
    def(funcs, "all", Signature::variadic(vec![], ANY, BOOL), |a| {
        Ok(Value::Bool(a.iter().all(|v| !empty(v))))
    });
    def(funcs, "any", Signature::variadic(vec![], ANY, BOOL), |a| {
        Ok(Value::Bool(a.iter().any(|v| !empty(v))))
    });
    def(
        funcs,
        "ternary",
        Signature::new(vec![ANY, ANY, BOOL], ANY),
        |a| {
            Ok(if arg_bool(&a[2]) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        },
    );

    let to_json = Signature::new(vec![ANY], STRING);
    let must_to_json = || Signature::new(vec![ANY], STRING).with_error();
    def(funcs, "toJson", to_json.clone(), |a| {
        Ok(string_value(
            encode(&a[0], Style::Compact).unwrap_or_default(),
        ))
    });
    def(funcs, "toPrettyJson", to_json.clone(), |a| {
        Ok(string_value(
            encode(&a[0], Style::Pretty).unwrap_or_default(),
        ))
    });
    // toRawJson panics on an error, which Go reports like a returned one.
    def(funcs, "toRawJson", to_json, |a| {
        encode(&a[0], Style::Raw)
            .map(string_value)
            .map_err(FuncError::new)
    });
    def(funcs, "mustToJson", must_to_json(), |a| {
        encode(&a[0], Style::Compact)
            .map(string_value)
            .map_err(FuncError::new)
    });
    def(funcs, "mustToPrettyJson", must_to_json(), |a| {
        encode(&a[0], Style::Pretty)
            .map(string_value)
            .map_err(FuncError::new)
    });
    def(funcs, "mustToRawJson", must_to_json(), |a| {
        encode(&a[0], Style::Raw)
            .map(string_value)
            .map_err(FuncError::new)
    });
    def(funcs, "fromJson", Signature::new(vec![STRING], ANY), |a| {
        Ok(decode(arg_str(&a[0]).as_bytes()).unwrap_or_else(|_| Value::nil()))
    });
    def(
        funcs,
        "mustFromJson",
        Signature::new(vec![STRING], ANY).with_error(),
        |a| decode(arg_str(&a[0]).as_bytes()).map_err(FuncError::new),
    );
}

/// Sprig's `empty`: nil, zero numbers, `false`, and empty strings, lists
/// and maps are empty; structs and non-nil pointers are not.
pub(crate) fn empty(v: &Value) -> bool {
    match v {
        Value::Invalid | Value::Nil(_) => true,
        Value::Bool(b) => !b,
        Value::Int(i, _) => *i == 0,
        Value::Uint(u, _) => *u == 0,
        Value::Float(f, _) => *f == 0.0,
        Value::String(s) => s.is_empty(),
        Value::Bytes(b) => b.is_empty(),
        Value::List(l) => l.items().is_empty(),
        Value::Map(m) => m.is_empty(),
        Value::Object(_) | Value::Func(_) => false,
    }
}

/// How `encoding/json` is asked to write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `json.Marshal`: compact, HTML characters escaped.
    Compact,
    /// `json.MarshalIndent(v, "", "  ")`.
    Pretty,
    /// An `Encoder` with `SetEscapeHTML(false)`, trailing newline trimmed.
    Raw,
}

/// Go's `encoding/json` text of `v`, or Go's error text.
fn encode(v: &Value, style: Style) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    write_json(&mut out, v, style, 0)?;
    Ok(out)
}

fn newline_indent(out: &mut Vec<u8>, style: Style, depth: usize) {
    if style == Style::Pretty {
        out.push(b'\n');
        for _ in 0..depth {
            out.extend_from_slice(b"  ");
        }
    }
}

fn write_json(out: &mut Vec<u8>, v: &Value, style: Style, depth: usize) -> Result<(), String> {
    match v {
        Value::Invalid | Value::Nil(_) => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i, _) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Uint(u, _) => out.extend_from_slice(u.to_string().as_bytes()),
        Value::Float(f, kind) => {
            if !f.is_finite() {
                return Err(format!(
                    "json: unsupported value: {}",
                    crate::gojson::float::format_g(*f)
                ));
            }
            out.extend_from_slice(json_float(*f, *kind).as_bytes());
        }
        Value::String(s) => write_string(out, s.as_bytes(), style != Style::Raw),
        Value::Bytes(b) => {
            use base64::Engine as _;
            let text = base64::engine::general_purpose::STANDARD.encode(b);
            write_string(out, text.as_bytes(), false);
        }
        Value::List(l) => {
            out.push(b'[');
            if !l.items().is_empty() {
                for (i, item) in l.items().iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    newline_indent(out, style, depth + 1);
                    write_json(out, item, style, depth + 1)?;
                }
                newline_indent(out, style, depth);
            }
            out.push(b']');
        }
        Value::Map(m) => {
            out.push(b'{');
            let entries = m.entries();
            if !entries.is_empty() {
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    newline_indent(out, style, depth + 1);
                    write_string(out, k.as_bytes(), style != Style::Raw);
                    out.push(b':');
                    if style == Style::Pretty {
                        out.push(b' ');
                    }
                    write_json(out, item, style, depth + 1)?;
                }
                newline_indent(out, style, depth);
            }
            out.push(b'}');
        }
        // Host objects have no JSON form here; their `%v` text is the
        // closest stand-in (Helm's own toJson handles its objects).
        Value::Object(o) => write_string(out, o.format_v().as_bytes(), style != Style::Raw),
        Value::Func(f) => return Err(format!("json: unsupported type: func {}", f.name)),
    }
    Ok(())
}

/// `encoding/json`'s `floatEncoder`: plain digits for `1e-6 <= |f| <
/// 1e21`, exponent form outside (a one-digit negative exponent unpadded),
/// shortest digits for the value's own width.
fn json_float(f: f64, kind: FloatKind) -> String {
    let bits = match kind {
        FloatKind::F32 => 32,
        FloatKind::F64 => 64,
    };
    let abs = if bits == 32 {
        f64::from((f as f32).abs())
    } else {
        f.abs()
    };
    let (lo, hi) = if bits == 32 {
        (f64::from(1e-6f32), f64::from(1e21f32))
    } else {
        (1e-6, 1e21)
    };
    let exponent = abs != 0.0 && (abs < lo || abs >= hi);
    let mut text = format_float(f, if exponent { b'e' } else { b'f' }, -1, bits);
    if exponent {
        let n = text.len();
        if n >= 4 && text.as_bytes()[n - 4] == b'e' && &text[n - 3..n - 1] == "-0" {
            text.remove(n - 2);
        }
    }
    text
}

/// `encoding/json`'s string encoder: invalid UTF-8 as U+FFFD, U+2028 and
/// U+2029 always escaped, `<>&` only when `html`.
fn write_string(out: &mut Vec<u8>, s: &[u8], html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'<' | b'>' | b'&' if html => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                0..=0x1f => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
                _ => out.push(b),
            }
            i += 1;
            continue;
        }
        let (c, w) = super::text::decode_rune(&s[i..]);
        if c == char::REPLACEMENT_CHARACTER && w == 1 {
            out.extend_from_slice(b"\\ufffd");
        } else if c == '\u{2028}' || c == '\u{2029}' {
            out.extend_from_slice(if c == '\u{2028}' {
                b"\\u2028"
            } else {
                b"\\u2029"
            });
        } else {
            out.extend_from_slice(&s[i..i + w]);
        }
        i += w;
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotemplate::Str;
    use crate::gotemplate::Type;
    use std::collections::BTreeMap;

    fn text(v: &Value, style: Style) -> String {
        String::from_utf8_lossy(&encode(v, style).unwrap_or_default()).into_owned()
    }

    #[test]
    fn empty_follows_sprig() {
        // sprig defaults_test.go TestEmpty.
        assert!(empty(&Value::nil()));
        assert!(empty(&Value::Invalid));
        assert!(empty(&Value::int(0)));
        assert!(empty(&Value::float64(0.0)));
        assert!(empty(&Value::Bool(false)));
        assert!(empty(&Value::string("")));
        assert!(empty(&Value::list(vec![])));
        assert!(empty(&Value::map(BTreeMap::new())));
        assert!(!empty(&Value::int(1)));
        assert!(!empty(&Value::string(" ")));
        assert!(!empty(&Value::float64(f64::NAN)));
    }

    #[test]
    fn json_encoding_follows_go() {
        let mut m = BTreeMap::new();
        m.insert(
            Str::from("b"),
            Value::list(vec![Value::int(1), Value::float64(1e6)]),
        );
        m.insert(Str::from("a"), Value::string("<x>&\u{2028}"));
        m.insert(Str::from("e"), Value::list(vec![]));
        let v = Value::map(m);
        assert_eq!(
            text(&v, Style::Compact),
            r#"{"a":"\u003cx\u003e\u0026\u2028","b":[1,1000000],"e":[]}"#
        );
        assert_eq!(
            text(&v, Style::Raw),
            r#"{"a":"<x>&\u2028","b":[1,1000000],"e":[]}"#
        );
        assert_eq!(
            text(&v, Style::Pretty),
            "{\n  \"a\": \"\\u003cx\\u003e\\u0026\\u2028\",\n  \"b\": [\n    1,\n    1000000\n  ],\n  \"e\": []\n}"
        );
        assert_eq!(
            encode(&Value::float64(f64::NAN), Style::Compact)
                .err()
                .as_deref(),
            Some("json: unsupported value: NaN")
        );
        assert_eq!(text(&Value::Nil(Type::Interface), Style::Compact), "null");
        // Go: json.Marshal([]interface{}{1e-7, 1e21, 1e20, float32(0.1), float32(1e-7)}).
        let floats = Value::list(vec![
            Value::float64(1e-7),
            Value::float64(1e21),
            Value::float64(1e20),
            Value::Float(f64::from(0.1f32), FloatKind::F32),
            Value::Float(f64::from(1e-7f32), FloatKind::F32),
        ]);
        assert_eq!(
            text(&floats, Style::Compact),
            "[1e-7,1e+21,100000000000000000000,0.1,1e-7]"
        );
    }

    #[test]
    fn json_decoding_gives_go_types() {
        let v = decode(br#"{"a":[1,"x",null,true]}"#).unwrap_or(Value::Invalid);
        let Value::Map(m) = v else {
            panic!("not a map")
        };
        let Some(Value::List(l)) = m.get(b"a") else {
            panic!("not a list")
        };
        assert!(matches!(l.items()[0], Value::Float(f, _) if f == 1.0));
        assert!(matches!(l.items()[2], Value::Nil(Type::Interface)));
        assert_eq!(
            decode(b"{").err().as_deref(),
            Some("unexpected end of JSON input")
        );
    }
}
