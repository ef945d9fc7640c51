//! The release watch over the in-memory driver and cluster: the events
//! helm's record writes produce, in helm's order of writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use serde_json::json;

use super::{ReleaseEvent, ReleaseWatch, WatchFilter};
use crate::cluster::memory::MemoryCluster;
use crate::compat::Compat;
use crate::release::name::storage_key;
use crate::release::{Release, Status};
use crate::session::Session;
use crate::storage::memory::MemoryDriver;
use crate::storage::{Driver, Storage};

const NS: &str = "ns";

type Mem = Session<MemoryDriver, MemoryCluster>;

fn release(name: &str, ns: &str, version: i64, status: &Status, chart_version: &str) -> Release {
    let text = json!({
        "name": name,
        "namespace": ns,
        "version": version,
        "info": {
            "first_deployed": "2026-01-01T00:00:00Z",
            "last_deployed": "2026-01-01T00:00:00Z",
            "deleted": "",
            "description": format!("{} {}", status.as_str(), version),
            "status": status.as_str(),
        },
        "chart": {"metadata": {"name": "web", "version": chart_version, "appVersion": "1.2"}},
        "manifest": "",
    })
    .to_string();
    serde_json::from_str(&text).unwrap()
}

async fn put(s: &Mem, name: &str, ns: &str, version: i64, status: Status) {
    let r = release(name, ns, version, &status, "0.1.0");
    let key = storage_key(name, version);
    let d = s.storage().driver();
    if d.get(ns, &key).await.is_ok() {
        d.update(ns, &key, &r, None).await.unwrap();
    } else {
        d.create(ns, &key, &r).await.unwrap();
    }
}

async fn del(s: &Mem, name: &str, ns: &str, version: i64) {
    s.storage()
        .driver()
        .delete(ns, &storage_key(name, version), None)
        .await
        .unwrap();
}

fn session(grace: Duration) -> Arc<Mem> {
    Arc::new(
        Session::new(
            Storage::new(MemoryDriver::new(), NS),
            MemoryCluster::new(),
            Compat::V4,
        )
        .with_grace(grace),
    )
}

/// `kind name revision status [from]` per event, compact for assertions.
fn line(ev: &ReleaseEvent) -> String {
    match ev {
        ReleaseEvent::Synced => "synced".into(),
        ReleaseEvent::StatusChanged { from, release } => format!(
            "status-changed {} {} {} from {}",
            release.name, release.revision, release.status, from
        ),
        other => {
            let s = other.summary().unwrap();
            format!("{} {} {} {}", other.kind(), s.name, s.revision, s.status)
        }
    }
}

/// The next `n` events, failing if they do not come within a few seconds.
async fn take(w: &mut ReleaseWatch, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let ev = tokio::time::timeout(Duration::from_secs(5), w.next())
            .await
            .expect("an event in time")
            .expect("the stream goes on")
            .expect("no error");
        out.push(line(&ev));
    }
    out
}

/// True if nothing more arrives for a moment.
async fn quiet(w: &mut ReleaseWatch) -> bool {
    tokio::time::timeout(Duration::from_millis(300), w.next())
        .await
        .is_err()
}

#[tokio::test]
async fn snapshot_then_helm_lifecycle() {
    let s = session(Duration::from_secs(3600));
    put(&s, "a", NS, 1, Status::Superseded).await;
    put(&s, "a", NS, 2, Status::Deployed).await;
    put(&s, "b", NS, 1, Status::Failed).await;
    let mut w = s.watch(&WatchFilter::default()).unwrap();
    let mut snap = take(&mut w, 2).await;
    snap.sort();
    assert_eq!(snap, ["added a 2 deployed", "added b 1 failed"]);
    assert_eq!(take(&mut w, 1).await, ["synced"]);

    // helm install: pending-install, then deployed.
    put(&s, "c", NS, 1, Status::PendingInstall).await;
    put(&s, "c", NS, 1, Status::Deployed).await;
    // helm upgrade: the new revision pending, the old superseded, the new
    // deployed.
    put(&s, "c", NS, 2, Status::PendingUpgrade).await;
    put(&s, "c", NS, 1, Status::Superseded).await;
    put(&s, "c", NS, 2, Status::Deployed).await;
    // helm upgrade that fails.
    put(&s, "c", NS, 3, Status::PendingUpgrade).await;
    put(&s, "c", NS, 3, Status::Failed).await;
    // helm rollback.
    put(&s, "c", NS, 4, Status::PendingRollback).await;
    put(&s, "c", NS, 2, Status::Superseded).await;
    put(&s, "c", NS, 4, Status::Deployed).await;
    // helm uninstall --keep-history.
    put(&s, "c", NS, 4, Status::Uninstalling).await;
    put(&s, "c", NS, 4, Status::Uninstalled).await;
    assert_eq!(
        take(&mut w, 10).await,
        [
            "added c 1 pending-install",
            "status-changed c 1 deployed from pending-install",
            "new-revision c 2 pending-upgrade",
            "status-changed c 2 deployed from pending-upgrade",
            "new-revision c 3 pending-upgrade",
            "status-changed c 3 failed from pending-upgrade",
            "new-revision c 4 pending-rollback",
            "status-changed c 4 deployed from pending-rollback",
            "status-changed c 4 uninstalling from deployed",
            "uninstalled c 4 uninstalled",
        ]
    );

    // helm uninstall: uninstalling, then every record deleted in listing
    // order (v1 before v2); the older record left for a moment is no news.
    put(&s, "a", NS, 2, Status::Uninstalling).await;
    del(&s, "a", NS, 2).await;
    del(&s, "a", NS, 1).await;
    assert_eq!(
        take(&mut w, 2).await,
        [
            "status-changed a 2 uninstalling from deployed",
            "deleted a 2 uninstalling"
        ]
    );
    assert!(quiet(&mut w).await);
}

#[tokio::test]
async fn summary_carries_the_newest_records_chart_and_description() {
    let s = session(Duration::from_secs(3600));
    let mut w = s.watch(&WatchFilter::default()).unwrap();
    assert_eq!(take(&mut w, 1).await, ["synced"]);
    let r = release("web", NS, 1, &Status::Deployed, "0.3.0");
    s.storage()
        .driver()
        .create(NS, &storage_key("web", 1), &r)
        .await
        .unwrap();
    let ev = w.next().await.unwrap().unwrap();
    let sum = ev.summary().unwrap();
    assert_eq!(sum.chart_label(), "web-0.3.0");
    assert_eq!(sum.app_version, "1.2");
    assert_eq!(sum.description, "deployed 1");
    assert_eq!(sum.namespace, NS);
    assert!(sum.updated.is_some());
}

#[tokio::test]
async fn filters_by_namespace_name_and_selector() {
    let s = session(Duration::from_secs(3600));
    put(&s, "keep", NS, 1, Status::Deployed).await;
    put(&s, "other", NS, 1, Status::Deployed).await;
    put(&s, "keep", "elsewhere", 1, Status::Deployed).await;
    let mut w = s
        .watch(&WatchFilter {
            name: Some("^ke".into()),
            ..WatchFilter::default()
        })
        .unwrap();
    assert_eq!(take(&mut w, 2).await, ["added keep 1 deployed", "synced"]);

    let mut all = s
        .watch(&WatchFilter {
            all_namespaces: true,
            selector: Some("status!=failed".into()),
            ..WatchFilter::default()
        })
        .unwrap();
    assert_eq!(take(&mut all, 4).await.last().unwrap(), "synced");
    // A record that stops matching the selector leaves the view.
    put(&s, "other", NS, 1, Status::Failed).await;
    assert_eq!(take(&mut all, 1).await, ["deleted other 1 deployed"]);

    let bad = s.watch(&WatchFilter {
        name: Some("(".into()),
        ..WatchFilter::default()
    });
    assert!(bad.is_err());
}

#[tokio::test]
async fn a_pending_revision_left_alone_is_reported_stuck_once() {
    // A zero grace: the revision is stuck as soon as its timer fires.
    let s = session(Duration::ZERO);
    let mut w = s.watch(&WatchFilter::default()).unwrap();
    assert_eq!(take(&mut w, 1).await, ["synced"]);
    put(&s, "x", NS, 1, Status::Deployed).await;
    put(&s, "x", NS, 2, Status::PendingUpgrade).await;
    let got = take(&mut w, 3).await;
    assert_eq!(
        got,
        [
            "added x 1 deployed",
            "new-revision x 2 pending-upgrade",
            "stuck x 2 pending-upgrade"
        ]
    );
    assert!(quiet(&mut w).await, "one notice only");
}

#[tokio::test]
async fn no_stuck_notice_within_the_grace() {
    let s = session(Duration::from_secs(3600));
    let mut w = s.watch(&WatchFilter::default()).unwrap();
    assert_eq!(take(&mut w, 1).await, ["synced"]);
    put(&s, "x", NS, 1, Status::PendingInstall).await;
    assert_eq!(take(&mut w, 1).await, ["added x 1 pending-install"]);
    assert!(quiet(&mut w).await);
}

#[tokio::test]
async fn dropping_the_stream_stops_the_task() {
    let s = session(Duration::from_secs(3600));
    let w = s.watch(&WatchFilter::default()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The task holds a clone of the session while it runs.
    assert_eq!(Arc::strong_count(&s), 2);
    drop(w);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(Arc::strong_count(&s), 1);
}

mod tracking {
    use super::super::tracker::{Kind, Step, Tracker};
    use crate::storage::labels::{Labels, Selector};
    use crate::storage::{RecordEvent, RecordMeta};

    fn meta(name: &str, rev: i64, status: &str) -> RecordMeta {
        let mut labels = Labels::new();
        labels.insert("owner".into(), "helm".into());
        labels.insert("name".into(), name.into());
        labels.insert("version".into(), rev.to_string());
        labels.insert("status".into(), status.into());
        RecordMeta {
            namespace: "ns".into(),
            key: format!("sh.helm.release.v1.{name}.v{rev}"),
            labels,
            resource_version: None,
        }
    }

    fn kinds(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| match s {
                Step::Fetch { kind, meta, status } => {
                    format!("{kind:?} {} {status}", meta.revision().unwrap_or(0))
                }
                Step::Gone(k) => format!("gone {}", k.1),
                Step::Synced => "synced".into(),
                Step::Failed(e) => format!("failed {e}"),
            })
            .collect()
    }

    fn synced() -> RecordEvent {
        RecordEvent::Synced {
            resource_version: None,
        }
    }

    #[test]
    fn a_relist_reports_each_release_once_at_its_final_state() {
        let mut t = Tracker::new(None, Selector::everything());
        let steps = t.apply_batch(vec![RecordEvent::Added(meta("a", 1, "deployed")), synced()]);
        assert_eq!(kinds(&steps), ["Added 1 deployed", "synced"]);
        // A re-list after an outage in which v1 was superseded, v2 and v3
        // written and v1 pruned: deletions first, then the rest, then
        // `Synced`, all in one batch.
        let steps = t.apply_batch(vec![
            RecordEvent::Deleted(meta("a", 1, "superseded")),
            RecordEvent::Added(meta("a", 2, "superseded")),
            RecordEvent::Added(meta("a", 3, "deployed")),
            synced(),
        ]);
        assert_eq!(kinds(&steps), ["NewRevision 3 deployed", "synced"]);
    }

    #[test]
    fn live_events_in_one_batch_are_each_reported() {
        let mut t = Tracker::new(None, Selector::everything());
        t.apply_batch(vec![synced()]);
        let steps = t.apply_batch(vec![
            RecordEvent::Added(meta("a", 1, "pending-install")),
            RecordEvent::Modified(meta("a", 1, "deployed")),
        ]);
        assert_eq!(
            kinds(&steps),
            [
                "Added 1 pending-install",
                "StatusChanged { from: PendingInstall } 1 deployed"
            ]
        );
    }

    #[test]
    fn a_release_whose_records_all_went_is_gone_at_the_end_of_the_batch() {
        let mut t = Tracker::new(None, Selector::everything());
        t.apply_batch(vec![RecordEvent::Added(meta("a", 1, "deployed")), synced()]);
        let steps = t.apply_batch(vec![
            RecordEvent::Deleted(meta("a", 1, "deployed")),
            RecordEvent::Added(meta("b", 1, "deployed")),
        ]);
        assert_eq!(kinds(&steps), ["Added 1 deployed", "gone a"]);
        // Pruned and rewritten in one live batch: not gone.
        let steps = t.apply_batch(vec![
            RecordEvent::Deleted(meta("b", 1, "superseded")),
            RecordEvent::Added(meta("b", 2, "deployed")),
        ]);
        assert_eq!(kinds(&steps), ["NewRevision 2 deployed"]);
    }

    #[test]
    fn the_initial_snapshot_reports_each_release_at_its_newest_revision() {
        let mut t = Tracker::new(None, Selector::everything());
        // The listing may come in several batches before its `Synced`.
        assert!(
            t.apply_batch(vec![
                RecordEvent::Added(meta("b", 10, "deployed")),
                RecordEvent::Added(meta("b", 9, "superseded")),
            ])
            .is_empty()
        );
        let steps = t.apply_batch(vec![
            RecordEvent::Added(meta("a", 1, "superseded")),
            RecordEvent::Added(meta("a", 2, "failed")),
            synced(),
        ]);
        assert_eq!(
            kinds(&steps),
            ["Added 2 failed", "Added 10 deployed", "synced"]
        );
        // Writes to an older revision (superseding it) are no news.
        assert!(
            t.apply_batch(vec![RecordEvent::Modified(meta("b", 9, "superseded"))])
                .is_empty()
        );
        let steps = t.apply_batch(vec![RecordEvent::Modified(meta("a", 2, "uninstalled"))]);
        assert!(matches!(
            &steps[..],
            [Step::Fetch {
                kind: Kind::Uninstalled,
                ..
            }]
        ));
    }
}
