//! Taking a release's lock for an action: refused while another live
//! operation holds it; without permission to use Leases, the action goes
//! on unlocked after a warning (record writes stay conditional, so the
//! worst case is a clear conflict error, never a lost update).

use crate::cluster::{Cluster, LockError, Progress};

use super::ActionError;

/// Runs `work` holding the lock of `release` for `operation`, and lets go
/// of the lock however `work` ends. Without permission to use Leases,
/// `work` runs unlocked after a warning.
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
    let result = work.await;
    if let Some(l) = lock {
        cluster.unlock(l).await;
    }
    result
}
