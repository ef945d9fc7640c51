//! `view`: draws a frame from the model alone. The screen is a header
//! line, the list or the details, the running operations, the newest
//! notification and a footer (key hints, or the `/` / `:` prompt); a modal
//! is drawn over it.

mod details;
mod help;
mod hit;
mod list;
mod progress;
mod recover;
mod rollback;
mod style;
mod uninstall;
mod upgrade;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::keys;
use super::model::{Input, Modal, Model, Screen};
pub use hit::hit;
pub use style::Theme;

/// Draws the whole frame.
pub fn view(m: &Model, f: &mut Frame) {
    let theme = Theme { color: m.color };
    let area = f.area();
    let [header, body, ops_area, note_area, footer] = frame_areas(m, area);
    f.render_widget(Paragraph::new(header_line(m, theme)), header);
    match &m.screen {
        Screen::List => list::draw(m, theme, f, body),
        Screen::Details(d) => details::draw(m, d, theme, f, body),
    }
    progress::draw(m, theme, f, ops_area);
    draw_notification(m, theme, f, note_area);
    f.render_widget(Paragraph::new(footer_line(m, theme)), footer);
    if let Some(modal) = &m.modal {
        match modal {
            Modal::Help => help::draw(m, theme, f, area),
            Modal::Rollback(r) => rollback::draw(r, theme, f, area),
            Modal::Uninstall(u) => uninstall::draw(u, theme, f, area),
            Modal::Upgrade(u) => upgrade::draw(u, theme, f, area),
            Modal::Recover(r) => recover::draw(r, theme, f, area),
        }
    }
}

/// The frame's rows: header, body (list or details), operations,
/// notification, footer. The mouse's hit test divides the frame the same
/// way.
fn frame_areas(m: &Model, area: Rect) -> [Rect; 5] {
    let ops = progress::height(m);
    let notes = notification_height(m, area.width);
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(ops),
        Constraint::Length(notes),
        Constraint::Length(1),
    ])
    .areas(area)
}

fn header_line(m: &Model, theme: Theme) -> Line<'static> {
    let visible = m.visible().len();
    // With no namespace filter the list shows what the UI watches: one
    // namespace, or all with -A.
    let ns = m
        .filters
        .namespace
        .as_deref()
        .or(m.scope.as_deref())
        .unwrap_or("all");
    let mut spans = vec![Span::styled(" rudder ", theme.bold())];
    // First, so a narrow terminal never cuts it off.
    if m.read_only {
        spans.push(Span::styled("│ READ-ONLY ", theme.bold()));
    }
    spans.extend([
        Span::raw(format!("│ ctx: {} │ ns: {ns} │ ", m.context)),
        Span::styled(format!("{visible}/{}", m.releases.len()), theme.bold()),
        Span::raw(" releases"),
    ]);
    if m.filters.status != Default::default() {
        spans.push(Span::raw(format!(
            " │ status: {}",
            m.filters.status.as_str()
        )));
    }
    if !m.filters.search.is_empty() {
        spans.push(Span::raw(format!(" │ /{}", m.filters.search)));
    }
    let arrow = if m.reverse { "↓" } else { "↑" };
    spans.push(Span::raw(format!(
        " │ sort: {}{arrow}",
        m.sort.label().to_lowercase()
    )));
    Line::from(spans)
}

fn footer_line(m: &Model, theme: Theme) -> Line<'static> {
    match &m.input {
        Input::Search(s) => Line::from(vec![
            Span::styled("/", theme.bold()),
            Span::raw(format!("{s}▏")),
        ]),
        Input::Command(s) => Line::from(vec![
            Span::styled(":", theme.bold()),
            Span::raw(format!("{s}▏")),
        ]),
        Input::Normal => {
            let hints = match m.screen {
                Screen::List => keys::list_hints(m.read_only),
                Screen::Details(_) => keys::details_hints(m.read_only),
            };
            Line::from(Span::styled(hints, theme.dim()))
        }
    }
}

/// The newest notification's text (or the watch's error).
fn notification_text(m: &Model) -> Option<(super::model::Level, String)> {
    if let Some(n) = m.notifications.last() {
        Some((n.level, n.text.clone()))
    } else {
        m.watch_error
            .as_ref()
            .map(|e| (super::model::Level::Error, format!("watch: {e} (retrying)")))
    }
}

/// Lines for the notification: a long error wraps, up to three lines.
fn notification_height(m: &Model, width: u16) -> u16 {
    let Some((_, text)) = notification_text(m) else {
        return 0;
    };
    let chars = text.chars().count() + 2;
    let width = usize::from(width.max(1));
    chars.div_ceil(width).clamp(1, 3) as u16
}

fn draw_notification(m: &Model, theme: Theme, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let Some((level, text)) = notification_text(m) else {
        return;
    };
    let (prefix, style) = theme.level(level);
    let line = Line::from(Span::styled(format!("{prefix}{text}"), style));
    f.render_widget(
        Paragraph::new(line).wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// A rectangle of `width` × `height` centred in `area` (clipped to it),
/// cleared for a modal.
pub(super) fn modal_area(f: &mut Frame, area: Rect, width: u16, height: u16) -> Rect {
    let r = area.centered(
        Constraint::Length(width.min(area.width)),
        Constraint::Length(height.min(area.height)),
    );
    f.render_widget(Clear, r);
    r
}

/// The lines of `text` from `scroll`, with unified-diff colours.
pub(super) fn diff_lines(text: &str, theme: Theme) -> Vec<Line<'static>> {
    text.lines()
        .map(|l| Line::from(Span::styled(l.to_string(), theme.diff_line(l))))
        .collect()
}
