//! `rudder diff` on the real cluster, over releases helm v4 made from
//! `fixtures/diff/app` (whose templates are written with sorted keys, so
//! its manifest lines are the canonical YAML lines rudder prints): the
//! exact lines that changed between revisions, what a rollback would
//! change, Secrets masked, exit codes, `-o json`, and errors as helm words
//! them. Every diff must leave the release records untouched.

use crate::harness::{Out, TestNs, Tool, repo_root};
use crate::lifecycle::records;

fn app() -> String {
    repo_root()
        .join("fixtures/diff/app")
        .to_string_lossy()
        .into_owned()
}

/// Release `r`: revision 1 (message hello, password one, verb get),
/// revision 2 (message world, password two, the extra Service, verb list).
fn two_revisions(prefix: &str) -> TestNs {
    let ns = TestNs::new(prefix);
    let app = app();
    ns.helm4(["install", "r", &app]).ok();
    ns.helm4([
        "upgrade",
        "r",
        &app,
        "--set",
        "message=world",
        "--set",
        "password=two",
        "--set",
        "extra=true",
        "--set",
        "verb=list",
    ])
    .ok();
    ns
}

fn rudder(ns: &TestNs, args: &[&str]) -> Out {
    ns.run(Tool::Rudder, args)
}

#[test]
fn diff_revision_and_rollback_show_exactly_what_changed() {
    let ns = two_revisions("diff");
    let n = &ns.name;
    let before = records(n);

    let out = rudder(&ns, &["diff", "revision", "r", "1", "2", "-C", "0"]).ok();
    let expected = format!(
        "Release \"r\" in namespace \"{n}\": revision 1 -> revision 2\n\
         1 added, 4 changed, 0 removed, 0 unchanged\n\
         \x20 changed ConfigMap/{n}/r-config\n\
         \x20 changed ConfigMap/{n}/r-hook\n\
         \x20 changed Secret/{n}/r-secret\n\
         \x20 added   Service/{n}/r-extra\n\
         \x20 changed ClusterRole/{n}-r-reader\n\
         \n\
         {n}, r-config, ConfigMap (v1) has changed:\n\
         @@ -4 +4 @@\n\
         -   message: hello\n\
         +   message: world\n\
         \n\
         {n}, r-hook, ConfigMap (v1) has changed:\n\
         @@ -3 +3 @@\n\
         -   message: hello\n\
         +   message: world\n\
         \n\
         {n}, r-secret, Secret (v1) has changed:\n\
         @@ -3 +3 @@\n\
         -   password: '-------- # (3 bytes)'\n\
         +   password: '++++++++ # (3 bytes)'\n\
         \n\
         {n}, r-extra, Service (v1) has been added:\n\
         @@ -0,0 +1,9 @@\n\
         + apiVersion: v1\n\
         + kind: Service\n\
         + metadata:\n\
         +   name: r-extra\n\
         + spec:\n\
         +   ports:\n\
         +   - port: 80\n\
         +   selector:\n\
         +     app: none\n\
         \n\
         {n}-r-reader, ClusterRole (rbac.authorization.k8s.io) has changed:\n\
         @@ -11 +11 @@\n\
         -   - get\n\
         +   - list\n"
    );
    assert_eq!(out.stdout, expected, "{out}");
    // B defaults to the newest revision; the whole objects by default,
    // the unchanged Secret key masked too.
    let whole = rudder(&ns, &["diff", "revision", "r", "1"]).ok();
    assert!(
        whole
            .stdout
            .contains("\n    username: 'REDACTED # (5 bytes)'\n"),
        "{whole}"
    );
    assert!(
        whole.stdout.contains(
            "\n    first: static-1\n-   message: hello\n+   message: world\n    second: static-2\n"
        ),
        "{whole}"
    );
    // Neither password (base64 "b25l", "dHdv") appears unless asked for.
    for o in [&out, &whole] {
        assert!(
            !o.stdout.contains("b25l") && !o.stdout.contains("dHdv"),
            "{o}"
        );
    }
    let shown = rudder(
        &ns,
        &["diff", "revision", "r", "1", "--show-secrets", "-C", "0"],
    )
    .ok();
    assert!(
        shown
            .stdout
            .contains("-   password: b25l\n+   password: dHdv\n"),
        "{shown}"
    );

    // A rollback to the previous revision undoes all of it.
    let back = rudder(&ns, &["diff", "rollback", "r", "-C", "0"]).ok();
    assert!(
        back.stdout.starts_with(&format!(
            "Release \"r\" in namespace \"{n}\": revision 2 -> rollback to revision 1\n\
         0 added, 4 changed, 1 removed, 0 unchanged\n"
        )),
        "{back}"
    );
    assert!(
        back.stdout
            .contains("-   message: world\n+   message: hello\n"),
        "{back}"
    );
    assert!(
        back.stdout.contains(&format!(
            "{n}, r-extra, Service (v1) has been removed:\n@@ -1,9 +0,0 @@\n- apiVersion: v1\n"
        )),
        "{back}"
    );
    let explicit = rudder(&ns, &["diff", "rollback", "r", "1", "-C", "0"]).ok();
    assert_eq!(explicit.stdout, back.stdout);

    // Hooks count unless left out; test hooks only when asked for.
    let summary = |args: &[&str]| {
        let o = rudder(&ns, args).ok();
        o.stdout.lines().nth(1).unwrap_or_default().to_string()
    };
    assert_eq!(
        summary(&["diff", "revision", "r", "1", "--no-hooks"]),
        "1 added, 3 changed, 0 removed, 0 unchanged"
    );
    assert_eq!(
        summary(&["diff", "revision", "r", "1", "--include-tests"]),
        "1 added, 5 changed, 0 removed, 0 unchanged"
    );

    // Colour only when asked for (stdout here is not a terminal).
    let plain = rudder(&ns, &["diff", "revision", "r", "1", "-C", "0"]).ok();
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = rudder(
        &ns,
        &["diff", "revision", "r", "1", "-C", "0", "--color", "always"],
    )
    .ok();
    assert!(
        coloured
            .stdout
            .contains("\x1b[31m-   message: hello\x1b[0m\n\x1b[32m+   message: world\x1b[0m\n"),
        "{coloured}"
    );
    let off = rudder(
        &ns,
        &[
            "diff",
            "revision",
            "r",
            "1",
            "--color",
            "always",
            "--no-color",
        ],
    )
    .ok();
    assert!(!off.stdout.contains('\x1b'));

    assert_eq!(records(n), before, "a diff changed a release record");
}

#[test]
fn diff_exit_codes_json_and_errors() {
    let ns = two_revisions("diff-codes");
    let n = &ns.name;
    let before = records(n);

    // --detailed-exitcode: 2 with changes, 0 without; plain runs exit 0.
    let same = rudder(
        &ns,
        &["diff", "revision", "r", "2", "2", "--detailed-exitcode"],
    );
    assert_eq!(same.code(), 0, "{same}");
    assert!(
        same.stdout.ends_with("No changes (5 objects unchanged).\n"),
        "{same}"
    );
    let changed = rudder(&ns, &["diff", "revision", "r", "1", "--detailed-exitcode"]);
    assert_eq!(changed.code(), 2, "{changed}");
    let plain = rudder(&ns, &["diff", "revision", "r", "1"]).ok();
    assert_eq!(changed.stdout, plain.stdout);
    let rollback = rudder(
        &ns,
        &["diff", "rollback", "r", "--detailed-exitcode", "-o", "json"],
    );
    assert_eq!(rollback.code(), 2, "{rollback}");

    // -o json: the documented shape.
    let json = rudder(
        &ns,
        &["diff", "revision", "r", "1", "-o", "json", "-C", "0"],
    )
    .ok();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(v["release"], "r");
    assert_eq!(v["namespace"], n.as_str());
    assert_eq!(v["from"], "revision 1");
    assert_eq!(v["to"], "revision 2");
    assert_eq!(v["changes"], true);
    assert_eq!(
        v["summary"],
        serde_json::json!({"added": 1, "changed": 4, "removed": 0, "unchanged": 0})
    );
    let objects: Vec<(String, String, String)> = v["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap_or_default().to_string(),
                o["name"].as_str().unwrap_or_default().to_string(),
                o["change"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let row = |k: &str, name: &str, c: &str| (k.to_string(), name.to_string(), c.to_string());
    assert_eq!(
        objects,
        vec![
            row("ConfigMap", "r-config", "changed"),
            row("ConfigMap", "r-hook", "changed"),
            row("Secret", "r-secret", "changed"),
            row("Service", "r-extra", "added"),
            row("ClusterRole", &format!("{n}-r-reader"), "changed"),
        ]
    );
    assert_eq!(v["objects"][0]["source"], "app/templates/configmap.yaml");
    assert_eq!(
        v["objects"][4]["namespace"], "",
        "a ClusterRole is in no namespace"
    );
    assert_eq!(
        v["objects"][0]["diff"],
        "@@ -4 +4 @@\n-   message: hello\n+   message: world\n"
    );
    assert!(!json.stdout.contains("dHdv") && !json.stdout.contains("b25l"));

    // Errors: helm's words where helm has the same situation.
    let helm_err = |args: &[&str]| ns.helm4(args).failed().stderr;
    let missing = rudder(&ns, &["diff", "revision", "nope", "1"]).failed();
    assert_eq!(
        missing.stderr,
        helm_err(&["get", "manifest", "nope", "--revision", "1"])
    );
    let no_rev = rudder(&ns, &["diff", "revision", "r", "9"]).failed();
    assert_eq!(
        no_rev.stderr,
        helm_err(&["get", "manifest", "r", "--revision", "9"])
    );
    let no_rollback = rudder(&ns, &["diff", "rollback", "r", "9"]).failed();
    assert_eq!(
        no_rollback.stderr,
        helm_err(&["rollback", "r", "9", "--dry-run=client"])
    );
    let not_a_number = rudder(&ns, &["diff", "revision", "r", "abc"]).failed();
    assert_eq!(not_a_number.code(), 1);
    assert!(
        not_a_number
            .stderr
            .starts_with("Error: invalid revision \"abc\""),
        "{not_a_number}"
    );
    let usage = rudder(&ns, &["diff", "revision", "r"]).failed();
    assert!(
        usage.stderr.contains("requires 2 to 3 arguments"),
        "{usage}"
    );
    let bad_output = rudder(&ns, &["diff", "revision", "r", "1", "-o", "yaml"]).failed();
    assert_eq!(bad_output.code(), 1);

    assert_eq!(records(n), before, "a diff changed a release record");
}

#[test]
fn diff_upgrade_against_the_release_and_the_live_objects() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::Api;
    use kube::api::{Patch, PatchParams};

    let ns = two_revisions("diff-upgrade");
    let n = &ns.name;
    let app = app();
    let before = records(n);

    // --reuse-values keeps revision 2's values: only the message changes.
    let reuse = rudder(
        &ns,
        &[
            "diff",
            "upgrade",
            "r",
            &app,
            "--reuse-values",
            "--set",
            "message=again",
            "-C",
            "0",
        ],
    )
    .ok();
    assert!(
        reuse
            .stdout
            .contains("0 added, 2 changed, 0 removed, 3 unchanged\n"),
        "{reuse}"
    );
    assert!(reuse.stdout.contains(&format!("{n}, r-config, ConfigMap (v1) has changed:\n@@ -4 +4 @@\n-   message: world\n+   message: again\n")), "{reuse}");
    // helm's default with --set: the chart's values plus --set, so the
    // Service goes and the password is back to "one".
    let reset = rudder(
        &ns,
        &[
            "diff",
            "upgrade",
            "r",
            &app,
            "--set",
            "message=again",
            "-C",
            "0",
        ],
    )
    .ok();
    assert!(
        reset
            .stdout
            .contains("0 added, 4 changed, 1 removed, 0 unchanged\n"),
        "{reset}"
    );

    // --from live: someone edits the ConfigMap; only that drift shows,
    // never the server's defaults or metadata.
    crate::harness::block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(crate::harness::cluster().admin().await, n);
        api.patch(
            "r-config",
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"data": {"first": "drifted"}})),
        )
        .await
        .expect("patch");
    });
    let live = rudder(
        &ns,
        &[
            "diff",
            "upgrade",
            "r",
            &app,
            "--reuse-values",
            "--from",
            "live",
            "-C",
            "0",
        ],
    )
    .ok();
    assert!(live.stdout.starts_with(&format!("Release \"r\" in namespace \"{n}\": live objects -> upgrade to app-0.1.0\n0 added, 1 changed, 0 removed, 3 unchanged\n")), "{live}");
    assert!(
        live.stdout
            .contains("-   first: drifted\n+   first: static-1\n"),
        "{live}"
    );
    let codes = rudder(
        &ns,
        &[
            "diff",
            "upgrade",
            "r",
            &app,
            "--reuse-values",
            "--detailed-exitcode",
        ],
    );
    assert_eq!(codes.code(), 0, "{codes}");

    assert_eq!(records(n), before, "a diff changed a release record");
}
