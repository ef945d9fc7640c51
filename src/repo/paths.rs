//! Where helm keeps its client-side files (`helmpath` and the `HELM_*`
//! settings), resolved the same way so that helm and rudder share them.

use std::path::PathBuf;

/// helm's client-side paths.
///
/// Each override is resolved as helm does: the flag, else the `HELM_*`
/// variable (used verbatim, even empty: helm's `envOr`), else the default
/// under the base directories, which come from `HELM_CONFIG_HOME` /
/// `HELM_CACHE_HOME` / `HELM_DATA_HOME`, else `$XDG_*_HOME/helm`, else
/// `~/.config/helm`, `~/.cache/helm`, `~/.local/share/helm` (Linux).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelmPaths {
    /// The configuration base directory.
    pub config_home: PathBuf,
    /// The cache base directory.
    pub cache_home: PathBuf,
    /// The data base directory (plugins, starters).
    pub data_home: PathBuf,
    /// `--registry-config` / `HELM_REGISTRY_CONFIG`.
    pub registry_config: PathBuf,
    /// `--repository-config` / `HELM_REPOSITORY_CONFIG`.
    pub repository_config: PathBuf,
    /// `--repository-cache` / `HELM_REPOSITORY_CACHE`.
    pub repository_cache: PathBuf,
    /// helm v4's `--content-cache` / `HELM_CONTENT_CACHE`.
    pub content_cache: PathBuf,
}

/// The path flags given on a command line (`None`: not given).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathFlags {
    /// `--registry-config`.
    pub registry_config: Option<PathBuf>,
    /// `--repository-config`.
    pub repository_config: Option<PathBuf>,
    /// `--repository-cache`.
    pub repository_cache: Option<PathBuf>,
    /// `--content-cache`.
    pub content_cache: Option<PathBuf>,
}

impl HelmPaths {
    /// The paths from the environment alone.
    pub fn from_env() -> HelmPaths {
        HelmPaths::with_flags(&PathFlags::default())
    }

    /// The paths from flags, then the environment, then helm's defaults.
    pub fn with_flags(flags: &PathFlags) -> HelmPaths {
        let config_home = helm_home("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config");
        let cache_home = helm_home("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
        let data_home = helm_home("HELM_DATA_HOME", "XDG_DATA_HOME", ".local/share");
        HelmPaths {
            registry_config: path_flag(&flags.registry_config, "HELM_REGISTRY_CONFIG", || {
                config_home.join("registry/config.json")
            }),
            repository_config: path_flag(
                &flags.repository_config,
                "HELM_REPOSITORY_CONFIG",
                || config_home.join("repositories.yaml"),
            ),
            repository_cache: path_flag(&flags.repository_cache, "HELM_REPOSITORY_CACHE", || {
                cache_home.join("repository")
            }),
            content_cache: path_flag(&flags.content_cache, "HELM_CONTENT_CACHE", || {
                cache_home.join("content")
            }),
            config_home,
            cache_home,
            data_home,
        }
    }

    /// `<cache>/<name>-index.yaml`, the cached index of repository `name`.
    pub fn index_file(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-index.yaml"))
    }

    /// `<cache>/<name>-charts.txt`, the chart names of repository `name`.
    pub fn charts_file(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-charts.txt"))
    }
}

/// A path flag: the flag, else the variable (even empty, as helm's
/// `envOr`), else the default.
fn path_flag(flag: &Option<PathBuf>, var: &str, default: impl FnOnce() -> PathBuf) -> PathBuf {
    match (flag, std::env::var_os(var)) {
        (Some(p), _) => p.clone(),
        (None, Some(v)) => PathBuf::from(v),
        (None, None) => default(),
    }
}

/// helm's `helmpath` base directories on Linux: `$HELM_*_HOME`, else
/// `$XDG_*_HOME/helm`, else `~/<fallback>/helm`.
fn helm_home(helm_var: &str, xdg_var: &str, fallback: &str) -> PathBuf {
    if let Some(v) = env_nonempty(helm_var) {
        return PathBuf::from(v);
    }
    let base = env_nonempty(xdg_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::home_dir().unwrap_or_default().join(fallback));
    base.join("helm")
}

fn env_nonempty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}
