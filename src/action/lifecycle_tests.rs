//! Unit tests of rollback, uninstall, hooks and recover over the in-memory
//! storage driver and the in-memory cluster: the statuses, descriptions,
//! revision numbers, record writes and cluster calls Helm's logic implies.
//! Behaviour against Kubernetes and helm is tested on the real cluster
//! (`tests/lifecycle/`).

use std::time::Duration;

use serde_json::json;

use super::ActionError;
use super::recover::{RecoverOptions, Verdict, judge, recover};
use super::rollback::{RollbackOptions, WaitStrategy, rollback};
use super::uninstall::{UninstallOptions, parse_cascade, uninstall};
use crate::cluster::memory::MemoryCluster;
use crate::cluster::{Event, LockHolder, Quiet, Recorded};
use crate::release::name::storage_key;
use crate::release::{Release, Status};
use crate::storage::memory::MemoryDriver;
use crate::storage::{Driver, Storage};

const NS: &str = "ns";

fn cm(name: &str, extra: &str) -> String {
    format!(
        "---\n# Source: c/templates/{name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{extra}data:\n  k: v\n"
    )
}

fn hook(name: &str, kind: &str, event: &str, weight: i64, policies: &[&str]) -> serde_json::Value {
    let api = if kind == "Job" { "batch/v1" } else { "v1" };
    json!({
        "name": name,
        "kind": kind,
        "path": format!("c/templates/{name}.yaml"),
        "manifest": format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n"),
        "events": [event],
        "last_run": {"started_at": "", "completed_at": "", "phase": ""},
        "weight": weight,
        "delete_policies": policies,
    })
}

fn release(
    name: &str,
    version: i64,
    status: Status,
    manifest: &str,
    hooks: serde_json::Value,
) -> Release {
    let text = json!({
        "name": name,
        "namespace": NS,
        "version": version,
        "info": {
            "first_deployed": "2026-01-01T00:00:00Z",
            "last_deployed": format!("2026-01-01T00:0{version}:00Z"),
            "deleted": "",
            "description": format!("rev {version}"),
            "status": status.as_str(),
            "notes": format!("notes {version}"),
        },
        "chart": {"metadata": {"name": "c", "version": format!("1.0.{version}")}},
        "config": {"rev": version},
        "manifest": manifest,
        "hooks": hooks,
    })
    .to_string();
    serde_json::from_str(&text).expect("release")
}

struct World {
    storage: Storage<MemoryDriver>,
    cluster: MemoryCluster,
}

impl World {
    async fn new(revisions: &[(Status, String)], hooks: serde_json::Value) -> World {
        let driver = MemoryDriver::new();
        for (i, (status, manifest)) in revisions.iter().enumerate() {
            let v = i as i64 + 1;
            let r = release("r", v, status.clone(), manifest, hooks.clone());
            driver
                .create(NS, &storage_key("r", v), &r)
                .await
                .expect("seed");
        }
        World {
            storage: Storage::new(driver, NS),
            cluster: MemoryCluster::new(),
        }
    }

    async fn revisions(&self) -> Vec<(i64, String, String)> {
        super::test_support::revisions(&self.storage, NS, "r").await
    }

    async fn get(&self, v: i64) -> Release {
        self.storage.get("r", v).await.expect("get").release
    }

    /// Every record's stored text, to check that nothing changed.
    async fn snapshot(&self) -> Vec<(String, Option<String>)> {
        super::test_support::snapshot(&self.storage).await
    }
}

fn two_revisions() -> Vec<(Status, String)> {
    vec![
        (Status::Superseded, cm("one", "")),
        (
            Status::Deployed,
            format!("{}{}", cm("one", ""), cm("two", "")),
        ),
    ]
}

#[tokio::test]
async fn rollback_makes_a_new_deployed_revision_from_the_old_one() {
    let w = World::new(&two_revisions(), json!([])).await;
    let out = rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect("rollback");
    assert_eq!(out.release.version, 3);
    assert_eq!(
        w.revisions().await,
        vec![
            (1, "superseded".into(), "rev 1".into()),
            (2, "superseded".into(), "rev 2".into()),
            (3, "deployed".into(), "Rollback to 1".into()),
        ]
    );
    let v3 = w.get(3).await;
    let v1 = w.get(1).await;
    assert_eq!(v3.manifest, v1.manifest);
    assert_eq!(v3.info.notes, "notes 1");
    assert_eq!(
        v3.config.as_ref().map(|c| c.get().to_string()),
        v1.config.as_ref().map(|c| c.get().to_string())
    );
    assert_eq!(v3.apply_method, "ssa");
    assert_eq!(v3.info.first_deployed, w.get(2).await.info.first_deployed);
    let calls = w.cluster.calls();
    assert_eq!(
        calls.first().map(String::as_str),
        Some("lock ns/r rollback")
    );
    assert_eq!(calls.last().map(String::as_str), Some("unlock ns/r"));
    assert!(
        calls.contains(&"apply ConfigMap/ns/one (upgrade csa)".to_string())
            || calls.contains(&"apply ConfigMap/ns/one".to_string()),
        "{calls:?}"
    );
    // The object the old revision lacks is deleted; none existed live
    // before, so only `one` is there now, owned by the release.
    let one = w.cluster.object("ConfigMap", NS, "one").expect("one");
    assert_eq!(
        one["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "Helm"
    );
    assert_eq!(
        one["metadata"]["annotations"]["meta.helm.sh/release-name"],
        "r"
    );
    assert_eq!(
        one["metadata"]["annotations"]["meta.helm.sh/release-namespace"],
        NS
    );
}

#[tokio::test]
async fn rollback_deletes_what_the_target_lacks_unless_kept() {
    let w = World::new(&two_revisions(), json!([])).await;
    // Live objects as revision 2 left them; `two` asks to be kept.
    let objs = w
        .cluster
        .build(&w.get(2).await.manifest, NS)
        .await
        .expect("build");
    for o in &objs {
        let mut body = o.object.body.clone();
        if o.object.name == "two" {
            body["metadata"]["annotations"] = json!({"helm.sh/resource-policy": "keep"});
        }
        w.cluster.put(o.id(), body);
    }
    rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect("rollback");
    assert!(w.cluster.object("ConfigMap", NS, "two").is_some());
    assert!(
        !w.cluster
            .calls()
            .iter()
            .any(|c| c.starts_with("delete ConfigMap/ns/two"))
    );

    // Without the annotation it goes.
    let w = World::new(&two_revisions(), json!([])).await;
    for o in w
        .cluster
        .build(&w.get(2).await.manifest, NS)
        .await
        .expect("build")
    {
        w.cluster.put(o.id(), o.object.body.clone());
    }
    rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect("rollback");
    assert!(w.cluster.object("ConfigMap", NS, "two").is_none());
}

use crate::cluster::Cluster as _;

#[tokio::test]
async fn bad_rollbacks_say_what_helm_says_and_write_nothing() {
    let w = World::new(&two_revisions(), json!([])).await;
    let before = w.snapshot().await;
    let cases: Vec<(&str, i64, &str)> = vec![
        ("r", 7, "release has no 7 version"),
        ("r", -1, "invalid release revision"),
        (
            "Bad_Name",
            0,
            "prepareRollback: Release name is invalid: Bad_Name",
        ),
        ("nope", 0, "release: not found"),
    ];
    for (name, revision, want) in cases {
        let o = RollbackOptions {
            revision,
            ..RollbackOptions::default()
        };
        let err = rollback(&w.storage, &w.cluster, name, &o, &Quiet)
            .await
            .expect_err(want);
        assert_eq!(err.to_string(), want);
    }
    let single = World::new(&[(Status::Deployed, cm("one", ""))], json!([])).await;
    let err = rollback(
        &single.storage,
        &single.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("no previous");
    assert_eq!(err.to_string(), "release has no 0 version");
    assert_eq!(w.snapshot().await, before);
}

#[tokio::test]
async fn rollback_refuses_while_another_operation_may_run() {
    let mut revs = two_revisions();
    revs.push((Status::PendingUpgrade, cm("three", "")));
    let w = World::new(&revs, json!([])).await;
    let before = w.snapshot().await;
    let err = rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("pending");
    assert!(matches!(err, ActionError::Stuck(_)), "{err}");
    assert!(err.to_string().contains("rudder recover r"), "{err}");
    assert_eq!(w.snapshot().await, before);

    let w = World::new(&two_revisions(), json!([])).await;
    let now = jiff::Timestamp::now();
    w.cluster.set_lock(
        NS,
        "r",
        Some(LockHolder {
            holder: "h/1/x".into(),
            operation: "uninstall".into(),
            acquired: Some(now),
            renewed: Some(now),
            duration: Duration::from_secs(15),
            liveness: crate::cluster::Liveness::Live,
        }),
    );
    let before = w.snapshot().await;
    let err = rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("locked");
    assert!(
        err.to_string()
            .starts_with("another operation (uninstall) is in progress on release \"r\""),
        "{err}"
    );
    assert_eq!(w.snapshot().await, before);
}

#[tokio::test]
async fn a_failed_apply_fails_the_new_revision_and_supersedes_the_current() {
    let w = World::new(&two_revisions(), json!([])).await;
    w.cluster.fail_apply("one");
    let err = rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("apply fails");
    assert!(
        err.to_string().starts_with("failed to create resource: "),
        "{err}"
    );
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "superseded");
    assert_eq!(revs[2].1, "failed");
    assert!(
        revs[2]
            .2
            .starts_with("Rollback \"r\" failed: failed to create resource"),
        "{}",
        revs[2].2
    );
}

#[tokio::test]
async fn a_failed_wait_fails_the_new_revision_and_keeps_the_current_deployed() {
    let w = World::new(&two_revisions(), json!([])).await;
    w.cluster.never_ready("one", "nope");
    let o = RollbackOptions {
        wait: WaitStrategy::Watcher,
        ..RollbackOptions::default()
    };
    let err = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect_err("wait fails");
    assert_eq!(
        err.to_string(),
        "release r failed: resource ConfigMap/ns/one not ready. status: Failed, message: nope"
    );
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "deployed");
    assert_eq!(revs[2].1, "failed");
    assert_eq!(
        revs[2].2,
        "Release \"r\" failed: resource ConfigMap/ns/one not ready. status: Failed, message: nope"
    );
    // Without --wait nothing is waited for.
    let w = World::new(&two_revisions(), json!([])).await;
    w.cluster.never_ready("one", "nope");
    rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect("no wait");
    assert!(
        !w.cluster
            .calls()
            .iter()
            .any(|c| c.starts_with("wait Ready"))
    );
}

#[tokio::test]
async fn hooks_run_by_weight_then_name_and_record_their_phases() {
    let hooks = json!([
        hook("post-b", "Pod", "post-rollback", 0, &[]),
        hook("pre-z", "Job", "pre-rollback", -1, &["hook-succeeded"]),
        hook("pre-a", "Job", "pre-rollback", 5, &[]),
        hook(
            "pre-b",
            "ConfigMap",
            "pre-rollback",
            5,
            &["before-hook-creation", "hook-succeeded"]
        ),
        hook("del", "Job", "pre-delete", 0, &[]),
    ]);
    let w = World::new(&two_revisions(), hooks).await;
    let progress = Recorded::default();
    rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &progress,
    )
    .await
    .expect("rollback");
    // The same story as typed events: each hook started and finished in
    // order, the new revision pending, then deployed.
    let story: Vec<String> = progress
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::HookStarted { name, event, .. } => Some(format!("start {event} {name}")),
            Event::HookFinished { path, phase, .. } => Some(format!("{phase} {path}")),
            Event::Phase {
                revision, status, ..
            } => Some(format!("{revision} {status}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        story,
        [
            "3 pending-rollback",
            "start pre-rollback pre-z",
            "Succeeded c/templates/pre-z.yaml",
            "start pre-rollback pre-a",
            "Succeeded c/templates/pre-a.yaml",
            "start pre-rollback pre-b",
            "Succeeded c/templates/pre-b.yaml",
            "start post-rollback post-b",
            "Succeeded c/templates/post-b.yaml",
            "3 deployed",
        ]
    );
    let applies: Vec<String> = w
        .cluster
        .calls()
        .into_iter()
        .filter(|c| {
            c.starts_with("apply Job")
                || c.starts_with("apply Pod")
                || c.starts_with("apply ConfigMap/ns/pre")
        })
        .collect();
    assert_eq!(
        applies,
        [
            "apply Job/ns/pre-z",
            "apply Job/ns/pre-a",
            "apply ConfigMap/ns/pre-b",
            "apply Pod/ns/post-b"
        ]
    );
    let v3 = w.get(3).await;
    let by_name = |n: &str| v3.hooks.iter().find(|h| h.name == n).expect("hook").clone();
    for n in ["pre-z", "pre-a", "pre-b", "post-b"] {
        let h = by_name(n);
        assert_eq!(h.last_run.phase, "Succeeded", "{n}");
        assert!(
            h.last_run.started_at.is_some() && h.last_run.completed_at.is_some(),
            "{n}"
        );
    }
    // Hooks that named no policy get Helm's default, recorded.
    assert_eq!(by_name("pre-a").delete_policies, ["before-hook-creation"]);
    assert_eq!(by_name("del").last_run.phase, "");
    // hook-succeeded ones are deleted after every hook ran, last first;
    // before-hook-creation ones just before they are created again.
    let calls = w.cluster.calls();
    let last = |s: &str| calls.iter().rposition(|c| c == s).expect(s);
    let first = |s: &str| calls.iter().position(|c| c == s).expect(s);
    assert!(first("delete ConfigMap/ns/pre-b Background") < first("apply ConfigMap/ns/pre-b"));
    assert!(last("apply Pod/ns/post-b") > last("delete Job/ns/pre-z Background"));
    assert!(last("delete ConfigMap/ns/pre-b Background") < last("delete Job/ns/pre-z Background"));
    assert!(last("apply ConfigMap/ns/pre-b") < first("delete Job/ns/pre-z Background"));
    assert!(w.cluster.object("Job", NS, "pre-z").is_none());
    assert!(w.cluster.object("Job", NS, "pre-a").is_some());
}

#[tokio::test]
async fn a_failing_hook_fails_the_revision_and_changes_nothing_else() {
    let hooks = json!([hook("pre", "Job", "pre-rollback", 0, &["hook-failed"])]);
    let w = World::new(&two_revisions(), hooks).await;
    w.cluster.never_ready("pre", "Job Failed. failed: 1/1");
    let err = rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("hook fails");
    assert_eq!(
        err.to_string(),
        "resource Job/ns/pre not ready. status: Failed, message: Job Failed. failed: 1/1"
    );
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "deployed");
    assert_eq!(revs[2].1, "failed");
    assert_eq!(w.get(3).await.hooks[0].last_run.phase, "Failed");
    assert!(
        w.cluster.object("Job", NS, "pre").is_none(),
        "hook-failed deletes it"
    );
    assert!(
        w.cluster.object("ConfigMap", NS, "one").is_none(),
        "nothing applied"
    );
}

#[tokio::test]
async fn history_max_prunes_the_oldest_but_never_the_newest_deployed() {
    let revs: Vec<(Status, String)> = vec![
        (Status::Superseded, cm("a", "")),
        (Status::Deployed, cm("a", "")),
        (Status::Failed, cm("a", "")),
        (Status::Failed, cm("a", "")),
    ];
    let w = World::new(&revs, json!([])).await;
    let o = RollbackOptions {
        revision: 1,
        max_history: 2,
        ..RollbackOptions::default()
    };
    let out = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("rollback");
    assert_eq!(out.pruned, [1, 3, 4]);
    let left: Vec<i64> = w.revisions().await.iter().map(|r| r.0).collect();
    assert_eq!(left, [2, 5]);
    assert_eq!(w.get(5).await.info.status, Status::Deployed);
    assert_eq!(w.get(2).await.info.status, Status::Superseded);
}

/// Helm makes room before it creates: with a limit of 1 the new revision
/// survives and the old deployed one is kept until it is superseded.
#[tokio::test]
async fn history_max_one_keeps_the_new_revision() {
    let revs: Vec<(Status, String)> = vec![
        (Status::Superseded, cm("a", "")),
        (Status::Deployed, cm("a", "")),
    ];
    let w = World::new(&revs, json!([])).await;
    let o = RollbackOptions {
        revision: 1,
        max_history: 1,
        ..RollbackOptions::default()
    };
    let out = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("rollback");
    assert_eq!(out.pruned, [1]);
    let left: Vec<i64> = w.revisions().await.iter().map(|r| r.0).collect();
    assert_eq!(left, [2, 3]);
    assert_eq!(w.get(3).await.info.status, Status::Deployed);
    assert_eq!(w.get(2).await.info.status, Status::Superseded);
}

#[tokio::test]
async fn dry_run_rollback_changes_nothing() {
    let w = World::new(&two_revisions(), json!([])).await;
    let before = w.snapshot().await;
    let o = RollbackOptions {
        dry_run: super::rollback::DryRun::Client,
        ..RollbackOptions::default()
    };
    let out = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("dry");
    assert_eq!(out.release.version, 3);
    assert_eq!(w.snapshot().await, before);
    assert!(w.cluster.calls().is_empty());
}

#[tokio::test]
async fn server_dry_runs_send_every_object_with_dry_run_and_write_nothing() {
    use super::rollback::DryRun;
    use crate::cluster::ApplyOptions;
    let w = World::new(&two_revisions(), json!([])).await;
    for o in w
        .cluster
        .build(&w.get(2).await.manifest, NS)
        .await
        .expect("build")
    {
        w.cluster
            .apply(&o, ApplyOptions::default())
            .await
            .expect("apply");
    }
    let objects = w.cluster.names();
    let before = w.snapshot().await;
    let o = RollbackOptions {
        revision: 1,
        dry_run: DryRun::Server,
        ..RollbackOptions::default()
    };
    let out = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("dry");
    assert_eq!(out.release.version, 3);
    assert_eq!(w.snapshot().await, before);
    assert_eq!(w.cluster.names(), objects);
    let calls = w.cluster.calls();
    assert!(
        calls.contains(&"apply ConfigMap/ns/one (upgrade csa)".to_string())
            && calls.contains(&"delete-dry-run ConfigMap/ns/two Background".to_string())
            && !calls.iter().any(|c| c.starts_with("lock ")),
        "{calls:?}"
    );
    // The server's refusal is the dry run's answer.
    w.cluster.fail_apply("one");
    let err = rollback(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect_err("refused");
    assert!(
        err.to_string()
            .starts_with("server-side dry run of rollback \"r\" failed: server-side apply failed for object ns/one"),
        "{err}"
    );
    assert_eq!(w.snapshot().await, before);

    let u = UninstallOptions {
        dry_run: DryRun::Server,
        ..UninstallOptions::default()
    };
    uninstall(&w.storage, &w.cluster, "r", &u, &Quiet)
        .await
        .expect("dry uninstall");
    assert_eq!(w.snapshot().await, before);
    assert_eq!(w.cluster.names(), objects);
    let calls = w.cluster.calls();
    assert!(
        calls.contains(&"delete-dry-run ConfigMap/ns/one Background".to_string()),
        "{calls:?}"
    );
    assert!(!calls.iter().any(|c| c.starts_with("delete ")), "{calls:?}");
}

#[tokio::test]
async fn uninstall_deletes_objects_and_history_and_reports_kept_ones() {
    let manifest = format!(
        "{}{}",
        cm("gone", ""),
        cm(
            "stay",
            "  annotations:\n    helm.sh/resource-policy: keep\n"
        )
    );
    let w = World::new(&[(Status::Deployed, manifest)], json!([])).await;
    for o in w
        .cluster
        .build(&w.get(1).await.manifest, NS)
        .await
        .expect("build")
    {
        w.cluster.put(o.id(), o.object.body.clone());
    }
    let out = uninstall(
        &w.storage,
        &w.cluster,
        "r",
        &UninstallOptions::default(),
        &Quiet,
    )
    .await
    .expect("uninstall");
    assert_eq!(
        out.info,
        "These resources were kept due to the resource policy:\n[ConfigMap] stay\n"
    );
    assert!(w.revisions().await.is_empty());
    assert!(w.cluster.object("ConfigMap", NS, "gone").is_none());
    assert!(w.cluster.object("ConfigMap", NS, "stay").is_some());
    // Gone now: helm's message, or success with --ignore-not-found.
    let err = uninstall(
        &w.storage,
        &w.cluster,
        "r",
        &UninstallOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("gone");
    assert_eq!(
        err.to_string(),
        "uninstall: Release not loaded: r: release: not found"
    );
    let o = UninstallOptions {
        ignore_not_found: true,
        ..UninstallOptions::default()
    };
    let out = uninstall(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("ignored");
    assert!(out.release.is_none());
}

#[tokio::test]
async fn uninstall_keep_history_marks_uninstalled_and_refuses_twice() {
    let w = World::new(&two_revisions(), json!([])).await;
    let o = UninstallOptions {
        keep_history: true,
        description: Some("bye".into()),
        ..UninstallOptions::default()
    };
    uninstall(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("uninstall");
    assert_eq!(
        w.revisions().await,
        vec![
            (1, "superseded".into(), "rev 1".into()),
            (2, "uninstalled".into(), "bye".into()),
        ]
    );
    assert!(w.get(2).await.info.deleted.is_some());
    let before = w.snapshot().await;
    let err = uninstall(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect_err("twice");
    assert_eq!(
        err.to_string(),
        "the release named \"r\" is already deleted"
    );
    assert_eq!(w.snapshot().await, before);
    // A later rollback reinstalls.
    rollback(
        &w.storage,
        &w.cluster,
        "r",
        &RollbackOptions::default(),
        &Quiet,
    )
    .await
    .expect("rollback after uninstall");
    assert_eq!(w.get(3).await.info.status, Status::Deployed);
    assert!(w.cluster.object("ConfigMap", NS, "one").is_some());
    // Without --keep-history an uninstalled release is purged.
    let w2 = World::new(&[(Status::Uninstalled, cm("x", ""))], json!([])).await;
    uninstall(
        &w2.storage,
        &w2.cluster,
        "r",
        &UninstallOptions::default(),
        &Quiet,
    )
    .await
    .expect("purge");
    assert!(w2.revisions().await.is_empty());
}

#[tokio::test]
async fn uninstall_runs_delete_hooks_and_bad_input_writes_nothing() {
    let hooks = json!([
        hook("pre", "Job", "pre-delete", 0, &["hook-succeeded"]),
        hook("post", "ConfigMap", "post-delete", 0, &[]),
    ]);
    let w = World::new(&two_revisions(), hooks.clone()).await;
    let before = w.snapshot().await;
    for (name, want) in [
        ("Bad_Name", "uninstall: Release name is invalid: Bad_Name"),
        (
            "a-name-that-is-far-too-long-for-helm-to-accept-as-a-rel",
            "uninstall: Release name is invalid: a-name-that-is-far-too-long-for-helm-to-accept-as-a-rel",
        ),
    ] {
        let err = uninstall(
            &w.storage,
            &w.cluster,
            name,
            &UninstallOptions::default(),
            &Quiet,
        )
        .await
        .expect_err(want);
        assert_eq!(err.to_string(), want);
    }
    assert_eq!(
        parse_cascade("sideways").expect_err("bad").to_string(),
        "invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\""
    );
    assert_eq!(w.snapshot().await, before);
    let o = UninstallOptions {
        keep_history: true,
        ..UninstallOptions::default()
    };
    uninstall(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("uninstall");
    let v2 = w.get(2).await;
    let phase = |n: &str| {
        v2.hooks
            .iter()
            .find(|h| h.name == n)
            .expect(n)
            .last_run
            .phase
            .clone()
    };
    assert_eq!(phase("pre"), "Succeeded");
    assert_eq!(phase("post"), "Succeeded");
    assert!(w.cluster.object("ConfigMap", NS, "post").is_some());
    assert!(w.cluster.object("Job", NS, "pre").is_none());

    // A failing pre-delete hook deletes nothing and leaves the release failed.
    let w = World::new(&two_revisions(), hooks).await;
    for o in w
        .cluster
        .build(&w.get(2).await.manifest, NS)
        .await
        .expect("build")
    {
        w.cluster.put(o.id(), o.object.body.clone());
    }
    w.cluster.never_ready("pre", "Job Failed. failed: 1/1");
    uninstall(
        &w.storage,
        &w.cluster,
        "r",
        &UninstallOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("hook fails");
    assert!(w.cluster.object("ConfigMap", NS, "two").is_some());
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "failed");
    assert!(
        revs[1].2.starts_with("Uninstall failed (was deployed): "),
        "{}",
        revs[1].2
    );
}

fn stuck_world_revs() -> Vec<(Status, String)> {
    let mut revs = two_revisions();
    revs.push((Status::PendingUpgrade, cm("three", "")));
    revs
}

#[tokio::test]
async fn recover_judges_liveness() {
    let w = World::new(&stuck_world_revs(), json!([])).await;
    let rec = w.storage.last("r").await.expect("last").record;
    let now = jiff::Timestamp::now();
    // The record was written just now (createdAt): a helm operation may run.
    assert!(matches!(
        judge(&rec, None, now, Duration::from_secs(300)),
        Verdict::Alive(_)
    ));
    assert!(matches!(
        judge(&rec, None, now, Duration::ZERO),
        Verdict::Stuck(_)
    ));
    let live = LockHolder {
        holder: "h/1/x".into(),
        operation: "rollback".into(),
        acquired: Some(now),
        renewed: Some(now),
        duration: Duration::from_secs(15),
        liveness: crate::cluster::Liveness::Live,
    };
    assert!(matches!(
        judge(&rec, Some(&live), now, Duration::ZERO),
        Verdict::Alive(_)
    ));
    // Seen renewing: alive, whatever its renewTime says (a skewed clock).
    let skewed = LockHolder {
        renewed: now.checked_sub(jiff::SignedDuration::from_hours(1)).ok(),
        ..live.clone()
    };
    assert!(matches!(
        judge(&rec, Some(&skewed), now, Duration::ZERO),
        Verdict::Alive(_)
    ));
    // A dead rudder's lock does not make a young record fair game: a helm
    // operation may have started since.
    let expired = LockHolder {
        liveness: crate::cluster::Liveness::Expired,
        ..live.clone()
    };
    let v = judge(&rec, Some(&expired), now, Duration::from_secs(3600));
    assert!(
        matches!(&v, Verdict::Alive(why) if why.contains("stopped renewing it") && why.contains("a helm operation may still be running")),
        "{v:?}"
    );
    let v = judge(&rec, Some(&expired), now, Duration::ZERO);
    assert!(
        matches!(&v, Verdict::Stuck(why) if why.contains("stopped renewing it")),
        "{v:?}"
    );
    // Not watched (list, status): the record's age decides.
    let unknown = LockHolder {
        liveness: crate::cluster::Liveness::Unknown,
        ..live.clone()
    };
    assert!(matches!(
        judge(&rec, Some(&unknown), now, Duration::from_secs(3600)),
        Verdict::Alive(_)
    ));
    assert!(matches!(
        judge(&rec, Some(&unknown), now, Duration::ZERO),
        Verdict::Stuck(_)
    ));
    let deployed = w.storage.get("r", 2).await.expect("v2");
    assert_eq!(
        judge(&deployed, None, now, Duration::ZERO),
        Verdict::NotStuck
    );
}

#[tokio::test]
async fn recover_refuses_live_operations_then_marks_failed_or_rolls_back() {
    let w = World::new(&stuck_world_revs(), json!([])).await;
    let before = w.snapshot().await;
    let err = recover(
        &w.storage,
        &w.cluster,
        "r",
        &RecoverOptions::default(),
        &Quiet,
    )
    .await
    .expect_err("too recent");
    assert!(matches!(err, ActionError::Busy(_)), "{err}");
    assert_eq!(w.snapshot().await, before);

    let o = RecoverOptions {
        grace: Duration::ZERO,
        ..RecoverOptions::default()
    };
    let out = recover(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("recover");
    assert!(
        out.report[0].contains("is stuck: revision 3 is pending-upgrade"),
        "{:?}",
        out.report
    );
    assert_eq!(w.get(3).await.info.status, Status::Failed);
    assert_eq!(w.get(2).await.info.status, Status::Deployed);
    let err = recover(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect_err("not stuck");
    assert_eq!(
        err.to_string(),
        "release \"r\" is not stuck: its newest revision (3) is failed"
    );

    let w = World::new(&stuck_world_revs(), json!([])).await;
    let o = RecoverOptions {
        grace: Duration::ZERO,
        rollback: true,
        ..RecoverOptions::default()
    };
    let out = recover(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect("recover");
    assert_eq!(out.release.version, 4);
    assert_eq!(
        w.revisions()
            .await
            .iter()
            .map(|r| r.1.as_str())
            .collect::<Vec<_>>(),
        ["superseded", "superseded", "failed", "deployed"]
    );
    assert_eq!(w.get(4).await.info.description, "Rollback to 2");

    // A live lock: refused unless forced; forced breaks it.
    let w = World::new(&stuck_world_revs(), json!([])).await;
    let now = jiff::Timestamp::now();
    w.cluster.set_lock(
        NS,
        "r",
        Some(LockHolder {
            holder: "h/1/x".into(),
            operation: "rollback".into(),
            acquired: Some(now),
            renewed: Some(now),
            duration: Duration::from_secs(15),
            liveness: crate::cluster::Liveness::Live,
        }),
    );
    let o = RecoverOptions {
        grace: Duration::ZERO,
        ..RecoverOptions::default()
    };
    let err = recover(&w.storage, &w.cluster, "r", &o, &Quiet)
        .await
        .expect_err("live");
    assert!(
        err.to_string()
            .contains("a rudder rollback (h/1/x) holds its lock"),
        "{err}"
    );
    let forced = RecoverOptions { force: true, ..o };
    recover(&w.storage, &w.cluster, "r", &forced, &Quiet)
        .await
        .expect("forced");
    assert!(w.cluster.calls().contains(&"break-lock ns/r".to_string()));
    assert_eq!(w.get(3).await.info.status, Status::Failed);
}
