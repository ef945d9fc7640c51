//! Connecting to a cluster the way helm does: `--kubeconfig` or
//! `KUBECONFIG` (several paths merged) or `~/.kube/config`,
//! `--kube-context`, and the namespace from `--namespace`,
//! `HELM_NAMESPACE`, the context, then `default`.

use std::path::PathBuf;

use kube::config::{KubeConfigOptions, Kubeconfig};

/// How to reach the cluster.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// An explicit kubeconfig file (`--kubeconfig`).
    pub kubeconfig: Option<PathBuf>,
    /// The context to use instead of the current one (`--kube-context`).
    pub context: Option<String>,
    /// The namespace (`--namespace` / `HELM_NAMESPACE`); when absent the
    /// context's namespace, then `default`.
    pub namespace: Option<String>,
    /// Overrides the server URL (`--kube-apiserver`).
    pub api_server: Option<String>,
    /// A bearer token to use instead of the kubeconfig's credentials
    /// (`--kube-token`).
    pub token: Option<String>,
    /// Skip TLS verification (`--kube-insecure-skip-tls-verify`).
    pub insecure_skip_tls_verify: bool,
    /// The user to impersonate (`--kube-as-user`).
    pub as_user: Option<String>,
    /// The groups to impersonate (`--kube-as-group`, repeatable).
    pub as_groups: Vec<String>,
    /// A CA bundle (PEM) that replaces the kubeconfig's (`--kube-ca-file`).
    pub ca_file: Option<PathBuf>,
    /// The name to check the server's certificate against
    /// (`--kube-tls-server-name`).
    pub tls_server_name: Option<String>,
    /// Client-side rate limit in requests per second (`--qps`); zero or
    /// less means no client-side limit.
    pub qps: f32,
    /// Requests allowed at once above the rate (`--burst-limit`).
    pub burst: i64,
}

/// helm's default `--burst-limit`.
pub const DEFAULT_BURST_LIMIT: i64 = 100;

/// A client and the namespace to work in.
#[derive(Clone)]
pub struct Connection {
    /// The Kubernetes client.
    pub client: kube::Client,
    /// The namespace commands act on.
    pub namespace: String,
    /// The API server's URL, for messages.
    pub server: String,
    /// The kubeconfig context in use (`--kube-context`, else the current
    /// context); `None` when there is none.
    pub context: Option<String>,
}

/// The name of the context a connection uses: `flag` (`--kube-context`)
/// when given, else the kubeconfig's `current-context`; `None` when
/// neither names one.
pub fn context_in_use(kc: &Kubeconfig, flag: Option<&str>) -> Option<String> {
    flag.filter(|f| !f.is_empty())
        .or(kc.current_context.as_deref())
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

/// Why a connection could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The kubeconfig could not be read or is inconsistent.
    #[error("{0}")]
    Kubeconfig(#[from] kube::config::KubeconfigError),
    /// A client could not be built from the configuration.
    #[error("{0}")]
    Client(#[from] kube::Error),
    /// A flag value is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The API server could not be asked for its version: helm's
    /// reachability check (`Get "<server>/version": <why>`).
    #[error("{0}")]
    Unreachable(String),
}

impl ConnectError {
    /// What kind of failure this is: a kubeconfig or flag problem is the
    /// caller's input; anything else means no API server to talk to.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ConnectError::Kubeconfig(_) | ConnectError::Invalid(_) => {
                crate::error::ErrorKind::InvalidInput
            }
            ConnectError::Client(_) | ConnectError::Unreachable(_) => {
                crate::error::ErrorKind::Unreachable
            }
        }
    }
}

fn load_kubeconfig(explicit: Option<&PathBuf>) -> Result<Kubeconfig, ConnectError> {
    if let Some(p) = explicit {
        return Kubeconfig::read_from(p).map_err(|e| go_kubeconfig_error(p, e));
    }
    if let Some(kc) = Kubeconfig::from_env()? {
        return Ok(kc);
    }
    let default = std::env::home_dir()
        .map(|h| h.join(".kube").join("config"))
        .ok_or_else(|| {
            ConnectError::Invalid("no kubeconfig: set KUBECONFIG or --kubeconfig".into())
        })?;
    Ok(Kubeconfig::read_from(default)?)
}

/// The server client-go uses when the kubeconfig selects no context.
const GO_DEFAULT_SERVER: &str = "http://localhost:8080";

/// client-go's words for a kubeconfig file it cannot use, where they are
/// known: a missing file is `stat`ed first; a file that does not parse is
/// named (the parser's own detail differs from Go's YAML parser's).
fn go_kubeconfig_error(path: &std::path::Path, e: kube::config::KubeconfigError) -> ConnectError {
    use kube::config::KubeconfigError as K;
    match e {
        K::ReadConfig(io, _) if io.kind() == std::io::ErrorKind::NotFound => ConnectError::Invalid(
            format!("stat {}: no such file or directory", path.display()),
        ),
        K::Parse(why) => ConnectError::Invalid(format!(
            "error loading config file \"{}\": {why}",
            path.display()
        )),
        other => ConnectError::Kubeconfig(other),
    }
}

/// client-go's words for a context that cannot be used.
fn go_context_error(e: kube::config::KubeconfigError) -> ConnectError {
    use kube::config::KubeconfigError as K;
    match e {
        K::LoadContext(name) => ConnectError::Invalid(format!("context \"{name}\" does not exist")),
        other => ConnectError::Kubeconfig(other),
    }
}

/// Builds a client and resolves the namespace.
#[tracing::instrument(level = "debug", skip_all, fields(context = opts.context.as_deref()))]
pub async fn connect(opts: &ConnectOptions) -> Result<Connection, ConnectError> {
    let kubeconfig = load_kubeconfig(opts.kubeconfig.as_ref())?;
    // The proxy named by the kubeconfig, read before kube resolves the
    // configuration (kube's own answer mixes in `HTTPS_PROXY`).
    let kubeconfig_proxy = context_proxy(&kubeconfig, opts.context.as_deref());
    let context = context_in_use(&kubeconfig, opts.context.as_deref());
    let kco = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let mut config = match kube::Config::from_custom_kubeconfig(kubeconfig, &kco).await {
        // client-go, given no context at all, talks to its built-in
        // default server, unauthenticated (and reports that it cannot).
        Err(kube::config::KubeconfigError::CurrentContextNotSet) => {
            kube::Config::new(http::Uri::from_static(GO_DEFAULT_SERVER))
        }
        other => other.map_err(go_context_error)?,
    };
    if let Some(server) = &opts.api_server {
        config.cluster_url = server.parse().map_err(|e| {
            ConnectError::Invalid(format!("invalid --kube-apiserver {server:?}: {e}"))
        })?;
    }
    if let Some(token) = &opts.token {
        config.auth_info = kube::config::AuthInfo {
            token: Some(token.clone().into()),
            ..Default::default()
        };
    }
    // Impersonation goes on top of whichever credentials are in use.
    if let Some(user) = &opts.as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !opts.as_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.as_groups.clone());
    }
    if let Some(path) = &opts.ca_file {
        config.root_cert = Some(read_ca_file(path)?);
    }
    if let Some(name) = &opts.tls_server_name {
        config.tls_server_name = Some(name.clone());
    }
    if opts.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    config.proxy_url = match kubeconfig_proxy {
        Some(p) => Some(p.parse().map_err(|e| {
            ConnectError::Invalid(format!("invalid proxy-url {p:?} in kubeconfig: {e}"))
        })?),
        None => env_proxy(&config.cluster_url)?,
    };
    let namespace = match &opts.namespace {
        Some(ns) if !ns.is_empty() => ns.clone(),
        _ => config.default_namespace.clone(),
    };
    let server = config.cluster_url.to_string();
    tracing::debug!(
        server = %server,
        namespace = %namespace,
        proxy = config.proxy_url.as_ref().map(|u| u.to_string()),
        impersonate = opts.as_user.as_deref(),
        "connecting"
    );
    let limit = RateLimit::new(opts.qps, opts.burst);
    let client = build_client(config, limit)?;
    Ok(Connection {
        client,
        namespace,
        server,
        context,
    })
}

/// Builds a client from the pod's service account (the token, CA and
/// namespace Kubernetes mounts into every pod), with the impersonation and
/// limits of `opts`; `opts.namespace` overrides the pod's namespace.
///
/// # Errors
///
/// [`ConnectError::Invalid`] outside a pod (no service account mounted).
pub async fn connect_in_cluster(opts: &ConnectOptions) -> Result<Connection, ConnectError> {
    let mut config = kube::Config::incluster()
        .map_err(|e| ConnectError::Invalid(format!("not running in a pod: {e}")))?;
    if let Some(user) = &opts.as_user {
        config.auth_info.impersonate = Some(user.clone());
    }
    if !opts.as_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.as_groups.clone());
    }
    let namespace = match &opts.namespace {
        Some(ns) if !ns.is_empty() => ns.clone(),
        _ => config.default_namespace.clone(),
    };
    let server = config.cluster_url.to_string();
    let client = build_client(config, RateLimit::new(opts.qps, opts.burst))?;
    Ok(Connection {
        client,
        namespace,
        server,
        // In a pod: the service account, no kubeconfig context.
        context: None,
    })
}

/// helm's reachability check: `GET /version` before anything else.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn probe(conn: &Connection) -> Result<(), ConnectError> {
    match conn.client.apiserver_version().await {
        Ok(v) => {
            tracing::debug!(version = %v.git_version, "server reachable");
            Ok(())
        }
        Err(e) => {
            let url = format!("{}/version", conn.server.trim_end_matches('/'));
            Err(ConnectError::Unreachable(go_request_error(&url, &e)))
        }
    }
}

/// A failed request in Go's words where rudder knows them (`Get "<url>":
/// dial tcp <addr>: connect: connection refused`).
fn go_request_error(url: &str, e: &kube::Error) -> String {
    if let kube::Error::Api(status) = e {
        if status.code == 401 {
            return "the server has asked for the client to provide credentials".into();
        }
        return status.message.clone();
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            let addr = url
                .parse::<http::Uri>()
                .ok()
                .and_then(|u| {
                    let port = u.port_u16().unwrap_or(match u.scheme_str() {
                        Some("http") => 80,
                        _ => 443,
                    });
                    u.host().map(|h| format!("{}:{port}", dialed_host(h, port)))
                })
                .unwrap_or_default();
            let why = match io.kind() {
                std::io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
                std::io::ErrorKind::TimedOut => "i/o timeout".to_string(),
                _ => io.to_string(),
            };
            return format!("Get {url:?}: dial tcp {addr}: {why}");
        }
        source = err.source();
    }
    format!("Get {url:?}: {e}")
}

/// The address Go's dialer names in its error: the host itself when it is
/// an address, else what it resolves to (IPv4 first, as Go tries it).
fn dialed_host(host: &str, port: u16) -> String {
    use std::net::ToSocketAddrs as _;
    let bare = host.trim_matches(['[', ']']);
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return host.to_string();
    }
    let addrs: Vec<std::net::SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .unwrap_or_default();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .map_or_else(|| host.to_string(), |a| a.ip().to_string())
}

/// The `proxy-url` of the cluster the chosen (or current) context names.
fn context_proxy(kc: &Kubeconfig, context: Option<&str>) -> Option<String> {
    let ctx_name = context.or(kc.current_context.as_deref())?;
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == ctx_name)?
        .context
        .as_ref()?;
    kc.clusters
        .iter()
        .find(|c| c.name == ctx.cluster)?
        .cluster
        .as_ref()?
        .proxy_url
        .clone()
        .filter(|p| !p.is_empty())
}

/// Go's `http.ProxyFromEnvironment` for an `https` server: `HTTPS_PROXY`
/// unless `NO_PROXY` names the host; loopback servers are never proxied.
fn env_proxy(server: &http::Uri) -> Result<Option<http::Uri>, ConnectError> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let Some(proxy) = var("HTTPS_PROXY").or_else(|| var("https_proxy")) else {
        return Ok(None);
    };
    let host = server.host().unwrap_or_default().trim_matches(['[', ']']);
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let no_proxy = var("NO_PROXY")
        .or_else(|| var("no_proxy"))
        .unwrap_or_default();
    if loopback || no_proxy_matches(&no_proxy, host) {
        return Ok(None);
    }
    // Go accepts a bare `host:port` as an http proxy.
    let proxy = if proxy.contains("://") {
        proxy
    } else {
        format!("http://{proxy}")
    };
    proxy
        .parse()
        .map(Some)
        .map_err(|e| ConnectError::Invalid(format!("invalid proxy address {proxy:?}: {e}")))
}

/// `NO_PROXY` entries: `*`, a host, or a domain (`.example.com` or
/// `example.com`, matching sub-domains); an optional port is ignored.
fn no_proxy_matches(no_proxy: &str, host: &str) -> bool {
    no_proxy.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.rsplit_once(':').map_or(entry, |(h, p)| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                entry
            }
        });
        let bare = entry.trim_start_matches('.');
        !bare.is_empty()
            && (host.eq_ignore_ascii_case(bare)
                || host
                    .to_ascii_lowercase()
                    .ends_with(&format!(".{}", bare.to_ascii_lowercase())))
    })
}

/// The DER certificates of a PEM bundle (`--kube-ca-file`).
fn read_ca_file(path: &std::path::Path) -> Result<Vec<Vec<u8>>, ConnectError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject as _;
    let invalid = |e: &dyn std::fmt::Display| {
        ConnectError::Invalid(format!(
            "unable to load root certificates from {}: {e}",
            path.display()
        ))
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| invalid(&e))?
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    if certs.is_empty() {
        return Err(invalid(&"no certificates found"));
    }
    Ok(certs)
}

/// kube's default client stack (base URI, credentials, extra headers such
/// as impersonation), over a connector that sets `TCP_NODELAY`, speaks
/// HTTP/2, goes through the kubeconfig's proxy if it names one, and is
/// rate-limited when `--qps` asks for it.
///
/// Without the custom connector, a request written right after the TLS
/// handshake on a fresh connection waits for the server's delayed ACK
/// (Nagle's algorithm): 40 ms every time rudder opens connections
/// concurrently, several times a command's total run time.
fn build_client(
    config: kube::Config,
    limit: Option<RateLimit>,
) -> Result<kube::Client, ConnectError> {
    use kube::client::ConfigExt as _;
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let transport = Transport::new(http, config.proxy_url.as_ref())?;
    // HTTP/2 where the server offers it (kube-apiserver does): concurrent
    // requests then share one connection and one TLS handshake.
    let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config.rustls_client_config()?)
        .https_or_http();
    if let Some(name) = &config.tls_server_name {
        let name = rustls_pki_types::ServerName::try_from(name.clone())
            .map_err(|e| ConnectError::Invalid(format!("invalid TLS server name {name:?}: {e}")))?;
        builder =
            builder.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name));
    }
    let https = builder
        .enable_http1()
        .enable_http2()
        .wrap_connector(transport);
    let client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            // HTTP/2's default 64 KiB windows would make hundreds of record
            // downloads on one connection wait on window updates.
            .http2_initial_stream_window_size(4 << 20)
            .http2_initial_connection_window_size(32 << 20)
            .build(https);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        // Every branch of the stack must fail with the same error type.
        .map_err(
            |e: hyper_util::client::legacy::Error| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(e)
            },
        )
        .service(Logged {
            inner: client,
            limit,
        });
    Ok(kube::Client::new(service, config.default_namespace))
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Direct = hyper_util::client::legacy::connect::HttpConnector;
type Stream = hyper_util::rt::TokioIo<tokio::net::TcpStream>;

/// The TCP transport under TLS: direct, through an HTTP `CONNECT` proxy,
/// or through a SOCKS5 proxy.
#[derive(Clone)]
enum Transport {
    Direct(Direct),
    Connect(hyper_util::client::legacy::connect::proxy::Tunnel<Direct>),
    Socks(hyper_util::client::legacy::connect::proxy::SocksV5<Direct>),
}

impl Transport {
    fn new(http: Direct, proxy: Option<&http::Uri>) -> Result<Transport, ConnectError> {
        use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
        let Some(proxy) = proxy else {
            return Ok(Transport::Direct(http));
        };
        let userinfo = proxy
            .authority()
            .and_then(|a| a.as_str().rsplit_once('@'))
            .map(|(u, _)| u.to_string());
        match proxy.scheme_str() {
            Some("http") => {
                let mut tunnel = Tunnel::new(proxy.clone(), http);
                if let Some(u) = userinfo {
                    use base64::Engine as _;
                    let value = format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(u)
                    );
                    let header = http::HeaderValue::from_str(&value).map_err(|e| {
                        ConnectError::Invalid(format!("invalid proxy credentials: {e}"))
                    })?;
                    tunnel = tunnel.with_auth(header);
                }
                Ok(Transport::Connect(tunnel))
            }
            Some(scheme @ ("socks5" | "socks5h")) => {
                let mut socks = SocksV5::new(proxy.clone(), http).local_dns(scheme == "socks5");
                if let Some((user, pass)) = userinfo.as_deref().and_then(|u| u.split_once(':')) {
                    socks = socks.with_auth(user.to_string(), pass.to_string());
                }
                Ok(Transport::Socks(socks))
            }
            other => Err(ConnectError::Invalid(format!(
                "proxy-url {proxy}: scheme {:?} is not supported (use http:// or socks5://)",
                other.unwrap_or_default()
            ))),
        }
    }
}

impl tower::Service<http::Uri> for Transport {
    type Response = Stream;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Stream, BoxError>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        match self {
            Transport::Direct(c) => c.poll_ready(cx).map_err(Into::into),
            Transport::Connect(c) => c.poll_ready(cx).map_err(Into::into),
            Transport::Socks(c) => c.poll_ready(cx).map_err(Into::into),
        }
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        match self {
            Transport::Direct(c) => {
                let f = c.call(dst);
                Box::pin(async move { f.await.map_err(Into::into) })
            }
            Transport::Connect(c) => {
                let f = c.call(dst);
                Box::pin(async move { f.await.map_err(Into::into) })
            }
            Transport::Socks(c) => {
                let f = c.call(dst);
                Box::pin(async move { f.await.map_err(Into::into) })
            }
        }
    }
}

/// A client-side token bucket, as client-go's: `burst` requests may go at
/// once, then one every `1/qps` seconds (kept as the bucket's theoretical
/// arrival time, GCRA style, so no timer runs while idle).
#[derive(Clone)]
struct RateLimit {
    interval: std::time::Duration,
    /// How far ahead of its slot a request may go: `(burst - 1) * interval`.
    tolerance: std::time::Duration,
    tat: std::sync::Arc<std::sync::Mutex<Option<tokio::time::Instant>>>,
}

impl RateLimit {
    /// `None` (no limit) for a rate of zero or less.
    fn new(qps: f32, burst: i64) -> Option<RateLimit> {
        if !(qps > 0.0 && qps.is_finite()) {
            return None;
        }
        let interval = std::time::Duration::from_secs_f64(1.0 / f64::from(qps));
        let extra = u32::try_from(burst.max(1) - 1).unwrap_or(u32::MAX);
        Some(RateLimit {
            interval,
            tolerance: interval.saturating_mul(extra),
            tat: std::sync::Arc::default(),
        })
    }

    /// Waits for a token.
    async fn acquire(&self) {
        let start = {
            let now = tokio::time::Instant::now();
            let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
            let slot = tat.map_or(now, |t| t.max(now));
            *tat = Some(slot + self.interval);
            slot.checked_sub(self.tolerance).map_or(now, |s| s.max(now))
        };
        let now = tokio::time::Instant::now();
        if start > now {
            tracing::debug!(
                wait_ms = u64::try_from((start - now).as_millis()).unwrap_or(u64::MAX),
                "client-side throttling"
            );
            tokio::time::sleep_until(start).await;
        }
    }
}

/// The innermost service: logs each request's method, path and outcome
/// (never headers or bodies, which carry credentials and release
/// records), after waiting for the rate limit if there is one.
#[derive(Clone)]
struct Logged<S> {
    inner: S,
    limit: Option<RateLimit>,
}

impl<S, B, RB> tower::Service<http::Request<B>> for Logged<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: std::fmt::Display,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        // The clone that was made ready answers this call; the fresh one
        // stays for the next (tower's usual pattern).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let limit = self.limit.clone();
        Box::pin(async move {
            if let Some(l) = &limit {
                l.acquire().await;
            }
            let method = req.method().clone();
            let path = req.uri().path().to_string();
            let started = std::time::Instant::now();
            let result = inner.call(req).await;
            let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match &result {
                Ok(resp) => {
                    tracing::debug!(%method, %path, status = resp.status().as_u16(), ms, "request")
                }
                Err(e) => tracing::debug!(%method, %path, error = %e, ms, "request failed"),
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_context_in_use_is_the_flag_else_the_current_context() {
        let kc = super::Kubeconfig {
            current_context: Some("kind-dev".into()),
            ..Default::default()
        };
        assert_eq!(
            super::context_in_use(&kc, None).as_deref(),
            Some("kind-dev")
        );
        assert_eq!(
            super::context_in_use(&kc, Some("prod")).as_deref(),
            Some("prod")
        );
        assert_eq!(
            super::context_in_use(&kc, Some("")).as_deref(),
            Some("kind-dev")
        );
        let none = super::Kubeconfig::default();
        assert_eq!(super::context_in_use(&none, None), None);
    }

    use super::{RateLimit, no_proxy_matches};

    #[test]
    fn no_proxy_entries_match_hosts_and_domains() {
        assert!(no_proxy_matches("*", "a.example.com"));
        assert!(no_proxy_matches("example.com", "a.example.com"));
        assert!(no_proxy_matches(".example.com", "a.example.com"));
        assert!(no_proxy_matches("foo, api.internal:6443", "api.internal"));
        assert!(!no_proxy_matches("example.com", "notexample.com"));
        assert!(!no_proxy_matches("", "a"));
    }

    #[test]
    fn unsupported_proxy_schemes_are_refused_not_ignored() {
        let http = super::Direct::new();
        let https: http::Uri = "https://proxy.example:3128".parse().expect("uri");
        let err = super::Transport::new(http.clone(), Some(&https))
            .err()
            .expect("https proxies are refused");
        assert!(err.to_string().contains("not supported"), "{err}");
        for ok in ["http://proxy.example:3128", "socks5://proxy.example:1080"] {
            let uri: http::Uri = ok.parse().expect("uri");
            assert!(
                super::Transport::new(http.clone(), Some(&uri)).is_ok(),
                "{ok}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_lets_a_burst_through_then_paces() {
        let limit = RateLimit::new(10.0, 3).expect("limited");
        let start = tokio::time::Instant::now();
        for _ in 0..3 {
            limit.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            std::time::Duration::ZERO,
            "the burst is free"
        );
        for _ in 0..5 {
            limit.acquire().await;
        }
        let took = start.elapsed();
        assert!(
            took >= std::time::Duration::from_millis(500)
                && took < std::time::Duration::from_millis(600),
            "5 more at 10/s take 0.5s, took {took:?}"
        );
        assert!(RateLimit::new(0.0, 100).is_none(), "zero means unlimited");
    }
}
