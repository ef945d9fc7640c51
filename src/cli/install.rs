//! `rudder install [NAME] CHART`: helm's install command (v4 by default,
//! v3 with `--compat v3`): name, chart, values, then one library call and
//! helm's status block.

use clap::Args;
use rudder::action::install::InstallOptions;
use rudder::action::rollback::DryRun;
use rudder::action::template::release_name;
use rudder::cluster::client::KubeCluster;
use rudder::compat::Compat;
use rudder::session::{Session, default_history_max};
use rudder::storage::AnyDriver;

use super::Failure;
use super::deploy_flags::{
    DeployFlags, Prepared, Verb, check_hide_secret, check_v3_dry_run, print_release,
};
use super::interrupt::cancel_on_interrupt;
use super::progress::Reporter;
use super::settings::Settings;

/// `install` flags.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// what install shares with upgrade
    #[command(flatten)]
    pub deploy: DeployFlags,
    /// reuse the given name, only if that name is a deleted release which remains in the history. This is unsafe in production
    #[arg(long)]
    pub replace: bool,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// specify template used to name the release
    #[arg(long = "name-template", default_value = "")]
    pub name_template: String,
    /// [NAME] CHART
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
}

/// Runs `rudder install`; returns stdout.
pub async fn run_install(settings: &Settings, a: InstallArgs) -> Result<String, Failure> {
    if a.args.is_empty() {
        return Err(Failure(
            "\"rudder install\" requires at least 1 argument\n\nUsage:  rudder install [NAME] [CHART] [flags]"
                .into(),
        ));
    }
    let prepared = a.deploy.prepare(settings, Verb::Install)?;
    let request = InstallRequest {
        args: &a.args,
        generate_name: a.generate_name,
        name_template: &a.name_template,
        replace: a.replace,
    };
    install_release(settings, &a.deploy, prepared, request, None)
        .await
        .map_err(|e| Failure(format!("INSTALLATION FAILED: {}", e.0)))
}

/// helm 4's install logs some of its failures before returning them
/// (`level=ERROR msg="release name check failed" error="..."`).
fn log_install_error(compat: Compat, message: &str) {
    if compat != Compat::V4 {
        return;
    }
    for what in [
        "release name check failed",
        "chart dependencies processing failed",
    ] {
        if let Some(cause) = message
            .strip_prefix(what)
            .and_then(|r| r.strip_prefix(": "))
        {
            eprintln!("level=ERROR msg={what:?} error={}", slog_quote(cause));
        }
    }
}

/// How Go's slog text handler writes a string value: bare unless it is
/// empty or holds a space, `=`, `"` or a non-printable character.
fn slog_quote(s: &str) -> String {
    let bare = !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c == '=' || c == '"' || c.is_control());
    if bare {
        s.to_owned()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// What names the release and how (install's own flags).
pub struct InstallRequest<'a> {
    /// `[NAME] CHART`.
    pub args: &'a [String],
    /// `--generate-name`.
    pub generate_name: bool,
    /// `--name-template`.
    pub name_template: &'a str,
    /// `--replace` (set by `upgrade --install` over an uninstalled
    /// release).
    pub replace: bool,
}

/// helm's `runInstall` and the status printing after it (in `opened`,
/// when the caller has connected already); errors are not
/// prefixed (`install` adds `INSTALLATION FAILED: `, `upgrade --install`
/// nothing).
pub async fn install_release(
    settings: &Settings,
    flags: &DeployFlags,
    prepared: Prepared,
    request: InstallRequest<'_>,
    opened: Option<(CliSession, String)>,
) -> Result<String, Failure> {
    let compat = settings.compat;
    run_install_steps(settings, flags, prepared, request, opened)
        .await
        .inspect_err(|e| log_install_error(compat, &e.0))
}

async fn run_install_steps(
    settings: &Settings,
    flags: &DeployFlags,
    prepared: Prepared,
    request: InstallRequest<'_>,
    opened: Option<(CliSession, String)>,
) -> Result<String, Failure> {
    let compat = settings.compat;
    let (name, chart_ref) = name_and_chart(
        request.args,
        request.generate_name,
        request.name_template,
        compat,
    )?;
    let (chart, user) = flags
        .chart_and_values(settings, &chart_ref, true, None)
        .await?;
    check_v3_dry_run(compat, &prepared.dry_run_text)?;
    check_hide_secret(&prepared.options, Verb::Install)?;
    let (session, namespace) = match opened {
        Some(s) => s,
        // helm's cancel line names its first argument (the chart, with
        // --generate-name).
        None => {
            let label = request.args.first().unwrap_or(&name);
            open_session(settings, prepared.options.dry_run, label).await?
        }
    };
    let mut deploy = prepared.options;
    deploy.namespace = namespace;
    let options = InstallOptions {
        deploy,
        create_namespace: flags.create_namespace,
        replace: request.replace,
        // helm's install keeps `HELM_MAX_HISTORY` revisions (even under
        // `upgrade --install`, whose `--history-max` is upgrade's).
        max_history: default_history_max(None),
    };
    let outcome = session
        .install(&name, chart, &user, &options, &Reporter::new())
        .await?;
    print_release(
        settings,
        &outcome.release,
        prepared.format,
        flags.hide_notes,
    )
}

/// helm's `Install.NameAndChart` for the install command (no preset
/// name: one argument needs `--generate-name` or `--name-template`).
fn name_and_chart(
    args: &[String],
    generate_name: bool,
    name_template: &str,
    compat: Compat,
) -> Result<(String, String), Failure> {
    if args.len() == 1 && name_template.is_empty() {
        if !generate_name {
            return Err(Failure(
                "must either provide a name or specify --generate-name".into(),
            ));
        }
        return Ok((generated_name(&args[0]), args[0].clone()));
    }
    release_name(args, generate_name, name_template, compat).map_err(|e| Failure(e.to_string()))
}

/// `--generate-name`: the chart reference's base name up to its first
/// dot, and the Unix time.
fn generated_name(chart_ref: &str) -> String {
    let base = chart_ref
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let base = match base {
        "" | "." => "chart",
        b => b.split('.').next().unwrap_or(b),
    };
    let base = if base.is_empty() { "chart" } else { base };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{base}-{now}")
}

/// The session install and upgrade run in.
pub type CliSession = Session<AnyDriver, KubeCluster>;

/// The session for an install or upgrade (`label` names it in the cancel
/// line), and the namespace it
/// works in. A client-side dry run does not probe the cluster (helm
/// contacts none); a real run cancels its waits on SIGINT/SIGTERM and
/// says so on stdout, as helm does.
pub async fn open_session(
    settings: &Settings,
    dry_run: DryRun,
    label: &str,
) -> Result<(CliSession, String), Failure> {
    let (storage, conn) = if dry_run == DryRun::Client {
        settings.storage_unchecked().await?
    } else {
        settings.storage().await?
    };
    let mut cluster = KubeCluster::new(conn.client.clone());
    if dry_run == DryRun::None {
        let cancel = cancel_on_interrupt();
        let line = format!("Release {label} has been cancelled.\n");
        let watch = cancel.clone();
        tokio::spawn(async move {
            watch.cancelled().await;
            super::deploy_flags::print_now(&line);
        });
        cluster = cluster.with_cancel(cancel);
    }
    Ok((
        Session::new(storage, cluster, settings.compat),
        conn.namespace,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_errors_logged_as_slog_text() {
        // Go: slog's TextHandler quotes values with spaces, `=` or `"`.
        assert_eq!(
            slog_quote("cannot reuse a name that is still in use"),
            "\"cannot reuse a name that is still in use\""
        );
        assert_eq!(slog_quote("plain"), "plain");
        assert_eq!(slog_quote(""), "\"\"");
        assert_eq!(slog_quote("a=b"), "\"a=b\"");
    }

    #[test]
    fn names_as_helm_install() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            name_and_chart(&args(&["./web"]), false, "", Compat::V4).map_err(|e| e.0),
            Err("must either provide a name or specify --generate-name".into())
        );
        assert_eq!(
            name_and_chart(&args(&["a", "b"]), true, "", Compat::V4).map_err(|e| e.0),
            Err("cannot set --generate-name and also specify a name".into())
        );
        assert_eq!(
            name_and_chart(&args(&["a", "b", "c"]), false, "", Compat::V4).map_err(|e| e.0),
            Err("expected at most two arguments, unexpected arguments: c".into())
        );
        let (name, chart) =
            name_and_chart(&args(&["charts/nginx-1.2.3.tgz"]), true, "", Compat::V4)
                .unwrap_or_default();
        assert_eq!(chart, "charts/nginx-1.2.3.tgz");
        assert!(name.starts_with("nginx-1-") && name[8..].chars().all(|c| c.is_ascii_digit()));
        assert!(generated_name(".").starts_with("chart-"));
        assert!(generated_name("oci://r.example/x/podinfo").starts_with("podinfo-"));
    }
}
