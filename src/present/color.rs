//! helm v4's colours (`--color`, `HELM_COLOR`, `NO_COLOR`), through
//! fatih/color's escape sequences.

use crate::release::Status;

/// Whether to colour, and how.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Colors {
    /// Colour on.
    pub enabled: bool,
}

impl Colors {
    fn paint(self, code: &str, s: &str) -> String {
        self.paint_reset(code, "0", s)
    }

    /// fatih/color ends each attribute with its own reset: 22 for bold, the
    /// generic 0 for colours.
    fn paint_reset(self, code: &str, reset: &str, s: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{s}\x1b[{reset}m")
        } else {
            s.to_string()
        }
    }

    /// A table header (bold).
    pub fn header(self, s: &str) -> String {
        self.paint_reset("1", "22", s)
    }

    /// A namespace (cyan).
    pub fn namespace(self, s: &str) -> String {
        self.paint("36", s)
    }

    /// A status: deployed green, failed and unknown red, in-flight yellow.
    pub fn status(self, status: &Status) -> String {
        let s = status.as_str();
        match status {
            Status::Deployed => self.paint("32", s),
            Status::Failed | Status::Unknown => self.paint("31", s),
            Status::PendingInstall
            | Status::PendingUpgrade
            | Status::PendingRollback
            | Status::Uninstalling => self.paint("33", s),
            _ => s.to_string(),
        }
    }
}
