//! Running the same command with helm and rudder and comparing stdout,
//! stderr and exit status byte for byte.
//!
//! Two things are not helm's and are accounted for, never ignored:
//! - Live state (`status` shows live objects) moves by itself between two
//!   commands. Only the live fields may differ, and only when helm itself
//!   saw them change: see [`agree`].
//! - rudder names stuck releases on stderr (a documented addition). The
//!   matrix's stuck records are aged hours past the grace once, up front
//!   ([`stuck_releases`]), so the notices are always due; each comparison
//!   then expects exactly the notices for the stuck releases the command
//!   shows, and everything else on stderr must be helm's, byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::sync::{LazyLock, OnceLock};

use base64::Engine as _;
use regex::Regex;
use serde_json::Value;

use crate::harness::{Out, Tool, block_on, cluster};

use super::matrix::Matrix;

/// How to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Norm {
    /// Byte for byte.
    #[default]
    Exact,
    /// Output that shows live cluster state (`status`): see
    /// [`normalize_live`] and [`agree`].
    Live,
}

/// The program name differs in usage messages; everything else must not.
fn rename(s: &str) -> String {
    s.replace("\"helm ", "\"rudder ")
        .replace("Usage:  helm ", "Usage:  rudder ")
}

fn normalize(s: &str, norm: Norm) -> String {
    match norm {
        Norm::Exact => s.to_string(),
        Norm::Live => normalize_live(s),
    }
}

/// What may legitimately differ between two reads of live state a moment
/// apart, and only that:
/// - the order of status RESOURCES blocks, which helm prints in Go map order
///   (random): compared as a set;
/// - the AGE column of server-rendered tables, computed by the server at
///   each request;
/// - the `resourceVersion` of the related-pods list, which is the cluster's
///   global revision at the time of the request.
pub fn normalize_live(s: &str) -> String {
    static LIST_RV_JSON: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""kind":"PodList","metadata":\{"resourceVersion":"\d+"\}"#).expect("regex")
    });
    static LIST_RV_YAML: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(kind: PodList\n\s*metadata:\n\s*resourceVersion: )"\d+""#).expect("regex")
    });
    static AGE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\s)(\d+[smhdy])+$").expect("regex"));
    let s = LIST_RV_JSON.replace_all(
        s,
        r#""kind":"PodList","metadata":{"resourceVersion":"<rv>"}"#,
    );
    let s = LIST_RV_YAML.replace_all(&s, r#"${1}"<rv>""#);
    let s = sort_resource_blocks(&s);
    // Mask a trailing age in the RESOURCES section's table rows.
    let Some(start) = s.find("RESOURCES:\n") else {
        return s;
    };
    let end = s[start..]
        .find("\nTEST SUITE:")
        .map_or(s.len(), |i| start + i);
    let body: Vec<String> = s[start..end]
        .split('\n')
        .map(|line| {
            if line.starts_with("==> ") {
                line.to_string()
            } else {
                AGE.replace(line, "${1}<age>").into_owned()
            }
        })
        .collect();
    format!("{}{}{}", &s[..start], body.join("\n"), &s[end..])
}

/// Sorts the `==> kind` blocks of a RESOURCES section.
fn sort_resource_blocks(s: &str) -> String {
    let Some(start) = s.find("RESOURCES:\n") else {
        return s.to_string();
    };
    let body_start = start + "RESOURCES:\n".len();
    let end = s[body_start..]
        .find("\nTEST SUITE:")
        .map(|i| body_start + i)
        .unwrap_or(s.len());
    let mut blocks: Vec<&str> = s[body_start..end].split_inclusive("\n\n").collect();
    blocks.sort_unstable();
    format!("{}{}{}", &s[..body_start], blocks.concat(), &s[end..])
}

/// One comparison's outcome: `None` when equal.
pub fn compare(m: &Matrix, args: &[String], env: &[(&str, &str)], norm: Norm) -> Option<String> {
    let mut rargs: Vec<String> = Vec::new();
    if m.major == 3 {
        rargs.extend(["--compat".to_string(), "v3".to_string()]);
    }
    rargs.extend(args.iter().cloned());
    let stuck = stuck_releases(m);
    let warns = warns_stuck(args);
    agree(
        &|| m.helm.run_with_env(args, env),
        &|| Tool::Rudder.run_with_env(&rargs, env),
        norm,
        &|helm: &Out, rudder: &Out| {
            let expected = if warns {
                shown(&helm.stdout, stuck)
            } else {
                BTreeSet::new()
            };
            same_stderr_and_status(helm, rudder, &expected)
        },
    )
}

/// How many times a live comparison runs both tools at most.
const LIVE_ATTEMPTS: usize = 4;

/// Runs helm, then rudder, and compares them: first `rest` (stderr and exit
/// status, say), which is never retried, then stdout.
///
/// With [`Norm::Exact`] one run each, byte for byte. With [`Norm::Live`]
/// the output shows live objects, which change by themselves between two
/// commands, so:
/// - a difference outside the live fields ([`mask_live`]) fails at once;
/// - otherwise helm runs again: if rudder agrees with that second read, the
///   state moved and both saw it; if helm read the same thing twice and
///   rudder something else, rudder is wrong, and that fails at once;
/// - only when helm's own two reads differ (the state is moving) do both
///   tools run again, a few times at most.
///
/// So rudder's output is only ever accepted when it equals what helm
/// printed around the same moment.
pub fn agree(
    helm: &dyn Fn() -> Out,
    rudder: &dyn Fn() -> Out,
    norm: Norm,
    rest: &dyn Fn(&Out, &Out) -> Option<String>,
) -> Option<String> {
    let attempts = if norm == Norm::Live { LIVE_ATTEMPTS } else { 1 };
    let mut last = String::new();
    for attempt in 0..attempts {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(700));
        }
        let h = helm();
        let r = rudder();
        if let Some(d) = rest(&h, &r) {
            return Some(format!("{}\n{d}", r.cmd));
        }
        let hs = normalize(&rename(&h.stdout), norm);
        let rs = normalize(&r.stdout, norm);
        if hs == rs {
            return None;
        }
        let difference = format!("{}\nstdout differs:\n{}", r.cmd, first_difference(&hs, &rs));
        if norm == Norm::Exact {
            return Some(difference);
        }
        if mask_live(&hs) != mask_live(&rs) {
            return Some(format!(
                "{difference}\n(outside the live fields: not retried)"
            ));
        }
        let h2 = normalize(&rename(&helm().stdout), norm);
        if h2 == rs {
            return None;
        }
        if h2 == hs {
            return Some(format!(
                "{difference}\n(helm read the same live state twice, rudder another: not retried)"
            ));
        }
        last = format!("{difference}\n(live state still moving after {LIVE_ATTEMPTS} attempts)");
    }
    Some(last)
}

/// stderr must be helm's plus exactly the expected stuck notices, and the
/// exit status helm's.
fn same_stderr_and_status(helm: &Out, rudder: &Out, expected: &BTreeSet<String>) -> Option<String> {
    let he = rename(&helm.stderr);
    let (re, noted) = split_notices(&rudder.stderr);
    let mut problems = Vec::new();
    if he != re {
        problems.push(format!("stderr differs:\n{}", first_difference(&he, &re)));
    }
    if &noted != expected {
        problems.push(format!(
            "stuck notices: expected for {expected:?}, rudder gave them for {noted:?}\n{}",
            rudder.stderr
        ));
    }
    if helm.code() != rudder.code() {
        problems.push(format!(
            "exit status: helm {} rudder {}",
            helm.code(),
            rudder.code()
        ));
    }
    (!problems.is_empty()).then(|| problems.join("\n"))
}

/// Everything that can be live in a `status` output, masked: the RESOURCES
/// section of a table, `info.resources` of JSON and YAML. Two outputs that
/// differ after this differ in something live state cannot explain.
pub fn mask_live(s: &str) -> String {
    if let Some(start) = s.find("RESOURCES:\n") {
        let body = start + "RESOURCES:\n".len();
        let end = s[body..]
            .find("\nTEST SUITE:")
            .map_or(s.len(), |i| body + i);
        return format!("{}<live>{}", &s[..body], &s[end..]);
    }
    if let Ok(mut v) = serde_json::from_str::<Value>(s) {
        if let Some(info) = v.get_mut("info").and_then(Value::as_object_mut) {
            info.remove("resources");
        }
        return v.to_string();
    }
    // YAML: `info:` holds `  resources:` and its deeper-indented lines.
    let mut out = String::new();
    let mut skipping = false;
    for line in s.split_inclusive('\n') {
        if skipping {
            if line.starts_with("   ") || line.starts_with("  - ") {
                continue;
            }
            skipping = false;
        }
        if line == "  resources:\n" {
            skipping = true;
            out.push_str("  resources: <live>\n");
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Whether rudder names stuck releases for this command: `list`, and
/// `status` of the newest revision (README, "Stuck releases"). A listing
/// of `--superseded` alone shows no newest revisions (helm skips its
/// latest-revision filter then), so no stuck one either.
fn warns_stuck(args: &[String]) -> bool {
    const STATES: [&str; 7] = [
        "--deployed",
        "--failed",
        "--pending",
        "--uninstalled",
        "--uninstalling",
        "-a",
        "--all",
    ];
    match args.first().map(String::as_str) {
        Some("list" | "ls") => {
            !args.iter().any(|a| a == "--superseded")
                || args.iter().any(|a| STATES.contains(&a.as_str()))
        }
        Some("status") => !args
            .windows(2)
            .any(|w| w[0] == "--revision" && w[1].parse::<i64>().is_ok_and(|n| n > 0)),
        _ => false,
    }
}

/// The stuck releases that `stdout` (helm's) shows, by name.
fn shown(stdout: &str, stuck: &BTreeSet<String>) -> BTreeSet<String> {
    static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new("\x1b\\[[0-9;]*m").expect("regex"));
    let plain = ANSI.replace_all(stdout, " ");
    let words: BTreeSet<&str> = plain
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        .collect();
    stuck
        .iter()
        .filter(|name| words.contains(name.as_str()))
        .cloned()
        .collect()
}

/// Splits rudder's stderr into the stuck notices (by release name) and
/// everything else.
pub fn split_notices(stderr: &str) -> (String, BTreeSet<String>) {
    static NOTICE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^warning: release "([^"]+)" in namespace "[^"]+" looks stuck in (pending-install|pending-upgrade|pending-rollback|uninstalling) \(.+\); "rudder recover ([^"]+)" brings it back$"#)
            .expect("regex")
    });
    let mut rest = String::new();
    let mut noted = BTreeSet::new();
    for line in stderr.split_inclusive('\n') {
        match NOTICE.captures(line.trim_end_matches('\n')) {
            // A release named twice is a difference too: the set would hide
            // it, so the second one stays in the rest.
            Some(c) if c[1] == c[3] && noted.insert(c[1].to_string()) => {}
            _ => rest.push_str(line),
        }
    }
    (rest, noted)
}

/// How far back the stuck records are moved: far past any grace.
const AGE_HOURS: i64 = 6;

/// The matrix's stuck releases (newest revision `pending-*` or
/// `uninstalling`), found from the records themselves. On first use their
/// newest records are aged [`AGE_HOURS`] hours (times in the body, the
/// `createdAt`/`modifiedAt` labels), so they are past any grace whenever a
/// test reads them and the stuck notices are part of the expected outcome
/// from the start, not five minutes into the run.
pub fn stuck_releases(m: &Matrix) -> &'static BTreeSet<String> {
    static V3: OnceLock<BTreeSet<String>> = OnceLock::new();
    static V4: OnceLock<BTreeSet<String>> = OnceLock::new();
    let cell = if m.major == 3 { &V3 } else { &V4 };
    cell.get_or_init(|| {
        let mut stuck = BTreeSet::new();
        for (ns, plural) in [
            (&m.ns.name, "secrets"),
            (&m.other.name, "secrets"),
            (&m.cm.name, "configmaps"),
        ] {
            stuck.extend(age_stuck_records(ns, plural));
        }
        stuck
    })
}

/// Ages the newest record of every stuck release in one namespace and
/// storage kind; returns those releases' names.
pub fn age_stuck_records(ns: &str, plural: &str) -> Vec<String> {
    block_on(async {
        let client = cluster().admin().await;
        let path = format!("/api/v1/namespaces/{ns}/{plural}");
        let req = http::Request::get(format!("{path}?labelSelector=owner%3Dhelm"))
            .body(Vec::new())
            .expect("request");
        let list: Value = client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("list {plural} in {ns}: {e}"));
        let mut newest: BTreeMap<String, (i64, Value)> = BTreeMap::new();
        for item in list["items"].as_array().cloned().unwrap_or_default() {
            let labels = &item["metadata"]["labels"];
            let name = labels["name"].as_str().unwrap_or_default().to_string();
            let version: i64 = labels["version"]
                .as_str()
                .and_then(|v| v.parse().ok())
                .unwrap_or_default();
            if newest.get(&name).is_none_or(|(v, _)| *v < version) {
                newest.insert(name, (version, item));
            }
        }
        let mut stuck = Vec::new();
        for (name, (_, mut item)) in newest {
            let status = item["metadata"]["labels"]["status"]
                .as_str()
                .unwrap_or_default();
            if !(status.starts_with("pending-") || status == "uninstalling") {
                continue;
            }
            let secret = plural == "secrets";
            let stored = item["data"]["release"].as_str().unwrap_or_default();
            let text = if secret {
                base64::engine::general_purpose::STANDARD
                    .decode(stored)
                    .expect("secret data")
            } else {
                stored.as_bytes().to_vec()
            };
            let aged = age_record(&text);
            item["data"]["release"] = Value::String(if secret {
                base64::engine::general_purpose::STANDARD.encode(&aged)
            } else {
                String::from_utf8(aged).expect("base64 text")
            });
            if let Some(labels) = item["metadata"]["labels"].as_object_mut() {
                for key in ["createdAt", "modifiedAt"] {
                    if let Some(t) = labels
                        .get(key)
                        .and_then(Value::as_str)
                        .and_then(|t| t.parse::<i64>().ok())
                    {
                        labels.insert(
                            key.to_string(),
                            Value::String((t - AGE_HOURS * 3600).to_string()),
                        );
                    }
                }
            }
            // A listed item carries no kind of its own.
            item["apiVersion"] = Value::String("v1".into());
            item["kind"] = Value::String(if secret { "Secret" } else { "ConfigMap" }.into());
            let key = item["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            // The PUT carries the resourceVersion read: nothing else may
            // have changed the record meanwhile.
            let req = http::Request::put(format!("{path}/{key}"))
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(&item).expect("json"))
                .expect("request");
            client
                .request::<Value>(req)
                .await
                .unwrap_or_else(|e| panic!("age {key}: {e}"));
            stuck.push(name);
        }
        stuck
    })
}

/// A helm record (base64 of gzipped JSON) with every time in it moved
/// [`AGE_HOURS`] back. Only the digits of the date and time change: the
/// JSON keeps helm's bytes otherwise (fraction, offset, member order).
pub fn age_record(text: &[u8]) -> Vec<u8> {
    static TIME: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""(first_deployed|last_deployed|deleted|started_at|completed_at)":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})"#)
            .expect("regex")
    });
    let engine = base64::engine::general_purpose::STANDARD;
    let gz = engine.decode(text).expect("record base64");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut json)
        .expect("record gzip");
    let aged = TIME.replace_all(&json, |c: &regex::Captures| {
        let t: jiff::civil::DateTime = c[2].parse().expect("record time");
        let t = t
            .checked_sub(jiff::Span::new().hours(AGE_HOURS))
            .expect("time arithmetic");
        format!("\"{}\":\"{}", &c[1], t.strftime("%Y-%m-%dT%H:%M:%S"))
    });
    assert_ne!(aged, json, "a record without times");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(aged.as_bytes()).expect("gzip");
    engine.encode(enc.finish().expect("gzip")).into_bytes()
}

fn first_difference(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    for i in 0..al.len().max(bl.len()) {
        let x = al.get(i).copied();
        let y = bl.get(i).copied();
        if x != y {
            return format!(
                "  line {}:\n    helm:   {:?}\n    rudder: {:?}",
                i + 1,
                x.map(|s| s.chars().take(300).collect::<String>()),
                y.map(|s| s.chars().take(300).collect::<String>())
            );
        }
    }
    format!(
        "  (same lines, different bytes: trailing newline?) helm {} bytes, rudder {} bytes",
        a.len(),
        b.len()
    )
}

/// Runs every case against one matrix and fails with all mismatches at
/// once.
pub fn check_all(m: &Matrix, cases: &[(Vec<String>, Norm)], env: &[(&str, &str)]) {
    // The commands wait on the API server more than on the CPU: run a few
    // at once.
    let chunk = cases.len().div_ceil(4).max(1);
    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .filter_map(|(args, norm)| compare(m, args, env, *norm))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("comparison thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} commands differ from helm v{}:\n\n{}",
        failures.len(),
        cases.len(),
        m.major,
        failures.join("\n\n")
    );
}

/// Builds a case from a command line.
pub fn case(args: &[&str]) -> (Vec<String>, Norm) {
    (args.iter().map(|s| s.to_string()).collect(), Norm::Exact)
}

/// Builds a case that shows live state, compared with [`Norm::Live`].
pub fn status_case(args: &[&str]) -> (Vec<String>, Norm) {
    (args.iter().map(|s| s.to_string()).collect(), Norm::Live)
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeSet;
    use std::os::unix::process::ExitStatusExt as _;
    use std::process::ExitStatus;

    use super::{
        Norm, agree, mask_live, normalize_live, same_stderr_and_status, shown,
        sort_resource_blocks, split_notices, warns_stuck,
    };
    use crate::harness::Out;

    fn out(stdout: &str, stderr: &str, code: i32) -> Out {
        Out {
            cmd: "test".into(),
            stdout: stdout.into(),
            stderr: stderr.into(),
            status: ExitStatus::from_raw(code << 8),
        }
    }

    /// A tool that prints each of `outputs` in turn (the last one again
    /// when they run out), counting its runs.
    struct Script {
        outputs: Vec<&'static str>,
        runs: Cell<usize>,
    }

    impl Script {
        fn new(outputs: &[&'static str]) -> Script {
            Script {
                outputs: outputs.to_vec(),
                runs: Cell::new(0),
            }
        }
        fn run(&self) -> Out {
            let i = self.runs.get();
            self.runs.set(i + 1);
            out(self.outputs[i.min(self.outputs.len() - 1)], "", 0)
        }
    }

    fn nothing_else(_: &Out, _: &Out) -> Option<String> {
        None
    }

    const LIVE_A: &str = "NAME: x\nRESOURCES:\n==> v1/Pod(related)\nNAME   READY   AGE\np      0/1     1s\n\n\nTEST SUITE: None\n";
    const LIVE_B: &str = "NAME: x\nRESOURCES:\n==> v1/Pod(related)\nNAME   READY   AGE\np      1/1     2s\n\n\nTEST SUITE: None\n";

    #[test]
    fn a_difference_outside_the_live_fields_fails_at_once() {
        let helm = Script::new(&[LIVE_A]);
        // rudder would be right the second time: that must not count.
        let rudder = Script::new(&["NAME: y\nRESOURCES:\n<x>\nTEST SUITE: None\n", LIVE_A]);
        let d = agree(&|| helm.run(), &|| rudder.run(), Norm::Live, &nothing_else);
        assert!(d.is_some_and(|d| d.contains("outside the live fields")));
        assert_eq!(rudder.runs.get(), 1);
    }

    #[test]
    fn a_rudder_only_live_difference_fails_at_once() {
        // helm reads the same state twice; rudder reads another.
        let helm = Script::new(&[LIVE_A]);
        let rudder = Script::new(&[LIVE_B, LIVE_A]);
        let d = agree(&|| helm.run(), &|| rudder.run(), Norm::Live, &nothing_else);
        assert!(d.is_some_and(|d| d.contains("helm read the same live state twice")));
        assert_eq!(rudder.runs.get(), 1);
    }

    #[test]
    fn moving_live_state_is_retried_and_must_end_in_agreement() {
        // The pod became ready between helm's first read and rudder's.
        let helm = Script::new(&[LIVE_A, LIVE_B]);
        let rudder = Script::new(&[LIVE_B]);
        assert_eq!(
            agree(&|| helm.run(), &|| rudder.run(), Norm::Live, &nothing_else),
            None
        );
        // Never settling: it fails after the attempts.
        let flip = RefCell::new(0);
        let helm = || {
            *flip.borrow_mut() += 1;
            out(
                if *flip.borrow() % 2 == 0 {
                    LIVE_A
                } else {
                    LIVE_B
                },
                "",
                0,
            )
        };
        let rudder = Script::new(&[
            "NAME: x\nRESOURCES:\n==> v1/Pod(related)\nNAME   READY   AGE\np      2/2     1s\n\n\nTEST SUITE: None\n",
        ]);
        let d = agree(&helm, &|| rudder.run(), Norm::Live, &nothing_else);
        assert!(d.is_some_and(|d| d.contains("still moving")));
        // Exact output is never retried.
        let helm = Script::new(&["a\n"]);
        let rudder = Script::new(&["b\n", "a\n"]);
        assert!(agree(&|| helm.run(), &|| rudder.run(), Norm::Exact, &nothing_else).is_some());
        assert_eq!(rudder.runs.get(), 1);
    }

    #[test]
    fn stderr_and_status_are_never_retried() {
        let helm = Script::new(&[LIVE_A]);
        let rudder = Script::new(&[LIVE_A]);
        let d = agree(&|| helm.run(), &|| rudder.run(), Norm::Live, &|_, _| {
            Some("stderr differs".into())
        });
        assert!(d.is_some());
        assert_eq!(rudder.runs.get(), 1);
    }

    #[test]
    fn mask_live_hides_only_live_sections() {
        assert_eq!(mask_live(LIVE_A), mask_live(LIVE_B));
        assert_ne!(
            mask_live(LIVE_A),
            mask_live(&LIVE_B.replace("NAME: x", "NAME: y"))
        );
        let j = |ready: &str, name: &str| {
            format!(
                "{{\"name\":\"{name}\",\"info\":{{\"status\":\"deployed\",\"resources\":{{\"v1/Pod\":[{{\"ready\":\"{ready}\"}}]}}}}}}\n"
            )
        };
        assert_eq!(mask_live(&j("0/1", "x")), mask_live(&j("1/1", "x")));
        assert_ne!(mask_live(&j("0/1", "x")), mask_live(&j("0/1", "y")));
        let y = |ready: &str, status: &str| {
            format!(
                "info:\n  description: d\n  resources:\n    v1/Pod:\n    - ready: {ready}\n  status: {status}\nname: x\n"
            )
        };
        assert_eq!(
            mask_live(&y("0/1", "deployed")),
            mask_live(&y("1/1", "deployed"))
        );
        assert_ne!(
            mask_live(&y("0/1", "deployed")),
            mask_live(&y("0/1", "failed"))
        );
    }

    const NOTE_P: &str = "warning: release \"c4-pending\" in namespace \"ns\" looks stuck in pending-install (no operation holds its lock and its record has not changed for 6h0m1s); \"rudder recover c4-pending\" brings it back\n";

    #[test]
    fn stuck_notices_must_be_exactly_the_expected_ones() {
        let stuck: BTreeSet<String> = ["c4-pending".to_string(), "c4-pendup".to_string()].into();
        let listing = "NAME\tNAMESPACE\nc4-pending\tns\nc4-web\tns\n";
        let expected = shown(listing, &stuck);
        assert_eq!(expected, ["c4-pending".to_string()].into());
        let helm = out(listing, "", 0);
        assert_eq!(
            same_stderr_and_status(&helm, &out(listing, NOTE_P, 0), &expected),
            None
        );
        // Missing, doubled, or for a release not shown: all differences.
        assert!(same_stderr_and_status(&helm, &out(listing, "", 0), &expected).is_some());
        let twice = format!("{NOTE_P}{NOTE_P}");
        assert!(same_stderr_and_status(&helm, &out(listing, &twice, 0), &expected).is_some());
        let other = NOTE_P.replace("c4-pending", "c4-pendup");
        assert!(same_stderr_and_status(&helm, &out(listing, &other, 0), &expected).is_some());
        // Anything else on stderr still counts.
        let extra = format!("{NOTE_P}Error: boom\n");
        assert!(same_stderr_and_status(&helm, &out(listing, &extra, 0), &expected).is_some());
        assert!(same_stderr_and_status(&helm, &out(listing, NOTE_P, 1), &expected).is_some());
        let (rest, noted) = split_notices(&extra);
        assert_eq!(rest, "Error: boom\n");
        assert_eq!(noted.len(), 1);
        // Names are whole words of the output.
        assert!(shown("c4-pending-not\n", &stuck).is_empty());
        assert_eq!(shown("\x1b[0mc4-pendup\x1b[0m\n", &stuck).len(), 1);
        // Which commands warn.
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(warns_stuck(&args(&["list", "-A"])));
        assert!(warns_stuck(&args(&["status", "x", "--revision", "0"])));
        assert!(!warns_stuck(&args(&["status", "x", "--revision", "2"])));
        assert!(!warns_stuck(&args(&["history", "x"])));
        assert!(!warns_stuck(&args(&["list", "--superseded", "-o", "json"])));
        assert!(warns_stuck(&args(&["list", "--superseded", "--pending"])));
    }

    #[test]
    fn live_state_normalizes_only_what_changes_by_itself() {
        let a = "NAME: x\nRESOURCES:\n==> v1/Pod(related)\nNAME   READY   AGE\np      1/1     81s\n\n\nTEST SUITE: None\n";
        let b = a.replace("81s", "2m1s");
        assert_eq!(normalize_live(a), normalize_live(&b));
        let c = a.replace("1/1", "0/1");
        assert_ne!(
            normalize_live(a),
            normalize_live(&c),
            "anything but the age still counts"
        );
        let j1 = r#"{"v1/Pod(related)":[{"items":[],"kind":"PodList","metadata":{"resourceVersion":"554"}}]}"#;
        assert_eq!(
            normalize_live(j1),
            normalize_live(&j1.replace("554", "559"))
        );
        let y1 = "    kind: PodList\n    metadata:\n      resourceVersion: \"554\"\n";
        assert_eq!(normalize_live(y1), normalize_live(&y1.replace("554", "9")));
    }

    #[test]
    fn resource_blocks_compare_as_a_set() {
        let a = "NAME: x\nRESOURCES:\n==> v1/B\nb\n\n==> v1/A\na\n\n\nTEST SUITE: None\n";
        let b = "NAME: x\nRESOURCES:\n==> v1/A\na\n\n==> v1/B\nb\n\n\nTEST SUITE: None\n";
        assert_eq!(sort_resource_blocks(a), sort_resource_blocks(b));
    }
}
