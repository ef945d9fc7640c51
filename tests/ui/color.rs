//! Colour in the terminal: the status cells carry colour unless
//! `NO_COLOR` says otherwise (helm v4's rules: `--color always` wins over
//! `NO_COLOR`); without colour the plain labels and no colour codes at
//! all. Read from tmux's `capture-pane -e`, which shows the cells'
//! attributes as SGR sequences.

use super::driver::{Start, Ui};
use super::{T, web};
use crate::harness::TestNs;

/// The SGR parameter lists (`\x1b[...m`) in `line`.
fn sgr(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("\x1b[") {
        rest = &rest[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))
            .unwrap_or(rest.len());
        if rest[end..].starts_with('m') {
            out.push(rest[..end].split([';', ':']).map(str::to_string).collect());
        }
        rest = &rest[end..];
    }
    out
}

/// Whether an SGR list sets a foreground or background colour (not a
/// reset to the default, not bold or reverse video).
fn sets_color(params: &[String]) -> bool {
    params.iter().any(|p| {
        matches!(
            p.parse::<u16>(),
            Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
        )
    })
}

/// Whether an SGR list sets the foreground to ANSI colour `n` (0-7), as
/// `3n` or as the 256-colour index `38;5;n` (crossterm's form).
fn sets_fg(params: &[String], n: u8) -> bool {
    let p: Vec<&str> = params.iter().map(String::as_str).collect();
    p.contains(&format!("3{n}").as_str())
        || p.windows(3)
            .any(|w| w[0] == "38" && w[1] == "5" && w[2] == n.to_string())
}

/// The styled line of the pane that lists `name`.
fn styled_row(ui: &Ui, name: &str) -> String {
    let plain = ui.screen();
    let styled = ui.screen_styled();
    let i = plain
        .lines()
        .position(|l| Ui::row_of(l, name).is_some())
        .unwrap_or_else(|| panic!("{name} not listed:\n{plain}"));
    styled.lines().nth(i).unwrap_or_default().to_string()
}

/// The text right after the last SGR sequence before `label` in `line`:
/// the parameters in force where the label starts.
fn sgr_before(line: &str, label: &str) -> Vec<Vec<String>> {
    let at = line.find(label).unwrap_or(0);
    let head = &line[..at];
    // The sequences since the last reset (0 or empty) are the ones in force.
    let all = sgr(head);
    let from = all
        .iter()
        .rposition(|p| p.iter().all(|x| x.is_empty() || x == "0"))
        .map_or(0, |i| i + 1);
    all[from..].to_vec()
}

fn start<'a>(ns: &'a TestNs, args: &'a [&'a str], env: &'a [(&'a str, &'a str)]) -> Ui {
    Ui::start(&Start {
        ns,
        args,
        width: 100,
        height: 20,
        home: None,
        env,
    })
}

/// A deployed and a failed release, seen by three UIs: `--color always`
/// under `NO_COLOR` and an empty `NO_COLOR` (unset, by no-color.org) show
/// `● deployed` in green and `● failed` in red; `NO_COLOR=1` shows the
/// plain labels with no colour code on the rows.
#[test]
fn status_colours_follow_no_color_and_the_flag() {
    let ns = TestNs::new("ui-color");
    let web = web();
    ns.helm4(["install", "good", &web]).ok();
    ns.helm4(["install", "bad", &web]).ok();
    // The API server rejects the Deployment: helm records the upgrade
    // failed.
    ns.helm4(["upgrade", "bad", &web, "--set", "replicaCount=-1"])
        .failed();

    let always = start(&ns, &["--color", "always"], &[]);
    let auto = start(&ns, &[], &[("NO_COLOR", "")]);
    let plain = start(&ns, &[], &[]);
    for ui in [&always, &auto] {
        ui.wait_until("both rows coloured", T, |s| {
            Ui::row_of(s, "good").is_some_and(|r| r.contains("● deployed"))
                && Ui::row_of(s, "bad").is_some_and(|r| r.contains("● failed"))
        });
        let good = styled_row(ui, "good");
        let in_force = sgr_before(&good, "● deployed");
        assert!(
            in_force.iter().any(|p| sets_fg(p, 2)),
            "deployed not green: {good:?}"
        );
        let bad = styled_row(ui, "bad");
        let in_force = sgr_before(&bad, "● failed");
        assert!(
            in_force.iter().any(|p| sets_fg(p, 1)),
            "failed not red: {bad:?}"
        );
    }
    let s = plain.wait_until("both rows", T, |s| {
        Ui::row_of(s, "good").is_some_and(|r| r.contains("deployed"))
            && Ui::row_of(s, "bad").is_some_and(|r| r.contains("failed"))
    });
    assert!(!s.contains('●'), "no dot without colour:\n{s}");
    for name in ["good", "bad"] {
        let row = styled_row(&plain, name);
        assert!(
            !sgr(&row).iter().any(|p| sets_color(p)),
            "colour code on {name}'s row under NO_COLOR: {row:?}"
        );
    }
}
