//! `install`: the first revision of a release (Helm's `action.Install`).

use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, Progress};
use crate::storage::{Driver, Storage};

use super::ActionError;
use super::deploy::{DeployOptions, DeployOutcome};

/// Install-only options.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// What install shares with upgrade.
    pub deploy: DeployOptions,
    /// `--create-namespace`.
    pub create_namespace: bool,
    /// `--replace`: reuse the name of an uninstalled (kept) or failed
    /// release.
    pub replace: bool,
}

/// Installs `chart` as release `name` with the user values `user`.
///
/// # Errors
///
/// Helm's install errors, in Helm's words.
pub async fn install<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &InstallOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, ActionError> {
    let _ = (storage, cluster, name, chart, user, options, progress);
    Err(ActionError::Failed("install is not implemented yet".into()))
}
