//! The line diff of one object's two texts (the `similar` crate's Myers
//! diff), either whole (every line, helm-diff's default `--context -1`)
//! or as unified-diff hunks with `N` lines of context.

use similar::{ChangeTag, TextDiff};

/// One line of an object's diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    /// A line both sides have.
    Same(String),
    /// A line only the old side has.
    Removed(String),
    /// A line only the new side has.
    Added(String),
    /// A hunk header, `@@ -a,b +c,d @@` (only with a context limit).
    Hunk(String),
}

impl DiffLine {
    /// The line as printed without colour: helm-diff's two-character
    /// prefixes (`- `, `+ `, two spaces) and no line end.
    pub fn plain(&self) -> String {
        match self {
            DiffLine::Same(s) => format!("  {s}"),
            DiffLine::Removed(s) => format!("- {s}"),
            DiffLine::Added(s) => format!("+ {s}"),
            DiffLine::Hunk(h) => h.clone(),
        }
    }
}

/// The lines of the diff from `old` to `new`. With `context` `None`, every
/// line of both texts; with `Some(n)`, only changed lines with `n` lines
/// of context around them, in hunks.
pub fn diff_lines(old: &str, new: &str, context: Option<usize>) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    let line = |tag: ChangeTag, value: &str| {
        let s = value.strip_suffix('\n').unwrap_or(value).to_string();
        match tag {
            ChangeTag::Equal => DiffLine::Same(s),
            ChangeTag::Delete => DiffLine::Removed(s),
            ChangeTag::Insert => DiffLine::Added(s),
        }
    };
    match context {
        None => diff
            .iter_all_changes()
            .map(|c| line(c.tag(), c.value()))
            .collect(),
        Some(n) => {
            let mut out = Vec::new();
            let mut unified = diff.unified_diff();
            unified.context_radius(n);
            for hunk in unified.iter_hunks() {
                out.push(DiffLine::Hunk(hunk.header().to_string()));
                out.extend(hunk.iter_changes().map(|c| line(c.tag(), c.value())));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "a\nb\nc\nd\ne\nf\ng\n";
    const NEW: &str = "a\nb\nc\nD\ne\nf\ng\n";

    fn plain(lines: &[DiffLine]) -> Vec<String> {
        lines.iter().map(DiffLine::plain).collect()
    }

    #[test]
    fn whole_object_by_default() {
        assert_eq!(
            plain(&diff_lines(OLD, NEW, None)),
            ["  a", "  b", "  c", "- d", "+ D", "  e", "  f", "  g"]
        );
    }

    #[test]
    fn context_lines_in_hunks_like_diff_u() {
        // GNU `diff -U1` of these texts gives `@@ -3,3 +3,3 @@`.
        assert_eq!(
            plain(&diff_lines(OLD, NEW, Some(1))),
            ["@@ -3,3 +3,3 @@", "  c", "- d", "+ D", "  e"]
        );
        assert_eq!(
            plain(&diff_lines(OLD, NEW, Some(0))),
            ["@@ -4 +4 @@", "- d", "+ D"]
        );
    }

    #[test]
    fn added_and_removed_objects_are_all_plus_or_all_minus() {
        assert_eq!(plain(&diff_lines("", "x\ny\n", None)), ["+ x", "+ y"]);
        assert_eq!(
            plain(&diff_lines("x\n", "", Some(3))),
            ["@@ -1 +0,0 @@", "- x"]
        );
    }

    #[test]
    fn identical_texts_have_no_hunks() {
        assert!(diff_lines(OLD, OLD, Some(3)).is_empty());
    }
}
