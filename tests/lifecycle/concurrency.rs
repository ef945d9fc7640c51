//! 16 rudder processes at once on one release: exactly one wins each
//! revision, the history never holds duplicates or two deployed
//! revisions, and every loser exits non-zero with a clear message, with
//! the per-release Lease, and without it (a user that may not use Leases
//! still gets create-only revisions and conditional updates).

use std::collections::BTreeSet;

use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::PostParams;
use serde_json::json;

use crate::harness::{Out, TestNs, Tool, block_on, chart, cluster};

use super::history;

const RACERS: usize = 16;

fn web(ns: &TestNs, name: &str, message: &str) {
    ns.helm4([
        "upgrade",
        "--install",
        name,
        &chart("web").to_string_lossy(),
        "--set",
        &format!("message={message}"),
        "--wait",
    ])
    .ok();
}

/// Starts every command at once (as near as threads allow) and collects
/// the results.
fn race(ns: &TestNs, commands: Vec<Vec<String>>, env: &[(&str, &str)]) -> Vec<Out> {
    let barrier = std::sync::Barrier::new(commands.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = commands
            .into_iter()
            .map(|args| {
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    ns.run_env(Tool::Rudder, &args, env)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("racer"))
            .collect()
    })
}

/// The history holds each revision once and at most one deployed.
#[track_caller]
fn assert_sane_history(ns: &TestNs, name: &str) -> Vec<(i64, String, String)> {
    let h = history(ns, name);
    let revisions: BTreeSet<i64> = h.iter().map(|r| r.0).collect();
    assert_eq!(revisions.len(), h.len(), "duplicate revisions: {h:?}");
    let deployed = h.iter().filter(|r| r.1 == "deployed").count();
    assert!(deployed <= 1, "several deployed revisions: {h:?}");
    h
}

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A loser says why in one clear line, and changed nothing.
#[track_caller]
fn assert_clear_loss(out: &Out) {
    assert!(!out.status.success(), "{out}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("Error: another operation")
            || last == "Error: release: not found"
            || last.starts_with("Error: uninstall: Release not loaded")
            || last.contains("has an operation in progress"),
        "unclear loss: {out}"
    );
}

#[test]
fn sixteen_concurrent_rollbacks_make_one_revision_each() {
    let ns = TestNs::new("race-rollback");
    for m in ["one", "two", "three"] {
        web(&ns, "r", m);
    }
    let outs = race(
        &ns,
        vec![argv(&["rollback", "r", "1", "--wait"]); RACERS],
        &[],
    );
    let winners: Vec<&Out> = outs.iter().filter(|o| o.status.success()).collect();
    for loser in outs.iter().filter(|o| !o.status.success()) {
        assert_clear_loss(loser);
    }
    assert!(!winners.is_empty(), "nobody won: {}", outs[0]);
    let h = assert_sane_history(&ns, "r");
    // Each winner made exactly one new revision.
    let new: Vec<_> = h.iter().filter(|r| r.0 > 3).collect();
    assert_eq!(new.len(), winners.len(), "{h:?}");
    assert!(new.iter().all(|r| r.2 == "Rollback to 1"), "{h:?}");
    assert_eq!(h.last().map(|r| r.1.as_str()), Some("deployed"));
    // helm agrees.
    let helm = ns.helm4(["history", "r", "-o", "json"]).ok();
    assert_eq!(helm.stdout.matches("\"deployed\"").count(), 1, "{helm}");
}

#[test]
fn sixteen_concurrent_uninstalls_and_rollbacks_leave_one_consistent_outcome() {
    let ns = TestNs::new("race-uninstall");
    for m in ["one", "two"] {
        web(&ns, "u", m);
    }
    let outs = race(&ns, vec![argv(&["uninstall", "u"]); RACERS], &[]);
    let winners = outs.iter().filter(|o| o.status.success()).count();
    assert_eq!(
        winners,
        1,
        "{}",
        outs.iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for loser in outs.iter().filter(|o| !o.status.success()) {
        assert_clear_loss(loser);
    }
    ns.helm4(["history", "u"]).failed();

    // Mixed: rollbacks and keep-history uninstalls racing each other.
    for m in ["one", "two"] {
        web(&ns, "m", m);
    }
    let mut cmds = Vec::new();
    for i in 0..RACERS {
        cmds.push(if i % 2 == 0 {
            argv(&["rollback", "m", "1"])
        } else {
            argv(&["uninstall", "m", "--keep-history"])
        });
    }
    let outs = race(&ns, cmds, &[]);
    for loser in outs.iter().filter(|o| !o.status.success()) {
        let last = loser.stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("Error: another operation")
                || last.contains("has an operation in progress")
                || last == "Error: the release named \"m\" is already deleted",
            "unclear loss: {loser}"
        );
    }
    let h = assert_sane_history(&ns, "m");
    let winners = outs.iter().filter(|o| o.status.success()).count();
    let rollbacks = h.iter().filter(|r| r.0 > 2).count();
    let uninstalls = outs
        .iter()
        .filter(|o| o.status.success() && o.stdout.contains("uninstalled"))
        .count();
    assert_eq!(winners, rollbacks + uninstalls, "{h:?}");
    // Nothing is left half-done.
    assert!(
        h.iter()
            .all(|r| !r.1.starts_with("pending") && r.1 != "uninstalling"),
        "{h:?}"
    );
}

/// Without rights on Leases, rudder warns and relies on create-only
/// revisions and conditional updates: still one winner per revision.
#[test]
fn without_leases_revisions_are_still_won_once() {
    let ns = TestNs::new("race-nolease");
    for m in ["one", "two"] {
        web(&ns, "nolock", m);
    }
    block_on(async {
        let admin = cluster().admin().await;
        let role: Role = serde_json::from_value(json!({
            "metadata": {"name": "release-manager-without-leases"},
            "rules": [
                {"apiGroups": [""], "resources": ["secrets", "configmaps", "services", "pods", "pods/log"], "verbs": ["*"]},
                {"apiGroups": ["apps"], "resources": ["deployments", "replicasets"], "verbs": ["*"]},
            ]
        }))
        .expect("role");
        Api::<Role>::namespaced(admin.clone(), &ns.name)
            .create(&PostParams::default(), &role)
            .await
            .expect("role");
        let binding: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "restricted-manages-releases"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "release-manager-without-leases"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "restricted"}]
        }))
        .expect("binding");
        Api::<RoleBinding>::namespaced(admin, &ns.name)
            .create(&PostParams::default(), &binding)
            .await
            .expect("binding");
    });
    let env = [("HELM_KUBECONTEXT", "restricted")];
    let outs = race(&ns, vec![argv(&["rollback", "nolock", "1"]); RACERS], &env);
    let winners: Vec<&Out> = outs.iter().filter(|o| o.status.success()).collect();
    assert!(!winners.is_empty(), "nobody won: {}", outs[0]);
    for w in &winners {
        assert!(w.stderr.contains("going on without the lock"), "{w}");
    }
    for loser in outs.iter().filter(|o| !o.status.success()) {
        assert_clear_loss(loser);
    }
    let h = assert_sane_history(&ns, "nolock");
    assert_eq!(h.iter().filter(|r| r.0 > 2).count(), winners.len(), "{h:?}");
    assert!(h.iter().all(|r| !r.1.starts_with("pending")), "{h:?}");
}
