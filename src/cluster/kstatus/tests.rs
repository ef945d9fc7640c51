//! Golden tests against the Go code, plus a few unit tests of what the
//! goldens cannot pin down (time, re-checks).
//!
//! `fixtures/golden/kstatus/cases/*.json` holds the objects;
//! `fixtures/golden/kstatus/output/*.json` what Helm v4.2.4 and kstatus
//! computed for them (see the README there). For Helm's own Job and Pod
//! readers, which only report objects that are not ready, the cases spell
//! out the expected result of ready objects too (`expect`).

use super::*;
use serde_json::json;
use std::path::Path;

const MODES: [(Mode, &str); 3] = [
    (Mode::Wait, "Wait"),
    (Mode::WaitWithJobs, "WaitWithJobs"),
    (Mode::Hook, "Hook"),
];

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Checks one computation against an expected `{status, message}`.
fn check(
    failures: &mut Vec<String>,
    what: String,
    got: &Computed,
    want_status: &str,
    want_msg: &str,
) {
    if got.status.as_str() != want_status || got.message != want_msg {
        failures.push(format!(
            "{what}: got {} {:?}, want {want_status} {want_msg:?}",
            got.status, got.message
        ));
    }
}

#[test]
fn golden_cases_match_go() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/kstatus");
    let mut files: Vec<_> = std::fs::read_dir(root.join("cases"))
        .expect("cases directory")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();

    // Far-past and far-future timestamps in the corpus make the one
    // time-dependent rule independent of when either side runs.
    let now = Timestamp::now();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        let cases = read_json(file);
        let outputs = read_json(&root.join("output").join(file.file_name().expect("name")));
        let (Some(cases), Some(outputs)) = (cases.as_array(), outputs.as_array()) else {
            panic!("{} and its output must be lists", file.display());
        };
        assert_eq!(
            cases.len(),
            outputs.len(),
            "{}: regenerate the output",
            file.display()
        );

        for (case, out) in cases.iter().zip(outputs) {
            count += 1;
            let name = str_at(case, "/name");
            assert_eq!(
                name,
                str_at(out, "/name"),
                "{}: regenerate the output",
                file.display()
            );
            let obj = &case["object"];
            let pods: Vec<Value> = case["related"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|o| str_at(o, "/kind") == "Pod")
                .cloned()
                .collect();
            let (group, kind) = fields::group_kind(obj);

            for (mode, mode_name) in MODES {
                let got = compute_with_pods(obj, &pods, mode, now);
                let what = format!("{name} [{mode_name}]");

                // The detailed result: kstatus' own for its readers, the
                // case's expectation for Helm's readers.
                let helm_reader = match mode {
                    Mode::Wait => false,
                    Mode::WaitWithJobs => (group, kind) == ("batch", "Job"),
                    Mode::Hook => true,
                };
                if !helm_reader {
                    let want = &out["kstatus"];
                    check(
                        &mut failures,
                        what.clone(),
                        &got,
                        str_at(want, "/status"),
                        str_at(want, "/message"),
                    );
                    if got.error.is_some() != want.get("error").is_some() {
                        failures.push(format!(
                            "{what}: error {:?} vs Go's {}",
                            got.error, want["error"]
                        ));
                    }
                } else if let Some(want) = case.pointer(&format!("/expect/{mode_name}")) {
                    check(
                        &mut failures,
                        what.clone(),
                        &got,
                        str_at(want, "/status"),
                        str_at(want, "/message"),
                    );
                } else if matches!((group, kind), ("batch", "Job") | ("", "Pod")) {
                    failures.push(format!("{what}: the case needs an expectation"));
                } else {
                    check(
                        &mut failures,
                        what.clone(),
                        &got,
                        "Current",
                        "Resource is current",
                    );
                }

                // What Helm itself reported at the end of the wait.
                let Some(helm) = out.get("helm") else {
                    continue;
                };
                let want_line = helm[mode_name].as_str();
                let line = (!skipped(obj) && !got.is_current()).then(|| {
                    not_ready_line(
                        kind,
                        str_at(out, "/namespace"),
                        str_at(obj, "/metadata/name"),
                        &got,
                    )
                });
                if line.as_deref() != want_line {
                    failures.push(format!(
                        "{what}: Helm reported {want_line:?}, we would report {line:?}"
                    ));
                }
            }
        }
    }
    assert!(count >= 200, "only {count} golden cases");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn unschedulable_pod(created: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "labels": {"app": "db"}, "creationTimestamp": created},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}]}
    })
}

#[test]
fn unschedulable_pod_fails_after_the_window() {
    let pod = unschedulable_pod("2030-01-01T00:00:00Z");
    let young = compute(&pod, Mode::Wait, at("2030-01-01T00:00:14.999999999Z"));
    assert_eq!(
        (young.status, young.message.as_str()),
        (Status::InProgress, "Pod has not been scheduled")
    );
    assert!(young.recheck);
    // Exactly 15 s later the pod is no longer "younger" than the window.
    let old = compute(&pod, Mode::Wait, at("2030-01-01T00:00:15Z"));
    assert_eq!(
        (old.status, old.message.as_str()),
        (Status::Failed, "Pod could not be scheduled")
    );
    assert!(!old.recheck);
    // Helm's hook reader only looks at the phase, but the watcher still
    // re-checks a pod waiting for a node.
    let hook = compute(&pod, Mode::Hook, at("2030-01-01T00:00:15Z"));
    assert_eq!((hook.status, hook.recheck), (Status::InProgress, true));
}

#[test]
fn workloads_recheck_while_a_pod_waits_for_a_node() {
    let sts = json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "ns", "generation": 1},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "db"}}},
        "status": {"observedGeneration": 1, "replicas": 1}
    });
    let pods = [unschedulable_pod("2030-01-01T00:00:00Z")];
    assert!(watches_pods(&sts, Mode::Wait));
    assert!(!watches_pods(&sts, Mode::Hook));
    let young = compute_with_pods(&sts, &pods, Mode::Wait, at("2030-01-01T00:00:05Z"));
    assert_eq!(
        (young.status, young.message.as_str(), young.recheck),
        (Status::InProgress, "Ready: 0/1", true)
    );
    // Once the pod counts as failed it is a transient failure: no re-check,
    // and the StatefulSet stays InProgress.
    let old = compute_with_pods(&sts, &pods, Mode::Wait, at("2030-01-01T00:01:00Z"));
    assert_eq!((old.status, old.recheck), (Status::InProgress, false));
    assert!(!compute(&sts, Mode::Wait, at("2030-01-01T00:00:05Z")).recheck);
}

#[test]
fn reporting() {
    assert_eq!(Status::InProgress.to_string(), "InProgress");
    assert_eq!(Status::NotFound.to_string(), "NotFound");
    let computed = Computed::not_found();
    assert_eq!(
        not_ready_line("ConfigMap", "ns", "cm", &computed),
        "resource ConfigMap/ns/cm not ready. status: NotFound, message: Resource not found"
    );
    assert_eq!(
        not_ready_line("CustomResourceDefinition", "", "a.b", &Computed::unknown()),
        "resource CustomResourceDefinition//a.b not ready. status: Unknown, message: "
    );
}

#[test]
fn paused_deployments_are_skipped() {
    let deployment = |api: &str, paused: Value| json!({"apiVersion": api, "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"paused": paused}});
    assert!(skipped(&deployment("apps/v1", json!(true))));
    assert!(!skipped(&deployment("apps/v1", json!(false))));
    assert!(!skipped(&deployment("apps/v1", json!("true"))));
    assert!(!skipped(&deployment("extensions/v1beta1", json!(true))));
    assert!(!skipped(
        &json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"paused": true}})
    ));
}
