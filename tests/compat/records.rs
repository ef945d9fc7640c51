//! Records themselves: rudder decodes what helm wrote and helm reads what
//! rudder wrote; unreadable records, lying labels and forbidden namespaces
//! leave everything else listed.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, ListParams, PostParams};
use rudder::release::codec;
use serde_json::{Value, json};

use crate::harness::{Out, TestNs, Tool, b64, block_on, chart, cluster, gzip};

use super::check::{Norm, agree};
use super::matrix::both;

fn secrets(ns: &str) -> Vec<Secret> {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        api.list(&ListParams::default().labels("owner=helm"))
            .await
            .expect("list")
            .items
    })
}

fn record_text(s: &Secret) -> Vec<u8> {
    s.data
        .as_ref()
        .and_then(|d| d.get("release"))
        .map(|b| b.0.clone())
        .unwrap_or_default()
}

/// Drops the members helm v3 writes as `""` for zero times, which rudder
/// (like helm v4) leaves out when writing.
fn without_empty_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, v| {
                !(matches!(
                    k.as_str(),
                    "first_deployed" | "last_deployed" | "deleted" | "started_at" | "completed_at"
                ) && v.as_str() == Some(""))
            });
            m.values_mut().for_each(without_empty_times);
        }
        Value::Array(a) => a.iter_mut().for_each(without_empty_times),
        _ => {}
    }
}

#[test]
fn every_record_helm_wrote_decodes_and_re_encodes_to_the_same_json() {
    let mut checked = 0;
    for m in both() {
        for ns in [&m.ns.name, &m.other.name] {
            for s in secrets(ns) {
                let text = record_text(&s);
                let rel =
                    codec::decode(&text).unwrap_or_else(|e| panic!("{:?}: {e}", s.metadata.name));
                let original: Value = serde_json::from_slice(
                    &codec::decode_to_json(&text, Default::default()).expect("json"),
                )
                .expect("json");
                let again = codec::encode(&rel).expect("encode");
                let mut round: Value = serde_json::from_slice(
                    &codec::decode_to_json(again.as_bytes(), Default::default()).expect("json"),
                )
                .expect("json");
                let mut original = original;
                without_empty_times(&mut original);
                without_empty_times(&mut round);
                assert_eq!(
                    original, round,
                    "{:?} changed in a decode/encode round trip",
                    s.metadata.name
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "only {checked} records checked");
}

/// helm reads records rudder encoded exactly as it read its own.
#[test]
fn helm_reads_records_rudder_encoded() {
    let ns = TestNs::new("records-reencoded");
    let web = chart("web").to_string_lossy().into_owned();
    let hooks = chart("hooks").to_string_lossy().into_owned();
    let tricky = chart("tricky-values");
    let tricky_values = tricky.join("values.yaml").to_string_lossy().into_owned();
    let tricky = tricky.to_string_lossy().into_owned();
    ns.helm3(["install", "r3", &web, "--labels", "team=x"]).ok();
    ns.helm3(["upgrade", "r3", &web, "--set", "message=two"])
        .ok();
    ns.helm4(["install", "r4", &hooks]).ok();
    ns.helm4(["install", "t4", &tricky, "-f", &tricky_values])
        .ok();

    let reads = |tool: Tool| -> Vec<String> {
        let mut out = Vec::new();
        for r in ["r3", "r4", "t4"] {
            for args in [
                vec!["get", "all", r],
                vec!["history", r, "-o", "json"],
                vec!["get", "values", r, "-o", "json"],
                vec!["get", "metadata", r, "-o", "json"],
                vec!["get", "all", r, "--revision", "1"],
            ] {
                out.push(ns.run(tool, &args).ok().stdout);
            }
        }
        out.push(ns.run(tool, ["list", "-o", "json"]).ok().stdout);
        out
    };
    let before: Vec<_> = [Tool::Helm3, Tool::Helm4].map(reads).into();

    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, &ns.name);
        for mut s in api
            .list(&ListParams::default().labels("owner=helm"))
            .await
            .expect("list")
            .items
        {
            let rel = codec::decode(&record_text(&s)).expect("decode");
            let text = codec::encode(&rel).expect("encode");
            s.data = Some(BTreeMap::from([(
                "release".to_string(),
                ByteString(text.into_bytes()),
            )]));
            let name = s.metadata.name.clone().expect("name");
            api.replace(&name, &PostParams::default(), &s)
                .await
                .expect("replace");
        }
    });
    let after: Vec<_> = [Tool::Helm3, Tool::Helm4].map(reads).into();
    assert_eq!(
        before, after,
        "helm reads rudder-encoded records differently"
    );
}

/// helm v4 and rudder print the same on stdout, both succeeding; live
/// state compared as [`agree`] allows (rudder's stderr, which names the
/// unreadable records here, is checked by each test).
fn same_stdout(ns: &TestNs, args: &[&str]) {
    let both_ok = |h: &Out, r: &Out| {
        (!h.status.success() || !r.status.success()).then(|| format!("{h}\n{r}"))
    };
    if let Some(d) = agree(
        &|| ns.helm4(args),
        &|| ns.rudder(args),
        Norm::Live,
        &both_ok,
    ) {
        panic!("{args:?} differs:\n{d}");
    }
}

fn put_secret(ns: &str, name: &str, labels: &[(&str, &str)], data: Vec<u8>) {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        let s: Secret = serde_json::from_value(json!({
            "metadata": {
                "name": name,
                "labels": labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>()
            },
            "type": "helm.sh/release.v1",
        }))
        .expect("secret");
        let mut s = s;
        s.data = Some(BTreeMap::from([("release".to_string(), ByteString(data))]));
        api.create(&PostParams::default(), &s)
            .await
            .expect("create");
    });
}

#[test]
fn unreadable_records_are_reported_and_everything_else_is_listed() {
    let ns = TestNs::new("records-corrupt");
    let web = chart("web").to_string_lossy().into_owned();
    // --wait: status shows live objects, which must have settled before
    // helm and rudder read them one after the other.
    ns.helm4(["install", "good", &web, "--wait"]).ok();
    ns.helm4(["install", "newest-bad", &web, "--wait"]).ok();
    ns.helm4([
        "upgrade",
        "newest-bad",
        &web,
        "--set",
        "message=two",
        "--wait",
    ])
    .ok();
    let labels = |name: &'static str, v: &'static str| {
        vec![
            ("owner", "helm"),
            ("name", name),
            ("status", "deployed"),
            ("version", v),
        ]
    };
    put_secret(
        &ns.name,
        "sh.helm.release.v1.bad-base64.v1",
        &labels("bad-base64", "1"),
        b"%%% not base64".to_vec(),
    );
    put_secret(
        &ns.name,
        "sh.helm.release.v1.bad-gzip.v1",
        &labels("bad-gzip", "1"),
        b64(&[0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 1, 2, 3]),
    );
    put_secret(
        &ns.name,
        "sh.helm.release.v1.bad-json.v1",
        &labels("bad-json", "1"),
        b64(&gzip(b"{\"name\": [")),
    );
    // 100 MB of zeros: a gzip bomb, over rudder's decompression limit.
    put_secret(
        &ns.name,
        "sh.helm.release.v1.bomb.v1",
        &labels("bomb", "1"),
        b64(&gzip(&vec![0u8; 100 << 20])),
    );
    // The newest revision of a release is unreadable: helm shows the one
    // before, and so does rudder.
    put_secret(
        &ns.name,
        "sh.helm.release.v1.newest-bad.v3",
        &labels("newest-bad", "3"),
        b"garbage".to_vec(),
    );

    for args in [
        vec!["list"],
        vec!["list", "-o", "json"],
        vec!["history", "newest-bad"],
        vec!["status", "newest-bad", "-o", "json"],
        vec!["get", "values", "newest-bad"],
    ] {
        same_stdout(&ns, &args);
    }
    let out = ns.rudder(["list"]).ok();
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        warnings.len(),
        5,
        "one line per unreadable record:\n{}",
        out.stderr
    );
    for (key, why) in [
        ("bad-base64.v1", "invalid base64"),
        ("bad-gzip.v1", "invalid gzip"),
        ("bad-json.v1", "invalid release JSON"),
        ("bomb.v1", "exceeds"),
        ("newest-bad.v3", "invalid base64"),
    ] {
        assert!(
            warnings.iter().any(|w| w.contains(key) && w.contains(why)),
            "no warning for {key} ({why}):\n{}",
            out.stderr
        );
    }
    assert!(out.stdout.contains("good") && out.stdout.contains("newest-bad"));
    let status = ns.rudder(["status", "newest-bad"]).ok();
    assert!(status.stdout.contains("REVISION: 2"), "{status}");
    assert!(status.stderr.contains("newest-bad.v3"), "{status}");
}

#[test]
fn labels_are_hints_and_the_record_wins() {
    let ns = TestNs::new("records-labels-lie");
    let web = chart("web").to_string_lossy().into_owned();
    // --wait: status shows live objects (see above).
    ns.helm4(["install", "liar", &web, "--wait"]).ok();
    ns.helm4(["upgrade", "liar", &web, "--set", "message=two", "--wait"])
        .ok();
    ns.helm4(["install", "honest", &web, "--wait"]).ok();
    // A copy of revision 1 whose labels claim it is revision 9 and deployed.
    let rev1 = secrets(&ns.name)
        .into_iter()
        .find(|s| s.metadata.name.as_deref() == Some("sh.helm.release.v1.liar.v1"))
        .expect("rev 1");
    put_secret(
        &ns.name,
        "sh.helm.release.v1.liar.v9",
        &[
            ("owner", "helm"),
            ("name", "liar"),
            ("status", "deployed"),
            ("version", "9"),
        ],
        record_text(&rev1),
    );
    for args in [
        vec!["list", "-o", "json"],
        vec!["list", "--superseded"],
        vec!["status", "liar", "-o", "json"],
        vec!["history", "liar"],
        vec!["get", "values", "liar"],
    ] {
        same_stdout(&ns, &args);
    }
}

#[test]
fn list_all_namespaces_lists_what_a_restricted_user_may_read() {
    let allowed = TestNs::new("records-rbac-yes");
    let denied = TestNs::new("records-rbac-no");
    let web = chart("web").to_string_lossy().into_owned();
    allowed.helm4(["install", "visible", &web]).ok();
    denied.helm4(["install", "hidden", &web]).ok();
    block_on(async {
        let admin = cluster().admin().await;
        let cr: ClusterRole = serde_json::from_value(json!({
            "metadata": {"name": format!("list-namespaces-{}", allowed.name)},
            "rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list"]}]
        }))
        .expect("clusterrole");
        Api::<ClusterRole>::all(admin.clone())
            .create(&PostParams::default(), &cr)
            .await
            .expect("create");
        let crb: ClusterRoleBinding = serde_json::from_value(json!({
            "metadata": {"name": format!("list-namespaces-{}", allowed.name)},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": format!("list-namespaces-{}", allowed.name)},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "restricted"}]
        }))
        .expect("binding");
        Api::<ClusterRoleBinding>::all(admin.clone())
            .create(&PostParams::default(), &crb)
            .await
            .expect("create");
        let role: Role = serde_json::from_value(json!({
            "metadata": {"name": "read-releases"},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]
        }))
        .expect("role");
        Api::<Role>::namespaced(admin.clone(), &allowed.name)
            .create(&PostParams::default(), &role)
            .await
            .expect("create");
        let rb: RoleBinding = serde_json::from_value(json!({
            "metadata": {"name": "read-releases"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read-releases"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "restricted"}]
        }))
        .expect("binding");
        Api::<RoleBinding>::namespaced(admin, &allowed.name)
            .create(&PostParams::default(), &rb)
            .await
            .expect("create");
    });

    // helm gives up on the whole listing.
    let helm = Tool::Helm4
        .run(["list", "-A", "--kube-context", "restricted"])
        .failed();
    assert!(helm.stderr.contains("forbidden"), "{helm}");

    let out = Tool::Rudder
        .run(["list", "-A", "--kube-context", "restricted"])
        .ok();
    assert!(out.stdout.contains("visible"), "{out}");
    assert!(!out.stdout.contains("hidden"), "{out}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one line names the unreadable namespaces:\n{}",
        out.stderr
    );
    assert!(
        lines[0].contains(&denied.name) && !lines[0].contains(&format!("{},", allowed.name)),
        "{}",
        lines[0]
    );

    // A single forbidden namespace is still an error, as in helm.
    let helm = Tool::Helm4
        .run(["list", "-n", &denied.name, "--kube-context", "restricted"])
        .failed();
    let rudder = Tool::Rudder
        .run(["list", "-n", &denied.name, "--kube-context", "restricted"])
        .failed();
    assert_eq!(helm.stderr, rudder.stderr);
}

#[test]
fn values_never_reach_the_logs() {
    let ns = TestNs::new("records-no-leaks");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4([
        "install",
        "secretive",
        &web,
        "--set",
        "message=hunter2-do-not-log",
    ])
    .ok();
    for args in [
        vec!["--debug", "status", "secretive"],
        vec!["--debug", "list"],
        vec!["--debug", "history", "secretive"],
    ] {
        let out = ns
            .run_env(Tool::Rudder, &args, &[("RUST_LOG", "trace")])
            .ok();
        assert!(!out.stderr.contains("hunter2"), "{out}");
    }
}
