//! The UI's Resources tab follows `Cluster::watch_changes`: on the real
//! cluster the stream fires while a Deployment's pods come up and when an
//! object is deleted, and while nothing changes it is silent and sends no
//! request at all (no LIST or GET repeats: counted on the wire).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use rudder::cluster::client::KubeCluster;
use rudder::cluster::{ApplyOptions, Cluster, Propagation, Quiet, WaitMode};

use super::counting::{Counts, counting_client};
use crate::harness::{TestNs, block_on};

const MANIFEST: &str = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  k: v\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: live-web\n  template:\n    metadata:\n      labels:\n        app: live-web\n    spec:\n      containers:\n        - name: c\n          image: registry.invalid/rudder/web:1.0\n";

/// Waits up to `within` for the next change; `None` when none came.
async fn next_change(
    changes: &mut futures::stream::BoxStream<'static, ()>,
    within: Duration,
) -> Option<()> {
    tokio::time::timeout(within, changes.next())
        .await
        .ok()
        .flatten()
}

#[test]
fn changes_fire_on_rollout_and_delete_and_an_idle_release_costs_no_requests() {
    let ns = TestNs::new("live-changes");
    let counts = Arc::new(Counts::default());
    block_on(async {
        // The watching side counts its requests; the acting side is apart.
        let watcher = KubeCluster::new(counting_client(counts.clone()).await);
        let actor = KubeCluster::new(counting_client(Arc::default()).await);
        let resources = actor.build(MANIFEST, &ns.name).await.expect("build");
        let mut changes = watcher.watch_changes(&resources);
        // Nothing exists yet: the first listings yield nothing. Poll the
        // stream (which starts the watches) until all three are open, so
        // the applies below fall inside them.
        for _ in 0..50 {
            let first = next_change(&mut changes, Duration::from_millis(200)).await;
            assert_eq!(first, None);
            if counts.watches.load(Ordering::SeqCst) >= 3 {
                break;
            }
        }
        // ConfigMap, Deployment and the Deployment's pods: three watches.
        assert_eq!(counts.watches.load(Ordering::SeqCst), 3);

        for r in &resources {
            actor
                .apply(r, ApplyOptions::default())
                .await
                .expect("apply");
        }
        assert_eq!(
            next_change(&mut changes, Duration::from_secs(10)).await,
            Some(()),
            "applying the objects is a change"
        );
        // Follow the rollout: changes keep coming until the pod is ready.
        let waiting = actor.wait(&resources, WaitMode::Ready, Duration::from_secs(60), &Quiet);
        let mut during = 0;
        tokio::pin!(waiting);
        loop {
            tokio::select! {
                res = &mut waiting => { res.expect("the Deployment gets ready"); break; }
                Some(()) = changes.next() => during += 1,
            }
        }
        // The pod's creation and readiness, the ReplicaSet's and the
        // Deployment's status: some of them fall after the apply's event.
        let mut settling = 0;
        while next_change(&mut changes, Duration::from_secs(2))
            .await
            .is_some()
        {
            settling += 1;
        }
        eprintln!("[figure] changes during rollout: {during}, settling after ready: {settling}");
        assert!(during + settling >= 1, "the pod coming up is seen");

        // Idle: no change, and not one request.
        let reads = counts.reads.load(Ordering::SeqCst);
        let watches = counts.watches.load(Ordering::SeqCst);
        assert_eq!(
            next_change(&mut changes, Duration::from_secs(3)).await,
            None
        );
        assert_eq!(
            counts.reads.load(Ordering::SeqCst),
            reads,
            "no LIST/GET while idle"
        );
        assert_eq!(
            counts.watches.load(Ordering::SeqCst),
            watches,
            "no new watch while idle"
        );

        // Deleting one object is a change, seen by the open watch.
        actor
            .delete(&resources[0], Propagation::Background)
            .await
            .expect("delete");
        assert_eq!(
            next_change(&mut changes, Duration::from_secs(10)).await,
            Some(()),
            "deleting the ConfigMap is a change"
        );
        assert_eq!(
            counts.reads.load(Ordering::SeqCst),
            reads,
            "a delete needs no re-list"
        );
        drop(changes);
    });
}
