//! The releases list.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row as TableRow, Table, TableState};

use super::Theme;
use crate::tui::model::Model;

/// Below this width the APP VERSION column is left out.
const WIDE: u16 = 100;

/// The table's area and the stuck notice's line (empty unless the
/// selected release is stuck) within `area`.
pub fn areas(m: &Model, area: Rect) -> [Rect; 2] {
    let rows = m.visible();
    let selected = m.selected.min(rows.len().saturating_sub(1));
    let stuck = rows.get(selected).is_some_and(|r| r.stuck.is_some());
    Layout::vertical([Constraint::Min(3), Constraint::Length(u16::from(stuck))]).areas(area)
}

/// The index of the first row a table of `n` one-line rows shows in
/// `height` lines, starting from `offset`, with `selected` selected:
/// ratatui's own scrolling (the window moves only as far as it must to
/// show the selected row).
pub fn first_shown(offset: usize, selected: usize, height: u16, n: usize) -> usize {
    let height = usize::from(height).max(1);
    let start = offset.min(n.saturating_sub(1)).min(selected);
    if selected >= start + height {
        selected + 1 - height
    } else {
        start
    }
}

/// Draws the list in `area`, with the selected release's stuck notice
/// under it when it has one.
pub fn draw(m: &Model, theme: Theme, f: &mut Frame, area: Rect) {
    let rows = m.visible();
    let selected = m.selected.min(rows.len().saturating_sub(1));
    let stuck = rows
        .get(selected)
        .and_then(|r| r.stuck.as_ref().map(|w| (r, w)));
    let [table_area, notice_area] = areas(m, area);
    let title = format!(" Releases [{}/{}] ", rows.len(), m.releases.len());
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    if rows.is_empty() {
        let text = if !m.synced {
            "Loading releases…"
        } else if m.releases.is_empty() {
            "No releases."
        } else {
            "No release matches the filters (c clears them)."
        };
        f.render_widget(Paragraph::new(text).block(block), table_area);
        return;
    }
    let wide = area.width >= WIDE;
    let mut header = vec!["NAME", "NAMESPACE", "REV", "STATUS", "CHART"];
    if wide {
        header.push("APP VERSION");
    }
    header.extend(["UPDATED", "UPGRADE"]);
    let body = rows.iter().map(|r| {
        // A stuck release's mark replaces the dot, so the cell keeps its
        // width: `⚠ pending-upgrade`.
        let status = if r.stuck.is_some() {
            vec![Span::styled(
                format!("⚠ {}", r.status),
                theme.fg(ratatui::style::Color::Yellow),
            )]
        } else {
            vec![theme.status(&r.status)]
        };
        let mut cells = vec![
            Cell::from(r.key.name.clone()),
            Cell::from(r.key.namespace.clone()),
            Cell::from(r.revision.to_string()),
            Cell::from(Line::from(status)),
            Cell::from(r.chart()),
        ];
        if wide {
            cells.push(Cell::from(r.app_version.clone()));
        }
        // Narrow frames drop the year: `11-30 10:04`.
        let updated = if wide {
            r.updated.as_str()
        } else {
            r.updated.get(5..).unwrap_or(&r.updated)
        };
        cells.push(Cell::from(updated.to_string()));
        // Once upgraded to it (seen through the watch), the mark goes.
        let upgrade = m
            .upgrades
            .get(&r.key)
            .filter(|v| **v != r.chart_version)
            .map(|v| Span::styled(format!("↑ {v}"), theme.fg(ratatui::style::Color::Yellow)))
            .unwrap_or_default();
        cells.push(Cell::from(upgrade));
        TableRow::new(cells)
    });
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Length(3),
        Constraint::Length(18),
        Constraint::Fill(3),
    ];
    if wide {
        widths.push(Constraint::Length(11));
    }
    let updated = if wide { 16 } else { 11 };
    widths.extend([Constraint::Length(updated), Constraint::Length(9)]);
    let table = Table::new(body, widths)
        .header(TableRow::new(header).style(theme.bold()))
        .block(block)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default()
        .with_offset(m.list_offset)
        .with_selected(Some(selected));
    f.render_stateful_widget(table, table_area, &mut state);
    if let Some((row, why)) = stuck {
        // The key first: a narrow frame cuts the reason, not the remedy.
        let text = format!(
            "⚠ R recovers {}: stuck in {} ({why})",
            row.key.name, row.status
        );
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.fg(ratatui::style::Color::Yellow))),
            notice_area,
        );
    }
}
