//! 16 rudder processes at once on one release: exactly one wins each
//! revision, the history never holds duplicates or two deployed
//! revisions, and every loser exits non-zero with a clear message, with
//! the per-release Lease, and without it (a user that may not use Leases
//! still gets create-only revisions and conditional updates).

use std::collections::BTreeSet;

use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::Api;
use kube::api::PostParams;
use regex::Regex;
use serde_json::json;

use crate::harness::{Out, TestNs, Tool, block_on, chart, cluster};

use super::{history, history_through};

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

/// The history holds each revision once and at most one deployed, and
/// helm v3, helm v4 and rudder all read the same history.
#[track_caller]
fn assert_sane_history(ns: &TestNs, name: &str) -> Vec<(i64, String, String)> {
    let h = history(ns, name);
    let revisions: BTreeSet<i64> = h.iter().map(|r| r.0).collect();
    assert_eq!(revisions.len(), h.len(), "duplicate revisions: {h:?}");
    let deployed = h.iter().filter(|r| r.1 == "deployed").count();
    assert!(deployed <= 1, "several deployed revisions: {h:?}");
    for helm in [Tool::Helm3, Tool::Helm4] {
        assert_eq!(
            history_through(ns, helm, name),
            h,
            "{helm:?} reads another history than rudder"
        );
    }
    h
}

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// Racer `i`'s command: `args` with a description naming it, so the
/// revision it wrote (if any) says who wrote it.
fn racer(i: usize, args: &[&str]) -> Vec<String> {
    let mut v = argv(args);
    v.extend(["--description".to_string(), format!("racer-{i}")]);
    v
}

/// The ways a racer may lose: the Lease was held, another racer created
/// the revision first, the release was mid-operation or already gone.
/// Each is the whole last line of stderr.
const LOST_LOCK: &str = r#"^Error: another operation \((rollback|uninstall)\) is in progress on release "[a-z]+": lock held by .+$"#;
const LOST_CREATE: &str = r#"^Error: another operation created revision \d+ of release "[a-z]+" first; nothing was changed$"#;
const LOST_BUSY: &str = r#"^Error: release "[a-z]+" has an operation in progress: revision \d+ is (pending-rollback|uninstalling); .+$"#;
const LOST_GONE: &str = r#"^Error: uninstall: Release not loaded: [a-z]+: release: not found$"#;
const LOST_DELETED: &str = r#"^Error: the release named "[a-z]+" is already deleted$"#;

/// A loser exits 1, prints nothing on stdout, and on stderr only the
/// lines in `preamble` (exactly) and then one line matching one of
/// `ways`.
#[track_caller]
fn assert_lost(out: &Out, ways: &[&str], preamble: &[&str]) {
    assert_eq!(out.code(), 1, "a loser exits 1: {out}");
    assert!(out.stdout.is_empty(), "a loser prints nothing: {out}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    let Some((last, before)) = lines.split_last() else {
        panic!("a loser says why: {out}");
    };
    assert_eq!(before, preamble, "nothing but the reason: {out}");
    assert!(
        ways.iter()
            .any(|w| Regex::new(w).expect("regex").is_match(last)),
        "not a lost race: {out}"
    );
}

/// Every racer's id appears at most once in the history, and only
/// winners' ids appear.
#[track_caller]
fn assert_only_winners_wrote(h: &[(i64, String, String)], outs: &[Out]) {
    let mut seen = BTreeSet::new();
    for r in h.iter().filter(|r| r.2.starts_with("racer-")) {
        let i: usize = r.2["racer-".len()..].parse().expect("racer id");
        assert!(seen.insert(i), "racer {i} wrote twice: {h:?}");
        assert!(
            outs[i].status.success(),
            "racer {i} lost, yet wrote revision {}: {h:?}\n{}",
            r.0,
            outs[i]
        );
    }
}

/// Every revision after `before` names its writer, the writers are
/// exactly the racers that reported success, one revision each, and no
/// loser wrote anything.
#[track_caller]
fn assert_one_winner_per_revision(
    h: &[(i64, String, String)],
    before: i64,
    winners: &BTreeSet<usize>,
    outs: &[Out],
) {
    let new: Vec<_> = h.iter().filter(|r| r.0 > before).collect();
    let writers: BTreeSet<usize> = new
        .iter()
        .map(|r| r.2["racer-".len()..].parse().expect("racer id"))
        .collect();
    assert_eq!(&writers, winners, "{h:?}");
    assert_eq!(new.len(), winners.len(), "{h:?}");
    assert_only_winners_wrote(h, outs);
}

fn show(outs: &[Out]) -> String {
    outs.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn sixteen_concurrent_rollbacks_make_one_revision_each() {
    let ns = TestNs::new("race-rollback");
    for m in ["one", "two", "three"] {
        web(&ns, "r", m);
    }
    let outs = race(
        &ns,
        (0..RACERS)
            .map(|i| racer(i, &["rollback", "r", "1", "--wait"]))
            .collect(),
        &[],
    );
    let winners: BTreeSet<usize> = (0..RACERS).filter(|&i| outs[i].status.success()).collect();
    assert!(!winners.is_empty(), "nobody won:\n{}", show(&outs));
    for (i, o) in outs.iter().enumerate() {
        if winners.contains(&i) {
            assert_eq!(o.stdout, "Rollback was a success! Happy Helming!\n", "{o}");
        } else {
            // With the Lease, a racer never meets another's half-made
            // revision: it loses the lock, or (too late) the create.
            assert_lost(o, &[LOST_LOCK, LOST_CREATE], &[]);
        }
    }
    let h = assert_sane_history(&ns, "r");
    // Exactly one winner per new revision: each new revision names its
    // winner, and every winner wrote one.
    assert_one_winner_per_revision(&h, 3, &winners, &outs);
    assert_eq!(h.last().map(|r| r.1.as_str()), Some("deployed"));
    assert_eq!(h.iter().filter(|r| r.1 == "deployed").count(), 1, "{h:?}");
}

#[test]
fn sixteen_concurrent_uninstalls_and_rollbacks_leave_one_consistent_outcome() {
    let ns = TestNs::new("race-uninstall");
    for m in ["one", "two"] {
        web(&ns, "u", m);
    }
    let outs = race(
        &ns,
        (0..RACERS).map(|i| racer(i, &["uninstall", "u"])).collect(),
        &[],
    );
    let winners: Vec<&Out> = outs.iter().filter(|o| o.status.success()).collect();
    assert_eq!(winners.len(), 1, "{}", show(&outs));
    assert_eq!(winners[0].stdout, "release \"u\" uninstalled\n");
    for loser in outs.iter().filter(|o| !o.status.success()) {
        assert_lost(loser, &[LOST_LOCK, LOST_GONE], &[]);
    }
    for tool in [Tool::Helm3, Tool::Helm4, Tool::Rudder] {
        let out = ns.run(tool, ["history", "u"]).failed();
        assert_eq!(out.stderr, "Error: release: not found\n", "{out}");
    }

    // Mixed: rollbacks and keep-history uninstalls racing each other.
    for m in ["one", "two"] {
        web(&ns, "m", m);
    }
    let cmds = (0..RACERS)
        .map(|i| {
            if i % 2 == 0 {
                racer(i, &["rollback", "m", "1"])
            } else {
                racer(i, &["uninstall", "m", "--keep-history"])
            }
        })
        .collect();
    let outs = race(&ns, cmds, &[]);
    for (i, o) in outs.iter().enumerate() {
        match (i % 2 == 0, o.status.success()) {
            (true, true) => {
                assert_eq!(o.stdout, "Rollback was a success! Happy Helming!\n", "{o}")
            }
            (false, true) => assert_eq!(o.stdout, "release \"m\" uninstalled\n", "{o}"),
            (true, false) => assert_lost(o, &[LOST_LOCK, LOST_CREATE], &[]),
            (false, false) => assert_lost(o, &[LOST_LOCK, LOST_DELETED], &[]),
        }
    }
    let h = assert_sane_history(&ns, "m");
    assert_only_winners_wrote(&h, &outs);
    let rollbacks = (0..RACERS)
        .filter(|&i| i % 2 == 0 && outs[i].status.success())
        .count();
    assert_eq!(
        h.iter().filter(|r| r.0 > 2).count(),
        rollbacks,
        "one new revision per winning rollback: {h:?}"
    );
    // Each winning uninstall marked the newest revision of its moment
    // uninstalled, with its own description (a later rollback may have
    // superseded that revision, never rewritten it).
    for i in (0..RACERS).filter(|&i| i % 2 == 1 && outs[i].status.success()) {
        assert!(
            h.iter()
                .any(|r| r.2 == format!("racer-{i}")
                    && (r.1 == "uninstalled" || r.1 == "superseded")),
            "uninstall {i} won but left no uninstalled revision: {h:?}"
        );
    }
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
    let outs = race(
        &ns,
        (0..RACERS)
            .map(|i| racer(i, &["rollback", "nolock", "1"]))
            .collect(),
        &env,
    );
    let winners: BTreeSet<usize> = (0..RACERS).filter(|&i| outs[i].status.success()).collect();
    assert!(!winners.is_empty(), "nobody won:\n{}", show(&outs));
    for (i, o) in outs.iter().enumerate() {
        // Every racer warns once that it goes on without the lock.
        let warning = o.stderr.lines().next().unwrap_or_default();
        assert!(
            warning.starts_with("warning: ") && warning.contains("going on without the lock"),
            "{o}"
        );
        if winners.contains(&i) {
            assert_eq!(o.stdout, "Rollback was a success! Happy Helming!\n", "{o}");
        } else {
            // Without the Lease a racer may also meet the winner's
            // revision while it is still pending.
            assert_lost(o, &[LOST_CREATE, LOST_BUSY], &[warning]);
        }
    }
    let h = assert_sane_history(&ns, "nolock");
    assert_one_winner_per_revision(&h, 2, &winners, &outs);
    assert!(h.iter().all(|r| !r.1.starts_with("pending")), "{h:?}");
}
