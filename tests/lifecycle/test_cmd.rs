//! `rudder test` against `helm test` on twin releases of the `testsuite`
//! fixture (test Pods that pass, a legacy `test-success` one deleted when
//! it succeeds, one that fails and is deleted when it fails, and a test
//! Job), installed by real helm: each step runs `helm test` on one twin
//! and `rudder test` on the other with the same flags, and they must
//! print the same (names and times masked), exit alike, and leave the
//! same record (`status`, `get hooks`, the hooks' recorded phases and
//! policies) and the same test pods behind.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::ListParams;
use serde_json::Value;

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

use super::{normalize, without_resources};

const A: &str = "alpha-suite";
const B: &str = "bravo-suite";

/// How rudder is asked to imitate `helm`.
fn rudder_env(helm: Tool) -> Vec<(&'static str, &'static str)> {
    match helm {
        Tool::Helm3 => vec![("RUDDER_HELM_COMPAT", "v3")],
        _ => vec![("RUDDER_HELM_COMPAT", "v4")],
    }
}

/// `args` with `{}` standing for the release name.
fn with_name(args: &[&str], name: &str) -> Vec<String> {
    args.iter().map(|a| a.replace("{}", name)).collect()
}

/// What a run showed: exit status, stdout, and stderr without rudder's
/// progress lines (`waiting for ...`, shown only when a wait lasts over a
/// second, which helm never prints), with names and times masked.
fn shown(out: &crate::harness::Out) -> String {
    let stderr: String = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("waiting for "))
        .map(|l| format!("{l}\n"))
        .collect();
    normalize(
        &format!(
            "exit {}\n--- stdout\n{}--- stderr\n{stderr}",
            out.code(),
            out.stdout
        ),
        &[A, B],
    )
}

/// The test pods left in the namespace for a release, masked:
/// `(name, phase)`.
fn pods(ns: &str, release: &str) -> Vec<(String, String)> {
    block_on(async {
        let api: Api<Pod> = Api::namespaced(cluster().admin().await, ns);
        let list = api
            .list(&ListParams::default().labels(&format!("app.kubernetes.io/instance={release}")))
            .await
            .expect("list pods");
        let mut out: Vec<(String, String)> = list
            .items
            .into_iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .map(|p| {
                let name = p.metadata.name.unwrap_or_default();
                // A Job's pod has a random suffix.
                let name = match name.strip_prefix(&format!("{release}-job-")) {
                    Some(_) => format!("{release}-job-*"),
                    None => name,
                };
                let phase = p.status.and_then(|s| s.phase).unwrap_or_default();
                (name.replace(release, "TWIN"), phase)
            })
            .collect();
        out.sort();
        out
    })
}

/// The recorded hooks as `status -o json` shows them: name, events,
/// phase, whether it ran, and delete policies, in record order.
fn recorded_hooks(ns: &TestNs, helm: Tool, name: &str) -> Vec<String> {
    let out = ns.run(helm, ["status", name, "-o", "json"]).ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("status json");
    v["hooks"]
        .as_array()
        .expect("hooks")
        .iter()
        .map(|h| {
            let ran = h["last_run"]["started_at"]
                .as_str()
                .is_some_and(|s| !s.is_empty());
            normalize(
                &format!(
                    "{} {} phase={} ran={ran} delete={}",
                    h["name"].as_str().unwrap_or_default(),
                    h["events"],
                    h["last_run"]["phase"].as_str().unwrap_or_default(),
                    h["delete_policies"],
                ),
                &[A, B],
            )
        })
        .collect()
}

/// Runs `args` as `helm test` on twin A and `rudder test` on twin B, and
/// checks that both showed the same and left the same behind. Returns
/// what was shown.
#[track_caller]
fn step(ns: &TestNs, helm: Tool, args: &[&str]) -> String {
    let mut full = vec!["test", "{}"];
    full.extend_from_slice(args);
    let h = ns.run(helm, with_name(&full, A));
    let r = ns.run_env(Tool::Rudder, with_name(&full, B), &rudder_env(helm));
    let (hs, rs) = (shown(&h), shown(&r));
    assert_eq!(
        hs,
        rs,
        "`test {}`: helm ({helm:?}) vs rudder",
        args.join(" ")
    );
    for read in [&["status", "{}"][..], &["get", "hooks", "{}"][..]] {
        // helm 4's status lists live objects with their ages.
        let read_one = |name: &str| {
            let out = ns.run(helm, with_name(read, name)).ok().stdout;
            normalize(&without_resources(&out), &[A, B])
        };
        let (ra, rb) = (read_one(A), read_one(B));
        assert_eq!(
            ra,
            rb,
            "`{}` after `test {}`",
            read.join(" "),
            args.join(" ")
        );
    }
    assert_eq!(
        recorded_hooks(ns, helm, A),
        recorded_hooks(ns, helm, B),
        "recorded hooks after `test {}`",
        args.join(" ")
    );
    assert_eq!(
        pods(&ns.name, A),
        pods(&ns.name, B),
        "test pods after `test {}`",
        args.join(" ")
    );
    rs
}

fn install(ns: &TestNs, helm: Tool, values: &[&str]) {
    for name in [A, B] {
        let mut args = vec!["install".to_string(), name.to_string()];
        args.push(chart("testsuite").to_string_lossy().into_owned());
        args.extend(values.iter().map(|s| s.to_string()));
        ns.run(helm, args).ok();
    }
}

#[test]
fn test_matches_helm4() {
    let ns = TestNs::new("test-cmd-helm4");
    install(&ns, Tool::Helm4, &["--set", "jobTest=true"]);

    // Every test: the Job and two Pods pass, one Pod fails; helm 4 waits
    // for it with kstatus and says so after the status block.
    let all = step(&ns, Tool::Helm4, &[]);
    assert!(all.starts_with("exit 1\n"), "{all}");
    assert!(all.contains("TEST SUITE:     TWIN-fail\n"), "{all}");
    assert!(
        all.contains(
            "Error: resource Pod/NS/TWIN-fail not ready. status: Failed, message: pod TWIN-fail failed\n"
                .replace("NS", &ns.name)
                .as_str()
        ),
        "{all}"
    );
    // Only the failing one, with its logs read before its hook-failed
    // policy deletes it; the record lists it last from now on.
    let failed = step(&ns, Tool::Helm4, &["--logs", "--filter", "name={}-fail"]);
    assert!(
        failed.contains(
            "\nPOD LOGS: TWIN-fail (test)\nrudder test cluster: container log served by kwok\n"
        ),
        "{failed}"
    );
    // Everything but the failing one, in one flag with a comma: passes.
    let passed = step(
        &ns,
        Tool::Helm4,
        &["--logs", "--filter", "name={}-pass,name={}-legacy"],
    );
    assert!(passed.starts_with("exit 0\n"), "{passed}");
    assert!(passed.contains("POD LOGS: TWIN-legacy (test)"), "{passed}");
    // Excluding the failing one runs the Job too, whose logs helm looks
    // for in a pod named after it: an error after the other logs.
    let job = step(&ns, Tool::Helm4, &["--logs", "--filter", "!name={}-fail"]);
    assert!(
        job.contains("Error: unable to get pod TWIN-job: pods \"TWIN-job\" not found\n"),
        "{job}"
    );
    // `--debug` adds values, hooks and manifest to the status block
    // (stderr differs: each logs in its own way).
    let args = ["test", "{}", "--debug", "--filter", "name={}-pass"];
    let h = ns.run(Tool::Helm4, with_name(&args, A));
    let r = ns.rudder(with_name(&args, B));
    assert_eq!(
        (h.code(), normalize(&h.stdout, &[A, B])),
        (r.code(), normalize(&r.stdout, &[A, B])),
        "test --debug"
    );
    assert!(r.stdout.contains("\nCOMPUTED VALUES:\n"), "{}", r.stdout);
}

#[test]
fn test_matches_helm3() {
    let ns = TestNs::new("test-cmd-helm3");
    install(
        &ns,
        Tool::Helm3,
        &["--set", "jobTest=true", "--set", "failing={fail,job}"],
    );

    // helm 3 shows the notes unless --hide-notes, and words a failed pod
    // in its multi-error list.
    let failed = step(&ns, Tool::Helm3, &["--filter", "name={}-fail"]);
    assert!(
        failed.contains("\nNOTES:\nTest suite fixture TWIN"),
        "{failed}"
    );
    assert!(
        failed.ends_with("Error: 1 error occurred:\n\t* pod TWIN-fail failed\n\n\n"),
        "{failed}"
    );
    let job = step(
        &ns,
        Tool::Helm3,
        &["--hide-notes", "--filter", "name={}-job"],
    );
    assert!(!job.contains("NOTES:"), "{job}");
    assert!(
        job.ends_with(
            "Error: 1 error occurred:\n\t* job TWIN-job failed: BackoffLimitExceeded\n\n\n"
        ),
        "{job}"
    );
    // helm 3 deletes by policy before reading logs: the legacy test's pod
    // is gone by then, and that error replaces the run's.
    let logs = step(
        &ns,
        Tool::Helm3,
        &[
            "--logs",
            "--filter",
            "!name={}-fail",
            "--filter",
            "!name={}-job",
        ],
    );
    assert!(
        logs.contains("\nPOD LOGS: TWIN-pass\nrudder test cluster"),
        "{logs}"
    );
    assert!(
        logs.ends_with(
            "Error: unable to get pod logs for TWIN-legacy: pods \"TWIN-legacy\" not found\n"
        ),
        "{logs}"
    );
    let passed = step(&ns, Tool::Helm3, &["--logs", "--filter", "name={}-pass"]);
    assert!(passed.starts_with("exit 0\n"), "{passed}");
}

#[test]
fn test_refusals_match_helm() {
    let ns = TestNs::new("test-cmd-refusals");
    for helm in [Tool::Helm4, Tool::Helm3] {
        for args in [
            &["test", "missing"][..],
            &["test", "Bad_Name"][..],
            &["test", "--timeout", "soon", "missing"][..],
        ] {
            let h = ns.run(helm, args);
            let r = ns.run_env(Tool::Rudder, args, &rudder_env(helm));
            assert_eq!(shown(&h), shown(&r), "{helm:?} {}", args.join(" "));
            assert_eq!(r.code(), 1);
        }
    }
    let r = ns.rudder(["test", "missing"]);
    assert_eq!(r.stderr, "Error: release: not found\n");
    let h = ns.helm4(["test", "x", "--hide-notes"]);
    let r = ns.rudder(["test", "x", "--hide-notes"]);
    assert_eq!(shown(&h), shown(&r));
}

/// The hooks' recorded phases through rudder: `(name, phase)`.
fn phases(ns: &TestNs, name: &str) -> Vec<(String, String)> {
    let out = ns.rudder(["status", name, "-o", "json"]).ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("status json");
    v["hooks"]
        .as_array()
        .expect("hooks")
        .iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap_or_default().to_string(),
                h["last_run"]["phase"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// A test that never finishes: `--timeout` as helm 4 and helm 3 report
/// it, and an interrupted rudder that records the test failed and lets
/// the release's lock go.
#[test]
fn test_timeouts_and_interrupts() {
    let ns4 = TestNs::new("test-cmd-timeout4");
    let ns3 = TestNs::new("test-cmd-timeout3");
    install(&ns4, Tool::Helm4, &["--set", "hanging={pass}"]);
    install(&ns3, Tool::Helm3, &["--set", "hanging={pass}"]);
    let args = ["--timeout", "1s", "--filter", "name={}-pass"];
    let v4 = step(&ns4, Tool::Helm4, &args);
    assert!(
        v4.ends_with("message: Pod in progress\ncontext deadline exceeded\n"),
        "{v4}"
    );
    let v3 = step(&ns3, Tool::Helm3, &args);
    assert!(
        v3.ends_with("Error: 1 error occurred:\n\t* timed out waiting for the condition\n\n\n"),
        "{v3}"
    );

    // SIGINT while the test runs: the wait ends, the phase is recorded,
    // the status block and the error are printed, the Lease is gone.
    let mut child = Tool::Rudder
        .command()
        .args(with_name(&["test", "{}", "--filter", "name={}-pass"], B))
        .env("HELM_NAMESPACE", &ns4.name)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn rudder");
    let start = std::time::Instant::now();
    let pass = format!("{B}-pass");
    while !phases(&ns4, B).contains(&(pass.clone(), "Running".to_string())) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "the test never started: {:?}",
            phases(&ns4, B)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let out = child.wait_with_output().expect("rudder ends");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("Phase:          Failed\n"), "{stdout}");
    assert!(stderr.ends_with("\ncontext canceled\n"), "{stderr}");
    assert!(phases(&ns4, B).contains(&(pass, "Failed".to_string())));
    let leases = block_on(async {
        let api: Api<k8s_openapi::api::coordination::v1::Lease> =
            Api::namespaced(cluster().admin().await, &ns4.name);
        api.list(&ListParams::default())
            .await
            .expect("leases")
            .items
    });
    assert!(leases.is_empty(), "{leases:?}");
}
