//! The API server `rudder watch` talks to is killed and restarted
//! mid-watch while helm changes releases through another API server on the
//! same etcd: the final states still arrive, none of them twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Watch, compact, web};
use crate::harness::{TestNs, cluster};

/// A second kube-apiserver on the shared cluster's etcd, with the first
/// one's flags and certificates but its own port: killing it disturbs no
/// other test.
struct SecondApiServer {
    args: Vec<String>,
    log: PathBuf,
    child: Option<Child>,
    /// A kubeconfig pointing at it.
    kubeconfig: PathBuf,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl SecondApiServer {
    fn new(tmp: &Path) -> SecondApiServer {
        let c = cluster();
        let pid = std::fs::read_to_string(c.dir.join("kube-apiserver.pid")).expect("pid file");
        let cmdline =
            std::fs::read(format!("/proc/{}/cmdline", pid.trim())).expect("apiserver cmdline");
        let port = free_port();
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .map(|a| {
                if a.starts_with("--secure-port=") {
                    format!("--secure-port={port}")
                } else {
                    a
                }
            })
            .collect();
        let old = std::fs::read_to_string(c.dir.join("apiserver.port")).expect("port file");
        let kc = std::fs::read_to_string(&c.kubeconfig).expect("kubeconfig");
        let kubeconfig = tmp.join("kubeconfig-second");
        std::fs::write(
            &kubeconfig,
            kc.replace(
                &format!("https://127.0.0.1:{}", old.trim()),
                &format!("https://127.0.0.1:{port}"),
            ),
        )
        .expect("write kubeconfig");
        let mut s = SecondApiServer {
            args,
            log: tmp.join("second-apiserver.log"),
            child: None,
            kubeconfig,
        };
        s.start();
        s
    }

    fn port(&self) -> String {
        self.args
            .iter()
            .find_map(|a| a.strip_prefix("--secure-port="))
            .unwrap_or_default()
            .to_string()
    }

    /// Starts it and waits until `/readyz` answers.
    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        // Dies with the test binary, like the launcher's components.
        let child = Command::new("setpriv")
            .args(["--pdeathsig", "KILL", "--"])
            .args(&self.args)
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("spawn kube-apiserver");
        self.child = Some(child);
        let url = format!("https://127.0.0.1:{}/readyz", self.port());
        let start = Instant::now();
        loop {
            let ok = Command::new("curl")
                .args(["-sfk", "-o", "/dev/null", "--max-time", "2", &url])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "second kube-apiserver not ready; see {}",
                self.log.display()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGKILL, as a crash would.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for SecondApiServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn final_states_arrive_once_after_the_api_server_restarts() {
    let ns = TestNs::new("watchcmd-restart");
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut second = SecondApiServer::new(tmp.path());
    let web = web();
    ns.helm4(["install", "r1", &web]).ok();
    let w = Watch::start(&ns, &[], Some(&second.kubeconfig));
    assert_eq!(w.snapshot(), ["added r1 1 deployed", "synced"]);

    second.kill();
    // Through the first API server, while the watched one is down.
    ns.helm4(["upgrade", "r1", &web, "--set", "message=two"])
        .ok();
    ns.helm3(["upgrade", "r1", &web, "--set", "message=three"])
        .ok();
    ns.helm4(["install", "r2", &web]).ok();
    ns.helm3(["install", "r3", &web]).ok();
    ns.helm3(["uninstall", "r3"]).ok();
    second.start();

    // r1 at revision 3 deployed, r2 deployed: each final state once.
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    let mut seen: Vec<String> = Vec::new();
    let start = Instant::now();
    while last.get("r1").map(String::as_str) != Some("3 deployed")
        || last.get("r2").map(String::as_str) != Some("1 deployed")
    {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "final states never arrived: {seen:?}"
        );
        let v = w.next(Duration::from_secs(40));
        let c = compact(&v);
        seen.push(c.clone());
        if let Some(name) = v["name"].as_str() {
            let state = if v["event"] == "deleted" {
                "gone".to_string()
            } else {
                format!("{} {}", v["revision"], v["status"].as_str().unwrap_or("?"))
            };
            last.insert(name.to_string(), state);
        }
    }
    // Whatever else arrives in a moment (the re-list's `synced`).
    while let Err(v) = w.is_quiet(Duration::from_secs(1)) {
        seen.push(compact(&v));
    }
    // The restarted server's watch cache starts at etcd's current
    // revision, so the watch's version has expired: it re-lists, and each
    // release is reported once at its final state (r3, created and deleted
    // while nobody watched, not at all).
    assert_eq!(
        seen,
        [
            "new-revision r1 3 deployed",
            "added r2 1 deployed",
            "synced"
        ]
    );
}
