//! The rollback confirmation, with the diff one key (`d`) away.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, diff_lines, modal_area};
use crate::tui::model::{Loadable, RollbackModal};

/// Draws the confirmation over `area`.
pub fn draw(r: &RollbackModal, theme: Theme, f: &mut Frame, area: Rect) {
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Release:  ", theme.bold()),
            Span::raw(format!("{} (namespace {})", r.key.name, r.key.namespace)),
        ]),
        Line::from(vec![
            Span::styled("Current:  ", theme.bold()),
            Span::raw(format!("revision {}", r.current)),
        ]),
        Line::from(vec![
            Span::styled("Target:   ", theme.bold()),
            Span::raw(format!("revision {} ({})", r.target, r.target_chart)),
        ]),
        Line::from(""),
    ];
    let keys = match &r.diff {
        None => "[d] show diff   [y/Enter] roll back   [Esc] cancel",
        Some(_) => "[j/k] scroll   [y/Enter] roll back   [Esc] cancel",
    };
    let height = match &r.diff {
        None => lines.len() as u16 + 3,
        Some(_) => area.height.saturating_sub(2),
    };
    let rect = modal_area(f, area, 76, height);
    let room = usize::from(rect.height.saturating_sub(2)).saturating_sub(lines.len() + 1);
    match &r.diff {
        None => {}
        Some(Loadable::Loading) => lines.push(Line::from("Computing the diff…")),
        Some(Loadable::Failed(e)) => lines.push(Line::from(Span::styled(
            format!("Error: {e}"),
            theme.fg(ratatui::style::Color::Red),
        ))),
        Some(Loadable::Ready(d)) => {
            lines.extend(diff_lines(d, theme).into_iter().skip(r.scroll).take(room));
        }
    }
    while lines.len() < usize::from(rect.height.saturating_sub(3)) {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(keys, theme.dim())));
    let title = format!(" Roll back {} to revision {} ", r.key.name, r.target);
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}
