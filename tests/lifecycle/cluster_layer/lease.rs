//! The Lease's liveness rule on the real cluster: judged by watching the
//! Lease change (client-go's rule), never by comparing its `renewTime`
//! with the local clock. A holder whose clock is ten minutes slow keeps
//! its lock while it renews; one whose clock is ten minutes fast loses it
//! once it stops renewing, after one lease duration of silence. And an
//! operation whose Lease is taken from it stops before its next write.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::harness::{TestNs, Tool, admin_request, block_on, chart, cluster, rt};

use super::super::history;

fn micro(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

fn leases(ns: &str) -> String {
    format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases")
}

/// Creates the release's Lease as a holder whose clock is `skew` off
/// would: `renewTime` = its now.
fn create_lease(ns: &str, release: &str, holder: &str, skew: jiff::SignedDuration) {
    create_lease_for(ns, release, holder, "upgrade", skew);
}

/// Creates the release's Lease as a holder of `operation` whose clock is
/// `skew` off would write it.
pub(super) fn create_lease_for(
    ns: &str,
    release: &str,
    holder: &str,
    operation: &str,
    skew: jiff::SignedDuration,
) {
    let t = micro(jiff::Timestamp::now() + skew);
    let body = json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": format!("rudder.lock.{release}"),
            "annotations": {"rudder.dev/operation": operation},
        },
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": t,
            "renewTime": t,
            "leaseTransitions": 0,
        },
    });
    block_on(admin_request(
        http::Method::POST,
        &leases(ns),
        "application/json",
        body,
    ));
}

/// Renews the Lease every two seconds with the skewed clock until
/// dropped.
struct Renewer(Arc<AtomicBool>);

impl Renewer {
    fn start(ns: &str, release: &str, skew: jiff::SignedDuration) -> Renewer {
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let path = format!("{}/rudder.lock.{release}", leases(ns));
        rt().spawn(async move {
            while !s.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let t = micro(jiff::Timestamp::now() + skew);
                admin_request(
                    http::Method::PATCH,
                    &path,
                    "application/merge-patch+json",
                    json!({"spec": {"renewTime": t}}),
                )
                .await;
            }
        });
        Renewer(stop)
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn holder_of(ns: &str, release: &str) -> Option<String> {
    let client = block_on(cluster().admin());
    let req = http::Request::get(format!("{}/rudder.lock.{release}", leases(ns)))
        .body(Vec::new())
        .expect("request");
    block_on(client.request::<Value>(req))
        .ok()
        .and_then(|l| l["spec"]["holderIdentity"].as_str().map(str::to_string))
}

fn two_revisions(ns: &TestNs, name: &str, first: &[&str]) {
    let web = chart("web").to_string_lossy().into_owned();
    let mut args = vec!["upgrade", "--install", name, &web];
    args.extend_from_slice(first);
    ns.helm4(&args).ok();
    ns.helm4(["upgrade", name, &web, "--set", "message=two", "--wait"])
        .ok();
}

#[test]
fn a_holder_with_a_slow_clock_keeps_its_lock_while_it_renews() {
    let ns = TestNs::new("lease-slow");
    two_revisions(&ns, "r", &["--wait"]);
    let ten_min_ago = jiff::SignedDuration::from_mins(-10);
    create_lease(&ns.name, "r", "slow/1/a", ten_min_ago);
    let renewer = Renewer::start(&ns.name, "r", ten_min_ago);
    let out = ns.rudder(["rollback", "r", "1"]).failed();
    assert!(
        out.stderr.starts_with(
            "Error: another operation (upgrade) is in progress on release \"r\": lock held by slow/1/a"
        ),
        "{out}"
    );
    assert_eq!(history(&ns, "r").len(), 2);
    assert_eq!(holder_of(&ns.name, "r").as_deref(), Some("slow/1/a"));
    drop(renewer);
}

#[test]
fn a_holder_with_a_fast_clock_loses_its_lock_once_it_stops_renewing() {
    let ns = TestNs::new("lease-fast");
    two_revisions(&ns, "r", &["--wait"]);
    create_lease(
        &ns.name,
        "r",
        "fast/1/a",
        jiff::SignedDuration::from_mins(10),
    );
    let start = Instant::now();
    let out = ns.rudder(["rollback", "r", "1"]).ok();
    let took = start.elapsed();
    eprintln!("[figure] a dead holder's Lease (clock 10 min fast) taken over after {took:?}");
    assert!(out.stdout.contains("Rollback was a success"), "{out}");
    // Taken over only after a whole lease duration without a change.
    assert!(took >= Duration::from_secs(15), "took over after {took:?}");
    let h = history(&ns, "r");
    assert_eq!(h.last().map(|r| r.1.as_str()), Some("deployed"));
    assert_eq!(h.len(), 3);
    // The rollback let go of the lock at the end.
    assert_eq!(holder_of(&ns.name, "r"), None);
}

#[test]
fn an_operation_whose_lock_is_taken_stops_before_its_next_write() {
    let ns = TestNs::new("lease-stolen");
    // Revision 1 cannot become ready, so a rollback to it waits.
    two_revisions(&ns, "k", &["--set", "unschedulable=true"]);
    let mut cmd = Tool::Rudder.command();
    cmd.args(["rollback", "k", "1", "--wait", "--timeout", "2m"])
        .env("HELM_NAMESPACE", &ns.name)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn rudder");
    let start = Instant::now();
    while history(&ns, "k").last().map(|r| r.1.clone()) != Some("pending-rollback".into()) {
        assert!(start.elapsed() < Duration::from_secs(60), "never pending");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(1));
    // Another party takes the lock: deletes rudder's Lease and creates its
    // own, which it renews.
    let stolen = Instant::now();
    block_on(async {
        let client = cluster().admin().await;
        let req = http::Request::delete(format!("{}/rudder.lock.k", leases(&ns.name)))
            .body(Vec::new())
            .expect("request");
        client.request::<Value>(req).await.expect("delete lease");
    });
    create_lease(&ns.name, "k", "thief/1/b", jiff::SignedDuration::ZERO);
    let _renewer = Renewer::start(&ns.name, "k", jiff::SignedDuration::ZERO);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("try_wait") {
            break exit;
        }
        if stolen.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("rudder went on after losing its lock");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    eprintln!(
        "[figure] rudder stopped within {:?} of its Lease being deleted",
        stolen.elapsed()
    );
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read as _;
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(!exit.success(), "{stderr}");
    assert!(
        stderr.contains("lost the release's lock") && stderr.contains("no further change"),
        "{stderr}"
    );
    // It wrote nothing after the loss: the revision is as it was, and the
    // thief's Lease is untouched.
    assert_eq!(
        history(&ns, "k").last().map(|r| r.1.clone()),
        Some("pending-rollback".into())
    );
    assert_eq!(holder_of(&ns.name, "k").as_deref(), Some("thief/1/b"));
}
