//! Taking a release's lock for an action: refused while another live
//! operation holds it; without permission to use Leases, the action goes
//! on unlocked after a warning (record writes stay conditional, so the
//! worst case is a clear conflict error, never a lost update).

use crate::cluster::{Cluster, LockError, Progress};

use super::ActionError;

/// A lock that may not have been available.
pub struct Locked<L>(Option<L>);

impl<L: Send + Sync> Locked<L> {
    /// Lets go of the lock, if one was taken.
    pub async fn release<C: Cluster<Lock = L>>(self, cluster: &C) {
        if let Some(l) = self.0 {
            cluster.unlock(l).await;
        }
    }
}

/// Takes the lock of `release` for `operation`.
pub async fn take_lock<C: Cluster>(
    cluster: &C,
    namespace: &str,
    release: &str,
    operation: &str,
    progress: &dyn Progress,
) -> Result<Locked<C::Lock>, ActionError> {
    match cluster.lock(namespace, release, operation).await {
        Ok(l) => Ok(Locked(Some(l))),
        Err(LockError::Forbidden { message, .. }) => {
            progress.note(&format!(
                "warning: cannot lock release {release:?} ({message}); going on without the lock"
            ));
            Ok(Locked(None))
        }
        Err(e @ LockError::Held { .. }) => Err(ActionError::Busy(e.to_string())),
        Err(LockError::Cluster(e)) => Err(ActionError::Cluster(e.to_string())),
    }
}
