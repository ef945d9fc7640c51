//! The kstatus of a release's live objects, one line per object, for a
//! front end that shows them (the TUI's Resources tab): the same status
//! and message a `--wait` would report.

use jiff::Timestamp;
use serde_json::Value;

use crate::cluster::kstatus::{Mode, compute};
use crate::cluster::resources::LiveResources;

/// One live object and its kstatus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceState {
    /// `Kind/name`.
    pub resource: String,
    /// Its namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// kstatus: `Current`, `InProgress`, `Failed`, `Terminating`, ...
    pub status: String,
    /// kstatus's message (why it is not ready, or that it is).
    pub message: String,
}

/// The kstatus of each object of `live` (fetched as objects, not tables),
/// in the order given, judged as of `now`.
pub fn resource_states(live: &LiveResources, now: Timestamp) -> Vec<ResourceState> {
    live.0
        .iter()
        .flat_map(|(_, objects)| objects)
        .flat_map(members)
        .map(|obj| {
            let text = |ptr: &str| obj.pointer(ptr).and_then(Value::as_str).unwrap_or("");
            let c = compute(&obj, Mode::Wait, now);
            ResourceState {
                resource: format!("{}/{}", text("/kind"), text("/metadata/name")),
                namespace: text("/metadata/namespace").to_string(),
                status: c.status.as_str().to_string(),
                message: c.error.unwrap_or(c.message),
            }
        })
        .collect()
}

/// The objects in `obj`: the items of a list (the related pods come as a
/// `PodList`, whose items the API server sends without `kind`), else the
/// object itself.
fn members(obj: &Value) -> Vec<Value> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match (
        kind.strip_suffix("List"),
        obj.get("items").and_then(Value::as_array),
    ) {
        (Some(item_kind), Some(items)) if !item_kind.is_empty() => items
            .iter()
            .map(|i| {
                let mut i = i.clone();
                if let Some(m) = i.as_object_mut() {
                    m.entry("kind").or_insert_with(|| Value::from(item_kind));
                }
                i
            })
            .collect(),
        _ => vec![obj.clone()],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn each_object_gets_its_kstatus() {
        let deploy = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ns", "generation": 1},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                       "readyReplicas": 1, "availableReplicas": 1}
        });
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "cfg", "namespace": "ns"}});
        // The related pods come as a list whose items have no kind.
        let pods = json!({"kind": "PodList", "apiVersion": "v1", "items": [
            {"metadata": {"name": "web-1", "namespace": "ns"},
             "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}
        ]});
        let live = LiveResources(vec![
            ("v1/ConfigMap".into(), vec![cm]),
            ("apps/v1/Deployment".into(), vec![deploy]),
            ("v1/Pod(related)".into(), vec![pods]),
        ]);
        let got = resource_states(&live, Timestamp::UNIX_EPOCH);
        assert_eq!(got[0].resource, "ConfigMap/cfg");
        assert_eq!(got[0].status, "Current");
        assert_eq!(got[1].resource, "Deployment/web");
        assert_eq!(got[1].namespace, "ns");
        // cli-utils' deploymentConditions checks available replicas
        // before ready ones: "Available: %d/%d".
        assert_eq!(got[1].status, "InProgress", "{:?}", got[1]);
        assert_eq!(got[1].message, "Available: 1/2");
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].resource, "Pod/web-1");
        assert_eq!(got[2].namespace, "ns");
    }
}
