//! `--debug` / `HELM_DEBUG` / `RUST_LOG`: logs on stderr through
//! `tracing`. Without either, nothing is logged and stderr carries only
//! helm's messages. Logged: what rudder does and each API request's
//! method, path, status and duration; never request or response bodies or
//! headers (credentials, release records, secret values).

use tracing_subscriber::EnvFilter;

/// What `--debug` turns on when `RUST_LOG` does not say.
const DEBUG_FILTER: &str = "rudder=debug,kube_client=debug,kube=debug,warn";

/// Installs the stderr logger if `--debug`, `HELM_DEBUG` or `RUST_LOG`
/// asks for one.
pub fn init(debug_flag: bool) {
    let debug = debug_flag || super::settings::env_bool("HELM_DEBUG", false);
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    let filter = match (rust_log, debug) {
        (Some(spec), _) => EnvFilter::try_new(&spec).unwrap_or_else(|e| {
            eprintln!("warning: ignoring RUST_LOG={spec:?}: {e}");
            EnvFilter::new(DEBUG_FILTER)
        }),
        (None, true) => EnvFilter::new(DEBUG_FILTER),
        (None, false) => return,
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(true)
        .try_init();
}
