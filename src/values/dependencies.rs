//! helm's dependency processing before rendering
//! (`ProcessDependenciesWithMerge` in v3, `ProcessDependencies` in v4):
//! aliases, tags and conditions decide which subcharts stay, and
//! `import-values` copies subchart values into the parent's defaults.

use std::collections::{BTreeMap, BTreeSet};

use crate::chart::model::{Chart, Dependency, Values};
use crate::compat::Compat;
use crate::gojson::GoValue;

use super::ValuesError;
use super::coalesce::{coalesce_tables, coalesce_values, merge_tables, merge_values};

/// Processes `chart`'s dependencies against the user values `vals`:
/// disabled subcharts are removed (from `chart.dependencies` and from the
/// metadata's list, recursively), aliased subcharts are renamed copies,
/// and imported values are folded into each chart's default values. Both
/// helm v3's install path and v4 use the merging variant, which keeps
/// nulls in the defaults for the coalescing that follows.
pub fn process_dependencies(
    chart: &mut Chart,
    vals: &Values,
    compat: Compat,
) -> Result<(), ValuesError> {
    let mut warnings = Vec::new();
    let result = process_dependencies_warn(chart, vals, compat, &mut warnings);
    for w in &warnings {
        match w.kind {
            WarningKind::Condition => {
                tracing::warn!(path = %w.key, chart = %w.chart, "returned non-bool value");
            }
            WarningKind::Tag => {
                tracing::warn!(tag = %w.key, chart = %w.chart, "returned non-bool value");
            }
        }
    }
    result
}

/// What a [`DependencyWarning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// A condition path held a non-bool value.
    Condition,
    /// A tag held a non-bool value.
    Tag,
}

/// A warning helm logs while processing dependencies: a condition path or
/// tag whose value is not a bool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyWarning {
    /// Condition or tag.
    pub kind: WarningKind,
    /// The condition path (as written in Chart.yaml) or the tag name.
    pub key: String,
    /// The dependency's name.
    pub chart: String,
}

impl DependencyWarning {
    /// helm v3's `log.Printf` line (flags `Lshortfile`), without the
    /// final newline.
    #[must_use]
    pub fn v3_line(&self) -> String {
        match self.kind {
            WarningKind::Condition => format!(
                "dependencies.go:64: Warning: Condition path '{}' for chart {} returned non-bool value",
                self.key, self.chart
            ),
            WarningKind::Tag => format!(
                "dependencies.go:95: Warning: Tag '{}' for chart {} returned non-bool value",
                self.key, self.chart
            ),
        }
    }
}

/// [`process_dependencies`] that hands the warnings helm logs to the
/// caller (in helm's order) instead of logging them.
///
/// # Errors
///
/// As [`process_dependencies`].
pub fn process_dependencies_warn(
    chart: &mut Chart,
    vals: &Values,
    compat: Compat,
    warnings: &mut Vec<DependencyWarning>,
) -> Result<(), ValuesError> {
    let mut seen = BTreeSet::new();
    let origin = chart.name().to_owned();
    let result = process_enabled(chart, vals, "", &origin, &mut seen, compat, warnings)
        .and_then(|()| process_import_values_recursive(chart, true, compat));
    match (result, compat) {
        // v4's install/upgrade/template wrap the cause (and log it).
        (Err(ValuesError::Invalid(msg)), Compat::V4) => Err(ValuesError::Invalid(format!(
            "chart dependencies processing failed: {msg}"
        ))),
        (r, _) => r,
    }
}

/// `processDependencyEnabled`.
///
/// `origin` names the chart as loaded (its path of original names), and
/// `seen` the origins already processed: helm v3 copies an aliased chart
/// shallowly, so all copies of one chart share its `Dependency` entries,
/// and the renaming of aliased entries done while processing the first
/// copy is what every later copy finds (its aliased subcharts are then not
/// found under the new name and are kept as undeclared charts instead).
/// helm v4 copies the entries.
fn process_enabled(
    chart: &mut Chart,
    vals: &Values,
    path: &str,
    origin: &str,
    seen: &mut BTreeSet<String>,
    compat: Compat,
    warnings: &mut Vec<DependencyWarning>,
) -> Result<(), ValuesError> {
    if compat == Compat::V3 && !seen.insert(origin.to_owned()) {
        for req in &mut chart.metadata.dependencies {
            if !req.alias.is_empty() {
                req.name = req.alias.clone();
            }
        }
    }
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let existing = std::mem::take(&mut chart.dependencies);
    // Charts under charts/ that no Chart.yaml entry claims come first.
    let mut kept: Vec<(Chart, String)> = existing
        .iter()
        .filter(|c| {
            !chart.metadata.dependencies.iter().any(|req| {
                c.name() == req.name && is_compatible_range(&req.version, &c.metadata.version)
            })
        })
        .map(|c| (c.clone(), format!("{origin}/{}", c.name())))
        .collect();
    for req in &mut chart.metadata.dependencies {
        if let Some(found) = existing.iter().find(|c| {
            c.name() == req.name && is_compatible_range(&req.version, &c.metadata.version)
        }) {
            let mut copy = found.clone();
            if !req.alias.is_empty() {
                copy.metadata.name = req.alias.clone();
            }
            kept.push((copy, format!("{origin}/{}", found.name())));
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    chart.dependencies = Vec::with_capacity(kept.len());
    let mut origins = Vec::with_capacity(kept.len());
    for (c, o) in kept {
        chart.dependencies.push(c);
        origins.push(o);
    }
    for req in &mut chart.metadata.dependencies {
        req.enabled = true;
    }
    let cvals = coalesce_values(chart, vals, compat)?;
    process_tags(&mut chart.metadata.dependencies, &cvals, warnings);
    process_conditions(&mut chart.metadata.dependencies, &cvals, path, warnings);
    let removed: BTreeSet<String> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    let mut kept_origins = Vec::new();
    let deps = std::mem::take(&mut chart.dependencies);
    for (c, o) in deps.into_iter().zip(origins) {
        if !removed.contains(c.name()) {
            chart.dependencies.push(c);
            kept_origins.push(o);
        }
    }
    chart
        .metadata
        .dependencies
        .retain(|r| !removed.contains(&r.name));
    for (sub, sub_origin) in chart.dependencies.iter_mut().zip(&kept_origins) {
        let subpath = format!("{path}{}.", sub.name());
        process_enabled(sub, &cvals, &subpath, sub_origin, seen, compat, warnings)?;
    }
    Ok(())
}

/// `Values.Table`: the map at a dotted path.
fn table<'a>(vals: &'a Values, path: &str) -> Option<&'a Values> {
    let mut cur = vals;
    for part in path.split('.') {
        match cur.get(part) {
            Some(GoValue::Map(m)) => cur = m,
            _ => return None,
        }
    }
    Some(cur)
}

/// `Values.PathValue`: the value at a dotted path, if the key exists.
fn path_value<'a>(vals: &'a Values, path: &str) -> Option<&'a GoValue> {
    if path.is_empty() {
        return None;
    }
    match path.rsplit_once('.') {
        None => vals.get(path),
        Some((head, key)) => table(vals, head)?.get(key),
    }
}

/// `processDependencyTags`: disabled iff no listed tag is true and at
/// least one is false.
fn process_tags(reqs: &mut [Dependency], cvals: &Values, warnings: &mut Vec<DependencyWarning>) {
    let Some(tags) = table(cvals, "tags") else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            match tags.get(k) {
                Some(GoValue::Bool(true)) => has_true = true,
                Some(GoValue::Bool(false)) => has_false = true,
                Some(_) => warnings.push(DependencyWarning {
                    kind: WarningKind::Tag,
                    key: k.clone(),
                    chart: r.name.clone(),
                }),
                None => {}
            }
        }
        if !has_true && has_false {
            r.enabled = false;
        } else if has_true || !has_false {
            r.enabled = true;
        }
    }
}

/// `processDependencyConditions`: the first condition path holding a bool
/// decides.
fn process_conditions(
    reqs: &mut [Dependency],
    cvals: &Values,
    cpath: &str,
    warnings: &mut Vec<DependencyWarning>,
) {
    for r in reqs {
        for c in r.condition.trim().split(',') {
            if c.is_empty() {
                continue;
            }
            if let Some(v) = path_value(cvals, &format!("{cpath}{c}")) {
                if let GoValue::Bool(b) = v {
                    r.enabled = *b;
                    break;
                }
                warnings.push(DependencyWarning {
                    kind: WarningKind::Condition,
                    key: c.to_owned(),
                    chart: r.name.clone(),
                });
            }
        }
    }
}

/// `processDependencyImportValues`: children first, then the chart.
fn process_import_values_recursive(
    chart: &mut Chart,
    merge: bool,
    compat: Compat,
) -> Result<(), ValuesError> {
    for sub in &mut chart.dependencies {
        process_import_values_recursive(sub, merge, compat)?;
    }
    process_import_values(chart, merge, compat)
}

/// Go's `%v` of an import-values field.
fn go_v(v: Option<&GoValue>) -> String {
    match v {
        None | Some(GoValue::Null) => "<nil>".to_owned(),
        Some(GoValue::String(s)) => s.clone(),
        Some(GoValue::Bool(b)) => b.to_string(),
        Some(GoValue::Int(i)) => i.to_string(),
        Some(GoValue::Float(f)) => crate::gojson::float::format_g(*f),
        Some(other) => format!("{other:?}"),
    }
}

/// `pathToMap`: `data` nested under a dotted path (`.` is the root).
fn path_to_map(path: &str, data: Values) -> Values {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        cur = BTreeMap::from([(part.to_owned(), GoValue::Map(cur))]);
    }
    cur
}

/// `processImportValues`: the parent's defaults become its merged values
/// (subchart sections included) over the imported tables.
fn process_import_values(
    chart: &mut Chart,
    merge: bool,
    compat: Compat,
) -> Result<(), ValuesError> {
    if chart.metadata.dependencies.is_empty() {
        return Ok(());
    }
    let empty = Values::new();
    let cvals = if merge {
        merge_values(chart, &empty, compat)?
    } else {
        coalesce_values(chart, &empty, compat)?
    };
    let mut b = Values::new();
    for r in &mut chart.metadata.dependencies {
        let mut normalized = Vec::new();
        for riv in &r.import_values {
            let (child, parent) = match riv {
                GoValue::Map(iv) => (go_v(iv.get("child")), go_v(iv.get("parent"))),
                GoValue::String(s) => (format!("exports.{s}"), ".".to_owned()),
                _ => continue,
            };
            normalized.push(GoValue::Map(BTreeMap::from([
                ("child".to_owned(), GoValue::String(child.clone())),
                ("parent".to_owned(), GoValue::String(parent.clone())),
            ])));
            let Some(vv) = table(&cvals, &format!("{}.{child}", r.name)) else {
                tracing::warn!(chart = %r.name, "ImportValues missing table from chart");
                continue;
            };
            let imported = path_to_map(&parent, vv.clone());
            if merge {
                merge_tables(&mut b, imported);
            } else {
                coalesce_tables(&mut b, imported);
            }
        }
        if !r.import_values.is_empty() {
            r.import_values = normalized;
        }
    }
    let mut cvals = cvals;
    if merge {
        merge_tables(&mut cvals, b);
    } else {
        trim_nil_values(&mut cvals);
        coalesce_tables(&mut cvals, b);
    }
    chart.values = cvals;
    Ok(())
}

fn trim_nil_values(m: &mut Values) {
    m.retain(|_, v| !matches!(v, GoValue::Null));
    for v in m.values_mut() {
        if let GoValue::Map(sub) = v {
            trim_nil_values(sub);
        }
    }
}

/// helm's `IsCompatibleRange`: whether `version` satisfies the semver
/// constraint `constraint`; an unparsable constraint or version is
/// incompatible.
pub fn is_compatible_range(constraint: &str, version: &str) -> bool {
    match (
        crate::semver::Constraints::parse(constraint),
        crate::semver::Version::parse(version),
    ) {
        (Ok(c), Ok(v)) => c.check(&v),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatible_ranges() {
        for (c, v, want) in [
            ("2.x.x", "2.31.4", true),
            ("2.x.x", "3.0.0", false),
            ("1.4.0", "1.4.0", true),
            ("1.4.0", "1.4.1", false),
            ("^1.2.0", "1.9.0", true),
            ("^1.2.0", "2.0.0", false),
            ("~1.2.0", "1.2.9", true),
            ("~1.2.0", "1.3.0", false),
            (">=1.0.0, <2.0.0", "1.5.0", true),
            (">= 1.0.0 < 2.0.0", "2.5.0", false),
            ("1.0.0 - 2.0.0", "2.0.0", true),
            ("*", "0.1.0", true),
            ("", "0.1.0", false),
            ("<1.0.0 || >=3", "3.1.0", true),
            (">=1.0.0", "1.1.0-rc1", false),
            ("0.0.0", "0.0.0", true),
        ] {
            assert_eq!(is_compatible_range(c, v), want, "{c} vs {v}");
        }
    }
}
