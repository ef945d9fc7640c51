//! The upgrade routes against a real chart repository (`chartsrv`) with
//! two versions of a chart whose values flow into a Secret: the versions
//! helm's own `search repo` lists, a plan that writes nothing, an upgrade
//! operation read back with helm v4, upgrade availability in the list,
//! the event stream and `/metrics`, values masking, and the errors.

use std::path::Path;

use serde_json::{Value, json};

use super::events::until;
use super::from_repo::{serve_release_from_repo, web_at};
use super::helm_json;
use crate::harness::{Home, TestNs, Tool, chart};

const SECRET: &str = "{{- if .Values.password }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-creds\nstringData:\n  password: {{ .Values.password | quote }}\ndata:\n  token: {{ .Values.token | b64enc }}\n{{- end }}\n";

/// The `web` fixture at `version` with a Secret made from the values
/// `password` and `token`.
fn web_with_secret(dir: &Path, version: &str) -> std::path::PathBuf {
    web_at(dir, version, &[("secret.yaml", SECRET)])
}

fn history(ns: &TestNs, name: &str) -> Vec<Value> {
    helm_json(ns, &["history", name, "-o", "json"])
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn versions_plan_upgrade_availability_and_masked_values() {
    let ns = TestNs::new("serve-up");
    let home = Home::new();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (v1, v2) = (
        web_with_secret(tmp.path(), "0.1.0"),
        web_with_secret(tmp.path(), "0.2.0"),
    );
    let s = serve_release_from_repo(
        &ns,
        &home,
        "serve-up",
        &[&v1, &v2],
        "password=pw-s3cr3t,token=tok-s3cr3t,message=first",
    );
    let n = &ns.name;
    let events = s.events(None);

    // The versions helm itself finds in the repository, newest first.
    let searched = home.run(
        Tool::Helm4,
        ["search", "repo", "srv/web", "--versions", "-o", "json"],
    );
    let searched: Value = serde_json::from_str(&searched.ok().stdout).expect("search json");
    let helm_versions: Vec<Value> = searched
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["version"].clone())
        .collect();
    let v = s.get(&format!("/api/v1/releases/{n}/w/versions"));
    assert_eq!(v.status, 200, "{v:?}");
    assert_eq!(
        v.json(),
        json!({"source": "srv", "reference": "srv/web", "current": "0.1.0",
               "versions": helm_versions})
    );
    assert_eq!(helm_versions, [json!("0.2.0"), json!("0.1.0")]);

    // Upgrade availability: the list, the event, the metrics.
    // The answer comes as an `availability` event, or (were the check
    // done before this client connected) in the snapshot's summary.
    let seen = until(&events, "availability", |name, d| {
        (name == "availability" && d["name"] == "w")
            || (name == "release" && !d["release"]["latest_version"].is_null())
    });
    let (_, name, data) = seen.last().expect("event");
    if name == "availability" {
        assert_eq!(
            data,
            &json!({"namespace": n, "name": "w", "chart_version": "0.1.0", "latest_version": "0.2.0"})
        );
    } else {
        assert_eq!(data["release"]["latest_version"], "0.2.0", "{data}");
    }
    let list = s.get("/api/v1/releases").json();
    assert_eq!(list["releases"][0]["latest_version"], "0.2.0", "{list}");
    s.wait_metrics("latestVersion=\"0.2.0\"");

    // Values that flow into the Secret are masked unless asked for.
    let values = s.get(&format!("/api/v1/releases/{n}/w/values")).json();
    assert_eq!(
        values,
        json!({"message": "first", "password": "REDACTED", "token": "REDACTED"})
    );
    let shown = s
        .get(&format!("/api/v1/releases/{n}/w/values?show_secrets=true"))
        .json();
    assert_eq!(shown, helm_json(&ns, &["get", "values", "w", "-o", "json"]));
    let all = s
        .get(&format!("/api/v1/releases/{n}/w/values?all=true"))
        .json();
    assert_eq!(all["password"], "REDACTED", "{all}");
    assert_eq!(all["message"], "first", "{all}");
    let status = s.get(&format!("/api/v1/releases/{n}/w")).json();
    assert_eq!(status["config"]["password"], "REDACTED", "{status}");

    // A plan shows the change and writes nothing.
    let plan = s.post(
        &format!("/api/v1/releases/{n}/w/upgrade/plan"),
        &json!({"version": "0.2.0", "values": "message: planned\n"}),
    );
    assert_eq!(plan.status, 200, "{plan:?}");
    let plan = plan.json();
    assert_eq!(plan["version"], "0.2.0");
    let vd = plan["values_diff"].as_str().expect("values_diff");
    assert!(
        vd.contains("- message: first") && vd.contains("+ message: planned"),
        "{vd}"
    );
    assert!(!vd.contains("s3cr3t"), "{vd}");
    let md = plan["manifest_diff"].as_str().expect("manifest_diff");
    assert!(
        md.contains("-   message: first\n+   message: planned\n"),
        "{md}"
    );
    assert!(md.contains("helm.sh/chart: web-0.2.0"), "{md}");
    assert!(!md.contains("s3cr3t"), "{md}");
    assert_eq!(history(&ns, "w").len(), 1);

    // Errors, each writing nothing.
    let path = format!("/api/v1/releases/{n}/w/upgrade/plan");
    let bad = s.post(&path, &json!({"version": "9.9.9"}));
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.json()["error"].as_str().unwrap_or("").contains("9.9.9"));
    let bad = s.post(&path, &json!({"values": "a: [unclosed\n"}));
    assert_eq!(bad.status, 422, "{bad:?}");
    assert_eq!(bad.json()["kind"], "invalid-input");
    let bad = s.post(
        &format!("/api/v1/releases/{n}/w/upgrade"),
        &json!({"version": "9.9.9"}),
    );
    assert_eq!(bad.status, 422, "{bad:?}");
    // A chart no configured source has: 422, and no latest version.
    ns.helm4(["install", "local", &chart("novalues").to_string_lossy()])
        .ok();
    let unknown = s.get(&format!("/api/v1/releases/{n}/local/versions"));
    assert_eq!(unknown.status, 422, "{unknown:?}");
    let unknown = unknown.json();
    assert_eq!(unknown["kind"], "invalid-input");
    assert!(
        unknown["error"].as_str().unwrap_or("").contains("novalues"),
        "{unknown}"
    );
    let none = s.get(&format!("/api/v1/releases/{n}/nope/versions"));
    assert_eq!(none.status, 404, "{none:?}");
    let none = s.post(
        &format!("/api/v1/releases/{n}/nope/upgrade/plan"),
        &json!({}),
    );
    assert_eq!(none.status, 404, "{none:?}");
    assert_eq!(history(&ns, "w").len(), 1);

    // The upgrade: an operation; helm reads back the new revision.
    let op = s.post(
        &format!("/api/v1/releases/{n}/w/upgrade"),
        &json!({"version": "0.2.0", "values": "message: upgraded\n", "reuse_values": true}),
    );
    assert_eq!(op.status, 202, "{op:?}");
    let op = op.json();
    assert_eq!(op["kind"], "upgrade");
    let done = s.wait_operation(op["id"].as_str().expect("id"));
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(
        done["result"],
        "Release \"w\" has been upgraded. Happy Helming!\n"
    );
    // Progress as rollback's: the new revision's phases.
    let phases: Vec<String> = done["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["event"]["type"] == "phase")
        .map(|e| {
            format!(
                "{} {}",
                e["event"]["revision"],
                e["event"]["status"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(phases, ["2 pending-upgrade", "2 deployed"], "{done}");
    let h = history(&ns, "w");
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[1]["chart"], "web-0.2.0");
    assert_eq!(h[1]["status"], "deployed");
    assert_eq!(
        helm_json(&ns, &["get", "values", "w", "-o", "json"]),
        json!({"message": "upgraded", "password": "pw-s3cr3t", "token": "tok-s3cr3t"})
    );
    // Now on the newest version: the list says so once the watch has it.
    until(&events, "the upgraded release", |name, d| {
        name == "release" && d["release"]["chart_version"] == "0.2.0"
    });
    until(&events, "availability of 0.2.0", |name, d| {
        name == "availability" && d["chart_version"] == "0.2.0"
    });
    let list = s.get("/api/v1/releases").json();
    let row = |name: &str| {
        list["releases"]
            .as_array()
            .and_then(|r| r.iter().find(|x| x["name"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {list}"))
    };
    assert_eq!(row("w")["chart_version"], "0.2.0", "{list}");
    assert_eq!(row("w")["latest_version"], "0.2.0", "{list}");
    assert_eq!(row("local")["latest_version"], Value::Null, "{list}");
}
