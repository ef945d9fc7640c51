//! `rollback`: make a new revision from an old one and move the cluster
//! to it (Helm's `action.Rollback`).
//!
//! Statuses, descriptions and revision numbers follow Helm. What rudder
//! adds: the release's lock is held for the whole operation; a release
//! whose newest revision is still `pending-*` or `uninstalling` is left
//! alone (that operation may be running; `recover` is the way out); the
//! new revision is created with create-only semantics, so of two
//! concurrent rollbacks exactly one gets it; every later write of a record
//! is conditional on its `resourceVersion`; objects the target revision
//! would take over from another owner are refused before anything
//! changes; and a failing hook leaves the new revision `failed` rather
//! than `pending-rollback`.

use std::time::Duration;

use crate::cluster::{Cluster, Progress};
use crate::gojson::time::GoTime;
use crate::release::name::validate_name;
use crate::release::{Info, Release, Status};
use crate::storage::{Driver, Storage, StorageError};

use super::ActionError;
use super::deploy_apply::{self, Stage, Step, StepError, check_takeovers, cleanup, move_to};
use super::hooks::{Tracked, report_phase};
use super::lock::with_lock;

/// What a wait after applying waits for (Helm 4's `--wait` strategies).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitStrategy {
    /// Only hooks are waited for (Helm's default).
    #[default]
    HookOnly,
    /// Every resource, with kstatus rules, driven by watches.
    Watcher,
    /// Helm 3's polling wait; rudder waits with watches and kstatus rules
    /// here too.
    Legacy,
}

/// How a dry run is done (Helm's `--dry-run=none|client|server`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DryRun {
    /// Not a dry run: change the cluster and the records.
    #[default]
    None,
    /// Check locally that the operation could start; talk to the API
    /// server only to read the records.
    Client,
    /// As `Client`, and send every object's apply (or delete) to the API
    /// server with `dryRun=All`, so admission and validation judge it;
    /// nothing is persisted and no record is written.
    Server,
}

impl DryRun {
    /// True for `Client` and `Server`.
    pub fn is_dry(self) -> bool {
        self != DryRun::None
    }
}

/// Rollback options (Helm's flags).
#[derive(Clone, Debug)]
pub struct RollbackOptions {
    /// The revision to roll back to; 0 for the one before the newest.
    pub revision: i64,
    /// What to wait for after applying.
    pub wait: WaitStrategy,
    /// With a wait, also wait for Jobs to complete.
    pub wait_for_jobs: bool,
    /// How long each wait may take.
    pub timeout: Duration,
    /// Delete objects this rollback created if it fails.
    pub cleanup_on_fail: bool,
    /// Skip the rollback hooks.
    pub no_hooks: bool,
    /// Change nothing: only check that the rollback could start
    /// (`Client`), and have the server validate every object (`Server`).
    pub dry_run: DryRun,
    /// Description of the new revision (Helm writes `Rollback to N`).
    pub description: Option<String>,
    /// Take fields other field managers own.
    pub force_conflicts: bool,
    /// Replace existing objects instead of applying them.
    pub force_replace: bool,
    /// Revisions to keep (0: all).
    pub max_history: usize,
}

impl Default for RollbackOptions {
    fn default() -> Self {
        RollbackOptions {
            revision: 0,
            wait: WaitStrategy::HookOnly,
            wait_for_jobs: false,
            timeout: Duration::from_secs(300),
            cleanup_on_fail: false,
            no_hooks: false,
            dry_run: DryRun::None,
            description: None,
            force_conflicts: false,
            force_replace: false,
            max_history: 10,
        }
    }
}

/// What a rollback did.
#[derive(Debug)]
pub struct RollbackOutcome {
    /// The new revision as stored (or, for a dry run, as it would be).
    pub release: Release,
    /// Revisions deleted by the history limit.
    pub pruned: Vec<i64>,
}

/// Rolls `name` back.
pub async fn rollback<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &RollbackOptions,
    progress: &dyn Progress,
) -> Result<RollbackOutcome, ActionError> {
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "prepareRollback: Release name is invalid: {name}"
        )));
    }
    if options.revision < 0 {
        return Err(ActionError::Invalid("invalid release revision".into()));
    }
    if options.dry_run.is_dry() {
        let plan = prepare(storage, name, options, false).await?;
        if options.dry_run == DryRun::Server {
            server_dry_run(cluster, &plan.current.release, &plan.target, options).await?;
        }
        return Ok(RollbackOutcome {
            release: plan.target,
            pruned: Vec::new(),
        });
    }
    let work = rollback_locked(storage, cluster, name, options, progress, false);
    with_lock(
        cluster,
        storage.namespace(),
        name,
        "rollback",
        progress,
        work,
    )
    .await
}

/// A rollback about to happen.
pub(crate) struct Plan {
    current: Tracked,
    target: Release,
}

/// Reads what the rollback needs and builds the new revision (Helm's
/// `prepareRollback`). With `stuck_ok`, a newest revision in a
/// transitional state is accepted (for `recover`).
async fn prepare<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    options: &RollbackOptions,
    stuck_ok: bool,
) -> Result<Plan, ActionError> {
    let current = storage.last(name).await?.record;
    let status = &current.release.info.status;
    if status.is_transitional() && !stuck_ok {
        return Err(ActionError::Stuck(format!(
            "release {name:?} has an operation in progress: revision {} is {status}; if that operation is no longer running, \"rudder recover {name}\" brings the release back to a consistent state",
            current.release.version
        )));
    }
    let wanted = if options.revision == 0 {
        current.release.version - 1
    } else {
        options.revision
    };
    let history = storage.history(name).await?;
    if !history.items.iter().any(|r| r.release.version == wanted) {
        return Err(ActionError::Invalid(format!(
            "release has no {wanted} version"
        )));
    }
    let previous = storage.get(name, wanted).await?.release;
    let mut info = Info::default();
    info.first_deployed = current.release.info.first_deployed;
    info.last_deployed = Some(GoTime::now());
    info.status = Status::PendingRollback;
    info.notes = previous.info.notes.clone();
    info.description = options
        .description
        .clone()
        .unwrap_or_else(|| format!("Rollback to {wanted}"));
    let mut target = Release::default();
    target.name = name.to_string();
    target.namespace = current.release.namespace.clone();
    target.chart = previous.chart.clone();
    target.config = previous.config.clone();
    target.info = info;
    target.version = current.release.version + 1;
    target.labels = previous.labels.clone();
    target.manifest = previous.manifest.clone();
    target.hooks = previous.hooks.clone();
    // rudder always applies server-side, as Helm 4 does for new releases.
    target.apply_method = "ssa".into();
    Ok(Plan {
        current: Tracked::from(current),
        target,
    })
}

/// The rollback proper, with the release's lock held by the caller.
pub(crate) async fn rollback_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &RollbackOptions,
    progress: &dyn Progress,
    stuck_ok: bool,
) -> Result<RollbackOutcome, ActionError> {
    let plan = prepare(storage, name, options, stuck_ok).await?;
    let mut current = plan.current;
    // Helm's `Storage.Create` makes room for the new revision first: it
    // prunes to one fewer than the limit, then creates. Pruning after the
    // create would count the new `pending-rollback` revision, which is not
    // the deployed one, and with a limit of 1 delete it.
    let pruned = if options.max_history > 0 {
        match storage.prune(name, options.max_history - 1).await {
            Ok(p) => p,
            Err(e) => {
                progress.note(&format!("warning: pruning old revisions failed: {e}"));
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    let created = match storage.create(&plan.target).await {
        Ok(meta) => meta,
        Err(StorageError::AlreadyExists) => {
            return Err(ActionError::LostRace(format!(
                "another operation created revision {} of release {name:?} first; nothing was changed",
                plan.target.version
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut target = Tracked {
        release: plan.target,
        resource_version: created.resource_version,
    };
    report_phase(progress, &target.release);
    let performed = perform(
        storage,
        cluster,
        &mut current,
        &mut target,
        options,
        progress,
    )
    .await;
    report_phase(progress, &target.release);
    match performed {
        Ok(()) => Ok(RollbackOutcome {
            release: target.release,
            pruned,
        }),
        Err(e) => Err(e),
    }
}

/// Marks the new revision failed with `description` and returns `error`.
async fn fail<D: Driver>(
    storage: &Storage<D>,
    target: &mut Tracked,
    description: String,
    error: ActionError,
) -> ActionError {
    match target.record_failure(storage, description, error).await {
        Ok(e) | Err(e) => e,
    }
}

async fn perform<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    current: &mut Tracked,
    target: &mut Tracked,
    options: &RollbackOptions,
    progress: &dyn Progress,
) -> Result<(), ActionError> {
    let name = target.release.name.clone();
    let namespace = target.release.namespace.clone();
    let rollback_failed = |e: &dyn std::fmt::Display| format!("Rollback {name:?} failed: {e}");

    let originals = match cluster.build(&current.release.manifest, &namespace).await {
        Ok(r) => r,
        Err(e) => {
            let err =
                format!("unable to build kubernetes objects from current release manifest: {e}");
            let d = rollback_failed(&err);
            return Err(fail(storage, target, d, ActionError::failed_with(err, e)).await);
        }
    };
    let mut targets = match cluster.build(&target.release.manifest, &namespace).await {
        Ok(r) => r,
        Err(e) => {
            let err = format!("unable to build kubernetes objects from new release manifest: {e}");
            let d = rollback_failed(&err);
            return Err(fail(storage, target, d, ActionError::failed_with(err, e)).await);
        }
    };
    let step = Step {
        event: "rollback",
        wait: options.wait,
        wait_for_jobs: options.wait_for_jobs,
        timeout: options.timeout,
        no_hooks: options.no_hooks,
        force_conflicts: options.force_conflicts,
        force_replace: options.force_replace,
        upgrade_client_side_fields: true,
        // Objects the target has and the current revision lacks must not
        // belong to someone else.
        takeover_after_hooks: Some("Unable to continue with rollback".into()),
    };
    let moved = move_to(
        storage,
        cluster,
        progress,
        target,
        &originals,
        &mut targets,
        &step,
    )
    .await;
    let Err(StepError {
        stage,
        error,
        created,
    }) = moved
    else {
        // Supersede every deployed revision, then deploy the new one.
        Tracked::supersede_deployed(storage, &name, Some(target.release.version)).await?;
        target.release.info.status = Status::Deployed;
        target.save(storage).await?;
        return Ok(());
    };
    match stage {
        Stage::Update => {
            let msg = rollback_failed(&error);
            progress.note(&format!("warning: {msg}"));
            current.release.info.status = Status::Superseded;
            target.release.info.status = Status::Failed;
            target.release.info.description = msg;
            let saved_current = current.save(storage).await;
            let saved_target = target.save(storage).await;
            let mut err = error;
            if options.cleanup_on_fail
                && let Err(errs) = cleanup(cluster, &created).await
            {
                err = ActionError::Failed(format!(
                    "an error occurred while cleaning up resources. original rollback error: unable to cleanup resources: {errs}"
                ));
            }
            saved_current?;
            saved_target?;
            Err(err)
        }
        Stage::Wait => {
            let d = format!("Release {name:?} failed: {error}");
            let err = ActionError::failed_with(format!("release {name} failed: {error}"), error);
            Err(fail(storage, target, d, err).await)
        }
        Stage::PreHooks | Stage::Takeover | Stage::PostHooks => {
            let d = rollback_failed(&error);
            Err(fail(storage, target, d, error).await)
        }
    }
}

/// `--dry-run=server`: everything the rollback would send to the API
/// server, with `dryRun=All`: the target revision's objects applied and
/// the objects it drops deleted. Hooks are not run and no record is
/// written; every object's failure is reported.
async fn server_dry_run<C: Cluster>(
    cluster: &C,
    current: &Release,
    target: &Release,
    options: &RollbackOptions,
) -> Result<(), ActionError> {
    let (name, namespace) = (&target.name, &target.namespace);
    let originals = cluster
        .build(&current.manifest, namespace)
        .await
        .map_err(|e| {
            ActionError::Failed(format!(
                "unable to build kubernetes objects from current release manifest: {e}"
            ))
        })?;
    let mut targets = cluster
        .build(&target.manifest, namespace)
        .await
        .map_err(|e| {
            ActionError::Failed(format!(
                "unable to build kubernetes objects from new release manifest: {e}"
            ))
        })?;
    check_takeovers(
        cluster,
        &originals,
        &targets,
        name,
        namespace,
        false,
        "Unable to continue with rollback",
    )
    .await?;
    deploy_apply::server_dry_run(
        cluster,
        &originals,
        &mut targets,
        name,
        namespace,
        options.force_conflicts,
        "rollback",
    )
    .await
}
