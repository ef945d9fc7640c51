//! helm's `releaseutil.SplitManifests`: one rendered file cut into YAML
//! documents. helm v3 (and v4.1) and helm v4.2 cut differently, and the
//! difference shows in the output (v4.2 keeps a document's trailing
//! newline, which prints as a blank line after it: helm #32565).

use std::sync::LazyLock;

use regex::Regex;

use crate::compat::Compat;

/// v3's separator `(?:^|\s*\n)---\s*`, with Go's ASCII `\s`
/// (`[\t\n\f\r ]`; Rust's `\s` would also take Unicode spaces).
static V3_SEP: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(?:\A|[\t\n\f\r ]*\n)---[\t\n\f\r ]*").ok());

/// v4.2's separator `(?m)^---[ \t]*`: `---` at the start of a line (Go's
/// multi-line `^` matches after `\n` only).
static V4_SEP: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"(?m-u:^)---[ \t]*").ok());

/// The documents of `file`, in order, as `SplitManifests` (followed by
/// `BySplitManifestsOrder`) yields them for `compat`.
pub fn split_manifests(file: &str, compat: Compat) -> Vec<String> {
    match compat {
        Compat::V3 => split_v3(file),
        Compat::V4 => split_v4(file),
    }
}

fn split_v3(file: &str) -> Vec<String> {
    let trimmed = file.trim();
    go_split(V3_SEP.as_ref(), trimmed)
        .into_iter()
        // v3 drops only pieces that are empty before trimming.
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().to_owned())
        .collect()
}

fn split_v4(file: &str) -> Vec<String> {
    let trimmed = file.trim_start();
    go_split(V4_SEP.as_ref(), trimmed)
        .into_iter()
        .filter(|d| !d.trim().is_empty())
        .map(|d| d.trim_start().to_owned())
        .collect()
}

/// Go's `Regexp.Split(s, -1)` for a separator that never matches empty.
fn go_split<'a>(re: Option<&Regex>, s: &'a str) -> Vec<&'a str> {
    let Some(re) = re else {
        return vec![s];
    };
    let mut out = Vec::new();
    let mut beg = 0;
    for m in re.find_iter(s) {
        out.push(&s[beg..m.start()]);
        beg = m.end();
    }
    out.push(&s[beg..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expectations from helm's releaseutil tests and the reference's
    // description of both rules (D.2).
    #[test]
    fn v3_trims_every_document() {
        let docs = split_manifests("\n\na: 1\n---\nb: 2\n\n---   \n\nc: 3\n", Compat::V3);
        assert_eq!(docs, ["a: 1", "b: 2", "c: 3"]);
    }

    #[test]
    fn v4_keeps_trailing_newlines() {
        let docs = split_manifests("\n\na: 1\n---\nb: 2\n\n---   \n\nc: 3\n", Compat::V4);
        assert_eq!(docs, ["a: 1\n", "b: 2\n\n", "c: 3\n"]);
    }

    #[test]
    fn separator_must_start_a_line() {
        assert_eq!(split_manifests("a: x---y\n", Compat::V4), ["a: x---y\n"]);
        assert_eq!(split_manifests("a: x---y\n", Compat::V3), ["a: x---y"]);
    }

    #[test]
    fn text_after_separator_starts_next_document() {
        assert_eq!(
            split_manifests("a: 1\n---b: 2\n", Compat::V4),
            ["a: 1\n", "b: 2\n"]
        );
        assert_eq!(
            split_manifests("a: 1\n---b: 2\n", Compat::V3),
            ["a: 1", "b: 2"]
        );
    }

    #[test]
    fn v3_separator_swallows_following_separator_newline() {
        // `\s*` after the first `---` eats the newline the second one
        // would need, so the second `---` stays in the text.
        assert_eq!(
            split_manifests("a: 1\n---\n---\nb: 2", Compat::V3),
            ["a: 1", "---\nb: 2"]
        );
    }

    #[test]
    fn leading_separator_and_comment_documents() {
        assert_eq!(
            split_manifests("---\n# only a comment\n---\nkind: A\n", Compat::V4),
            ["# only a comment\n", "kind: A\n"]
        );
        assert_eq!(
            split_manifests("---\n# only a comment\n---\nkind: A\n", Compat::V3),
            ["# only a comment", "kind: A"]
        );
    }
}
