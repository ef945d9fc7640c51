//! `--dry-run=server`: every object goes to the API server with
//! `dryRun=All`; an invalid one is rejected, a valid rollback is accepted
//! and nothing is persisted (no record written, objects unchanged).

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use kube::api::PostParams;
use rudder::release::codec;

use crate::harness::{TestNs, block_on, chart, cluster};

use super::super::records;

fn message(ns: &str, name: &str) -> Option<String> {
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(cluster().admin().await, ns);
        api.get_opt(name)
            .await
            .expect("get")
            .and_then(|c| c.data)
            .and_then(|d| d.get("message").cloned())
    })
}

/// Rewrites revision `rev`'s stored manifest with `edit`.
fn edit_manifest(ns: &str, release: &str, rev: i64, edit: impl Fn(&str) -> String) {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        let name = format!("sh.helm.release.v1.{release}.v{rev}");
        let mut s = api.get(&name).await.expect("record");
        let data = s.data.as_mut().expect("data");
        let text = data.get("release").expect("release").0.clone();
        let mut rel = codec::decode(&text).expect("decode");
        rel.manifest = edit(&rel.manifest);
        let again = codec::encode(&rel).expect("encode");
        data.insert("release".into(), ByteString(again.into_bytes()));
        api.replace(&name, &PostParams::default(), &s)
            .await
            .expect("replace record");
    });
}

#[test]
fn server_dry_run_rejects_invalid_objects_and_persists_nothing() {
    let ns = TestNs::new("dry-run-server");
    let web = chart("web").to_string_lossy().into_owned();
    for msg in ["one", "two", "three"] {
        ns.helm4([
            "upgrade",
            "--install",
            "r",
            &web,
            "--set",
            &format!("message={msg}"),
        ])
        .ok();
    }
    let cm = "r-web-config";
    assert_eq!(message(&ns.name, cm).as_deref(), Some("three"));

    // Valid: accepted, and nothing persisted.
    let before = records(&ns.name);
    let out = ns.rudder(["rollback", "r", "1", "--dry-run=server"]).ok();
    assert!(out.stdout.contains("Rollback was a success"), "{out}");
    assert_eq!(records(&ns.name), before);
    assert_eq!(message(&ns.name, cm).as_deref(), Some("three"));

    // Revision 2 with a field the API server does not know: the dry run
    // sends it, the server refuses it, nothing is written.
    edit_manifest(&ns.name, "r", 2, |m| {
        m.replacen("kind: ConfigMap\n", "kind: ConfigMap\nnoSuchField: x\n", 1)
    });
    let before = records(&ns.name);
    let out = ns
        .rudder(["rollback", "r", "2", "--dry-run=server"])
        .failed();
    assert!(
        out.stderr
            .contains("server-side dry run of rollback \"r\" failed")
            && out.stderr.contains(cm)
            && out.stderr.contains("noSuchField"),
        "{out}"
    );
    assert_eq!(records(&ns.name), before);
    assert_eq!(message(&ns.name, cm).as_deref(), Some("three"));
    // A client-side dry run does not ask the server, so it does not notice.
    ns.rudder(["rollback", "r", "2", "--dry-run=client"]).ok();

    // Uninstall: every delete is checked, none happens.
    let out = ns.rudder(["uninstall", "r", "--dry-run=server"]).ok();
    assert!(out.stdout.contains("release \"r\" uninstalled"), "{out}");
    assert_eq!(records(&ns.name), before);
    assert_eq!(message(&ns.name, cm).as_deref(), Some("three"));
}
