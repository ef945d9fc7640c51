//! The live objects of a release, as `helm status` (v4) shows them: every
//! object in the stored manifest, fetched from the API server, plus the
//! pods selected by its workloads (`v1/Pod(related)`).
//!
//! For table output helm asks the server to render each object as a
//! `meta.k8s.io/v1` Table; for JSON and YAML it fetches the objects
//! themselves. Objects that cannot be fetched are left out silently, as in
//! helm.

use std::collections::BTreeMap;

use kube::Client;
use kube::core::GroupVersionKind;
use serde_json::Value;

use super::discovery::{Resolver, collection_path};
use super::request::{get_optional, url_escape};

/// What to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// The objects themselves (for `-o json` / `-o yaml`).
    Objects,
    /// Server-rendered tables (for table output).
    Tables,
}

/// Live objects grouped the way helm keys them: `<version>/<Kind>` (no
/// group), plus `v1/Pod(related)`; in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveResources(pub Vec<(String, Vec<Value>)>);

impl LiveResources {
    pub(crate) fn push(&mut self, key: &str, obj: Value) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => v.push(obj),
            None => self.0.push((key.to_string(), vec![obj])),
        }
    }

    /// True when nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why the live objects could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResourceError {
    /// The stored manifest is not valid YAML.
    #[error("unable to parse the release manifest: {0}")]
    Manifest(String),
    /// A kind in the manifest is unknown to the API server.
    #[error(
        "unable to build kubernetes objects from release manifest: resource mapping not found for name: {name:?} namespace: {namespace:?} from \"\": no matches for kind {kind:?} in version {api_version:?}\nensure CRDs are installed first"
    )]
    UnknownKind {
        /// Object name.
        name: String,
        /// Object namespace.
        namespace: String,
        /// Its kind.
        kind: String,
        /// Its apiVersion.
        api_version: String,
    },
    /// The API server failed in another way.
    #[error("{0}")]
    Api(String),
}

impl ResourceError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ResourceError::Manifest(_) | ResourceError::UnknownKind { .. } => {
                crate::error::ErrorKind::InvalidInput
            }
            ResourceError::Api(_) => crate::error::ErrorKind::Failed,
        }
    }
}

/// One object named by the manifest: only what locating it and finding
/// its pods needs (the rest of each document is skipped, not built).
#[derive(Clone, Debug, Default, serde::Deserialize)]
struct ManifestObject {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: ObjectName,
    #[serde(default)]
    spec: Option<Spec>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
struct ObjectName {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Deserialize)]
struct Spec {
    #[serde(default)]
    selector: Option<Value>,
}

/// Parses a multi-document manifest into objects, skipping empty documents.
fn parse_manifest(manifest: &str) -> Result<Vec<ManifestObject>, ResourceError> {
    let docs: Vec<Option<ManifestObject>> =
        serde_saphyr::from_multiple_with_options(manifest, super::objects::yaml_options())
            .map_err(|e| ResourceError::Manifest(e.to_string()))?;
    Ok(docs
        .into_iter()
        .flatten()
        .filter(|d| !d.kind.is_empty() || !d.metadata.name.is_empty())
        .map(|mut d| {
            d.metadata.namespace = d.metadata.namespace.filter(|n| !n.is_empty());
            d
        })
        .collect())
}

fn gvk_of(api_version: &str, kind: &str) -> GroupVersionKind {
    match api_version.split_once('/') {
        Some((g, v)) => GroupVersionKind::gvk(g, v, kind),
        None => GroupVersionKind::gvk("", api_version, kind),
    }
}

/// The Accept header helm sends to get server-side tables.
const TABLE_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

async fn get_json(client: &Client, path: &str, form: Form) -> Result<Option<Value>, kube::Error> {
    let uri = match form {
        Form::Objects => path.to_string(),
        Form::Tables => {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}includeObject=Object")
        }
    };
    let mut req = http::Request::get(uri);
    if form == Form::Tables {
        req = req.header(http::header::ACCEPT, TABLE_ACCEPT);
    }
    get_optional(client, req).await
}

/// The pod selector helm derives from a manifest object.
fn pod_selector(obj: &ManifestObject) -> Option<BTreeMap<String, String>> {
    let selector = obj.spec.as_ref()?.selector.as_ref()?;
    let map = match obj.kind.as_str() {
        "ReplicaSet" | "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => {
            selector.get("matchLabels")?
        }
        "ReplicationController" => selector,
        _ => return None,
    }
    .as_object()?;
    map.iter()
        .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

/// Where an object lives: its collection path, and helm's map key.
struct Located {
    path: String,
    key: String,
    namespace: Option<String>,
}

async fn locate(
    resolver: &Resolver,
    obj: &ManifestObject,
    namespace: &str,
) -> Result<Located, ResourceError> {
    let gvk = gvk_of(&obj.api_version, &obj.kind);
    let unknown = || ResourceError::UnknownKind {
        name: obj.metadata.name.clone(),
        namespace: obj.metadata.namespace.clone().unwrap_or_default(),
        kind: obj.kind.clone(),
        api_version: obj.api_version.clone(),
    };
    let served = resolver
        .resolve(&gvk.group, &gvk.version, &gvk.kind)
        .await
        .map_err(|_| unknown())?
        .ok_or_else(unknown)?;
    let ns = served.namespaced.then(|| {
        obj.metadata
            .namespace
            .clone()
            .unwrap_or_else(|| namespace.to_string())
    });
    Ok(Located {
        path: format!(
            "{}/{}",
            collection_path(&gvk.group, &gvk.version, &served.plural, ns.as_deref()),
            obj.metadata.name
        ),
        key: format!("{}/{}", gvk.version, gvk.kind),
        namespace: ns,
    })
}

/// Fetches the live objects of `manifest` in `namespace`. The objects (and
/// the related pods) are fetched concurrently and assembled in helm's
/// order.
pub async fn live_resources(
    client: &Client,
    manifest: &str,
    namespace: &str,
    form: Form,
) -> Result<LiveResources, ResourceError> {
    let objects = parse_manifest(manifest)?;
    let resolver = Resolver::new(client.clone());
    let located =
        futures::future::try_join_all(objects.iter().map(|o| locate(&resolver, o, namespace)))
            .await?;

    // Related pods: one listing per distinct selector.
    let mut selectors: Vec<BTreeMap<String, String>> = Vec::new();
    let mut pod_paths: Vec<String> = Vec::new();
    let mut selector_of: Vec<Option<usize>> = Vec::with_capacity(objects.len());
    for (obj, loc) in objects.iter().zip(&located) {
        selector_of.push(pod_selector(obj).map(|sel| {
            if let Some(i) = selectors.iter().position(|s| *s == sel) {
                return i;
            }
            let label_selector = sel
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",");
            let pod_ns = loc.namespace.as_deref().unwrap_or(namespace);
            pod_paths.push(format!(
                "{}?labelSelector={}",
                collection_path("", "v1", "pods", Some(pod_ns)),
                url_escape(&label_selector)
            ));
            selectors.push(sel);
            selectors.len() - 1
        }));
    }
    let (fetched, pods) = futures::join!(
        futures::future::join_all(located.iter().map(|l| get_json(client, &l.path, form))),
        futures::future::join_all(pod_paths.iter().map(|p| get_json(client, p, form))),
    );

    // Assemble in helm's order: each object that could be read, followed by
    // its pods the first time its selector comes up among objects read.
    let mut out = LiveResources::default();
    let mut pods: Vec<Option<Value>> = pods.into_iter().map(|r| r.ok().flatten()).collect();
    for ((loc, obj), selector) in located.iter().zip(fetched).zip(selector_of) {
        // Missing or unreadable objects are skipped, as helm does.
        let Ok(Some(obj)) = obj else { continue };
        out.push(&loc.key, obj);
        // helm keeps the pod list as one object: a Table of pods for table
        // output, a PodList otherwise.
        if let Some(mut list) = selector.and_then(|i| pods.get_mut(i).and_then(Option::take)) {
            if form == Form::Objects {
                type_list_items(&mut list);
            }
            out.push("v1/Pod(related)", list);
        }
    }
    Ok(out)
}

/// The API server sends list items without `apiVersion` and `kind`;
/// client-go's unstructured lists fill them in from the list's type, and
/// helm prints them that way.
fn type_list_items(list: &mut Value) {
    let api_version = list
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1")
        .to_string();
    let kind = list
        .get("kind")
        .and_then(Value::as_str)
        .and_then(|k| k.strip_suffix("List"))
        .unwrap_or_default()
        .to_string();
    if let Some(items) = list.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if let Value::Object(m) = item {
                m.entry("apiVersion")
                    .or_insert_with(|| Value::String(api_version.clone()));
                m.entry("kind")
                    .or_insert_with(|| Value::String(kind.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let m = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n";
        let objs = parse_manifest(m).expect("parse");
        assert_eq!(objs[0].metadata.name, "b");
    }

    #[test]
    fn parses_helm_manifests_and_pod_selectors() {
        let m = "---\n# Source: web/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\n# Source: web/templates/d.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: other\nspec:\n  selector:\n    matchLabels:\n      app: web\n---\n# empty\n";
        let objs = parse_manifest(m).expect("parse");
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].metadata.namespace.as_deref(), Some("other"));
        assert_eq!(
            gvk_of(&objs[1].api_version, &objs[1].kind),
            GroupVersionKind::gvk("apps", "v1", "Deployment")
        );
        let sel = pod_selector(&objs[1]).expect("selector");
        assert_eq!(sel.get("app").map(String::as_str), Some("web"));
        assert!(pod_selector(&objs[0]).is_none());
        assert_eq!(
            collection_path("apps", "v1", "deployments", Some("ns")),
            "/apis/apps/v1/namespaces/ns/deployments"
        );
    }
}
