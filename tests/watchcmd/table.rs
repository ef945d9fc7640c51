//! `rudder watch -o table` (the default): the snapshot has helm list's
//! cells, and each change line has its cells in the snapshot's columns, as
//! a terminal shows them (tabs to multiples of 8).

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use crate::harness::{TestNs, Tool, chart};

/// `line` as a terminal shows it: tabs to the next multiple of 8.
fn expand_tabs(line: &str) -> String {
    let mut out = String::new();
    for c in line.chars() {
        if c == '\t' {
            out.push(' ');
            while !out.chars().count().is_multiple_of(8) {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The display columns where each header title starts: after each tab
/// separator, as the terminal expands it.
fn columns(header: &str) -> Vec<usize> {
    let mut at = vec![0];
    let mut shown = String::new();
    let parts: Vec<&str> = header.split('\t').collect();
    for part in &parts[..parts.len() - 1] {
        shown.push_str(part);
        shown.push('\t');
        at.push(expand_tabs(&shown).chars().count());
    }
    at
}

/// The cells of `line` cut at `cols`, each checked to start exactly at its
/// column (a blank before it, text at it), trimmed.
fn cells(line: &str, cols: &[usize]) -> Vec<String> {
    let l: Vec<char> = expand_tabs(line).chars().collect();
    let mut out = Vec::new();
    for (i, &c) in cols.iter().enumerate() {
        if c >= l.len() {
            break;
        }
        assert!(
            l[c] != ' ' && (c == 0 || l[c - 1] == ' '),
            "cell {i} does not start at column {c}: {line:?}"
        );
        let end = cols.get(i + 1).copied().unwrap_or(l.len()).min(l.len());
        out.push(l[c..end].iter().collect::<String>().trim().to_string());
    }
    out
}

/// helm v4's `list` table row of `name`, cut at its tabs and trimmed.
fn helm_row(ns: &TestNs, name: &str) -> Vec<String> {
    let out = ns.helm4(["list"]).ok();
    out.stdout
        .lines()
        .map(|l| {
            l.split('\t')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        })
        .find(|c| c[0] == name)
        .unwrap_or_else(|| panic!("{name} not in helm list:\n{}", out.stdout))
}

#[test]
fn change_lines_keep_the_snapshot_columns() {
    let ns = TestNs::new("watch-table");
    let web = chart("web").to_string_lossy().into_owned();
    ns.helm4(["install", "pre", &web]).ok();
    let mut cmd = Tool::Rudder.command();
    cmd.arg("watch")
        .env("HELM_NAMESPACE", &ns.name)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn rudder watch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        rx.recv_timeout(Duration::from_secs(30))
            .expect("a line from rudder watch")
    };
    let header = next();
    let cols = columns(&header);
    assert_eq!(
        cells(&header, &cols),
        [
            "NAME",
            "NAMESPACE",
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
            "SEEN",
            "EVENT"
        ]
    );
    // The snapshot's row: helm list's cells.
    assert_eq!(cells(&next(), &cols), helm_row(&ns, "pre"));

    ns.helm4(["install", "second", &web]).ok();
    ns.helm4(["upgrade", "pre", &web, "--set", "message=two"])
        .ok();
    let mut got = Vec::new();
    for _ in 0..4 {
        let line = next();
        let c = cells(&line, &cols);
        assert_eq!(c.len(), 9, "{line:?}");
        // SEEN is a UTC time to the second.
        assert!(
            c[7].len() == 20 && c[7].ends_with('Z') && c[7].as_bytes()[10] == b'T',
            "{line:?}"
        );
        assert_eq!(&c[1], &ns.name);
        got.push((
            c[0].clone(),
            c[2].clone(),
            c[4].clone(),
            c[5].clone(),
            c[8].clone(),
        ));
    }
    let want = |n: &str, r: &str, s: &str, e: &str| {
        (
            n.to_string(),
            r.to_string(),
            s.to_string(),
            "web-0.1.0".to_string(),
            e.to_string(),
        )
    };
    assert_eq!(
        got,
        [
            want("second", "1", "pending-install", "added"),
            want(
                "second",
                "1",
                "deployed",
                "status-changed from pending-install"
            ),
            want("pre", "2", "pending-upgrade", "new-revision"),
            want(
                "pre",
                "2",
                "deployed",
                "status-changed from pending-upgrade"
            ),
        ]
    );
    let _ = child.kill();
    let _ = child.wait();
}
