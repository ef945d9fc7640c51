//! Running the same command with helm and rudder and comparing stdout,
//! stderr and exit status byte for byte.

use std::sync::LazyLock;

use regex::Regex;

use crate::harness::{Out, Tool};

use super::matrix::Matrix;

/// How to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Norm {
    /// Byte for byte.
    #[default]
    Exact,
    /// Output that shows live cluster state (`status`): see
    /// [`normalize_live`]. A mismatch is retried, as the two commands ran
    /// moments apart while other tests change the cluster.
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
    let mut last = None;
    let attempts = if norm == Norm::Live { 3 } else { 1 };
    for attempt in 0..attempts {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_secs(1));
        }
        let helm = m.helm.run_with_env(args, env);
        let mut rargs: Vec<String> = Vec::new();
        if m.major == 3 {
            rargs.extend(["--compat".to_string(), "v3".to_string()]);
        }
        rargs.extend(args.iter().cloned());
        let rudder = Tool::Rudder.run_with_env(&rargs, env);
        match diff(&helm, &rudder, norm) {
            None => return None,
            Some(d) => last = Some(d),
        }
    }
    last
}

fn diff(helm: &Out, rudder: &Out, norm: Norm) -> Option<String> {
    let hs = normalize(&rename(&helm.stdout), norm);
    let rs = normalize(&rudder.stdout, norm);
    let he = rename(&helm.stderr);
    let mut problems = Vec::new();
    if hs != rs {
        problems.push(format!("stdout differs:\n{}", first_difference(&hs, &rs)));
    }
    if he != rudder.stderr {
        problems.push(format!(
            "stderr differs:\n{}",
            first_difference(&he, &rudder.stderr)
        ));
    }
    if helm.code() != rudder.code() {
        problems.push(format!(
            "exit status: helm {} rudder {}",
            helm.code(),
            rudder.code()
        ));
    }
    (!problems.is_empty()).then(|| format!("{}\n{}", rudder.cmd, problems.join("\n")))
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

/// Builds a case compared with [`Norm::ResourceBlocks`].
pub fn status_case(args: &[&str]) -> (Vec<String>, Norm) {
    (args.iter().map(|s| s.to_string()).collect(), Norm::Live)
}

#[cfg(test)]
mod tests {
    use super::{normalize_live, sort_resource_blocks};

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
