//! gobwas/glob v0.2.3 with `/` as the separator: the pattern language of
//! `.Files.Glob`.
//!
//! `*` is any run of non-`/` characters, `**` any run at all, `?` one
//! non-`/` character, `[abc]` / `[!abc]` / `[a-z]` / `[!a-z]` one
//! character (any, separators included), `{a,b}` alternatives (which may
//! nest and hold patterns), `\` escapes. Patterns gobwas cannot compile
//! are reported as `None`; helm then uses `**`, which matches every file.

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Glob {
    tokens: Vec<Tok>,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Text(Vec<char>),
    Any,
    Super,
    Single,
    List { chars: Vec<char>, not: bool },
    Range { lo: char, hi: char, not: bool },
    AnyOf(Vec<Vec<Tok>>),
}

impl Glob {
    /// Compiles `pattern`; `None` where gobwas returns an error.
    pub fn compile(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser { chars, pos: 0 };
        let tokens = p.sequence(0)?;
        Some(Glob { tokens })
    }

    /// Whether `name` matches the whole pattern.
    pub fn matches(&self, name: &str) -> bool {
        let chars: Vec<char> = name.chars().collect();
        match_seq(&self.tokens, &chars, &mut |rest| rest.is_empty())
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    /// A sequence up to the end, or (inside `depth` braces) up to a `,` or
    /// `}` (left unread).
    fn sequence(&mut self, depth: usize) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        while let Some(&c) = self.chars.get(self.pos) {
            match c {
                '{' => {
                    self.pos += 1;
                    let mut alts = Vec::new();
                    loop {
                        alts.push(self.sequence(depth + 1)?);
                        match self.chars.get(self.pos) {
                            Some(',') => self.pos += 1,
                            Some('}') => {
                                self.pos += 1;
                                break;
                            }
                            // An unclosed `{` is accepted by gobwas's
                            // parser: the alternatives end with the input.
                            _ => break,
                        }
                    }
                    out.push(Tok::AnyOf(alts));
                }
                ',' | '}' if depth > 0 => return Some(out),
                '[' => {
                    self.pos += 1;
                    out.push(self.range()?);
                }
                '?' => {
                    self.pos += 1;
                    out.push(Tok::Single);
                }
                '*' => {
                    self.pos += 1;
                    if self.chars.get(self.pos) == Some(&'*') {
                        self.pos += 1;
                        out.push(Tok::Super);
                    } else {
                        out.push(Tok::Any);
                    }
                }
                _ => {
                    let text = self.text(depth > 0);
                    if !text.is_empty() {
                        out.push(Tok::Text(text));
                    }
                }
            }
        }
        Some(out)
    }

    /// Literal text up to a special character, with `\` escapes (a final
    /// lone `\` is dropped, as gobwas's lexer does).
    fn text(&mut self, in_terms: bool) -> Vec<char> {
        let mut data = Vec::new();
        let mut escaped = false;
        while let Some(&c) = self.chars.get(self.pos) {
            if !escaped {
                if c == '\\' {
                    escaped = true;
                    self.pos += 1;
                    continue;
                }
                let breaker =
                    matches!(c, '?' | '*' | '[' | '{') || (in_terms && matches!(c, '}' | ','));
                if breaker {
                    break;
                }
            }
            escaped = false;
            data.push(c);
            self.pos += 1;
        }
        data
    }

    /// After `[`: `!`? then `lo-hi` or a character list, then `]`.
    fn range(&mut self) -> Option<Tok> {
        let mut not = false;
        if self.chars.get(self.pos) == Some(&'!') {
            not = true;
            self.pos += 1;
        }
        let first = *self.chars.get(self.pos)?;
        if self.chars.get(self.pos + 1) == Some(&'-') {
            let hi = *self.chars.get(self.pos + 2)?;
            self.pos += 3;
            if self.chars.get(self.pos) != Some(&']') || hi < first {
                return None;
            }
            self.pos += 1;
            return Some(Tok::Range { lo: first, hi, not });
        }
        let mut chars = Vec::new();
        let mut escaped = false;
        while let Some(&c) = self.chars.get(self.pos) {
            if !escaped {
                if c == '\\' {
                    escaped = true;
                    self.pos += 1;
                    continue;
                }
                if c == ']' {
                    break;
                }
            }
            escaped = false;
            chars.push(c);
            self.pos += 1;
        }
        if self.chars.get(self.pos) != Some(&']') || chars.is_empty() {
            return None;
        }
        self.pos += 1;
        Some(Tok::List { chars, not })
    }
}

/// Matches `toks` against a prefix of `s`, then asks `k` about the rest
/// (continuation style, so alternatives and stars backtrack).
fn match_seq(toks: &[Tok], s: &[char], k: &mut dyn FnMut(&[char]) -> bool) -> bool {
    let Some((first, rest)) = toks.split_first() else {
        return k(s);
    };
    match first {
        Tok::Text(t) => s.starts_with(t) && match_seq(rest, &s[t.len()..], k),
        Tok::Single => matches!(s.first(), Some(c) if *c != '/') && match_seq(rest, &s[1..], k),
        Tok::List { chars, not } => match s.first() {
            Some(c) if chars.contains(c) != *not => match_seq(rest, &s[1..], k),
            _ => false,
        },
        Tok::Range { lo, hi, not } => match s.first() {
            Some(c) if (lo <= c && c <= hi) != *not => match_seq(rest, &s[1..], k),
            _ => false,
        },
        Tok::Any | Tok::Super => {
            let limit = if matches!(first, Tok::Any) {
                s.iter().position(|c| *c == '/').unwrap_or(s.len())
            } else {
                s.len()
            };
            (0..=limit).any(|n| match_seq(rest, &s[n..], k))
        }
        Tok::AnyOf(alts) => alts
            .iter()
            .any(|alt| match_seq(alt, s, &mut |after| match_seq(rest, after, k))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Glob::compile(p).unwrap().matches(s)
    }

    // Cases from gobwas/glob v0.2.3 glob_test.go (separator '/'), e.g.
    // `{"*", "abc", true}`, `{"a*c", "a/c", false}`, `{"**", "a/b", true}`.
    #[test]
    fn gobwas_semantics() {
        assert!(m("*", "abc"));
        assert!(!m("*", "a/c"));
        assert!(m("a*c", "abc"));
        assert!(!m("a*c", "a/c"));
        assert!(m("**", "a/b/c"));
        assert!(m("files/*.txt", "files/a.txt"));
        assert!(!m("files/*.txt", "files/x/a.txt"));
        assert!(m("files/**.txt", "files/x/a.txt"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "a/c"));
        assert!(m("[abc]", "b"));
        assert!(!m("[!abc]", "b"));
        assert!(m("[a-c]x", "bx"));
        assert!(m("{a,b}*.yaml", "bcd.yaml"));
        assert!(m("conf/{*.yaml,*.json}", "conf/x.json"));
        assert!(m("a\\*b", "a*b"));
        assert!(!m("a\\*b", "axb"));
        assert!(m("{a,b", "b"));
    }

    #[test]
    fn invalid_patterns() {
        assert!(Glob::compile("[").is_none());
        assert!(Glob::compile("[]").is_none());
        assert!(Glob::compile("[z-a]").is_none());
        assert!(Glob::compile("[a-cd]").is_none());
    }
}
