//! The mouse in a real terminal: `rudder ui` turns mouse reporting on
//! (tmux's pane flags show it), a click selects a row, a double click
//! opens it, a click on a tab title switches tab, quitting turns mouse
//! reporting off again; `--no-mouse` leaves
//! mouse reporting off. The clicks are typed into the pane as the bytes a
//! terminal sends for them (SGR mouse mode).

use super::driver::{EXITED, Start, Ui};
use super::{T, web};
use crate::harness::TestNs;

/// (column, row) of the first cell showing `text` on `screen`.
fn cell_of(screen: &str, text: &str) -> (u16, u16) {
    for (y, line) in screen.lines().enumerate() {
        if let Some(i) = line.find(text) {
            let x = line[..i].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("{text:?} not on screen:\n{screen}");
}

/// Whether `name`'s row is drawn in reverse video (the selection).
fn is_selected(ui: &Ui, name: &str) -> bool {
    let plain = ui.screen();
    let Some(y) = plain.lines().position(|l| Ui::row_of(l, name).is_some()) else {
        return false;
    };
    let styled = ui.screen_styled();
    let line = styled.lines().nth(y).unwrap_or_default();
    line.contains("\x1b[7m") || line.contains(";7m") || line.contains("[7;")
}

#[test]
fn clicks_select_open_and_switch_tabs() {
    let ns = TestNs::new("ui-mouse");
    let web = web();
    ns.helm4(["install", "m1", &web]).ok();
    ns.helm4(["install", "m2", &web]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    let off = Ui::start(&Start {
        ns: &ns,
        args: &["--no-mouse"],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    let s = ui.wait_until("both rows", T, |s| {
        Ui::row_of(s, "m1").is_some() && Ui::row_of(s, "m2").is_some()
    });
    // Mouse reporting on, in SGR form, for clicks and the wheel.
    assert_eq!(ui.pane_var("mouse_sgr_flag"), "1");
    assert_eq!(ui.pane_var("mouse_any_flag"), "1");
    assert!(is_selected(&ui, "m1"), "the first row starts selected");

    let (x, y) = cell_of(&s, "m2");
    ui.click(x, y);
    ui.wait_until("m2 selected by the click", T, |_| is_selected(&ui, "m2"));
    assert!(!is_selected(&ui, "m1"));
    // A double click opens the details (of m1: the click just before
    // was on another row, so this is a fresh pair).
    let (x1, y1) = cell_of(&s, "m1");
    ui.double_click(x1, y1);
    let s = ui.wait_for("1 Info", T);
    assert!(s.contains("m1 ("), "{s}");
    ui.wait_for("REVISION:", T);
    let (x, y) = cell_of(&s, "4 History");
    ui.click(x + 2, y);
    ui.wait_for("Install complete", T);
    // Quitting hands the mouse back to the terminal.
    ui.keys(&["q"]);
    ui.wait_for(EXITED, T);
    assert_eq!(ui.pane_var("mouse_any_flag"), "0");
    assert_eq!(ui.pane_var("mouse_sgr_flag"), "0");

    // --no-mouse: the terminal keeps the mouse (its own selection).
    off.wait_until("m1 listed without mouse", T, |s| {
        Ui::row_of(s, "m1").is_some()
    });
    assert_eq!(off.pane_var("mouse_any_flag"), "0");
    assert_eq!(off.pane_var("mouse_button_flag"), "0");
    assert_eq!(off.pane_var("mouse_sgr_flag"), "0");
}
