//! Which objects live in no namespace. The manifests cannot tell (a
//! ClusterRole has no `metadata.namespace`, nor has a namespaced object
//! the chart leaves to the release's namespace), so matching puts every
//! namespace-less object in the release's namespace; for display and
//! `-o json`, the API server is asked which kinds are cluster-scoped.

use std::collections::BTreeMap;

use crate::cluster::Cluster;

use super::compare::ObjectChange;

/// Clears the namespace of every object whose kind the cluster serves as
/// cluster-scoped, keeping identity order. A kind the cluster does not
/// serve (a CRD since removed, in an old revision) keeps its namespace:
/// the diff is still right, only that object's name shows a namespace.
pub async fn clear_cluster_scoped<C: Cluster>(cluster: &C, objects: &mut [ObjectChange]) {
    let mut namespaced: BTreeMap<(String, String), bool> = BTreeMap::new();
    for o in objects.iter() {
        let key = (o.api_version.clone(), o.id.kind.clone());
        if namespaced.contains_key(&key) {
            continue;
        }
        // One minimal object per kind: `build` resolves its kind through
        // discovery and leaves the namespace unset for cluster-scoped kinds.
        let probe = format!(
            "apiVersion: {}\nkind: {}\nmetadata:\n  name: probe\n",
            serde_json::Value::String(key.0.clone()),
            serde_json::Value::String(key.1.clone())
        );
        let scoped = match cluster.build(&probe, "probe").await {
            Ok(resources) => resources.first().is_none_or(|r| r.namespace.is_some()),
            Err(_) => true,
        };
        namespaced.insert(key, scoped);
    }
    for o in objects.iter_mut() {
        if namespaced.get(&(o.api_version.clone(), o.id.kind.clone())) == Some(&false) {
            o.id.namespace.clear();
        }
    }
    objects.sort_by(|a, b| a.id.cmp(&b.id));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::diff::{compare, parse_manifest};
    use crate::cluster::memory::MemoryCluster;

    #[tokio::test]
    async fn cluster_scoped_kinds_lose_the_namespace_others_keep_it() {
        let m = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: example.com/v1\nkind: Gone\nmetadata:\n  name: g\n";
        let side = parse_manifest(m, "ns").unwrap_or_default();
        let mut objects = compare(&side, &side, false).unwrap_or_default();
        clear_cluster_scoped(&MemoryCluster::new(), &mut objects).await;
        let names: Vec<String> = objects.iter().map(ObjectChange::display).collect();
        assert_eq!(names, ["ConfigMap/ns/c", "Gone/ns/g", "ClusterRole/reader"]);
    }
}
