//! `rudder serve --in-cluster` with exactly what a pod sees, and the
//! shipped deploy/serve.yaml's RBAC.
//!
//! kwok runs no containers, so the real binary runs here instead in a
//! private mount namespace (`unshare -rm`) with a tmpfs on /run holding
//! /run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}: a
//! TokenRequest token of a ServiceAccount bound to the manifest's own
//! ClusterRole (its rules read from the file, unchanged), the cluster's CA
//! and the namespace; `KUBERNETES_SERVICE_HOST`/`_PORT` name the API
//! server; there is no kubeconfig and HOME is empty.

use std::process::Command;

use serde_json::{Value, json};

use super::client::{SNAPSHOT, Server};
use super::{helm_json, helm_web};
use crate::harness::{TestNs, Tool, admin_request, block_on, cluster, repo_root};

/// The manifest's objects of `kind`, in file order.
fn manifest_objects(kind: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("deploy/serve.yaml"))
        .expect("read deploy/serve.yaml");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("deploy/serve.yaml parses");
    docs.into_iter().filter(|d| d["kind"] == kind).collect()
}

fn one(kind: &str) -> Value {
    let mut all = manifest_objects(kind);
    assert_eq!(all.len(), 1, "deploy/serve.yaml: one {kind} expected");
    all.remove(0)
}

fn post(path: &str, body: &Value) -> Value {
    block_on(admin_request(
        http::Method::POST,
        path,
        "application/json",
        body.clone(),
    ))
}

/// Creates the manifest's ServiceAccount in `ns`, its ClusterRole (rules
/// as shipped) under a name unique to `ns`, and the binding between them;
/// returns the account's user name.
fn apply_manifest_rbac(ns: &str) -> String {
    let mut sa = one("ServiceAccount");
    let sa_name = sa["metadata"]["name"]
        .as_str()
        .expect("SA name")
        .to_string();
    sa["metadata"]["namespace"] = json!(ns);
    post(&format!("/api/v1/namespaces/{ns}/serviceaccounts"), &sa);

    let role_name = format!("rudder-serve-{ns}");
    let mut role = one("ClusterRole");
    role["metadata"] = json!({"name": role_name});
    post("/apis/rbac.authorization.k8s.io/v1/clusterroles", &role);

    let mut binding = one("ClusterRoleBinding");
    binding["metadata"] = json!({"name": role_name});
    binding["roleRef"]["name"] = json!(role_name);
    let subjects = binding["subjects"].as_array_mut().expect("subjects");
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert_eq!(
        subjects[0]["name"],
        sa_name.as_str(),
        "binds the manifest's SA"
    );
    subjects[0]["namespace"] = json!(ns);
    post(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        &binding,
    );
    format!("system:serviceaccount:{ns}:{sa_name}")
}

/// A token for `user`'s ServiceAccount from the TokenRequest API.
fn service_account_token(ns: &str, user: &str) -> String {
    let sa = user.rsplit(':').next().expect("SA name");
    let review = post(
        &format!("/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token"),
        &json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600}
        }),
    );
    review["status"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {review}"))
        .to_string()
}

/// Waits (bounded) until the API server's authorizer lets `user` do
/// `verb` on `resource` (`group/resource` outside the core group) in `ns`
/// (`""`: cluster-wide): RBAC changes reach
/// the authorizer through an informer, so a new binding is not instant.
fn wait_allowed(user: &str, groups: &[&str], verb: &str, resource: &str, ns: &str) {
    let (group, resource) = resource.split_once('/').unwrap_or(("", resource));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let review = post(
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            &json!({
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SubjectAccessReview",
                "spec": {
                    "user": user,
                    "groups": groups,
                    "resourceAttributes": {
                        "verb": verb, "group": group, "resource": resource, "namespace": ns
                    }
                }
            }),
        );
        if review["status"]["allowed"] == true {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{user} never allowed to {verb} {resource}: {review}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The manifest's container arguments with `--listen` on a loopback port
/// chosen by the kernel, and the `--token-file` path they name.
fn deployment_args() -> (Vec<String>, String) {
    let deployment = one("Deployment");
    let containers = deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .expect("containers");
    assert_eq!(containers.len(), 1, "{containers:?}");
    let args: Vec<String> = containers[0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arg").to_string())
        .collect();
    assert_eq!(args.first().map(String::as_str), Some("serve"), "{args:?}");
    let token_file = args
        .iter()
        .find_map(|a| a.strip_prefix("--token-file="))
        .expect("--token-file=PATH in the manifest")
        .to_string();
    let listen: Vec<String> = args
        .into_iter()
        .map(|a| {
            if a.starts_with("--listen=") {
                "--listen=127.0.0.1:0".to_string()
            } else {
                a
            }
        })
        .collect();
    assert!(
        listen.iter().any(|a| a == "--listen=127.0.0.1:0"),
        "{listen:?}"
    );
    (listen, token_file)
}

/// The API server's port, from the test kubeconfig's `server:` URL.
fn apiserver_port() -> String {
    let kc = std::fs::read_to_string(&cluster().kubeconfig).expect("kubeconfig");
    let server = kc
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server in kubeconfig");
    let port = server
        .strip_prefix("https://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected server {server}"));
    port.trim_end_matches('/').to_string()
}

/// The pod's view of one server: its service-account files and an empty
/// home, kept alive as long as the server.
struct Pod {
    files: tempfile::TempDir,
}

impl Pod {
    fn new(ns: &str, token: &str) -> Pod {
        let files = tempfile::tempdir().expect("tempdir");
        let sa = files.path().join("sa");
        std::fs::create_dir_all(&sa).expect("sa dir");
        std::fs::create_dir_all(files.path().join("home")).expect("home");
        std::fs::write(sa.join("token"), token).expect("token");
        std::fs::copy(cluster().dir.join("pki/ca.crt"), sa.join("ca.crt")).expect("ca.crt");
        std::fs::write(sa.join("namespace"), ns).expect("namespace");
        Pod { files }
    }

    /// `rudder ARGS` as the pod would run it; with `token_file`, the
    /// server's token is written there first (the manifest's Secret
    /// volume), which must be on the pod's private /run.
    fn serve(&self, args: &[String], token_file: Option<(&str, &str)>) -> Server {
        let mut token_path = String::new();
        if let Some((path, token)) = token_file {
            assert!(
                path.starts_with("/var/run/") || path.starts_with("/run/"),
                "{path} is not on the private /run"
            );
            std::fs::write(self.files.path().join("serve-token"), token).expect("serve token");
            token_path = path.to_string();
        }
        let home = self.files.path().join("home");
        // The mount namespace is private: the tmpfs on /run (and on
        // /var/run where that is not a link to /run) is seen by this
        // process alone.
        // HOME is read-only, as the manifest's readOnlyRootFilesystem makes
        // it in the pod.
        let script = r#"set -e
mount -t tmpfs tmpfs /run
[ -L /var/run ] || mount -t tmpfs tmpfs /var/run
mount --bind "$HOME" "$HOME"
mount -o remount,bind,ro "$HOME"
d=/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$d"
cp "$POD_FILES"/sa/token "$POD_FILES"/sa/ca.crt "$POD_FILES"/sa/namespace "$d"/
if [ -n "$TOKEN_FILE" ]; then
  mkdir -p "$(dirname "$TOKEN_FILE")"
  cp "$POD_FILES"/serve-token "$TOKEN_FILE"
fi
exec "$RUDDER" "$@""#;
        let mut cmd = Command::new("unshare");
        cmd.args(["-rm", "sh", "-c", script, "sh"]).args(args);
        // Nothing of the test's own configuration leaks in: no kubeconfig,
        // no HELM_*/RUDDER_* settings, no home with a ~/.kube.
        cmd.env_clear();
        for (k, v) in std::env::vars_os() {
            let name = k.to_string_lossy();
            if !(name.starts_with("HELM_")
                || name.starts_with("RUDDER_")
                || name.starts_with("KUBERNETES_")
                || k == "KUBECONFIG"
                || k == "RUST_LOG"
                || k == "NO_COLOR"
                || k == "HOME")
            {
                cmd.env(k, v);
            }
        }
        cmd.env("HOME", &home)
            .env("POD_FILES", self.files.path())
            .env("TOKEN_FILE", token_path)
            // Every API request the server makes, with its status.
            .env("RUST_LOG", "rudder::cluster::connect=debug")
            .env("RUDDER", Tool::Rudder.path())
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", apiserver_port())
            .stdin(std::process::Stdio::null());
        Server::spawn(cmd)
    }
}

#[test]
fn in_cluster_server_runs_as_the_manifests_service_account() {
    let ns = TestNs::new("serve-incluster");
    let n = &ns.name;
    helm_web(&ns, "web", "one");
    helm_web(&ns, "web", "two");
    let sa_user = apply_manifest_rbac(n);
    let sa_groups = ["system:serviceaccounts", "system:authenticated"];
    // The watch behind -A lists Secrets cluster-wide.
    wait_allowed(&sa_user, &sa_groups, "watch", "secrets", "");
    wait_allowed(&sa_user, &sa_groups, "impersonate", "users", "");
    let token = service_account_token(n, &sa_user);
    let pod = Pod::new(n, &token);
    let direct = pod.serve(
        &[
            "serve",
            "--in-cluster",
            "--all-namespaces",
            "--listen=127.0.0.1:0",
        ]
        .map(String::from),
        None,
    );
    // The Deployment's own arguments, on a loopback port.
    let (args, token_file) = deployment_args();
    let serve_token = "a-token-for-the-proxy-0123456789";
    let mut proxied = pod.serve(&args, Some((&token_file, serve_token)));
    assert_eq!(proxied.token, "", "a token from a file is never printed");
    proxied.token = serve_token.to_string();

    // Releases made by helm v4, listed from the watch (which the
    // manifest's read rules feed) as helm lists them. Lists come from the
    // watch once its first listing is complete: wait for the stream's
    // `synced` (see [`SNAPSHOT`]) rather than for this namespace's release.
    let events = direct.events(None);
    loop {
        match events.recv_timeout(SNAPSHOT) {
            Ok((_, name, _)) if name == "synced" => break,
            Ok(_) => {}
            Err(e) => panic!("no synced event from the in-cluster server: {e}"),
        }
    }
    direct.wait_metrics(&format!("rudder_release_revision{{namespace=\"{n}\""));
    let list = direct
        .get(&format!("/api/v1/releases?namespace={n}"))
        .json();
    assert_eq!(list["source"], "watch", "{list}");
    let helm_list = helm_json(&ns, &["list", "-o", "json"]);
    assert_eq!(list["releases"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list["releases"][0]["name"], helm_list[0]["name"]);
    assert_eq!(list["releases"][0]["namespace"], n.as_str());
    assert_eq!(
        list["releases"][0]["revision"].to_string(),
        helm_list[0]["revision"].as_str().unwrap_or("?")
    );
    assert_eq!(list["releases"][0]["status"], helm_list[0]["status"]);

    // The watch read every namespace's Secrets (`-A`) and nothing the
    // server asked for so far was refused.
    let log = direct.stderr.lock().expect("log").clone();
    assert!(
        log.contains("method=GET path=/api/v1/secrets status=200"),
        "{log}"
    );
    // (A 404 is an answer, not a refusal: with the whole suite's releases
    // in view, the stuck check looks up Leases that do not exist.)
    for refused in [" status=401 ", " status=403 "] {
        assert!(!log.contains(refused), "{log}");
    }
    // Without a proxy, operations run as the service account itself: the
    // manifest grants it no writes, and the API server says who asked.
    let rollback = format!("/api/v1/releases/{n}/web/rollback");
    let refused = direct.post(&rollback, &json!({"revision": 1}));
    assert_eq!(refused.status, 202, "{refused:?}");
    let op = direct.wait_operation(refused.json()["id"].as_str().expect("id"));
    assert_eq!(op["state"], "failed", "{op}");
    assert_eq!(op["error"]["kind"], "forbidden", "{op}");
    let message = op["error"]["error"].as_str().unwrap_or("");
    assert!(
        message.contains(&format!("User \"{sa_user}\"")),
        "not run as the service account: {op}"
    );
    assert_eq!(
        helm_json(&ns, &["history", "web", "-o", "json"])
            .as_array()
            .map(Vec::len),
        Some(2),
        "the refused rollback wrote a revision"
    );

    // Granted `edit` in the namespace, the same server's rollback succeeds.
    post(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{n}/rolebindings"),
        &json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "rudder-serve-edits"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "rudder-serve", "namespace": n}]
        }),
    );
    wait_allowed(&sa_user, &sa_groups, "create", "secrets", n);
    wait_allowed(&sa_user, &sa_groups, "patch", "apps/deployments", n);
    let started = direct.post(&rollback, &json!({"revision": 1}));
    assert_eq!(started.status, 202, "{started:?}");
    let op = direct.wait_operation(started.json()["id"].as_str().expect("id"));
    assert_eq!(op["state"], "succeeded", "{op}");
    let history = helm_json(&ns, &["history", "web", "-o", "json"]);
    assert_eq!(history[2]["description"], "Rollback to 1", "{history}");
    assert_eq!(
        helm_json(&ns, &["get", "values", "web", "-o", "json"]),
        json!({"message": "one"})
    );

    // Behind the proxy, requests run as the proxy's user through the
    // manifest's `impersonate` rule: the server's account may read every
    // Secret, so a 403 can only be the impersonated user's.
    let bearer = format!("Bearer {}", proxied.token);
    let user = format!("viewer-{n}");
    let as_user = [
        ("Authorization", bearer.as_str()),
        ("X-Forwarded-User", user.as_str()),
    ];
    // The Deployment's server watches with the manifest's read rules:
    // its metrics (the watch's state, asked as any proxied user) carry
    // the release once the snapshot is in.
    let needle = format!("rudder_release_revision{{namespace=\"{n}\",release=\"web\"}} 3");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = proxied.raw("GET", "/metrics", &as_user, b"");
        assert_eq!(m.status, 200, "{m:?}");
        if m.body.contains(&needle) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {needle} in:\n{}",
            m.body
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let status_path = format!("/api/v1/releases/{n}/web");
    let list_path = format!("/api/v1/releases?namespace={n}");
    for path in [&status_path, &list_path] {
        let denied = proxied.raw("GET", path, &as_user, b"");
        assert_eq!(denied.status, 403, "{path}: {denied:?}");
        assert_eq!(denied.json()["kind"], "forbidden");
        let msg = denied.json()["error"].as_str().unwrap_or("").to_string();
        assert!(msg.contains(&format!("User \"{user}\"")), "{path}: {msg}");
    }
    post(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{n}/roles"),
        &json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "release-reader"},
            "rules": [
                {"apiGroups": [""], "resources": ["secrets", "configmaps", "services"], "verbs": ["get", "list", "watch"]},
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}
            ]
        }),
    );
    post(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{n}/rolebindings"),
        &json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "viewer-reads-releases"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "release-reader"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]
        }),
    );
    wait_allowed(&user, &["system:authenticated"], "list", "secrets", n);
    let listed = proxied.raw("GET", &list_path, &as_user, b"");
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json()["source"], "storage", "{listed:?}");
    assert_eq!(listed.json()["releases"][0]["name"], "web");
    assert_eq!(listed.json()["releases"][0]["revision"], 3);
    let status = proxied.raw("GET", &status_path, &as_user, b"");
    assert_eq!(status.status, 200, "{status:?}");
    assert_eq!(status.json()["version"], 3, "{status:?}");

    // Groups go through the manifest's `groups` impersonation: a member of
    // a group bound to the same Role reads; the same user without the
    // group header does not.
    let member = format!("member-{n}");
    let group = format!("readers-{n}");
    let as_member = [
        ("Authorization", bearer.as_str()),
        ("X-Forwarded-User", member.as_str()),
        ("X-Forwarded-Groups", group.as_str()),
    ];
    post(
        &format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{n}/rolebindings"),
        &json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "readers-read-releases"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "release-reader"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}]
        }),
    );
    wait_allowed(&member, &[&group], "list", "secrets", n);
    let listed = proxied.raw("GET", &list_path, &as_member, b"");
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json()["releases"][0]["name"], "web");
    let alone = proxied.raw("GET", &list_path, &as_member[..2], b"");
    assert_eq!(alone.status, 403, "{alone:?}");
}
