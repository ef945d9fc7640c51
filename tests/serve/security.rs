//! Tokens, the same-origin rule, read-only mode, body limits, hostile
//! parameters, and RBAC through impersonation: each refusal changes
//! nothing (helm's history is read back after).

use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use kube::api::{Api, PostParams};
use serde_json::{Value, json};

use super::client::Server;
use super::{helm_json, helm_web};
use crate::harness::{TestNs, block_on, cluster};

fn revisions(ns: &TestNs, name: &str) -> usize {
    helm_json(ns, &["history", name, "-o", "json"])
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn tokens_origins_limits_and_hostile_parameters() {
    let ns = TestNs::new("serve-sec");
    helm_web(&ns, "web", "one");
    helm_web(&ns, "web", "two");
    let s = Server::start(&ns, &[], &[]);
    let n = &ns.name;
    let rollback = format!("/api/v1/releases/{n}/web/rollback");
    let body = json!({"revision": 1}).to_string();
    let bearer = format!("Bearer {}", s.token);
    let own_origin = format!("http://{}", s.addr);

    // No token, a wrong one, one of another length.
    for auth in [
        None,
        Some("Bearer nope"),
        Some(&*format!("Bearer {}x", s.token)),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        for path in ["/api/v1/releases", "/metrics", "/api/v1/events", "/"] {
            let a = s.raw("GET", path, &headers, b"");
            assert_eq!(a.status, 401, "{path} {auth:?}: {a:?}");
            assert_eq!(a.json()["kind"], "unauthorized");
        }
    }
    assert_eq!(s.raw("GET", "/auth?token=nope", &[], b"").status, 401);

    // The icon holds no data: the browser's own token-less request for it
    // is answered (not a 401 in the logs), and the page links it.
    for path in ["/favicon.svg", "/favicon.ico"] {
        let a = s.raw("GET", path, &[], b"");
        assert_eq!(a.status, 200, "{path}: {a:?}");
        assert_eq!(a.header("content-type"), Some("image/svg+xml"), "{path}");
        assert!(a.body.starts_with("<svg "), "{path}: {a:?}");
    }
    assert!(
        s.get("/")
            .body
            .contains(r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#)
    );
    assert_eq!(s.raw("GET", "/favicon.png", &[], b"").status, 401);

    // The first-load URL swaps the token for a cookie and leaves the URL.
    let login = s.raw("GET", &format!("/auth?token={}", s.token), &[], b"");
    assert_eq!(login.status, 303, "{login:?}");
    assert_eq!(login.header("location"), Some("/"));
    let cookie = login.header("set-cookie").expect("cookie").to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().expect("pair").to_string();
    let by_cookie = s.raw("GET", "/api/v1/releases", &[("Cookie", &pair)], b"");
    assert_eq!(by_cookie.status, 200, "{by_cookie:?}");
    assert!(by_cookie.header("access-control-allow-origin").is_none());

    // A cookie alone cannot mutate; nor can another origin.
    let a = s.raw(
        "POST",
        &rollback,
        &[
            ("Cookie", &pair),
            ("Origin", &own_origin),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(a.status, 403, "{a:?}");
    let a = s.raw(
        "POST",
        &rollback,
        &[
            ("Authorization", &bearer),
            ("Origin", "http://evil.example"),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    );
    assert_eq!(
        (a.status, a.json()["kind"].clone()),
        (403, json!("forbidden-origin")),
        "{a:?}"
    );
    assert!(a.header("access-control-allow-origin").is_none());
    // The same origin passes the checks (and meets the 404 of a missing release).
    let a = s.raw(
        "POST",
        &format!("/api/v1/releases/{n}/nope/rollback"),
        &[
            ("Authorization", &bearer),
            ("Origin", &own_origin),
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(a.status, 404, "{a:?}");

    // A 10 MB values body; malformed and unknown JSON.
    let big = format!(
        "{{\"revision\": 1, \"pad\": \"{}\"}}",
        "a".repeat(10 * 1024 * 1024)
    );
    let a = s.raw(
        "POST",
        &rollback,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        big.as_bytes(),
    );
    assert_eq!(a.status, 413, "{}", a.status);
    for bad in [
        "{\"revision\": \"one\"}",
        "{not json",
        "{\"revision\": 1, \"force\": true}",
    ] {
        let a = s.raw(
            "POST",
            &rollback,
            &[
                ("Authorization", &bearer),
                ("Content-Type", "application/json"),
            ],
            bad.as_bytes(),
        );
        assert_eq!(a.status, 422, "{bad}: {a:?}");
    }

    // Traversal and odd names in every parameter.
    for path in [
        "/api/v1/releases/..%2F..%2Fkube-system/web".to_string(),
        format!("/api/v1/releases/{n}/..%2F..%2Fweb"),
        format!("/api/v1/releases/{n}/%2E%2E"),
        format!("/api/v1/releases/{n}/web/revisions/..%2F1"),
        format!("/api/v1/releases/{n}/web/values?revision=..%2F1"),
        "/api/v1/releases/kube-system/web".to_string(),
        "/api/v1/operations/..%2F..%2Fetc%2Fpasswd".to_string(),
        format!("/api/v1/releases/{n}/web/../../../metrics"),
    ] {
        let a = s.get(&path);
        assert!((400..500).contains(&a.status), "{path}: {a:?}");
    }
    let a = s.post(
        &format!("/api/v1/releases/{n}/..%2Fweb/uninstall"),
        &json!({}),
    );
    assert_eq!(a.status, 422, "{a:?}");

    assert_eq!(
        revisions(&ns, "web"),
        2,
        "a refused request changed the release"
    );
}

#[test]
fn read_only_server_has_no_mutating_routes() {
    let ns = TestNs::new("serve-ro");
    helm_web(&ns, "web", "one");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("token");
    std::fs::write(&file, "a-token-from-a-file-0123456789\n").expect("token file");
    let s = Server::start(
        &ns,
        &["--read-only", "--token-file", &file.to_string_lossy()],
        &[],
    );
    assert_eq!(s.token, "", "the token from a file is never printed");
    let auth = "Bearer a-token-from-a-file-0123456789";
    let n = &ns.name;
    let list = s.raw("GET", "/api/v1/releases", &[("Authorization", auth)], b"");
    assert_eq!(list.status, 200, "{list:?}");
    for op in [
        "rollback",
        "uninstall",
        "recover",
        "upgrade",
        "upgrade/plan",
    ] {
        let a = s.raw(
            "POST",
            &format!("/api/v1/releases/{n}/web/{op}"),
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            b"{}",
        );
        assert!(a.status == 404 || a.status == 405, "{op}: {a:?}");
    }
    assert_eq!(
        helm_json(&ns, &["list", "-o", "json"])[0]["status"],
        "deployed"
    );
}

#[test]
fn proxy_users_get_what_rbac_gives_them() {
    let ns = TestNs::new("serve-rbac");
    helm_web(&ns, "web", "one");
    let s = Server::start(&ns, &["--trust-proxy-headers"], &[]);
    let n = &ns.name;
    let bearer = format!("Bearer {}", s.token);
    let as_restricted = [
        ("Authorization", bearer.as_str()),
        ("X-Forwarded-User", "restricted"),
    ];

    let anonymous = s.get("/api/v1/releases");
    assert_eq!(
        anonymous.status, 401,
        "no user from the proxy: {anonymous:?}"
    );
    // A scraper reaching the pod directly: the token, no proxy user.
    let scrape = s.get("/metrics");
    assert_eq!(scrape.status, 200, "metrics past the proxy: {scrape:?}");
    let denied = s.raw("GET", "/api/v1/releases", &as_restricted, b"");
    assert_eq!(denied.status, 403, "{denied:?}");
    assert_eq!(denied.json()["kind"], "forbidden");
    let cli = ns
        .run_env(
            crate::harness::Tool::Rudder,
            ["list"],
            &[("HELM_KUBECONTEXT", "restricted")],
        )
        .failed();
    assert_eq!(
        format!("Error: {}", denied.json()["error"].as_str().unwrap_or("?")),
        cli.stderr.trim()
    );

    // Read access to the namespace's release records and objects only.
    grant_release_reader(n);
    // RBAC bindings take effect at once in the authorizer's cache only
    // after its informer sees them: wait for the first 200, bounded.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let list = loop {
        let a = s.raw("GET", "/api/v1/releases", &as_restricted, b"");
        if a.status == 200 || std::time::Instant::now() > deadline {
            break a;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json()["releases"][0]["name"], "web");
    assert_eq!(
        list.json()["source"],
        "storage",
        "a proxied user's list is RBAC-checked"
    );
    let status = s.raw(
        "GET",
        &format!("/api/v1/releases/{n}/web"),
        &as_restricted,
        b"",
    );
    assert_eq!(status.status, 200, "{status:?}");

    // Reading is not deleting: the uninstall runs as the user and fails.
    let un = s.raw(
        "POST",
        &format!("/api/v1/releases/{n}/web/uninstall"),
        &[
            as_restricted[0],
            as_restricted[1],
            ("Content-Type", "application/json"),
        ],
        b"{}",
    );
    assert_eq!(un.status, 202, "{un:?}");
    let op = s.wait_operation_as(un.json()["id"].as_str().expect("id"), &as_restricted);
    assert_eq!(op["state"], "failed", "{op}");
    assert_eq!(op["error"]["kind"], "forbidden", "{op}");
    let still: Value = helm_json(&ns, &["list", "-o", "json"]);
    assert_eq!(still[0]["status"], "deployed", "{still}");
}

/// Binds user `restricted` to read-only access to namespace `n`'s release records
/// (Secrets, ConfigMaps) and the `web` chart's objects.
pub fn grant_release_reader(n: &str) {
    block_on(async {
        let admin = cluster().admin().await;
        let role: Role = serde_json::from_value(json!({
            "metadata": {"name": "release-reader"},
            "rules": [
                {"apiGroups": [""], "resources": ["secrets", "configmaps", "services"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
            ]
        }))
        .expect("role");
        Api::<Role>::namespaced(admin.clone(), n)
            .create(&PostParams::default(), &role)
            .await
            .expect("role");
        let binding: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "restricted-reads-releases"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "release-reader"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "restricted"}]
        }))
        .expect("binding");
        Api::<RoleBinding>::namespaced(admin, n)
            .create(&PostParams::default(), &binding)
            .await
            .expect("binding");
    });
}
