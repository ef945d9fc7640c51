//! `toYamlPretty`: go-yaml v3's encoder with an indent of 2, as helm
//! configures it. Unlike `toYaml` (go-yaml v2 after a JSON round trip):
//! sequences are indented under their key, long strings are never folded,
//! floats print Go's `'g'` text (`1e+06`, `-0`), and strings that would
//! read back as another type are double-quoted.

use crate::gojson::GoValue;
use crate::gojson::float::format_g;
use crate::output::yaml_emit::{is_break, is_printable};
use crate::output::yaml_resolve::needs_quotes;

const INDENT: usize = 2;

/// The encoder's document text (with its trailing newline).
pub fn to_yaml_pretty(v: &GoValue) -> String {
    let mut out = String::new();
    match v {
        GoValue::Map(_) | GoValue::Struct(_) if !is_empty(v) => write_map(v, 0, &mut out),
        GoValue::Array(items) if !items.is_empty() => write_seq(items, 0, &mut out),
        _ => {
            out.push_str(&inline(v, 0));
            out.push('\n');
        }
    }
    out
}

fn entries(v: &GoValue) -> Vec<(&str, &GoValue)> {
    match v {
        GoValue::Map(m) => {
            let mut e: Vec<(&str, &GoValue)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
            let chars: Vec<Vec<char>> = e.iter().map(|(k, _)| k.chars().collect()).collect();
            let mut idx: Vec<usize> = (0..e.len()).collect();
            idx.sort_by(|a, b| {
                if crate::output::yaml::key_less(&chars[*a], &chars[*b]) {
                    std::cmp::Ordering::Less
                } else if crate::output::yaml::key_less(&chars[*b], &chars[*a]) {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            });
            let sorted = idx.iter().map(|i| e[*i]).collect();
            e.clear();
            sorted
        }
        GoValue::Struct(fields) => fields.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        _ => Vec::new(),
    }
}

fn is_empty(v: &GoValue) -> bool {
    match v {
        GoValue::Map(m) => m.is_empty(),
        GoValue::Struct(f) => f.is_empty(),
        GoValue::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn is_block(v: &GoValue) -> bool {
    matches!(v, GoValue::Map(_) | GoValue::Struct(_) | GoValue::Array(_)) && !is_empty(v)
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// A block mapping whose first key is written at the current position
/// (already indented) and the others at `indent`.
fn write_map(v: &GoValue, indent: usize, out: &mut String) {
    for (i, (k, val)) in entries(v).into_iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push_str(&scalar_string(k));
        out.push(':');
        write_value_after_key(val, indent, out);
    }
}

fn write_value_after_key(val: &GoValue, indent: usize, out: &mut String) {
    match val {
        GoValue::Array(items) if !items.is_empty() => {
            out.push('\n');
            pad(out, indent + INDENT);
            write_seq(items, indent + INDENT, out);
        }
        v if is_block(v) => {
            out.push('\n');
            pad(out, indent + INDENT);
            write_map(v, indent + INDENT, out);
        }
        GoValue::String(s) if s.contains('\n') && block_allowed(s) => {
            out.push(' ');
            write_literal(s, indent + INDENT, out);
        }
        v => {
            out.push(' ');
            out.push_str(&inline(v, indent));
            out.push('\n');
        }
    }
}

fn write_seq(items: &[GoValue], indent: usize, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            pad(out, indent);
        }
        out.push_str("- ");
        match item {
            GoValue::Array(inner) if !inner.is_empty() => write_seq(inner, indent + INDENT, out),
            v if is_block(v) => write_map(v, indent + INDENT, out),
            GoValue::String(s) if s.contains('\n') && block_allowed(s) => {
                write_literal(s, indent + INDENT, out)
            }
            v => {
                out.push_str(&inline(v, indent));
                out.push('\n');
            }
        }
    }
}

/// A literal block scalar (`|`, `|-`, `|+`), lines at `indent`.
fn write_literal(s: &str, indent: usize, out: &mut String) {
    out.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        out.push_str(&INDENT.to_string());
    }
    if !s.ends_with('\n') {
        out.push('-');
    } else if s.ends_with("\n\n") || s == "\n" {
        out.push('+');
    }
    out.push('\n');
    let body = s.strip_suffix('\n').unwrap_or(s);
    for line in body.split('\n') {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn inline(v: &GoValue, _indent: usize) -> String {
    match v {
        GoValue::Null => "null".to_owned(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Float(f) => match format_g(*f).as_str() {
            "+Inf" => ".inf".to_owned(),
            "-Inf" => "-.inf".to_owned(),
            "NaN" => ".nan".to_owned(),
            s => s.to_owned(),
        },
        GoValue::String(s) => scalar_string(s),
        GoValue::Array(_) => "[]".to_owned(),
        GoValue::Map(_) | GoValue::Struct(_) => "{}".to_owned(),
    }
}

/// A one-line string: plain when it reads back as the same string,
/// double-quoted when it would read as another type, single-quoted when
/// the emitter cannot write it plain.
fn scalar_string(s: &str) -> String {
    if s.is_empty() || needs_quotes(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        s.to_owned()
    } else if single_quoted_allowed(s) {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        double_quoted(s)
    }
}

fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    let second = s.chars().nth(1);
    if s.starts_with(' ') || s.ends_with(' ') || s.starts_with('\t') || s.ends_with('\t') {
        return false;
    }
    if matches!(
        first,
        ',' | '['
            | ']'
            | '{'
            | '}'
            | '#'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '\''
            | '"'
            | '%'
            | '@'
            | '`'
    ) {
        return false;
    }
    if matches!(first, '-' | '?' | ':') && second.is_none_or(|c| c == ' ' || c == '\t') {
        return false;
    }
    if s.starts_with("---") || s.starts_with("...") {
        return false;
    }
    !(s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| !is_printable(c) || is_break(c)))
}

/// The emitter's analysis: a literal block is refused for a string with
/// a trailing space, a space before a line break, or a character it
/// cannot print (anything but `\n`, tab and printable Unicode of the
/// basic plane), and the encoder then double-quotes it.
fn block_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    !s.ends_with(' ')
        && !chars.windows(2).any(|w| w[0] == ' ' && is_break(w[1]))
        && chars.iter().all(|c| *c == '\t' || is_printable(*c))
}

/// Single quotes are refused for tabs, unprintable characters and a
/// space next to a line break.
fn single_quoted_allowed(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().all(|c| is_printable(*c))
        && !chars
            .windows(2)
            .any(|w| (w[0] == ' ' && is_break(w[1])) || (is_break(w[0]) && w[1] == ' '))
}

/// go-yaml's double-quoted writer: line breaks, quotes, backslashes and
/// unprintable characters are escaped (every character when the string
/// starts with a BOM).
fn double_quoted(s: &str) -> String {
    let bom = s.starts_with('\u{FEFF}');
    let mut out = String::from("\"");
    for c in s.chars() {
        if !(bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\') {
            out.push(c);
            continue;
        }
        out.push('\\');
        match c {
            '\0' => out.push('0'),
            '\u{7}' => out.push('a'),
            '\u{8}' => out.push('b'),
            '\t' => out.push('t'),
            '\n' => out.push('n'),
            '\u{b}' => out.push('v'),
            '\u{c}' => out.push('f'),
            '\r' => out.push('r'),
            '\u{1b}' => out.push('e'),
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '\u{85}' => out.push('N'),
            '\u{a0}' => out.push('_'),
            '\u{2028}' => out.push('L'),
            '\u{2029}' => out.push('P'),
            c => {
                let v = u32::from(c);
                if v <= 0xFF {
                    out.push_str(&format!("x{v:02X}"));
                } else if v <= 0xFFFF {
                    out.push_str(&format!("u{v:04X}"));
                } else {
                    out.push_str(&format!("U{v:08X}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Expected texts: `helm template rel ./c2 -n ns1` (v3.21.4 and v4.2.4
    // agree) of a chart with testdata/convert_values.yaml as values.yaml
    // and a template printing `toYamlPretty .Values`, `toToml .Values`
    // and `toYaml .Values` (see testdata/README.md).
    #[test]
    fn pretty_matches_helm() {
        let values =
            crate::gojson::yaml::from_slice(include_bytes!("testdata/convert_values.yaml"))
                .unwrap();
        let want = include_str!("testdata/to_yaml_pretty.txt");
        assert_eq!(to_yaml_pretty(&values), want);
    }

    // Expected texts: helm v4.2.4 `toYamlPretty` (corpus case
    // serialization/yaml-strings): a CR or an unprintable character rules
    // out plain, single-quoted and literal styles.
    #[test]
    fn pretty_double_quotes_unprintable() {
        let v = crate::gojson::yaml::from_slice(b"c: \"bell\\u0007\"\nd: \"a\\r\\nb\"\n").unwrap();
        assert_eq!(to_yaml_pretty(&v), "c: \"bell\\a\"\nd: \"a\\r\\nb\"\n");
    }
}
