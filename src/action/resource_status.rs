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
        .map(|obj| {
            let text = |ptr: &str| obj.pointer(ptr).and_then(Value::as_str).unwrap_or("");
            let c = compute(obj, Mode::Wait, now);
            ResourceState {
                resource: format!("{}/{}", text("/kind"), text("/metadata/name")),
                namespace: text("/metadata/namespace").to_string(),
                status: c.status.as_str().to_string(),
                message: c.error.unwrap_or(c.message),
            }
        })
        .collect()
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
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2,
                       "readyReplicas": 1, "availableReplicas": 1}
        });
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "cfg", "namespace": "ns"}});
        let live = LiveResources(vec![
            ("v1/ConfigMap".into(), vec![cm]),
            ("apps/v1/Deployment".into(), vec![deploy]),
        ]);
        let got = resource_states(&live, Timestamp::UNIX_EPOCH);
        assert_eq!(got[0].resource, "ConfigMap/cfg");
        assert_eq!(got[0].status, "Current");
        assert_eq!(got[1].resource, "Deployment/web");
        assert_eq!(got[1].namespace, "ns");
        // cli-utils' deploymentConditions checks available replicas
        // before ready ones: "Available: %d/%d".
        assert_eq!(got[1].status, "InProgress");
        assert_eq!(got[1].message, "Available: 1/2");
    }
}
