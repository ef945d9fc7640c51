//! Chart reference resolution (helm's `LocateChart` and the chart
//! downloader): a local path, `repo/chart` through the cached index,
//! `--repo URL` one-offs, absolute `http(s)://` archive URLs, and
//! `oci://` references through the registry module; plus `pull`.

use std::path::{Path, PathBuf};

use crate::ErrorKind;
use crate::compat::Compat;
use crate::fetch::ClientOptions;

use super::getter::{Getter, GetterOptions};
use super::index::{Found, IndexFile, resolve_reference_url};
use super::{Entry, HelmPaths, RepoError, RepoFile, Warning, file};

/// How to find and fetch a chart (the install/upgrade/show/template/pull
/// flags).
#[derive(Clone, Debug, Default)]
pub struct LocateOptions {
    /// helm's files.
    pub paths: Option<HelmPaths>,
    /// Which helm to imitate.
    pub compat: Compat,
    /// `--version` (a constraint; empty: newest stable).
    pub version: String,
    /// `--devel`: `>0.0.0-0` when `version` is empty.
    pub devel: bool,
    /// `--repo`: a one-off repository URL.
    pub repo_url: String,
    /// `--username`.
    pub username: String,
    /// `--password`.
    pub password: String,
    /// `--pass-credentials`.
    pub pass_credentials_all: bool,
    /// `--ca-file`, `--cert-file`, `--key-file`,
    /// `--insecure-skip-tls-verify`, `--timeout`.
    pub client: ClientOptions,
    /// `--plain-http` (OCI).
    pub plain_http: bool,
    /// Where warnings go as they happen (helm prints them even when the
    /// command fails afterwards); without one they are returned in
    /// [`Located::warnings`].
    pub on_warning: Option<WarningSink>,
}

/// A callback receiving warnings as they happen.
#[derive(Clone)]
pub struct WarningSink(pub std::sync::Arc<dyn Fn(&Warning) + Send + Sync>);

impl std::fmt::Debug for WarningSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WarningSink")
    }
}

/// Hands warnings to the sink if there is one, else keeps them.
fn route(sink: Option<&WarningSink>, warnings: Vec<Warning>) -> Vec<Warning> {
    match sink {
        Some(s) => {
            for w in &warnings {
                (s.0)(w);
            }
            Vec::new()
        }
        None => warnings,
    }
}

/// A repository's cached index, refused in helm's words when missing or
/// unreadable.
fn load_cached(idx: &Path) -> Result<super::index::Loaded, RepoError> {
    IndexFile::load(idx).map_err(|e| {
        RepoError::msg(
            e.kind(),
            format!("no cached repo found. (try 'helm repo update'): {e}"),
        )
    })
}

/// The first download URL of a version found in an index, after routing
/// helm v4's warning when the lookup fell back to the newest match;
/// `no_urls` words the error for a version without URLs.
fn first_url<'a>(
    found: Found<'a>,
    chart: &str,
    version: &str,
    sink: Option<&WarningSink>,
    warnings: &mut Vec<Warning>,
    no_urls: impl FnOnce() -> String,
) -> Result<&'a String, RepoError> {
    let cv = found.version;
    if found.fell_back {
        warnings.extend(route(
            sink,
            vec![Warning::FellBack {
                chart: chart.to_string(),
                requested: version.to_string(),
                selected: cv.metadata.version.clone(),
            }],
        ));
    }
    cv.urls
        .first()
        .ok_or_else(|| RepoError::msg(ErrorKind::NotFound, no_urls()))
}

impl LocateOptions {
    fn paths(&self) -> HelmPaths {
        self.paths.clone().unwrap_or_else(HelmPaths::from_env)
    }

    /// The version constraint in effect (`--devel` applies only when no
    /// `--version` is given).
    pub fn effective_version(&self) -> String {
        let v = self.version.trim();
        if v.is_empty() && self.devel {
            ">0.0.0-0".into()
        } else {
            v.to_string()
        }
    }

    /// The registry client settings for `oci://` references.
    pub fn registry_options(&self) -> crate::registry::RegistryOptions {
        crate::registry::RegistryOptions {
            client: self.client.clone(),
            plain_http: self.plain_http,
            username: self.username.clone(),
            password: self.password.clone(),
            registry_config: self.paths().registry_config,
            compat: self.compat,
        }
    }

    fn flag_getter(&self) -> GetterOptions {
        GetterOptions {
            repo_url: String::new(),
            username: self.username.clone(),
            password: self.password.clone(),
            pass_credentials_all: self.pass_credentials_all,
            client: self.client.clone(),
        }
    }
}

/// Where a chart was found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Located {
    /// The chart directory or archive on disk (absolute).
    pub path: PathBuf,
    /// The reference was an existing local path.
    pub local: bool,
    /// The configured repository it came from (`repo/chart`).
    pub repo_name: Option<String>,
    /// That repository's URL, or the `--repo` URL.
    pub repo_url: Option<String>,
    /// The URL the archive was downloaded from (or the OCI reference).
    pub chart_url: Option<String>,
    /// The chart name asked for (`chart` of `repo/chart`).
    pub chart_name: Option<String>,
    /// The version chosen from the index.
    pub version: Option<String>,
    /// The index's digest for that version.
    pub digest: Option<String>,
    /// Warnings helm prints on the way.
    pub warnings: Vec<Warning>,
    /// For `oci://`: the registry's `Pulled:`/`Digest:` lines, for the
    /// front end to print (helm v3 on stderr, v4 on stdout).
    pub pulled: Option<String>,
}

/// A chart URL resolved from a reference, with the getter to fetch it.
#[derive(Clone, Debug)]
struct Resolved {
    url: String,
    getter: GetterOptions,
    found: Located,
}

/// helm's `LocateChart` for install/upgrade/show/template: a local path is
/// returned as is; anything else is downloaded (v3: into the repository
/// cache as `<file name of the URL>`; v4: into the content cache as
/// `<hh>/<sha256>.chart`, reused when the index digest is already there).
pub async fn locate(reference: &str, opts: &LocateOptions) -> Result<Located, RepoError> {
    let name = reference.trim();
    let paths = opts.paths();
    let mut warnings = Vec::new();
    if name.starts_with("oci://") {
        let (pulled, found) = pull_oci(name, opts).await?;
        let path = match opts.compat {
            // helm v3 keeps it in the repository cache under its file name.
            Compat::V3 => {
                mkdir(&paths.repository_cache)?;
                let dest = paths.repository_cache.join(&pulled.file_name);
                file::atomic_write(&dest, &pulled.bytes, 0o644)?;
                dest
            }
            Compat::V4 => content_cache_store(&pulled.bytes, &paths.content_cache)?,
        };
        return Ok(Located {
            path: absolute(&path),
            ..found
        });
    }
    let check_local = opts.repo_url.is_empty() || opts.compat == Compat::V3;
    if check_local && std::fs::metadata(name).is_ok() {
        if !opts.repo_url.is_empty() {
            warnings = route(opts.on_warning.as_ref(), vec![Warning::LocalChartFound]);
        }
        return Ok(Located {
            path: absolute(Path::new(name)),
            local: true,
            warnings,
            ..Located::default()
        });
    }
    if Path::new(name).is_absolute() || name.starts_with('.') {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!("path {name:?} not found"),
        ));
    }
    let version = opts.effective_version();
    let mut resolved = if opts.repo_url.is_empty() {
        resolve_chart_version(
            name,
            &version,
            &paths,
            opts.flag_getter(),
            opts.on_warning.as_ref(),
        )?
    } else {
        let (chart_url, found) = find_chart_in_repo_url(name, &version, &paths, opts).await?;
        // Credentials go on only to the repository's own host, or with
        // --pass-credentials.
        let mut getter = opts.flag_getter();
        getter.repo_url = chart_url.clone();
        if !(opts.pass_credentials_all || same_host(&opts.repo_url, &chart_url)) {
            getter.username.clear();
            getter.password.clear();
        }
        let mut r = resolve_chart_version(
            &chart_url,
            &version,
            &paths,
            getter,
            opts.on_warning.as_ref(),
        )?;
        r.found = Located {
            chart_url: Some(chart_url),
            ..found
        };
        r
    };
    resolved.found.warnings.splice(0..0, warnings);
    let data_path = match opts.compat {
        Compat::V3 => {
            let cache = &paths.repository_cache;
            mkdir(cache)?;
            let bytes = Getter::new(&resolved.getter)?
                .get(&resolved.url, true)
                .await?;
            let dest = cache.join(url_file_name(&resolved.url));
            file::atomic_write(&dest, &bytes, 0o644)?;
            dest
        }
        Compat::V4 => {
            // A one-off repository's chart is fetched by URL, which has no
            // index digest to key the cache with.
            let digest = if opts.repo_url.is_empty() {
                resolved.found.digest.clone()
            } else {
                None
            };
            content_cache_fetch(&resolved, digest, &paths.content_cache).await?
        }
    };
    resolved.found.path = absolute(&data_path);
    Ok(resolved.found)
}

/// helm v4's content cache: keyed by the index digest when there is one
/// (a file already there is used without downloading or checking it),
/// else by the sha256 of the downloaded bytes.
async fn content_cache_fetch(
    r: &Resolved,
    digest: Option<String>,
    root: &Path,
) -> Result<PathBuf, RepoError> {
    let digest = digest.unwrap_or_default();
    let key = if digest.is_empty() {
        None
    } else {
        let bytes = hex::decode(&digest).map_err(|e| {
            RepoError::msg(
                ErrorKind::Corrupt,
                format!("unable to decode digest: {}", go_hex_error(&e)),
            )
        })?;
        let mut k = [0u8; 32];
        for (i, b) in bytes.iter().take(32).enumerate() {
            k[i] = *b;
        }
        Some(hex::encode(k))
    };
    if let Some(k) = &key {
        let p = content_path(root, k);
        if p.is_file() {
            return Ok(p);
        }
    }
    let bytes = Getter::new(&r.getter)?.get(&r.url, true).await?;
    let k = match key {
        Some(k) => k,
        None => {
            use sha2::Digest as _;
            hex::encode(sha2::Sha256::digest(&bytes))
        }
    };
    let p = content_path(root, &k);
    if let Some(dir) = p.parent() {
        mkdir(dir)?;
    }
    file::atomic_write(&p, &bytes, 0o644)?;
    Ok(p)
}

fn content_path(root: &Path, hex_key: &str) -> PathBuf {
    root.join(&hex_key[..2]).join(format!("{hex_key}.chart"))
}

fn go_hex_error(e: &hex::FromHexError) -> String {
    match e {
        hex::FromHexError::InvalidHexCharacter { c, .. } => {
            format!("encoding/hex: invalid byte: U+{:04X} {c:?}", *c as u32)
        }
        hex::FromHexError::OddLength => "encoding/hex: odd length hex string".into(),
        other => other.to_string(),
    }
}

/// `pull` settings.
#[derive(Clone, Debug, Default)]
pub struct PullOptions {
    /// The chart location flags.
    pub locate: LocateOptions,
    /// `-d/--destination` (default `.`).
    pub dest_dir: PathBuf,
    /// `--untar`.
    pub untar: bool,
    /// `--untardir` (default `.`), relative to `dest_dir`.
    pub untar_dir: PathBuf,
}

/// What `pull` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pulled {
    /// The saved archive (removed again after `--untar`).
    pub saved: PathBuf,
    /// Where it was located.
    pub located: Located,
}

/// helm's `pull` for HTTP repositories, `--repo` and URLs: the archive
/// saved under its URL's file name in `dest_dir`, or expanded with
/// `--untar`.
pub async fn pull(reference: &str, opts: &PullOptions) -> Result<Pulled, RepoError> {
    let paths = opts.locate.paths();
    let version = opts.locate.effective_version();
    let (bytes, file_name, resolved) = if reference.starts_with("oci://") {
        let (pulled, found) = pull_oci(reference, &opts.locate).await?;
        let r = Resolved {
            url: reference.to_string(),
            getter: GetterOptions::default(),
            found,
        };
        (pulled.bytes, pulled.file_name, r)
    } else {
        let r = resolve_http(reference, &version, &paths, opts).await?;
        let bytes = Getter::new(&r.getter)?.get(&r.url, true).await?;
        let name = url_file_name(&r.url);
        (bytes, name, r)
    };
    save_pulled(reference, opts, bytes, &file_name, resolved)
}

/// The HTTP side of `pull`: the chart URL and its getter.
async fn resolve_http(
    reference: &str,
    version: &str,
    paths: &HelmPaths,
    opts: &PullOptions,
) -> Result<Resolved, RepoError> {
    let resolved = if opts.locate.repo_url.is_empty() {
        resolve_chart_version(
            reference,
            version,
            paths,
            opts.locate.flag_getter(),
            opts.locate.on_warning.as_ref(),
        )?
    } else {
        let (chart_url, found) =
            find_chart_in_repo_url(reference, version, paths, &opts.locate).await?;
        let mut getter = opts.locate.flag_getter();
        getter.repo_url = chart_url.clone();
        let mut r = resolve_chart_version(
            &chart_url,
            version,
            paths,
            getter,
            opts.locate.on_warning.as_ref(),
        )?;
        r.found = Located {
            chart_url: Some(chart_url),
            ..found
        };
        r
    };
    Ok(resolved)
}

/// Saves (or expands, with `--untar`) what `pull` fetched.
fn save_pulled(
    reference: &str,
    opts: &PullOptions,
    bytes: Vec<u8>,
    file_name: &str,
    resolved: Resolved,
) -> Result<Pulled, RepoError> {
    let dest_dir = if opts.dest_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        opts.dest_dir.clone()
    };
    if !opts.untar {
        let saved = dest_dir.join(file_name);
        file::atomic_write(&saved, &bytes, 0o644)?;
        return Ok(Pulled {
            saved,
            located: resolved.found,
        });
    }
    let untar_dir = if opts.untar_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        opts.untar_dir.clone()
    };
    // Go's filepath.Join cleans the result (`w/.` is `w`).
    let clean = |p: String| PathBuf::from(super::ops::clean_path(&p));
    let ud = if untar_dir.is_absolute() {
        clean(untar_dir.to_string_lossy().into_owned())
    } else {
        clean(format!("{}/{}", dest_dir.display(), untar_dir.display()))
    };
    let base = reference.rsplit('/').next().unwrap_or(reference);
    let ud_check = if ud == Path::new(".") {
        PathBuf::from(base)
    } else {
        clean(format!("{}/{base}", ud.display()))
    };
    if std::fs::metadata(&ud_check).is_ok() {
        return Err(RepoError::msg(
            ErrorKind::Conflict,
            format!(
                "failed to untar: a file or directory with the name {} already exists",
                ud_check.display()
            ),
        ));
    }
    std::fs::create_dir_all(&ud_check).map_err(|e| {
        RepoError::msg(
            ErrorKind::Failed,
            format!(
                "failed to untar (mkdir): {}",
                super::GoIoError::new("mkdir", &ud_check, &e)
            ),
        )
    })?;
    expand(&ud, &bytes)?;
    Ok(Pulled {
        saved: ud,
        located: resolved.found,
    })
}

/// helm's `chartutil.Expand`: the archive's files (as the chart loader
/// reads them) written under `<dir>/<chart name from Chart.yaml>/`.
pub fn expand(dir: &Path, archive: &[u8]) -> Result<(), RepoError> {
    let chart = crate::chart::load::load_archive_bytes(archive)
        .map_err(|e| RepoError::msg(ErrorKind::Corrupt, e.to_string()))?;
    let name = chart.metadata.name.clone();
    if name.is_empty() || name.contains('/') || name == ".." || name == "." {
        return Err(RepoError::msg(
            ErrorKind::Corrupt,
            "chart name not specified",
        ));
    }
    let root = dir.join(&name);
    for f in &chart.raw {
        let rel = Path::new(&f.name);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            continue;
        }
        let out = root.join(rel);
        if let Some(d) = out.parent() {
            mkdir(d)?;
        }
        std::fs::write(&out, &f.data)
            .map_err(|e| RepoError::Io(super::GoIoError::new("open", &out, &e)))?;
    }
    Ok(())
}

/// Pulls an `oci://` chart through the registry module.
async fn pull_oci(
    reference: &str,
    opts: &LocateOptions,
) -> Result<(crate::registry::Pulled, Located), RepoError> {
    let pulled = crate::registry::pull(
        reference,
        opts.version.trim(),
        opts.devel,
        &opts.registry_options(),
    )
    .await
    .map_err(|e| RepoError::Registry(e.to_string()))?;
    let found = Located {
        chart_url: Some(reference.to_string()),
        chart_name: Some(pulled.name.clone()),
        version: Some(pulled.version.clone()),
        pulled: Some(crate::registry::pulled_lines(&pulled)),
        ..Located::default()
    };
    Ok((pulled, found))
}

/// helm v4's content cache for bytes already fetched (OCI): keyed by
/// their sha256.
fn content_cache_store(bytes: &[u8], root: &Path) -> Result<PathBuf, RepoError> {
    use sha2::Digest as _;
    let k = hex::encode(sha2::Sha256::digest(bytes));
    let p = content_path(root, &k);
    if let Some(dir) = p.parent() {
        mkdir(dir)?;
    }
    file::atomic_write(&p, bytes, 0o644)?;
    Ok(p)
}

fn mkdir(d: &Path) -> Result<(), RepoError> {
    std::fs::create_dir_all(d).map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", d, &e)))
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// The last path segment of a URL (Go's `filepath.Base(u.Path)`).
fn url_file_name(url: &str) -> String {
    let path = reqwest::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.to_string());
    let trimmed = path.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or_default();
    if base.is_empty() {
        if path.starts_with('/') {
            "/".into()
        } else {
            ".".into()
        }
    } else {
        percent_encoding::percent_decode_str(base)
            .decode_utf8_lossy()
            .into_owned()
    }
}

fn same_host(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port() == b.port()
        }
        _ => false,
    }
}

/// helm's `repo.LoadFile` as the downloader reads it: a missing file is
/// an empty one.
fn load_repos(paths: &HelmPaths) -> Result<RepoFile, RepoError> {
    match RepoFile::load(&paths.repository_config) {
        Ok(f) => Ok(f),
        Err(RepoError::LoadRepoFile { source, .. }) if source.not_found => Ok(RepoFile::default()),
        Err(e) => Err(e),
    }
}

/// helm's `ResolveChartVersion` for HTTP: an absolute URL (with the
/// credentials of the configured repository whose index lists it), or
/// `repo/chart` through the cached index.
fn resolve_chart_version(
    reference: &str,
    version: &str,
    paths: &HelmPaths,
    mut getter: GetterOptions,
    sink: Option<&WarningSink>,
) -> Result<Resolved, RepoError> {
    let rf = load_repos(paths)?;
    if let Ok(u) = reqwest::Url::parse(reference)
        && u.has_host()
        && !u.path().is_empty()
        && u.path() != "/"
    {
        match scan_repos_for_url(reference, &rf, paths)? {
            Some(rc) => {
                apply_entry(&mut getter, &rc);
                getter.repo_url = rc.url.clone();
                return Ok(Resolved {
                    url: reference.to_string(),
                    getter,
                    found: Located {
                        repo_name: Some(rc.name.clone()),
                        repo_url: Some(rc.url.clone()),
                        chart_url: Some(reference.to_string()),
                        ..Located::default()
                    },
                });
            }
            None => {
                if getter.repo_url.is_empty() {
                    getter.repo_url = reference.to_string();
                }
                return Ok(Resolved {
                    url: reference.to_string(),
                    getter,
                    found: Located {
                        chart_url: Some(reference.to_string()),
                        ..Located::default()
                    },
                });
            }
        }
    }
    let Some((repo_name, chart_name)) = reference.split_once('/') else {
        return Err(RepoError::msg(
            ErrorKind::InvalidInput,
            format!(
                "non-absolute URLs should be in form of repo_name/path_to_chart, got: {reference}"
            ),
        ));
    };
    let rc = rf
        .repositories
        .iter()
        .find(|e| e.name == repo_name)
        .ok_or_else(|| {
            RepoError::msg(ErrorKind::NotFound, format!("repo {repo_name} not found"))
        })?;
    if rc.url.is_empty() {
        return Err(RepoError::msg(
            ErrorKind::InvalidInput,
            format!("no URL found for repository {repo_name}"),
        ));
    }
    getter.repo_url = rc.url.clone();
    apply_entry(&mut getter, rc);
    let idx = paths.index_file(&rc.name);
    let loaded = load_cached(&idx)?;
    let mut warnings: Vec<Warning> = route(
        sink,
        loaded
            .warnings
            .into_iter()
            .map(Warning::InvalidEntry)
            .collect(),
    );
    let found = loaded.index.lookup(chart_name, version).map_err(|e| {
        RepoError::msg(
            if matches!(e, super::IndexError::Constraint(_)) {
                ErrorKind::InvalidInput
            } else {
                ErrorKind::NotFound
            },
            format!(
                "chart {chart_name:?} matching {version} not found in {} index. (try 'helm repo update'): {e}",
                rc.name
            ),
        )
    })?;
    let cv = found.version;
    let first = first_url(found, chart_name, version, sink, &mut warnings, || {
        format!("chart {reference:?} has no downloadable URLs")
    })?;
    let url = resolve_reference_url(&rc.url, first).map_err(|_| {
        RepoError::msg(
            ErrorKind::InvalidInput,
            format!("invalid chart URL format: {reference}"),
        )
    })?;
    Ok(Resolved {
        url: url.clone(),
        getter,
        found: Located {
            repo_name: Some(rc.name.clone()),
            repo_url: Some(rc.url.clone()),
            chart_url: Some(url),
            chart_name: Some(chart_name.to_string()),
            version: Some(cv.metadata.version.clone()),
            digest: (!cv.digest.is_empty()).then(|| cv.digest.clone()),
            warnings,
            ..Located::default()
        },
    })
}

/// A configured repository's TLS files and credentials replace the flags'
/// where it has them.
fn apply_entry(getter: &mut GetterOptions, rc: &Entry) {
    if !rc.cert_file.is_empty() || !rc.key_file.is_empty() || !rc.ca_file.is_empty() {
        let p = |s: &str| (!s.is_empty()).then(|| PathBuf::from(s));
        getter.client.cert_file = p(&rc.cert_file);
        getter.client.key_file = p(&rc.key_file);
        getter.client.ca_file = p(&rc.ca_file);
    }
    getter.client.insecure_skip_tls_verify |= rc.insecure_skip_tls_verify;
    if !rc.username.is_empty() && !rc.password.is_empty() {
        getter.username = rc.username.clone();
        getter.password = rc.password.clone();
        getter.pass_credentials_all = rc.pass_credentials_all;
    }
}

/// The configured repository whose cached index lists exactly `url`;
/// a repository without a usable cache is an error, as in helm.
fn scan_repos_for_url(
    url: &str,
    rf: &RepoFile,
    paths: &HelmPaths,
) -> Result<Option<Entry>, RepoError> {
    for rc in &rf.repositories {
        let idx = paths.index_file(&rc.name);
        let loaded = load_cached(&idx)?;
        let hit = loaded
            .index
            .entries
            .values()
            .flatten()
            .flat_map(|v| v.urls.iter())
            .any(|u| urls_equal(u, url));
        if hit {
            return Ok(Some(rc.clone()));
        }
    }
    Ok(None)
}

/// helm's `urlutil.Equal`: the same URL once paths are cleaned.
fn urls_equal(a: &str, b: &str) -> bool {
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// helm's `FindChartInAuthAndTLSAndPassRepoURL`: the `--repo` index
/// downloaded into the cache under a random name, read, and deleted.
pub(crate) async fn find_chart_in_repo_url(
    chart: &str,
    version: &str,
    paths: &HelmPaths,
    opts: &LocateOptions,
) -> Result<(String, Located), RepoError> {
    let repo_url = &opts.repo_url;
    let entry = Entry {
        name: random_name(),
        url: repo_url.clone(),
        username: opts.username.clone(),
        password: opts.password.clone(),
        pass_credentials_all: opts.pass_credentials_all,
        cert_file: path_str(&opts.client.cert_file),
        key_file: path_str(&opts.client.key_file),
        ca_file: path_str(&opts.client.ca_file),
        insecure_skip_tls_verify: opts.client.insecure_skip_tls_verify,
    };
    // helm's one-off repository lives in the default cache, whatever
    // --repository-cache says.
    let cache = paths.cache_home.join("repository");
    let downloaded = super::ops::download_index(&entry, &cache, opts.client.timeout).await;
    let cleanup = || {
        let _ = std::fs::remove_file(cache.join(format!("{}-charts.txt", entry.name)));
        let _ = std::fs::remove_file(cache.join(format!("{}-index.yaml", entry.name)));
    };
    let (idx, mut warnings) = match downloaded {
        Ok((idx, w)) => (idx, route(opts.on_warning.as_ref(), w)),
        Err(e) => {
            cleanup();
            return Err(RepoError::NotARepository {
                url: repo_url.clone(),
                source: Box::new(e),
            });
        }
    };
    let loaded = IndexFile::load(&idx);
    cleanup();
    let loaded = loaded?;
    let mut what = format!("chart {chart:?}");
    if !version.is_empty() {
        what = format!("{what} version {version:?}");
    }
    let found = loaded.index.lookup(chart, version).map_err(|_| {
        RepoError::msg(
            ErrorKind::NotFound,
            format!("{what} not found in {repo_url} repository"),
        )
    })?;
    let cv = found.version;
    let first = first_url(
        found,
        chart,
        version,
        opts.on_warning.as_ref(),
        &mut warnings,
        || format!("{what} has no downloadable URLs"),
    )?;
    let abs = resolve_reference_url(repo_url, first).map_err(|e| {
        RepoError::msg(
            ErrorKind::InvalidInput,
            format!("failed to make chart URL absolute: {e}"),
        )
    })?;
    Ok((
        abs,
        Located {
            repo_url: Some(repo_url.clone()),
            chart_name: Some(chart.to_string()),
            version: Some(cv.metadata.version.clone()),
            digest: (!cv.digest.is_empty()).then(|| cv.digest.clone()),
            warnings,
            ..Located::default()
        },
    ))
}

fn path_str(p: &Option<PathBuf>) -> String {
    p.as_ref()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// 20 random bytes in base64 with `/` replaced by `-` (helm's one-off
/// repository name).
fn random_name() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let seed = format!(
        "{:?}{}{:?}",
        std::time::SystemTime::now(),
        std::process::id(),
        std::thread::current().id()
    );
    let bytes = sha2::Sha256::digest(seed.as_bytes());
    base64::engine::general_purpose::STANDARD
        .encode(&bytes[..20])
        .replace('/', "-")
}
