//! Charts for these tests: loaded with the crate's own loader
//! (`rudder::chart::load::load_as`, values.yaml read as the given helm
//! version reads it), and copied without templates for the probe.

use std::path::{Path, PathBuf};

use rudder::chart::model::Chart;
use rudder::compat::Compat;

/// Loads the chart directory `dir` as helm `compat` would.
pub fn load(dir: &Path, compat: Compat) -> Chart {
    rudder::chart::load::load_as(dir, compat)
        .unwrap_or_else(|e| panic!("load {}: {e}", dir.display()))
}

/// Copies the chart at `src` to `dest` without its templates (so that
/// nothing but values processing can fail), then adds the probe template
/// to the top chart.
pub fn probe_copy(src: &Path, dest: &Path) {
    copy_dir(src, dest);
    std::fs::create_dir_all(dest.join("templates")).expect("mkdir templates");
    std::fs::write(dest.join("templates/zz-values.yaml"), super::PROBE).expect("write probe");
}

/// [`probe_copy`] of `src` into `dir/chart-NAME` (NAME: `src`'s file
/// name); returns that directory.
pub fn probe_copy_into(src: &Path, dir: &Path) -> PathBuf {
    let name = src
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let dest = dir.join(format!("chart-{name}"));
    probe_copy(src, &dest);
    dest
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
