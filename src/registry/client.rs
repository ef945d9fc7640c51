//! A distribution-spec client on reqwest that behaves like oras-go v2's
//! `remote.Repository` behind its `auth.Client`: the cached
//! `Authorization` first, then the `WWW-Authenticate` challenge (Basic, or
//! Bearer with a token request), with oras' error texts.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use sha2::Digest as _;

use super::credentials::{Credential, CredentialStore, server_address_from_hostname};
use super::{RegistryError, errcode};
use crate::compat::Compat;

/// The manifest media types oras accepts when resolving a reference.
const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.artifact.manifest.v1+json";

/// oras' limit on a manifest body (4 MiB).
const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// Where credentials come from: `--username/--password` or the store.
#[derive(Clone, Debug)]
pub enum CredentialSource {
    /// The same credential for every host.
    Static(Credential),
    /// helm's credentials file with Docker's as the fallback.
    Store(CredentialStore),
    /// No credentials.
    None,
}

/// A content descriptor (media type, digest, size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Descriptor {
    /// The media type.
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// The size in bytes.
    pub size: u64,
}

impl Descriptor {
    /// The descriptor of `bytes` with `media_type`.
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.into(),
            digest: sha256_digest(bytes),
            size: bytes.len() as u64,
        }
    }
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[derive(Debug, Default)]
struct HostCache {
    /// `Basic` or `Bearer`, as last challenged.
    scheme: Option<Scheme>,
    /// Tokens by space-joined scope set (`""` for Basic).
    tokens: HashMap<String, String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Basic,
    Bearer,
}

/// A registry client for one set of TLS settings and credentials.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    plain_http: bool,
    compat: Compat,
    credentials: CredentialSource,
    /// Set during `login`: Bearer tokens via oras' OAuth2 POST.
    force_oauth2: AtomicBool,
    /// helm v3 retries a TLS request over plain HTTP when the server
    /// answered in plain HTTP; once it did, every request goes that way.
    fell_back: AtomicBool,
    cache: Mutex<HashMap<String, HostCache>>,
}

/// One request, re-sendable (its body is kept).
struct Req<'a> {
    method: Method,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    scopes: &'a [String],
}

impl<'a> Req<'a> {
    /// A request without headers or body.
    fn new(method: Method, url: &str, scopes: &'a [String]) -> Req<'a> {
        Req {
            method,
            url: url.to_string(),
            headers: Vec::new(),
            body: None,
            scopes,
        }
    }

    /// The same request with one more header.
    fn header(mut self, name: &'static str, value: &str) -> Req<'a> {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The same request with a body.
    fn body(mut self, body: &[u8]) -> Req<'a> {
        self.body = Some(body.to_vec());
        self
    }
}

impl Client {
    /// A client over `http` (built from `fetch::ClientOptions`).
    pub fn new(
        http: reqwest::Client,
        plain_http: bool,
        credentials: CredentialSource,
        compat: Compat,
    ) -> Client {
        Client {
            http,
            plain_http,
            compat,
            credentials,
            force_oauth2: AtomicBool::new(false),
            fell_back: AtomicBool::new(false),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn scheme(&self) -> &'static str {
        if self.plain_http { "http" } else { "https" }
    }

    /// `<scheme>://<registry>/v2/`.
    pub fn base_url(&self, registry: &str) -> String {
        format!("{}://{registry}/v2/", self.scheme())
    }

    /// Forces OAuth2 (POST) token requests; oras' `ForceAttemptOAuth2`,
    /// which helm's login sets for its first ping.
    pub fn set_force_oauth2(&self, on: bool) {
        self.force_oauth2.store(on, Ordering::SeqCst);
    }

    fn credential(&self, host: &str) -> Result<Credential, RegistryError> {
        match &self.credentials {
            CredentialSource::Static(c) => Ok(c.clone()),
            CredentialSource::Store(s) => s.get(&server_address_from_hostname(host)),
            CredentialSource::None => Ok(Credential::default()),
        }
    }

    /// Sends without auth handling, with the v3 plain-HTTP fallback.
    async fn send(
        &self,
        req: &Req<'_>,
        auth: Option<&str>,
    ) -> Result<reqwest::Response, RegistryError> {
        loop {
            let fell_back = self.fell_back.load(Ordering::SeqCst);
            let url = if fell_back {
                req.url.replacen("https://", "http://", 1)
            } else {
                req.url.clone()
            };
            let mut b = self.http.request(req.method.clone(), &url);
            for (k, v) in &req.headers {
                b = b.header(*k, v);
            }
            if let Some(a) = auth {
                b = b.header("Authorization", a);
            }
            if let Some(body) = &req.body {
                b = b.body(body.clone());
            }
            match b.send().await {
                Ok(r) => return Ok(r),
                Err(e) => {
                    let message = transport_message(&e, &url);
                    if self.compat == Compat::V3
                        && !fell_back
                        && url.starts_with("https://")
                        && message.contains("server gave HTTP response")
                    {
                        self.fell_back.store(true, Ordering::SeqCst);
                        continue;
                    }
                    return Err(RegistryError::Transport {
                        op: go_method(&req.method),
                        url: req.url.clone(),
                        message,
                    });
                }
            }
        }
    }

    /// [`Client::execute`] requiring status `want`: any other status is
    /// the registry's error response.
    async fn execute_expecting(
        &self,
        req: Req<'_>,
        want: u16,
    ) -> Result<reqwest::Response, RegistryError> {
        let method = req.method.clone();
        let url = req.url.clone();
        let resp = self.execute(req).await?;
        if resp.status().as_u16() != want {
            return Err(response_error(resp, method.as_str(), &url).await);
        }
        Ok(resp)
    }

    /// oras' `auth.Client.Do`.
    async fn execute(&self, req: Req<'_>) -> Result<reqwest::Response, RegistryError> {
        let host = host_of(&req.url);
        let key_now = req.scopes.join(" ");
        let mut attempted_key = None;
        let cached = {
            let cache = self.cache.lock().map_err(|_| poisoned())?;
            cache.get(&host).and_then(|c| match c.scheme {
                Some(Scheme::Basic) => c.tokens.get("").map(|t| format!("Basic {t}")),
                Some(Scheme::Bearer) => {
                    attempted_key = Some(key_now.clone());
                    c.tokens.get(&key_now).map(|t| format!("Bearer {t}"))
                }
                None => None,
            })
        };
        let resp = self.send(&req, cached.as_deref()).await?;
        if resp.status() != reqwest::StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenge = resp
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let (scheme, params) = parse_challenge(&challenge);
        let fail = |message: String| RegistryError::Auth {
            method: req.method.as_str().to_string(),
            url: req.url.clone(),
            message,
        };
        let header = match scheme.as_deref() {
            Some("basic") => {
                let cred = self
                    .credential(&host)
                    .map_err(|e| fail(format!("failed to resolve credential: {e}")))?;
                if cred.is_empty() {
                    return Err(fail("basic credential not found".into()));
                }
                if cred.username.is_empty() || cred.password.is_empty() {
                    return Err(fail("missing username or password for basic auth".into()));
                }
                let token = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", cred.username, cred.password));
                let mut cache = self.cache.lock().map_err(|_| poisoned())?;
                let entry = cache.entry(host.clone()).or_default();
                entry.scheme = Some(Scheme::Basic);
                entry.tokens.insert(String::new(), token.clone());
                format!("Basic {token}")
            }
            Some("bearer") => {
                let mut scopes: Vec<String> = req.scopes.to_vec();
                if let Some(s) = params.get("scope").filter(|s| !s.is_empty()) {
                    scopes.extend(s.split(' ').map(String::from));
                    scopes = clean_scopes(&scopes);
                }
                let key = scopes.join(" ");
                if attempted_key.as_deref() != Some(key.as_str()) {
                    let token = {
                        let cache = self.cache.lock().map_err(|_| poisoned())?;
                        cache.get(&host).and_then(|c| c.tokens.get(&key).cloned())
                    };
                    if let Some(t) = token {
                        let resp = self.send(&req, Some(&format!("Bearer {t}"))).await?;
                        if resp.status() != reqwest::StatusCode::UNAUTHORIZED {
                            return Ok(resp);
                        }
                    }
                }
                let realm = params.get("realm").cloned().unwrap_or_default();
                validate_realm(&realm, &req.url).map_err(fail)?;
                let service = params.get("service").cloned().unwrap_or_default();
                let token = self
                    .fetch_bearer_token(&host, &realm, &service, &scopes)
                    .await
                    .map_err(|e| fail(e.to_string()))?;
                let mut cache = self.cache.lock().map_err(|_| poisoned())?;
                let entry = cache.entry(host.clone()).or_default();
                entry.scheme = Some(Scheme::Bearer);
                entry.tokens.insert(key, token.clone());
                format!("Bearer {token}")
            }
            _ => return Ok(resp),
        };
        self.send(&req, Some(&header)).await
    }

    async fn fetch_bearer_token(
        &self,
        host: &str,
        realm: &str,
        service: &str,
        scopes: &[String],
    ) -> Result<String, RegistryError> {
        let cred = self.credential(host)?;
        if !cred.access_token.is_empty() {
            return Ok(cred.access_token);
        }
        let none: [String; 0] = [];
        if cred.is_empty()
            || (cred.refresh_token.is_empty() && !self.force_oauth2.load(Ordering::SeqCst))
        {
            // The distribution token endpoint (GET, Basic credentials).
            let mut url = realm.to_string();
            // Go's `url.Values.Encode`: keys sorted (`scope` before
            // `service`), values in order.
            let mut query = Vec::new();
            for s in scopes {
                query.push(format!("scope={}", form_encode(s)));
            }
            if !service.is_empty() {
                query.push(format!("service={}", form_encode(service)));
            }
            if !query.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&query.join("&"));
            }
            let mut headers = Vec::new();
            if !cred.username.is_empty() || !cred.password.is_empty() {
                let b = base64::engine::general_purpose::STANDARD
                    .encode(format!("{}:{}", cred.username, cred.password));
                headers.push(("Authorization", format!("Basic {b}")));
            }
            let req = Req {
                method: Method::GET,
                url: url.clone(),
                headers,
                body: None,
                scopes: &none,
            };
            let resp = self.send(&req, None).await?;
            let body = check_status(resp, "GET", &url, 200).await?;
            #[derive(serde::Deserialize)]
            struct Tok {
                #[serde(default)]
                token: String,
                #[serde(default)]
                access_token: String,
            }
            let t: Tok = serde_json::from_slice(&body).map_err(|e| {
                RegistryError::Content(format!("GET {url:?}: failed to decode response: {e}"))
            })?;
            if !t.access_token.is_empty() {
                return Ok(t.access_token);
            }
            if !t.token.is_empty() {
                return Ok(t.token);
            }
            return Err(RegistryError::Content(format!(
                "GET {url:?}: empty token returned"
            )));
        }
        // OAuth2: a form POST.
        let mut form: Vec<(&str, String)> = Vec::new();
        if !cred.refresh_token.is_empty() {
            form.push(("grant_type", "refresh_token".into()));
            form.push(("refresh_token", cred.refresh_token.clone()));
        } else if !cred.username.is_empty() && !cred.password.is_empty() {
            form.push(("grant_type", "password".into()));
            form.push(("username", cred.username.clone()));
            form.push(("password", cred.password.clone()));
        } else {
            return Err(RegistryError::Content(
                "missing username or password for bearer auth".into(),
            ));
        }
        form.push(("service", service.into()));
        form.push(("client_id", "oras-go".into()));
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        // Go's url.Values.Encode sorts by key.
        form.sort_by(|a, b| a.0.cmp(b.0));
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", form_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Req {
            method: Method::POST,
            url: realm.into(),
            headers: vec![("Content-Type", "application/x-www-form-urlencoded".into())],
            body: Some(body.into_bytes()),
            scopes: &none,
        };
        let resp = self.send(&req, None).await?;
        let body = check_status(resp, "POST", realm, 200).await?;
        #[derive(serde::Deserialize)]
        struct Tok {
            #[serde(default)]
            access_token: String,
        }
        let t: Tok = serde_json::from_slice(&body).map_err(|e| {
            RegistryError::Content(format!("POST {realm:?}: failed to decode response: {e}"))
        })?;
        if t.access_token.is_empty() {
            return Err(RegistryError::Content(format!(
                "POST {realm:?}: empty token returned"
            )));
        }
        Ok(t.access_token)
    }

    /// `GET /v2/` (oras' `Registry.Ping`).
    ///
    /// # Errors
    ///
    /// The registry's error response, or a transport/auth failure.
    pub async fn ping(&self, registry: &str) -> Result<(), RegistryError> {
        let url = self.base_url(registry);
        let resp = self.execute(Req::new(Method::GET, &url, &[])).await?;
        match resp.status().as_u16() {
            200 => Ok(()),
            404 => Err(RegistryError::NotFound(format!("{registry}: not found"))),
            _ => Err(response_error(resp, "GET", &url).await),
        }
    }

    /// Fetches a manifest by tag or digest (oras' `FetchReference`): its
    /// descriptor and bytes, verified against the digest.
    ///
    /// # Errors
    ///
    /// `<ref>: not found`, the registry's error response, a digest
    /// mismatch.
    pub async fn fetch_manifest(
        &self,
        registry: &str,
        repository: &str,
        reference: &str,
        scopes: &[String],
    ) -> Result<(Descriptor, Vec<u8>), RegistryError> {
        let url = format!(
            "{}{repository}/manifests/{reference}",
            self.base_url(registry)
        );
        let resp = self
            .execute(Req::new(Method::GET, &url, scopes).header("Accept", MANIFEST_ACCEPT))
            .await?;
        let full = format_ref(registry, repository, reference);
        match resp.status().as_u16() {
            200 => {}
            404 => return Err(RegistryError::NotFound(format!("{full}: not found"))),
            _ => return Err(response_error(resp, "GET", &url).await),
        }
        let media_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
            .unwrap_or_default();
        let header_digest = header(resp.headers(), "docker-content-digest");
        let body = read_limited(resp, "GET", &url, MAX_MANIFEST_BYTES).await?;
        let digest = sha256_digest(&body);
        let expected = if reference.contains(':') {
            Some(reference.to_string())
        } else {
            header_digest
        };
        if let Some(e) = expected
            && e != digest
        {
            return Err(RegistryError::Content(format!(
                "{full}: mismatch digest: {e}"
            )));
        }
        Ok((
            Descriptor {
                media_type,
                digest,
                size: body.len() as u64,
            },
            body,
        ))
    }

    /// `HEAD /v2/<repo>/<kind>/<digest>`: whether content exists
    /// (`kind` = `manifests` or `blobs`).
    ///
    /// # Errors
    ///
    /// Anything but 200/404.
    pub async fn exists(
        &self,
        registry: &str,
        repository: &str,
        kind: &str,
        digest: &str,
        scopes: &[String],
    ) -> Result<bool, RegistryError> {
        let url = format!("{}{repository}/{kind}/{digest}", self.base_url(registry));
        let mut req = Req::new(Method::HEAD, &url, scopes);
        if kind == "manifests" {
            req = req.header("Accept", MANIFEST_ACCEPT);
        }
        let resp = self.execute(req).await?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(response_error(resp, "HEAD", &url).await),
        }
    }

    /// Fetches a blob and checks its size and digest.
    ///
    /// # Errors
    ///
    /// `<digest>: not found`, the registry's error response, a mismatch.
    pub async fn fetch_blob(
        &self,
        registry: &str,
        repository: &str,
        desc: &Descriptor,
        scopes: &[String],
    ) -> Result<Vec<u8>, RegistryError> {
        let url = format!(
            "{}{repository}/blobs/{}",
            self.base_url(registry),
            desc.digest
        );
        let resp = self.execute(Req::new(Method::GET, &url, scopes)).await?;
        match resp.status().as_u16() {
            200 => {}
            404 => {
                return Err(RegistryError::NotFound(format!(
                    "{}: not found",
                    desc.digest
                )));
            }
            _ => return Err(response_error(resp, "GET", &url).await),
        }
        let limit = usize::try_from(desc.size).unwrap_or(usize::MAX);
        let body = read_limited(resp, "GET", &url, limit).await?;
        if body.len() as u64 != desc.size || sha256_digest(&body) != desc.digest {
            return Err(RegistryError::Content(format!(
                "{}: mismatch digest: {}",
                desc.digest,
                sha256_digest(&body)
            )));
        }
        Ok(body)
    }

    /// Uploads a blob: `POST /blobs/uploads/`, then `PUT <location>?digest=`
    /// (oras' monolithic upload).
    ///
    /// # Errors
    ///
    /// The registry's error response, a Location that changes host or
    /// downgrades the scheme.
    pub async fn push_blob(
        &self,
        registry: &str,
        repository: &str,
        desc: &Descriptor,
        bytes: &[u8],
        scopes: &[String],
    ) -> Result<(), RegistryError> {
        let url = format!("{}{repository}/blobs/uploads/", self.base_url(registry));
        let resp = self
            .execute_expecting(Req::new(Method::POST, &url, scopes), 202)
            .await?;
        let location = header(resp.headers(), "location").unwrap_or_default();
        let location = resolve_location(&url, &location)?;
        let put = format!(
            "{location}{}digest={}",
            if location.contains('?') { '&' } else { '?' },
            form_encode(&desc.digest)
        );
        self.execute_expecting(
            Req::new(Method::PUT, &put, scopes)
                .header("Content-Type", "application/octet-stream")
                .body(bytes),
            201,
        )
        .await?;
        Ok(())
    }

    /// `PUT /v2/<repo>/manifests/<reference>`.
    ///
    /// # Errors
    ///
    /// The registry's error response.
    pub async fn put_manifest(
        &self,
        registry: &str,
        repository: &str,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
        scopes: &[String],
    ) -> Result<(), RegistryError> {
        let url = format!(
            "{}{repository}/manifests/{reference}",
            self.base_url(registry)
        );
        self.execute_expecting(
            Req::new(Method::PUT, &url, scopes)
                .header("Content-Type", media_type)
                .body(bytes),
            201,
        )
        .await?;
        Ok(())
    }

    /// Every tag of a repository: `GET /tags/list`, following `Link`
    /// `rel="next"`.
    ///
    /// # Errors
    ///
    /// The registry's error response.
    pub async fn tags(
        &self,
        registry: &str,
        repository: &str,
        scopes: &[String],
    ) -> Result<Vec<String>, RegistryError> {
        let mut url = format!("{}{repository}/tags/list", self.base_url(registry));
        let mut tags = Vec::new();
        loop {
            let resp = self
                .execute_expecting(Req::new(Method::GET, &url, scopes), 200)
                .await?;
            let next = header(resp.headers(), "link");
            let body = read_limited(resp, "GET", &url, MAX_MANIFEST_BYTES).await?;
            #[derive(serde::Deserialize)]
            struct Page {
                #[serde(default)]
                tags: Option<Vec<String>>,
            }
            let page: Page = serde_json::from_slice(&body).map_err(|e| {
                RegistryError::Content(format!("GET {url:?}: failed to decode response: {e}"))
            })?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(link) => url = next_link(&url, &link)?,
                None => return Ok(tags),
            }
        }
    }
}

fn poisoned() -> RegistryError {
    RegistryError::Content("auth cache lock poisoned".into())
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(String::from)
}

/// `host/repo:tag` or `host/repo@digest`, as oras prints a reference.
fn format_ref(registry: &str, repository: &str, reference: &str) -> String {
    if reference.contains(':') {
        format!("{registry}/{repository}@{reference}")
    } else {
        format!("{registry}/{repository}:{reference}")
    }
}

/// Go's `url.Error` operation name for a method (`Get`, `Head`...).
fn go_method(m: &Method) -> String {
    let s = m.as_str().to_ascii_lowercase();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => s,
    }
}

/// The `host[:port]` of a URL.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}

/// What Go would say for a transport failure, where rudder knows it.
fn transport_message(e: &reqwest::Error, url: &str) -> String {
    let mut chain = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        chain.push(err.to_string());
        cur = err.source();
    }
    let all = chain.join(": ");
    let dbg = format!("{e:?}");
    if all.contains("InvalidContentType")
        || dbg.contains("InvalidContentType")
        || all.contains("corrupt message")
    {
        return "http: server gave HTTP response to HTTPS client".into();
    }
    if all.contains("UnknownIssuer") || dbg.contains("UnknownIssuer") {
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
            .into();
    }
    if all.contains("Connection refused") || dbg.contains("ConnectionRefused") {
        return format!("dial tcp {}: connect: connection refused", host_of(url));
    }
    if e.is_timeout() {
        return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".into();
    }
    chain.last().cloned().unwrap_or(all)
}

/// Reads a body up to `limit` bytes.
async fn read_limited(
    resp: reqwest::Response,
    method: &str,
    url: &str,
    limit: usize,
) -> Result<Vec<u8>, RegistryError> {
    let mut resp = resp;
    let mut out = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                out.extend_from_slice(&c);
                if out.len() > limit {
                    return Err(RegistryError::Content(format!(
                        "{method} {url:?}: response body exceeds the limit of {limit} bytes"
                    )));
                }
            }
            Ok(None) => return Ok(out),
            Err(e) => {
                return Err(RegistryError::Transport {
                    op: go_method(&Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET)),
                    url: url.into(),
                    message: transport_message(&e, url),
                });
            }
        }
    }
}

/// oras' `ParseErrorResponse`.
async fn response_error(resp: reqwest::Response, method: &str, url: &str) -> RegistryError {
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    RegistryError::Response {
        method: method.into(),
        url: url.into(),
        status,
        message: errcode::response_message(status, &body),
    }
}

async fn check_status(
    resp: reqwest::Response,
    method: &str,
    url: &str,
    want: u16,
) -> Result<Vec<u8>, RegistryError> {
    if resp.status().as_u16() != want {
        return Err(response_error(resp, method, url).await);
    }
    read_limited(resp, method, url, MAX_MANIFEST_BYTES).await
}

/// Go's `url.QueryEscape`.
fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Resolves a `Location` against the request URL and applies oras'
/// checks (same host; no downgrade from https).
fn resolve_location(request: &str, location: &str) -> Result<String, RegistryError> {
    let base = reqwest::Url::parse(request)
        .map_err(|e| RegistryError::Content(format!("{request:?}: {e}")))?;
    let loc = base
        .join(location)
        .map_err(|e| RegistryError::Content(format!("invalid Location {location:?}: {e}")))?;
    let loc_host = match loc.port() {
        Some(p) => format!("{}:{p}", loc.host_str().unwrap_or_default()),
        None => loc.host_str().unwrap_or_default().to_string(),
    };
    let port = |u: &reqwest::Url| u.port_or_known_default();
    if loc.host_str() != base.host_str()
        || port(&loc) != port(&base) && loc.scheme() == base.scheme()
    {
        return Err(RegistryError::Content(format!(
            "blob upload Location {loc_host:?} is on a different host than the registry {:?}",
            host_of(request)
        )));
    }
    if base.scheme() == "https" && loc.scheme() != "https" {
        return Err(RegistryError::Content(format!(
            "blob upload Location {loc_host:?} downgrades scheme from https"
        )));
    }
    Ok(loc.to_string())
}

/// The `rel="next"` target of a `Link` header, resolved against `current`.
fn next_link(current: &str, link: &str) -> Result<String, RegistryError> {
    let target = link
        .split(',')
        .find(|l| l.contains("rel=\"next\"") || l.contains("rel=next"))
        .and_then(|l| {
            let start = l.find('<')?;
            let end = l.find('>')?;
            Some(l[start + 1..end].to_string())
        })
        .ok_or_else(|| RegistryError::Content(format!("invalid next link {link:?}")))?;
    reqwest::Url::parse(current)
        .and_then(|b| b.join(&target))
        .map(|u| u.to_string())
        .map_err(|e| RegistryError::Content(format!("invalid next link {link:?}: {e}")))
}

/// Parses `Basic realm=...` / `Bearer realm="...",service="..."`: the
/// lower-cased scheme and the parameters.
fn parse_challenge(header: &str) -> (Option<String>, HashMap<String, String>) {
    let mut params = HashMap::new();
    let header = header.trim();
    let (scheme, rest) = match header.split_once(' ') {
        Some((s, r)) => (s, r),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return (None, params);
    }
    let scheme = scheme.to_ascii_lowercase();
    let mut rest = rest.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = &rest[eq + 1..];
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = r.char_indices();
            let mut end = r.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    _ => v.push(c),
                }
            }
            value = v;
            rest = &r[end.min(r.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        params.insert(key, value);
        rest = rest.trim_start().trim_start_matches(',').trim_start();
    }
    (Some(scheme), params)
}

/// oras' `CleanScopes`: merged actions per resource, sorted; `*` wins.
fn clean_scopes(scopes: &[String]) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut other = BTreeSet::new();
    for s in scopes {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() < 3 {
            if !s.is_empty() {
                other.insert(s.clone());
            }
            continue;
        }
        let ty = parts[0].to_string();
        let actions = parts[parts.len() - 1];
        let name = parts[1..parts.len() - 1].join(":");
        let set = by.entry((ty, name)).or_default();
        for a in actions.split(',').filter(|a| !a.is_empty()) {
            set.insert(a.to_string());
        }
    }
    let mut out: Vec<String> = other.into_iter().collect();
    for ((ty, name), actions) in by {
        if actions.is_empty() {
            continue;
        }
        let acts = if actions.contains("*") {
            "*".to_string()
        } else {
            actions.into_iter().collect::<Vec<_>>().join(",")
        };
        out.push(format!("{ty}:{name}:{acts}"));
    }
    out.sort();
    out
}

/// oras' realm checks: https (http only when the registry was reached
/// over http), and no loopback/private/link-local IP other than the
/// registry's own host.
fn validate_realm(realm: &str, request_url: &str) -> Result<(), String> {
    if realm.is_empty() {
        return Ok(());
    }
    let realm_url = reqwest::Url::parse(realm)
        .map_err(|e| format!("failed to parse bearer realm {realm:?}: {e}"))?;
    let req_url = reqwest::Url::parse(request_url).ok();
    match realm_url.scheme() {
        "https" => {}
        "http" => {
            if req_url.as_ref().is_some_and(|u| u.scheme() == "https") {
                return Err(format!(
                    "bearer realm {realm:?} uses http but registry was contacted over https"
                ));
            }
        }
        other => {
            return Err(format!(
                "bearer realm {realm:?} uses unsupported scheme {other:?}"
            ));
        }
    }
    let host = realm_url
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_string();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        let special = match ip {
            std::net::IpAddr::V4(v) => {
                v.is_loopback()
                    || v.is_link_local()
                    || v.is_private()
                    || v.is_unspecified()
                    || v.is_multicast()
                        && v.octets()[0] == 224
                        && v.octets()[1] == 0
                        && v.octets()[2] == 0
            }
            std::net::IpAddr::V6(v) => {
                v.is_loopback()
                    || v.is_unspecified()
                    || (v.segments()[0] & 0xffc0) == 0xfe80
                    || (v.segments()[0] & 0xfe00) == 0xfc00
                    || (v.segments()[0] == 0xff02)
            }
        };
        let same = req_url
            .as_ref()
            .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
            .is_some_and(|h| h == host);
        if special && !same {
            return Err(format!(
                "bearer realm host {host:?} is a loopback, link-local, private, or unspecified address"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn challenges_and_scopes() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull""#,
        );
        assert_eq!(s.as_deref(), Some("bearer"));
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "reg");
        assert_eq!(p["scope"], "repository:a/b:pull");
        let (s, p) = parse_challenge(r#"Basic realm="test-registry""#);
        assert_eq!(s.as_deref(), Some("basic"));
        assert_eq!(p["realm"], "test-registry");
        assert_eq!(
            clean_scopes(&[
                "repository:a/b:push".into(),
                "repository:a/b:pull".into(),
                "repository:c:pull".into()
            ]),
            vec!["repository:a/b:pull,push", "repository:c:pull"]
        );
    }

    #[test]
    fn realm_rules() {
        assert_eq!(
            validate_realm("https://127.0.0.1:5001/auth", "https://localhost:5444/v2/"),
            Err("bearer realm host \"127.0.0.1\" is a loopback, link-local, private, or unspecified address".into())
        );
        assert!(
            validate_realm("https://127.0.0.1:5001/auth", "https://127.0.0.1:5444/v2/").is_ok()
        );
        assert!(validate_realm("http://auth.example/t", "https://r.example/v2/").is_err());
        assert!(validate_realm("http://auth.example/t", "http://r.example/v2/").is_ok());
        assert!(validate_realm("https://auth.example/t", "https://r.example/v2/").is_ok());
    }

    #[test]
    fn locations_and_links() {
        assert_eq!(
            resolve_location(
                "https://h:5000/v2/r/blobs/uploads/",
                "/v2/r/blobs/uploads/x?_state=1"
            )
            .unwrap(),
            "https://h:5000/v2/r/blobs/uploads/x?_state=1"
        );
        assert_eq!(
            resolve_location(
                "https://127.0.0.1:5000/v2/r/blobs/uploads/",
                "http://127.0.0.1:5000/v2/x"
            )
            .unwrap_err()
            .to_string(),
            "blob upload Location \"127.0.0.1:5000\" downgrades scheme from https"
        );
        assert_eq!(
            next_link(
                "http://h/v2/r/tags/list",
                r#"</v2/r/tags/list?last=b&n=2>; rel="next""#
            )
            .unwrap(),
            "http://h/v2/r/tags/list?last=b&n=2"
        );
        assert_eq!(
            form_encode("repository:a/b:pull push"),
            "repository%3Aa%2Fb%3Apull+push"
        );
        assert_eq!(go_method(&Method::HEAD), "Head");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod double_tests {
    //! The auth flow against an in-process HTTP double: Basic, Bearer with
    //! a GET token request and cached tokens, OAuth2 POST at login.
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;
    use crate::fetch::ClientOptions;

    #[derive(Clone, Debug)]
    struct Seen {
        method: String,
        target: String,
        authorization: String,
        body: String,
    }

    type Handler = Arc<dyn Fn(&Seen) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

    /// Serves HTTP/1.1 on 127.0.0.1 with `handler`, recording requests.
    async fn serve(handler: Handler) -> (String, Arc<Mutex<Vec<Seen>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let handler = handler.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    loop {
                        let mut chunk = [0u8; 4096];
                        let Ok(n) = sock.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        let len: usize = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        while buf.len() < end + 4 + len {
                            let Ok(n) = sock.read(&mut chunk).await else {
                                return;
                            };
                            if n == 0 {
                                return;
                            }
                            buf.extend_from_slice(&chunk[..n]);
                        }
                        let body =
                            String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                        buf.drain(..end + 4 + len);
                        let mut first = head.lines().next().unwrap_or_default().split(' ');
                        let seen = Seen {
                            method: first.next().unwrap_or_default().into(),
                            target: first.next().unwrap_or_default().into(),
                            authorization: head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("authorization")
                                        .then(|| v.trim().to_string())
                                })
                                .unwrap_or_default(),
                            body,
                        };
                        log.lock().unwrap().push(seen.clone());
                        let (status, headers, body) = handler(&seen);
                        let mut resp =
                            format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                        for (k, v) in headers {
                            resp.push_str(&format!("{k}: {v}\r\n"));
                        }
                        resp.push_str("\r\n");
                        resp.push_str(&body);
                        if sock.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        (addr, seen)
    }

    fn client(creds: Credential) -> Client {
        Client::new(
            ClientOptions::default().build().unwrap(),
            true,
            CredentialSource::Static(creds),
            Compat::V4,
        )
    }

    #[tokio::test]
    async fn bearer_token_get_with_basic_credentials_and_cache() {
        let addr = Arc::new(Mutex::new(String::new()));
        let a2 = addr.clone();
        let handler: Handler = Arc::new(move |s: &Seen| {
            let host = a2.lock().unwrap().clone();
            if s.target.starts_with("/token") {
                assert_eq!(s.authorization, "Basic dTpw");
                return (200, vec![], r#"{"token":"T1"}"#.into());
            }
            if s.authorization == "Bearer T1" {
                return (200, vec![], r#"{"tags":["1.0.0","b"]}"#.into());
            }
            let challenge = format!(
                "Bearer realm=\"http://{host}/token\",service=\"reg\",scope=\"repository:c/d:pull\""
            );
            (
                401,
                vec![("WWW-Authenticate".into(), challenge)],
                String::new(),
            )
        });
        let (host, seen) = serve(handler).await;
        *addr.lock().unwrap() = host.clone();
        let c = client(Credential::basic("u", "p"));
        let scope = vec!["repository:c/d:pull".to_string()];
        assert_eq!(
            c.tags(&host, "c/d", &scope).await.unwrap(),
            vec!["1.0.0", "b"]
        );
        assert_eq!(c.tags(&host, "c/d", &scope).await.unwrap().len(), 2);
        let seen = seen.lock().unwrap().clone();
        let targets: Vec<&str> = seen.iter().map(|s| s.target.as_str()).collect();
        assert_eq!(
            targets,
            vec![
                "/v2/c/d/tags/list",
                "/token?scope=repository%3Ac%2Fd%3Apull&service=reg",
                "/v2/c/d/tags/list",
                // The cached token goes out with the next request at once.
                "/v2/c/d/tags/list",
            ]
        );
    }

    #[tokio::test]
    async fn tag_list_follows_link_pages() {
        let handler: Handler = Arc::new(|s: &Seen| match s.target.as_str() {
            "/v2/c/d/tags/list" => (
                200,
                vec![(
                    "Link".into(),
                    "</v2/c/d/tags/list?last=b&n=2>; rel=\"next\"".into(),
                )],
                r#"{"name":"c/d","tags":["a","b"]}"#.into(),
            ),
            "/v2/c/d/tags/list?last=b&n=2" => {
                (200, vec![], r#"{"name":"c/d","tags":["c"]}"#.into())
            }
            _ => (404, vec![], String::new()),
        });
        let (host, seen) = serve(handler).await;
        let c = client(Credential::default());
        assert_eq!(
            c.tags(&host, "c/d", &[]).await.unwrap(),
            vec!["a", "b", "c"]
        );
        assert_eq!(seen.lock().unwrap().len(), 2);
        let e = c.tags(&host, "c/x", &[]).await.unwrap_err().to_string();
        assert_eq!(
            e,
            format!("GET \"http://{host}/v2/c/x/tags/list\": response status code 404: Not Found")
        );
    }

    #[tokio::test]
    async fn login_posts_oauth2_form_and_basic_failures_read_like_oras() {
        let addr = Arc::new(Mutex::new(String::new()));
        let a2 = addr.clone();
        let handler: Handler = Arc::new(move |s: &Seen| {
            let host = a2.lock().unwrap().clone();
            if s.method == "POST" {
                return (200, vec![], r#"{"access_token":"A"}"#.into());
            }
            if s.authorization == "Bearer A" {
                return (200, vec![], "{}".into());
            }
            let challenge = format!("Bearer realm=\"http://{host}/token\",service=\"reg\"");
            (
                401,
                vec![("WWW-Authenticate".into(), challenge)],
                String::new(),
            )
        });
        let (host, seen) = serve(handler).await;
        *addr.lock().unwrap() = host.clone();
        let c = client(Credential::basic("u", "p w"));
        c.set_force_oauth2(true);
        c.ping(&host).await.unwrap();
        let post = seen
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.method == "POST")
            .cloned()
            .unwrap();
        assert_eq!(
            post.body,
            "client_id=oras-go&grant_type=password&password=p+w&service=reg&username=u"
        );

        let handler: Handler = Arc::new(|_s: &Seen| {
            (
                401,
                vec![("WWW-Authenticate".into(), "Basic realm=\"r\"".into())],
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}"#.into(),
            )
        });
        let (host, _) = serve(handler).await;
        let e = Client::new(
            ClientOptions::default().build().unwrap(),
            true,
            CredentialSource::None,
            Compat::V4,
        )
        .ping(&host)
        .await
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("GET \"http://{host}/v2/\": basic credential not found")
        );
        let e = client(Credential::basic("u", "bad"))
            .ping(&host)
            .await
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "GET \"http://{host}/v2/\": response status code 401: unauthorized: authentication required"
            )
        );
    }
}
