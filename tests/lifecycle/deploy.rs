//! install and upgrade through rudder's library (the CLI front end comes
//! separately) on the real cluster, against real helm v3 and v4: a release
//! rudder installs must read, in helm's `history`, `status`, `get all`,
//! `get hooks` and `get values`, exactly as its twin that helm installed
//! (names and times aside), with equivalent live objects; then helm
//! upgrades rudder's release while rudder upgrades helm's, and the twins
//! must still tell the same story.

use rudder::action::deploy::DeployOptions;
use rudder::action::install::{InstallOptions, install};
use rudder::action::upgrade::{UpgradeOptions, upgrade};
use rudder::chart::load::load_for_install;
use rudder::chart::model::Values;
use rudder::cluster::Quiet;
use rudder::cluster::client::KubeCluster;
use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::storage::Storage;
use rudder::storage::kube::SecretDriver;

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

use super::{assert_same_story, history_through};

const A: &str = "alpha-deploy";
const B: &str = "bravo-deploy";

fn vals(j: serde_json::Value) -> Values {
    match GoValue::from_json(&j) {
        GoValue::Map(m) => m,
        _ => Values::new(),
    }
}

fn compat(helm: Tool) -> Compat {
    match helm {
        Tool::Helm3 => Compat::V3,
        _ => Compat::V4,
    }
}

fn deploy_options(ns: &TestNs, helm: Tool) -> DeployOptions {
    DeployOptions {
        compat: compat(helm),
        namespace: ns.name.clone(),
        ..DeployOptions::default()
    }
}

/// Installs `name` from the `web` fixture chart through the library.
fn rudder_install(ns: &TestNs, helm: Tool, name: &str, user: serde_json::Value) {
    block_on(async {
        let client = cluster().admin().await;
        let storage = Storage::new(SecretDriver::new(client.clone()), ns.name.clone());
        let kube = KubeCluster::new(client);
        let c = load_for_install(&chart("web"), compat(helm)).expect("chart");
        let options = InstallOptions {
            deploy: deploy_options(ns, helm),
            ..InstallOptions::default()
        };
        install(&storage, &kube, name, c, &vals(user), &options, &Quiet)
            .await
            .expect("rudder install");
    });
}

/// Upgrades `name` to the `web` fixture chart through the library.
fn rudder_upgrade(
    ns: &TestNs,
    helm: Tool,
    name: &str,
    user: serde_json::Value,
    reuse: bool,
) -> Result<(), String> {
    block_on(async {
        let client = cluster().admin().await;
        let storage = Storage::new(SecretDriver::new(client.clone()), ns.name.clone());
        let kube = KubeCluster::new(client);
        let c = load_for_install(&chart("web"), compat(helm)).expect("chart");
        let options = UpgradeOptions {
            deploy: deploy_options(ns, helm),
            reuse_values: reuse,
            ..UpgradeOptions::default()
        };
        upgrade(&storage, &kube, name, c, &vals(user), &options, &Quiet)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
}

fn web() -> String {
    chart("web").to_string_lossy().into_owned()
}

fn installed_by_rudder_reads_as_helm_made(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-{helm:?}"));
    rudder_install(&ns, helm, A, serde_json::json!({"message": "one"}));
    ns.run(helm, ["install", B, &web(), "--set", "message=one"])
        .ok();
    assert_same_story(&ns, helm, A, B, "after install");

    // Each tool upgrades the release the other installed.
    ns.run(helm, ["upgrade", A, &web(), "--set", "message=two"])
        .ok();
    rudder_upgrade(&ns, helm, B, serde_json::json!({"message": "two"}), false)
        .expect("rudder upgrade");
    assert_same_story(&ns, helm, A, B, "after crossed upgrades");

    // --reuse-values on both sides keeps `message` and adds the new value.
    ns.run(
        helm,
        [
            "upgrade",
            A,
            &web(),
            "--reuse-values",
            "--set",
            "replicaCount=2",
        ],
    )
    .ok();
    rudder_upgrade(&ns, helm, B, serde_json::json!({"replicaCount": 2}), true)
        .expect("rudder upgrade --reuse-values");
    assert_same_story(&ns, helm, A, B, "after --reuse-values");
    let h = history_through(&ns, helm, B);
    assert_eq!(
        h.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["superseded", "superseded", "deployed"]
    );
    assert_eq!(h[2].2, "Upgrade complete");

    // An upgrade of a release that does not exist fails as helm's does.
    let err = rudder_upgrade(&ns, helm, "nope", serde_json::json!({}), false).expect_err("missing");
    let helm_err = ns.run(helm, ["upgrade", "nope", &web()]).failed();
    assert!(
        helm_err.stderr.contains(&err),
        "rudder: {err}\nhelm: {}",
        helm_err.stderr
    );
}

#[test]
fn installed_by_rudder_reads_as_helm_made_v4() {
    installed_by_rudder_reads_as_helm_made(Tool::Helm4);
}

#[test]
fn installed_by_rudder_reads_as_helm_made_v3() {
    installed_by_rudder_reads_as_helm_made(Tool::Helm3);
}
