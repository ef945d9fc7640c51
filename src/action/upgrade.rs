//! `upgrade`: a new revision of a release from a chart and values
//! (Helm's `action.Upgrade`).
//!
//! helm's order: the newest revision read (none: `"x" has no deployed
//! releases`; pending: refused), the revision to upgrade from (the
//! deployed one, else a failed or superseded newest one), the values as
//! `--reuse-values` and its kin say, the render against the cluster, the
//! objects the new revision adds refused if someone else owns them, the
//! record stored `pending-upgrade`, pre-upgrade hooks, the update (objects
//! dropped by the chart deleted unless kept), the wait, post-upgrade
//! hooks, the previous revision `superseded` and the new one `deployed`
//! with `Upgrade complete`. A failure records `failed` with
//! `Upgrade "x" failed: ...`, then `--cleanup-on-fail` deletes what this
//! upgrade created and `--rollback-on-failure` rolls back to the newest
//! successful revision.
//!
//! What rudder adds, as for rollback: the release's lock held throughout,
//! the record created create-only (of two concurrent upgrades exactly one
//! proceeds; the other fails and changes nothing), every later write
//! conditional, and a stuck pending release refused with the `recover`
//! hint.

use std::collections::BTreeMap;

use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, Progress, Quiet, Resource};
use crate::compat::Compat;
use crate::release::name::validate_name;
use crate::release::{Release, Status};
use crate::render::ReleaseInfo;
use crate::storage::{Driver, Storage, StorageError};
use crate::values::upgrade::{ValuesMode, reuse_values};

use super::ActionError;
use super::deploy::{DeployOptions, DeployOutcome};
use super::deploy_apply::{HookWords, check_takeovers, cleanup, move_to, server_dry_run};
use super::deploy_record::{NewRevision, check_labels, new_release, stored_chart, stored_config};
use super::deploy_render::{DeployRender, prepare_chart, render_release};
use super::hooks::{Tracked, report_phase};
use super::install::{InstallOptions, atomic_flag, deploy_step, install, lost_race, prune};
use super::lock::with_lock;
use super::rollback::{DryRun, RollbackOptions, rollback_locked};

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
    check_name(name)?;
    let use_cluster = options.deploy.dry_run != DryRun::Client;
    let prep = prepare(
        storage,
        cluster,
        name,
        chart,
        user,
        options,
        use_cluster,
        &Quiet,
    )
    .await?;
    let deployed = (prep.current.release.info.status == Status::Deployed)
        .then(|| prep.current.release.clone());
    Ok(UpgradePlan {
        current: prep.last.release,
        deployed,
        target: prep.target,
    })
}

/// Whether `upgrade --install` of `name` installs: the release has no
/// revision, or its newest is `uninstalled` (helm's rule; it then
/// installs with `--replace`). helm prints `Release "x" does not exist.
/// Installing it now.` first.
///
/// # Errors
///
/// The records cannot be read.
pub async fn will_install<D: Driver>(
    storage: &Storage<D>,
    name: &str,
) -> Result<bool, ActionError> {
    // The newest revision alone (not the whole history: a long one would
    // make every `upgrade --install` read every record).
    match storage.last(name).await {
        Ok(found) => Ok(found.record.release.info.status == Status::Uninstalled),
        Err(StorageError::NotFound | StorageError::NoRevision(_)) => Ok(true),
        Err(e) => Err(e.into()),
    }
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
    let d = &options.deploy;
    if options.install && will_install(storage, name).await? {
        let replace = storage.last(name).await.is_ok();
        let install_options = InstallOptions {
            deploy: d.clone(),
            create_namespace: options.create_namespace,
            replace,
            max_history: options.max_history,
        };
        return install(
            storage,
            cluster,
            name,
            chart,
            user,
            &install_options,
            progress,
        )
        .await;
    }
    check_name(name)?;
    if !d.dry_run.is_dry() && d.hide_secret {
        return Err(ActionError::Invalid(
            "hiding Kubernetes secrets requires a dry-run mode".into(),
        ));
    }
    if d.dry_run.is_dry() {
        let server = d.dry_run == DryRun::Server;
        let prep = prepare(
            storage, cluster, name, chart, user, options, server, progress,
        )
        .await?;
        let mut target = prep.target;
        if server {
            let (originals, mut targets) =
                build_both(cluster, &prep.current.release, &target).await?;
            check_takeovers(
                cluster,
                &originals,
                &targets,
                name,
                &target.namespace,
                d.take_ownership,
                &takeover_prefix(d.compat),
            )
            .await?;
            server_dry_run(
                cluster,
                &originals,
                &mut targets,
                name,
                &target.namespace.clone(),
                d.force_conflicts,
                "upgrade",
            )
            .await?;
        }
        target.info.description = d
            .description
            .clone()
            .unwrap_or_else(|| "Dry run complete".into());
        return Ok(DeployOutcome {
            release: target,
            pruned: Vec::new(),
        });
    }
    let work = upgrade_locked(storage, cluster, name, chart, user, options, progress);
    with_lock(
        cluster,
        storage.namespace(),
        name,
        "upgrade",
        progress,
        work,
    )
    .await
}

fn check_name(name: &str) -> Result<(), ActionError> {
    validate_name(name)
        .map_err(|_| ActionError::Invalid(format!("release name is invalid: {name}")))
}

fn takeover_prefix(compat: Compat) -> String {
    match compat {
        Compat::V3 => "Unable to continue with update".into(),
        Compat::V4 => "unable to continue with update".into(),
    }
}

/// An upgrade about to happen.
struct Prepared {
    /// The newest revision.
    last: Tracked,
    /// The revision upgraded from (deployed, or a failed/superseded
    /// newest one).
    current: Tracked,
    /// The new revision, `pending-upgrade`.
    target: Release,
}

/// helm's `prepareUpgrade`.
#[allow(clippy::too_many_arguments)]
async fn prepare<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    mut chart: Chart,
    user: &Values,
    options: &UpgradeOptions,
    use_cluster: bool,
    progress: &dyn Progress,
) -> Result<Prepared, ActionError> {
    let d = &options.deploy;
    let last = match storage.last(name).await {
        Ok(f) => Tracked::from(f.record),
        Err(StorageError::NotFound | StorageError::NoRevision(_)) => {
            return Err(StorageError::NoDeployed(name.to_string()).into());
        }
        Err(e) => return Err(e.into()),
    };
    let status = last.release.info.status.clone();
    if status.is_transitional() {
        return Err(ActionError::Stuck(format!(
            "another operation (install/upgrade/rollback) is in progress: revision {} of release {name:?} is {status}; if that operation is no longer running, \"rudder recover {name}\" brings the release back to a consistent state",
            last.release.version
        )));
    }
    let current = if status == Status::Deployed {
        last.clone()
    } else {
        match storage.deployed(name).await {
            Ok(r) => Tracked::from(r),
            Err(StorageError::NoDeployed(_))
                if status == Status::Failed || status == Status::Superseded =>
            {
                last.clone()
            }
            Err(e) => return Err(e.into()),
        }
    };
    let mode = ValuesMode::from_flags(
        options.reset_values,
        options.reuse_values,
        options.reset_then_reuse_values,
    );
    let vals = reuse_values(
        mode,
        &mut chart,
        &stored_chart(&current.release),
        &stored_config(&current.release),
        user.clone(),
        d.compat,
    )
    .map_err(|e| ActionError::Invalid(e.to_string()))?;
    let chart = prepare_chart(chart, &vals, d.compat, progress).map_err(|e| match e {
        // helm's upgrade returns the dependency error unwrapped.
        ActionError::Invalid(m) => ActionError::Invalid(
            m.strip_prefix("chart dependencies processing failed: ")
                .map_or(m.clone(), str::to_owned),
        ),
        other => other,
    })?;
    let revision = last.release.version + 1;
    let namespace = current.release.namespace.clone();
    let setup = DeployRender {
        compat: d.compat,
        release: ReleaseInfo {
            name: name.to_string(),
            namespace: namespace.clone(),
            revision,
            is_install: false,
            is_upgrade: true,
        },
        skip_schema_validation: d.skip_schema_validation,
        subchart_notes: d.subchart_notes,
        hide_secret: d.hide_secret,
        enable_dns: d.enable_dns,
        env: d.env,
        post_renderer: d.post_renderer.clone(),
        use_cluster,
    };
    let rendered = render_release(cluster, chart, &vals, &setup, progress).await?;
    check_labels(&d.labels)?;
    let labels = merge_labels(&last.release.labels, &d.labels);
    let target = new_release(
        NewRevision {
            name,
            namespace: &namespace,
            version: revision,
            status: Status::PendingUpgrade,
            description: "Preparing upgrade".into(),
            first_deployed: current.release.info.first_deployed,
            labels,
            compat: d.compat,
        },
        &rendered.chart,
        &vals,
        &rendered.assembled,
    )?;
    Ok(Prepared {
        last,
        current,
        target,
    })
}

/// helm's `mergeCustomLabels`: the new labels over the old, a `null`
/// value deleting the label.
fn merge_labels(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = old.clone();
    for (k, v) in new {
        if v == "null" {
            out.remove(k);
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

async fn build_both<C: Cluster>(
    cluster: &C,
    current: &Release,
    target: &Release,
) -> Result<(Vec<Resource>, Vec<Resource>), ActionError> {
    let ns = &target.namespace;
    let originals = cluster.build(&current.manifest, ns).await.map_err(|e| {
        ActionError::failed_with(
            format!("unable to build kubernetes objects from current release manifest: {e}"),
            e,
        )
    })?;
    let targets = cluster.build(&target.manifest, ns).await.map_err(|e| {
        ActionError::failed_with(
            format!("unable to build kubernetes objects from new release manifest: {e}"),
            e,
        )
    })?;
    Ok((originals, targets))
}

async fn upgrade_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &UpgradeOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, ActionError> {
    let d = &options.deploy;
    let prep = prepare(storage, cluster, name, chart, user, options, true, progress).await?;
    let (mut originals, mut targets) =
        build_both(cluster, &prep.current.release, &prep.target).await?;
    let adopted = check_takeovers(
        cluster,
        &originals,
        &targets,
        name,
        &prep.target.namespace,
        d.take_ownership,
        &takeover_prefix(d.compat),
    )
    .await?;
    originals.extend(adopted);
    let pruned = prune(storage, name, options.max_history, progress).await;
    let version = prep.target.version;
    let created = match storage.create(&prep.target).await {
        Ok(meta) => meta,
        Err(StorageError::AlreadyExists) => {
            return Err(ActionError::LostRace(format!(
                "another operation created revision {version} of release {name:?} first; nothing was changed"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut target = Tracked {
        release: prep.target,
        resource_version: created.resource_version,
    };
    report_phase(progress, &target.release);
    let mut step = deploy_step(d, "upgrade");
    // Fields client-side apply gave helm move to server-side apply when a
    // release moves from one to the other.
    step.upgrade_client_side_fields = prep.current.release.apply_method != "ssa";
    let moved = move_to(
        storage,
        cluster,
        progress,
        &mut target,
        &originals,
        &mut targets,
        &step,
    )
    .await;
    let step_error = match moved {
        Ok(()) => {
            Tracked::supersede_deployed(storage, name, Some(version))
                .await
                .map_err(lost_race(name))?;
            // Upgraded from a failed newest revision (no deployed one):
            // helm supersedes that one too. History pruning may have
            // removed it meanwhile, which helm only logs.
            if prep.current.release.info.status == Status::Failed {
                let mut old = prep.current;
                old.release.info.status = Status::Superseded;
                match old.save(storage).await {
                    Ok(()) | Err(StorageError::NotFound) => {}
                    Err(e) => return Err(lost_race(name)(e)),
                }
            }
            target.release.info.status = Status::Deployed;
            target.release.info.description = d
                .description
                .clone()
                .unwrap_or_else(|| "Upgrade complete".into());
            target.save(storage).await.map_err(lost_race(name))?;
            report_phase(progress, &target.release);
            return Ok(DeployOutcome {
                release: target.release,
                pruned,
            });
        }
        Err(e) => e,
    };
    let words = HookWords {
        pre: "pre-upgrade hooks failed: ",
        post: "post-upgrade hooks failed: ",
    };
    let (err, created, interrupted) = step_error.helm_error(d.compat, words);
    // Interrupted at any stage: helm cleans nothing up.
    let created = if interrupted { Vec::new() } else { created };
    Err(fail_upgrade(
        storage,
        cluster,
        &mut target,
        err,
        &created,
        options,
        progress,
    )
    .await)
}

/// helm's `failRelease` for upgrade.
async fn fail_upgrade<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    target: &mut Tracked,
    err: ActionError,
    created: &[Resource],
    options: &UpgradeOptions,
    progress: &dyn Progress,
) -> ActionError {
    let d = &options.deploy;
    let name = target.release.name.clone();
    let description = format!("Upgrade {name:?} failed: {err}");
    let recorded = target.record_failure(storage, description, err).await;
    report_phase(progress, &target.release);
    let err = match recorded {
        Ok(err) => err,
        Err(unrecorded) => return unrecorded,
    };
    if options.cleanup_on_fail
        && !created.is_empty()
        && let Err(errs) = cleanup(cluster, created).await
    {
        return ActionError::failed_with(
            format!(
                "an error occurred while cleaning up resources. original upgrade error: {err}: unable to cleanup resources: {errs}"
            ),
            err,
        );
    }
    if !d.rollback_on_failure {
        return err;
    }
    let history = match storage.history(&name).await {
        Ok(h) => h.items,
        Err(e) => {
            return ActionError::failed_with(
                format!(
                    "an error occurred while finding last successful release. original upgrade error: {err}: {e}"
                ),
                err,
            );
        }
    };
    let Some(good) = history
        .iter()
        .filter(|r| matches!(r.release.info.status, Status::Superseded | Status::Deployed))
        .map(|r| r.release.version)
        .max()
    else {
        return ActionError::failed_with(
            format!(
                "unable to find a previously successful release when attempting to rollback. original upgrade error: {err}"
            ),
            err,
        );
    };
    let mut wait = deploy_step(d, "rollback").wait;
    if err.kind() == crate::error::ErrorKind::Cancelled {
        // Interrupted: the waits are cancelled for good, so the rollback
        // applies the good revision without waiting for it.
        wait = super::rollback::WaitStrategy::HookOnly;
    }
    let rollback = RollbackOptions {
        revision: good,
        wait,
        wait_for_jobs: d.wait_for_jobs,
        timeout: d.timeout,
        cleanup_on_fail: false,
        no_hooks: d.no_hooks,
        dry_run: DryRun::None,
        description: None,
        force_conflicts: d.force_conflicts,
        force_replace: d.force_replace,
        max_history: options.max_history,
    };
    let flag = atomic_flag(d.compat);
    match rollback_locked(storage, cluster, &name, &rollback, progress, false).await {
        Ok(_) => ActionError::failed_with(
            format!(
                "release {name} failed, and has been rolled back due to {flag} being set: {err}"
            ),
            err,
        ),
        Err(r) => ActionError::failed_with(
            format!(
                "an error occurred while rolling back the release. original upgrade error: {err}: {r}"
            ),
            err,
        ),
    }
}
