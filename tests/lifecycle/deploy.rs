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
    rudder_install_chart(ns, helm, "web", name, user);
}

/// Installs `name` from a fixture chart through the library.
fn rudder_install_chart(
    ns: &TestNs,
    helm: Tool,
    fixture: &str,
    name: &str,
    user: serde_json::Value,
) {
    rudder_install_path(ns, helm, &chart(fixture), name, user);
}

/// Installs `name` from the chart at `path` through the library.
fn rudder_install_path(
    ns: &TestNs,
    helm: Tool,
    path: &std::path::Path,
    name: &str,
    user: serde_json::Value,
) {
    block_on(async {
        let client = cluster().admin().await;
        let storage = Storage::new(SecretDriver::new(client.clone()), ns.name.clone());
        let kube = KubeCluster::new(client);
        let c = load_for_install(path, compat(helm)).expect("chart");
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
    rudder_upgrade_with(ns, helm, name, user, |o| o.reuse_values = reuse)
}

/// Upgrades `name` to the `web` fixture chart through the library, with
/// the options `tweak` sets.
fn rudder_upgrade_with(
    ns: &TestNs,
    helm: Tool,
    name: &str,
    user: serde_json::Value,
    tweak: impl FnOnce(&mut UpgradeOptions),
) -> Result<(), String> {
    rudder_upgrade_chart(ns, helm, "web", name, user, tweak)
}

/// Upgrades `name` to a fixture chart through the library, with the
/// options `tweak` sets.
fn rudder_upgrade_chart(
    ns: &TestNs,
    helm: Tool,
    fixture: &str,
    name: &str,
    user: serde_json::Value,
    tweak: impl FnOnce(&mut UpgradeOptions),
) -> Result<(), String> {
    block_on(async {
        let client = cluster().admin().await;
        let storage = Storage::new(SecretDriver::new(client.clone()), ns.name.clone());
        let kube = KubeCluster::new(client);
        let c = load_for_install(&chart(fixture), compat(helm)).expect("chart");
        let mut options = UpgradeOptions {
            deploy: deploy_options(ns, helm),
            ..UpgradeOptions::default()
        };
        tweak(&mut options);
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

/// CRDs from `crds/` first, then the custom resource; and an upgrade that
/// fails its wait with `--rollback-on-failure` (`--atomic` in v3): the
/// same revisions and objects as helm's twin, and helm's message.
fn crds_and_atomic_upgrades_as_helm(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-atomic-{helm:?}"));
    rudder_install_chart(&ns, helm, "crd", A, serde_json::json!({}));
    let crd = chart("crd").to_string_lossy().into_owned();
    ns.run(helm, ["install", B, &crd]).ok();
    assert_same_story(&ns, helm, A, B, "after installing CRDs and a widget");

    let (a, b) = ("alpha-atomic", "bravo-atomic");
    rudder_install(&ns, helm, a, serde_json::json!({}));
    ns.run(helm, ["install", b, &web()]).ok();
    let flag = match helm {
        Tool::Helm3 => "--atomic",
        _ => "--rollback-on-failure",
    };
    // helm's and rudder's failing upgrades run side by side.
    let (helm_err, err) = std::thread::scope(|scope| {
        let helm_side = scope.spawn(|| {
            ns.run(
                helm,
                [
                    "upgrade",
                    b,
                    &web(),
                    "--set",
                    "unschedulable=true",
                    flag,
                    "--timeout",
                    "4s",
                ],
            )
            .failed()
        });
        let err = rudder_upgrade_with(
            &ns,
            helm,
            a,
            serde_json::json!({"unschedulable": true}),
            |o| {
                o.deploy.rollback_on_failure = true;
                o.deploy.timeout = std::time::Duration::from_secs(4);
            },
        )
        .expect_err("the wait fails");
        (helm_side.join().expect("helm side"), err)
    });
    let word = match helm {
        Tool::Helm3 => "atomic",
        _ => "rollback-on-failure",
    };
    let prefix = format!("release {a} failed, and has been rolled back due to {word} being set: ");
    assert!(err.starts_with(&prefix), "{err}");
    assert!(
        helm_err.stderr.contains(&prefix.replace(a, b)),
        "{}",
        helm_err.stderr
    );
    let statuses = |name: &str| -> Vec<(i64, String)> {
        history_through(&ns, helm, name)
            .into_iter()
            .map(|r| (r.0, r.1))
            .collect()
    };
    assert_eq!(statuses(a), statuses(b));
    assert_eq!(
        history_through(&ns, helm, a)[2].2,
        history_through(&ns, helm, b)[2].2
    );
    super::objects::assert_equivalent(&ns.name, a, b, "after the atomic rollback");
}

#[test]
fn crds_and_atomic_upgrades_as_helm_v4() {
    crds_and_atomic_upgrades_as_helm(Tool::Helm4);
}

#[test]
fn crds_and_atomic_upgrades_as_helm_v3() {
    crds_and_atomic_upgrades_as_helm(Tool::Helm3);
}

/// Hooks of every install and upgrade event, with weights and delete
/// policies, run by rudder as helm runs them; then a failing pre-upgrade
/// hook recorded as helm records it.
fn hooks_as_helm(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-hooks-{helm:?}"));
    let hooks = chart("hooks").to_string_lossy().into_owned();
    rudder_install_chart(&ns, helm, "hooks", A, serde_json::json!({}));
    ns.run(helm, ["install", B, &hooks]).ok();
    assert_same_story(&ns, helm, A, B, "after installing with hooks");
    rudder_upgrade_chart(
        &ns,
        helm,
        "hooks",
        A,
        serde_json::json!({"message": "two"}),
        |_| {},
    )
    .expect("rudder upgrade");
    ns.run(helm, ["upgrade", B, &hooks, "--set", "message=two"])
        .ok();
    assert_same_story(&ns, helm, A, B, "after upgrading with hooks");
    let (helm_err, err) = std::thread::scope(|scope| {
        let helm_side = scope.spawn(|| {
            ns.run(
                helm,
                [
                    "upgrade",
                    B,
                    &hooks,
                    "--set",
                    "failHook=pre-upgrade",
                    "--timeout",
                    "30s",
                ],
            )
            .failed()
        });
        let err = rudder_upgrade_chart(
            &ns,
            helm,
            "hooks",
            A,
            serde_json::json!({"failHook": "pre-upgrade"}),
            |o| o.deploy.timeout = std::time::Duration::from_secs(30),
        )
        .expect_err("the hook fails");
        (helm_side.join().expect("helm side"), err)
    });
    assert!(
        err.starts_with("pre-upgrade hooks failed: "),
        "{err}\nhelm: {}",
        helm_err.stderr
    );
    let statuses = |name: &str| -> Vec<(i64, String)> {
        history_through(&ns, helm, name)
            .into_iter()
            .map(|r| (r.0, r.1))
            .collect()
    };
    assert_eq!(statuses(A), statuses(B));
    assert!(
        history_through(&ns, helm, A)[2].2.starts_with(&format!(
            "Upgrade \"{A}\" failed: pre-upgrade hooks failed: "
        )),
        "{:?}",
        history_through(&ns, helm, A)
    );
}

#[test]
fn hooks_as_helm_v4() {
    hooks_as_helm(Tool::Helm4);
}

#[test]
fn hooks_as_helm_v3() {
    hooks_as_helm(Tool::Helm3);
}

/// `.Capabilities` and `lookup` from the cluster, as helm renders them:
/// the server's version, a `group/version/Kind` and a group/version it
/// serves, and a live object read with `lookup`.
fn capabilities_and_lookup_as_helm(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-caps-{helm:?}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("caps");
    std::fs::create_dir_all(root.join("templates")).expect("mkdir");
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: caps\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(
        root.join("templates/cm.yaml"),
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-caps
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  string: {{ .Capabilities.KubeVersion | quote }}
  minor: {{ .Capabilities.KubeVersion.Minor | quote }}
  deployments: {{ .Capabilities.APIVersions.Has "apps/v1/Deployment" | quote }}
  batch: {{ .Capabilities.APIVersions.Has "batch/v1" | quote }}
  nothing: {{ .Capabilities.APIVersions.Has "nothing.example/v9" | quote }}
  ca: {{ (lookup "v1" "ConfigMap" .Release.Namespace "kube-root-ca.crt").metadata.name | quote }}
  list: {{ gt (len (lookup "v1" "Namespace" "" "").items) 1 | quote }}
  missing: {{ lookup "v1" "ConfigMap" .Release.Namespace "no-such" | quote }}
"#,
    )
    .expect("write");
    rudder_install_path(&ns, helm, &root, A, serde_json::json!({}));
    ns.run(helm, ["install", B, &root.to_string_lossy()]).ok();
    assert_same_story(&ns, helm, A, B, "capabilities and lookup");
    let manifest = ns.run(helm, ["get", "manifest", A]).ok().stdout;
    for want in [
        "deployments: \"true\"",
        "batch: \"true\"",
        "nothing: \"false\"",
        "ca: \"kube-root-ca.crt\"",
        "list: \"true\"",
        "missing: \"map[]\"",
    ] {
        assert!(manifest.contains(want), "{want}:\n{manifest}");
    }
}

#[test]
fn capabilities_and_lookup_as_helm_v4() {
    capabilities_and_lookup_as_helm(Tool::Helm4);
}
