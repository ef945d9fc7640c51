//! The CI pipeline's idiom: `upgrade --install --atomic --timeout -f ...
//! --set image.tag=...` run twice, then once with a change that cannot
//! become ready. rudder must exit as helm does at every run and leave the
//! same history (helm's and rudder's reading of it).

use crate::harness::{TestNs, Tool, repo_root};
use crate::lifecycle::history_through;

use super::run_as;

/// The releases (neither name is part of the other, nor of the
/// namespace's).
const HELMS: &str = "alpha-ci";
const RUDDERS: &str = "bravo-ci";

fn script(helm: Tool) {
    let ns = TestNs::new(&format!("deploy-ci-{helm:?}"));
    let web = crate::harness::chart("web").to_string_lossy().into_owned();
    let values = repo_root()
        .join("fixtures/deploy/ci-values.yaml")
        .to_string_lossy()
        .into_owned();
    let run = |tool: Tool, name: &str, tag: &str, timeout: &str, extra: &[&str]| {
        let mut args = vec![
            "upgrade",
            "--install",
            name,
            &web,
            "--atomic",
            "--timeout",
            timeout,
            "-f",
            &values,
        ];
        let set = format!("image.tag={tag}");
        args.extend(["--set", &set]);
        args.extend(extra);
        run_as(&ns, tool, helm, &args).code()
    };
    let pipeline = |tool: Tool, name: &str| -> Vec<i32> {
        vec![
            run(tool, name, "1.1", "60s", &[]),
            run(tool, name, "1.2", "60s", &[]),
            run(tool, name, "1.3", "4s", &["--set", "unschedulable=true"]),
        ]
    };
    let (by_helm, by_rudder) = std::thread::scope(|s| {
        let h = s.spawn(|| pipeline(helm, HELMS));
        let r = s.spawn(|| pipeline(Tool::Rudder, RUDDERS));
        (
            h.join().expect("helm pipeline"),
            r.join().expect("rudder pipeline"),
        )
    });
    assert_eq!(by_helm, vec![0, 0, 1], "helm's own exit codes");
    assert_eq!(by_rudder, by_helm, "exit codes");
    // Descriptions name the release (and its objects): masked.
    let story = |reader: Tool, name: &str| -> Vec<(i64, String, String)> {
        history_through(&ns, reader, name)
            .into_iter()
            .map(|(rev, status, desc)| {
                let desc = desc.replace(&ns.name, "NAMESPACE").replace(name, "RELEASE");
                (rev, status, desc)
            })
            .collect()
    };
    for reader in [helm, Tool::Rudder] {
        assert_eq!(
            story(reader, RUDDERS),
            story(reader, HELMS),
            "history through {reader:?}'s eyes"
        );
    }
}

#[test]
fn ci_script_as_helm_4() {
    script(Tool::Helm4);
}

#[test]
fn ci_script_as_helm_3() {
    script(Tool::Helm3);
}
