//! One function per command: run the action, render helm's output.

use rudder::action::content::release_content;
use rudder::action::history::history;
use rudder::action::list::{ListOptions, SortBy, StateMask, list};
use rudder::action::recover::{DEFAULT_GRACE, RecoverOptions, Verdict, judge, recover};
use rudder::action::rollback::{RollbackOptions, WaitStrategy, rollback};
use rudder::action::uninstall::{UninstallOptions, parse_cascade, uninstall};
use rudder::cluster::Cluster as _;
use rudder::cluster::client::KubeCluster;
use rudder::cluster::resources::{Form, live_resources};
use rudder::present::{self, Compat, Format};
use rudder::storage::{CorruptRecord, Record};

use super::Failure;
use super::args::{Cli, Command, GetCommand, ListArgs, RecoverArgs, RollbackArgs, UninstallArgs};
use super::interrupt::cancel_on_interrupt;
use super::progress::Reporter;
use super::settings::Settings;

/// Runs the parsed command line; returns what to print on stdout.
pub async fn run(cli: Cli) -> Result<String, Failure> {
    let settings = Settings::new(cli.global)?;
    match cli.command {
        Command::Version(a) => super::version::run(&a),
        Command::Completion(a) => super::completion::script(&a.shell),
        Command::Man => super::man::render(),
        Command::List(a) => cmd_list(&settings, a).await,
        Command::History(a) => {
            let name = one_arg("history", "RELEASE_NAME", &a.args)?;
            let format =
                Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?;
            let (storage, _) = settings.storage().await?;
            let h = history(&storage, name, a.max).await?;
            warn_corrupt(&h.corrupt);
            Ok(present::history::render(
                &h.records,
                format,
                settings.compat,
            )?)
        }
        Command::Status(a) => {
            let name = one_arg("status", "RELEASE_NAME", &a.args)?;
            let format =
                Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?;
            let (storage, conn) = settings.storage().await?;
            let content = release_content(&storage, name, a.revision).await?;
            warn_corrupt(&content.skipped);
            if a.revision <= 0 {
                warn_stuck(&KubeCluster::new(conn.client.clone()), [&content.record]).await;
            }
            let rel = &content.record.release;
            // helm v4 always reads the live objects; v3 only when asked.
            let want = settings.compat == Compat::V4 || a.show_resources;
            let resources = if want {
                let form = if format == Format::Table {
                    Form::Tables
                } else {
                    Form::Objects
                };
                Some(live_resources(&conn.client, &rel.manifest, &rel.namespace, form).await?)
            } else {
                None
            };
            let style = present::status::StatusStyle {
                compat: settings.compat,
                show_description: a.show_desc,
                colors: settings.colors,
                ..Default::default()
            };
            Ok(present::status::render(
                rel,
                resources.as_ref(),
                format,
                &style,
            )?)
        }
        Command::Get(g) => cmd_get(&settings, g).await,
        Command::Rollback(a) => cmd_rollback(&settings, a).await,
        Command::Uninstall(a) => cmd_uninstall(&settings, a).await,
        Command::Recover(a) => cmd_recover(&settings, a).await,
    }
}

async fn cmd_list(settings: &Settings, a: ListArgs) -> Result<String, Failure> {
    if !a.rest.is_empty() {
        return Err(Failure(
            "\"rudder list\" accepts no arguments\n\nUsage:  rudder list [flags]".into(),
        ));
    }
    let format = Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?;
    let mut states = StateMask::NONE;
    if a.all {
        states = StateMask::ALL;
    } else {
        for (on, bit) in [
            (a.deployed, StateMask::DEPLOYED),
            (a.uninstalled, StateMask::UNINSTALLED),
            (a.uninstalling, StateMask::UNINSTALLING),
            (a.pending, StateMask::PENDING),
            (a.failed, StateMask::FAILED),
            (a.superseded, StateMask::SUPERSEDED),
        ] {
            if on {
                states |= bit;
            }
        }
    }
    if states.is_empty() {
        // helm v3 lists deployed and failed releases by default, v4 all.
        states = match settings.compat {
            Compat::V3 => StateMask::DEPLOYED | StateMask::FAILED,
            Compat::V4 => StateMask::ALL,
        };
    }
    let opts = ListOptions {
        all_namespaces: a.all_namespaces,
        states,
        filter: Some(a.filter),
        selector: Some(a.selector),
        sort: if a.date { SortBy::Date } else { SortBy::Name },
        reverse: a.reverse,
        max: a.max,
        offset: a.offset,
    };
    let (storage, conn) = settings.storage().await?;
    let result = list(&storage, &opts).await?;
    warn_corrupt(&result.corrupt);
    warn_stuck(&KubeCluster::new(conn.client.clone()), &result.records).await;
    if !result.forbidden.is_empty() {
        eprintln!(
            "warning: not allowed to read releases in {} namespace{}: {}",
            result.forbidden.len(),
            if result.forbidden.len() == 1 { "" } else { "s" },
            result.forbidden.join(", ")
        );
    }
    let style = present::list::ListStyle {
        format,
        short: a.short,
        no_headers: a.no_headers,
        time_format: a.time_format,
        colors: settings.colors,
    };
    Ok(present::list::render(&result.records, &style)?)
}

async fn cmd_get(settings: &Settings, g: GetCommand) -> Result<String, Failure> {
    let (sub, args, revision) = match &g {
        GetCommand::All(a)
        | GetCommand::Manifest(a)
        | GetCommand::Notes(a)
        | GetCommand::Hooks(a) => {
            let sub = match &g {
                GetCommand::All(_) => "all",
                GetCommand::Manifest(_) => "manifest",
                GetCommand::Notes(_) => "notes",
                _ => "hooks",
            };
            if !a.template.is_empty() {
                return Err(Failure("--template is not supported yet".into()));
            }
            (sub, &a.args, a.revision)
        }
        GetCommand::Values(a) => ("values", &a.args, a.revision),
        GetCommand::Metadata(a) => ("metadata", &a.args, a.revision),
    };
    let name = one_arg(&format!("get {sub}"), "RELEASE_NAME", args)?;
    let format = match &g {
        GetCommand::Values(a) => {
            Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?
        }
        GetCommand::Metadata(a) => {
            Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?
        }
        _ => Format::Table,
    };
    let (storage, _) = settings.storage().await?;
    let content = release_content(&storage, name, revision).await?;
    warn_corrupt(&content.skipped);
    let rel = &content.record.release;
    Ok(match &g {
        GetCommand::All(_) => {
            let style = present::status::StatusStyle {
                compat: settings.compat,
                debug: true,
                show_metadata: true,
                show_description: false,
                colors: settings.colors,
            };
            present::status::render_table(rel, None, &style)?
        }
        GetCommand::Values(a) => present::get::values(rel, a.all, format)?,
        GetCommand::Manifest(_) => present::get::manifest(rel),
        GetCommand::Notes(_) => present::get::notes(rel),
        GetCommand::Hooks(_) => present::get::hooks(rel),
        GetCommand::Metadata(_) => {
            present::get::metadata(rel, content.labels(), format, settings.compat)?
        }
    })
}

/// helm's `require.ExactArgs(1)`.
fn one_arg<'a>(cmd: &str, arg_name: &str, args: &'a [String]) -> Result<&'a str, Failure> {
    match args {
        [one] => Ok(one.as_str()),
        _ => Err(Failure(format!(
            "\"rudder {cmd}\" requires 1 argument\n\nUsage:  rudder {cmd} {arg_name} [flags]"
        ))),
    }
}

fn output_flag_error(value: &str) -> impl FnOnce(present::PresentError) -> Failure + '_ {
    move |e| {
        Failure(format!(
            "invalid argument {value:?} for \"-o, --output\" flag: {e}"
        ))
    }
}

fn warn_corrupt(records: &[CorruptRecord]) {
    for c in records {
        eprintln!(
            "warning: skipping unreadable release record {}/{}: {}",
            c.namespace, c.key, c.error
        );
    }
}

/// A warning as helm 4's logger prints it (`level=WARN msg="..."`); helm 3
/// has none of these.
fn helm_warn(settings: &Settings, msg: &str) {
    if settings.compat == Compat::V4 {
        let quoted = serde_json::to_string(msg).unwrap_or_default();
        eprintln!("level=WARN msg={quoted}");
    }
}

/// helm 4's `--wait` values (booleans are deprecated spellings).
fn wait_strategy(settings: &Settings, value: &str) -> Result<WaitStrategy, Failure> {
    match value {
        "watcher" => Ok(WaitStrategy::Watcher),
        "hookOnly" => Ok(WaitStrategy::HookOnly),
        "true" => {
            helm_warn(
                settings,
                "--wait=true is deprecated (boolean value) and can be replaced with --wait=watcher",
            );
            Ok(WaitStrategy::Watcher)
        }
        "false" => {
            helm_warn(
                settings,
                "--wait=false is deprecated (boolean value) and can be replaced with --wait=hookOnly",
            );
            Ok(WaitStrategy::HookOnly)
        }
        "legacy" => Ok(WaitStrategy::Legacy),
        other => Err(Failure(format!(
            "invalid argument {other:?} for \"--wait\" flag: invalid wait input {other:?}. Valid inputs are watcher, hookOnly, and legacy"
        ))),
    }
}

/// `--history-max`, defaulting from `HELM_MAX_HISTORY` (10 when unset or
/// not a number); zero or less keeps every revision.
fn history_max(flag: Option<i64>) -> usize {
    let v = flag.unwrap_or_else(|| {
        std::env::var("HELM_MAX_HISTORY")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10)
    });
    usize::try_from(v).unwrap_or(0)
}

/// helm's `require.MinimumNArgs(1)`.
fn at_least_one(cmd: &str, usage: &str, args: &[String]) -> Result<(), Failure> {
    if args.is_empty() {
        return Err(Failure(format!(
            "\"rudder {cmd}\" requires at least 1 argument\n\nUsage:  rudder {cmd} {usage} [flags]"
        )));
    }
    Ok(())
}

async fn cmd_rollback(settings: &Settings, a: RollbackArgs) -> Result<String, Failure> {
    at_least_one("rollback", "<RELEASE> [REVISION]", &a.args)?;
    let revision = match a.args.get(1) {
        Some(r) => r.parse::<i64>().map_err(|_| {
            Failure(format!(
                "could not convert revision to a number: strconv.Atoi: parsing {r:?}: invalid syntax"
            ))
        })?,
        None => 0,
    };
    let dry_run = match a.dry_run.as_str() {
        "unset" => {
            helm_warn(
                settings,
                "--dry-run is deprecated and should be replaced with '--dry-run=client'",
            );
            true
        }
        "client" | "server" => true,
        "none" => false,
        b @ ("true" | "false") => {
            let replacement = if b == "true" { "client" } else { "none" };
            helm_warn(
                settings,
                &format!(
                    "boolean '--dry-run={b}' flag is deprecated and must be replaced with '--dry-run={replacement}'"
                ),
            );
            b == "true"
        }
        other => {
            return Err(Failure(format!(
                "invalid dry-run value ({other:?}). Must be \"none\", \"server\", or \"client\""
            )));
        }
    };
    match a.server_side.as_str() {
        "true" | "auto" => {}
        "false" => {
            return Err(Failure(
                "--server-side=false is not supported: rudder always applies server-side (with Helm 4's migration of client-side field ownership)".into(),
            ));
        }
        other => {
            return Err(Failure(format!(
                "invalid/unknown release server-side apply method: {other}"
            )));
        }
    }
    let options = RollbackOptions {
        revision,
        wait: wait_strategy(settings, &a.wait.wait)?,
        wait_for_jobs: a.wait_for_jobs,
        timeout: a.wait.timeout,
        cleanup_on_fail: a.cleanup_on_fail,
        no_hooks: a.no_hooks,
        dry_run,
        description: a.description,
        force_conflicts: a.force_conflicts,
        force_replace: a.force_replace || a.force,
        max_history: history_max(a.history_max),
    };
    let (storage, conn) = settings.storage().await?;
    let cluster = KubeCluster::new(conn.client.clone()).with_cancel(cancel_on_interrupt());
    let progress = Reporter::new();
    rollback(&storage, &cluster, &a.args[0], &options, &progress).await?;
    Ok("Rollback was a success! Happy Helming!\n".into())
}

async fn cmd_uninstall(settings: &Settings, a: UninstallArgs) -> Result<String, Failure> {
    at_least_one("uninstall", "RELEASE_NAME [...]", &a.args)?;
    let cascade = parse_cascade(&a.cascade)?;
    let options = UninstallOptions {
        keep_history: a.keep_history,
        dry_run: a.dry_run,
        cascade,
        no_hooks: a.no_hooks,
        wait: wait_strategy(settings, &a.wait.wait)?,
        timeout: a.wait.timeout,
        ignore_not_found: a.ignore_not_found,
        description: Some(a.description).filter(|d| !d.is_empty()),
    };
    let (storage, conn) = settings.storage().await?;
    let interrupted = cancel_on_interrupt();
    let cluster = KubeCluster::new(conn.client.clone()).with_cancel(interrupted.clone());
    let progress = Reporter::new();
    // Like helm, report each release as it goes: an error stops the rest,
    // after the earlier ones were printed.
    for name in &a.args {
        if interrupted.is_cancelled() {
            return Err(Failure(format!(
                "interrupted before uninstalling release {name:?}"
            )));
        }
        let out = uninstall(&storage, &cluster, name, &options, &progress).await?;
        let mut text = String::new();
        if !out.info.is_empty() {
            text.push_str(&out.info);
            text.push('\n');
        }
        text.push_str(&format!("release \"{name}\" uninstalled\n"));
        print_now(&text);
    }
    Ok(String::new())
}

async fn cmd_recover(settings: &Settings, a: RecoverArgs) -> Result<String, Failure> {
    let name = one_arg("recover", "RELEASE_NAME", &a.args)?;
    let options = RecoverOptions {
        force: a.force,
        rollback: a.rollback,
        grace: a.grace,
        rollback_options: RollbackOptions {
            wait: wait_strategy(settings, &a.wait.wait)?,
            wait_for_jobs: a.wait_for_jobs,
            timeout: a.wait.timeout,
            no_hooks: a.no_hooks,
            max_history: history_max(a.history_max),
            ..RollbackOptions::default()
        },
    };
    let (storage, conn) = settings.storage().await?;
    let cluster = KubeCluster::new(conn.client.clone()).with_cancel(cancel_on_interrupt());
    let progress = Reporter::new();
    let out = recover(&storage, &cluster, name, &options, &progress).await?;
    Ok(out.report.iter().map(|l| format!("{l}\n")).collect())
}

/// Writes to stdout at once (a closed pipe is not an error).
fn print_now(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Tells (on stderr) about releases that look stuck: newest revision in a
/// transitional state, no live lock, no recent change.
async fn warn_stuck<'a>(cluster: &KubeCluster, records: impl IntoIterator<Item = &'a Record>) {
    let now = jiff::Timestamp::now();
    for r in records {
        if !r.release.info.status.is_transitional() {
            continue;
        }
        let holder = cluster
            .lock_holder(&r.release.namespace, &r.release.name)
            .await
            .ok()
            .flatten();
        if let Verdict::Stuck(why) = judge(r, holder.as_ref(), now, DEFAULT_GRACE) {
            eprintln!(
                "warning: release {:?} in namespace {:?} looks stuck in {} ({why}); \"rudder recover {}\" brings it back",
                r.release.name, r.release.namespace, r.release.info.status, r.release.name
            );
        }
    }
}
