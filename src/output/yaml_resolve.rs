//! go-yaml v2's implicit typing of plain scalars (`resolve.go`), with the
//! parts of Go's `strconv` and `time.Parse` it relies on.
//!
//! The emitter needs it in one direction only: a string may be written
//! unquoted only if reading it back would give a string again. So instead of
//! producing typed values this module answers "would this plain scalar
//! resolve to something other than a string?".

use std::sync::LazyLock;

use regex::Regex;

/// Whether go-yaml v2 would resolve the plain scalar `s` to a non-string
/// (bool, null, int, float, timestamp or merge key), or considers it a
/// YAML 1.1 base-60 float. Such strings must be quoted.
pub(crate) fn needs_quotes(s: &str) -> bool {
    resolves_to_non_string(s) || is_base60_float(s)
}

fn resolves_to_non_string(s: &str) -> bool {
    !matches!(resolve_plain(s), Resolved::Str)
}

/// What go-yaml v2's `resolve` makes of an untagged plain scalar, with the
/// Go type it would decode into `interface{}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Resolved {
    /// `~`, `null`, the empty scalar.
    Null,
    /// YAML 1.1 booleans (`yes`, `off`, `y`, ...).
    Bool(bool),
    /// An integer that fits `int64` (Go `int`/`int64`).
    Int(i64),
    /// An integer only `uint64` can hold.
    Uint(u64),
    /// A float, including `.inf`/`.nan` (which JSON then rejects).
    Float(f64),
    /// A timestamp: decoded into `interface{}` it stays the original text.
    Timestamp,
    /// The merge key `<<`.
    Merge,
    /// Anything else: a string.
    Str,
}

/// go-yaml v2's `resolve("", s)` for a plain scalar.
pub(crate) fn resolve_plain(s: &str) -> Resolved {
    // go-yaml dispatches on the first byte; anything it has no hint for
    // (letters other than yYnNtTfFoO, most punctuation, non-ASCII) is a
    // string without further checks. The empty string has the null hint.
    let hint = match s.as_bytes().first() {
        None => b'N',
        Some(b'+' | b'-') => b'S',
        Some(b'0'..=b'9') => b'D',
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => b'M',
        Some(b'.') => b'.',
        // Notably `<` has no hint, so `<<` (the merge key) stays plain.
        Some(_) => return Resolved::Str,
    };
    if let Some(word) = resolve_word(s) {
        return word;
    }
    match hint {
        b'.' if go_parse_float_ok(s) => s
            .replace('_', "")
            .parse::<f64>()
            .map_or(Resolved::Str, Resolved::Float),
        b'D' | b'S' => {
            if parses_as_timestamp(s) {
                return Resolved::Timestamp;
            }
            let plain = s.replace('_', "");
            if let Some(i) = go_parse_int(&plain, 0) {
                return Resolved::Int(i);
            }
            if let Some(u) = go_parse_uint(&plain, 0) {
                return Resolved::Uint(u);
            }
            if matches(&YAML_STYLE_FLOAT, &plain) && decimal_is_finite(&plain) {
                return plain.parse::<f64>().map_or(Resolved::Str, Resolved::Float);
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if let Some(i) = go_parse_int(rest, 2) {
                    return Resolved::Int(i);
                }
                if let Some(u) = go_parse_uint(rest, 2) {
                    return Resolved::Uint(u);
                }
            } else if let Some(rest) = plain.strip_prefix("-0b")
                && let Some(i) = go_parse_int(&format!("-{rest}"), 2)
            {
                return Resolved::Int(i);
            }
            Resolved::Str
        }
        _ => Resolved::Str,
    }
}

/// go-yaml's `resolveMap` lookup.
fn resolve_word(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

/// go-yaml's `yamlStyleFloat`: the float syntax it accepts after digits
/// and signs (underscores already removed). The pattern is constant, so
/// compiling it cannot fail; `None` would only make every such string
/// plain rather than panic.
static YAML_STYLE_FLOAT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").ok());

/// go-yaml's base-60 float pattern (YAML 1.1 `1:20`, `190:20:30.15`).
static BASE60_FLOAT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").ok());

fn matches(re: &LazyLock<Option<Regex>>, s: &str) -> bool {
    re.as_ref().is_some_and(|re| re.is_match(s))
}

fn is_base60_float(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b'+' | b'-' | b'0'..=b'9') => s.contains(':') && matches(&BASE60_FLOAT, s),
        _ => false,
    }
}

/// Whether a decimal string (already known to be well-formed) stays below
/// infinity: Go's `ParseFloat` reports overflow as an error, which makes
/// go-yaml treat the scalar as a string.
fn decimal_is_finite(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Go's `strconv.ParseFloat(s, 64)` succeeding, for strings that start
/// with `.` (the only ones go-yaml hands to it unfiltered): digits with at
/// most one point, an optional exponent, underscores only between digits,
/// and no overflow.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut saw_dot = false;
    let mut saw_digits = false;
    let mut underscores = false;
    while i < b.len() {
        match b[i] {
            b'_' => underscores = true,
            b'.' if saw_dot => break,
            b'.' => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if i != b.len() || (underscores && !underscore_ok(s)) {
        return false;
    }
    decimal_is_finite(&s.replace('_', ""))
}

/// Go's `underscoreOK`: underscores may only separate digits (a base
/// prefix counts as a digit).
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if let Some(b'+' | b'-') = b.first() {
        b = &b[1..];
    }
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && matches!(c.to_ascii_lowercase(), b'a'..=b'f')) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Go's `strconv.ParseUint(s, base, 64)` for base 0 (prefix-detecting:
/// `0x`, `0o`, `0b`, leading `0` for octal) or an explicit base. Returns
/// `None` on any error, syntax or range. Underscores are not expected: the
/// caller has removed them, as go-yaml does.
fn go_parse_uint(s: &str, base: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = if base == 0 {
        let b = s.as_bytes();
        if b[0] == b'0' {
            match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if b.len() >= 3 => (&s[2..], 2),
                Some(b'o') if b.len() >= 3 => (&s[2..], 8),
                Some(b'x') if b.len() >= 3 => (&s[2..], 16),
                _ => (&s[1..], 8),
            }
        } else {
            (s, 10)
        }
    } else {
        (s, base)
    };
    let mut n: u64 = 0;
    for c in digits.chars() {
        let d = c.to_digit(36)?;
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `strconv.ParseInt(s, base, 64)`: an optional sign, then
/// [`go_parse_uint`], then the `int64` range check.
fn go_parse_int(s: &str, base: u32) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let magnitude = go_parse_uint(rest, base)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// go-yaml's `parseTimestamp`: the string starts with four digits and a
/// dash and Go's `time.Parse` accepts it with one of the layouts
/// `2006-1-2T15:4:5.999999999Z07:00`, the same with a lower-case `t`,
/// `2006-1-2 15:4:5.999999999` or `2006-1-2`.
fn parses_as_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    TIMESTAMP_LAYOUTS
        .iter()
        .any(|layout| matches_layout(s, layout))
}

#[derive(Clone, Copy)]
enum LayoutPart {
    Literal(&'static str),
    LongYear,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Fraction,
    Zone,
}

const TIMESTAMP_LAYOUTS: &[&[LayoutPart]] = {
    use LayoutPart::*;
    &[
        &[
            LongYear,
            Literal("-"),
            Month,
            Literal("-"),
            Day,
            Literal("T"),
            Hour,
            Literal(":"),
            Minute,
            Literal(":"),
            Second,
            Fraction,
            Zone,
        ],
        &[
            LongYear,
            Literal("-"),
            Month,
            Literal("-"),
            Day,
            Literal("t"),
            Hour,
            Literal(":"),
            Minute,
            Literal(":"),
            Second,
            Fraction,
            Zone,
        ],
        &[
            LongYear,
            Literal("-"),
            Month,
            Literal("-"),
            Day,
            Literal(" "),
            Hour,
            Literal(":"),
            Minute,
            Literal(":"),
            Second,
            Fraction,
        ],
        &[LongYear, Literal("-"), Month, Literal("-"), Day],
    ]
};

/// Go's `getnum(s, false)`: one or two leading digits.
fn one_or_two_digits(s: &str) -> Option<(u32, &str)> {
    let b = s.as_bytes();
    let first = char::from(*b.first()?).to_digit(10)?;
    match b.get(1).and_then(|&c| char::from(c).to_digit(10)) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None => Some((first, &s[1..])),
    }
}

/// Go's `time.Parse` for the few layout elements go-yaml's timestamp
/// layouts use, including its quirks: one-digit fields, any number of
/// fraction digits, a run of spaces matching one layout space, and zone
/// offsets up to `+24:60`.
fn matches_layout(value: &str, layout: &[LayoutPart]) -> bool {
    let mut v = value;
    let (mut year, mut month, mut day) = (0i64, 0u32, 0u32);
    for part in layout {
        match *part {
            LayoutPart::Literal(lit) => {
                if lit == " " {
                    // A layout space matches one or more spaces (or the end).
                    if !v.is_empty() && !v.starts_with(' ') {
                        return false;
                    }
                    v = v.trim_start_matches(' ');
                } else if let Some(rest) = v.strip_prefix(lit) {
                    v = rest;
                } else {
                    return false;
                }
            }
            LayoutPart::LongYear => {
                let b = v.as_bytes();
                if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].parse().unwrap_or(0);
                v = &v[4..];
            }
            LayoutPart::Month => match one_or_two_digits(v) {
                Some((m, rest)) if (1..=12).contains(&m) => {
                    month = m;
                    v = rest;
                }
                _ => return false,
            },
            LayoutPart::Day => match one_or_two_digits(v) {
                Some((d, rest)) => {
                    day = d;
                    v = rest;
                }
                None => return false,
            },
            LayoutPart::Hour => match one_or_two_digits(v) {
                Some((h, rest)) if h < 24 => v = rest,
                _ => return false,
            },
            LayoutPart::Minute | LayoutPart::Second => match one_or_two_digits(v) {
                Some((m, rest)) if m < 60 => v = rest,
                _ => return false,
            },
            LayoutPart::Fraction => {
                // Optional: a point or comma followed by at least one digit.
                let b = v.as_bytes();
                if b.len() >= 2 && (b[0] == b'.' || b[0] == b',') && b[1].is_ascii_digit() {
                    let n = 1 + b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[n..];
                }
            }
            LayoutPart::Zone => {
                if let Some(rest) = v.strip_prefix('Z') {
                    v = rest;
                } else {
                    let b = v.as_bytes();
                    if b.len() < 6 || b[3] != b':' || !(b[0] == b'+' || b[0] == b'-') {
                        return false;
                    }
                    let two = |x: &[u8]| {
                        if x.iter().all(u8::is_ascii_digit) {
                            Some(u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
                        } else {
                            None
                        }
                    };
                    match (two(&b[1..3]), two(&b[4..6])) {
                        (Some(h), Some(m)) if h <= 24 && m <= 60 => v = &v[6..],
                        _ => return false,
                    }
                }
            }
        }
    }
    v.is_empty() && day >= 1 && day <= days_in_month(month, year)
}

fn days_in_month(month: u32, year: i64) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_numbers_need_quotes() {
        for s in [
            "",
            "y",
            "NO",
            "off",
            "~",
            "null",
            "08",
            ".inf",
            "-.Inf",
            "1",
            "-0",
            "0x1F",
            "0o17",
            "007",
            "1_000",
            "1.5",
            "1e3",
            ".5",
            ".5_5",
            "1:20",
            "-1:20:30.5",
            "2024-01-01",
            "2024-1-1",
            "2024-01-01T10:00:00Z",
            "2024-01-01 10:00:00",
            "2024-01-01   1:0:0.5",
            "18446744073709551615",
            "20240101",
            "123456789012345678901234567890",
            "0b101",
            "-0b101",
        ] {
            assert!(needs_quotes(s), "{s:?} should need quotes");
        }
    }

    #[test]
    fn strings_stay_plain() {
        for s in [
            "a",
            "<<",
            "yEs",
            "nO",
            "0xg",
            "1e",
            "1e400",
            "._5",
            ".5_",
            ".",
            "1.2.3",
            "1:60",
            "2024-13-01",
            "2024-02-30",
            "2024-01-01T10:00:00",
            "+",
            "-",
            "a:20",
            "0b2",
            ".infinity",
            "+.5e400",
        ] {
            assert!(!needs_quotes(s), "{s:?} should stay plain");
        }
    }
}
