//! Sprig's regex.go on the `regex` crate. Go's RE2 syntax is close to
//! Rust's; the differences that matter are rewritten (`\d`, `\w`, `\s`
//! and `\b` are ASCII-only in Go), and Go's match iteration, `$`-expansion
//! and `Split` are reimplemented so empty matches behave as in Go.

use regex::Regex;

use super::convert::{
    BOOL, INT, STRING, arg_int, arg_str, def, slice_of, string_list, string_value,
};
use super::env::Env;
use super::text::decode_rune;
use crate::gotemplate::strconv::{can_backquote, quote};
use crate::gotemplate::{FuncError, Funcs, Signature, Str, Type, Value};

/// Rewrites Go's ASCII-only Perl classes and word boundaries into their
/// explicit forms, which Rust reads the same way in Unicode mode.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        if c == '\\' {
            let Some(next) = chars.next() else {
                out.push('\\');
                break;
            };
            let class = match next {
                'd' => Some("0-9"),
                'w' => Some("0-9A-Za-z_"),
                's' => Some("\\t\\n\\f\\r "),
                _ => None,
            };
            let negated = match next {
                'D' => Some("0-9"),
                'W' => Some("0-9A-Za-z_"),
                'S' => Some("\\t\\n\\f\\r "),
                _ => None,
            };
            match (class, negated, next) {
                (Some(set), _, _) => {
                    if in_class {
                        out.push_str(set);
                    } else {
                        out.push('[');
                        out.push_str(set);
                        out.push(']');
                    }
                }
                (_, Some(set), _) => {
                    out.push_str("[^");
                    out.push_str(set);
                    out.push(']');
                }
                (_, _, 'b') if !in_class => out.push_str("(?-u:\\b)"),
                (_, _, 'B') if !in_class => out.push_str("(?-u:\\B)"),
                _ => {
                    out.push('\\');
                    out.push(next);
                }
            }
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            } else if c == '[' && chars.peek() == Some(&':') {
                // A POSIX class `[:alpha:]` inside a bracket.
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
                continue;
            }
            out.push(c);
            continue;
        }
        if c == '[' {
            in_class = true;
            out.push(c);
            // `]` or `^]` right after `[` is a literal.
            if chars.peek() == Some(&'^') {
                out.push('^');
                chars.next();
            }
            if chars.peek() == Some(&']') {
                out.push_str("\\]");
                chars.next();
            }
            continue;
        }
        if c == '{' {
            // Go reads a `{` that does not start a repetition as a literal;
            // the regex crate rejects it.
            let mut rest = vec!['{'];
            rest.extend(chars.clone());
            if repeat_spec(&rest).is_none() {
                out.push_str("\\{");
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Go's `regexp.Compile` error text for the common mistakes, else a
/// description in Go's form with the regex crate's reason.
fn go_compile_error(pattern: &str, err: &regex::Error) -> String {
    let depth = pattern
        .chars()
        .scan((0i64, false), |(depth, escaped), c| {
            if *escaped {
                *escaped = false;
            } else if c == '\\' {
                *escaped = true;
            } else if c == '(' {
                *depth += 1;
            } else if c == ')' {
                *depth -= 1;
            }
            Some(*depth)
        })
        .collect::<Vec<_>>();
    let code = if let Some(code) = bad_escape(pattern)
        .or_else(|| nested_repetition(pattern))
        .or_else(|| syntax_error(pattern))
    {
        code
    } else if depth.iter().any(|&d| d < 0) {
        format!("unexpected ): `{pattern}`")
    } else if depth.last().is_some_and(|&d| d > 0) {
        format!("missing closing ): `{pattern}`")
    } else if let Some(at) = pattern.find('[').filter(|_| !pattern.contains(']')) {
        format!("missing closing ]: `{}`", &pattern[at..])
    } else if pattern.starts_with(['*', '+', '?']) {
        format!(
            "missing argument to repetition operator: `{}`",
            &pattern[..1]
        )
    } else if err.to_string().contains("Unicode property") {
        // regex-syntax checks class names after parsing; name the first
        // `\p`/`\P` class as Go does.
        let at = pattern
            .find("\\p")
            .or_else(|| pattern.find("\\P"))
            .unwrap_or(0);
        let rest = &pattern[at..];
        let len = if rest[2..].starts_with('{') {
            rest.find('}').map_or(rest.len(), |i| i + 1)
        } else {
            rest.char_indices().nth(3).map_or(rest.len(), |(i, _)| i)
        };
        format!("invalid character class range: `{}`", &rest[..len])
    } else {
        let reason = err.to_string();
        let reason = reason
            .lines()
            .last()
            .unwrap_or("")
            .trim()
            .trim_start_matches("error: ");
        format!("invalid or unsupported Perl syntax: {reason}")
    };
    format!("error parsing regexp: {code}")
}

/// Go's error code and expression for what regex-syntax's parser
/// rejects, where the two parsers agree on the mistake.
fn syntax_error(pattern: &str) -> Option<String> {
    use regex_syntax::ast::ErrorKind as K;
    let err = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .err()?;
    let span = err.span();
    let text = pattern
        .get(span.start.offset..span.end.offset)
        .unwrap_or("");
    Some(match err.kind() {
        K::ClassRangeInvalid => format!("invalid character class range: `{text}`"),
        K::UnicodeClassInvalid => {
            let start = pattern[..span.start.offset]
                .rfind('\\')
                .unwrap_or(span.start.offset);
            let end = pattern[span.end.offset..]
                .find('}')
                .filter(|_| {
                    pattern[start..].starts_with("\\p{") || pattern[start..].starts_with("\\P{")
                })
                .map_or(span.end.offset, |i| span.end.offset + i + 1);
            format!(
                "invalid character class range: `{}`",
                &pattern[start..end.max(span.end.offset)]
            )
        }
        K::FlagUnrecognized | K::FlagUnexpectedEof => {
            let start = pattern[..span.start.offset].rfind("(?").unwrap_or(0);
            format!(
                "invalid or unsupported Perl syntax: `{}`",
                &pattern[start..span.end.offset]
            )
        }
        K::GroupUnclosed => format!("missing closing ): `{pattern}`"),
        K::GroupUnopened => format!("unexpected ): `{pattern}`"),
        K::ClassUnclosed => format!("missing closing ]: `{}`", &pattern[span.start.offset..]),
        K::RepetitionMissing => {
            let op = if text.is_empty() {
                pattern[span.start.offset..]
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default()
            } else {
                text.to_string()
            };
            format!("missing argument to repetition operator: `{op}`")
        }
        K::EscapeUnrecognized | K::UnsupportedBackreference => {
            format!("invalid escape sequence: `{text}`")
        }
        K::EscapeUnexpectedEof => "trailing backslash at end of expression: ``".to_string(),
        K::RepetitionCountInvalid => format!("invalid repeat count: `{text}`"),
        _ => return None,
    })
}

/// Go's `invalid escape sequence` for the first escape RE2 rejects.
fn bad_escape(pattern: &str) -> Option<String> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            continue;
        }
        let next = chars.next()?;
        let octal = next == '0'
            || ('1'..='7').contains(&next)
                && chars
                    .clone()
                    .next()
                    .is_some_and(|d| ('0'..='7').contains(&d));
        if next.is_ascii_digit() && !octal
            || next.is_ascii_alphabetic() && !"afnrtvxpPdDsSwWbBAzQE".contains(next)
        {
            return Some(format!("invalid escape sequence: `\\{next}`"));
        }
    }
    None
}

/// Go's `invalid nested repetition operator` (`a**`, `a+*`; `a*?` is a
/// lazy repetition, not a nested one).
fn nested_repetition(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut last_op: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            last_op = None;
            continue;
        }
        if in_class {
            in_class = c != ']';
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                last_op = None;
            }
            '*' | '+' | '?' => {
                if let Some(start) = last_op {
                    let text: String = chars[start..=i].iter().collect();
                    return Some(format!("invalid nested repetition operator: `{text}`"));
                }
                last_op = Some(i);
                // A `?` right after marks the repetition lazy.
                if chars.get(i + 1) == Some(&'?') {
                    i += 1;
                }
            }
            '{' => match repeat_spec(&chars[i..]) {
                Some((len, min, max)) => {
                    let end = i + len - 1;
                    let text: String = chars[i..=end].iter().collect();
                    if min > 1000 || max.is_some_and(|m| m > 1000 || m < min) {
                        return Some(format!("invalid repeat count: `{text}`"));
                    }
                    if let Some(start) = last_op {
                        let text: String = chars[start..=end].iter().collect();
                        return Some(format!("invalid nested repetition operator: `{text}`"));
                    }
                    last_op = Some(i);
                    i = end;
                    if chars.get(i + 1) == Some(&'?') {
                        i += 1;
                    }
                }
                None => last_op = None,
            },
            _ => last_op = None,
        }
        i += 1;
    }
    None
}

/// A `{n}`, `{n,}` or `{n,m}` repetition at the start of `chars`: its
/// length and bounds (a `{` that is not one is a literal in Go).
fn repeat_spec(chars: &[char]) -> Option<(usize, u64, Option<u64>)> {
    let close = chars.iter().position(|&c| c == '}')?;
    let inner: String = chars[1..close].iter().collect();
    let (min, max) = match inner.split_once(',') {
        Some((a, b)) => (a, Some(b)),
        None => (inner.as_str(), None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(min) || max.is_some_and(|m| !m.is_empty() && !digits(m)) {
        return None;
    }
    let min = min.parse().unwrap_or(u64::MAX);
    let max = match max {
        None => Some(min),
        Some("") => None,
        Some(m) => Some(m.parse().unwrap_or(u64::MAX)),
    };
    Some((close + 1, min, max))
}

/// Compiles a Go regular expression.
/// How many compiled patterns [`compile`] keeps per thread.
const CACHE_SIZE: usize = 64;

thread_local! {
    /// Compiled patterns by their Go text: charts call the same
    /// `regexMatch` from a helper for every object (bitnami's capability
    /// checks), and compiling costs 20-100 µs where matching costs 1 µs.
    static CACHE: std::cell::RefCell<std::collections::HashMap<Vec<u8>, Regex>> =
        std::cell::RefCell::default();
}

/// Go's `regexp.Compile` (cached; see [`CACHE`]).
fn compile(pattern: &Str) -> Result<Regex, String> {
    if let Some(re) = CACHE.with(|c| c.borrow().get(pattern.as_bytes()).cloned()) {
        return Ok(re);
    }
    let re = compile_uncached(pattern)?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        // A crude bound: a template compiling ever new patterns (built
        // from data) starts over rather than growing without end.
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(pattern.as_bytes().to_vec(), re.clone());
    });
    Ok(re)
}

fn compile_uncached(pattern: &Str) -> Result<Regex, String> {
    let text = pattern.to_str_lossy();
    // RE2 rejects some patterns the regex crate accepts (`a**`, `a{1001}`).
    if let Some(code) = nested_repetition(&text) {
        return Err(format!("error parsing regexp: {code}"));
    }
    Regex::new(&translate(&text)).map_err(|e| go_compile_error(&text, &e))
}

/// `regexp.MustCompile`'s panic text.
fn must_compile(pattern: &Str) -> Result<Regex, FuncError> {
    compile(pattern).map_err(|e| {
        // regexp's `quote`: backquoted when strconv.CanBackquote allows.
        let quoted = if can_backquote(pattern.as_bytes()) {
            format!("`{}`", pattern.to_str_lossy())
        } else {
            quote(pattern.as_bytes())
        };
        FuncError::new(format!("regexp: Compile({quoted}): {e}"))
    })
}

/// The subject as text (invalid UTF-8 replaced: Go would match it
/// byte-wise, a rare difference).
fn subject(s: &Str) -> String {
    s.to_str_lossy().into_owned()
}

/// Go's `allMatches`: successive non-overlapping matches, at most `n`
/// (`n < 0`: all), an empty match right after a match skipped.
fn all_matches(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut prev_end: Option<usize> = None;
    while (n < 0 || (out.len() as i64) < n) && pos <= s.len() {
        let Some(m) = re.find_at(s, pos) else { break };
        let mut accept = true;
        if m.end() == pos {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos += if pos < s.len() {
                decode_rune(&s.as_bytes()[pos..]).1
            } else {
                1
            };
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `Regexp.Expand` for `ReplaceAllString`: `$name`, `${name}`, `$$`.
fn expand(out: &mut String, template: &str, caps: &regex::Captures<'_>, re: &Regex) {
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (name, after) = if let Some(inner) = rest.strip_prefix('{') {
            match inner.find('}') {
                Some(close)
                    if close > 0
                        && inner[..close]
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_') =>
                {
                    (&inner[..close], &inner[close + 1..])
                }
                _ => {
                    out.push('$');
                    continue;
                }
            }
        } else {
            let len = rest
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(rest.len(), |(i, _)| i);
            if len == 0 {
                out.push('$');
                continue;
            }
            (&rest[..len], &rest[len..])
        };
        rest = after;
        let group = match name.parse::<usize>() {
            Ok(i) if name.bytes().all(|b| b.is_ascii_digit()) => caps.get(i),
            _ => re
                .capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i)),
        };
        if let Some(g) = group {
            out.push_str(g.as_str());
        }
    }
    out.push_str(rest);
}

/// Go's `replaceAll` loop: `repl` is called for each accepted match.
fn replace_all(
    re: &Regex,
    s: &str,
    mut repl: impl FnMut(&mut String, &regex::Captures<'_>),
) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= s.len() {
        let Some(caps) = re.captures_at(s, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(&s[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            repl(&mut out, &caps);
        }
        last_end = m.end();
        let width = if search < s.len() {
            decode_rune(&s.as_bytes()[search..]).1
        } else {
            1
        };
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&s[last_end.min(s.len())..]);
    out
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, pattern: &Str, s: &str, n: i64) -> Option<Vec<Str>> {
    if n == 0 {
        return None;
    }
    if !pattern.is_empty() && s.is_empty() {
        return Some(vec![Str::default()]);
    }
    let matches = all_matches(re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (start, stop) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = start;
        if stop != 0 {
            out.push(Str::from(&s[beg..end]));
        }
        beg = stop;
    }
    if end != s.len() {
        out.push(Str::from(&s[beg..]));
    }
    Some(out)
}

/// A `[]string` result, nil when Go returns nil.
fn strings_or_nil(v: Option<Vec<Str>>) -> Value {
    match v {
        Some(items) => string_list(items),
        None => Value::Nil(slice_of(Type::String)),
    }
}

/// Registers the regex functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    // Each function comes in two forms: the plain one panics on a bad
    // pattern (`regexp: Compile(...)`), the `must` one returns the error.
    type Compiler = fn(&Str) -> Result<Regex, FuncError>;
    let plain: Compiler = must_compile;
    let must: Compiler = |p| compile(p).map_err(FuncError::new);

    def(
        funcs,
        "regexMatch",
        Signature::new(vec![STRING, STRING], BOOL),
        |a| {
            let matched = compile(&arg_str(&a[0]))
                .map(|re| re.is_match(&subject(&arg_str(&a[1]))))
                .unwrap_or(false);
            Ok(Value::Bool(matched))
        },
    );
    def(
        funcs,
        "mustRegexMatch",
        Signature::new(vec![STRING, STRING], BOOL).with_error(),
        |a| {
            let re = compile(&arg_str(&a[0])).map_err(FuncError::new)?;
            Ok(Value::Bool(re.is_match(&subject(&arg_str(&a[1])))))
        },
    );
    for (name, comp) in [("regexFindAll", plain), ("mustRegexFindAll", must)] {
        let sig = Signature::new(vec![STRING, STRING, INT], slice_of(STRING));
        def(funcs, name, must_sig(name, sig), move |a| {
            let re = comp(&arg_str(&a[0]))?;
            let s = subject(&arg_str(&a[1]));
            let found = all_matches(&re, &s, arg_int(&a[2]));
            Ok(strings_or_nil(if found.is_empty() {
                None
            } else {
                Some(
                    found
                        .into_iter()
                        .map(|(b, e)| Str::from(&s[b..e]))
                        .collect(),
                )
            }))
        });
    }
    for (name, comp) in [("regexFind", plain), ("mustRegexFind", must)] {
        let sig = Signature::new(vec![STRING, STRING], STRING);
        def(funcs, name, must_sig(name, sig), move |a| {
            let re = comp(&arg_str(&a[0]))?;
            let s = subject(&arg_str(&a[1]));
            Ok(string_value(re.find(&s).map_or("", |m| m.as_str())))
        });
    }
    for (name, comp) in [("regexReplaceAll", plain), ("mustRegexReplaceAll", must)] {
        let sig = Signature::new(vec![STRING, STRING, STRING], STRING);
        def(funcs, name, must_sig(name, sig), move |a| {
            let re = comp(&arg_str(&a[0]))?;
            let s = subject(&arg_str(&a[1]));
            let template = subject(&arg_str(&a[2]));
            Ok(string_value(replace_all(&re, &s, |out, caps| {
                expand(out, &template, caps, &re);
            })))
        });
    }
    for (name, comp) in [
        ("regexReplaceAllLiteral", plain),
        ("mustRegexReplaceAllLiteral", must),
    ] {
        let sig = Signature::new(vec![STRING, STRING, STRING], STRING);
        def(funcs, name, must_sig(name, sig), move |a| {
            let re = comp(&arg_str(&a[0]))?;
            let s = subject(&arg_str(&a[1]));
            let literal = subject(&arg_str(&a[2]));
            Ok(string_value(replace_all(&re, &s, |out, _| {
                out.push_str(&literal)
            })))
        });
    }
    for (name, comp) in [("regexSplit", plain), ("mustRegexSplit", must)] {
        let sig = Signature::new(vec![STRING, STRING, INT], slice_of(STRING));
        def(funcs, name, must_sig(name, sig), move |a| {
            let pattern = arg_str(&a[0]);
            let re = comp(&pattern)?;
            let s = subject(&arg_str(&a[1]));
            Ok(strings_or_nil(split(&re, &pattern, &s, arg_int(&a[2]))))
        });
    }
    def(
        funcs,
        "regexQuoteMeta",
        Signature::new(vec![STRING], STRING),
        |a| {
            let s = arg_str(&a[0]);
            let mut out = Vec::with_capacity(s.len() * 2);
            for &b in s.as_bytes() {
                if b"\\.+*?()|[]{}^$".contains(&b) {
                    out.push(b'\\');
                }
                out.push(b);
            }
            Ok(string_value(out))
        },
    );
}

/// `sig`, returning Go's `error` too for the `must*` variant `name`.
fn must_sig(name: &str, sig: Signature) -> Signature {
    if name.starts_with("must") {
        sig.with_error()
    } else {
        sig
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        compile(&Str::from(p)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn find_all_and_replace_follow_go() {
        // Go regexp's documented examples (example_test.go).
        let r = re("a.");
        let s = "paranormal";
        let found: Vec<&str> = all_matches(&r, s, -1)
            .iter()
            .map(|&(b, e)| &s[b..e])
            .collect();
        assert_eq!(found, ["ar", "an", "al"]);
        let found: Vec<&str> = all_matches(&r, s, 2)
            .iter()
            .map(|&(b, e)| &s[b..e])
            .collect();
        assert_eq!(found, ["ar", "an"]);
        let r = re("a(x*)b");
        let rep = |t: &str| replace_all(&r, "-ab-axxb-", |o, c| expand(o, t, c, &r));
        assert_eq!(rep("T"), "-T-T-");
        assert_eq!(rep("$1"), "--xx-");
        assert_eq!(rep("$1W"), "---");
        assert_eq!(rep("${1}W"), "-W-xxW-");
        let r = re("a*");
        assert_eq!(replace_all(&r, "baaab", |o, _| o.push('X')), "XbXbX");
    }

    #[test]
    fn split_follows_go() {
        // Go regexp Split examples.
        let p = Str::from("a");
        let parts = split(&re("a"), &p, "banana", -1).unwrap_or_default();
        assert_eq!(parts, ["b", "n", "n", ""].map(Str::from));
        let parts = split(&re("a"), &p, "banana", 1).unwrap_or_default();
        assert_eq!(parts, ["banana"].map(Str::from));
        let p = Str::from("z+");
        let parts = split(&re("z+"), &p, "pizza", 2).unwrap_or_default();
        assert_eq!(parts, ["pi", "a"].map(Str::from));
    }

    #[test]
    fn perl_classes_are_ascii() {
        assert!(!re(r"^\d$").is_match("٣"));
        assert!(re(r"^\D$").is_match("٣"));
        assert!(re(r"^[\w-]+$").is_match("a_b-c"));
        assert!(!re(r"^\w$").is_match("é"));
    }

    #[test]
    fn compile_errors_read_as_gos() {
        let err = |p: &str| compile(&Str::from(p)).err().unwrap_or_default();
        assert_eq!(
            err("(abc"),
            "error parsing regexp: missing closing ): `(abc`"
        );
        assert_eq!(err("abc)"), "error parsing regexp: unexpected ): `abc)`");
        assert_eq!(err("[a"), "error parsing regexp: missing closing ]: `[a`");
        assert_eq!(
            err("*a"),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
    }
}
