//! Unit tests of `test` over the in-memory storage and cluster: which
//! hooks run, in what order, what the record keeps, when logs are read
//! relative to the delete policies, and helm's wording of failures. The
//! behaviour against real helm is tested on the real cluster
//! (`tests/lifecycle/test_cmd.rs`).

use serde_json::json;

use super::*;
use crate::cluster::Quiet;
use crate::cluster::memory::MemoryCluster;
use crate::release::name::storage_key;
use crate::storage::memory::MemoryDriver;

const NS: &str = "ns";

/// A test Pod hook with one container named `test`.
fn pod(name: &str, event: &str, weight: i64, policies: &[&str]) -> Value {
    json!({
        "name": name,
        "kind": "Pod",
        "path": format!("c/templates/tests/{name}.yaml"),
        "manifest": format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: test\n    image: x\n"
        ),
        "events": [event],
        "last_run": {"started_at": "", "completed_at": "", "phase": ""},
        "weight": weight,
        "delete_policies": policies,
    })
}

/// The fixture's hooks, in the order helm stores them (by path), and one
/// hook of another event.
fn suite() -> Value {
    json!([
        pod("fail", "test", 5, &["hook-failed"]),
        pod(
            "legacy",
            "test",
            0,
            &["before-hook-creation", "hook-succeeded"]
        ),
        pod("pass", "test", -5, &[]),
        pod("setup", "pre-install", 0, &[]),
    ])
}

async fn world(hooks: Value) -> (Storage<MemoryDriver>, MemoryCluster) {
    let text = json!({
        "name": "r",
        "namespace": NS,
        "version": 1,
        "info": {
            "first_deployed": "2026-01-01T00:00:00Z",
            "last_deployed": "2026-01-01T00:00:00Z",
            "deleted": "",
            "description": "Install complete",
            "status": "deployed",
        },
        "chart": {"metadata": {"name": "c", "version": "1.0.0"}},
        "manifest": "",
        "hooks": hooks,
    })
    .to_string();
    let release: Release = serde_json::from_str(&text).expect("release");
    let driver = MemoryDriver::new();
    driver
        .create(NS, &storage_key("r", 1), &release)
        .await
        .expect("seed");
    (Storage::new(driver, NS), MemoryCluster::new())
}

fn names(r: &Release) -> Vec<&str> {
    r.hooks.iter().map(|h| h.name.as_str()).collect()
}

fn phase<'a>(r: &'a Release, name: &str) -> &'a str {
    r.hooks
        .iter()
        .find(|h| h.name == name)
        .map(|h| h.last_run.phase.as_str())
        .unwrap_or("missing")
}

fn options(compat: Compat, logs: bool, filters: &[&str]) -> TestOptions {
    TestOptions {
        logs,
        compat,
        filters: TestFilters::from_flags(
            &filters.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        ..TestOptions::default()
    }
}

/// Where `call` was last made.
fn position(calls: &[String], call: &str) -> usize {
    calls
        .iter()
        .rposition(|c| c == call)
        .unwrap_or_else(|| panic!("no call {call:?} in {calls:?}"))
}

#[test]
fn filters_read_as_helm_reads_them() {
    let flags: Vec<String> = [
        "name=a",
        "!name=b",
        "! name=c",
        "!  name=d",
        "kind=Pod",
        "name=",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let f = TestFilters::from_flags(&flags);
    // `^!\s?name=`: one space at most; other attributes are ignored.
    assert_eq!(f.include, ["a", ""]);
    assert_eq!(f.exclude, ["b", "c"]);
}

#[test]
fn filtered_out_hooks_move_to_the_front_in_helms_order() {
    let hooks: Vec<Hook> = ["A", "B", "C", "D"]
        .iter()
        .map(|n| {
            let mut h = Hook::default();
            h.name = n.to_string();
            h
        })
        .collect();
    let f = TestFilters {
        include: vec!["D".into()],
        exclude: vec!["A".into(), "C".into()],
    };
    let order: Vec<String> = f.reorder(hooks).into_iter().map(|h| h.name).collect();
    // Excluded first, then the ones not included, then the selected.
    assert_eq!(order, ["A", "C", "B", "D"]);
}

#[tokio::test]
async fn a_failing_test_is_recorded_and_reported_after_the_others_ran() {
    let (storage, cluster) = world(suite()).await;
    cluster.never_ready("fail", "pod fail failed");
    let out = release_test(
        &storage,
        &cluster,
        "r",
        &options(Compat::V4, true, &[]),
        &Quiet,
    )
    .await
    .expect("the release is shown");
    assert_eq!(
        out.error.map(|e| e.to_string()).as_deref(),
        Some("resource Pod/ns/fail not ready. status: Failed, message: pod fail failed")
    );
    let stored = storage.get("r", 1).await.expect("record").release;
    assert_eq!(names(&stored), ["fail", "legacy", "pass", "setup"]);
    assert_eq!(phase(&stored, "pass"), "Succeeded");
    assert_eq!(phase(&stored, "legacy"), "Succeeded");
    assert_eq!(phase(&stored, "fail"), "Failed");
    assert_eq!(phase(&stored, "setup"), "");
    assert_eq!(names(&out.release), names(&stored));
    // helm 4 reads every test pod's log, by weight, before the policies
    // delete the failed hook and the ones that succeeded before it.
    assert_eq!(
        String::from_utf8_lossy(&out.logs),
        "POD LOGS: pass (test)\nlog of pass/test\n\n\
         POD LOGS: legacy (test)\nlog of legacy/test\n\n\
         POD LOGS: fail (test)\nlog of fail/test\n\n"
    );
    let calls = cluster.calls();
    assert!(
        position(&calls, "log ns/fail/test") < position(&calls, "delete Pod/ns/fail Background")
    );
    assert!(
        position(&calls, "log ns/legacy/test")
            < position(&calls, "delete Pod/ns/legacy Background")
    );
    assert!(cluster.object("Pod", NS, "pass").is_some());
    assert!(cluster.object("Pod", NS, "fail").is_none());
    assert!(calls.contains(&"unlock ns/r".to_string()), "{calls:?}");
}

#[tokio::test]
async fn helm_3_cleans_up_before_reading_logs() {
    let (storage, cluster) = world(suite()).await;
    let out = release_test(
        &storage,
        &cluster,
        "r",
        &options(Compat::V3, true, &["!name=fail"]),
        &Quiet,
    )
    .await
    .expect("the release is shown");
    // legacy's hook-succeeded policy removed it before its log was read:
    // helm 3 says so and stops.
    assert_eq!(
        out.error.map(|e| e.to_string()).as_deref(),
        Some(r#"unable to get pod logs for legacy: pods "legacy" not found"#)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.logs),
        "POD LOGS: pass\nlog of pass/-\n\n"
    );
    let stored = storage.get("r", 1).await.expect("record").release;
    assert_eq!(names(&stored), ["fail", "legacy", "pass", "setup"]);
    assert_eq!(phase(&stored, "fail"), "");
    assert_eq!(phase(&stored, "legacy"), "Succeeded");
}

#[tokio::test]
async fn only_the_selected_tests_run_and_the_rest_move_to_the_front() {
    let (storage, cluster) = world(suite()).await;
    let out = release_test(
        &storage,
        &cluster,
        "r",
        &options(Compat::V4, false, &["name=legacy"]),
        &Quiet,
    )
    .await
    .expect("ran");
    assert!(out.error.is_none(), "{:?}", out.error);
    assert!(out.logs.is_empty());
    let stored = storage.get("r", 1).await.expect("record").release;
    assert_eq!(names(&stored), ["fail", "pass", "setup", "legacy"]);
    assert_eq!(phase(&stored, "legacy"), "Succeeded");
    assert_eq!(phase(&stored, "pass"), "");
    let applied: Vec<String> = cluster
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("apply"))
        .collect();
    assert_eq!(applied, ["apply Pod/ns/legacy"]);
    // Its hook-succeeded policy removed it once it passed.
    assert!(cluster.object("Pod", NS, "legacy").is_none());
}

#[tokio::test]
async fn a_missing_release_or_a_bad_name_is_an_error() {
    let (storage, cluster) = world(suite()).await;
    let err = release_test(&storage, &cluster, "nope", &TestOptions::default(), &Quiet)
        .await
        .expect_err("missing");
    assert_eq!(err.to_string(), "release: not found");
    let err = release_test(
        &storage,
        &cluster,
        "Bad_Name",
        &TestOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("invalid");
    assert_eq!(
        err.to_string(),
        "releaseTest: Release name is invalid: Bad_Name"
    );
}

#[test]
fn helm_3_words_a_failed_pod_job_or_timeout_as_its_own_watch_did() {
    let failed_pod = json!({"status": {"phase": "Failed"}});
    let running_pod = json!({"status": {"phase": "Running"}});
    let failed_job = json!({"status": {"conditions": [
        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"},
    ]}});
    assert_eq!(v3_item("Pod", "p", Some(&failed_pod)), "pod p failed");
    assert_eq!(
        v3_item("Job", "j", Some(&failed_job)),
        "job j failed: BackoffLimitExceeded"
    );
    assert_eq!(
        v3_item("Pod", "p", Some(&running_pod)),
        "timed out waiting for the condition"
    );
    assert_eq!(
        multierror(&["pod p failed".into()]),
        "1 error occurred:\n\t* pod p failed\n\n"
    );
    assert_eq!(
        multierror(&["a".into(), "b".into()]),
        "2 errors occurred:\n\t* a\n\t* b\n\n"
    );
}

#[tokio::test]
async fn a_release_locked_by_another_operation_is_left_alone() {
    let (storage, cluster) = world(suite()).await;
    let now = jiff::Timestamp::now();
    cluster.set_lock(
        NS,
        "r",
        Some(crate::cluster::LockHolder {
            holder: "h/1/x".into(),
            operation: "upgrade".into(),
            acquired: Some(now),
            renewed: Some(now),
            duration: Duration::from_secs(15),
            liveness: crate::cluster::Liveness::Live,
        }),
    );
    let err = release_test(&storage, &cluster, "r", &TestOptions::default(), &Quiet)
        .await
        .expect_err("busy");
    assert_eq!(err.kind(), crate::error::ErrorKind::Busy, "{err}");
    assert!(
        !cluster.calls().iter().any(|c| c.starts_with("apply")),
        "{:?}",
        cluster.calls()
    );
    let stored = storage.get("r", 1).await.expect("record").release;
    assert_eq!(phase(&stored, "pass"), "");
}
