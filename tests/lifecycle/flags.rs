//! rollback and uninstall flags on the real cluster, each against a helm v4
//! twin doing the same (where helm has the flag): --no-hooks,
//! --history-max, --force-conflicts, --cleanup-on-fail, --wait-for-jobs,
//! --cascade; and rudder's own --description and --force-replace; hook
//! output and failing hooks.

use serde_json::{Value, json};

use crate::harness::{TestNs, Tool, admin_request, block_on, chart, cluster};

use super::{assert_same_story, history, normalize};

const A: &str = "alpha-flag";
const B: &str = "bravo-flag";

fn install(ns: &TestNs, chart_name: &str, name: &str, values: &[&str]) {
    let mut args: Vec<String> = vec![
        "upgrade".into(),
        "--install".into(),
        name.into(),
        chart(chart_name).to_string_lossy().into_owned(),
        "--wait".into(),
    ];
    args.extend(values.iter().map(|s| s.to_string()));
    ns.helm4(&args).ok();
}

/// Runs the same command for each twin: helm v4 on `A`, rudder on `B`.
fn both(ns: &TestNs, args: &[&str]) -> (crate::harness::Out, crate::harness::Out) {
    let with = |name: &str| -> Vec<String> {
        args.iter()
            .map(|a| {
                if *a == "{}" {
                    name.to_string()
                } else {
                    a.to_string()
                }
            })
            .collect()
    };
    (ns.helm4(with(A)), ns.rudder(with(B)))
}

/// Both failed, with the same message (names masked).
#[track_caller]
fn same_failure(outs: (crate::harness::Out, crate::harness::Out)) {
    let (h, r) = outs;
    assert!(!h.status.success() && !r.status.success(), "{h}\n{r}");
    let last = |s: &str| s.lines().last().unwrap_or_default().to_string();
    assert_eq!(
        normalize(&last(&h.stderr), &[A, B]),
        normalize(&last(&r.stderr), &[A, B]),
        "{h}\n{r}"
    );
}

/// Another field manager takes `data` of a ConfigMap.
fn intrude(ns: &str, configmap: &str, data: Value) {
    block_on(admin_request(
        http::Method::PATCH,
        &format!("/api/v1/namespaces/{ns}/configmaps/{configmap}?fieldManager=intruder&force=true"),
        "application/apply-patch+yaml",
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": configmap}, "data": data}),
    ));
}

/// Deletes an object if it exists.
fn delete(ns: &str, plural: &str, name: &str) {
    block_on(async {
        let client = cluster().admin().await;
        let req = http::Request::delete(format!("/api/v1/namespaces/{ns}/{plural}/{name}"))
            .body(Vec::new())
            .expect("request");
        match client.request::<Value>(req).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => panic!("delete {plural}/{name}: {e}"),
        }
    });
}

fn get(ns: &str, path: &str) -> Option<Value> {
    read(&format!("/api/v1/namespaces/{ns}/{path}"))
}

/// [`get`] for the `apps/v1` group.
fn get_apps(ns: &str, path: &str) -> Option<Value> {
    read(&format!("/apis/apps/v1/namespaces/{ns}/{path}"))
}

fn read(uri: &str) -> Option<Value> {
    block_on(async {
        let client = cluster().admin().await;
        let req = http::Request::get(uri).body(Vec::new()).expect("request");
        match client.request::<Value>(req).await {
            Ok(v) => Some(v),
            Err(kube::Error::Api(s)) if s.code == 404 => None,
            Err(e) => panic!("{uri}: {e}"),
        }
    })
}

#[test]
fn no_hooks_and_history_max_match_helm() {
    let ns = TestNs::new("flags-nohooks");
    for name in [A, B] {
        for m in ["one", "two", "three", "four"] {
            install(&ns, "hooks", name, &["--set", &format!("message={m}")]);
        }
    }
    let (h, r) = both(
        &ns,
        &[
            "rollback",
            "{}",
            "1",
            "--no-hooks",
            "--history-max",
            "3",
            "--wait",
        ],
    );
    h.ok();
    r.ok();
    assert_same_story(
        &ns,
        Tool::Helm4,
        A,
        B,
        "after rollback --no-hooks --history-max 3",
    );
    let revs: Vec<i64> = history(&ns, B).iter().map(|r| r.0).collect();
    assert_eq!(revs, [3, 4, 5]);
    assert!(get(&ns.name, &format!("configmaps/{B}-pre-rollback-marker")).is_none());

    // HELM_MAX_HISTORY is the default.
    let out = ns.run_env(
        Tool::Rudder,
        ["rollback", B, "3"],
        &[("HELM_MAX_HISTORY", "2")],
    );
    out.ok();
    let revs: Vec<i64> = history(&ns, B).iter().map(|r| r.0).collect();
    assert_eq!(revs, [5, 6]);
}

#[test]
fn conflicts_fail_like_helm_until_forced() {
    let ns = TestNs::new("flags-conflicts");
    for name in [A, B] {
        install(&ns, "web", name, &["--set", "message=one"]);
        install(&ns, "web", name, &["--set", "message=two"]);
        intrude(
            &ns.name,
            &format!("{name}-web-config"),
            json!({"message": "intruder"}),
        );
    }
    same_failure(both(&ns, &["rollback", "{}"]));
    assert_same_story(&ns, Tool::Helm4, A, B, "after a conflicting rollback");
    let h = history(&ns, B);
    assert_eq!(h[1].1, "superseded");
    assert_eq!(h[2].1, "failed");
    assert!(h[2].2.contains("conflict with \"intruder\""), "{h:?}");

    let (hf, rf) = both(&ns, &["rollback", "{}", "1", "--force-conflicts"]);
    hf.ok();
    rf.ok();
    assert_same_story(&ns, Tool::Helm4, A, B, "after rollback --force-conflicts");
    let cm = get(&ns.name, &format!("configmaps/{B}-web-config")).expect("configmap");
    assert!(
        cm["data"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("one"),
        "{cm}"
    );
}

#[test]
fn cleanup_on_fail_deletes_what_the_failed_rollback_created() {
    let ns = TestNs::new("flags-cleanup");
    for name in [A, B] {
        install(&ns, "keep", name, &[]);
        install(
            &ns,
            "keep",
            name,
            &["--set", "keepObjects=false", "--set", "data=two"],
        );
        // The kept objects go (the Secret's " Keep " already went with the
        // upgrade: outside uninstall, helm compares the policy exactly), so
        // a rollback to revision 1 creates them; an intruder makes the
        // update of the other object fail.
        delete(&ns.name, "configmaps", &format!("{name}-kept"));
        delete(&ns.name, "secrets", &format!("{name}-kept-secret"));
        intrude(
            &ns.name,
            &format!("{name}-removed"),
            json!({"value": "intruder"}),
        );
    }
    same_failure(both(&ns, &["rollback", "{}", "--cleanup-on-fail"]));
    assert_same_story(
        &ns,
        Tool::Helm4,
        A,
        B,
        "after a failed rollback with --cleanup-on-fail",
    );
    assert!(get(&ns.name, &format!("configmaps/{B}-kept")).is_none());
    assert!(get(&ns.name, &format!("secrets/{B}-kept-secret")).is_none());
}

#[test]
fn wait_for_jobs_fails_like_helm_on_a_failing_job() {
    let ns = TestNs::new("flags-jobs");
    for name in [A, B] {
        install(&ns, "job", name, &[]);
        // Revision 2's Job fails (not waited for here).
        let mut args = vec![
            "upgrade".to_string(),
            name.into(),
            chart("job").to_string_lossy().into_owned(),
            "--set".into(),
            "fail=true".into(),
        ];
        ns.helm4(&args).ok();
        args[4] = "fail=false".into();
        ns.helm4(&args).ok();
    }
    same_failure(both(
        &ns,
        &[
            "rollback",
            "{}",
            "2",
            "--wait",
            "--wait-for-jobs",
            "--timeout",
            "2m",
        ],
    ));
    assert_same_story(&ns, Tool::Helm4, A, B, "after a rollback to a failing Job");
    let h = history(&ns, B);
    assert_eq!(h.last().map(|r| r.1.as_str()), Some("failed"));
    assert!(h[3].2.contains("Job Failed"), "{h:?}");
}

#[test]
fn cascade_orphan_leaves_dependents_like_helm() {
    let ns = TestNs::new("flags-cascade");
    for name in [A, B] {
        install(&ns, "web", name, &[]);
    }
    // helm v4 without --wait: its wait for deletion ends at once when the
    // Deployment's first status is still unknown while the Service and
    // ConfigMap are already gone, then fails on the Deployment the orphan
    // finalizer keeps Terminating (seen under load). rudder waits.
    let h = ns.helm4(["uninstall", A, "--cascade", "orphan"]);
    let r = ns.rudder(["uninstall", B, "--cascade", "orphan", "--wait"]);
    assert_eq!(
        normalize(&h.ok().stdout, &[A, B]),
        normalize(&r.ok().stdout, &[A, B])
    );
    let deployment = |name: &str| get_apps(&ns.name, &format!("deployments/{name}-web")).is_some();
    // rudder returned once its Deployment was gone, so the garbage
    // collector had orphaned the ReplicaSet; helm's goes in its own time.
    assert!(
        !deployment(B),
        "rudder's --wait returned before the Deployment was gone"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while deployment(A) {
        assert!(
            std::time::Instant::now() < deadline,
            "helm's Deployment never went"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    for name in [A, B] {
        let rs = get_apps(
            &ns.name,
            &format!("replicasets?labelSelector=app.kubernetes.io%2Finstance%3D{name}"),
        )
        .expect("list replicasets");
        let items = rs["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "{name}: {rs}");
        assert!(
            items[0]["metadata"].get("ownerReferences").is_none(),
            "{name}: orphaned"
        );
    }
    let bad = ns
        .rudder(["uninstall", B, "--cascade", "sideways"])
        .failed();
    assert_eq!(
        bad.stderr,
        "Error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\"\n"
    );
}

#[test]
fn description_and_force_replace() {
    let ns = TestNs::new("flags-rudder");
    install(&ns, "web", B, &["--set", "message=one"]);
    install(&ns, "web", B, &["--set", "message=two"]);
    // A label added by someone else survives an apply, not a replace.
    block_on(admin_request(
        http::Method::PATCH,
        &format!("/api/v1/namespaces/{}/configmaps/{B}-web-config", ns.name),
        "application/merge-patch+json",
        json!({"metadata": {"labels": {"added-by": "someone"}}}),
    ));
    ns.rudder(["rollback", B, "--description", "back to one, by hand"])
        .ok();
    let cm = get(&ns.name, &format!("configmaps/{B}-web-config")).expect("cm");
    assert_eq!(cm["metadata"]["labels"]["added-by"], "someone");
    assert_eq!(
        history(&ns, B).last().map(|r| r.2.clone()),
        Some("back to one, by hand".into())
    );

    ns.rudder(["rollback", B, "2", "--force-replace"]).ok();
    let cm = get(&ns.name, &format!("configmaps/{B}-web-config")).expect("cm");
    assert!(cm["metadata"]["labels"].get("added-by").is_none(), "{cm}");
    assert_eq!(
        history(&ns, B).last().map(|r| (r.1.clone(), r.2.clone())),
        Some(("deployed".into(), "Rollback to 2".into()))
    );
    // helm takes it from there.
    ns.helm4(["rollback", B, "1", "--wait"]).ok();
}

#[test]
fn hook_output_and_failing_hooks() {
    let ns = TestNs::new("flags-hooklogs");
    for name in [A, B] {
        install(&ns, "hooks", name, &["--set", "message=one"]);
        install(&ns, "hooks", name, &["--set", "message=two"]);
    }
    // The pre-rollback Job asks for its output on success.
    let out = ns.rudder(["rollback", B]).ok();
    assert!(
        out.stderr
            .contains("rudder test cluster: container log served by kwok\n"),
        "{out}"
    );
    // A failing pre-rollback hook (the target revision's): helm leaves the
    // new revision pending-rollback, rudder marks it failed; both report
    // the hook's failure.
    for name in [A, B] {
        install(&ns, "hooks", name, &["--set", "failHook=pre-rollback"]);
        install(&ns, "hooks", name, &["--set", "message=five"]);
    }
    let h = ns.helm4(["rollback", A, "3", "--timeout", "1m"]).failed();
    let r = ns.rudder(["rollback", B, "4", "--timeout", "1m"]).failed();
    assert_eq!(
        normalize(h.stderr.lines().last().unwrap_or_default(), &[A, B]),
        normalize(r.stderr.lines().last().unwrap_or_default(), &[A, B]),
        "{h}\n{r}"
    );
    assert!(r.stderr.contains("not ready. status: Failed"), "{r}");
    let hh = history(&ns, A);
    let rh = history(&ns, B);
    assert_eq!(hh.last().map(|x| x.1.as_str()), Some("pending-rollback"));
    assert_eq!(rh.last().map(|x| x.1.as_str()), Some("failed"));
    assert!(
        rh.last()
            .is_some_and(|x| x.2.starts_with(&format!("Rollback \"{B}\" failed: "))),
        "{rh:?}"
    );
    // The failed run of the hook is recorded with the revision.
    let status = ns.rudder(["status", B, "-o", "json"]).ok();
    let v: Value = serde_json::from_str(&status.stdout).expect("json");
    let phases: Vec<(String, String)> = v["hooks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|h| {
            h["events"]
                .as_array()
                .is_some_and(|e| e.iter().any(|x| x == "pre-rollback"))
        })
        .map(|h| {
            (
                h["name"].as_str().unwrap_or_default().to_string(),
                h["last_run"]["phase"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert!(
        phases.contains(&(format!("{B}-pre-rollback-job"), "Failed".to_string())),
        "{phases:?}"
    );
    // A failed revision does not block the next rollback.
    ns.rudder(["rollback", B, "2", "--wait"]).ok();
}
