//! `rudder test RELEASE`: helm's `test` command. Prints the release's
//! status block with its tests' phases (never the notes in helm 4; unless
//! `--hide-notes` in helm 3), then with `--logs` a blank line and the
//! test pods' logs; a failed test is reported after all that, exit 1.

use clap::Args;
use rudder::action::test::{TestFilters, TestOptions};
use rudder::present::{self, Compat};

use super::Failure;
use super::args::go_duration;
use super::commands::{one_arg, session};
use super::interrupt::cancel_on_interrupt;
use super::progress::Reporter;
use super::settings::Settings;

/// `test` flags.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_parser = go_duration)]
    pub timeout: std::time::Duration,
    /// dump the logs from test pods (this runs after all tests are complete, but before any cleanup)
    #[arg(long)]
    pub logs: bool,
    /// specify tests by attribute (currently "name") using attribute=value syntax or '!attribute=value' to exclude a test (can specify multiple or separate values with commas: name=test1,name=test2)
    #[arg(long, value_delimiter = ',', value_name = "FILTER")]
    pub filter: Vec<String>,
    /// if set, do not show notes in test output. Does not affect presence in chart metadata (helm v3)
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// RELEASE
    #[arg(value_name = "RELEASE", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// Runs `test`; everything is printed here, before a failure is
/// returned, because helm shows the release even when a test failed.
pub async fn run_test(settings: &Settings, a: TestArgs) -> Result<String, Failure> {
    if a.hide_notes && settings.compat == Compat::V4 {
        // helm 4 always hides the notes and has no such flag.
        return Err(Failure("unknown flag: --hide-notes".into()));
    }
    let name = one_arg("test", "[RELEASE]", &a.args)?;
    let options = TestOptions {
        timeout: a.timeout,
        filters: TestFilters::from_flags(&a.filter),
        logs: a.logs,
        compat: settings.compat,
    };
    let session = session(settings, Some(cancel_on_interrupt())).await?;
    let outcome = session.test(name, &options, &Reporter::new()).await?;
    let style = present::status::StatusStyle {
        compat: settings.compat,
        colors: settings.colors,
        hide_notes: settings.compat == Compat::V4 || a.hide_notes,
        debug: settings.debug(),
        ..Default::default()
    };
    let mut out = present::status::render_table(&outcome.release, None, &style)?.into_bytes();
    if a.logs {
        out.push(b'\n');
        out.extend_from_slice(&outcome.logs);
    }
    write_stdout(&out);
    match outcome.error {
        Some(e) => Err(Failure(e.to_string())),
        None => Ok(String::new()),
    }
}

/// Writes to stdout at once (a closed pipe is not an error).
fn write_stdout(bytes: &[u8]) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes);
    let _ = out.flush();
}
