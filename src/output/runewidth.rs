//! Display widths as `github.com/mattn/go-runewidth` v0.0.9 computes them
//! (the version helm's tables are built with).
//!
//! Its tables predate current Unicode data (many emoji are width 1, for
//! instance), so no Rust width crate agrees with it; the tables are
//! generated from its source into the crate-private `tables` module.

use std::sync::OnceLock;

use super::table_contains;
use super::tables::{
    RW_AMBIGUOUS, RW_COMBINING, RW_DOUBLEWIDTH, RW_NONPRINT, RW_NOTASSIGNED, RW_PRIVATE,
};

/// How wide East Asian *ambiguous* characters (`§`, `±`, `α`, `…`, box
/// drawing, private use, …) are: two cells in CJK locales, one elsewhere.
/// go-runewidth decides this once, at program start, from the environment
/// (see [`WidthCondition::from_env`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WidthCondition {
    /// Whether ambiguous-width characters take two cells.
    pub east_asian: bool,
}

impl WidthCondition {
    /// The condition go-runewidth's `init` derives from the environment:
    /// `RUNEWIDTH_EASTASIAN` if set and non-empty (`1` means East Asian,
    /// anything else not), otherwise the locale
    /// ([`is_east_asian_locale`] of `LC_ALL`, `LC_CTYPE`, `LANG`).
    pub fn from_env() -> WidthCondition {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`WidthCondition::from_env`] with the variables supplied by `var`
    /// (unset and empty are the same to Go's `os.Getenv`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> WidthCondition {
        let get = |name: &str| var(name).unwrap_or_default();
        let forced = get("RUNEWIDTH_EASTASIAN");
        let east_asian = if forced.is_empty() {
            is_east_asian_locale(&get("LC_ALL"), &get("LC_CTYPE"), &get("LANG"))
        } else {
            forced == "1"
        };
        WidthCondition { east_asian }
    }

    /// [`WidthCondition::from_env`], computed once per process as Go does
    /// in its package initialisation.
    pub fn process_default() -> WidthCondition {
        static DEFAULT: OnceLock<WidthCondition> = OnceLock::new();
        *DEFAULT.get_or_init(WidthCondition::from_env)
    }

    /// go-runewidth's `RuneWidth`: 0 for control, format and combining
    /// characters, 2 for wide and fullwidth characters (and ambiguous ones
    /// under the East Asian condition), 1 otherwise.
    pub fn rune_width(self, c: char) -> usize {
        if table_contains(RW_NONPRINT, c)
            || table_contains(RW_COMBINING, c)
            || table_contains(RW_NOTASSIGNED, c)
        {
            0
        } else if (self.east_asian
            && (table_contains(RW_PRIVATE, c) || table_contains(RW_AMBIGUOUS, c)))
            || table_contains(RW_DOUBLEWIDTH, c)
        {
            2
        } else {
            1
        }
    }

    /// go-runewidth's `StringWidth`: the sum of the rune widths (v0.0.9
    /// does not join emoji sequences unless told to, and helm does not).
    pub fn string_width(self, s: &str) -> usize {
        s.chars().map(|c| self.rune_width(c)).sum()
    }
}

/// go-runewidth's POSIX locale test (`IsEastAsian`): the first non-empty
/// of `lc_all`, `lc_ctype`, `lang` names the locale; `C`, `POSIX`, `C.*`
/// and `C-*` are never East Asian; otherwise the locale is East Asian when
/// its charset is a multi-byte one (UTF-8 counts only for `ja`, `ko` and
/// `zh` locales), unless it carries `@cjk_narrow`.
pub fn is_east_asian_locale(lc_all: &str, lc_ctype: &str, lang: &str) -> bool {
    let locale = [lc_all, lc_ctype, lang]
        .into_iter()
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if locale == "POSIX" || locale == "C" {
        return false;
    }
    let b = locale.as_bytes();
    if b.len() > 1 && b[0] == b'C' && (b[1] == b'.' || b[1] == b'-') {
        return false;
    }
    let mut charset = match locale_charset(locale) {
        Some(cs) => cs.to_lowercase(),
        None => locale.to_lowercase(),
    };
    if charset.ends_with("@cjk_narrow") {
        return false;
    }
    if let Some(at) = charset.find('@') {
        charset.truncate(at);
    }
    let max_bytes = match charset.as_str() {
        "utf-8" | "utf8" => 6,
        "jis" => 8,
        "eucjp" => 3,
        "euckr" | "euccn" | "sjis" | "cp932" | "cp51932" | "cp936" | "cp949" | "cp950" | "big5"
        | "gbk" | "gb2312" => 2,
        _ => 1,
    };
    max_bytes > 1
        && (!charset.starts_with('u')
            || locale.starts_with("ja")
            || locale.starts_with("ko")
            || locale.starts_with("zh"))
}

/// The charset part of a `ll[l][_CC].charset` locale name, as
/// go-runewidth's pattern `^[a-z][a-z][a-z]?(?:_[A-Z][A-Z])?\.(.+)`
/// captures it (up to a newline, which `.` does not match).
fn locale_charset(locale: &str) -> Option<&str> {
    let b = locale.as_bytes();
    let lower = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    let upper = |i: usize| b.get(i).is_some_and(u8::is_ascii_uppercase);
    if !(lower(0) && lower(1)) {
        return None;
    }
    let mut i = if lower(2) { 3 } else { 2 };
    if b.get(i) == Some(&b'_') && upper(i + 1) && upper(i + 2) {
        i += 3;
    }
    if b.get(i) != Some(&b'.') {
        return None;
    }
    let rest = &locale[i + 1..];
    let captured = rest.split('\n').next().unwrap_or("");
    (!captured.is_empty()).then_some(captured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        let narrow = WidthCondition { east_asian: false };
        let wide = WidthCondition { east_asian: true };
        assert_eq!(narrow.string_width("abc"), 3);
        assert_eq!(narrow.string_width("日本"), 4);
        assert_eq!(narrow.string_width("e\u{301}"), 1);
        assert_eq!(narrow.string_width("\t\u{1b}"), 0);
        assert_eq!(narrow.string_width("§±"), 2);
        assert_eq!(wide.string_width("§±"), 4);
    }

    #[test]
    fn locales() {
        assert!(!is_east_asian_locale("", "", "C.UTF-8"));
        assert!(!is_east_asian_locale("", "", "en_US.UTF-8"));
        assert!(is_east_asian_locale("", "", "ja_JP.UTF-8"));
        assert!(is_east_asian_locale("", "", "zh_TW.Big5"));
        assert!(!is_east_asian_locale("", "", "ja_JP.UTF-8@cjk_narrow"));
        assert!(!is_east_asian_locale("C", "ja_JP.UTF-8", "ja_JP.UTF-8"));
    }

    #[test]
    fn env_override() {
        let vars = |forced: &'static str| {
            move |name: &str| match name {
                "RUNEWIDTH_EASTASIAN" => Some(forced.to_owned()),
                "LANG" => Some("ja_JP.UTF-8".to_owned()),
                _ => None,
            }
        };
        assert!(WidthCondition::from_vars(vars("1")).east_asian);
        assert!(!WidthCondition::from_vars(vars("0")).east_asian);
        assert!(WidthCondition::from_vars(vars("")).east_asian);
    }
}
