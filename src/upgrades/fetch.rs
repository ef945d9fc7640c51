//! The live [`Catalog`]: helm's configured repositories (their cached
//! indexes, refreshed with one conditional request per repository) and
//! user-configured OCI prefixes (tag lists).
//!
//! helm's `<name>-index.yaml` stays exactly what the server sent: it is
//! rewritten (with `<name>-charts.txt`, as `helm repo update` does) only
//! after a 200 whose body parses. The validators (`ETag`,
//! `Last-Modified`) live in rudder's own sidecar,
//! `<name>-index.yaml.rudder.json`, together with the sha256 of the body
//! they belong to; they are sent only while helm's file still has that
//! sha256 (a `helm repo update` in between makes them void). A 304 touches
//! nothing. When a request fails, the cached index is used and flagged
//! stale.

use super::{Candidate, Catalog, ListedVersion, Lookup, SourceFailure, SourceRef};
use crate::ErrorKind;
use crate::fetch::ClientOptions;
use crate::semver::Version;
use base64::Engine as _;
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
/// Most `Link` pages followed for one tag list.
const MAX_TAG_PAGES: usize = 100;

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
    /// helm's locations from the environment (`HELM_REPOSITORY_CONFIG`,
    /// `HELM_REPOSITORY_CACHE`, `HELM_REGISTRY_CONFIG`, `HELM_CONFIG_HOME`,
    /// `HELM_CACHE_HOME`, `XDG_*`, `HOME`), Linux defaults.
    pub fn from_env() -> SourceOptions {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let home = env("HOME").unwrap_or_default();
        let base = |helm: &str, xdg: &str, fallback: &str| {
            env(helm)
                .or_else(|| env(xdg).map(|d| d.join("helm")))
                .unwrap_or_else(|| home.join(fallback).join("helm"))
        };
        let config = base("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config");
        let cache = base("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
        SourceOptions {
            repository_config: env("HELM_REPOSITORY_CONFIG")
                .unwrap_or_else(|| config.join("repositories.yaml")),
            repository_cache: env("HELM_REPOSITORY_CACHE")
                .unwrap_or_else(|| cache.join("repository")),
            registry_config: env("HELM_REGISTRY_CONFIG")
                .unwrap_or_else(|| config.join("registry").join("config.json")),
            oci_sources: std::env::var("RUDDER_OCI_SOURCES")
                .map(|v| split_sources(&v))
                .unwrap_or_default(),
            ..SourceOptions::default()
        }
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

/// One entry of `repositories.yaml`, the fields this needs.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct RepoEntry {
    name: String,
    url: String,
    username: String,
    password: String,
    #[serde(rename = "caFile")]
    ca_file: String,
    #[serde(rename = "certFile")]
    cert_file: String,
    #[serde(rename = "keyFile")]
    key_file: String,
    insecure_skip_tls_verify: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RepoFile {
    repositories: Vec<RepoEntry>,
}

/// rudder's validators for one cached index.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sidecar {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
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
        let mut catalog = LiveCatalog::default();
        let fetched = futures::future::join_all(repos.iter().map(|r| load_repo(opts, r))).await;
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
    let creds = DockerCredentials::load(&opts.registry_config);
    let client = ClientOptions {
        timeout: opts.timeout,
        ..opts.oci_tls.clone()
    }
    .build()
    .map_err(|e| e.to_string());
    let mut to_fetch = Vec::new();
    for chart in charts {
        for prefix in prefixes {
            let key = format!("{}/{}", prefix.host, prefix.repository(chart));
            match cache.0.get(&key) {
                Some(e) if fresh(e) => {
                    add_oci(catalog, chart, &key, e.clone(), None);
                }
                _ if opts.offline => {
                    add_oci_failure(catalog, chart, &key, "no cached tag list (offline)".into());
                }
                _ => to_fetch.push((chart, prefix, key)),
            }
        }
    }
    let jobs = to_fetch.into_iter().map(|(chart, prefix, key)| {
        let client = client.as_ref();
        let creds = &creds;
        async move {
            let result = match client {
                Ok(c) => list_tags(c, creds, prefix, chart, opts.plain_http).await,
                Err(e) => Err(e.clone()),
            };
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
                    versions: versions.map(|v| v.into_iter().map(|l| l.version).collect()),
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
            .map_err(std::io::Error::other)
            .and_then(|json| {
                std::fs::create_dir_all(&opts.repository_cache)?;
                atomic_write(&cache_path, &json)
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

fn read_repo_file(path: &Path) -> Result<Vec<RepoEntry>, FetchError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(FetchError::RepositoryConfig {
                path: path.to_owned(),
                message: e.to_string(),
            });
        }
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let file: RepoFile =
        serde_saphyr::from_str_with_options(&text, crate::cluster::objects::yaml_options())
            .map_err(|e| FetchError::RepositoryConfig {
                path: path.to_owned(),
                message: e.to_string(),
            })?;
    Ok(file
        .repositories
        .into_iter()
        .filter(|r| !r.name.is_empty())
        .collect())
}

/// `<cache>/<name>-index.yaml`, `<name>-charts.txt` and rudder's sidecar.
fn cache_files(cache: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    (
        cache.join(format!("{name}-index.yaml")),
        cache.join(format!("{name}-charts.txt")),
        cache.join(format!("{name}-index.yaml.rudder.json")),
    )
}

/// rudder's parsed summary of a cached index: big indexes (tens of MB)
/// take seconds to parse as YAML, the summary milliseconds as JSON.
fn summary_file(cache: &Path, name: &str) -> PathBuf {
    cache.join(format!("{name}-index.yaml.rudder-summary.json"))
}

#[derive(Serialize, Deserialize)]
struct Summary {
    sha256: String,
    charts: BTreeMap<String, Vec<ListedVersion>>,
}

/// The index's chart versions, from the summary when it was made from
/// exactly these bytes, else parsed (and the summary rewritten).
fn parse_index_cached(
    bytes: &[u8],
    summary_path: &Path,
) -> Result<BTreeMap<String, Vec<ListedVersion>>, String> {
    let sha = sha256_hex(bytes);
    let summary: Option<Summary> = std::fs::read(summary_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let Some(s) = summary.filter(|s| s.sha256 == sha) {
        return Ok(s.charts);
    }
    let charts = parse_index(bytes)?;
    write_summary(summary_path, bytes, &charts);
    Ok(charts)
}

/// Best effort: without a summary the index is parsed again next time.
fn write_summary(path: &Path, body: &[u8], charts: &BTreeMap<String, Vec<ListedVersion>>) {
    let summary = Summary {
        sha256: sha256_hex(body),
        charts: charts.clone(),
    };
    if let Ok(json) = serde_json::to_vec(&summary) {
        let _ = atomic_write(path, &json);
    }
}

/// The repository's index URL: `index.yaml` appended to the path, the
/// query kept.
fn index_url(repo_url: &str) -> Result<reqwest::Url, String> {
    let mut url = reqwest::Url::parse(repo_url)
        .map_err(|e| format!("invalid repository URL {repo_url:?}: {e}"))?;
    let path = format!("{}/index.yaml", url.path().trim_end_matches('/'));
    url.set_path(&path);
    Ok(url)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads one repository: a conditional GET unless offline, helm's cache
/// otherwise or on failure.
async fn load_repo(
    opts: &SourceOptions,
    repo: &RepoEntry,
) -> (RepoData, IndexFetch, Option<String>) {
    let (index_path, charts_path, sidecar_path) = cache_files(&opts.repository_cache, &repo.name);
    let summary_path = summary_file(&opts.repository_cache, &repo.name);
    let cached = std::fs::read(&index_path).ok();
    let from_cache = |stale: Option<String>| match &cached {
        Some(bytes) => match parse_index_cached(bytes, &summary_path) {
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
        },
        None => RepoData::Failed(
            stale.unwrap_or_else(|| "no cached index (try 'helm repo update')".into()),
        ),
    };
    if opts.offline {
        return (from_cache(None), IndexFetch::Cached, None);
    }
    match request_index(opts, repo, cached.as_deref(), &sidecar_path).await {
        Ok(Response::NotModified) => (
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
        Ok(Response::Body {
            body,
            etag,
            last_modified,
            url,
        }) => match parse_index(&body) {
            Ok(charts) => {
                write_summary(&summary_path, &body, &charts);
                let warning = write_cache(&index_path, &charts_path, &body, &charts)
                    .and_then(|()| {
                        let sidecar = Sidecar {
                            url,
                            etag,
                            last_modified,
                            sha256: sha256_hex(&body),
                        };
                        let json = serde_json::to_vec(&sidecar).map_err(std::io::Error::other)?;
                        atomic_write(&sidecar_path, &json)
                    })
                    .err()
                    .map(|e| format!("repository {:?}: cannot update the cache: {e}", repo.name));
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
            Err(e) => {
                let msg = format!("invalid index for repository {:?}: {e}", repo.name);
                let data = from_cache(Some(msg.clone()));
                (data, IndexFetch::Failed, Some(msg))
            }
        },
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

enum Response {
    NotModified,
    Body {
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        url: String,
    },
}

async fn request_index(
    opts: &SourceOptions,
    repo: &RepoEntry,
    cached: Option<&[u8]>,
    sidecar_path: &Path,
) -> Result<Response, String> {
    let url = index_url(&repo.url)?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
    let client = ClientOptions {
        ca_file: non_empty(&repo.ca_file),
        cert_file: non_empty(&repo.cert_file),
        key_file: non_empty(&repo.key_file),
        insecure_skip_tls_verify: repo.insecure_skip_tls_verify,
        timeout: opts.timeout,
    }
    .build()
    .map_err(|e| e.to_string())?;
    let mut req = client.get(url.clone());
    if !repo.username.is_empty() && !repo.password.is_empty() {
        req = req.basic_auth(&repo.username, Some(&repo.password));
    }
    // Validators only while helm's file is still the body they belong to.
    let sidecar: Option<Sidecar> = std::fs::read(sidecar_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    if let (Some(s), Some(bytes)) = (sidecar, cached)
        && s.url == url.as_str()
        && s.sha256 == sha256_hex(bytes)
    {
        if let Some(etag) = &s.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &s.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("failed to fetch {url} : {e}"))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Response::NotModified);
    }
    if status != reqwest::StatusCode::OK {
        return Err(format!("failed to fetch {url} : {status}"));
    }
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("failed to fetch {url} : {e}"))?;
    Ok(Response::Body {
        body: body.to_vec(),
        etag,
        last_modified,
        url: url.to_string(),
    })
}

/// Writes helm's two cache files the way `helm repo update` does (the raw
/// body; chart names one per line).
fn write_cache(
    index_path: &Path,
    charts_path: &Path,
    body: &[u8],
    charts: &BTreeMap<String, Vec<ListedVersion>>,
) -> std::io::Result<()> {
    if let Some(dir) = index_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let names: String = charts.keys().map(|n| format!("{n}\n")).collect();
    atomic_write(charts_path, names.as_bytes())?;
    atomic_write(index_path, body)
}

fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The chart versions of an index (JSON or YAML). Entries without a
/// string version are skipped, as helm skips invalid entries.
fn parse_index(bytes: &[u8]) -> Result<BTreeMap<String, Vec<ListedVersion>>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("empty index.yaml file".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            serde_saphyr::from_str_with_options(text, crate::cluster::objects::yaml_options())
                .map_err(|e| e.to_string().lines().next().unwrap_or_default().to_owned())?
        }
    };
    if doc
        .get("apiVersion")
        .and_then(|v| v.as_str())
        .is_none_or(str::is_empty)
    {
        return Err("no API version specified".into());
    }
    let mut out = BTreeMap::new();
    let Some(entries) = doc.get("entries").and_then(|e| e.as_object()) else {
        return Ok(out);
    };
    let text_of = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    for (name, list) in entries {
        let versions: Vec<ListedVersion> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e.get("version").is_some_and(|v| v.is_string()))
            .map(|e| ListedVersion {
                version: text_of(e, "version"),
                home: text_of(e, "home"),
                sources: e
                    .get("sources")
                    .and_then(|s| s.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
                prerelease_annotation: e
                    .get("annotations")
                    .and_then(|a| a.get("artifacthub.io/prerelease"))
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.eq_ignore_ascii_case("true")),
            })
            .collect();
        out.insert(name.clone(), versions);
    }
    Ok(out)
}

/// `oci://host[:port]/path`.
#[derive(Clone, Debug)]
struct OciPrefix {
    host: String,
    path: String,
}

impl OciPrefix {
    fn parse(s: &str) -> Result<OciPrefix, FetchError> {
        let rest = s
            .strip_prefix("oci://")
            .ok_or_else(|| FetchError::OciSource(s.to_owned()))?
            .trim_end_matches('/');
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        if host.is_empty() {
            return Err(FetchError::OciSource(s.to_owned()));
        }
        Ok(OciPrefix {
            host: host.to_owned(),
            path: path.to_owned(),
        })
    }

    fn repository(&self, chart: &str) -> String {
        if self.path.is_empty() {
            chart.to_owned()
        } else {
            format!("{}/{chart}", self.path)
        }
    }
}

/// Registry credentials from the docker config file, by host.
#[derive(Debug, Default)]
struct DockerCredentials(BTreeMap<String, (String, String)>);

impl DockerCredentials {
    fn load(path: &Path) -> DockerCredentials {
        let mut out = BTreeMap::new();
        let Some(doc) = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            return DockerCredentials(out);
        };
        for (host, entry) in doc
            .get("auths")
            .and_then(|a| a.as_object())
            .into_iter()
            .flatten()
        {
            let from_auth = entry
                .get("auth")
                .and_then(|a| a.as_str())
                .and_then(|a| base64::engine::general_purpose::STANDARD.decode(a).ok())
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.split_once(':').map(|(u, p)| (u.to_owned(), p.to_owned())));
            let from_fields = || {
                let u = entry.get("username")?.as_str()?;
                let p = entry.get("password")?.as_str()?;
                Some((u.to_owned(), p.to_owned()))
            };
            if let Some(c) = from_auth.or_else(from_fields) {
                let key = host
                    .trim_start_matches("https://")
                    .trim_start_matches("http://");
                out.insert(key.trim_end_matches('/').to_owned(), c);
            }
        }
        DockerCredentials(out)
    }
}

/// Lists the versions under `<prefix>/<chart>`: `Ok(None)` when the
/// repository does not exist there. Tags are mapped `_` -> `+` and only
/// strict semantic versions are kept, as helm does when it resolves a
/// version from tags.
async fn list_tags(
    client: &reqwest::Client,
    creds: &DockerCredentials,
    prefix: &OciPrefix,
    chart: &str,
    plain_http: bool,
) -> Result<Option<Vec<ListedVersion>>, String> {
    let scheme = if plain_http { "http" } else { "https" };
    let repository = prefix.repository(chart);
    let base = format!("{scheme}://{}/v2/{repository}/tags/list", prefix.host);
    let mut next = Some(reqwest::Url::parse(&base).map_err(|e| e.to_string())?);
    let mut auth: Option<String> = None;
    let mut tags: Vec<String> = Vec::new();
    let mut pages = 0;
    while let Some(url) = next.take() {
        pages += 1;
        if pages > MAX_TAG_PAGES {
            return Err(format!(
                "GET {url:?}: more than {MAX_TAG_PAGES} pages of tags"
            ));
        }
        let mut resp = send(client, &url, auth.as_deref()).await?;
        if resp.status() == reqwest::StatusCode::UNAUTHORIZED && auth.is_none() {
            let challenge = resp
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            auth = Some(
                authorize(
                    client,
                    creds,
                    &prefix.host,
                    &repository,
                    &challenge,
                    plain_http,
                )
                .await?,
            );
            resp = send(client, &url, auth.as_deref()).await?;
        }
        let status = resp.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(format!(
                "GET {:?}: response status code {}: {}",
                url.as_str(),
                status.as_u16(),
                body.trim()
            ));
        }
        next = resp
            .headers()
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(next_link)
            .and_then(|l| url.join(&l).ok());
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("GET {:?}: {e}", url.as_str()))?;
        let page: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("GET {:?}: {e}", url.as_str()))?;
        tags.extend(
            page.get("tags")
                .and_then(|t| t.as_array())
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(|s| s.replace('_', "+"))),
        );
    }
    Ok(Some(
        tags.into_iter()
            .filter(|t| Version::parse_strict(t).is_ok())
            .map(|version| ListedVersion {
                version,
                ..ListedVersion::default()
            })
            .collect(),
    ))
}

async fn send(
    client: &reqwest::Client,
    url: &reqwest::Url,
    auth: Option<&str>,
) -> Result<reqwest::Response, String> {
    let mut req = client.get(url.clone());
    if let Some(a) = auth {
        req = req.header(reqwest::header::AUTHORIZATION, a);
    }
    req.send()
        .await
        .map_err(|e| format!("GET {:?}: {e}", url.as_str()))
}

/// The token realm rules helm (oras) applies before sending credentials
/// there: https unless the registry itself was reached over http, and a
/// realm on a loopback, private or link-local IP only when that IP is the
/// registry's own host.
fn check_realm(realm: &reqwest::Url, registry_host: &str, plain_http: bool) -> Result<(), String> {
    match realm.scheme() {
        "https" => {}
        "http" if plain_http => {}
        s => {
            return Err(format!(
                "bearer realm {:?} uses scheme {s:?}",
                realm.as_str()
            ));
        }
    }
    let realm_name = realm
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']']);
    let Ok(ip) = realm_name.parse::<std::net::IpAddr>() else {
        return Ok(());
    };
    let special = match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
        }
    };
    let registry_name = registry_host
        .rsplit_once(':')
        .map_or(registry_host, |(h, _)| h)
        .trim_matches(['[', ']']);
    if special && realm_name != registry_name {
        return Err(format!(
            "bearer realm host {realm_name:?} is a loopback, link-local, private, or unspecified address"
        ));
    }
    Ok(())
}

/// `<url>; rel="next"` from a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"" || p.trim() == "rel=next")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

/// The `Authorization` value answering a 401 challenge: Basic from the
/// stored credentials, or a Bearer token for `repository:<repo>:pull`.
async fn authorize(
    client: &reqwest::Client,
    creds: &DockerCredentials,
    host: &str,
    repository: &str,
    challenge: &str,
    plain_http: bool,
) -> Result<String, String> {
    let basic = creds.0.get(host).map(|(u, p)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return basic.ok_or_else(|| "basic credential not found".to_owned());
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(format!(
            "unsupported authentication challenge {challenge:?}"
        ));
    }
    let param = |name: &str| {
        params.split(',').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.eq_ignore_ascii_case(name)).then(|| v.trim_matches('"').to_owned())
        })
    };
    let realm = param("realm").ok_or("bearer challenge without realm")?;
    let mut url = reqwest::Url::parse(&realm).map_err(|e| e.to_string())?;
    check_realm(&url, host, plain_http)?;
    {
        let mut q = url.query_pairs_mut();
        if let Some(service) = param("service") {
            q.append_pair("service", &service);
        }
        q.append_pair("scope", &format!("repository:{repository}:pull"));
    }
    let mut req = client.get(url.clone());
    if let Some(b) = &basic {
        req = req.header(reqwest::header::AUTHORIZATION, b);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| format!("GET {:?}: {e}", url.as_str()))?;
    if !resp.status().is_success() {
        return Err(format!(
            "GET {:?}: response status code {}",
            url.as_str(),
            resp.status().as_u16()
        ));
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    let token = body
        .get("token")
        .or_else(|| body.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or("the token server returned no token")?;
    Ok(format!("Bearer {token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_urls_keep_the_query() {
        assert_eq!(
            index_url("https://h/charts/?token=abc").map(|u| u.to_string()),
            Ok("https://h/charts/index.yaml?token=abc".into())
        );
        assert_eq!(
            index_url("http://h").map(|u| u.to_string()),
            Ok("http://h/index.yaml".into())
        );
    }

    #[test]
    fn index_entries_with_annotations() {
        let body = br#"apiVersion: v1
entries:
  demo:
  - version: 1.1.0
    home: https://example.org
    sources: [https://github.com/acme/demo]
    annotations:
      artifacthub.io/prerelease: "true"
  - version: 1.0.0
  - name: broken
  other: null
"#;
        let charts = parse_index(body).unwrap_or_default();
        let demo = &charts["demo"];
        assert_eq!(demo.len(), 2);
        assert!(demo[0].prerelease_annotation && !demo[1].prerelease_annotation);
        assert_eq!(
            demo[0].sources,
            vec!["https://github.com/acme/demo".to_owned()]
        );
        assert!(charts["other"].is_empty());
        assert_eq!(parse_index(b"  \n"), Err("empty index.yaml file".into()));
        assert_eq!(
            parse_index(b"entries: {}\n"),
            Err("no API version specified".into())
        );
    }

    #[test]
    fn link_headers_and_prefixes() {
        assert_eq!(
            next_link(r#"</v2/c/tags/list?last=b&n=2>; rel="next""#),
            Some("/v2/c/tags/list?last=b&n=2".into())
        );
        assert_eq!(next_link(r#"<x>; rel="prev""#), None);
        let p = OciPrefix::parse("oci://localhost:5000/charts/").map(|p| p.repository("demo"));
        assert_eq!(p.ok(), Some("charts/demo".into()));
        assert!(OciPrefix::parse("https://h/x").is_err());
    }

    #[test]
    fn token_realms_follow_the_oras_rules() {
        let u = |s: &str| reqwest::Url::parse(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(check_realm(&u("https://127.0.0.1:5001/auth"), "127.0.0.1:5000", false).is_ok());
        assert_eq!(
            check_realm(&u("https://127.0.0.1:5001/auth"), "localhost:5444", false),
            Err("bearer realm host \"127.0.0.1\" is a loopback, link-local, private, or unspecified address".into())
        );
        assert!(check_realm(&u("https://10.0.0.1/auth"), "registry.example:443", false).is_err());
        assert!(check_realm(&u("https://auth.example/token"), "registry.example", false).is_ok());
        assert!(check_realm(&u("http://auth.example/token"), "registry.example", false).is_err());
        assert!(check_realm(&u("http://auth.example/token"), "registry.example", true).is_ok());
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn summary_is_used_only_for_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s.json");
        let one = b"apiVersion: v1\nentries:\n  a:\n  - version: 1.0.0\n";
        let two = b"apiVersion: v1\nentries:\n  a:\n  - version: 2.0.0\n";
        let v = |b: &[u8]| parse_index_cached(b, &path).map(|c| c["a"][0].version.clone());
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
    }
}
