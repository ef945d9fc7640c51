//! A stuck release recovered from the UI: helm is killed (SIGKILL) in the
//! middle of an upgrade, leaving `pending-upgrade` with nobody working on
//! it.

use std::io::{Read as _, Write as _};

use base64::Engine as _;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};

use super::driver::{Start, Ui};
use super::{T, history, web};
use crate::harness::{TestNs, Tool, block_on, cluster};

/// Makes revision `rev` of `name` look two hours old (its deploy time and
/// its `modifiedAt`/`createdAt` labels), as if the killed helm had died
/// that long ago: the UI has no `--grace` (recover's grace is one hour),
/// and a test cannot wait an hour.
fn age_record(ns: &TestNs, name: &str, rev: u32) {
    let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(2);
    block_on(async {
        let api: Api<Secret> = Api::namespaced(cluster().admin().await, &ns.name);
        let key = format!("sh.helm.release.v1.{name}.v{rev}");
        let mut secret = api.get(&key).await.expect("release secret");
        let data = secret.data.as_mut().expect("data");
        let b64 = base64::engine::general_purpose::STANDARD;
        let gz = b64
            .decode(&data.get("release").expect("release").0)
            .expect("base64");
        let mut json = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut json)
            .expect("gunzip");
        let mut release: serde_json::Value = serde_json::from_str(&json).expect("json");
        release["info"]["last_deployed"] = then.to_string().into();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(release.to_string().as_bytes()).expect("gzip");
        let gz = enc.finish().expect("gzip");
        data.insert("release".into(), ByteString(b64.encode(gz).into_bytes()));
        if let Some(labels) = secret.metadata.labels.as_mut() {
            for l in ["modifiedAt", "createdAt"] {
                if labels.contains_key(l) {
                    labels.insert(l.into(), then.as_second().to_string());
                }
            }
        }
        api.replace(&key, &PostParams::default(), &secret)
            .await
            .expect("replace release secret");
    });
}

/// The killed helm's release shows pending, then (once its record is
/// old) the stuck mark and notice; `R`, roll back on, confirm: revision 2
/// is failed and revision 3 rolls back to 1.
#[test]
fn a_stuck_release_is_recovered_from_the_ui() {
    let ns = TestNs::new("ui-stuck");
    let web = web();
    ns.helm4(["install", "s", &web]).ok();
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 80,
        height: 24,
        home: None,
        env: &[],
    });
    ui.wait_until("s deployed", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("deployed"))
    });
    let mut helm = Tool::Helm4.spawn_with_env(
        [
            "upgrade",
            "s",
            &web,
            "--set",
            "unschedulable=true",
            "--wait",
            "--timeout",
            "10m",
        ],
        &[("HELM_NAMESPACE", &ns.name)],
    );
    ui.wait_until("s pending-upgrade", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("pending-upgrade"))
    });
    helm.kill().expect("SIGKILL helm");
    let _ = helm.wait();
    age_record(&ns, "s", 2);
    // The watch judges a pending release when it first reads it (and
    // again when its grace runs out): a UI opened now, on a larger
    // terminal, sees the dead operation's release stuck.
    drop(ui);
    let ui = Ui::start(&Start {
        ns: &ns,
        args: &[],
        width: 120,
        height: 40,
        home: None,
        env: &[],
    });
    let s = ui.wait_until("the stuck mark", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains('⚠') && r.contains("pending-upgrade"))
    });
    assert!(s.contains("R recovers s"), "{s}");
    ui.keys(&["R"]);
    let s = ui.wait_for("Recover s", T);
    assert!(s.contains("looks stuck in pending-upgrade"), "{s}");
    ui.keys(&["b"]);
    ui.wait_for("roll back: on", T);
    ui.keys(&["y"]);
    ui.wait_for("✔", T);
    let h = history(&ns, "s");
    assert_eq!(
        h.iter()
            .map(|(r, s, _)| (*r, s.as_str()))
            .collect::<Vec<_>>(),
        [(1, "superseded"), (2, "failed"), (3, "deployed")],
        "{h:?}"
    );
    assert_eq!(h[2].2, "Rollback to 1");
    ui.wait_until("s deployed at revision 3", T, |s| {
        Ui::row_of(s, "s").is_some_and(|r| r.contains("deployed") && r.contains(" 3 "))
    });
}
