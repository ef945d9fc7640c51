//! `uninstall`: delete a release's objects and its history, or keep the
//! history marked `uninstalled` (Helm's `action.Uninstall`).
//!
//! Statuses, descriptions, the kept-resources text and the errors follow
//! Helm. What rudder adds: the release's lock is held throughout, every
//! record write and delete is conditional on its `resourceVersion`, and a
//! failing `pre-delete` hook (before anything was deleted) leaves the
//! release `failed` rather than stuck in `uninstalling`.

use std::time::Duration;

use crate::cluster::objects::uninstall_plan;
use crate::cluster::{Cluster, Deleted, Progress, Propagation, Resource};
use crate::gojson::time::GoTime;
use crate::release::name::validate_name;
use crate::release::{Release, Status};
use crate::storage::{Driver, Record, Storage, StorageError};

use super::ActionError;
use super::content::release_content;
use super::hooks::{HookRun, Tracked, report_phase};
use super::lock::with_lock;
use super::rollback::{DryRun, WaitStrategy};

/// Uninstall options (Helm's flags).
#[derive(Clone, Debug)]
pub struct UninstallOptions {
    /// Mark the release uninstalled and keep its history.
    pub keep_history: bool,
    /// Change nothing: only show what would be uninstalled (`Client`),
    /// and have the server check every delete (`Server`, `dryRun=All`).
    pub dry_run: DryRun,
    /// How dependents are deleted.
    pub cascade: Propagation,
    /// Skip the delete hooks.
    pub no_hooks: bool,
    /// What to wait for (anything but hook-only waits until the deleted
    /// objects are gone).
    pub wait: WaitStrategy,
    /// How long each wait may take.
    pub timeout: Duration,
    /// A release that does not exist is not an error.
    pub ignore_not_found: bool,
    /// Description of the uninstalled revision (Helm writes
    /// `Uninstallation complete`).
    pub description: Option<String>,
}

impl Default for UninstallOptions {
    fn default() -> Self {
        UninstallOptions {
            keep_history: false,
            dry_run: DryRun::None,
            cascade: Propagation::Background,
            no_hooks: false,
            wait: WaitStrategy::HookOnly,
            timeout: Duration::from_secs(300),
            ignore_not_found: false,
            description: None,
        }
    }
}

/// What an uninstall did.
#[derive(Debug, Default)]
pub struct UninstallOutcome {
    /// The release as last recorded (`None` when it did not exist and
    /// that was allowed).
    pub release: Option<Release>,
    /// Helm's text about objects kept by their resource policy, or empty.
    pub info: String,
}

/// Parses `--cascade`, in Helm's words.
pub fn parse_cascade(value: &str) -> Result<Propagation, ActionError> {
    match value {
        "background" => Ok(Propagation::Background),
        "foreground" => Ok(Propagation::Foreground),
        "orphan" => Ok(Propagation::Orphan),
        other => Err(ActionError::Invalid(format!(
            "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
        ))),
    }
}

/// Uninstalls `name`.
pub async fn uninstall<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &UninstallOptions,
    progress: &dyn Progress,
) -> Result<UninstallOutcome, ActionError> {
    if options.dry_run.is_dry() {
        return match release_content(storage, name, 0).await {
            Ok(c) => {
                if options.dry_run == DryRun::Server {
                    server_dry_run(cluster, &c.record.release, options.cascade).await?;
                }
                Ok(UninstallOutcome {
                    release: Some(c.record.release),
                    info: String::new(),
                })
            }
            Err(ActionError::Storage(StorageError::NotFound)) if options.ignore_not_found => {
                Ok(UninstallOutcome::default())
            }
            Err(e) => Err(e),
        };
    }
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "uninstall: Release name is invalid: {name}"
        )));
    }
    let work = uninstall_locked(storage, cluster, name, options, progress);
    with_lock(
        cluster,
        storage.namespace(),
        name,
        "uninstall",
        progress,
        work,
    )
    .await
}

pub(crate) async fn uninstall_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &UninstallOptions,
    progress: &dyn Progress,
) -> Result<UninstallOutcome, ActionError> {
    let history = match storage.history(name).await {
        Ok(h) if !h.items.is_empty() => h.items,
        Ok(_) | Err(StorageError::NotFound) if options.ignore_not_found => {
            return Ok(UninstallOutcome::default());
        }
        Ok(_) => {
            return Err(ActionError::Invalid(format!(
                "uninstall: Release not loaded: {name}: no revision for release {name:?}"
            )));
        }
        Err(e) => {
            return Err(ActionError::Invalid(format!(
                "uninstall: Release not loaded: {name}: {e}"
            )));
        }
    };
    let mut records: Vec<Record> = history;
    records.sort_by_key(|r| r.release.version);
    let Some(last) = records.last().cloned() else {
        return Err(ActionError::Invalid("no release provided".into()));
    };
    let mut rel = Tracked::from(last);
    if rel.release.info.status == Status::Uninstalled {
        if !options.keep_history {
            purge(storage, &records, &rel).await.map_err(|e| {
                ActionError::failed_with(format!("uninstall: Failed to purge the release: {e}"), e)
            })?;
            return Ok(UninstallOutcome {
                release: Some(rel.release),
                info: String::new(),
            });
        }
        return Err(ActionError::Invalid(format!(
            "the release named {name:?} is already deleted"
        )));
    }

    let previous_status = rel.release.info.status.clone();
    rel.release.info.status = Status::Uninstalling;
    rel.release.info.deleted = Some(GoTime::now());
    rel.release.info.description = "Deletion in progress (or silently failed)".into();
    let hooks = HookRun {
        storage,
        cluster,
        progress,
        timeout: options.timeout,
    };
    if !options.no_hooks
        && let Err(e) = hooks.run(&mut rel, "pre-delete").await
    {
        // Nothing was deleted: say so in the record instead of leaving it
        // `uninstalling` for good.
        rel.release.info.status = Status::Failed;
        rel.release.info.deleted = None;
        rel.release.info.description = format!("Uninstall failed (was {previous_status}): {e}");
        if let Err(save) = rel.save(storage).await {
            return Err(ActionError::failed_with(
                format!("{e} (and recording the failure failed: {save})"),
                e,
            ));
        }
        report_phase(progress, &rel.release);
        return Err(e);
    }
    rel.save(storage).await?;
    report_phase(progress, &rel.release);

    let (deleted, kept) = match delete_release(cluster, &rel.release, options.cascade).await {
        Ok(d) => d,
        Err(e) => {
            progress.note(&format!("uninstall: Failed to delete release: {e}"));
            return Err(ActionError::failed_with(
                format!("failed to delete release: {name}"),
                ActionError::Failed(e),
            ));
        }
    };
    let info = if kept.is_empty() {
        String::new()
    } else {
        format!("These resources were kept due to the resource policy:\n{kept}")
    };
    let mut errs: Vec<String> = Vec::new();
    if options.wait != WaitStrategy::HookOnly
        && let Err(e) = cluster
            .wait_deleted(&deleted, options.timeout, progress)
            .await
    {
        errs.push(e.to_string());
    }
    if !options.no_hooks
        && let Err(e) = hooks.run(&mut rel, "post-delete").await
    {
        errs.push(e.to_string());
    }
    rel.release.info.status = Status::Uninstalled;
    rel.release.info.description = options
        .description
        .clone()
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "Uninstallation complete".into());

    if !options.keep_history {
        if let Err(e) = purge(storage, &records, &rel).await {
            errs.push(format!("uninstall: Failed to purge the release: {e}"));
        }
        report_phase(progress, &rel.release);
        return finish(rel.release, info, errs);
    }
    rel.save(storage).await?;
    report_phase(progress, &rel.release);
    Tracked::supersede_deployed(storage, name, None).await?;
    finish(rel.release, info, errs)
}

fn finish(
    release: Release,
    info: String,
    errs: Vec<String>,
) -> Result<UninstallOutcome, ActionError> {
    if errs.is_empty() {
        Ok(UninstallOutcome {
            release: Some(release),
            info,
        })
    } else {
        Err(ActionError::Failed(format!(
            "uninstallation completed with {} error(s): {}",
            errs.len(),
            errs.join("; ")
        )))
    }
}

/// Deletes every revision, each only if unchanged since read (the newest
/// at the version this operation last wrote).
async fn purge<D: Driver>(
    storage: &Storage<D>,
    records: &[Record],
    newest: &Tracked,
) -> Result<(), StorageError> {
    for r in records {
        let rv = if r.release.version == newest.release.version {
            newest.resource_version.as_deref()
        } else {
            r.meta.resource_version.as_deref()
        };
        match storage.delete(&r.release.name, r.release.version, rv).await {
            Ok(()) | Err(StorageError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `--dry-run=server`: every delete the uninstall would send, with
/// `dryRun=All`; nothing is deleted and no record is written.
async fn server_dry_run<C: Cluster>(
    cluster: &C,
    release: &Release,
    cascade: Propagation,
) -> Result<(), ActionError> {
    let resources = resources_to_delete(cluster, release)
        .await
        .map_err(ActionError::Failed)?
        .0;
    let mut errs = Vec::new();
    for r in &resources {
        if let Err(e) = cluster.delete_dry_run(r, cascade).await {
            errs.push(e.to_string());
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Failed(format!(
            "server-side dry run of uninstall {:?} failed: {}",
            release.name,
            errs.join("; ")
        )))
    }
}

/// The objects an uninstall deletes, in Helm's order, and the
/// kept-resources lines.
async fn resources_to_delete<C: Cluster>(
    cluster: &C,
    release: &Release,
) -> Result<(Vec<Resource>, String), String> {
    let plan = uninstall_plan(&release.manifest).map_err(|e| {
        format!("corrupted release record. You must manually delete the resources: {e}")
    })?;
    let kept: String = plan.kept.iter().map(|k| format!("{k}\n")).collect();
    let manifest = plan
        .delete
        .iter()
        .map(|o| serde_json::to_string(&o.body).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n---\n");
    let resources = cluster
        .build(&manifest, &release.namespace)
        .await
        .map_err(|e| format!("unable to build kubernetes objects for delete: {e}"))?;
    Ok((resources, kept))
}

/// Deletes the objects of the release's manifest in Helm's uninstall
/// order, except those kept by policy. Returns the objects deleted and the
/// kept-resources lines.
async fn delete_release<C: Cluster>(
    cluster: &C,
    release: &Release,
    cascade: Propagation,
) -> Result<(Vec<Resource>, String), String> {
    let (resources, kept) = resources_to_delete(cluster, release).await?;
    let mut errs = Vec::new();
    let mut deleted = Vec::new();
    // Helm deletes one kind at a time, the objects of a kind at once.
    let mut start = 0;
    while start < resources.len() {
        let kind = &resources[start].object.kind;
        let end = resources[start..]
            .iter()
            .position(|r| &r.object.kind != kind)
            .map_or(resources.len(), |p| start + p);
        let batch = &resources[start..end];
        let outcomes =
            futures::future::join_all(batch.iter().map(|r| cluster.delete(r, cascade))).await;
        for (r, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Ok(Deleted::Yes | Deleted::NotFound) => deleted.push(r.clone()),
                Err(e) => errs.push(e.to_string()),
            }
        }
        start = end;
    }
    if errs.is_empty() {
        Ok((deleted, kept))
    } else {
        Err(errs.join("; "))
    }
}
