//! `rudder watch`: the current releases, then every change as it happens,
//! as table lines or JSON lines; `--exit-on` turns it into a wait for one
//! release's outcome. Lists once, then only watches.

use std::io::Write as _;
use std::sync::Arc;

use clap::Args;
use futures::StreamExt as _;
use rudder::action::watch::{ReleaseEvent, ReleaseSummary, WatchFilter};
use rudder::present::watch::{WatchTable, event_json};
use rudder::release::Status;
use tokio::signal::unix::{SignalKind, signal};

use super::Failure;
use super::args::go_duration;
use super::commands::session;
use super::settings::Settings;

/// `watch` flags.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// watch releases across all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// Selector (label query) to filter on, supports '=', '==', and '!='
    #[arg(short = 'l', long, default_value = "")]
    pub selector: String,
    /// a regular expression; only releases whose name matches it are watched
    #[arg(short = 'f', long, default_value = "")]
    pub filter: String,
    /// prints the output in the specified format. Allowed values: table, json (one object per line)
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// exit (status 0) once a watched release changes to one of these statuses (comma-separated, e.g. deployed,failed); exit 1 if it is deleted, uninstalled or stuck first
    #[arg(long = "exit-on", value_delimiter = ',', value_name = "STATUSES")]
    pub exit_on: Vec<String>,
    /// how long a pending revision may stay untouched with no lock holder before it is reported stuck
    #[arg(long, default_value = "1h0m0s", value_parser = go_duration)]
    pub grace: std::time::Duration,
    /// unexpected positional arguments
    #[arg(hide = true)]
    pub rest: Vec<String>,
}

/// How the events are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Table,
    Json,
}

/// Runs `watch` until interrupted, the `--exit-on` outcome, or a failure
/// that the watch cannot recover from. Prints as it goes; returns nothing
/// to print.
pub async fn run_watch(settings: &Settings, a: WatchArgs) -> Result<String, Failure> {
    if !a.rest.is_empty() {
        return Err(Failure(
            "\"rudder watch\" accepts no arguments\n\nUsage:  rudder watch [flags]".into(),
        ));
    }
    let output = match a.output.as_str() {
        "table" => Output::Table,
        "json" => Output::Json,
        other => {
            return Err(Failure(format!(
                "invalid argument {other:?} for \"-o, --output\" flag: watch prints table or json"
            )));
        }
    };
    let exit_on = exit_statuses(&a.exit_on)?;
    let session = Arc::new(session(settings, None).await?.with_grace(a.grace));
    let filter = WatchFilter {
        all_namespaces: a.all_namespaces,
        selector: Some(a.selector).filter(|s| !s.is_empty()),
        name: Some(a.filter).filter(|s| !s.is_empty()),
    };
    let mut events = session.watch(&filter)?;
    let mut term = signal(SignalKind::terminate())?;
    let mut printer = Printer {
        output,
        colors: settings.colors,
        snapshot: Vec::new(),
        table: None,
        synced: false,
    };
    loop {
        let item = tokio::select! {
            _ = tokio::signal::ctrl_c() => return interrupted(&exit_on),
            _ = term.recv() => return interrupted(&exit_on),
            item = events.next() => item,
        };
        let Some(item) = item else {
            return Err(Failure("the watch ended unexpectedly".into()));
        };
        let ev = item?;
        let live = printer.synced;
        if !printer.print(&ev)? {
            // stdout was closed (`rudder watch | head`): nothing more to say.
            return Ok(String::new());
        }
        if live && !exit_on.is_empty() {
            match outcome(&ev, &exit_on) {
                Some(Ok(())) => return Ok(String::new()),
                Some(Err(msg)) => return Err(Failure(msg)),
                None => {}
            }
        }
    }
}

/// The `--exit-on` statuses, checked against helm's names.
fn exit_statuses(raw: &[String]) -> Result<Vec<Status>, Failure> {
    raw.iter()
        .filter(|s| !s.is_empty())
        .map(|s| match Status::parse(s) {
            Status::Other(_) | Status::Unknown => Err(Failure(format!(
                "invalid status {s:?} for --exit-on: use deployed, failed, uninstalled, superseded, uninstalling, pending-install, pending-upgrade or pending-rollback"
            ))),
            st => Ok(st),
        })
        .collect()
}

fn interrupted(exit_on: &[Status]) -> Result<String, Failure> {
    if exit_on.is_empty() {
        Ok(String::new())
    } else {
        Err(Failure(
            "interrupted before a watched release reached the --exit-on statuses".into(),
        ))
    }
}

/// Whether a live event ends an `--exit-on` wait: `Ok` when the release
/// reached one of the statuses, `Err` with the reason when it can no
/// longer be expected to.
fn outcome(ev: &ReleaseEvent, exit_on: &[Status]) -> Option<Result<(), String>> {
    let s = ev.summary()?;
    let wanted = || {
        exit_on
            .iter()
            .map(Status::as_str)
            .collect::<Vec<_>>()
            .join(",")
    };
    match ev {
        ReleaseEvent::Deleted(_) => Some(Err(format!(
            "release {:?} in namespace {:?} was uninstalled and its history deleted before reaching {}",
            s.name,
            s.namespace,
            wanted()
        ))),
        ReleaseEvent::Stuck { notice, .. } => Some(Err(notice.to_string())),
        _ if exit_on.contains(&s.status) => Some(Ok(())),
        ReleaseEvent::Uninstalled(_) => Some(Err(format!(
            "release {:?} in namespace {:?} was uninstalled before reaching {}",
            s.name,
            s.namespace,
            wanted()
        ))),
        _ => None,
    }
}

struct Printer {
    output: Output,
    colors: rudder::present::Colors,
    /// The initial releases, held until the snapshot is complete (table).
    snapshot: Vec<ReleaseSummary>,
    /// The snapshot's columns, which the change lines keep (table).
    table: Option<WatchTable>,
    synced: bool,
}

impl Printer {
    /// Prints one event; false once stdout is closed.
    fn print(&mut self, ev: &ReleaseEvent) -> Result<bool, Failure> {
        let now = jiff::Timestamp::now();
        let text = match self.output {
            Output::Json => {
                self.synced |= matches!(ev, ReleaseEvent::Synced);
                event_json(ev, now)
            }
            Output::Table => match ev {
                ReleaseEvent::Added(s) if !self.synced => {
                    self.snapshot.push(s.clone());
                    return Ok(true);
                }
                ReleaseEvent::Synced if !self.synced => {
                    self.synced = true;
                    let (table, text) =
                        WatchTable::snapshot(&std::mem::take(&mut self.snapshot), self.colors);
                    self.table = Some(table);
                    text
                }
                other => self
                    .table
                    .as_ref()
                    .and_then(|t| t.line(other, now))
                    .unwrap_or_default(),
            },
        };
        let mut out = std::io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
            Err(e) => Err(Failure(format!("writing output: {e}"))),
        }
    }
}
