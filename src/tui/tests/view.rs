//! Frames drawn by `view` on ratatui's `TestBackend`, as insta snapshots
//! (`src/tui/snapshots/`): the text of the frame, and for the coloured
//! frames the styled runs of cells as well.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::fixtures::*;
use crate::cluster::{Event, Pending};
use crate::tui::model::{Level, Loadable, Model, UpgradeDiff, Versions};
use crate::tui::msg::Msg;
use crate::tui::update::update;
use crate::tui::view::view;

fn frame(m: &Model, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t.backend().buffer().clone()
}

/// The frame's text, one line per row, trailing blanks cut.
fn text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut line = String::new();
        for x in 0..b.area.width {
            line.push_str(b[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Runs of cells with a colour or modifier: `y x1-x2 fg bg mods "text"`.
fn styles(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut x = 0;
        while x < b.area.width {
            let c = &b[(x, y)];
            let key = (c.fg, c.bg, c.modifier);
            if key == (Color::Reset, Color::Reset, Modifier::empty()) {
                x += 1;
                continue;
            }
            let start = x;
            let mut s = String::new();
            while x < b.area.width && {
                let d = &b[(x, y)];
                (d.fg, d.bg, d.modifier) == key
            } {
                s.push_str(b[(x, y)].symbol());
                x += 1;
            }
            out.push_str(&format!(
                "{y:>2} {start:>3}-{:<3} fg={:?} bg={:?} {:?} {:?}\n",
                x - 1,
                key.0,
                key.1,
                key.2,
                s.trim_end()
            ));
        }
    }
    out
}

fn snap(name: &str, value: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, value));
}

fn no_colour_anywhere(b: &Buffer) {
    for c in b.content() {
        assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
    }
}

#[test]
fn list_80x24_without_colour() {
    let m = model();
    let b = frame(&m, 80, 24);
    no_colour_anywhere(&b);
    let t = text(&b);
    // The plain labels carry the status; the upgrade mark is there.
    assert!(t.contains("⚠ pending-upgrade"), "{t}");
    assert!(t.contains("↑ 1.3.0"), "{t}");
    assert!(t.contains("5/5"), "{t}");
    snap("list_80x24_plain", t);
    snap("list_80x24_plain_styles", styles(&b));
}

#[test]
fn list_wide_with_colour() {
    let mut m = model();
    m.color = true;
    let b = frame(&m, 120, 14);
    let t = text(&b);
    assert!(
        t.contains("APP VERSION"),
        "wide frames show the app version"
    );
    assert!(t.contains("● deployed"), "{t}");
    // web's status cell is green, api's red, db's (stuck: ⚠) yellow.
    let find = |needle: &str| {
        let lines: Vec<&str> = t.lines().collect();
        let y = lines.iter().position(|l| l.contains(needle)).unwrap();
        let x = lines[y].chars().take_while(|_| true).collect::<String>();
        let col = x.find(['●', '⚠']).map(|i| x[..i].chars().count()).unwrap();
        b[(col as u16, y as u16)].fg
    };
    assert_eq!(find("web"), Color::Green);
    assert_eq!(find("api"), Color::Red);
    assert_eq!(find("db "), Color::Yellow);
    snap("list_120x14_color", t);
    snap("list_120x14_color_styles", styles(&b));
}

#[test]
fn list_selected_stuck_release_shows_its_notice() {
    let mut m = model();
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    let t = text(&frame(&m, 80, 24));
    assert!(
        t.contains("⚠ R recovers db: stuck in pending-upgrade (pending for 2h0m0s with no"),
        "{t}"
    );
    snap("list_stuck_notice", t);
}

#[test]
fn list_filtered_and_typing_a_search() {
    let mut m = model();
    update(&mut m, key(':'));
    type_keys(&mut m, "ns team-b");
    update(&mut m, code(KeyCode::Enter));
    update(&mut m, key('s'));
    update(&mut m, key('s'));
    update(&mut m, key('s'));
    update(&mut m, key('/'));
    type_keys(&mut m, "po");
    let t = text(&frame(&m, 80, 24));
    assert!(t.contains("ns: team-b"), "{t}");
    assert!(t.contains("1/5 releases"), "{t}");
    assert!(t.contains("status: pending"), "{t}");
    assert!(t.contains("/po▏"), "the prompt: {t}");
    snap("list_filtered", t);
    update(&mut m, code(KeyCode::Enter));
    update(&mut m, key('/'));
    type_keys(&mut m, "zz");
    update(&mut m, code(KeyCode::Enter));
    snap("list_nothing_matches", text(&frame(&m, 80, 24)));
}

#[test]
fn list_loading_and_read_only() {
    let m = Model::new("kind-dev", Some("team-a".into()), true, false);
    let t = text(&frame(&m, 80, 24));
    assert!(t.contains("Loading releases…"), "{t}");
    assert!(t.contains("READ-ONLY"), "{t}");
    assert!(!t.contains("upgrade"), "no mutating hint: {t}");
    snap("list_loading_read_only", t);
}

/// Clearing the filters still shows the namespace the UI watches, and
/// READ-ONLY survives a long context at 80 columns.
#[test]
fn header_after_clearing_filters_and_with_a_long_context() {
    let ctx = "https://api.a-rather-long-cluster-name.example.internal:6443";
    let mut m = Model::new(ctx, Some("team-a".into()), true, false);
    update(&mut m, key('c'));
    let t = text(&frame(&m, 80, 24));
    let header = t.lines().next().unwrap_or_default();
    assert!(header.contains("READ-ONLY"), "{header}");
    let mut wide = Model::new("kind-dev", Some("team-a".into()), false, false);
    update(&mut wide, key('c'));
    let t = text(&frame(&wide, 120, 24));
    assert!(t.contains("ns: team-a"), "{t}");
}

#[test]
fn details_each_tab() {
    let mut m = details_model();
    for (k, name) in [
        ('1', "details_info"),
        ('2', "details_manifest"),
        ('3', "details_values_user"),
        ('4', "details_history"),
        ('5', "details_hooks"),
        ('6', "details_resources"),
    ] {
        update(&mut m, key(k));
        snap(name, text(&frame(&m, 80, 24)));
    }
    update(&mut m, key('3'));
    update(&mut m, key('a'));
    let t = text(&frame(&m, 80, 24));
    assert!(t.contains("computed values"), "{t}");
    assert!(t.contains("port: 80"), "{t}");
    snap("details_values_computed", t);
}

#[test]
fn details_search_highlights_matches() {
    let mut m = details_model();
    m.color = true;
    update(&mut m, key('2'));
    update(&mut m, key('/'));
    type_keys(&mut m, "replicas");
    update(&mut m, code(KeyCode::Enter));
    update(&mut m, key('n'));
    let b = frame(&m, 80, 24);
    snap("details_manifest_search", text(&b));
    snap("details_manifest_search_styles", styles(&b));
}

#[test]
fn details_loading_and_error() {
    let mut m = model();
    update(&mut m, key('G'));
    update(&mut m, code(KeyCode::Enter));
    update(
        &mut m,
        Msg::History(web(), Err("release: not found".into())),
    );
    snap("details_loading", text(&frame(&m, 80, 24)));
    update(&mut m, key('4'));
    snap("details_history_error", text(&frame(&m, 80, 24)));
}

#[test]
fn help_overlay_and_read_only_help() {
    let mut m = model();
    update(&mut m, key('?'));
    let t = text(&frame(&m, 80, 24));
    assert!(t.contains("Ctrl-D"), "{t}");
    snap("help", t);
    m.read_only = true;
    let t = text(&frame(&m, 80, 24));
    assert!(!t.contains("Ctrl-D") && !t.contains("Dialogs"), "{t}");
    snap("help_read_only", t);
}

#[test]
fn rollback_modal_and_its_diff() {
    let mut m = details_model();
    m.color = true;
    update(&mut m, key('4'));
    update(&mut m, key('k'));
    update(&mut m, key('k'));
    update(&mut m, key('r'));
    snap("modal_rollback", text(&frame(&m, 80, 24)));
    update(&mut m, key('d'));
    update(
        &mut m,
        Msg::RollbackDiff(
            web(),
            1,
            Ok("team-a, web, Deployment (apps) has changed:\n@@ -5,3 +5,3 @@\n  spec:\n- replicas: 2\n+ replicas: 1\n".into()),
        ),
    );
    let b = frame(&m, 80, 24);
    snap("modal_rollback_diff", text(&b));
    snap("modal_rollback_diff_styles", styles(&b));
}

#[test]
fn uninstall_modal() {
    let mut m = model();
    update(&mut m, key('G'));
    update(&mut m, ctrl('d'));
    snap("modal_uninstall", text(&frame(&m, 80, 24)));
    update(&mut m, key('k'));
    let t = text(&frame(&m, 80, 24));
    assert!(t.contains("keep history: on"), "{t}");
    snap("modal_uninstall_keep_history", t);
}

#[test]
fn upgrade_modal_form_and_diffs() {
    let mut m = model();
    update(&mut m, key('G'));
    update(&mut m, key('u'));
    snap("modal_upgrade_loading", text(&frame(&m, 80, 24)));
    update(
        &mut m,
        Msg::Versions(
            web(),
            Ok(Versions {
                source: "bitnami".into(),
                reference: "bitnami/nginx".into(),
                versions: vec!["1.3.0".into(), "1.2.3".into(), "1.2.2".into()],
            }),
        ),
    );
    update(&mut m, Msg::Edited(Ok("replicaCount: 3\n".into())));
    snap("modal_upgrade_form", text(&frame(&m, 80, 24)));
    update(&mut m, code(KeyCode::Enter));
    update(
        &mut m,
        Msg::UpgradeDiff(
            web(),
            Ok(UpgradeDiff {
                values: "- replicaCount: 2\n+ replicaCount: 3\n".into(),
                manifest: "Release \"web\" in namespace \"team-a\": revision 3 -> chart 1.3.0\n"
                    .into(),
            }),
        ),
    );
    snap("modal_upgrade_diffs", text(&frame(&m, 80, 24)));
    let mut failed = model();
    update(&mut failed, key('G'));
    update(&mut failed, key('u'));
    update(
        &mut failed,
        Msg::Versions(
            web(),
            Err("no configured repository or OCI source has chart \"nginx\"".into()),
        ),
    );
    snap("modal_upgrade_no_source", text(&frame(&failed, 80, 24)));
}

#[test]
fn recover_modal() {
    let mut m = model();
    update(&mut m, key('j'));
    update(&mut m, key('j'));
    update(&mut m, key('R'));
    snap("modal_recover", text(&frame(&m, 80, 24)));
}

#[test]
fn progress_and_notifications() {
    let mut m = model();
    m.color = true;
    update(&mut m, key('G'));
    update(&mut m, key('u'));
    update(
        &mut m,
        Msg::Versions(
            web(),
            Ok(Versions {
                source: "bitnami".into(),
                reference: "bitnami/nginx".into(),
                versions: vec!["1.3.0".into()],
            }),
        ),
    );
    update(&mut m, code(KeyCode::Enter));
    update(
        &mut m,
        Msg::UpgradeDiff(
            web(),
            Ok(UpgradeDiff {
                values: String::new(),
                manifest: String::new(),
            }),
        ),
    );
    update(&mut m, key('y'));
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::Phase {
                release: "web".into(),
                namespace: "team-a".into(),
                revision: 4,
                status: crate::release::Status::PendingUpgrade,
            },
        ),
    );
    let p = |r: &str, m: &str| Pending {
        resource: r.into(),
        status: "InProgress".into(),
        message: m.into(),
    };
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::Waiting {
                goal: "ready".into(),
                pending: vec![
                    p("Deployment/team-a/web", "Available: 1/2"),
                    p("StatefulSet/team-a/web-db", "Ready: 0/1"),
                    p("Job/team-a/web-migrate", "Job in progress"),
                ],
            },
        ),
    );
    update(
        &mut m,
        Msg::Progress(
            1,
            Event::HookOutput {
                bytes: b"applying migration 42\n".to_vec(),
            },
        ),
    );
    let b = frame(&m, 80, 24);
    snap("progress", text(&b));
    update(
        &mut m,
        Msg::Done(1, Ok("release \"web\" upgraded to nginx 1.3.0".into())),
    );
    let b = frame(&m, 80, 24);
    let t = text(&b);
    assert!(
        t.contains("✔ release \"web\" upgraded to nginx 1.3.0"),
        "{t}"
    );
    snap("notification_success", t);
    snap("notification_success_styles", styles(&b));
    m.notify(Level::Error, "rollback of team-a/web failed: another operation (upgrade) is in progress on release \"web\"");
    snap("notification_error", text(&frame(&m, 80, 24)));
}

#[test]
fn resizes_from_80x24_to_small_and_large() {
    let mut m = details_model();
    update(&mut m, key('4'));
    for (w, h) in [(80, 24), (60, 16), (140, 40)] {
        let t = text(&frame(&m, w, h));
        assert_eq!(t.lines().count(), usize::from(h));
        assert!(t.contains("History"), "{w}x{h}: {t}");
    }
    snap("details_history_60x16", text(&frame(&m, 60, 16)));
}

#[test]
fn loadable_failure_in_resources_is_shown() {
    let mut m = details_model();
    if let crate::tui::model::Screen::Details(d) = &mut m.screen {
        d.resources = Loadable::Failed("unable to build kubernetes objects".into());
    }
    update(&mut m, key('6'));
    let t = text(&frame(&m, 80, 24));
    assert!(
        t.contains("Error: unable to build kubernetes objects"),
        "{t}"
    );
}
