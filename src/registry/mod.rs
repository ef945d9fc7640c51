//! OCI registries as helm uses them (oras-go v2): references, a thin
//! distribution client on reqwest with oras' auth flow and error texts,
//! Docker-format credentials (`HELM_REGISTRY_CONFIG`), and the chart
//! operations `login`, `logout`, `push`, `pull` and `tags`.

pub mod client;
pub mod credentials;
pub mod errcode;
pub mod ops;
pub mod reference;

pub use client::{Client, Descriptor};
pub use credentials::{Credential, CredentialStore};
pub use ops::{
    Pulled, Pushed, RegistryOptions, login, logout, pull, pulled_lines, push, pushed_lines, tags,
};
pub use reference::Reference;

use crate::error::ErrorKind;

/// The chart config blob's media type.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// The chart archive layer's media type.
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The provenance layer's media type.
pub const PROV_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";
/// The chart layer media type of helm 3.0-3.6 (deprecated; pull warns).
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// An OCI image manifest.
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

/// helm's note printed after a reference whose tag holds an underscore.
pub const UNDERSCORE_MESSAGE: &str = "
OCI artifact references (e.g. tags) do not support the plus sign (+). To support
storing semantic versions, Helm adopts the convention of changing plus (+) to
an underscore (_) in chart version tags when pushing to a registry and back to
a plus (+) when pulling from a registry.";

/// A registry failure, with the text helm (oras-go) prints for it.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A reference oras cannot parse (`invalid reference: ...`).
    #[error("{0}")]
    Reference(String),
    /// Input helm rejects (a mismatch, a bad destination, a directory...).
    #[error("{0}")]
    Invalid(String),
    /// Something helm looked for and did not find (`<ref>: not found`,
    /// `Could not locate a version ...`).
    #[error("{0}")]
    NotFound(String),
    /// The registry answered with an error status.
    #[error("{method} {url:?}: response status code {status}: {message}")]
    Response {
        /// The request method (`GET`).
        method: String,
        /// The request URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The registry's errors, or the status text.
        message: String,
    },
    /// Authentication could not be attempted (`basic credential not
    /// found`, a rejected realm, a failed token request).
    #[error("{method} {url:?}: {message}")]
    Auth {
        /// The request method.
        method: String,
        /// The request URL.
        url: String,
        /// Why.
        message: String,
    },
    /// The request did not get an answer (Go's `url.Error` form).
    #[error("{op} {url:?}: {message}")]
    Transport {
        /// Go's operation name (`Get`, `Head`, ...).
        op: String,
        /// The request URL.
        url: String,
        /// The cause, in Go's words where rudder knows them.
        message: String,
    },
    /// Login could not authenticate.
    #[error("authenticating to {host:?}: {source}")]
    Authenticating {
        /// The registry host.
        host: String,
        /// Why.
        source: Box<RegistryError>,
    },
    /// A copy step failed (oras' `CopyError`).
    #[error("failed to perform {op:?} on {target}: {source}")]
    Copy {
        /// The operation (`FetchReference`, `Exists`, `Push`, ...).
        op: &'static str,
        /// `source` or `destination`.
        target: &'static str,
        /// What went wrong.
        source: Box<RegistryError>,
    },
    /// Content that does not match its descriptor, or a broken manifest.
    #[error("{0}")]
    Content(String),
    /// The credentials file or a credential helper failed.
    #[error("{0}")]
    Credentials(String),
    /// A credential helper's own failure output.
    #[error("{0}")]
    Helper(String),
    /// The chart archive could not be read or loaded.
    #[error("{0}")]
    Chart(String),
    /// The TLS settings could not be turned into a client.
    #[error(transparent)]
    Tls(#[from] crate::fetch::TlsError),
}

impl RegistryError {
    /// Which kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RegistryError::Reference(_)
            | RegistryError::Invalid(_)
            | RegistryError::Chart(_)
            | RegistryError::Tls(_) => ErrorKind::InvalidInput,
            RegistryError::NotFound(_) => ErrorKind::NotFound,
            RegistryError::Response { status, .. } => ErrorKind::from_http_status(Some(*status)),
            RegistryError::Auth { .. } => ErrorKind::Forbidden,
            RegistryError::Transport { .. } => ErrorKind::Unreachable,
            RegistryError::Copy { source, .. } | RegistryError::Authenticating { source, .. } => {
                source.kind()
            }
            RegistryError::Content(_) => ErrorKind::Corrupt,
            RegistryError::Credentials(_) | RegistryError::Helper(_) => ErrorKind::Failed,
        }
    }
}
