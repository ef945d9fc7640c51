//! Waits share their watches: one per kind and namespace, not one per
//! object. Counted on the wire (every request with `watch=true` that the
//! client sends), on the real cluster, for a release-sized set of objects;
//! and the shared watches still tell each object's status apart.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rudder::cluster::client::KubeCluster;
use rudder::cluster::{ApplyOptions, Cluster, Quiet, WaitMode};

use super::counting::{Counts, counting_client};
use crate::harness::{TestNs, block_on};

fn deployment(name: &str, unschedulable: bool) -> String {
    let node_selector = if unschedulable {
        "      nodeSelector:\n        rudder.test/no-such-node: \"true\"\n"
    } else {
        ""
    };
    format!(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/instance: many\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n{node_selector}      containers:\n        - name: c\n          image: registry.invalid/rudder/web:1.0\n"
    )
}

#[test]
fn a_wait_opens_one_watch_per_kind_not_per_object() {
    let ns = TestNs::new("watches");
    let counts = Arc::new(Counts::default());
    let count = &counts.watches;
    block_on(async {
        let kube = KubeCluster::new(counting_client(counts.clone()).await);
        let mut manifest = String::new();
        for i in 0..200 {
            manifest.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  labels:\n    app.kubernetes.io/instance: many\ndata:\n  i: \"{i}\"\n"
            ));
        }
        for i in 0..20 {
            manifest.push_str(&deployment(&format!("web-{i}"), false));
        }
        let resources = kube.build(&manifest, &ns.name).await.expect("build");
        assert_eq!(resources.len(), 220);
        for r in &resources {
            kube.apply(r, ApplyOptions::default()).await.expect("apply");
        }
        count.store(0, Ordering::SeqCst);
        kube.wait(
            &resources,
            WaitMode::Ready,
            Duration::from_secs(180),
            &Quiet,
        )
        .await
        .expect("every object gets ready");
        let watches = count.load(Ordering::SeqCst);
        eprintln!("[figure] watch requests for 200 ConfigMaps + 20 Deployments: {watches}");
        // Two kinds in one namespace: two watches (a watch the server
        // ends early may be reopened once or twice), never one per object.
        assert!(
            (2..=4).contains(&watches),
            "{watches} watch requests for 200 ConfigMaps and 20 Deployments"
        );

        // The shared watch still tells the objects apart: one Deployment
        // that cannot get ready is the only one reported.
        let bad = kube
            .build(&deployment("never-ready", true), &ns.name)
            .await
            .expect("build");
        kube.apply(&bad[0], ApplyOptions::default())
            .await
            .expect("apply");
        let mut some = resources[195..].to_vec();
        some.extend(bad);
        count.store(0, Ordering::SeqCst);
        let err = kube
            .wait(&some, WaitMode::Ready, Duration::from_secs(8), &Quiet)
            .await
            .expect_err("never-ready times out");
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "resource Deployment/{}/never-ready not ready",
                ns.name
            )),
            "{text}"
        );
        assert_eq!(text.matches("not ready").count(), 1, "{text}");
        assert!(text.ends_with("context deadline exceeded"), "{text}");
        assert!(count.load(Ordering::SeqCst) <= 4);
    });
}
