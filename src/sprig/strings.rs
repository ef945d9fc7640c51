//! Sprig's string functions (strings.go and the `genericMap` entries
//! wrapping Go's `strings`, goutils and xstrings), on Go byte strings.

use super::convert::{
    ANY, BOOL, FLOAT64, INT, INT64, STRING, arg_int, arg_str, def, is_nil_interface, map_of,
    slice_of, string_list, string_value, strslice, strval,
};
use super::env::Env;
use super::text::{
    find, is_lower, is_space, is_title, is_upper, map_runes, push_rune, replace_all, runes,
    split_n, title, to_lower, to_title, to_upper, trim_cutset, trim_space,
};
use super::{casing, convert};
use crate::gotemplate::fmt::sprint;
use crate::gotemplate::strconv::quote;
use crate::gotemplate::{FuncError, Funcs, Map, Signature, Str, Type, Value};
use std::collections::BTreeMap;

/// Registers the string functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    let s1 = || Signature::new(vec![STRING], STRING);
    let s2 = || Signature::new(vec![STRING, STRING], STRING);
    let unary = |funcs: &mut Funcs, name: &str, f: fn(&[u8]) -> Vec<u8>| {
        def(funcs, name, s1(), move |a| {
            Ok(string_value(f(arg_str(&a[0]).as_bytes())))
        });
    };
    unary(funcs, "trim", |s| trim_space(s).to_vec());
    unary(funcs, "upper", |s| map_runes(s, to_upper));
    unary(funcs, "lower", |s| map_runes(s, to_lower));
    unary(funcs, "title", title);
    unary(funcs, "untitle", uncapitalize);
    unary(funcs, "nospace", delete_white_space);
    unary(funcs, "initials", initials);
    unary(funcs, "swapcase", swap_case);
    unary(funcs, "snakecase", |s| casing::camel_to_lower(s, '_'));
    unary(funcs, "kebabcase", |s| casing::camel_to_lower(s, '-'));
    unary(funcs, "camelcase", casing::to_pascal_case);

    def(funcs, "hello", Signature::new(vec![], STRING), |_| {
        Ok(string_value("Hello!"))
    });
    def(
        funcs,
        "fail",
        Signature::new(vec![STRING], STRING).with_error(),
        |a| Err(FuncError::new(arg_str(&a[0]).to_str_lossy())),
    );
    def(
        funcs,
        "abbrev",
        Signature::new(vec![INT, STRING], STRING),
        |a| {
            let (width, s) = (arg_int(&a[0]), arg_str(&a[1]));
            if width < 4 {
                return Ok(Value::String(s));
            }
            Ok(string_value(abbreviate_full(s.as_bytes(), 0, width)))
        },
    );
    def(
        funcs,
        "abbrevboth",
        Signature::new(vec![INT, INT, STRING], STRING),
        |a| {
            let (left, right, s) = (arg_int(&a[0]), arg_int(&a[1]), arg_str(&a[2]));
            if right < 4 || left > 0 && right < 7 {
                return Ok(Value::String(s));
            }
            Ok(string_value(abbreviate_full(s.as_bytes(), left, right)))
        },
    );
    def(
        funcs,
        "trunc",
        Signature::new(vec![INT, STRING], STRING),
        |a| {
            let (c, s) = (arg_int(&a[0]), arg_str(&a[1]));
            let len = s.len() as i64;
            let b = s.as_bytes();
            Ok(if c < 0 && len + c > 0 {
                string_value(&b[(len + c) as usize..])
            } else if c >= 0 && len > c {
                string_value(&b[..c as usize])
            } else {
                Value::String(s)
            })
        },
    );
    def(
        funcs,
        "substr",
        Signature::new(vec![INT, INT, STRING], STRING),
        |a| {
            let (start, end, s) = (arg_int(&a[0]), arg_int(&a[1]), arg_str(&a[2]));
            substring(start, end, s.as_bytes()).map(string_value)
        },
    );
    def(
        funcs,
        "repeat",
        Signature::new(vec![INT, STRING], STRING),
        |a| repeat(arg_str(&a[1]).as_bytes(), arg_int(&a[0])).map(string_value),
    );
    for name in ["trimall", "trimAll"] {
        def(funcs, name, s2(), |a| {
            let (cut, s) = (arg_str(&a[0]), arg_str(&a[1]));
            Ok(string_value(trim_cutset(s.as_bytes(), cut.as_bytes())))
        });
    }
    def(funcs, "trimSuffix", s2(), |a| {
        let (suffix, s) = (arg_str(&a[0]), arg_str(&a[1]));
        let b = s.as_bytes();
        Ok(string_value(b.strip_suffix(suffix.as_bytes()).unwrap_or(b)))
    });
    def(funcs, "trimPrefix", s2(), |a| {
        let (prefix, s) = (arg_str(&a[0]), arg_str(&a[1]));
        let b = s.as_bytes();
        Ok(string_value(b.strip_prefix(prefix.as_bytes()).unwrap_or(b)))
    });
    def(
        funcs,
        "wrap",
        Signature::new(vec![INT, STRING], STRING),
        |a| {
            let (l, s) = (arg_int(&a[0]), arg_str(&a[1]));
            Ok(string_value(wrap_custom(s.as_bytes(), l, b"", false)))
        },
    );
    def(
        funcs,
        "wrapWith",
        Signature::new(vec![INT, STRING, STRING], STRING),
        |a| {
            let (l, sep, s) = (arg_int(&a[0]), arg_str(&a[1]), arg_str(&a[2]));
            Ok(string_value(wrap_custom(
                s.as_bytes(),
                l,
                sep.as_bytes(),
                true,
            )))
        },
    );
    let pred = |funcs: &mut Funcs, name: &str, f: fn(&[u8], &[u8]) -> bool| {
        def(
            funcs,
            name,
            Signature::new(vec![STRING, STRING], BOOL),
            move |a| {
                Ok(Value::Bool(f(
                    arg_str(&a[1]).as_bytes(),
                    arg_str(&a[0]).as_bytes(),
                )))
            },
        );
    };
    pred(funcs, "contains", |s, sub| find(s, sub).is_some());
    pred(funcs, "hasPrefix", |s, p| s.starts_with(p));
    pred(funcs, "hasSuffix", |s, p| s.ends_with(p));

    def(
        funcs,
        "quote",
        Signature::variadic(vec![], ANY, STRING),
        |a| {
            let parts: Vec<Vec<u8>> = a
                .iter()
                .filter(|v| !is_nil_interface(v))
                .map(|v| quote(strval(v).as_bytes()).into_bytes())
                .collect();
            Ok(string_value(parts.join(&b' ')))
        },
    );
    def(
        funcs,
        "squote",
        Signature::variadic(vec![], ANY, STRING),
        |a| {
            let parts: Vec<Vec<u8>> = a
                .iter()
                .filter(|v| !is_nil_interface(v))
                .map(|v| {
                    let mut out = vec![b'\''];
                    out.extend(sprint(std::slice::from_ref(v)));
                    out.push(b'\'');
                    out
                })
                .collect();
            Ok(string_value(parts.join(&b' ')))
        },
    );
    def(
        funcs,
        "cat",
        Signature::variadic(vec![], ANY, STRING),
        |a| {
            let parts: Vec<Vec<u8>> = a
                .iter()
                .filter(|v| !is_nil_interface(v))
                .map(|v| sprint(std::slice::from_ref(v)))
                .collect();
            Ok(string_value(parts.join(&b' ')))
        },
    );
    def(
        funcs,
        "indent",
        Signature::new(vec![INT, STRING], STRING),
        |a| indent(arg_int(&a[0]), arg_str(&a[1]).as_bytes()).map(string_value),
    );
    def(
        funcs,
        "nindent",
        Signature::new(vec![INT, STRING], STRING),
        |a| {
            let mut out = vec![b'\n'];
            out.extend(indent(arg_int(&a[0]), arg_str(&a[1]).as_bytes())?);
            Ok(string_value(out))
        },
    );
    def(
        funcs,
        "replace",
        Signature::new(vec![STRING, STRING, STRING], STRING),
        |a| {
            let (old, new, src) = (arg_str(&a[0]), arg_str(&a[1]), arg_str(&a[2]));
            Ok(string_value(replace_all(
                src.as_bytes(),
                old.as_bytes(),
                new.as_bytes(),
            )))
        },
    );
    def(
        funcs,
        "plural",
        Signature::new(vec![STRING, STRING, INT], STRING),
        |a| {
            Ok(if arg_int(&a[2]) == 1 {
                a[0].clone()
            } else {
                a[1].clone()
            })
        },
    );
    def(funcs, "toString", Signature::new(vec![ANY], STRING), |a| {
        Ok(Value::String(strval(&a[0])))
    });
    def(funcs, "atoi", Signature::new(vec![STRING], INT), |a| {
        Ok(Value::int(atoi(arg_str(&a[0]).as_bytes())))
    });
    def(funcs, "int64", Signature::new(vec![ANY], INT64), |a| {
        Ok(Value::int64(convert::to_int64(&a[0])))
    });
    def(funcs, "int", Signature::new(vec![ANY], INT), |a| {
        Ok(Value::int(convert::to_int(&a[0])))
    });
    def(funcs, "float64", Signature::new(vec![ANY], FLOAT64), |a| {
        Ok(Value::float64(convert::to_float64(&a[0])))
    });
    def(funcs, "toDecimal", Signature::new(vec![ANY], INT64), |a| {
        let text = sprint(std::slice::from_ref(&a[0]));
        Ok(Value::int64(parse_octal(&text).unwrap_or(0)))
    });
    def(
        funcs,
        "seq",
        Signature::variadic(vec![], INT, STRING),
        |a| {
            let p: Vec<i64> = a.iter().map(arg_int).collect();
            Ok(string_value(seq(&p)))
        },
    );
    def(
        funcs,
        "split",
        Signature::new(vec![STRING, STRING], map_of(STRING)),
        |a| {
            let (sep, orig) = (arg_str(&a[0]), arg_str(&a[1]));
            Ok(indexed_map(split_n(orig.as_bytes(), sep.as_bytes(), -1)))
        },
    );
    def(
        funcs,
        "splitn",
        Signature::new(vec![STRING, INT, STRING], map_of(STRING)),
        |a| {
            let (sep, n, orig) = (arg_str(&a[0]), arg_int(&a[1]), arg_str(&a[2]));
            Ok(indexed_map(split_n(orig.as_bytes(), sep.as_bytes(), n)))
        },
    );
    def(
        funcs,
        "splitList",
        Signature::new(vec![STRING, STRING], slice_of(STRING)),
        |a| {
            let (sep, orig) = (arg_str(&a[0]), arg_str(&a[1]));
            let parts = split_n(orig.as_bytes(), sep.as_bytes(), -1);
            Ok(string_list(parts.into_iter().map(Str::from).collect()))
        },
    );
    def(
        funcs,
        "toStrings",
        Signature::new(vec![ANY], slice_of(STRING)),
        |a| Ok(string_list(strslice(&a[0]))),
    );
    def(
        funcs,
        "join",
        Signature::new(vec![STRING, ANY], STRING),
        |a| {
            let sep = arg_str(&a[0]);
            let items = strslice(&a[1]);
            let parts: Vec<&[u8]> = items.iter().map(Str::as_bytes).collect();
            Ok(string_value(parts.join(sep.as_bytes())))
        },
    );
    def(
        funcs,
        "sortAlpha",
        Signature::new(vec![ANY], slice_of(STRING)),
        |a| {
            let v = &a[0];
            let is_list = matches!(
                v,
                Value::List(_) | Value::Bytes(_) | Value::Nil(Type::Slice(_) | Type::Bytes)
            );
            if !is_list {
                return Ok(string_list(vec![strval(v)]));
            }
            let mut items = strslice(v);
            items.sort();
            Ok(string_list(items))
        },
    );
}

/// `split`'s result: `map[string]string` keyed `_0`, `_1`, ...
fn indexed_map(parts: Vec<Vec<u8>>) -> Value {
    let entries: BTreeMap<Str, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (Str::from(format!("_{i}")), string_value(p)))
        .collect();
    Value::Map(Map::new(Type::String, None, entries))
}

/// Go's runtime panic text for a string slice expression out of range.
fn slice_panic(detail: String) -> FuncError {
    FuncError::new(format!("runtime error: slice bounds out of range {detail}"))
}

/// Sprig's `substring`: `s[:end]` when `start < 0`, `s[start:]` when
/// `end < 0` or past the end, else `s[start:end]`, with Go's panics.
fn substring(start: i64, end: i64, s: &[u8]) -> Result<Vec<u8>, FuncError> {
    let len = s.len() as i64;
    if start < 0 {
        if end < 0 || end > len {
            return Err(slice_panic(if end < 0 {
                format!("[:{end}]")
            } else {
                format!("[:{end}] with length {len}")
            }));
        }
        return Ok(s[..end as usize].to_vec());
    }
    if end < 0 || end > len {
        if start > len {
            return Err(slice_panic(format!("[{start}:{len}]")));
        }
        return Ok(s[start as usize..].to_vec());
    }
    if start > end {
        return Err(slice_panic(format!("[{start}:{end}]")));
    }
    Ok(s[start as usize..end as usize].to_vec())
}

/// Go's `strings.Repeat`, with its panics.
fn repeat(s: &[u8], count: i64) -> Result<Vec<u8>, FuncError> {
    if count < 0 {
        return Err(FuncError::new("strings: negative Repeat count"));
    }
    let total = (s.len() as u128) * (count as u128);
    if total > (i64::MAX as u128) {
        return Err(FuncError::new("strings: Repeat output length overflow"));
    }
    if total > (1 << 32) {
        // Go would try to allocate this; a template cannot need it.
        return Err(FuncError::new("runtime error: makeslice: len out of range"));
    }
    Ok(s.repeat(count as usize))
}

/// Sprig's `indent`.
fn indent(spaces: i64, v: &[u8]) -> Result<Vec<u8>, FuncError> {
    let pad = repeat(b" ", spaces)?;
    let mut nl = vec![b'\n'];
    nl.extend_from_slice(&pad);
    let mut out = pad;
    out.extend(replace_all(v, b"\n", &nl));
    Ok(out)
}

/// Go's `strconv.Atoi` as Sprig's `atoi` uses it: a range error gives the
/// clamped value, a syntax error 0.
fn atoi(s: &[u8]) -> i64 {
    let (neg, digits) = match s.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    let mut n: i128 = 0;
    for &d in digits {
        n = (n * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX) + 1);
    }
    let n = if neg { -n } else { n };
    n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Go's `strconv.ParseInt(s, 8, 64)` (`toDecimal`): `None` on any error.
fn parse_octal(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i128 = 0;
    for &d in digits {
        if !(b'0'..=b'7').contains(&d) {
            return None;
        }
        n = n * 8 + i128::from(d - b'0');
        if n > i128::from(i64::MAX) + 1 {
            return None;
        }
    }
    let n = if neg { -n } else { n };
    i64::try_from(n).ok()
}

/// Sprig's `untilStep` over Go `int`s.
pub(crate) fn until_step(start: i64, stop: i64, step: i64) -> Vec<i64> {
    let mut v = Vec::new();
    if stop < start {
        if step >= 0 {
            return v;
        }
        let mut i = start;
        while i > stop {
            v.push(i);
            i = i.wrapping_add(step);
        }
        return v;
    }
    if step <= 0 {
        return v;
    }
    let mut i = start;
    while i < stop {
        v.push(i);
        match i.checked_add(step) {
            Some(next) => i = next,
            None => break,
        }
    }
    v
}

/// Sprig's `seq`: like GNU seq, numbers joined by spaces.
fn seq(p: &[i64]) -> String {
    let list = match *p {
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(inc), inc)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return String::new();
                }
            }
            until_step(start, end.wrapping_add(inc), step)
        }
        _ => return String::new(),
    };
    let texts: Vec<String> = list.iter().map(i64::to_string).collect();
    texts.join(" ")
}

/// goutils `AbbreviateFull` (its errors give `""`, as Sprig ignores them).
fn abbreviate_full(s: &[u8], offset: i64, max_width: i64) -> Vec<u8> {
    let len = s.len() as i64;
    if s.is_empty() || max_width < 4 {
        return Vec::new();
    }
    if len <= max_width {
        return s.to_vec();
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        let mut out = s[..(max_width - 3) as usize].to_vec();
        out.extend_from_slice(b"...");
        return out;
    }
    if max_width < 7 {
        return Vec::new();
    }
    let mut out = b"...".to_vec();
    if offset + max_width - 3 < len {
        out.extend(abbreviate_full(&s[offset as usize..], 0, max_width - 3));
    } else {
        out.extend_from_slice(&s[(len - (max_width - 3)) as usize..]);
    }
    out
}

/// goutils `Uncapitalize`: the first rune of each whitespace-separated
/// word lower-cased.
fn uncapitalize(s: &[u8]) -> Vec<u8> {
    let mut next = true;
    let mut out = Vec::with_capacity(s.len());
    for (_, c, _) in runes(s) {
        let mapped = if is_space(c) {
            next = true;
            c
        } else if next {
            next = false;
            to_lower(c)
        } else {
            c
        };
        push_rune(&mut out, mapped);
    }
    out
}

/// goutils `SwapCase`: upper and title to lower; lower to title after
/// whitespace, else to upper.
fn swap_case(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut whitespace = true;
    for (_, c, _) in runes(s) {
        let mapped = if is_upper(c) || is_title(c) {
            whitespace = false;
            to_lower(c)
        } else if is_lower(c) {
            if whitespace {
                whitespace = false;
                to_title(c)
            } else {
                to_upper(c)
            }
        } else {
            whitespace = is_space(c);
            c
        };
        push_rune(&mut out, mapped);
    }
    out
}

/// Go's `unicode.IsSpace` of a byte taken as a rune (goutils iterates
/// bytes, so 0x85 and 0xA0 count as spaces even inside UTF-8 sequences).
fn byte_is_space(b: u8) -> bool {
    is_space(char::from(b))
}

/// goutils `Initials`: the first byte of each word, written as a rune
/// (so a non-ASCII first byte comes out as its Latin-1 character).
fn initials(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut gap = true;
    for &b in s {
        if byte_is_space(b) {
            gap = true;
        } else if gap {
            push_rune(&mut out, char::from(b));
            gap = false;
        }
    }
    out
}

/// goutils `DeleteWhiteSpace`: byte-wise, as goutils does (unchanged when
/// there is nothing to delete, else every kept byte written as a rune).
fn delete_white_space(s: &[u8]) -> Vec<u8> {
    if !s.iter().any(|&b| byte_is_space(b)) {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    for &b in s.iter().filter(|&&b| !byte_is_space(b)) {
        push_rune(&mut out, char::from(b));
    }
    out
}

/// goutils `WrapCustom`: wraps at spaces (bytes), `new_line` defaulting
/// to `\n`; long words are cut only if `wrap_long`.
fn wrap_custom(s: &[u8], width: i64, new_line: &[u8], wrap_long: bool) -> Vec<u8> {
    if s.is_empty() {
        return Vec::new();
    }
    let new_line: &[u8] = if new_line.is_empty() { b"\n" } else { new_line };
    let width = width.max(1) as usize;
    let len = s.len();
    let mut offset = 0;
    let mut out = Vec::with_capacity(len + len / width);
    while len - offset > width {
        if s[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = width + offset + 1;
        let space = s[offset..end].iter().rposition(|&b| b == b' ');
        if let Some(at) = space {
            let at = at + offset;
            out.extend_from_slice(&s[offset..at]);
            out.extend_from_slice(new_line);
            offset = at + 1;
        } else if wrap_long {
            let end = width + offset;
            out.extend_from_slice(&s[offset..end]);
            out.extend_from_slice(new_line);
            offset += width;
        } else {
            let end = width + offset;
            match s[end..].iter().position(|&b| b == b' ') {
                None => {
                    out.extend_from_slice(&s[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&s[offset..at]);
                    out.extend_from_slice(new_line);
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&s[offset..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_follows_sprig() {
        // sprig strings_test.go TestSubstr and Go's slice panics.
        assert_eq!(substring(0, 3, b"fooo").unwrap_or_default(), b"foo");
        assert_eq!(substring(1, 3, b"fooo").unwrap_or_default(), b"oo");
        assert_eq!(substring(-1, 2, b"fooo").unwrap_or_default(), b"fo");
        assert_eq!(substring(1, -1, b"fooo").unwrap_or_default(), b"ooo");
        assert_eq!(
            substring(0, 10, b"foo").unwrap_or_default(),
            b"foo",
            "end past the string means to the end"
        );
        let err = substring(-1, 10, b"foo").err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("runtime error: slice bounds out of range [:10] with length 3")
        );
        let err = substring(3, 1, b"foo").err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("runtime error: slice bounds out of range [3:1]")
        );
    }

    #[test]
    fn abbreviate_follows_goutils() {
        // goutils stringutils_test.go examples.
        assert_eq!(abbreviate_full(b"abcdefghijklmno", 0, 10), b"abcdefg...");
        assert_eq!(abbreviate_full(b"abcdefghijklmno", 5, 10), b"...fghi...");
        assert_eq!(abbreviate_full(b"abcdefghijklmno", 12, 10), b"...ijklmno");
        assert_eq!(abbreviate_full(b"abcdefghij", 5, 6), b"");
        assert_eq!(
            abbreviate_full(b"The quick brown fox", 0, 10),
            b"The qui..."
        );
    }

    #[test]
    fn wrap_follows_goutils() {
        // sprig TestWrap / TestWrapWith.
        assert_eq!(
            wrap_custom(b"This is a really long text", 10, b"", false),
            b"This is a\nreally\nlong text"
        );
        assert_eq!(
            wrap_custom(b"abcdefghijklmnop", 5, b"<br>", true),
            b"abcde<br>fghij<br>klmno<br>p"
        );
        assert_eq!(wrap_custom(b"Hello World", 5, b"\t", true), b"Hello\tWorld");
    }

    #[test]
    fn words_and_cases() {
        assert_eq!(initials(b"John Doe"), b"JD");
        assert_eq!(swap_case(b"Hello World"), b"hELLO wORLD");
        assert_eq!(uncapitalize(b"Hello World"), b"hello world");
        assert_eq!(delete_white_space(b"a b  c"), b"abc");
        assert_eq!(seq(&[5]), "1 2 3 4 5");
        assert_eq!(seq(&[-3]), "1 0 -1 -2 -3");
        assert_eq!(seq(&[0, 2, 10]), "0 2 4 6 8 10");
        assert_eq!(seq(&[1, -2, 0]), "1");
        assert_eq!(seq(&[10, -2, 0]), "10 8 6 4 2 0");
        assert_eq!(atoi(b"99999999999999999999"), i64::MAX);
        assert_eq!(atoi(b"0x10"), 0);
        assert_eq!(parse_octal(b"0777"), Some(511));
        assert_eq!(parse_octal(b"8"), None);
    }
}
