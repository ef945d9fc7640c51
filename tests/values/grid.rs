//! The values grid: charts (fixtures with subcharts, aliases, conditions,
//! tags, import-values, globals and nulls, plus the real-world charts of
//! `shared/realcharts`, found by `harness::realcharts`) times value inputs times helm v3 and v4.
//! rudder's `.Values` (merge, dependency processing, coalescing) is
//! compared with what a probe template sees under `helm template`, types
//! included, and rudder's errors with helm's.

use std::path::{Path, PathBuf};

use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::values::options::DefaultReader;
use rudder::values::{ValueOptions, coalesce_values, process_dependencies};

use super::{BOTH, helm, probe_lines, probe_types, rudder_types};

fn charts() -> Vec<PathBuf> {
    crate::charts::fixtures_and_real(&[
        "values-deps",
        "values-aliases",
        "values-nulls",
        "umbrella",
        "tricky-values",
    ])
}

const NULLS_YAML: &str = "keep: null\nmap: {a: null, inner: {d: null}}\nmapDefault: 3\nscalarDefault: {x: 1}\nchild: {childMap: {v: null, n: null}, newNull: null}\nfirst: {greeting: null, nestedDefaults: {a: null}}\nglobal: {region: null, nested: {level: null}}\nimage: {tag: null}\nuserOnlyNull: null\n";
const TWODOC_YAML: &str =
    "a: {x: 1}\nfirst: {greeting: doc1}\n---\na: {y: 2}\nsecond: {list: [d2]}\n";

const INPUTS: &[&[&str]] = &[
    &[],
    &[
        "--set",
        "first.enabled=false,second.list={a,b},global.region=cli,topNull=x,map.b=2",
    ],
    &["-f", "nulls.yaml"],
    &["--set", "tags.backend=false,tags.frontend=false"],
    &[
        "--set",
        "second.enabled=false",
        "--set-string",
        "global.firstOn=true",
    ],
    &[
        "--set-json",
        r#"global={"firstOn":false,"n":1.5}"#,
        "--set",
        "first.enabled=null",
    ],
    &["-f", "twodoc.yaml", "--set-literal", "lit.b=c,d"],
    &[
        "--set",
        "image.tag=1.2.3,replicaCount=3,service.type=NodePort,controller.replicaCount=2,alloy-deployment.alloy.enabled=false,crds.create=false",
    ],
    &[
        "--set",
        "leaf.on=false,first.leaf.on=false,second.leaf.on=false",
    ],
    &["--set", "first=1"],
    &["--set", "child=x"],
    &[
        "-f",
        "nulls.yaml",
        "--set",
        "global.nested.level=cli,global.extra.x=1",
    ],
    &[
        "--set",
        "m1.leafy.enabled=false,m2.leafy.enabled=false,leafy.enabled=false",
    ],
];

/// rudder's whole pipeline for one chart and input.
fn rudder_values(
    chart_dir: &Path,
    opts: &ValueOptions,
    compat: Compat,
) -> Result<rudder::chart::model::Values, String> {
    let vals = opts
        .merge(&DefaultReader::default(), compat)
        .map_err(|e| e.to_string())?;
    let mut chart = super::chart::load(chart_dir, compat);
    process_dependencies(&mut chart, &vals, compat).map_err(|e| e.to_string())?;
    coalesce_values(&chart, &vals, compat).map_err(|e| e.to_string())
}

fn options(args: &[String]) -> ValueOptions {
    let mut o = ValueOptions::default();
    for pair in args.chunks(2) {
        let v = pair[1].clone();
        match pair[0].as_str() {
            "-f" => o.value_files.push(v),
            "--set" => o.values.push(v),
            "--set-string" => o.string_values.push(v),
            "--set-json" => o.json_values.push(v),
            "--set-literal" => o.literal_values.push(v),
            other => panic!("flag {other}"),
        }
    }
    o
}

#[test]
fn coalesced_values_match_helm_templates() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("nulls.yaml"), NULLS_YAML).expect("write");
    std::fs::write(dir.path().join("twodoc.yaml"), TWODOC_YAML).expect("write");
    let mut failures = Vec::new();
    let mut compared = 0;
    for chart_src in charts() {
        let copy = super::chart::probe_copy_into(&chart_src, dir.path());
        let name = chart_src.file_name().expect("name").to_string_lossy();
        for input in INPUTS {
            let args: Vec<String> = input
                .iter()
                .map(|a| {
                    a.replace(
                        "nulls.yaml",
                        &dir.path().join("nulls.yaml").display().to_string(),
                    )
                    .replace(
                        "twodoc.yaml",
                        &dir.path().join("twodoc.yaml").display().to_string(),
                    )
                })
                .collect();
            let opts = options(&args);
            for compat in BOTH {
                let mut full = vec![
                    "template",
                    "x",
                    copy.to_str().expect("utf8"),
                    "--skip-schema-validation",
                ];
                full.extend(args.iter().map(String::as_str));
                let out = helm(compat, dir.path(), &full);
                let ours = rudder_values(&copy, &opts, compat);
                compared += 1;
                let problem = match (&ours, out.ok) {
                    (Ok(v), true) => {
                        let ours_json: serde_json::Value = serde_json::from_str(
                            &rudder::gojson::to_json(&GoValue::Map(v.clone())).expect("json"),
                        )
                        .expect("reparse");
                        let theirs = probe_lines(&out.stdout);
                        let (ot, tt) = (rudder_types(v), probe_types(&out.stdout));
                        if theirs.first() == Some(&ours_json) && ot == tt {
                            None
                        } else {
                            let diff: Vec<String> = tt
                                .iter()
                                .filter(|l| !ot.contains(l))
                                .map(|l| format!("helm only: {l}"))
                                .chain(
                                    ot.iter()
                                        .filter(|l| !tt.contains(l))
                                        .map(|l| format!("rudder only: {l}")),
                                )
                                .collect();
                            Some(format!("values differ:\n    {}", diff.join("\n    ")))
                        }
                    }
                    (Err(e), false) => {
                        // v4 also logs the failure through slog before its
                        // `Error:` line; the values layer returns the error,
                        // so only that line is compared.
                        let want = format!("Error: {e}");
                        let got = out.stderr.trim_end().lines().last().unwrap_or("");
                        (got != want).then(|| {
                            format!(
                                "error\n  rudder: {want}\n  helm:   {}",
                                out.stderr.trim_end()
                            )
                        })
                    }
                    (Ok(_), false) => Some(format!("helm failed: {}", out.stderr.trim_end())),
                    (Err(e), true) => Some(format!("rudder failed ({e}), helm succeeded")),
                };
                if let Some(p) = problem {
                    failures.push(format!("{compat:?} {name} {input:?}: {p}"));
                }
            }
        }
    }
    eprintln!(
        "values grid: {} charts x {} inputs x 2 helm versions = {compared} comparisons",
        charts().len(),
        INPUTS.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
