//! The conformance corpus: small charts written by the team, one family of
//! features per directory of `fixtures/render/corpus/`, each case rendered
//! by real helm v4 and v3 and by `rudder template` (v4 by default,
//! `--compat v3` against helm v3). Standard output, standard error and the
//! exit code must match byte for byte, errors included.
//!
//! A case is a directory `fixtures/render/corpus/<family>/<case>/` holding
//! the chart in `chart/` and an optional `case.yaml`:
//!
//! ```yaml
//! about: what the case checks (free text)
//! args: [--set, a=1, -f, extra.yaml]   # extra `helm template` arguments
//! expect: ok        # or error: what helm must do (guards against a typo
//! expect_v3: error  # turning a case into an accidental error); v3
//!                   # defaults to `expect`
//! known_difference: why rudder still differs (an open gap, listed in
//!                   # the README); the case must then still differ, so
//!                   # a fix fails the test until the line is removed
//! ```
//!
//! Every tool runs in the case directory (so `-f extra.yaml` is relative to
//! it) as `template rel ./chart --namespace ns1 --kube-version 1.36.0
//! ARGS`, in an isolated helm home without a kubeconfig and with `TZ=UTC`.
//! A family's test reports every mismatching case with a line diff before
//! failing.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::harness::{Home, Tool, repo_root};

/// The families, one `#[test]` each (checked by [`every_family_has_a_test`]).
const FAMILIES: &[&str] = &[
    "strings",
    "lists",
    "dicts",
    "defaults",
    "math",
    "conversions",
    "regex",
    "paths",
    "reflection",
    "semver",
    "dates",
    "encoding",
    "crypto",
    "builtins",
    "helmfuncs",
    "serialization",
    "objects",
    "scoping",
    "subcharts",
    "numbers",
    "whitespace",
    "manifest",
    "errors",
    "compat",
];

/// What `case.yaml` may say.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// Free text: what the case checks.
    #[serde(default)]
    about: Option<String>,
    /// Extra arguments after the fixed ones.
    #[serde(default)]
    args: Vec<String>,
    /// `ok` (default) or `error`: what helm v4 must do.
    #[serde(default)]
    expect: Option<String>,
    /// The same for helm v3 (defaults to `expect`).
    #[serde(default)]
    expect_v3: Option<String>,
    /// A known, documented gap: rudder is expected to differ from helm.
    #[serde(default)]
    known_difference: Option<String>,
}

/// One run's observable result.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    code: Option<i32>,
}

fn corpus_dir() -> PathBuf {
    repo_root().join("fixtures/render/corpus")
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn read_case(dir: &Path) -> CaseFile {
    let path = dir.join("case.yaml");
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_saphyr::from_str::<Option<CaseFile>>(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .unwrap_or_default(),
        Err(_) => CaseFile::default(),
    }
}

/// How long one render may take before it counts as hung. helm takes
/// well under a second per case; an unoptimised rudder needs about 19 s
/// per `derivePassword` (scrypt), which the derive-password case calls six
/// times.
const TIMEOUT: Duration = Duration::from_secs(300);

fn run(home: &Home, tool: Tool, dir: &Path, extra: &[&str], args: &[String]) -> Outcome {
    let mut cmd: Command = home.command(tool);
    cmd.current_dir(dir)
        .env("TZ", "UTC")
        .args([
            "template",
            "rel",
            "./chart",
            "--namespace",
            "ns1",
            "--kube-version",
            "1.36.0",
        ])
        .args(extra)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("run {tool:?} in {}: {e}", dir.display()));
    // Both pipes are drained on threads so a chatty child cannot block,
    // and the main thread can enforce the timeout.
    let mut out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out_reader.join().expect("stdout reader");
    let mut stderr = err_reader.join().expect("stderr reader");
    if status.is_none() {
        stderr.extend_from_slice(
            format!("\n(killed after {}s: hung)\n", TIMEOUT.as_secs()).as_bytes(),
        );
    }
    Outcome {
        stdout,
        stderr,
        code: status.and_then(|s| s.code()),
    }
}

/// A line diff of `want` (helm) against `got` (rudder): `-` lines only
/// helm printed, `+` lines only rudder printed, a little context around.
fn diff(want: &[u8], got: &[u8]) -> String {
    let a: Vec<String> = split_lines(want);
    let b: Vec<String> = split_lines(got);
    // Longest common subsequence table; the outputs are small.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', &a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', &b[j]));
            j += 1;
        } else {
            ops.push(('-', &a[i]));
            i += 1;
        }
    }
    // Keep two lines of context around each change.
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 3).min(ops.len());
        ops[lo..hi].iter().any(|(c, _)| *c != ' ')
    };
    let mut text = String::new();
    let mut skipped = false;
    for (k, (c, line)) in ops.iter().enumerate() {
        if near_change(k) {
            if skipped {
                text.push_str("  ...\n");
                skipped = false;
            }
            text.push_str(&format!("{c} {}\n", clip(line)));
        } else {
            skipped = true;
        }
    }
    text
}

/// Shortens a very long line (a 100 KB nested-include error) to its two
/// ends, where such lines differ in practice.
fn clip(line: &str) -> String {
    const MAX: usize = 600;
    if line.len() <= MAX {
        return line.to_string();
    }
    let mut head = 200;
    while !line.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = line.len() - 350;
    while !line.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{} ...({} bytes)... {}",
        &line[..head],
        tail - head,
        &line[tail..]
    )
}

fn split_lines(bytes: &[u8]) -> Vec<String> {
    // Escaped so that invisible differences (trailing blanks, a missing
    // final newline, invalid UTF-8) show.
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text.split('\n').map(|l| format!("{l:?}")).collect();
    if lines.last().is_some_and(|l| l == "\"\"") {
        lines.pop();
    } else {
        lines.push("(no newline at end)".to_string());
    }
    lines
}

/// Compares rudder's `got` with helm's `want`; a description of every
/// difference, empty when equal.
fn compare(want: &Outcome, got: &Outcome) -> String {
    let mut text = String::new();
    if want.code != got.code {
        text.push_str(&format!(
            "exit code: helm {:?}, rudder {:?}\n",
            want.code, got.code
        ));
    }
    for (name, w, g) in [
        ("stdout", &want.stdout, &got.stdout),
        ("stderr", &want.stderr, &got.stderr),
    ] {
        if w == g {
            continue;
        }
        if g.is_empty() || w.is_empty() {
            // One side printed nothing: a diff would just repeat the other
            // side; its beginning says enough.
            let (who, other) = if g.is_empty() {
                ("rudder", w)
            } else {
                ("helm", g)
            };
            let lines = split_lines(other);
            text.push_str(&format!(
                "{name}: {who} printed nothing; the other printed {} lines:\n",
                lines.len()
            ));
            for line in lines.iter().take(8) {
                text.push_str(&format!("  {}\n", clip(line)));
            }
            continue;
        }
        text.push_str(&format!("{name} (- helm, + rudder):\n"));
        text.push_str(&diff(w, g));
    }
    text
}

/// Checks helm's exit status against what the case says it must be.
fn check_expect(label: &str, expect: Option<&str>, out: &Outcome) -> Option<String> {
    let want_ok = match expect.unwrap_or("ok") {
        "ok" => true,
        "error" => false,
        other => return Some(format!("{label}: bad expect value {other:?}\n")),
    };
    (want_ok != (out.code == Some(0))).then(|| {
        format!(
            "{label}: the CASE is broken: helm was expected to {} but exited {:?}:\n{}{}",
            if want_ok { "succeed" } else { "fail" },
            out.code,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Runs every case of `family`; panics listing all mismatches.
fn family(name: &str) {
    let dir = corpus_dir().join(name);
    let cases = subdirs(&dir);
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let home = Home::new();
    let mut failures = Vec::new();
    for case in &cases {
        let cf = read_case(case);
        let id = format!(
            "{name}/{}",
            case.file_name().unwrap_or_default().to_string_lossy()
        );
        let about = cf.about.as_deref().unwrap_or("");
        let runs: [(&str, Tool, &[&str], Option<&str>); 2] = [
            ("v4", Tool::Helm4, &[], cf.expect.as_deref()),
            (
                "v3",
                Tool::Helm3,
                &["--compat", "v3"],
                cf.expect_v3.as_deref().or(cf.expect.as_deref()),
            ),
        ];
        for (label, helm, compat, expect) in runs {
            let want = run(&home, helm, case, &[], &cf.args);
            if let Some(broken) = check_expect(&format!("{id} [{label}]"), expect, &want) {
                failures.push(broken);
                continue;
            }
            let got = run(&home, Tool::Rudder, case, compat, &cf.args);
            let d = compare(&want, &got);
            match (&cf.known_difference, d.is_empty()) {
                (None, false) => failures.push(format!("=== {id} [{label}] {about}\n{d}")),
                (Some(why), true) => failures.push(format!(
                    "=== {id} [{label}] now matches helm: remove its known_difference ({why})"
                )),
                (Some(why), false) => eprintln!("known difference {id} [{label}]: {why}\n{d}"),
                (None, true) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} runs of family {name} differ from helm:\n\n{}",
        failures.len(),
        cases.len() * 2,
        failures.join("\n")
    );
}

#[test]
fn every_family_has_a_test() {
    let on_disk: Vec<String> = subdirs(&corpus_dir())
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut listed: Vec<String> = FAMILIES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "corpus families on disk vs FAMILIES");
}

#[test]
fn diff_shows_changed_lines() {
    let d = diff(b"a\nb\nc\n", b"a\nx\nc");
    assert!(d.contains("- \"b\"") && d.contains("+ \"x\""), "{d}");
    assert!(d.contains("(no newline at end)"), "{d}");
}

macro_rules! families {
    ($($f:ident),* $(,)?) => {
        $(
            #[test]
            fn $f() {
                family(stringify!($f));
            }
        )*
    };
}

families!(
    strings,
    lists,
    dicts,
    defaults,
    math,
    conversions,
    regex,
    paths,
    reflection,
    semver,
    dates,
    encoding,
    crypto,
    builtins,
    helmfuncs,
    serialization,
    objects,
    scoping,
    subcharts,
    numbers,
    whitespace,
    manifest,
    errors,
    compat,
);
