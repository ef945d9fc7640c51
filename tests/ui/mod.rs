//! `rudder ui` end to end: the UI runs in tmux against the real cluster,
//! driven by keys and read back from the pane, while real helm v4 makes and
//! changes the releases. After each UI action the cluster's truth is read
//! with helm (history, status, values), not only the screen. Each flow has
//! its own namespace and tmux server, so the flows run concurrently.

mod color;
mod driver;
mod flows;
mod lease;
mod mouse;
mod stuck;

use std::time::Duration;

use serde_json::Value;

use crate::harness::{TestNs, block_on, chart, cluster};

/// Long enough for a watch event or an operation on the shared cluster
/// under load; the flows pass in a fraction of it.
pub const T: Duration = Duration::from_secs(20);

/// The web fixture chart's path.
pub fn web() -> String {
    chart("web").to_string_lossy().into_owned()
}

/// `helm history NAME -o json` (helm v4) as `(revision, status,
/// description)`.
pub fn history(ns: &TestNs, name: &str) -> Vec<(i64, String, String)> {
    let out = ns.helm4(["history", name, "-o", "json"]).ok();
    let v: Value = serde_json::from_str(&out.stdout).expect("helm history json");
    v.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            (
                r["revision"].as_i64().unwrap_or(-1),
                r["status"].as_str().unwrap_or("?").to_string(),
                r["description"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

/// The statuses of `history`, in revision order.
pub fn statuses(ns: &TestNs, name: &str) -> Vec<String> {
    history(ns, name).into_iter().map(|(_, s, _)| s).collect()
}

/// Removes the web chart's impossible nodeSelector from every Deployment
/// in `ns`, so a helm `--wait` on an `unschedulable=true` upgrade can
/// succeed once the test has seen it pending.
pub fn make_schedulable(ns: &TestNs) {
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::api::{Api, ListParams, Patch, PatchParams};
    block_on(async {
        let api: Api<Deployment> = Api::namespaced(cluster().admin().await, &ns.name);
        let list = api.list(&ListParams::default()).await.expect("list");
        for d in list {
            let name = d.metadata.name.unwrap_or_default();
            let patch = serde_json::json!({
                "spec": {"template": {"spec": {"nodeSelector": null}}}
            });
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .expect("patch deployment");
        }
    });
}
