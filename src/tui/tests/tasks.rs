//! The background tasks over the in-memory storage driver and cluster:
//! the watch feeding the list, the loads, and operations with their
//! progress, outcome and the Lease's refusal. Their messages are applied
//! with `update`, as the runtime does.

use std::time::Duration;

use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::cluster::Cluster as _;
use crate::cluster::Event;
use crate::cluster::memory::MemoryCluster;
use crate::compat::Compat;
use crate::release::name::storage_key;
use crate::release::{Release, Status};
use crate::session::Session;
use crate::storage::memory::MemoryDriver;
use crate::storage::{Driver, Storage};
use crate::tui::model::{Level, Model, ReleaseKey};
use crate::tui::msg::{Command, Msg, UpgradeRequest};
use crate::tui::tasks::{Sources, Tasks};
use crate::tui::update::update;

const NS: &str = "ns";
const MANIFEST: &str = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: \"v\"\n";

fn release(name: &str, version: i64, status: Status, k: &str) -> Release {
    let text = json!({
        "name": name,
        "namespace": NS,
        "version": version,
        "info": {
            "first_deployed": "2026-01-01T00:00:00Z",
            "last_deployed": format!("2026-01-01T00:0{version}:00Z"),
            "deleted": "",
            "description": format!("rev {version}"),
            "status": status.as_str(),
        },
        "chart": {"metadata": {"name": "c", "version": format!("1.0.{version}"), "appVersion": "1"}},
        "config": {"k": k},
        "manifest": MANIFEST.replace("\"v\"", &format!("{k:?}")),
    })
    .to_string();
    serde_json::from_str(&text).unwrap()
}

struct World {
    driver: MemoryDriver,
    cluster: MemoryCluster,
    tasks: Tasks<MemoryDriver, MemoryCluster>,
    rx: UnboundedReceiver<Msg>,
}

async fn world(sources: Option<Sources>) -> World {
    let driver = MemoryDriver::new();
    for r in [
        release("web", 1, Status::Superseded, "one"),
        release("web", 2, Status::Deployed, "two"),
    ] {
        driver
            .create(NS, &storage_key(&r.name, r.version), &r)
            .await
            .unwrap();
    }
    let cluster = MemoryCluster::new();
    let session = Session::new(
        Storage::new(driver.clone(), NS),
        cluster.clone(),
        Compat::V4,
    );
    let (tx, rx) = unbounded_channel();
    let tasks = Tasks::new(session, tx, Some(NS.into()), sources);
    World {
        driver,
        cluster,
        tasks,
        rx,
    }
}

async fn next(rx: &mut UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a message within 10 s")
        .expect("channel open")
}

/// Messages until operation `id` is done; the outcome and the progress.
async fn until_done(
    rx: &mut UnboundedReceiver<Msg>,
    id: u64,
) -> (Result<String, String>, Vec<Event>) {
    let mut events = Vec::new();
    loop {
        match next(rx).await {
            Msg::Done(i, res) if i == id => return (res, events),
            Msg::Progress(i, ev) if i == id => events.push(ev),
            _ => {}
        }
    }
}

fn web() -> ReleaseKey {
    ReleaseKey::new(NS, "web")
}

fn phases(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Phase {
                revision, status, ..
            } => Some(format!("{revision} {status}")),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_watch_fills_the_list_then_follows_changes() {
    let mut w = world(None).await;
    tokio::spawn(w.tasks.clone().watch_releases());
    let mut m = Model::new("test", Some(NS.into()), false, false);
    let first = next(&mut w.rx).await;
    let Msg::Releases(rows) = &first else {
        panic!("first message: {first:?}")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].key, web());
    assert_eq!(
        (rows[0].revision, rows[0].status.clone()),
        (2, Status::Deployed)
    );
    assert_eq!(rows[0].chart(), "c-1.0.2");
    assert_eq!(rows[0].updated, "2026-01-01 00:02");
    update(&mut m, first);
    // Another process installs a release: it appears without a key press.
    let api = release("api", 1, Status::PendingInstall, "x");
    w.driver
        .create(NS, &storage_key("api", 1), &api)
        .await
        .unwrap();
    loop {
        let msg = next(&mut w.rx).await;
        let done = matches!(&msg, Msg::ReleaseChanged(r) if r.key.name == "api");
        update(&mut m, msg);
        if done {
            break;
        }
    }
    assert_eq!(
        m.releases[&ReleaseKey::new(NS, "api")].status,
        Status::PendingInstall
    );
    // It finishes.
    let mut deployed = api.clone();
    deployed.info.status = Status::Deployed;
    w.driver
        .update(NS, &storage_key("api", 1), &deployed, None)
        .await
        .unwrap();
    loop {
        let msg = next(&mut w.rx).await;
        update(&mut m, msg);
        if m.releases[&ReleaseKey::new(NS, "api")].status == Status::Deployed {
            break;
        }
    }
    // And is uninstalled without its history: the row goes.
    w.driver
        .delete(NS, &storage_key("api", 1), None)
        .await
        .unwrap();
    loop {
        let msg = next(&mut w.rx).await;
        let gone = matches!(&msg, Msg::ReleaseGone(k) if k.name == "api");
        update(&mut m, msg);
        if gone {
            break;
        }
    }
    assert_eq!(m.releases.len(), 1);
}

#[tokio::test]
async fn details_load_record_and_history() {
    let mut w = world(None).await;
    w.tasks.run(Command::LoadDetails(web()));
    let (mut content, mut history) = (None, None);
    while content.is_none() || history.is_none() {
        match next(&mut w.rx).await {
            Msg::Content(k, c) if k == web() => content = Some(c.unwrap()),
            Msg::History(k, h) if k == web() => history = Some(h.unwrap()),
            _ => {}
        }
    }
    let c = content.unwrap();
    assert_eq!(c.revision, 2);
    assert_eq!(c.values_user, "k: two\n");
    assert!(c.manifest.contains("kind: ConfigMap"));
    let h = history.unwrap();
    assert_eq!(
        h.iter()
            .map(|r| (r.revision, r.status.clone()))
            .collect::<Vec<_>>(),
        [(1, Status::Superseded), (2, Status::Deployed)]
    );
}

#[tokio::test]
async fn rollback_diff_then_rollback_with_progress() {
    let mut w = world(None).await;
    w.tasks.run(Command::RollbackDiff(web(), 1));
    let diff = loop {
        if let Msg::RollbackDiff(_, 1, d) = next(&mut w.rx).await {
            break d.unwrap();
        }
    };
    assert!(
        diff.starts_with("Values diff:\n@@ -1 +1 @@\n- k: two\n+ k: one\n\nManifest diff:\n"),
        "{diff}"
    );
    assert!(diff.contains("ConfigMap"), "manifest diff: {diff}");
    w.tasks.run(Command::Rollback {
        id: 7,
        key: web(),
        revision: 1,
    });
    let (res, events) = until_done(&mut w.rx, 7).await;
    assert_eq!(res, Ok("rolled back web to revision 1".to_string()));
    assert_eq!(phases(&events), ["3 pending-rollback", "3 deployed"]);
    let newest = w.driver.get(NS, &storage_key("web", 3)).await.unwrap();
    assert_eq!(newest.release.info.description, "Rollback to 1");
}

#[tokio::test]
async fn a_second_operation_is_refused_by_the_lease_with_its_reason() {
    let mut w = world(None).await;
    // Another process's upgrade holds the release's Lease.
    let _held = w.cluster.lock(NS, "web", "upgrade").await.unwrap();
    w.tasks.run(Command::Uninstall {
        id: 1,
        key: web(),
        keep_history: true,
    });
    let (res, _) = until_done(&mut w.rx, 1).await;
    let e = res.unwrap_err();
    assert!(
        e.contains("another operation (upgrade) is in progress on release \"web\""),
        "{e}"
    );
    // Nothing changed.
    let newest = w.driver.get(NS, &storage_key("web", 2)).await.unwrap();
    assert_eq!(newest.release.info.status, Status::Deployed);
    // In the UI, that is an error notification.
    let mut m = Model::new("t", None, false, false);
    m.operations.push(crate::tui::model::Operation {
        id: 1,
        key: web(),
        kind: crate::tui::model::OpKind::Uninstall,
        phase: "starting".into(),
        pending: Vec::new(),
        hook_output: Vec::new(),
    });
    update(&mut m, Msg::Done(1, Err(e)));
    assert_eq!(m.notifications[0].level, Level::Error);
}

#[tokio::test]
async fn uninstall_keeping_history() {
    let mut w = world(None).await;
    w.tasks.run(Command::Uninstall {
        id: 2,
        key: web(),
        keep_history: true,
    });
    let (res, events) = until_done(&mut w.rx, 2).await;
    assert_eq!(res, Ok("release \"web\" uninstalled".to_string()));
    assert_eq!(phases(&events), ["2 uninstalling", "2 uninstalled"]);
}

fn local_sources() -> Sources {
    let tmp = std::env::temp_dir().join(format!("rudder-tui-test-{}", std::process::id()));
    let paths = crate::repo::HelmPaths::with_flags(&crate::repo::paths::PathFlags {
        registry_config: Some(tmp.join("registry.json")),
        repository_config: Some(tmp.join("repositories.yaml")),
        repository_cache: Some(tmp.join("cache")),
        content_cache: Some(tmp.join("content")),
    });
    Sources {
        options: Default::default(),
        paths,
    }
}

#[tokio::test]
async fn upgrade_plan_shows_values_and_manifest_diffs_then_upgrades() {
    let mut w = world(Some(local_sources())).await;
    let chart = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tui/c");
    let request = UpgradeRequest {
        key: web(),
        chart: "c".into(),
        version: String::new(),
        source: chart.into(),
        reuse_values: true,
        values: "k: edited\n".into(),
    };
    w.tasks.run(Command::PlanUpgrade(request.clone()));
    let diff = loop {
        if let Msg::UpgradeDiff(_, d) = next(&mut w.rx).await {
            break d.unwrap();
        }
    };
    assert_eq!(diff.values, "@@ -1 +1 @@\n- k: two\n+ k: edited\n");
    assert!(
        diff.manifest.contains("-   k: two\n+   k: edited\n"),
        "{}",
        diff.manifest
    );
    assert!(
        diff.manifest
            .starts_with("Release \"web\" in namespace \"ns\": revision 2 -> chart c\n")
    );
    w.tasks.run(Command::Upgrade { id: 3, request });
    let (res, events) = until_done(&mut w.rx, 3).await;
    assert_eq!(res, Ok("release \"web\" upgraded to c".to_string()));
    assert_eq!(phases(&events), ["3 pending-upgrade", "3 deployed"]);
    let newest = w.driver.get(NS, &storage_key("web", 3)).await.unwrap();
    assert!(newest.release.manifest.contains("k: \"edited\""));
}

#[tokio::test]
async fn upgrade_without_a_source_says_so() {
    let mut w = world(None).await;
    w.tasks.run(Command::LoadVersions {
        key: web(),
        chart: "c".into(),
    });
    let res = loop {
        if let Msg::Versions(_, r) = next(&mut w.rx).await {
            break r;
        }
    };
    assert_eq!(
        res,
        Err("no chart repository or OCI source is configured".to_string())
    );
}

#[tokio::test]
async fn resources_tab_reads_live_objects_with_kstatus() {
    let mut w = world(None).await;
    // Put the release's ConfigMap in the cluster, as an install would.
    let objs = w.cluster.build(MANIFEST, NS).await.unwrap();
    for o in &objs {
        w.cluster.put(o.id(), o.object.body.clone());
    }
    w.tasks.run(Command::LoadResources(web()));
    let rows = loop {
        if let Msg::Resources(_, r) = next(&mut w.rx).await {
            break r.unwrap();
        }
    };
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].resource, "ConfigMap/cm");
    assert_eq!(rows[0].status, "Current");
}

#[tokio::test]
async fn watched_resources_report_a_burst_of_changes_once_and_stop_when_unwatched() {
    let mut w = world(None).await;
    let objs = w.cluster.build(MANIFEST, NS).await.unwrap();
    for o in &objs {
        w.cluster.put(o.id(), o.object.body.clone());
    }
    w.tasks.run(Command::WatchResources(web()));
    let rows = loop {
        if let Msg::Resources(_, r) = next(&mut w.rx).await {
            break r.unwrap();
        }
    };
    assert_eq!(rows.len(), 1, "{rows:?}");
    // Three changes in a burst: one message.
    for _ in 0..3 {
        w.cluster.put(objs[0].id(), objs[0].object.body.clone());
    }
    assert!(matches!(next(&mut w.rx).await, Msg::ResourcesChanged(k) if k == web()));
    tokio::time::sleep(crate::tui::tasks::RESOURCES_DEBOUNCE * 3).await;
    assert!(w.rx.try_recv().is_err(), "one message per burst");
    // A refresh re-reads the objects with the subscription's manifest.
    w.tasks.run(Command::RefreshResources(web()));
    assert!(matches!(next(&mut w.rx).await, Msg::Resources(_, Ok(r)) if r.len() == 1));
    // Unwatched: changes say nothing any more.
    w.tasks.run(Command::UnwatchResources);
    w.cluster.put(objs[0].id(), objs[0].object.body.clone());
    tokio::time::sleep(crate::tui::tasks::RESOURCES_DEBOUNCE * 3).await;
    assert!(w.rx.try_recv().is_err(), "no messages after unwatching");
}

#[tokio::test]
async fn a_stuck_release_is_recovered_with_rollback() {
    let driver = MemoryDriver::new();
    for r in [
        release("web", 1, Status::Superseded, "one"),
        release("web", 2, Status::Deployed, "two"),
        release("web", 3, Status::PendingUpgrade, "three"),
    ] {
        driver
            .create(NS, &storage_key(&r.name, r.version), &r)
            .await
            .unwrap();
    }
    // With no grace, a pending revision nobody holds the lock of is stuck.
    let session = Session::new(
        Storage::new(driver.clone(), NS),
        MemoryCluster::new(),
        Compat::V4,
    )
    .with_grace(Duration::ZERO);
    let (tx, mut rx) = unbounded_channel();
    let tasks = Tasks::new(session, tx, Some(NS.into()), None);
    tasks.run(Command::Recover {
        id: 5,
        key: web(),
        rollback: true,
    });
    let (res, events) = until_done(&mut rx, 5).await;
    assert_eq!(
        res,
        Ok("recovered web: Rolled back to revision 2: revision 4 is deployed.".to_string())
    );
    assert_eq!(
        phases(&events),
        ["3 failed", "4 pending-rollback", "4 deployed"]
    );
    let stuck = driver.get(NS, &storage_key("web", 3)).await.unwrap();
    assert_eq!(stuck.release.info.status, Status::Failed);
}
