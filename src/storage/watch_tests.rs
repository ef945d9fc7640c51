//! The record watch: the in-memory driver's broadcast, and the Kubernetes
//! drivers' resume logic against a scripted API server (disconnects, `410
//! Gone`). The real API server is exercised in `tests/watch.rs`.

use std::time::Duration;

use futures::StreamExt as _;
use http::{Request, Response};
use kube::client::Body;
use serde_json::json;

use super::driver::{Driver, RecordMeta};
use super::kube::SecretDriver;
use super::memory::MemoryDriver;
use super::watch::{RecordEvent, RecordWatch, Resume, View, WatchOptions};
use super::{Scope, StorageError};
use crate::release::name::storage_key;
use crate::release::{Release, Status};

fn release(name: &str, version: i64, status: Status) -> Release {
    serde_json::from_str(&format!(
        r#"{{"name":"{name}","namespace":"ns","version":{version},"info":{{"status":"{status}"}}}}"#
    ))
    .expect("release")
}

async fn next(w: &mut RecordWatch) -> RecordEvent {
    match tokio::time::timeout(Duration::from_secs(10), w.next()).await {
        Ok(Some(Ok(ev))) => ev,
        other => panic!("expected an event, got {other:?}"),
    }
}

fn key_of(ev: &RecordEvent) -> (&'static str, String, String) {
    match ev {
        RecordEvent::Added(m) => ("added", m.key.clone(), status(m)),
        RecordEvent::Modified(m) => ("modified", m.key.clone(), status(m)),
        RecordEvent::Deleted(m) => ("deleted", m.key.clone(), status(m)),
        RecordEvent::Synced { .. } => ("synced", String::new(), String::new()),
    }
}

fn status(m: &RecordMeta) -> String {
    m.labels.get("status").cloned().unwrap_or_default()
}

#[tokio::test]
async fn memory_watch_lists_then_streams_changes_in_scope() {
    let d = MemoryDriver::new();
    let web1 = storage_key("web", 1);
    d.create("ns", &web1, &release("web", 1, Status::Deployed))
        .await
        .expect("create");
    d.create(
        "other",
        &storage_key("db", 1),
        &release("db", 1, Status::Deployed),
    )
    .await
    .expect("create");
    let mut w = d.watch(WatchOptions::new(Scope::Namespace("ns")));
    assert_eq!(
        key_of(&next(&mut w).await),
        ("added", web1.clone(), "deployed".into())
    );
    assert!(matches!(next(&mut w).await, RecordEvent::Synced { .. }));

    let mut superseded = release("web", 1, Status::Superseded);
    superseded.info.status = Status::Superseded;
    d.update("ns", &web1, &superseded, None)
        .await
        .expect("update");
    let web2 = storage_key("web", 2);
    d.create("ns", &web2, &release("web", 2, Status::Deployed))
        .await
        .expect("create");
    // Another namespace: not in scope.
    d.create(
        "other",
        &storage_key("db", 2),
        &release("db", 2, Status::Deployed),
    )
    .await
    .expect("create");
    d.delete("ns", &web1, None).await.expect("delete");
    let got: Vec<_> = [next(&mut w).await, next(&mut w).await, next(&mut w).await]
        .iter()
        .map(key_of)
        .collect();
    assert_eq!(
        got,
        vec![
            ("modified", web1.clone(), "superseded".into()),
            ("added", web2.clone(), "deployed".into()),
            ("deleted", web1.clone(), "superseded".into()),
        ]
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(100), w.next())
            .await
            .is_err(),
        "nothing else happened"
    );
}

#[tokio::test]
async fn memory_watch_filters_by_label() {
    let d = MemoryDriver::new();
    let mut opts = WatchOptions::new(Scope::All);
    opts.labels = vec![("name".into(), "web".into())];
    let mut w = d.watch(opts);
    assert!(matches!(next(&mut w).await, RecordEvent::Synced { .. }));
    d.create(
        "ns",
        &storage_key("db", 1),
        &release("db", 1, Status::Deployed),
    )
    .await
    .expect("create");
    d.create(
        "ns",
        &storage_key("web", 1),
        &release("web", 1, Status::Deployed),
    )
    .await
    .expect("create");
    assert_eq!(
        key_of(&next(&mut w).await),
        ("added", storage_key("web", 1), "deployed".into())
    );
}

#[tokio::test]
async fn a_watcher_that_falls_behind_resyncs_to_every_final_state() {
    // A buffer of 2 changes and a consumer that reads nothing while 20
    // happen: the in-process equivalent of 410 Gone.
    let d = MemoryDriver::with_event_buffer(2);
    let mut w = d.watch(WatchOptions::new(Scope::Namespace("ns")));
    let first = next(&mut w).await;
    assert!(matches!(first, RecordEvent::Synced { .. }), "{first:?}");
    d.create(
        "ns",
        &storage_key("gone", 1),
        &release("gone", 1, Status::Deployed),
    )
    .await
    .expect("create");
    assert_eq!(key_of(&next(&mut w).await).1, storage_key("gone", 1));
    for v in 1..=20 {
        d.create(
            "ns",
            &storage_key("web", v),
            &release("web", v, Status::Deployed),
        )
        .await
        .expect("create");
    }
    d.delete("ns", &storage_key("gone", 1), None)
        .await
        .expect("delete");
    // Apply everything until the resync marker; the result must equal the
    // store.
    let mut view = std::collections::BTreeMap::new();
    view.insert(storage_key("gone", 1), ());
    let mut synced = false;
    while !synced || view.len() != 20 {
        match next(&mut w).await {
            RecordEvent::Added(m) | RecordEvent::Modified(m) => {
                view.insert(m.key, ());
            }
            RecordEvent::Deleted(m) => {
                view.remove(&m.key);
            }
            RecordEvent::Synced { .. } => synced = true,
        }
    }
    let want: std::collections::BTreeMap<_, _> =
        (1..=20).map(|v| (storage_key("web", v), ())).collect();
    assert_eq!(view, want);
    assert!(synced, "a lagging watcher says it resynced");
}

#[tokio::test]
async fn resuming_reports_what_changed_since_including_deletions() {
    let d = MemoryDriver::new();
    let kept = d
        .create(
            "ns",
            &storage_key("kept", 1),
            &release("kept", 1, Status::Deployed),
        )
        .await
        .expect("create");
    let gone = d
        .create(
            "ns",
            &storage_key("gone", 1),
            &release("gone", 1, Status::Deployed),
        )
        .await
        .expect("create");
    d.delete("ns", &gone.key, None).await.expect("delete");
    let mut opts = WatchOptions::new(Scope::Namespace("ns"));
    opts.resume = Some(Resume {
        resource_version: "2".into(),
        known: vec![kept.clone(), gone.clone()],
    });
    let mut w = d.watch(opts);
    assert_eq!(
        key_of(&next(&mut w).await),
        ("deleted", gone.key.clone(), "deployed".into())
    );
    assert!(matches!(next(&mut w).await, RecordEvent::Synced { .. }));
}

#[test]
fn a_resync_turns_the_old_view_into_the_new_listing() {
    let m = |key: &str, rv: &str| RecordMeta {
        namespace: "ns".into(),
        key: key.into(),
        labels: Default::default(),
        resource_version: Some(rv.into()),
    };
    let mut view = View::new(vec![m("a", "1"), m("b", "2"), m("c", "3")]);
    let events = view.resync(
        vec![m("a", "1"), m("b", "5"), m("d", "6")],
        Some("7".into()),
    );
    assert_eq!(
        events,
        vec![
            RecordEvent::Deleted(m("c", "3")),
            RecordEvent::Modified(m("b", "5")),
            RecordEvent::Added(m("d", "6")),
            RecordEvent::Synced {
                resource_version: Some("7".into())
            },
        ]
    );
    // A replayed Added for a known, unchanged record is no news.
    assert_eq!(view.apply(RecordEvent::Added(m("a", "1"))), None);
    assert_eq!(view.apply(RecordEvent::Deleted(m("zz", "1"))), None);
}

// --- the Kubernetes drivers against a scripted API server -----------------

type Handle = tower_test::mock::Handle<Request<Body>, Response<Body>>;

fn item(name: &str, rv: &str, status: &str) -> serde_json::Value {
    json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata",
           "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv,
                        "labels": {"owner": "helm", "status": status}}})
}

fn list(rv: &str, items: Vec<serde_json::Value>) -> Response<Body> {
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(
            serde_json::to_vec(&json!({"metadata": {"resourceVersion": rv}, "items": items}))
                .unwrap_or_default(),
        ))
        .expect("response")
}

fn events(lines: &[serde_json::Value]) -> Response<Body> {
    let mut body = Vec::new();
    for l in lines {
        body.extend(serde_json::to_vec(l).unwrap_or_default());
        body.push(b'\n');
    }
    Response::builder()
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("response")
}

async fn expect(
    handle: &mut Handle,
    what: &str,
    must_contain: &[&str],
) -> tower_test::mock::SendResponse<Response<Body>> {
    let (req, send) = tokio::time::timeout(Duration::from_secs(10), handle.next_request())
        .await
        .unwrap_or_else(|_| panic!("no {what} request"))
        .unwrap_or_else(|| panic!("no {what} request"));
    let uri = req.uri().to_string();
    for s in must_contain {
        assert!(uri.contains(s), "{what}: {uri} lacks {s}");
    }
    send
}

#[tokio::test]
async fn kube_watch_resumes_after_a_disconnect_and_relists_after_410() {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let driver = SecretDriver::new(kube::Client::new(service, "default"));
    let server = tokio::spawn(async move {
        let s = expect(
            &mut handle,
            "initial list",
            &["/namespaces/ns/secrets?", "limit=500"],
        )
        .await;
        s.send_response(list(
            "10",
            vec![item("a", "5", "deployed"), item("b", "6", "deployed")],
        ));
        let s = expect(
            &mut handle,
            "first watch",
            &[
                "watch=true",
                "resourceVersion=10",
                "allowWatchBookmarks=true",
                "labelSelector=owner%3Dhelm",
            ],
        )
        .await;
        // One change and a bookmark, then the connection ends.
        s.send_response(events(&[
            json!({"type": "MODIFIED", "object": item("a", "11", "superseded")}),
            json!({"type": "BOOKMARK", "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                  "metadata": {"resourceVersion": "12"}}}),
        ]));
        // Resumed from the bookmark, which has expired meanwhile.
        let s = expect(
            &mut handle,
            "resumed watch",
            &["watch=true", "resourceVersion=12"],
        )
        .await;
        s.send_response(events(&[json!({"type": "ERROR", "object": {
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Expired", "code": 410,
            "message": "too old resource version: 12 (40)"}})]));
        // Re-list: b was deleted and a changed again while unobserved.
        let s = expect(&mut handle, "re-list", &["limit=500"]).await;
        s.send_response(list(
            "40",
            vec![item("a", "30", "deployed"), item("c", "35", "failed")],
        ));
        let s = expect(
            &mut handle,
            "watch after re-list",
            &["watch=true", "resourceVersion=40"],
        )
        .await;
        // Keep the last watch open until the test is done.
        (handle, s)
    });
    let mut w = driver.watch(WatchOptions::new(Scope::Namespace("ns")));
    let mut got = Vec::new();
    loop {
        let ev = next(&mut w).await;
        let done = matches!(&ev, RecordEvent::Synced { resource_version } if resource_version.as_deref() == Some("40"));
        got.push(ev);
        if done {
            break;
        }
    }
    let summary: Vec<_> = got
        .iter()
        .map(|e| {
            let (what, key, status) = key_of(e);
            let rv = e
                .meta()
                .and_then(|m| m.resource_version.clone())
                .unwrap_or_default();
            format!("{what} {key} {status} {rv}")
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            "added a deployed 5",
            "added b deployed 6",
            "synced   ",
            "modified a superseded 11",
            "deleted b deployed 6",
            "modified a deployed 30",
            "added c failed 35",
            "synced   ",
        ]
    );
    let _keep = server.await.expect("scenario");
}

#[tokio::test]
async fn a_forbidden_watch_ends_with_the_error() {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let driver = SecretDriver::new(kube::Client::new(service, "default"));
    let server = tokio::spawn(async move {
        let s = expect(&mut handle, "list", &["limit=500"]).await;
        s.send_response(
            Response::builder()
                .status(403)
                .header("content-type", "application/json")
                .body(Body::from(
                    br#"{"kind":"Status","status":"Failure","reason":"Forbidden","code":403,"message":"secrets is forbidden"}"#.to_vec(),
                ))
                .expect("response"),
        );
    });
    let mut w = driver.watch(WatchOptions::new(Scope::Namespace("ns")));
    let end = tokio::time::timeout(Duration::from_secs(10), w.next())
        .await
        .expect("an answer");
    assert!(
        matches!(&end, Some(Err(e @ StorageError::Backend { .. })) if e.is_forbidden()),
        "{end:?}"
    );
    assert!(
        w.next().await.is_none(),
        "the stream ends after a fatal error"
    );
    server.await.expect("scenario");
}
