//! The objects of a manifest, keyed the way Helm matches objects across
//! revisions (group, kind, namespace, name), each parsed with the YAML
//! reader helm uses (`sigs.k8s.io/yaml`, [`crate::gojson::yaml`]).
//!
//! Objects are compared and printed as their canonical YAML (keys sorted,
//! Go's quoting), not as the manifest text: two renders that differ only
//! in key order, indentation, quoting or comments are the same object.

use std::collections::BTreeMap;

use crate::cluster::ResourceId;
use crate::cluster::objects::split_manifests;
use crate::gojson::GoValue;
use crate::gojson::yaml::from_slice;

use super::DiffError;

/// One object of a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestObject {
    /// How it is matched with an object of the other side.
    pub id: ResourceId,
    /// `apiVersion` as written (a version change alone is a change of the
    /// same object, as in Helm's matching).
    pub api_version: String,
    /// The template it came from (the manifest's `# Source:` line), when
    /// known.
    pub source: Option<String>,
    /// The object as helm reads it.
    pub value: GoValue,
}

/// The objects of `manifest` (a stored release manifest or a hook's),
/// keyed by identity. An object without a namespace is placed in
/// `default_namespace`, the release's, where Helm would create a
/// namespaced object; both sides of a comparison are keyed the same way,
/// so matching does not depend on knowing which kinds are namespaced.
/// When two documents name the same object the later one wins, as the
/// later apply would.
///
/// # Errors
///
/// [`DiffError::Manifest`] for a document helm's YAML reader rejects, or
/// that is not an object with `kind`.
pub fn parse_manifest(
    manifest: &str,
    default_namespace: &str,
) -> Result<BTreeMap<ResourceId, ManifestObject>, DiffError> {
    let mut out = BTreeMap::new();
    for doc in split_manifests(manifest) {
        let source = source_line(&doc);
        let value = from_slice(doc.as_bytes()).map_err(|e| DiffError::Manifest {
            source_path: source.clone().unwrap_or_default(),
            message: e.message().to_string(),
        })?;
        push(&mut out, value, source, default_namespace)?;
    }
    Ok(out)
}

/// The `# Source: path` comment helm puts before every rendered document.
fn source_line(doc: &str) -> Option<String> {
    doc.lines()
        .take_while(|l| l.trim_start().starts_with('#') || l.trim().is_empty())
        .find_map(|l| l.trim_start().strip_prefix("# Source:"))
        .map(|s| s.trim().to_string())
}

fn push(
    out: &mut BTreeMap<ResourceId, ManifestObject>,
    value: GoValue,
    source: Option<String>,
    default_namespace: &str,
) -> Result<(), DiffError> {
    let map = match value {
        // A comment-only or empty document.
        GoValue::Null => return Ok(()),
        GoValue::Map(m) => m,
        _ => {
            return Err(DiffError::Manifest {
                source_path: source.unwrap_or_default(),
                message: "a document is not an object".into(),
            });
        }
    };
    let text = |m: &BTreeMap<String, GoValue>, k: &str| match m.get(k) {
        Some(GoValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let kind = text(&map, "kind");
    // kubectl's builder flattens `kind: List` (and `*List`) documents.
    if kind.ends_with("List")
        && let Some(GoValue::Array(items)) = map.get("items")
    {
        for item in items.clone() {
            push(out, item, source.clone(), default_namespace)?;
        }
        return Ok(());
    }
    if kind.is_empty() {
        return Err(DiffError::Manifest {
            source_path: source.unwrap_or_default(),
            message: "Object 'Kind' is missing".into(),
        });
    }
    let api_version = text(&map, "apiVersion");
    let (name, namespace) = match map.get("metadata") {
        Some(GoValue::Map(meta)) => (text(meta, "name"), text(meta, "namespace")),
        _ => (String::new(), String::new()),
    };
    let group = api_version
        .split_once('/')
        .map(|(g, _)| g.to_string())
        .unwrap_or_default();
    let id = ResourceId {
        group,
        kind,
        namespace: if namespace.is_empty() {
            default_namespace.to_string()
        } else {
            namespace
        },
        name,
    };
    out.insert(
        id.clone(),
        ManifestObject {
            id,
            api_version,
            source,
            value: GoValue::Map(map),
        },
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(manifest: &str) -> Vec<String> {
        parse_manifest(manifest, "rel-ns")
            .map(|m| {
                m.keys()
                    .map(|id| format!("{}/{}/{}/{}", id.group, id.kind, id.namespace, id.name))
                    .collect()
            })
            .unwrap_or_else(|e| vec![format!("error: {e}")])
    }

    #[test]
    fn objects_are_keyed_by_group_kind_namespace_and_name() {
        let m = "---\n# Source: c/templates/a.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: other\n";
        assert_eq!(
            ids(m),
            vec!["/Service/other/web", "apps/Deployment/rel-ns/web"]
        );
        let parsed = parse_manifest(m, "rel-ns").ok();
        let source = parsed
            .as_ref()
            .and_then(|p| p.values().find(|o| o.id.kind == "Deployment"))
            .and_then(|o| o.source.clone());
        assert_eq!(source.as_deref(), Some("c/templates/a.yaml"));
    }

    #[test]
    fn the_version_is_not_part_of_the_identity() {
        let a = parse_manifest(
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n",
            "ns",
        )
        .ok();
        let b = parse_manifest(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: h\n",
            "ns",
        )
        .ok();
        let keys = |m: Option<BTreeMap<ResourceId, ManifestObject>>| {
            m.map(|m| m.into_keys().collect::<Vec<_>>())
        };
        assert_eq!(keys(a), keys(b));
    }

    #[test]
    fn lists_are_flattened_and_empty_documents_skipped() {
        let m = "# just a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n";
        assert_eq!(ids(m), vec!["/ConfigMap/rel-ns/a", "/ConfigMap/rel-ns/b"]);
    }

    #[test]
    fn helm_yaml_typing_applies() {
        // go-yaml v2 reads `on` as true; a document without kind is refused.
        let m = parse_manifest(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: on\n",
            "ns",
        )
        .ok();
        let data = m
            .as_ref()
            .and_then(|m| m.values().next())
            .map(|o| o.value.clone());
        let expected = Some(GoValue::Bool(true));
        let got = match data {
            Some(GoValue::Map(top)) => match top.get("data") {
                Some(GoValue::Map(d)) => d.get("x").cloned(),
                _ => None,
            },
            _ => None,
        };
        assert_eq!(got, expected);
        assert!(ids("apiVersion: v1\nmetadata:\n  name: a\n")[0].starts_with("error:"));
    }
}
