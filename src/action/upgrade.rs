//! `upgrade`: a new revision of a release from a chart and values
//! (Helm's `action.Upgrade`).

use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, Progress};
use crate::release::Release;
use crate::storage::{Driver, Storage};

use super::ActionError;
use super::deploy::{DeployOptions, DeployOutcome};

/// Upgrade-only options.
#[derive(Clone, Debug)]
pub struct UpgradeOptions {
    /// What upgrade shares with install.
    pub deploy: DeployOptions,
    /// `--install`: install when the release does not exist (or was
    /// uninstalled with its history kept).
    pub install: bool,
    /// `--create-namespace` (with `--install`).
    pub create_namespace: bool,
    /// `--reuse-values`.
    pub reuse_values: bool,
    /// `--reset-values`.
    pub reset_values: bool,
    /// `--reset-then-reuse-values`.
    pub reset_then_reuse_values: bool,
    /// `--cleanup-on-fail`: delete the objects this upgrade created when
    /// it fails.
    pub cleanup_on_fail: bool,
    /// `--history-max` (0: unlimited).
    pub max_history: usize,
}

impl Default for UpgradeOptions {
    fn default() -> Self {
        UpgradeOptions {
            deploy: DeployOptions::default(),
            install: false,
            create_namespace: false,
            reuse_values: false,
            reset_values: false,
            reset_then_reuse_values: false,
            cleanup_on_fail: false,
            max_history: 10,
        }
    }
}

/// What an upgrade would do, before anything changes (also what
/// `diff upgrade` compares).
#[derive(Debug)]
pub struct UpgradePlan {
    /// The newest revision (the one the upgrade starts from).
    pub current: Release,
    /// The newest `deployed` revision, when there is one.
    pub deployed: Option<Release>,
    /// The new revision, rendered, in `pending-upgrade`: chart, config,
    /// manifest, hooks and notes as the upgrade would store them.
    pub target: Release,
}

/// Reads the release, merges the values as `--reuse-values` and its kin
/// say, and renders the new revision, without changing anything (Helm's
/// `prepareUpgrade`). `lookup` is answered from `cluster`.
///
/// # Errors
///
/// Helm's upgrade preparation errors (`"x" has no deployed releases`,
/// values, schema and template errors).
pub async fn plan<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &UpgradeOptions,
) -> Result<UpgradePlan, ActionError> {
    let _ = (storage, cluster, name, chart, user, options);
    Err(ActionError::Failed("upgrade is not implemented yet".into()))
}

/// Upgrades release `name` to `chart` with the user values `user` (with
/// `--install`, installs it when it does not exist).
///
/// # Errors
///
/// Helm's upgrade errors, in Helm's words.
pub async fn upgrade<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &UpgradeOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, ActionError> {
    let _ = (storage, cluster, name, chart, user, options, progress);
    Err(ActionError::Failed("upgrade is not implemented yet".into()))
}
