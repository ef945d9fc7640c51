//! `rudder ui`: starts the terminal UI (`rudder::tui`) on the cluster the
//! global flags name.

use clap::Args;
use rudder::action::source_upgrade::ChartSources;
use rudder::cluster::client::KubeCluster;
use rudder::session::Session;
use rudder::tui::runtime::{Options, run, wants_color};

use super::Failure;
use super::settings::Settings;

/// `ui` flags.
#[derive(Debug, Args)]
pub struct UiArgs {
    /// show releases of every namespace
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// hide every action that changes a release (upgrade, rollback, uninstall, recover)
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// how long a pending release must be left untouched before it is called stuck and recover may act on it (as recover --grace)
    #[arg(long, default_value = "1h0m0s", value_parser = super::args::go_duration)]
    pub grace: std::time::Duration,
    /// how long an upgrade, rollback or uninstall started from the UI waits for its objects
    #[arg(long, default_value = "5m0s", value_parser = super::args::go_duration)]
    pub timeout: std::time::Duration,
    /// leave the mouse to the terminal (its own text selection) instead of clicks and the wheel in the UI
    #[arg(long = "no-mouse")]
    pub no_mouse: bool,
}

/// Runs the UI until the user quits; prints nothing.
pub async fn run_ui(settings: &Settings, a: UiArgs) -> Result<String, Failure> {
    let (storage, conn) = settings.storage().await?;
    let cluster = KubeCluster::new(conn.client.clone());
    let session = Session::new(storage, cluster, settings.compat).with_grace(a.grace);
    let scope = (!a.all_namespaces).then(|| conn.namespace.clone());
    // The header names the context (the flag's or the kubeconfig's
    // current one); the server only when there is no context at all.
    let context = conn.context.clone().unwrap_or_else(|| conn.server.clone());
    let no_color = std::env::var("NO_COLOR").ok();
    let color = wants_color(settings.color_flag(), no_color.as_deref()).map_err(Failure)?;
    let sources = ChartSources::from_paths(&settings.paths);
    let options = Options {
        read_only: a.read_only,
        color,
        context,
        scope,
        sources: Some(sources),
        timeout: a.timeout,
        mouse: !a.no_mouse,
    };
    run(session, options)
        .await
        .map_err(|e| Failure(format!("terminal: {e}")))?;
    Ok(String::new())
}
