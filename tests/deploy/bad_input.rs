//! Bad input to install and upgrade: helm's message, stdout and exit
//! status, and no release record or object written.

use crate::harness::{TestNs, Tool, chart};
use crate::lifecycle::records;

use super::{objects_named, rename, rudder_as};

#[track_caller]
fn same_as(ns: &TestNs, helm: Tool, args: &[&str]) {
    let h = ns.run(helm, args);
    let r = rudder_as(ns, helm, args);
    assert_eq!(
        (r.code(), r.stdout.as_str(), r.stderr.as_str()),
        (h.code(), h.stdout.as_str(), rename(&h.stderr).as_str()),
        "`{}` differs from {helm:?}:\nrudder: {r}\nhelm: {h}",
        args.join(" ")
    );
    assert_ne!(h.code(), 0, "`{}` was meant to fail: {h}", args.join(" "));
}

fn path(name: &str) -> String {
    chart(name).to_string_lossy().into_owned()
}

/// A namespace with release `b` (deployed, by helm v4) and `gone`
/// (uninstalled, history kept).
fn setup(prefix: &str) -> TestNs {
    let ns = TestNs::new(prefix);
    let web = path("web");
    ns.helm4(["install", "b", &web]).ok();
    ns.helm4(["install", "gone", &web]).ok();
    ns.helm4(["uninstall", "gone", "--keep-history"]).ok();
    ns
}

/// Fails before any release logic runs: the same with and without the
/// action behind it.
fn front_end_cases(web: &str, deps: &str, missing_chart: &str) -> Vec<Vec<String>> {
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        v(&["install"]),
        v(&["install", web]),
        v(&["install", "fresh", web, "extra"]),
        v(&["install", "fresh", web, "--generate-name"]),
        v(&["install", "fresh", web, "--name-template", "x"]),
        v(&["install", "fresh", missing_chart]),
        v(&["install", "fresh", web, "-f", "/nonexistent/values.yaml"]),
        v(&["install", "fresh", web, "--set", "a"]),
        v(&["install", "fresh", web, "--set-json", "a={"]),
        v(&["install", "fresh", deps]),
        v(&["install", "fresh", web, "--labels", "nokey"]),
        v(&["install", "fresh", web, "--timeout", "soon"]),
        v(&["install", "fresh", web, "-o", "xml"]),
        v(&["upgrade"]),
        v(&["upgrade", "b"]),
        v(&["upgrade", "b", web, "extra"]),
        v(&["upgrade", "b", missing_chart]),
        v(&["upgrade", "b", web, "-f", "/nonexistent/values.yaml"]),
        v(&["upgrade", "b", deps]),
        v(&["upgrade", "b", web, "--labels", "nokey"]),
        v(&["upgrade", "b", web, "--history-max", "x"]),
        v(&["upgrade", "b", web, "--hide-secret"]),
        v(&["upgrade", "--install", "fresh", missing_chart]),
        v(&["upgrade", "--install", "gone", missing_chart]),
        v(&[
            "upgrade",
            "--install",
            "fresh",
            web,
            "-f",
            "/nonexistent/v.yaml",
        ]),
    ]
}

fn check_front_end(helm: Tool) {
    let ns = setup(&format!("deploy-bad-{helm:?}"));
    let (web, deps) = (path("web"), path("depstatus"));
    let missing = format!("{}/no-such-chart", crate::harness::repo_root().display());
    let before = records(&ns.name);
    let mut cases = front_end_cases(&web, &deps, &missing);
    if helm == Tool::Helm4 {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        cases.extend([
            v(&["install", "fresh", &web, "--force", "--force-conflicts"]),
            v(&["install", "fresh", &web, "--wait=bogus"]),
            v(&["install", "fresh", &web, "--dry-run=maybe"]),
            v(&["install", "fresh", &web, "--hide-secret"]),
            v(&["upgrade", "b", &web, "--force-replace", "--force-conflicts"]),
            v(&["upgrade", "b", &web, "--dry-run=maybe"]),
            v(&["upgrade", "b", &web, "--server-side=sideways"]),
        ]);
    } else {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        cases.extend([
            v(&["install", "fresh", &web, "--dry-run=maybe"]),
            v(&["install", "fresh", &web, "--wait=sometimes"]),
            v(&["upgrade", "b", &web, "--dry-run=maybe"]),
        ]);
    }
    // Independent failures: a few at a time.
    for chunk in cases.chunks(4) {
        std::thread::scope(|s| {
            let runs: Vec<_> = chunk
                .iter()
                .map(|args| {
                    let ns = &ns;
                    s.spawn(move || {
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        same_as(ns, helm, &args);
                    })
                })
                .collect();
            for r in runs {
                if let Err(e) = r.join() {
                    std::panic::resume_unwind(e);
                }
            }
        });
    }
    assert_eq!(
        records(&ns.name),
        before,
        "a failed command changed a record"
    );
    assert!(
        objects_named(&ns.name, "fresh").is_empty(),
        "a failed install created objects"
    );
}

#[test]
fn front_end_errors_as_helm_4() {
    check_front_end(Tool::Helm4);
}

#[test]
fn front_end_errors_as_helm_3() {
    check_front_end(Tool::Helm3);
}

/// Refused by the release logic (helm's install and upgrade actions):
/// these pass once the actions are implemented.
#[test]
fn action_errors_as_helm() {
    let ns = setup("deploy-bad-action");
    let (web, schema) = (path("web"), path("values-schema"));
    let before = records(&ns.name);
    let long = "a".repeat(54);
    std::thread::scope(|s| {
        for helm in [Tool::Helm4, Tool::Helm3] {
            let (ns, web, schema, long) = (&ns, &web, &schema, &long);
            s.spawn(move || {
                for args in [
                    vec!["install", "b", &web],
                    vec!["install", "Bad_Name", &web],
                    vec!["install", &long, &web],
                    vec!["install", "fresh", &schema, "--set", "name=X1"],
                    vec!["install", "fresh", &web, "--labels", "owner=me"],
                    vec!["upgrade", "nope", &web],
                    vec!["upgrade", "Bad_Name", &web],
                    vec!["upgrade", "b", &schema, "--set", "name=X1"],
                    vec!["upgrade", "nope", &web, "--reuse-values"],
                    vec!["upgrade", "--install", "Bad_Name", &web],
                    vec!["upgrade", "--install", "b", &web, "--hide-secret"],
                    vec!["install", "b", &web, "--replace"],
                ] {
                    same_as(ns, helm, &args);
                }
            });
        }
    });
    assert_eq!(
        records(&ns.name),
        before,
        "a failed command changed a record"
    );
    assert!(
        objects_named(&ns.name, "fresh").is_empty(),
        "a failed install created objects"
    );
}
