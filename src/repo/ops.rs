//! The repository commands as library calls: `repo add`, `repo update`,
//! `repo remove`, `repo list`, `repo index`, each reading and writing
//! helm's files as helm does.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::ErrorKind;

use super::getter::{Getter, GetterOptions};
use super::index::{IndexFile, Loaded};
use super::{Entry, HelmPaths, RepoError, RepoFile, Warning, file};

/// Repositories that no longer exist, refused unless
/// `--allow-deprecated-repos`.
const DEPRECATED_REPOS: &[(&str, &str)] = &[
    (
        "//kubernetes-charts.storage.googleapis.com",
        "https://charts.helm.sh/stable",
    ),
    (
        "//kubernetes-charts-incubator.storage.googleapis.com",
        "https://charts.helm.sh/incubator",
    ),
];

/// Downloads `entry`'s index (`<url>/index.yaml`, the URL's query kept),
/// checks that it loads, and stores it in the cache as helm does:
/// `<name>-index.yaml` with the bytes as served and `<name>-charts.txt`.
/// Nothing is written if the download or the parse fails.
pub async fn download_index(
    entry: &Entry,
    cache: &Path,
    timeout: Option<Duration>,
) -> Result<(PathBuf, Vec<Warning>), RepoError> {
    let index_url = index_url(entry)?;
    let getter = Getter::new(&GetterOptions::from_entry(entry, timeout))?;
    let body = getter.get(&index_url, false).await?;
    let (index_path, Loaded { warnings, .. }) = store_index(entry, cache, &body)?;
    Ok((
        index_path,
        warnings.into_iter().map(Warning::InvalidEntry).collect(),
    ))
}

/// The URL of `entry`'s index: `index.yaml` resolved against the
/// repository URL (its query kept), for http and https repositories.
pub fn index_url(entry: &Entry) -> Result<String, RepoError> {
    let url = reqwest::Url::parse(&entry.url).map_err(|_| {
        RepoError::msg(
            ErrorKind::InvalidInput,
            format!("invalid chart URL format: {}", entry.url),
        )
    })?;
    match url.scheme() {
        "http" | "https" => {}
        // helm's OCI getter is asked for `<url>/index.yaml`, which is no
        // OCI reference.
        "oci" => {
            return Err(RepoError::Registry(
                "failed to perform \"FetchReference\" on source: invalid reference".into(),
            ));
        }
        other => {
            return Err(RepoError::msg(
                ErrorKind::InvalidInput,
                format!("could not find protocol handler for: {other}"),
            ));
        }
    }
    super::index::resolve_reference_url(&entry.url, "index.yaml")
        .map_err(|e| RepoError::msg(ErrorKind::InvalidInput, e))
}

/// Stores a downloaded index `body` of `entry` as `helm repo update` does,
/// once it loads: `<name>-charts.txt` (the chart names) and
/// `<name>-index.yaml` (the bytes as served). Returns the index path and
/// the loaded index; nothing is written when it does not load.
pub fn store_index(
    entry: &Entry,
    cache: &Path,
    body: &[u8],
) -> Result<(PathBuf, Loaded), RepoError> {
    let loaded = IndexFile::load_bytes(body, &entry.url)?;
    let mut names = String::new();
    for name in loaded.index.entries.keys() {
        names.push_str(name);
        names.push('\n');
    }
    let mkdir = |d: &Path| {
        std::fs::create_dir_all(d).map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", d, &e)))
    };
    mkdir(cache)?;
    let charts = cache.join(format!("{}-charts.txt", entry.name));
    file::atomic_write(&charts, names.as_bytes(), 0o644)?;
    let index_path = cache.join(format!("{}-index.yaml", entry.name));
    file::atomic_write(&index_path, body, 0o644)?;
    Ok((index_path, loaded))
}

/// `repo add` settings.
#[derive(Clone, Debug, Default)]
pub struct AddOptions {
    /// The entry to add (name, URL, credentials, TLS files).
    pub entry: Entry,
    /// `--force-update`.
    pub force_update: bool,
    /// `--allow-deprecated-repos`.
    pub allow_deprecated_repos: bool,
    /// `--timeout`.
    pub timeout: Option<Duration>,
}

/// What `repo add` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    /// Added (or replaced with `--force-update`).
    Added(Vec<Warning>),
    /// Already there with the same settings: nothing written.
    Unchanged,
}

/// The first steps of `repo add`, up to the password prompt: the
/// deprecated-repository check, the directory, the lock and the file read.
/// Returns the lock (hold it until [`add_locked`] returns) and the file.
pub fn add_prepare(
    paths: &HelmPaths,
    url: &str,
    allow_deprecated_repos: bool,
) -> Result<(file::RepoLock, RepoFile), RepoError> {
    if !allow_deprecated_repos {
        for (old, new) in DEPRECATED_REPOS {
            if url.contains(old) {
                return Err(RepoError::msg(
                    ErrorKind::InvalidInput,
                    format!("repo {url:?} is no longer available; try {new:?} instead"),
                ));
            }
        }
    }
    let config = &paths.repository_config;
    if let Some(dir) = config.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", dir, &e)))?;
    }
    let lock = file::lock(config)?;
    let rf = RepoFile::load_or_empty(config)?;
    Ok((lock, rf))
}

/// The rest of `repo add` once the password is known.
pub async fn add_locked(
    paths: &HelmPaths,
    mut rf: RepoFile,
    opts: &AddOptions,
) -> Result<AddOutcome, RepoError> {
    let e = &opts.entry;
    if e.name.contains('/') {
        return Err(RepoError::msg(
            ErrorKind::InvalidInput,
            format!(
                "repository name ({}) contains '/', please specify a different name without '/'",
                e.name
            ),
        ));
    }
    if !opts.force_update
        && let Some(existing) = rf.get(&e.name)
    {
        if existing != e {
            return Err(RepoError::msg(
                ErrorKind::Conflict,
                format!(
                    "repository name ({}) already exists, please specify a different name",
                    e.name
                ),
            ));
        }
        return Ok(AddOutcome::Unchanged);
    }
    let warnings = match download_index(e, &paths.repository_cache, opts.timeout).await {
        Ok((_, w)) => w,
        Err(err) => {
            return Err(RepoError::NotARepository {
                url: e.url.clone(),
                source: Box::new(err),
            });
        }
    };
    rf.update(e.clone());
    rf.write(&paths.repository_config)?;
    Ok(AddOutcome::Added(warnings))
}

/// The configured repositories for `repo update`, or helm's errors.
pub fn update_targets(paths: &HelmPaths, names: &[String]) -> Result<Vec<Entry>, RepoError> {
    let no_repos = || {
        RepoError::msg(
            ErrorKind::NotFound,
            "no repositories found. You must add one before updating",
        )
    };
    let rf = match RepoFile::load(&paths.repository_config) {
        Err(RepoError::LoadRepoFile { source, .. }) if source.not_found => return Err(no_repos()),
        Err(e) => {
            return Err(RepoError::msg(
                e.kind(),
                format!(
                    "failed loading file: {}: {e}",
                    paths.repository_config.display()
                ),
            ));
        }
        Ok(f) if f.repositories.is_empty() => return Err(no_repos()),
        Ok(f) => f,
    };
    for n in names {
        if !rf.has(n) {
            return Err(RepoError::msg(
                ErrorKind::NotFound,
                format!("no repositories found matching '{n}'.  Nothing will be updated"),
            ));
        }
    }
    Ok(rf
        .repositories
        .into_iter()
        .filter(|e| names.is_empty() || names.contains(&e.name))
        .collect())
}

/// One repository's `repo update` result.
#[derive(Debug)]
pub struct UpdateResult {
    /// The repository.
    pub entry: Entry,
    /// Warnings from loading the new index, or the failure.
    pub outcome: Result<Vec<Warning>, RepoError>,
}

/// Updates the repositories in parallel; results in completion order.
pub async fn update(
    paths: &HelmPaths,
    entries: Vec<Entry>,
    timeout: Option<Duration>,
) -> Vec<UpdateResult> {
    use futures::StreamExt as _;
    let cache = paths.repository_cache.clone();
    let mut running: futures::stream::FuturesUnordered<_> = entries
        .into_iter()
        .map(|entry| {
            let cache = cache.clone();
            async move {
                let outcome = download_index(&entry, &cache, timeout)
                    .await
                    .map(|(_, w)| w);
                UpdateResult { entry, outcome }
            }
        })
        .collect();
    let mut out = Vec::new();
    while let Some(r) = running.next().await {
        out.push(r);
    }
    out
}

/// Loads the repositories file for `repo remove`: helm's
/// `no repositories configured` when missing or empty.
pub fn remove_prepare(paths: &HelmPaths) -> Result<RepoFile, RepoError> {
    match RepoFile::load(&paths.repository_config) {
        Ok(f) if !f.repositories.is_empty() => Ok(f),
        Ok(_) => Err(no_repos_configured()),
        Err(RepoError::LoadRepoFile { source, .. }) if source.not_found => {
            Err(no_repos_configured())
        }
        Err(e) => Err(e),
    }
}

fn no_repos_configured() -> RepoError {
    RepoError::msg(ErrorKind::NotFound, "no repositories configured")
}

/// Removes one repository: the entry (file rewritten) and its cache files.
pub fn remove_one(paths: &HelmPaths, rf: &mut RepoFile, name: &str) -> Result<(), RepoError> {
    if !rf.remove(name) {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!("no repo named {name:?} found"),
        ));
    }
    rf.write(&paths.repository_config)?;
    let charts = paths.charts_file(name);
    if charts.exists() {
        let _ = std::fs::remove_file(&charts);
    }
    let index = paths.index_file(name);
    match std::fs::remove_file(&index) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RepoError::msg(
            ErrorKind::Failed,
            format!(
                "can't remove index file {}: {}",
                index.display(),
                super::GoIoError::new("remove", &index, &e)
            ),
        )),
    }
}

/// `repo list`: the configured repositories (errors reading the file are
/// ignored, as helm does).
pub fn list(paths: &HelmPaths) -> Vec<Entry> {
    RepoFile::load(&paths.repository_config)
        .map(|f| f.repositories)
        .unwrap_or_default()
}

/// `repo index DIR` settings.
#[derive(Clone, Debug, Default)]
pub struct IndexOptions {
    /// The directory.
    pub dir: PathBuf,
    /// `--url`.
    pub url: String,
    /// `--merge`: an existing index to merge into.
    pub merge: Option<PathBuf>,
    /// `--json`.
    pub json: bool,
}

/// `repo index`: indexes `*.tgz` and `*/*.tgz` in the directory and writes
/// `DIR/index.yaml` (mode 0644).
pub fn index_dir(opts: &IndexOptions) -> Result<PathBuf, RepoError> {
    let out = opts.dir.join("index.yaml");
    let mut index = index_directory(&opts.dir, &opts.url)?;
    if let Some(merge) = &opts.merge {
        let old = match std::fs::metadata(merge) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // helm writes an empty index there first.
                let empty = IndexFile::new();
                let text = if opts.json {
                    empty.to_json()?
                } else {
                    empty.to_yaml()?
                };
                file::atomic_write(merge, text.as_bytes(), 0o644)?;
                empty
            }
            _ => {
                IndexFile::load(merge)
                    .map_err(|e| RepoError::msg(e.kind(), format!("merge failed: {e}")))?
                    .index
            }
        };
        // The new records win over the merged file's.
        index.merge(&old);
    }
    index.sort_entries();
    let text = if opts.json {
        index.to_json()?
    } else {
        index.to_yaml()?
    };
    file::atomic_write(&out, text.as_bytes(), 0o644)?;
    Ok(out)
}

/// helm's `IndexDirectory`: every loadable archive in the directory and
/// its immediate subdirectories, URLs `<url>/<subdir>/<file>`.
pub fn index_directory(dir: &Path, base_url: &str) -> Result<IndexFile, RepoError> {
    let mut archives = glob_tgz(dir);
    let read = |d: &Path| std::fs::read_dir(d).map(|r| r.flatten().collect::<Vec<_>>());
    let mut subdirs: Vec<PathBuf> = read(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    for sub in subdirs {
        archives.extend(glob_tgz(&sub));
    }
    let mut index = IndexFile::new();
    for arch in archives {
        let rel = arch.strip_prefix(dir).unwrap_or(&arch);
        let fname = rel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = rel
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent_url = url_join(base_url, &parent);
        let Ok(chart) = crate::chart::load::load_archive(&arch) else {
            continue;
        };
        let digest = super::index::digest_file(&arch)
            .map_err(|e| RepoError::Io(super::GoIoError::new("open", &arch, &e)))?;
        let mut md = chart.metadata.clone();
        if md.api_version.is_empty() {
            md.api_version = "v1".into();
        }
        let url = if parent_url.is_empty() {
            fname.clone()
        } else {
            url_join(&parent_url, &fname)
        };
        let cv = super::index::ChartVersion {
            metadata: md,
            urls: vec![url],
            created: Some(crate::gojson::GoTime::now()),
            digest,
            ..Default::default()
        };
        index
            .entries
            .entry(cv.metadata.name.clone())
            .or_default()
            .push(cv);
    }
    Ok(index)
}

/// Go's `filepath.Glob(dir/*.tgz)`, sorted; hidden files included.
fn glob_tgz(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.file_name()
            .map(|n| n.to_string_lossy().ends_with(".tgz"))
            .unwrap_or(false)
    });
    out.sort();
    out
}

/// helm's `urlutil.URLJoin`: path elements joined onto the URL's path
/// (`path.Join`), falling back to a plain `path.Join` for a URL that does
/// not parse.
pub fn url_join(base: &str, elem: &str) -> String {
    if elem.is_empty() {
        return base.to_string();
    }
    match reqwest::Url::parse(base) {
        Ok(mut u) if !u.cannot_be_a_base() => {
            let joined = clean_path(&format!("{}/{}", u.path(), elem));
            u.set_path(&joined);
            u.to_string()
        }
        _ => {
            if base.is_empty() {
                clean_path(elem)
            } else {
                clean_path(&format!("{base}/{elem}"))
            }
        }
    }
}

/// Go's `path.Clean` (lexical).
pub(crate) fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}
