//! Twin releases: built by the same helm commands, then one is rolled back
//! and uninstalled by helm, the other by rudder. After every step, helm and
//! rudder must tell the same story about both (times and names aside) and
//! the cluster must hold equivalent objects. The twins then swap tools:
//! helm upgrades and rolls back the release rudder last touched, rudder the
//! one helm last touched.

use crate::harness::{TestNs, Tool, chart};

use super::{assert_same_story, history, normalize};

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
