//! Ranking, ordering and prerelease rules, with an in-memory catalog.

use super::*;
use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

/// An in-memory catalog: chart name -> lookup.
#[derive(Default)]
struct Memory(BTreeMap<String, Lookup>);

impl Catalog for Memory {
    fn lookup(&self, chart: &str) -> Lookup {
        self.0.get(chart).cloned().unwrap_or_default()
    }
}

fn repo(name: &str) -> SourceRef {
    SourceRef::Repo {
        name: name.into(),
        url: format!("https://{name}.example/charts"),
    }
}

fn listed(versions: &[&str]) -> Vec<ListedVersion> {
    versions
        .iter()
        .map(|v| ListedVersion {
            version: (*v).into(),
            ..Default::default()
        })
        .collect()
}

fn candidate(source: SourceRef, versions: Vec<ListedVersion>) -> Candidate {
    Candidate {
        source,
        versions,
        as_of: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        stale: None,
    }
}

fn installed(chart: &str, version: &str) -> InstalledChart {
    InstalledChart {
        release: format!("{chart}-rel"),
        namespace: "default".into(),
        revision: 1,
        chart: chart.into(),
        version: version.into(),
        ..Default::default()
    }
}

fn one(rel: &InstalledChart, candidates: Vec<Candidate>) -> Availability {
    assess_one(
        rel,
        &Lookup {
            candidates,
            failures: vec![],
        },
        Policy::default(),
    )
}

#[test]
fn single_candidate_is_t3_and_newest_stable_wins() {
    let a = one(
        &installed("demo", "1.2.3"),
        vec![candidate(
            repo("r"),
            listed(&["1.2.4", "2.0.0-rc.1", "1.10.0", "1.9.0"]),
        )],
    );
    assert_eq!(a.state, State::UpgradeAvailable(UpgradeKind::Minor));
    assert_eq!(a.latest.as_deref(), Some("1.10.0"));
    assert_eq!(a.tier, Some(Tier::T3));
    assert_eq!(a.source, Some(repo("r")));
    assert!(!a.installed_listed);
}

#[test]
fn kinds_and_equal_and_ahead() {
    let c = |v: &[&str]| vec![candidate(repo("r"), listed(v))];
    let rel = installed("demo", "1.2.3");
    assert_eq!(
        one(&rel, c(&["1.2.3", "1.2.4"])).state,
        State::UpgradeAvailable(UpgradeKind::Patch)
    );
    assert_eq!(
        one(&rel, c(&["1.2.3", "2.0.0"])).state,
        State::UpgradeAvailable(UpgradeKind::Major)
    );
    assert_eq!(one(&rel, c(&["1.2.3", "1.2.3+b2"])).state, State::UpToDate);
    assert_eq!(
        one(&rel, c(&["1.0.0", "1.2.2"])).state,
        State::AheadOfSource
    );
    // Only prereleases newer than a stable install: nothing eligible.
    let a = one(&rel, c(&["1.3.0-rc.1"]));
    assert_eq!((a.state, a.latest), (State::AheadOfSource, None));
}

#[test]
fn prereleases_count_when_installed_is_one_or_asked_for() {
    let versions = listed(&["1.0.0", "1.1.0-rc.9", "1.1.0-rc.10"]);
    let a = one(
        &installed("demo", "1.1.0-rc.1"),
        vec![candidate(repo("r"), versions.clone())],
    );
    assert_eq!(a.state, State::UpgradeAvailable(UpgradeKind::Prerelease));
    assert_eq!(a.latest.as_deref(), Some("1.1.0-rc.10"));
    let stable = one(
        &installed("demo", "1.0.0"),
        vec![candidate(repo("r"), versions.clone())],
    );
    assert_eq!(stable.state, State::UpToDate);
    let devel = assess_one(
        &installed("demo", "1.0.0"),
        &Lookup {
            candidates: vec![candidate(repo("r"), versions)],
            failures: vec![],
        },
        Policy {
            include_prerelease: true,
        },
    );
    assert_eq!(devel.latest.as_deref(), Some("1.1.0-rc.10"));
}

#[test]
fn artifacthub_prerelease_annotation_excludes_a_stable_looking_version() {
    let mut versions = listed(&["1.0.0", "1.1.0"]);
    versions[1].prerelease_annotation = true;
    let a = one(
        &installed("demo", "1.0.0"),
        vec![candidate(repo("r"), versions.clone())],
    );
    assert_eq!(a.state, State::UpToDate);
    let pre = one(
        &installed("demo", "1.0.1-beta"),
        vec![candidate(repo("r"), versions)],
    );
    assert_eq!(pre.latest.as_deref(), Some("1.1.0"));
}

#[test]
fn t1_beats_t2_beats_t3_and_ties_are_ambiguous() {
    let mut rel = installed("demo", "1.2.3");
    rel.home = "https://github.com/acme/demo".into();
    let mut matching = listed(&["1.5.0"]);
    matching[0].sources = vec!["https://acme.github.io/charts".into()];
    let lists_it = candidate(repo("mirror"), listed(&["1.2.3", "1.4.0"]));
    let by_host = candidate(repo("acme"), matching);
    let other = candidate(repo("other"), listed(&["9.0.0"]));

    let a = one(&rel, vec![other.clone(), by_host.clone(), lists_it.clone()]);
    assert_eq!(
        (a.tier, a.source.clone()),
        (Some(Tier::T1), Some(repo("mirror")))
    );
    assert_eq!(a.latest.as_deref(), Some("1.4.0"));
    assert!(a.installed_listed);

    let a = one(&rel, vec![other.clone(), by_host.clone()]);
    assert_eq!(
        (a.tier, a.source.clone()),
        (Some(Tier::T2), Some(repo("acme")))
    );

    let a = one(
        &rel,
        vec![other.clone(), candidate(repo("other2"), listed(&["1.0.0"]))],
    );
    assert_eq!(a.state, State::Ambiguous);
    assert_eq!(a.candidates, vec![repo("other"), repo("other2")]);
    assert_eq!((a.source, a.latest), (None, None));

    let mut mirror2 = lists_it.clone();
    mirror2.source = repo("mirror2");
    let a = one(&rel, vec![lists_it, mirror2, by_host]);
    assert_eq!(a.state, State::Ambiguous);
    assert_eq!(a.candidates, vec![repo("mirror"), repo("mirror2")]);
}

#[test]
fn installed_version_matches_by_precedence_and_metadata() {
    // 1.2.3+b1 installed; a source listing only 1.2.3+b2 does not list it.
    let rel = installed("demo", "1.2.3+b1");
    let a = one(
        &rel,
        vec![
            candidate(repo("a"), listed(&["1.2.3+b2"])),
            candidate(repo("b"), listed(&["v1.2.3+b1"])),
        ],
    );
    assert_eq!((a.tier, a.source), (Some(Tier::T1), Some(repo("b"))));
}

#[test]
fn no_candidate_is_unknown_and_unreadable_sources_are_source_error() {
    let catalog = Memory::default();
    let r = assess(
        &[installed("nochart", "1.0.0")],
        &catalog,
        Policy::default(),
    );
    assert_eq!(r[0].state, State::UnknownSource);
    assert_eq!(r[0].source, None);

    let mut m = Memory::default();
    m.0.insert(
        "demo".into(),
        Lookup {
            candidates: vec![],
            failures: vec![SourceFailure {
                source: repo("down"),
                error: "connection refused".into(),
            }],
        },
    );
    let r = assess(&[installed("demo", "1.0.0")], &m, Policy::default());
    assert_eq!(r[0].state, State::SourceError);
    assert_eq!(r[0].error.as_deref(), Some("down: connection refused"));
}

#[test]
fn stale_data_is_used_and_flagged() {
    let mut c = candidate(repo("r"), listed(&["2.0.0"]));
    c.stale = Some("failed to fetch".into());
    let a = one(&installed("demo", "1.0.0"), vec![c.clone()]);
    assert_eq!(a.state, State::UpgradeAvailable(UpgradeKind::Major));
    assert_eq!(a.error.as_deref(), Some("failed to fetch"));
    assert_eq!(a.checked_at, Some(c.as_of));
}

#[test]
fn unparseable_entries_are_skipped_and_order_is_semver_not_text() {
    let a = one(
        &installed("demo", "1.0.0"),
        vec![candidate(
            repo("r"),
            listed(&["latest", "1.9.0", "1.10.0", "v1.11", "01.2"]),
        )],
    );
    assert_eq!(a.latest.as_deref(), Some("v1.11"));
}
