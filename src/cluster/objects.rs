//! Kubernetes objects from a stored manifest: parsing (as Helm's
//! `kube.Build` sees YAML), the order Helm deletes them in, the
//! resource-policy rules, and the ownership metadata Helm puts on every
//! object of a release. Pure functions; nothing here talks to a server.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The label every object of a release carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY_HELM: &str = "Helm";
/// The annotation naming the owning release.
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
/// The annotation naming the owning release's namespace.
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
/// The annotation that can keep an object when its release lets go of it.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";
/// The resource policy that keeps an object.
pub const KEEP_POLICY: &str = "keep";
/// The annotation that marks a hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";

/// Why a manifest could not be turned into objects.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// Not valid YAML.
    #[error("error converting YAML to JSON: {0}")]
    Yaml(String),
    /// A document that is not an object, or lacks `apiVersion` / `kind`.
    #[error("{0}")]
    Invalid(String),
}

/// One object of a manifest, identified.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// `apiVersion` as written.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, if the manifest sets one.
    pub namespace: Option<String>,
    /// The whole object, as JSON.
    pub body: Value,
}

impl Object {
    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        self.api_version
            .split_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }

    /// The version part of `apiVersion`.
    pub fn version(&self) -> &str {
        self.api_version
            .split_once('/')
            .map(|(_, v)| v)
            .unwrap_or(&self.api_version)
    }

    /// `metadata.annotations[key]`.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        annotation(&self.body, key)
    }

    /// `metadata.generateName`, when set.
    pub fn generate_name(&self) -> Option<&str> {
        self.body
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// `metadata.annotations[key]` of a JSON object.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// `metadata.labels[key]` of a JSON object.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// The YAML options every YAML parse in rudder uses, matching what Helm's
/// decoder (go-yaml v2 through `sigs.k8s.io/yaml`) does: `0644` is octal,
/// `yes` and `on` are booleans, and a key given twice in one mapping keeps
/// its last value (go-yaml v2's non-strict `Unmarshal` overwrites; an
/// error here would make rudder fail on releases helm installed and
/// handles).
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.legacy_octal_numbers = true;
    o.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    o
}

/// Parses a multi-document manifest into objects, in order. Empty and
/// comment-only documents are skipped; `kind: List` documents are
/// flattened into their items, as kubectl's builder does.
pub fn parse_objects(manifest: &str) -> Result<Vec<Object>, ObjectError> {
    let mut out = Vec::new();
    for doc in split_manifests(manifest) {
        let values: Vec<Option<Value>> =
            serde_saphyr::from_multiple_with_options(&doc, yaml_options())
                .map_err(|e| ObjectError::Yaml(first_line(&e.to_string())))?;
        for v in values.into_iter().flatten() {
            push_object(&mut out, normalize_numbers(v))?;
        }
    }
    Ok(out)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

fn push_object(out: &mut Vec<Object>, v: Value) -> Result<(), ObjectError> {
    let Value::Object(map) = &v else {
        if v.is_null() {
            return Ok(());
        }
        return Err(ObjectError::Invalid(format!(
            "error unmarshaling JSON: expected an object, found {}",
            kind_of(&v)
        )));
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
    let api_version = map
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.ends_with("List")
        && let Some(items) = map.get("items").and_then(Value::as_array)
    {
        for item in items.clone() {
            push_object(out, item)?;
        }
        return Ok(());
    }
    if kind.is_empty() {
        return Err(ObjectError::Invalid(format!(
            "Object 'Kind' is missing in '{}'",
            serde_json::to_string(&v).unwrap_or_default()
        )));
    }
    if api_version.is_empty() {
        return Err(ObjectError::Invalid(format!(
            "Object 'apiVersion' is missing in '{}'",
            serde_json::to_string(&v).unwrap_or_default()
        )));
    }
    let meta = map.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    out.push(Object {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name,
        namespace,
        body: v,
    });
    Ok(())
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Go writes a float with no fraction as an integer (`1000`, not
/// `1000.0`), and the API server rejects `1000.0` for integer fields; make
/// the JSON we send look like Go's.
fn normalize_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                Value::from(f as i64)
            }
            _ => Value::Number(n),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(normalize_numbers).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Splits a YAML stream into documents the way Helm's `SplitManifests`
/// does: every line starting with `---` separates documents (Helm's
/// `(?m)^---[ \t]*`, so the rest of such a line begins the next document),
/// blank documents are dropped, and leading whitespace is trimmed.
pub fn split_manifests(big: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in big.trim_start().split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            push_doc(&mut docs, std::mem::take(&mut current));
            current.push_str(rest.trim_start_matches([' ', '\t']));
        } else {
            current.push_str(line);
        }
    }
    push_doc(&mut docs, current);
    docs
}

fn push_doc(docs: &mut Vec<String>, doc: String) {
    if doc.trim().is_empty() {
        return;
    }
    docs.push(doc.trim_start().to_string());
}

/// Helm's uninstall order of kinds (`releaseutil.UninstallOrder`).
const UNINSTALL_ORDER: &[&str] = &[
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "Ingress",
    "IngressClass",
    "Service",
    "CronJob",
    "Job",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "Deployment",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "DaemonSet",
    "RoleBindingList",
    "RoleBinding",
    "RoleList",
    "Role",
    "ClusterRoleBindingList",
    "ClusterRoleBinding",
    "ClusterRoleList",
    "ClusterRole",
    "CustomResourceDefinition",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
    "ConfigMap",
    "SecretList",
    "Secret",
    "ServiceAccount",
    "PodDisruptionBudget",
    "PodSecurityPolicy",
    "LimitRange",
    "ResourceQuota",
    "NetworkPolicy",
    "Namespace",
    "PriorityClass",
];

/// Sorts documents by kind in Helm's uninstall order: known kinds in
/// table order, unknown kinds after them alphabetically; stable otherwise.
fn sort_by_uninstall_order<T>(items: &mut [T], kind: impl Fn(&T) -> &str) {
    let rank = |k: &str| UNINSTALL_ORDER.iter().position(|o| *o == k);
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        match (rank(ka), rank(kb)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => ka.cmp(kb),
        }
    });
}

/// What uninstalling a release does with the documents of its manifest.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UninstallPlan {
    /// Objects to delete, in Helm's uninstall order.
    pub delete: Vec<Object>,
    /// `[Kind] name` of each object kept by `helm.sh/resource-policy: keep`.
    pub kept: Vec<String>,
}

/// The minimal head Helm reads from each document when sorting.
#[derive(Debug, Default, serde::Deserialize)]
struct Head {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: Option<HeadMeta>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct HeadMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, Value>>,
}

/// Plans an uninstall as Helm's `deleteRelease` does: documents are
/// sorted by kind in uninstall order (within a kind, in the order Helm's
/// string-sorted `manifest-N` keys give); hook documents are left alone;
/// documents whose resource policy is `keep` are kept; documents with any
/// other resource policy are neither kept nor deleted, as in Helm.
pub fn uninstall_plan(manifest: &str) -> Result<UninstallPlan, ObjectError> {
    let docs = split_manifests(manifest);
    // Helm keys documents `manifest-0`, `manifest-1`, ... and walks the keys
    // sorted as strings, so `manifest-10` comes before `manifest-2`.
    let mut keyed: Vec<(String, &String)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("manifest-{i}"), d))
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut heads = Vec::new();
    for (_, doc) in keyed {
        let head: Option<Head> = serde_saphyr::from_str_with_options(doc, yaml_options())
            .map_err(|e| ObjectError::Yaml(first_line(&e.to_string())))?;
        let head = head.unwrap_or_default();
        let annotations = head
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.clone())
            .unwrap_or_default();
        if annotations.contains_key(HOOK_ANNOTATION) {
            continue;
        }
        heads.push((head, annotations, doc));
    }
    sort_by_uninstall_order(&mut heads, |(h, _, _)| h.kind.as_str());
    let mut plan = UninstallPlan::default();
    for (head, annotations, doc) in heads {
        match annotations.get(RESOURCE_POLICY_ANNOTATION) {
            None => plan.delete.extend(parse_objects(doc)?),
            Some(policy) => {
                let policy = policy.as_str().unwrap_or_default().trim().to_lowercase();
                if policy == KEEP_POLICY {
                    let name = head.metadata.and_then(|m| m.name).unwrap_or_default();
                    plan.kept.push(format!("[{}] {}", head.kind, name));
                }
            }
        }
    }
    Ok(plan)
}

/// Puts the release's ownership metadata on an object (Helm's
/// `setMetadataVisitor` with ownership forced): the managed-by label and
/// the release name and namespace annotations.
pub fn set_ownership(body: &mut Value, release: &str, namespace: &str) {
    let Value::Object(obj) = body else { return };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(meta) = meta else { return };
    for (field, pairs) in [
        ("labels", vec![(MANAGED_BY_LABEL, MANAGED_BY_HELM)]),
        (
            "annotations",
            vec![
                (RELEASE_NAME_ANNOTATION, release),
                (RELEASE_NAMESPACE_ANNOTATION, namespace),
            ],
        ),
    ] {
        let entry = meta
            .entry(field)
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(m) = entry {
            for (k, v) in pairs {
                m.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
    }
}

/// Checks that a live object belongs to the release, in Helm's words
/// (`invalid ownership metadata; label validation error: ...`).
pub fn check_ownership(live: &Value, release: &str, namespace: &str) -> Result<(), String> {
    let mut errs = Vec::new();
    if let Err(e) = require_value(
        label(live, MANAGED_BY_LABEL),
        MANAGED_BY_LABEL,
        MANAGED_BY_HELM,
    ) {
        errs.push(format!("label validation error: {e}"));
    }
    for (key, want) in [
        (RELEASE_NAME_ANNOTATION, release),
        (RELEASE_NAMESPACE_ANNOTATION, namespace),
    ] {
        if let Err(e) = require_value(annotation(live, key), key, want) {
            errs.push(format!("annotation validation error: {e}"));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!("invalid ownership metadata; {}", errs.join("; ")))
    }
}

fn require_value(actual: Option<&str>, key: &str, want: &str) -> Result<(), String> {
    match actual {
        None => Err(format!("missing key {key:?}: must be set to {want:?}")),
        Some(a) if a != want => Err(format!(
            "key {key:?} must equal {want:?}: current value is {a:?}"
        )),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_keep_the_last_value_as_go_yaml_v2() {
        // A key repeated at the top, in metadata and in data: go-yaml v2
        // (helm) keeps the last value of each.
        let m = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n  name: dup\ndata:\n  k: one\n  k: two\ndata:\n  k: three\n  j: x\n";
        let objs = parse_objects(m).expect("parse");
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].name, "dup");
        assert_eq!(
            objs[0].body["data"],
            serde_json::json!({"k": "three", "j": "x"})
        );
        let plan = uninstall_plan(m).expect("plan");
        assert_eq!(plan.delete.len(), 1);
        assert_eq!(plan.delete[0].name, "dup");
    }

    #[test]
    fn parses_like_go_yaml_v2() {
        let m = "---\n# Source: x/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: other\nspec:\n  replicas: 1.0\n  template:\n    spec:\n      volumes:\n        - name: v\n          secret:\n            defaultMode: 0644\n";
        let objs = parse_objects(m).expect("parse");
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].kind, "ConfigMap");
        assert_eq!(objs[0].namespace, None);
        assert_eq!(objs[1].namespace.as_deref(), Some("other"));
        assert_eq!(objs[1].group(), "apps");
        assert_eq!(objs[1].version(), "v1");
        // `0644` is octal, as go-yaml v2 reads it, and `1.0` is sent as 1.
        assert_eq!(
            objs[1]
                .body
                .pointer("/spec/template/spec/volumes/0/secret/defaultMode"),
            Some(&Value::from(420))
        );
        assert_eq!(
            serde_json::to_string(&objs[1].body["spec"]["replicas"]).expect("json"),
            "1"
        );
    }

    #[test]
    fn flattens_lists_and_rejects_kindless_documents() {
        let m = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: two\n";
        let objs = parse_objects(m).expect("parse");
        let names: Vec<_> = objs.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["one", "two"]);
        let err = parse_objects("metadata:\n  name: x\n").expect_err("no kind");
        assert!(
            err.to_string().contains("Object 'Kind' is missing"),
            "{err}"
        );
        assert!(parse_objects("a: [\n").is_err());
    }

    #[test]
    fn splits_like_helm() {
        let docs = split_manifests("\n\n---\na: 1\n---   \nb: 2\n---\n\n---\n# c\nc: 3\n");
        assert_eq!(docs, ["a: 1\n", "b: 2\n", "# c\nc: 3\n"]);
        // A line that merely starts with dashes inside a block is a separator
        // for Helm too.
        assert_eq!(split_manifests("a: 1\n--- \nb: 2").len(), 2);
    }

    #[test]
    fn uninstall_plan_orders_kinds_and_keeps_by_policy() {
        let mut m = String::new();
        let doc = |kind: &str, name: &str, policy: Option<&str>| {
            let ann = policy
                .map(|p| format!("  annotations:\n    helm.sh/resource-policy: {p}\n"))
                .unwrap_or_default();
            format!("---\napiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n{ann}")
        };
        m.push_str(&doc("ConfigMap", "cm", None));
        m.push_str(&doc("Service", "svc", None));
        m.push_str(&doc("Secret", "kept", Some(" Keep ")));
        m.push_str(&doc("Widget", "w", None));
        m.push_str(&doc("ConfigMap", "odd", Some("other")));
        m.push_str(&doc("Namespace", "ns", None));
        let plan = uninstall_plan(&m).expect("plan");
        let deleted: Vec<_> = plan
            .delete
            .iter()
            .map(|o| format!("{}/{}", o.kind, o.name))
            .collect();
        assert_eq!(
            deleted,
            ["Service/svc", "ConfigMap/cm", "Namespace/ns", "Widget/w"]
        );
        assert_eq!(plan.kept, ["[Secret] kept"]);
    }

    #[test]
    fn uninstall_plan_walks_documents_in_string_key_order() {
        // Twelve ConfigMaps: Helm visits manifest-0, -1, -10, -11, -2, ...
        let m: String = (0..12)
            .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"))
            .collect();
        let plan = uninstall_plan(&m).expect("plan");
        let names: Vec<_> = plan.delete.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "c0", "c1", "c10", "c11", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"
            ]
        );
    }

    #[test]
    fn ownership_is_set_and_checked_in_helms_words() {
        let mut body: Value = serde_json::json!({"metadata": {"name": "x", "labels": {"a": "b"}}});
        set_ownership(&mut body, "rel", "ns");
        assert_eq!(label(&body, "a"), Some("b"));
        assert_eq!(check_ownership(&body, "rel", "ns"), Ok(()));
        let err = check_ownership(&body, "other", "ns").expect_err("foreign");
        assert_eq!(
            err,
            "invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"other\": current value is \"rel\""
        );
        let bare = serde_json::json!({"metadata": {"name": "x"}});
        let err = check_ownership(&bare, "r", "n").expect_err("bare");
        assert!(
            err.starts_with("invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key"),
            "{err}"
        );
    }
}
