//! Errors of the cluster layer, worded as Helm words them where the
//! message ends up in a release record or on a user's screen.

use super::objects::ObjectError;
use crate::error::ErrorKind;

/// Why a cluster operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The manifest could not be parsed.
    #[error(transparent)]
    Manifest(#[from] ObjectError),
    /// A kind in the manifest is unknown to the API server.
    #[error(
        "resource mapping not found for name: {name:?} namespace: {namespace:?} from \"\": no matches for kind {kind:?} in version {api_version:?}\nensure CRDs are installed first"
    )]
    UnknownKind {
        /// Object name.
        name: String,
        /// Object namespace as written in the manifest.
        namespace: String,
        /// Its kind.
        kind: String,
        /// Its apiVersion.
        api_version: String,
    },
    /// The API server refused or failed a request. `message` is already
    /// phrased for the user (Helm's context plus the server's message).
    #[error("{message}")]
    Api {
        /// The full message.
        message: String,
        /// HTTP status, when the server answered.
        code: Option<u16>,
        /// The server's reason (`NotFound`, `Conflict`, ...), when given.
        reason: Option<String>,
    },
    /// Waiting ended before every resource reached the wanted state; the
    /// message lists them as Helm does.
    #[error("{0}")]
    Wait(String),
    /// The operation was interrupted (the wait ends with Helm 4's
    /// `context canceled`); the message lists what was still awaited.
    #[error("{0}")]
    Cancelled(String),
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl ClusterError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClusterError::Manifest(_) | ClusterError::UnknownKind { .. } => ErrorKind::InvalidInput,
            ClusterError::Api { code, .. } => ErrorKind::from_http_status(*code),
            ClusterError::Wait(_) => ErrorKind::Timeout,
            ClusterError::Cancelled(_) => ErrorKind::Cancelled,
            ClusterError::Other(_) => ErrorKind::Failed,
        }
    }

    /// The HTTP status of an API error.
    pub fn code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => *code,
            _ => None,
        }
    }

    /// True for 404.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }

    /// True for 409 (a conflict or an existing object).
    pub fn is_conflict(&self) -> bool {
        self.code() == Some(409)
    }

    /// True for 403.
    pub fn is_forbidden(&self) -> bool {
        self.code() == Some(403)
    }

    /// Wraps a client error with Helm-style context (`context: message`;
    /// no context gives the server's message alone, as Go's `StatusError`
    /// prints).
    pub fn from_kube(context: &str, e: kube::Error) -> ClusterError {
        let (message, code, reason) = match e {
            kube::Error::Api(s) => {
                let code = s.code;
                let reason = Some(s.reason.clone()).filter(|r| !r.is_empty());
                (s.message.clone(), Some(code), reason)
            }
            other => (other.to_string(), None, None),
        };
        let message = if context.is_empty() {
            message
        } else {
            format!("{context}: {message}")
        };
        ClusterError::Api {
            message,
            code,
            reason,
        }
    }
}
