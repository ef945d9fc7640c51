//! `rudder serve`: parses the flags, picks the token, binds, prints the
//! URL that sets the token, and hands over to the library's server.

use clap::Args;
use rudder::action::source_upgrade::ChartSources;
use rudder::serve::{ServeConfig, serve};

use super::Failure;
use super::args::go_duration;
use super::settings::Settings;

/// `serve` flags.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// serve releases across all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// read the token from the first line of this file instead of generating one
    #[arg(long = "token-file")]
    pub token_file: Option<std::path::PathBuf>,
    /// serve no mutating routes
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// use the pod's service account instead of a kubeconfig
    #[arg(long = "in-cluster")]
    pub in_cluster: bool,
    /// run each request as the user and groups in X-Forwarded-User / X-Forwarded-Groups (Kubernetes impersonation)
    #[arg(long = "trust-proxy-headers")]
    pub trust_proxy_headers: bool,
    /// how long a pending revision may stay untouched with no lock holder before it is reported stuck
    #[arg(long, default_value = "1h0m0s", value_parser = go_duration)]
    pub grace: std::time::Duration,
    /// how long a proxied user's right to a namespace's events is remembered (--trust-proxy-headers)
    #[arg(long = "access-cache", default_value = "1m0s", value_parser = go_duration)]
    pub access_cache: std::time::Duration,
    /// unexpected positional arguments
    #[arg(hide = true)]
    pub rest: Vec<String>,
}

/// Serves until the process is stopped.
pub async fn run_serve(settings: &Settings, a: ServeArgs) -> Result<String, Failure> {
    if !a.rest.is_empty() {
        return Err(Failure(
            "\"rudder serve\" accepts no arguments\n\nUsage:  rudder serve [flags]".into(),
        ));
    }
    let token = match &a.token_file {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure(format!("reading --token-file {}: {e}", p.display())))?;
            let t = text.lines().next().unwrap_or_default().trim().to_string();
            if t.len() < 16 {
                return Err(Failure(format!(
                    "--token-file {}: the token must be at least 16 characters",
                    p.display()
                )));
            }
            t
        }
        None => random_token()?,
    };
    let listener = tokio::net::TcpListener::bind(&a.listen)
        .await
        .map_err(|e| Failure(format!("listen on {}: {e}", a.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure(format!("listen on {}: {e}", a.listen)))?;
    let config = ServeConfig {
        connect: settings.connect_options(),
        in_cluster: a.in_cluster,
        driver: settings.driver_kind()?,
        compat: settings.compat,
        all_namespaces: a.all_namespaces,
        token: token.clone(),
        read_only: a.read_only,
        trust_proxy_headers: a.trust_proxy_headers,
        grace: a.grace,
        sources: Some(ChartSources::from_paths(&settings.paths)),
        access_ttl: a.access_cache,
    };
    // Printed before serving so a script can read the port (`--listen
    // 127.0.0.1:0`); the token is only in this first URL.
    if a.token_file.is_some() {
        eprintln!("rudder serve: listening on http://{addr}/");
    } else {
        eprintln!("rudder serve: http://{addr}/auth?token={token}");
    }
    serve(listener, config)
        .await
        .map_err(|e| Failure(e.to_string()))?;
    Ok(String::new())
}

fn random_token() -> Result<String, Failure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Failure(format!("no randomness for the token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
