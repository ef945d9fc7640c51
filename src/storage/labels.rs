//! Helm's labels on storage objects, and Kubernetes label selectors (as
//! `helm list --selector` takes them).

use std::collections::BTreeMap;

/// The labels Helm sets itself on every record (`util.go` systemLabels).
pub const SYSTEM_LABELS: [&str; 6] = [
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Label set of a storage object.
pub type Labels = BTreeMap<String, String>;

/// True for one of Helm's system label keys.
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// The labels that are not Helm's system labels (what Helm's `Get` puts in
/// `Release.Labels`).
pub fn custom_labels(all: &Labels) -> Labels {
    all.iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One requirement of a label selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Gt(String, i64),
    Lt(String, i64),
}

/// A parsed Kubernetes label selector (`a=b,c!=d,e in (f,g),!h`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

/// A selector that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

impl Selector {
    /// The empty selector, which matches everything.
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// True if it has no requirements.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses selector syntax as `k8s.io/apimachinery/pkg/labels.Parse`.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut reqs = Vec::new();
        let mut rest = s.trim();
        while !rest.is_empty() {
            // As apimachinery: only a requirement's own errors get the prefix.
            let (req, tail) = parse_requirement(rest)
                .map_err(|e| SelectorError(format!("unable to parse requirement: {}", e.0)))?;
            reqs.push(req);
            rest = tail.trim_start();
            if let Some(t) = rest.strip_prefix(',') {
                rest = t.trim_start();
                if rest.is_empty() {
                    return Err(SelectorError(
                        "found '', expected: identifier after ','".into(),
                    ));
                }
            } else if !rest.is_empty() {
                return Err(SelectorError(format!(
                    "found '{}', expected: ',' or 'end of string'",
                    go_token(rest)
                )));
            }
        }
        Ok(Selector(reqs))
    }

    /// True if `labels` satisfies every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Gt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Requirement::Lt(k, n) => labels
                .get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }

    /// The selector as the API server takes it, when every requirement is an
    /// equality that can be pushed down (used to narrow LIST requests).
    pub fn equalities(&self) -> Option<Vec<(&str, &str)>> {
        self.0
            .iter()
            .map(|r| match r {
                Requirement::In(k, vs) if vs.len() == 1 => Some((k.as_str(), vs[0].as_str())),
                _ => None,
            })
            .collect()
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')
}

fn take_word(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !is_key_char(c)).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn parse_requirement(s: &str) -> Result<(Requirement, &str), SelectorError> {
    if let Some(rest) = s.strip_prefix('!') {
        let (key, tail) = take_word(rest.trim_start());
        if key.is_empty() {
            return Err(SelectorError(format!(
                "found '{}', expected: identifier",
                go_token(rest)
            )));
        }
        validate_key(key)?;
        return Ok((Requirement::NotExists(key.to_string()), tail));
    }
    let (key, tail) = take_word(s);
    validate_key(key)?;
    let t = tail.trim_start();
    fn op_value(t: &str, op_len: usize) -> Result<(String, &str), SelectorError> {
        let rest = t[op_len..].trim_start();
        if rest.starts_with(|c: char| c != ',' && is_go_symbol(c)) {
            return Err(SelectorError(format!(
                "found '{}', expected: identifier",
                go_token(rest)
            )));
        }
        let (value, tail) = take_word(rest);
        validate_value(value)?;
        Ok((value.to_string(), tail))
    }
    if t.is_empty() || t.starts_with(',') {
        return Ok((Requirement::Exists(key.to_string()), t));
    }
    if t.starts_with("==") {
        let (v, tail) = op_value(t, 2)?;
        return Ok((Requirement::In(key.to_string(), vec![v]), tail));
    }
    if t.starts_with("!=") {
        let (v, tail) = op_value(t, 2)?;
        return Ok((Requirement::NotIn(key.to_string(), vec![v]), tail));
    }
    if t.starts_with('=') {
        let (v, tail) = op_value(t, 1)?;
        return Ok((Requirement::In(key.to_string(), vec![v]), tail));
    }
    if t.starts_with('>') || t.starts_with('<') {
        let (v, tail) = op_value(t, 1)?;
        let n: i64 = v.parse().map_err(|_| {
            SelectorError(format!(
                "for 'Gt', 'Lt' operators, the value must be an integer: {v}"
            ))
        })?;
        let req = if t.starts_with('>') {
            Requirement::Gt(key.to_string(), n)
        } else {
            Requirement::Lt(key.to_string(), n)
        };
        return Ok((req, tail));
    }
    let (word, after) = take_word(t);
    let set_op = match word {
        "in" => true,
        "notin" => false,
        _ => {
            return Err(SelectorError(format!(
                "found '{t}', expected: in, notin, =, ==, !=, gt, lt"
            )));
        }
    };
    let after = after.trim_start();
    let inner = after
        .strip_prefix('(')
        .ok_or_else(|| SelectorError(format!("found '{}' expected: '('", go_token(after))))?;
    let close = inner
        .find(')')
        .ok_or_else(|| SelectorError("found '', expected: ')'".to_string()))?;
    let mut values = Vec::new();
    for v in inner[..close].split(',') {
        let v = v.trim();
        validate_value(v)?;
        values.push(v.to_string());
    }
    let req = if set_op {
        Requirement::In(key.to_string(), values)
    } else {
        Requirement::NotIn(key.to_string(), values)
    };
    Ok((req, &inner[close + 1..]))
}

/// apimachinery's selector lexer's special symbols.
fn is_go_symbol(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | '<' | '>' | ',')
}

/// The next token as apimachinery's lexer reads it, for messages: a symbol
/// (`==` and `!=` greedily), else a word up to a blank or a symbol.
fn go_token(s: &str) -> &str {
    let s = s.trim_start();
    if s.starts_with("==") || s.starts_with("!=") {
        return &s[..2];
    }
    match s.chars().next() {
        Some(c) if is_go_symbol(c) => &s[..1],
        _ => {
            let end = s
                .find(|c: char| c.is_whitespace() || is_go_symbol(c))
                .unwrap_or(s.len());
            &s[..end]
        }
    }
}

fn validate_key(key: &str) -> Result<(), SelectorError> {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    if key.is_empty() || name.is_empty() || name.len() > 63 || !valid_label_value(name) {
        return Err(SelectorError(format!("invalid label key {key:?}")));
    }
    Ok(())
}

fn validate_value(v: &str) -> Result<(), SelectorError> {
    if valid_label_value(v) {
        Ok(())
    } else {
        Err(SelectorError(format!("invalid label value: {v:?}")))
    }
}

/// A valid Kubernetes label value: at most 63 characters, alphanumerics,
/// `-`, `_` and `.`, beginning and ending with an alphanumeric (or empty).
pub fn valid_label_value(v: &str) -> bool {
    if v.is_empty() {
        return true;
    }
    let b = v.as_bytes();
    v.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {

    #[test]
    fn errors_are_apimachinerys() {
        // Texts as helm v3.21 prints them for `helm list -l <selector>`.
        let err = |s: &str| {
            super::Selector::parse(s)
                .map(|_| ())
                .expect_err("invalid")
                .to_string()
        };
        assert_eq!(
            err("a=("),
            "unable to parse requirement: found '(', expected: identifier"
        );
        assert_eq!(
            err("!"),
            "unable to parse requirement: found '', expected: identifier"
        );
        assert_eq!(
            err("a in b"),
            "unable to parse requirement: found 'b' expected: '('"
        );
        assert_eq!(err("a,"), "found '', expected: identifier after ','");
        assert_eq!(
            err("x==y==z"),
            "found '==', expected: ',' or 'end of string'"
        );
    }

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_and_matches_every_operator() {
        let l = labels(&[("team", "a"), ("tier", "web"), ("version", "12")]);
        for (sel, want) in [
            ("", true),
            ("team=a", true),
            ("team==a", true),
            ("team!=a", false),
            ("missing!=a", true),
            ("team in (a, b)", true),
            ("team notin (a,b)", false),
            ("missing notin (a)", true),
            ("team", true),
            ("!team", false),
            ("!missing", true),
            ("team=a,tier=web", true),
            (" team = a , tier in (db) ", false),
            ("version>9", true),
            ("version<9", false),
            ("team=", false),
        ] {
            let s = Selector::parse(sel).unwrap_or_else(|e| panic!("{sel}: {e}"));
            assert_eq!(s.matches(&l), want, "{sel}");
        }
    }

    #[test]
    fn rejects_malformed_selectors() {
        for bad in [
            "team=a=b",
            "team in a",
            "team in (a",
            "=a",
            "team=a,",
            "te am=a",
            "team=-a",
            "team~a",
        ] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_labels_drop_the_system_ones() {
        let l = labels(&[
            ("name", "x"),
            ("owner", "helm"),
            ("team", "a"),
            ("modifiedAt", "1"),
        ]);
        assert_eq!(custom_labels(&l), labels(&[("team", "a")]));
    }
}
