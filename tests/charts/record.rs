//! `chart::record::chart_json` of a loaded chart equals the `chart` member
//! helm v3 and v4 write, for fixture and real-world charts, through
//! `install --dry-run=client -o json` (the same serialisation) and real
//! installs read back from their release Secrets.

use std::io::Read as _;
use std::path::Path;

use base64::Engine as _;
use rudder::chart::load::load_for_install;
use rudder::chart::record::chart_json;
use rudder::compat::Compat;

use super::{chart_member, package_into, realchart};
use crate::harness::{TestNs, Tool, chart};

fn rudder_json(path: &Path, compat: Compat) -> String {
    let c = load_for_install(path, compat).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    chart_json(&c, compat)
}

/// `tool install rec PATH --dry-run=client -o json` in `ns`, required to
/// succeed.
fn dry_run_json(ns: &TestNs, tool: Tool, path: &Path) -> crate::harness::Out {
    ns.run(
        tool,
        [
            "install".as_ref(),
            "rec".as_ref(),
            path.as_os_str(),
            "--dry-run=client".as_ref(),
            "-o".as_ref(),
            "json".as_ref(),
        ],
    )
    .ok()
}

fn compare_dry_run(ns: &TestNs, path: &Path) {
    for (tool, compat) in [(Tool::Helm3, Compat::V3), (Tool::Helm4, Compat::V4)] {
        let out = dry_run_json(ns, tool, path);
        let helm = chart_member(&out.stdout);
        let ours = rudder_json(path, compat);
        assert_eq!(ours, helm, "{tool:?} {}", path.display());
    }
}

#[test]
fn record_chart_member_matches_helm_for_fixture_charts() {
    let ns = TestNs::new("chart-record-fixtures");
    for name in [
        "web",
        "tricky-values",
        "dupkeys",
        "hooks",
        "stateful",
        "ignores",
        "novalues",
        "loadall",
    ] {
        compare_dry_run(&ns, &chart(name));
    }
}

#[test]
fn record_chart_member_matches_helm_for_real_charts() {
    let ns = TestNs::new("chart-record-real");
    // The charts without dependencies: with dependencies, helm stores the
    // chart after dependency processing (enabled flags, aliases,
    // import-values), which is the values layer's part.
    for name in ["podinfo", "ingress-nginx", "prometheus-node-exporter"] {
        compare_dry_run(&ns, &realchart(name));
    }
}

/// The release JSON helm stored for revision 1 of `release`.
fn stored_release(ns: &str, release: &str) -> String {
    let records = crate::lifecycle::records(ns);
    let (_, data, _) = records
        .iter()
        .find(|(name, _, _)| name == &format!("sh.helm.release.v1.{release}.v1"))
        .unwrap_or_else(|| panic!("no record for {release} in {ns}"));
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("base64 record");
    let mut json = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut json)
        .expect("gzip record");
    json
}

#[test]
fn record_chart_member_matches_real_installs() {
    let path = chart("loadall");
    for (tool, compat, prefix) in [
        (Tool::Helm3, Compat::V3, "chart-install-v3"),
        (Tool::Helm4, Compat::V4, "chart-install-v4"),
    ] {
        let ns = TestNs::new(prefix);
        ns.run(tool, ["install".as_ref(), "rec".as_ref(), path.as_os_str()])
            .ok();
        let stored = stored_release(&ns.name, "rec");
        assert_eq!(
            rudder_json(&path, compat),
            chart_member(&stored),
            "{tool:?} stored record"
        );
    }
}

#[test]
fn record_chart_member_matches_helm_for_archives() {
    // Archives helm packaged (v4 keeps each file's time in the tar
    // header, and v4 records carry those times) and a real chart.
    let ns = TestNs::new("chart-record-archives");
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, src) in [chart("loadall"), realchart("podinfo")].iter().enumerate() {
        let tgz = package_into(Tool::Helm4, src, &tmp.path().join(i.to_string()));
        compare_dry_run(&ns, &tgz);
    }
}

#[test]
fn record_chart_member_matches_helm_after_dependency_processing() {
    // With dependencies, helm stores the chart after processing them
    // (enabled flags, aliases, import-values folded into the defaults):
    // the loader's chart through `values::process_dependencies`.
    let ns = TestNs::new("chart-record-deps");
    let mut paths = vec![chart("umbrella"), chart("legacy-v1")];
    paths.push(realchart("nginx"));
    paths.push(realchart("grafana-sampling"));
    for path in paths {
        for (tool, compat) in [(Tool::Helm3, Compat::V3), (Tool::Helm4, Compat::V4)] {
            let out = dry_run_json(&ns, tool, &path);
            let mut c = load_for_install(&path, compat).expect("load");
            rudder::values::dependencies::process_dependencies(
                &mut c,
                &rudder::chart::Values::new(),
                compat,
            )
            .expect("dependencies");
            assert_eq!(
                chart_json(&c, compat),
                chart_member(&out.stdout),
                "{tool:?} {}",
                path.display()
            );
        }
    }
}
