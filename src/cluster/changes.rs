//! Change notifications for a release's live objects (the UI's Resources
//! tab): a stream that yields whenever one of the objects, or a pod of one
//! of its workloads, is added, changed or deleted. Driven by watches, never
//! by polling, so an unchanged release costs the API server one open watch
//! per kind and namespace and nothing else.
//!
//! Watches are shared like the waits' ([`super::wait`]): one per kind and
//! namespace, by name for a lone object (a field selector), by the labels
//! all its objects carry otherwise; and one of pods per namespace that has
//! workloads, by the workload's selector when there is one workload. Events
//! are matched back to the objects by name (and pods by selector) here, so
//! a broader watch does not wake the caller for unrelated objects. The
//! initial listing yields nothing (the caller has just read the objects);
//! a relist after a lost connection or an expired resource version (410)
//! yields once, because anything may have changed meanwhile. Dropping the
//! stream stops the watches.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::StreamExt;
use futures::stream::{self, BoxStream};
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;

use super::interface::Resource;
use super::kstatus::LabelSelector;

/// The kinds whose pods the Resources tab lists (`v1/Pod(related)`), as
/// helm's `status` selects them.
pub(crate) const WORKLOADS: &[&str] = &[
    "ReplicaSet",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "ReplicationController",
];

/// What one watch is interested in: names (objects) or selectors (pods).
enum Interest {
    /// Objects with these names.
    Names(BTreeSet<String>),
    /// Pods matching any of these selectors (none: every pod).
    Pods(Vec<LabelSelector>),
}

impl Interest {
    fn wants(&self, obj: &Value) -> bool {
        match self {
            Interest::Names(names) => obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_some_and(|n| names.contains(n)),
            Interest::Pods(selectors) => {
                selectors.is_empty() || selectors.iter().any(|s| s.matches(obj))
            }
        }
    }
}

/// One planned watch.
struct Planned {
    resource: ApiResource,
    namespace: Option<String>,
    /// A field selector (a lone object's name).
    fields: Option<String>,
    /// A label selector.
    labels: Option<String>,
    interest: Interest,
}

fn api_resource(r: &Resource) -> ApiResource {
    ApiResource {
        group: r.object.group().to_string(),
        version: r.object.version().to_string(),
        api_version: r.object.api_version.clone(),
        kind: r.object.kind.clone(),
        plural: r.plural.clone(),
    }
}

fn pod_resource() -> ApiResource {
    ApiResource {
        group: String::new(),
        version: "v1".into(),
        api_version: "v1".into(),
        kind: "Pod".into(),
        plural: "pods".into(),
    }
}

/// Groups `resources` into the watches that cover them.
fn plan(resources: &[Resource]) -> Vec<Planned> {
    // Kind (api version + kind) and namespace to the resources there.
    let mut groups: BTreeMap<(String, String, Option<String>), Vec<&Resource>> = BTreeMap::new();
    // Namespace to the pod selectors of the workloads there (`None`: a
    // workload whose selector cannot be read, so every pod counts).
    let mut pods: BTreeMap<String, Vec<Option<LabelSelector>>> = BTreeMap::new();
    for r in resources {
        groups
            .entry((
                r.object.api_version.clone(),
                r.object.kind.clone(),
                r.namespace.clone(),
            ))
            .or_default()
            .push(r);
        if WORKLOADS.contains(&r.object.kind.as_str())
            && let Some(ns) = &r.namespace
        {
            pods.entry(ns.clone())
                .or_default()
                .push(LabelSelector::of_workload(&r.object.body).ok());
        }
    }
    let mut out = Vec::new();
    for ((_, _, namespace), members) in groups {
        let Some(first) = members.first() else {
            continue;
        };
        let names: BTreeSet<String> = members.iter().map(|r| r.object.name.clone()).collect();
        let (fields, labels) = if names.len() == 1 {
            (names.first().map(|n| format!("metadata.name={n}")), None)
        } else {
            let common = super::wait::common_labels(members.iter().map(|r| &r.object.body));
            (None, (!common.is_empty()).then_some(common))
        };
        out.push(Planned {
            resource: api_resource(first),
            namespace,
            fields,
            labels,
            interest: Interest::Names(names),
        });
    }
    for (namespace, selectors) in pods {
        let all: Option<Vec<LabelSelector>> = selectors.into_iter().collect();
        let selectors = all.unwrap_or_default();
        let labels = match selectors.as_slice() {
            [one] => Some(one.to_query()).filter(|q| !q.is_empty()),
            _ => None,
        };
        out.push(Planned {
            resource: pod_resource(),
            namespace: Some(namespace),
            fields: None,
            labels,
            interest: Interest::Pods(selectors),
        });
    }
    out
}

/// One watch as a stream of "something changed": nothing for the first
/// listing, once at the end of every later relist, once per event that
/// concerns the watched objects.
fn watch_one(client: &kube::Client, p: Planned) -> BoxStream<'static, ()> {
    let api: Api<DynamicObject> = match &p.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &p.resource),
        None => Api::all_with(client.clone(), &p.resource),
    };
    let mut config = watcher::Config::default();
    if let Some(f) = &p.fields {
        config = config.fields(f);
    }
    if let Some(l) = &p.labels {
        config = config.labels(l);
    }
    let interest = Arc::new(p.interest);
    let mut listed = false;
    watcher::watcher(api, config)
        .default_backoff()
        .filter_map(move |ev| {
            let interest = interest.clone();
            let changed = match ev {
                Ok(Event::InitDone) => std::mem::replace(&mut listed, true),
                Ok(Event::Apply(o) | Event::Delete(o)) => {
                    serde_json::to_value(o).is_ok_and(|v| interest.wants(&v))
                }
                // The relist's items are judged all at once, at its end;
                // errors are retried by the watcher's backoff.
                Ok(Event::Init | Event::InitApply(_)) | Err(_) => false,
            };
            futures::future::ready(changed.then_some(()))
        })
        .boxed()
}

/// The change stream of `resources` over `client`: every planned watch,
/// merged. Empty resources give a stream that never yields.
pub fn watch_changes(client: &kube::Client, resources: &[Resource]) -> BoxStream<'static, ()> {
    let watches: Vec<BoxStream<'static, ()>> = plan(resources)
        .into_iter()
        .map(|p| watch_one(client, p))
        .collect();
    if watches.is_empty() {
        return stream::pending().boxed();
    }
    stream::select_all(watches).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::objects::parse_objects;

    fn resources(manifest: &str) -> Vec<Resource> {
        parse_objects(manifest)
            .unwrap_or_default()
            .into_iter()
            .map(|object| Resource {
                plural: format!("{}s", object.kind.to_lowercase()),
                object,
                namespace: Some("ns".into()),
            })
            .collect()
    }

    #[test]
    fn one_watch_per_kind_and_namespace_plus_pods_of_workloads() {
        let rs = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app: x, n: a}\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: {app: x, n: b}\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n",
        );
        let planned = plan(&rs);
        let summary: Vec<(String, Option<String>, Option<String>)> = planned
            .iter()
            .map(|p| (p.resource.kind.clone(), p.fields.clone(), p.labels.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                ("Deployment".into(), Some("metadata.name=web".into()), None),
                ("ConfigMap".into(), None, Some("app=x".into())),
                ("Pod".into(), None, Some("app=web".into())),
            ]
        );
        let pod = serde_json::json!({"metadata": {"name": "p", "labels": {"app": "web"}}});
        let other = serde_json::json!({"metadata": {"name": "q", "labels": {"app": "db"}}});
        assert!(planned[2].interest.wants(&pod));
        assert!(!planned[2].interest.wants(&other));
        assert!(
            planned[1]
                .interest
                .wants(&serde_json::json!({"metadata": {"name": "b"}}))
        );
        assert!(
            !planned[1]
                .interest
                .wants(&serde_json::json!({"metadata": {"name": "c"}}))
        );
    }

    #[tokio::test]
    async fn memory_cluster_stream_fires_on_apply_and_delete_of_watched_objects() {
        use crate::cluster::memory::MemoryCluster;
        use crate::cluster::{ApplyOptions, Cluster, Propagation};
        use std::time::Duration;

        let rs = resources(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\
             apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
        );
        let other = resources("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n");
        let cluster = MemoryCluster::new();
        let mut changes = cluster.watch_changes(&rs);
        let quiet =
            |s: &mut BoxStream<'static, ()>| futures::FutureExt::now_or_never(s.next()).is_none();
        assert!(quiet(&mut changes), "nothing changed yet");
        cluster.apply(&other[0], ApplyOptions::default()).await.ok();
        assert!(quiet(&mut changes), "an unwatched object changed");
        cluster.apply(&rs[0], ApplyOptions::default()).await.ok();
        let next = tokio::time::timeout(Duration::from_secs(1), changes.next()).await;
        assert_eq!(next.ok().flatten(), Some(()));
        cluster.delete(&rs[0], Propagation::Background).await.ok();
        let next = tokio::time::timeout(Duration::from_secs(1), changes.next()).await;
        assert_eq!(next.ok().flatten(), Some(()));
        // A pod in the workload's namespace counts as the workload's.
        let pod = crate::cluster::ResourceId {
            group: String::new(),
            kind: "Pod".into(),
            namespace: "ns".into(),
            name: "web-1".into(),
        };
        cluster.put(pod, serde_json::json!({}));
        let next = tokio::time::timeout(Duration::from_secs(1), changes.next()).await;
        assert_eq!(next.ok().flatten(), Some(()));
        assert!(quiet(&mut changes));
    }
}
