//! `rudder serve` against the real cluster, with releases made by helm v4:
//! every read route compared with helm's own output, the operations, the
//! errors, the security rules, RBAC through impersonation, the event
//! stream picking up a helm upgrade, and `/metrics` answered without a
//! single API request.

mod browser;
mod client;
mod events;
mod events_rbac;
mod from_repo;
mod in_cluster;
mod page;
mod page_namespaces;
mod page_upgrade;
mod security;
mod upgrade;

use serde_json::{Value, json};

use crate::harness::{TestNs, chart};
use client::Server;

/// Installs the `web` fixture as `name` with helm v4 and `message`.
pub fn helm_web(ns: &TestNs, name: &str, message: &str) {
    ns.helm4([
        "upgrade",
        "--install",
        name,
        &chart("web").to_string_lossy(),
        "--set",
        &format!("message={message}"),
    ])
    .ok();
}

fn helm_json(ns: &TestNs, args: &[&str]) -> Value {
    let out = ns.helm4(args).ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// helm's error line without its `Error: ` prefix.
fn helm_error(ns: &TestNs, args: &[&str]) -> String {
    let out = ns.helm4(args).failed();
    out.stderr
        .trim()
        .strip_prefix("Error: ")
        .unwrap_or(out.stderr.trim())
        .to_string()
}

fn without_resources(mut v: Value) -> Value {
    if let Some(info) = v.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("resources");
    }
    if let Some(m) = v.as_object_mut() {
        m.remove("stuck");
    }
    v
}

#[test]
fn read_routes_answer_what_helm_v4_shows() {
    let ns = TestNs::new("serve-read");
    helm_web(&ns, "web", "one");
    helm_web(&ns, "web", "two");
    let s = Server::start(&ns, &[], &[]);
    let n = &ns.name;

    // Once the watch has its snapshot, the list comes from it; a selector
    // needs the records' labels, so storage answers.
    s.wait_metrics("rudder_release_revision{");
    let list = s.get("/api/v1/releases").json();
    assert_eq!(list["source"], "watch");
    let stored = s.get("/api/v1/releases?selector=name%3Dweb").json();
    assert_eq!(stored["source"], "storage");
    assert_eq!(stored["releases"], list["releases"]);
    let helm_list = helm_json(&ns, &["list", "-o", "json"]);
    assert_eq!(list["releases"].as_array().map(Vec::len), Some(1), "{list}");
    let (ours, theirs) = (&list["releases"][0], &helm_list[0]);
    assert_eq!(ours["name"], theirs["name"]);
    assert_eq!(ours["namespace"], theirs["namespace"]);
    assert_eq!(
        ours["revision"].to_string(),
        theirs["revision"].as_str().unwrap_or("?")
    );
    assert_eq!(ours["status"], theirs["status"]);
    assert_eq!(
        format!(
            "{}-{}",
            ours["chart"].as_str().unwrap_or(""),
            ours["chart_version"].as_str().unwrap_or("")
        ),
        theirs["chart"].as_str().unwrap_or("?")
    );
    assert_eq!(ours["app_version"], theirs["app_version"]);
    let none = s.get("/api/v1/releases?states=failed").json();
    assert_eq!(none["releases"], json!([]));
    let filtered = s.get("/api/v1/releases?filter=%5Ew").json();
    assert_eq!(filtered["releases"].as_array().map(Vec::len), Some(1));
    let other = s.get("/api/v1/releases?filter=%5Ex").json();
    assert_eq!(other["releases"], json!([]));

    let status = s.get(&format!("/api/v1/releases/{n}/web")).json();
    assert_eq!(status["stuck"], Value::Null);
    assert!(status["info"]["resources"].is_object(), "{status}");
    assert_eq!(
        without_resources(status),
        without_resources(helm_json(&ns, &["status", "web", "-o", "json"]))
    );
    let rev1 = s
        .get(&format!("/api/v1/releases/{n}/web/revisions/1"))
        .json();
    assert_eq!(
        without_resources(rev1),
        without_resources(helm_json(
            &ns,
            &["status", "web", "--revision", "1", "-o", "json"]
        ))
    );

    assert_eq!(
        s.get(&format!("/api/v1/releases/{n}/web/values")).json(),
        helm_json(&ns, &["get", "values", "web", "-o", "json"])
    );
    assert_eq!(
        s.get(&format!(
            "/api/v1/releases/{n}/web/values?all=true&revision=1"
        ))
        .json(),
        helm_json(
            &ns,
            &[
                "get",
                "values",
                "web",
                "-a",
                "--revision",
                "1",
                "-o",
                "json"
            ]
        )
    );
    let manifest = s.get(&format!("/api/v1/releases/{n}/web/manifest")).json();
    assert_eq!(
        format!("{}\n", manifest["manifest"].as_str().unwrap_or("?")),
        ns.helm4(["get", "manifest", "web"]).ok().stdout
    );
    let notes = s.get(&format!("/api/v1/releases/{n}/web/notes")).json();
    assert_eq!(
        format!("NOTES:\n{}\n", notes["notes"].as_str().unwrap_or("?")),
        ns.helm4(["get", "notes", "web"]).ok().stdout
    );
    let hooks = s.get(&format!("/api/v1/releases/{n}/web/hooks")).json();
    assert_eq!(
        hooks["hooks"].as_str().unwrap_or("?"),
        ns.helm4(["get", "hooks", "web"]).ok().stdout
    );
    assert_eq!(
        s.get(&format!("/api/v1/releases/{n}/web/history")).json(),
        helm_json(&ns, &["history", "web", "-o", "json"])
    );

    let res = s.get(&format!("/api/v1/releases/{n}/web/resources")).json();
    let config_maps: Vec<&Value> = res["resources"]
        .as_object()
        .expect("resources map")
        .values()
        .flat_map(|v| v.as_array().into_iter().flatten())
        .filter(|o| o["kind"] == "ConfigMap")
        .collect();
    assert_eq!(config_maps.len(), 1, "{res}");
    assert_eq!(config_maps[0]["data"]["message"], "two");

    let diff = s
        .get(&format!("/api/v1/releases/{n}/web/diff?from=1"))
        .json();
    let cm = diff["objects"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["kind"] == "ConfigMap"))
        .unwrap_or_else(|| panic!("{diff}"));
    assert_eq!(cm["change"], "changed");
    let text = cm["diff"].as_str().unwrap_or("");
    assert!(
        text.contains("-   message: one\n+   message: two\n"),
        "{diff}"
    );

    // Errors: helm's messages, the kind's status.
    let missing = s.get(&format!("/api/v1/releases/{n}/nope"));
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(missing.json()["kind"], "not-found");
    assert_eq!(
        missing.json()["error"],
        helm_error(&ns, &["status", "nope"])
    );
    let old = s.get(&format!("/api/v1/releases/{n}/web/revisions/9"));
    assert_eq!(old.status, 404);
    assert_eq!(
        old.json()["error"],
        helm_error(&ns, &["status", "web", "--revision", "9"])
    );
    for (path, status) in [
        (format!("/api/v1/releases/{n}/Bad_Name"), 422),
        (format!("/api/v1/releases/{n}/web/revisions/0"), 422),
        (format!("/api/v1/releases/{n}/web/revisions/x"), 422),
        (format!("/api/v1/releases/{n}/web?bogus=1"), 422),
        (format!("/api/v1/releases/{n}/web/diff"), 422),
        ("/api/v1/releases?states=sleeping".to_string(), 422),
        ("/api/v1/releases/default/web".to_string(), 404),
        ("/api/v1/operations/op-999".to_string(), 404),
        ("/api/v1/nothing".to_string(), 404),
    ] {
        let a = s.get(&path);
        assert_eq!(a.status, status, "{path}: {a:?}");
        assert!(a.json()["error"].is_string(), "{path}: {a:?}");
    }
}

#[test]
fn operations_run_and_report_like_the_cli() {
    let ns = TestNs::new("serve-ops");
    helm_web(&ns, "web", "one");
    helm_web(&ns, "web", "two");
    let s = Server::start(&ns, &[], &[]);
    let n = &ns.name;

    // Refused before anything starts: a typo in a field, an unknown release.
    let typo = s.post(
        &format!("/api/v1/releases/{n}/web/rollback"),
        &json!({"revison": 1}),
    );
    assert_eq!(typo.status, 422, "{typo:?}");
    let nope = s.post(&format!("/api/v1/releases/{n}/nope/rollback"), &json!({}));
    assert_eq!(nope.status, 404, "{nope:?}");
    assert_eq!(nope.json()["error"], helm_error(&ns, &["rollback", "nope"]));
    assert_eq!(
        helm_json(&ns, &["history", "web", "-o", "json"])
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let started = s.post(
        &format!("/api/v1/releases/{n}/web/rollback"),
        &json!({"revision": 1}),
    );
    assert_eq!(started.status, 202, "{started:?}");
    let id = started.json()["id"].as_str().expect("id").to_string();
    let op = s.wait_operation(&id);
    assert_eq!(op["state"], "succeeded", "{op}");
    // helm's pkg/cmd/rollback.go success line.
    assert_eq!(op["result"], "Rollback was a success! Happy Helming!\n");
    assert!(
        op["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["event"]["type"] == "phase")),
        "{op}"
    );
    let history = helm_json(&ns, &["history", "web", "-o", "json"]);
    assert_eq!(history[2]["description"], "Rollback to 1", "{history}");
    assert_eq!(
        helm_json(&ns, &["get", "values", "web", "-o", "json"]),
        json!({"message": "one"})
    );

    // recover of a healthy release fails with the CLI's words.
    let rec = s.post(&format!("/api/v1/releases/{n}/web/recover"), &json!({}));
    assert_eq!(rec.status, 202, "{rec:?}");
    let op = s.wait_operation(rec.json()["id"].as_str().expect("id"));
    assert_eq!(op["state"], "failed", "{op}");
    let cli = ns.rudder(["recover", "web"]).failed();
    assert_eq!(
        format!("Error: {}", op["error"]["error"].as_str().unwrap_or("?")),
        cli.stderr.trim()
    );

    let un = s.post(
        &format!("/api/v1/releases/{n}/web/uninstall"),
        &json!({"keep_history": true}),
    );
    assert_eq!(un.status, 202, "{un:?}");
    let op = s.wait_operation(un.json()["id"].as_str().expect("id"));
    assert_eq!(op["state"], "succeeded", "{op}");
    assert_eq!(op["result"], "release \"web\" uninstalled\n");
    let gone = helm_json(&ns, &["list", "--uninstalled", "-o", "json"]);
    assert_eq!(gone[0]["name"], "web", "{gone}");
    assert_eq!(gone[0]["status"], "uninstalled");

    let m = s.get("/metrics").body;
    assert!(
        m.contains("rudder_operations_total{kind=\"rollback\",outcome=\"succeeded\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("rudder_operations_total{kind=\"recover\",outcome=\"failed\"} 1"),
        "{m}"
    );
}
