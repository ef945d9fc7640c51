//! The live objects of a release, normalized so two twins compare equal
//! when the cluster holds the same thing for each: what the API server or
//! controllers assign by themselves (uids, versions, times, status, cluster
//! IPs, bound volumes, controller uids, field managers) is dropped, and the
//! release name is masked.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{block_on, cluster};

/// Collections a fixture chart's objects (and hooks) live in.
const COLLECTIONS: &[(&str, &str)] = &[
    ("/api/v1", "configmaps"),
    ("/api/v1", "secrets"),
    ("/api/v1", "services"),
    ("/api/v1", "pods"),
    ("/api/v1", "persistentvolumeclaims"),
    ("/apis/apps/v1", "deployments"),
    ("/apis/apps/v1", "statefulsets"),
    ("/apis/batch/v1", "jobs"),
    ("/apis/fixtures.rudder.dev/v1", "widgets"),
];

/// Keys whose values the cluster makes up per object.
const VOLATILE_LABELS: &[&str] = &[
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
];

fn scrub(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for k in VOLATILE_LABELS {
                m.remove(*k);
            }
            for (_, child) in m.iter_mut() {
                scrub(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(scrub),
        _ => {}
    }
}

fn normalize(mut obj: Value) -> Value {
    if let Value::Object(m) = &mut obj {
        m.remove("status");
        if let Some(Value::Object(meta)) = m.get_mut("metadata") {
            for k in [
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "generation",
                "managedFields",
                "finalizers",
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
            ] {
                meta.remove(k);
            }
            if let Some(Value::Object(ann)) = meta.get_mut("annotations") {
                ann.retain(|k, _| {
                    k != "deployment.kubernetes.io/revision"
                        && !k.starts_with("pv.kubernetes.io/")
                        && !k.starts_with("volume.")
                });
                if ann.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
        if let Some(Value::Object(spec)) = m.get_mut("spec") {
            for k in ["clusterIP", "clusterIPs", "volumeName", "nodeName"] {
                spec.remove(k);
            }
        }
    }
    scrub(&mut obj);
    obj
}

/// The live objects of a twin in `ns`, as `(plural, key, object)` with
/// `key` = `plural/name` and the release name masked as `TWIN`: those whose
/// names contain `name`, less what a controller made (ReplicaSets, pods of
/// workloads: they follow from their owners) and the release records
/// (compared through helm's eyes instead).
pub fn twin_objects(ns: &str, name: &str) -> Vec<(String, Value)> {
    block_on(async {
        let client = cluster().admin().await;
        let mut out = Vec::new();
        for (base, plural) in COLLECTIONS {
            let req = http::Request::get(format!("{base}/namespaces/{ns}/{plural}"))
                .body(Vec::new())
                .expect("request");
            let list: Value = match client.request(req).await {
                Ok(l) => l,
                Err(kube::Error::Api(s)) if s.code == 404 => continue,
                Err(e) => panic!("list {plural} in {ns}: {e}"),
            };
            for item in list["items"].as_array().cloned().unwrap_or_default() {
                let obj_name = item["metadata"]["name"].as_str().unwrap_or_default();
                if !obj_name.contains(name)
                    || item["metadata"].get("ownerReferences").is_some()
                    || item["type"] == "helm.sh/release.v1"
                {
                    continue;
                }
                let key = format!("{plural}/{}", obj_name.replace(name, "TWIN"));
                out.push((key, item));
            }
        }
        out
    })
}

/// The normalized live objects of a twin (see [`twin_objects`]), keyed by
/// `kind/name`, with the release name masked.
pub fn snapshot(ns: &str, name: &str) -> BTreeMap<String, Value> {
    twin_objects(ns, name)
        .into_iter()
        .map(|(key, item)| {
            let text = serde_json::to_string(&normalize(item)).expect("json");
            let masked: Value = serde_json::from_str(&text.replace(name, "TWIN")).expect("json");
            (key, masked)
        })
        .collect()
}

/// Panics with the first difference unless the twins' objects are
/// equivalent.
#[track_caller]
pub fn assert_equivalent(ns: &str, a: &str, b: &str, when: &str) {
    let (sa, sb) = (snapshot(ns, a), snapshot(ns, b));
    let keys_a: Vec<_> = sa.keys().collect();
    let keys_b: Vec<_> = sb.keys().collect();
    assert_eq!(keys_a, keys_b, "{when}: objects of {a} and {b} differ");
    for (k, va) in &sa {
        let vb = &sb[k];
        assert_eq!(
            va,
            vb,
            "{when}: {k} differs between {a} and {b}:\n{}\n---\n{}",
            serde_json::to_string_pretty(va).unwrap_or_default(),
            serde_json::to_string_pretty(vb).unwrap_or_default()
        );
    }
}
