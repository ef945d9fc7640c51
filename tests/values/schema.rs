//! `values::schema::validate` against helm's schema errors, for the root
//! chart and for subcharts. santhosh reports an object's property errors
//! in Go map order (it changes between runs), so the error blocks of each
//! chart are compared as sorted sets; everything else is compared exactly.

use std::path::PathBuf;

use rudder::values::options::DefaultReader;
use rudder::values::{ValueOptions, coalesce_values, process_dependencies, schema};

use super::{BOTH, helm};

const INPUTS: &[&[&str]] = &[
    &[],
    &[
        "--set",
        "replicas=9,name=Web_Server_Long,port=0,mode=x,fixed=y,tags={a,a,3},image.extra=1,image.z=2,ratio=0.3",
    ],
    &[
        "--set",
        "replicas=1.5,choice=1,any=3,both=2,never=s,ref=9,obj.a=1,obj.b=2,obj.c=3",
    ],
    &["--set", "image=null,name=null"],
    &[
        "--set",
        "sub.level=9,sub.extra=1",
        "--set-string",
        "sub.label=x",
    ],
    &["--set", "sub.level=null"],
    &["--set-string", "replicas=3"],
    &[
        "--set-json",
        r#"tags=[],choice=true,ratio=0.75,port="80",mode=3,name="ab""#,
    ],
    &[
        "--set-json",
        r#"tags=["a","b","c","d"],obj={},replicas=-1,ratio=0.3"#,
    ],
    &["--set", "replicaCount=two,service.type=1"],
    &[
        "--set-json",
        r#"pair=["a",1,true],limits={"cpu":0,"mem":-1},kind=null,port=70000,size=2.5,big=1000001"#,
    ],
    &[
        "--set-json",
        r#"labels={"Bad":"x","ok-label":""},name="ééééé",kind="worker""#,
    ],
    &["--set", "kind=other,mode=fast,pair[0]=1"],
];

fn charts() -> Vec<PathBuf> {
    vec![
        crate::harness::repo_root().join("fixtures/charts/values-schema"),
        crate::harness::repo_root().join("fixtures/charts/values-schema-draft7"),
        crate::harness::realcharts().join("nginx"),
    ]
}

/// Splits helm's report into per-chart sections of sorted error blocks.
fn normalize(report: &str) -> Vec<(String, Vec<String>)> {
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in report.lines() {
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('-') && !line.starts_with(' ') {
            sections.push((line.to_owned(), Vec::new()));
        } else if let Some((_, blocks)) = sections.last_mut() {
            if line.starts_with('-') || blocks.is_empty() {
                blocks.push(line.to_owned());
            } else if let Some(b) = blocks.last_mut() {
                b.push('\n');
                b.push_str(line);
            }
        }
    }
    for (_, blocks) in &mut sections {
        for b in blocks.iter_mut() {
            // Child errors of one block come in Go map order too, and so
            // do the names of an `additional properties` message.
            let mut lines: Vec<String> = b.lines().map(sort_names).collect();
            lines[1..].sort();
            *b = lines.join("\n");
        }
        blocks.sort();
    }
    sections
}

/// `additional properties 'b', 'a' not allowed` with the names sorted.
fn sort_names(line: &str) -> String {
    let Some((head, rest)) = line.split_once("additional properties ") else {
        return line.to_owned();
    };
    let Some(names) = rest.strip_suffix(" not allowed") else {
        return line.to_owned();
    };
    let mut parts: Vec<&str> = names.split(", ").collect();
    parts.sort_unstable();
    format!(
        "{head}additional properties {} not allowed",
        parts.join(", ")
    )
}

#[test]
fn schema_errors_match_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    let mut compared = 0;
    for chart_src in charts() {
        // Templates removed: only values processing may fail.
        let chart_dir = super::chart::probe_copy_into(&chart_src, dir.path());
        for input in INPUTS {
            let mut opts = ValueOptions::default();
            for pair in input.chunks(2) {
                let v = pair[1].to_owned();
                match pair[0] {
                    "--set" => opts.values.push(v),
                    "--set-string" => opts.string_values.push(v),
                    "--set-json" => opts.json_values.push(v),
                    other => panic!("flag {other}"),
                }
            }
            for compat in BOTH {
                let mut args = vec!["template", "x", chart_dir.to_str().expect("utf8")];
                args.extend(input.iter().copied());
                let out = helm(compat, dir.path(), &args);
                let ours: Result<(), String> = (|| {
                    let vals = opts
                        .merge(&DefaultReader::default(), compat)
                        .map_err(|e| e.to_string())?;
                    let mut chart = super::chart::load(&chart_dir, compat);
                    process_dependencies(&mut chart, &vals, compat).map_err(|e| e.to_string())?;
                    let coalesced =
                        coalesce_values(&chart, &vals, compat).map_err(|e| e.to_string())?;
                    schema::validate(&chart, &coalesced).map_err(|e| e.to_string())
                })();
                compared += 1;
                let problem = match (&ours, out.ok) {
                    (Ok(()), true) => None,
                    (Err(e), false) => {
                        let want = format!("Error: {e}");
                        let theirs = out.stderr.clone();
                        let same_head = theirs.lines().next() == want.lines().next();
                        let same_body = normalize(&theirs) == normalize(&want);
                        // helm ends the message with the schema report's
                        // newline, so its output ends in a blank line.
                        let same_tail = theirs.ends_with("\n\n") == want.ends_with('\n');
                        (!(same_head && same_body && same_tail))
                            .then(|| format!("error\n  rudder: {want:?}\n  helm:   {theirs:?}"))
                    }
                    (Ok(()), false) => Some(format!("helm failed: {}", out.stderr)),
                    (Err(e), true) => Some(format!("rudder failed ({e}), helm succeeded")),
                };
                if let Some(p) = problem {
                    failures.push(format!("{compat:?} {} {input:?}: {p}", chart_dir.display()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
