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

/// rudder's fixed randomness and clock for the masked comparisons.
const SEED_ENV: &[(&str, &str)] = &[
    ("TZ", "UTC"),
    ("RUDDER_RENDER_SEED", "42"),
    ("RUDDER_RENDER_NOW", "2026-01-02T03:04:05Z"),
];

/// A generated field: the pattern finding it (its group 1 is what is
/// generated) and the pattern the generated text must match in both
/// outputs.
pub struct Mask {
    /// Finds the field; group 1 is masked.
    pub find: &'static str,
    /// What a generated value must look like (whole match).
    pub shape: &'static str,
}

/// `text` with group 1 of every `mask` match replaced by `<masked>`, or
/// the reason a generated value has the wrong shape.
fn apply_masks(text: &str, masks: &[Mask]) -> Result<String, String> {
    let mut out = text.to_owned();
    for m in masks {
        let find = regex::Regex::new(m.find).expect("mask pattern");
        let shape = regex::Regex::new(&format!("^(?:{})$", m.shape)).expect("shape pattern");
        for c in find.captures_iter(text) {
            let v = c.get(1).map_or("", |g| g.as_str());
            if !shape.is_match(v) {
                return Err(format!("generated value {v:?} does not match {}", m.shape));
            }
        }
        out = find
            .replace_all(&out, |c: &regex::Captures<'_>| {
                let whole = c.get(0).map_or("", |g| g.as_str());
                let v = c.get(1).map_or("", |g| g.as_str());
                whole.replacen(v, "<masked>", 1)
            })
            .into_owned();
    }
    Ok(out)
}

/// Runs `tool template rel <chart> ... ARGS`.
fn run(home: &Home, tool: Tool, chart: &Path, args: &[&str]) -> Out {
    run_env(home, tool, chart, args, &[("TZ", "UTC")])
}

fn run_env(home: &Home, tool: Tool, chart: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
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
    home.run_env(tool, &all, env)
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
    compare_masked(chart, sets, &[])
}

/// How `got` (rudder) differs from `want` (helm): exit status, standard
/// output (first differing line) and standard error, one entry each.
pub fn differences(want: &Out, got: &Out) -> Vec<String> {
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
    problems
}

/// [`compare_sets`] for output with generated fields: rudder runs with a
/// fixed seed and clock, and exactly the `masks` fields are masked in both
/// outputs after their shape is checked.
pub fn compare_masked(chart: &Path, sets: &[Set], masks: &[Mask]) -> Vec<String> {
    let home = Home::new();
    let mut failures = Vec::new();
    for set in sets {
        for (helm, label) in [(Tool::Helm4, "v4"), (Tool::Helm3, "v3")] {
            let mut args: Vec<&str> = set.to_vec();
            if helm == Tool::Helm3 {
                args.push("__v3");
            }
            let want = run(&home, helm, chart, &args);
            let got = if masks.is_empty() {
                run(&home, Tool::Rudder, chart, &args)
            } else {
                run_env(&home, Tool::Rudder, chart, &args, SEED_ENV)
            };
            let mut problems = Vec::new();
            let (mut want, mut got) = (want, got);
            if !masks.is_empty() {
                match (
                    apply_masks(&want.stdout, masks),
                    apply_masks(&got.stdout, masks),
                ) {
                    (Ok(w), Ok(g)) => {
                        want.stdout = w;
                        got.stdout = g;
                    }
                    (Err(e), _) => problems.push(format!("  helm: {e}")),
                    (_, Err(e)) => problems.push(format!("  rudder: {e}")),
                }
            }
            problems.extend(differences(&want, &got));
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

/// The test pods' names end in `randAlphaNum 5 | lower`.
#[test]
fn podinfo_with_tests() {
    assert_all_equal(&compare_masked(
        &real("podinfo"),
        &[&[], &["--set", "redis.enabled=true"]],
        &[Mask {
            find: r"-test-([a-z0-9]{5})\b",
            shape: "[a-z0-9]{5}",
        }],
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

/// At its defaults nginx generates a CA and a signed certificate: the
/// three base64 PEM values are masked (their shape checked).
#[test]
fn nginx_generated_tls() {
    assert_all_equal(&compare_masked(
        &real("nginx"),
        &[&[]],
        &[Mask {
            find: r"(?m)^  (?:tls\.crt|tls\.key|ca\.crt): (\S+)$",
            shape: "LS0tLS1CRUdJTi[A-Za-z0-9+/]+=*",
        }],
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
