//! `rudder watch -o json` as a child process against the real cluster,
//! while real helm v3 and v4 change releases: the exact event sequence of
//! install, upgrade, failed upgrade, rollback and uninstall (with and
//! without history), a stuck notice for a helm killed mid-upgrade,
//! `--exit-on`, and a watch whose API server is killed and restarted
//! mid-watch.

mod restart;
mod table;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{TestNs, Tool, chart};

/// A running `rudder watch -o json`; killed when dropped.
pub struct Watch {
    child: Child,
    lines: mpsc::Receiver<Value>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// An event as the assertions spell it: `kind name revision status`, and
/// `from PREVIOUS` for a status change.
pub fn compact(v: &Value) -> String {
    let kind = v["event"].as_str().unwrap_or("?");
    if kind == "synced" {
        return "synced".into();
    }
    let mut s = format!(
        "{kind} {} {} {}",
        v["name"].as_str().unwrap_or("?"),
        v["revision"],
        v["status"].as_str().unwrap_or("?")
    );
    if let Some(p) = v["previous_status"].as_str() {
        s.push_str(&format!(" from {p}"));
    }
    s
}

impl Watch {
    /// Starts `rudder watch -o json ARGS` in `ns`, with `kubeconfig`
    /// instead of the cluster's when given.
    pub fn start(ns: &TestNs, args: &[&str], kubeconfig: Option<&Path>) -> Watch {
        let mut cmd = Tool::Rudder.command();
        cmd.args(["watch", "-o", "json"])
            .args(args)
            .env("HELM_NAMESPACE", &ns.name)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(k) = kubeconfig {
            cmd.env("KUBECONFIG", k);
        }
        let mut child = cmd.spawn().expect("spawn rudder watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let v: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().expect("stderr");
        let sink = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = String::new();
            let _ = std::io::Read::read_to_string(&mut err_pipe, &mut buf);
            if let Ok(mut s) = sink.lock() {
                s.push_str(&buf);
            }
        });
        Watch {
            child,
            lines,
            stderr,
        }
    }

    /// The next event, within `within`.
    pub fn next(&self, within: Duration) -> Value {
        match self.lines.recv_timeout(within) {
            Ok(v) => v,
            Err(e) => panic!(
                "no event from rudder watch within {within:?} ({e}); stderr: {}",
                self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
            ),
        }
    }

    /// The events up to and including the first `synced`.
    pub fn snapshot(&self) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let c = compact(&self.next(Duration::from_secs(30)));
            let done = c == "synced";
            out.push(c);
            if done {
                return out;
            }
        }
    }

    /// Asserts the next events about release `name` are `expected`
    /// (events about other releases are skipped).
    pub fn expect(&self, name: &str, expected: &[&str]) {
        let mut got = Vec::new();
        while got.len() < expected.len() {
            let v = self.next(Duration::from_secs(30));
            if v["name"] == name {
                got.push(compact(&v));
            }
        }
        assert_eq!(got, expected, "events of {name}");
    }

    /// True if no event arrives for `quiet`.
    pub fn is_quiet(&self, quiet: Duration) -> Result<(), Value> {
        match self.lines.recv_timeout(quiet) {
            Ok(v) => Err(v),
            Err(_) => Ok(()),
        }
    }

    /// Waits for the process to exit on its own; its status and stderr.
    pub fn wait_exit(mut self, within: Duration) -> (std::process::ExitStatus, String) {
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                // Let the stderr reader see the end of the pipe.
                std::thread::sleep(Duration::from_millis(100));
                let err = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
                return (st, err);
            }
            assert!(start.elapsed() < within, "rudder watch did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn web() -> String {
    chart("web").to_string_lossy().into_owned()
}

/// helm's own operations yield exactly the expected events, one release
/// per flow; the watch lists the release already there first.
fn lifecycle(helm: Tool) {
    let ns = TestNs::new(&format!("watchcmd-{helm:?}"));
    let web = web();
    ns.run(helm, ["install", "pre", &web]).ok();
    let w = Watch::start(&ns, &[], None);
    assert_eq!(w.snapshot(), ["added pre 1 deployed", "synced"]);

    ns.run(helm, ["install", "a", &web]).ok();
    w.expect(
        "a",
        &[
            "added a 1 pending-install",
            "status-changed a 1 deployed from pending-install",
        ],
    );
    ns.run(helm, ["upgrade", "a", &web, "--set", "message=two"])
        .ok();
    w.expect(
        "a",
        &[
            "new-revision a 2 pending-upgrade",
            "status-changed a 2 deployed from pending-upgrade",
        ],
    );
    ns.run(
        helm,
        [
            "upgrade",
            "a",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "3s",
        ],
    )
    .failed();
    w.expect(
        "a",
        &[
            "new-revision a 3 pending-upgrade",
            "status-changed a 3 failed from pending-upgrade",
        ],
    );
    ns.run(helm, ["rollback", "a", "2"]).ok();
    w.expect(
        "a",
        &[
            "new-revision a 4 pending-rollback",
            "status-changed a 4 deployed from pending-rollback",
        ],
    );
    ns.run(helm, ["uninstall", "a", "--keep-history"]).ok();
    w.expect(
        "a",
        &[
            "status-changed a 4 uninstalling from deployed",
            "uninstalled a 4 uninstalled",
        ],
    );
    // Without --keep-history: every record deleted, one event.
    ns.run(helm, ["upgrade", "pre", &web, "--set", "message=two"])
        .ok();
    w.expect(
        "pre",
        &[
            "new-revision pre 2 pending-upgrade",
            "status-changed pre 2 deployed from pending-upgrade",
        ],
    );
    ns.run(helm, ["uninstall", "pre"]).ok();
    w.expect(
        "pre",
        &[
            "status-changed pre 2 uninstalling from deployed",
            "deleted pre 2 uninstalling",
        ],
    );
    if let Err(v) = w.is_quiet(Duration::from_millis(500)) {
        panic!("an extra event: {v}");
    }
}

#[test]
fn helm3_operations_yield_the_exact_events() {
    lifecycle(Tool::Helm3);
}

#[test]
fn helm4_operations_yield_the_exact_events() {
    lifecycle(Tool::Helm4);
}

/// A helm killed mid-upgrade leaves `pending-upgrade` with nobody
/// working on it: once the grace has passed, one stuck notice.
#[test]
fn a_killed_helm_is_reported_stuck_once() {
    let ns = TestNs::new("watchcmd-stuck");
    let web = web();
    ns.helm4(["install", "k", &web]).ok();
    let w = Watch::start(&ns, &["--grace", "3s"], None);
    assert_eq!(w.snapshot(), ["added k 1 deployed", "synced"]);
    let mut child = Tool::Helm4.spawn_with_env(
        [
            "upgrade",
            "k",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "10m",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    w.expect("k", &["new-revision k 2 pending-upgrade"]);
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let stuck = w.next(Duration::from_secs(15));
    assert_eq!(compact(&stuck), "stuck k 2 pending-upgrade");
    let notice = stuck["notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("looks stuck in pending-upgrade") && notice.contains("rudder recover k"),
        "{notice}"
    );
    if let Err(v) = w.is_quiet(Duration::from_secs(1)) {
        panic!("a second notice or another event: {v}");
    }
}

/// `--exit-on`: exit 0 once the watched release reaches one of the
/// statuses; exit 1 with a message if it is deleted first.
#[test]
fn exit_on_waits_for_an_outcome() {
    let ns = TestNs::new("watchcmd-exit");
    let web = web();
    ns.helm3(["install", "gone", &web]).ok();
    let w = Watch::start(&ns, &["-f", "^e$", "--exit-on", "deployed,failed"], None);
    let g = Watch::start(&ns, &["-f", "^gone$", "--exit-on", "failed"], None);
    assert_eq!(w.snapshot(), ["synced"]);
    assert_eq!(g.snapshot(), ["added gone 1 deployed", "synced"]);

    ns.helm4(["install", "e", &web]).ok();
    ns.helm3(["uninstall", "gone"]).ok();
    w.expect(
        "e",
        &[
            "added e 1 pending-install",
            "status-changed e 1 deployed from pending-install",
        ],
    );
    let (st, err) = w.wait_exit(Duration::from_secs(10));
    assert!(st.success(), "exit {st}: {err}");

    g.expect(
        "gone",
        &["status-changed gone 1 uninstalling from deployed"],
    );
    let (st, err) = g.wait_exit(Duration::from_secs(10));
    assert_eq!(st.code(), Some(1), "{err}");
    assert!(
        err.contains("\"gone\"") && err.contains("history deleted before reaching failed"),
        "{err}"
    );

    let bad = ns.rudder(["watch", "--exit-on", "done"]).failed();
    assert!(bad.stderr.contains("invalid status \"done\""), "{bad}");
}
