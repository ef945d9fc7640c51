//! `dependency update|build` (helm's `downloader.Manager`): resolve the
//! declared dependencies against the repositories, download them into
//! `charts/`, write `Chart.lock` with helm's digest, and print helm's
//! lines on the way.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::ErrorKind;
use crate::chart::model::{Dependency, Lock};
use crate::compat::Compat;
use crate::gojson::{GoTime, GoValue};
use crate::semver::{Constraints, Version};

use super::getter::{Getter, GetterOptions};
use super::index::IndexFile;
use super::{Entry, HelmPaths, RepoError, RepoFile};

/// The prefix of the cache names helm gives repositories that a
/// dependency names by URL without them being configured.
const MANAGER_PREFIX: &str = "helm-manager-";

/// `dependency update|build` settings.
#[derive(Clone, Debug)]
pub struct DepOptions {
    /// helm's files.
    pub paths: HelmPaths,
    /// Which helm to imitate.
    pub compat: Compat,
    /// `--skip-refresh`.
    pub skip_refresh: bool,
    /// `--plain-http` (OCI dependencies).
    pub plain_http: bool,
    /// The registry client's TLS files and credentials (OCI dependencies).
    pub registry: crate::registry::RegistryOptions,
    /// Prints the registry's `Pulled:`/`Digest:` lines.
    pub on_registry_lines: fn(&str),
}

fn registry_options(opts: &DepOptions) -> crate::registry::RegistryOptions {
    let mut r = opts.registry.clone();
    r.plain_http = opts.plain_http;
    r.compat = opts.compat;
    r.registry_config = opts.paths.registry_config.clone();
    r
}

/// The registry's tags for `repo`, newest first (blocking the resolver's
/// loop on the async call, as helm's resolver does synchronously).
fn registry_tags(repo: &str, opts: &DepOptions) -> Result<Vec<String>, String> {
    let ro = registry_options(opts);
    let repo = repo.to_string();
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(crate::registry::tags(&repo, &ro))
                .map_err(|e| e.to_string())
        })
        .join()
        .map_err(|_| "tag listing panicked".to_string())?
    })
}

/// helm's `Chart.lock` digest: `sha256:` + the hex sha256 of the JSON
/// array `[declared, locked]` as Go's `json.Marshal` writes it.
pub fn hash_req(declared: &[Dependency], locked: &[Dependency]) -> String {
    use sha2::Digest as _;
    let list = |deps: &[Dependency]| GoValue::Array(deps.iter().map(dependency_go).collect());
    let v = GoValue::Array(vec![list(declared), list(locked)]);
    let json = crate::gojson::json::to_json(&v).unwrap_or_default();
    let json = json.strip_suffix('\n').unwrap_or(&json);
    format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(json.as_bytes()))
    )
}

fn dependency_go(d: &Dependency) -> GoValue {
    GoValue::struct_builder()
        .field("name", d.name.as_str())
        .field_omitempty("version", d.version.as_str())
        .field("repository", d.repository.as_str())
        .field_omitempty("condition", d.condition.as_str())
        .field_omitempty(
            "tags",
            GoValue::Array(d.tags.iter().map(GoValue::string).collect()),
        )
        .field_omitempty("enabled", d.enabled)
        .field_omitempty("import-values", GoValue::Array(d.import_values.clone()))
        .field_omitempty("alias", d.alias.as_str())
        .build()
}

/// `Chart.lock` as helm writes it (sigs.k8s.io/yaml: keys sorted).
pub fn lock_yaml(lock: &Lock) -> Result<String, RepoError> {
    let v = GoValue::struct_builder()
        .field(
            "generated",
            crate::gojson::decode::time_value(&lock.generated),
        )
        .field("digest", lock.digest.as_str())
        .field(
            "dependencies",
            GoValue::Array(lock.dependencies.iter().map(dependency_go).collect()),
        )
        .build();
    super::file::sorted_yaml(&v)
}

fn load_chart_dir(dir: &Path) -> Result<crate::chart::model::Chart, RepoError> {
    match std::fs::metadata(dir) {
        Err(e) => {
            return Err(RepoError::msg(
                ErrorKind::NotFound,
                format!(
                    "could not find {}: {}",
                    dir.display(),
                    super::GoIoError::new("stat", dir, &e)
                ),
            ));
        }
        Ok(m) if !m.is_dir() => {
            return Err(RepoError::msg(
                ErrorKind::InvalidInput,
                "only unpacked charts can be updated",
            ));
        }
        Ok(_) => {}
    }
    crate::chart::load::load_dir(dir)
        .map_err(|e| RepoError::msg(ErrorKind::InvalidInput, e.to_string()))
}

fn load_repos(paths: &HelmPaths) -> Result<Option<RepoFile>, RepoError> {
    match RepoFile::load(&paths.repository_config) {
        Ok(f) => Ok(Some(f)),
        Err(RepoError::LoadRepoFile { source, .. }) if source.not_found => Ok(None),
        Err(e) => Err(e),
    }
}

/// helm's `GetLocalPath` for `file://` repositories.
fn local_path(repo: &str, chart_dir: &Path) -> Result<PathBuf, RepoError> {
    let p = repo.strip_prefix("file://").unwrap_or(repo);
    let dep = if p.starts_with('/') {
        PathBuf::from(p)
    } else {
        chart_dir.join(p)
    };
    if std::fs::metadata(&dep).is_err() {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!("directory {} not found", dep.display()),
        ));
    }
    Ok(dep)
}

fn is_oci(s: &str) -> bool {
    s.starts_with("oci://")
}

fn urls_equal(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    match (reqwest::Url::parse(a), reqwest::Url::parse(b)) {
        (Ok(x), Ok(y)) => norm(x.as_str()) == norm(y.as_str()),
        _ => norm(a) == norm(b),
    }
}

/// helm's `resolveRepoNames`: `@name` and `alias:name` replaced by the
/// repository URL (in `deps`), each dependency mapped to its repository
/// name; unknown names are an error.
fn resolve_repo_names(
    deps: &mut [Dependency],
    rf: Option<&RepoFile>,
    chart_dir: &Path,
) -> Result<BTreeMap<String, String>, RepoError> {
    let mut map = BTreeMap::new();
    // helm reads a missing repositories file as an empty one.
    let empty = RepoFile::default();
    let rf = rf.unwrap_or(&empty);
    let mut missing = Vec::new();
    for d in deps.iter_mut() {
        if d.repository.is_empty() {
            continue;
        }
        // An OCI dependency needs no configured repository.
        if is_oci(&d.repository) {
            map.insert(d.name.clone(), d.repository.clone());
            continue;
        }
        if d.repository.starts_with("file://") {
            local_path(&d.repository, chart_dir)?;
            map.insert(d.name.clone(), d.repository.clone());
            continue;
        }
        let alias = d
            .repository
            .strip_prefix('@')
            .or_else(|| d.repository.strip_prefix("alias:"));
        let mut found = false;
        for r in &rf.repositories {
            if alias == Some(r.name.as_str()) {
                d.repository = r.url.clone();
                map.insert(d.name.clone(), r.name.clone());
                found = true;
                break;
            } else if urls_equal(&r.url, &d.repository) {
                map.insert(d.name.clone(), r.name.clone());
                found = true;
                break;
            }
        }
        if !found {
            // Go's url.ParseRequestURI: an absolute URL or an absolute path.
            if reqwest::Url::parse(&d.repository).is_ok() || d.repository.starts_with('/') {
                map.insert(d.repository.clone(), d.repository.clone());
                continue;
            }
            missing.push(d.repository.clone());
        }
    }
    if !missing.is_empty() {
        let mut msg = format!(
            "no repository definition for {}. Please add them via 'helm repo add'",
            missing.join(", ")
        );
        if missing
            .iter()
            .any(|r| !r.contains("//") && !r.starts_with('@') && !r.starts_with("alias:"))
        {
            msg.push_str("\nNote that repositories must be URLs or aliases. For example, to refer to the \"example\"\nrepository, use \"https://charts.example.com/\" or \"@example\" instead of\n\"example\". Don't forget to add the repo, too ('helm repo add').");
        }
        return Err(RepoError::msg(ErrorKind::NotFound, msg));
    }
    Ok(map)
}

fn manager_name(url: &str) -> String {
    use sha2::Digest as _;
    format!(
        "{MANAGER_PREFIX}{}",
        hex::encode(sha2::Sha256::digest(url.as_bytes()))
    )
}

/// helm's `parallelRepoUpdate`: the lines it prints for each repository.
async fn parallel_update(entries: Vec<Entry>, paths: &HelmPaths, print: &mut dyn FnMut(&str)) {
    // helm dedupes by URL (trailing slash ignored).
    let mut seen = BTreeSet::new();
    let entries: Vec<Entry> = entries
        .into_iter()
        .filter(|e| seen.insert(e.url.trim_end_matches('/').to_string()))
        .collect();
    let results = super::ops::update(paths, entries, None).await;
    for r in results {
        let label = if r.entry.name.starts_with(MANAGER_PREFIX) {
            format!("{:?}", r.entry.url)
        } else {
            format!("{:?}", r.entry.name)
        };
        match r.outcome {
            Ok(_) => print(&format!(
                "...Successfully got an update from the {label} chart repository"
            )),
            Err(e) if r.entry.name.starts_with(MANAGER_PREFIX) => print(&format!(
                "...Unable to get an update from the {label} chart repository:\n\t{e}"
            )),
            Err(e) => print(&format!(
                "...Unable to get an update from the {label} chart repository ({}):\n\t{e}",
                r.entry.url
            )),
        }
    }
}

async fn update_repositories(
    paths: &HelmPaths,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    // A missing repositories file is no repository to update.
    let Some(rf) = load_repos(paths)? else {
        return Ok(());
    };
    if !rf.repositories.is_empty() {
        print("Hang tight while we grab the latest from your chart repositories...");
        parallel_update(rf.repositories, paths, print).await;
        print("Update Complete. ⎈Happy Helming!⎈");
    }
    Ok(())
}

/// `dependency update`: resolve, download into `charts/`, write the lock
/// when its digest changed.
pub async fn update(
    chart_dir: &Path,
    opts: &DepOptions,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    let chart = load_chart_dir(chart_dir)?;
    let mut req = chart.metadata.dependencies.clone();
    if req.is_empty() {
        return Ok(());
    }
    let rf = load_repos(&opts.paths)?;
    let mut names = resolve_repo_names(&mut req, rf.as_ref(), chart_dir)?;
    // Dependencies named by an unconfigured URL get a generated name.
    let mut unmanaged = Vec::new();
    for d in &req {
        if d.repository.is_empty() || names.contains_key(&d.name) {
            continue;
        }
        let rn = manager_name(&d.repository);
        names.insert(d.name.clone(), rn.clone());
        unmanaged.push(Entry {
            name: rn,
            url: d.repository.clone(),
            ..Entry::default()
        });
    }
    if !opts.skip_refresh && !unmanaged.is_empty() {
        print("Getting updates for unmanaged Helm repositories...");
        parallel_update(unmanaged, &opts.paths, print).await;
    }
    if !opts.skip_refresh && !names.is_empty() {
        update_repositories(&opts.paths, print).await?;
    }
    let mut lock = resolve(&req, &names, chart_dir, opts)?;
    download_all(chart_dir, &mut lock.dependencies, opts, print).await?;
    lock.digest = hash_req(&req, &lock.dependencies);
    if chart
        .lock
        .as_ref()
        .is_some_and(|old| old.digest == lock.digest)
    {
        return Ok(());
    }
    write_lock(chart_dir, &lock, chart.metadata.api_version == "v1")
}

/// `dependency build`: download what `Chart.lock` says (an update when
/// there is no lock), refusing a lock out of sync with `Chart.yaml`.
pub async fn build(
    chart_dir: &Path,
    opts: &DepOptions,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    let chart = load_chart_dir(chart_dir)?;
    let Some(lock) = chart.lock.clone() else {
        return update(chart_dir, opts, print).await;
    };
    let mut req = chart.metadata.dependencies.clone();
    let rf = load_repos(&opts.paths)?;
    resolve_repo_names(&mut req, rf.as_ref(), chart_dir)?;
    if hash_req(&req, &lock.dependencies) != lock.digest {
        let (l, d) = if chart.metadata.api_version == "v1" {
            ("requirements.lock", "requirements.yaml")
        } else {
            ("Chart.lock", "Chart.yaml")
        };
        return Err(RepoError::msg(
            ErrorKind::Conflict,
            format!(
                "the lock file ({l}) is out of sync with the dependencies file ({d}). Please update the dependencies{}",
                if opts.compat == Compat::V4 && l == "Chart.lock" {
                    " with 'helm dependency update'"
                } else {
                    ""
                }
            ),
        ));
    }
    // helm's hasAllRepos: every locked repository is configured (or a
    // URL, file:// or OCI).
    let mut missing = Vec::new();
    for d in &lock.dependencies {
        if d.repository.is_empty() || d.repository.starts_with("file://") || is_oci(&d.repository) {
            continue;
        }
        let known = rf.as_ref().is_some_and(|f| {
            f.repositories
                .iter()
                .any(|r| urls_equal(&r.url, &d.repository))
        });
        if !known {
            missing.push(d.repository.clone());
        }
    }
    if !missing.is_empty() {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!(
                "no repository definition for {}. Please add the missing repos via 'helm repo add'",
                missing.join(", ")
            ),
        ));
    }
    if !opts.skip_refresh {
        update_repositories(&opts.paths, print).await?;
    }
    let mut deps = lock.dependencies.clone();
    download_all(chart_dir, &mut deps, opts, print).await
}

/// helm's resolver: the version each dependency is locked at.
fn resolve(
    req: &[Dependency],
    names: &BTreeMap<String, String>,
    chart_dir: &Path,
    opts: &DepOptions,
) -> Result<Lock, RepoError> {
    let paths = &opts.paths;
    let mut locked = Vec::with_capacity(req.len());
    let mut missing = Vec::new();
    for d in req {
        let constraint = Constraints::parse(&d.version).map_err(|e| {
            RepoError::msg(
                ErrorKind::InvalidInput,
                format!(
                    "dependency {:?} has an invalid version/constraint format: {e}",
                    d.name
                ),
            )
        })?;
        let lock_dep = |version: String| Dependency {
            name: d.name.clone(),
            repository: d.repository.clone(),
            version,
            ..Dependency::default()
        };
        if d.repository.is_empty() {
            local_path(&format!("charts/{}", d.name), chart_dir)?;
            locked.push(lock_dep(d.version.clone()));
            continue;
        }
        if d.repository.starts_with("file://") {
            let p = local_path(&d.repository, chart_dir)?;
            let ch = crate::chart::load::load_dir(&p)
                .map_err(|e| RepoError::msg(ErrorKind::InvalidInput, e.to_string()))?;
            let Ok(v) = Version::parse(&ch.metadata.version) else {
                continue;
            };
            if !constraint.check(&v) {
                missing.push(format!(
                    "{:?} (repository {:?}, version {:?})",
                    d.name, d.repository, d.version
                ));
                continue;
            }
            locked.push(lock_dep(ch.metadata.version.clone()));
            continue;
        }
        let repo_name = names.get(&d.name).cloned().unwrap_or_default();
        if repo_name.is_empty() && !is_oci(&d.repository) {
            locked.push(lock_dep(d.version.clone()));
            continue;
        }
        if is_oci(&d.repository) {
            // An explicit version is the tag; a range is matched against
            // the registry's tags (newest first).
            if Version::parse(&d.version).is_ok() {
                locked.push(lock_dep(d.version.clone()));
                continue;
            }
            let repo = format!("{}/{}", d.repository.trim_start_matches("oci://"), d.name);
            let tags = registry_tags(&repo, opts).map_err(|e| {
                RepoError::Registry(format!(
                    "could not retrieve list of tags for repository {}: {e}",
                    d.repository
                ))
            })?;
            let chosen = tags.iter().find_map(|t| {
                let v = Version::parse(t).ok()?;
                constraint.check(&v).then(|| v.original().to_string())
            });
            locked.push(lock_dep(chosen_or_missing(chosen, d, &mut missing)));
            continue;
        }
        let idx = paths.index_file(&repo_name);
        let index = IndexFile::load(&idx)
            .map_err(|e| {
                RepoError::msg(
                    e.kind(),
                    format!(
                        "no cached repository for {repo_name} found. (try 'helm repo update'): {e}"
                    ),
                )
            })?
            .index;
        let Some(versions) = index.entries.get(&d.name) else {
            return Err(RepoError::msg(
                ErrorKind::NotFound,
                format!("{} chart not found in repo {}", d.name, d.repository),
            ));
        };
        let chosen = versions.iter().find_map(|cv| {
            let v = Version::parse(&cv.metadata.version).ok()?;
            (!cv.urls.is_empty() && constraint.check(&v)).then(|| v.original().to_string())
        });
        locked.push(lock_dep(chosen_or_missing(chosen, d, &mut missing)));
    }
    if !missing.is_empty() {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            ),
        ));
    }
    let digest = hash_req(req, &locked);
    Ok(Lock {
        generated: Some(GoTime::now()),
        digest,
        dependencies: locked,
    })
}

/// helm's `normalizeURL`: an absolute URL as is, else joined onto the
/// repository URL's path (its query kept).
fn normalize_url(base: &str, url_or_path: &str) -> String {
    if reqwest::Url::parse(url_or_path).is_ok() {
        return url_or_path.to_string();
    }
    match reqwest::Url::parse(base) {
        Ok(mut u) => {
            let joined = super::ops::url_join("", &format!("{}/{url_or_path}", u.path()));
            u.set_path(&joined);
            u.to_string()
        }
        Err(_) => url_or_path.to_string(),
    }
}

/// Where a dependency's archive comes from, and with which credentials.
async fn find_chart_url(
    dep: &Dependency,
    repos: &[(Entry, IndexFile)],
    opts: &DepOptions,
) -> Result<(String, GetterOptions), RepoError> {
    for (entry, index) in repos {
        if !urls_equal(&dep.repository, &entry.url) {
            continue;
        }
        let versions = index
            .entries
            .get(&dep.name)
            .ok_or_else(|| RepoError::msg(ErrorKind::NotFound, "entry not found"))?;
        let cv = versions
            .iter()
            .find(|v| !v.urls.is_empty() && v.metadata.version == dep.version)
            .ok_or_else(|| RepoError::msg(ErrorKind::NotFound, "no matching version"))?;
        let url = normalize_url(&dep.repository, &cv.urls[0]);
        let mut g = GetterOptions::from_entry(entry, None);
        g.repo_url = url.clone();
        return Ok((url, g));
    }
    // An unconfigured repository: its index is fetched again.
    let located = super::locate::LocateOptions {
        paths: Some(opts.paths.clone()),
        compat: opts.compat,
        version: dep.version.clone(),
        repo_url: dep.repository.clone(),
        ..Default::default()
    };
    match super::locate::find_chart_in_repo_url(&dep.name, &dep.version, &opts.paths, &located)
        .await
    {
        Ok((url, _)) => Ok((
            url.clone(),
            GetterOptions {
                repo_url: url,
                ..GetterOptions::default()
            },
        )),
        Err(e) => Err(RepoError::msg(
            e.kind(),
            format!("chart {} not found in {}: {e}", dep.name, dep.repository),
        )),
    }
}

/// The version chosen for a dependency, or (none matching) an empty one
/// with the dependency listed among the missing in helm's words.
fn chosen_or_missing(chosen: Option<String>, d: &Dependency, missing: &mut Vec<String>) -> String {
    chosen.unwrap_or_else(|| {
        missing.push(format!(
            "{:?} (repository {:?}, version {:?})",
            d.name, d.repository, d.version
        ));
        String::new()
    })
}

/// A dependency's `version` as a constraint, refused in helm's words.
fn version_constraint(dep: &Dependency) -> Result<Constraints, RepoError> {
    Constraints::parse(&dep.version).map_err(|e| {
        RepoError::msg(
            ErrorKind::InvalidInput,
            format!(
                "dependency {} has an invalid version/constraint format: {e}",
                dep.name
            ),
        )
    })
}

/// helm's per-download message: the first time `key` (the chart's URL or
/// OCI reference) comes up, "Downloading ..." and `true`; after that,
/// "Already downloaded ..." and `false` (skip it).
fn announce_download(
    fetched: &mut BTreeSet<String>,
    key: String,
    dep: &Dependency,
    print: &mut dyn FnMut(&str),
) -> bool {
    let first = fetched.insert(key);
    let what = if first {
        "Downloading"
    } else {
        "Already downloaded"
    };
    print(&format!("{what} {} from repo {}", dep.name, dep.repository));
    first
}

async fn download_all(
    chart_dir: &Path,
    deps: &mut [Dependency],
    opts: &DepOptions,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    // helm's loadChartRepositories: every configured repository's cached
    // index must load.
    let mut repos = Vec::new();
    if let Some(rf) = load_repos(&opts.paths).map_err(|e| {
        RepoError::msg(
            e.kind(),
            format!(
                "failed to load {}: {e}",
                opts.paths.repository_config.display()
            ),
        )
    })? {
        for entry in rf.repositories {
            let index = IndexFile::load(&opts.paths.index_file(&entry.name))?.index;
            repos.push((entry, index));
        }
    }
    let dest = chart_dir.join("charts");
    match std::fs::metadata(&dest) {
        Ok(m) if !m.is_dir() => {
            return Err(RepoError::msg(
                ErrorKind::InvalidInput,
                format!("{:?} is not a directory", dest.display().to_string()),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&dest)
                .map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", &dest, &e)))?;
        }
        Err(e) => {
            return Err(RepoError::msg(
                ErrorKind::Failed,
                format!(
                    "unable to retrieve file info for '{}': {}",
                    dest.display(),
                    super::GoIoError::new("stat", &dest, &e)
                ),
            ));
        }
    }
    let tmp = chart_dir.join(format!("tmpcharts-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)
        .map_err(|e| RepoError::Io(super::GoIoError::new("mkdir", &tmp, &e)))?;
    let result = download_into(chart_dir, deps, &repos, &dest, &tmp, opts, print).await;
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

#[allow(clippy::too_many_arguments)]
async fn download_into(
    chart_dir: &Path,
    deps: &mut [Dependency],
    repos: &[(Entry, IndexFile)],
    dest: &Path,
    tmp: &Path,
    opts: &DepOptions,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    print(&format!("Saving {} charts", deps.len()));
    let mut fetched = BTreeSet::new();
    let mut save_error: Option<RepoError> = None;
    for dep in deps.iter_mut() {
        if dep.repository.is_empty() {
            print(&format!(
                "Dependency {} did not declare a repository. Assuming it exists in the charts directory",
                dep.name
            ));
            let p = dest.join(&dep.name);
            let ch = crate::chart::load::load_dir(&p).map_err(|e| {
                RepoError::msg(
                    ErrorKind::InvalidInput,
                    format!("unable to load chart '{}': {e}", p.display()),
                )
            })?;
            let c = version_constraint(dep)?;
            let v = Version::parse(&ch.metadata.version).map_err(|e| {
                RepoError::msg(
                    ErrorKind::InvalidInput,
                    format!(
                        "invalid version {} for dependency {}: {e}",
                        dep.version, dep.name
                    ),
                )
            })?;
            if !c.check(&v) {
                save_error = Some(RepoError::msg(
                    ErrorKind::Conflict,
                    format!(
                        "dependency {} at version {} does not satisfy the constraint {}",
                        dep.name, ch.metadata.version, dep.version
                    ),
                ));
                break;
            }
            continue;
        }
        if dep.repository.starts_with("file://") {
            match tar_from_local_dir(chart_dir, dep, tmp, opts.compat) {
                Ok(v) => dep.version = v,
                Err(e) => {
                    save_error = Some(e);
                    break;
                }
            }
            continue;
        }
        if is_oci(&dep.repository) {
            let churl = format!("{}/{}:{}", dep.repository, dep.name, dep.version);
            if !announce_download(&mut fetched, churl.clone(), dep, print) {
                continue;
            }
            let reference = format!("{}/{}", dep.repository, dep.name);
            let ro = registry_options(opts);
            match crate::registry::pull(&reference, &dep.version, false, &ro).await {
                Ok(p) => {
                    (opts.on_registry_lines)(&crate::registry::pulled_lines(&p));
                    super::file::atomic_write(&tmp.join(&p.file_name), &p.bytes, 0o644)?;
                }
                Err(e) => {
                    save_error = Some(RepoError::Registry(format!(
                        "could not download {churl}: {e}"
                    )));
                    break;
                }
            }
            continue;
        }
        let (url, getter) = match find_chart_url(dep, repos, opts).await {
            Ok(x) => x,
            Err(e) => {
                save_error = Some(RepoError::msg(e.kind(), format!("could not find : {e}")));
                break;
            }
        };
        if !announce_download(&mut fetched, url.clone(), dep, print) {
            continue;
        }
        let got = match Getter::new(&getter) {
            Ok(g) => g.get(&url, true).await,
            Err(e) => Err(e),
        };
        match got {
            Ok(bytes) => {
                let name = url
                    .split(['?', '#'])
                    .next()
                    .unwrap_or(&url)
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                super::file::atomic_write(&tmp.join(name), &bytes, 0o644)?;
            }
            Err(e) => {
                save_error = Some(RepoError::msg(
                    e.kind(),
                    format!("could not download {url}: {e}"),
                ));
                break;
            }
        }
    }
    if let Some(e) = save_error {
        print(&format!("Save error occurred:  {e}"));
        return Err(e);
    }
    safe_move_deps(deps, tmp, dest, print)
}

/// Packages a `file://` dependency into the temporary directory.
fn tar_from_local_dir(
    chart_dir: &Path,
    dep: &Dependency,
    tmp: &Path,
    compat: Compat,
) -> Result<String, RepoError> {
    let orig = local_path(&dep.repository, chart_dir)?;
    let ch = crate::chart::load::load_dir(&orig)
        .map_err(|e| RepoError::msg(ErrorKind::InvalidInput, e.to_string()))?;
    let c = version_constraint(dep)?;
    let v = Version::parse(&ch.metadata.version)
        .map_err(|e| RepoError::msg(ErrorKind::InvalidInput, e.to_string()))?;
    if !c.check(&v) {
        return Err(RepoError::msg(
            ErrorKind::NotFound,
            format!("can't get a valid version for dependency {}", dep.name),
        ));
    }
    crate::chart::package::package(&ch, tmp, compat)
        .map_err(|e| RepoError::msg(ErrorKind::Failed, e.to_string()))?;
    Ok(ch.metadata.version.clone())
}

/// helm's `safeMoveDeps`: the downloaded archives moved into `charts/`,
/// then archives there that were not downloaded now deleted (except
/// local dependencies).
fn safe_move_deps(
    deps: &[Dependency],
    source: &Path,
    dest: &Path,
    print: &mut dyn FnMut(&str),
) -> Result<(), RepoError> {
    let list = |d: &Path| -> Result<Vec<PathBuf>, RepoError> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| RepoError::Io(super::GoIoError::new("open", d, &e)))?
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        Ok(v)
    };
    let source_files = list(source)?;
    let dest_files = list(dest)?;
    let local: BTreeSet<&str> = deps
        .iter()
        .filter(|d| d.repository.is_empty())
        .map(|d| d.name.as_str())
        .collect();
    let mut moved = BTreeSet::new();
    for f in source_files {
        if f.is_dir() {
            continue;
        }
        let Some(name) = f.file_name().map(|n| n.to_os_string()) else {
            continue;
        };
        moved.insert(name.clone());
        if let Err(e) = crate::chart::load::load_archive(&f) {
            print(&format!(
                "Could not verify {} for moving: {e} (Skipping)",
                f.display()
            ));
            continue;
        }
        if let Err(e) = std::fs::rename(&f, dest.join(&name)) {
            print(&format!(
                "Unable to move {} to charts dir {} (Skipping)",
                f.display(),
                super::go_errno_text(&e)
            ));
        }
    }
    print("Deleting outdated charts");
    for f in dest_files {
        if f.is_dir() {
            continue;
        }
        let Some(name) = f.file_name().map(|n| n.to_os_string()) else {
            continue;
        };
        if moved.contains(&name) {
            continue;
        }
        let ch = match crate::chart::load::load(&f) {
            Ok(c) => c,
            Err(e) => {
                print(&format!(
                    "Could not verify {} for deletion: {e} (Skipping)",
                    f.display()
                ));
                continue;
            }
        };
        if local.contains(ch.metadata.name.as_str()) {
            continue;
        }
        if let Err(e) = std::fs::remove_file(&f) {
            print(&format!(
                "Unable to remove {}: {} (Skipping)",
                f.display(),
                super::go_errno_text(&e)
            ));
        }
    }
    Ok(())
}

fn write_lock(chart_dir: &Path, lock: &Lock, legacy: bool) -> Result<(), RepoError> {
    let name = if legacy {
        "requirements.lock"
    } else {
        "Chart.lock"
    };
    let dest = chart_dir.join(name);
    if let Ok(m) = std::fs::symlink_metadata(&dest)
        && m.file_type().is_symlink()
    {
        let link = std::fs::read_link(&dest).unwrap_or_default();
        return Err(RepoError::msg(
            ErrorKind::InvalidInput,
            format!(
                "the {name} file is a symlink to {:?}",
                link.display().to_string()
            ),
        ));
    }
    let text = lock_yaml(lock)?;
    std::fs::write(&dest, text).map_err(|e| RepoError::Io(super::GoIoError::new("open", &dest, &e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_escapes_like_go() {
        let d = Dependency {
            name: "demo".into(),
            version: ">=1.0.0".into(),
            repository: "http://h/charts".into(),
            ..Dependency::default()
        };
        // The JSON Go hashes: `[[{"name":"demo","version":"\u003e=1.0.0",
        // "repository":"http://h/charts"}],[]]`.
        use sha2::Digest as _;
        let json =
            r#"[[{"name":"demo","version":"\u003e=1.0.0","repository":"http://h/charts"}],[]]"#;
        let want = format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(json.as_bytes()))
        );
        assert_eq!(hash_req(&[d], &[]), want);
    }
}
