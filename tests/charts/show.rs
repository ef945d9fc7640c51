//! `rudder show` and `rudder dependency list` against helm v3 and v4:
//! stdout, stderr and exit code, byte for byte, on fixture and real
//! charts and on broken input.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::Path;

use super::{fixtures_and_real, package_into, realchart};
use crate::harness::{Tool, chart};

/// Runs the same arguments through helm `tool` and rudder imitating it,
/// and asserts identical stdout, stderr and exit code.
fn same<S: AsRef<OsStr>>(tool: Tool, args: &[S]) {
    same_as(tool, args, false);
}

/// [`same`] for cobra's usage errors, which name the program: helm's
/// `helm show chart` is rudder's `rudder show chart`.
fn same_usage<S: AsRef<OsStr>>(tool: Tool, args: &[S]) {
    same_as(tool, args, true);
}

/// [`same`] for a command writing into `dest` (which must not exist):
/// helm runs first, its output is moved aside, then rudder runs.
fn same_in<S: AsRef<OsStr>>(tool: Tool, args: &[S], dest: &Path) {
    let compat = if tool == Tool::Helm3 { "v3" } else { "v4" };
    let helm = tool.run(args);
    let _ = std::fs::remove_dir_all(dest);
    let mut ours: Vec<&OsStr> = vec!["--compat".as_ref(), compat.as_ref()];
    ours.extend(args.iter().map(|a| a.as_ref()));
    let rudder = Tool::Rudder.run(&ours);
    assert_eq!(rudder.stdout, helm.stdout, "{helm}\n\nrudder: {rudder}");
    assert_eq!(rudder.stderr, helm.stderr, "{helm}\n\nrudder: {rudder}");
    assert_eq!(rudder.code(), helm.code(), "{helm}\n\nrudder: {rudder}");
}

fn same_as<S: AsRef<OsStr>>(tool: Tool, args: &[S], usage: bool) {
    let compat = if tool == Tool::Helm3 { "v3" } else { "v4" };
    let mut helm = tool.run(args);
    if usage {
        helm.stderr = helm
            .stderr
            .replace("\"helm ", "\"rudder ")
            .replace("  helm ", "  rudder ");
    }
    let mut ours: Vec<&OsStr> = vec!["--compat".as_ref(), compat.as_ref()];
    ours.extend(args.iter().map(|a| a.as_ref()));
    let rudder = Tool::Rudder.run(&ours);
    assert_eq!(
        rudder.stdout, helm.stdout,
        "stdout of {helm}\n\nrudder: {rudder}"
    );
    assert_eq!(
        rudder.stderr, helm.stderr,
        "stderr of {helm}\n\nrudder: {rudder}"
    );
    assert_eq!(
        rudder.code(),
        helm.code(),
        "exit code of {helm}\n\nrudder: {rudder}"
    );
}

fn charts() -> Vec<std::path::PathBuf> {
    fixtures_and_real(&super::FIXTURES)
}

#[test]
fn show_matches_helm_on_fixture_and_real_charts() {
    for path in charts() {
        for sub in ["chart", "values", "readme", "crds", "all"] {
            for tool in [Tool::Helm3, Tool::Helm4] {
                same(tool, &["show".as_ref(), sub.as_ref(), path.as_os_str()]);
            }
        }
    }
}

#[test]
fn show_and_dependency_list_match_helm_on_archives() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, src) in [
        chart("loadall"),
        chart("umbrella"),
        realchart("grafana-sampling"),
    ]
    .iter()
    .enumerate()
    {
        let tgz = package_into(Tool::Helm3, src, &tmp.path().join(i.to_string()));
        for tool in [Tool::Helm3, Tool::Helm4] {
            for sub in ["chart", "values", "readme", "crds", "all"] {
                same(tool, &["show".as_ref(), sub.as_ref(), tgz.as_os_str()]);
            }
            same(
                tool,
                &["dependency".as_ref(), "list".as_ref(), tgz.as_os_str()],
            );
        }
    }
}

#[test]
fn show_values_jsonpath_matches_helm() {
    let path = chart("loadall");
    for expr in [
        "{.replicas}",
        "{.nested.a}",
        "{.list[1]}",
        "x={.name} y={.ratio}",
        "{.missing}",
        "{.big}",
        "{.list[*]}",
        "{.nested.a[*]}",
        "{.list[0:2]}",
        "{.nothing}",
        "{.list[3]}",
        "{.ratio}{\"\\n\"}",
        "{.nested.empty}",
        "{.missing.deeper}after",
    ] {
        for tool in [Tool::Helm3, Tool::Helm4] {
            same(
                tool,
                &[
                    "show".as_ref(),
                    "values".as_ref(),
                    path.as_os_str(),
                    "--jsonpath".as_ref(),
                    expr.as_ref(),
                ],
            );
        }
    }
}

#[test]
fn dependency_list_matches_helm() {
    let mut paths: Vec<std::path::PathBuf> = ["depstatus", "umbrella", "loadall", "legacy-v1"]
        .iter()
        .map(|n| chart(n))
        .collect();
    paths.push(realchart("nginx"));
    paths.push(realchart("grafana-sampling"));
    for path in paths {
        for tool in [Tool::Helm3, Tool::Helm4] {
            same(
                tool,
                &["dependency".as_ref(), "list".as_ref(), path.as_os_str()],
            );
            same(
                tool,
                &[
                    "dependency".as_ref(),
                    "list".as_ref(),
                    path.as_os_str(),
                    "--max-col-width".as_ref(),
                    "12".as_ref(),
                ],
            );
        }
    }
}

/// A gzipped tar holding `entries` (name, data) with names written raw,
/// so `..` and absolute names survive.
fn raw_tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in entries {
        let mut h = tar::Header::new_ustar();
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append(&h, *data).expect("tar entry");
    }
    let tar = tar.into_inner().expect("tar");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).expect("gzip");
    gz.finish().expect("gzip")
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, data).expect("write");
    p
}

#[test]
fn broken_charts_fail_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let chart_yaml: &[u8] = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n";
    let mut cases: Vec<std::path::PathBuf> = vec![
        d.join("nope"),
        write(d, "text.tgz", b"hello, this is not an archive"),
        write(d, "values.yaml", b"a: b\n"),
        write(d, "empty.tgz", b""),
        write(d, "traversal.tgz", &raw_tgz(&[("demo/Chart.yaml", chart_yaml), ("demo/../../evil.txt", b"x")])),
        write(d, "absolute.tgz", &raw_tgz(&[("/demo/Chart.yaml", chart_yaml)])),
        write(d, "rootfile.tgz", &raw_tgz(&[("Chart.yaml", chart_yaml)])),
        write(d, "nochart.tgz", &raw_tgz(&[("demo/values.yaml", b"a: 1\n")])),
        write(d, "badyaml.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: [demo\n")])),
        write(d, "badtype.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\nmaintainers: hello\n")])),
        write(d, "badversion.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: one\n")])),
        write(d, "library.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ntype: lib\n")])),
        write(d, "alias.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n- name: a\n  alias: b.c\n")])),
        write(d, "dupdep.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n- name: a\n- name: b\n  alias: a\n")])),
        write(d, "nulldep.tgz", &raw_tgz(&[("demo/Chart.yaml", b"apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n- ~\n")])),
        write(d, "badvalues.tgz", &raw_tgz(&[("demo/Chart.yaml", chart_yaml), ("demo/values.yaml", b"- a\n- b\n")])),
        write(d, "badsub.tgz", &raw_tgz(&[("demo/Chart.yaml", chart_yaml), ("demo/charts/sub/values.yaml", b"a: 1\n")])),
    ];
    // helm's fixed limits: 5 MiB per file, 100 MiB in all.
    let over_file = vec![b'a'; 5 * 1024 * 1024 + 1];
    let at_limit = vec![0u8; 5 * 1024 * 1024];
    cases.push(write(
        d,
        "bigfile.tgz",
        &raw_tgz(&[
            ("demo/Chart.yaml", chart_yaml),
            ("demo/big.txt", &over_file),
        ]),
    ));
    let mut many: Vec<(String, &[u8])> = vec![("demo/Chart.yaml".to_string(), chart_yaml)];
    for i in 0..21 {
        many.push((format!("demo/f{i}.bin"), &at_limit));
    }
    let many_refs: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    cases.push(write(d, "bigchart.tgz", &raw_tgz(&many_refs)));
    write(d, "bigdir/Chart.yaml", chart_yaml);
    write(d, "bigdir/big.txt", &over_file);
    cases.push(d.join("bigdir"));
    let truncated = {
        let full = raw_tgz(&[("demo/Chart.yaml", chart_yaml)]);
        full[..full.len() / 2].to_vec()
    };
    cases.push(write(d, "truncated.tgz", &truncated));
    // Directories.
    write(d, "nochartdir/values.yaml", b"a: 1\n");
    cases.push(d.join("nochartdir"));
    write(d, "starstar/Chart.yaml", chart_yaml);
    write(d, "starstar/.helmignore", b"templates/**\n");
    cases.push(d.join("starstar"));
    write(d, "negated/Chart.yaml", chart_yaml);
    write(d, "negated/.helmignore", b"!*.txt\n");
    cases.push(d.join("negated"));
    write(d, "strayfile/Chart.yaml", chart_yaml);
    write(d, "strayfile/charts/README.md", b"not a chart\n");
    cases.push(d.join("strayfile"));
    for path in &cases {
        for tool in [Tool::Helm3, Tool::Helm4] {
            same(tool, &["show".as_ref(), "chart".as_ref(), path.as_os_str()]);
        }
    }
    for tool in [Tool::Helm3, Tool::Helm4] {
        same(tool, &["show", "chart", "./nope"]);
        same(tool, &["show", "chart", "nope"]);
        same_usage(tool, &["show", "chart"]);
        same(
            tool,
            &[
                "dependency",
                "list",
                d.join("nope").to_str().expect("utf-8"),
            ],
        );
        same_usage(tool, &["dependency", "list", "a", "b"]);
    }
}

#[test]
fn symlinks_and_requirements_log_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let chart_yaml: &[u8] = b"apiVersion: v2\nname: demo\nversion: 0.1.0\n";
    write(d, "linked/Chart.yaml", chart_yaml);
    write(d, "outside/values.yaml", b"fromLink: true\n");
    write(d, "outside/tpl/cm.yaml", b"kind: ConfigMap\n");
    std::os::unix::fs::symlink(d.join("outside/values.yaml"), d.join("linked/values.yaml"))
        .expect("symlink");
    std::os::unix::fs::symlink(d.join("outside/tpl"), d.join("linked/templates")).expect("symlink");
    write(d, "reqs/Chart.yaml", chart_yaml);
    // (`dependencies: []` would print an empty table in helm, where
    // rudder, which keeps no difference between nil and empty lists,
    // prints "no dependencies".)
    write(
        d,
        "reqs/requirements.yaml",
        b"dependencies:\n- name: x\n  version: 1.0.0\n  repository: https://example.invalid\n",
    );
    write(d, "reqs/requirements.lock", b"dependencies: []\n");
    for name in ["linked", "reqs"] {
        let path = d.join(name);
        for tool in [Tool::Helm3, Tool::Helm4] {
            same(tool, &["show".as_ref(), "all".as_ref(), path.as_os_str()]);
            same(
                tool,
                &["dependency".as_ref(), "list".as_ref(), path.as_os_str()],
            );
            let out = d.join(format!("out-{name}-{tool:?}"));
            same_in(
                tool,
                &[
                    "package".as_ref(),
                    path.as_os_str(),
                    "-d".as_ref(),
                    out.as_os_str(),
                ],
                &out,
            );
        }
    }
}
