//! HTTP transport shared by chart repositories and OCI registries: one
//! `reqwest` client per TLS configuration, built the way helm's getters
//! build theirs (system roots plus an optional CA file, an optional client
//! certificate, optional verification skip, proxy from the environment,
//! no transparent decompression).

mod tls;

use std::path::PathBuf;
use std::time::Duration;

pub use tls::TlsError;

/// The user agent helm sends (`Helm/<version>`); rudder sends its own name
/// and version in the same form.
pub fn user_agent() -> String {
    format!("rudder/{}", crate::VERSION)
}

/// TLS and timeout settings for one client (helm's `--ca-file`,
/// `--cert-file`, `--key-file`, `--insecure-skip-tls-verify`, `--timeout`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClientOptions {
    /// A PEM bundle of extra trusted CAs.
    pub ca_file: Option<PathBuf>,
    /// A PEM client certificate (needs `key_file`).
    pub cert_file: Option<PathBuf>,
    /// The PEM private key of `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Skip server certificate verification.
    pub insecure_skip_tls_verify: bool,
    /// Whole-request timeout; helm's default is 120 s.
    pub timeout: Option<Duration>,
}

impl ClientOptions {
    /// Builds a client for these settings. Redirects are followed (helm's
    /// `http.Client` follows up to 10); responses are not decompressed, so
    /// an index or chart is stored byte for byte as served.
    pub fn build(&self) -> Result<reqwest::Client, TlsError> {
        let tls = tls::client_config(self)?;
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(user_agent())
            .redirect(reqwest::redirect::Policy::limited(10))
            .timeout(self.timeout.unwrap_or(Duration::from_secs(120)));
        builder.build().map_err(TlsError::Client)
    }
}
