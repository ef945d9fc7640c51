//! Killed operations and `recover`: helm and rudder are killed with
//! SIGKILL while they wait, leaving the release `pending-*`; rudder refuses
//! to touch it while the operation may be alive, marks it stuck in `list`
//! and `status` once it is not, and `recover` brings it back to a state
//! helm can carry on from. An interrupted rudder (SIGINT, SIGTERM) leaves
//! nothing to recover: it records the outcome and lets go of its lock.

use std::time::{Duration, Instant};

use crate::harness::{TestNs, Tool, chart};

use super::history;

fn web_args(name: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "upgrade".to_string(),
        "--install".into(),
        name.into(),
        chart("web").to_string_lossy().into_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Waits until the newest revision of `name` has `status`.
fn wait_for_status(ns: &TestNs, name: &str, status: &str) -> i64 {
    let start = Instant::now();
    loop {
        let out = ns.rudder(["history", name, "-o", "json"]);
        if out.status.success()
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&out.stdout)
            && let Some(last) = v.as_array().and_then(|a| a.last())
            && last["status"] == status
        {
            return last["revision"].as_i64().unwrap_or_default();
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{name} never reached {status}: {out}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Starts `args` with `tool`, waits until the release is `status`, then
/// kills the process with SIGKILL.
fn kill_mid_operation(ns: &TestNs, tool: Tool, args: &[String], name: &str, status: &str) {
    let mut child = tool.spawn_with_env(args, &[("HELM_NAMESPACE", &ns.name)]);
    wait_for_status(ns, name, status);
    // Let it settle into waiting for the Deployment.
    std::thread::sleep(Duration::from_millis(500));
    child.kill().expect("SIGKILL");
    let _ = child.wait();
}

fn killed_helm_is_recovered(helm: Tool) {
    let ns = TestNs::new(&format!("recover-{helm:?}"));
    for name in ["r", "s"] {
        ns.run(helm, web_args(name, &["--wait"])).ok();
        let stuck = web_args(
            name,
            &["--set", "unschedulable=true", "--wait", "--timeout", "10m"],
        );
        kill_mid_operation(&ns, helm, &stuck, name, "pending-upgrade");
    }

    // Moments after: the helm operation may still be running.
    let refused = ns.rudder(["recover", "r"]).failed();
    assert!(
        refused
            .stderr
            .contains("the operation may still be running")
            && refused
                .stderr
                .contains("a helm operation may still be running"),
        "{refused}"
    );
    let refused = ns.rudder(["rollback", "r"]).failed();
    assert!(refused.stderr.contains("rudder recover r"), "{refused}");
    assert_eq!(
        history(&ns, "r").last().map(|r| r.1.clone()),
        Some("pending-upgrade".into())
    );

    // Presumed dead after the grace period: marked failed.
    std::thread::sleep(Duration::from_secs(2));
    let out = ns.rudder(["recover", "r", "--grace", "1s"]).ok();
    assert!(
        out.stdout
            .contains("is stuck: revision 2 is pending-upgrade"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("Revision 2 marked failed (was pending-upgrade)."),
        "{out}"
    );
    let h = history(&ns, "r");
    assert_eq!(
        h.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["deployed", "failed"]
    );
    // helm carries on from there. (No --wait: helm 3's three-way merge
    // starts from the last deployed manifest, so it leaves in place the
    // nodeSelector the killed upgrade applied, as after any failed upgrade.)
    ns.run(helm, web_args("r", &["--set", "message=after"]))
        .ok();
    assert_eq!(
        history(&ns, "r").last().map(|r| r.1.clone()),
        Some("deployed".into())
    );

    // --rollback: back to the last deployed revision, objects included.
    let out = ns
        .rudder([
            "recover",
            "s",
            "--grace",
            "0s",
            "--rollback",
            "--wait",
            "--timeout",
            "2m",
        ])
        .ok();
    assert!(
        out.stdout
            .contains("Rolled back to revision 1: revision 3 is deployed."),
        "{out}"
    );
    let h = history(&ns, "s");
    assert_eq!(
        h.iter()
            .map(|r| (r.1.as_str(), r.2.as_str()))
            .collect::<Vec<_>>(),
        [
            ("superseded", "Install complete"),
            (
                "failed",
                "Recovered by rudder: the operation that left this revision pending-upgrade was interrupted"
            ),
            ("deployed", "Rollback to 1"),
        ]
    );
    let manifest = ns.run(helm, ["get", "manifest", "s"]).ok().stdout;
    assert!(!manifest.contains("no-such-node"), "{manifest}");
    ns.run(helm, ["rollback", "s", "2"]).ok();
    ns.run(helm, ["uninstall", "s"]).ok();
}

#[test]
fn killed_helm3_is_recovered() {
    killed_helm_is_recovered(Tool::Helm3);
}

#[test]
fn killed_helm4_is_recovered() {
    killed_helm_is_recovered(Tool::Helm4);
}

#[test]
fn killed_rudder_is_recovered_once_its_lock_is_seen_expired() {
    let ns = TestNs::new("recover-rudder");
    // Revision 1 cannot become ready; revision 2 can.
    ns.helm4(web_args("k", &["--set", "unschedulable=true"]))
        .ok();
    ns.helm4(web_args("k", &["--set", "unschedulable=false", "--wait"]))
        .ok();
    let args: Vec<String> = ["rollback", "k", "1", "--wait", "--timeout", "10m"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    kill_mid_operation(&ns, Tool::Rudder, &args, "k", "pending-rollback");

    // recover watches the Lease: unchanged for its duration, so its holder
    // is gone; but the record is younger than the grace, and a helm
    // operation may have started since, so nothing is touched without
    // --grace or --force. list prints no notice either.
    let refused = ns.rudder(["recover", "k"]).failed();
    assert!(
        refused
            .stderr
            .contains("the rudder rollback that held its lock")
            && refused.stderr.contains("stopped renewing it")
            && refused
                .stderr
                .contains("a helm operation may still be running"),
        "{refused}"
    );
    assert_eq!(
        history(&ns, "k").last().map(|r| r.1.clone()),
        Some("pending-rollback".into())
    );
    let list = ns.rudder(["list"]).ok();
    assert!(!list.stderr.contains("looks stuck"), "{list}");
    assert_eq!(list.stdout, ns.helm4(["list"]).ok().stdout);

    let out = ns
        .rudder([
            "recover",
            "k",
            "--grace",
            "0s",
            "--rollback",
            "--wait",
            "--timeout",
            "2m",
        ])
        .ok();
    assert!(out.stdout.contains("stopped renewing it"), "{out}");
    assert!(
        out.stdout
            .contains("Rolled back to revision 2: revision 4 is deployed."),
        "{out}"
    );
    let h = history(&ns, "k");
    assert_eq!(
        h.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["superseded", "superseded", "failed", "deployed"]
    );
    // And helm carries on.
    ns.helm4(["rollback", "k", "2", "--wait"]).ok();
}

/// Sets or clears a finalizer on a ConfigMap.
fn hold(ns: &str, configmap: &str, on: bool) {
    let finalizers = if on {
        serde_json::json!(["rudder.test/hold"])
    } else {
        serde_json::json!(null)
    };
    crate::harness::block_on(async {
        let client = crate::harness::cluster().admin().await;
        let req = http::Request::patch(format!("/api/v1/namespaces/{ns}/configmaps/{configmap}"))
            .header(http::header::CONTENT_TYPE, "application/merge-patch+json")
            .body(
                serde_json::to_vec(&serde_json::json!({"metadata": {"finalizers": finalizers}}))
                    .expect("json"),
            )
            .expect("request");
        client
            .request::<serde_json::Value>(req)
            .await
            .expect("patch finalizers");
    });
}

#[test]
fn killed_helm_uninstall_is_recovered() {
    let ns = TestNs::new("recover-uninstall");
    ns.helm4(web_args("u", &["--wait"])).ok();
    // A finalizer keeps the ConfigMap terminating, so helm waits for it.
    hold(&ns.name, "u-web-config", true);
    let args: Vec<String> = ["uninstall", "u", "--wait", "--timeout", "10m"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    kill_mid_operation(&ns, Tool::Helm4, &args, "u", "uninstalling");
    let out = ns.rudder(["recover", "u", "--grace", "0s"]).ok();
    assert!(
        out.stdout.contains("is stuck: revision 1 is uninstalling"),
        "{out}"
    );
    assert_eq!(
        history(&ns, "u").last().map(|r| r.1.clone()),
        Some("failed".into())
    );
    hold(&ns.name, "u-web-config", false);
    ns.rudder(["uninstall", "u", "--wait"]).ok();
    ns.helm4(["history", "u"]).failed();
}

/// Starts rudder with `args`, waits until the release is `status`, sends
/// `signal`, and returns what rudder printed once it exited.
fn interrupt_mid_operation(
    ns: &TestNs,
    args: &[&str],
    name: &str,
    status: &str,
    signal: &str,
) -> (std::process::ExitStatus, String) {
    let mut cmd = Tool::Rudder.command();
    cmd.args(args)
        .env("HELM_NAMESPACE", &ns.name)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn rudder");
    wait_for_status(ns, name, status);
    // Let it settle into waiting.
    std::thread::sleep(Duration::from_millis(500));
    let sent = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success(), "kill {signal} failed");
    let start = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("try_wait") {
            break exit;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("rudder {args:?} did not end within 30 s of {signal}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read as _;
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    (exit, stderr)
}

#[test]
fn interrupted_rudder_records_the_outcome_and_lets_go() {
    let ns = TestNs::new("interrupt");
    ns.helm4(web_args("i", &["--set", "unschedulable=true"]))
        .ok();
    ns.helm4(web_args("i", &["--set", "unschedulable=false", "--wait"]))
        .ok();

    // Ctrl-C while rollback waits for a revision that cannot become ready:
    // the new revision is failed, not left pending, and the lock is gone.
    let (exit, stderr) = interrupt_mid_operation(
        &ns,
        &["rollback", "i", "1", "--wait", "--timeout", "10m"],
        "i",
        "pending-rollback",
        "-INT",
    );
    assert_eq!(exit.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("interrupted: ending the operation"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Error: release i failed: ") && stderr.contains("context canceled"),
        "{stderr}"
    );
    let h = history(&ns, "i");
    let last = h.last().expect("history");
    assert_eq!((last.0, last.1.as_str()), (3, "failed"), "{h:?}");
    assert!(
        last.2.starts_with("Release \"i\" failed: ") && last.2.contains("context canceled"),
        "{h:?}"
    );
    // Nothing holds the release: rudder goes on at once, with no warning.
    let list = ns.rudder(["list"]).ok();
    assert!(!list.stderr.contains("looks stuck"), "{list}");
    ns.rudder(["rollback", "i", "2", "--wait", "--timeout", "2m"])
        .ok();

    // SIGTERM while uninstall waits for a ConfigMap a finalizer holds: the
    // release is uninstalled (its objects were deleted), with the wait's
    // error reported, and nothing is left stuck.
    hold(&ns.name, "i-web-config", true);
    let (exit, stderr) = interrupt_mid_operation(
        &ns,
        &["uninstall", "i", "--wait", "--timeout", "10m"],
        "i",
        "uninstalling",
        "-TERM",
    );
    hold(&ns.name, "i-web-config", false);
    assert_eq!(exit.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Error: uninstallation completed with 1 error(s): ")
            && stderr.contains("context canceled"),
        "{stderr}"
    );
    let gone = ns.helm4(["history", "i"]).failed();
    assert_eq!(gone.stderr, "Error: release: not found\n");
    ns.helm4(web_args("i", &[])).ok();
}
