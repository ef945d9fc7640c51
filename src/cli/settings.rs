//! Global settings: which cluster, namespace, storage driver, helm
//! version to imitate, and colours.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use rudder::cluster::connect::{DEFAULT_BURST_LIMIT, probe};
use rudder::cluster::{ConnectError, ConnectOptions, Connection, connect};
use rudder::present::{Colors, Compat};
use rudder::repo::HelmPaths;
use rudder::repo::paths::PathFlags;
use rudder::storage::kube::{ConfigMapDriver, SecretDriver};
use rudder::storage::memory::MemoryDriver;
use rudder::storage::{AnyDriver, DriverKind, Storage};

use super::Failure;
use super::args::{CompatArg, Global};

/// Resolved global settings.
pub struct Settings {
    /// The helm version imitated.
    pub compat: Compat,
    /// Colours for table output.
    pub colors: Colors,
    /// Paths helm keeps for registries, repositories and charts
    /// (`--registry-config`, `--repository-config`, `--repository-cache`,
    /// `--content-cache`).
    pub paths: HelmPaths,
    global: Global,
}

impl Settings {
    /// helm's `settings.Debug`: `--debug` or `HELM_DEBUG` (status blocks
    /// then show values, hooks and manifest).
    pub fn debug(&self) -> bool {
        self.global.debug || env_bool("HELM_DEBUG", false)
    }

    /// The `--color` flag as given (`rudder ui` judges it itself: helm's
    /// colour is for v4 table output only).
    pub fn color_flag(&self) -> Option<&str> {
        self.global.color.as_deref()
    }

    /// Validates the global flags.
    pub fn new(global: Global) -> Result<Settings, Failure> {
        let compat = match global.compat {
            CompatArg::V3 => Compat::V3,
            CompatArg::V4 => Compat::V4,
        };
        let colors = Colors {
            enabled: compat == Compat::V4 && color_enabled(global.color.as_deref())?,
        };
        // helm v3 has no content cache, nor its flag.
        if compat == Compat::V3 && global.content_cache.is_some() {
            return Err(Failure("unknown flag: --content-cache".into()));
        }
        let paths = HelmPaths::with_flags(&PathFlags {
            registry_config: global.registry_config.clone(),
            repository_config: global.repository_config.clone(),
            repository_cache: global.repository_cache.clone(),
            content_cache: global.content_cache.clone(),
        });
        Ok(Settings {
            compat,
            colors,
            paths,
            global,
        })
    }

    /// How to reach the cluster: the flags, else helm's environment
    /// variables, else helm's defaults.
    pub fn connect_options(&self) -> ConnectOptions {
        let g = &self.global;
        let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let groups = if g.kube_as_group.is_empty() {
            env_csv("HELM_KUBEASGROUPS")
        } else {
            g.kube_as_group.clone()
        };
        ConnectOptions {
            kubeconfig: g.kubeconfig.clone(),
            context: nonempty(&g.kube_context),
            namespace: nonempty(&g.namespace),
            api_server: nonempty(&g.kube_apiserver),
            token: nonempty(&g.kube_token),
            insecure_skip_tls_verify: g.kube_insecure_skip_tls_verify
                || env_bool("HELM_KUBEINSECURE_SKIP_TLS_VERIFY", false),
            as_user: nonempty(&g.kube_as_user).or_else(|| env_nonempty("HELM_KUBEASUSER")),
            as_groups: groups,
            ca_file: g
                .kube_ca_file
                .clone()
                .or_else(|| env_nonempty("HELM_KUBECAFILE").map(PathBuf::from)),
            tls_server_name: nonempty(&g.kube_tls_server_name)
                .or_else(|| env_nonempty("HELM_KUBETLS_SERVER_NAME")),
            qps: g.qps.unwrap_or_else(|| {
                env_nonempty("HELM_QPS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            }),
            burst: g
                .burst_limit
                .or_else(|| env_nonempty("HELM_BURST_LIMIT").and_then(|v| v.parse().ok()))
                .unwrap_or(DEFAULT_BURST_LIMIT),
        }
    }

    /// The storage driver (`--driver` / `HELM_DRIVER`).
    pub fn driver_kind(&self) -> Result<DriverKind, Failure> {
        // As helm: the names are lower case only (`Secret` is unknown).
        Ok(DriverKind::parse(
            self.global.driver.as_deref().unwrap_or_default(),
        )?)
    }

    /// helm's wording for a cluster it cannot reach: v4 starts lower case,
    /// v3 capitalised.
    fn unreachable(&self, e: &ConnectError) -> Failure {
        let head = match self.compat {
            Compat::V3 => "Kubernetes cluster unreachable",
            Compat::V4 => "kubernetes cluster unreachable",
        };
        Failure(format!("{head}: {e}"))
    }

    /// Connects and opens release storage in the current namespace.
    pub async fn storage(&self) -> Result<(Storage<AnyDriver>, Connection), Failure> {
        let (storage, conn) = self.storage_unchecked().await?;
        // helm asks the server for its version before anything else and
        // reports a failure as the cluster being unreachable.
        probe(&conn).await.map_err(|e| self.unreachable(&e))?;
        Ok((storage, conn))
    }

    /// [`Settings::storage`] without helm's reachability check (for
    /// completions, which stay silent on any failure anyway).
    pub async fn storage_unchecked(&self) -> Result<(Storage<AnyDriver>, Connection), Failure> {
        let kind = self.driver_kind()?;
        let opts = self.connect_options();
        let conn = connect(&opts).await.map_err(|e| self.unreachable(&e))?;
        let driver = match kind {
            DriverKind::Secret => AnyDriver::Secret(SecretDriver::new(conn.client.clone())),
            DriverKind::ConfigMap => {
                AnyDriver::ConfigMap(ConfigMapDriver::new(conn.client.clone()))
            }
            DriverKind::Memory => AnyDriver::Memory(MemoryDriver::new()),
        };
        Ok((Storage::new(driver, conn.namespace.clone()), conn))
    }
}

/// helm v4's colour rules: `NO_COLOR` wins, then `--color`, then
/// `HELM_COLOR`, default `auto` (colour only on a terminal, not with
/// `TERM=dumb`).
fn color_enabled(flag: Option<&str>) -> Result<bool, Failure> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mode = match (env("NO_COLOR"), flag) {
        (Some(_), None) => "never".to_string(),
        (_, Some(f)) => f.to_string(),
        (None, None) => env("HELM_COLOR")
            .map(|v| v.to_ascii_lowercase())
            .filter(|v| matches!(v.as_str(), "never" | "auto" | "always"))
            .unwrap_or_else(|| "auto".into()),
    };
    match mode.as_str() {
        "never" => Ok(false),
        "always" => Ok(true),
        "auto" => Ok(std::io::stdout().is_terminal()
            && env("NO_COLOR").is_none()
            && std::env::var("TERM").ok().as_deref() != Some("dumb")),
        other => Err(Failure(format!(
            "invalid color mode {other:?}: must be one of: never, auto, always"
        ))),
    }
}

/// The line helm prints, instead of an `Error:`, when `HELM_DRIVER` names
/// no driver: it fails while setting up, before any command runs, through
/// Go's logger (v3: `log.Fatal` with the source line; v4: `slog` at INFO).
pub fn unknown_driver_line(global: &Global) -> Option<String> {
    let name = global.driver.as_deref().unwrap_or_default();
    let e = DriverKind::parse(name).err()?;
    Some(match global.compat {
        CompatArg::V3 => format!("helm.go:83: {e}"),
        CompatArg::V4 => format!(
            "level=INFO msg={}",
            serde_json::to_string(&e.to_string()).unwrap_or_default()
        ),
    })
}

fn env_nonempty(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

/// helm's `envCSV`: comma-separated, outer commas and spaces trimmed.
fn env_csv(var: &str) -> Vec<String> {
    split_csv(&std::env::var(var).unwrap_or_default())
}

fn split_csv(v: &str) -> Vec<String> {
    let trimmed = v.trim_matches([',', ' ']);
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split(',').map(str::to_string).collect()
    }
}

/// helm's `envBoolOr`: Go's `strconv.ParseBool`, the default when unset
/// or unparseable.
pub fn env_bool(var: &str, default: bool) -> bool {
    std::env::var(var)
        .ok()
        .and_then(|v| go_bool(&v))
        .unwrap_or(default)
}

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{go_bool, split_csv};

    #[test]
    fn env_values_parse_like_helm() {
        assert_eq!(split_csv(", a,b ,"), vec!["a", "b"]);
        assert_eq!(split_csv("a, b"), vec!["a", " b"]);
        assert!(split_csv(" , ").is_empty());
        assert_eq!(go_bool("True"), Some(true));
        assert_eq!(go_bool("yes"), None);
        assert_eq!(go_bool("0"), Some(false));
    }
}
