//! Upgrade availability: for each release, whether a newer version of its
//! chart exists in a source it plausibly came from.
//!
//! Helm records no chart source, so rudder infers it (reference
//! `chart-sources.md` §8): the candidate sources are the configured HTTP
//! repositories whose index has the chart's name and the configured OCI
//! prefixes under which `<prefix>/<chart>` has tags. They are ranked
//!
//! * **T1**: the source lists the installed version;
//! * **T2**: the source's `home`/`sources` hosts match the release chart's
//!   (`github.com/<org>/…` counts as `<org>.github.io`);
//! * **T3**: it is the only candidate.
//!
//! Several candidates in the best tier give [`State::Ambiguous`] (they are
//! all listed); no candidate gives [`State::UnknownSource`], never a guess.
//! Versions follow Helm's semver ([`crate::semver`]): the newest version
//! satisfying `>0.0.0` counts, or `>0.0.0-0` when prereleases are asked for
//! or the installed version is itself a prerelease; an index entry
//! annotated `artifacthub.io/prerelease: "true"` counts as a prerelease.
//!
//! [`fetch`] builds a [`Catalog`] from helm's repository configuration and
//! cache (one conditional request per repository) and from OCI tag lists;
//! [`assess`] is the pure decision, usable with any catalog.

pub mod fetch;
mod hosts;
pub mod versions;

use crate::release::Release;
use crate::semver::{Constraints, Version};
use std::cmp::Ordering;
use std::fmt;
use std::time::SystemTime;

/// The part of a release that availability looks at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstalledChart {
    /// Release name.
    pub release: String,
    /// Release namespace.
    pub namespace: String,
    /// Release revision.
    pub revision: i64,
    /// Chart name from the record's chart metadata.
    pub chart: String,
    /// Chart version from the record's chart metadata.
    pub version: String,
    /// The chart's `home`.
    pub home: String,
    /// The chart's `sources`.
    pub sources: Vec<String>,
}

impl InstalledChart {
    /// What a release record says about its chart (`None` when the record
    /// has no chart metadata).
    pub fn from_release(rel: &Release) -> Option<InstalledChart> {
        let m = rel.chart.as_ref()?.metadata.as_ref()?;
        Some(InstalledChart {
            release: rel.name.clone(),
            namespace: rel.namespace.clone(),
            revision: rel.version,
            chart: m.name.clone(),
            version: m.version.clone(),
            home: m.home.clone(),
            sources: m.sources.clone(),
        })
    }
}

/// Where a chart can come from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceRef {
    /// A repository configured in helm's `repositories.yaml`.
    Repo {
        /// Its name (`helm repo add NAME URL`).
        name: String,
        /// Its URL.
        url: String,
    },
    /// An OCI repository, `oci://host/prefix/<chart>`.
    Oci {
        /// The full reference, `oci://` included.
        reference: String,
    },
}

impl SourceRef {
    /// The short form used in tables: the repository name, or the OCI
    /// reference.
    pub fn label(&self) -> &str {
        match self {
            SourceRef::Repo { name, .. } => name,
            SourceRef::Oci { reference } => reference,
        }
    }
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceRef::Repo { name, url } => write!(f, "{name} ({url})"),
            SourceRef::Oci { reference } => f.write_str(reference),
        }
    }
}

/// One version of a chart as a source lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedVersion {
    /// The version text (for OCI, the tag with `_` turned back into `+`).
    pub version: String,
    /// `home` of that entry (empty for OCI tags).
    pub home: String,
    /// `sources` of that entry (empty for OCI tags).
    pub sources: Vec<String>,
    /// The entry carries `artifacthub.io/prerelease: "true"`.
    pub prerelease_annotation: bool,
}

/// A source that has the chart, with every version it lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The source.
    pub source: SourceRef,
    /// The versions it lists, in any order.
    pub versions: Vec<ListedVersion>,
    /// When this data was known to be current (the time of the request
    /// that returned or confirmed it, else the cache file's time).
    pub as_of: SystemTime,
    /// Why fresh data could not be had, when this is older cached data.
    pub stale: Option<String>,
}

/// A source that could not be read and has no cached data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFailure {
    /// The source.
    pub source: SourceRef,
    /// What went wrong.
    pub error: String,
}

/// What the sources say about one chart name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookup {
    /// Sources that list the chart.
    pub candidates: Vec<Candidate>,
    /// Sources that might list it but could not be read.
    pub failures: Vec<SourceFailure>,
}

/// Anything that can say which sources have a chart: the live sources
/// ([`fetch::LiveCatalog`]) or a double in tests.
pub trait Catalog {
    /// The candidate sources for a chart name.
    fn lookup(&self, chart: &str) -> Lookup;
}

/// How far the newest version is ahead of the installed one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UpgradeKind {
    /// A new major version.
    Major,
    /// A new minor version.
    Minor,
    /// A new patch version.
    Patch,
    /// Same X.Y.Z, a later prerelease or the release of the installed
    /// prerelease.
    Prerelease,
}

impl UpgradeKind {
    /// `major`, `minor`, `patch` or `prerelease`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeKind::Major => "major",
            UpgradeKind::Minor => "minor",
            UpgradeKind::Patch => "patch",
            UpgradeKind::Prerelease => "prerelease",
        }
    }
}

/// The verdict for one release.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// The installed version is the newest the source has.
    UpToDate,
    /// The source has a newer version.
    UpgradeAvailable(UpgradeKind),
    /// The installed version is newer than anything the source offers
    /// (or the source offers nothing eligible).
    AheadOfSource,
    /// Several sources are equally plausible; see
    /// [`Availability::candidates`].
    Ambiguous,
    /// No configured source has the chart.
    UnknownSource,
    /// No source has the chart, but some could not be read (and have no
    /// cached data): the answer is not known.
    SourceError,
}

impl State {
    /// The state's name: `up-to-date`, `upgrade-available`,
    /// `ahead-of-source`, `ambiguous`, `unknown-source`, `source-error`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::UpToDate => "up-to-date",
            State::UpgradeAvailable(_) => "upgrade-available",
            State::AheadOfSource => "ahead-of-source",
            State::Ambiguous => "ambiguous",
            State::UnknownSource => "unknown-source",
            State::SourceError => "source-error",
        }
    }

    /// The kind of upgrade, for [`State::UpgradeAvailable`].
    pub fn upgrade_kind(self) -> Option<UpgradeKind> {
        match self {
            State::UpgradeAvailable(k) => Some(k),
            _ => None,
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            State::UpgradeAvailable(k) => write!(f, "upgrade-available ({})", k.as_str()),
            s => f.write_str(s.as_str()),
        }
    }
}

/// How the source was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The source lists the installed version.
    T1,
    /// The source's home/sources hosts match the chart's.
    T2,
    /// The only candidate.
    T3,
}

impl Tier {
    /// `T1`, `T2` or `T3`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
        }
    }
}

/// Upgrade availability of one release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Availability {
    /// The release and its chart.
    pub installed: InstalledChart,
    /// The verdict.
    pub state: State,
    /// The newest eligible version in the chosen source, as listed there.
    pub latest: Option<String>,
    /// The chosen source.
    pub source: Option<SourceRef>,
    /// How it was chosen.
    pub tier: Option<Tier>,
    /// For [`State::Ambiguous`]: the equally plausible sources.
    pub candidates: Vec<SourceRef>,
    /// Whether the chosen source lists the installed version.
    pub installed_listed: bool,
    /// When the chosen source's data was known current.
    pub checked_at: Option<SystemTime>,
    /// Why the data is old ([`Candidate::stale`]) or, for
    /// [`State::SourceError`], why the sources could not be read.
    pub error: Option<String>,
}

/// Which versions count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Consider prereleases even for a release installed from a stable
    /// version (helm's `--devel`).
    pub include_prerelease: bool,
}

/// Decides availability for each release from what `catalog` says.
pub fn assess(
    releases: &[InstalledChart],
    catalog: &dyn Catalog,
    policy: Policy,
) -> Vec<Availability> {
    releases
        .iter()
        .map(|r| assess_one(r, &catalog.lookup(&r.chart), policy))
        .collect()
}

/// Decides availability for one release.
pub fn assess_one(installed: &InstalledChart, lookup: &Lookup, policy: Policy) -> Availability {
    let mut out = Availability {
        installed: installed.clone(),
        state: State::UnknownSource,
        latest: None,
        source: None,
        tier: None,
        candidates: Vec::new(),
        installed_listed: false,
        checked_at: None,
        error: None,
    };
    let Ok(current) = Version::parse(&installed.version) else {
        out.error = Some(format!(
            "installed chart version {:?} is not a semantic version",
            installed.version
        ));
        return out;
    };
    if lookup.candidates.is_empty() {
        if !lookup.failures.is_empty() {
            out.state = State::SourceError;
            out.error = Some(
                lookup
                    .failures
                    .iter()
                    .map(|f| format!("{}: {}", f.source.label(), f.error))
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        return out;
    }
    let lists_installed = |c: &Candidate| {
        c.versions.iter().any(|v| {
            Version::parse(&v.version)
                .is_ok_and(|p| p == current && p.metadata() == current.metadata())
        })
    };
    let release_hosts = hosts::keys(
        [installed.home.as_str()]
            .into_iter()
            .chain(installed.sources.iter().map(String::as_str)),
    );
    let t1: Vec<&Candidate> = lookup
        .candidates
        .iter()
        .filter(|c| lists_installed(c))
        .collect();
    let (tier, best) = if !t1.is_empty() {
        (Tier::T1, t1)
    } else {
        let t2: Vec<&Candidate> = lookup
            .candidates
            .iter()
            .filter(|c| {
                let theirs = hosts::keys(c.versions.iter().flat_map(|v| {
                    [v.home.as_str()]
                        .into_iter()
                        .chain(v.sources.iter().map(String::as_str))
                }));
                !release_hosts.is_disjoint(&theirs)
            })
            .collect();
        if !t2.is_empty() {
            (Tier::T2, t2)
        } else {
            (Tier::T3, lookup.candidates.iter().collect())
        }
    };
    if best.len() > 1 {
        out.state = State::Ambiguous;
        out.candidates = best.iter().map(|c| c.source.clone()).collect();
        return out;
    }
    let Some(chosen) = best.first() else {
        return out;
    };
    out.tier = Some(tier);
    out.source = Some(chosen.source.clone());
    out.checked_at = Some(chosen.as_of);
    out.error = chosen.stale.clone();
    out.installed_listed = tier == Tier::T1;
    let include_pre = policy.include_prerelease || current.is_prerelease();
    match newest(&chosen.versions, include_pre) {
        None => out.state = State::AheadOfSource,
        Some((latest, text)) => {
            out.latest = Some(text.to_owned());
            out.state = match current.cmp(&latest) {
                Ordering::Less => State::UpgradeAvailable(kind(&current, &latest)),
                Ordering::Equal => State::UpToDate,
                Ordering::Greater => State::AheadOfSource,
            };
        }
    }
    out
}

/// The newest eligible version: the first, in descending order, that
/// satisfies `>0.0.0` (`>0.0.0-0` with prereleases) and is not annotated
/// as a prerelease unless prereleases are wanted.
fn newest(versions: &[ListedVersion], include_pre: bool) -> Option<(Version, &str)> {
    let constraint = Constraints::parse(if include_pre { ">0.0.0-0" } else { ">0.0.0" }).ok()?;
    versions
        .iter()
        .filter(|v| include_pre || !v.prerelease_annotation)
        .filter_map(|v| {
            Version::parse(&v.version)
                .ok()
                .map(|p| (p, v.version.as_str()))
        })
        .filter(|(p, _)| constraint.check(p))
        // Equal precedence (differing metadata): the first listed wins, as
        // in helm's stable sort of an index.
        .fold(None, |best: Option<(Version, &str)>, (p, t)| match best {
            Some((b, bt)) if b >= p => Some((b, bt)),
            _ => Some((p, t)),
        })
}

fn kind(current: &Version, latest: &Version) -> UpgradeKind {
    if latest.major() != current.major() {
        UpgradeKind::Major
    } else if latest.minor() != current.minor() {
        UpgradeKind::Minor
    } else if latest.patch() != current.patch() {
        UpgradeKind::Patch
    } else {
        UpgradeKind::Prerelease
    }
}

#[cfg(test)]
mod tests;

/// The outcome of a check over many releases.
#[derive(Debug)]
pub struct Report {
    /// One entry per release, in the order given.
    pub entries: Vec<Availability>,
    /// Problems worth a warning (stale data used, cache not writable).
    pub warnings: Vec<String>,
    /// What each repository's index request did, by repository name.
    pub index_fetches: std::collections::BTreeMap<String, fetch::IndexFetch>,
}

/// Checks many releases against the live sources: each repository index
/// is requested once (conditionally) and each OCI `<prefix>/<chart>` tag
/// list once, however many releases share them.
pub async fn check(
    releases: &[InstalledChart],
    opts: &fetch::SourceOptions,
    policy: Policy,
) -> Result<Report, fetch::FetchError> {
    let charts = releases.iter().map(|r| r.chart.clone()).collect();
    let catalog = fetch::LiveCatalog::load(opts, &charts).await?;
    Ok(Report {
        entries: assess(releases, &catalog, policy),
        warnings: catalog.warnings.clone(),
        index_fetches: catalog.index_fetches.clone(),
    })
}
