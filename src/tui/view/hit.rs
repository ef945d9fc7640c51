//! The mouse's hit test: which row or tab a cell of the frame shows. It
//! divides the frame exactly as `view` draws it (the same area functions),
//! so a click lands on what the user sees there.

use ratatui::layout::{Position, Rect};

use super::{details, frame_areas, list};
use crate::tui::model::{Hit, Model, Screen, Tab};

/// What the cell at (`column`, `row`) of a frame of `size` shows. A modal
/// covers everything under it: clicks there hit [`Hit::Nothing`].
pub fn hit(m: &Model, size: Rect, column: u16, row: u16) -> Hit {
    let at = Position::new(column, row);
    if m.modal.is_some() || !size.contains(at) {
        return Hit::Nothing;
    }
    let [_, body, ..] = frame_areas(m, size);
    if !body.contains(at) {
        return Hit::Nothing;
    }
    match &m.screen {
        Screen::List => list_row(m, body, at),
        Screen::Details(d) => {
            let [tabs, tab_body] = details::areas(body);
            if tabs.contains(at) {
                return tab_at(tabs, at.x);
            }
            if d.tab != Tab::History || !tab_body.contains(at) {
                return Hit::Nothing;
            }
            let n = d.history.ready().map_or(0, Vec::len);
            // The History table has a header line and no border.
            let rows = Rect {
                y: tab_body.y + 1,
                height: tab_body.height.saturating_sub(1),
                ..tab_body
            };
            // Drawn from offset 0 on every frame.
            let first = list::first_shown(0, d.history_selected, rows.height, n);
            table_row(rows, first, n, at).map_or(Hit::Nothing, Hit::Revision)
        }
    }
}

fn list_row(m: &Model, body: Rect, at: Position) -> Hit {
    let [table, _] = list::areas(m, body);
    // Inside the border, below the header line.
    let inner = ratatui::widgets::Block::bordered().inner(table);
    let rows = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    let n = m.visible().len();
    let selected = m.selected.min(n.saturating_sub(1));
    let first = list::first_shown(m.list_offset, selected, rows.height, n);
    match table_row(rows, first, n, at) {
        Some(i) => Hit::Row { index: i, first },
        None => Hit::Nothing,
    }
}

/// The index of the table row at `at`, in a table of `n` one-line rows
/// drawn in `rows` from row `first`.
fn table_row(rows: Rect, first: usize, n: usize, at: Position) -> Option<usize> {
    if !rows.contains(at) {
        return None;
    }
    let i = first + usize::from(at.y - rows.y);
    (i < n).then_some(i)
}

/// The tab whose title (with its padding) covers column `x` of the tab
/// bar: each title is drawn as ` title ` followed by a one-cell divider.
fn tab_at(bar: Rect, x: u16) -> Hit {
    let mut left = bar.x;
    for (tab, title) in Tab::ALL.iter().zip(details::tab_titles()) {
        let width = u16::try_from(title.chars().count() + 2).unwrap_or(u16::MAX);
        let right = left.saturating_add(width);
        if (left..right).contains(&x) {
            return Hit::Tab(*tab);
        }
        // The divider belongs to no tab.
        left = right.saturating_add(1);
    }
    Hit::Nothing
}
