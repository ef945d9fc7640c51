//! Compatibility with real helm: for every read command, format and flag,
//! rudder's stdout, stderr and exit status must equal helm's, on releases
//! that helm v3 and helm v4 themselves made (the [`matrix`]). rudder is run
//! as-is against helm v4 and with `--compat v3` against helm v3.

pub mod check;
pub mod matrix;
mod records;
mod roundtrip;

use std::collections::BTreeSet;

use check::{case, check_all, split_notices, status_case, stuck_releases};
use matrix::{Matrix, both};

use crate::harness::Tool;

/// Every release base name in a matrix.
const RELEASES: [&str; 12] = [
    "web", "failed", "hooks", "gone", "many", "labels", "tricky", "umbrella", "rolled", "berlin",
    "pending", "pendup",
];

fn ns_args(m: &Matrix) -> [String; 2] {
    ["-n".to_string(), m.ns.name.clone()]
}

fn with_ns(m: &Matrix, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(ns_args(m));
    v
}

#[test]
fn list_matches_helm_for_every_flag() {
    for m in both() {
        let f = m.filter();
        let ns = m.ns.name.as_str();
        let mut cases = vec![];
        for fmt in ["table", "json", "yaml"] {
            for flags in [
                &[][..],
                &["--deployed"],
                &["--failed"],
                &["--pending"],
                &["--superseded"],
                &["--uninstalled"],
                &["--uninstalling"],
                &["--deployed", "--failed"],
                &["-a"],
                &["-q"],
                &["--no-headers"],
                &["-d"],
                &["-r"],
                &["-d", "-r"],
                &["-m", "3"],
                &["-m", "3", "--offset", "2"],
                &["--offset", "100"],
                &["-m", "0"],
                &["-f", "w.b"],
                &["-f", "^c.-(web|many)$"],
                &["-l", "team=a"],
                &["-l", "status!=deployed"],
                &["-l", "name in (c3-web,c4-web,c3-many,c4-many)"],
                &["-l", "tier"],
                &["-l", "!tier"],
                &["--time-format", "2006-01-02 15:04"],
                &["--time-format", "Mon, 02 Jan 2006 15:04:05.000 MST"],
            ] {
                if m.major == 4 && flags == ["-a"] {
                    continue; // helm v4 has no -a
                }
                // Which releases are listed, and in what order, does not
                // depend on the format: json and yaml get the flags that
                // change what a row holds (statuses, times) or how a list
                // is written (names only, headers, an empty list); the
                // table gets every flag.
                let rows_only = matches!(
                    flags.first().copied(),
                    Some("--deployed" | "--failed" | "-d" | "-r" | "-f" | "-l")
                ) || flags == ["-m", "3"]
                    || flags == ["-m", "3", "--offset", "2"];
                if fmt != "table" && rows_only {
                    continue;
                }
                let mut args = vec!["list", "-n", ns, "-o", fmt];
                args.extend_from_slice(flags);
                cases.push(case(&args));
                // Across namespaces, restricted to this matrix's releases
                // (other tests add releases concurrently). Every flag in
                // the table format, and the plain listing in the others:
                // the formats render the same rows whatever was listed,
                // and each `-A` run has helm decode every record in the
                // cluster (0.8 s of CPU for helm v4 late in the suite).
                if !flags.contains(&"-f") && (fmt == "table" || flags.is_empty()) {
                    let mut args = vec!["list", "-A", "-f", &f, "-o", fmt];
                    args.extend_from_slice(flags);
                    cases.push(case(&args));
                }
            }
        }
        cases.push(case(&["list", "-n", ns, "-q", "--no-headers"]));
        if m.major == 4 {
            // helm v4 colours tables on request (and never when piped).
            for color in [
                &["--color", "always"][..],
                &["--colour=always"],
                &["--color", "never"],
                &["--color", "auto"],
            ] {
                let mut args = vec!["list", "-n", ns];
                args.extend_from_slice(color);
                cases.push(case(&args));
            }
            let mut args = vec!["list", "-n", ns];
            args.extend_from_slice(&["-o", "json", "--color", "always"]);
            cases.push(case(&args));
        }
        cases.push(case(&["list", "-n", &m.other.name]));
        cases.push(case(&["ls", "-n", ns, "--max", "2", "--reverse"]));
        check_all(m, &cases, &[]);
    }
}

#[test]
fn list_times_match_helm_in_other_time_zones() {
    for m in both() {
        let ns = m.ns.name.as_str();
        let cases = [
            case(&["list", "-n", ns]),
            case(&["list", "-n", ns, "-o", "json"]),
            case(&[
                "list",
                "-n",
                ns,
                "--time-format",
                "2006-01-02T15:04:05Z07:00 MST",
            ]),
            case(&["history", &m.name("berlin"), "-n", ns]),
            status_case(&["status", &m.name("berlin"), "-n", ns, "-o", "json"]),
            case(&["get", "metadata", &m.name("berlin"), "-n", ns]),
        ];
        for tz in ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"] {
            check_all(m, &cases, &[("TZ", tz)]);
        }
    }
}

#[test]
fn history_matches_helm() {
    for m in both() {
        let mut cases = vec![];
        for r in RELEASES {
            let name = m.name(r);
            for fmt in ["table", "json", "yaml"] {
                cases.push(case(
                    &with_ns(m, &["history", &name, "-o", fmt])
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                ));
            }
        }
        let many = m.name("many");
        for max in ["1", "3", "10", "0", "-1", "300"] {
            cases.push(case(
                &with_ns(m, &["history", &many, "--max", max])
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ));
        }
        cases.push(case(
            &with_ns(m, &["hist", &many, "-o", "json", "--max", "12"])
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        ));
        check_all(m, &cases, &[]);
    }
}

#[test]
fn status_matches_helm() {
    for m in both() {
        let mut cases = vec![];
        for r in RELEASES {
            let name = m.name(r);
            for fmt in ["table", "json", "yaml"] {
                let args = with_ns(m, &["status", &name, "-o", fmt]);
                cases.push(status_case(
                    &args.iter().map(String::as_str).collect::<Vec<_>>(),
                ));
            }
        }
        for (r, rev) in [
            ("web", "1"),
            ("many", "9"),
            ("many", "10"),
            ("many", "0"),
            ("many", "-1"),
            ("rolled", "2"),
        ] {
            let args = with_ns(m, &["status", &m.name(r), "--revision", rev]);
            cases.push(status_case(
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
            ));
        }
        if m.major == 3 {
            for flags in [
                &["--show-desc"][..],
                &["--show-resources"],
                &["--show-desc", "--show-resources"],
            ] {
                for r in ["web", "hooks"] {
                    let mut args = with_ns(m, &["status", &m.name(r)]);
                    args.extend(flags.iter().map(|s| s.to_string()));
                    cases.push(status_case(
                        &args.iter().map(String::as_str).collect::<Vec<_>>(),
                    ));
                    args.extend(["-o".into(), "json".into()]);
                    cases.push(status_case(
                        &args.iter().map(String::as_str).collect::<Vec<_>>(),
                    ));
                }
            }
        }
        check_all(m, &cases, &[]);
    }
}

#[test]
fn get_matches_helm() {
    for m in both() {
        let mut cases = vec![];
        for r in RELEASES {
            let name = m.name(r);
            let mut add = |a: &[&str]| {
                let mut args = vec!["get"];
                args.extend_from_slice(a);
                args.push(&name);
                cases.push(case(
                    &with_ns(m, &args)
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                ));
            };
            add(&["all"]);
            add(&["manifest"]);
            add(&["notes"]);
            add(&["hooks"]);
            for fmt in ["table", "json", "yaml"] {
                add(&["values", "-o", fmt]);
                add(&["values", "-a", "-o", fmt]);
                add(&["metadata", "-o", fmt]);
            }
        }
        for (r, rev) in [
            ("web", "1"),
            ("many", "9"),
            ("many", "10"),
            ("rolled", "1"),
            ("labels", "1"),
        ] {
            let name = m.name(r);
            for sub in [
                &["all"][..],
                &["values"],
                &["values", "--all"],
                &["manifest"],
                &["notes"],
                &["hooks"],
                &["metadata"],
                &["metadata", "-o", "json"],
            ] {
                let mut args = vec!["get"];
                args.extend_from_slice(sub);
                args.extend([name.as_str(), "--revision", rev]);
                cases.push(case(
                    &with_ns(m, &args)
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                ));
            }
        }
        check_all(m, &cases, &[]);
    }
}

#[test]
fn errors_match_helm() {
    for m in both() {
        let ns = m.ns.name.as_str();
        let web = m.name("web");
        let long = "a".repeat(54);
        let cases = vec![
            case(&["status", "no-such-release", "-n", ns]),
            case(&["history", "no-such-release", "-n", ns]),
            case(&["get", "values", "no-such-release", "-n", ns]),
            case(&["get", "all", "no-such-release", "-n", ns]),
            case(&["status", &web, "--revision", "99", "-n", ns]),
            case(&["get", "manifest", &web, "--revision", "99", "-n", ns]),
            case(&[
                "get",
                "metadata",
                &web,
                "--revision",
                "99",
                "-n",
                ns,
                "-o",
                "json",
            ]),
            case(&["status", "Invalid_Name", "-n", ns]),
            case(&["history", "Invalid_Name", "-n", ns]),
            case(&["get", "notes", "Invalid_Name", "-n", ns]),
            case(&["status", &long, "-n", ns]),
            case(&["history", &long, "-n", ns]),
            case(&["status", "-n", ns]),
            case(&["status", "a", "b", "-n", ns]),
            case(&["history", "-n", ns]),
            case(&["get", "values", "-n", ns]),
            case(&["list", "extra", "-n", ns]),
            // helm v4 has no -a/--all (v3 lists every state with it).
            case(&["list", "--all", "-n", ns]),
            case(&["list", "-a", "-n", ns]),
            case(&["status", &web, "-o", "xml", "-n", ns]),
            case(&["list", "-o", "xml", "-n", ns]),
            case(&["status", &web, "--revision", "abc", "-n", ns]),
            case(&["list", "-n", "namespace-that-does-not-exist"]),
            case(&["history", &web, "-n", "namespace-that-does-not-exist"]),
        ];
        check_all(m, &cases, &[]);
    }
}

#[test]
fn configmap_driver_matches_helm() {
    for m in both() {
        let ns = m.cm.name.as_str();
        let web = m.name("cmweb");
        let failed = m.name("cmfailed");
        let mut cases = vec![];
        for fmt in ["table", "json", "yaml"] {
            cases.push(case(&["list", "-n", ns, "-o", fmt]));
            cases.push(case(&["history", &web, "-n", ns, "-o", fmt]));
            cases.push(case(&["get", "values", &web, "-n", ns, "-o", fmt]));
        }
        cases.push(status_case(&["status", &web, "-n", ns]));
        cases.push(status_case(&["status", &failed, "-n", ns, "-o", "json"]));
        cases.push(case(&["get", "all", &web, "--revision", "1", "-n", ns]));
        check_all(m, &cases, &[("HELM_DRIVER", "configmap")]);
        check_all(
            m,
            &[case(&["list", "-n", ns])],
            &[("HELM_DRIVER", "configmaps")],
        );
        // With the Secret driver the namespace holds no releases.
        check_all(m, &[case(&["list", "-n", ns, "-o", "json"])], &[]);
    }
}

/// The releases the matrix leaves stuck (helm killed mid-operation) are
/// aged hours past the grace before anything compares them, so rudder's
/// stuck notices are due from the first test on and are part of every
/// expected outcome: the suite gives the same answer at minute one and at
/// minute fifty.
#[test]
fn stuck_notices_are_expected_whatever_the_clock() {
    for m in both() {
        let ns = m.ns.name.as_str();
        let stuck = stuck_releases(m);
        let made: BTreeSet<String> = ["pending", "pendup", "pendroll"]
            .iter()
            .map(|b| m.name(b))
            .collect();
        assert_eq!(stuck, &made, "the stuck releases the matrix made");
        // Their newest records are hours old now.
        let now = jiff::Timestamp::now().as_second();
        for name in stuck {
            let out = m
                .helm
                .run([
                    "history",
                    name.as_str(),
                    "-n",
                    ns,
                    "-o",
                    "json",
                    "--max",
                    "1",
                ])
                .ok();
            let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
            let updated: jiff::Timestamp = v[0]["updated"]
                .as_str()
                .expect("updated")
                .parse()
                .expect("time");
            assert!(
                now - updated.as_second() > 5 * 3600,
                "{name} was not aged: {}",
                out.stdout
            );
        }
        let compat: &[&str] = if m.major == 3 {
            &["--compat", "v3"]
        } else {
            &[]
        };
        let rudder = |args: &[&str]| {
            let mut full: Vec<&str> = compat.to_vec();
            full.extend_from_slice(args);
            Tool::Rudder.run(&full).ok()
        };
        let listing = rudder(&["list", "-n", ns, "--pending"]);
        assert_eq!(
            split_notices(&listing.stderr),
            (String::new(), made.clone())
        );
        let one = rudder(&["status", &m.name("pendup"), "-n", ns]);
        assert_eq!(
            split_notices(&one.stderr),
            (String::new(), [m.name("pendup")].into())
        );
        let none = rudder(&["status", &m.name("web"), "-n", ns]);
        assert_eq!(
            split_notices(&none.stderr),
            (String::new(), BTreeSet::new())
        );
        // And helm's answers with the notices expected.
        let pending = m.name("pending");
        let pendroll = m.name("pendroll");
        check_all(
            m,
            &[
                case(&["list", "-n", ns, "--pending"]),
                if m.major == 3 {
                    case(&["list", "-n", ns, "-a", "-o", "json"])
                } else {
                    case(&["list", "-n", ns, "-o", "json"])
                },
                case(&["list", "-n", ns, "-q", "--pending", "-m", "1"]),
                status_case(&["status", &pending, "-n", ns]),
                status_case(&["status", &pendroll, "-n", ns, "-o", "yaml"]),
                case(&["history", &pendroll, "-n", ns]),
            ],
            &[],
        );
    }
}
