//! Colours and the status indicator. With colour off (`NO_COLOR`) every
//! style is plain: the labels carry the meaning, and selection and
//! emphasis use reverse video and bold, which are not colours.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;

use crate::release::Status;
use crate::tui::model::Level;

/// Styles for a frame, with colour on or off.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    /// Colours on.
    pub color: bool,
}

impl Theme {
    /// A foreground colour, or plain without colour.
    pub fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Headers and labels.
    pub fn bold(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected row.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// A search match.
    pub fn matched(self) -> Style {
        if self.color {
            Style::new().bg(Color::Yellow).fg(Color::Black)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Dimmed text (hints, borders' titles of secondary panels).
    pub fn dim(self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// The colour of a status.
    pub fn status_color(status: &Status) -> Option<Color> {
        match status {
            Status::Deployed => Some(Color::Green),
            Status::Failed => Some(Color::Red),
            s if s.is_transitional() => Some(Color::Yellow),
            Status::Superseded | Status::Uninstalled => Some(Color::DarkGray),
            _ => None,
        }
    }

    /// The status indicator: a coloured dot and the label, or the plain
    /// label without colour.
    pub fn status(self, status: &Status) -> Span<'static> {
        let label = status.as_str().to_string();
        match (self.color, Self::status_color(status)) {
            (true, Some(c)) => Span::styled(format!("● {label}"), Style::new().fg(c)),
            _ => Span::raw(label),
        }
    }

    /// A notification's prefix and style.
    pub fn level(self, level: Level) -> (&'static str, Style) {
        match level {
            Level::Success => ("✔ ", self.fg(Color::Green)),
            Level::Info => ("• ", self.fg(Color::Cyan)),
            Level::Error => ("✖ ", self.fg(Color::Red).add_modifier(Modifier::BOLD)),
        }
    }

    /// The style of one line of a unified diff.
    pub fn diff_line(self, line: &str) -> Style {
        if line.starts_with("@@") {
            self.fg(Color::Cyan)
        } else if line.starts_with('+') {
            self.fg(Color::Green)
        } else if line.starts_with('-') {
            self.fg(Color::Red)
        } else {
            Style::new()
        }
    }
}
