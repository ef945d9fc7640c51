//! Tests of the storage rules over the in-memory driver.

use super::driver::Driver;
use super::labels::Labels;
use super::memory::MemoryDriver;
use super::{Scope, Storage, StorageError};
use crate::release::name::storage_key;
use crate::release::{Release, Status, codec};

fn release(name: &str, ns: &str, version: i64, status: Status) -> Release {
    let mut r: Release = serde_json::from_str(&format!(
        r#"{{"name":"{name}","namespace":"{ns}","version":{version},"info":{{"status":"{status}"}},
            "chart":{{"metadata":{{"name":"c","version":"1.0.{version}"}}}}}}"#
    ))
    .expect("release");
    r.labels.insert("team".into(), "a".into());
    r
}

fn labels(name: &str, version: i64, status: &str) -> Labels {
    [
        ("name", name),
        ("owner", "helm"),
        ("status", status),
        ("version", &version.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn seed(d: &MemoryDriver, ns: &str, name: &str, statuses: &[Status]) {
    for (i, s) in statuses.iter().enumerate() {
        let v = i as i64 + 1;
        d.create(ns, &storage_key(name, v), &release(name, ns, v, s.clone()))
            .await
            .expect("create");
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn last_decodes_the_newest_and_skips_unreadable_ones() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(
            &d,
            "ns",
            "web",
            &[Status::Superseded, Status::Superseded, Status::Deployed],
        )
        .await;
        let s = Storage::new(d, "ns");
        let found = s.last("web").await.expect("last");
        assert_eq!(found.record.release.version, 3);
        assert!(found.skipped.is_empty());

        // Revision 10 sorts before 9 by name; it is still the newest.
        for v in 4..=10 {
            s.driver()
                .create(
                    "ns",
                    &storage_key("web", v),
                    &release("web", "ns", v, Status::Failed),
                )
                .await
                .expect("create");
        }
        assert_eq!(
            s.last("web").await.expect("last").record.release.version,
            10
        );

        // A corrupt newest record is skipped, as helm skips it.
        s.driver().put_raw(
            "ns",
            &storage_key("web", 11),
            labels("web", 11, "deployed"),
            "!!!",
        );
        let found = s.last("web").await.expect("last");
        assert_eq!(found.record.release.version, 10);
        assert_eq!(found.skipped.len(), 1);
        assert_eq!(found.skipped[0].key, storage_key("web", 11));
    });
}

#[test]
fn last_falls_back_to_the_full_history_when_labels_lie() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(&d, "ns", "web", &[Status::Superseded, Status::Deployed]).await;
        // A record whose label says revision 9 but whose body says 3.
        let body = codec::encode(&release("web", "ns", 3, Status::Failed)).expect("encode");
        d.put_raw(
            "ns",
            &storage_key("web", 9),
            labels("web", 9, "failed"),
            &body,
        );
        let s = Storage::new(d, "ns");
        // Helm's answer: the highest revision by body among all records.
        assert_eq!(s.last("web").await.expect("last").record.release.version, 3);
    });
}

#[test]
fn last_of_unknown_or_unreadable_releases() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        d.put_raw(
            "ns",
            &storage_key("bad", 1),
            labels("bad", 1, "deployed"),
            "H4sI",
        );
        let s = Storage::new(d, "ns");
        assert!(matches!(s.last("nope").await, Err(StorageError::NotFound)));
        assert!(
            matches!(s.last("bad").await, Err(StorageError::NoRevision(n)) if n == "bad"),
            "every record unreadable reads as helm's empty history"
        );
    });
}

#[test]
fn list_latest_picks_one_revision_per_release_per_namespace() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(&d, "a", "web", &[Status::Superseded, Status::Deployed]).await;
        seed(&d, "b", "web", &[Status::Failed]).await;
        seed(
            &d,
            "a",
            "db",
            &[Status::Deployed, Status::Superseded, Status::Failed],
        )
        .await;
        d.put_raw(
            "a",
            &storage_key("db", 4),
            labels("db", 4, "deployed"),
            "not base64",
        );
        let s = Storage::new(d, "a");

        let mut got: Vec<_> = s
            .list_latest(Scope::All, false, None)
            .await
            .expect("list")
            .records
            .iter()
            .map(|r| {
                (
                    r.meta.namespace.clone(),
                    r.release.name.clone(),
                    r.release.version,
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("a".into(), "db".into(), 3),
                ("a".into(), "web".into(), 2),
                ("b".into(), "web".into(), 1)
            ]
        );

        let l = s
            .list_latest(Scope::Namespace("a"), false, None)
            .await
            .expect("list");
        assert_eq!(l.records.len(), 2);
        assert_eq!(l.corrupt.len(), 1, "the unreadable db v4 is reported");
        let only_web = regex::Regex::new("^web$").expect("regex");
        let l = s
            .list_latest(Scope::Namespace("a"), false, Some(&only_web))
            .await
            .expect("list");
        assert_eq!(l.records.len(), 1);
        assert!(
            l.corrupt.is_empty(),
            "db's records are not read when listing web"
        );

        let sup = s.list_latest(Scope::All, true, None).await.expect("list");
        let mut sup: Vec<_> = sup
            .records
            .iter()
            .map(|r| (r.release.name.clone(), r.release.version))
            .collect();
        sup.sort();
        assert_eq!(sup, [("db".into(), 2), ("web".into(), 1)]);
    });
}

#[test]
fn list_latest_lists_readable_namespaces_when_the_cluster_scope_is_forbidden() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(&d, "a", "web", &[Status::Deployed]).await;
        seed(&d, "secret-team", "db", &[Status::Deployed]).await;
        d.forbid_namespace("secret-team");
        let s = Storage::new(d, "a");
        let l = s.list_latest(Scope::All, false, None).await.expect("list");
        assert_eq!(l.records.len(), 1);
        assert_eq!(l.forbidden, ["secret-team"]);
        // A single forbidden namespace is an error, as in helm.
        let err = s
            .list_latest(Scope::Namespace("secret-team"), false, None)
            .await
            .expect_err("forbidden");
        assert!(err.is_forbidden());
    });
}

#[test]
fn conditional_writes_fail_on_a_stale_resource_version() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(&d, "ns", "web", &[Status::Deployed]).await;
        let key = storage_key("web", 1);
        let rec = d.get("ns", &key).await.expect("get");
        let rv = rec.meta.resource_version.clone();
        d.update("ns", &key, &rec.release, rv.as_deref())
            .await
            .expect("first update");
        let err = d
            .update("ns", &key, &rec.release, rv.as_deref())
            .await
            .expect_err("second update with the same version");
        assert!(matches!(err, StorageError::Conflict { .. }));
        let err = d
            .create("ns", &key, &rec.release)
            .await
            .expect_err("create-only");
        assert!(matches!(err, StorageError::AlreadyExists));
        // Custom labels survive; system labels are recomputed.
        let again = d.get("ns", &key).await.expect("get");
        assert_eq!(
            again.release.labels.get("team").map(String::as_str),
            Some("a")
        );
        assert_eq!(
            again.meta.labels.get("status").map(String::as_str),
            Some("deployed")
        );
        assert!(
            again.meta.labels.contains_key("createdAt")
                && again.meta.labels.contains_key("modifiedAt")
        );
    });
}

#[test]
fn deployed_follows_helm_even_with_several_deployed_revisions() {
    rt().block_on(async {
        let d = MemoryDriver::new();
        seed(
            &d,
            "ns",
            "web",
            &[
                Status::Deployed,
                Status::Superseded,
                Status::Deployed,
                Status::Failed,
            ],
        )
        .await;
        seed(&d, "ns", "gone", &[Status::Superseded, Status::Uninstalled]).await;
        let s = Storage::new(d, "ns");
        assert_eq!(s.deployed_all("web").await.expect("all").len(), 2);
        assert_eq!(
            s.deployed("web").await.expect("deployed").release.version,
            3
        );
        let err = s.deployed("gone").await.expect_err("none deployed");
        assert_eq!(err.to_string(), "\"gone\" has no deployed releases");
        let history = s.history("web").await.expect("history");
        assert_eq!(history.items.len(), 4);
        assert!(matches!(
            s.history("nope").await,
            Err(StorageError::NotFound)
        ));
        assert!(matches!(s.get("web", 9).await, Err(StorageError::NotFound)));
    });
}
