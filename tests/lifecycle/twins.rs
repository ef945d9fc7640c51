//! Twin releases: built by the same helm commands, then one is rolled back
//! and uninstalled by helm, the other by rudder. After every step, helm and
//! rudder must tell the same story about both (times and names aside) and
//! the cluster must hold equivalent objects. The twins then swap tools:
//! helm upgrades and rolls back the release rudder last touched, rudder the
//! one helm last touched.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{TestNs, Tool, chart};

use super::{assert_same_story, history, history_through, normalize};

/// A fixture chart and the values of three successive revisions.
struct Fixture {
    chart: &'static str,
    v1: &'static [&'static str],
    v2: &'static [&'static str],
    v3: &'static [&'static str],
    /// The second revision's values for helm 3, where they must differ.
    v2_helm3: Option<&'static [&'static str]>,
}

const A: &str = "alpha-twin";
const B: &str = "bravo-twin";

fn wait_args(tool: Tool) -> Vec<&'static str> {
    match tool {
        Tool::Rudder | Tool::Helm4 => vec!["--wait", "--timeout", "2m"],
        Tool::Helm3 => vec!["--wait", "--timeout", "2m"],
    }
}

fn install_args(f: &Fixture, name: &str, values: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "upgrade".into(),
        "--install".into(),
        name.into(),
        chart(f.chart).to_string_lossy().into_owned(),
        "--wait".into(),
        "--timeout".into(),
        "2m".into(),
    ];
    args.extend(values.iter().map(|s| s.to_string()));
    args
}

/// Runs `args` (with `{}` standing for the release) through `tool` for a
/// release, asserting success.
fn op(ns: &TestNs, tool: Tool, name: &str, args: &[&str]) -> String {
    let mut full: Vec<String> = args
        .iter()
        .map(|a| {
            if *a == "{}" {
                name.to_string()
            } else {
                a.to_string()
            }
        })
        .collect();
    if matches!(
        full.first().map(String::as_str),
        Some("rollback" | "uninstall")
    ) {
        full.extend(wait_args(tool).iter().map(|s| s.to_string()));
    }
    ns.run(tool, &full).ok().stdout
}

fn twin_flow(helm: Tool, f: &Fixture) {
    let ns = TestNs::new(&format!("twins-{}-{:?}", f.chart, helm));
    let v2 = match (helm, f.v2_helm3) {
        (Tool::Helm3, Some(v)) => v,
        _ => f.v2,
    };
    for name in [A, B] {
        ns.run(helm, install_args(f, name, f.v1)).ok();
        ns.run(helm, install_args(f, name, v2)).ok();
    }
    assert_same_story(&ns, helm, A, B, "after install and upgrade");

    // Roll back: helm one twin, rudder the other.
    op(&ns, helm, A, &["rollback", "{}"]);
    let out = op(&ns, Tool::Rudder, B, &["rollback", "{}"]);
    assert_eq!(out, "Rollback was a success! Happy Helming!\n");
    assert_same_story(&ns, helm, A, B, "after rollback");
    let h = history(&ns, B);
    assert_eq!(
        h.last().map(|r| (r.0, r.1.as_str(), r.2.as_str())),
        Some((3, "deployed", "Rollback to 1"))
    );

    // Take turns: helm upgrades both (the rudder one first of all), rudder
    // rolls back the one helm rolled back and helm the one rudder did.
    for name in [B, A] {
        ns.run(helm, install_args(f, name, f.v3)).ok();
    }
    assert_same_story(&ns, helm, A, B, "after helm upgraded both");
    op(&ns, Tool::Rudder, A, &["rollback", "{}", "2"]);
    op(&ns, helm, B, &["rollback", "{}", "2"]);
    assert_same_story(&ns, helm, A, B, "after swapping tools for a rollback");

    // Uninstall keeping history, then reinstall by rolling back, with the
    // other tool each time.
    let ua = op(&ns, helm, A, &["uninstall", "{}", "--keep-history"]);
    let ub = op(&ns, Tool::Rudder, B, &["uninstall", "{}", "--keep-history"]);
    assert_eq!(
        normalize(&ua, &[A, B]),
        normalize(&ub, &[A, B]),
        "uninstall output"
    );
    assert_same_story(&ns, helm, A, B, "after uninstall --keep-history");
    op(&ns, Tool::Rudder, A, &["rollback", "{}"]);
    op(&ns, helm, B, &["rollback", "{}"]);
    assert_same_story(&ns, helm, A, B, "after reinstalling by rollback");

    // Uninstall for good, again with swapped tools.
    let ua = op(&ns, Tool::Rudder, A, &["uninstall", "{}"]);
    let ub = op(&ns, helm, B, &["uninstall", "{}"]);
    assert_eq!(
        normalize(&ua, &[A, B]),
        normalize(&ub, &[A, B]),
        "uninstall output"
    );
    assert_same_story(&ns, helm, A, B, "after uninstall");
    let gone = ns.run(helm, ["history", A]).failed();
    assert_eq!(gone.stderr, "Error: release: not found\n");
}

macro_rules! twin_tests {
    ($($fn3:ident, $fn4:ident => $fixture:expr;)*) => {$(
        #[test]
        fn $fn3() {
            twin_flow(Tool::Helm3, &$fixture);
        }
        #[test]
        fn $fn4() {
            twin_flow(Tool::Helm4, &$fixture);
        }
    )*};
}

twin_tests! {
    web_helm3, web_helm4 => Fixture {
        chart: "web",
        v1: &[],
        v2: &["--set", "message=two", "--set", "replicaCount=2"],
        v3: &["--set", "message=three"],
        v2_helm3: None,
    };
    hooks_helm3, hooks_helm4 => Fixture {
        chart: "hooks",
        v1: &[],
        v2: &["--set", "message=two"],
        v3: &["--set", "message=three"],
        v2_helm3: None,
    };
    keep_helm3, keep_helm4 => Fixture {
        chart: "keep",
        v1: &[],
        v2: &["--set", "keepObjects=false", "--set", "data=two"],
        v3: &["--set", "data=three"],
        // helm 3 cannot roll back to a revision whose objects exist but are
        // missing from the current manifest (`no ConfigMap with the name
        // ... found`), which is what dropping the kept objects leads to.
        v2_helm3: Some(&["--set", "data=two"]),
    };
    crd_helm3, crd_helm4 => Fixture {
        chart: "crd",
        v1: &[],
        v2: &["--set", "size=5", "--set", "color=red"],
        v3: &["--set", "size=7"],
        v2_helm3: None,
    };
    stateful_helm3, stateful_helm4 => Fixture {
        chart: "stateful",
        v1: &[],
        v2: &["--set", "image=registry.invalid/rudder/db:5.1"],
        v3: &["--set", "replicas=1"],
        v2_helm3: None,
    };
    job_helm3, job_helm4 => Fixture {
        chart: "job",
        v1: &[],
        v2: &["--set", "completions=2"],
        v3: &["--set", "completions=1"],
        v2_helm3: None,
    };
}

/// `--history-max N` (or `HELM_MAX_HISTORY=N`) on a rollback: helm makes
/// room for the new revision by pruning to N-1 before creating it, never
/// the newest deployed one; rudder must leave the same history. Each
/// setting gets its own pair of twins, rolled back twice (the second time
/// to the revision just before the newest, which the prune may remove
/// once the target has been read).
fn history_max_flow(helm: Tool) {
    let ns = TestNs::new(&format!("twins-histmax-{helm:?}"));
    let web = chart("web").to_string_lossy().into_owned();
    let settings: [(&str, Option<&str>, Option<&str>); 4] = [
        ("max1", Some("1"), None),
        ("max2", Some("2"), None),
        ("max3", Some("3"), None),
        ("env1", None, Some("1")),
    ];
    for (label, flag, env) in settings {
        let (a, b) = (format!("alpha-{label}"), format!("bravo-{label}"));
        for name in [&a, &b] {
            for m in ["one", "two", "three", "four"] {
                ns.run(
                    helm,
                    [
                        "upgrade",
                        "--install",
                        name.as_str(),
                        &web,
                        "--set",
                        &format!("message={m}"),
                    ],
                )
                .ok();
            }
        }
        for (step, target) in [("to 2", Some("2")), ("to the previous", None)] {
            let when = format!("{label}: after rollback {step}");
            let run = |tool: Tool, name: &str| {
                let mut args = vec!["rollback".to_string(), name.to_string()];
                args.extend(target.map(str::to_string));
                if let Some(n) = flag {
                    args.extend(["--history-max".to_string(), n.to_string()]);
                }
                let env: Vec<(&str, &str)> = env
                    .map(|v| vec![("HELM_MAX_HISTORY", v)])
                    .unwrap_or_default();
                ns.run_env(tool, &args, &env)
            };
            let (h, r) = (run(helm, &a), run(Tool::Rudder, &b));
            assert_eq!(
                (h.code(), normalize(&h.stdout, &[&a, &b])),
                (r.code(), normalize(&r.stdout, &[&a, &b])),
                "{when}:\n{h}\n{r}"
            );
            // Every tool reads the same history for both twins, with one
            // deployed revision, the newest.
            let expected = history_through(&ns, helm, &a);
            for tool in [Tool::Helm3, Tool::Helm4, Tool::Rudder] {
                for name in [&a, &b] {
                    assert_eq!(
                        history_through(&ns, tool, name),
                        expected,
                        "{when}: {tool:?} reads {name}'s history differently from {helm:?}'s of {a}"
                    );
                }
            }
            let deployed: Vec<_> = expected.iter().filter(|r| r.1 == "deployed").collect();
            assert_eq!(deployed.len(), 1, "{when}: {expected:?}");
            assert_eq!(expected.last().map(|r| r.1.as_str()), Some("deployed"));
            assert_same_story(&ns, helm, &a, &b, &when);
        }
    }
}

#[test]
fn history_max_matches_helm3() {
    history_max_flow(Tool::Helm3);
}

#[test]
fn history_max_matches_helm4() {
    history_max_flow(Tool::Helm4);
}

/// Who owns which fields of a twin's objects: per object (`plural/name`,
/// release name masked), one line per `managedFields` entry: manager,
/// operation, subresource, API version, the field set's top-level members
/// and those of its `f:metadata`. Times are left out; entries are sorted.
pub fn ownership(ns: &str, name: &str) -> BTreeMap<String, Vec<String>> {
    let keys = |v: &Value| -> String {
        v.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(","))
            .unwrap_or_default()
    };
    super::objects::twin_objects(ns, name)
        .into_iter()
        .map(|(key, item)| {
            let mut entries: Vec<String> = item["metadata"]["managedFields"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    format!(
                        "manager={} operation={} subresource={} apiVersion={} fields=[{}] metadata=[{}]",
                        e["manager"].as_str().unwrap_or_default(),
                        e["operation"].as_str().unwrap_or_default(),
                        e["subresource"].as_str().unwrap_or_default(),
                        e["apiVersion"].as_str().unwrap_or_default(),
                        keys(&e["fieldsV1"]),
                        keys(&e["fieldsV1"]["f:metadata"]),
                    )
                })
                .collect();
            entries.sort();
            (key, entries)
        })
        .collect()
}

#[track_caller]
fn assert_same_ownership(ns: &TestNs, a: &str, b: &str, when: &str) {
    let (oa, ob) = (ownership(&ns.name, a), ownership(&ns.name, b));
    assert!(!oa.is_empty(), "{when}: no objects for {a}");
    assert_eq!(
        oa, ob,
        "{when}: field ownership differs between {a} (left) and {b} (right)"
    );
}

/// A release helm wrote with client-side apply (helm 3, or helm 4 with
/// `--server-side=false`), rolled back by helm 4 with `--server-side=true`
/// on one twin and by rudder on the other: both move the objects' field
/// ownership to server-side apply, and must leave the same managers,
/// operations and field sets; then once more, server-side to server-side.
fn csa_to_ssa_flow(installer: Tool, f: &Fixture) {
    let ns = TestNs::new(&format!("twins-ssa-{}-{installer:?}", f.chart));
    let csa: &[&str] = match installer {
        Tool::Helm4 => &["--server-side=false"],
        _ => &[],
    };
    for name in [A, B] {
        for values in [f.v1, f.v2] {
            let mut args = install_args(f, name, values);
            args.extend(csa.iter().map(|s| s.to_string()));
            ns.run(installer, args).ok();
        }
    }
    assert_same_ownership(&ns, A, B, "after the client-side installs");
    for (target, when) in [
        ("1", "after the migrating rollback"),
        ("2", "after a second rollback"),
    ] {
        ns.helm4([
            "rollback",
            A,
            target,
            "--server-side=true",
            "--wait",
            "--timeout",
            "2m",
        ])
        .ok();
        ns.rudder(["rollback", B, target, "--wait", "--timeout", "2m"])
            .ok();
        assert_same_story(&ns, Tool::Helm4, A, B, when);
        assert_same_ownership(&ns, A, B, when);
    }
}

const WEB: Fixture = Fixture {
    chart: "web",
    v1: &[],
    v2: &["--set", "message=two", "--set", "replicaCount=2"],
    v3: &[],
    v2_helm3: None,
};

const CRD: Fixture = Fixture {
    chart: "crd",
    v1: &[],
    v2: &["--set", "size=5", "--set", "color=red"],
    v3: &[],
    v2_helm3: None,
};

#[test]
fn csa_to_ssa_ownership_matches_helm4_after_helm3_install() {
    csa_to_ssa_flow(Tool::Helm3, &WEB);
    csa_to_ssa_flow(Tool::Helm3, &CRD);
}

#[test]
fn csa_to_ssa_ownership_matches_helm4_after_helm4_csa_install() {
    csa_to_ssa_flow(Tool::Helm4, &WEB);
}
