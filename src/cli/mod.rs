//! Parsing, dispatch, and helm's conventions for errors and exit codes:
//! `Error: <message>` on stderr and exit status 1 for every failure, like
//! helm; warnings on stderr; a closed stdout pipe is not an error.

mod args;
mod chart;
mod commands;
mod completion;
mod deploy_flags;
mod diff;
mod install;
mod interrupt;
mod logging;
mod man;
mod progress;
mod registry;
mod repo;
mod serve;
mod settings;
mod source;
mod template;
mod test;
mod ui;
mod upgrade;
mod version;
mod watch;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use clap::error::{ContextKind, ContextValue, ErrorKind};

use args::{Cli, Command};
use tracing::Instrument as _;

/// A failure to report: the message helm would print after `Error: `.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(e.to_string())
    }
}

/// The exit status of a command that succeeded but has something to say
/// through it (`diff --detailed-exitcode`: 2 when there are changes); 0
/// otherwise. Set by the command, read once its output is written.
static SUCCESS_STATUS: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Makes a successful run exit with `code` once its output is written.
fn set_success_status(code: u8) {
    SUCCESS_STATUS.store(code, std::sync::atomic::Ordering::Relaxed);
}

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash rudder -- ...`) is
    // answered before anything else and exits.
    completion::complete_if_asked();
    warn_deprecated_flags();
    deploy_flags::warn_deprecated_flags();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return parse_failure(e),
    };
    logging::init(cli.global.debug);
    if !matches!(
        cli.command,
        Command::Version(_) | Command::Completion(_) | Command::Man
    ) && let Some(line) = settings::unknown_driver_line(&cli.global)
    {
        eprintln!("{line}");
        return ExitCode::from(1);
    }
    // The command's name only: arguments may hold a token.
    let span = tracing::debug_span!("rudder", command = command_name(&cli.command));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(&format!("starting the runtime: {e}")),
    };
    let started = std::time::Instant::now();
    let outcome = runtime.block_on(commands::run(cli).instrument(span));
    tracing::debug!(
        ok = outcome.is_ok(),
        ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "command finished"
    );
    match outcome {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(out.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::from(SUCCESS_STATUS.load(std::sync::atomic::Ordering::Relaxed)),
                // `rudder get manifest x | head` closes the pipe early.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    ExitCode::from(SUCCESS_STATUS.load(std::sync::atomic::Ordering::Relaxed))
                }
                Err(e) => fail(&format!("writing output: {e}")),
            }
        }
        Err(Failure(msg)) => fail(&msg),
    }
}

/// The subcommand's name, for logs.
fn command_name(c: &Command) -> &'static str {
    match c {
        Command::List(_) => "list",
        Command::History(_) => "history",
        Command::Status(_) => "status",
        Command::Get(_) => "get",
        Command::Rollback(_) => "rollback",
        Command::Uninstall(_) => "uninstall",
        Command::Recover(_) => "recover",
        Command::Test(_) => "test",
        Command::Show(_) => "show",
        Command::Package(_) => "package",
        Command::Dependency(_) => "dependency",
        Command::Registry(_) => "registry",
        Command::Push(_) => "push",
        Command::Version(_) => "version",
        Command::Completion(_) => "completion",
        Command::Man => "man",
        Command::Repo(_) => "repo",
        Command::Search(_) => "search",
        Command::Pull(_) => "pull",
        Command::Template(_) => "template",
        Command::Install(_) => "install",
        Command::Upgrade(_) => "upgrade",
        Command::Diff(_) => "diff",
        Command::Ui(_) => "ui",
        Command::Watch(_) => "watch",
        Command::Serve(_) => "serve",
    }
}

/// pflag announces a deprecated flag as it parses it, whatever happens
/// next.
fn warn_deprecated_flags() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = args.iter().take_while(|a| *a != "--");
    let mut rollback = false;
    for a in flags {
        if a == "rollback" {
            rollback = true;
        } else if rollback && (a == "--force" || a.starts_with("--force=")) {
            eprintln!("Flag --force has been deprecated, use --force-replace instead");
        }
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("Error: {msg}");
    ExitCode::from(1)
}

/// Turns clap's parse errors into helm's (cobra/pflag) wording where it has
/// one, exit status 1; help and version print and exit 0.
fn parse_failure(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let ctx = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    let msg = match e.kind() {
        ErrorKind::UnknownArgument => match ctx(ContextKind::InvalidArg) {
            Some(a) if a.starts_with("--") => {
                format!("unknown flag: {}", a.split('=').next().unwrap_or(&a))
            }
            Some(a) if a.starts_with('-') => {
                let c = a.chars().nth(1).unwrap_or('-');
                format!("unknown shorthand flag: '{c}' in {a}")
            }
            Some(a) => format!("unknown command {a:?} for \"rudder\""),
            None => e.to_string(),
        },
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let arg = ctx(ContextKind::InvalidArg).unwrap_or_default();
            let value = ctx(ContextKind::InvalidValue).unwrap_or_default();
            let why = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default();
            format!(
                "invalid argument {value:?} for {:?} flag: {why}",
                flag_display(&arg)
            )
        }
        ErrorKind::InvalidSubcommand => match ctx(ContextKind::InvalidSubcommand) {
            Some(s) => format!("unknown command {s:?} for \"rudder\""),
            None => e.to_string(),
        },
        ErrorKind::ArgumentConflict => {
            // cobra's mutually exclusive flag groups: the group as declared
            // (`--force-replace`/`--force` first), then the flags set, sorted.
            let name = |a: Option<String>| {
                a.unwrap_or_default()
                    .split([' ', '='])
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches('-')
                    .to_string()
            };
            let mut set = vec![
                name(ctx(ContextKind::InvalidArg)),
                name(ctx(ContextKind::PriorArg)),
            ];
            let mut group = set.clone();
            group.sort_by_key(|f| f == "force-conflicts");
            set.sort();
            format!(
                "if any flags in the group [{}] are set none of the others can be; [{}] were all set",
                group.join(" "),
                set.join(" ")
            )
        }
        ErrorKind::MissingRequiredArgument | ErrorKind::NoEquals | ErrorKind::TooManyValues => {
            let arg = ctx(ContextKind::InvalidArg).unwrap_or_default();
            format!("flag needs an argument: {}", flag_display(&arg))
        }
        _ => e
            .to_string()
            .trim_start_matches("error: ")
            .trim_end()
            .to_string(),
    };
    fail(&msg)
}

/// pflag names a flag as `-o, --output` when it has a shorthand.
fn flag_display(clap_arg: &str) -> String {
    // clap renders `--output <OUTPUT>` or `-o, --output <OUTPUT>`.
    let names = clap_arg
        .split(' ')
        .next()
        .unwrap_or(clap_arg)
        .trim_end_matches(',');
    let short = match names {
        "--output" => Some("-o"),
        "--namespace" => Some("-n"),
        "--filter" => Some("-f"),
        "--selector" => Some("-l"),
        _ => None,
    };
    match short {
        Some(s) => format!("{s}, {names}"),
        None => names.to_string(),
    }
}
