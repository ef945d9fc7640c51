//! The bits of Go's `strconv` and `unicode/utf8` the parser needs: decoding
//! runes from byte strings, `strconv.Unquote`/`UnquoteChar` for string and
//! character constants, and `strconv.Quote` for error texts and
//! `{{template "name"}}` node texts.

/// Go's `utf8.RuneError`.
const RUNE_ERROR: u32 = 0xFFFD;

/// Go's `utf8.DecodeRune`: the rune at the start of `s` and its width.
/// Invalid UTF-8 gives `(U+FFFD, 1)`; empty input gives `(U+FFFD, 0)`.
pub(crate) fn decode_rune(s: &[u8]) -> (u32, usize) {
    let Some(&b0) = s.first() else {
        return (RUNE_ERROR, 0);
    };
    if b0 < 0x80 {
        return (u32::from(b0), 1);
    }
    let want = match b0 {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (RUNE_ERROR, 1),
    };
    // Rust's UTF-8 validation rejects exactly what Go's does (overlongs,
    // surrogates, > U+10FFFF).
    match s.get(..want).and_then(|p| std::str::from_utf8(p).ok()) {
        Some(text) => (text.chars().next().map_or(RUNE_ERROR, u32::from), want),
        None => (RUNE_ERROR, 1),
    }
}

/// Go's `utf8.DecodeLastRune`: the rune ending `s` and its width.
pub(crate) fn decode_last_rune(s: &[u8]) -> (u32, usize) {
    let n = s.len();
    if n == 0 {
        return (RUNE_ERROR, 0);
    }
    if s[n - 1] < 0x80 {
        return (u32::from(s[n - 1]), 1);
    }
    // Try the longest start that decodes to exactly the tail.
    for width in 2..=4.min(n) {
        let (r, w) = decode_rune(&s[n - width..]);
        if w == width {
            return (r, w);
        }
    }
    (RUNE_ERROR, 1)
}

/// Go's `strconv.IsPrint` (exact, from the fmt port's Unicode tables).
pub(crate) fn is_print(r: u32) -> bool {
    super::super::strconv::is_print_rune(r)
}

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends rune `r` escaped as Go's `appendEscapedRune` does for a
/// double-quoted string.
fn push_escaped_rune(out: &mut String, r: u32, quote: char) {
    if r == u32::from(quote) || r == u32::from('\\') {
        out.push('\\');
        out.push(char::from_u32(r).unwrap_or('\u{FFFD}'));
        return;
    }
    if is_print(r) {
        out.push(char::from_u32(r).unwrap_or('\u{FFFD}'));
        return;
    }
    match r {
        0x07 => out.push_str("\\a"),
        0x08 => out.push_str("\\b"),
        0x0C => out.push_str("\\f"),
        0x0A => out.push_str("\\n"),
        0x0D => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x0B => out.push_str("\\v"),
        _ if r < 0x20 || r == 0x7F => push_hex(out, "\\x", r, 2),
        _ if r < 0x10000 => push_hex(out, "\\u", r, 4),
        _ => push_hex(out, "\\U", r, 8),
    }
}

fn push_hex(out: &mut String, prefix: &str, v: u32, digits: u32) {
    out.push_str(prefix);
    for i in (0..digits).rev() {
        out.push(char::from(LOWER_HEX[((v >> (4 * i)) & 0xF) as usize]));
    }
}

/// Go's `strconv.Quote` of a byte string: invalid bytes become `\xHH`.
pub(crate) fn go_quote(s: &[u8]) -> String {
    super::super::strconv::quote(s)
}

/// Go's `%.Nq`: the first `max_runes` runes of `s`, quoted (each invalid
/// byte counts as one rune, as in Go's `fmt`).
pub(crate) fn go_quote_runes(s: &[u8], max_runes: usize) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut rest = s;
    let mut count = 0;
    while !rest.is_empty() && count < max_runes {
        let (r, w) = decode_rune(rest);
        if w == 1 && r == RUNE_ERROR {
            push_hex(&mut out, "\\x", u32::from(rest[0]), 2);
        } else {
            push_escaped_rune(&mut out, r, '"');
        }
        rest = &rest[w..];
        count += 1;
    }
    out.push('"');
    out
}

/// Go's `%#U`: `U+0021 '!'` (the quoted rune only when printable).
pub(crate) fn format_sharp_u(r: u32) -> String {
    let mut out = format!("U+{r:04X}");
    if is_print(r)
        && let Some(c) = char::from_u32(r)
    {
        out.push_str(" '");
        out.push(c);
        out.push('\'');
    }
    out
}

/// Go's `strconv.ErrSyntax` text, the only error `Unquote` gives.
pub(crate) const INVALID_SYNTAX: &str = "invalid syntax";

fn unhex(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// Go's `strconv.UnquoteChar`: one (possibly escaped) character at the
/// start of `s`. Returns the value, whether it must be encoded as UTF-8
/// (`multibyte`), and the rest.
pub(crate) fn unquote_char(s: &[u8], quote: u8) -> Option<(u32, bool, &[u8])> {
    let &c = s.first()?;
    if c == quote && (quote == b'\'' || quote == b'"') {
        return None;
    }
    if c >= 0x80 {
        let (r, w) = decode_rune(s);
        return Some((r, true, &s[w..]));
    }
    if c != b'\\' {
        return Some((u32::from(c), false, &s[1..]));
    }
    let &esc = s.get(1)?;
    let mut rest = &s[2..];
    let value = match esc {
        b'a' => 0x07,
        b'b' => 0x08,
        b'f' => 0x0C,
        b'n' => 0x0A,
        b'r' => 0x0D,
        b't' => 0x09,
        b'v' => 0x0B,
        b'x' | b'u' | b'U' => {
            let n = match esc {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = rest.get(..n)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = (v << 4) | unhex(d)?;
            }
            rest = &rest[n..];
            if esc == b'x' {
                // A single byte, possibly not UTF-8.
                return Some((v, false, rest));
            }
            // Go's utf8.ValidRune: no surrogates, at most U+10FFFF.
            char::from_u32(v)?;
            return Some((v, true, rest));
        }
        b'0'..=b'7' => {
            let digits = rest.get(..2)?;
            let mut v = u32::from(esc - b'0');
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            rest = &rest[2..];
            if v > 255 {
                return None;
            }
            v
        }
        b'\\' => u32::from(b'\\'),
        b'\'' | b'"' => {
            if esc != quote {
                return None;
            }
            u32::from(esc)
        }
        _ => return None,
    };
    Some((value, false, rest))
}

/// Appends rune `r` as UTF-8 (Go's `utf8.AppendRune`; invalid runes
/// become U+FFFD).
fn push_rune(out: &mut Vec<u8>, r: u32) {
    let c = char::from_u32(r).unwrap_or('\u{FFFD}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Go's `strconv.Unquote` for a whole token (`"..."`, `` `...` `` or
/// `'.'`). `None` is Go's `invalid syntax`.
pub(crate) fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() < 2 {
        return None;
    }
    let quote = s[0];
    let end = s[1..].iter().position(|&b| b == quote)? + 2;
    let result = match quote {
        b'`' => {
            // Carriage returns are discarded from raw strings.
            let body = &s[1..end - 1];
            Some((body.iter().copied().filter(|&b| b != b'\r').collect(), end))
        }
        b'"' | b'\'' => unquote_cooked(s, quote, end),
        _ => None,
    };
    // Go's Unquote rejects anything after the closing quote.
    match result {
        Some((out, used)) if used == s.len() => Some(out),
        _ => None,
    }
}

/// The `"` and `'` cases of Go's `unquote`: the value and the bytes used.
fn unquote_cooked(s: &[u8], quote: u8, end: usize) -> Option<(Vec<u8>, usize)> {
    let simple = &s[..end];
    if !simple.contains(&b'\\') && !simple.contains(&b'\n') {
        let body = &s[1..end - 1];
        let valid = if quote == b'"' {
            std::str::from_utf8(body).is_ok()
        } else {
            let (r, n) = decode_rune(body);
            n + 2 == end && (r != RUNE_ERROR || n != 1)
        };
        if valid {
            return Some((body.to_vec(), end));
        }
    }
    let mut out = Vec::with_capacity(s.len());
    let mut rest = &s[1..];
    while let Some(&first) = rest.first() {
        if first == quote {
            break;
        }
        if first == b'\n' {
            return None;
        }
        let (r, multibyte, tail) = unquote_char(rest, quote)?;
        rest = tail;
        if r < 0x80 || !multibyte {
            // `\xff` and octal escapes are single bytes, not runes.
            out.push(r as u8);
        } else {
            push_rune(&mut out, r);
        }
        if quote == b'\'' {
            break;
        }
    }
    if rest.first() != Some(&quote) {
        return None;
    }
    Some((out, s.len() - rest.len() + 1))
}
