//! Unit tests of the session over the in-memory storage driver and the
//! in-memory cluster: helm's defaults, and the assembly of `status`.

#![allow(clippy::unwrap_used)]

use serde_json::json;

use super::{Session, StatusRequest};
use crate::action::list::ListOptions;
use crate::action::uninstall::UninstallOptions;
use crate::cluster::memory::MemoryCluster;
use crate::cluster::resources::Form;
use crate::cluster::{Event, Recorded, ResourceId};
use crate::compat::Compat;
use crate::error::ErrorKind;
use crate::release::name::storage_key;
use crate::release::{Release, Status};
use crate::storage::memory::MemoryDriver;
use crate::storage::{Driver, Storage};

const NS: &str = "ns";
const MANIFEST: &str = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n";

fn release(name: &str, version: i64, status: Status, deployed: &str) -> Release {
    let text = json!({
        "name": name,
        "namespace": NS,
        "version": version,
        "info": {
            "first_deployed": deployed,
            "last_deployed": deployed,
            "deleted": "",
            "description": "x",
            "status": status.as_str(),
        },
        "chart": {"metadata": {"name": "c", "version": "1.0.0"}},
        "manifest": MANIFEST,
    })
    .to_string();
    serde_json::from_str(&text).unwrap()
}

async fn session(compat: Compat, releases: &[Release]) -> Session<MemoryDriver, MemoryCluster> {
    let driver = MemoryDriver::new();
    for r in releases {
        driver
            .create(NS, &storage_key(&r.name, r.version), r)
            .await
            .unwrap();
    }
    Session::new(Storage::new(driver, NS), MemoryCluster::new(), compat)
}

fn names(report: &super::ListReport) -> Vec<String> {
    report
        .result
        .records
        .iter()
        .map(|r| r.release.name.clone())
        .collect()
}

#[tokio::test]
async fn list_defaults_to_each_helm_versions_states() {
    let rels = [
        release("a", 1, Status::Deployed, "2026-01-01T00:00:00Z"),
        release("b", 1, Status::Failed, "2026-01-01T00:00:00Z"),
        release("c", 1, Status::Superseded, "2026-01-01T00:00:00Z"),
        release("c", 2, Status::Uninstalled, "2026-01-01T00:00:00Z"),
    ];
    let v3 = session(Compat::V3, &rels).await;
    let opts = ListOptions {
        states: crate::action::list::StateMask::NONE,
        ..ListOptions::default()
    };
    assert_eq!(names(&v3.list(&opts).await.unwrap()), ["a", "b"]);
    let v4 = session(Compat::V4, &rels).await;
    assert_eq!(names(&v4.list(&opts).await.unwrap()), ["a", "b", "c"]);
}

#[tokio::test]
async fn list_names_stuck_releases_and_only_those() {
    let rels = [
        release("old", 1, Status::PendingUpgrade, "2026-01-01T00:00:00Z"),
        release("fine", 1, Status::Deployed, "2026-01-01T00:00:00Z"),
    ];
    // The records were just written: within the default grace a helm
    // operation may still be running, so nothing is called stuck.
    let s = session(Compat::V4, &rels).await;
    let report = s.list(&ListOptions::default()).await.unwrap();
    assert!(report.stuck.is_empty(), "{:?}", report.stuck);
    // Past the grace (zero here), the pending one is.
    let s = session(Compat::V4, &rels)
        .await
        .with_grace(std::time::Duration::ZERO);
    let report = s.list(&ListOptions::default()).await.unwrap();
    assert_eq!(report.stuck.len(), 1);
    assert_eq!(report.stuck[0].release, "old");
    assert!(
        report.stuck[0]
            .to_string()
            .starts_with("release \"old\" in namespace \"ns\" looks stuck in pending-upgrade (")
    );
}

#[tokio::test]
async fn status_reads_live_objects_through_the_cluster_for_v4_only() {
    let rels = [release("a", 1, Status::Deployed, "2026-01-01T00:00:00Z")];
    let request = StatusRequest {
        revision: 0,
        show_resources: false,
        form: Form::Objects,
    };
    let v4 = session(Compat::V4, &rels).await;
    v4.cluster().put(
        ResourceId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: NS.into(),
            name: "cm".into(),
        },
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}}),
    );
    let report = v4.status("a", request).await.unwrap();
    let live = report.resources.unwrap();
    assert_eq!(live.0.len(), 1);
    assert_eq!(live.0[0].0, "v1/ConfigMap");
    assert!(report.stuck.is_none());

    let v3 = session(Compat::V3, &rels).await;
    let report = v3.status("a", request).await.unwrap();
    assert!(report.resources.is_none());
    assert!(!v3.cluster().calls().iter().any(|c| c == "live_resources"));
    let shown = v3
        .status(
            "a",
            StatusRequest {
                show_resources: true,
                ..request
            },
        )
        .await
        .unwrap();
    assert!(shown.resources.is_some());
}

#[tokio::test]
async fn status_of_a_missing_release_is_not_found() {
    let s = session(Compat::V4, &[]).await;
    let err = s
        .status(
            "nope",
            StatusRequest {
                revision: 0,
                show_resources: false,
                form: Form::Objects,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "release: not found");
}

#[tokio::test]
async fn uninstall_goes_one_by_one_and_stops_at_the_first_error() {
    let rels = [
        release("a", 1, Status::Deployed, "2026-01-01T00:00:00Z"),
        release("c", 1, Status::Deployed, "2026-01-01T00:00:00Z"),
    ];
    let s = session(Compat::V4, &rels).await;
    let names: Vec<String> = ["a", "missing", "c"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let progress = Recorded::default();
    let mut done = Vec::new();
    let err = s
        .uninstall(
            &names,
            &UninstallOptions::default(),
            &progress,
            || true,
            |n, _| done.push(n.to_string()),
        )
        .await
        .unwrap_err();
    assert_eq!(done, ["a"]);
    assert!(err.to_string().contains("missing"), "{err}");
    // "c" was never touched.
    assert!(s.storage().last("c").await.is_ok());
    // The first uninstall reported its phases as typed events.
    assert!(progress.events().iter().any(|e| matches!(
        e,
        Event::Phase { release, status: Status::Uninstalling, .. } if release == "a"
    )));
}

#[tokio::test]
async fn uninstall_stops_before_a_release_once_told_to() {
    let rels = [release("a", 1, Status::Deployed, "2026-01-01T00:00:00Z")];
    let s = session(Compat::V4, &rels).await;
    let err = s
        .uninstall(
            &["a".to_string()],
            &UninstallOptions::default(),
            &crate::cluster::Quiet,
            || false,
            |_, _| {},
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "interrupted before uninstalling release \"a\""
    );
    assert!(s.storage().last("a").await.is_ok());
}

#[tokio::test]
async fn in_namespace_shares_the_store_and_acts_in_that_namespace() {
    let base = session(
        Compat::V4,
        &[release("a", 1, Status::Deployed, "2026-01-01T00:00:00Z")],
    )
    .await;
    // A release in another namespace of the same store.
    let mut other = release("b", 1, Status::Deployed, "2026-01-01T00:00:00Z");
    other.namespace = "other".into();
    base.storage()
        .driver()
        .create("other", &storage_key("b", 1), &other)
        .await
        .unwrap();
    let there = base.in_namespace("other");
    assert_eq!(there.storage().namespace(), "other");
    assert_eq!(there.get("b", 0).await.unwrap().record.release.name, "b");
    // The original still reads its own namespace only.
    assert!(base.get("b", 0).await.is_err());
    assert_eq!(there.compat(), Compat::V4);
    assert_eq!(there.grace(), base.grace());
}
