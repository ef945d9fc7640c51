//! `--from live`: the objects as they are in the cluster, in place of the
//! old release's manifest.
//!
//! A live object carries much that no chart wrote: `status`, server
//! metadata (`uid`, `resourceVersion`, `managedFields`...), and every
//! field the API server defaulted. Shown whole, every object would differ
//! on every run. So each live object is cut to the fields the release
//! manages: those the old release's copy of the object sets and those the
//! new one sets (for list items, item by item). What remains shows drift
//! (a field someone changed in the cluster), what the new revision sets,
//! and what it stops setting (server-side apply removes those), and never
//! server defaults. A list longer in the cluster than in either manifest
//! keeps its extra items whole, since apply would replace the list.

use std::collections::BTreeMap;

use crate::cluster::{Cluster, ResourceId};
use crate::gojson::GoValue;
use crate::release::Release;

use super::super::ActionError;
use super::objects::ManifestObject;

/// The live state of every object of `old` and `new` (their manifests;
/// hooks do not stay in the cluster as release objects), keyed like
/// [`parse_manifest`](super::parse_manifest) keys them, each cut to the
/// fields the two manifests set. Objects not in the cluster are absent.
///
/// # Errors
///
/// The cluster's errors: a kind the API server does not serve, access
/// refused.
pub async fn live_side<C: Cluster>(
    cluster: &C,
    old: &Release,
    new: &Release,
) -> Result<BTreeMap<ResourceId, ManifestObject>, ActionError> {
    let ns = &new.namespace;
    let old_objects = super::parse_manifest(&old.manifest, ns)
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    let new_objects = super::parse_manifest(&new.manifest, ns)
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    let mut resources = cluster.build(&new.manifest, ns).await?;
    resources.extend(cluster.build(&old.manifest, ns).await?);
    let mut out = BTreeMap::new();
    for resource in resources {
        let o = &resource.object;
        let id = ResourceId {
            group: o.group().to_string(),
            kind: o.kind.clone(),
            namespace: o.namespace.clone().unwrap_or_else(|| ns.clone()),
            name: o.name.clone(),
        };
        if out.contains_key(&id) {
            continue;
        }
        let Some(live) = cluster.get(&resource).await? else {
            continue;
        };
        let live = GoValue::from_json(&live);
        let shapes = [old_objects.get(&id), new_objects.get(&id)];
        let shape = shapes
            .iter()
            .flatten()
            .map(|m| m.value.clone())
            .reduce(|a, b| union(&a, &b))
            .unwrap_or(GoValue::Null);
        let api_version = match &live {
            GoValue::Map(m) => match m.get("apiVersion") {
                Some(GoValue::String(s)) => s.clone(),
                _ => o.api_version.clone(),
            },
            _ => o.api_version.clone(),
        };
        out.insert(
            id.clone(),
            ManifestObject {
                id,
                api_version,
                source: None,
                value: project(&live, &shape),
            },
        );
    }
    Ok(out)
}

/// The fields of `a` and `b` together (values from `b` where both have a
/// scalar: only the shape matters).
pub fn union(a: &GoValue, b: &GoValue) -> GoValue {
    match (a, b) {
        (GoValue::Map(x), GoValue::Map(y)) => {
            let mut m = x.clone();
            for (k, v) in y {
                let merged = match x.get(k) {
                    Some(old) => union(old, v),
                    None => v.clone(),
                };
                m.insert(k.clone(), merged);
            }
            GoValue::Map(m)
        }
        (GoValue::Array(x), GoValue::Array(y)) => {
            let n = x.len().max(y.len());
            GoValue::Array(
                (0..n)
                    .map(|i| match (x.get(i), y.get(i)) {
                        (Some(p), Some(q)) => union(p, q),
                        (Some(p), None) => p.clone(),
                        (None, Some(q)) => q.clone(),
                        (None, None) => GoValue::Null,
                    })
                    .collect(),
            )
        }
        (_, b) => b.clone(),
    }
}

/// `live` cut to the fields `shape` has.
pub fn project(live: &GoValue, shape: &GoValue) -> GoValue {
    match (live, shape) {
        (GoValue::Map(l), GoValue::Map(s)) => GoValue::Map(
            l.iter()
                .filter_map(|(k, v)| s.get(k).map(|sv| (k.clone(), project(v, sv))))
                .collect(),
        ),
        (GoValue::Array(l), GoValue::Array(s)) => GoValue::Array(
            l.iter()
                .enumerate()
                .map(|(i, v)| match s.get(i) {
                    Some(sv) => project(v, sv),
                    None => v.clone(),
                })
                .collect(),
        ),
        (l, _) => l.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: serde_json::Value) -> GoValue {
        GoValue::from_json(&json)
    }

    #[test]
    fn server_fields_and_defaults_are_cut_away() {
        let live = v(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "uid": "123", "resourceVersion": "9",
                         "labels": {"app": "web", "extra": "x"}},
            "spec": {"replicas": 5, "progressDeadlineSeconds": 600,
                     "template": {"spec": {"containers": [
                         {"name": "c", "image": "nginx:1", "imagePullPolicy": "IfNotPresent"},
                         {"name": "sidecar", "image": "envoy"}]}}},
            "status": {"replicas": 5}
        }));
        let old = v(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 1, "paused": false,
                     "template": {"spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}
        }));
        let new = v(serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 1,
                     "template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}
        }));
        let got = project(&live, &union(&old, &new));
        assert_eq!(
            got,
            v(serde_json::json!({
                "apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"replicas": 5,
                         "template": {"spec": {"containers": [
                             {"name": "c", "image": "nginx:1"},
                             {"name": "sidecar", "image": "envoy"}]}}}
            }))
        );
    }
}
