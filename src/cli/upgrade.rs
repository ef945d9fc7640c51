//! `rudder upgrade RELEASE CHART` (and `-i/--install`): helm's upgrade
//! command (v4 by default, v3 with `--compat v3`).

use clap::Args;
use rudder::action::ActionError;
use rudder::action::upgrade::UpgradeOptions;
use rudder::present::Format;
use rudder::release::Status;
use rudder::session::default_history_max;

use super::Failure;
use super::args::go_int;
use super::deploy_flags::{
    DeployFlags, Verb, check_hide_secret, check_upgrade_server_side, print_now, print_release,
};
use super::install::{InstallRequest, install_release, open_session};
use super::progress::Reporter;
use super::settings::Settings;

/// `upgrade` flags.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// what upgrade shares with install
    #[command(flatten)]
    pub deploy: DeployFlags,
    /// if a release by this name doesn't already exist, run an install
    #[arg(short = 'i', long)]
    pub install: bool,
    /// when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// when upgrading, reset the values to the ones built into the chart
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// allow deletion of new resources created in this upgrade when upgrade fails
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long = "history-max", value_parser = go_int, allow_negative_numbers = true)]
    pub history_max: Option<i64>,
    /// RELEASE CHART
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
}

/// Runs `rudder upgrade`; returns stdout.
pub async fn run_upgrade(settings: &Settings, a: UpgradeArgs) -> Result<String, Failure> {
    let [name, chart_ref] = a.args.as_slice() else {
        return Err(Failure(
            "\"rudder upgrade\" requires 2 arguments\n\nUsage:  rudder upgrade [RELEASE] [CHART] [flags]"
                .into(),
        ));
    };
    let prepared = a.deploy.prepare(settings, Verb::Upgrade)?;
    let format = prepared.format;
    let mut opened = None;
    if a.install {
        // helm looks at the newest revision first: none, or an
        // uninstalled one kept in the history, means install.
        let (session, namespace) = open_session(settings, prepared.options.dry_run, name).await?;
        let missing = match session.history(name, 1).await {
            Ok(h) => match h.records.last() {
                None => Some(false),
                Some(r) if r.release.info.status == Status::Uninstalled => Some(true),
                Some(_) => None,
            },
            Err(ActionError::Storage(e)) if e.is_not_found() => Some(false),
            Err(e) => return Err(e.into()),
        };
        if let Some(replace) = missing {
            if format == Format::Table {
                print_now(&format!(
                    "Release {name:?} does not exist. Installing it now.\n"
                ));
            }
            let request = InstallRequest {
                args: &a.args,
                generate_name: false,
                name_template: "",
                replace,
            };
            let opened = Some((session, namespace));
            return install_release(settings, &a.deploy, prepared, request, opened).await;
        }
        opened = Some((session, namespace));
    }
    let v3_dry_run =
        (settings.compat == rudder::compat::Compat::V3).then_some(prepared.dry_run_text.as_str());
    let (chart, user) = a
        .deploy
        .chart_and_values(settings, chart_ref, false, v3_dry_run)
        .await?;
    let upgrade_failed = |e: Failure| Failure(format!("UPGRADE FAILED: {}", e.0));
    check_hide_secret(&prepared.options, Verb::Upgrade).map_err(upgrade_failed)?;
    check_upgrade_server_side(&a.deploy).map_err(upgrade_failed)?;
    let (session, namespace) = match opened {
        Some(s) => s,
        None => open_session(settings, prepared.options.dry_run, name).await?,
    };
    let mut deploy = prepared.options;
    deploy.namespace = namespace;
    let options = UpgradeOptions {
        deploy,
        install: a.install,
        create_namespace: a.deploy.create_namespace,
        reuse_values: a.reuse_values,
        reset_values: a.reset_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        cleanup_on_fail: a.cleanup_on_fail,
        max_history: default_history_max(a.history_max),
    };
    let outcome = session
        .upgrade(name, chart, &user, &options, &Reporter::new())
        .await
        .map_err(|e| upgrade_failed(Failure(e.to_string())))?;
    let mut out = String::new();
    if format == Format::Table {
        out.push_str(&format!(
            "Release {name:?} has been upgraded. Happy Helming!\n"
        ));
    }
    out.push_str(&print_release(
        settings,
        &outcome.release,
        format,
        a.deploy.hide_notes,
    )?);
    Ok(out)
}
