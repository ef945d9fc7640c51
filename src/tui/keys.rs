//! The key map, as the help overlay (`?`) and the README show it. One
//! table, so the overlay cannot drift from what `update` does (its tests
//! press every key listed here).

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
        "sort name/ns/status/age/chart",
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
    k("Details", "j/k PgDn/PgUp", "scroll", false),
    k("Details", "/ n N", "search text, next, prev", false),
    k("Details", "a", "values: user / computed", false),
    k("Details", "r", "roll back to revision (History)", true),
    k("Details", "u Ctrl-D R", "upgrade, uninstall, recover", true),
    k("Dialogs", "y Enter", "confirm", true),
    k("Dialogs", "d", "rollback: show the diff", true),
    k("Dialogs", "k", "uninstall: keep history", true),
    k("Dialogs", "j/k", "upgrade: choose version", true),
    k("Dialogs", "r", "upgrade: reuse values", true),
    k("Dialogs", "e", "upgrade: edit values ($EDITOR)", true),
    k("Dialogs", "Enter", "upgrade: diffs, then confirm", true),
    k("Dialogs", "b", "recover: then roll back", true),
    k("Dialogs", "Esc", "cancel", true),
];

/// The footer's hints for the list.
pub fn list_hints(read_only: bool) -> &'static str {
    if read_only {
        "<enter> details  </> search  <:ns> namespace  <s> status  <c> clear  <?> help  <q> quit"
    } else {
        "<enter> details  </> search  <s> status  <c> clear  <u> upgrade  <ctrl-d> uninstall  <?> help"
    }
}

/// The footer's hints for the details.
pub fn details_hints(read_only: bool) -> &'static str {
    if read_only {
        "<tab> next tab  <1-6> tab  </> search  <a> user/computed  <esc> back  <?> help"
    } else {
        "<tab> tab  </> search  <a> values  <r> rollback  <u> upgrade  <ctrl-d> uninstall  <esc> back"
    }
}
