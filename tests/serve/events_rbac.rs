//! The event stream behind an authenticating proxy: each user gets the
//! release events of the namespaces whose release records RBAC lets them
//! list, and only their own operations.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::Server;
use super::events::until;
use super::helm_web;
use super::security::grant_release_reader;
use crate::harness::TestNs;

fn id_of(ev: &(String, String, Value)) -> u64 {
    ev.0.parse().unwrap_or_else(|_| panic!("no id on {ev:?}"))
}

#[test]
fn proxied_event_streams_follow_rbac_per_user() {
    let ns = TestNs::new("serve-rbac-events");
    let n = &ns.name;
    helm_web(&ns, "web", "one");
    // A short cache, so the test need not wait out the default minute
    // after the RoleBinding.
    let s = Server::start(&ns, &["--trust-proxy-headers", "--access-cache", "1s"], &[]);
    let bearer = format!("Bearer {}", s.token);
    let admin = [
        ("Authorization", bearer.as_str()),
        ("X-Forwarded-User", "serve-admin"),
        ("X-Forwarded-Groups", "system:masters"),
    ];
    let restricted = [
        ("Authorization", bearer.as_str()),
        ("X-Forwarded-User", "restricted"),
    ];

    // Before any RoleBinding: the admin's snapshot has the release,
    // restricted's has nothing but `synced`.
    let admin_rx = s.events_as(None, &admin[1..]);
    let restricted_rx = s.events_as(None, &restricted[1..]);
    let snap = until(&admin_rx, "admin's synced", |name, _| name == "synced");
    assert!(
        snap.iter()
            .any(|e| e.1 == "release" && e.2["release"]["name"] == "web"),
        "{snap:?}"
    );
    let snap = until(&restricted_rx, "restricted's synced", |name, _| {
        name == "synced"
    });
    assert_eq!(snap.len(), 1, "restricted sees no release yet: {snap:?}");

    // A helm upgrade reaches the admin only.
    helm_web(&ns, "web", "two");
    let seen = until(&admin_rx, "revision 2 deployed", |name, d| {
        name == "release" && d["release"]["revision"] == 2 && d["release"]["status"] == "deployed"
    });
    let before_binding = seen.last().map(id_of).expect("an event");

    grant_release_reader(n);
    // The authorizer sees the binding once its informer does: wait for
    // the JSON route to allow restricted (bounded), then for a cached
    // "no" to expire.
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.raw("GET", "/api/v1/releases", &restricted, b"").status != 200 {
        assert!(
            Instant::now() < deadline,
            "the RoleBinding never took effect"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1100));

    // The next upgrade reaches restricted too; nothing from before the
    // binding ever did.
    helm_web(&ns, "web", "three");
    let seen = until(&restricted_rx, "revision 3 deployed", |name, d| {
        name == "release" && d["release"]["revision"] == 3 && d["release"]["status"] == "deployed"
    });
    let releases: Vec<_> = seen.iter().filter(|e| e.1 == "release").collect();
    assert!(
        releases.iter().all(|e| id_of(e) > before_binding),
        "restricted got an event from before its RoleBinding: {seen:?}"
    );
    assert!(
        releases
            .iter()
            .all(|e| e.2["release"]["namespace"] == n.as_str()),
        "{seen:?}"
    );

    // An operation's events go to the user who started it, and nobody
    // else finds the operation.
    let un = s.raw(
        "POST",
        &format!("/api/v1/releases/{n}/web/uninstall"),
        &[
            restricted[0],
            restricted[1],
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(un.status, 202, "{un:?}");
    let op_id = un.json()["id"].as_str().expect("id").to_string();
    let theirs = until(&restricted_rx, "the operation's end", |name, d| {
        name == "operation" && d["id"] == op_id.as_str() && d["state"] == "failed"
    });
    assert!(
        theirs
            .iter()
            .any(|e| e.1 == "operation" && e.2["state"] == "running"),
        "{theirs:?}"
    );
    let elsewhere = s.raw("GET", &format!("/api/v1/operations/{op_id}"), &admin, b"");
    assert_eq!(elsewhere.status, 404, "{elsewhere:?}");
    // The admin's own operation (a recover that fails at once) comes after
    // restricted's in the one event order: everything the admin got up to
    // its end holds nothing of restricted's.
    let rec = s.raw(
        "POST",
        &format!("/api/v1/releases/{n}/web/recover"),
        &[
            admin[0],
            admin[1],
            admin[2],
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(rec.status, 202, "{rec:?}");
    let own = rec.json()["id"].as_str().expect("id").to_string();
    let admins = until(&admin_rx, "the admin's operation's end", |name, d| {
        name == "operation" && d["id"] == own.as_str() && d["state"] != "running"
    });
    assert!(
        admins
            .iter()
            .all(|e| e.1 != "operation" || e.2["id"] == own.as_str()),
        "the admin got restricted's operation: {admins:?}"
    );
}
