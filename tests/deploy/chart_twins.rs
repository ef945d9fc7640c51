//! Every fixture chart as twins: installed by one tool, upgraded by the
//! other (each twin the other way round), with helm 4 and helm 3 (rudder
//! imitating it). After each step the twins printed and exited alike, helm
//! and rudder read the same history and `get all` for both, and their live
//! objects are equivalent (with helm 4, helm owns the same fields).
//!
//! `fixtures/diff/app` is left out: its ClusterRole is named after the
//! namespace, so two twins in one namespace would fight over it.

use crate::harness::{TestNs, Tool};

use super::twins::step;

/// A fixture chart, the flags of its upgrade, and whether its objects are
/// waited for.
struct Case {
    chart: &'static str,
    upgrade: &'static [&'static str],
    wait: &'static [&'static str],
}

const WAIT: &[&str] = &["--wait", "--timeout", "2m"];
const JOBS: &[&str] = &["--wait", "--wait-for-jobs", "--timeout", "2m"];

/// The fixture charts not already covered step by step in `twins`
/// (web, web 0.2.0 and hooks are), each with an upgrade that changes its
/// manifest where the chart allows it, and its values otherwise.
const CASES: &[Case] = &[
    Case {
        chart: "big",
        upgrade: &["--set", "hashesPerBlob=1400"],
        wait: &[],
    },
    Case {
        chart: "crd",
        upgrade: &["--set", "size=5", "--set", "color=red"],
        wait: &[],
    },
    // Dependencies missing from charts/: both refuse, alike.
    Case {
        chart: "depstatus",
        upgrade: &[],
        wait: &[],
    },
    Case {
        chart: "dupkeys",
        upgrade: &["--set", "message=third"],
        wait: &[],
    },
    Case {
        chart: "ignores",
        upgrade: &["--set", "extra=two"],
        wait: &[],
    },
    Case {
        chart: "job",
        upgrade: &["--set", "completions=2"],
        wait: JOBS,
    },
    // The kept objects leave the manifest and stay in the cluster.
    Case {
        chart: "keep",
        upgrade: &["--set", "keepObjects=false", "--set", "data=two"],
        wait: &[],
    },
    Case {
        chart: "legacy-v1",
        upgrade: &["--set", "replicas=2"],
        wait: &[],
    },
    Case {
        chart: "loadall",
        upgrade: &["--set", "replicas=3"],
        wait: &[],
    },
    Case {
        chart: "novalues",
        upgrade: &["--set", "extra=two"],
        wait: &[],
    },
    Case {
        chart: "stateful",
        upgrade: &["--set", "image=registry.invalid/rudder/db:5.1"],
        wait: WAIT,
    },
    Case {
        chart: "testsuite",
        upgrade: &["--set", "message=again"],
        wait: WAIT,
    },
    Case {
        chart: "tricky-values",
        upgrade: &["--set", "port=9090"],
        wait: &[],
    },
    Case {
        chart: "umbrella",
        upgrade: &["--set", "child.enabled=false"],
        wait: &[],
    },
    Case {
        chart: "values-aliases",
        upgrade: &["--set", "m2.note=third"],
        wait: &[],
    },
    Case {
        chart: "values-deps",
        upgrade: &["--set", "second.enabled=false"],
        wait: &[],
    },
    Case {
        chart: "values-nulls",
        upgrade: &["--set", "keep=2"],
        wait: &[],
    },
    // A value the schema refuses: both fail alike and write nothing.
    Case {
        chart: "values-schema",
        upgrade: &["--set", "replicas=9"],
        wait: &[],
    },
    Case {
        chart: "values-schema-draft7",
        upgrade: &["--set", "port=81"],
        wait: &[],
    },
];

fn case_flow(helm: Tool, case: &Case) {
    let ns = TestNs::new(&format!("deploy-charts-{}-{helm:?}", case.chart));
    let chart = format!("{{chart:{}}}", case.chart);
    let install = [&["install", "{}", chart.as_str()][..], case.wait].concat();
    step(&ns, helm, helm, &install);
    let upgrade = [
        &["upgrade", "{}", chart.as_str()][..],
        case.upgrade,
        case.wait,
    ]
    .concat();
    step(&ns, helm, Tool::Rudder, &upgrade);
}

/// Runs every case, three at a time (each in its own namespace).
fn all_cases(helm: Tool) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    while let Some(case) =
                        CASES.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                    {
                        case_flow(helm, case);
                    }
                })
            })
            .collect();
        for w in workers {
            if let Err(panic) = w.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

#[test]
fn every_fixture_chart_twins_with_helm_4() {
    all_cases(Tool::Helm4);
}

#[test]
fn every_fixture_chart_twins_with_helm_3() {
    all_cases(Tool::Helm3);
}
