//! Real chart-source servers for the tests, started on loopback once per
//! test binary, on first use, and stopped when the test process exits:
//!
//! * [`registry_tls()`]: the CNCF distribution registry (an OCI registry)
//!   over TLS with htpasswd (bcrypt) Basic authentication;
//! * [`registry_plain()`]: the same registry over plain HTTP without
//!   authentication (helm needs `--plain-http` for it);
//! * [`registry_token()`]: the same registry over TLS with token (Bearer)
//!   authentication, and its token server;
//! * [`chart_repo()`]: `chartsrv`, our static HTTP chart repository server
//!   (`tests/cluster/tools/chartsrv`), one process with four listeners on
//!   one published directory: plain HTTP, plain HTTP with Basic auth, TLS
//!   with Basic auth, and TLS requiring a client certificate; with a
//!   request log the tests can read ([`ChartRepo::requests`]).
//!
//! All of them share one throw-away PKI ([`pki()`]: a CA, a server
//! certificate for `IP:127.0.0.1` and `DNS:localhost`, a client
//! certificate) and one user with a random password ([`credentials()`]).
//!
//! A typical interop test (see `tests/servers/` for complete ones):
//!
//! ```ignore
//! let reg = registry_tls();
//! let home = Home::new(); // one helm home shared by helm v3, v4 and rudder
//! reg.login(&home, Tool::Helm4).ok();
//! let tgz = home.package(Tool::Helm4, &chart("web"), &home.dir.join("pkg"));
//! home.run(Tool::Helm4, ["push".as_ref(), tgz.as_os_str(),
//!     reg.oci("my-test").as_ref(), "--ca-file".as_ref(), reg.ca_file.as_os_str()]).ok();
//! home.run(Tool::Rudder, [/* pull oci://.../my-test/web with the same home */]);
//!
//! let repo = chart_repo();
//! let dir = repo.publish("my-test", &[&chart("web")], |d| repo.url_tls(d));
//! home.run(Tool::Helm3, ["repo", "add", "srv", &repo.url_tls(&dir.name),
//!     "--ca-file", ca, "--username", &repo.username, "--password", &repo.password]).ok();
//! assert_eq!(repo.requests_under(&dir.name).len(), 1); // index.yaml, once
//! ```
//!
//! Note that helm retries a 5xx from a registry with back-off (a pull that
//! meets an injected 500 takes several seconds).
//!
//! Every process is started through `chartsrv` with its stdin a pipe held
//! by this process (the same scheme as the cluster launcher): when the
//! test binary exits, however it exits, the pipe closes, the servers stop
//! and their directory is removed. A server that fails to start panics
//! with its log, in CI and locally alike: no test is ever skipped.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{Home, Out, Tool, repo_root};

/// Runs `tests/cluster/build.sh --env` for `components` (building what is
/// missing; a cached run takes well under a second) and returns its
/// `KEY=PATH` lines. Panics with the script's exit status on failure.
pub fn build_env(components: &[&str]) -> HashMap<String, PathBuf> {
    let script = repo_root().join("tests/cluster/build.sh");
    let out = Command::new(&script)
        .arg("--env")
        .args(components)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} --env {} failed with {} (see its output above)",
        script.display(),
        components.join(" "),
        out.status
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), PathBuf::from(v)))
        .collect()
}

/// Paths of the binaries built by `tests/cluster/build.sh`, found without
/// starting the cluster.
#[derive(Debug)]
pub struct Binaries {
    /// helm v3.
    pub helm3: PathBuf,
    /// helm v4.
    pub helm4: PathBuf,
}

/// The helm binaries (built on first call if missing).
pub fn helm_binaries() -> &'static Binaries {
    static BIN: OnceLock<Binaries> = OnceLock::new();
    BIN.get_or_init(|| {
        let env = build_env(&["helm3", "helm4"]);
        let get = |k: &str| {
            env.get(k)
                .cloned()
                .unwrap_or_else(|| panic!("build.sh: no {k}"))
        };
        Binaries {
            helm3: get("HELM3"),
            helm4: get("HELM4"),
        }
    })
}

/// Paths of the server binaries: (registry, chartsrv).
fn server_binaries() -> &'static (PathBuf, PathBuf) {
    static BIN: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BIN.get_or_init(|| {
        let env = build_env(&["registry", "chartsrv"]);
        let get = |k: &str| {
            env.get(k)
                .cloned()
                .unwrap_or_else(|| panic!("build.sh: no {k}"))
        };
        (get("REGISTRY"), get("CHARTSRV"))
    })
}

/// The `chartsrv` binary (static chart server, PKI and htpasswd tool).
pub fn chartsrv_bin() -> PathBuf {
    server_binaries().1.clone()
}

/// The distribution `registry` binary.
pub fn registry_bin() -> PathBuf {
    server_binaries().0.clone()
}

// Every server process, kept alive (stdin pipes open) until the process
// exits. Never read.
static PROCS: Mutex<Vec<(Child, ChildStdin)>> = Mutex::new(Vec::new());

/// The directory every server of this test binary lives in (PKI,
/// htpasswd, one subdirectory per server with its logs); removed at exit
/// by a `chartsrv supervise --cleanup` janitor with no command, unless
/// `RUDDER_KEEP_SERVERS` is set in the test's environment (for debugging:
/// the path is printed).
pub fn servers_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("rudder-test-servers.")
            .tempdir()
            .expect("servers temp dir")
            .keep();
        let mut janitor = Command::new(chartsrv_bin());
        janitor.arg("supervise");
        if std::env::var_os("RUDDER_KEEP_SERVERS").is_some() {
            eprintln!("[harness] RUDDER_KEEP_SERVERS: keeping {}", dir.display());
        } else {
            janitor.arg("--cleanup").arg(&dir);
        }
        let mut child = janitor
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the servers' janitor");
        let stdin = child.stdin.take().expect("janitor stdin");
        PROCS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((child, stdin));
        dir
    })
}

/// The shared throw-away PKI, all PEM files.
#[derive(Debug)]
pub struct Pki {
    /// The CA certificate every server certificate chains to (pass it as
    /// `--ca-file`).
    pub ca_file: PathBuf,
    /// The servers' certificate (SANs `IP:127.0.0.1`, `DNS:localhost`).
    pub server_cert: PathBuf,
    /// The servers' private key.
    pub server_key: PathBuf,
    /// A client certificate signed by the CA (`--cert-file`), accepted by
    /// the chart server's mTLS listener.
    pub client_cert: PathBuf,
    /// The client certificate's private key (`--key-file`).
    pub client_key: PathBuf,
    /// The registry token signer's self-signed certificate (the token
    /// registry's `rootcertbundle`).
    pub token_cert: PathBuf,
    /// The token signer's Ed25519 key.
    pub token_key: PathBuf,
}

/// The PKI, generated on first call by `chartsrv pki`.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = servers_dir().join("pki");
        let out = Command::new(chartsrv_bin())
            .arg("pki")
            .arg("--dir")
            .arg(&dir)
            .output()
            .expect("run chartsrv pki");
        assert!(
            out.status.success(),
            "chartsrv pki failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Pki {
            ca_file: dir.join("ca.crt"),
            server_cert: dir.join("server.crt"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.crt"),
            client_key: dir.join("client.key"),
            token_cert: dir.join("token.crt"),
            token_key: dir.join("token.key"),
        }
    })
}

/// The one user the authenticating servers accept.
#[derive(Debug)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// A random password, new for every test binary.
    pub password: String,
    /// A bcrypt htpasswd file with that single user.
    pub htpasswd: PathBuf,
}

/// The shared credentials, created on first call.
pub fn credentials() -> &'static Credentials {
    static CREDS: OnceLock<Credentials> = OnceLock::new();
    CREDS.get_or_init(|| {
        let mut raw = [0u8; 12];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut raw))
            .expect("read /dev/urandom");
        let password = hex::encode(raw);
        let username = "rudder-test".to_string();
        let htpasswd = servers_dir().join("htpasswd");
        let out = Command::new(chartsrv_bin())
            .args([
                "htpasswd",
                "--user",
                &username,
                "--password",
                &password,
                "--out",
            ])
            .arg(&htpasswd)
            .output()
            .expect("run chartsrv htpasswd");
        assert!(
            out.status.success(),
            "chartsrv htpasswd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Credentials {
            username,
            password,
            htpasswd,
        }
    })
}

/// `tool registry login HOST --username U --password-stdin --ca-file CA`
/// in `home` with `password` on stdin, for any host, user and password
/// (the registries' `login` use it with their own). Returns the output.
pub fn login_as(
    home: &Home,
    tool: Tool,
    host: &str,
    username: &str,
    ca_file: &Path,
    password: &[u8],
) -> Out {
    home.run_stdin(
        tool,
        [
            "registry".as_ref(),
            "login".as_ref(),
            host.as_ref(),
            "--username".as_ref(),
            username.as_ref(),
            "--password-stdin".as_ref(),
            "--ca-file".as_ref(),
            ca_file.as_os_str(),
        ],
        password,
    )
}

/// The TLS registry with htpasswd authentication.
#[derive(Debug)]
pub struct RegistryTls {
    /// `127.0.0.1:PORT`, as used in `oci://127.0.0.1:PORT/...` and
    /// `helm registry login 127.0.0.1:PORT`.
    pub host: String,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// The CA certificate to trust (`--ca-file`).
    pub ca_file: PathBuf,
    /// The registry's log (stdout and stderr), for diagnostics.
    pub log: PathBuf,
}

impl RegistryTls {
    /// `tool registry login HOST --username U --password-stdin --ca-file
    /// CA` in `home` (the password on stdin). Returns the output; call
    /// `.ok()` on it to require success.
    pub fn login(&self, home: &Home, tool: Tool) -> Out {
        login_as(
            home,
            tool,
            &self.host,
            &self.username,
            &self.ca_file,
            self.password.as_bytes(),
        )
    }

    /// `oci://HOST/PATH`.
    pub fn oci(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host)
    }

    /// Every request the registry answered so far (its access log).
    pub fn requests(&self) -> Vec<RegistryRequest> {
        registry_requests(&self.log)
    }
}

impl RegistryPlain {
    /// `oci://HOST/PATH` (use with `--plain-http`).
    pub fn oci(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host)
    }

    /// Every request the registry answered so far (its access log).
    pub fn requests(&self) -> Vec<RegistryRequest> {
        registry_requests(&self.log)
    }
}

/// One request from a registry's access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRequest {
    /// The HTTP method.
    pub method: String,
    /// The request URI, query included (`/v2/NAME/tags/list?n=100`).
    pub uri: String,
    /// The response status.
    pub status: u16,
    /// The `User-Agent` (`Helm/4.2.4`).
    pub user_agent: String,
}

/// Parses the access-log lines (combined log format) of a registry log.
pub fn registry_requests(log: &Path) -> Vec<RegistryRequest> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            // 127.0.0.1 - - [date] "GET /v2/ HTTP/2.0" 401 87 "" "Helm/3.21.4"
            let (_, rest) = line.split_once("] \"")?;
            let (request, rest) = rest.split_once("\" ")?;
            let mut req = request.split(' ');
            let method = req.next()?.to_string();
            let uri = req.next()?.to_string();
            let status = rest.split(' ').next()?.parse().ok()?;
            let user_agent = rest
                .rsplit_once(" \"")
                .map(|(_, ua)| ua.trim_end_matches('"').to_string())
                .unwrap_or_default();
            Some(RegistryRequest {
                method,
                uri,
                status,
                user_agent,
            })
        })
        .collect()
}

/// The plain-HTTP registry without authentication.
#[derive(Debug)]
pub struct RegistryPlain {
    /// `127.0.0.1:PORT` (use helm's `--plain-http`).
    pub host: String,
    /// The registry's log (stdout and stderr), for diagnostics.
    pub log: PathBuf,
}

/// The TLS + htpasswd registry, started on first call.
pub fn registry_tls() -> &'static RegistryTls {
    static REG: OnceLock<RegistryTls> = OnceLock::new();
    REG.get_or_init(|| {
        let (host, log) = start_registry("registry-tls", Auth::Htpasswd);
        let creds = credentials();
        RegistryTls {
            host,
            username: creds.username.clone(),
            password: creds.password.clone(),
            ca_file: pki().ca_file.clone(),
            log,
        }
    })
}

/// The plain-HTTP registry, started on first call.
pub fn registry_plain() -> &'static RegistryPlain {
    static REG: OnceLock<RegistryPlain> = OnceLock::new();
    REG.get_or_init(|| {
        let (host, log) = start_registry("registry-plain", Auth::None);
        RegistryPlain { host, log }
    })
}

/// How a registry authenticates (all but `None` also use TLS).
enum Auth {
    None,
    Htpasswd,
    Token { realm: String },
}

/// The `service` the token registry and its token server agree on.
pub const TOKEN_SERVICE: &str = "rudder-test-registry";
/// The issuer of the token server's tokens.
pub const TOKEN_ISSUER: &str = "chartsrv";

/// The TLS registry with token (Bearer) authentication: the registry
/// answers 401 with `Bearer realm=...,service=...,scope=...`, and a token
/// server (a `chartsrv` `token` listener on another port of 127.0.0.1,
/// same CA) issues tokens for the shared credentials, by GET with Basic
/// auth or by POST `grant_type=password`. Reached as `localhost:PORT`
/// instead of [`RegistryToken::host`], it exercises helm's realm rule (a
/// loopback-IP realm must equal the registry's host name): helm refuses.
#[derive(Debug)]
pub struct RegistryToken {
    /// `127.0.0.1:PORT` of the registry.
    pub host: String,
    /// The user name the token server accepts.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The CA certificate to trust (`--ca-file`), for both servers.
    pub ca_file: PathBuf,
    /// The token realm, `https://127.0.0.1:PORT/token`.
    pub realm: String,
    /// The registry's log, for diagnostics.
    pub log: PathBuf,
    /// The token server's request log (JSON lines, see [`Request`]; the
    /// query carries the requested `scope`s).
    pub token_log: PathBuf,
}

impl RegistryToken {
    /// `tool registry login HOST --username U --password-stdin --ca-file
    /// CA` in `home`.
    pub fn login(&self, home: &Home, tool: Tool) -> Out {
        login_as(
            home,
            tool,
            &self.host,
            &self.username,
            &self.ca_file,
            self.password.as_bytes(),
        )
    }

    /// `oci://HOST/PATH`.
    pub fn oci(&self, path: &str) -> String {
        format!("oci://{}/{path}", self.host)
    }

    /// Every request the registry answered so far (its access log).
    pub fn requests(&self) -> Vec<RegistryRequest> {
        registry_requests(&self.log)
    }

    /// Every request the token server received so far, in order.
    pub fn token_requests(&self) -> Vec<Request> {
        read_request_log(&self.token_log)
    }
}

/// The token-authenticated registry and its token server, started on
/// first call.
pub fn registry_token() -> &'static RegistryToken {
    static REG: OnceLock<RegistryToken> = OnceLock::new();
    REG.get_or_init(|| {
        let dir = servers_dir().join("registry-token");
        let addrs = start_chartsrv(
            &dir.join("tokensrv"),
            &["token"],
            &[
                "--token-key".as_ref(),
                pki().token_key.as_os_str(),
                "--token-service".as_ref(),
                TOKEN_SERVICE.as_ref(),
                "--token-issuer".as_ref(),
                TOKEN_ISSUER.as_ref(),
            ],
        );
        let realm = format!("https://{}/token", addrs["token"]);
        let (host, log) = start_registry(
            "registry-token",
            Auth::Token {
                realm: realm.clone(),
            },
        );
        let creds = credentials();
        RegistryToken {
            host,
            username: creds.username.clone(),
            password: creds.password.clone(),
            ca_file: pki().ca_file.clone(),
            realm,
            log,
            token_log: dir.join("tokensrv/requests.log"),
        }
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// Starts one registry and returns its `host:port` and log path. The
/// registry needs its address in its configuration, so the port is picked
/// here; should another process take it in between, the start is
/// repeated on a new port (the registry then fails to bind and says so).
fn start_registry(name: &str, auth: Auth) -> (String, PathBuf) {
    let dir = servers_dir().join(name);
    std::fs::create_dir_all(dir.join("storage")).expect("registry dir");
    let log = dir.join("registry.log");
    let mut last_log = String::new();
    let started = Instant::now();
    for attempt in 0..3 {
        let host = format!("127.0.0.1:{}", free_port());
        let mut config = format!(
            "version: 0.1\n\
             log:\n  level: info\n  formatter: text\n\
             storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n  \
             maintenance:\n    uploadpurging:\n      enabled: false\n\
             http:\n  addr: {host}\n  secret: rudder-test-{name}\n",
            storage = dir.join("storage").display(),
        );
        if !matches!(auth, Auth::None) {
            let pki = pki();
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                pki.server_cert.display(),
                pki.server_key.display(),
            ));
        }
        match &auth {
            Auth::None => {}
            Auth::Htpasswd => config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: rudder-test-registry\n    path: {}\n",
                credentials().htpasswd.display()
            )),
            Auth::Token { realm } => config.push_str(&format!(
                "auth:\n  token:\n    realm: {realm}\n    service: {TOKEN_SERVICE}\n    \
                 issuer: {TOKEN_ISSUER}\n    rootcertbundle: {}\n",
                pki().token_cert.display()
            )),
        }
        let config_file = dir.join("config.yml");
        std::fs::write(&config_file, config).expect("registry config");
        let _ = std::fs::remove_file(&log);
        let mut cmd = Command::new(chartsrv_bin());
        cmd.arg("supervise")
            .arg("--log")
            .arg(&log)
            .arg("--")
            .arg(registry_bin())
            .arg("serve")
            .arg(&config_file);
        // The registry reads REGISTRY_* variables as configuration, and
        // would otherwise export traces to an OTLP collector on localhost.
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("REGISTRY_")
                || k.to_string_lossy().starts_with("OTEL_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.env("OTEL_TRACES_EXPORTER", "none")
            .stderr(Stdio::inherit());
        let want = format!("listening on {host}");
        match spawn_until(cmd, name, || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            text.contains(&want)
        }) {
            Ok(()) => {
                eprintln!(
                    "[harness] {name} ready at {host} in {:.2}s",
                    started.elapsed().as_secs_f64()
                );
                return (host, log);
            }
            Err(e) => {
                last_log = std::fs::read_to_string(&log).unwrap_or_default();
                if !last_log.contains("address already in use") {
                    panic!(
                        "{name} failed to start: {e}\n--- {} ---\n{last_log}",
                        log.display()
                    );
                }
                eprintln!("[harness] {name}: port taken (attempt {attempt}), retrying");
            }
        }
    }
    panic!("{name} failed to start: no free port after 3 attempts\n{last_log}")
}

/// Spawns a `chartsrv` process (stderr as the caller set it) with a stdin
/// pipe, waits (60s at most) until
/// `ready()` holds, and keeps it for the life of the test process. An
/// error if the process exits first or the wait times out (it is killed).
fn spawn_until(
    mut cmd: Command,
    name: &str,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawn {name}: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin pipe")?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ready() {
            PROCS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((child, stdin));
            return Ok(());
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("exited with {status}"));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err("not ready after 60s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The static chart repository server (`chartsrv serve`): every listener
/// serves the same directory, [`ChartRepo::root`].
#[derive(Debug)]
pub struct ChartRepo {
    /// The published directory. Tests publish into their own subdirectory
    /// ([`ChartRepo::new_dir`]); a file `NAME.status` containing a status
    /// code makes requests for `NAME` fail with that status.
    pub root: PathBuf,
    /// `127.0.0.1:PORT` of the plain-HTTP listener, no authentication.
    pub plain: String,
    /// `127.0.0.1:PORT` of the plain-HTTP listener with Basic auth.
    pub plain_auth: String,
    /// `127.0.0.1:PORT` of the TLS listener with Basic auth.
    pub tls: String,
    /// `127.0.0.1:PORT` of the TLS listener requiring a client certificate
    /// ([`ChartRepo::client_cert`]), no Basic auth.
    pub mtls: String,
    /// The user name the auth listeners accept.
    pub username: String,
    /// Its password.
    pub password: String,
    /// The CA certificate to trust (`--ca-file`).
    pub ca_file: PathBuf,
    /// A client certificate for the mTLS listener (`--cert-file`).
    pub client_cert: PathBuf,
    /// Its key (`--key-file`).
    pub client_key: PathBuf,
    /// The request log (JSON lines, see [`Request`]).
    pub log: PathBuf,
    /// The server's own stderr, for diagnostics.
    pub server_log: PathBuf,
}

/// A directory published by the chart server, unique to one test.
#[derive(Debug, Clone)]
pub struct RepoDir {
    /// Its name, the URL path segment (`/NAME/index.yaml`).
    pub name: String,
    /// Its path on disk (write `index.yaml` and archives here).
    pub path: PathBuf,
}

/// One line of the chart server's request log.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Request {
    /// RFC 3339 time the request arrived.
    pub time: String,
    /// Which listener took it: `plain`, `plain-auth`, `tls-auth`, `mtls`
    /// (or `token` in a token server's log).
    pub listener: String,
    /// The HTTP method.
    pub method: String,
    /// The URL path, unescaped (`/repo/index.yaml`).
    pub path: String,
    /// The raw query string, without `?` (empty if none).
    pub query: String,
    /// The response status.
    pub status: u16,
    /// Body bytes written.
    pub bytes: u64,
    /// The `Authorization` scheme, lower-cased (`basic`), or empty.
    pub authorization: String,
    /// The Basic-auth user name sent (for a token server's POST, the
    /// form's `username`), or empty.
    pub user: String,
    /// The `If-None-Match` header, or empty.
    pub if_none_match: String,
    /// The `If-Modified-Since` header, or empty.
    pub if_modified_since: String,
    /// The `User-Agent` header, or empty.
    pub user_agent: String,
    /// The `Accept` header, or empty.
    pub accept: String,
    /// The CN of the verified client certificate (mTLS), or empty.
    pub client_cert: String,
}

/// The chart server, started on first call.
pub fn chart_repo() -> &'static ChartRepo {
    static REPO: OnceLock<ChartRepo> = OnceLock::new();
    REPO.get_or_init(start_chart_repo)
}

fn start_chart_repo() -> ChartRepo {
    let dir = servers_dir().join("chartsrv");
    let pki = pki();
    let creds = credentials();
    let addrs = start_chartsrv(
        &dir,
        &["plain", "plain-auth", "tls-auth", "mtls"],
        &["--client-ca".as_ref(), pki.ca_file.as_os_str()],
    );
    let repo = ChartRepo {
        plain: addrs["plain"].clone(),
        plain_auth: addrs["plain-auth"].clone(),
        tls: addrs["tls-auth"].clone(),
        mtls: addrs["mtls"].clone(),
        root: dir.join("root"),
        username: creds.username.clone(),
        password: creds.password.clone(),
        ca_file: pki.ca_file.clone(),
        client_cert: pki.client_cert.clone(),
        client_key: pki.client_key.clone(),
        log: dir.join("requests.log"),
        server_log: dir.join("chartsrv.log"),
    };
    eprintln!(
        "[harness] chartsrv ready: plain {}, plain-auth {}, tls {}, mtls {}",
        repo.plain, repo.plain_auth, repo.tls, repo.mtls
    );
    repo
}

/// Starts a `chartsrv serve` of its own in `dir` (published root
/// `dir/root`, request log `dir/requests.log`, its stderr in
/// `dir/chartsrv.log`) with one listener per kind (`plain`, `plain-auth`,
/// `tls-auth`, `mtls`, `token`) on a free loopback port, the shared
/// certificate and htpasswd, and `extra` flags (e.g. `--client-ca` for
/// `mtls`); returns kind -> `127.0.0.1:PORT`. It lives as long as the test
/// process. For a test that needs a server nobody else uses (pass a
/// directory under [`servers_dir()`] or a temporary one). Panics with the
/// server's log if it does not come up.
pub fn start_chartsrv(dir: &Path, kinds: &[&str], extra: &[&OsStr]) -> HashMap<String, String> {
    let root = dir.join("root");
    std::fs::create_dir_all(&root).expect("chartsrv root");
    let pki = pki();
    let ready = dir.join("ready.json");
    let server_log = dir.join("chartsrv.log");
    let stderr = std::fs::File::create(&server_log).expect("chartsrv log");
    let mut cmd = Command::new(chartsrv_bin());
    cmd.arg("serve")
        .arg("--stdin")
        .arg("--root")
        .arg(&root)
        .arg("--log")
        .arg(dir.join("requests.log"))
        .arg("--ready")
        .arg(&ready)
        .arg("--cert")
        .arg(&pki.server_cert)
        .arg("--key")
        .arg(&pki.server_key)
        .arg("--htpasswd")
        .arg(&credentials().htpasswd)
        .args(extra);
    for kind in kinds {
        cmd.arg("--listen").arg(format!("{kind}=127.0.0.1:0"));
    }
    cmd.stderr(stderr);
    if let Err(e) = spawn_until(cmd, "chartsrv", || ready.exists()) {
        let text = std::fs::read_to_string(&server_log).unwrap_or_default();
        panic!(
            "chartsrv failed to start: {e}\n--- {} ---\n{text}",
            server_log.display()
        );
    }
    let addrs: HashMap<String, String> =
        serde_json::from_slice(&std::fs::read(&ready).expect("chartsrv ready file"))
            .expect("chartsrv ready file: JSON");
    for kind in kinds {
        assert!(
            addrs.contains_key(*kind),
            "chartsrv ready file: no {kind}: {addrs:?}"
        );
    }
    addrs
}

/// Parses a chartsrv request log (missing file: no requests).
fn read_request_log(file: &Path) -> Vec<Request> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("request log line {l:?}: {e}")))
        .collect()
}

impl ChartRepo {
    /// Creates a fresh, empty published directory named after `prefix`
    /// (unique in this test binary).
    pub fn new_dir(&self, prefix: &str) -> RepoDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{}-{}",
            prefix
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let path = self.root.join(&name);
        std::fs::create_dir(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        RepoDir { name, path }
    }

    /// Creates a published directory named after `prefix`, packages each
    /// chart directory of `charts` into it with helm v4, and writes its
    /// `index.yaml` with `helm repo index DIR --url URL`, URL being
    /// `url_of(name)` (e.g. `|d| repo.url_tls(d)`).
    pub fn publish(
        &self,
        prefix: &str,
        charts: &[&Path],
        url_of: impl Fn(&str) -> String,
    ) -> RepoDir {
        let dir = self.new_dir(prefix);
        let home = Home::new();
        for chart in charts {
            home.package(Tool::Helm4, chart, &dir.path);
        }
        home.run(
            Tool::Helm4,
            [
                "repo".as_ref(),
                "index".as_ref(),
                dir.path.as_os_str(),
                "--url".as_ref(),
                url_of(&dir.name).as_ref(),
            ],
        )
        .ok();
        dir
    }

    /// `http://127.0.0.1:PORT/SUBDIR` on the plain listener (no auth).
    pub fn url_plain(&self, subdir: &str) -> String {
        format!("http://{}/{subdir}", self.plain)
    }

    /// `http://127.0.0.1:PORT/SUBDIR` on the plain listener with Basic auth.
    pub fn url_plain_auth(&self, subdir: &str) -> String {
        format!("http://{}/{subdir}", self.plain_auth)
    }

    /// `https://127.0.0.1:PORT/SUBDIR` on the TLS listener with Basic auth
    /// (needs [`ChartRepo::ca_file`], username and password).
    pub fn url_tls(&self, subdir: &str) -> String {
        format!("https://{}/{subdir}", self.tls)
    }

    /// `https://127.0.0.1:PORT/SUBDIR` on the mTLS listener (needs
    /// [`ChartRepo::ca_file`], client cert and key; no Basic auth).
    pub fn url_mtls(&self, subdir: &str) -> String {
        format!("https://{}/{subdir}", self.mtls)
    }

    /// Every request logged so far, in arrival order (all tests).
    pub fn requests(&self) -> Vec<Request> {
        read_request_log(&self.log)
    }

    /// The requests for paths under `/SUBDIR/`, in arrival order: what one
    /// test's repository received.
    pub fn requests_under(&self, subdir: &str) -> Vec<Request> {
        let prefix = format!("/{subdir}/");
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(&prefix))
            .collect()
    }
}
