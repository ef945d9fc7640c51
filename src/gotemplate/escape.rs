//! Go's `html`, `js` and `urlquery` escapers (`HTMLEscapeString`,
//! `JSEscapeString`, `url.QueryEscape`), over bytes.

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
        if is_print(r) {
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

/// Go's `utf8.DecodeRune` on a non-empty slice: invalid input is
/// `(U+FFFD, 1)`.
fn decode_rune(s: &[u8]) -> (u32, usize) {
    let want = match s.first() {
        Some(0x00..=0x7F) => return (u32::from(s[0]), 1),
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        _ => return (0xFFFD, 1),
    };
    match s.get(..want).and_then(|p| std::str::from_utf8(p).ok()) {
        Some(t) => (t.chars().next().map_or(0xFFFD, u32::from), want),
        None => (0xFFFD, 1),
    }
}

/// Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols
/// and U+0020), approximated above Latin-1 by excluding controls,
/// separators, format, private-use and unassigned-looking code points.
fn is_print(r: u32) -> bool {
    if r <= 0xFF {
        return (0x20..=0x7E).contains(&r) || ((0xA1..=0xFF).contains(&r) && r != 0xAD);
    }
    let Some(c) = char::from_u32(r) else {
        return false;
    };
    !(c.is_control()
        || c.is_whitespace()
        || (0x200B..=0x200F).contains(&r)
        || (0x2028..=0x202E).contains(&r)
        || (0x2060..=0x206F).contains(&r)
        || r == 0xFEFF
        || (0xE000..=0xF8FF).contains(&r)
        || (0xFFF9..=0xFFFB).contains(&r)
        || r >= 0xF0000)
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
