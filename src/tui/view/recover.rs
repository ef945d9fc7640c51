//! The recover confirmation: the stuck notice, what recovering does, and
//! the `--rollback` toggle.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{Theme, modal_area};
use crate::tui::model::RecoverModal;

/// Draws the confirmation over `area`.
pub fn draw(r: &RecoverModal, theme: Theme, f: &mut Frame, area: Rect) {
    let notice = match &r.stuck {
        Some(why) => Line::from(Span::styled(
            format!("⚠ {} looks stuck in {}: {why}", r.key.name, r.status),
            theme.fg(Color::Yellow),
        )),
        None => Line::from(format!(
            "{} is {} and does not look stuck; recover refuses while an operation may be alive.",
            r.key.name, r.status
        )),
    };
    let then = if r.rollback {
        "on: then roll back to the newest deployed revision"
    } else {
        "off: only mark the stuck revision failed"
    };
    let lines = vec![
        notice,
        Line::from(""),
        Line::from(
            "Recover marks the stuck revision failed, a state helm and rudder can carry on from (upgrade or rollback).",
        ),
        Line::from(""),
        Line::from(vec![
            Span::styled("[b] roll back: ", theme.bold()),
            Span::raw(then),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "[y/Enter] recover   [Esc] cancel",
            theme.dim(),
        )),
    ];
    let rect = modal_area(f, area, 72, 12);
    let title = format!(" Recover {} ({}) ", r.key.name, r.key.namespace);
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
