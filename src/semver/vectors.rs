//! Every vector that the real Masterminds/semver v3.5.0 produced
//! (`fixtures/semver/gen`), run against this module.

use super::{Constraints, Version};
use serde::Deserialize;
use std::cmp::Ordering;

#[derive(Deserialize)]
struct Parsed {
    input: String,
    ok: bool,
    #[serde(default)]
    error: String,
    #[serde(default)]
    string: String,
    #[serde(default)]
    original: String,
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
}

#[derive(Deserialize)]
struct Compared {
    a: String,
    b: String,
    result: i32,
}

#[derive(Deserialize)]
struct ConstraintParse {
    input: String,
    ok: bool,
    #[serde(default)]
    error: String,
    #[serde(default)]
    string: String,
}

#[derive(Deserialize)]
struct Checked {
    constraint: String,
    include_prerelease: bool,
    results: String,
}

#[derive(Deserialize)]
struct Vectors {
    library: String,
    parse: Vec<Parsed>,
    strict: Vec<Parsed>,
    compare: Vec<Compared>,
    constraints: Vec<ConstraintParse>,
    check_versions: Vec<String>,
    check: Vec<Checked>,
}

fn vectors() -> Vectors {
    let text = include_str!("../../fixtures/semver/vectors.json");
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("vectors.json: {e}"),
    }
}

fn check_parsed(what: &str, p: &Parsed, got: Result<Version, super::SemverError>) {
    match got {
        Ok(v) => {
            assert!(p.ok, "{what} {:?}: ok, Go says {:?}", p.input, p.error);
            let seen = (
                v.to_string(),
                v.original().to_owned(),
                v.major(),
                v.minor(),
                v.patch(),
                v.prerelease().to_owned(),
                v.metadata().to_owned(),
            );
            let want = (
                p.string.clone(),
                p.original.clone(),
                p.major,
                p.minor,
                p.patch,
                p.pre.clone(),
                p.metadata.clone(),
            );
            assert_eq!(seen, want, "{what} {:?}", p.input);
        }
        Err(e) => {
            assert!(
                !p.ok,
                "{what} {:?}: {e}, Go parses it as {}",
                p.input, p.string
            );
            assert_eq!(e.to_string(), p.error, "{what} {:?}", p.input);
        }
    }
}

#[test]
fn every_masterminds_vector_holds() {
    let v = vectors();
    assert_eq!(v.library, "github.com/Masterminds/semver/v3 v3.5.0");
    assert!(v.parse.len() > 100 && v.strict.len() == v.parse.len());
    for p in &v.parse {
        check_parsed("parse", p, Version::parse(&p.input));
    }
    for p in &v.strict {
        check_parsed("strict", p, Version::parse_strict(&p.input));
    }
    assert!(v.compare.len() > 1000);
    for c in &v.compare {
        let (Ok(a), Ok(b)) = (Version::parse(&c.a), Version::parse(&c.b)) else {
            panic!("compare inputs {:?} {:?} must parse", c.a, c.b);
        };
        let want = match c.result {
            -1 => Ordering::Less,
            0 => Ordering::Equal,
            _ => Ordering::Greater,
        };
        assert_eq!(a.cmp(&b), want, "compare {:?} {:?}", c.a, c.b);
        assert_eq!(a == b, c.result == 0, "eq {:?} {:?}", c.a, c.b);
    }
    for c in &v.constraints {
        match Constraints::parse(&c.input) {
            Ok(cs) => {
                assert!(
                    c.ok,
                    "constraint {:?} parses, Go says {:?}",
                    c.input, c.error
                );
                assert_eq!(cs.to_string(), c.string, "constraint {:?}", c.input);
            }
            Err(e) => {
                assert!(!c.ok, "constraint {:?}: {e}, Go parses it", c.input);
                assert_eq!(e.to_string(), c.error, "constraint {:?}", c.input);
            }
        }
    }
    let versions: Vec<Version> = v
        .check_versions
        .iter()
        .filter_map(|s| Version::parse(s).ok())
        .collect();
    assert_eq!(versions.len(), v.check_versions.len());
    let mut cases = 0;
    let mut failures = Vec::new();
    for c in &v.check {
        let Ok(cs) = Constraints::parse(&c.constraint) else {
            panic!("check constraint {:?} must parse", c.constraint);
        };
        let cs = cs.with_include_prerelease(c.include_prerelease);
        for (version, want) in versions.iter().zip(c.results.chars()) {
            cases += 1;
            if cs.check(version) != (want == '1') {
                failures.push(format!(
                    "{:?} (include_prerelease={}) vs {}: Go says {}",
                    c.constraint,
                    c.include_prerelease,
                    version.original(),
                    want == '1'
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} checks differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases > 10_000);
}
