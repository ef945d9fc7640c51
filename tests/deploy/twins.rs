//! Twin releases made and changed by install and upgrade: one twin by
//! helm, the other by rudder, the tools swapping at every step (so each
//! upgrades what the other installed). After every step both printed the
//! same (names and times masked), exited the same, and helm and rudder
//! tell the same story about both twins, whose live objects are
//! equivalent.

use crate::harness::{TestNs, Tool, chart, realcharts, repo_root};
use std::sync::LazyLock;

use regex::Regex;

use crate::lifecycle::{assert_objects_equivalent, normalize, without_resources};

use super::{errors, run_as};

/// The twins' names. helm 3's and helm 4's tests run at the same time,
/// and charts name cluster-scoped objects after the release: each helm
/// version gets its own pair.
pub(super) fn twins(helm: Tool) -> (&'static str, &'static str) {
    match helm {
        Tool::Helm3 => ("alpha-dep3", "bravo-dep3"),
        _ => ("alpha-dep", "bravo-dep"),
    }
}

/// `{}` in `args` stands for the release, `{web}`/`{web2}`/`{hooks}`/
/// `{podinfo}`/`{nginx}`/`{ingress-nginx}` for chart paths,
/// `{chart:NAME}` for the fixture chart NAME and `{fixture:PATH}` for
/// `fixtures/PATH`.
pub(super) fn expand(args: &[&str], name: &str) -> Vec<String> {
    args.iter()
        .map(|a| match *a {
            "{}" => name.to_owned(),
            a if a.starts_with("{chart:") => {
                chart(&a[7..a.len() - 1]).to_string_lossy().into_owned()
            }
            a if a.starts_with("{fixture:") => repo_root()
                .join("fixtures")
                .join(&a[9..a.len() - 1])
                .to_string_lossy()
                .into_owned(),
            "{web}" => chart("web").to_string_lossy().into_owned(),
            "{web2}" => repo_root()
                .join("fixtures/deploy/web-0.2.0")
                .to_string_lossy()
                .into_owned(),
            "{hooks}" => chart("hooks").to_string_lossy().into_owned(),
            "{podinfo}" => realcharts().join("podinfo").to_string_lossy().into_owned(),
            "{nginx}" => realcharts().join("nginx").to_string_lossy().into_owned(),
            "{ingress-nginx}" => realcharts()
                .join("ingress-nginx")
                .to_string_lossy()
                .into_owned(),
            // A value naming the release.
            other => other.replace("{}", name),
        })
        .collect()
}

/// Runs one step: `first` on twin A and the other tool on twin B, at the
/// same time; both must print and exit alike.
#[track_caller]
pub(super) fn step(ns: &TestNs, helm: Tool, first: Tool, args: &[&str]) {
    let second = if first == Tool::Rudder {
        helm
    } else {
        Tool::Rudder
    };
    let (a, b) = twins(helm);
    let (a_args, b_args) = (expand(args, a), expand(args, b));
    let (ra, rb) = std::thread::scope(|s| {
        let ha = s.spawn(|| run_as(ns, first, helm, &a_args));
        let hb = s.spawn(|| run_as(ns, second, helm, &b_args));
        (
            ha.join().expect("twin A's run"),
            hb.join().expect("twin B's run"),
        )
    });
    let show = |o: &crate::harness::Out| {
        normalize(
            &format!(
                "exit {}\n{}\n--- stderr ---\n{}",
                o.code(),
                o.stdout,
                errors(&o.stderr)
            ),
            &[a, b],
        )
    };
    let when = format!("`{}` ({first:?} on A, {second:?} on B)", args.join(" "));
    assert_eq!(
        show(&ra),
        show(&rb),
        "{when}: outputs differ\nA: {ra}\nB: {rb}"
    );
    assert_same_story(ns, helm, &when);
}

/// Names a chart draws at random (podinfo's test hooks end in
/// `randAlphaNum 5`): masked.
fn mask_random(text: &str) -> String {
    static RANDOM: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"-test-[a-z0-9]{5}\b").expect("regex"));
    RANDOM.replace_all(text, "-test-RANDOM").into_owned()
}

/// helm (the version imitated) must read both twins alike (`history`;
/// `get all`: status, values, hooks, manifest and notes), rudder their
/// histories alike, and the cluster must hold equivalent objects for them.
/// (rudder's `get all` of a record helm wrote is the compat tests' job;
/// here helm reading rudder's record as its own is what matters.)
#[track_caller]
fn assert_same_story(ns: &TestNs, helm: Tool, when: &str) {
    let (a, b) = twins(helm);
    let both: &[&[&str]] = &[&["history", "{}"], &["get", "all", "{}"]];
    let history: &[&[&str]] = &[&["history", "{}"]];
    for (tool, reads) in [(helm, both), (Tool::Rudder, history)] {
        for args in reads {
            let read = |name: &str| {
                let out = ns.run(tool, expand(args, name));
                let text = format!("exit {}\n{}{}", out.code(), out.stdout, out.stderr);
                mask_random(&normalize(&without_resources(&text), &[a, b]))
            };
            let (ta, tb) = std::thread::scope(|s| {
                let tb = s.spawn(|| read(b));
                (read(a), tb.join().expect("read B"))
            });
            assert_eq!(
                ta,
                tb,
                "{when}: `{tool:?} {}` differs between the twins",
                args.join(" ")
            );
        }
    }
    assert_objects_equivalent(&ns.name, a, b, when);
    if helm == Tool::Helm4 {
        // helm 3 applies client-side and rudder always server-side, so
        // only helm 4's twins must own the same fields.
        assert_same_ownership(&ns.name, a, b, when);
    }
}

/// Who owns which fields of the twins' live objects as helm (the fields
/// manager both tools write as): equal for both twins. Other managers
/// (controllers writing status) are left out: when they write depends on
/// timing, not on the tool.
#[track_caller]
fn assert_same_ownership(ns: &str, a: &str, b: &str, when: &str) {
    let by_helm = |name: &str| {
        let mut owned = crate::lifecycle::ownership(ns, name);
        for entries in owned.values_mut() {
            entries.retain(|e| e.starts_with("manager=helm "));
        }
        owned
    };
    let (oa, ob) = (by_helm(a), by_helm(b));
    assert_eq!(
        oa, ob,
        "{when}: fields helm owns differ between {a} (left) and {b} (right)"
    );
}

fn web_flow(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-twins-web-{helm:?}"));
    let (h, r) = (helm, Tool::Rudder);
    let wait = ["--wait", "--timeout", "2m"];
    let with = |args: &[&'static str]| [args, &wait[..]].concat();
    step(
        &ns,
        helm,
        h,
        &with(&["install", "{}", "{web}", "--set", "message=one"]),
    );
    // Server-side dry runs: the upgrade's release as it would be, and an
    // install refused because the name is taken; nothing recorded.
    step(
        &ns,
        helm,
        r,
        &[
            "upgrade",
            "{}",
            "{web2}",
            "--dry-run=server",
            "--set",
            "replicaCount=3",
        ],
    );
    step(
        &ns,
        helm,
        h,
        &["install", "{}", "{web}", "--dry-run=server"],
    );
    // A new chart version, the previous values kept.
    step(
        &ns,
        helm,
        r,
        &with(&[
            "upgrade",
            "{}",
            "{web2}",
            "--reuse-values",
            "--set",
            "replicaCount=2",
        ]),
    );
    if helm == Tool::Helm4 {
        step(
            &ns,
            helm,
            h,
            &with(&[
                "upgrade",
                "{}",
                "{web}",
                "--reset-then-reuse-values",
                "--set",
                "image.tag=2.0",
                "-o",
                "json",
            ]),
        );
        step(
            &ns,
            helm,
            r,
            &with(&[
                "upgrade",
                "{}",
                "{web2}",
                "--reset-values",
                "--description",
                "by hand",
                "--labels",
                "team=a,tier=web",
                "-o",
                "yaml",
            ]),
        );
    }
    if helm == Tool::Helm4 {
        // A failing upgrade that created an object: deleted again.
        step(
            &ns,
            helm,
            r,
            &[
                "upgrade",
                "{}",
                "{web2}",
                "--cleanup-on-fail",
                "--wait",
                "--timeout",
                "3s",
                "--set",
                "unschedulable=true",
            ],
        );
    }
    // A failing upgrade, rolled back.
    step(
        &ns,
        helm,
        h,
        &[
            "upgrade",
            "--install",
            "{}",
            "{web}",
            "--atomic",
            "--timeout",
            "3s",
            "--set",
            "unschedulable=true",
        ],
    );
}

#[test]
fn web_twins_with_helm_4() {
    web_flow(Tool::Helm4);
}

#[test]
fn web_twins_with_helm_3() {
    web_flow(Tool::Helm3);
}

/// Hooks of every install/upgrade event, with weights and delete
/// policies, run by either tool.
fn hook_flow(helm: Tool) {
    let ns = TestNs::new("deploy-twins-hooks");
    step(
        &ns,
        helm,
        helm,
        &["install", "{}", "{hooks}", "--timeout", "2m"],
    );
    step(
        &ns,
        helm,
        Tool::Rudder,
        &[
            "upgrade",
            "{}",
            "{hooks}",
            "--set",
            "message=again",
            "--timeout",
            "2m",
        ],
    );
    step(
        &ns,
        helm,
        helm,
        &[
            "upgrade",
            "--install",
            "{}",
            "{hooks}",
            "--no-hooks",
            "--set",
            "message=quiet",
        ],
    );
}

/// A real-world chart, podinfo: installed and upgraded (new values) by
/// either tool.
fn podinfo_flow(helm: Tool) {
    let ns = TestNs::new("deploy-twins-podinfo");
    step(
        &ns,
        helm,
        Tool::Rudder,
        &["upgrade", "--install", "{}", "{podinfo}"],
    );
    step(
        &ns,
        helm,
        helm,
        &[
            "upgrade",
            "{}",
            "{podinfo}",
            "--set",
            "replicaCount=2",
            "--set",
            "ui.message=hi",
        ],
    );
    step(
        &ns,
        helm,
        Tool::Rudder,
        &["upgrade", "{}", "{podinfo}", "--reuse-values"],
    );
}

/// bitnami nginx and ingress-nginx (admission-webhook hooks, cluster-wide
/// RBAC named after the release): installed by rudder, upgraded by helm,
/// and back.
fn nginx_flow(helm: Tool) {
    let ns = TestNs::new("deploy-twins-nginx");
    // Fixed by values: no generated certificates, no node ports the API
    // server picks at random.
    let fixed = [
        "--set",
        "tls.enabled=false",
        "--set",
        "service.type=ClusterIP",
    ];
    let with = |args: &[&'static str]| [args, &fixed[..]].concat();
    step(
        &ns,
        helm,
        Tool::Rudder,
        &with(&["install", "{}", "{nginx}"]),
    );
    step(
        &ns,
        helm,
        helm,
        &with(&["upgrade", "{}", "{nginx}", "--set", "replicaCount=2"]),
    );
}

fn ingress_nginx_flow(helm: Tool) {
    let ns = TestNs::new("deploy-twins-ingress");
    // No node ports the API server picks at random, and an IngressClass
    // (cluster-scoped) per release.
    let fixed = [
        "--set",
        "controller.service.type=ClusterIP",
        "--set",
        "controller.ingressClassResource.name={}-class",
    ];
    let with = |args: &[&'static str]| [args, &fixed[..]].concat();
    step(
        &ns,
        helm,
        Tool::Rudder,
        &with(&["install", "{}", "{ingress-nginx}"]),
    );
    step(
        &ns,
        helm,
        helm,
        &[
            "upgrade",
            "{}",
            "{ingress-nginx}",
            "--reuse-values",
            "--set",
            "controller.replicaCount=2",
        ],
    );
}

/// A ConfigMap made outside helm, in the way of the chart's own.
fn unowned_configmap(ns: &str, name: &str) {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, PostParams};
    crate::harness::block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(crate::harness::cluster().admin().await, ns);
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name},
            "data": {"message": "made by hand"}
        }))
        .expect("configmap");
        api.create(&PostParams::default(), &cm)
            .await
            .expect("create configmap");
    });
}

/// An object the release did not make: refused with helm's "invalid
/// ownership metadata" error (nothing recorded), then adopted with
/// `--take-ownership`.
fn take_ownership_flow(helm: Tool) {
    let ns = TestNs::new("deploy-twins-own");
    let (a, b) = twins(helm);
    for name in [a, b] {
        unowned_configmap(&ns.name, &format!("{name}-web-config"));
    }
    step(&ns, helm, Tool::Rudder, &["install", "{}", "{web}"]);
    // Refused, by both (the step checked they agree): no release.
    ns.run(helm, ["status", a]).failed();
    // helm 3 applies client-side and overwrites the hand-made field; helm
    // 4 applies server-side and stops at the field's other manager.
    step(
        &ns,
        helm,
        helm,
        &["upgrade", "--install", "{}", "{web}", "--take-ownership"],
    );
    if helm == Tool::Helm4 {
        // Both recorded a failed install (the step compared the stories);
        // forcing the conflict adopts the object.
        step(
            &ns,
            helm,
            Tool::Rudder,
            &[
                "upgrade",
                "--install",
                "{}",
                "{web}",
                "--take-ownership",
                "--force-conflicts",
            ],
        );
    }
    // Adopted: the release's record and the object's new data.
    ns.run(helm, ["status", a]).ok();
    for name in [a, b] {
        let message = configmap_message(&ns.name, &format!("{name}-web-config"));
        assert_ne!(message.as_deref(), Some("made by hand"), "{name}");
    }
}

/// The `message` key of a ConfigMap.
fn configmap_message(ns: &str, name: &str) -> Option<String> {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::Api;
    crate::harness::block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(crate::harness::cluster().admin().await, ns);
        let cm = api.get(name).await.expect("get configmap");
        cm.data.and_then(|d| d.get("message").cloned())
    })
}

#[test]
fn hook_twins_with_helm_4() {
    hook_flow(Tool::Helm4);
}

#[test]
fn hook_twins_with_helm_3() {
    hook_flow(Tool::Helm3);
}

#[test]
fn podinfo_twins_with_helm_4() {
    podinfo_flow(Tool::Helm4);
}

#[test]
fn podinfo_twins_with_helm_3() {
    podinfo_flow(Tool::Helm3);
}

#[test]
fn nginx_twins_with_helm_4() {
    nginx_flow(Tool::Helm4);
}

#[test]
fn nginx_twins_with_helm_3() {
    nginx_flow(Tool::Helm3);
}

#[test]
fn ingress_nginx_twins_with_helm_4() {
    ingress_nginx_flow(Tool::Helm4);
}

#[test]
fn ingress_nginx_twins_with_helm_3() {
    ingress_nginx_flow(Tool::Helm3);
}

#[test]
fn take_ownership_twins_with_helm_4() {
    take_ownership_flow(Tool::Helm4);
}

#[test]
fn take_ownership_twins_with_helm_3() {
    take_ownership_flow(Tool::Helm3);
}
