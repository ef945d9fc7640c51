//! The mouse: clicks and the wheel through `update`. Where a click lands
//! is read from the frame `view` draws (the cell showing a release's name,
//! a tab's title, a revision), so the hit test is checked against what the
//! user sees, also when the list has scrolled.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::fixtures::*;
use crate::release::Status;
use crate::tui::model::{Input, Modal, Model, Screen, Tab};
use crate::tui::msg::{Command, Msg};
use crate::tui::update::update;
use crate::tui::view::view;

const W: u16 = 80;
const H: u16 = 24;

fn frame(m: &Model) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(W, H)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t.backend().buffer().clone()
}

/// The cell where `text` starts on the frame (first match, top to
/// bottom), as (column, row).
fn find(b: &Buffer, text: &str) -> (u16, u16) {
    for y in 0..b.area.height {
        let mut line = String::new();
        let mut xs = Vec::new();
        for x in 0..b.area.width {
            let s = b[(x, y)].symbol();
            for _ in 0..s.len() {
                xs.push(x);
            }
            line.push_str(s);
        }
        if let Some(i) = line.find(text) {
            return (xs[i], y);
        }
    }
    panic!("{text:?} not on the frame");
}

fn mouse(kind: MouseEventKind, (column, row): (u16, u16), at: Instant) -> Msg {
    Msg::Mouse {
        event: MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        },
        size: Rect::new(0, 0, W, H),
        at,
    }
}

fn click(m: &mut Model, at_cell: (u16, u16), at: Instant) -> Vec<Command> {
    update(
        m,
        mouse(MouseEventKind::Down(MouseButton::Left), at_cell, at),
    )
}

fn wheel(m: &mut Model, down: bool) -> Vec<Command> {
    let kind = if down {
        MouseEventKind::ScrollDown
    } else {
        MouseEventKind::ScrollUp
    };
    update(m, mouse(kind, (10, 10), Instant::now()))
}

fn selected(m: &Model) -> String {
    m.selected_row().unwrap().key.name.clone()
}

#[test]
fn a_click_selects_the_row_shown_there_and_a_double_click_opens_it() {
    let mut m = model();
    let t0 = Instant::now();
    let cell = find(&frame(&m), "queue");
    assert!(click(&mut m, cell, t0).is_empty());
    assert_eq!(selected(&m), "queue");
    assert_eq!(m.screen, Screen::List);
    // A click on another row, then on queue again: not a double click
    // (the first click of the pair was elsewhere).
    let db = find(&frame(&m), "db ");
    click(&mut m, db, t0 + Duration::from_millis(100));
    assert_eq!(selected(&m), "db");
    click(&mut m, cell, t0 + Duration::from_millis(200));
    assert_eq!(selected(&m), "queue");
    assert_eq!(m.screen, Screen::List);
    // Too slow for a double click.
    click(&mut m, cell, t0 + Duration::from_millis(700));
    assert_eq!(m.screen, Screen::List);
    // Now quick enough: opens the details, as Enter.
    let cmds = click(&mut m, cell, t0 + Duration::from_millis(900));
    assert_eq!(details(&m).key.name, "queue");
    assert!(
        matches!(&cmds[..], [Command::LoadDetails(k), Command::LoadResources(_)] if k.name == "queue")
    );
}

#[test]
fn clicks_outside_the_rows_select_nothing() {
    let mut m = model();
    update(&mut m, key('j'));
    let before = m.selected;
    let t = Instant::now();
    // The header line, the table's column titles, the border, the empty
    // space under the last row, the footer.
    let b = frame(&m);
    for cell in [(5, 0), find(&b, "NAMESPA"), (0, 5), (10, 15), (10, H - 1)] {
        click(&mut m, cell, t);
        assert_eq!(m.selected, before, "{cell:?}");
    }
}

#[test]
fn a_click_in_a_scrolled_list_selects_the_row_shown_there() {
    let mut m = Model::new("kind-dev", None, false, false);
    let rows: Vec<_> = (0..40)
        .map(|i| {
            row(
                "ns",
                &format!("rel-{i:02}"),
                1,
                Status::Deployed,
                ("c", "1.0.0"),
                "1",
                ("2026-11-30 10:04", 1),
            )
        })
        .collect();
    update(&mut m, Msg::Releases(rows));
    update(&mut m, code(KeyCode::End));
    assert_eq!(selected(&m), "rel-39");
    let b = frame(&m);
    // The list has scrolled: rel-00 is off screen; rel-30 is on it.
    let cell = find(&b, "rel-30");
    click(&mut m, cell, Instant::now());
    assert_eq!(selected(&m), "rel-30");
    // Selecting a row on screen does not move the list under the
    // pointer: rel-30 is drawn where it was clicked.
    assert_eq!(find(&frame(&m), "rel-30"), cell);
    let cell = find(&frame(&m), "rel-25");
    click(&mut m, cell, Instant::now());
    assert_eq!(selected(&m), "rel-25");
    assert_eq!(find(&frame(&m), "rel-25"), cell);
    // The keyboard still scrolls the list when the selection leaves it.
    update(&mut m, code(KeyCode::Home));
    let top = find(&frame(&m), "rel-00");
    click(&mut m, top, Instant::now());
    assert_eq!(selected(&m), "rel-00");
}

#[test]
fn the_wheel_moves_the_list_selection() {
    let mut m = model();
    wheel(&mut m, true);
    assert_eq!(m.selected, 3);
    wheel(&mut m, true);
    assert_eq!(m.selected, 4, "clamped at the last row");
    wheel(&mut m, false);
    assert_eq!(m.selected, 1);
}

#[test]
fn a_click_on_a_tab_title_switches_to_it() {
    let mut m = details_model();
    for (title, tab) in [
        ("2 Manifest", Tab::Manifest),
        ("6 Resources", Tab::Resources),
        ("4 History", Tab::History),
        ("1 Info", Tab::Info),
    ] {
        let (x, y) = find(&frame(&m), title);
        // Anywhere on the title: its first and its last cell.
        let last = x + title.len() as u16 - 1;
        let cmds = click(&mut m, (last, y), Instant::now());
        assert_eq!(details(&m).tab, tab, "{title}");
        click(&mut m, (x, y), Instant::now() + Duration::from_secs(1));
        assert_eq!(details(&m).tab, tab, "{title}");
        // The Resources tab subscribes to its objects, whatever opened it.
        if tab == Tab::Resources {
            assert!(cmds.contains(&Command::WatchResources(web())), "{cmds:?}");
        }
    }
}

#[test]
fn the_wheel_scrolls_text_and_moves_through_history() {
    let mut m = details_model();
    update(&mut m, key('2'));
    wheel(&mut m, true);
    wheel(&mut m, true);
    assert_eq!(details(&m).scroll, 6);
    wheel(&mut m, false);
    assert_eq!(details(&m).scroll, 3);
    update(&mut m, key('4'));
    assert_eq!(details(&m).history_selected, 2);
    wheel(&mut m, false);
    assert_eq!(details(&m).history_selected, 1, "one revision a notch");
}

#[test]
fn a_click_on_a_revision_selects_it() {
    let mut m = details_model();
    update(&mut m, key('4'));
    let cell = find(&frame(&m), "nginx-1.2.1");
    click(&mut m, cell, Instant::now());
    assert_eq!(details(&m).history_selected, 0);
    // The rollback dialog then targets it.
    update(&mut m, key('r'));
    match &m.modal {
        Some(Modal::Rollback(r)) => assert_eq!((r.current, r.target), (3, 1)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn modals_and_typing_keep_the_mouse_out() {
    let mut m = model();
    let cell = find(&frame(&m), "queue");
    // A dialog covers the list: a click selects nothing under it.
    update(&mut m, ctrl('d'));
    click(&mut m, cell, Instant::now());
    assert_eq!(selected(&m), "api");
    assert!(matches!(m.modal, Some(Modal::Uninstall(_))));
    // The wheel never toggles the dialog's options (it sends arrows, not
    // `k`).
    wheel(&mut m, false);
    match &m.modal {
        Some(Modal::Uninstall(u)) => assert!(!u.keep_history),
        other => panic!("{other:?}"),
    }
    update(&mut m, code(KeyCode::Esc));
    // The help stays open under the wheel (any key would close it).
    update(&mut m, key('?'));
    wheel(&mut m, true);
    assert_eq!(m.modal, Some(Modal::Help));
    update(&mut m, code(KeyCode::Esc));
    // While typing a search, a click neither selects nor ends the typing.
    update(&mut m, key('/'));
    click(&mut m, cell, Instant::now());
    assert_eq!(m.input, Input::Search(String::new()));
    assert_eq!(selected(&m), "api");
}

#[test]
fn the_wheel_scrolls_the_rollback_diff() {
    let mut m = details_model();
    update(&mut m, key('4'));
    update(&mut m, key('k'));
    update(&mut m, key('r'));
    wheel(&mut m, true);
    match &m.modal {
        Some(Modal::Rollback(r)) => assert_eq!(r.scroll, 3),
        other => panic!("{other:?}"),
    }
}
