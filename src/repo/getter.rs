//! helm's HTTP getter over [`crate::fetch::ClientOptions`]: a GET with no
//! compression, `Accept: application/gzip,application/octet-stream` for
//! charts, basic auth only to the repository's own scheme and host:port
//! unless `pass_credentials_all`, and `failed to fetch <url> : <status>`
//! for any status but 200.

use std::time::Duration;

use crate::fetch::ClientOptions;

use super::{Entry, RepoError};

/// What a chart request sends as `Accept` (helm's chart downloader).
pub const CHART_ACCEPT: &str = "application/gzip,application/octet-stream";

/// An HTTP getter bound to one repository's credentials and TLS settings.
#[derive(Clone, Debug)]
pub struct Getter {
    client: reqwest::Client,
    /// The repository URL credentials belong to.
    repo_url: String,
    username: String,
    password: String,
    pass_credentials_all: bool,
}

/// Credentials and TLS settings of a getter (a repository entry, or the
/// flags of a one-off `--repo` / URL download).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetterOptions {
    /// The repository URL the credentials belong to.
    pub repo_url: String,
    /// Basic-auth user.
    pub username: String,
    /// Basic-auth password.
    pub password: String,
    /// Send credentials to any host.
    pub pass_credentials_all: bool,
    /// TLS files, verification and timeout.
    pub client: ClientOptions,
}

impl GetterOptions {
    /// The options of a configured repository.
    pub fn from_entry(e: &Entry, timeout: Option<Duration>) -> GetterOptions {
        let path = |s: &str| (!s.is_empty()).then(|| s.into());
        GetterOptions {
            repo_url: e.url.clone(),
            username: e.username.clone(),
            password: e.password.clone(),
            pass_credentials_all: e.pass_credentials_all,
            client: ClientOptions {
                ca_file: path(&e.ca_file),
                cert_file: path(&e.cert_file),
                key_file: path(&e.key_file),
                insecure_skip_tls_verify: e.insecure_skip_tls_verify,
                timeout,
            },
        }
    }
}

impl Getter {
    /// A getter for these options.
    pub fn new(opts: &GetterOptions) -> Result<Getter, RepoError> {
        Ok(Getter {
            client: opts.client.build()?,
            repo_url: opts.repo_url.clone(),
            username: opts.username.clone(),
            password: opts.password.clone(),
            pass_credentials_all: opts.pass_credentials_all,
        })
    }

    /// Whether credentials go to `url`: both set, and the same scheme and
    /// host:port as the repository URL (or `pass_credentials_all`).
    pub fn sends_credentials_to(&self, url: &str) -> bool {
        if self.username.is_empty() || self.password.is_empty() {
            return false;
        }
        if self.pass_credentials_all {
            return true;
        }
        match (
            reqwest::Url::parse(&self.repo_url),
            reqwest::Url::parse(url),
        ) {
            (Ok(a), Ok(b)) => {
                a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port() == b.port()
            }
            _ => false,
        }
    }

    /// GETs `url` (an index when `chart` is false, else a chart archive)
    /// and returns the body as served.
    pub async fn get(&self, url: &str, chart: bool) -> Result<Vec<u8>, RepoError> {
        match self
            .get_conditional(url, chart, &Validators::default())
            .await?
        {
            Conditional::Modified { body, .. } => Ok(body),
            // Without validators a server has nothing to answer 304 to;
            // one that does anyway fails as any non-200 does.
            Conditional::NotModified => Err(fetch_error(url, reqwest::StatusCode::NOT_MODIFIED)),
        }
    }

    /// [`Getter::get`] with `If-None-Match` / `If-Modified-Since` from
    /// `validators`: a 304 is [`Conditional::NotModified`], a 200 the body
    /// with the response's own validators, anything else helm's error.
    pub async fn get_conditional(
        &self,
        url: &str,
        chart: bool,
        validators: &Validators,
    ) -> Result<Conditional, RepoError> {
        let mut req = self.client.get(url);
        if chart {
            req = req.header(reqwest::header::ACCEPT, CHART_ACCEPT);
        }
        if self.sends_credentials_to(url) {
            req = req.basic_auth(&self.username, Some(&self.password));
        }
        if let Some(etag) = &validators.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &validators.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let resp = req.send().await.map_err(|e| transport(url, &e))?;
        let status = resp.status();
        let conditional = validators.etag.is_some() || validators.last_modified.is_some();
        if status == reqwest::StatusCode::NOT_MODIFIED && conditional {
            return Ok(Conditional::NotModified);
        }
        if status != reqwest::StatusCode::OK {
            let reason = resp
                .extensions()
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned());
            return Err(match reason {
                Some(reason) => RepoError::Fetch {
                    url: url.to_string(),
                    status: format!("{} {reason}", status.as_u16()),
                    code: status.as_u16(),
                },
                None => fetch_error(url, status),
            });
        }
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        let body = resp.bytes().await.map_err(|e| transport(url, &e))?;
        Ok(Conditional::Modified {
            body: body.to_vec(),
            validators,
        })
    }
}

/// A response's cache validators, sent back on a conditional request.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

/// The answer to [`Getter::get_conditional`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conditional {
    /// 304: what the validators belong to is still current.
    NotModified,
    /// 200: the body as served and its validators.
    Modified {
        /// The body.
        body: Vec<u8>,
        /// The response's `ETag` / `Last-Modified`.
        validators: Validators,
    },
}

/// `failed to fetch <url> : <code> <Go's status text>`.
fn fetch_error(url: &str, status: reqwest::StatusCode) -> RepoError {
    RepoError::Fetch {
        url: url.to_string(),
        status: format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        ),
        code: status.as_u16(),
    }
}

/// Go's `*url.Error` text for a request that got no response.
fn transport(url: &str, e: &reqwest::Error) -> RepoError {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    let mut innermost = e.to_string();
    let mut refused = false;
    let mut tls: Option<String> = None;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                refused = true;
            }
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                tls = Some(go_tls_text(t));
            }
        }
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            tls = Some(go_tls_text(t));
        }
        innermost = s.to_string();
        source = s.source();
    }
    if let Some(t) = tls {
        innermost = t;
    } else if let Some(rest) = innermost.strip_prefix("invalid peer certificate: ") {
        // rustls' error arrives as text through hyper's connector.
        let known = match rest {
            "UnknownIssuer" => Some(rustls::CertificateError::UnknownIssuer),
            "Expired" => Some(rustls::CertificateError::Expired),
            "NotValidYet" => Some(rustls::CertificateError::NotValidYet),
            "NotValidForName" => Some(rustls::CertificateError::NotValidForName),
            _ => None,
        };
        if let Some(c) = known {
            innermost = go_tls_text(&rustls::Error::InvalidCertificate(c));
        }
    }
    let message = if refused {
        let addr = reqwest::Url::parse(url)
            .ok()
            .map(|u| {
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or_default(),
                    u.port_or_known_default().unwrap_or(0)
                )
            })
            .unwrap_or_default();
        format!("dial tcp {addr}: connect: connection refused")
    } else if e.is_timeout() {
        "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into()
    } else {
        innermost
    };
    RepoError::Transport {
        url: url.to_string(),
        message,
    }
}

/// Go's `crypto/tls` and `crypto/x509` wording for the certificate
/// failures rustls reports.
fn go_tls_text(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "tls: failed to verify certificate: x509: certificate signed by unknown authority"
                .into()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::NotValidYet) => {
            "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
                .into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName) => {
            "tls: failed to verify certificate: x509: certificate is not valid for this name".into()
        }
        other => format!("tls: {other}"),
    }
}
