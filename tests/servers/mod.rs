//! Tests that prove the chart-source test servers are real and work with
//! the real helm v3 and v4 CLIs: the distribution registry (TLS + htpasswd,
//! and plain HTTP) and chartsrv (plain, TLS + Basic auth, mTLS), plus the
//! isolated helm homes ([`Home`]) the interop tests share between tools.
//! None of them needs the cluster.

use std::ffi::OsStr;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::Digest as _;

use crate::harness::servers::{login_as, servers_dir, start_chartsrv};
use crate::harness::{
    Home, Out, Tool, chart, chart_repo, registry_plain, registry_tls, registry_token,
};

const HELMS: [Tool; 2] = [Tool::Helm3, Tool::Helm4];

/// A repository path unique to this test binary run, for OCI references.
fn unique(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}", N.fetch_add(1, Ordering::SeqCst))
}

/// Packages a fixture chart with `tool` into `dest`.
fn package(home: &Home, tool: Tool, fixture: &str, dest: &Path) -> PathBuf {
    home.package(tool, &chart(fixture), dest)
}

/// helm v3 prints registry progress on stderr, v4 on stdout.
fn both(out: &Out) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

/// `--plain-http`, for [`push`] and [`pull_web`].
const PLAIN_HTTP: [&str; 1] = ["--plain-http"];

/// `--ca-file CA`, for [`push`] and [`pull_web`].
fn tls_ca(ca_file: &Path) -> [&OsStr; 2] {
    ["--ca-file".as_ref(), ca_file.as_os_str()]
}

/// `tool push TGZ TARGET <conn>` in `home`.
fn push<S: AsRef<OsStr>>(home: &Home, tool: Tool, tgz: &Path, target: &str, conn: &[S]) -> Out {
    let mut args: Vec<&OsStr> = vec!["push".as_ref(), tgz.as_os_str(), target.as_ref()];
    args.extend(conn.iter().map(AsRef::as_ref));
    home.run(tool, args)
}

/// `tool pull TARGET/web --version 0.1.0 <conn> -d DEST` in `home`.
fn pull_web<S: AsRef<OsStr>>(
    home: &Home,
    tool: Tool,
    target: &str,
    conn: &[S],
    dest: &Path,
) -> Out {
    let reference = format!("{target}/web");
    let mut args: Vec<&OsStr> = vec![
        "pull".as_ref(),
        reference.as_ref(),
        "--version".as_ref(),
        "0.1.0".as_ref(),
    ];
    args.extend(conn.iter().map(AsRef::as_ref));
    args.extend(["-d".as_ref(), dest.as_os_str()]);
    home.run(tool, args)
}

fn login_tls(home: &Home, tool: Tool) -> Out {
    registry_tls().login(home, tool)
}

/// `helm registry login` with the CA file succeeds for v3 and v4 and
/// writes the credentials to helm's default registry config in the home.
#[test]
fn registry_tls_login_v3_v4() {
    for tool in HELMS {
        let home = Home::new();
        let out = login_tls(&home, tool).ok();
        assert!(both(&out).contains("Login Succeeded"), "{out}");
        let config = std::fs::read_to_string(&home.registry_config)
            .unwrap_or_else(|e| panic!("{tool:?}: {}: {e}", home.registry_config.display()));
        assert!(
            config.contains(&registry_tls().host),
            "{tool:?} wrote {config}"
        );
    }
}

/// The home's paths are the ones helm v3 and v4 derive (`helm env`), and
/// nothing of the caller's helm settings reaches them.
#[test]
fn home_paths_are_helms_defaults() {
    let home = Home::new();
    for tool in HELMS {
        let out = home.run(tool, ["env"]).ok();
        let env: std::collections::HashMap<_, _> = out
            .stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        let want = [
            ("HELM_CONFIG_HOME", &home.config_home),
            ("HELM_CACHE_HOME", &home.cache_home),
            ("HELM_DATA_HOME", &home.data_home),
            ("HELM_REGISTRY_CONFIG", &home.registry_config),
            ("HELM_REPOSITORY_CONFIG", &home.repository_config),
            ("HELM_REPOSITORY_CACHE", &home.repository_cache),
        ];
        for (key, path) in want {
            assert_eq!(
                env.get(key).map(String::as_str),
                Some(path.to_str().expect("utf-8 path")),
                "{tool:?} {key}: {out}"
            );
        }
        assert_eq!(
            env.get("HELM_NAMESPACE").map(String::as_str),
            Some("default")
        );
    }
}

/// A wrong password is refused by the registry: helm reports the 401.
#[test]
fn registry_tls_wrong_password_is_401() {
    let reg = registry_tls();
    for tool in HELMS {
        let home = Home::new();
        let out = login_as(
            &home,
            tool,
            &reg.host,
            &reg.username,
            &reg.ca_file,
            b"not-the-password",
        )
        .failed();
        // The port may contain "401" itself.
        let msg = out.stderr.replace(&reg.host, "HOST");
        assert!(msg.contains("401"), "{tool:?}: {out}");
        assert!(!home.registry_config.exists(), "{tool:?} saved credentials");
    }
}

/// Without the CA file the registry's certificate is not trusted: the TLS
/// is real, not skipped.
#[test]
fn registry_tls_needs_the_ca() {
    let reg = registry_tls();
    for tool in HELMS {
        let home = Home::new();
        let out = home
            .run_stdin(
                tool,
                [
                    "registry",
                    "login",
                    &reg.host,
                    "--username",
                    &reg.username,
                    "--password-stdin",
                ],
                reg.password.as_bytes(),
            )
            .failed();
        assert!(
            out.stderr
                .contains("certificate signed by unknown authority"),
            "{tool:?}: {out}"
        );
    }
}

/// Push with one helm and pull with the other (both ways) through the TLS
/// registry, sharing one home: the pulled archive is the pushed one.
#[test]
fn registry_tls_push_pull_round_trip() {
    let reg = registry_tls();
    for (pusher, puller) in [(Tool::Helm3, Tool::Helm4), (Tool::Helm4, Tool::Helm3)] {
        let home = Home::new();
        login_tls(&home, pusher).ok();
        let tgz = package(&home, pusher, "web", &home.dir.join("pkg"));
        let repo = unique("servers-tls");
        let target = reg.oci(&repo);
        let pushed = push(&home, pusher, &tgz, &target, &tls_ca(&reg.ca_file)).ok();
        assert!(
            both(&pushed).contains(&format!("Pushed: {}/{repo}/web:0.1.0", reg.host)),
            "{pushed}"
        );
        let out_dir = home.dir.join("pulled");
        std::fs::create_dir(&out_dir).expect("pull dir");
        pull_web(&home, puller, &target, &tls_ca(&reg.ca_file), &out_dir).ok();
        let pulled = std::fs::read(out_dir.join("web-0.1.0.tgz")).expect("pulled archive");
        assert!(
            pulled == std::fs::read(&tgz).expect("pushed archive"),
            "{pusher:?} -> {puller:?}: the pulled archive differs from the pushed one"
        );
    }
}

/// Without credentials the TLS registry refuses a pull.
#[test]
fn registry_tls_pull_without_login_is_refused() {
    let reg = registry_tls();
    let home = Home::new();
    login_tls(&home, Tool::Helm4).ok();
    let tgz = package(&home, Tool::Helm4, "web", &home.dir.join("pkg"));
    let target = reg.oci(&unique("servers-anon"));
    push(&home, Tool::Helm4, &tgz, &target, &tls_ca(&reg.ca_file)).ok();
    for tool in HELMS {
        let anon = Home::new();
        let out = pull_web(&anon, tool, &target, &tls_ca(&reg.ca_file), &anon.dir).failed();
        let msg = out.stderr.replace(&reg.host, "HOST");
        assert!(
            msg.contains("basic credential not found") || msg.contains("401"),
            "{tool:?}: {out}"
        );
    }
}

/// The plain-HTTP registry needs no login: push and pull with
/// `--plain-http`, v3 and v4.
#[test]
fn registry_plain_push_pull() {
    let reg = registry_plain();
    for tool in HELMS {
        let home = Home::new();
        let tgz = package(&home, tool, "web", &home.dir.join("pkg"));
        let target = reg.oci(&unique("servers-plain"));
        push(&home, tool, &tgz, &target, &PLAIN_HTTP).ok();
        let out_dir = home.dir.join("pulled");
        std::fs::create_dir(&out_dir).expect("pull dir");
        pull_web(&home, tool, &target, &PLAIN_HTTP, &out_dir).ok();
        assert!(
            std::fs::read(out_dir.join("web-0.1.0.tgz")).expect("pulled")
                == std::fs::read(&tgz).expect("pushed"),
            "{tool:?}: round trip changed the archive"
        );
        let version = if tool == Tool::Helm3 { "3." } else { "4." };
        let manifest = format!(
            "{}/web/manifests/0.1.0",
            target.trim_start_matches(&format!("oci://{}", reg.host))
        );
        let reqs = reg.requests();
        assert!(
            reqs.iter().any(|r| r.method == "GET"
                && r.uri == format!("/v2{manifest}")
                && r.status == 200
                && r.user_agent.starts_with(&format!("Helm/{version}"))),
            "{tool:?}: no manifest GET in the access log: {reqs:#?}"
        );
    }
}

/// The token registry: login, push and pull with v3 and v4 go through the
/// Bearer flow (the token server logs the scoped token requests), a wrong
/// password is refused, and an anonymous pull gets no token.
#[test]
fn registry_token_login_push_pull() {
    let reg = registry_token();
    for (pusher, puller) in [(Tool::Helm3, Tool::Helm4), (Tool::Helm4, Tool::Helm3)] {
        let home = Home::new();
        let before = reg.token_requests().len();
        let out = reg.login(&home, pusher).ok();
        assert!(both(&out).contains("Login Succeeded"), "{out}");
        reg.login(&home, puller).ok();
        let tgz = package(&home, pusher, "web", &home.dir.join("pkg"));
        let repo = unique("servers-token");
        let target = reg.oci(&repo);
        push(&home, pusher, &tgz, &target, &tls_ca(&reg.ca_file)).ok();
        let out_dir = home.dir.join("pulled");
        std::fs::create_dir(&out_dir).expect("pull dir");
        pull_web(&home, puller, &target, &tls_ca(&reg.ca_file), &out_dir).ok();
        assert!(
            std::fs::read(out_dir.join("web-0.1.0.tgz")).expect("pulled")
                == std::fs::read(&tgz).expect("pushed"),
            "{pusher:?} -> {puller:?}: round trip changed the archive"
        );
        let reqs = reg.token_requests().split_off(before);
        let scoped = |action: &str| {
            reqs.iter().any(|r| {
                r.status == 200
                    && r.query.contains(&format!("repository%3A{repo}%2Fweb%3A"))
                    && r.query.contains(action)
            })
        };
        assert!(
            reqs.iter()
                .any(|r| r.method == "POST" && r.status == 200 && r.user == reg.username),
            "no token POST (login) by the user: {reqs:#?}"
        );
        assert!(
            scoped("push"),
            "{pusher:?}: no push token request: {reqs:#?}"
        );
        assert!(
            scoped("pull"),
            "{puller:?}: no pull token request: {reqs:#?}"
        );
    }
    for tool in HELMS {
        let home = Home::new();
        let out = login_as(
            &home,
            tool,
            &reg.host,
            &reg.username,
            &reg.ca_file,
            b"wrong",
        )
        .failed();
        let msg = out
            .stderr
            .replace(&reg.host, "HOST")
            .replace(&reg.realm, "REALM");
        assert!(msg.contains("401"), "{tool:?}: {out}");
        assert!(!home.registry_config.exists(), "{tool:?} saved credentials");
    }
}

/// The token registry reached as `localhost:PORT` meets helm's realm rule:
/// its realm is on 127.0.0.1, a loopback IP that is not the registry's
/// host name, so helm refuses to send credentials there (v3 and v4).
#[test]
fn registry_token_realm_rule_via_localhost() {
    let reg = registry_token();
    let port = reg.host.rsplit_once(':').expect("host:port").1;
    let host = format!("localhost:{port}");
    for tool in HELMS {
        let home = Home::new();
        let out = login_as(
            &home,
            tool,
            &host,
            &reg.username,
            &reg.ca_file,
            reg.password.as_bytes(),
        )
        .failed();
        assert!(
            out.stderr
                .contains("bearer realm host \"127.0.0.1\" is a loopback"),
            "{tool:?}: {out}"
        );
    }
}

/// `tool repo add NAME URL <extra>` in `home`.
fn repo_add(home: &Home, tool: Tool, name: &str, url: &str, extra: &[&OsStr]) -> Out {
    let mut args: Vec<&OsStr> = vec!["repo".as_ref(), "add".as_ref(), name.as_ref(), url.as_ref()];
    args.extend_from_slice(extra);
    home.run(tool, args)
}

/// Publishes the `web` fixture (packaged by helm v4) with an index that
/// `helm repo index` generated for `url_of(name)`; returns the name.
fn publish_web(prefix: &str, url_of: impl Fn(&str) -> String) -> String {
    chart_repo().publish(prefix, &[&chart("web")], url_of).name
}

/// `helm repo add` with the CA file and credentials against the TLS + auth
/// listener, then search and pull through it (v3 and v4); the request log
/// shows the authenticated requests.
#[test]
fn chart_repo_tls_auth_add_search_pull() {
    let repo = chart_repo();
    for tool in HELMS {
        let home = Home::new();
        let name = publish_web("tls", |d| repo.url_tls(d));
        let url = repo.url_tls(&name);
        repo_add(
            &home,
            tool,
            "srv",
            &url,
            &[
                "--ca-file".as_ref(),
                repo.ca_file.as_os_str(),
                "--username".as_ref(),
                repo.username.as_ref(),
                "--password".as_ref(),
                repo.password.as_ref(),
            ],
        )
        .ok();
        assert!(
            std::fs::read_to_string(&home.repository_config)
                .expect("repositories.yaml")
                .contains(&url),
            "{tool:?}: repositories.yaml"
        );
        assert!(
            home.repository_cache.join("srv-index.yaml").is_file(),
            "{tool:?}: no cached index"
        );
        let found = home.run(tool, ["search", "repo", "srv/"]).ok();
        assert!(found.stdout.contains("srv/web"), "{found}");
        let out_dir = home.dir.join("pulled");
        std::fs::create_dir(&out_dir).expect("pull dir");
        home.run(
            tool,
            [
                "pull".as_ref(),
                "srv/web".as_ref(),
                "-d".as_ref(),
                out_dir.as_os_str(),
            ],
        )
        .ok();
        assert!(out_dir.join("web-0.1.0.tgz").is_file());

        let reqs = repo.requests_under(&name);
        let index: Vec<_> = reqs
            .iter()
            .filter(|r| r.path == format!("/{name}/index.yaml"))
            .collect();
        assert_eq!(index.len(), 1, "{tool:?}: one index fetch: {reqs:#?}");
        assert_eq!(index[0].listener, "tls-auth");
        assert_eq!(index[0].status, 200);
        assert_eq!(index[0].authorization, "basic");
        assert_eq!(index[0].user, repo.username);
        assert!(index[0].user_agent.starts_with("Helm/"), "{:?}", index[0]);
        let archive: Vec<_> = reqs
            .iter()
            .filter(|r| r.path == format!("/{name}/web-0.1.0.tgz"))
            .collect();
        assert_eq!(archive.len(), 1, "{tool:?}: one archive fetch: {reqs:#?}");
        assert_eq!(archive[0].status, 200);
    }
}

/// A wrong password gets a 401, which helm reports; nothing is added.
#[test]
fn chart_repo_wrong_password_is_401() {
    let repo = chart_repo();
    for tool in HELMS {
        let home = Home::new();
        let name = publish_web("badpw", |d| repo.url_tls(d));
        let out = home
            .run(
                tool,
                [
                    "repo".as_ref(),
                    "add".as_ref(),
                    "srv".as_ref(),
                    repo.url_tls(&name).as_ref(),
                    "--ca-file".as_ref(),
                    repo.ca_file.as_os_str(),
                    "--username".as_ref(),
                    repo.username.as_ref(),
                    "--password".as_ref(),
                    "wrong".as_ref(),
                ],
            )
            .failed();
        assert!(out.stderr.contains("401 Unauthorized"), "{tool:?}: {out}");
        let reqs = repo.requests_under(&name);
        assert!(
            reqs.iter()
                .any(|r| r.status == 401 && r.user == repo.username),
            "{reqs:#?}"
        );
    }
}

/// The plain-HTTP listener with Basic auth: refused without credentials,
/// accepted with them (v3 and v4).
#[test]
fn chart_repo_plain_auth() {
    let repo = chart_repo();
    for tool in HELMS {
        let home = Home::new();
        let name = publish_web("plainauth", |d| repo.url_plain_auth(d));
        let url = repo.url_plain_auth(&name);
        let out = home.run(tool, ["repo", "add", "anon", &url]).failed();
        assert!(out.stderr.contains("401 Unauthorized"), "{tool:?}: {out}");
        home.run(
            tool,
            [
                "repo",
                "add",
                "srv",
                &url,
                "--username",
                &repo.username,
                "--password",
                &repo.password,
            ],
        )
        .ok();
        let statuses: Vec<_> = repo
            .requests_under(&name)
            .iter()
            .map(|r| (r.listener.clone(), r.status, r.user.clone()))
            .collect();
        assert_eq!(
            statuses,
            [
                ("plain-auth".to_string(), 401, String::new()),
                ("plain-auth".to_string(), 200, repo.username.clone()),
            ]
        );
    }
}

/// The mTLS listener accepts helm with the client certificate and refuses
/// it without one.
#[test]
fn chart_repo_mtls() {
    let repo = chart_repo();
    for tool in HELMS {
        let home = Home::new();
        let name = publish_web("mtls", |d| repo.url_mtls(d));
        let url = repo.url_mtls(&name);
        let out = repo_add(
            &home,
            tool,
            "nocert",
            &url,
            &["--ca-file".as_ref(), repo.ca_file.as_os_str()],
        )
        .failed();
        assert!(out.stderr.contains("certificate"), "{tool:?}: {out}");
        repo_add(
            &home,
            tool,
            "srv",
            &url,
            &[
                "--ca-file".as_ref(),
                repo.ca_file.as_os_str(),
                "--cert-file".as_ref(),
                repo.client_cert.as_os_str(),
                "--key-file".as_ref(),
                repo.client_key.as_os_str(),
            ],
        )
        .ok();
        let reqs = repo.requests_under(&name);
        assert!(
            reqs.iter()
                .any(|r| r.status == 200 && r.client_cert == "rudder-test-client"),
            "{reqs:#?}"
        );
    }
}

/// A `NAME.status` file makes the server fail requests for NAME with that
/// status, and helm reports it.
#[test]
fn chart_repo_injected_status() {
    let repo = chart_repo();
    let home = Home::new();
    let name = publish_web("status", |d| repo.url_plain(d));
    std::fs::write(repo.root.join(&name).join("index.yaml.status"), "503\n").expect("status");
    for tool in HELMS {
        let out = home
            .run(tool, ["repo", "add", "srv", &repo.url_plain(&name)])
            .failed();
        assert!(
            out.stderr.contains("503 Service Unavailable"),
            "{tool:?}: {out}"
        );
    }
}

/// A status file over a whole subtree: chartsrv stands in for a registry
/// that fails every request for one OCI repository with 500, and helm
/// reports the status.
#[test]
fn chart_repo_injected_status_for_an_oci_repository() {
    let repo = chart_repo();
    let name = unique("servers-oci500");
    let v2 = repo.root.join("v2");
    std::fs::create_dir_all(&v2).expect("v2 dir");
    std::fs::write(v2.join(format!("{name}.status")), "500").expect("status");
    let home = Home::new();
    for tool in HELMS {
        let out = home
            .run(
                tool,
                [
                    "pull".as_ref(),
                    format!("oci://{}/{name}/web", repo.plain).as_ref(),
                    "--version".as_ref(),
                    "0.1.0".as_ref(),
                    "--plain-http".as_ref(),
                    "-d".as_ref(),
                    home.dir.as_os_str(),
                ],
            )
            .failed();
        let msg = out.stderr.replace(&repo.plain, "HOST");
        assert!(msg.contains("500"), "{tool:?}: {out}");
    }
    let reqs = repo.requests_under(&format!("v2/{name}"));
    assert!(
        !reqs.is_empty() && reqs.iter().all(|r| r.status == 500),
        "{reqs:#?}"
    );
}

/// A server that cannot start fails the test loudly, with its log (here: a
/// listener kind chartsrv does not know).
#[test]
#[should_panic(expected = "unknown kind \"bogus\"")]
fn a_server_that_fails_to_start_fails_the_test_with_its_log() {
    start_chartsrv(&servers_dir().join("bogus"), &["bogus"], &[]);
}

/// A chartsrv of one's own: its log holds only this test's requests.
#[test]
fn a_dedicated_chart_server() {
    let dir = servers_dir().join(unique("dedicated"));
    let addrs = start_chartsrv(&dir, &["plain"], &[]);
    std::fs::write(dir.join("root/index.yaml"), "apiVersion: v1\nentries: {}\n").expect("index");
    let (status, _, body) = http_get(&addrs["plain"], "/index.yaml", &[]);
    assert_eq!(
        (status, body.as_slice()),
        (200, &b"apiVersion: v1\nentries: {}\n"[..])
    );
    let (status, _, _) = http_get(&addrs["plain"], "/missing.yaml", &[]);
    assert_eq!(status, 404);
    let log = std::fs::read_to_string(dir.join("requests.log")).expect("log");
    assert_eq!(log.lines().count(), 2, "{log}");
}

/// A raw HTTP/1.1 GET; returns status, headers (names lower-cased), body.
fn http_get(
    addr: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

/// The server sends a strong ETag (the content's SHA-256) and
/// Last-Modified, answers matching conditional requests with 304 and a
/// changed file with 200, and logs each request with its validators.
#[test]
fn chart_repo_conditional_requests() {
    let repo = chart_repo();
    let home = Home::new();
    let name = publish_web("etag", |d| repo.url_plain(d));
    let file = repo.root.join(&name).join("index.yaml");
    let path = format!("/{name}/index.yaml");
    let content = std::fs::read(&file).expect("index");

    let (status, headers, body) = http_get(&repo.plain, &path, &[]);
    assert_eq!(status, 200);
    assert_eq!(body, content);
    let etag = header(&headers, "etag").to_string();
    assert_eq!(
        etag,
        format!("\"{}\"", hex::encode(sha2::Sha256::digest(&content)))
    );
    let last_modified = header(&headers, "last-modified").to_string();

    let (status, _, body) = http_get(&repo.plain, &path, &[("If-None-Match", &etag)]);
    assert_eq!((status, body.len()), (304, 0));
    let (status, _, _) = http_get(&repo.plain, &path, &[("If-Modified-Since", &last_modified)]);
    assert_eq!(status, 304);
    let (status, _, _) = http_get(&repo.plain, &path, &[("If-None-Match", "\"other\"")]);
    assert_eq!(status, 200);

    // helm itself: one fetch of the index, logged with helm's user agent.
    home.run(Tool::Helm4, ["repo", "add", "srv", &repo.url_plain(&name)])
        .ok();

    let reqs = repo.requests_under(&name);
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| {
            (
                r.status,
                r.if_none_match.as_str(),
                r.if_modified_since.as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (200, "", ""),
            (304, etag.as_str(), ""),
            (304, "", last_modified.as_str()),
            (200, "\"other\"", ""),
            (200, "", ""),
        ],
        "{reqs:#?}"
    );
    assert!(
        reqs.iter()
            .all(|r| r.listener == "plain" && r.method == "GET")
    );
    assert!(reqs[4].user_agent.starts_with("Helm/"), "{:?}", reqs[4]);
}
