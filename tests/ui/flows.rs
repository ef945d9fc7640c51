//! The release flows of `rudder ui` in tmux: the live list, filters and
//! search, every details tab, rollback, uninstall with keep-history, an
//! upgrade through the modal with `$EDITOR`, failing upgrades, read-only
//! mode, resizing and quitting.

use std::time::Duration;

use super::driver::{EXITED, Start, Ui};
use super::{OP, T, history, make_schedulable, statuses, web};
use crate::harness::servers::chart_repo;
use crate::harness::{Home, TestNs, Tool, chart};

/// The status column of `name`'s row, or "" while it is not listed.
fn row(screen: &str, name: &str) -> String {
    Ui::row_of(screen, name).unwrap_or_default()
}

/// Whether `name`'s row shows revision `rev` and `status` (as a word,
/// so `deployed` does not match `pending-...`).
fn shows(screen: &str, name: &str, rev: &str, status: &str) -> bool {
    let r = row(screen, name);
    let words: Vec<&str> = r.trim_matches(['│', ' ']).split_whitespace().collect();
    words.get(2) == Some(&rev) && words.contains(&status)
}

fn wait_row(ui: &Ui, name: &str, rev: &str, status: &str, timeout: Duration) -> String {
    ui.wait_until(
        &format!("{name} at revision {rev} {status}"),
        timeout,
        |s| shows(s, name, rev, status),
    )
}

/// Releases made by helm appear; a helm upgrade in another process shows
/// pending, then deployed, without a key press; filters and search;
/// details with every tab; rollback to revision 1; uninstall keeping the
/// history; quitting restores the terminal.
#[test]
fn list_live_updates_details_rollback_and_uninstall() {
    let ns = TestNs::new("ui-flow");
    let web = web();
    ns.helm4(["install", "alpha", &web, "--set", "message=one"])
        .ok();
    ns.helm4(["upgrade", "alpha", &web, "--set", "message=two"])
        .ok();
    ns.helm4(["install", "bravo", &web]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    let s = wait_row(&ui, "alpha", "2", "deployed", T);
    assert!(s.contains("2/2 releases"), "{s}");
    wait_row(&ui, "bravo", "1", "deployed", T);

    // A helm upgrade in another process: pending while helm waits for
    // the pods, deployed once they can run; no key is pressed meanwhile.
    let mut helm = Tool::Helm4.spawn_with_env(
        [
            "upgrade",
            "bravo",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "120s",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    wait_row(&ui, "bravo", "2", "pending-upgrade", T);
    make_schedulable(&ns, "bravo");
    // How long the pods take to become ready is the cluster's business
    // (helm's own --timeout bounds it); the UI is held to showing helm's
    // final write within T of it, still without a key press.
    assert!(helm.wait().expect("helm").success());
    assert_eq!(statuses(&ns, "bravo"), ["superseded", "deployed"]);
    wait_row(&ui, "bravo", "2", "deployed", T);

    // The help overlay lists the mutating keys too (not read-only).
    ui.keys(&["?"]);
    let s = ui.wait_for("Keys (any key closes)", T);
    for shown in ["uninstall", "upgrade", "recover", "roll back"] {
        assert!(s.contains(shown), "{shown} missing from the help:\n{s}");
    }
    ui.keys(&["Escape"]);
    ui.wait_until("the help closed", T, |s| {
        !s.contains("Keys (any key closes)")
    });

    // Search narrows as one types; Esc clears it.
    ui.keys(&["/"]);
    ui.type_text("alp");
    let s = ui.wait_for("1/2 releases", T);
    assert!(row(&s, "bravo").is_empty(), "{s}");
    assert!(!row(&s, "alpha").is_empty(), "{s}");
    ui.keys(&["Enter", "Escape"]);
    ui.wait_for("2/2 releases", T);
    // Namespace and status filters, then `c` clears them.
    ui.keys(&[":"]);
    ui.type_text("ns elsewhere");
    ui.keys(&["Enter"]);
    ui.wait_for("0/2 releases", T);
    ui.keys(&["c"]);
    ui.wait_for("2/2 releases", T);
    ui.keys(&[":"]);
    ui.type_text("status failed");
    ui.keys(&["Enter"]);
    ui.wait_for("0/2 releases", T);
    ui.keys(&["c", ":"]);
    ui.type_text("status deployed");
    ui.keys(&["Enter"]);
    ui.wait_for("2/2 releases", T);
    ui.keys(&["c"]);

    // Details of alpha (first by name), each tab.
    ui.keys(&["g", "Enter"]);
    let s = ui.wait_for("1 Info", T);
    assert!(s.contains("alpha ("), "{s}");
    let s = ui.wait_until("Info loaded", T, |s| s.contains("REVISION:"));
    let rev = s
        .lines()
        .find(|l| l.contains("REVISION:"))
        .and_then(|l| l.trim_matches(['│', ' ']).split_whitespace().last())
        .unwrap_or_default()
        .to_string();
    assert_eq!(rev, "2", "{s}");
    assert!(s.contains("Upgrade complete"), "{s}");
    ui.keys(&["2"]);
    let s = ui.wait_for("kind: ConfigMap", T);
    assert!(!s.contains("kind: Deployment"), "{s}");
    // Search in the text jumps to the match, below the first screen.
    ui.keys(&["/"]);
    ui.type_text("kind: Deployment");
    ui.keys(&["Enter"]);
    ui.wait_for("kind: Deployment", T);
    ui.keys(&["Escape", "3"]);
    let s = ui.wait_for("message: two", T);
    assert!(!s.contains("replicaCount"), "user values only: {s}");
    ui.keys(&["a"]);
    ui.wait_for("replicaCount: 1", T);
    ui.keys(&["4"]);
    let s = ui.wait_for("Install complete", T);
    assert!(s.contains("Upgrade complete"), "{s}");
    ui.keys(&["5"]);
    ui.wait_for("(no hooks)", T);
    ui.keys(&["6"]);
    ui.wait_until("the Deployment in Resources", T, |s| {
        s.contains("Deployment/alpha") && s.contains("Service/alpha")
    });

    // Rollback to revision 1 from History, with its diff.
    ui.keys(&["4", "k", "r"]);
    let s = ui.wait_for("Roll back alpha to revision 1", T);
    assert!(s.contains("revision 2"), "current revision named: {s}");
    ui.keys(&["d"]);
    ui.wait_until("the rollback diff", T, |s| {
        s.contains("message: two") && s.contains("message: one")
    });
    ui.keys(&["y"]);
    ui.wait_for("✔ rolled back alpha to revision 1", OP);
    let h = history(&ns, "alpha");
    assert_eq!(
        h.iter()
            .map(|(r, s, _)| (*r, s.as_str()))
            .collect::<Vec<_>>(),
        [(1, "superseded"), (2, "superseded"), (3, "deployed")]
    );
    assert_eq!(h[2].2, "Rollback to 1");
    let values = ns.helm4(["get", "values", "alpha", "-o", "json"]).ok();
    assert_eq!(values.stdout.trim(), r#"{"message":"one"}"#);
    ui.wait_until("the details at revision 3", T, |s| {
        s.contains("alpha (") && s.contains("rev 3")
    });

    // Uninstall keeping the history, from the list.
    ui.keys(&["Escape", "g", "C-d"]);
    let s = ui.wait_for("Uninstall alpha", T);
    assert!(s.contains("All resources of release alpha"), "{s}");
    ui.keys(&["k"]);
    ui.wait_for("keep history: on", T);
    ui.keys(&["y"]);
    ui.wait_for("✔ release \"alpha\" uninstalled", T);
    wait_row(&ui, "alpha", "3", "uninstalled", T);
    assert_eq!(
        statuses(&ns, "alpha"),
        ["superseded", "superseded", "uninstalled"]
    );
    let status = ns.helm4(["status", "alpha"]).ok();
    assert!(
        status.stdout.contains("STATUS: uninstalled"),
        "{}",
        status.stdout
    );

    quit_restores_the_terminal(&ui);
}

/// `q` ends the UI with status 0, off the alternate screen, the terminal
/// back in cooked mode with echo.
fn quit_restores_the_terminal(ui: &Ui) {
    ui.keys(&["q"]);
    // `stty -a` runs after the exit line: wait for its output too.
    let s = ui.wait_until("the exit line and stty's modes", T, |s| {
        s.contains(EXITED) && s.contains("icanon")
    });
    assert!(s.contains(&format!("{EXITED} 0")), "{s}");
    let words: Vec<&str> = s.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig"] {
        assert!(
            words.contains(&mode) && !words.contains(&format!("-{mode}").as_str()),
            "{mode} not restored:\n{s}"
        );
    }
    assert_eq!(ui.pane_var("alternate_on"), "0");
}

/// An upgrade through the modal with a value changed in `$EDITOR`
/// (reuse-values on), an upgrade the API server rejects (error
/// notification, release failed), and a helm upgrade failing in another
/// process; on a larger terminal, with the chart from a real repository.
#[test]
fn upgrade_through_the_modal_and_failing_upgrades() {
    let ns = TestNs::new("ui-upgrade");
    let home = Home::new();
    let repo = chart_repo();
    let dir = repo.publish("ui-web", &[&chart("web")], |d| repo.url_plain(d));
    home.run(
        Tool::Helm4,
        ["repo", "add", "uiweb", &repo.url_plain(&dir.name)],
    )
    .ok();
    home.run_in(
        &ns,
        Tool::Helm4,
        ["install", "w", "uiweb/web", "--set", "message=first"],
    )
    .ok();
    // The editor writes whatever the test put in `next`.
    let next = home.dir.join("next-values.yaml");
    let editor = home.dir.join("editor.sh");
    std::fs::write(
        &editor,
        format!("#!/bin/sh\ncat '{}' > \"$1\"\n", next.display()),
    )
    .expect("write editor");
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod editor");
    let editor = editor.to_string_lossy().into_owned();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 120,
        height: 40,
        home: Some(&home),
        env: &[("EDITOR", &editor), ("VISUAL", &editor)],
    });
    wait_row(&ui, "w", "1", "deployed", T);

    std::fs::write(&next, "message: from-ui\n").expect("values");
    ui.keys(&["u"]);
    let s = ui.wait_for("Upgrade w", T);
    ui.wait_for("0.1.0 (installed)", T);
    assert!(s.contains("reuse values: on"), "{s}");
    ui.keys(&["e"]);
    ui.wait_for("custom values: 1 line(s)", T);
    ui.keys(&["Enter"]);
    let s = ui.wait_for("Values diff", T);
    ui.wait_until("the values diff", T, |s| {
        s.contains("message: first") && s.contains("message: from-ui")
    });
    assert!(s.contains("Manifest diff") || s.contains("Manifest"), "{s}");
    ui.keys(&["Enter"]);
    ui.wait_for("✔ release \"w\" upgraded to", OP);
    wait_row(&ui, "w", "2", "deployed", T);
    assert_eq!(statuses(&ns, "w"), ["superseded", "deployed"]);
    let values = ns.helm4(["get", "values", "w", "-o", "json"]).ok();
    assert_eq!(values.stdout.trim(), r#"{"message":"from-ui"}"#);

    // A value the API server rejects: the upgrade fails, an error
    // notification says so, the release is failed.
    std::fs::write(&next, "replicaCount: -1\n").expect("values");
    ui.keys(&["u"]);
    ui.wait_for("0.1.0 (installed)", T);
    ui.keys(&["e"]);
    ui.wait_for("custom values: 1 line(s)", T);
    ui.keys(&["Enter"]);
    ui.wait_for("replicaCount: -1", T);
    ui.keys(&["Enter"]);
    // The notification gives the API server's reason, as the failed
    // revision's description (read back with helm) does.
    let s = ui.wait_for("✖ upgrade of", T);
    assert!(
        s.contains("/w failed") && s.contains("spec.replicas: Invalid value: -1"),
        "{s}"
    );
    wait_row(&ui, "w", "3", "failed", T);
    let h = history(&ns, "w");
    assert_eq!(
        h.iter().map(|(_, s, _)| s.as_str()).collect::<Vec<_>>(),
        ["superseded", "deployed", "failed"]
    );
    assert!(h[2].2.contains("spec.replicas: Invalid value: -1"), "{h:?}");

    // helm's own failing upgrade shows up as failed, no key pressed.
    home.run_in(
        &ns,
        Tool::Helm4,
        [
            "upgrade",
            "w",
            "uiweb/web",
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "3s",
        ],
    )
    .failed();
    wait_row(&ui, "w", "4", "failed", T);
    assert_eq!(statuses(&ns, "w")[3], "failed");
}

/// `--read-only` hides and refuses every mutating action; the UI follows
/// a resize; quitting restores the terminal.
#[test]
fn read_only_resize_and_quit() {
    let ns = TestNs::new("ui-ro");
    ns.helm4(["install", "ro", &web()]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &["--read-only"],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    let s = wait_row(&ui, "ro", "1", "deployed", T);
    // The footer's read-only hints (the header's READ-ONLY mark is cut
    // off at 80 columns by a long context: checked at 120 below).
    assert!(s.contains("<:ns> ns <s> status <c> clear"), "{s}");
    assert!(
        !s.contains("<u> upgrade") && !s.contains("uninstall"),
        "{s}"
    );
    ui.keys(&["?"]);
    let s = ui.wait_for("Keys (any key closes)", T);
    for hidden in ["uninstall", "upgrade", "recover", "roll back"] {
        assert!(!s.contains(hidden), "{hidden} in the read-only help:\n{s}");
    }
    ui.keys(&["Escape", "C-d"]);
    ui.wait_for("read-only: uninstall is disabled", T);
    ui.keys(&["u"]);
    ui.wait_for("read-only: upgrade is disabled", T);
    ui.keys(&["R"]);
    ui.wait_for("read-only: recover is disabled", T);
    ui.keys(&["Enter", "4"]);
    ui.wait_for("Install complete", T);
    ui.keys(&["r"]);
    let s = ui.wait_for("read-only: rollback is disabled", T);
    assert!(!s.contains("Roll back"), "{s}");
    assert_eq!(statuses(&ns, "ro"), ["deployed"]);

    // A larger terminal: the frame follows.
    ui.keys(&["Escape"]);
    ui.resize(120, 30);
    let s = ui.wait_until("a 120-column frame", T, |s| {
        s.lines()
            .any(|l| l.starts_with('└') && l.chars().count() == 120)
    });
    assert!(!row(&s, "ro").is_empty(), "{s}");
    assert!(s.contains("READ-ONLY"), "{s}");
    ui.resize(80, 24);
    ui.wait_until("an 80-column frame", T, |s| {
        s.lines()
            .any(|l| l.starts_with('└') && l.chars().count() == 80)
    });
    quit_restores_the_terminal(&ui);
}
