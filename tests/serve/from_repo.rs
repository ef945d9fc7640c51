//! A release installed by helm v4 from a real chart repository
//! (`chartsrv`) that holds two versions of the `web` fixture, and a
//! `rudder serve` that sees the same repository: the setup of the upgrade
//! route tests and of the page's upgrade test.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::client::Server;
use crate::harness::servers::chart_repo;
use crate::harness::{Home, TestNs, Tool, chart};

/// The `web` fixture at `version`, under `dir/<version>/web`, with
/// `extra` templates (file name, text) added.
pub fn web_at(dir: &Path, version: &str, extra: &[(&str, &str)]) -> PathBuf {
    let parent = dir.join(version);
    std::fs::create_dir_all(&parent).expect("mkdir");
    let ok = Command::new("cp")
        .arg("-r")
        .arg(chart("web"))
        .arg(&parent)
        .status()
        .expect("cp");
    assert!(ok.success());
    let c = parent.join("web");
    let meta = std::fs::read_to_string(c.join("Chart.yaml")).expect("Chart.yaml");
    std::fs::write(
        c.join("Chart.yaml"),
        meta.replace("version: 0.1.0", &format!("version: {version}")),
    )
    .expect("Chart.yaml");
    for (file, text) in extra {
        std::fs::write(c.join("templates").join(file), text).expect("template");
    }
    c
}

/// Publishes `charts` as repository `srv` (under `prefix`), installs
/// `srv/web` 0.1.0 as release `w` with `--set set`, and starts a server
/// with the same helm homes.
pub fn serve_release_from_repo(
    ns: &TestNs,
    home: &Home,
    prefix: &str,
    charts: &[&Path],
    set: &str,
) -> Server {
    let repo = chart_repo();
    let dir = repo.publish(prefix, charts, |d| repo.url_plain(d));
    home.run(
        Tool::Helm4,
        ["repo", "add", "srv", &repo.url_plain(&dir.name)],
    )
    .ok();
    home.run_in(
        ns,
        Tool::Helm4,
        [
            "install",
            "w",
            "srv/web",
            "--version",
            "0.1.0",
            "--set",
            set,
        ],
    )
    .ok();
    let env = [
        ("HELM_CONFIG_HOME", home.config_home.to_string_lossy()),
        ("HELM_CACHE_HOME", home.cache_home.to_string_lossy()),
        ("HELM_DATA_HOME", home.data_home.to_string_lossy()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_ref())).collect();
    Server::start(ns, &[], &env)
}
