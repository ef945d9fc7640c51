//! Real-world charts (`shared/realcharts`, found with the harness's
//! `realcharts()`) and every fixture chart under `fixtures/charts/`:
//! `rudder template` equals `helm template` byte for byte (stdout, stderr,
//! exit code), helm v4 against rudder's default and helm v3 against
//! `--compat v3`, with several value sets per chart.
//!
//! Value sets avoid generated secrets and random names where a value can
//! (nginx's `tls.existingSecret`, podinfo's `--skip-tests`), so nothing is
//! masked. Every tool runs as `template rel <chart> --namespace ns1
//! --kube-version 1.36.0 ARGS` in an isolated helm home with `TZ=UTC`.
//! Each test reports every mismatching value set with its first
//! differing lines before failing.

use std::path::Path;

use crate::harness::{Home, Out, Tool, realcharts, repo_root};

/// One comparison's arguments after the fixed ones.
type Set = &'static [&'static str];

/// Runs `tool template rel <chart> ... ARGS`.
fn run(home: &Home, tool: Tool, chart: &Path, args: &[&str]) -> Out {
    let mut all: Vec<String> = Vec::new();
    if tool == Tool::Rudder && args.contains(&"__v3") {
        all.extend(["--compat".to_owned(), "v3".to_owned()]);
    }
    all.extend([
        "template".to_owned(),
        "rel".to_owned(),
        chart.to_string_lossy().into_owned(),
        "--namespace".to_owned(),
        "ns1".to_owned(),
        "--kube-version".to_owned(),
        "1.36.0".to_owned(),
    ]);
    all.extend(
        args.iter()
            .filter(|a| **a != "__v3")
            .map(|a| (*a).to_owned()),
    );
    home.run_env(tool, &all, &[("TZ", "UTC")])
}

/// The first lines where `a` and `b` differ, with a little context.
pub fn first_difference(a: &str, b: &str) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let n = la.iter().zip(&lb).take_while(|(x, y)| x == y).count();
    let from = n.saturating_sub(2);
    let show = |l: &[&str]| {
        l.iter()
            .skip(from)
            .take(6)
            .map(|s| format!("    |{s}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "  first difference at line {} (helm {} lines, rudder {} lines)\n  helm:\n{}\n  rudder:\n{}",
        n + 1,
        la.len(),
        lb.len(),
        show(&la),
        show(&lb)
    )
}

/// Compares helm v4 with rudder and helm v3 with `rudder --compat v3` on
/// `chart` for every set; returns the mismatches.
pub fn compare_sets(chart: &Path, sets: &[Set]) -> Vec<String> {
    let home = Home::new();
    let mut failures = Vec::new();
    for set in sets {
        for (helm, label) in [(Tool::Helm4, "v4"), (Tool::Helm3, "v3")] {
            let mut args: Vec<&str> = set.to_vec();
            if helm == Tool::Helm3 {
                args.push("__v3");
            }
            let want = run(&home, helm, chart, &args);
            let got = run(&home, Tool::Rudder, chart, &args);
            let mut problems = Vec::new();
            if want.code() != got.code() {
                problems.push(format!(
                    "  exit: helm {} rudder {}",
                    want.code(),
                    got.code()
                ));
            }
            if want.stdout != got.stdout {
                problems.push(format!(
                    "  stdout differs:\n{}",
                    first_difference(&want.stdout, &got.stdout)
                ));
            }
            if want.stderr != got.stderr {
                problems.push(format!(
                    "  stderr differs:\n  helm:   {:?}\n  rudder: {:?}",
                    want.stderr, got.stderr
                ));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} {label} {:?}:\n{}",
                    chart.display(),
                    set,
                    problems.join("\n")
                ));
            }
        }
    }
    failures
}

#[track_caller]
fn assert_all_equal(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn real(name: &str) -> std::path::PathBuf {
    realcharts().join(name)
}

#[test]
fn podinfo() {
    // The test pods are named with randAlphaNum: --skip-tests everywhere.
    assert_all_equal(&compare_sets(
        &real("podinfo"),
        &[
            &["--skip-tests"],
            &["--skip-tests", "--set", "ingress.enabled=true"],
            &[
                "--skip-tests",
                "--set",
                "hpa.enabled=true,serviceMonitor.enabled=true",
            ],
            &[
                "--skip-tests",
                "--set",
                "tls.enabled=true,certificate.create=true",
            ],
            &[
                "--skip-tests",
                "--set",
                "redis.enabled=true,serviceAccount.enabled=true,podDisruptionBudget.maxUnavailable=1",
            ],
            &["--skip-tests", "--is-upgrade", "--include-crds"],
        ],
    ));
}

#[test]
fn ingress_nginx() {
    assert_all_equal(&compare_sets(
        &real("ingress-nginx"),
        &[
            &[],
            &[
                "--set",
                "controller.metrics.enabled=true,controller.metrics.serviceMonitor.enabled=true",
            ],
            &["--set", "controller.autoscaling.enabled=true"],
            &[
                "--set",
                "controller.kind=DaemonSet,defaultBackend.enabled=true",
            ],
            &[
                "--no-hooks",
                "--set",
                "controller.ingressClassResource.default=true",
            ],
        ],
    ));
}

#[test]
fn prometheus_node_exporter() {
    assert_all_equal(&compare_sets(
        &real("prometheus-node-exporter"),
        &[
            &[],
            &["--set", "prometheus.monitor.enabled=true"],
            &["--set", "kubeRBACProxy.enabled=true"],
            &["--set", "networkPolicy.enabled=true,tlsSecret.enabled=true"],
        ],
    ));
}

#[test]
fn nginx() {
    // tls.existingSecret keeps genCA/genSignedCert out of the output.
    assert_all_equal(&compare_sets(
        &real("nginx"),
        &[
            &["--set", "tls.existingSecret=nginx-tls"],
            &["--set", "tls.existingSecret=nginx-tls,ingress.enabled=true"],
            &[
                "--set",
                "tls.existingSecret=nginx-tls,metrics.enabled=true,metrics.serviceMonitor.enabled=true",
            ],
            &[
                "--set",
                "tls.existingSecret=nginx-tls,autoscaling.enabled=true,autoscaling.minReplicas=2,autoscaling.maxReplicas=4,autoscaling.targetCPU=50",
            ],
            &["--set", "tls.enabled=false,service.type=ClusterIP"],
        ],
    ));
}

#[test]
fn grafana_sampling() {
    assert_all_equal(&compare_sets(
        &real("grafana-sampling"),
        &[&[], &["--include-crds"], &["--skip-crds", "--no-hooks"]],
    ));
}

/// Every fixture chart at its defaults, and with CRDs and without hooks.
#[test]
fn fixture_charts() {
    let dir = repo_root().join("fixtures/charts");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/charts")
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Chart.yaml").is_file())
        .map(|e| e.path())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for chart in names {
        failures.extend(compare_sets(
            &chart,
            &[&[], &["--include-crds", "--no-hooks"]],
        ));
    }
    assert_all_equal(&failures);
}
