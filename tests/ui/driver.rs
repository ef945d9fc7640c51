//! A tmux driver for `rudder ui`: the UI runs in a detached tmux session
//! of a fixed size on a private tmux server (its own socket, no user
//! configuration), the test types keys into it and reads the pane back.
//! Reading the pane is the test's observation of what a user would see;
//! the product itself never polls.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::harness::servers::build_env;
use crate::harness::{Home, TestNs, Tool, cluster};

/// The line the wrapper shell prints once `rudder ui` has exited, followed
/// by `stty -a` (to show the terminal modes it left behind).
pub const EXITED: &str = "rudder ui exited with";

/// tmux, from `tests/cluster/build.sh` (which installs it when missing:
/// a missing tmux fails the test, it never skips it).
fn tmux_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        build_env(&["tmux"])
            .remove("TMUX_BIN")
            .expect("build.sh --env tmux prints TMUX_BIN")
    })
}

/// How to start the UI.
pub struct Start<'a> {
    /// The namespace (`HELM_NAMESPACE`) the UI lists.
    pub ns: &'a TestNs,
    /// Extra `rudder ui` arguments (`--read-only`, `-A`).
    pub args: &'a [&'a str],
    /// Terminal columns.
    pub width: u16,
    /// Terminal rows.
    pub height: u16,
    /// A private helm home (repositories), else the cluster's shared one.
    pub home: Option<&'a Home>,
    /// Extra environment (`EDITOR`).
    pub env: &'a [(&'a str, &'a str)],
}

/// A running `rudder ui` in tmux; the tmux server (and the UI with it) is
/// killed when dropped.
pub struct Ui {
    socket: PathBuf,
    // Holds the socket's directory.
    _dir: tempfile::TempDir,
}

impl Ui {
    /// Starts `rudder ui` as `start` says, with `NO_COLOR` (plain status
    /// labels) and a UTF-8 locale.
    pub fn start(start: &Start<'_>) -> Ui {
        let rudder = if let Some(home) = start.home {
            let mut c = home.command(Tool::Rudder);
            c.env("KUBECONFIG", &cluster().kubeconfig);
            c
        } else {
            Tool::Rudder.command()
        };
        let dir = tempfile::Builder::new()
            .prefix("rudder-ui.")
            .tempdir()
            .expect("tmux socket dir");
        let socket = dir.path().join("s");
        let mut cmd = Command::new(tmux_bin());
        // The environment rudder would get from the harness, given to the
        // tmux server this command starts (the pane inherits it).
        for (k, v) in rudder.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.env_remove("TMUX")
            .env("HELM_NAMESPACE", &start.ns.name)
            .env("NO_COLOR", "1")
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8");
        for (k, v) in start.env {
            cmd.env(k, v);
        }
        let mut line = shell_quote(rudder.get_program());
        line.push_str(" ui");
        for a in start.args {
            line.push(' ');
            line.push_str(&shell_quote(OsStr::new(a)));
        }
        // After the UI exits the pane stays, showing the exit status and
        // the terminal's modes: the test reads whether the UI restored
        // them.
        line.push_str(&format!("; echo \"{EXITED} $?\"; stty -a; exec sleep 3600"));
        cmd.arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x"])
            .arg(start.width.to_string())
            .arg("-y")
            .arg(start.height.to_string())
            .arg(line)
            .stdin(Stdio::null());
        let out = cmd.output().expect("run tmux new-session");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ui { socket, _dir: dir }
    }

    fn tmux<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = Command::new(tmux_bin())
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-d`, `j`, `Tab`).
    ///
    /// `Escape` goes alone, followed by a pause as between a user's key
    /// presses: an ESC byte arriving together with the next key's bytes
    /// reads as Alt+key (the terminal's escape-sequence ambiguity).
    pub fn keys(&self, keys: &[&str]) {
        for batch in keys.split_inclusive(|k| *k == "Escape") {
            let mut args = vec!["send-keys", "-t", "ui"];
            args.extend_from_slice(batch);
            self.tmux(args);
            if batch.last() == Some(&"Escape") {
                std::thread::sleep(Duration::from_millis(150));
            }
        }
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux(["send-keys", "-t", "ui", "-l", text]);
    }

    /// Clicks the left button at (`column`, `row`), both from 0: the
    /// press and the release as the terminal reports them in SGR mouse
    /// mode (`ESC [ < 0 ; x ; y M`, then `m`), typed into the pane as
    /// raw bytes. (`send-keys -M` only forwards a mouse event tmux itself
    /// received, which a detached session never does.)
    pub fn click(&self, column: u16, row: u16) {
        self.clicks(column, row, 1);
    }

    /// Two clicks at (`column`, `row`) typed at once, so they arrive well
    /// within a double click's interval however loaded the machine is.
    pub fn double_click(&self, column: u16, row: u16) {
        self.clicks(column, row, 2);
    }

    fn clicks(&self, column: u16, row: u16, n: usize) {
        let (x, y) = (column + 1, row + 1);
        let seq = format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m").repeat(n);
        let bytes: Vec<String> = seq.bytes().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-t", "ui", "-H"];
        args.extend(bytes.iter().map(String::as_str));
        self.tmux(args);
    }

    /// The pane as text, one line per row.
    pub fn screen(&self) -> String {
        let out = self.tmux(["capture-pane", "-p", "-t", "ui"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The pane with its attributes and colours as SGR escape sequences
    /// (`capture-pane -e`), one line per row.
    pub fn screen_styled(&self) -> String {
        let out = self.tmux(["capture-pane", "-p", "-e", "-t", "ui"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format variable of the pane (`alternate_on`, `pane_width`).
    pub fn pane_var(&self, name: &str) -> String {
        let out = self.tmux(["display-message", "-p", "-t", "ui", &format!("#{{{name}}}")]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Resizes the terminal.
    pub fn resize(&self, width: u16, height: u16) {
        self.tmux([
            "resize-window",
            "-t",
            "ui",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Waits until the pane contains `text`; returns the screen. Panics
    /// with the last screen after `timeout`.
    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        self.wait_until(&format!("{text:?} on screen"), timeout, |s| {
            s.contains(text)
        })
    }

    /// Waits until `ok` holds for the pane; returns the screen. Panics
    /// naming `what`, with the last screen, after `timeout`.
    pub fn wait_until(&self, what: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; last screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// The row (line) of the pane that mentions `name` as a whole word in
    /// the release list, if any.
    pub fn row_of(screen: &str, name: &str) -> Option<String> {
        screen
            .lines()
            .find(|l| {
                l.trim_start_matches(['│', ' '])
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| w == name)
            })
            .map(str::to_string)
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = Command::new(tmux_bin())
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn shell_quote(s: &OsStr) -> String {
    format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"))
}
