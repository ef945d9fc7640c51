//! rollback, uninstall and recover on the real cluster, against real helm
//! v3 and v4: twin releases (one changed by helm, one by rudder) must end
//! up equivalent, in helm's eyes, in rudder's and in the cluster; helm and
//! rudder must be able to take turns on one release; concurrent operations
//! must not race; killed operations must be recoverable; bad input must
//! change nothing.

mod bad_input;
mod cluster_layer;
mod concurrency;
mod deploy;
mod flags;
mod objects;
mod recover;
mod test_cmd;
mod twins;

/// For other modules' twin tests.
pub use objects::assert_equivalent as assert_objects_equivalent;
pub use twins::ownership;

use std::sync::LazyLock;

use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::ListParams;
use regex::Regex;

use crate::harness::{TestNs, Tool, block_on, cluster};

/// Masks what legitimately differs between twins: their names, and times.
pub fn normalize(text: &str, names: &[&str]) -> String {
    static TIMES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            // ANSIC, as history tables and status print.
            r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2} \d{4}",
            // RFC 3339, as JSON and YAML print.
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
        ]
        .iter()
        .map(|r| Regex::new(r).expect("regex"))
        .collect()
    });
    let mut s = text.to_string();
    for n in names {
        s = s.replace(n, "TWIN");
    }
    for re in TIMES.iter() {
        s = re.replace_all(&s, "TIME").into_owned();
    }
    s
}

/// helm v4's `status` lists live objects, pods with random names among
/// them; objects are compared on their own (see [`objects`]), so the
/// section is left out here.
pub fn without_resources(status: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in status.lines() {
        if line == "RESOURCES:" {
            skipping = true;
            continue;
        }
        if skipping && (line.starts_with("TEST SUITE:") || line.starts_with("NOTES:")) {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The release records of a namespace: `(secret name, data bytes)`,
/// sorted, to check that an operation changed nothing.
pub fn records(ns: &str) -> Vec<(String, Vec<u8>, String)> {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        let list = api
            .list(&ListParams::default().labels("owner=helm"))
            .await
            .expect("list secrets");
        let mut out: Vec<_> = list
            .items
            .into_iter()
            .map(|s| {
                let name = s.metadata.name.clone().unwrap_or_default();
                let rv = s.metadata.resource_version.clone().unwrap_or_default();
                let data = s
                    .data
                    .and_then(|d| d.get("release").map(|b| b.0.clone()))
                    .unwrap_or_default();
                (name, data, rv)
            })
            .collect();
        out.sort();
        out
    })
}

/// The status of each revision in `helm history -o json` terms:
/// `(revision, status, description)`, through rudder.
pub fn history(ns: &TestNs, name: &str) -> Vec<(i64, String, String)> {
    history_through(ns, Tool::Rudder, name)
}

/// The history through one tool's eyes: `(revision, status, description)`
/// from `history -o json`.
pub fn history_through(ns: &TestNs, tool: Tool, name: &str) -> Vec<(i64, String, String)> {
    let out = ns.run(tool, ["history", name, "-o", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("history json");
    v.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap_or_default(),
                r["status"].as_str().unwrap_or_default().to_string(),
                r["description"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// helm (the version that made the twins) and rudder must answer the same
/// for both twins `a` and `b`, and the cluster must hold equivalent
/// objects for them.
#[track_caller]
pub fn assert_same_story(ns: &TestNs, helm: Tool, a: &str, b: &str, when: &str) {
    let reads: &[&[&str]] = &[
        &["history", "{}"],
        &["status", "{}"],
        &["get", "all", "{}"],
        &["get", "hooks", "{}"],
        &["get", "values", "{}", "-o", "json"],
    ];
    for tool in [helm, Tool::Rudder] {
        for args in reads {
            let run = |name: &str| {
                let full: Vec<String> = args
                    .iter()
                    .map(|x| {
                        if *x == "{}" {
                            name.to_string()
                        } else {
                            x.to_string()
                        }
                    })
                    .collect();
                let out = ns.run(tool, &full);
                let text = format!("exit {}\n{}{}", out.code(), out.stdout, out.stderr);
                normalize(&without_resources(&text), &[a, b])
            };
            let (ta, tb) = (run(a), run(b));
            assert_eq!(
                ta,
                tb,
                "{when}: `{tool:?} {}` differs between the twins",
                args.join(" ")
            );
        }
    }
    objects::assert_equivalent(&ns.name, a, b, when);
}
