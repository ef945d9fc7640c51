//! `search repo`: helm's literal/regexp search over the cached indexes of
//! every configured repository, its scoring, ordering and version
//! constraint, and its table (column width cap with `...`).

use crate::gojson::GoValue;
use crate::output::WidthCondition;
use crate::semver::{Constraints, Version};

use super::{ChartVersion, HelmPaths, IndexFile, RepoError, RepoFile, Warning};

/// helm's score threshold: a match after this many separators is dropped.
const MAX_SCORE: usize = 25;
const SEP: char = '\u{b}';

/// `search repo` options.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// The keywords (joined by spaces into one term); none: everything.
    pub terms: Vec<String>,
    /// `-r`: the term is a regular expression.
    pub regexp: bool,
    /// `-l`: every matching version, not only the newest.
    pub versions: bool,
    /// `--devel`: prereleases too (when `version` is empty).
    pub devel: bool,
    /// `--version`: a constraint.
    pub version: String,
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResult {
    /// `repo/chart`.
    pub name: String,
    /// The score (separators before the match).
    pub score: usize,
    /// The chart version.
    pub chart: ChartVersion,
}

/// Results and the warnings helm printed while building them.
#[derive(Clone, Debug, Default)]
pub struct SearchReport {
    /// Results in helm's order.
    pub results: Vec<SearchResult>,
    /// Warnings (index clean-up, corrupt or missing caches).
    pub warnings: Vec<Warning>,
}

/// A failed search, with the warnings helm printed before the error.
#[derive(Debug)]
pub struct SearchFailed {
    /// Warnings printed first.
    pub warnings: Vec<Warning>,
    /// The error.
    pub error: RepoError,
}

fn failed(warnings: Vec<Warning>, error: RepoError) -> Box<SearchFailed> {
    Box::new(SearchFailed { warnings, error })
}

/// Runs `search repo`. Warnings are returned even when the search fails
/// afterwards (helm prints them before the error).
pub fn search_repo(
    paths: &HelmPaths,
    opts: &SearchOptions,
) -> Result<SearchReport, Box<SearchFailed>> {
    let version = if !opts.version.is_empty() {
        opts.version.clone()
    } else if opts.devel {
        ">0.0.0-0".to_string()
    } else {
        ">0.0.0".to_string()
    };
    // helm: a missing, unreadable or empty file all mean no repositories.
    let rf = match RepoFile::load(&paths.repository_config) {
        Ok(f) if !f.repositories.is_empty() => f,
        _ => return Err(failed(Vec::new(), no_repos())),
    };
    let mut warnings = Vec::new();
    // (key, line, chart) for every version of every chart.
    let mut lines: Vec<(String, String, ChartVersion)> = Vec::new();
    for entry in &rf.repositories {
        let path = paths.index_file(&entry.name);
        match IndexFile::load(&path) {
            Ok(loaded) => {
                warnings.extend(loaded.warnings.into_iter().map(Warning::InvalidEntry));
                add_repo(&mut lines, &entry.name, &loaded.index);
            }
            Err(e) => warnings.push(Warning::CorruptRepo {
                repo: entry.name.clone(),
                error: e.to_string(),
            }),
        }
    }
    let mut results: Vec<SearchResult> = if opts.terms.is_empty() {
        lines
            .into_iter()
            .map(|(name, _, chart)| SearchResult {
                name,
                score: 0,
                chart,
            })
            .collect()
    } else {
        let term = opts.terms.join(" ");
        match search(lines, &term, opts.regexp) {
            Ok(r) => r,
            Err(e) => return Err(failed(warnings, e)),
        }
    };
    sort_results(&mut results);
    let constraint = match Constraints::parse(&version) {
        Ok(c) => c,
        Err(e) => {
            return Err(failed(
                warnings,
                RepoError::msg(
                    crate::ErrorKind::InvalidInput,
                    format!("an invalid version/constraint format: {e}"),
                ),
            ));
        }
    };
    let mut found = std::collections::BTreeSet::new();
    results.retain(|r| {
        if !opts.versions && found.contains(&r.name) {
            return false;
        }
        let Ok(v) = Version::parse(&r.chart.metadata.version) else {
            return false;
        };
        if constraint.check(&v) {
            found.insert(r.name.clone());
            true
        } else {
            false
        }
    });
    Ok(SearchReport { results, warnings })
}

fn no_repos() -> RepoError {
    RepoError::msg(crate::ErrorKind::NotFound, "no repositories configured")
}

/// helm's `AddRepo` with every version indexed (`search repo` always
/// indexes all: its version constraint is never empty).
fn add_repo(lines: &mut Vec<(String, String, ChartVersion)>, repo: &str, index: &IndexFile) {
    for (name, versions) in &index.entries {
        for v in versions {
            let line = format!(
                "{n}{SEP}{repo}/{n}{SEP}{d}{SEP}{k}",
                n = v.metadata.name,
                d = v.metadata.description,
                k = v.metadata.keywords.join(" ")
            );
            lines.push((format!("{repo}/{name}"), line, v.clone()));
        }
    }
}

fn search(
    lines: Vec<(String, String, ChartVersion)>,
    term: &str,
    regexp: bool,
) -> Result<Vec<SearchResult>, RepoError> {
    let mut out = Vec::new();
    if regexp {
        let re = regex::Regex::new(term).map_err(|e| {
            RepoError::msg(crate::ErrorKind::InvalidInput, go_regexp_error(term, &e))
        })?;
        for (name, line, chart) in lines {
            if let Some(m) = re.find(&line) {
                let score = score(m.start(), &line);
                if score < MAX_SCORE {
                    out.push(SearchResult { name, score, chart });
                }
            }
        }
    } else {
        let term = go_lower(term);
        for (name, line, chart) in lines {
            let lower = go_lower(&line);
            if let Some(at) = lower.find(&term) {
                let score = score(at, &lower);
                if score < MAX_SCORE {
                    out.push(SearchResult { name, score, chart });
                }
            }
        }
    }
    Ok(out)
}

/// Go's `strings.ToLower` (Unicode simple lower-casing, per character).
fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(one), None) => one,
                _ => c,
            }
        })
        .collect()
}

/// The number of separators before byte offset `at`.
fn score(at: usize, line: &str) -> usize {
    line.char_indices()
        .filter(|(i, c)| *c == SEP && *i < at)
        .count()
}

/// Go's `regexp` error text for the common syntax errors.
fn go_regexp_error(term: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    let what = if text.contains("unclosed character class") {
        format!(
            "missing closing ]: `{}`",
            &term[term.find('[').unwrap_or(0)..]
        )
    } else if text.contains("unclosed group") {
        format!("missing closing ): `{term}`")
    } else if text.contains("unopened group") {
        format!("unexpected ): `{term}`")
    } else if text.contains("repetition operator missing expression") {
        format!(
            "missing argument to repetition operator: `{}`",
            term.chars().next().map(String::from).unwrap_or_default()
        )
    } else {
        text.lines().last().unwrap_or_default().trim().to_string()
    };
    format!("error parsing regexp: {what}")
}

/// helm's order: score, then name, then version newest first.
fn sort_results(results: &mut [SearchResult]) {
    results.sort_by(|a, b| {
        a.score.cmp(&b.score).then_with(|| {
            if a.name == b.name {
                match (
                    Version::parse(&a.chart.metadata.version),
                    Version::parse(&b.chart.metadata.version),
                ) {
                    (Ok(x), Ok(y)) => y.cmp(&x),
                    _ => std::cmp::Ordering::Equal,
                }
            } else {
                a.name.cmp(&b.name)
            }
        })
    });
}

/// The results as helm's JSON/YAML list elements.
pub fn results_go(results: &[SearchResult]) -> GoValue {
    GoValue::Array(
        results
            .iter()
            .map(|r| {
                GoValue::struct_builder()
                    .field("name", r.name.as_str())
                    .field("version", r.chart.metadata.version.as_str())
                    .field("app_version", r.chart.metadata.app_version.as_str())
                    .field("description", r.chart.metadata.description.as_str())
                    .build()
            })
            .collect(),
    )
}

/// The table helm prints (`No results found` when empty).
pub fn render_table(results: &[SearchResult], max_col_width: usize) -> String {
    if results.is_empty() {
        return "No results found\n".into();
    }
    let mut rows = vec![[
        "NAME".to_string(),
        "CHART VERSION".into(),
        "APP VERSION".into(),
        "DESCRIPTION".into(),
    ]];
    for r in results {
        rows.push([
            r.name.clone(),
            r.chart.metadata.version.clone(),
            r.chart.metadata.app_version.clone(),
            r.chart.metadata.description.clone(),
        ]);
    }
    capped_table(&rows, max_col_width, WidthCondition::process_default())
}

/// uitable with `MaxColWidth`: each column as wide as its widest cell but
/// at most `max`; longer cells cut to below `max - 3` cells plus `...`
/// (not padded afterwards); every cell padded, the last too.
pub fn capped_table<const N: usize>(
    rows: &[[String; N]],
    max: usize,
    wc: WidthCondition,
) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(wc.string_width(c));
        }
    }
    for w in &mut widths {
        if max > 0 {
            *w = (*w).min(max);
        }
    }
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().zip(widths).map(|(c, w)| fit(c, w, wc)).collect();
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn fit(s: &str, width: usize, wc: WidthCondition) -> String {
    let current = wc.string_width(s);
    if current == width || width == 0 {
        return s.to_string();
    }
    if current < width {
        return format!("{s}{}", " ".repeat(width - current));
    }
    let limit = width as i64 - 3;
    let mut out = String::new();
    let mut used: i64 = 0;
    for c in s.chars() {
        out.push(c);
        let w = wc.rune_width(c) as i64;
        if used + w >= limit {
            break;
        }
        used += w;
    }
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_counts_separators_before_the_match() {
        let line = "demo\u{b}r/demo\u{b}a chart\u{b}web";
        assert_eq!(score(0, line), 0);
        assert_eq!(score(line.find("r/").unwrap_or(0), line), 1);
        assert_eq!(score(line.find("web").unwrap_or(0), line), 3);
    }
}
