//! The versions a release can be upgraded to, from the source the
//! availability check chooses for its chart (for an upgrade dialog), and
//! the chart reference that fetches one of them.

use super::{Catalog, InstalledChart, Policy, SourceRef, State, assess_one, fetch};
use crate::semver::Version;

/// The versions one source offers for a release's chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceVersions {
    /// The source chosen by the availability rules.
    pub source: SourceRef,
    /// Its versions, newest first: stable ones, plus prereleases when the
    /// policy or the installed version asks for them.
    pub versions: Vec<String>,
}

/// The versions `catalog`'s chosen source offers for `installed`'s chart.
///
/// # Errors
///
/// Why no single source could be chosen (none has the chart, several are
/// equally plausible, or the sources could not be read).
pub fn source_versions(
    installed: &InstalledChart,
    catalog: &dyn Catalog,
    policy: Policy,
) -> Result<SourceVersions, String> {
    let lookup = catalog.lookup(&installed.chart);
    let a = assess_one(installed, &lookup, policy);
    let Some(source) = a.source else {
        return Err(match a.state {
            State::Ambiguous => format!(
                "several sources have chart {:?}: {}",
                installed.chart,
                a.candidates
                    .iter()
                    .map(SourceRef::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            State::SourceError => a
                .error
                .unwrap_or_else(|| "the chart's sources could not be read".into()),
            _ => a.error.unwrap_or_else(|| {
                format!(
                    "no configured repository or OCI source has chart {:?}",
                    installed.chart
                )
            }),
        });
    };
    let prerelease_ok = policy.include_prerelease
        || Version::parse(&installed.version).is_ok_and(|v| v.is_prerelease());
    let mut found: Vec<Version> = lookup
        .candidates
        .iter()
        .filter(|c| c.source == source)
        .flat_map(|c| &c.versions)
        .filter_map(|v| Version::parse(&v.version).ok())
        .filter(|v| prerelease_ok || !v.is_prerelease() || v.original() == installed.version)
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    let mut versions: Vec<String> = found.iter().map(|v| v.original().to_string()).collect();
    versions.dedup();
    Ok(SourceVersions { source, versions })
}

/// [`source_versions`] against the live sources.
///
/// # Errors
///
/// As [`source_versions`], and when the repository configuration cannot
/// be read.
pub async fn available_versions(
    installed: &InstalledChart,
    opts: &fetch::SourceOptions,
    policy: Policy,
) -> Result<SourceVersions, String> {
    let charts = std::iter::once(installed.chart.clone()).collect();
    let catalog = fetch::LiveCatalog::load(opts, &charts)
        .await
        .map_err(|e| e.to_string())?;
    source_versions(installed, &catalog, policy)
}

/// The chart reference that fetches `chart` from `source` (`repo/chart`,
/// or the `oci://` reference, which names the chart already).
pub fn chart_reference(source: &SourceRef, chart: &str) -> String {
    match source {
        SourceRef::Repo { name, .. } => format!("{name}/{chart}"),
        SourceRef::Oci { reference } => reference.clone(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::upgrades::{Candidate, ListedVersion, Lookup};

    struct One(BTreeMap<String, Lookup>);

    impl Catalog for One {
        fn lookup(&self, chart: &str) -> Lookup {
            self.0.get(chart).cloned().unwrap_or_default()
        }
    }

    fn repo(name: &str) -> SourceRef {
        SourceRef::Repo {
            name: name.into(),
            url: format!("https://{name}.example"),
        }
    }

    fn cand(source: SourceRef, versions: &[&str]) -> Candidate {
        Candidate {
            source,
            versions: versions
                .iter()
                .map(|v| ListedVersion {
                    version: (*v).into(),
                    ..Default::default()
                })
                .collect(),
            as_of: UNIX_EPOCH,
            stale: None,
        }
    }

    fn installed(version: &str) -> InstalledChart {
        InstalledChart {
            release: "web".into(),
            namespace: "ns".into(),
            revision: 1,
            chart: "nginx".into(),
            version: version.into(),
            home: String::new(),
            sources: Vec::new(),
        }
    }

    #[test]
    fn lists_the_chosen_sources_versions_newest_first() {
        let catalog = One(BTreeMap::from([(
            "nginx".to_string(),
            Lookup {
                // Only `stable` lists the installed version: it is chosen
                // (tier 1), `other` is ignored.
                candidates: vec![
                    cand(
                        repo("stable"),
                        &["1.0.0", "1.10.0", "1.2.0", "2.0.0-rc.1", "1.2.0"],
                    ),
                    cand(repo("other"), &["9.0.0"]),
                ],
                failures: Vec::new(),
            },
        )]));
        let got = source_versions(&installed("1.0.0"), &catalog, Policy::default()).unwrap();
        assert_eq!(got.source, repo("stable"));
        // Semantic order (1.10 after 1.2), no prerelease, no duplicate.
        assert_eq!(got.versions, ["1.10.0", "1.2.0", "1.0.0"]);
        let devel = Policy {
            include_prerelease: true,
        };
        let got = source_versions(&installed("1.0.0"), &catalog, devel).unwrap();
        assert_eq!(got.versions[0], "2.0.0-rc.1");
    }

    #[test]
    fn says_why_no_source_was_chosen() {
        let catalog = One(BTreeMap::new());
        let e = source_versions(&installed("1.0.0"), &catalog, Policy::default()).unwrap_err();
        assert!(e.contains("no configured repository"), "{e}");
    }

    #[test]
    fn references_fetch_from_the_source() {
        assert_eq!(chart_reference(&repo("stable"), "nginx"), "stable/nginx");
        let oci = SourceRef::Oci {
            reference: "oci://reg.example/charts/nginx".into(),
        };
        assert_eq!(
            chart_reference(&oci, "nginx"),
            "oci://reg.example/charts/nginx"
        );
    }
}
