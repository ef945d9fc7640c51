//! The key map, as the help overlay (`?`) and the README show it, and the
//! footer's hints (each at most 80 columns, so they fit an 80×24
//! terminal).

/// One line of the key map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyHelp {
    /// The section: `Releases`, `General`, `Details`, `Dialogs`.
    pub section: &'static str,
    /// The keys.
    pub keys: &'static str,
    /// What they do.
    pub action: &'static str,
    /// Changes a release: hidden (and ignored) under `--read-only`.
    pub mutating: bool,
}

const fn k(
    section: &'static str,
    keys: &'static str,
    action: &'static str,
    mutating: bool,
) -> KeyHelp {
    KeyHelp {
        section,
        keys,
        action,
        mutating,
    }
}

/// The left column of the help overlay.
pub const LEFT: &[KeyHelp] = &[
    k("Releases", "j/k ↓/↑", "move", false),
    k("Releases", "g/G", "first / last", false),
    k("Releases", "Enter", "details", false),
    k("Releases", "/", "search name and chart", false),
    k("Releases", ":ns NAME", "namespace (:ns all)", false),
    k("Releases", ":status S", "status filter", false),
    k("Releases", "s", "next status filter", false),
    k("Releases", "c", "clear filters", false),
    k(
        "Releases",
        "N M S A C",
        "sort: name ns stat age chart",
        false,
    ),
    k("Releases", "u", "upgrade", true),
    k("Releases", "Ctrl-D", "uninstall", true),
    k("Releases", "R", "recover a stuck release", true),
    k("General", "?", "this help", false),
    k("General", "Esc", "back / cancel", false),
    k("General", "q Ctrl-C", "quit", false),
];

/// The right column of the help overlay.
pub const RIGHT: &[KeyHelp] = &[
    k("Details", "Tab 1-6", "next tab / tab N", false),
    k("Details", "j/k PgUp/Dn", "scroll", false),
    k("Details", "/ n N", "search text, next, prev", false),
    k("Details", "a", "values: user / computed", false),
    k("Details", "r", "History: roll back to rev", true),
    k("Details", "u Ctrl-D R", "upgrade/uninstall/recover", true),
    k("Dialogs", "y Enter", "confirm", true),
    k("Dialogs", "d", "rollback: show the diff", true),
    k("Dialogs", "k", "uninstall: keep history", true),
    k("Dialogs", "j/k", "upgrade: choose version", true),
    k("Dialogs", "r", "upgrade: reuse values", true),
    k("Dialogs", "e", "upgrade: values in $EDITOR", true),
    k("Dialogs", "Enter", "upgrade: diffs, confirm", true),
    k("Dialogs", "b", "recover: then roll back", true),
    k("Dialogs", "Esc", "cancel", true),
    k("Mouse", "click wheel", "select, 2× open; scroll", false),
];

/// The footer's hints for the list.
pub fn list_hints(read_only: bool) -> &'static str {
    if read_only {
        "<enter> details </> search <:ns> ns <s> status <c> clear <?> help <q> quit"
    } else {
        "<enter> details </> search <s> status <u> upgrade <^d> uninstall <?> help"
    }
}

/// The footer's hints for the details.
pub fn details_hints(read_only: bool) -> &'static str {
    if read_only {
        "<tab> next tab <1-6> tab </> search <a> user/computed <esc> back <?> help"
    } else {
        "<tab> tab </> search <r> rollback <u> upgrade <^d> uninstall <esc> back <?> help"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn help_columns_fit_an_80_column_overlay() {
        // Each column is 39 cells: a space, the keys padded to the
        // longest, a space, the action.
        for col in [super::LEFT, super::RIGHT] {
            let keys = col
                .iter()
                .map(|e| e.keys.chars().count())
                .max()
                .unwrap_or(0);
            for e in col {
                assert!(keys + 2 + e.action.chars().count() <= 39, "{e:?}");
            }
        }
    }

    #[test]
    fn hints_fit_80_columns() {
        for ro in [false, true] {
            for h in [super::list_hints(ro), super::details_hints(ro)] {
                assert!(h.chars().count() <= 80, "{h}");
            }
        }
    }
}
