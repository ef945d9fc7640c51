//! Ctrl-C during an upgrade's wait, for helm v4 and rudder side by side:
//! both say `Release x has been cancelled.`, exit 1, and leave the new
//! revision `failed` (not pending) with the same description.

use std::io::Read as _;
use std::time::{Duration, Instant};

use crate::harness::{TestNs, Tool, chart};
use crate::lifecycle::history_through;

/// Starts `tool` with `args`, sends SIGINT once `name`'s newest revision
/// is `pending-upgrade`, and returns its exit code and stdout.
fn interrupt(ns: &TestNs, tool: Tool, args: &[String], name: &str) -> (Option<i32>, String) {
    let mut child = tool
        .command()
        .args(args)
        .env("HELM_NAMESPACE", &ns.name)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    loop {
        let h = history_through(ns, Tool::Rudder, name);
        if h.last().is_some_and(|(_, s, _)| s == "pending-upgrade") {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{tool:?} never reached pending-upgrade: {h:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Let it settle into waiting.
    std::thread::sleep(Duration::from_millis(500));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success(), "kill -INT failed");
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_string(&mut stdout).expect("stdout");
    }
    let exit = child.wait().expect("wait");
    (exit.code(), stdout.replace(name, "RELEASE"))
}

#[test]
fn interrupted_upgrade_as_helm_4() {
    let ns = TestNs::new("deploy-interrupt");
    let web = chart("web").to_string_lossy().into_owned();
    for name in ["int-helm", "int-rudder"] {
        ns.helm4(["install", name, &web]).ok();
    }
    let args = |name: &str| -> Vec<String> {
        [
            "upgrade",
            name,
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "10m",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let (by_helm, by_rudder) = std::thread::scope(|s| {
        let h = s.spawn(|| interrupt(&ns, Tool::Helm4, &args("int-helm"), "int-helm"));
        let r = s.spawn(|| interrupt(&ns, Tool::Rudder, &args("int-rudder"), "int-rudder"));
        (h.join().expect("helm"), r.join().expect("rudder"))
    });
    assert_eq!(by_helm.0, Some(1), "helm's own exit code");
    assert_eq!(by_rudder, by_helm, "exit code and stdout");
    let story = |name: &str| -> Vec<(i64, String, String)> {
        history_through(&ns, Tool::Helm4, name)
            .into_iter()
            .map(|(r, s, d)| (r, s, d.replace(name, "RELEASE")))
            .collect()
    };
    assert_eq!(story("int-rudder"), story("int-helm"), "history");
}
