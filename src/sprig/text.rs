//! Go's rune-level text primitives over byte strings: decoding as Go's
//! `for range` does (each invalid byte is one U+FFFD), `unicode`'s simple
//! case mappings and classes, and `strings` helpers (`Split`, `Replace`,
//! `TrimSpace`, `Trim`, `Title`) the Sprig families share.

/// Decodes the rune at the start of `s` as Go does: an invalid or
/// truncated sequence is U+FFFD of width 1. `s` must not be empty.
pub(crate) fn decode_rune(s: &[u8]) -> (char, usize) {
    let width = match s[0] {
        0x00..=0x7f => return (char::from(s[0]), 1),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    match s.get(..width).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(text) => match text.chars().next() {
            Some(c) => (c, width),
            None => (char::REPLACEMENT_CHARACTER, 1),
        },
        None => (char::REPLACEMENT_CHARACTER, 1),
    }
}

/// The runes of `s` with their byte offsets and widths, as Go's
/// `for i, r := range s`.
pub(crate) fn runes(s: &[u8]) -> Vec<(usize, char, usize)> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let (c, w) = decode_rune(&s[i..]);
        out.push((i, c, w));
        i += w;
    }
    out
}

/// Appends `c` UTF-8 encoded.
pub(crate) fn push_rune(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Go's `strings.Map`: every rune mapped (invalid bytes become U+FFFD).
pub(crate) fn map_runes(s: &[u8], f: impl Fn(char) -> char) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for (_, c, _) in runes(s) {
        push_rune(&mut out, f(c));
    }
    out
}

/// The letters whose title case differs from their upper case (Go's
/// `unicode.ToTitle` special cases: the DŽ/LJ/NJ/DZ digraphs).
fn digraph_title(c: char) -> Option<char> {
    Some(match c {
        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
        '\u{1F1}'..='\u{1F3}' => '\u{1F2}',
        _ => return None,
    })
}

/// Go's `unicode.ToUpper`: the simple one-rune mapping. Rust's
/// `to_uppercase` is the full mapping (`ß` → `SS`); where it gives more
/// than one rune Go's simple mapping keeps the rune.
pub(crate) fn to_upper(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    if let Some(u) = iota_subscript_upper(c) {
        return u;
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Greek letters with iota subscript: Rust's full upper-case mapping
/// spells the iota out (`ᾳ` → `ΑΙ`), Go's simple mapping gives the
/// title-case letter (`ᾼ`).
fn iota_subscript_upper(c: char) -> Option<char> {
    let u = c as u32;
    let mapped = match u {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => u + 8,
        0x1FB3 | 0x1FC3 | 0x1FF3 => u + 9,
        _ => return None,
    };
    char::from_u32(mapped)
}

/// Go's `unicode.ToLower` (simple mapping; `İ` → `i`).
pub(crate) fn to_lower(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `unicode.ToTitle`.
pub(crate) fn to_title(c: char) -> char {
    digraph_title(c).unwrap_or_else(|| to_upper(c))
}

/// Go's `unicode.IsTitle` (category Lt).
pub(crate) fn is_title(c: char) -> bool {
    matches!(c,
        '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}'
        | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}'
        | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Go's `unicode.IsUpper` (approximated by Rust's Uppercase property).
pub(crate) fn is_upper(c: char) -> bool {
    c.is_uppercase()
}

/// Go's `unicode.IsLower` (approximated by Rust's Lowercase property).
pub(crate) fn is_lower(c: char) -> bool {
    c.is_lowercase()
}

/// Go's `unicode.IsSpace` (the White_Space property, as Rust's).
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `unicode.IsPunct` (category P). Exact for ASCII and Latin-1,
/// where `$+<=>^`|~` are symbols, not punctuation; the common general
/// punctuation blocks elsewhere.
pub(crate) fn is_punct(c: char) -> bool {
    matches!(c,
        '!' | '"' | '#' | '%' | '&' | '\'' | '(' | ')' | '*' | ',' | '-' | '.' | '/' | ':'
        | ';' | '?' | '@' | '[' | '\\' | ']' | '_' | '{' | '}'
        | '\u{A1}' | '\u{A7}' | '\u{AB}' | '\u{B6}' | '\u{B7}' | '\u{BB}' | '\u{BF}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{2043}' | '\u{2045}'..='\u{2051}'
        | '\u{2053}'..='\u{205E}' | '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}')
}

/// `strings.Title`'s word separator test.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    is_space(c)
}

/// Go's `strings.Title`.
pub(crate) fn title(s: &[u8]) -> Vec<u8> {
    let mut prev = ' ';
    let mut out = Vec::with_capacity(s.len());
    for (_, c, _) in runes(s) {
        let mapped = if is_separator(prev) { to_title(c) } else { c };
        prev = c;
        push_rune(&mut out, mapped);
    }
    out
}

/// Go's `strings.Index` on bytes.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Go's `strings.SplitN(s, sep, n)` (`n < 0`: all; `n == 0`: nil; an
/// empty `sep` splits after each UTF-8 sequence).
pub(crate) fn split_n(s: &[u8], sep: &[u8], n: i64) -> Vec<Vec<u8>> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let rs = runes(s);
        let limit = if n < 0 || n as usize > rs.len() {
            rs.len()
        } else {
            n as usize
        };
        let mut out = Vec::with_capacity(limit);
        for (idx, (i, _, w)) in rs.iter().enumerate().take(limit) {
            if idx + 1 == limit {
                out.push(s[*i..].to_vec());
            } else {
                out.push(s[*i..i + w].to_vec());
            }
        }
        return out;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while n < 0 || (out.len() as i64) < n - 1 {
        match find(rest, sep) {
            Some(at) => {
                out.push(rest[..at].to_vec());
                rest = &rest[at + sep.len()..];
            }
            None => break,
        }
    }
    out.push(rest.to_vec());
    out
}

/// Go's `strings.Replace(s, old, new, -1)`.
pub(crate) fn replace_all(s: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    if old.is_empty() {
        // Go inserts `new` before each rune and at the end.
        out.extend_from_slice(new);
        for (i, _, w) in runes(s) {
            out.extend_from_slice(&s[i..i + w]);
            out.extend_from_slice(new);
        }
        return out;
    }
    let mut rest = s;
    while let Some(at) = find(rest, old) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(new);
        rest = &rest[at + old.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Go's `strings.TrimFunc` from both ends.
pub(crate) fn trim_func(s: &[u8], f: impl Fn(char) -> bool) -> &[u8] {
    let rs = runes(s);
    let start = rs
        .iter()
        .find(|(_, c, _)| !f(*c))
        .map_or(s.len(), |(i, _, _)| *i);
    let end = rs
        .iter()
        .rev()
        .find(|(_, c, _)| !f(*c))
        .map_or(start, |(i, _, w)| i + w);
    &s[start..end.max(start)]
}

/// Go's `strings.TrimSpace`.
pub(crate) fn trim_space(s: &[u8]) -> &[u8] {
    trim_func(s, is_space)
}

/// Go's `strings.Trim(s, cutset)`.
pub(crate) fn trim_cutset<'a>(s: &'a [u8], cutset: &[u8]) -> &'a [u8] {
    if s.is_empty() || cutset.is_empty() {
        return s;
    }
    let set: Vec<char> = runes(cutset).into_iter().map(|(_, c, _)| c).collect();
    trim_func(s, |c| set.contains(&c))
}
