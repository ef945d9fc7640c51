//! Declared dependencies against what `charts/` holds: helm's missing
//! dependency check (install, upgrade, template, package) and
//! `helm dependency list`.

use std::path::{Path, PathBuf};

use crate::compat::Compat;
use crate::output::Table;

use super::error::ChartError;
use super::load::load_reporting;
use super::model::Chart;

/// Dependencies declared in `Chart.yaml` with no loaded subchart of that
/// name (aliases are not looked at), in declaration order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("found in Chart.yaml, but missing in charts/ directory: {}", .names.join(", "))]
pub struct MissingDependencies {
    /// The missing charts' names.
    pub names: Vec<String>,
}

impl MissingDependencies {
    /// The message helm's install, upgrade and template print (package
    /// prints the bare [`Display`](std::fmt::Display) text).
    pub fn install_message(&self, compat: Compat) -> String {
        match compat {
            Compat::V3 => format!(
                "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: {self}"
            ),
            Compat::V4 => format!(
                "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: {self}"
            ),
        }
    }
}

/// helm's `CheckDependencies`: every declared dependency must have a
/// subchart whose metadata name equals the declared name.
///
/// # Errors
///
/// [`MissingDependencies`] listing the missing names.
pub fn check_missing(chart: &Chart) -> Result<(), MissingDependencies> {
    let names: Vec<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| !chart.dependencies.iter().any(|s| s.metadata.name == d.name))
        .map(|d| d.name.clone())
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(MissingDependencies { names })
    }
}

/// `helm dependency list CHART` output (stdout), byte for byte; helm's
/// stderr lines from loading the charts go to `warnings`.
///
/// # Errors
///
/// [`ChartError`] when the chart itself does not load.
pub fn list(
    chart_path: &Path,
    compat: Compat,
    max_col_width: usize,
    warnings: &mut Vec<String>,
) -> Result<String, ChartError> {
    let chart = load_reporting(chart_path, compat, warnings)?;
    let shown = go_join(&chart_path.to_string_lossy(), "charts");
    if chart.metadata.dependencies.is_empty() {
        return Ok(format!("WARNING: no dependencies at {shown}\n"));
    }
    let mut table = Table::new();
    table.add_row(["NAME", "VERSION", "REPOSITORY", "STATUS"]);
    for d in &chart.metadata.dependencies {
        let status = status(chart_path, d, &chart, compat, warnings);
        table.add_row([
            truncate(&d.name, max_col_width),
            truncate(&d.version, max_col_width),
            truncate(&d.repository, max_col_width),
            truncate(status, max_col_width),
        ]);
    }
    let mut out = table.render();
    out.push_str("\n\n");
    out.push_str(&missing_warnings(chart_path, &chart, compat, warnings));
    Ok(out)
}

/// uitable's `MaxColWidth` (`--max-col-width`, 80 by default): a longer
/// cell is cut and ends in `...`.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

fn version_satisfies(constraint: &str, version: &str) -> Option<bool> {
    let c = crate::semver::Constraints::parse(constraint).ok()?;
    let v = crate::semver::Version::parse(version).ok()?;
    Some(c.check(&v))
}

fn status(
    chart_path: &Path,
    dep: &super::model::Dependency,
    parent: &Chart,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> &'static str {
    let archives = glob_archives(chart_path, &dep.name);
    match archives.len() {
        0 => {}
        1 => {
            if let Some(s) = archive_status(&archives[0], dep, compat, warnings) {
                return s;
            }
        }
        _ => {
            let prefix = format!("{}-", dep.name);
            let found: Vec<&PathBuf> = archives
                .iter()
                .filter(|a| {
                    let stem = a
                        .file_name()
                        .map(|n| n.to_string_lossy().trim_end_matches(".tgz").to_string())
                        .unwrap_or_default();
                    let maybe = stem.strip_prefix(&prefix).unwrap_or(&stem).to_string();
                    strict_version(&maybe)
                })
                .collect();
            if found.len() == 1 {
                if let Some(s) = archive_status(found[0], dep, compat, warnings) {
                    return s;
                }
            } else if found.len() > 1 {
                return "too many matches";
            }
        }
    }
    let Some(sub) = parent
        .dependencies
        .iter()
        .rev()
        .find(|s| s.metadata.name == dep.name)
    else {
        return "missing";
    };
    if sub.metadata.version != dep.version {
        match version_satisfies(&dep.version, &sub.metadata.version) {
            None => return "invalid version",
            Some(false) => return "wrong version",
            Some(true) => {}
        }
    }
    "unpacked"
}

/// Masterminds `StrictNewVersion`: `X.Y.Z[-pre][+meta]`, no `v`, no
/// leading zeros.
fn strict_version(s: &str) -> bool {
    crate::semver::Version::parse_strict(s).is_ok()
}

fn archive_status(
    archive: &Path,
    dep: &super::model::Dependency,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Option<&'static str> {
    if std::fs::metadata(archive).is_err() {
        return None;
    }
    let Ok(c) = load_reporting(archive, compat, warnings) else {
        return Some("corrupt");
    };
    if c.metadata.name != dep.name {
        return Some("misnamed");
    }
    if c.metadata.version != dep.version {
        match version_satisfies(&dep.version, &c.metadata.version) {
            None => return Some("invalid version"),
            Some(false) => return Some("wrong version"),
            Some(true) => {}
        }
    }
    Some("ok")
}

/// `filepath.Glob(<chart>/charts/<name>-*.tgz)`, sorted. A name with
/// glob characters is matched as Go would.
fn glob_archives(chart_path: &Path, name: &str) -> Vec<PathBuf> {
    let pattern = format!("{name}-*.tgz");
    let dir = chart_path.join("charts");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| super::helmignore::go_match(&pattern, n))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            PathBuf::from(go_join(
                &chart_path.to_string_lossy(),
                &format!("charts/{n}"),
            ))
        })
        .collect()
}

/// `filepath.Join`: joined and cleaned.
fn go_join(a: &str, b: &str) -> String {
    if a.is_empty() {
        return super::load::go_clean(b);
    }
    super::load::go_clean(&format!("{a}/{b}"))
}

/// helm's `printMissing`: charts under `charts/` that no dependency
/// names, and entries that are not charts.
fn missing_warnings(
    chart_path: &Path,
    chart: &Chart,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> String {
    let dir = chart_path.join("charts");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return String::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Go's glob `*` matches dot files too.
        .collect();
    names.sort();
    let mut out = String::new();
    for n in names {
        let shown = go_join(&chart_path.to_string_lossy(), &format!("charts/{n}"));
        let p = PathBuf::from(&shown);
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if !meta.is_dir() && !n.ends_with(".tgz") {
            continue;
        }
        match load_reporting(&p, compat, warnings) {
            Err(_) => out.push_str(&format!("WARNING: {shown:?} is not a chart.\n")),
            Ok(c) => {
                if !chart
                    .metadata
                    .dependencies
                    .iter()
                    .any(|d| d.name == c.metadata.name)
                {
                    out.push_str(&format!("WARNING: {shown:?} is not in Chart.yaml.\n"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn missing_messages() {
        let mut c = Chart::default();
        for n in ["redis", "pg"] {
            c.metadata
                .dependencies
                .push(super::super::model::Dependency {
                    name: n.into(),
                    ..Default::default()
                });
        }
        let e = check_missing(&c).unwrap_err();
        assert_eq!(
            e.to_string(),
            "found in Chart.yaml, but missing in charts/ directory: redis, pg"
        );
        assert!(
            e.install_message(Compat::V3)
                .starts_with("An error occurred")
        );
        assert!(
            e.install_message(Compat::V4)
                .contains("'helm dependency build'")
        );
    }

    #[test]
    fn strict_versions() {
        assert!(strict_version("1.2.3"));
        assert!(strict_version("1.2.3-rc.1+b"));
        assert!(!strict_version("1.2"));
        assert!(!strict_version("v1.2.3"));
        assert!(!strict_version("01.2.3"));
    }
}
