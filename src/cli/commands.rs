//! One function per command: run the action, render helm's output.

use rudder::action::content::release_content;
use rudder::action::history::history;
use rudder::action::list::{ListOptions, SortBy, StateMask, list};
use rudder::cluster::resources::{Form, live_resources};
use rudder::present::{self, Compat, Format};
use rudder::storage::CorruptRecord;

use super::Failure;
use super::args::{Cli, Command, GetCommand, ListArgs};
use super::settings::Settings;

/// Runs the parsed command line; returns what to print on stdout.
pub async fn run(cli: Cli) -> Result<String, Failure> {
    let settings = Settings::new(cli.global)?;
    match cli.command {
        Command::Version => Ok(format!("rudder v{}\n", rudder::VERSION)),
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
    let (storage, _) = settings.storage().await?;
    let result = list(&storage, &opts).await?;
    warn_corrupt(&result.corrupt);
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
