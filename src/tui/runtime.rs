//! The terminal side: raw mode and the alternate screen (restored on exit
//! and, through ratatui's panic hook, on panic), the event loop that feeds
//! keys, ticks and background results to `update`, and `$EDITOR` with the
//! terminal suspended.

use std::io;
use std::time::Duration;

use crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures::StreamExt as _;
use tokio::sync::mpsc;

use super::model::Model;
use super::msg::{Command, Msg};
use super::tasks::{Sources, Tasks};
use super::update::update;
use super::view::view;
use crate::cluster::Cluster;
use crate::session::Session;
use crate::storage::Driver;

/// How `rudder ui` was started.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--read-only`.
    pub read_only: bool,
    /// Colours ([`wants_color`]).
    pub color: bool,
    /// The kube context, for the header.
    pub context: String,
    /// One namespace, or every one (`-A`) with `None`.
    pub scope: Option<String>,
    /// Where charts come from (availability marks, upgrades).
    pub sources: Option<Sources>,
    /// How long operations wait for their objects (`--timeout`).
    pub timeout: std::time::Duration,
    /// Capture the mouse (clicks, wheel); off with `--no-mouse`, which
    /// leaves the terminal's own text selection alone.
    pub mouse: bool,
}

/// Whether the UI draws in colour, by helm v4's rules for `--color`
/// (`never`, `always`, `auto`) and `NO_COLOR` (set and non-empty: no
/// colour unless the flag says `always`). `auto` means colour: the UI only
/// runs on a terminal.
///
/// # Errors
///
/// The flag names no mode (helm's message).
pub fn wants_color(flag: Option<&str>, no_color: Option<&str>) -> Result<bool, String> {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    match flag {
        Some("never") => Ok(false),
        Some("always") => Ok(true),
        None | Some("auto") => Ok(!no_color),
        Some(other) => Err(format!(
            "invalid color mode {other:?}: must be one of: never, auto, always"
        )),
    }
}

/// Runs the UI until the user quits.
///
/// # Errors
///
/// The terminal could not be set up or drawn to.
pub async fn run<D, C>(session: Session<D, C>, options: Options) -> io::Result<()>
where
    D: Driver + Clone + Send + Sync + 'static,
    C: Cluster + Clone + Send + Sync + 'static,
{
    let (tx, mut rx) = mpsc::unbounded_channel();
    let tasks = Tasks::new(session, tx, options.scope.clone(), options.sources)
        .with_timeout(options.timeout);
    let watch = tokio::spawn(tasks.clone().watch_releases());
    let mut model = Model::new(
        &options.context,
        options.scope,
        options.read_only,
        options.color,
    );
    // crossterm drops every colour sequence by itself when `NO_COLOR` is
    // set; the UI has already decided (`--color always` wins over
    // `NO_COLOR`, as in helm v4), so crossterm must follow that decision.
    crossterm::style::Colored::set_ansi_color_disabled(!options.color);
    // Installs the panic hook that restores the terminal.
    let mut terminal = ratatui::try_init()?;
    let mouse = options.mouse;
    if mouse {
        release_mouse_on_panic();
        if let Err(e) = execute!(io::stdout(), EnableMouseCapture) {
            ratatui::restore();
            watch.abort();
            return Err(e);
        }
    }
    let result = event_loop(&mut terminal, &mut model, &tasks, &mut rx, mouse).await;
    if mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    ratatui::restore();
    watch.abort();
    result
}

/// Adds mouse release to the panic hook ratatui installed (which restores
/// raw mode and the screen, not the mouse): a terminal left capturing the
/// mouse would type escape sequences into the shell on every click.
fn release_mouse_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

async fn event_loop<D, C>(
    terminal: &mut ratatui::DefaultTerminal,
    model: &mut Model,
    tasks: &Tasks<D, C>,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    mouse: bool,
) -> io::Result<()>
where
    D: Driver + Clone + Send + Sync + 'static,
    C: Cluster + Clone + Send + Sync + 'static,
{
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Whether the model may have changed since the last frame: events
    // that reach no `update` (the pointer moving, with mouse capture on)
    // draw nothing.
    let mut changed = true;
    loop {
        if changed {
            terminal.draw(|f| view(model, f))?;
        }
        changed = true;
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => Msg::Key(k),
                Some(Ok(TermEvent::Resize(..))) => Msg::Resize,
                // Motion (with or without a button held) selects nothing:
                // no frame for it.
                Some(Ok(TermEvent::Mouse(e)))
                    if !matches!(e.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) =>
                {
                    let size = terminal.size()?;
                    Msg::Mouse {
                        event: e,
                        size: ratatui::layout::Rect::new(0, 0, size.width, size.height),
                        at: std::time::Instant::now(),
                    }
                }
                Some(Ok(_)) => {
                    changed = false;
                    continue;
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(m) = rx.recv() => m,
            _ = tick.tick() => Msg::Tick,
        };
        for cmd in update(model, msg) {
            match cmd {
                Command::Quit => return Ok(()),
                Command::Edit(initial) => {
                    // The editor owns the terminal meanwhile: no event
                    // reader may compete with it for the keys.
                    drop(events);
                    let edited = edit(terminal, initial, mouse).await;
                    events = EventStream::new();
                    update(model, Msg::Edited(edited));
                }
                other => tasks.run(other),
            }
        }
    }
}

/// Suspends the terminal, runs `$EDITOR` (else `vi`) on `initial`, and
/// restores the terminal.
async fn edit(
    terminal: &mut ratatui::DefaultTerminal,
    initial: String,
    mouse: bool,
) -> Result<String, String> {
    if mouse {
        let _ = execute!(io::stdout(), DisableMouseCapture);
    }
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen);
    let outcome = tokio::task::spawn_blocking(move || run_editor(&initial))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    let _ = enable_raw_mode();
    let _ = execute!(io::stdout(), EnterAlternateScreen, Clear(ClearType::All));
    if mouse {
        let _ = execute!(io::stdout(), EnableMouseCapture);
    }
    // A fresh terminal has no previous frame, so the next draw repaints
    // every cell. (`Terminal::clear` asks the terminal for the cursor
    // position first, which fails while no event reader runs, and then
    // leaves the previous frame in place: only changed cells would be
    // drawn over the blank screen.)
    if let Ok(fresh) = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))
    {
        *terminal = fresh;
    }
    outcome
}

fn run_editor(initial: &str) -> Result<String, String> {
    // The first of the two that is set to something: an empty `VISUAL`
    // does not hide `EDITOR`.
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string());
    let text = if initial.is_empty() {
        "# Values for this upgrade (YAML), merged over the reused ones.\n".to_string()
    } else {
        initial.to_string()
    };
    // A file only this user can open, under a name nobody can predict
    // (the values may hold secrets; /tmp is shared).
    let file = tempfile::Builder::new()
        .prefix("rudder-values-")
        .suffix(".yaml")
        .tempfile()
        .map_err(|e| e.to_string())?;
    let path = file.path().to_path_buf();
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    // `$EDITOR` may carry arguments (`code -w`).
    let mut words = editor.split_whitespace();
    let program = words.next().unwrap_or("vi");
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status()
        .map_err(|e| format!("running {editor}: {e}"));
    let read = std::fs::read_to_string(&path).map_err(|e| e.to_string());
    // Removed by path, so also when the editor replaced the file.
    drop(file);
    let status = status?;
    if !status.success() {
        return Err(format!("{editor} exited with {status}"));
    }
    read
}

#[cfg(test)]
mod tests {
    use super::wants_color;

    #[test]
    fn color_flag_and_no_color_follow_helm_v4() {
        assert_eq!(wants_color(None, None), Ok(true));
        assert_eq!(wants_color(None, Some("1")), Ok(false));
        assert_eq!(
            wants_color(None, Some("")),
            Ok(true),
            "empty NO_COLOR is unset"
        );
        assert_eq!(wants_color(Some("auto"), Some("1")), Ok(false));
        assert_eq!(wants_color(Some("always"), Some("1")), Ok(true));
        assert_eq!(wants_color(Some("never"), None), Ok(false));
        assert_eq!(
            wants_color(Some("sometimes"), None),
            Err("invalid color mode \"sometimes\": must be one of: never, auto, always".into())
        );
    }
}
