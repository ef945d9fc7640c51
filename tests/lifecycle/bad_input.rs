//! Bad input to rollback and uninstall: helm's message and exit status,
//! and not one byte of any release record changed.

use crate::harness::{TestNs, Tool, chart};

use super::records;

/// helm names itself in usage lines; nothing else may differ.
fn rename(s: &str) -> String {
    s.replace("\"helm ", "\"rudder ")
        .replace("Usage:  helm ", "Usage:  rudder ")
}

#[track_caller]
fn same_as(ns: &TestNs, helm: Tool, args: &[&str]) {
    let h = ns.run(helm, args);
    let r = ns.rudder(args);
    assert_eq!(
        (r.code(), r.stdout.as_str(), r.stderr.as_str()),
        (h.code(), h.stdout.as_str(), rename(&h.stderr).as_str()),
        "`{}` differs from {helm:?}:\nrudder: {r}\nhelm: {h}",
        args.join(" ")
    );
}

#[test]
fn bad_rollbacks_and_uninstalls_fail_like_helm_and_write_nothing() {
    let ns = TestNs::new("bad-input");
    let web = chart("web").to_string_lossy().into_owned();
    for (name, messages) in [
        ("b", &["one", "two"][..]),
        ("single", &["one"][..]),
        ("gone", &["one"][..]),
    ] {
        for m in messages {
            ns.helm4([
                "upgrade",
                "--install",
                name,
                &web,
                "--set",
                &format!("message={m}"),
            ])
            .ok();
        }
    }
    ns.helm4(["uninstall", "gone", "--keep-history"]).ok();
    let before = records(&ns.name);
    let long = "a".repeat(54);

    let both: Vec<Vec<&str>> = vec![
        vec!["rollback"],
        vec!["rollback", "Bad_Name"],
        vec!["rollback", &long],
        vec!["rollback", "single"],
        vec!["rollback", "single", "0"],
        vec!["rollback", "b", "--", "-1"],
        vec!["rollback", "b", "-1"],
        vec!["rollback", "b", "abc"],
        vec!["rollback", "b", "99"],
        vec!["rollback", "nope"],
        vec!["rollback", "b", "--timeout", "soon"],
        vec!["rollback", "b", "--history-max", "x"],
        vec!["uninstall"],
        vec!["uninstall", "Bad_Name"],
        vec!["uninstall", &long],
        vec!["uninstall", "nope"],
        vec!["uninstall", "gone", "--keep-history"],
        vec!["uninstall", "b", "--timeout", "soon"],
        vec!["uninstall", "--cascade", "sideways"],
    ];
    for helm in [Tool::Helm3, Tool::Helm4] {
        for args in &both {
            same_as(&ns, helm, args);
        }
    }
    // Flags helm v3 does not have.
    let v4_only: Vec<Vec<&str>> = vec![
        vec!["rollback", "b", "--force-replace", "--force-conflicts"],
        vec!["rollback", "b", "--force", "--force-conflicts"],
        vec!["rollback", "b", "--wait=bogus"],
        vec!["rollback", "b", "--dry-run=maybe"],
        vec!["uninstall", "b", "--cascade", "sideways"],
        vec!["uninstall", "b", "--wait=bogus"],
    ];
    for args in &v4_only {
        same_as(&ns, Tool::Helm4, args);
    }
    assert_eq!(
        records(&ns.name),
        before,
        "a failed command changed a record"
    );

    // Dry runs and --ignore-not-found succeed, and write nothing either.
    for args in [
        vec!["rollback", "b", "1", "--dry-run"],
        vec!["uninstall", "b", "--dry-run"],
        vec!["uninstall", "nope", "--ignore-not-found"],
    ] {
        same_as(&ns, Tool::Helm4, &args);
    }
    assert_eq!(records(&ns.name), before, "a dry run changed a record");
}
