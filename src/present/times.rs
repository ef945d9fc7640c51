//! The Go time layouts helm prints.

use crate::output::time as gotime;
use crate::release::GoTime;

/// `Time.String()` (`helm list`).
pub fn go_string(t: &GoTime) -> String {
    gotime::go_string(t)
}

/// A `--time-format` Go layout.
pub fn layout(t: &GoTime, layout: &str) -> String {
    gotime::format_layout(t, layout)
}

/// `time.ANSIC` (`history`, `status`).
pub fn ansic(t: &GoTime) -> String {
    gotime::ansic(t)
}

/// `time.ANSIC` of a possibly zero time: Go formats its zero time as
/// `Mon Jan  1 00:00:00 0001`.
pub fn ansic_or_zero(t: &Option<GoTime>) -> String {
    match t {
        Some(t) => ansic(t),
        None => "Mon Jan  1 00:00:00 0001".to_string(),
    }
}

/// `time.RFC3339` (`get metadata`).
pub fn rfc3339(t: &GoTime) -> String {
    gotime::rfc3339(t)
}

/// `time.RFC3339` of Go's zero time.
pub fn zero_rfc3339() -> String {
    "0001-01-01T00:00:00Z".to_string()
}
