//! The text of the details tabs that are text (Info, Manifest, Values,
//! Hooks), shared by `update` (scrolling, search) and `view` (drawing), so
//! both count the same lines.

use super::model::{Details, Loadable, Tab};

/// The text of the open tab; `None` for the tabs that are tables, and
/// while the record is loading.
pub fn details_text(d: &Details) -> Option<String> {
    let Loadable::Ready(c) = &d.content else {
        return None;
    };
    match d.tab {
        Tab::Info => {
            let width = c.info.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            let mut out = String::new();
            for (k, v) in &c.info {
                out.push_str(&format!("{k:<width$}  {v}\n"));
            }
            if !c.notes.is_empty() {
                out.push_str("\nNOTES:\n");
                out.push_str(&c.notes);
            }
            Some(out)
        }
        Tab::Manifest => Some(c.manifest.clone()),
        Tab::Values => Some(if d.values_computed {
            c.values_computed.clone()
        } else {
            c.values_user.clone()
        }),
        Tab::Hooks => Some(if c.hooks.is_empty() {
            "(no hooks)\n".to_string()
        } else {
            c.hooks.clone()
        }),
        Tab::History | Tab::Resources => None,
    }
}

/// The next (or previous) line after (before) `current` that contains
/// `needle`, case-insensitively, wrapping around; `current` itself comes
/// last. `usize::MAX` as `current` searches from the first line.
pub fn find_match(text: &str, needle: &str, current: usize, forward: bool) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let needle = needle.to_lowercase();
    let lines: Vec<String> = text.lines().map(str::to_lowercase).collect();
    let n = lines.len();
    if n == 0 {
        return None;
    }
    (1..=n)
        .map(|k| {
            if forward {
                current.wrapping_add(k) % n
            } else {
                (current % n + n - k % n) % n
            }
        })
        .find(|&i| lines[i].contains(&needle))
}

#[cfg(test)]
mod tests {
    use super::find_match;

    #[test]
    fn search_wraps_and_goes_both_ways() {
        let text = "a\nfoo\nb\nFOO bar\nc\n";
        assert_eq!(find_match(text, "foo", usize::MAX, true), Some(1));
        assert_eq!(find_match(text, "foo", 1, true), Some(3));
        assert_eq!(find_match(text, "foo", 3, true), Some(1));
        assert_eq!(find_match(text, "foo", 1, false), Some(3));
        assert_eq!(find_match(text, "foo", 4, false), Some(3));
        assert_eq!(find_match(text, "zzz", 0, true), None);
        assert_eq!(find_match(text, "", 0, true), None);
    }
}
