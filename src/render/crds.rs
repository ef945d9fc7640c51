//! helm's `Chart.CRDObjects`: the files of `crds/` with a manifest
//! extension, per chart in load order, then each (enabled) dependency's,
//! depth first. They are never templated.

use crate::chart::model::Chart;

/// One CRD file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrdFile {
    /// `<chart full path>/crds/<file>` (what `# Source:` shows).
    pub filename: String,
    /// The file's bytes, as loaded.
    pub data: Vec<u8>,
}

/// The CRD files of `chart` and its dependencies (which must already be
/// processed: only enabled subcharts remain, aliases applied).
pub fn crd_objects(chart: &Chart) -> Vec<CrdFile> {
    let mut out = Vec::new();
    collect(chart, chart.name(), &mut out);
    out
}

fn collect(chart: &Chart, full_path: &str, out: &mut Vec<CrdFile>) {
    for f in &chart.files {
        if f.name.starts_with("crds/") && has_manifest_extension(&f.name) {
            out.push(CrdFile {
                filename: go_join(full_path, &f.name),
                data: f.data.clone(),
            });
        }
    }
    for dep in &chart.dependencies {
        collect(dep, &format!("{full_path}/charts/{}", dep.name()), out);
    }
}

/// `filepath.Ext` compared case-insensitively with `.yaml`, `.yml`,
/// `.json`.
fn has_manifest_extension(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.rfind('.') {
        Some(i) => {
            let ext = &base[i..];
            [".yaml", ".yml", ".json"]
                .iter()
                .any(|e| ext.eq_ignore_ascii_case(e))
        }
        None => false,
    }
}

/// `filepath.Join(a, b)`: joined and cleaned.
fn go_join(a: &str, b: &str) -> String {
    crate::chart::load::go_clean(&format!("{a}/{b}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::model::File;

    fn chart(name: &str, files: &[&str], deps: Vec<Chart>) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c.files = files
            .iter()
            .map(|f| File {
                name: (*f).into(),
                data: f.as_bytes().to_vec(),
                mod_time: None,
            })
            .collect();
        c.dependencies = deps;
        c
    }

    #[test]
    fn parent_first_then_dependencies_depth_first() {
        let sub = chart(
            "sub",
            &["crds/b.YML", "crds/notes.txt"],
            vec![chart("deep", &["crds/c.json"], vec![])],
        );
        let top = chart(
            "top",
            &["README.md", "crds/a.yaml", "crds/x/z.yaml"],
            vec![sub],
        );
        let names: Vec<String> = crd_objects(&top).into_iter().map(|c| c.filename).collect();
        assert_eq!(
            names,
            [
                "top/crds/a.yaml",
                "top/crds/x/z.yaml",
                "sub/crds/b.YML".replace("sub", "top/charts/sub").as_str(),
                "top/charts/sub/charts/deep/crds/c.json"
            ]
        );
    }
}
