//! What the user sees while an operation runs, on stderr (stdout stays
//! helm's): the library's typed progress events, drawn on a terminal as a
//! live list of the resources still awaited and why, or otherwise as a
//! plain line whenever that list changes. Hook output is copied through as
//! helm copies it; warnings get a line each; hook and phase events show
//! nothing, as helm shows nothing for them.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rudder::cluster::{Event, Pending, Progress};

/// How many awaited resources a line names before summing up the rest.
const SHOWN: usize = 8;

/// A wait shorter than this shows nothing in plain mode.
const QUIET_FOR: Duration = Duration::from_secs(1);

/// Progress on stderr.
pub struct Reporter {
    bar: Option<ProgressBar>,
    last: Mutex<String>,
    since: Mutex<Option<std::time::Instant>>,
}

impl Reporter {
    /// A reporter that draws on stderr when it is a terminal.
    pub fn new() -> Reporter {
        let tty = std::io::stderr().is_terminal()
            && std::env::var("TERM").ok().as_deref() != Some("dumb");
        let bar = tty.then(|| {
            // Hidden until there is something to show.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
            if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
                bar.set_style(style);
            }
            bar
        });
        Reporter {
            bar,
            last: Mutex::new(String::new()),
            since: Mutex::new(None),
        }
    }
}

fn describe(p: &Pending) -> String {
    if p.message.is_empty() {
        format!("{} ({})", p.resource, p.status)
    } else {
        format!("{} ({}: {})", p.resource, p.status, p.message)
    }
}

impl Progress for Reporter {
    fn event(&self, event: Event) {
        match event {
            Event::Waiting { goal, pending } => self.show_waiting(&goal, &pending),
            Event::WaitEnded => self.clear_waiting(),
            Event::Warning { message } => self.line(&message),
            Event::HookOutput { bytes } => self.copy(&bytes),
            _ => {}
        }
    }
}

impl Reporter {
    fn show_waiting(&self, what: &str, pending: &[Pending]) {
        // Short waits show nothing; so do objects not observed yet.
        let started = *self
            .since
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(std::time::Instant::now);
        if pending.is_empty() || started.elapsed() < QUIET_FOR {
            return;
        }
        let head = format!(
            "waiting for {} resource{} to be {what}",
            pending.len(),
            if pending.len() == 1 { "" } else { "s" }
        );
        match &self.bar {
            Some(bar) => {
                let mut lines = vec![head];
                lines.extend(
                    pending
                        .iter()
                        .take(SHOWN)
                        .map(|p| format!("  {}", describe(p))),
                );
                if pending.len() > SHOWN {
                    lines.push(format!("  … and {} more", pending.len() - SHOWN));
                }
                if bar.is_hidden() {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_message(lines.join("\n"));
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            None => {
                let mut line = format!("{head}: ");
                line.push_str(
                    &pending
                        .iter()
                        .take(SHOWN)
                        .map(describe)
                        .collect::<Vec<_>>()
                        .join("; "),
                );
                if pending.len() > SHOWN {
                    line.push_str(&format!("; and {} more", pending.len() - SHOWN));
                }
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                if *last != line {
                    eprintln!("{line}");
                    *last = line;
                }
            }
        }
    }

    fn clear_waiting(&self) {
        if let Some(bar) = &self.bar
            && !bar.is_hidden()
        {
            bar.disable_steady_tick();
            bar.finish_and_clear();
            bar.set_draw_target(ProgressDrawTarget::hidden());
            bar.reset();
        }
        self.last.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn copy(&self, bytes: &[u8]) {
        let write = || {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(bytes);
            let _ = err.flush();
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}
