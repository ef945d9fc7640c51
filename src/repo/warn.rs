//! The warnings helm logs while reading repositories, worded per helm
//! version: v3 through Go's `log` (with its source-file prefix) or a
//! `WARNING:` line, v4 through `slog`'s text handler.

use crate::compat::Compat;

/// A warning helm prints on stderr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// An index entry was dropped on load (the message).
    InvalidEntry(String),
    /// A configured repository has no usable cached index.
    CorruptRepo {
        /// The repository name.
        repo: String,
        /// Why (the load error).
        error: String,
    },
    /// No version equals the one asked for; the newest match was taken.
    FellBack {
        /// The chart.
        chart: String,
        /// The version asked for.
        requested: String,
        /// The version taken.
        selected: String,
    },
    /// v3: a local chart shadowed `--repo`.
    LocalChartFound,
}

impl Warning {
    /// The line(s) helm prints, without the final newline; `None` where
    /// the imitated helm prints nothing.
    pub fn render(&self, compat: Compat) -> Option<String> {
        match (self, compat) {
            // Go's log prefix names the line of index.go that logged.
            (Warning::InvalidEntry(m), Compat::V3) if m.ends_with(": empty entry") => {
                Some(format!("index.go:359: {m}"))
            }
            (Warning::InvalidEntry(m), Compat::V3) => Some(format!("index.go:371: {m}")),
            (Warning::InvalidEntry(m), Compat::V4) => Some(slog_line(m, &[])),
            (Warning::CorruptRepo { repo, error }, Compat::V3) => Some(format!(
                "WARNING: Repo {repo:?} is corrupt or missing. Try 'helm repo update'.\nWARNING: {error}"
            )),
            (Warning::CorruptRepo { repo, error }, Compat::V4) => Some(slog_line(
                "repo is corrupt or missing",
                &[("repo", repo), ("error", error)],
            )),
            (Warning::FellBack { .. }, Compat::V3) => None,
            (
                Warning::FellBack {
                    chart,
                    requested,
                    selected,
                },
                Compat::V4,
            ) => Some(slog_line(
                "unable to find exact version requested; falling back to closest available version",
                &[
                    ("chart", chart),
                    ("requested", requested),
                    ("selected", selected),
                ],
            )),
            (Warning::LocalChartFound, Compat::V3) => Some(
                "local chart found in current working directory. repository url ignored".into(),
            ),
            (Warning::LocalChartFound, Compat::V4) => None,
        }
    }
}

/// slog's text handler line at WARN without a time.
pub fn slog_line(msg: &str, attrs: &[(&str, &String)]) -> String {
    let mut out = format!("level=WARN msg={}", slog_value(msg));
    for (k, v) in attrs {
        out.push(' ');
        out.push_str(k);
        out.push('=');
        out.push_str(&slog_value(v));
    }
    out
}

/// slog quotes a value that is empty or holds a space, `=`, `"` or a
/// non-printable character (`strconv.Quote`).
fn slog_value(v: &str) -> String {
    let needs = v.is_empty()
        || v.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c.is_control() || c == '\u{FFFD}');
    if needs {
        serde_json::to_string(v).unwrap_or_default()
    } else {
        v.to_string()
    }
}
