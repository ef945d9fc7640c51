//! What kind of failure an error is, across every layer.
//!
//! Each layer has its own error type (thiserror enums keeping the
//! underlying cause and, for API errors, the HTTP status), and each can say
//! which [`ErrorKind`] it is. Front ends branch on the kind: an HTTP server
//! picks the status code from it, a CLI could pick an exit code, a TUI
//! whether to offer `recover`. The message shown stays Helm's wording,
//! rendered from the typed error at the edge.

/// The kinds of failure a caller may want to tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The release, revision or object does not exist.
    NotFound,
    /// The request itself is wrong (a bad name, flag value, manifest,
    /// selector ...); retrying the same request cannot help.
    InvalidInput,
    /// Another writer got there first (a revision created or a record
    /// changed since it was read): the race was lost and nothing was
    /// changed.
    Conflict,
    /// Another operation is running on the release (it holds the lock).
    Busy,
    /// The release's newest revision is `pending-*` or `uninstalling`:
    /// an operation is running or died; `recover` is the way out.
    Stuck,
    /// Kubernetes refused for lack of permission (RBAC, 403).
    Forbidden,
    /// The API server could not be reached or the kubeconfig does not
    /// lead to one.
    Unreachable,
    /// A stored record cannot be read.
    Corrupt,
    /// A wait ran out of time.
    Timeout,
    /// The operation was interrupted (SIGINT/SIGTERM, or its lock was
    /// lost).
    Cancelled,
    /// The operation ran and failed (a hook, an apply, a wait); the
    /// release record says where it was left.
    Failed,
}

impl ErrorKind {
    /// The HTTP status that stands for this kind in an API.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::NotFound => 404,
            ErrorKind::InvalidInput => 422,
            ErrorKind::Conflict | ErrorKind::Busy | ErrorKind::Stuck => 409,
            ErrorKind::Forbidden => 403,
            ErrorKind::Unreachable => 502,
            ErrorKind::Timeout => 504,
            ErrorKind::Corrupt | ErrorKind::Cancelled | ErrorKind::Failed => 500,
        }
    }

    /// The kind for an HTTP status a Kubernetes API server answered with
    /// (`None`: the server did not answer).
    pub fn from_http_status(code: Option<u16>) -> ErrorKind {
        match code {
            None => ErrorKind::Unreachable,
            Some(404 | 410) => ErrorKind::NotFound,
            Some(401 | 403) => ErrorKind::Forbidden,
            Some(409) => ErrorKind::Conflict,
            Some(400 | 422) => ErrorKind::InvalidInput,
            Some(408 | 504) => ErrorKind::Timeout,
            Some(502 | 503) => ErrorKind::Unreachable,
            Some(_) => ErrorKind::Failed,
        }
    }

    /// A short lower-case name (`not-found`, `conflict`, ...), for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::InvalidInput => "invalid-input",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Busy => "busy",
            ErrorKind::Stuck => "stuck",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Failed => "failed",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn api_statuses_map_to_kinds_and_back() {
        assert_eq!(ErrorKind::from_http_status(Some(404)), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_http_status(Some(403)), ErrorKind::Forbidden);
        assert_eq!(ErrorKind::from_http_status(Some(409)), ErrorKind::Conflict);
        assert_eq!(ErrorKind::from_http_status(None), ErrorKind::Unreachable);
        assert_eq!(ErrorKind::NotFound.http_status(), 404);
        assert_eq!(ErrorKind::Busy.http_status(), 409);
        assert_eq!(ErrorKind::InvalidInput.http_status(), 422);
        assert_eq!(ErrorKind::Forbidden.http_status(), 403);
    }
}
