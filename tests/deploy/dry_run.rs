//! `--dry-run` outputs of install and upgrade: the status block with
//! `HOOKS:` and `MANIFEST:` (or the release as JSON), as helm prints it,
//! and nothing written.

use crate::harness::{TestNs, Tool, chart};
use crate::lifecycle::{normalize, records};

use super::{errors, objects_named, run_as};

#[track_caller]
fn same_as(ns: &TestNs, helm: Tool, args: &[&str]) {
    let h = ns.run(helm, args);
    let r = run_as(ns, Tool::Rudder, helm, args);
    let show = |o: &crate::harness::Out| {
        normalize(
            &format!(
                "exit {}\n{}\n--- stderr ---\n{}",
                o.code(),
                o.stdout,
                errors(&o.stderr)
            ),
            &[],
        )
    };
    assert_eq!(
        show(&r),
        show(&h),
        "`{}` differs from {helm:?}",
        args.join(" ")
    );
}

fn dry_runs(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-dry-{helm:?}"));
    let web = chart("web").to_string_lossy().into_owned();
    let hooks = chart("hooks").to_string_lossy().into_owned();
    ns.run(helm, ["install", "b", &web]).ok();
    let before = records(&ns.name);
    let mut cases = vec![
        vec!["install", "fresh", &web, "--dry-run"],
        vec![
            "install",
            "fresh",
            &web,
            "--dry-run=server",
            "--set",
            "message=x",
        ],
        vec!["install", "fresh", &hooks, "--dry-run=client"],
        vec![
            "install",
            "fresh",
            &web,
            "--dry-run",
            "--hide-secret",
            "--hide-notes",
        ],
        vec!["install", "fresh", &web, "--dry-run", "-o", "json"],
        vec!["upgrade", "b", &web, "--dry-run", "--set", "message=y"],
        vec!["upgrade", "b", &web, "--dry-run=server", "--reuse-values"],
        vec!["upgrade", "--install", "fresh", &web, "--dry-run"],
        vec![
            "upgrade",
            "b",
            &web,
            "--dry-run",
            "--debug",
            "--set",
            "message=z",
        ],
        vec![
            "upgrade",
            "--install",
            "b",
            &hooks,
            "--dry-run",
            "-o",
            "yaml",
        ],
    ];
    if helm == Tool::Helm4 {
        cases.push(vec!["install", "fresh", &web, "--dry-run=true"]);
    }
    for args in &cases {
        same_as(&ns, helm, args);
    }
    assert_eq!(records(&ns.name), before, "a dry run changed a record");
    assert!(
        objects_named(&ns.name, "fresh").is_empty(),
        "a dry run created objects"
    );
}

#[test]
fn dry_runs_as_helm_4() {
    dry_runs(Tool::Helm4);
}

#[test]
fn dry_runs_as_helm_3() {
    dry_runs(Tool::Helm3);
}
