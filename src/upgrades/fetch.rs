//! The live [`Catalog`]: helm's configured repositories (their cached
//! indexes, refreshed with one conditional request per repository) and
//! user-configured OCI prefixes (tag lists).
//!
//! Reading helm's files, requesting and storing indexes and listing tags
//! are [`crate::repo`]'s and [`crate::registry`]'s; what is specific to
//! availability lives here: the conditional request, the summaries of
//! parsed indexes and the OCI tag-list cache.
//!
//! helm's `<name>-index.yaml` stays exactly what the server sent: it is
//! rewritten (with `<name>-charts.txt`, as `helm repo update` does) only
//! after a 200 whose body loads as helm loads an index. The validators
//! (`ETag`, `Last-Modified`) live in rudder's own sidecar,
//! `<name>-index.yaml.rudder.json`, together with the sha256 of the body
//! they belong to; they are sent only while helm's file still has that
//! sha256 (a `helm repo update` in between makes them void). A 304 touches
//! nothing. When a request fails, the cached index is used and flagged
//! stale.

use super::{Candidate, Catalog, ListedVersion, Lookup, SourceFailure, SourceRef};
use crate::ErrorKind;
use crate::fetch::ClientOptions;
use crate::registry::{Reference, RegistryError, RegistryOptions};
use crate::repo::getter::{Conditional, GetterOptions, Validators};
use crate::repo::paths::PathFlags;
use crate::repo::{Entry, Getter, HelmPaths, IndexFile, RepoFile};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The OCI tag-list TTL the CLI uses.
pub const DEFAULT_OCI_CACHE_TTL: Duration = Duration::from_secs(3600);
/// Concurrent OCI tag listings at most.
const OCI_CONCURRENCY: usize = 4;

/// Where the sources are configured and how to reach them.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// helm's `repositories.yaml`.
    pub repository_config: PathBuf,
    /// helm's repository cache directory.
    pub repository_cache: PathBuf,
    /// The registry credentials file (docker config format).
    pub registry_config: PathBuf,
    /// OCI prefixes, `oci://host[:port]/path`, under which `<chart>` is
    /// looked up.
    pub oci_sources: Vec<String>,
    /// Talk to the OCI registries over plain HTTP.
    pub plain_http: bool,
    /// TLS settings for the OCI registries (CA file, client certificate,
    /// verification skip); the timeout comes from [`SourceOptions::timeout`].
    pub oci_tls: ClientOptions,
    /// Use cached indexes and tag lists only; no request at all.
    pub offline: bool,
    /// How long an OCI tag list read earlier is reused without asking the
    /// registry again (`None`: always ask). rudder keeps them in
    /// `<repository cache>/rudder-oci-tags.json`.
    pub oci_cache_ttl: Option<Duration>,
    /// Per-request timeout (helm's default is 120 s).
    pub timeout: Option<Duration>,
}

impl SourceOptions {
    /// helm's locations from the environment ([`HelmPaths::from_env`]) and
    /// the OCI prefixes of `RUDDER_OCI_SOURCES`.
    pub fn from_env() -> SourceOptions {
        let paths = HelmPaths::from_env();
        SourceOptions {
            repository_config: paths.repository_config,
            repository_cache: paths.repository_cache,
            registry_config: paths.registry_config,
            oci_sources: std::env::var("RUDDER_OCI_SOURCES")
                .map(|v| split_sources(&v))
                .unwrap_or_default(),
            ..SourceOptions::default()
        }
    }

    /// helm's paths with these three locations.
    fn helm_paths(&self) -> HelmPaths {
        HelmPaths::with_flags(&PathFlags {
            registry_config: Some(self.registry_config.clone()),
            repository_config: Some(self.repository_config.clone()),
            repository_cache: Some(self.repository_cache.clone()),
            content_cache: None,
        })
    }
}

/// Splits a comma- or whitespace-separated list of OCI prefixes.
pub fn split_sources(list: &str) -> Vec<String> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Why the sources could not even be enumerated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// `repositories.yaml` exists but cannot be read or parsed.
    #[error("couldn't load repositories file ({path}): {message}")]
    RepositoryConfig {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An OCI source is not `oci://host/path`.
    #[error("invalid OCI source {0:?}: expected oci://host[:port]/path")]
    OciSource(String),
}

impl FetchError {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            FetchError::RepositoryConfig { .. } => ErrorKind::Corrupt,
            FetchError::OciSource(_) => ErrorKind::InvalidInput,
        }
    }
}

/// rudder's validators for one cached index.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sidecar {
    url: String,
    #[serde(flatten)]
    validators: Validators,
    sha256: String,
}

/// One repository's data for this run.
#[derive(Debug)]
enum RepoData {
    Ok {
        charts: BTreeMap<String, Vec<ListedVersion>>,
        as_of: SystemTime,
        stale: Option<String>,
    },
    Failed(String),
}

/// What one index request did, for callers that report or test traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexFetch {
    /// No request (offline).
    Cached,
    /// 200: helm's index file was rewritten.
    Updated,
    /// 304: nothing was touched.
    NotModified,
    /// The request failed.
    Failed,
}

/// The sources of one run, each read once.
#[derive(Debug, Default)]
pub struct LiveCatalog {
    repos: Vec<(SourceRef, RepoData)>,
    oci: BTreeMap<String, Vec<Result<Candidate, SourceFailure>>>,
    /// What each repository's index request did, by repository name.
    pub index_fetches: BTreeMap<String, IndexFetch>,
    /// Problems worth a warning (stale data used, unreadable entries).
    pub warnings: Vec<String>,
}

impl LiveCatalog {
    /// Reads every configured repository (one request each, concurrently)
    /// and lists the tags of `<prefix>/<chart>` for every OCI prefix and
    /// chart name in `charts`.
    pub async fn load(
        opts: &SourceOptions,
        charts: &BTreeSet<String>,
    ) -> Result<LiveCatalog, FetchError> {
        let repos = read_repo_file(&opts.repository_config)?;
        let oci_prefixes = opts
            .oci_sources
            .iter()
            .map(|s| OciPrefix::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        let paths = opts.helm_paths();
        let mut catalog = LiveCatalog::default();
        let fetched =
            futures::future::join_all(repos.iter().map(|r| load_repo(opts, &paths, r))).await;
        for (entry, (data, fetch, warning)) in repos.iter().zip(fetched) {
            catalog.index_fetches.insert(entry.name.clone(), fetch);
            catalog.warnings.extend(warning);
            let source = SourceRef::Repo {
                name: entry.name.clone(),
                url: entry.url.clone(),
            };
            catalog.repos.push((source, data));
        }
        if !oci_prefixes.is_empty() {
            load_oci(opts, charts, &oci_prefixes, &mut catalog).await;
        }
        Ok(catalog)
    }
}

/// rudder's cache of OCI tag lists, by reference (`host/path/chart`).
#[derive(Debug, Default, Serialize, Deserialize)]
struct TagCache(BTreeMap<String, TagCacheEntry>);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TagCacheEntry {
    /// Seconds since the Unix epoch when the list was read.
    fetched_at: u64,
    /// The versions, or `None` when the repository did not exist.
    versions: Option<Vec<String>>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Lists `<prefix>/<chart>` for every pair, reusing tag lists younger
/// than the TTL (any age when offline) and, when a listing fails, the last
/// one read.
async fn load_oci(
    opts: &SourceOptions,
    charts: &BTreeSet<String>,
    prefixes: &[OciPrefix],
    catalog: &mut LiveCatalog,
) {
    let cache_path = opts.repository_cache.join("rudder-oci-tags.json");
    let mut cache: TagCache = std::fs::read(&cache_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let now = SystemTime::now();
    let fresh = |e: &TagCacheEntry| {
        opts.offline
            || opts
                .oci_cache_ttl
                .is_some_and(|ttl| unix(now).saturating_sub(e.fetched_at) < ttl.as_secs())
    };
    let registry = RegistryOptions {
        client: ClientOptions {
            timeout: opts.timeout,
            ..opts.oci_tls.clone()
        },
        plain_http: opts.plain_http,
        registry_config: opts.registry_config.clone(),
        ..RegistryOptions::default()
    };
    let mut to_fetch = Vec::new();
    for chart in charts {
        for prefix in prefixes {
            let key = prefix.repository(chart);
            match cache.0.get(&key) {
                Some(e) if fresh(e) => {
                    add_oci(catalog, chart, &key, e.clone(), None);
                }
                _ if opts.offline => {
                    add_oci_failure(catalog, chart, &key, "no cached tag list (offline)".into());
                }
                _ => to_fetch.push((chart, key)),
            }
        }
    }
    let jobs = to_fetch.into_iter().map(|(chart, key)| {
        let registry = &registry;
        async move {
            let result = list_tags(&key, registry).await;
            (chart, key, result)
        }
    });
    let results: Vec<_> = futures::stream::iter(jobs)
        .buffer_unordered(OCI_CONCURRENCY)
        .collect()
        .await;
    let fetched_any = !results.is_empty();
    for (chart, key, result) in results {
        match result {
            Ok(versions) => {
                let entry = TagCacheEntry {
                    fetched_at: unix(now),
                    versions,
                };
                cache.0.insert(key.clone(), entry.clone());
                add_oci(catalog, chart, &key, entry, None);
            }
            Err(error) => match cache.0.get(&key) {
                Some(old) => {
                    catalog.warnings.push(format!(
                        "oci://{key}: {error} (using the tag list read earlier)"
                    ));
                    add_oci(catalog, chart, &key, old.clone(), Some(error));
                }
                None => add_oci_failure(catalog, chart, &key, error),
            },
        }
    }
    if fetched_any {
        let written = serde_json::to_vec(&cache)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                std::fs::create_dir_all(&opts.repository_cache).map_err(|e| e.to_string())?;
                crate::repo::file::atomic_write(&cache_path, &json, 0o644)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = written {
            catalog
                .warnings
                .push(format!("cannot write {}: {e}", cache_path.display()));
        }
    }
    for v in catalog.oci.values_mut() {
        v.sort_by(|a, b| source_of(a).cmp(source_of(b)));
    }
}

/// The versions under `host/repo` as helm's `Client.Tags` lists them
/// (strict semantic versions, `_` read as `+`): `Ok(None)` when the
/// repository does not exist there.
async fn list_tags(key: &str, registry: &RegistryOptions) -> Result<Option<Vec<String>>, String> {
    match crate::registry::tags(key, registry).await {
        Ok(tags) => Ok(Some(tags)),
        Err(RegistryError::Response { status: 404, .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn add_oci(
    catalog: &mut LiveCatalog,
    chart: &str,
    key: &str,
    entry: TagCacheEntry,
    stale: Option<String>,
) {
    let Some(versions) = entry.versions else {
        return;
    };
    catalog
        .oci
        .entry(chart.to_owned())
        .or_default()
        .push(Ok(Candidate {
            source: SourceRef::Oci {
                reference: format!("oci://{key}"),
            },
            versions: versions
                .into_iter()
                .map(|version| ListedVersion {
                    version,
                    ..ListedVersion::default()
                })
                .collect(),
            as_of: SystemTime::UNIX_EPOCH + Duration::from_secs(entry.fetched_at),
            stale,
        }));
}

fn add_oci_failure(catalog: &mut LiveCatalog, chart: &str, key: &str, error: String) {
    catalog
        .oci
        .entry(chart.to_owned())
        .or_default()
        .push(Err(SourceFailure {
            source: SourceRef::Oci {
                reference: format!("oci://{key}"),
            },
            error,
        }));
}

fn source_of(r: &Result<Candidate, SourceFailure>) -> &SourceRef {
    match r {
        Ok(c) => &c.source,
        Err(f) => &f.source,
    }
}

impl Catalog for LiveCatalog {
    fn lookup(&self, chart: &str) -> Lookup {
        let mut out = Lookup::default();
        for (source, data) in &self.repos {
            match data {
                RepoData::Ok {
                    charts,
                    as_of,
                    stale,
                } => {
                    if let Some(versions) = charts.get(chart).filter(|v| !v.is_empty()) {
                        out.candidates.push(Candidate {
                            source: source.clone(),
                            versions: versions.clone(),
                            as_of: *as_of,
                            stale: stale.clone(),
                        });
                    }
                }
                RepoData::Failed(error) => out.failures.push(SourceFailure {
                    source: source.clone(),
                    error: error.clone(),
                }),
            }
        }
        for r in self.oci.get(chart).into_iter().flatten() {
            match r {
                Ok(c) => out.candidates.push(c.clone()),
                Err(f) => out.failures.push(f.clone()),
            }
        }
        out
    }
}

/// The named entries of `repositories.yaml` (none when it is missing).
fn read_repo_file(path: &Path) -> Result<Vec<Entry>, FetchError> {
    let file = RepoFile::load_or_empty(path).map_err(|e| FetchError::RepositoryConfig {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(file
        .repositories
        .into_iter()
        .filter(|r| !r.name.is_empty())
        .collect())
}

/// rudder's validators for `<name>-index.yaml`.
fn sidecar_file(index_path: &Path) -> PathBuf {
    let mut name = index_path.as_os_str().to_owned();
    name.push(".rudder.json");
    PathBuf::from(name)
}

/// rudder's parsed summary of a cached index: big indexes (tens of MB)
/// take seconds to parse as YAML, the summary milliseconds as JSON.
fn summary_file(index_path: &Path) -> PathBuf {
    let mut name = index_path.as_os_str().to_owned();
    name.push(".rudder-summary.json");
    PathBuf::from(name)
}

#[derive(Serialize, Deserialize)]
struct Summary {
    sha256: String,
    charts: BTreeMap<String, Vec<ListedVersion>>,
}

/// The index's chart versions, from the summary when it was made from
/// exactly these bytes, else loaded (and the summary rewritten).
fn parse_index_cached(
    bytes: &[u8],
    source: &str,
    summary_path: &Path,
) -> Result<BTreeMap<String, Vec<ListedVersion>>, String> {
    let sha = sha256_hex(bytes);
    let summary: Option<Summary> = std::fs::read(summary_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(s) = summary.filter(|s| s.sha256 == sha) {
        return Ok(s.charts);
    }
    let index = IndexFile::load_bytes(bytes, source).map_err(|e| e.to_string())?;
    let charts = listed_versions(&index.index);
    write_summary(summary_path, bytes, &charts);
    Ok(charts)
}

/// What availability needs of an index loaded as helm loads it (invalid
/// entries already dropped).
fn listed_versions(index: &IndexFile) -> BTreeMap<String, Vec<ListedVersion>> {
    index
        .entries
        .iter()
        .map(|(name, versions)| {
            let listed = versions
                .iter()
                .map(|v| ListedVersion {
                    version: v.metadata.version.clone(),
                    home: v.metadata.home.clone(),
                    sources: v.metadata.sources.clone(),
                    prerelease_annotation: v
                        .metadata
                        .annotations
                        .get("artifacthub.io/prerelease")
                        .is_some_and(|p| p.eq_ignore_ascii_case("true")),
                })
                .collect();
            (name.clone(), listed)
        })
        .collect()
}

/// Best effort: without a summary the index is parsed again next time.
fn write_summary(path: &Path, body: &[u8], charts: &BTreeMap<String, Vec<ListedVersion>>) {
    let summary = Summary {
        sha256: sha256_hex(body),
        charts: charts.clone(),
    };
    if let Ok(json) = serde_json::to_vec(&summary) {
        let _ = crate::repo::file::atomic_write(path, &json, 0o644);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads one repository: a conditional GET unless offline, helm's cache
/// otherwise or on failure.
async fn load_repo(
    opts: &SourceOptions,
    paths: &HelmPaths,
    repo: &Entry,
) -> (RepoData, IndexFetch, Option<String>) {
    let index_path = paths.index_file(&repo.name);
    let sidecar_path = sidecar_file(&index_path);
    let summary_path = summary_file(&index_path);
    let cached = std::fs::read(&index_path).ok();
    let from_cache = |stale: Option<String>| match &cached {
        Some(bytes) => {
            match parse_index_cached(bytes, &index_path.to_string_lossy(), &summary_path) {
                Ok(charts) => RepoData::Ok {
                    charts,
                    as_of: std::fs::metadata(&index_path)
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH),
                    stale,
                },
                Err(e) => RepoData::Failed(match stale {
                    Some(s) => format!("{s}; cached index: {e}"),
                    None => format!("cached index: {e}"),
                }),
            }
        }
        None => RepoData::Failed(
            stale.unwrap_or_else(|| "no cached index (try 'helm repo update')".into()),
        ),
    };
    if opts.offline {
        return (from_cache(None), IndexFetch::Cached, None);
    }
    match request_index(opts, repo, cached.as_deref(), &sidecar_path).await {
        Ok((_, Conditional::NotModified)) => (
            match from_cache(None) {
                RepoData::Ok { charts, stale, .. } => RepoData::Ok {
                    charts,
                    as_of: SystemTime::now(),
                    stale,
                },
                failed => failed,
            },
            IndexFetch::NotModified,
            None,
        ),
        Ok((url, Conditional::Modified { body, validators })) => {
            match crate::repo::ops::store_index(repo, &opts.repository_cache, &body) {
                Ok((_, loaded)) => {
                    let charts = listed_versions(&loaded.index);
                    write_summary(&summary_path, &body, &charts);
                    let sidecar = Sidecar {
                        url,
                        validators,
                        sha256: sha256_hex(&body),
                    };
                    let warning = serde_json::to_vec(&sidecar)
                        .map_err(|e| e.to_string())
                        .and_then(|json| {
                            crate::repo::file::atomic_write(&sidecar_path, &json, 0o644)
                                .map_err(|e| e.to_string())
                        })
                        .err()
                        .map(|e| {
                            format!("repository {:?}: cannot update the cache: {e}", repo.name)
                        });
                    (
                        RepoData::Ok {
                            charts,
                            as_of: SystemTime::now(),
                            stale: None,
                        },
                        IndexFetch::Updated,
                        warning,
                    )
                }
                Err(e @ crate::repo::RepoError::LoadIndex { .. })
                | Err(e @ crate::repo::RepoError::Index(_)) => {
                    let msg = format!("invalid index for repository {:?}: {e}", repo.name);
                    let data = from_cache(Some(msg.clone()));
                    (data, IndexFetch::Failed, Some(msg))
                }
                Err(e) => {
                    // The body loaded but helm's files could not be
                    // written: the new data is still good for this run.
                    let warning =
                        format!("repository {:?}: cannot update the cache: {e}", repo.name);
                    match IndexFile::load_bytes(&body, &repo.url) {
                        Ok(loaded) => (
                            RepoData::Ok {
                                charts: listed_versions(&loaded.index),
                                as_of: SystemTime::now(),
                                stale: None,
                            },
                            IndexFetch::Updated,
                            Some(warning),
                        ),
                        Err(_) => (from_cache(Some(warning.clone())), IndexFetch::Failed, None),
                    }
                }
            }
        }
        Err(e) => {
            let data = from_cache(Some(e.clone()));
            let warning = match &data {
                RepoData::Ok { .. } => Some(format!(
                    "repository {:?}: {e} (using the cached index)",
                    repo.name
                )),
                RepoData::Failed(_) => None,
            };
            (data, IndexFetch::Failed, warning)
        }
    }
}

/// The index request through helm's getter, conditional while helm's
/// cached file is still the body the sidecar's validators belong to.
/// Returns the URL asked for and the answer.
async fn request_index(
    opts: &SourceOptions,
    repo: &Entry,
    cached: Option<&[u8]>,
    sidecar_path: &Path,
) -> Result<(String, Conditional), String> {
    let url = crate::repo::ops::index_url(repo).map_err(|e| e.to_string())?;
    let getter =
        Getter::new(&GetterOptions::from_entry(repo, opts.timeout)).map_err(|e| e.to_string())?;
    let sidecar: Option<Sidecar> = std::fs::read(sidecar_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let validators = match (sidecar, cached) {
        (Some(s), Some(bytes)) if s.url == url && s.sha256 == sha256_hex(bytes) => s.validators,
        _ => Validators::default(),
    };
    let answer = getter
        .get_conditional(&url, false, &validators)
        .await
        .map_err(|e| e.to_string())?;
    Ok((url, answer))
}

/// `oci://host[:port]/path`, under which `<chart>` is looked up.
#[derive(Clone, Debug)]
struct OciPrefix(String);

impl OciPrefix {
    fn parse(s: &str) -> Result<OciPrefix, FetchError> {
        let rest = s
            .strip_prefix("oci://")
            .ok_or_else(|| FetchError::OciSource(s.to_owned()))?
            .trim_end_matches('/');
        let prefix = OciPrefix(rest.to_owned());
        // A chart under it must make a valid reference.
        match Reference::parse(&prefix.repository("chart")) {
            Ok(r) if !rest.starts_with('/') && rest.starts_with(&r.registry) => Ok(prefix),
            _ => Err(FetchError::OciSource(s.to_owned())),
        }
    }

    /// `host[:port]/path/<chart>`.
    fn repository(&self, chart: &str) -> String {
        format!("{}/{chart}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_entries_with_annotations() {
        let body = br#"apiVersion: v1
entries:
  demo:
  - name: demo
    version: 1.1.0
    home: https://example.org
    sources: [https://github.com/acme/demo]
    annotations:
      artifacthub.io/prerelease: "true"
  - name: demo
    version: 1.0.0
  - name: demo
"#;
        let loaded = IndexFile::load_bytes(body, "t").unwrap_or_else(|e| panic!("{e}"));
        let charts = listed_versions(&loaded.index);
        let demo = &charts["demo"];
        // The entry without a version is dropped, as helm drops it.
        assert_eq!(demo.len(), 2);
        assert!(demo[0].prerelease_annotation && !demo[1].prerelease_annotation);
        assert_eq!(
            demo[0].sources,
            vec!["https://github.com/acme/demo".to_owned()]
        );
        assert_eq!(demo[0].home, "https://example.org");
    }

    #[test]
    fn prefixes() {
        let p = OciPrefix::parse("oci://localhost:5000/charts/").map(|p| p.repository("demo"));
        assert_eq!(p.ok(), Some("localhost:5000/charts/demo".into()));
        let p = OciPrefix::parse("oci://localhost:5000").map(|p| p.repository("demo"));
        assert_eq!(p.ok(), Some("localhost:5000/demo".into()));
        assert!(OciPrefix::parse("https://h/x").is_err());
        assert!(OciPrefix::parse("oci://").is_err());
        assert!(OciPrefix::parse("oci:///x").is_err());
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn summary_is_used_only_for_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s.json");
        let one = b"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n";
        let two = b"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 2.0.0\n";
        let v = |b: &[u8]| parse_index_cached(b, "t", &path).map(|c| c["a"][0].version.clone());
        assert_eq!(v(one), Ok("1.0.0".into()));
        assert!(path.exists());
        assert_eq!(v(one), Ok("1.0.0".into()));
        assert_eq!(v(two), Ok("2.0.0".into()));
        // A summary that lies about its bytes' content is still keyed by
        // their hash: forge one for `one` and see it used.
        let forged = Summary {
            sha256: sha256_hex(one),
            charts: BTreeMap::from([(
                "a".into(),
                vec![ListedVersion {
                    version: "9.9.9".into(),
                    ..Default::default()
                }],
            )]),
        };
        std::fs::write(&path, serde_json::to_vec(&forged).unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v(one), Ok("9.9.9".into()));
        // What helm refuses is refused here too.
        assert_eq!(v(b""), Err("empty index.yaml file".into()));
        assert_eq!(v(b"entries: {}\n"), Err("no API version specified".into()));
        assert!(v(b"apiVersion: v1\nentries: {}\nbogus: 1\n").is_err());
    }
}
