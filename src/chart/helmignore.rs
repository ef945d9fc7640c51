//! `.helmignore`: helm's own rules, not gitignore's.
//!
//! - one pattern per line, trimmed; blank lines and lines starting `#` are
//!   skipped (no inline comments); a UTF-8 BOM on the first line is dropped;
//! - `**` anywhere is refused: `double-star (**) syntax is not supported`;
//!   a pattern Go's `filepath.Match` rejects fails with its error,
//!   `syntax error in pattern`;
//! - matching is Go's `filepath.Match` (`*` and `?` never cross `/`):
//!   `/p` is anchored at the chart root, `a/p` (a slash inside) matches the
//!   whole relative path, `p` matches the base name only, and a trailing
//!   `/` restricts the rule to directories;
//! - rules are tried in order and the first decision wins;
//! - a negated rule `!p` means "ignore everything NOT matching p" (helm's
//!   behaviour, unlike gitignore's re-inclusion): a path that matches it
//!   goes on to the next rule, any other path is ignored; `!d/` ignores
//!   every non-directory;
//! - helm always appends the rule `templates/.?*` (dot files in templates).

/// The name of the ignore file in a chart's root directory.
pub const HELM_IGNORE: &str = ".helmignore";

/// A parsed `.helmignore`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    patterns: Vec<Pattern>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// The pattern proper: no `!`, no trailing `/`, no leading `/`.
    glob: String,
    negate: bool,
    must_dir: bool,
    kind: MatchKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MatchKind {
    /// `/p`: the whole relative path.
    Anchored,
    /// `a/p`: the whole relative path.
    Path,
    /// `p`: the base name.
    Base,
}

/// An invalid rule, with helm's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A `**` in a rule.
    #[error("double-star (**) syntax is not supported")]
    DoubleStar,
    /// A pattern `filepath.Match` refuses.
    #[error("syntax error in pattern")]
    BadPattern,
}

impl Rules {
    /// No rules.
    pub fn empty() -> Rules {
        Rules::default()
    }

    /// Parses the contents of a `.helmignore` file.
    ///
    /// # Errors
    ///
    /// The first invalid rule's [`RuleError`].
    pub fn parse(data: &[u8]) -> Result<Rules, RuleError> {
        let mut rules = Rules::empty();
        let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
        // bufio.ScanLines: split on \n, drop one trailing \r (trimming
        // below removes it anyway).
        for line in data.split(|b| *b == b'\n') {
            rules.add_rule(&String::from_utf8_lossy(line))?;
        }
        Ok(rules)
    }

    /// Adds helm's default rule, `templates/.?*`.
    pub fn add_defaults(&mut self) {
        // A constant valid rule: this cannot fail.
        let _ = self.add_rule("templates/.?*");
    }

    /// Adds one rule line.
    ///
    /// # Errors
    ///
    /// [`RuleError`] if the rule is invalid.
    pub fn add_rule(&mut self, rule: &str) -> Result<(), RuleError> {
        let rule = rule.trim_matches(go_space);
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(RuleError::DoubleStar);
        }
        // helm checks the raw rule, `!` included.
        if !valid_pattern(rule) {
            return Err(RuleError::BadPattern);
        }
        let (negate, rest) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rest) = match rest.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (kind, glob) = if let Some(r) = rest.strip_prefix('/') {
            (MatchKind::Anchored, r)
        } else if rest.contains('/') {
            (MatchKind::Path, rest)
        } else {
            (MatchKind::Base, rest)
        };
        self.patterns.push(Pattern {
            glob: glob.to_string(),
            negate,
            must_dir,
            kind,
        });
        Ok(())
    }

    /// Whether the chart-relative path `path` (with `/` separators) is
    /// ignored; `is_dir` says whether it is a directory (an ignored
    /// directory is skipped whole by the loader).
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for p in &self.patterns {
            if p.negate {
                if p.must_dir && !is_dir {
                    return true;
                }
                if !p.matches(path) {
                    return true;
                }
                continue;
            }
            if p.must_dir && !is_dir {
                continue;
            }
            if p.matches(path) {
                return true;
            }
        }
        false
    }
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match self.kind {
            MatchKind::Anchored | MatchKind::Path => go_match(&self.glob, path),
            MatchKind::Base => go_match(&self.glob, go_base(path)),
        }
    }
}

/// `strings.TrimSpace`'s idea of a space.
fn go_space(c: char) -> bool {
    c.is_whitespace()
}

/// `filepath.Base` for a relative `/` path: the last element, trailing
/// slashes removed.
fn go_base(path: &str) -> &str {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        return if path.is_empty() { "." } else { "/" };
    }
    match p.rfind('/') {
        Some(i) => &p[i + 1..],
        None => p,
    }
}

/// Whether Go's `filepath.Match` accepts the pattern's syntax: every `\`
/// escapes a character, and every `[` class is closed, non-empty, and
/// has no unescaped `-` or `]` where a character is expected.
pub fn valid_pattern(pattern: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return false;
                }
                i += 2;
            }
            '[' => match parse_class(&p, i + 1) {
                Some((_, next)) => i = next,
                None => return false,
            },
            _ => i += 1,
        }
    }
    true
}

/// A parsed character class: negated, ranges; and the index after `]`.
type Class = (bool, Vec<(char, char)>);

fn parse_class(p: &[char], mut i: usize) -> Option<(Class, usize)> {
    let mut negated = false;
    if p.get(i) == Some(&'^') {
        negated = true;
        i += 1;
    }
    let mut ranges = Vec::new();
    loop {
        if p.get(i) == Some(&']') && !ranges.is_empty() {
            return Some(((negated, ranges), i + 1));
        }
        let (lo, next) = class_char(p, i)?;
        i = next;
        let mut hi = lo;
        if p.get(i) == Some(&'-') {
            let (h, next) = class_char(p, i + 1)?;
            hi = h;
            i = next;
        }
        ranges.push((lo, hi));
    }
}

fn class_char(p: &[char], i: usize) -> Option<(char, usize)> {
    match p.get(i) {
        None | Some('-') | Some(']') => None,
        Some('\\') => p.get(i + 1).map(|c| (*c, i + 2)),
        Some(c) => Some((*c, i + 1)),
    }
}

/// Go's `filepath.Match` on Unix (`/` separator) for a valid pattern (an
/// invalid one never matches).
pub fn go_match(pattern: &str, name: &str) -> bool {
    if !valid_pattern(pattern) {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, 0, &n, 0)
}

fn match_from(p: &[char], mut pi: usize, n: &[char], mut ni: usize) -> bool {
    while pi < p.len() {
        match p[pi] {
            '*' => {
                // Consecutive stars are one star.
                while pi < p.len() && p[pi] == '*' {
                    pi += 1;
                }
                // A star matches any run of non-separators.
                let mut k = ni;
                loop {
                    if match_from(p, pi, n, k) {
                        return true;
                    }
                    if k >= n.len() || n[k] == '/' {
                        return false;
                    }
                    k += 1;
                }
            }
            '?' => {
                if ni >= n.len() || n[ni] == '/' {
                    return false;
                }
                pi += 1;
                ni += 1;
            }
            '[' => {
                let Some(((negated, ranges), next)) = parse_class(p, pi + 1) else {
                    return false;
                };
                let Some(&c) = n.get(ni) else {
                    return false;
                };
                let hit = ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi);
                if hit == negated {
                    return false;
                }
                pi = next;
                ni += 1;
            }
            '\\' => {
                let Some(&want) = p.get(pi + 1) else {
                    return false;
                };
                if n.get(ni) != Some(&want) {
                    return false;
                }
                pi += 2;
                ni += 1;
            }
            c => {
                if n.get(ni) != Some(&c) {
                    return false;
                }
                pi += 1;
                ni += 1;
            }
        }
    }
    ni == n.len()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_match_semantics() {
        assert!(go_match("*.txt", "a.txt"));
        assert!(!go_match("*.txt", "d/a.txt"));
        assert!(go_match("d/*.txt", "d/a.txt"));
        assert!(go_match("a?c", "abc"));
        assert!(!go_match("a?c", "a/c"));
        assert!(go_match("[a-c]x", "bx"));
        assert!(go_match("[^a-c]x", "dx"));
        assert!(!go_match("[^a-c]x", "ax"));
        assert!(go_match("\\*", "*"));
        assert!(go_match("*", ""));
        assert!(!valid_pattern("["));
        assert!(!valid_pattern("[]"));
        assert!(!valid_pattern("[-a]"));
        assert!(!valid_pattern("a\\"));
        assert!(valid_pattern("[\\]]"));
        assert!(!valid_pattern("[a-]"));
    }

    #[test]
    fn helm_upstream_cases() {
        let r = |s: &str| Rules::parse(s.as_bytes()).unwrap();
        assert!(r("helm.txt").ignore("helm.txt", false));
        assert!(r("helm.txt").ignore("dir/helm.txt", false));
        assert!(r("*.txt").ignore("mast/a.txt", false));
        assert!(!r("/helm.txt").ignore("dir/helm.txt", false));
        assert!(r("/helm.txt").ignore("helm.txt", false));
        assert!(r("cargo/").ignore("cargo", true));
        assert!(!r("cargo/").ignore("cargo", false));
        // `!helm.txt` ignores everything else.
        assert!(r("!helm.txt").ignore("tiller.txt", false));
        assert!(!r("!helm.txt").ignore("helm.txt", false));
        assert!(r("!cargo/").ignore("a.txt", false));
        assert!(r("mast/a.txt").ignore("mast/a.txt", false));
        assert!(!r("mast/a.txt").ignore("x/mast/a.txt", false));
        assert!(!r("# c\n\n").ignore("x", false));
        assert_eq!(Rules::parse(b"a/**/b"), Err(RuleError::DoubleStar));
        assert_eq!(Rules::parse(b"[a"), Err(RuleError::BadPattern));
        let mut d = Rules::empty();
        d.add_defaults();
        assert!(d.ignore("templates/.x", false));
        assert!(!d.ignore("templates/x", false));
        assert!(!d.ignore("templates/.", false));
    }

    #[test]
    fn first_decision_wins() {
        let r = Rules::parse(b"!*.yaml\nvalues.yaml").unwrap();
        // values.yaml matches the negation, goes on, then is ignored.
        assert!(r.ignore("values.yaml", false));
        assert!(!r.ignore("Chart.yaml", false));
        assert!(r.ignore("README.md", false));
    }
}
