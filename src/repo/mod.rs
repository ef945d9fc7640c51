//! Chart repositories as helm keeps them: the paths (`HELM_*`), the
//! `repositories.yaml` file, the index cache, HTTP downloads with helm's
//! credential rules, `search repo`, chart reference resolution for
//! install/upgrade/show/template/pull, and `dependency update|build`.
//!
//! Everything here reads and writes the very files helm does, in helm's
//! formats, so that `helm repo add` followed by `rudder search repo` (and
//! the reverse) work.

pub mod deps;
pub mod file;
pub mod getter;
pub mod index;
pub mod locate;
pub mod ops;
pub mod paths;
pub mod search;
pub mod warn;

use std::path::{Path, PathBuf};

pub use crate::gojson::decode::DecodeError;
pub use file::{Entry, RepoFile};
pub use getter::Getter;
pub use index::{ChartVersion, IndexError, IndexFile};
pub use locate::{LocateOptions, Located, locate};
pub use paths::HelmPaths;
pub use warn::Warning;

/// An operating-system error worded as Go's `*PathError`
/// (`open /x: no such file or directory`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{op} {path}: {text}")]
pub struct GoIoError {
    /// The operation (`open`, `mkdir`, `rename` ...).
    pub op: String,
    /// The path.
    pub path: String,
    /// Go's text for the errno.
    pub text: String,
    /// Whether the file did not exist.
    pub not_found: bool,
}

impl GoIoError {
    /// Words `e` as Go would for `op` on `path`.
    pub fn new(op: &str, path: &Path, e: &std::io::Error) -> GoIoError {
        GoIoError {
            op: op.to_string(),
            path: path.to_string_lossy().into_owned(),
            text: go_errno_text(e),
            not_found: e.kind() == std::io::ErrorKind::NotFound,
        }
    }
}

/// Go's (lower-case, libc) text for an I/O error.
pub(crate) fn go_errno_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".into(),
        K::PermissionDenied => "permission denied".into(),
        K::AlreadyExists => "file exists".into(),
        K::IsADirectory => "is a directory".into(),
        K::NotADirectory => "not a directory".into(),
        K::ConnectionRefused => "connection refused".into(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// Why a repository operation failed; messages are helm's.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// A file could not be read or written.
    #[error("{0}")]
    Io(GoIoError),
    /// `repositories.yaml` could not be read.
    #[error("couldn't load repositories file ({}): {source}", path.display())]
    LoadRepoFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: GoIoError,
    },
    /// A YAML document did not parse or decode.
    #[error("{0}")]
    Yaml(String),
    /// A cached or downloaded index could not be used.
    #[error("error loading {}: {source}", path.display())]
    LoadIndex {
        /// The file.
        path: PathBuf,
        /// Why.
        source: IndexError,
    },
    /// An index problem.
    #[error("{0}")]
    Index(#[from] IndexError),
    /// The server answered with a status other than 200.
    #[error("failed to fetch {url} : {status}")]
    Fetch {
        /// The URL asked for.
        url: String,
        /// The status line (`404 Not Found`).
        status: String,
        /// The status code.
        code: u16,
    },
    /// The request failed before a response (Go's `*url.Error`).
    #[error("Get \"{url}\": {message}")]
    Transport {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Bad TLS settings.
    #[error("{0}")]
    Tls(#[from] crate::fetch::TlsError),
    /// `repo add`/`update` could not download the index.
    #[error("looks like {url:?} is not a valid chart repository or cannot be reached: {source}")]
    NotARepository {
        /// The repository URL.
        url: String,
        /// Why.
        source: Box<RepoError>,
    },
    /// An OCI operation failed (from the registry module).
    #[error("{0}")]
    Registry(String),
    /// Any other of helm's messages, with its kind.
    #[error("{message}")]
    Message {
        /// The kind.
        kind: crate::ErrorKind,
        /// helm's text.
        message: String,
    },
    /// An error without a more specific kind.
    #[error("{0}")]
    Other(String),
}

impl RepoError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::ErrorKind {
        use crate::ErrorKind as K;
        match self {
            RepoError::Io(e) | RepoError::LoadRepoFile { source: e, .. } if e.not_found => {
                K::NotFound
            }
            RepoError::Io(_) | RepoError::LoadRepoFile { .. } => K::Failed,
            RepoError::Yaml(_) | RepoError::LoadIndex { .. } => K::Corrupt,
            RepoError::Index(IndexError::Constraint(_)) => K::InvalidInput,
            RepoError::Index(
                IndexError::Syntax(_) | IndexError::Empty | IndexError::NoApiVersion,
            ) => K::Corrupt,
            RepoError::Index(_) => K::NotFound,
            RepoError::Fetch { code, .. } => match code {
                401 | 403 => K::Forbidden,
                404 => K::NotFound,
                _ => K::Unreachable,
            },
            RepoError::Transport { .. } => K::Unreachable,
            RepoError::Tls(e) => e.kind(),
            RepoError::NotARepository { source, .. } => source.kind(),
            RepoError::Registry(_) | RepoError::Other(_) => K::Failed,
            RepoError::Message { kind, .. } => *kind,
        }
    }

    /// One of helm's messages with its kind.
    pub fn msg(kind: crate::ErrorKind, message: impl Into<String>) -> RepoError {
        RepoError::Message {
            kind,
            message: message.into(),
        }
    }
}
