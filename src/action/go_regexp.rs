//! Go's `regexp` error text for a pattern rudder's regex engine rejects
//! (`list --filter`): helm prints Go's message, `error parsing regexp:
//! <what>: `<where>``, so rudder names the same fault and the same part of
//! the pattern where it can tell which one it is.

use regex_syntax::ast::ErrorKind;

/// The message helm prints for `pattern`, which failed to compile with
/// `err`.
pub fn error_text(pattern: &str, err: &regex::Error) -> String {
    let ast = regex_syntax::ast::parse::Parser::new().parse(pattern);
    let Err(e) = ast else {
        // The syntax is fine; something else (size) failed.
        return format!("error parsing regexp: {err}");
    };
    let span = e.span();
    let at = |start: usize, end: usize| pattern.get(start..end).unwrap_or(pattern).to_string();
    let (code, expr) = match e.kind() {
        ErrorKind::GroupUnclosed => ("missing closing )", pattern.to_string()),
        ErrorKind::GroupUnopened => ("unexpected )", pattern.to_string()),
        // Go quotes the class from its `[` to the end of the pattern.
        ErrorKind::ClassUnclosed => ("missing closing ]", at(span.start.offset, pattern.len())),
        ErrorKind::RepetitionMissing => (
            "missing argument to repetition operator",
            repetition_operator(pattern, span.start.offset),
        ),
        ErrorKind::EscapeUnrecognized => (
            "invalid escape sequence",
            at(span.start.offset, span.end.offset),
        ),
        ErrorKind::EscapeUnexpectedEof => {
            ("trailing backslash at end of expression", String::new())
        }
        ErrorKind::ClassRangeInvalid => (
            "invalid character class range",
            at(span.start.offset, span.end.offset),
        ),
        ErrorKind::RepetitionCountInvalid
        | ErrorKind::RepetitionCountUnclosed
        | ErrorKind::RepetitionCountDecimalEmpty => (
            "invalid repeat count",
            at(span.start.offset, span.end.offset),
        ),
        ErrorKind::UnsupportedLookAround => (
            "invalid or unsupported Perl syntax",
            at(
                span.start.offset,
                (span.start.offset + 3).min(pattern.len()),
            ),
        ),
        ErrorKind::NestLimitExceeded(_) => ("expression nests too deeply", pattern.to_string()),
        _ => return format!("error parsing regexp: {err}"),
    };
    format!("error parsing regexp: {code}: `{expr}`")
}

/// The repetition operator at `start` as Go quotes it: `*`, `+`, `?` or a
/// `{n,m}` count, with a trailing `?` (lazy) if present.
fn repetition_operator(pattern: &str, start: usize) -> String {
    let rest = pattern.get(start..).unwrap_or_default();
    let mut len = match rest.chars().next() {
        Some('{') => rest.find('}').map_or(rest.len(), |i| i + 1),
        Some(c) => c.len_utf8(),
        None => 0,
    };
    if rest[len..].starts_with('?') {
        len += 1;
    }
    rest[..len].to_string()
}

#[cfg(test)]
mod tests {
    use super::error_text;

    fn go(pattern: &str) -> String {
        let err = regex::Regex::new(pattern).expect_err("invalid");
        error_text(pattern, &err)
    }

    #[test]
    fn messages_are_gos() {
        // Expected texts: Go 1.25's regexp.Compile on the same patterns.
        assert_eq!(go("a("), "error parsing regexp: missing closing ): `a(`");
        assert_eq!(go("a)"), "error parsing regexp: unexpected ): `a)`");
        assert_eq!(go("x[ab"), "error parsing regexp: missing closing ]: `[ab`");
        assert_eq!(
            go("*a"),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
        assert_eq!(
            go("\\q"),
            "error parsing regexp: invalid escape sequence: `\\q`"
        );
        assert_eq!(
            go("a\\"),
            "error parsing regexp: trailing backslash at end of expression: ``"
        );
        assert_eq!(
            go("[z-a]"),
            "error parsing regexp: invalid character class range: `z-a`"
        );
    }
}
