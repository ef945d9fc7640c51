//! The `?` overlay: the key map in two columns, without the mutating keys
//! under `--read-only`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, modal_area};
use crate::tui::keys::{self, KeyHelp};
use crate::tui::model::Model;

/// Draws the help over `area`.
pub fn draw(m: &Model, theme: Theme, f: &mut Frame, area: Rect) {
    let left = column(keys::LEFT, m.read_only, theme);
    let right = column(keys::RIGHT, m.read_only, theme);
    let height = left.len().max(right.len()) as u16 + 2;
    let r = modal_area(f, area, 80, height);
    let block = Block::bordered().title(Span::styled(" Keys (any key closes) ", theme.bold()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    let [l, rr] =
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(inner);
    f.render_widget(Paragraph::new(left), l);
    f.render_widget(Paragraph::new(right), rr);
}

fn column(entries: &[KeyHelp], read_only: bool, theme: Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut section = "";
    let width = entries
        .iter()
        .map(|e| e.keys.chars().count())
        .max()
        .unwrap_or(0);
    for e in entries.iter().filter(|e| !(read_only && e.mutating)) {
        if e.section != section {
            section = e.section;
            lines.push(Line::from(Span::styled(section, theme.bold())));
        }
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {:<width$} ", e.keys),
                theme.fg(ratatui::style::Color::Cyan),
            ),
            Span::raw(e.action),
        ]));
    }
    lines
}
