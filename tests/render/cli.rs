//! `rudder template`'s flags against real helm v4 (rudder's default) and
//! helm v3 (`--compat v3`): stdout, stderr and exit code byte for byte, on
//! the fixture charts of `fixtures/render/flags/` (hooks of every kind,
//! CRDs in the chart and a subchart, notes, comment-only and blank
//! documents, unknown kinds, a kubeVersion constraint, bad YAML, a library
//! chart, a missing dependency). `--output-dir` compares the files
//! written too; `--renderer helm|auto` runs the exec fallback.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::realcharts::{differences, first_difference};
use crate::harness::{Home, Out, Tool, repo_root};

fn flags_chart(name: &str) -> PathBuf {
    repo_root().join("fixtures/render/flags").join(name)
}

/// Runs `tool [--compat v3] template ARGS` (`{chart}` in ARGS replaced by
/// the chart's path) with extra environment.
fn run(home: &Home, tool: Tool, v3: bool, args: &[String], env: &[(&str, &str)]) -> Out {
    let mut all: Vec<String> = Vec::new();
    if tool == Tool::Rudder && v3 {
        all.extend(["--compat".to_owned(), "v3".to_owned()]);
    }
    all.push("template".to_owned());
    all.extend(args.iter().cloned());
    let mut env = env.to_vec();
    env.push(("TZ", "UTC"));
    home.run_env(tool, &all, &env)
}

fn args(chart: &Path, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = extra
        .iter()
        .map(|a| a.replace("{chart}", &chart.to_string_lossy()))
        .collect();
    if !extra.iter().any(|a| a.contains("{chart}")) {
        v.splice(
            0..0,
            [
                "rel".to_owned(),
                chart.to_string_lossy().into_owned(),
                "--namespace".to_owned(),
                "ns1".to_owned(),
            ],
        );
    }
    v
}

/// Compares helm and rudder on one command line; returns a description of
/// any mismatch.
fn compare(home: &Home, v3: bool, args: &[String], env: &[(&str, &str)]) -> Option<String> {
    let helm = if v3 { Tool::Helm3 } else { Tool::Helm4 };
    let want = run(home, helm, v3, args, env);
    let got = run(home, Tool::Rudder, v3, args, env);
    mismatch(&want, &got, v3, args)
}

fn mismatch(want: &Out, got: &Out, v3: bool, args: &[String]) -> Option<String> {
    let problems = differences(want, got);
    (!problems.is_empty()).then(|| {
        format!(
            "{} {:?}:\n{}",
            if v3 { "v3" } else { "v4" },
            args,
            problems.join("\n")
        )
    })
}

/// Every case against both helm versions.
fn check_all(cases: &[(&str, &[&str])]) {
    let home = Home::new();
    let mut failures = Vec::new();
    for (chart, extra) in cases {
        let a = args(&flags_chart(chart), extra);
        for v3 in [false, true] {
            failures.extend(compare(&home, v3, &a, &[]));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatch(es):\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn output_flags() {
    check_all(&[
        ("full", &[]),
        ("full", &["--include-crds"]),
        ("full", &["--include-crds", "--skip-crds"]),
        ("full", &["--no-hooks"]),
        ("full", &["--skip-tests"]),
        ("full", &["--is-upgrade"]),
        ("full", &["--render-subchart-notes"]),
        ("full", &["--set", "sub.enabled=false", "--include-crds"]),
        ("full", &["--set", "replicas=5"]),
        ("full", &["--skip-schema-validation"]),
    ]);
}

#[test]
fn show_only() {
    check_all(&[
        ("full", &["--show-only", "templates/service.yaml"]),
        ("full", &["-s", "templates/*.yaml"]),
        (
            "full",
            &[
                "-s",
                "templates/unknown.yaml",
                "-s",
                "templates/secret.yaml",
            ],
        ),
        ("full", &["-s", "templates/hooks.yaml"]),
        (
            "full",
            &["-s", "templates/tests/test-pod.yaml", "--skip-tests"],
        ),
        ("full", &["-s", "charts/sub/templates/sa.yaml"]),
        ("full", &["-s", "crds/a.yaml", "--include-crds"]),
        ("full", &["-s", "templates/nope.yaml"]),
        ("full", &["-s", "templates/[a-d]*"]),
        (
            "full",
            &["-s", "templates/deployment.yaml", "-s", "templates/*"],
        ),
    ]);
}

#[test]
fn names_and_capabilities() {
    check_all(&[
        ("full", &["{chart}"]),
        ("full", &["{chart}", "--generate-name"]),
        ("full", &["myname", "{chart}", "--generate-name"]),
        ("full", &["myname", "{chart}", "--name-template", "x"]),
        ("full", &["{chart}", "--name-template", "named-{{ \"x\" }}"]),
        ("full", &["Bad_Name", "{chart}"]),
        ("full", &["a", "{chart}", "extra", "more"]),
        ("full", &["--kube-version", "1.30"]),
        ("full", &["--kube-version", "v1.31.2"]),
        ("full", &["--kube-version", "banana"]),
        (
            "full",
            &["--api-versions", "example.com/v1", "-a", "x/v1,y/v2"],
        ),
        ("kubever", &[]),
        ("kubever", &["--kube-version", "1.40.0"]),
        ("full", &["--dry-run"]),
        ("full", &["--dry-run=client"]),
        ("full", &["--dry-run=true"]),
        ("full", &["--dry-run=false"]),
        ("full", &["--dry-run=bogus"]),
    ]);
}

#[test]
fn errors() {
    check_all(&[
        ("badyaml", &[]),
        ("library", &[]),
        ("missingdep", &[]),
        ("nonexistent", &[]),
        ("full", &["-f", "/nonexistent/values.yaml"]),
        ("full", &["--set", "a"]),
    ]);
}

/// The files under `dir`, relative path → content.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read_to_string(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn output_dir() {
    let home = Home::new();
    let out_dir = home.dir.join("out");
    let chart = flags_chart("full");
    let out_text = out_dir.to_string_lossy().into_owned();
    let cases: &[&[&str]] = &[
        &["--output-dir", &out_text],
        &[
            "--output-dir",
            &out_text,
            "--include-crds",
            "--release-name",
        ],
        &["--output-dir", &out_text, "--skip-tests", "--no-hooks"],
    ];
    let mut failures = Vec::new();
    for extra in cases {
        let a = args(&chart, extra);
        for v3 in [false, true] {
            let _ = std::fs::remove_dir_all(&out_dir);
            let helm = if v3 { Tool::Helm3 } else { Tool::Helm4 };
            let want = run(&home, helm, v3, &a, &[]);
            let want_files = tree(&out_dir);
            let _ = std::fs::remove_dir_all(&out_dir);
            let got = run(&home, Tool::Rudder, v3, &a, &[]);
            let got_files = tree(&out_dir);
            failures.extend(mismatch(&want, &got, v3, &a));
            if want_files != got_files {
                failures.push(format!(
                    "{} {a:?}: files differ\n  helm:   {want_files:?}\n  rudder: {got_files:?}",
                    if v3 { "v3" } else { "v4" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// helm v3's `--post-renderer` runs an executable on the manifest.
#[test]
fn post_renderer_v3() {
    let home = Home::new();
    let script = home.dir.join("post.sh");
    std::fs::write(&script, "#!/bin/sh\nsed 's/rel-full/post-full/'\n").expect("script");
    let failing = home.dir.join("fail.sh");
    std::fs::write(&failing, "#!/bin/sh\necho oops >&2\nexit 3\n").expect("script");
    let empty = home.dir.join("empty.sh");
    std::fs::write(&empty, "#!/bin/sh\ncat >/dev/null\n").expect("script");
    for s in [&script, &failing, &empty] {
        set_executable(s);
    }
    let chart = flags_chart("full");
    let mut failures = Vec::new();
    for s in [&script, &failing, &empty] {
        let a = args(&chart, &["--post-renderer", &s.to_string_lossy()]);
        failures.extend(compare(&home, true, &a, &[]));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn set_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755));
}

/// `--renderer helm` (and `auto` on what native does not do) runs the
/// helm binary named by `RUDDER_HELM` and prints what it prints.
#[test]
fn exec_fallback() {
    let home = Home::new();
    let chart = flags_chart("full");
    let mut failures = Vec::new();
    for (v3, helm) in [(false, Tool::Helm4), (true, Tool::Helm3)] {
        let helm_path = helm.path().to_string_lossy().into_owned();
        for extra in [
            &["--include-crds", "--set", "replicas=7"][..],
            &["-s", "templates/nope.yaml"][..],
        ] {
            let a = args(&chart, extra);
            let want = run(&home, helm, v3, &a, &[]);
            let mut with_renderer = a.clone();
            with_renderer.extend(["--renderer".to_owned(), "helm".to_owned()]);
            let got = run(
                &home,
                Tool::Rudder,
                v3,
                &with_renderer,
                &[("RUDDER_HELM", &helm_path)],
            );
            failures.extend(mismatch(&want, &got, v3, &with_renderer));
        }
    }
    // auto: v4's --post-renderer names a plugin, which only helm has; the
    // fallback is announced on stderr and helm's answer printed.
    let helm_path = Tool::Helm4.path().to_string_lossy().into_owned();
    let a = args(&chart, &["--post-renderer", "no-such-plugin"]);
    let want = run(&home, Tool::Helm4, false, &a, &[]);
    let got = run(
        &home,
        Tool::Rudder,
        false,
        &a,
        &[("RUDDER_HELM", &helm_path), ("RUDDER_RENDERER", "auto")],
    );
    if want.code() != got.code() || want.stdout != got.stdout {
        failures.push(format!("auto fallback: helm {want}\nrudder {got}"));
    }
    if !got.stderr.starts_with("rudder: rendering with helm: ") {
        failures.push(format!("auto fallback not announced: {:?}", got.stderr));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The rendered files of a chart without template actions: every
/// template's text as is, keyed as helm's engine keys them, partials left
/// out (helm renders them to nothing and drops them).
fn static_render(
    chart: &rudder::chart::model::Chart,
    prefix: &str,
    out: &mut BTreeMap<String, String>,
) {
    for t in &chart.templates {
        let base = t.name.rsplit('/').next().unwrap_or(&t.name);
        if !base.starts_with('_') {
            out.insert(
                format!("{prefix}/{}", t.name),
                String::from_utf8_lossy(&t.data).into_owned(),
            );
        }
    }
    for dep in &chart.dependencies {
        static_render(dep, &format!("{prefix}/charts/{}", dep.name()), out);
    }
}

/// Manifest assembly and `template`'s printing, checked against helm
/// without the template engine: on a chart whose templates hold no
/// actions, rendering is the identity, so rudder's assembly of the raw
/// files must print exactly what helm prints.
#[test]
fn assembly_matches_helm_on_a_static_chart() {
    use rudder::action::template::{TemplateOptions, finish};
    use rudder::compat::Compat;
    use rudder::render::manifest::{AssembleOptions, assemble};

    let home = Home::new();
    let chart_dir = flags_chart("static");
    let out_dir = home.dir.join("out");
    let out_text = out_dir.to_string_lossy().into_owned();
    let cases: &[&[&str]] = &[
        &["--output-dir", &out_text],
        &[
            "--output-dir",
            &out_text,
            "--include-crds",
            "--release-name",
        ],
        &["--output-dir", &out_text, "--skip-tests", "--no-hooks"],
        &[],
        &["--include-crds"],
        &["--no-hooks"],
        &["--skip-tests"],
        &["--set", "sub.enabled=false", "--include-crds"],
        &["-s", "templates/service.yaml"],
        &["-s", "templates/*", "-s", "charts/sub/templates/sa.yaml"],
        &["-s", "templates/hooks.yaml", "--include-crds"],
        &["-s", "templates/tests/*", "--skip-tests"],
        &["-s", "crds/a.yaml", "--include-crds"],
        &["-s", "templates/nope.yaml"],
    ];
    let mut failures = Vec::new();
    for extra in cases {
        for (compat, tool) in [(Compat::V4, Tool::Helm4), (Compat::V3, Tool::Helm3)] {
            let a = args(&chart_dir, extra);
            let _ = std::fs::remove_dir_all(&out_dir);
            let want = run(&home, tool, compat == Compat::V3, &a, &[]);
            let want_files = tree(&out_dir);
            let _ = std::fs::remove_dir_all(&out_dir);
            let flag = |f: &str| extra.contains(&f);
            let mut show_only = Vec::new();
            let mut sets = Vec::new();
            let mut it = extra.iter();
            while let Some(x) = it.next() {
                match *x {
                    "-s" => show_only.extend(it.next().map(|s| (*s).to_owned())),
                    "--set" => sets.extend(it.next().map(|s| (*s).to_owned())),
                    _ => {}
                }
            }
            let mut chart =
                rudder::chart::load::load_for_install(&chart_dir, compat).expect("load chart");
            let user = rudder::values::ValueOptions {
                values: sets,
                ..Default::default()
            }
            .merge(&rudder::values::options::DefaultReader::default(), compat)
            .expect("values");
            rudder::values::process_dependencies(&mut chart, &user, compat).expect("deps");
            let mut rendered = BTreeMap::new();
            static_render(&chart, chart.name(), &mut rendered);
            let assemble_opts = AssembleOptions {
                compat,
                include_crds: flag("--include-crds"),
                ..AssembleOptions::default()
            };
            let opts = TemplateOptions {
                compat,
                no_hooks: flag("--no-hooks"),
                skip_tests: flag("--skip-tests"),
                include_crds: flag("--include-crds"),
                show_only,
                name: "rel".to_owned(),
                output_dir: flag("--output-dir").then(|| out_dir.clone()),
                use_release_name: flag("--release-name"),
                ..TemplateOptions::default()
            };
            let got = assemble(rendered, &chart, &assemble_opts)
                .map_err(|e| e.to_string())
                .and_then(|mut asm| {
                    let logs = asm.logs.join("\n");
                    finish(&mut asm, &opts)
                        .map(|out| (out, logs))
                        .map_err(|e| e.cli_message())
                });
            let label = format!("{compat:?} {extra:?}");
            let got_files = tree(&out_dir);
            if want_files != got_files {
                failures.push(format!(
                    "{label}: files differ\n  helm:   {want_files:?}\n  rudder: {got_files:?}"
                ));
            }
            match got {
                Ok((out, logs)) => {
                    if want.code() != 0 || want.stdout != out {
                        failures.push(format!(
                            "{label}: stdout\n{}",
                            first_difference(&want.stdout, &out)
                        ));
                    }
                    if want.stderr.trim_end() != logs {
                        failures.push(format!(
                            "{label}: log lines: helm {:?} rudder {logs:?}",
                            want.stderr
                        ));
                    }
                }
                Err(message) => {
                    if !want.stderr.ends_with(&format!("Error: {message}\n")) {
                        failures.push(format!(
                            "{label}: error: helm {:?} rudder {message:?}",
                            want.stderr
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
