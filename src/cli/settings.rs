//! Global settings: which cluster, namespace, storage driver, helm
//! version to imitate, and colours.

use std::io::IsTerminal as _;

use rudder::cluster::{ConnectOptions, Connection, connect};
use rudder::present::{Colors, Compat};
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
    global: Global,
}

impl Settings {
    /// Validates the global flags.
    pub fn new(global: Global) -> Result<Settings, Failure> {
        let compat = match global.compat {
            CompatArg::V3 => Compat::V3,
            CompatArg::V4 => Compat::V4,
        };
        let colors = Colors {
            enabled: compat == Compat::V4 && color_enabled(global.color.as_deref())?,
        };
        Ok(Settings {
            compat,
            colors,
            global,
        })
    }

    fn driver_kind(&self) -> Result<DriverKind, Failure> {
        let name = self
            .global
            .driver
            .as_deref()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Ok(DriverKind::parse(&name)?)
    }

    /// Connects and opens release storage in the current namespace.
    pub async fn storage(&self) -> Result<(Storage<AnyDriver>, Connection), Failure> {
        let kind = self.driver_kind()?;
        let g = &self.global;
        let opts = ConnectOptions {
            kubeconfig: g.kubeconfig.clone(),
            context: g.kube_context.clone().filter(|c| !c.is_empty()),
            namespace: g.namespace.clone().filter(|n| !n.is_empty()),
            api_server: g.kube_apiserver.clone().filter(|s| !s.is_empty()),
            token: g.kube_token.clone().filter(|t| !t.is_empty()),
            insecure_skip_tls_verify: g.kube_insecure_skip_tls_verify,
        };
        let conn = connect(&opts)
            .await
            .map_err(|e| Failure(format!("kubernetes cluster unreachable: {e}")))?;
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
