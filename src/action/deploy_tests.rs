//! Unit tests of install and upgrade over the in-memory storage driver and
//! the in-memory cluster: the statuses, descriptions, revision numbers,
//! values, record writes and cluster calls helm's `action.Install` and
//! `action.Upgrade` imply, with helm's messages (from pkg/action of helm
//! v3.21.4 and v4.2.4). Behaviour against Kubernetes and helm is tested
//! on the real cluster (`tests/lifecycle/deploy.rs`).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use super::ActionError;
use super::deploy::DeployOptions;
use super::install::{InstallOptions, install};
use super::rollback::{DryRun, WaitStrategy};
use super::uninstall::{UninstallOptions, uninstall};
use super::upgrade::{UpgradeOptions, plan, upgrade, will_install};
use crate::chart::load::{BufferedFile, load_files};
use crate::chart::model::{Chart, Values};
use crate::cluster::memory::MemoryCluster;
use crate::cluster::{Event, LockHolder, Quiet, Recorded, ResourceId, ServerInfo};
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::release::{Release, Status};
use crate::storage::Storage;
use crate::storage::memory::MemoryDriver;

const NS: &str = "ns";

const CM: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-cm
data:
  greeting: {{ .Values.greeting | quote }}
  rev: {{ .Release.Revision | quote }}
  install: {{ .Release.IsInstall | quote }}
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  {{- with (lookup "v1" "ConfigMap" .Release.Namespace "seed") }}
  seed: {{ .data.k | quote }}
  {{- end }}
"#;

const EXTRA: &str = r#"{{- if .Values.extra }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: extra
  {{- if .Values.keep }}
  annotations:
    helm.sh/resource-policy: keep
  {{- end }}
{{- end }}
"#;

const HOOKS: &str = r#"{{- if .Values.hooks }}
apiVersion: batch/v1
kind: Job
metadata:
  name: pre-b
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "5"
---
apiVersion: batch/v1
kind: Job
metadata:
  name: pre-a
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "-1"
---
apiVersion: v1
kind: Pod
metadata:
  name: post
  annotations:
    helm.sh/hook: post-install,post-upgrade
{{- end }}
"#;

fn chart_with(version: &str, values: &str) -> Chart {
    let file = |name: &str, data: &str| BufferedFile {
        name: name.into(),
        data: data.as_bytes().to_vec(),
        mod_time: None,
    };
    load_files(
        vec![
            file(
                "Chart.yaml",
                &format!("apiVersion: v2\nname: c\nversion: {version}\n"),
            ),
            file("values.yaml", values),
            file("templates/cm.yaml", CM),
            file("templates/extra.yaml", EXTRA),
            file("templates/hooks.yaml", HOOKS),
            file("templates/NOTES.txt", "Hello {{ .Release.Name }}"),
        ],
        Compat::V4,
    )
    .expect("chart")
}

fn chart() -> Chart {
    chart_with(
        "1.0.0",
        "greeting: hello\nextra: false\nkeep: false\nhooks: false\n",
    )
}

fn vals(j: serde_json::Value) -> Values {
    match GoValue::from_json(&j) {
        GoValue::Map(m) => m,
        _ => Values::new(),
    }
}

fn opts() -> InstallOptions {
    InstallOptions {
        deploy: DeployOptions {
            namespace: NS.into(),
            ..DeployOptions::default()
        },
        ..InstallOptions::default()
    }
}

fn up() -> UpgradeOptions {
    UpgradeOptions {
        deploy: DeployOptions {
            namespace: NS.into(),
            ..DeployOptions::default()
        },
        ..UpgradeOptions::default()
    }
}

struct World {
    storage: Storage<MemoryDriver>,
    cluster: MemoryCluster,
}

impl World {
    fn new() -> World {
        World {
            storage: Storage::new(MemoryDriver::new(), NS),
            cluster: MemoryCluster::new(),
        }
    }

    async fn install(&self, user: serde_json::Value) -> Result<Release, ActionError> {
        self.install_with(user, &opts()).await
    }

    async fn install_with(
        &self,
        user: serde_json::Value,
        o: &InstallOptions,
    ) -> Result<Release, ActionError> {
        install(
            &self.storage,
            &self.cluster,
            "r",
            chart(),
            &vals(user),
            o,
            &Quiet,
        )
        .await
        .map(|o| o.release)
    }

    async fn upgrade(
        &self,
        chart: Chart,
        user: serde_json::Value,
        o: &UpgradeOptions,
    ) -> Result<Release, ActionError> {
        upgrade(
            &self.storage,
            &self.cluster,
            "r",
            chart,
            &vals(user),
            o,
            &Quiet,
        )
        .await
        .map(|o| o.release)
    }

    async fn revisions(&self) -> Vec<(i64, String, String)> {
        super::test_support::revisions(&self.storage, NS, "r").await
    }

    async fn get(&self, v: i64) -> Release {
        self.storage.get("r", v).await.expect("get").release
    }

    fn data(&self, name: &str, key: &str) -> Option<String> {
        self.cluster
            .object("ConfigMap", NS, name)?
            .pointer(&format!("/data/{key}"))?
            .as_str()
            .map(str::to_owned)
    }

    async fn snapshot(&self) -> Vec<(String, Option<String>)> {
        super::test_support::snapshot(&self.storage).await
    }
}

fn config(r: &Release) -> serde_json::Value {
    r.config_value().expect("config")
}

#[tokio::test]
async fn install_creates_a_deployed_first_revision_owned_by_the_release() {
    let w = World::new();
    w.cluster.set_server_info(ServerInfo {
        git_version: "v1.35.2".into(),
        major: "1".into(),
        minor: "35".into(),
        api_versions: vec!["v1".into()],
    });
    w.cluster.put(
        ResourceId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: NS.into(),
            name: "seed".into(),
        },
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seed", "namespace": NS}, "data": {"k": "from-cluster"}}),
    );
    let progress = Recorded::default();
    let out = install(
        &w.storage,
        &w.cluster,
        "r",
        chart(),
        &vals(json!({"greeting": "hi"})),
        &opts(),
        &progress,
    )
    .await
    .expect("install");
    assert_eq!(
        w.revisions().await,
        [(1, "deployed".into(), "Install complete".into())]
    );
    let stored = w.get(1).await;
    assert_eq!(config(&stored), json!({"greeting": "hi"}));
    assert_eq!(stored.info.notes, "Hello r");
    assert_eq!(stored.apply_method, "ssa");
    assert_eq!(
        stored
            .chart
            .as_ref()
            .and_then(|c| c.metadata.clone())
            .map(|m| m.name),
        Some("c".into())
    );
    assert!(stored.manifest.contains("# Source: c/templates/cm.yaml"));
    assert_eq!(
        stored.info.first_deployed.map(|t| t.timestamp()),
        stored.info.last_deployed.map(|t| t.timestamp())
    );
    assert_eq!(out.release.version, 1);
    // Rendered against the cluster: its version, `lookup` of a live object.
    assert_eq!(w.data("r-cm", "greeting").as_deref(), Some("hi"));
    assert_eq!(w.data("r-cm", "kube").as_deref(), Some("v1.35.2"));
    assert_eq!(w.data("r-cm", "seed").as_deref(), Some("from-cluster"));
    assert_eq!(w.data("r-cm", "install").as_deref(), Some("true"));
    let live = w.cluster.object("ConfigMap", NS, "r-cm").expect("cm");
    assert_eq!(
        live.pointer("/metadata/labels/app.kubernetes.io~1managed-by"),
        Some(&json!("Helm"))
    );
    assert_eq!(
        live.pointer("/metadata/annotations/meta.helm.sh~1release-name"),
        Some(&json!("r"))
    );
    assert_eq!(
        live.pointer("/metadata/annotations/meta.helm.sh~1release-namespace"),
        Some(&json!(NS))
    );
    let phases: Vec<String> = progress
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Phase {
                revision, status, ..
            } => Some(format!("{revision} {status}")),
            _ => None,
        })
        .collect();
    assert_eq!(phases, ["1 pending-install", "1 deployed"]);
    let calls = w.cluster.calls();
    assert_eq!(calls.first().map(String::as_str), Some("lock ns/r install"));
    assert_eq!(calls.last().map(String::as_str), Some("unlock ns/r"));
}

#[tokio::test]
async fn a_name_in_use_is_refused_in_helms_words_and_nothing_is_written() {
    let w = World::new();
    w.install(json!({})).await.expect("first");
    let before = w.snapshot().await;
    let err = w.install(json!({})).await.expect_err("in use");
    assert_eq!(
        err.to_string(),
        "release name check failed: cannot reuse a name that is still in use"
    );
    let mut v3 = opts();
    v3.deploy.compat = Compat::V3;
    let err = w.install_with(json!({}), &v3).await.expect_err("in use");
    assert_eq!(err.to_string(), "cannot re-use a name that is still in use");
    // --replace only reuses uninstalled or failed releases.
    let mut replace = opts();
    replace.replace = true;
    assert!(w.install_with(json!({}), &replace).await.is_err());
    assert_eq!(w.snapshot().await, before);
    let bad = install(
        &w.storage,
        &w.cluster,
        "Bad_Name",
        chart(),
        &Values::new(),
        &opts(),
        &Quiet,
    )
    .await
    .expect_err("bad name");
    assert_eq!(
        bad.to_string(),
        "release name check failed: release name \"Bad_Name\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
    );
}

#[tokio::test]
async fn replace_reuses_a_failed_or_uninstalled_name() {
    let w = World::new();
    w.cluster.fail_apply("r-cm");
    let err = w.install(json!({})).await.expect_err("apply fails");
    assert!(
        err.to_string().starts_with("failed to create resource: "),
        "{err}"
    );
    assert_eq!(w.revisions().await[0].1, "failed");
    assert!(
        w.revisions().await[0]
            .2
            .starts_with("Release \"r\" failed: failed to create resource: "),
        "{:?}",
        w.revisions().await
    );
    let mut replace = opts();
    replace.replace = true;
    let w2 = World {
        storage: w.storage,
        cluster: MemoryCluster::new(),
    };
    let r = w2.install_with(json!({}), &replace).await.expect("replace");
    assert_eq!(r.version, 2);
    let revs = w2.revisions().await;
    assert_eq!(revs[0].1, "failed", "a failed one stays failed");
    assert_eq!(revs[1], (2, "deployed".into(), "Install complete".into()));
    // Uninstalled with history kept: superseded by the new install.
    let keep = UninstallOptions {
        keep_history: true,
        ..UninstallOptions::default()
    };
    uninstall(&w2.storage, &w2.cluster, "r", &keep, &Quiet)
        .await
        .expect("uninstall");
    w2.install_with(json!({}), &replace).await.expect("replace");
    let revs = w2.revisions().await;
    assert_eq!(
        revs[1],
        (2, "superseded".into(), "superseded by new release".into())
    );
    assert_eq!(revs[2].1, "deployed");
}

#[tokio::test]
async fn existing_objects_are_refused_unless_owned_or_taken_over() {
    let w = World::new();
    w.cluster.put(
        ResourceId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: NS.into(),
            name: "r-cm".into(),
        },
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "r-cm", "namespace": NS}}),
    );
    let err = w.install(json!({})).await.expect_err("conflict");
    assert_eq!(
        err.to_string(),
        "unable to continue with install: ConfigMap \"r-cm\" in namespace \"ns\" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"r\"; annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"ns\""
    );
    assert!(w.revisions().await.is_empty(), "no record");
    let mut v3 = opts();
    v3.deploy.compat = Compat::V3;
    let err = w.install_with(json!({}), &v3).await.expect_err("conflict");
    assert!(
        err.to_string()
            .starts_with("Unable to continue with install: ConfigMap"),
        "{err}"
    );
    let mut take = opts();
    take.deploy.take_ownership = true;
    w.install_with(json!({}), &take).await.expect("adopted");
    let live = w.cluster.object("ConfigMap", NS, "r-cm").expect("cm");
    assert_eq!(
        live.pointer("/metadata/annotations/meta.helm.sh~1release-name"),
        Some(&json!("r"))
    );
}

#[tokio::test]
async fn install_hooks_run_in_weight_order_around_the_objects() {
    let w = World::new();
    let progress = Recorded::default();
    install(
        &w.storage,
        &w.cluster,
        "r",
        chart(),
        &vals(json!({"hooks": true})),
        &opts(),
        &progress,
    )
    .await
    .expect("install");
    let calls: Vec<String> = w
        .cluster
        .calls()
        .into_iter()
        .filter(|c| c.starts_with("apply"))
        .collect();
    assert_eq!(
        calls,
        [
            "apply Job/ns/pre-a",
            "apply Job/ns/pre-b",
            "apply ConfigMap/ns/r-cm",
            "apply Pod/ns/post"
        ]
    );
    let stored = w.get(1).await;
    assert!(stored.hooks.iter().all(|h| h.last_run.phase == "Succeeded"));
}

#[tokio::test]
async fn a_failing_pre_install_hook_fails_the_release_in_helms_words() {
    let w = World::new();
    w.cluster.never_ready("pre-b", "Job Failed. failed: 1/1");
    let err = install(
        &w.storage,
        &w.cluster,
        "r",
        chart(),
        &vals(json!({"hooks": true})),
        &opts(),
        &Quiet,
    )
    .await
    .expect_err("hook fails");
    let why = "resource Job/ns/pre-b not ready. status: Failed, message: Job Failed. failed: 1/1";
    assert_eq!(err.to_string(), format!("failed pre-install: {why}"));
    assert_eq!(
        w.revisions().await,
        [(
            1,
            "failed".into(),
            format!("Release \"r\" failed: failed pre-install: {why}")
        )]
    );
    assert!(
        w.cluster.object("ConfigMap", NS, "r-cm").is_none(),
        "nothing applied"
    );
}

#[tokio::test]
async fn rollback_on_failure_uninstalls_a_failed_install() {
    let w = World::new();
    w.cluster.never_ready("r-cm", "not yet");
    let mut atomic = opts();
    atomic.deploy.rollback_on_failure = true;
    let err = w.install_with(json!({}), &atomic).await.expect_err("fails");
    assert_eq!(
        err.to_string(),
        "release r failed, and has been uninstalled due to rollback-on-failure being set: resource ConfigMap/ns/r-cm not ready. status: Failed, message: not yet"
    );
    assert!(w.revisions().await.is_empty());
    assert!(w.cluster.object("ConfigMap", NS, "r-cm").is_none());
    // --rollback-on-failure turns on the wait, as helm does.
    assert!(
        w.cluster
            .calls()
            .iter()
            .any(|c| c.starts_with("wait Ready"))
    );
    atomic.deploy.compat = Compat::V3;
    let err = w.install_with(json!({}), &atomic).await.expect_err("fails");
    assert!(
        err.to_string()
            .starts_with("release r failed, and has been uninstalled due to atomic being set: "),
        "{err}"
    );
}

#[tokio::test]
async fn client_dry_run_renders_without_the_cluster_and_writes_nothing() {
    let w = World::new();
    let mut dry = opts();
    dry.deploy.dry_run = DryRun::Client;
    let r = w.install_with(json!({}), &dry).await.expect("dry");
    assert_eq!(r.info.status, Status::PendingInstall);
    assert_eq!(r.info.description, "Dry run complete");
    assert!(r.manifest.contains("kube: \"v1.36.0\""), "{}", r.manifest);
    assert!(w.revisions().await.is_empty());
    assert!(w.cluster.calls().is_empty(), "{:?}", w.cluster.calls());
    let mut hide = opts();
    hide.deploy.hide_secret = true;
    let err = w.install_with(json!({}), &hide).await.expect_err("no dry");
    assert_eq!(
        err.to_string(),
        "hiding Kubernetes secrets requires a dry-run mode"
    );
}

#[tokio::test]
async fn upgrade_makes_a_new_deployed_revision_and_supersedes_the_old() {
    let w = World::new();
    w.install(json!({"greeting": "one"}))
        .await
        .expect("install");
    let r = w
        .upgrade(chart_with("1.1.0", "greeting: hello\n"), json!({}), &up())
        .await
        .expect("upgrade");
    assert_eq!(r.version, 2);
    assert_eq!(
        w.revisions().await,
        [
            (1, "superseded".into(), "Install complete".into()),
            (2, "deployed".into(), "Upgrade complete".into())
        ]
    );
    // No new values: the old ones are copied (helm's default).
    assert_eq!(config(&w.get(2).await), json!({"greeting": "one"}));
    assert_eq!(w.data("r-cm", "greeting").as_deref(), Some("one"));
    assert_eq!(w.data("r-cm", "rev").as_deref(), Some("2"));
    assert_eq!(w.data("r-cm", "install").as_deref(), Some("false"));
    assert_eq!(
        w.get(2).await.info.first_deployed.map(|t| t.timestamp()),
        w.get(1).await.info.first_deployed.map(|t| t.timestamp())
    );
}

/// helm's `releasingUpgrade` supersedes the revision it upgraded from,
/// which is the failed newest one when nothing is deployed.
#[tokio::test]
async fn upgrading_a_failed_install_supersedes_it() {
    let w = World::new();
    w.cluster.never_ready("r-cm", "not yet");
    let mut waiting = opts();
    waiting.deploy.wait = WaitStrategy::Watcher;
    w.install_with(json!({}), &waiting)
        .await
        .expect_err("the wait fails");
    w.cluster.make_ready("r-cm");
    w.upgrade(chart(), json!({}), &up()).await.expect("upgrade");
    let statuses: Vec<_> = w
        .revisions()
        .await
        .into_iter()
        .map(|(v, s, _)| (v, s))
        .collect();
    assert_eq!(statuses, [(1, "superseded".into()), (2, "deployed".into())]);
}

#[tokio::test]
async fn upgrade_values_follow_reuse_reset_and_reset_then_reuse() {
    // Old chart default a=1; old config b=2; new chart defaults a=10, c=30.
    let old = || chart_with("1.0.0", "a: 1\ngreeting: x\n");
    let new = || chart_with("2.0.0", "a: 10\nc: 30\ngreeting: yy\n");
    let cases = [
        // (reuse, reset, reset_then_reuse, user, stored config)
        (false, false, false, json!({"d": 4}), json!({"d": 4})),
        (true, false, false, json!({"d": 4}), json!({"b": 2, "d": 4})),
        (false, true, false, json!({}), json!({})),
        (false, false, true, json!({"d": 4}), json!({"b": 2, "d": 4})),
    ];
    for (reuse, reset, rtr, user, want) in cases {
        let w = World::new();
        install(
            &w.storage,
            &w.cluster,
            "r",
            old(),
            &vals(json!({"b": 2})),
            &opts(),
            &Quiet,
        )
        .await
        .expect("install");
        let mut o = up();
        o.reuse_values = reuse;
        o.reset_values = reset;
        o.reset_then_reuse_values = rtr;
        let p = plan(&w.storage, &w.cluster, "r", new(), &vals(user.clone()), &o)
            .await
            .expect("plan");
        assert_eq!(config(&p.target), want, "{reuse} {reset} {rtr}");
        assert_eq!(p.target.info.status, Status::PendingUpgrade);
        assert_eq!(p.current.version, 1);
        // --reuse-values renders with the old chart's computed values as
        // the new chart's defaults (so `c` is gone and `a` is old).
        let stored_values = p
            .target
            .chart
            .as_ref()
            .and_then(|c| c.values().ok())
            .unwrap_or_default();
        if reuse {
            assert_eq!(stored_values, json!({"a": 1, "b": 2, "greeting": "x"}));
        } else {
            assert_eq!(stored_values, json!({"a": 10, "c": 30, "greeting": "yy"}));
        }
        assert_eq!(w.revisions().await.len(), 1, "plan writes nothing");
    }
}

#[tokio::test]
async fn upgrade_deletes_what_the_chart_dropped_unless_kept() {
    let w = World::new();
    w.install(json!({"extra": true})).await.expect("install");
    assert!(w.cluster.object("ConfigMap", NS, "extra").is_some());
    w.upgrade(chart(), json!({"extra": false}), &up())
        .await
        .expect("upgrade");
    assert!(w.cluster.object("ConfigMap", NS, "extra").is_none());
    w.upgrade(chart(), json!({"extra": true, "keep": true}), &up())
        .await
        .expect("upgrade");
    w.upgrade(chart(), json!({"extra": false}), &up())
        .await
        .expect("upgrade");
    assert!(
        w.cluster.object("ConfigMap", NS, "extra").is_some(),
        "kept by its resource policy"
    );
}

#[tokio::test]
async fn a_failed_upgrade_is_recorded_and_cleanup_on_fail_deletes_what_it_created() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    w.cluster.never_ready("extra", "never");
    let mut o = up();
    o.deploy.wait = WaitStrategy::Watcher;
    o.cleanup_on_fail = true;
    let err = w
        .upgrade(chart(), json!({"extra": true}), &o)
        .await
        .expect_err("wait fails");
    let why = "resource ConfigMap/ns/extra not ready. status: Failed, message: never";
    assert_eq!(err.to_string(), why);
    assert_eq!(
        w.revisions().await,
        [
            (1, "deployed".into(), "Install complete".into()),
            (2, "failed".into(), format!("Upgrade \"r\" failed: {why}"))
        ]
    );
    assert!(
        w.cluster.object("ConfigMap", NS, "extra").is_none(),
        "created by the failed upgrade, cleaned up"
    );
    // Upgrading from a failed newest revision starts from the deployed one.
    w.upgrade(chart(), json!({}), &up()).await.expect("again");
    assert_eq!(w.revisions().await[2].1, "deployed");
    assert_eq!(w.revisions().await[0].1, "superseded");
}

#[tokio::test]
async fn rollback_on_failure_rolls_back_to_the_last_successful_revision() {
    let w = World::new();
    w.install(json!({"greeting": "good"}))
        .await
        .expect("install");
    w.cluster.never_ready("extra", "never");
    let mut o = up();
    o.deploy.rollback_on_failure = true;
    let err = w
        .upgrade(chart(), json!({"extra": true}), &o)
        .await
        .expect_err("fails");
    assert_eq!(
        err.to_string(),
        "release r failed, and has been rolled back due to rollback-on-failure being set: resource ConfigMap/ns/extra not ready. status: Failed, message: never"
    );
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "failed");
    assert_eq!(revs[2], (3, "deployed".into(), "Rollback to 1".into()));
    assert!(w.cluster.object("ConfigMap", NS, "extra").is_none());
    assert_eq!(w.data("r-cm", "greeting").as_deref(), Some("good"));
}

#[tokio::test]
async fn upgrade_of_a_missing_release_says_so_or_installs_with_install() {
    let w = World::new();
    let err = w
        .upgrade(chart(), json!({}), &up())
        .await
        .expect_err("none");
    assert_eq!(err.to_string(), "\"r\" has no deployed releases");
    assert!(will_install(&w.storage, "r").await.expect("read"));
    let mut o = up();
    o.install = true;
    let r = w.upgrade(chart(), json!({}), &o).await.expect("installs");
    assert_eq!(r.info.description, "Install complete");
    assert!(!will_install(&w.storage, "r").await.expect("read"));
    let r = w.upgrade(chart(), json!({}), &o).await.expect("upgrades");
    assert_eq!(r.info.description, "Upgrade complete");
    // Uninstalled with history kept: --install installs again (replace).
    let keep = UninstallOptions {
        keep_history: true,
        ..UninstallOptions::default()
    };
    uninstall(&w.storage, &w.cluster, "r", &keep, &Quiet)
        .await
        .expect("uninstall");
    let err = w
        .upgrade(chart(), json!({}), &up())
        .await
        .expect_err("none");
    assert_eq!(err.to_string(), "\"r\" has no deployed releases");
    let r = w.upgrade(chart(), json!({}), &o).await.expect("reinstall");
    assert_eq!(
        (r.version, r.info.description.as_str()),
        (3, "Install complete")
    );
}

#[tokio::test]
async fn a_pending_release_is_refused_with_the_recover_hint() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    let mut rec = w.storage.last("r").await.expect("last").record;
    rec.release.info.status = Status::PendingUpgrade;
    w.storage
        .update(&rec.release, rec.meta.resource_version.as_deref())
        .await
        .expect("stick");
    let before = w.snapshot().await;
    let err = w
        .upgrade(chart(), json!({}), &up())
        .await
        .expect_err("stuck");
    assert!(matches!(err, ActionError::Stuck(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("another operation (install/upgrade/rollback) is in progress"),
        "{err}"
    );
    assert!(err.to_string().contains("rudder recover r"), "{err}");
    assert_eq!(w.snapshot().await, before);
}

#[tokio::test]
async fn of_two_concurrent_upgrades_exactly_one_proceeds() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    let o = up();
    let (a, b) = tokio::join!(
        w.upgrade(chart(), json!({"greeting": "a"}), &o),
        w.upgrade(chart(), json!({"greeting": "b"}), &o)
    );
    assert_eq!(
        a.is_ok() as u8 + b.is_ok() as u8,
        1,
        "{:?} {:?}",
        a.as_ref().err(),
        b.as_ref().err()
    );
    assert_eq!(w.revisions().await.len(), 2);
    // A live lock held by another operation refuses before any write.
    w.cluster.set_lock(
        NS,
        "r",
        Some(LockHolder {
            holder: "h/1/x".into(),
            operation: "upgrade".into(),
            acquired: None,
            renewed: None,
            duration: Duration::from_secs(15),
            liveness: crate::cluster::Liveness::Live,
        }),
    );
    let before = w.snapshot().await;
    let err = w
        .upgrade(chart(), json!({}), &up())
        .await
        .expect_err("held");
    assert!(matches!(err, ActionError::Lock(_)), "{err:?}");
    assert_eq!(w.snapshot().await, before);
}

#[tokio::test]
async fn history_max_prunes_before_the_new_revision() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    let mut o = up();
    o.max_history = 2;
    for _ in 0..3 {
        w.upgrade(chart(), json!({}), &o).await.expect("upgrade");
    }
    let revs: Vec<i64> = w.revisions().await.into_iter().map(|r| r.0).collect();
    assert_eq!(revs, [3, 4]);
}

#[tokio::test]
async fn upgrade_labels_merge_and_null_removes() {
    let w = World::new();
    let mut o = opts();
    o.deploy.labels = BTreeMap::from([("team".into(), "a".into()), ("x".into(), "1".into())]);
    w.install_with(json!({}), &o).await.expect("install");
    let mut u = up();
    u.deploy.labels = BTreeMap::from([("x".into(), "null".into()), ("y".into(), "2".into())]);
    let r = w.upgrade(chart(), json!({}), &u).await.expect("upgrade");
    assert_eq!(
        r.labels,
        BTreeMap::from([("team".into(), "a".into()), ("y".into(), "2".into())])
    );
    let mut bad = up();
    bad.deploy.labels = BTreeMap::from([("owner".into(), "me".into())]);
    let err = w
        .upgrade(chart(), json!({}), &bad)
        .await
        .expect_err("system");
    assert_eq!(
        err.to_string(),
        "user supplied labels contains system reserved label name. System labels: [name owner status version createdAt modifiedAt]"
    );
}

#[tokio::test]
async fn an_interrupted_install_is_recorded_failed_and_lets_go_of_its_lock() {
    let w = World::new();
    w.cluster.cancel_waits();
    let mut o = opts();
    o.deploy.wait = WaitStrategy::Watcher;
    let err = w
        .install_with(json!({}), &o)
        .await
        .expect_err("interrupted");
    assert_eq!(err.to_string(), "context canceled");
    assert_eq!(
        err.kind(),
        crate::error::ErrorKind::Cancelled,
        "the kind survives"
    );
    assert_eq!(
        w.revisions().await,
        [(
            1,
            "failed".into(),
            "Release \"r\" failed: context canceled".into()
        )]
    );
    assert_eq!(
        w.cluster.calls().last().map(String::as_str),
        Some("unlock ns/r")
    );
}

#[tokio::test]
async fn an_interrupted_atomic_upgrade_rolls_back_without_waiting() {
    let w = World::new();
    w.install(json!({"greeting": "good"}))
        .await
        .expect("install");
    w.cluster.cancel_waits();
    let mut o = up();
    o.deploy.rollback_on_failure = true;
    let err = w
        .upgrade(chart(), json!({"greeting": "bad"}), &o)
        .await
        .expect_err("interrupted");
    assert_eq!(
        err.to_string(),
        "release r failed, and has been rolled back due to rollback-on-failure being set: context canceled"
    );
    let revs = w.revisions().await;
    assert_eq!(revs[1].1, "failed");
    assert_eq!(revs[2], (3, "deployed".into(), "Rollback to 1".into()));
    assert_eq!(w.data("r-cm", "greeting").as_deref(), Some("good"));
}

#[tokio::test]
async fn recover_covers_a_release_left_pending_install() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    let mut rec = w.storage.last("r").await.expect("last").record;
    rec.release.info.status = Status::PendingInstall;
    w.storage
        .update(&rec.release, rec.meta.resource_version.as_deref())
        .await
        .expect("stick");
    let options = super::recover::RecoverOptions {
        force: true,
        ..super::recover::RecoverOptions::default()
    };
    super::recover::recover(&w.storage, &w.cluster, "r", &options, &Quiet)
        .await
        .expect("recover");
    assert_eq!(w.revisions().await[0].1, "failed");
    // Then an upgrade starts from the failed revision, as helm's does.
    let r = w.upgrade(chart(), json!({}), &up()).await.expect("upgrade");
    assert_eq!((r.version, r.info.status), (2, Status::Deployed));
}

#[tokio::test]
async fn server_dry_runs_send_every_object_and_write_nothing() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    let before = w.snapshot().await;
    let mut o = up();
    o.deploy.dry_run = DryRun::Server;
    let r = w
        .upgrade(chart(), json!({"extra": true}), &o)
        .await
        .expect("dry run");
    assert_eq!(r.info.description, "Dry run complete");
    assert_eq!(r.version, 2);
    assert!(r.manifest.contains("name: extra"));
    assert_eq!(w.snapshot().await, before);
    assert!(
        w.cluster.object("ConfigMap", NS, "extra").is_none(),
        "dry run applies persist nothing"
    );
    assert!(
        w.cluster
            .calls()
            .iter()
            .any(|c| c == "apply ConfigMap/ns/extra (upgrade csa)"),
        "{:?}",
        w.cluster.calls()
    );
    assert!(
        !w.cluster
            .calls()
            .iter()
            .any(|c| c.starts_with("lock ns/r upgrade"))
    );
}

#[tokio::test]
async fn crds_are_created_first_and_existing_ones_left_alone() {
    let w = World::new();
    w.cluster
        .serve("fixtures.rudder.dev/v1", "Widget", "widgets", true);
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.fixtures.rudder.dev\nspec:\n  group: fixtures.rudder.dev\n";
    let file = |name: &str, data: &str| BufferedFile {
        name: name.into(),
        data: data.as_bytes().to_vec(),
        mod_time: None,
    };
    let c = || {
        load_files(
            vec![
                file("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
                file("crds/widgets.yaml", crd),
                file(
                    "templates/w.yaml",
                    "apiVersion: fixtures.rudder.dev/v1\nkind: Widget\nmetadata:\n  name: w\n",
                ),
            ],
            Compat::V4,
        )
        .expect("chart")
    };
    install(
        &w.storage,
        &w.cluster,
        "r",
        c(),
        &Values::new(),
        &opts(),
        &Quiet,
    )
    .await
    .expect("install");
    let calls = w.cluster.calls();
    let pos = |s: &str| calls.iter().position(|c| c.starts_with(s)).expect(s);
    assert!(
        pos("apply CustomResourceDefinition//widgets.fixtures.rudder.dev")
            < pos("wait Ready CustomResourceDefinition")
    );
    assert!(pos("wait Ready CustomResourceDefinition") < pos("apply Widget/ns/w"));
    // The CRD is not part of the release's manifest, and not owned by it.
    let stored = w.get(1).await;
    assert!(!stored.manifest.contains("CustomResourceDefinition"));
    // A second release of the chart leaves the existing CRD alone.
    let before = w.cluster.calls().len();
    install(
        &w.storage,
        &w.cluster,
        "s",
        c(),
        &Values::new(),
        &opts(),
        &Quiet,
    )
    .await
    .expect_err("the widget exists and belongs to r");
    assert!(
        !w.cluster.calls()[before..]
            .iter()
            .any(|c| c.starts_with("apply CustomResourceDefinition")),
        "{:?}",
        &w.cluster.calls()[before..]
    );
}

#[tokio::test]
async fn create_namespace_makes_helms_namespace_first() {
    let w = World::new();
    let mut o = opts();
    o.create_namespace = true;
    w.install_with(json!({}), &o).await.expect("install");
    let ns = w.cluster.object("Namespace", "", NS).expect("namespace");
    assert_eq!(ns.pointer("/metadata/labels/name"), Some(&json!(NS)));
    let calls = w.cluster.calls();
    assert_eq!(
        calls.first().map(String::as_str),
        Some("apply Namespace//ns")
    );
    // An existing namespace is left alone.
    let mut again = o.clone();
    again.replace = true;
    let before = w.cluster.calls().len();
    let _ = w.install_with(json!({}), &again).await;
    assert!(
        !w.cluster.calls()[before..]
            .iter()
            .any(|c| c.starts_with("apply Namespace")),
    );
}

#[tokio::test]
async fn upgrade_refuses_or_takes_over_objects_it_adds() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    w.cluster.put(
        ResourceId {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: NS.into(),
            name: "extra".into(),
        },
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "extra", "namespace": NS, "labels": {"app.kubernetes.io/managed-by": "Helm"}, "annotations": {"meta.helm.sh/release-name": "other", "meta.helm.sh/release-namespace": NS}}}),
    );
    let before = w.snapshot().await;
    let err = w
        .upgrade(chart(), json!({"extra": true}), &up())
        .await
        .expect_err("owned by another release");
    assert_eq!(
        err.to_string(),
        "unable to continue with update: ConfigMap \"extra\" in namespace \"ns\" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key \"meta.helm.sh/release-name\" must equal \"r\": current value is \"other\""
    );
    assert_eq!(w.snapshot().await, before, "no record");
    let mut v3 = up();
    v3.deploy.compat = Compat::V3;
    let err = w
        .upgrade(chart(), json!({"extra": true}), &v3)
        .await
        .expect_err("v3");
    assert!(
        err.to_string()
            .starts_with("Unable to continue with update: ConfigMap \"extra\""),
        "{err}"
    );
    let mut take = up();
    take.deploy.take_ownership = true;
    w.upgrade(chart(), json!({"extra": true}), &take)
        .await
        .expect("taken over");
    let live = w.cluster.object("ConfigMap", NS, "extra").expect("cm");
    assert_eq!(
        live.pointer("/metadata/annotations/meta.helm.sh~1release-name"),
        Some(&json!("r"))
    );
}

#[tokio::test]
async fn helm_3_records_spell_zero_times_and_waits_as_helm_3() {
    let w = World::new();
    let mut o = opts();
    o.deploy.compat = Compat::V3;
    o.deploy.no_hooks = true;
    install(
        &w.storage,
        &w.cluster,
        "r",
        chart(),
        &vals(json!({"hooks": true})),
        &o,
        &Quiet,
    )
    .await
    .expect("install");
    let text = serde_json::to_string(&w.get(1).await).expect("json");
    // helm 3's `Info.Deleted` and unrun hooks' times are written as "".
    assert!(text.contains("\"deleted\":\"\""), "{text}");
    assert!(
        text.contains("\"last_run\":{\"started_at\":\"\",\"completed_at\":\"\",\"phase\":\"\"}"),
        "{text}"
    );
    assert!(!text.contains("apply_method"), "{text}");
    // helm 3's polling wait only says the deadline passed.
    w.cluster.never_ready("extra", "never");
    let mut u = up();
    u.deploy.compat = Compat::V3;
    u.deploy.wait = WaitStrategy::Legacy;
    let err = w
        .upgrade(chart(), json!({"extra": true}), &u)
        .await
        .expect_err("times out");
    assert_eq!(err.to_string(), "context deadline exceeded");
    assert_eq!(
        w.revisions().await[1].2,
        "Upgrade \"r\" failed: context deadline exceeded"
    );
}

#[tokio::test]
async fn an_interrupt_during_a_hook_fails_the_release_with_the_context_error() {
    let w = World::new();
    w.install(json!({})).await.expect("install");
    w.cluster.cancel_waits();
    let mut o = up();
    o.cleanup_on_fail = true;
    let err = w
        .upgrade(chart(), json!({"hooks": true}), &o)
        .await
        .expect_err("interrupted");
    assert_eq!(err.to_string(), "context canceled");
    assert_eq!(
        w.revisions().await[1],
        (
            2,
            "failed".into(),
            "Upgrade \"r\" failed: context canceled".into()
        )
    );
}
