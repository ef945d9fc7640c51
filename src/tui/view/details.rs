//! The details of one release: a tab bar and the tab.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row as TableRow, Table, TableState, Tabs};

use super::Theme;
use crate::tui::model::{Details, Loadable, Model, Tab};
use crate::tui::text::details_text;

/// The tab bar's line and the tab's area within the details' `area`
/// (inside its border).
pub fn areas(area: Rect) -> [Rect; 2] {
    let inner = Block::bordered().inner(area);
    Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner)
}

/// The tab bar's titles (`1 Info`, ...), in [`Tab::ALL`]'s order.
pub fn tab_titles() -> Vec<String> {
    Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} {}", i + 1, t.title()))
        .collect()
}

/// Draws the details in `area`.
pub fn draw(m: &Model, d: &Details, theme: Theme, f: &mut Frame, area: Rect) {
    let row = m.releases.get(&d.key);
    let mut title = vec![Span::styled(
        format!(" {} ({}) ", d.key.name, d.key.namespace),
        theme.bold(),
    )];
    if let Some(r) = row {
        title.push(Span::raw(format!("rev {} ", r.revision)));
        title.push(theme.status(&r.status));
        title.push(Span::raw(" "));
    }
    let block = Block::bordered().title(Line::from(title));
    f.render_widget(block, area);
    let [tabs_area, body] = areas(area);
    let tabs = Tabs::new(tab_titles())
        .select(d.tab.index())
        .highlight_style(theme.selected().patch(theme.bold()))
        .divider("│");
    f.render_widget(tabs, tabs_area);
    match d.tab {
        Tab::History => history(d, theme, f, body),
        Tab::Resources => resources(d, theme, f, body),
        _ => text(d, theme, f, body),
    }
}

fn loading_or_error<T>(l: &Loadable<T>, theme: Theme, f: &mut Frame, area: Rect) -> bool {
    match l {
        Loadable::Loading => {
            f.render_widget(Paragraph::new("Loading…"), area);
            true
        }
        Loadable::Failed(e) => {
            f.render_widget(
                Paragraph::new(Span::styled(format!("Error: {e}"), theme.fg(Color::Red))),
                area,
            );
            true
        }
        Loadable::Ready(_) => false,
    }
}

fn text(d: &Details, theme: Theme, f: &mut Frame, area: Rect) {
    if loading_or_error(&d.content, theme, f, area) {
        return;
    }
    let body = details_text(d).unwrap_or_default();
    let total = body.lines().count();
    let mut lines: Vec<Line> = Vec::new();
    if d.tab == Tab::Values {
        let which = if d.values_computed {
            "computed values (a: user-supplied)"
        } else {
            "user-supplied values (a: computed)"
        };
        lines.push(Line::from(Span::styled(which, theme.dim())));
    }
    let room = usize::from(area.height).saturating_sub(lines.len());
    for l in body.lines().skip(d.scroll).take(room) {
        lines.push(highlight(l, &d.search, theme));
    }
    f.render_widget(Paragraph::new(lines), area);
    // Where the view is in a long text.
    if total > room && area.width > 12 {
        let pos = format!(" {}/{} ", (d.scroll + 1).min(total), total);
        let w = pos.chars().count() as u16;
        let at = Rect::new(
            area.right().saturating_sub(w),
            area.bottom().saturating_sub(1),
            w,
            1,
        );
        f.render_widget(Paragraph::new(Span::styled(pos, theme.dim())), at);
    }
}

/// `line` with every case-insensitive match of `needle` marked.
fn highlight(line: &str, needle: &str, theme: Theme) -> Line<'static> {
    if needle.is_empty() {
        return Line::from(line.to_string());
    }
    let lower = line.to_lowercase();
    let n = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; mark nothing
    // then rather than cut a character.
    if lower.len() != line.len() {
        return Line::from(line.to_string());
    }
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(&n) {
        let start = at + i;
        if start > at {
            spans.push(Span::raw(line[at..start].to_string()));
        }
        spans.push(Span::styled(
            line[start..start + n.len()].to_string(),
            theme.matched(),
        ));
        at = start + n.len();
    }
    spans.push(Span::raw(line[at..].to_string()));
    Line::from(spans)
}

fn history(d: &Details, theme: Theme, f: &mut Frame, area: Rect) {
    if loading_or_error(&d.history, theme, f, area) {
        return;
    }
    let rows = d.history.ready().map(Vec::as_slice).unwrap_or_default();
    let body = rows.iter().map(|h| {
        TableRow::new(vec![
            ratatui::widgets::Cell::from(h.revision.to_string()),
            ratatui::widgets::Cell::from(h.updated.clone()),
            ratatui::widgets::Cell::from(theme.status(&h.status)),
            ratatui::widgets::Cell::from(h.chart.clone()),
            ratatui::widgets::Cell::from(h.app_version.clone()),
            ratatui::widgets::Cell::from(h.description.clone()),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Length(16),
        Constraint::Length(18),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Fill(3),
    ];
    let table = Table::new(body, widths)
        .header(
            TableRow::new(["REV", "UPDATED", "STATUS", "CHART", "APP", "DESCRIPTION"])
                .style(theme.bold()),
        )
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(d.history_selected));
    f.render_stateful_widget(table, area, &mut state);
}

fn resources(d: &Details, theme: Theme, f: &mut Frame, area: Rect) {
    if loading_or_error(&d.resources, theme, f, area) {
        return;
    }
    let rows = d.resources.ready().map(Vec::as_slice).unwrap_or_default();
    if rows.is_empty() {
        f.render_widget(Paragraph::new("No live objects."), area);
        return;
    }
    let body = rows.iter().skip(d.scroll).map(|r| {
        let color = match r.status.as_str() {
            "Current" => Color::Green,
            "Failed" => Color::Red,
            "InProgress" | "Terminating" => Color::Yellow,
            _ => Color::DarkGray,
        };
        TableRow::new(vec![
            ratatui::widgets::Cell::from(r.resource.clone()),
            ratatui::widgets::Cell::from(r.namespace.clone()),
            ratatui::widgets::Cell::from(Span::styled(r.status.clone(), theme.fg(color))),
            ratatui::widgets::Cell::from(r.message.clone()),
        ])
    });
    let widths = [
        Constraint::Fill(3),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Fill(4),
    ];
    let table = Table::new(body, widths)
        .header(TableRow::new(["RESOURCE", "NAMESPACE", "STATUS", "MESSAGE"]).style(theme.bold()));
    f.render_widget(table, area);
}
