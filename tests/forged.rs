//! Records whose labels disagree with their bodies (hand-edited or forged
//! `version`, `status` and `name` labels): `list`, `status`, `get values`
//! and `history` give helm's answer, which goes by the decoded bodies,
//! compared with real helm v3 and v4.

use kube::api::{Api, Patch, PatchParams};
use serde_json::json;

use k8s_openapi::api::core::v1::Secret;

use crate::harness::{TestNs, Tool, block_on, chart, cluster};

/// Overwrites labels of a stored record, as a hand edit would.
fn relabel(ns: &str, key: &str, labels: &[(&str, &str)]) {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        let labels: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        api.patch(
            key,
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": labels}})),
        )
        .await
        .expect("relabel");
    });
}

/// Copies a record's body to a new key with the given labels (a forged
/// record).
fn forge(ns: &str, from: &str, to: &str, labels: &[(&str, &str)]) {
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, ns);
        let src = api.get(from).await.expect("source record");
        let mut s: Secret = serde_json::from_value(json!({
            "metadata": {"name": to, "labels": labels.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>()},
            "type": "helm.sh/release.v1",
        }))
        .expect("secret");
        s.data = src.data;
        api.create(&Default::default(), &s).await.expect("forge");
    });
}

/// The rows of a `list -A` table in namespace `ns`, cell by cell (other
/// tests' releases share the cluster and change between helm's run and
/// rudder's, so the column widths they set are not compared here; the
/// compat tests compare widths on listings they own).
fn rows_in(out: &str, ns: &str) -> String {
    out.lines()
        .filter(|l| l.split_whitespace().nth(1).map(str::trim) == Some(ns))
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').map(str::trim).collect();
            format!("{}\n", cells.join(" | "))
        })
        .collect()
}

/// rudder (as helm v4, and with `--compat v3` as helm v3) prints exactly
/// what helm prints, for every command.
fn same_as_helm(ns: &TestNs, commands: &[Vec<&str>]) {
    let mut diffs = Vec::new();
    for (helm, compat) in [(Tool::Helm4, None), (Tool::Helm3, Some("v3"))] {
        let env: Vec<(&str, &str)> = compat
            .map(|v| vec![("RUDDER_HELM_COMPAT", v)])
            .unwrap_or_default();
        for args in commands {
            let h = ns.run(helm, args);
            let r = ns.run_env(Tool::Rudder, args, &env);
            let (mut hs, mut rs) = (h.stdout.clone(), r.stdout.clone());
            if args.contains(&"-A") {
                hs = rows_in(&hs, &ns.name);
                rs = rows_in(&rs, &ns.name);
            }
            // helm v4's status JSON carries live objects: the related-pods
            // list's resourceVersion is the cluster's revision at the time
            // of each read, the one thing allowed to differ.
            hs = mask_pod_list_rv(&hs);
            rs = mask_pod_list_rv(&rs);
            if (hs.as_str(), h.code()) != (rs.as_str(), r.code()) {
                diffs.push(format!(
                    "{helm:?} {args:?}:\n--- helm ({}) ---\n{hs}{}\n--- rudder ({}) ---\n{rs}{}",
                    h.code(),
                    h.stderr,
                    r.code(),
                    r.stderr
                ));
            }
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
}

fn mask_pod_list_rv(s: &str) -> String {
    static RV: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#""kind":"PodList","metadata":\{"resourceVersion":"\d+"\}"#)
            .expect("regex")
    });
    RV.replace_all(
        s,
        r#""kind":"PodList","metadata":{"resourceVersion":"<rv>"}"#,
    )
    .into_owned()
}

fn key(name: &str, v: u32) -> String {
    format!("sh.helm.release.v1.{name}.v{v}")
}

fn commands<'a>(names: &'a [&'a str]) -> Vec<Vec<&'a str>> {
    let mut c = vec![
        // Every namespace, unlimited: with the default `--max 256` the cut
        // falls wherever the other tests' releases (created meanwhile)
        // push it, so helm and rudder may cut at different places.
        vec!["list", "-A", "-m", "0"],
        vec!["list", "-o", "json"],
        vec!["list", "--deployed"],
        vec!["list", "--superseded"],
    ];
    for n in names {
        c.push(vec!["status", n, "-o", "json"]);
        c.push(vec!["get", "values", n]);
        c.push(vec!["get", "values", n, "--revision", "1"]);
        c.push(vec!["history", n]);
    }
    c
}

fn two_revisions(ns: &TestNs, name: &str) {
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", name, &web, "--set", "message=one"])
        .ok();
    ns.helm4(["upgrade", name, &web, "--set", "message=two"])
        .ok();
}

#[test]
fn version_labels_too_high_or_too_low_are_ignored_as_helm_ignores_them() {
    let ns = TestNs::new("forged-version");
    two_revisions(&ns, "high");
    two_revisions(&ns, "low");
    // Revision 1 claims to be revision 9; revision 2 claims to be 1.
    relabel(&ns.name, &key("high", 1), &[("version", "9")]);
    relabel(&ns.name, &key("low", 2), &[("version", "1")]);
    same_as_helm(&ns, &commands(&["high", "low"]));
}

#[test]
fn a_lying_status_label_is_not_the_status() {
    let ns = TestNs::new("forged-status");
    two_revisions(&ns, "swap");
    // The deployed revision says superseded and the superseded one says
    // deployed.
    relabel(&ns.name, &key("swap", 2), &[("status", "superseded")]);
    relabel(&ns.name, &key("swap", 1), &[("status", "deployed")]);
    // A failed-looking label on a deployed single revision.
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", "one", &web, "--wait"]).ok();
    relabel(&ns.name, &key("one", 1), &[("status", "failed")]);
    same_as_helm(&ns, &commands(&["swap", "one"]));
}

#[test]
fn a_name_label_of_another_release_is_followed_as_helm_follows_it() {
    let ns = TestNs::new("forged-name");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", "victim", &web, "--wait"]).ok();
    two_revisions(&ns, "thief");
    // thief's revision 2 says it belongs to victim (its key still says
    // thief).
    relabel(&ns.name, &key("thief", 2), &[("name", "victim")]);
    // And a forged record under victim's own key pattern, with labels that
    // agree with the key but the body of thief's revision 1.
    forge(
        &ns.name,
        &key("thief", 1),
        &key("victim", 5),
        &[
            ("owner", "helm"),
            ("name", "victim"),
            ("status", "deployed"),
            ("version", "5"),
        ],
    );
    same_as_helm(&ns, &commands(&["victim", "thief"]));
}
