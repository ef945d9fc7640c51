//! Go's JSON string escaping: `encoding/json`'s, and the two jsoniter
//! writers structured-merge-diff uses. One table for all of them, so the
//! three can only differ where Go's encoders differ.

use std::io::Write;

/// Which Go string encoder to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escaping {
    /// `encoding/json` with its default HTML escaping (`json.Marshal`,
    /// `Encoder.Encode`): quotes, backslashes and control characters
    /// escaped, with short forms for `\n`, `\r`, `\t` and (since Go 1.22)
    /// `\b` and `\f`; `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes.
    EncodingJson,
    /// jsoniter's HTML-escaping string encoder (structured-merge-diff's
    /// `v:`/`k:` values): like [`Escaping::EncodingJson`], but `\b`, `\f`
    /// and the other control characters without a short form as `\u00XX`.
    JsoniterHtml,
    /// jsoniter's `WriteString` (structured-merge-diff's object keys): only
    /// quotes, backslashes and control characters escaped.
    JsoniterPlain,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The escape for one byte of the text, if it needs one; `next` are the
/// bytes after it (for U+2028 and U+2029, which are three bytes long).
/// Returns the escape and how many bytes it replaces.
fn escape_at(b: u8, next: &[u8], escaping: Escaping, buf: &mut [u8; 6]) -> Option<(usize, usize)> {
    let html = escaping != Escaping::JsoniterPlain;
    let short = |c: u8, buf: &mut [u8; 6]| {
        buf[0] = b'\\';
        buf[1] = c;
        Some((2, 1))
    };
    match b {
        b'"' => short(b'"', buf),
        b'\\' => short(b'\\', buf),
        b'\n' => short(b'n', buf),
        b'\r' => short(b'r', buf),
        b'\t' => short(b't', buf),
        0x08 if escaping == Escaping::EncodingJson => short(b'b', buf),
        0x0c if escaping == Escaping::EncodingJson => short(b'f', buf),
        0x00..=0x1f => Some((unicode_escape(u32::from(b), buf), 1)),
        b'<' | b'>' | b'&' if html => Some((unicode_escape(u32::from(b), buf), 1)),
        // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
        0xe2 if html && next.len() >= 2 && next[0] == 0x80 && matches!(next[1], 0xa8 | 0xa9) => {
            Some((unicode_escape(0x2000 | u32::from(next[1] - 0x80), buf), 3))
        }
        _ => None,
    }
}

/// Writes `\uXXXX` (lower-case hex) for a code point below U+10000 into
/// `buf`; returns its length.
fn unicode_escape(code: u32, buf: &mut [u8; 6]) -> usize {
    buf[0] = b'\\';
    buf[1] = b'u';
    for (i, shift) in [12u32, 8, 4, 0].into_iter().enumerate() {
        buf[2 + i] = HEX[((code >> shift) & 0xf) as usize];
    }
    6
}

/// Hands `emit` the escaped form of `text` (without the quotes), piece by
/// piece: runs of bytes that go out as they are, and escapes.
fn escape_pieces(text: &str, escaping: Escaping, mut emit: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut buf = [0u8; 6];
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some((len, consumed)) = escape_at(bytes[i], &bytes[i + 1..], escaping, &mut buf) else {
            i += 1;
            continue;
        };
        // Escapes only ever replace whole characters (ASCII bytes or the
        // three bytes of U+2028/U+2029), so both slices are on character
        // boundaries.
        if let Some(run) = text.get(start..i) {
            emit(run);
        }
        if let Ok(escape) = std::str::from_utf8(&buf[..len]) {
            emit(escape);
        }
        i += consumed;
        start = i;
    }
    if let Some(run) = text.get(start..) {
        emit(run);
    }
}

/// Appends `text` as a quoted JSON string, escaped as `escaping` says.
pub fn write_string(out: &mut String, text: &str, escaping: Escaping) {
    out.push('"');
    escape_pieces(text, escaping, |piece| out.push_str(piece));
    out.push('"');
}

/// Appends the bytes of a Go string, which need not be UTF-8, as a quoted
/// JSON string: every byte that is not part of a valid UTF-8 sequence
/// becomes `\ufffd`, one per byte, as Go's encoders write it. (jsoniter's
/// plain writer would copy such bytes raw, which a Rust string cannot
/// hold; it gets `\ufffd` too.)
pub fn write_bytes(out: &mut String, bytes: &[u8], escaping: Escaping) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        escape_pieces(chunk.valid(), escaping, |piece| out.push_str(piece));
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

/// What `json.Marshal` makes of a `json.Marshaler`'s output, which is
/// already compact JSON: it is copied with `<`, `>`, `&`, U+2028 and
/// U+2029 escaped wherever they are (inside strings, the only place they
/// can be).
pub fn write_html_escaped_raw(out: &mut String, raw: &str) {
    let bytes = raw.as_bytes();
    let mut buf = [0u8; 6];
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let html = matches!(b, b'<' | b'>' | b'&')
            || (b == 0xe2
                && bytes.get(i + 1) == Some(&0x80)
                && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)));
        if !html {
            i += 1;
            continue;
        }
        let Some((len, consumed)) = escape_at(b, &bytes[i + 1..], Escaping::EncodingJson, &mut buf)
        else {
            i += 1;
            continue;
        };
        out.push_str(raw.get(start..i).unwrap_or_default());
        out.push_str(std::str::from_utf8(&buf[..len]).unwrap_or_default());
        i += consumed;
        start = i;
    }
    out.push_str(raw.get(start..).unwrap_or_default());
}

/// A serde_json formatter that writes compact JSON with `encoding/json`'s
/// string escaping ([`Escaping::EncodingJson`]), so that serde-serialised
/// structures come out as Go's `json.Marshal` writes them.
#[derive(Debug, Clone, Copy, Default)]
pub struct GoFormatter;

impl serde_json::ser::Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut result = Ok(());
        escape_pieces(fragment, Escaping::EncodingJson, |piece| {
            if result.is_ok() {
                result = w.write_all(piece.as_bytes());
            }
        });
        result
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        escape: serde_json::ser::CharEscape,
    ) -> std::io::Result<()> {
        use serde_json::ser::CharEscape;
        // serde_json picks the characters to escape (quotes, backslashes,
        // control characters); how they are spelled is Go's table's call.
        let byte = match escape {
            CharEscape::Quote => b'"',
            CharEscape::ReverseSolidus => b'\\',
            CharEscape::Solidus => b'/',
            CharEscape::Backspace => 0x08,
            CharEscape::FormFeed => 0x0c,
            CharEscape::LineFeed => b'\n',
            CharEscape::CarriageReturn => b'\r',
            CharEscape::Tab => b'\t',
            CharEscape::AsciiControl(byte) => byte,
        };
        let mut buf = [0u8; 6];
        match escape_at(byte, &[], Escaping::EncodingJson, &mut buf) {
            Some((len, _)) => w.write_all(&buf[..len]),
            // Only `/` gets here, which Go writes as it is.
            None => w.write_all(&[byte]),
        }
    }
}

/// Serialises `value` as compact JSON with Go's `encoding/json` string
/// escaping (see [`GoFormatter`]).
pub fn to_go_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoFormatter);
    value.serialize(&mut ser)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str, escaping: Escaping) -> String {
        let mut out = String::new();
        write_string(&mut out, text, escaping);
        out
    }

    // Expected strings are what Go 1.26's `json.Marshal` prints for the
    // same input (checked with a throwaway `go run`).
    #[test]
    fn encoding_json_escapes_like_go() {
        assert_eq!(
            escaped("<a href=\"x\">&</a>", Escaping::EncodingJson),
            r#""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e""#
        );
        assert_eq!(
            escaped("\u{2028}\u{2029}", Escaping::EncodingJson),
            r#""\u2028\u2029""#
        );
        assert_eq!(
            escaped("\u{8}\u{c}\u{1}\u{1f}\t\n\r\u{7f}", Escaping::EncodingJson),
            "\"\\b\\f\\u0001\\u001f\\t\\n\\r\u{7f}\""
        );
        assert_eq!(escaped("é😀\\/", Escaping::EncodingJson), r#""é😀\\/""#);
        // U+2027 and U+202A share the first two bytes and stay as they are.
        assert_eq!(
            escaped("\u{2027}\u{202a}", Escaping::EncodingJson),
            "\"\u{2027}\u{202a}\""
        );
    }

    #[test]
    fn invalid_utf8_is_one_replacement_per_byte() {
        let mut out = String::new();
        write_bytes(&mut out, b"bad\xffutf8\xc3", Escaping::EncodingJson);
        assert_eq!(out, r#""bad\ufffdutf8\ufffd""#);
        out.clear();
        // An encoded surrogate, and a truncated three-byte sequence.
        write_bytes(&mut out, b"\xed\xa0\x80|\xe2\x82x", Escaping::EncodingJson);
        assert_eq!(out, r#""\ufffd\ufffd\ufffd|\ufffd\ufffdx""#);
    }

    #[test]
    fn jsoniter_writers() {
        let text = "<&>\u{8}\u{c}\n\"\u{2028}";
        assert_eq!(
            escaped(text, Escaping::JsoniterHtml),
            r#""\u003c\u0026\u003e\u0008\u000c\n\"\u2028""#
        );
        assert_eq!(
            escaped(text, Escaping::JsoniterPlain),
            "\"<&>\\u0008\\u000c\\n\\\"\u{2028}\""
        );
    }

    #[test]
    fn serde_formatter_agrees_with_write_string() {
        let text = "<b> & \u{2028} \u{8} \u{c} \u{1} \" \\ / é";
        let via_serde = String::from_utf8(to_go_json(text).unwrap_or_default()).unwrap_or_default();
        assert_eq!(via_serde, escaped(text, Escaping::EncodingJson));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The serde formatter (records) and the writer (output, patches)
        /// are the same escaper, and every escaping reads back as the same
        /// string.
        #[test]
        fn every_escaping_is_lossless_and_serde_agrees(s in "\\PC*|[\u{0}-\u{7f}\u{2027}-\u{202a}]*") {
            let via_serde = String::from_utf8(to_go_json(&s).unwrap_or_default()).unwrap_or_default();
            proptest::prop_assert_eq!(&via_serde, &escaped(&s, Escaping::EncodingJson));
            for escaping in [Escaping::EncodingJson, Escaping::JsoniterHtml, Escaping::JsoniterPlain] {
                let text = escaped(&s, escaping);
                proptest::prop_assert_eq!(serde_json::from_str::<String>(&text).ok(), Some(s.clone()));
                if escaping != Escaping::JsoniterPlain {
                    let html_free = !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']);
                    proptest::prop_assert!(html_free, "{}", text);
                }
            }
        }
    }

    #[test]
    fn raw_json_gets_html_escapes_only() {
        let mut out = String::new();
        write_html_escaped_raw(&mut out, "{\"a<\":\"&\\n\u{2029}\"}");
        assert_eq!(out, r#"{"a\u003c":"\u0026\n\u2029"}"#);
    }
}
