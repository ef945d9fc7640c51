//! Kind → resource resolution, cached: a table of the built-in kinds
//! charts use (no round trip), then discovery of one group-version at a
//! time (`/api/v1`, `/apis/<group>/<version>`), remembered for the life of
//! the client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kube::Client;
use serde::Deserialize;

use super::error::ClusterError;

/// A kind as the API server serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// The resource (plural) name.
    pub plural: String,
    /// True for namespaced kinds.
    pub namespaced: bool,
}

#[derive(Debug, Deserialize)]
struct ApiResourceList {
    #[serde(default)]
    resources: Vec<ApiResource>,
}

#[derive(Debug, Deserialize)]
struct ApiResource {
    name: String,
    kind: String,
    #[serde(default)]
    namespaced: bool,
}

/// The kinds one group-version serves, by kind.
type KindTable = Arc<HashMap<String, Served>>;

/// Resolves kinds through cached discovery.
#[derive(Clone)]
pub struct Resolver {
    client: Client,
    cache: Arc<Mutex<HashMap<String, KindTable>>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

impl Resolver {
    /// A resolver over `client`, with an empty cache.
    pub fn new(client: Client) -> Resolver {
        Resolver {
            client,
            cache: Arc::default(),
        }
    }

    /// Where `kind` of `group`/`version` is served, or `None` if the
    /// server does not serve it. A kind missing from the cached list is
    /// looked up again once, so a CRD created a moment ago is found.
    pub async fn resolve(
        &self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Result<Option<Served>, ClusterError> {
        if let Some((plural, namespaced)) = builtin_kind(group, version, kind) {
            return Ok(Some(Served {
                plural: plural.to_string(),
                namespaced,
            }));
        }
        let gv = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        let cached = self.cached(&gv);
        if let Some(found) = cached.as_ref().and_then(|m| m.get(kind)) {
            return Ok(Some(found.clone()));
        }
        let fresh = self.discover(group, version).await?;
        let found = fresh.get(kind).cloned();
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(gv, fresh);
        }
        Ok(found)
    }

    fn cached(&self, gv: &str) -> Option<KindTable> {
        self.cache.lock().ok()?.get(gv).cloned()
    }

    async fn discover(&self, group: &str, version: &str) -> Result<KindTable, ClusterError> {
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let req = http::Request::get(&path)
            .body(Vec::new())
            .map_err(|e| ClusterError::Other(e.to_string()))?;
        let list = match self.client.request::<ApiResourceList>(req).await {
            Ok(l) => l,
            // An unknown group-version serves nothing.
            Err(kube::Error::Api(s)) if s.code == 404 => ApiResourceList {
                resources: Vec::new(),
            },
            Err(e) => return Err(ClusterError::from_kube("unable to discover resources", e)),
        };
        Ok(Arc::new(
            list.resources
                .into_iter()
                .filter(|r| !r.name.contains('/'))
                .map(|r| {
                    (
                        r.kind,
                        Served {
                            plural: r.name,
                            namespaced: r.namespaced,
                        },
                    )
                })
                .collect(),
        ))
    }
}

/// The path of a collection (`namespace` only for namespaced kinds).
pub fn collection_path(
    group: &str,
    version: &str,
    plural: &str,
    namespace: Option<&str>,
) -> String {
    let base = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    match namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{plural}"),
        None => format!("{base}/{plural}"),
    }
}

/// The resource (plural) and scope of the built-in kinds charts use, so
/// they need no discovery round trip. Anything else is
/// discovered.
pub(crate) fn builtin_kind(group: &str, version: &str, kind: &str) -> Option<(&'static str, bool)> {
    let (plural, namespaced) = match (group, version, kind) {
        ("", "v1", "ConfigMap") => ("configmaps", true),
        ("", "v1", "Secret") => ("secrets", true),
        ("", "v1", "Service") => ("services", true),
        ("", "v1", "ServiceAccount") => ("serviceaccounts", true),
        ("", "v1", "Pod") => ("pods", true),
        ("", "v1", "PersistentVolumeClaim") => ("persistentvolumeclaims", true),
        ("", "v1", "ReplicationController") => ("replicationcontrollers", true),
        ("", "v1", "LimitRange") => ("limitranges", true),
        ("", "v1", "ResourceQuota") => ("resourcequotas", true),
        ("", "v1", "Namespace") => ("namespaces", false),
        ("", "v1", "PersistentVolume") => ("persistentvolumes", false),
        ("apps", "v1", "Deployment") => ("deployments", true),
        ("apps", "v1", "StatefulSet") => ("statefulsets", true),
        ("apps", "v1", "DaemonSet") => ("daemonsets", true),
        ("apps", "v1", "ReplicaSet") => ("replicasets", true),
        ("batch", "v1", "Job") => ("jobs", true),
        ("batch", "v1", "CronJob") => ("cronjobs", true),
        ("networking.k8s.io", "v1", "Ingress") => ("ingresses", true),
        ("networking.k8s.io", "v1", "NetworkPolicy") => ("networkpolicies", true),
        ("networking.k8s.io", "v1", "IngressClass") => ("ingressclasses", false),
        ("policy", "v1", "PodDisruptionBudget") => ("poddisruptionbudgets", true),
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => ("horizontalpodautoscalers", true),
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => ("horizontalpodautoscalers", true),
        ("rbac.authorization.k8s.io", "v1", "Role") => ("roles", true),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => ("rolebindings", true),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => ("clusterroles", false),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => ("clusterrolebindings", false),
        ("storage.k8s.io", "v1", "StorageClass") => ("storageclasses", false),
        ("scheduling.k8s.io", "v1", "PriorityClass") => ("priorityclasses", false),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition") => {
            ("customresourcedefinitions", false)
        }
        _ => return None,
    };
    Some((plural, namespaced))
}
