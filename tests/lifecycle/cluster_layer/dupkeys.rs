//! Duplicated keys: go-yaml (helm) keeps the last value of a key given
//! twice, in a template or in values.yaml. A release helm installed from
//! such a chart must be shown, rolled back and uninstalled by rudder.

use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::Api;

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

use super::super::without_resources;

fn configmap(ns: &str, name: &str) -> Option<ConfigMap> {
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(cluster().admin().await, ns);
        api.get_opt(name).await.expect("get configmap")
    })
}

fn service(ns: &str, name: &str) -> Option<Service> {
    block_on(async {
        let api: Api<Service> = Api::namespaced(cluster().admin().await, ns);
        api.get_opt(name).await.expect("get service")
    })
}

fn shown_rolled_back_and_uninstalled(helm: Tool) {
    let ns = TestNs::new(&format!("dupkeys-{helm:?}"));
    let name = "dup";
    let chart = chart("dupkeys").to_string_lossy().into_owned();
    ns.run(helm, ["install", name, &chart]).ok();
    ns.run(helm, ["upgrade", name, &chart, "--set", "message=changed"])
        .ok();
    let compat: &[&str] = if helm == Tool::Helm3 {
        &["--compat", "v3"]
    } else {
        &[]
    };

    // status: rudder reads the manifest (live resources) as helm does.
    let mut args = vec!["status", name];
    args.extend_from_slice(compat);
    let theirs = ns.run(helm, ["status", name]).ok();
    let ours = ns.rudder(&args).ok();
    assert_eq!(
        without_resources(&ours.stdout),
        without_resources(&theirs.stdout)
    );
    if helm == Tool::Helm4 {
        // helm v4 lists the live objects: rudder must have found both.
        assert!(ours.stdout.contains("dup-dup"), "{ours}");
    }

    // rollback to revision 1: the objects get the last value of each key.
    ns.rudder(["rollback", name, "1", "--wait"]).ok();
    let cm = configmap(&ns.name, "dup-dup").expect("configmap");
    let data = cm.data.unwrap_or_default();
    assert_eq!(data.get("key").map(String::as_str), Some("last"));
    assert_eq!(data.get("message").map(String::as_str), Some("second"));
    let labels = cm.metadata.labels.unwrap_or_default();
    assert_eq!(
        labels.get("rudder.test/dup").map(String::as_str),
        Some("last")
    );
    let svc = service(&ns.name, "dup-dup").expect("service");
    let selector = svc.spec.and_then(|s| s.selector).unwrap_or_default();
    assert_eq!(selector.get("app").map(String::as_str), Some("dup-dup"));
    let helm_view = ns.run(helm, ["history", name, "-o", "json"]).ok();
    assert!(helm_view.stdout.contains("Rollback to 1"), "{helm_view}");

    // uninstall removes both objects; helm agrees the release is gone.
    ns.rudder(["uninstall", name, "--wait"]).ok();
    assert!(configmap(&ns.name, "dup-dup").is_none());
    assert!(service(&ns.name, "dup-dup").is_none());
    let gone = ns.run(helm, ["status", name]).failed();
    assert!(gone.stderr.contains("not found"), "{gone}");
}

#[test]
fn dupkeys_release_of_helm3() {
    shown_rolled_back_and_uninstalled(Tool::Helm3);
}

#[test]
fn dupkeys_release_of_helm4() {
    shown_rolled_back_and_uninstalled(Tool::Helm4);
}
