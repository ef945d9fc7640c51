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

/// How long an operation started from the UI may take to end: it waits
/// for its pods to become ready, which on a loaded two-core machine takes
/// longer than the UI takes to draw anything.
pub const OP: Duration = Duration::from_secs(90);

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

/// Removes the web chart's impossible nodeSelector from the Deployment of
/// `release` in `ns`, so a `--wait` on an `unschedulable=true` upgrade can
/// succeed once the test has seen it pending. The pending record is
/// written before the upgrade applies its objects: wait until the
/// Deployment has the nodeSelector, or the upgrade would put it back.
pub fn make_schedulable(ns: &TestNs, release: &str) {
    use k8s_openapi::api::apps::v1::Deployment;
    use kube::api::{Api, ListParams, Patch, PatchParams};
    block_on(async {
        let api: Api<Deployment> = Api::namespaced(cluster().admin().await, &ns.name);
        let of_release =
            ListParams::default().labels(&format!("app.kubernetes.io/instance={release}"));
        let deadline = std::time::Instant::now() + T;
        let name = loop {
            let list = api.list(&of_release).await.expect("list deployments");
            let applied = list.items.into_iter().find(|d| {
                d.spec
                    .template
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_selector.as_ref())
                    .is_some_and(|n| !n.is_empty())
            });
            if let Some(name) = applied.and_then(|d| d.metadata.name) {
                break name;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the upgrade never applied the nodeSelector to {release}'s Deployment"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let patch = serde_json::json!({
            "spec": {"template": {"spec": {"nodeSelector": null}}}
        });
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("patch deployment");
    });
}
