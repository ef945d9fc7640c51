//! Storage errors, worded as Helm words them where Helm has a word for it.

use crate::error::ErrorKind;
use crate::release::codec::DecodeError;

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No record matched (Helm's `ErrReleaseNotFound`).
    #[error("release: not found")]
    NotFound,
    /// A record with that key exists already (Helm's `ErrReleaseExists`):
    /// another operation created this revision first.
    #[error("release: already exists")]
    AlreadyExists,
    /// The record changed since it was read (its `resourceVersion` no
    /// longer matches): another operation wrote it first.
    #[error("release record {key:?} was modified by another operation")]
    Conflict {
        /// The storage key.
        key: String,
    },
    /// Records exist but none of them could be read (Helm's `Last` on an
    /// empty history).
    #[error("no revision for release {0:?}")]
    NoRevision(String),
    /// The release has no revision in status `deployed`.
    #[error("{0:?} has no deployed releases")]
    NoDeployed(String),
    /// A record exists but cannot be decoded.
    #[error("release record {namespace}/{key} is unreadable: {source}")]
    Corrupt {
        /// Namespace of the record.
        namespace: String,
        /// Storage key.
        key: String,
        /// What is wrong with it.
        #[source]
        source: DecodeError,
    },
    /// Any other failure of the backend, with Helm's operation prefix
    /// (`list: failed to list: ...`).
    #[error("{context}: {message}")]
    Backend {
        /// Helm-style context, e.g. `query: failed to query with labels`.
        context: String,
        /// The backend's message.
        message: String,
        /// HTTP status code, for API errors.
        code: Option<u16>,
    },
    /// A label value or selector is not valid.
    #[error("{0}")]
    InvalidInput(String),
}

impl StorageError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StorageError::NotFound | StorageError::NoRevision(_) | StorageError::NoDeployed(_) => {
                ErrorKind::NotFound
            }
            StorageError::AlreadyExists | StorageError::Conflict { .. } => ErrorKind::Conflict,
            StorageError::Corrupt { .. } => ErrorKind::Corrupt,
            StorageError::Backend { code, .. } => ErrorKind::from_http_status(*code),
            StorageError::InvalidInput(_) => ErrorKind::InvalidInput,
        }
    }

    /// True for [`StorageError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound)
    }

    /// True if the backend refused for lack of permission.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            StorageError::Backend {
                code: Some(403),
                ..
            }
        )
    }
}
