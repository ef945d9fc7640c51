//! The stuck rule against a helm operation that is still running: helm
//! takes no lock and leaves its record alone while it waits (here with
//! `--wait --timeout 10m` on pods that never get scheduled), and a Lease
//! left behind by a rudder that died earlier must not make the release
//! look stuck. `recover` refuses; `list` and `status` print no notice.

use std::time::{Duration, Instant};

use crate::harness::{TestNs, Tool, chart};

use super::super::history;

/// The Lease a rudder left when it was killed an hour ago.
fn dead_rudder_lease(ns: &str, release: &str) {
    super::lease::create_lease_for(
        ns,
        release,
        "dead/1/a",
        "rollback",
        -jiff::SignedDuration::from_hours(1),
    );
}

fn a_waiting_helm_upgrade_is_not_stuck(helm: Tool) {
    let ns = TestNs::new(&format!("stuck-{helm:?}"));
    let web = chart("web").to_string_lossy().into_owned();
    ns.run(helm, ["upgrade", "--install", "h", &web, "--wait"])
        .ok();
    dead_rudder_lease(&ns.name, "h");
    let mut waiting = helm.spawn_with_env(
        [
            "upgrade",
            "h",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "10m",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    let start = Instant::now();
    while history(&ns, "h").last().map(|r| r.1.clone()) != Some("pending-upgrade".into()) {
        assert!(start.elapsed() < Duration::from_secs(60), "never pending");
        std::thread::sleep(Duration::from_millis(200));
    }

    let list = ns.rudder(["list"]).ok();
    assert!(!list.stderr.contains("stuck"), "{list}");
    let status = ns.rudder(["status", "h"]).ok();
    assert!(!status.stderr.contains("stuck"), "{status}");
    let refused = ns.rudder(["recover", "h"]).failed();
    assert!(
        refused
            .stderr
            .contains("the rudder rollback that held its lock (dead/1/a) stopped renewing it")
            && refused
                .stderr
                .contains("a helm operation may still be running"),
        "{refused}"
    );
    // helm is still waiting, and its record untouched.
    assert!(waiting.try_wait().expect("try_wait").is_none());
    assert_eq!(
        history(&ns, "h").last().map(|r| r.1.clone()),
        Some("pending-upgrade".into())
    );
    let _ = waiting.kill();
    let _ = waiting.wait();
}

#[test]
fn a_waiting_helm3_upgrade_is_not_stuck() {
    a_waiting_helm_upgrade_is_not_stuck(Tool::Helm3);
}

#[test]
fn a_waiting_helm4_upgrade_is_not_stuck() {
    a_waiting_helm_upgrade_is_not_stuck(Tool::Helm4);
}
