//! The chart layer against real helm v3 and v4: the release record's
//! `chart` member, `package`, `show` and `dependency list`.

mod package;
mod record;
mod show;
mod sources;

use std::path::{Path, PathBuf};

use crate::harness::{Tool, chart};

/// A chart of `shared/realcharts`.
pub fn realchart(name: &str) -> PathBuf {
    let p = crate::harness::realcharts().join(name);
    assert!(p.is_dir(), "no real chart {}", p.display());
    p
}

/// The `chart` member of a release JSON document, verbatim.
pub fn chart_member(release_json: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Release<'a> {
        #[serde(borrow)]
        chart: &'a serde_json::value::RawValue,
    }
    let r: Release<'_> = serde_json::from_str(release_json)
        .unwrap_or_else(|e| panic!("release JSON: {e}\n{release_json}"));
    r.chart.get().to_string()
}

/// The fixture charts the `show` and `package` comparisons run on.
pub const FIXTURES: [&str; 9] = [
    "loadall",
    "web",
    "crd",
    "umbrella",
    "tricky-values",
    "depstatus",
    "ignores",
    "novalues",
    "legacy-v1",
];

/// The real-world charts every chart-layer comparison runs on.
pub fn real_charts() -> Vec<PathBuf> {
    [
        "podinfo",
        "ingress-nginx",
        "prometheus-node-exporter",
        "nginx",
        "grafana-sampling",
    ]
    .into_iter()
    .map(realchart)
    .collect()
}

/// The fixture charts `names` followed by [`real_charts`].
pub fn fixtures_and_real(names: &[&str]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = names.iter().map(|n| chart(n)).collect();
    v.extend(real_charts());
    v
}

/// `tool package SRC -d DEST`, required to succeed; returns the one
/// archive it wrote in `dest`.
pub fn package_into(tool: Tool, src: &Path, dest: &Path) -> PathBuf {
    tool.run([
        "package".as_ref(),
        src.as_os_str(),
        "-d".as_ref(),
        dest.as_os_str(),
    ])
    .ok();
    std::fs::read_dir(dest)
        .expect("dest")
        .next()
        .expect("one archive")
        .expect("entry")
        .path()
}
