//! `diff`: what an upgrade or a rollback would change, or what changed
//! between two revisions, object by object (helm has no such command; its
//! users reach for the helm-diff plugin, whose output this one resembles).
//!
//! The comparison itself is pure ([`compare_releases`], over two
//! releases' manifests and hooks); the async functions here only choose
//! which two releases to compare, with Helm's rules and messages:
//! - [`revision_pair`]: revisions `A` and `B` (default the newest);
//! - [`rollback_pair`]: the newest revision and the one a rollback to
//!   `REV` (default the previous one) would restore;
//! - [`upgrade_pair`]: the revision an upgrade starts from (Helm's
//!   `currentRelease`: the deployed one, else the newest) and the one
//!   [`upgrade::plan`](super::upgrade::plan) renders;
//! - [`live_side`]: the live objects in place of the old side.

pub mod compare;
pub mod live;
pub mod mask;
pub mod objects;
pub mod render;
pub mod scope;
pub mod unified;

use std::collections::BTreeMap;

use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, ResourceId};
use crate::release::Release;
use crate::release::name::validate_name;
use crate::storage::{Driver, Storage};

use super::ActionError;
use super::upgrade::{UpgradeOptions, plan};

pub use compare::{Change, ObjectChange, Summary, compare};
pub use live::live_side;
pub use objects::{ManifestObject, parse_manifest};
pub use render::{Comparison, TextStyle};
pub use scope::clear_cluster_scoped;

/// Why two sides could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A manifest document helm's YAML reader rejects.
    #[error("parsing the manifest{}: {message}", if source_path.is_empty() { String::new() } else { format!(" ({source_path})") })]
    Manifest {
        /// The template the document came from, when known.
        source_path: String,
        /// The reader's message.
        message: String,
    },
    /// An object that cannot be printed as YAML.
    #[error("printing an object as YAML: {0}")]
    Yaml(String),
}

/// Which objects of a release take part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Hooks too (helm-diff's default; `--no-hooks` leaves them out).
    pub hooks: bool,
    /// Test hooks too (`--include-tests`).
    pub tests: bool,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            hooks: true,
            tests: false,
        }
    }
}

/// The objects of `release` (its manifest, and its hooks as `selection`
/// says), keyed by identity, namespace-less objects in the release's
/// namespace.
///
/// # Errors
///
/// [`DiffError::Manifest`] for a document that does not parse.
pub fn release_objects(
    release: &Release,
    selection: Selection,
) -> Result<BTreeMap<ResourceId, ManifestObject>, DiffError> {
    let mut out = parse_manifest(&release.manifest, &release.namespace)?;
    if selection.hooks {
        for hook in &release.hooks {
            let test = hook
                .events
                .iter()
                .any(|e| e == "test" || e == "test-success");
            if test && !selection.tests {
                continue;
            }
            let mut objects = parse_manifest(&hook.manifest, &release.namespace)?;
            // The stored hook manifest lacks the `# Source:` line.
            for o in objects.values_mut() {
                if o.source.is_none() && !hook.path.is_empty() {
                    o.source = Some(hook.path.clone());
                }
            }
            out.append(&mut objects);
        }
    }
    Ok(out)
}

/// Compares `old` with `new` (see [`compare`]).
///
/// # Errors
///
/// [`DiffError`] for a manifest that does not parse or print.
pub fn compare_releases(
    old: &Release,
    new: &Release,
    selection: Selection,
    show_secrets: bool,
) -> Result<Vec<ObjectChange>, DiffError> {
    compare(
        &release_objects(old, selection)?,
        &release_objects(new, selection)?,
        show_secrets,
    )
}

fn check_name(name: &str) -> Result<(), ActionError> {
    validate_name(name)
        .map_err(|_| ActionError::Invalid(format!("release name is invalid: {name}")))
}

/// Revisions `from` and `to` (`None`: the newest) of `name`, in that
/// order.
///
/// # Errors
///
/// `release: not found` when either revision does not exist; an invalid
/// name or a revision below 1.
pub async fn revision_pair<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    from: i64,
    to: Option<i64>,
) -> Result<(Release, Release), ActionError> {
    check_name(name)?;
    for r in std::iter::once(from).chain(to) {
        if r < 1 {
            return Err(ActionError::Invalid(format!(
                "invalid revision {r}: revisions start at 1"
            )));
        }
    }
    let new = match to {
        Some(r) => storage.get(name, r).await?.release,
        None => storage.last(name).await?.record.release,
    };
    let old = storage.get(name, from).await?.release;
    Ok((old, new))
}

/// The newest revision of `name` and the one `rollback NAME revision`
/// would restore (`revision` 0: the previous one), with rollback's
/// messages for a revision that does not exist.
///
/// # Errors
///
/// `release: not found`; `release has no N version`; an invalid name or
/// a negative revision.
pub async fn rollback_pair<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    revision: i64,
) -> Result<(Release, Release), ActionError> {
    check_name(name)?;
    if revision < 0 {
        return Err(ActionError::Invalid("invalid release revision".into()));
    }
    let current = storage.last(name).await?.record.release;
    let wanted = if revision == 0 {
        current.version - 1
    } else {
        revision
    };
    let history = storage.history(name).await?;
    let Some(target) = history
        .items
        .into_iter()
        .find(|r| r.release.version == wanted)
    else {
        return Err(ActionError::Invalid(format!(
            "release has no {wanted} version"
        )));
    };
    Ok((current, target.release))
}

/// The revision an upgrade of `name` would start from and the revision it
/// would make, rendered but not stored.
///
/// # Errors
///
/// Whatever [`plan`] refuses, in Helm's words.
pub async fn upgrade_pair<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &UpgradeOptions,
) -> Result<(Release, Release), ActionError> {
    let p = plan(storage, cluster, name, chart, user, options).await?;
    // Helm's upgrade moves the cluster from the deployed revision (the
    // newest one when none is deployed), so that is what it changes.
    let from = p.deployed.unwrap_or(p.current);
    Ok((from, p.target))
}

#[cfg(test)]
mod tests;
