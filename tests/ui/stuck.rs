//! A stuck release recovered from the UI: helm is killed (SIGKILL) in the
//! middle of an upgrade, leaving `pending-upgrade` with nobody working on
//! it.

use super::driver::{Start, Ui};
use super::{OP, T, history, web};
use crate::harness::{TestNs, Tool};

/// The killed helm's release shows pending, then (once the grace has
/// passed) the stuck mark and notice; `R`, roll back on, confirm: revision 2
/// is failed and revision 3 rolls back to 1.
#[test]
fn a_stuck_release_is_recovered_from_the_ui() {
    let ns = TestNs::new("ui-stuck");
    let web = web();
    ns.helm4(["install", "s", &web]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &["--grace", "2s"],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    ui.wait_until("s deployed", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("deployed"))
    });
    let mut helm = Tool::Helm4.spawn_with_env(
        [
            "upgrade",
            "s",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "10m",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    ui.wait_until("s pending-upgrade", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("pending-upgrade"))
    });
    helm.kill().expect("SIGKILL helm");
    let _ = helm.wait();
    // Nobody touches the record any more: once the grace (2s) has passed
    // the watch calls it stuck, with no key pressed.
    let s = ui.wait_until("the stuck mark", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains('⚠') && r.contains("pending-upgrade"))
    });
    assert!(s.contains("R recovers s"), "{s}");
    ui.keys(&["R"]);
    let s = ui.wait_for("Recover s", T);
    assert!(s.contains("looks stuck in pending-upgrade"), "{s}");
    ui.keys(&["b"]);
    ui.wait_for("roll back: on", T);
    ui.keys(&["y"]);
    ui.wait_for("✔", OP);
    let h = history(&ns, "s");
    assert_eq!(
        h.iter()
            .map(|(r, s, _)| (*r, s.as_str()))
            .collect::<Vec<_>>(),
        [(1, "superseded"), (2, "failed"), (3, "deployed")],
        "{h:?}"
    );
    assert_eq!(h[2].2, "Rollback to 1");
    ui.wait_until("s deployed at revision 3", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("deployed") && r.contains(" 3 "))
    });
}
