//! What `install` and `upgrade` share: their options, the release they
//! produce, and (in the implementation) Helm's render-and-apply steps.
//!
//! The API in this file is the contract between the actions and their
//! front ends (`rudder install`, `rudder upgrade`, `rudder diff upgrade`).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::compat::Compat;
use crate::release::Release;

use super::rollback::{DryRun, WaitStrategy};
use super::template::{EnvSource, PostRenderer};

/// The options `install` and `upgrade` both take (helm v4's flags; v3's
/// names map onto them in the front end).
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// Whose records and outputs to imitate.
    pub compat: Compat,
    /// The release's namespace.
    pub namespace: String,
    /// `--dry-run[=client|server]`.
    pub dry_run: DryRun,
    /// `--hide-secret` (dry runs only).
    pub hide_secret: bool,
    /// `--wait[=watcher|hookOnly|legacy]`.
    pub wait: WaitStrategy,
    /// `--wait-for-jobs`.
    pub wait_for_jobs: bool,
    /// `--timeout`: each hook and each wait.
    pub timeout: Duration,
    /// `--rollback-on-failure` / `--atomic`: on failure, roll back
    /// (upgrade) or uninstall (install).
    pub rollback_on_failure: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-crds`.
    pub skip_crds: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`.
    pub subchart_notes: bool,
    /// `--description`: the new revision's description instead of Helm's.
    pub description: Option<String>,
    /// `--labels`: labels stored in the record.
    pub labels: BTreeMap<String, String>,
    /// `--take-ownership`: adopt live objects that carry no (or another
    /// release's) ownership metadata.
    pub take_ownership: bool,
    /// `--force-conflicts`: take fields other field managers own.
    pub force_conflicts: bool,
    /// `--force-replace` / `--force`: replace objects instead of applying.
    pub force_replace: bool,
    /// `--post-renderer`.
    pub post_renderer: Option<PostRenderer>,
    /// `--enable-dns` for `getHostByName`.
    pub enable_dns: bool,
    /// Where Sprig's randomness and clock come from.
    pub env: EnvSource,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            compat: Compat::V4,
            namespace: "default".into(),
            dry_run: DryRun::None,
            hide_secret: false,
            wait: WaitStrategy::HookOnly,
            wait_for_jobs: false,
            timeout: Duration::from_secs(300),
            rollback_on_failure: false,
            no_hooks: false,
            skip_crds: false,
            skip_schema_validation: false,
            subchart_notes: false,
            description: None,
            labels: BTreeMap::new(),
            take_ownership: false,
            force_conflicts: false,
            force_replace: false,
            post_renderer: None,
            enable_dns: false,
            env: EnvSource::System,
        }
    }
}

/// What an install or upgrade did.
#[derive(Debug)]
pub struct DeployOutcome {
    /// The new revision as stored (for a dry run: as it would be, with
    /// its manifest and hooks, for the front end to print).
    pub release: Release,
    /// Revisions deleted by the history limit.
    pub pruned: Vec<i64>,
}
