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
//!
//! The API server keeps no `stringData`: it folds it into `data`, base64
//! encoded. The manifests' Secrets are folded the same way before they
//! are compared with live ones, so a chart using `stringData` does not
//! differ from the cluster on every run.

use std::collections::BTreeMap;

use base64::Engine as _;

use crate::cluster::{Cluster, ResourceId};
use crate::gojson::GoValue;
use crate::release::Release;

use super::super::ActionError;
use super::compare::{ObjectChange, compare};
use super::mask::is_secret;
use super::objects::ManifestObject;

/// What the upgrade from `old` to `new` would change in the cluster: the
/// live objects (see [`live_side`]) compared with `new`'s manifest
/// (Secrets' `stringData` folded into `data`; hooks left out).
///
/// # Errors
///
/// A manifest that does not parse; the cluster's errors.
pub async fn compare_live<C: Cluster>(
    cluster: &C,
    old: &Release,
    new: &Release,
    show_secrets: bool,
) -> Result<Vec<ObjectChange>, ActionError> {
    let live = live_side(cluster, old, new).await?;
    let desired = manifest_as_stored(new)?;
    compare(&live, &desired, show_secrets).map_err(|e| ActionError::Invalid(e.to_string()))
}

/// The objects of `release`'s manifest as the API server would store
/// them, as far as a diff can tell: Secrets' `stringData` folded into
/// `data`.
fn manifest_as_stored(
    release: &Release,
) -> Result<BTreeMap<ResourceId, ManifestObject>, ActionError> {
    let mut objects = super::parse_manifest(&release.manifest, &release.namespace)
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    for o in objects.values_mut() {
        if is_secret(o) {
            fold_string_data(&mut o.value);
        }
    }
    Ok(objects)
}

/// Moves `stringData` into `data`, base64-encoded, its keys winning, as
/// the API server does.
pub fn fold_string_data(secret: &mut GoValue) {
    let GoValue::Map(top) = secret else {
        return;
    };
    let Some(GoValue::Map(strings)) = top.remove("stringData") else {
        return;
    };
    let data = top
        .entry("data".to_string())
        .or_insert_with(|| GoValue::Map(BTreeMap::new()));
    if !matches!(data, GoValue::Map(_)) {
        *data = GoValue::Map(BTreeMap::new());
    }
    if let GoValue::Map(d) = data {
        for (k, v) in strings {
            let text = match v {
                GoValue::String(s) => s,
                other => crate::output::to_yaml(&other)
                    .map(|y| y.trim_end().to_string())
                    .unwrap_or_default(),
            };
            let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            d.insert(k, GoValue::String(encoded));
        }
    }
}

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
    let old_objects = manifest_as_stored(old)?;
    let new_objects = manifest_as_stored(new)?;
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

    #[test]
    fn string_data_is_folded_into_data_as_the_api_server_does() {
        let mut s = v(serde_json::json!({
            "kind": "Secret",
            "data": {"a": "b2xk", "keep": "eA=="},
            "stringData": {"a": "new", "b": "plain"}
        }));
        fold_string_data(&mut s);
        // base64("new") = "bmV3", base64("plain") = "cGxhaW4=".
        assert_eq!(
            s,
            v(serde_json::json!({
                "kind": "Secret",
                "data": {"a": "bmV3", "keep": "eA==", "b": "cGxhaW4="}
            }))
        );
    }

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
