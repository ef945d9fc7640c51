//! `Chart.yaml` validation (helm's `Metadata.Validate`), which also
//! sanitises the metadata's strings in place: every Unicode space becomes
//! `' '` and non-printable characters are dropped, so what helm stores in
//! a release record is the sanitised text.

use std::collections::HashSet;

use super::decode::DecodedMetadata;
use super::error::ChartError;
use super::model::Metadata;

/// Sanitises and validates decoded metadata, in helm's order of checks.
///
/// # Errors
///
/// [`ChartError::Validation`] with helm's message.
pub fn validate_decoded(md: &mut DecodedMetadata) -> Result<(), ChartError> {
    check(&mut md.metadata, md.null_maintainer, md.null_dependency)
}

/// Sanitises and validates metadata (no null maintainers or dependencies
/// can be present in the model).
///
/// # Errors
///
/// [`ChartError::Validation`] with helm's message.
pub fn validate(md: &mut Metadata) -> Result<(), ChartError> {
    check(md, false, None)
}

fn invalid(msg: String) -> ChartError {
    ChartError::Validation(msg)
}

fn check(
    md: &mut Metadata,
    null_maintainer: bool,
    null_dependency: Option<usize>,
) -> Result<(), ChartError> {
    for s in [
        &mut md.name,
        &mut md.description,
        &mut md.home,
        &mut md.icon,
        &mut md.condition,
        &mut md.tags,
        &mut md.app_version,
        &mut md.kube_version,
    ] {
        *s = sanitize(s);
    }
    for s in md.sources.iter_mut().chain(md.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if md.api_version.is_empty() {
        return Err(invalid("chart.metadata.apiVersion is required".into()));
    }
    if md.name.is_empty() {
        return Err(invalid("chart.metadata.name is required".into()));
    }
    if md.name == "." || md.name == ".." {
        return Err(invalid(format!(
            "chart.metadata.name {:?} is not allowed",
            md.name
        )));
    }
    if md.name != go_base(&md.name) {
        return Err(invalid(format!(
            "chart.metadata.name {:?} is invalid",
            md.name
        )));
    }
    if md.version.is_empty() {
        return Err(invalid("chart.metadata.version is required".into()));
    }
    if crate::semver::Version::parse(&md.version).is_err() {
        return Err(invalid(format!(
            "chart.metadata.version {:?} is invalid",
            md.version
        )));
    }
    if !matches!(md.chart_type.as_str(), "" | "application" | "library") {
        return Err(invalid(
            "chart.metadata.type must be application or library".into(),
        ));
    }
    // Go validates maintainers in order and stops at the first nil one;
    // the non-nil ones before it are sanitised either way.
    for m in &mut md.maintainers {
        m.name = sanitize(&m.name);
        m.email = sanitize(&m.email);
        m.url = sanitize(&m.url);
    }
    if null_maintainer {
        return Err(invalid(
            "maintainers must not contain empty or null nodes".into(),
        ));
    }
    let mut seen = HashSet::new();
    for (i, d) in md.dependencies.iter_mut().enumerate() {
        if null_dependency == Some(i) {
            return Err(invalid(
                "dependencies must not contain empty or null nodes".into(),
            ));
        }
        d.name = sanitize(&d.name);
        d.version = sanitize(&d.version);
        d.repository = sanitize(&d.repository);
        d.condition = sanitize(&d.condition);
        for t in &mut d.tags {
            *t = sanitize(t);
        }
        if !d.alias.is_empty() && !valid_alias(&d.alias) {
            return Err(invalid(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            )));
        }
        let key = if d.alias.is_empty() {
            d.name.clone()
        } else {
            d.alias.clone()
        };
        if !seen.insert(key.clone()) {
            return Err(invalid(format!(
                "more than one dependency with name or alias {key:?}"
            )));
        }
    }
    Ok(())
}

/// `^[a-zA-Z0-9_-]+$`.
fn valid_alias(a: &str) -> bool {
    !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// `filepath.Base` on Unix.
fn go_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// helm's `sanitizeString`: Unicode spaces become `' '`, non-printable
/// characters are dropped.
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if is_go_space(c) {
                Some(' ')
            } else if is_go_print(c) {
                Some(c)
            } else {
                None
            }
        })
        .collect()
}

/// `unicode.IsSpace`.
fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    ) || (c as u32 > 0xff && c.is_whitespace())
}

/// `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space. Approximated by "not a control, format, surrogate,
/// private-use, unassigned or separator character other than ' '".
fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    // Format characters (Cf) commonly met, and private use areas.
    !matches!(u,
        0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff
        | 0xfff9..=0xfffb | 0xe000..=0xf8ff | 0xf0000..=0x10ffff)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn md(name: &str, version: &str) -> Metadata {
        Metadata {
            name: name.into(),
            version: version.into(),
            api_version: "v2".into(),
            ..Default::default()
        }
    }

    #[test]
    fn messages() {
        let err = |m: &mut Metadata| validate(m).unwrap_err().to_string();
        assert_eq!(
            err(&mut md("", "1")),
            "validation: chart.metadata.name is required"
        );
        assert_eq!(
            err(&mut md("..", "1")),
            "validation: chart.metadata.name \"..\" is not allowed"
        );
        assert_eq!(
            err(&mut md("a/b", "1")),
            "validation: chart.metadata.name \"a/b\" is invalid"
        );
        assert_eq!(
            err(&mut md("a", "")),
            "validation: chart.metadata.version is required"
        );
        assert_eq!(
            err(&mut md("a", "x.y")),
            "validation: chart.metadata.version \"x.y\" is invalid"
        );
        let mut m = md("a", "1.2");
        m.chart_type = "lib".into();
        assert_eq!(
            err(&mut m),
            "validation: chart.metadata.type must be application or library"
        );
        let mut m = md("a\tb\u{7}", "v1.2.3");
        validate(&mut m).unwrap();
        assert_eq!(m.name, "a b");
    }
}
