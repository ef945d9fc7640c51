//! Why an action failed: a typed error that keeps its cause (and, through
//! it, the HTTP status of an API error), displayed in Helm's words.

use crate::cluster::resources::ResourceError;
use crate::cluster::{ClusterError, LockError};
use crate::error::ErrorKind;
use crate::release::name::NameError;
use crate::storage::StorageError;

/// Why an action failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// From the storage layer (`release: not found`, ...).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// From the cluster layer.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    /// The live objects of a release could not be read.
    #[error(transparent)]
    Resources(#[from] ResourceError),
    /// The release's lock could not be taken.
    #[error(transparent)]
    Lock(Box<LockError>),
    /// Bad input, with Helm's message.
    #[error("{0}")]
    Invalid(String),
    /// Another operation may still be running on the release; nothing
    /// was done.
    #[error("{0}")]
    Busy(String),
    /// The release's newest revision is `pending-*` or `uninstalling`;
    /// nothing was done (`recover` is the way out).
    #[error("{0}")]
    Stuck(String),
    /// Another operation changed the release first (created the revision
    /// this one wanted, or changed a record since it was read); nothing
    /// was done.
    #[error("{0}")]
    LostRace(String),
    /// The operation lost the release's lock while it ran and stopped
    /// before its next write.
    #[error("{0}")]
    LockLost(String),
    /// The operation failed part-way; the message says how, and the
    /// release record says where it was left.
    #[error("{0}")]
    Failed(String),
    /// The operation failed part-way because of `cause`; `message` is
    /// Helm's wording, which usually embeds the cause's.
    #[error("{message}")]
    FailedWith {
        /// Helm's message.
        message: String,
        /// What went wrong underneath.
        #[source]
        cause: Box<ActionError>,
    },
}

impl From<LockError> for ActionError {
    fn from(e: LockError) -> ActionError {
        ActionError::Lock(Box::new(e))
    }
}

impl ActionError {
    /// An invalid-name error with an action's own prefix, as Helm words it
    /// (`releaseContent: Release name is invalid: x`).
    pub fn invalid_name(prefix: &str, name: &str, _why: NameError) -> ActionError {
        ActionError::Invalid(format!("{prefix}{name}"))
    }

    /// A failure worded `message` that keeps `cause`.
    pub fn failed_with(message: impl Into<String>, cause: impl Into<ActionError>) -> ActionError {
        ActionError::FailedWith {
            message: message.into(),
            cause: Box::new(cause.into()),
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ActionError::Storage(e) => e.kind(),
            ActionError::Cluster(e) => e.kind(),
            ActionError::Lock(e) => e.kind(),
            ActionError::Resources(e) => e.kind(),
            ActionError::Invalid(_) => ErrorKind::InvalidInput,
            ActionError::Busy(_) => ErrorKind::Busy,
            ActionError::Stuck(_) => ErrorKind::Stuck,
            ActionError::LostRace(_) => ErrorKind::Conflict,
            ActionError::LockLost(_) => ErrorKind::Cancelled,
            ActionError::Failed(_) => ErrorKind::Failed,
            // An operation that ran and failed is not "not found" or
            // "invalid input" even when its cause is; forbidden, timed
            // out, interrupted and unreachable stay what they are.
            ActionError::FailedWith { cause, .. } => match cause.kind() {
                ErrorKind::NotFound | ErrorKind::InvalidInput | ErrorKind::Corrupt => {
                    ErrorKind::Failed
                }
                k => k,
            },
        }
    }

    /// The HTTP status of the Kubernetes API error underneath, if any.
    pub fn api_status(&self) -> Option<u16> {
        match self {
            ActionError::Storage(StorageError::Backend { code, .. }) => *code,
            ActionError::Cluster(e) => e.code(),
            ActionError::Lock(l) => match l.as_ref() {
                LockError::Cluster(e) => e.code(),
                _ => None,
            },
            ActionError::FailedWith { cause, .. } => cause.api_status(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ActionError;
    use crate::cluster::ClusterError;
    use crate::error::ErrorKind;
    use crate::storage::StorageError;

    #[test]
    fn kinds_come_from_the_cause() {
        assert_eq!(
            ActionError::from(StorageError::NotFound).kind(),
            ErrorKind::NotFound
        );
        let forbidden = ClusterError::Api {
            message: "deployments.apps \"web\" is forbidden".into(),
            code: Some(403),
            reason: Some("Forbidden".into()),
        };
        let e = ActionError::failed_with("Rollback \"web\" failed: forbidden", forbidden);
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        assert_eq!(e.api_status(), Some(403));
        assert_eq!(e.to_string(), "Rollback \"web\" failed: forbidden");
        let timeout = ActionError::failed_with("x", ClusterError::Wait("deadline".into()));
        assert_eq!(timeout.kind(), ErrorKind::Timeout);
        let gone = ActionError::failed_with("x", StorageError::NotFound);
        assert_eq!(gone.kind(), ErrorKind::Failed);
        assert_eq!(
            ActionError::LostRace("first".into()).kind(),
            ErrorKind::Conflict
        );
    }
}
