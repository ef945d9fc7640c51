//! `rudder show` on charts from a real HTTP chart repository and a real
//! OCI registry, against helm v3 and v4 in twin homes.

use crate::harness::home::Home;
use crate::harness::servers::{chart_repo, registry_plain};
use crate::harness::{Out, Tool, chart};

fn masked(out: &Out, home: &Home) -> (String, String, i32) {
    let dir = home.dir.to_string_lossy().into_owned();
    (
        out.stdout.replace(&dir, "$HOME"),
        out.stderr.replace(&dir, "$HOME"),
        out.code(),
    )
}

#[test]
fn show_from_repositories_and_registries_matches_helm() {
    let repo = chart_repo();
    let dir = repo.new_dir("chart-show");
    let work = Home::new();
    for name in ["web", "loadall"] {
        work.package(Tool::Helm3, &chart(name), &dir.path);
    }
    work.run(
        Tool::Helm3,
        ["repo".as_ref(), "index".as_ref(), dir.path.as_os_str()],
    )
    .ok();
    let url = repo.url_plain(&dir.name);
    // One chart pushed to the plain registry.
    let reg = registry_plain();
    let web_tgz = std::fs::read_dir(&dir.path)
        .expect("repo dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("web-"))
        })
        .expect("web archive");
    let oci_base = format!("oci://{}/chartshow", reg.host);
    work.run(
        Tool::Helm4,
        [
            "push".as_ref(),
            web_tgz.as_os_str(),
            oci_base.as_ref(),
            "--plain-http".as_ref(),
        ],
    )
    .ok();
    let web_version = web_tgz
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_start_matches("web-")
                .trim_end_matches(".tgz")
                .to_string()
        })
        .expect("version");
    let archive_url = format!(
        "{url}/{}",
        web_tgz.file_name().expect("name").to_string_lossy()
    );
    let oci_ref = format!("{oci_base}/web");
    let cases: Vec<Vec<String>> = vec![
        vec!["show".into(), "chart".into(), "myrepo/web".into()],
        vec![
            "show".into(),
            "all".into(),
            "myrepo/loadall".into(),
            "--devel".into(),
        ],
        vec![
            "show".into(),
            "values".into(),
            "web".into(),
            "--repo".into(),
            url.clone(),
        ],
        vec!["show".into(), "chart".into(), archive_url],
        vec!["show".into(), "chart".into(), "myrepo/nope".into()],
        vec![
            "show".into(),
            "chart".into(),
            "myrepo/web".into(),
            "--version".into(),
            "9.9.9".into(),
        ],
        vec![
            "show".into(),
            "chart".into(),
            oci_ref.clone(),
            "--plain-http".into(),
        ],
        vec![
            "show".into(),
            "values".into(),
            oci_ref,
            "--version".into(),
            web_version,
            "--plain-http".into(),
        ],
    ];
    for (tool, compat) in [(Tool::Helm3, "v3"), (Tool::Helm4, "v4")] {
        for args in &cases {
            let h = Home::new();
            let r = Home::new();
            for home in [&h, &r] {
                home.run(tool, ["repo", "add", "myrepo", url.as_str()]).ok();
            }
            let helm = h.run(tool, args);
            let mut rargs = vec!["--compat".to_string(), compat.to_string()];
            rargs.extend(args.iter().cloned());
            let rudder = r.run(Tool::Rudder, &rargs);
            assert_eq!(
                masked(&rudder, &r),
                masked(&helm, &h),
                "{args:?} ({compat})\nhelm: {helm}\nrudder: {rudder}"
            );
            // Each case shows something or fails with a message.
            assert!(!helm.stdout.is_empty() || !helm.stderr.is_empty(), "{helm}");
        }
    }
}

/// Entry names of a `.tgz`.
fn entry_names(path: &std::path::Path) -> Vec<String> {
    let raw = std::fs::read(path).expect("archive");
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&raw[..]));
    tar.entries()
        .expect("entries")
        .map(|e| String::from_utf8_lossy(&e.expect("entry").path_bytes()).into_owned())
        .collect()
}

#[test]
fn package_dependency_update_matches_helm() {
    let repo = chart_repo();
    let dir = repo.new_dir("chart-pkg-u");
    let work = Home::new();
    work.package(Tool::Helm3, &chart("web"), &dir.path);
    work.run(
        Tool::Helm3,
        ["repo".as_ref(), "index".as_ref(), dir.path.as_os_str()],
    )
    .ok();
    let url = repo.url_plain(&dir.name);
    for (tool, compat) in [(Tool::Helm3, "v3"), (Tool::Helm4, "v4")] {
        let h = Home::new();
        let r = Home::new();
        let mut outs = Vec::new();
        for (home, t) in [(&h, tool), (&r, Tool::Rudder)] {
            home.run(tool, ["repo", "add", "myrepo", url.as_str()]).ok();
            let parent = home.dir.join("parent");
            std::fs::create_dir_all(parent.join("templates")).expect("mkdir");
            std::fs::write(
                parent.join("Chart.yaml"),
                "apiVersion: v2\nname: parent\nversion: 1.0.0\ndependencies:\n- name: web\n  version: \">0.0.0\"\n  repository: \"@myrepo\"\n",
            )
            .expect("Chart.yaml");
            let dest = home.dir.join("out");
            let mut args: Vec<String> = Vec::new();
            if t == Tool::Rudder {
                args.extend(["--compat".to_string(), compat.to_string()]);
            }
            args.extend([
                "package".to_string(),
                parent.to_string_lossy().into_owned(),
                "-u".to_string(),
                "-d".to_string(),
                dest.to_string_lossy().into_owned(),
            ]);
            let out = home.run(t, &args);
            let names = std::fs::read_dir(&dest)
                .map(|rd| {
                    rd.flatten()
                        .map(|e| entry_names(&e.path()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            outs.push((masked(&out, home), names, out.to_string()));
        }
        assert_eq!(
            outs[1].0, outs[0].0,
            "package -u ({compat})\n{}\n{}",
            outs[0].2, outs[1].2
        );
        assert_eq!(outs[1].1, outs[0].1, "archive entries ({compat})");
        assert_eq!(outs[0].0.2, 0, "helm package -u succeeded: {}", outs[0].2);
    }
}
