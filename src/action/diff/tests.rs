//! Choosing the two sides (revision, rollback), hooks in or out, over the
//! in-memory storage.

use serde_json::json;

use super::*;
use crate::release::Release;
use crate::storage::memory::MemoryDriver;

fn release(version: i64, manifest: &str, hooks: serde_json::Value) -> Option<Release> {
    serde_json::from_value(json!({
        "name": "web",
        "namespace": "ns",
        "version": version,
        "info": {"status": if version == 3 { "deployed" } else { "superseded" }},
        "manifest": manifest,
        "hooks": hooks,
    }))
    .ok()
}

fn cm(name: &str, value: &str) -> String {
    format!(
        "---\n# Source: c/templates/{name}.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  k: {value}\n"
    )
}

async fn storage() -> Storage<MemoryDriver> {
    let s = Storage::new(MemoryDriver::new(), "ns");
    let revs = [
        release(1, &cm("a", "one"), json!([])),
        release(2, &format!("{}{}", cm("a", "two"), cm("b", "x")), json!([])),
        release(3, &cm("a", "three"), json!([])),
    ];
    for r in revs.iter().flatten() {
        assert!(s.create(r).await.is_ok());
    }
    s
}

#[tokio::test]
async fn revision_pair_defaults_to_the_newest() {
    let s = storage().await;
    let versions = |p: Result<(Release, Release), ActionError>| {
        p.map(|(a, b)| (a.version, b.version))
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        versions(revision_pair(&s, "web", 1, None).await),
        Ok((1, 3))
    );
    assert_eq!(
        versions(revision_pair(&s, "web", 2, Some(1)).await),
        Ok((2, 1))
    );
    assert_eq!(
        versions(revision_pair(&s, "web", 7, None).await),
        Err("release: not found".to_string())
    );
    assert_eq!(
        versions(revision_pair(&s, "nope", 1, None).await),
        Err("release: not found".to_string())
    );
    assert!(versions(revision_pair(&s, "web", 0, None).await).is_err());
    assert!(versions(revision_pair(&s, "Bad_Name", 1, None).await).is_err());
}

#[tokio::test]
async fn rollback_pair_is_newest_then_the_target_with_rollbacks_message() {
    let s = storage().await;
    let versions = |p: Result<(Release, Release), ActionError>| {
        p.map(|(a, b)| (a.version, b.version))
            .map_err(|e| e.to_string())
    };
    assert_eq!(versions(rollback_pair(&s, "web", 0).await), Ok((3, 2)));
    assert_eq!(versions(rollback_pair(&s, "web", 1).await), Ok((3, 1)));
    assert_eq!(
        versions(rollback_pair(&s, "web", 9).await),
        Err("release has no 9 version".to_string())
    );
    // What rollback to 2 would change: `a` back to "two", `b` created.
    let (cur, target) = match rollback_pair(&s, "web", 0).await {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let changes = compare_releases(&cur, &target, Selection::default(), false)
        .unwrap_or_default()
        .into_iter()
        .map(|c| (c.display(), c.change))
        .collect::<Vec<_>>();
    assert_eq!(
        changes,
        vec![
            ("ConfigMap/ns/a".to_string(), Change::Changed),
            ("ConfigMap/ns/b".to_string(), Change::Added)
        ]
    );
}

#[test]
fn hooks_take_part_unless_left_out_and_tests_only_when_asked() {
    let hook = |name: &str, event: &str| {
        json!({"name": name, "kind": "ConfigMap", "path": format!("c/templates/{name}.yaml"),
               "manifest": format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"),
               "events": [event]})
    };
    let Some(r) = release(
        1,
        &cm("a", "one"),
        json!([hook("pre", "pre-upgrade"), hook("t", "test")]),
    ) else {
        panic!("release fixture");
    };
    let names = |sel: Selection| -> Vec<String> {
        release_objects(&r, sel)
            .map(|m| m.into_values().map(|o| o.id.name).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(Selection::default()), ["a", "pre"]);
    assert_eq!(
        names(Selection {
            hooks: false,
            tests: false
        }),
        ["a"]
    );
    assert_eq!(
        names(Selection {
            hooks: true,
            tests: true
        }),
        ["a", "pre", "t"]
    );
    let source = release_objects(&r, Selection::default())
        .ok()
        .and_then(|m| m.into_values().find(|o| o.id.name == "pre"))
        .and_then(|o| o.source);
    assert_eq!(source.as_deref(), Some("c/templates/pre.yaml"));
}

#[tokio::test]
async fn live_side_reads_the_objects_of_both_sides_cut_to_the_managed_fields() {
    use crate::cluster::memory::MemoryCluster;
    let (Some(old), Some(new)) = (
        release(
            1,
            &format!("{}{}", cm("a", "one"), cm("gone", "x")),
            json!([]),
        ),
        release(
            2,
            &format!("{}{}", cm("a", "two"), cm("fresh", "y")),
            json!([]),
        ),
    ) else {
        panic!("release fixtures");
    };
    let cluster = MemoryCluster::new();
    let id = |name: &str| ResourceId {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: "ns".into(),
        name: name.into(),
    };
    // Someone edited `a` in the cluster; the server added its metadata.
    cluster.put(
        id("a"),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "a", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
                            "managedFields": [{"manager": "kubectl"}]},
               "data": {"k": "edited", "other": "added-by-hand"}}),
    );
    cluster.put(
        id("gone"),
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "gone", "namespace": "ns", "uid": "u2"}, "data": {"k": "x"}}),
    );
    let live = match live_side(&cluster, &old, &new).await {
        Ok(l) => l,
        Err(e) => panic!("{e}"),
    };
    let new_objects = release_objects(&new, Selection::default()).unwrap_or_default();
    let changes = compare(&live, &new_objects, false).unwrap_or_default();
    let got: Vec<(String, Change)> = changes.iter().map(|c| (c.display(), c.change)).collect();
    assert_eq!(
        got,
        vec![
            ("ConfigMap/ns/a".to_string(), Change::Changed),
            ("ConfigMap/ns/fresh".to_string(), Change::Added),
            ("ConfigMap/ns/gone".to_string(), Change::Removed),
        ]
    );
    // Only the fields the release sets: the drifted value, not the
    // server's metadata nor the key someone added by hand.
    assert_eq!(
        changes[0].old_text,
        "apiVersion: v1\ndata:\n  k: edited\nkind: ConfigMap\nmetadata:\n  name: a\n"
    );
}
