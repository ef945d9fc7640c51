//! A second operation on a release another process is working on: the
//! UI's uninstall and rollback are refused by the release's Lease, the
//! notification names the holder, and the release gets only the other
//! process's revision.

use super::driver::{Start, Ui};
use super::{T, history, make_schedulable, web};
use crate::harness::{TestNs, Tool};

/// `rudder upgrade --wait` in another process holds `l`'s Lease while it
/// waits for an unschedulable pod; the UI's uninstall and rollback of `l`
/// fail naming that process (`host/PID/nonce`); once the pod can run the
/// upgrade ends and helm's history shows revision 2 deployed, nothing
/// more.
#[test]
fn a_second_operation_is_refused_by_the_lease() {
    let ns = TestNs::new("ui-lease");
    let web = web();
    ns.helm4(["install", "l", &web]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 160,
        height: 30,
        home: None,
        env: &[],
    });
    ui.wait_until("l deployed", T, |s| {
        Ui::row_of(s, "l").is_some_and(|r| r.contains("deployed"))
    });
    let mut other = Tool::Rudder.spawn_with_env(
        [
            "upgrade",
            "l",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "120s",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    // The Lease is taken before the pending record is written.
    ui.wait_until("l pending-upgrade", T, |s| {
        Ui::row_of(s, "l").is_some_and(|r| r.contains("pending-upgrade"))
    });
    let holder = format!("/{}/", other.id());
    let refused = |s: &str, op: &str| {
        // The notification may wrap: read it as one text.
        let text = s.lines().map(str::trim_end).collect::<Vec<_>>().join(" ");
        text.contains(&format!("✖ {op} of {}/l failed", ns.name))
            && text.contains("another operation (upgrade) is in progress on release \"l\"")
            && text.contains("lock held by")
            && text.contains(&holder)
    };

    // Uninstall from the list.
    ui.keys(&["g", "C-d"]);
    ui.wait_for("Uninstall l", T);
    ui.keys(&["y"]);
    ui.wait_until("the uninstall refused naming the holder", T, |s| {
        refused(s, "uninstall")
    });

    // Rollback to revision 1 from History.
    ui.keys(&["Enter", "4"]);
    ui.wait_until("History with 2 revisions", T, |s| {
        s.contains("Install complete") && s.contains("pending-upgrade")
    });
    ui.keys(&["k", "r"]);
    ui.wait_for("Roll back l to revision 1", T);
    ui.keys(&["y"]);
    ui.wait_until("the rollback refused naming the holder", T, |s| {
        refused(s, "rollback")
    });

    // The holder goes on undisturbed and ends the only new revision.
    make_schedulable(&ns, "l");
    assert!(other.wait().expect("rudder upgrade").success());
    let h = history(&ns, "l");
    assert_eq!(
        h.iter()
            .map(|(r, s, _)| (*r, s.as_str()))
            .collect::<Vec<_>>(),
        [(1, "superseded"), (2, "deployed")],
        "{h:?}"
    );
    assert_eq!(h[1].2, "Upgrade complete");
}
