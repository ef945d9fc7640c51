//! An isolated helm home per test, shared by helm v3, helm v4 and rudder,
//! so one tool can read what another wrote (helm adds a repository, rudder
//! searches it; rudder logs in, helm pushes).
//!
//! Only `HELM_CONFIG_HOME`, `HELM_CACHE_HOME` and `HELM_DATA_HOME` are set;
//! `HELM_REGISTRY_CONFIG`, `HELM_REPOSITORY_CONFIG` and
//! `HELM_REPOSITORY_CACHE` are left to each tool's own defaults (derived
//! from those three), so a test also checks that rudder derives them as
//! helm does. The expected paths are fields of [`Home`]. `HOME` points
//! into the temporary directory too, so nothing (a docker config, a
//! credential helper's settings) is read from the developer's home. No
//! command run here needs the cluster; [`Home::run_in`] adds it for tests
//! that want it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Out, TestNs, Tool, cluster, run_input};

/// A temporary helm home, removed when dropped.
#[derive(Debug)]
pub struct Home {
    /// The temporary directory holding everything below (also `HOME`).
    pub dir: PathBuf,
    /// `HELM_CONFIG_HOME` (`DIR/config`).
    pub config_home: PathBuf,
    /// `HELM_CACHE_HOME` (`DIR/cache`).
    pub cache_home: PathBuf,
    /// `HELM_DATA_HOME` (`DIR/data`).
    pub data_home: PathBuf,
    /// helm's default `HELM_REGISTRY_CONFIG`:
    /// `HELM_CONFIG_HOME/registry/config.json` (not set in the
    /// environment).
    pub registry_config: PathBuf,
    /// helm's default `HELM_REPOSITORY_CONFIG`:
    /// `HELM_CONFIG_HOME/repositories.yaml` (not set in the environment).
    pub repository_config: PathBuf,
    /// helm's default `HELM_REPOSITORY_CACHE`: `HELM_CACHE_HOME/repository`
    /// (not set in the environment).
    pub repository_cache: PathBuf,
    // Removes the directory on drop.
    _tmp: tempfile::TempDir,
}

impl Home {
    /// A fresh, empty home in a temporary directory.
    pub fn new() -> Home {
        let tmp = tempfile::Builder::new()
            .prefix("rudder-test-home.")
            .tempdir()
            .expect("temp helm home");
        let dir = tmp.path().to_path_buf();
        let config_home = dir.join("config");
        let cache_home = dir.join("cache");
        Home {
            registry_config: config_home.join("registry/config.json"),
            repository_config: config_home.join("repositories.yaml"),
            repository_cache: cache_home.join("repository"),
            data_home: dir.join("data"),
            config_home,
            cache_home,
            dir,
            _tmp: tmp,
        }
    }

    /// A command for `tool` in this home: the caller's `HELM_*`,
    /// `RUDDER_*`, `KUBECONFIG`, `RUST_LOG`, `NO_COLOR` and `DOCKER_CONFIG`
    /// removed, the three helm homes and `HOME` set, `KUBECONFIG` pointing
    /// at a file that does not exist (so no command can reach a developer's
    /// cluster), loopback excluded from any proxy, stdin empty.
    pub fn command(&self, tool: Tool) -> Command {
        let mut cmd = tool.bare_command();
        cmd.env_remove("DOCKER_CONFIG")
            .env("HOME", &self.dir)
            .env("HELM_CONFIG_HOME", &self.config_home)
            .env("HELM_CACHE_HOME", &self.cache_home)
            .env("HELM_DATA_HOME", &self.data_home)
            .env("KUBECONFIG", self.dir.join("no-kubeconfig"));
        // The servers are on 127.0.0.1: a proxy configured on the host
        // must not see (or break) the tests' requests.
        let mut no_proxy = OsString::from("127.0.0.1,localhost");
        for key in ["NO_PROXY", "no_proxy"] {
            if let Some(v) = std::env::var_os(key) {
                no_proxy.push(",");
                no_proxy.push(v);
            }
        }
        cmd.env("NO_PROXY", &no_proxy).env("no_proxy", &no_proxy);
        cmd
    }

    /// Runs `tool args` in this home and waits for it.
    pub fn run<I, S>(&self, tool: Tool, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_full(tool, args, &[], None)
    }

    /// Runs `tool args` in this home with `stdin` as its standard input
    /// (e.g. `registry login --password-stdin`).
    pub fn run_stdin<I, S>(&self, tool: Tool, args: I, stdin: &[u8]) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_full(tool, args, &[], Some(stdin))
    }

    /// Runs `tool args` in this home with extra environment.
    pub fn run_env<I, S>(&self, tool: Tool, args: I, env: &[(&str, &str)]) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_full(tool, args, env, None)
    }

    /// Runs `tool args` in this home against the shared test cluster (its
    /// kubeconfig) in namespace `ns` (`HELM_NAMESPACE`). Starts the
    /// cluster if needed.
    pub fn run_in<I, S>(&self, ns: &TestNs, tool: Tool, args: I) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let kubeconfig = cluster().kubeconfig.to_string_lossy().into_owned();
        self.run_full(
            tool,
            args,
            &[("KUBECONFIG", &kubeconfig), ("HELM_NAMESPACE", &ns.name)],
            None,
        )
    }

    /// The general form: extra environment and optional stdin.
    pub fn run_full<I, S>(
        &self,
        tool: Tool,
        args: I,
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Out
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(tool);
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        cmd.args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run_input(cmd, tool, &args, stdin.map(<[u8]>::to_vec))
    }
}

impl Home {
    /// Packages the chart directory `chart` with `tool` (`helm package
    /// CHART -d DEST`, DEST created if missing) and returns the archive's
    /// path. Panics unless exactly one archive results.
    pub fn package(&self, tool: Tool, chart: &Path, dest: &Path) -> PathBuf {
        std::fs::create_dir_all(dest).unwrap_or_else(|e| panic!("create {}: {e}", dest.display()));
        let before = tgz_in(dest);
        let out = self
            .run(
                tool,
                [
                    "package".as_ref(),
                    chart.as_os_str(),
                    "-d".as_ref(),
                    dest.as_os_str(),
                ],
            )
            .ok();
        let new: Vec<_> = tgz_in(dest)
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        assert_eq!(new.len(), 1, "one new archive in {}: {out}", dest.display());
        new[0].clone()
    }
}

fn tgz_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
                .collect()
        })
        .unwrap_or_default()
}

impl Default for Home {
    fn default() -> Self {
        Home::new()
    }
}
