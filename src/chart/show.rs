//! `helm show chart|values|readme|crds|all`: what each prints for a loaded
//! chart, byte for byte.
//!
//! - `chart`: the metadata re-serialised (keys sorted), then a newline;
//! - `values`: the original `values.yaml` bytes and a newline (nothing
//!   when the chart has no `values.yaml`), or the values filtered by
//!   `--jsonpath`;
//! - `readme`: the first file named `README.md`, `README.txt` or `README`
//!   (any case) and a newline;
//! - `crds`: each `crds/*.yaml|yml|json` file (subcharts' too) and a
//!   newline;
//! - `all`: those four joined by `---` lines; v3 puts one `---` before the
//!   CRDs unless the first starts with `---`; v4 puts one before each CRD
//!   that does not start with `---`, in `show crds` too.

use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::output::yaml::to_yaml;

use super::error::ChartError;
use super::model::{Chart, File};
use super::record::metadata_value;

/// Which part of the chart to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShowFormat {
    /// `show all`.
    All,
    /// `show chart`.
    Chart,
    /// `show values`.
    Values,
    /// `show readme`.
    Readme,
    /// `show crds`.
    Crds,
}

/// The text `helm show <format>` prints for `chart`.
///
/// # Errors
///
/// [`ChartError::Other`] for a `--jsonpath` that does not parse (helm's
/// `error parsing jsonpath <t>: <why>`).
pub fn show(
    chart: &Chart,
    format: ShowFormat,
    compat: Compat,
    jsonpath: Option<&str>,
) -> Result<String, ChartError> {
    let all = format == ShowFormat::All;
    let mut out = String::new();
    if matches!(format, ShowFormat::Chart | ShowFormat::All) {
        let cf = to_yaml(&metadata_value(&chart.metadata))
            .map_err(|e| ChartError::Other(e.to_string()))?;
        out.push_str(&cf);
        out.push('\n');
    }
    if matches!(format, ShowFormat::Values | ShowFormat::All) && !chart.values_null {
        if all {
            out.push_str("---\n");
        }
        match jsonpath.filter(|j| !j.is_empty()) {
            Some(template) => {
                let path = JsonPath::parse(template).map_err(|e| {
                    ChartError::Other(format!("error parsing jsonpath {template}: {e}"))
                })?;
                // helm ignores the execution error and prints what it got.
                out.push_str(&path.execute(&GoValue::Map(chart.values.clone())));
            }
            None => {
                for f in chart.raw.iter().filter(|f| f.name == "values.yaml") {
                    out.push_str(&String::from_utf8_lossy(&f.data));
                    out.push('\n');
                }
            }
        }
    }
    if matches!(format, ShowFormat::Readme | ShowFormat::All)
        && let Some(readme) = find_readme(&chart.files)
    {
        if all {
            out.push_str("---\n");
        }
        out.push_str(&String::from_utf8_lossy(&readme.data));
        out.push('\n');
    }
    if matches!(format, ShowFormat::Crds | ShowFormat::All) {
        let crds = crd_files(chart);
        if let Some(first) = crds.first()
            && all
            && compat == Compat::V3
            && !first.data.starts_with(b"---")
        {
            out.push_str("---\n");
        }
        for crd in crds {
            if compat == Compat::V4 && !crd.data.starts_with(b"---") {
                out.push_str("---\n");
            }
            out.push_str(&String::from_utf8_lossy(&crd.data));
            out.push('\n');
        }
    }
    Ok(out)
}

fn find_readme(files: &[File]) -> Option<&File> {
    files.iter().find(|f| {
        ["readme.md", "readme.txt", "readme"]
            .iter()
            .any(|n| f.name.eq_ignore_ascii_case(n))
    })
}

/// The chart's CRD files (`crds/` with a manifest extension), then its
/// subcharts', depth first.
pub fn crd_files(chart: &Chart) -> Vec<&File> {
    let mut out: Vec<&File> = chart
        .files
        .iter()
        .filter(|f| {
            f.name.starts_with("crds/") && {
                let base = f.name.rsplit('/').next().unwrap_or_default();
                let ext = base.rfind('.').map(|i| &base[i..]).unwrap_or_default();
                [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|e| ext.eq_ignore_ascii_case(e))
            }
        })
        .collect();
    for dep in &chart.dependencies {
        out.extend(crd_files(dep));
    }
    out
}

/// The subset of Kubernetes' JSONPath templates `--jsonpath` is used
/// with: literal text and `{...}` expressions of `.field` and `[index]`
/// steps (`{.}` and `{$}` for the whole value).
#[derive(Clone, Debug, PartialEq)]
struct JsonPath {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Path(Vec<Step>),
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Index(usize),
    /// `[*]`: every element of a list.
    All,
    /// `[a:b]`: a slice of a list (`b` open when absent).
    Slice(usize, Option<usize>),
}

impl JsonPath {
    fn parse(template: &str) -> Result<JsonPath, String> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| "unclosed action".to_string())?;
            let expr = after[..close].trim();
            if let Some(lit) = expr.strip_prefix('"').and_then(|e| e.strip_suffix('"')) {
                // A quoted literal, with Go's escapes for newline and tab.
                parts.push(Part::Text(lit.replace("\\n", "\n").replace("\\t", "\t")));
            } else {
                parts.push(Part::Path(parse_steps(expr)?));
            }
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(JsonPath { parts })
    }

    fn execute(&self, root: &GoValue) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Path(steps) => {
                    let mut results: Vec<&GoValue> = vec![root];
                    for s in steps {
                        let mut next = Vec::new();
                        for v in results {
                            match (s, v) {
                                (Step::Field(f), GoValue::Map(m)) => next.extend(m.get(f)),
                                (Step::Index(i), GoValue::Array(a)) => next.extend(a.get(*i)),
                                (Step::All, GoValue::Array(a)) => next.extend(a.iter()),
                                (Step::Slice(from, to), GoValue::Array(a)) => {
                                    let end = to.unwrap_or(a.len()).min(a.len());
                                    next.extend(a.iter().take(end).skip(*from));
                                }
                                _ => {}
                            }
                        }
                        if next.is_empty() && !matches!(s, Step::All | Step::Slice(..)) {
                            // helm drops the "not found" error: output
                            // stops here.
                            return out;
                        }
                        results = next;
                    }
                    let texts: Vec<String> = results.into_iter().map(go_print).collect();
                    out.push_str(&texts.join(" "));
                }
            }
        }
        out
    }
}

fn parse_steps(expr: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let expr = expr.strip_prefix('$').unwrap_or(expr);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
            }
            '[' => {
                let mut idx = String::new();
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                    idx.push(n);
                }
                let idx = idx.trim().trim_matches('\'').trim_matches('"');
                if idx == "*" {
                    steps.push(Step::All);
                } else if let Some((a, b)) = idx.split_once(':') {
                    let from = a.trim().parse::<usize>().unwrap_or(0);
                    let to = b.trim().parse::<usize>().ok();
                    steps.push(Step::Slice(from, to));
                } else {
                    match idx.parse::<usize>() {
                        Ok(i) => steps.push(Step::Index(i)),
                        Err(_) => steps.push(Step::Field(idx.to_string())),
                    }
                }
            }
            other => {
                return Err(format!(
                    "unrecognized character in action: U+{:04X} '{other}'",
                    other as u32
                ));
            }
        }
    }
    Ok(steps)
}

/// How Kubernetes' JSONPath prints a result: scalars with Go's `fmt.Print`,
/// maps and lists as compact JSON.
fn go_print(v: &GoValue) -> String {
    match v {
        GoValue::Null => "null".to_string(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Float(f) => crate::gojson::float::format_g(*f),
        GoValue::String(s) => s.clone(),
        // Maps and lists are printed as compact JSON.
        GoValue::Array(_) | GoValue::Map(_) | GoValue::Struct(_) => {
            let mut out = String::new();
            match crate::gojson::json::write_value(
                &mut out,
                v,
                crate::gojson::json::Encoder::EncodingJson,
            ) {
                Ok(()) => out,
                Err(_) => String::new(),
            }
        }
    }
}
