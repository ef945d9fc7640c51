//! The integration-test harness.
//!
//! * One real cluster per test binary, started on first use by
//!   `tests/cluster/cluster.sh serve` and shared by every test. Its stdin is
//!   a pipe held by this process, so when the test binary exits, however it
//!   exits (success, panic, Ctrl-C, SIGKILL), the pipe closes and the
//!   launcher tears the cluster down and deletes its directory.
//! * A fresh namespace per test ([`TestNs`]).
//! * Helpers that run helm v3, helm v4 and rudder against the cluster and
//!   return stdout, stderr and the exit status ([`Out`]).
//!
//! * Real chart-source servers, an OCI registry and a chart repository
//!   ([`servers`]), and isolated helm homes shared by helm and rudder
//!   ([`home`]); neither needs the cluster.
//!
//! A cluster that fails to start fails every test that asked for it; no test
//! is ever skipped.

#![allow(dead_code)] // Not every test module uses every helper.

use std::ffi::OsStr;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

pub mod go_env;
pub mod home;
pub mod servers;

pub use home::Home;
pub use servers::{chart_repo, registry_plain, registry_tls, registry_token};

/// The repository root (where `Cargo.toml` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `shared/realcharts`, the unmodified third-party charts used as test
/// input in place (never copied into the project): `RUDDER_REALCHARTS` if
/// set, else `shared/realcharts` beside the checkout or any directory above
/// it (worktrees sit deeper), else `/work/shared/realcharts`. Missing input
/// fails the test that needs it.
pub fn realcharts() -> PathBuf {
    let root = repo_root();
    let candidates = std::env::var_os("RUDDER_REALCHARTS")
        .map(PathBuf::from)
        .into_iter()
        .chain(root.ancestors().map(|a| a.join("shared/realcharts")))
        .chain([PathBuf::from("/work/shared/realcharts")]);
    for p in candidates {
        if p.join("README.md").is_file() {
            return p.canonicalize().expect("canonical path");
        }
    }
    panic!(
        "shared/realcharts not found beside {} nor at /work/shared/realcharts (set RUDDER_REALCHARTS)",
        root.display()
    );
}

/// A fixture chart under `fixtures/charts/`.
pub fn chart(name: &str) -> PathBuf {
    let p = repo_root().join("fixtures/charts").join(name);
    assert!(p.is_dir(), "no fixture chart {}", p.display());
    p
}

/// The shared runtime for the harness's own Kubernetes calls; tests are
/// plain `#[test]` functions and block on it.
pub fn rt() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// gzip at the best compression, as a record body is before base64.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

/// Standard base64, as bytes.
pub fn b64(bytes: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .into_bytes()
}

/// A raw request to the API server as the admin user; panics (naming the
/// path) if the server refuses it.
pub async fn admin_request(
    method: http::Method,
    path: &str,
    content_type: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let client = cluster().admin().await;
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(serde_json::to_vec(&body).expect("json"))
        .expect("request");
    client
        .request::<serde_json::Value>(req)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Runs a future on the harness runtime.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    rt().block_on(f)
}

/// The running cluster shared by this test binary.
pub struct Cluster {
    /// The launcher's working directory (kubeconfig, logs, PKI).
    pub dir: PathBuf,
    /// Kubeconfig with an `admin` (default) and a `restricted` context.
    pub kubeconfig: PathBuf,
    /// The helm v3 binary built by `tests/cluster/build.sh`.
    pub helm3: PathBuf,
    /// The helm v4 binary built by `tests/cluster/build.sh`.
    pub helm4: PathBuf,
    // Held, never read: dropping it at process exit is what stops the
    // cluster.
    _launcher: Mutex<(Child, ChildStdin)>,
}

/// The cluster, started on first call.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| match start_cluster() {
        Ok(c) => c,
        Err(e) => panic!(
            "the test cluster failed to start: {e}\n\
             (tests never skip for a missing cluster; see tests/cluster/)"
        ),
    })
}

fn start_cluster() -> Result<Cluster, String> {
    let dir = tempfile::Builder::new()
        .prefix("rudder-test-cluster.")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    let script = repo_root().join("tests/cluster/cluster.sh");
    let started = Instant::now();
    let mut child = Command::new(&script)
        .arg("serve")
        .arg("--dir")
        .arg(&dir)
        .args(["--stdin", "--cleanup"])
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", script.display()))?;
    let stdin = child.stdin.take().ok_or("no stdin pipe")?;
    // A cold start includes building every component from source (tens of
    // minutes on two cores); after that it takes seconds.
    let deadline = started + Duration::from_secs(90 * 60);
    loop {
        if dir.join("ready").exists() {
            break;
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "launcher exited with {status}; logs were in {}",
                dir.join("logs").display()
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("timed out waiting for the cluster".into());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let env = std::fs::read_to_string(dir.join("env")).map_err(|e| format!("env file: {e}"))?;
    let get = |key: &str| -> Result<PathBuf, String> {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .map(PathBuf::from)
            .ok_or_else(|| format!("{key} missing from the launcher's env file"))
    };
    eprintln!(
        "[harness] cluster ready in {:.1}s at {}",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(Cluster {
        kubeconfig: get("KUBECONFIG")?,
        helm3: get("HELM3")?,
        helm4: get("HELM4")?,
        dir,
        _launcher: Mutex::new((child, stdin)),
    })
}

impl Cluster {
    /// A kube client for one of the kubeconfig's contexts (`admin` or
    /// `restricted`).
    pub async fn client_for(&self, context: &str) -> kube::Client {
        let kc = Kubeconfig::read_from(&self.kubeconfig).expect("read kubeconfig");
        let opts = KubeConfigOptions {
            context: Some(context.to_string()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kc, &opts)
            .await
            .expect("kubeconfig context");
        kube::Client::try_from(config).expect("kube client")
    }

    /// An admin client.
    pub async fn admin(&self) -> kube::Client {
        self.client_for("admin").await
    }
}

/// What a command printed and how it exited.
#[derive(Debug)]
pub struct Out {
    /// The command line, for messages.
    pub cmd: String,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit status.
    pub status: ExitStatus,
}

impl Out {
    /// The exit code (-1 when killed by a signal).
    pub fn code(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }

    /// Panics, showing everything, unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(self.status.success(), "command failed: {self}");
        self
    }

    /// Panics, showing everything, unless the command failed.
    #[track_caller]
    pub fn failed(self) -> Self {
        assert!(
            !self.status.success(),
            "command unexpectedly succeeded: {self}"
        );
        self
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` -> {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.cmd, self.status, self.stdout, self.stderr
        )
    }
}

/// Which program to run against the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// The helm v3 CLI.
    Helm3,
    /// The helm v4 CLI.
    Helm4,
    /// The rudder binary under test.
    Rudder,
}

impl Tool {
    /// The binary's path (helm comes from `tests/cluster/build.sh --env`,
    /// so this does not start the cluster).
    pub fn path(self) -> PathBuf {
        match self {
            Tool::Helm3 => servers::helm_binaries().helm3.clone(),
            Tool::Helm4 => servers::helm_binaries().helm4.clone(),
            Tool::Rudder => PathBuf::from(env!("CARGO_BIN_EXE_rudder")),
        }
    }

    /// A command for this tool without the cluster: stdin empty, and none
    /// of the caller's `HELM_*`, `RUDDER_*`, `KUBECONFIG`, `KUBECACHEDIR`,
    /// `RUST_LOG` or `NO_COLOR` settings. The caller sets the rest (see [`Home`]).
    pub fn bare_command(self) -> Command {
        let mut cmd = Command::new(self.path());
        for (k, _) in std::env::vars_os() {
            // A developer's own settings must not leak into a comparison:
            // helm's environment, the kubeconfig, and rudder's logging.
            let name = k.to_string_lossy();
            if name.starts_with("HELM_")
                || name.starts_with("RUDDER_")
                || k == "KUBECONFIG"
                || k == "KUBECACHEDIR"
                || k == "RUST_LOG"
                || k == "NO_COLOR"
            {
                cmd.env_remove(k);
            }
        }
        if self != Tool::Rudder {
            go_env::quiet_gc(&mut cmd);
        }
        cmd.stdin(Stdio::null());
        cmd
    }

    /// A command for this tool with a clean, deterministic environment:
    /// the cluster's kubeconfig, helm's state directories private to the
    /// run, and no `HELM_*` settings inherited from the caller.
    pub fn command(self) -> Command {
        let c = cluster();
        let mut cmd = self.bare_command();
        let home = c.dir.join(match self {
            Tool::Helm3 => "helm3-home",
            Tool::Helm4 => "helm4-home",
            Tool::Rudder => "rudder-home",
        });
        // helm's discovery cache goes to `~/.kube/cache` unless told
        // otherwise: keep it with the cluster (one per run, shared by
        // every helm the run starts) rather than in the user's home.
        cmd.env("KUBECONFIG", &c.kubeconfig)
            .env("KUBECACHEDIR", c.dir.join("kube-cache"))
            .env("HELM_CONFIG_HOME", home.join("config"))
            .env("HELM_CACHE_HOME", home.join("cache"))
            .env("HELM_DATA_HOME", home.join("data"))
            .stdin(Stdio::null());
        cmd
    }

    /// Runs the tool with `args` and extra environment, waiting for it.
    pub fn run_with_env<I, S>(self, args: I, env: &[(&str, &str)]) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command();
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        cmd.args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(cmd, self, &args)
    }

    /// Starts the tool with `args` and extra environment without waiting
    /// (for tests that kill it mid-operation). Output is discarded.
    pub fn spawn_with_env<I, S>(self, args: I, env: &[(&str, &str)]) -> Child
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command();
        cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().expect("spawn")
    }

    /// Runs the tool with `args`, waiting for it.
    pub fn run<I, S>(self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_with_env(args, &[])
    }
}

fn run(cmd: Command, tool: Tool, args: &[std::ffi::OsString]) -> Out {
    run_input(cmd, tool, args, None)
}

/// Runs `cmd` to completion, feeding it `input` on stdin when given (else
/// stdin is as `cmd` set it), and collects its output.
fn run_input(
    mut cmd: Command,
    tool: Tool,
    args: &[std::ffi::OsString],
    input: Option<Vec<u8>>,
) -> Out {
    let line = format!(
        "{tool:?} {}",
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {line}: {e}"));
    // Written from its own thread: a child that prints before it reads
    // must not deadlock against us.
    let writer = input.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        std::thread::spawn(move || {
            use std::io::Write as _;
            // A child that exits without reading everything closes the
            // pipe; that is its business, not an error here.
            let _ = pipe.write_all(&bytes);
        })
    });
    // Read both pipes concurrently so neither can fill up and stall the
    // child.
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout pipe")
        .read_to_end(&mut stdout)
        .expect("read stdout");
    let stderr = err_reader.join().expect("stderr reader");
    if let Some(w) = writer {
        w.join().expect("stdin writer");
    }
    let status = child.wait().expect("wait");
    Out {
        cmd: line,
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        status,
    }
}

/// A fresh namespace for one test, created on the shared cluster.
pub struct TestNs {
    /// The namespace's name.
    pub name: String,
}

impl TestNs {
    /// Creates a namespace named after `prefix`, unique in this run, and
    /// waits until its `default` ServiceAccount exists, so pods (hooks
    /// included) can be admitted straight away.
    pub fn new(prefix: &str) -> TestNs {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let mut name = format!("{}-{n}-{}", sanitize(prefix), std::process::id() % 10_000);
        name.truncate(63);
        let name = name.trim_end_matches('-').to_string();
        block_on(create_namespace(&name));
        TestNs { name }
    }

    /// Runs a tool with `HELM_NAMESPACE` set to this namespace.
    pub fn run<I, S>(&self, tool: Tool, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        tool.run_with_env(args, &[("HELM_NAMESPACE", &self.name)])
    }

    /// Runs a tool with `HELM_NAMESPACE` set to this namespace and extra
    /// environment.
    pub fn run_env<I, S>(&self, tool: Tool, args: I, env: &[(&str, &str)]) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut all = vec![("HELM_NAMESPACE", self.name.as_str())];
        all.extend_from_slice(env);
        tool.run_with_env(args, &all)
    }

    /// helm v3 in this namespace.
    pub fn helm3<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(Tool::Helm3, args)
    }

    /// helm v4 in this namespace.
    pub fn helm4<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(Tool::Helm4, args)
    }

    /// rudder in this namespace.
    pub fn rudder<I, S>(&self, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run(Tool::Rudder, args)
    }
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Creates a namespace and waits for its default ServiceAccount.
pub async fn create_namespace(name: &str) {
    let client = cluster().admin().await;
    let api: Api<Namespace> = Api::all(client.clone());
    let ns: Namespace = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": { "name": name, "labels": { "rudder.test/namespace": "true" } }
    }))
    .expect("namespace object");
    api.create(&PostParams::default(), &ns)
        .await
        .unwrap_or_else(|e| panic!("create namespace {name}: {e}"));
    let sas: Api<ServiceAccount> = Api::namespaced(client, name);
    let cond = |sa: Option<&ServiceAccount>| sa.is_some();
    tokio::time::timeout(
        Duration::from_secs(60),
        kube::runtime::wait::await_condition(sas, "default", cond),
    )
    .await
    .unwrap_or_else(|_| panic!("namespace {name}: no default ServiceAccount after 60s"))
    .unwrap_or_else(|e| panic!("namespace {name}: watch failed: {e}"));
}

/// Path of a file in the cluster directory (for diagnostics).
pub fn cluster_file(rel: impl AsRef<Path>) -> PathBuf {
    cluster().dir.join(rel)
}
