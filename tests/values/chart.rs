//! A minimal chart directory reader for these tests: `Chart.yaml` fields
//! that values processing reads, `values.yaml` (read as the given helm
//! version reads it), `values.schema.json`, and `charts/*/` recursively.
//! (The full loader, `rudder::chart::load`, belongs to another layer; this
//! one only feeds the values layer the same data.)

use std::path::Path;

use rudder::chart::model::{Chart, Dependency};
use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::gojson::yaml::{from_slice_documents, from_slice_map};

fn string(m: &std::collections::BTreeMap<String, GoValue>, k: &str) -> String {
    match m.get(k) {
        Some(GoValue::String(s)) => s.clone(),
        Some(GoValue::Float(f)) => f.to_string(),
        _ => String::new(),
    }
}

/// Reads the chart directory `dir`.
pub fn load(dir: &Path, compat: Compat) -> Chart {
    let meta = from_slice_map(&std::fs::read(dir.join("Chart.yaml")).expect("Chart.yaml"))
        .expect("Chart.yaml parses");
    let mut chart = Chart::default();
    chart.metadata.name = string(&meta, "name");
    chart.metadata.version = string(&meta, "version");
    if let Some(GoValue::Array(deps)) = meta.get("dependencies") {
        for d in deps {
            let GoValue::Map(d) = d else { continue };
            let mut dep = Dependency {
                name: string(d, "name"),
                version: string(d, "version"),
                repository: string(d, "repository"),
                condition: string(d, "condition"),
                alias: string(d, "alias"),
                ..Dependency::default()
            };
            if let Some(GoValue::Array(tags)) = d.get("tags") {
                dep.tags = tags
                    .iter()
                    .filter_map(|t| match t {
                        GoValue::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
            }
            if let Some(GoValue::Array(iv)) = d.get("import-values") {
                dep.import_values = iv.clone();
            }
            chart.metadata.dependencies.push(dep);
        }
    }
    if let Ok(bytes) = std::fs::read(dir.join("values.yaml")) {
        chart.values = match compat {
            Compat::V3 => from_slice_map(&bytes),
            Compat::V4 => from_slice_documents(&bytes),
        }
        .expect("values.yaml parses");
    }
    chart.schema = std::fs::read(dir.join("values.schema.json")).ok();
    let mut subdirs: Vec<_> = std::fs::read_dir(dir.join("charts"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("Chart.yaml").is_file())
                .collect()
        })
        .unwrap_or_default();
    subdirs.sort();
    for sub in subdirs {
        chart.dependencies.push(load(&sub, compat));
    }
    chart
}

/// Copies the chart at `src` to `dest` without its templates (so that
/// nothing but values processing can fail), then adds the probe template
/// to the top chart.
pub fn probe_copy(src: &Path, dest: &Path) {
    copy_dir(src, dest);
    std::fs::create_dir_all(dest.join("templates")).expect("mkdir templates");
    std::fs::write(dest.join("templates/zz-values.yaml"), super::PROBE).expect("write probe");
}

fn copy_dir(src: &Path, dest: &Path) {
    std::fs::create_dir_all(dest).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        let from = entry.path();
        if name == "templates" || name == "tests" || name == ".helmignore" {
            continue;
        }
        let to = dest.join(&name);
        if from.is_dir() {
            copy_dir(&from, &to);
        } else {
            std::fs::copy(&from, &to).expect("copy");
        }
    }
}
