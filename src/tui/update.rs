//! `update`: the one place the UI's state changes. Keys and background
//! results come in as [`Msg`]s; what must happen outside (loads,
//! operations, the editor, quitting) goes out as [`Command`]s.

use std::time::{Duration, Instant};

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::Rect;

use super::model::{
    Click, Details, Hit, Input, Level, Loadable, Modal, Model, OpKind, Operation, RecoverModal,
    ReleaseKey, RollbackModal, Screen, SortKey, StatusFilter, Tab, UninstallModal, UpgradeModal,
};
use super::msg::{Command, Msg, UpgradeRequest};
use super::text::{details_text, find_match};
use super::view::hit;
use crate::cluster::Event;

/// How many lines PgUp/PgDn move.
const PAGE: usize = 10;

/// How many lines one notch of the mouse wheel moves (a list's selection,
/// a text, a diff), as terminals scroll.
const WHEEL_LINES: usize = 3;

/// Two clicks on the same row at most this far apart are a double click
/// (the usual desktop default).
const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// How many lines of hook output an operation keeps for its progress.
const HOOK_LINES: usize = 4;

/// Applies `msg` to `m`; returns the work it asks for.
pub fn update(m: &mut Model, msg: Msg) -> Vec<Command> {
    // The Resources tab is live while open: whatever opens or closes it
    // (a key, an operation leaving the details) subscribes or
    // unsubscribes here, in one place.
    let before = watched(m);
    let mut cmds = apply(m, msg);
    let after = watched(m);
    if before != after {
        match after {
            // Subscribing replaces any earlier subscription.
            Some(key) => cmds.push(Command::WatchResources(key)),
            None => cmds.push(Command::UnwatchResources),
        }
    }
    cmds
}

/// The release whose live objects are on screen (the open Resources tab).
fn watched(m: &Model) -> Option<ReleaseKey> {
    match &m.screen {
        Screen::Details(d) if d.tab == Tab::Resources => Some(d.key.clone()),
        _ => None,
    }
}

fn apply(m: &mut Model, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(key) => on_key(m, key),
        Msg::Mouse { event, size, at } => on_mouse(m, event, size, at),
        Msg::Resize => Vec::new(),
        Msg::Tick => on_tick(m),
        Msg::ResourcesChanged(key) => {
            if watched(m).as_ref() == Some(&key) {
                vec![Command::RefreshResources(key)]
            } else {
                // A late message from a subscription already dropped.
                Vec::new()
            }
        }
        Msg::Releases(rows) => {
            m.releases = rows.into_iter().map(|r| (r.key.clone(), r)).collect();
            m.synced = true;
            clamp_selection(m);
            reload_open_details(m, None)
        }
        Msg::ReleaseChanged(row) => {
            let key = row.key.clone();
            let changed = m
                .releases
                .get(&key)
                .is_none_or(|old| old.revision != row.revision || old.status != row.status);
            m.releases.insert(key.clone(), row);
            if changed {
                reload_open_details(m, Some(&key))
            } else {
                Vec::new()
            }
        }
        Msg::ReleaseGone(key) => {
            m.releases.remove(&key);
            clamp_selection(m);
            Vec::new()
        }
        Msg::WatchError(e) => {
            m.watch_error = e;
            Vec::new()
        }
        Msg::Availability(found) => {
            m.upgrades = found.into_iter().collect();
            Vec::new()
        }
        Msg::Content(key, res) => {
            if let Some(d) = details_of(m, &key) {
                d.content = loaded(res);
            }
            Vec::new()
        }
        Msg::History(key, res) => {
            if let Some(d) = details_of(m, &key) {
                d.history = loaded(res);
                // The newest revision is selected first: a rollback target
                // is then one `k` away.
                let n = d.history.ready().map_or(0, Vec::len);
                d.history_selected = n.saturating_sub(1);
            }
            Vec::new()
        }
        Msg::Resources(key, res) => {
            if let Some(d) = details_of(m, &key) {
                d.resources = loaded(res);
            }
            Vec::new()
        }
        Msg::RollbackDiff(key, revision, res) => {
            if let Some(Modal::Rollback(r)) = &mut m.modal
                && r.key == key
                && r.target == revision
            {
                r.diff = Some(loaded(res));
                r.scroll = 0;
            }
            Vec::new()
        }
        Msg::Versions(key, res) => {
            let latest = m.upgrades.get(&key).cloned();
            if let Some(Modal::Upgrade(u)) = &mut m.modal
                && u.key == key
            {
                if let Ok(v) = &res {
                    // Preselect the version the availability check named,
                    // else the newest.
                    u.selected = latest
                        .and_then(|l| v.versions.iter().position(|x| *x == l))
                        .unwrap_or(0);
                }
                u.versions = loaded(res);
            }
            Vec::new()
        }
        Msg::UpgradeDiff(key, res) => {
            if let Some(Modal::Upgrade(u)) = &mut m.modal
                && u.key == key
                && u.diff.is_some()
            {
                u.diff = Some(loaded(res));
                u.scroll = 0;
            }
            Vec::new()
        }
        Msg::Edited(res) => {
            match res {
                Ok(text) => {
                    if let Some(Modal::Upgrade(u)) = &mut m.modal {
                        u.values = text;
                    }
                }
                Err(e) => m.notify(Level::Error, format!("editor: {e}")),
            }
            Vec::new()
        }
        Msg::Progress(id, event) => {
            if let Some(op) = m.operations.iter_mut().find(|o| o.id == id) {
                on_progress(op, event);
            }
            Vec::new()
        }
        Msg::Done(id, res) => {
            let Some(pos) = m.operations.iter().position(|o| o.id == id) else {
                return Vec::new();
            };
            let op = m.operations.remove(pos);
            match res {
                Ok(text) => m.notify(Level::Success, text),
                Err(e) => m.notify(
                    Level::Error,
                    format!("{} of {} failed: {e}", op.kind.as_str(), op.key),
                ),
            }
            reload_open_details(m, Some(&op.key))
        }
    }
}

fn loaded<T>(res: Result<T, String>) -> Loadable<T> {
    match res {
        Ok(v) => Loadable::Ready(v),
        Err(e) => Loadable::Failed(e),
    }
}

fn details_of<'a>(m: &'a mut Model, key: &ReleaseKey) -> Option<&'a mut Details> {
    match &mut m.screen {
        Screen::Details(d) if d.key == *key => Some(d),
        _ => None,
    }
}

/// Reads the open details again when their release changed (`None`: any
/// release may have).
fn reload_open_details(m: &mut Model, key: Option<&ReleaseKey>) -> Vec<Command> {
    match &mut m.screen {
        Screen::Details(d) if key.is_none_or(|k| *k == d.key) => {
            // A new revision may have another manifest: an open Resources
            // tab subscribes again to its objects (which reads them).
            let resources = if d.tab == Tab::Resources {
                Command::WatchResources(d.key.clone())
            } else {
                Command::LoadResources(d.key.clone())
            };
            vec![Command::LoadDetails(d.key.clone()), resources]
        }
        _ => Vec::new(),
    }
}

fn clamp_selection(m: &mut Model) {
    let n = m.visible().len();
    m.selected = m.selected.min(n.saturating_sub(1));
}

/// Ticks only expire notifications: nothing is read on a timer (the
/// Resources tab follows its subscription).
fn on_tick(m: &mut Model) -> Vec<Command> {
    m.clock += 1;
    let clock = m.clock;
    m.notifications.retain(|n| n.until > clock);
    Vec::new()
}

fn on_progress(op: &mut Operation, event: Event) {
    match event {
        Event::Phase { status, .. } => op.phase = status.as_str().to_string(),
        Event::Waiting { pending, .. } => op.pending = pending,
        Event::WaitEnded => op.pending.clear(),
        Event::HookStarted {
            event, kind, name, ..
        } => op.phase = format!("{event} hook {kind}/{name}"),
        Event::HookFinished { event, phase, .. } => {
            op.phase = format!("{event} hook {}", phase.to_lowercase());
        }
        Event::HookOutput { bytes } => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            op.hook_output
                .extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
            let extra = op.hook_output.len().saturating_sub(HOOK_LINES);
            op.hook_output.drain(..extra);
        }
        Event::Warning { message } => {
            op.hook_output.push(format!("warning: {message}"));
            let extra = op.hook_output.len().saturating_sub(HOOK_LINES);
            op.hook_output.drain(..extra);
        }
    }
}

fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    if key.kind == KeyEventKind::Release {
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        m.quit = true;
        return vec![Command::Quit];
    }
    if m.input != Input::Normal {
        return on_input_key(m, key);
    }
    if m.modal.is_some() {
        return on_modal_key(m, key);
    }
    match key.code {
        KeyCode::Char('?') => {
            m.modal = Some(Modal::Help);
            return Vec::new();
        }
        KeyCode::Char('q') => {
            m.quit = true;
            return vec![Command::Quit];
        }
        KeyCode::Char('/') => {
            let current = match &m.screen {
                Screen::List => m.filters.search.clone(),
                Screen::Details(d) => d.search.clone(),
            };
            m.input = Input::Search(current);
            return Vec::new();
        }
        KeyCode::Char(':') => {
            m.input = Input::Command(String::new());
            return Vec::new();
        }
        _ => {}
    }
    if ctrl && key.code == KeyCode::Char('d') {
        let target = current_key(m);
        return match target {
            Some(k) => open_uninstall(m, k),
            None => Vec::new(),
        };
    }
    match (&m.screen, key.code) {
        (_, KeyCode::Char('u')) => match current_key(m) {
            Some(k) => open_upgrade(m, k),
            None => Vec::new(),
        },
        (_, KeyCode::Char('R')) => match current_key(m) {
            Some(k) => open_recover(m, k),
            None => Vec::new(),
        },
        (Screen::List, _) => on_list_key(m, key),
        (Screen::Details(_), _) => on_details_key(m, key),
    }
}

/// The wheel moves as `↓`/`↑` would (several lines a notch, one revision
/// in History); a left click selects a row or a tab; a second click on
/// the same row within [`DOUBLE_CLICK`] opens it as `Enter` does. While
/// the user types a search or a command, or over the help, the mouse does
/// nothing (a stray click must not end the typing).
fn on_mouse(m: &mut Model, event: MouseEvent, size: Rect, at: Instant) -> Vec<Command> {
    if m.input != Input::Normal || m.modal == Some(Modal::Help) {
        return Vec::new();
    }
    match event.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let code = if event.kind == MouseEventKind::ScrollDown {
                KeyCode::Down
            } else {
                KeyCode::Up
            };
            let notches = match &m.screen {
                Screen::Details(d) if d.tab == Tab::History && m.modal.is_none() => 1,
                _ => WHEEL_LINES,
            };
            let arrow = KeyEvent::new(code, KeyModifiers::NONE);
            (0..notches).flat_map(|_| on_key(m, arrow)).collect()
        }
        MouseEventKind::Down(MouseButton::Left) => {
            let target = hit(m, size, event.column, event.row);
            let double = m.last_click.is_some_and(|c| {
                c.hit == target && at.saturating_duration_since(c.at) <= DOUBLE_CLICK
            });
            // A double click is one gesture: a third click starts anew.
            m.last_click = (!double).then_some(Click { hit: target, at });
            match target {
                Hit::Row { index, first } => {
                    m.selected = index;
                    m.list_offset = first;
                    if double {
                        return on_list_key(m, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
                    }
                    Vec::new()
                }
                Hit::Tab(tab) => {
                    if let Screen::Details(d) = &mut m.screen
                        && d.tab != tab
                    {
                        d.tab = tab;
                        d.scroll = 0;
                    }
                    Vec::new()
                }
                Hit::Revision(i) => {
                    if let Screen::Details(d) = &mut m.screen {
                        d.history_selected = i;
                    }
                    Vec::new()
                }
                Hit::Nothing => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

/// The release a mutating key applies to: the open details' release, or
/// the selected row.
fn current_key(m: &Model) -> Option<ReleaseKey> {
    match &m.screen {
        Screen::Details(d) => Some(d.key.clone()),
        Screen::List => m.selected_row().map(|r| r.key.clone()),
    }
}

/// True (and says so) when `--read-only` forbids `what`.
fn refused_read_only(m: &mut Model, what: &str) -> bool {
    if m.read_only {
        m.notify(Level::Info, format!("read-only: {what} is disabled"));
    }
    m.read_only
}

fn open_uninstall(m: &mut Model, key: ReleaseKey) -> Vec<Command> {
    if refused_read_only(m, "uninstall") {
        return Vec::new();
    }
    let chart = m.releases.get(&key).map(|r| r.chart()).unwrap_or_default();
    m.modal = Some(Modal::Uninstall(UninstallModal {
        key,
        chart,
        keep_history: false,
    }));
    Vec::new()
}

fn open_recover(m: &mut Model, key: ReleaseKey) -> Vec<Command> {
    if refused_read_only(m, "recover") {
        return Vec::new();
    }
    let Some(row) = m.releases.get(&key) else {
        return Vec::new();
    };
    m.modal = Some(Modal::Recover(RecoverModal {
        key,
        status: row.status.clone(),
        stuck: row.stuck.clone(),
        rollback: false,
    }));
    Vec::new()
}

fn open_upgrade(m: &mut Model, key: ReleaseKey) -> Vec<Command> {
    if refused_read_only(m, "upgrade") {
        return Vec::new();
    }
    let Some(row) = m.releases.get(&key) else {
        return Vec::new();
    };
    let chart = row.chart_name.clone();
    m.modal = Some(Modal::Upgrade(Box::new(UpgradeModal {
        key: key.clone(),
        chart: chart.clone(),
        current: row.chart_version.clone(),
        versions: Loadable::Loading,
        selected: 0,
        reuse_values: true,
        values: String::new(),
        diff: None,
        scroll: 0,
    })));
    vec![Command::LoadVersions { key, chart }]
}

fn on_list_key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    let n = m.visible().len();
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => {
            m.selected = (m.selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Char('k') | KeyCode::Up => m.selected = m.selected.saturating_sub(1),
        KeyCode::Char('g') | KeyCode::Home => m.selected = 0,
        KeyCode::Char('G') | KeyCode::End => m.selected = n.saturating_sub(1),
        KeyCode::PageDown => m.selected = (m.selected + PAGE).min(n.saturating_sub(1)),
        KeyCode::PageUp => m.selected = m.selected.saturating_sub(PAGE),
        KeyCode::Char('s') => {
            m.filters.status = m.filters.status.next();
            clamp_selection(m);
        }
        KeyCode::Char('c') | KeyCode::Esc => {
            // `c` clears every filter; Esc clears the search first, as k9s.
            if key.code == KeyCode::Esc && !m.filters.search.is_empty() {
                m.filters.search.clear();
            } else if key.code == KeyCode::Char('c') {
                m.filters = Default::default();
            }
            clamp_selection(m);
        }
        KeyCode::Char(c @ ('N' | 'M' | 'S' | 'A' | 'C')) => {
            let sort = match c {
                'N' => SortKey::Name,
                'M' => SortKey::Namespace,
                'S' => SortKey::Status,
                'A' => SortKey::Updated,
                _ => SortKey::Chart,
            };
            if m.sort == sort {
                m.reverse = !m.reverse;
            } else {
                m.sort = sort;
                m.reverse = false;
            }
        }
        KeyCode::Enter => {
            if let Some(row) = m.selected_row() {
                let key = row.key.clone();
                m.screen = Screen::Details(Box::new(Details {
                    key: key.clone(),
                    ..Details::default()
                }));
                // Every tab loads at once, in parallel.
                return vec![
                    Command::LoadDetails(key.clone()),
                    Command::LoadResources(key),
                ];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_details_key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    let read_only = m.read_only;
    let Screen::Details(d) = &mut m.screen else {
        return Vec::new();
    };
    let cmds = Vec::new();
    // Opening the Resources tab subscribes to its objects (`update`
    // sees the tab change).
    let set_tab = |d: &mut Details, tab: Tab| {
        if d.tab != tab {
            d.tab = tab;
            d.scroll = 0;
        }
    };
    // What scrolls: the text, or the Resources table's rows.
    let lines = match d.tab {
        Tab::Resources => d.resources.ready().map_or(0, Vec::len),
        _ => details_text(d).map_or(0, |t| t.lines().count()),
    };
    match key.code {
        KeyCode::Esc => {
            if d.search.is_empty() {
                m.screen = Screen::List;
            } else {
                d.search.clear();
            }
        }
        KeyCode::Tab | KeyCode::Right | KeyCode::Char('l') => {
            let next = Tab::ALL[(d.tab.index() + 1) % Tab::ALL.len()];
            set_tab(d, next);
        }
        KeyCode::BackTab | KeyCode::Left | KeyCode::Char('h') => {
            let prev = Tab::ALL[(d.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len()];
            set_tab(d, prev);
        }
        KeyCode::Char(c @ '1'..='6') => {
            let i = (c as usize) - ('1' as usize);
            set_tab(d, Tab::ALL[i]);
        }
        KeyCode::Char('a') if d.tab == Tab::Values => {
            d.values_computed = !d.values_computed;
            d.scroll = 0;
        }
        KeyCode::Char('j') | KeyCode::Down => {
            if d.tab == Tab::History {
                let n = d.history.ready().map_or(0, Vec::len);
                d.history_selected = (d.history_selected + 1).min(n.saturating_sub(1));
            } else {
                d.scroll = (d.scroll + 1).min(lines.saturating_sub(1));
            }
        }
        KeyCode::Char('k') | KeyCode::Up => {
            if d.tab == Tab::History {
                d.history_selected = d.history_selected.saturating_sub(1);
            } else {
                d.scroll = d.scroll.saturating_sub(1);
            }
        }
        KeyCode::PageDown | KeyCode::Char(' ') => {
            d.scroll = (d.scroll + PAGE).min(lines.saturating_sub(1));
        }
        KeyCode::PageUp => d.scroll = d.scroll.saturating_sub(PAGE),
        KeyCode::Char('g') | KeyCode::Home => d.scroll = 0,
        KeyCode::Char('G') | KeyCode::End => d.scroll = lines.saturating_sub(1),
        KeyCode::Char(c @ ('n' | 'N')) => {
            if let Some(text) = details_text(d)
                && let Some(line) = find_match(&text, &d.search, d.scroll, c == 'n')
            {
                d.scroll = line;
            }
        }
        KeyCode::Char('r') if d.tab == Tab::History => {
            if read_only {
                m.notify(Level::Info, "read-only: rollback is disabled");
                return cmds;
            }
            let Some(history) = d.history.ready() else {
                return cmds;
            };
            let (Some(current), Some(target)) = (history.last(), history.get(d.history_selected))
            else {
                return cmds;
            };
            m.modal = Some(Modal::Rollback(RollbackModal {
                key: d.key.clone(),
                current: current.revision,
                target: target.revision,
                target_chart: target.chart.clone(),
                diff: None,
                scroll: 0,
            }));
        }
        _ => {}
    }
    cmds
}

fn on_input_key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    let (mut buf, search) = match std::mem::take(&mut m.input) {
        Input::Search(b) => (b, true),
        Input::Command(b) => (b, false),
        Input::Normal => return Vec::new(),
    };
    match key.code {
        KeyCode::Esc => {
            if search {
                apply_search(m, String::new());
            }
            return Vec::new();
        }
        KeyCode::Enter => {
            return if search {
                apply_search(m, buf);
                Vec::new()
            } else {
                run_command_line(m, &buf)
            };
        }
        KeyCode::Backspace => {
            buf.pop();
        }
        KeyCode::Char(c) => buf.push(c),
        _ => {}
    }
    if search {
        // The list narrows (the text jumps) as the user types.
        apply_search(m, buf.clone());
        m.input = Input::Search(buf);
    } else {
        m.input = Input::Command(buf);
    }
    Vec::new()
}

fn apply_search(m: &mut Model, text: String) {
    match &mut m.screen {
        Screen::List => {
            m.filters.search = text;
            m.selected = 0;
        }
        Screen::Details(d) => {
            if let Some(body) = details_text(d)
                && let Some(line) = find_match(&body, &text, usize::MAX, true)
            {
                d.scroll = line;
            }
            d.search = text;
        }
    }
}

fn run_command_line(m: &mut Model, line: &str) -> Vec<Command> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next()) {
        (Some("q" | "q!" | "quit"), None) => {
            m.quit = true;
            return vec![Command::Quit];
        }
        (Some("ns" | "namespace"), arg) => {
            m.filters.namespace = match arg {
                None | Some("all" | "-A") => None,
                Some(ns) => Some(ns.to_string()),
            };
        }
        (Some("status"), arg) => match StatusFilter::parse(arg.unwrap_or("all")) {
            Some(s) => m.filters.status = s,
            None => m.notify(
                Level::Error,
                "status: one of all, deployed, failed, pending, superseded, uninstalled",
            ),
        },
        (None, _) => {}
        (Some(other), _) => m.notify(Level::Error, format!("unknown command {other:?}")),
    }
    clamp_selection(m);
    Vec::new()
}

fn on_modal_key(m: &mut Model, key: KeyEvent) -> Vec<Command> {
    let Some(modal) = m.modal.take() else {
        return Vec::new();
    };
    let confirm = matches!(key.code, KeyCode::Char('y') | KeyCode::Enter);
    match modal {
        Modal::Help => {
            if key.code == KeyCode::Char('q') {
                m.quit = true;
                return vec![Command::Quit];
            }
            // Any other key closes the help.
            Vec::new()
        }
        Modal::Rollback(mut r) => match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Char('d') => {
                r.diff = Some(Loadable::Loading);
                let cmd = Command::RollbackDiff(r.key.clone(), r.target);
                m.modal = Some(Modal::Rollback(r));
                vec![cmd]
            }
            KeyCode::Char('j') | KeyCode::Down => {
                r.scroll += 1;
                m.modal = Some(Modal::Rollback(r));
                Vec::new()
            }
            KeyCode::Char('k') | KeyCode::Up => {
                r.scroll = r.scroll.saturating_sub(1);
                m.modal = Some(Modal::Rollback(r));
                Vec::new()
            }
            KeyCode::PageDown => {
                r.scroll += PAGE;
                m.modal = Some(Modal::Rollback(r));
                Vec::new()
            }
            KeyCode::PageUp => {
                r.scroll = r.scroll.saturating_sub(PAGE);
                m.modal = Some(Modal::Rollback(r));
                Vec::new()
            }
            _ if confirm => start(m, OpKind::Rollback, &r.key, |id, key| Command::Rollback {
                id,
                key,
                revision: r.target,
            }),
            _ => {
                m.modal = Some(Modal::Rollback(r));
                Vec::new()
            }
        },
        Modal::Uninstall(mut u) => match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Char('k') => {
                u.keep_history = !u.keep_history;
                m.modal = Some(Modal::Uninstall(u));
                Vec::new()
            }
            _ if confirm => {
                let keep_history = u.keep_history;
                start(m, OpKind::Uninstall, &u.key, |id, key| Command::Uninstall {
                    id,
                    key,
                    keep_history,
                })
            }
            _ => {
                m.modal = Some(Modal::Uninstall(u));
                Vec::new()
            }
        },
        Modal::Recover(mut r) => match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Char('b') => {
                r.rollback = !r.rollback;
                m.modal = Some(Modal::Recover(r));
                Vec::new()
            }
            _ if confirm => {
                let rollback = r.rollback;
                start(m, OpKind::Recover, &r.key, |id, key| Command::Recover {
                    id,
                    key,
                    rollback,
                })
            }
            _ => {
                m.modal = Some(Modal::Recover(r));
                Vec::new()
            }
        },
        Modal::Upgrade(u) => on_upgrade_key(m, *u, key),
    }
}

fn on_upgrade_key(m: &mut Model, mut u: UpgradeModal, key: KeyEvent) -> Vec<Command> {
    let confirm = matches!(key.code, KeyCode::Char('y') | KeyCode::Enter);
    let request = |u: &UpgradeModal| {
        let versions = u.versions.ready()?;
        Some(UpgradeRequest {
            key: u.key.clone(),
            chart: u.chart.clone(),
            version: versions.versions.get(u.selected)?.clone(),
            source: versions.reference.clone(),
            reuse_values: u.reuse_values,
            values: u.values.clone(),
        })
    };
    if let Some(diff) = &u.diff {
        // The diffs are shown: confirm, scroll, or go back to the form.
        match key.code {
            KeyCode::Esc => u.diff = None,
            KeyCode::Char('j') | KeyCode::Down => u.scroll += 1,
            KeyCode::Char('k') | KeyCode::Up => u.scroll = u.scroll.saturating_sub(1),
            KeyCode::PageDown => u.scroll += PAGE,
            KeyCode::PageUp => u.scroll = u.scroll.saturating_sub(PAGE),
            _ if confirm && matches!(diff, Loadable::Ready(_)) => {
                if let Some(req) = request(&u) {
                    return start(m, OpKind::Upgrade, &u.key, |id, _| Command::Upgrade {
                        id,
                        request: req,
                    });
                }
            }
            _ => {}
        }
        m.modal = Some(Modal::Upgrade(Box::new(u)));
        return Vec::new();
    }
    let n = u.versions.ready().map_or(0, |v| v.versions.len());
    let mut cmds = Vec::new();
    match key.code {
        KeyCode::Esc => return Vec::new(),
        KeyCode::Char('j') | KeyCode::Down => {
            u.selected = (u.selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Char('k') | KeyCode::Up => u.selected = u.selected.saturating_sub(1),
        KeyCode::Char('r') => u.reuse_values = !u.reuse_values,
        KeyCode::Char('e') => cmds.push(Command::Edit(u.values.clone())),
        _ if confirm => {
            if let Some(req) = request(&u) {
                u.diff = Some(Loadable::Loading);
                u.scroll = 0;
                cmds.push(Command::PlanUpgrade(req));
            }
        }
        _ => {}
    }
    m.modal = Some(Modal::Upgrade(Box::new(u)));
    cmds
}

/// Starts an operation on `key`, unless one is already running on it from
/// this UI (another process's is refused by the release's Lease).
fn start(
    m: &mut Model,
    kind: OpKind,
    key: &ReleaseKey,
    command: impl FnOnce(u64, ReleaseKey) -> Command,
) -> Vec<Command> {
    if let Some(running) = m.operation_on(key) {
        let text = format!(
            "{} of {key} refused: a {} is already running on it",
            kind.as_str(),
            running.kind.as_str()
        );
        m.notify(Level::Error, text);
        return Vec::new();
    }
    let id = m.next_op;
    m.next_op += 1;
    m.operations.push(Operation {
        id,
        key: key.clone(),
        kind,
        phase: "starting".into(),
        pending: Vec::new(),
        hook_output: Vec::new(),
    });
    vec![command(id, key.clone())]
}
