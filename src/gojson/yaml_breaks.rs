//! libyaml's other line breaks: NEL (U+0085), LINE SEPARATOR (U+2028) and
//! PARAGRAPH SEPARATOR (U+2029) end lines exactly as LF does (structure,
//! comments, line numbers in errors), which granit-parser does not do.
//!
//! The reader therefore parses a copy of the text in which each of them is
//! an LF (one character for one, so spans and character indices stay
//! valid). That copy is exact for NEL, which libyaml reads as LF inside
//! scalars too. LS and PS, however, are kept in scalar values: where one
//! starts a line break group, libyaml writes it (and the breaks after it)
//! instead of folding to a space. Scalars whose source holds LS or PS are
//! re-read here from the original text.

use granit_parser::ScalarStyle;

fn is_ls_ps(c: char) -> bool {
    c == '\u{2028}' || c == '\u{2029}'
}

/// The text granit parses: `None` when it has none of the three breaks.
pub(super) fn normalize(text: &str) -> Option<String> {
    if !text.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        return None;
    }
    Some(text.replace(['\u{85}', '\u{2028}', '\u{2029}'], "\n"))
}

/// The original text's byte offset of every character (and the end), to
/// slice it by granit's character indices.
pub(super) fn char_offsets(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    v.push(text.len());
    v
}

/// The scalar's value as libyaml reads it from `original`, where granit's
/// span is the byte range `a..b` (the token; for block scalars, from the
/// first content character). `None` when the source holds no LS/PS, so
/// the value read from the normalised copy stands.
pub(super) fn refold(original: &str, a: usize, b: usize, style: ScalarStyle) -> Option<String> {
    let src = &original[a..b];
    match style {
        ScalarStyle::Plain if src.contains(is_ls_ps) => Some(fold_flow(src, Quote::None)),
        ScalarStyle::SingleQuoted if src.contains(is_ls_ps) => {
            Some(fold_flow(inner(src, '\'')?, Quote::Single))
        }
        ScalarStyle::DoubleQuoted if src.contains(is_ls_ps) => {
            Some(fold_flow(inner(src, '"')?, Quote::Double))
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let header_to_end = &original[block_start(original, a)..];
            if !header_to_end.contains(is_ls_ps) {
                return None;
            }
            block(original, a, style == ScalarStyle::Literal)
        }
        _ => None,
    }
}

/// Where the blank lines before a block scalar's first content character
/// `a` begin (the end of the header line's text).
fn block_start(original: &str, a: usize) -> usize {
    original[..a]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c == ' ' || c == '\n' || c == '\r' || c == '\u{85}' || is_ls_ps(c)))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// All line breaks of `s`, as libyaml writes them.
fn breaks_of(s: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if let Some((n, b)) = read_break(&s[i..]) {
            out.push(b);
            i += n;
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// libyaml's `scan_block_scalar` from the first content line on: lines at
/// the block's indentation are content; literal scalars keep every break,
/// folded ones turn a lone LF between two lines that do not start with a
/// blank into a space; chomping decides the final breaks.
fn block(original: &str, a: usize, literal: bool) -> Option<String> {
    let head_end = block_start(original, a);
    // The header line: its indicator and chomping (`|-`, `>+2`, ...).
    let line_start = original[..head_end]
        .rfind(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map_or(0, |i| i + 1);
    let header_line = &original[line_start..head_end];
    let header_line = header_line.split(" #").next().unwrap_or(header_line);
    let at = header_line.rfind(['|', '>'])?;
    let header = &header_line[at + 1..];
    let chomping = if header.contains('-') {
        -1
    } else if header.contains('+') {
        1
    } else {
        0
    };
    // The indentation: the column of the first content character.
    let content_line = original[..a]
        .rfind(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map_or(0, |i| {
            i + original[i..].chars().next().map_or(1, char::len_utf8)
        });
    let indent = original[content_line..a].chars().count();
    // Blank lines between the header and the content (the header line's
    // own break excluded).
    let mut trailing: String = breaks_of(&original[head_end..a])
        .into_iter()
        .skip(1)
        .collect();
    let mut leading: Option<char> = None;
    let mut leading_blank = false;
    let mut out = String::new();
    let mut pos = a;
    loop {
        let rest = &original[pos..];
        let Some(first) = rest.chars().next() else {
            break;
        };
        let trailing_blank = first == ' ' || first == '\t';
        if !literal && leading == Some('\n') && !leading_blank && !trailing_blank {
            if trailing.is_empty() {
                out.push(' ');
            }
        } else if let Some(l) = leading {
            out.push(l);
        }
        leading = None;
        out.push_str(&trailing);
        trailing.clear();
        leading_blank = trailing_blank;
        // The line's text.
        let end = (0..rest.len())
            .find(|&i| rest.is_char_boundary(i) && read_break(&rest[i..]).is_some())
            .unwrap_or(rest.len());
        out.push_str(&rest[..end]);
        pos += end;
        let Some((n, b)) = read_break(&original[pos..]) else {
            break;
        };
        leading = Some(b);
        pos += n;
        // Blank lines, then the next line's indentation.
        loop {
            let line = &original[pos..];
            let spaces = line.chars().take(indent).take_while(|&c| c == ' ').count();
            match read_break(&line[spaces..]) {
                Some((n, b)) => {
                    trailing.push(b);
                    pos += spaces + n;
                }
                None => {
                    pos += spaces;
                    break;
                }
            }
        }
        let column_ok = original[..pos]
            .chars()
            .rev()
            .take_while(|&c| c == ' ')
            .count()
            >= indent;
        if !column_ok || pos >= original.len() {
            break;
        }
    }
    if chomping != -1
        && let Some(l) = leading
    {
        out.push(l);
    }
    if chomping == 1 {
        out.push_str(&trailing);
    }
    Some(out)
}

/// The text between the quotes of a quoted scalar's token.
fn inner(src: &str, q: char) -> Option<&str> {
    let s = src.trim_end();
    s.strip_prefix(q)?.strip_suffix(q)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// Reads one line break at the start of `s`: its length and what libyaml
/// writes for it (LF for CR LF, CR, LF and NEL; LS and PS themselves).
fn read_break(s: &str) -> Option<(usize, char)> {
    let mut it = s.chars();
    match it.next()? {
        '\r' if it.next() == Some('\n') => Some((2, '\n')),
        '\r' | '\n' => Some((1, '\n')),
        '\u{85}' => Some((2, '\n')),
        c if is_ls_ps(c) => Some((3, c)),
        _ => None,
    }
}

/// libyaml's folding of plain and quoted scalars: blanks before a break
/// are dropped, blanks after it skipped; a break group whose first break
/// is LF becomes a space (or the breaks after it), one starting with LS or
/// PS is written as read. An escaped break (double quotes) joins lines.
fn fold_flow(src: &str, quote: Quote) -> String {
    let mut out = String::new();
    let mut whitespaces = String::new();
    // The group's first break ('\0' for an escaped one) and the rest.
    let mut leading: Option<char> = None;
    let mut trailing = String::new();
    let mut i = 0;
    while i < src.len() {
        let rest = &src[i..];
        if let Some((n, b)) = read_break(rest) {
            match leading {
                None => {
                    whitespaces.clear();
                    leading = Some(b);
                }
                Some(_) => trailing.push(b),
            }
            i += n;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == ' ' || c == '\t' {
            if leading.is_none() {
                whitespaces.push(c);
            }
            i += 1;
            continue;
        }
        // Content: close the pending blanks first.
        match leading.take() {
            Some('\n') => {
                if trailing.is_empty() {
                    out.push(' ');
                } else {
                    out.push_str(&trailing);
                }
            }
            Some(b) => {
                if b != '\0' {
                    out.push(b);
                }
                out.push_str(&trailing);
            }
            None => out.push_str(&whitespaces),
        }
        trailing.clear();
        whitespaces.clear();
        match (quote, c) {
            (Quote::Single, '\'') if rest.starts_with("''") => {
                out.push('\'');
                i += 2;
            }
            (Quote::Double, '\\') => {
                let after = &rest[1..];
                if let Some((n, _)) = read_break(after) {
                    leading = Some('\0');
                    i += 1 + n;
                } else {
                    let (len, text) = escape(after);
                    out.push_str(&text);
                    i += 1 + len;
                }
            }
            _ => {
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// A double-quoted escape after the backslash: its length and value.
fn escape(s: &str) -> (usize, String) {
    let Some(c) = s.chars().next() else {
        return (0, String::new());
    };
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\u{b}'),
        'f' => Some('\u{c}'),
        'r' => Some('\r'),
        'e' => Some('\u{1b}'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(v) = simple {
        return (c.len_utf8(), v.to_string());
    }
    let n = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return (c.len_utf8(), c.to_string()),
    };
    let hex = s.get(1..1 + n).unwrap_or_default();
    let v = u32::from_str_radix(hex, 16)
        .ok()
        .and_then(char::from_u32)
        .map(String::from)
        .unwrap_or_default();
    (1 + n, v)
}
