//! The running operations: phase, what a wait still awaits and why, and
//! the last hook output, under the screen so the rest of the UI stays
//! usable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Theme;
use crate::tui::model::{Model, Operation};

/// How many objects not ready each operation lists.
const PENDING_SHOWN: usize = 2;

/// The panel's height: 0 with nothing running.
pub fn height(m: &Model) -> u16 {
    if m.operations.is_empty() {
        return 0;
    }
    let lines: usize = m.operations.iter().map(|o| lines(o).len()).sum();
    // At most half the screen's usual height; the border line on top.
    (lines.min(8) + 1) as u16
}

fn lines(op: &Operation) -> Vec<(String, bool)> {
    let mut out = vec![(
        format!("⟳ {} {} — {}", op.kind.as_str(), op.key, op.phase),
        true,
    )];
    if !op.pending.is_empty() {
        for p in op.pending.iter().take(PENDING_SHOWN) {
            let why = if p.message.is_empty() {
                String::new()
            } else {
                format!(": {}", p.message)
            };
            out.push((format!("    {} {}{why}", p.resource, p.status), false));
        }
        if op.pending.len() > PENDING_SHOWN {
            out.push((
                format!(
                    "    … and {} more not ready",
                    op.pending.len() - PENDING_SHOWN
                ),
                false,
            ));
        }
    }
    if let Some(l) = op.hook_output.last() {
        out.push((format!("    │ {l}"), false));
    }
    out
}

/// Draws the panel in `area`.
pub fn draw(m: &Model, theme: Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let text: Vec<Line> = m
        .operations
        .iter()
        .flat_map(lines)
        .map(|(l, head)| {
            if head {
                Line::from(Span::styled(l, theme.fg(Color::Yellow)))
            } else {
                Line::from(l)
            }
        })
        .collect();
    let block = Block::new()
        .borders(Borders::TOP)
        .title(Span::styled(" Operations ", theme.bold()));
    f.render_widget(Paragraph::new(text).block(block), area);
}
