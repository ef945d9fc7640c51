//! One function per command: parse what clap left to parse, make one
//! library call through the [`Session`], print helm's output. No release
//! logic lives here.

use rudder::action::list::{ListOptions, SortBy, StateMask};
use rudder::action::recover::RecoverOptions;
use rudder::action::rollback::RollbackOptions;
use rudder::action::uninstall::{UninstallOptions, parse_cascade};
use rudder::cluster::client::KubeCluster;
use rudder::cluster::resources::Form;
use rudder::present::{self, Compat, Format};
use rudder::session::{
    Parsed, Session, StatusRequest, StuckNotice, default_history_max, parse_dry_run,
    parse_server_side, parse_uninstall_dry_run, parse_wait,
};
use rudder::storage::{AnyDriver, CorruptRecord};

use super::Failure;
use super::args::{Cli, Command, GetCommand, ListArgs, RecoverArgs, RollbackArgs, UninstallArgs};
use super::interrupt::cancel_on_interrupt;
use super::progress::Reporter;
use super::settings::Settings;

type CliSession = Session<AnyDriver, KubeCluster>;

/// Runs the parsed command line; returns what to print on stdout.
pub async fn run(cli: Cli) -> Result<String, Failure> {
    let settings = Settings::new(cli.global)?;
    match cli.command {
        Command::Version(a) => super::version::run(&a),
        Command::Completion(a) => super::completion::script(&a.shell),
        Command::Man => super::man::render(),
        Command::List(a) => cmd_list(&settings, a).await,
        Command::Registry(c) => super::registry::run(&settings, c).await,
        Command::Push(a) => super::registry::push(&settings, a).await,
        Command::History(a) => {
            let name = one_arg("history", "RELEASE_NAME", &a.args)?;
            let format =
                Format::parse(&a.output.output).map_err(output_flag_error(&a.output.output))?;
            let session = session(&settings, None).await?;
            let h = session.history(name, a.max).await?;
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
            let session = session(&settings, None).await?;
            let request = StatusRequest {
                revision: a.revision,
                show_resources: a.show_resources,
                form: if format == Format::Table {
                    Form::Tables
                } else {
                    Form::Objects
                },
            };
            let report = session.status(name, request).await?;
            warn_corrupt(&report.content.skipped);
            warn_stuck(&report.stuck);
            let style = present::status::StatusStyle {
                compat: settings.compat,
                show_description: a.show_desc,
                colors: settings.colors,
                ..Default::default()
            };
            Ok(present::status::render(
                &report.content.record.release,
                report.resources.as_ref(),
                format,
                &style,
            )?)
        }
        Command::Get(g) => cmd_get(&settings, g).await,
        Command::Rollback(a) => cmd_rollback(&settings, a).await,
        Command::Uninstall(a) => cmd_uninstall(&settings, a).await,
        Command::Recover(a) => cmd_recover(&settings, a).await,
        Command::Test(a) => super::test::run_test(&settings, a).await,
        Command::Repo(c) => super::repo::run_repo(&settings, c).await,
        Command::Search(c) => super::repo::run_search(&settings, c),
        Command::Pull(a) => super::repo::run_pull(&settings, a).await,
        Command::Show(c) => super::chart::run_show(&settings, c).await,
        Command::Package(a) => super::chart::run_package(&settings, a).await,
        Command::Template(a) => super::template::run_template(&settings, *a).await,
        Command::Install(a) => super::install::run_install(&settings, *a).await,
        Command::Upgrade(a) => super::upgrade::run_upgrade(&settings, *a).await,
        Command::Diff(c) => super::diff::run(&settings, c).await,
        Command::Ui(a) => super::ui::run_ui(&settings, a).await,
        Command::Watch(a) => super::watch::run_watch(&settings, a).await,
        Command::Serve(a) => super::serve::run_serve(&settings, a).await,
        Command::Dependency(c) => match c {
            super::chart::DependencyCommand::Update(a) => {
                super::repo::run_dependency(&settings, false, a).await
            }
            super::chart::DependencyCommand::Build(a) => {
                super::repo::run_dependency(&settings, true, a).await
            }
            super::chart::DependencyCommand::List(a) => {
                super::chart::run_dependency_list(settings.compat, a)
            }
        },
    }
}

/// Connects and opens a session; `cancel` ends the cluster's waits (an
/// interrupt).
pub(super) async fn session(
    settings: &Settings,
    cancel: Option<tokio_util::sync::CancellationToken>,
) -> Result<CliSession, Failure> {
    let (storage, conn) = settings.storage().await?;
    let mut cluster = KubeCluster::new(conn.client.clone());
    if let Some(c) = cancel {
        cluster = cluster.with_cancel(c);
    }
    Ok(Session::new(storage, cluster, settings.compat))
}

async fn cmd_list(settings: &Settings, a: ListArgs) -> Result<String, Failure> {
    if !a.rest.is_empty() {
        return Err(Failure(
            "\"rudder list\" accepts no arguments\n\nUsage:  rudder list [flags]".into(),
        ));
    }
    if a.all && settings.compat == Compat::V4 {
        return Err(Failure(removed_all_flag()));
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
    // No state flag: the session applies the imitated helm's default.
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
    let session = session(settings, None).await?;
    let report = session.list(&opts).await?;
    let result = &report.result;
    warn_corrupt(&result.corrupt);
    warn_stuck(&report.stuck);
    if !result.forbidden.is_empty() {
        eprintln!(
            "warning: not allowed to read releases in {} namespace{}: {}",
            result.forbidden.len(),
            if result.forbidden.len() == 1 { "" } else { "s" },
            result.forbidden.join(", ")
        );
    }
    let av = &a.availability;
    let (records, availability) = if av.outdated || av.availability {
        let (records, columns) = availability_columns(settings, av, &result.records).await?;
        (records, Some(columns))
    } else {
        (result.records.clone(), None)
    };
    let style = present::list::ListStyle {
        format,
        short: a.short,
        no_headers: a.no_headers,
        time_format: a.time_format,
        colors: settings.colors,
        availability,
    };
    Ok(present::list::render(&records, &style)?)
}

/// `list --outdated` / `--availability`: checks every listed release's
/// chart against the sources; with `--outdated` keeps only the releases
/// with an upgrade.
async fn availability_columns(
    settings: &Settings,
    av: &super::args::AvailabilityArgs,
    records: &[rudder::storage::Record],
) -> Result<
    (
        Vec<rudder::storage::Record>,
        present::outdated::AvailabilityColumns,
    ),
    Failure,
> {
    use rudder::upgrades::{self, InstalledChart, State};
    let opts = upgrades::fetch::SourceOptions {
        repository_config: settings.paths.repository_config.clone(),
        repository_cache: settings.paths.repository_cache.clone(),
        registry_config: settings.paths.registry_config.clone(),
        oci_sources: av.oci_sources.clone(),
        plain_http: av.plain_http,
        oci_tls: Default::default(),
        offline: av.offline,
        oci_cache_ttl: Some(upgrades::fetch::DEFAULT_OCI_CACHE_TTL),
        timeout: None,
    };
    let installed: Vec<Option<InstalledChart>> = records
        .iter()
        .map(|r| InstalledChart::from_release(&r.release))
        .collect();
    let known: Vec<InstalledChart> = installed.iter().flatten().cloned().collect();
    let report = upgrades::check(
        &known,
        &opts,
        upgrades::Policy {
            include_prerelease: av.devel,
        },
    )
    .await
    .map_err(|e| Failure(e.to_string()))?;
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut found = report.entries.into_iter();
    let mut out_records = Vec::new();
    let mut entries = Vec::new();
    for (record, inst) in records.iter().zip(&installed) {
        let entry = inst.as_ref().and_then(|_| found.next());
        let upgrade = matches!(
            entry.as_ref().map(|e| e.state),
            Some(State::UpgradeAvailable(_))
        );
        if av.outdated && !upgrade {
            continue;
        }
        out_records.push(record.clone());
        entries.push(entry);
    }
    Ok((
        out_records,
        present::outdated::AvailabilityColumns {
            entries,
            show_state: av.availability,
        },
    ))
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
    let session = session(settings, None).await?;
    let content = session.get(name, revision).await?;
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
                hide_notes: false,
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

/// helm v4 dropped `list -a/--all` (it lists every state by default):
/// pflag's error for the spelling that was used.
fn removed_all_flag() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = args.iter().take_while(|a| *a != "--");
    for a in flags {
        if a == "--all" || a.starts_with("--all=") {
            return "unknown flag: --all".into();
        }
        if a.starts_with('-') && !a.starts_with("--") && a[1..].contains('a') {
            return format!("unknown shorthand flag: 'a' in {a}");
        }
    }
    "unknown flag: --all".into()
}

/// helm's `require.ExactArgs(1)`.
pub(super) fn one_arg<'a>(
    cmd: &str,
    arg_name: &str,
    args: &'a [String],
) -> Result<&'a str, Failure> {
    match args {
        [one] => Ok(one.as_str()),
        _ => Err(Failure(format!(
            "\"rudder {cmd}\" requires 1 argument\n\nUsage:  rudder {cmd} {arg_name} [flags]"
        ))),
    }
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

fn warn_stuck<'a>(notices: impl IntoIterator<Item = &'a StuckNotice>) {
    for n in notices {
        eprintln!("warning: {n}");
    }
}

/// The value of a parsed option; its deprecation warning printed as helm
/// 4's logger prints it (`level=WARN msg="..."`); helm 3 has none.
fn take<T>(settings: &Settings, parsed: Parsed<T>) -> T {
    if let Some(w) = parsed.warning
        && settings.compat == Compat::V4
    {
        let quoted = serde_json::to_string(&w).unwrap_or_default();
        eprintln!("level=WARN msg={quoted}");
    }
    parsed.value
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
    let dry_run = take(settings, parse_dry_run(&a.dry_run)?);
    parse_server_side(&a.server_side)?;
    let options = RollbackOptions {
        revision,
        wait: take(settings, parse_wait(&a.wait.wait)?),
        wait_for_jobs: a.wait_for_jobs,
        timeout: a.wait.timeout,
        cleanup_on_fail: a.cleanup_on_fail,
        no_hooks: a.no_hooks,
        dry_run,
        description: a.description,
        force_conflicts: a.force_conflicts,
        force_replace: a.force_replace || a.force,
        max_history: default_history_max(a.history_max),
    };
    let session = session(settings, Some(cancel_on_interrupt())).await?;
    session
        .rollback(&a.args[0], &options, &Reporter::new())
        .await?;
    Ok("Rollback was a success! Happy Helming!\n".into())
}

async fn cmd_uninstall(settings: &Settings, a: UninstallArgs) -> Result<String, Failure> {
    at_least_one("uninstall", "RELEASE_NAME [...]", &a.args)?;
    let options = UninstallOptions {
        keep_history: a.keep_history,
        dry_run: parse_uninstall_dry_run(&a.dry_run)?,
        cascade: parse_cascade(&a.cascade)?,
        no_hooks: a.no_hooks,
        wait: take(settings, parse_wait(&a.wait.wait)?),
        timeout: a.wait.timeout,
        ignore_not_found: a.ignore_not_found,
        description: Some(a.description).filter(|d| !d.is_empty()),
    };
    let interrupted = cancel_on_interrupt();
    let session = session(settings, Some(interrupted.clone())).await?;
    // Like helm, report each release as it goes: an error stops the rest,
    // after the earlier ones were printed.
    session
        .uninstall(
            &a.args,
            &options,
            &Reporter::new(),
            || !interrupted.is_cancelled(),
            |name, out| {
                let mut text = String::new();
                if !out.info.is_empty() {
                    text.push_str(&out.info);
                    text.push('\n');
                }
                text.push_str(&format!("release \"{name}\" uninstalled\n"));
                print_now(&text);
            },
        )
        .await?;
    Ok(String::new())
}

async fn cmd_recover(settings: &Settings, a: RecoverArgs) -> Result<String, Failure> {
    let name = one_arg("recover", "RELEASE_NAME", &a.args)?;
    let options = RecoverOptions {
        force: a.force,
        rollback: a.rollback,
        grace: a.grace,
        rollback_options: RollbackOptions {
            wait: take(settings, parse_wait(&a.wait.wait)?),
            wait_for_jobs: a.wait_for_jobs,
            timeout: a.wait.timeout,
            no_hooks: a.no_hooks,
            max_history: default_history_max(a.history_max),
            ..RollbackOptions::default()
        },
    };
    let session = session(settings, Some(cancel_on_interrupt())).await?;
    let out = session.recover(name, &options, &Reporter::new()).await?;
    Ok(out.report.iter().map(|l| format!("{l}\n")).collect())
}

/// Writes to stdout at once (a closed pipe is not an error).
fn print_now(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
