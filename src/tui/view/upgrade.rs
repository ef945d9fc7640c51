//! The upgrade modal: current and available versions, reuse-values,
//! custom values, and then the values and manifest diffs to confirm.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, diff_lines, modal_area};
use crate::tui::model::{Loadable, UpgradeModal};

/// How many versions the form lists at once.
const VERSION_ROWS: usize = 6;

/// Draws the modal over `area`.
pub fn draw(u: &UpgradeModal, theme: Theme, f: &mut Frame, area: Rect) {
    match &u.diff {
        None => form(u, theme, f, area),
        Some(d) => diffs(u, d, theme, f, area),
    }
}

fn form(u: &UpgradeModal, theme: Theme, f: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from(vec![
        Span::styled("Chart:    ", theme.bold()),
        Span::raw(format!("{} (installed {})", u.chart, u.current)),
    ])];
    match &u.versions {
        Loadable::Loading => lines.push(Line::from("Looking up the chart's versions…")),
        Loadable::Failed(e) => lines.push(Line::from(Span::styled(
            format!("Error: {e}"),
            theme.fg(Color::Red),
        ))),
        Loadable::Ready(v) => {
            lines.push(Line::from(vec![
                Span::styled("Source:   ", theme.bold()),
                Span::raw(v.source.clone()),
            ]));
            lines.push(Line::from(Span::styled("Version:", theme.bold())));
            // Keep the chosen version in the window.
            let first = u.selected.saturating_sub(VERSION_ROWS - 1);
            for (i, ver) in v.versions.iter().enumerate().skip(first).take(VERSION_ROWS) {
                let mark = if i == u.selected { "▶ " } else { "  " };
                let installed = if *ver == u.current {
                    " (installed)"
                } else {
                    ""
                };
                let style = if i == u.selected {
                    theme.selected()
                } else {
                    Default::default()
                };
                lines.push(Line::from(Span::styled(
                    format!("  {mark}{ver}{installed}"),
                    style,
                )));
            }
            if v.versions.is_empty() {
                lines.push(Line::from("  (the source lists no version)"));
            }
        }
    }
    let values = if u.values.trim().is_empty() {
        "none".to_string()
    } else {
        format!("{} line(s)", u.values.lines().count())
    };
    lines.extend([
        Line::from(""),
        Line::from(vec![
            Span::styled("[r] reuse values: ", theme.bold()),
            Span::raw(if u.reuse_values { "on" } else { "off" }),
        ]),
        Line::from(vec![
            Span::styled("[e] custom values: ", theme.bold()),
            Span::raw(values),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            "[j/k] version   [Enter] show diffs   [Esc] cancel",
            theme.dim(),
        )),
    ]);
    let rect = modal_area(f, area, 72, lines.len() as u16 + 2);
    let title = format!(" Upgrade {} ({}) ", u.key.name, u.key.namespace);
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn diffs(
    u: &UpgradeModal,
    d: &Loadable<crate::tui::model::UpgradeDiff>,
    theme: Theme,
    f: &mut Frame,
    area: Rect,
) {
    let rect = modal_area(
        f,
        area,
        area.width.saturating_sub(4),
        area.height.saturating_sub(2),
    );
    let room = usize::from(rect.height.saturating_sub(3));
    let mut lines = Vec::new();
    match d {
        Loadable::Loading => lines.push(Line::from("Rendering the upgrade…")),
        Loadable::Failed(e) => lines.push(Line::from(Span::styled(
            format!("Error: {e}"),
            theme.fg(Color::Red),
        ))),
        Loadable::Ready(diff) => {
            let mut all = vec![Line::from(Span::styled("Values diff", theme.bold()))];
            if diff.values.is_empty() {
                all.push(Line::from("  (no change to the values)"));
            } else {
                all.extend(diff_lines(&diff.values, theme));
            }
            all.push(Line::from(""));
            all.push(Line::from(Span::styled("Manifest diff", theme.bold())));
            all.extend(diff_lines(&diff.manifest, theme));
            lines.extend(all.into_iter().skip(u.scroll).take(room));
        }
    }
    while lines.len() < room {
        lines.push(Line::from(""));
    }
    let version = u.chosen().unwrap_or_default();
    let keys = if matches!(d, Loadable::Ready(_)) {
        format!("[j/k] scroll   [y/Enter] upgrade to {version}   [Esc] back")
    } else {
        "[Esc] back".to_string()
    };
    lines.push(Line::from(Span::styled(keys, theme.dim())));
    let title = format!(" Upgrade {} {} → {version} ", u.key.name, u.current);
    let block = Block::bordered().title(Span::styled(title, theme.bold()));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}
