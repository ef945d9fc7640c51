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
    let client = kube::Client::try_from(config)?;
    Ok(Connection { client, namespace })
}
