//! Taking a release's lock for an action: refused while another live
//! operation holds it; without permission to use Leases, the action goes
//! on unlocked after a warning (record writes stay conditional, so the
//! worst case is a clear conflict error, never a lost update).
//!
//! An action that loses its lock while it runs (another operation took it
//! over, `recover --force` removed it, or it could not be renewed in time)
//! is stopped where it stands: whatever it was awaiting (a wait, a hook, a
//! request) is dropped, so it makes no further write, and it fails saying
//! so. The release is then the new holder's to finish.

use crate::cluster::{Cluster, LockError, Progress};

use super::ActionError;

/// Runs `work` holding the lock of `release` for `operation`, and lets go
/// of the lock however `work` ends. Without permission to use Leases,
/// `work` runs unlocked after a warning. If the lock is lost meanwhile,
/// `work` is stopped before its next write and the error says so.
pub async fn with_lock<C: Cluster, T>(
    cluster: &C,
    namespace: &str,
    release: &str,
    operation: &str,
    progress: &dyn Progress,
    work: impl Future<Output = Result<T, ActionError>>,
) -> Result<T, ActionError> {
    let lock = match cluster.lock(namespace, release, operation).await {
        Ok(l) => Some(l),
        Err(LockError::Forbidden { message, .. }) => {
            progress.note(&format!(
                "warning: cannot lock release {release:?} ({message}); going on without the lock"
            ));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let Some(lock) = lock else {
        return work.await;
    };
    let result = tokio::select! {
        // A lost lock wins a tie: no write after the loss is known.
        biased;
        why = cluster.lock_lost(&lock) => Err(ActionError::LockLost(format!(
            "{operation} of release {release:?} stopped: it lost the release's lock ({why}); it made no further change, and the release is now the new holder's to finish"
        ))),
        result = work => result,
    };
    cluster.unlock(lock).await;
    result
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::cluster::Quiet;
    use crate::cluster::memory::MemoryCluster;

    #[tokio::test]
    async fn a_lost_lock_stops_the_work_before_its_next_write() {
        let cluster = MemoryCluster::new();
        let wrote = Arc::new(AtomicBool::new(false));
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let w = wrote.clone();
        let work = async move {
            let _ = started_tx.send(());
            // A long wait, then a write: the write must never happen.
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            w.store(true, Ordering::SeqCst);
            Ok::<(), ActionError>(())
        };
        let thief = cluster.clone();
        let steal = async move {
            let _ = started_rx.await;
            thief.steal_lock("ns", "r", "another operation took the lock over (h/2/b)");
        };
        let (result, ()) = tokio::join!(
            with_lock(&cluster, "ns", "r", "rollback", &Quiet, work),
            steal
        );
        let err = result.expect_err("lost");
        assert!(matches!(err, ActionError::LockLost(_)), "{err}");
        assert!(
            err.to_string().contains(
                "it lost the release's lock (another operation took the lock over (h/2/b))"
            ),
            "{err}"
        );
        assert!(!wrote.load(Ordering::SeqCst));
        assert!(
            cluster.calls().contains(&"unlock ns/r".to_string()),
            "{:?}",
            cluster.calls()
        );
    }

    #[tokio::test]
    async fn work_that_keeps_its_lock_finishes() {
        let cluster = MemoryCluster::new();
        let out = with_lock(&cluster, "ns", "r", "rollback", &Quiet, async {
            Ok::<u8, ActionError>(7)
        })
        .await
        .expect("done");
        assert_eq!(out, 7);
    }
}
