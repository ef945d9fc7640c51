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
}

/// A client and the namespace to work in.
#[derive(Clone)]
pub struct Connection {
    /// The Kubernetes client.
    pub client: kube::Client,
    /// The namespace commands act on.
    pub namespace: String,
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
}

fn load_kubeconfig(explicit: Option<&PathBuf>) -> Result<Kubeconfig, ConnectError> {
    if let Some(p) = explicit {
        return Ok(Kubeconfig::read_from(p)?);
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

/// Builds a client and resolves the namespace.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection, ConnectError> {
    let kubeconfig = load_kubeconfig(opts.kubeconfig.as_ref())?;
    let kco = KubeConfigOptions {
        context: opts.context.clone(),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &kco).await?;
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
    if opts.insecure_skip_tls_verify {
        config.accept_invalid_certs = true;
    }
    let namespace = match &opts.namespace {
        Some(ns) if !ns.is_empty() => ns.clone(),
        _ => config.default_namespace.clone(),
    };
    let client = build_client(config)?;
    Ok(Connection { client, namespace })
}

/// kube's default client stack (base URI, credentials, extra headers), over
/// a connector that sets `TCP_NODELAY` and speaks HTTP/2.
///
/// Without it, a request written right after the TLS handshake on a fresh
/// connection waits for the server's delayed ACK (Nagle's algorithm): 40 ms
/// every time rudder opens connections concurrently, several times a
/// command's total run time.
fn build_client(config: kube::Config) -> Result<kube::Client, ConnectError> {
    use kube::client::ConfigExt as _;
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
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
    let https = builder.enable_http1().enable_http2().wrap_connector(http);
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
        .service(client);
    Ok(kube::Client::new(service, config.default_namespace))
}
