//! Go's `html`, `js` and `urlquery` escapers (`HTMLEscapeString`,
//! `JSEscapeString`, `url.QueryEscape`), over bytes.

use super::strconv::{decode_rune, is_print_rune};

/// Go's `template.HTMLEscapeString`.
pub(super) fn html(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    for &c in b {
        match c {
            0 => out.extend_from_slice("\u{FFFD}".as_bytes()),
            b'"' => out.extend_from_slice(b"&#34;"),
            b'\'' => out.extend_from_slice(b"&#39;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub(super) fn js(b: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            match c {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\'' => out.extend_from_slice(b"\\'"),
                b'"' => out.extend_from_slice(b"\\\""),
                b'<' => out.extend_from_slice(b"\\u003C"),
                b'>' => out.extend_from_slice(b"\\u003E"),
                b'&' => out.extend_from_slice(b"\\u0026"),
                b'=' => out.extend_from_slice(b"\\u003D"),
                c if c < b' ' => {
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(c >> 4)]);
                    out.push(HEX[usize::from(c & 0x0f)]);
                }
                c => out.push(c),
            }
            i += 1;
            continue;
        }
        let (r, size) = decode_rune(&b[i..]);
        let size = size.max(1);
        if is_print_rune(r) {
            out.extend_from_slice(&b[i..i + size]);
        } else {
            out.extend_from_slice(format!("\\u{r:04X}").as_bytes());
        }
        i += size;
    }
    out
}

/// Go's `url.QueryEscape`: unreserved bytes stay, space is `+`, the rest
/// is `%XX` in upper case.
pub(super) fn query(b: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(b.len());
    for &c in b {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(c),
            b' ' => out.push(b'+'),
            c => {
                out.push(b'%');
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0x0f)]);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts from Go's funcs.go tables (exec_test.go TestEscaping).
    #[test]
    fn escapers_match_go() {
        assert_eq!(
            html(b"a<b>&\"'\0"),
            b"a&lt;b&gt;&amp;&#34;&#39;\xEF\xBF\xBD".to_vec()
        );
        assert_eq!(
            js(b"\\'\"<>&=\x01"),
            b"\\\\\\'\\\"\\u003C\\u003E\\u0026\\u003D\\u0001".to_vec()
        );
        assert_eq!(js("a\u{2028}é".as_bytes()), "a\\u2028é".as_bytes().to_vec());
        assert_eq!(
            query(b"a b&c=d/\xc3\xa9~"),
            b"a+b%26c%3Dd%2F%C3%A9~".to_vec()
        );
    }
}
