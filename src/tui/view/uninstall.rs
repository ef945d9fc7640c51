//! The uninstall confirmation: the warning, the chart and namespace, and
//! the keep-history toggle.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{Theme, modal_area};
use crate::tui::model::UninstallModal;

/// Draws the confirmation over `area`.
pub fn draw(u: &UninstallModal, theme: Theme, f: &mut Frame, area: Rect) {
    let keep = if u.keep_history {
        "on (the history stays: rollback remains possible)"
    } else {
        "off (every revision record is deleted)"
    };
    let lines = vec![
        Line::from(Span::styled(
            format!(
                "⚠ All resources of release {} will be removed from the cluster.",
                u.key.name
            ),
            theme.fg(Color::Red).patch(theme.bold()),
        )),
        Line::from(""),
        Line::from(vec![
            Span::styled("Chart:      ", theme.bold()),
            Span::raw(u.chart.clone()),
        ]),
        Line::from(vec![
            Span::styled("Namespace:  ", theme.bold()),
            Span::raw(u.key.namespace.clone()),
        ]),
        Line::from(vec![
            Span::styled("[k] keep history: ", theme.bold()),
            Span::raw(keep),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "[y/Enter] uninstall   [Esc] cancel",
            theme.dim(),
        )),
    ];
    let rect = modal_area(f, area, 72, lines.len() as u16 + 3);
    let title = format!(" Uninstall {} ", u.key.name);
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
