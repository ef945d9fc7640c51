//! `install`: the first revision of a release (Helm's `action.Install`).
//!
//! helm's order: the name checked (and, unless a dry run, not in use),
//! dependencies processed, CRDs from `crds/` created first and waited for,
//! the chart rendered against the cluster's capabilities with `lookup`
//! answered from it, objects that already exist refused unless this
//! release owns them (or `--take-ownership`), the namespace created, the
//! record stored `pending-install`, pre-install hooks, the objects
//! created, the wait, post-install hooks, and `deployed` with
//! `Install complete`. A failure records `failed` with
//! `Release "x" failed: ...`; with `--rollback-on-failure` the release is
//! uninstalled instead.
//!
//! What rudder adds, as for rollback: the release's lock is held
//! throughout, and the record is created create-only, so of two
//! concurrent installs of one name exactly one proceeds.

use crate::chart::model::{Chart, Values};
use crate::cluster::objects::parse_objects;
use crate::cluster::{Cluster, Progress, Resource, WaitMode};
use crate::compat::Compat;
use crate::release::Status;
use crate::release::name::validate_name;
use crate::render::ReleaseInfo;
use crate::render::crds::crd_objects;
use crate::storage::{Driver, Storage, StorageError};

use super::ActionError;
use super::deploy::{DeployOptions, DeployOutcome};
use super::deploy_apply::{HookWords, Step, check_takeovers, move_to, server_dry_run};
use super::deploy_record::{NewRevision, check_labels, new_release};
use super::deploy_render::{DeployRender, prepare_chart, render_release};
use super::hooks::{Tracked, report_phase};
use super::lock::with_lock;
use super::rollback::{DryRun, WaitStrategy};
use super::uninstall::{UninstallOptions, uninstall_locked};

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
    /// Revisions to keep when `--replace` adds to an old history (helm's
    /// `HELM_MAX_HISTORY`; 0: all).
    pub max_history: usize,
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
    let d = &options.deploy;
    if !d.dry_run.is_dry() && d.hide_secret {
        return Err(ActionError::Invalid(
            "hiding Kubernetes secrets requires a dry-run mode".into(),
        ));
    }
    if let Err(e) = validate_name(name) {
        return Err(name_error(d.compat, format!("release name {name:?}: {e}")));
    }
    super::template::check_chart(&chart, d.compat)
        .map_err(|e| ActionError::Invalid(e.to_string()))?;
    check_labels(&d.labels)?;
    if d.dry_run.is_dry() {
        return install_dry(cluster, name, chart, user, options, progress).await;
    }
    if options.create_namespace {
        // Before the lock: the lock (a Lease) lives in the namespace.
        create_namespace(cluster, &d.namespace).await?;
    }
    let work = install_locked(storage, cluster, name, chart, user, options, progress);
    with_lock(
        cluster,
        storage.namespace(),
        name,
        "install",
        progress,
        work,
    )
    .await
}

/// The v4 prefix of name errors (`release name check failed: `).
fn name_error(compat: Compat, inner: String) -> ActionError {
    ActionError::Invalid(match compat {
        Compat::V3 => inner,
        Compat::V4 => format!("release name check failed: {inner}"),
    })
}

fn render_setup(d: &DeployOptions, name: &str, revision: i64, use_cluster: bool) -> DeployRender {
    DeployRender {
        compat: d.compat,
        release: ReleaseInfo {
            name: name.to_string(),
            namespace: d.namespace.clone(),
            revision,
            is_install: true,
            is_upgrade: false,
        },
        skip_schema_validation: d.skip_schema_validation,
        subchart_notes: d.subchart_notes,
        hide_secret: d.hide_secret,
        enable_dns: d.enable_dns,
        env: d.env,
        post_renderer: d.post_renderer.clone(),
        use_cluster,
    }
}

fn takeover_prefix(compat: Compat, verb: &str) -> String {
    match compat {
        Compat::V3 => format!("Unable to continue with {verb}"),
        Compat::V4 => format!("unable to continue with {verb}"),
    }
}

/// `--dry-run`: the release as it would be stored, without a record or
/// a change. A server dry run renders against the cluster, checks the
/// objects that already exist and has the server validate every object.
async fn install_dry<C: Cluster>(
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &InstallOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, ActionError> {
    let d = &options.deploy;
    let server = d.dry_run == DryRun::Server;
    let chart = prepare_chart(chart, user, d.compat, progress)?;
    if server && !d.skip_crds && !crd_objects(&chart).is_empty() {
        progress.note(
            "This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies.",
        );
    }
    let rendered = render_release(
        cluster,
        chart,
        user,
        &render_setup(d, name, 1, server),
        progress,
    )
    .await?;
    if server {
        let mut targets = build(cluster, &rendered.assembled.manifest, &d.namespace).await?;
        check_takeovers(
            cluster,
            &[],
            &targets,
            name,
            &d.namespace,
            d.take_ownership,
            &takeover_prefix(d.compat, "install"),
        )
        .await?;
        // With --create-namespace the namespace may not exist yet, and
        // the server would refuse every object in it (helm sends none).
        if !options.create_namespace {
            server_dry_run(
                cluster,
                &[],
                &mut targets,
                name,
                &d.namespace,
                d.force_conflicts,
                "install",
            )
            .await?;
        }
    }
    let release = new_release(
        NewRevision {
            name,
            namespace: &d.namespace,
            version: 1,
            status: Status::PendingInstall,
            description: "Dry run complete".into(),
            first_deployed: None,
            labels: d.labels.clone(),
            compat: d.compat,
        },
        &rendered.chart,
        user,
        &rendered.assembled,
    )?;
    Ok(DeployOutcome {
        release,
        pruned: Vec::new(),
    })
}

async fn build<C: Cluster>(
    cluster: &C,
    manifest: &str,
    namespace: &str,
) -> Result<Vec<Resource>, ActionError> {
    cluster.build(manifest, namespace).await.map_err(|e| {
        ActionError::failed_with(
            format!("unable to build kubernetes objects from release manifest: {e}"),
            e,
        )
    })
}

/// `--create-namespace`: the namespace, labelled `name=<namespace>` as
/// helm makes it, unless it exists.
pub(crate) async fn create_namespace<C: Cluster>(
    cluster: &C,
    namespace: &str,
) -> Result<(), ActionError> {
    let manifest = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n  labels:\n    name: {namespace}\n"
    );
    for r in cluster.build(&manifest, "").await? {
        if cluster.get(&r).await?.is_none() {
            cluster.apply(&r, Default::default()).await?;
        }
    }
    Ok(())
}

/// helm's `availableName` past the syntax check: the newest revision of
/// `name`, if any, must be `uninstalled` or `failed` and `--replace`
/// given. Returns that revision.
async fn check_available<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    replace: bool,
    compat: Compat,
) -> Result<Option<Tracked>, ActionError> {
    let last = match storage.last(name).await {
        Ok(found) => found.record,
        Err(StorageError::NotFound | StorageError::NoRevision(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let status = &last.release.info.status;
    if replace && (*status == Status::Uninstalled || *status == Status::Failed) {
        return Ok(Some(Tracked::from(last)));
    }
    Err(name_error(
        compat,
        match compat {
            Compat::V3 => "cannot re-use a name that is still in use".into(),
            Compat::V4 => "cannot reuse a name that is still in use".into(),
        },
    ))
}

/// helm's `installCRDs`: each CRD file of the chart (and its enabled
/// subcharts) created unless it exists, then waited for until served.
async fn install_crds<C: Cluster>(
    cluster: &C,
    chart: &Chart,
    namespace: &str,
    progress: &dyn Progress,
) -> Result<(), ActionError> {
    let mut created = Vec::new();
    for file in crd_objects(chart) {
        // helm names a CRD file by its path in its chart (`crds/x.yaml`).
        let shown = file
            .filename
            .rfind("/crds/")
            .map_or(file.filename.as_str(), |i| &file.filename[i + 1..]);
        let failed = |e: &dyn std::fmt::Display| {
            ActionError::Failed(format!("failed to install CRD {shown}: {e}"))
        };
        let text = String::from_utf8_lossy(&file.data);
        if parse_objects(&text).map_err(|e| failed(&e))?.is_empty() {
            return Err(failed(&"resources are empty"));
        }
        let resources = cluster
            .build(&text, namespace)
            .await
            .map_err(|e| failed(&e))?;
        // helm skips the whole file when creating it finds one existing.
        let mut exists = false;
        for r in &resources {
            if cluster.get(r).await.map_err(|e| failed(&e))?.is_some() {
                exists = true;
            }
        }
        if exists {
            continue;
        }
        for r in &resources {
            cluster
                .apply(r, Default::default())
                .await
                .map_err(|e| failed(&e))?;
        }
        created.extend(resources);
    }
    if !created.is_empty() {
        cluster
            .wait(
                &created,
                WaitMode::Ready,
                std::time::Duration::from_secs(60),
                progress,
            )
            .await?;
    }
    Ok(())
}

async fn install_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    chart: Chart,
    user: &Values,
    options: &InstallOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, ActionError> {
    let d = &options.deploy;
    let namespace = d.namespace.as_str();
    let previous = check_available(storage, name, options.replace, d.compat).await?;
    let chart = prepare_chart(chart, user, d.compat, progress)?;
    if !d.skip_crds {
        install_crds(cluster, &chart, namespace, progress).await?;
    }
    let version = previous.as_ref().map_or(1, |p| p.release.version + 1);
    let rendered = render_release(
        cluster,
        chart,
        user,
        &render_setup(d, name, 1, true),
        progress,
    )
    .await?;
    let mut targets = build(cluster, &rendered.assembled.manifest, namespace).await?;
    let adopted = check_takeovers(
        cluster,
        &[],
        &targets,
        name,
        namespace,
        d.take_ownership,
        &takeover_prefix(d.compat, "install"),
    )
    .await?;
    let target = new_release(
        NewRevision {
            name,
            namespace,
            version,
            status: Status::PendingInstall,
            description: "Initial install underway".into(),
            first_deployed: None,
            labels: d.labels.clone(),
            compat: d.compat,
        },
        &rendered.chart,
        user,
        &rendered.assembled,
    )?;
    // `--replace`: the old newest revision is superseded unless it failed.
    if let Some(mut last) = previous
        && last.release.info.status != Status::Failed
    {
        last.release.info.status = Status::Superseded;
        last.release.info.description = "superseded by new release".into();
        last.save(storage).await.map_err(lost_race(name))?;
    }
    let pruned = prune(storage, name, options.max_history, progress).await;
    let created = match storage.create(&target).await {
        Ok(meta) => meta,
        Err(StorageError::AlreadyExists) => {
            return Err(ActionError::LostRace(format!(
                "another operation created revision {version} of release {name:?} first; nothing was changed"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut target = Tracked {
        release: target,
        resource_version: created.resource_version,
    };
    report_phase(progress, &target.release);
    let step = deploy_step(d, "install");
    let moved = move_to(
        storage,
        cluster,
        progress,
        &mut target,
        &adopted,
        &mut targets,
        &step,
    )
    .await;
    match moved {
        Ok(()) => {
            target.release.info.status = Status::Deployed;
            target.release.info.description = d
                .description
                .clone()
                .unwrap_or_else(|| "Install complete".into());
            target.save(storage).await?;
            report_phase(progress, &target.release);
            Ok(DeployOutcome {
                release: target.release,
                pruned,
            })
        }
        Err(step_error) => {
            let words = HookWords {
                pre: "failed pre-install: ",
                post: "failed post-install: ",
            };
            let (err, _, _) = step_error.helm_error(d.compat, words);
            Err(fail_install(storage, cluster, &mut target, err, options, progress).await)
        }
    }
}

/// The step install and upgrade take: helm turns `--rollback-on-failure`
/// without `--wait` into `--wait=watcher`.
pub(crate) fn deploy_step(d: &DeployOptions, event: &'static str) -> Step {
    let wait = if d.wait == WaitStrategy::HookOnly && d.rollback_on_failure {
        WaitStrategy::Watcher
    } else {
        d.wait
    };
    Step {
        event,
        wait,
        wait_for_jobs: d.wait_for_jobs,
        timeout: d.timeout,
        no_hooks: d.no_hooks,
        // helm 3 applies client-side (a three-way merge patch), which
        // overwrites fields whoever manages them; rudder applies
        // server-side, so imitating helm 3 means never stopping at a
        // field-manager conflict.
        force_conflicts: d.force_conflicts || d.compat == Compat::V3,
        force_replace: d.force_replace,
        upgrade_client_side_fields: true,
        takeover_after_hooks: None,
    }
}

/// Prunes before a create, as helm's `Storage.Create` does (to one fewer
/// than the limit, making room for the new revision); a failure is only
/// a warning.
pub(crate) async fn prune<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    max: usize,
    progress: &dyn Progress,
) -> Vec<i64> {
    if max == 0 {
        return Vec::new();
    }
    match storage.prune(name, max - 1).await {
        Ok(p) => p,
        Err(e) => {
            progress.note(&format!("warning: pruning old revisions failed: {e}"));
            Vec::new()
        }
    }
}

pub(crate) fn lost_race(name: &str) -> impl Fn(StorageError) -> ActionError + '_ {
    move |e| match e {
        StorageError::Conflict { .. } => ActionError::LostRace(format!(
            "release {name:?} was changed by another operation meanwhile; nothing was changed"
        )),
        other => other.into(),
    }
}

/// helm's `failRelease` for install: the revision `failed` with
/// `Release "x" failed: ...`, or with `--rollback-on-failure`, the release
/// uninstalled.
async fn fail_install<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    target: &mut Tracked,
    err: ActionError,
    options: &InstallOptions,
    progress: &dyn Progress,
) -> ActionError {
    let d = &options.deploy;
    let name = target.release.name.clone();
    let description = format!("Release {name:?} failed: {err}");
    let recorded = target.record_failure(storage, description, err).await;
    report_phase(progress, &target.release);
    let err = match recorded {
        Ok(err) => err,
        Err(unrecorded) => return unrecorded,
    };
    if !d.rollback_on_failure {
        return err;
    }
    let uninstall = UninstallOptions {
        keep_history: false,
        no_hooks: d.no_hooks,
        timeout: d.timeout,
        // Interrupted: the waits are cancelled for good; uninstall
        // without waiting.
        wait: if err.kind() == crate::error::ErrorKind::Cancelled {
            WaitStrategy::HookOnly
        } else {
            deploy_step(d, "install").wait
        },
        ..UninstallOptions::default()
    };
    let flag = atomic_flag(d.compat);
    match uninstall_locked(storage, cluster, &name, &uninstall, progress).await {
        Ok(_) => ActionError::failed_with(
            format!(
                "release {name} failed, and has been uninstalled due to {flag} being set: {err}"
            ),
            err,
        ),
        Err(u) => ActionError::failed_with(
            format!(
                "an error occurred while uninstalling the release. original install error: {err}: {u}"
            ),
            err,
        ),
    }
}

/// The flag helm names in its atomic messages (`atomic` in v3,
/// `rollback-on-failure` in v4).
pub(crate) fn atomic_flag(compat: Compat) -> &'static str {
    match compat {
        Compat::V3 => "atomic",
        Compat::V4 => "rollback-on-failure",
    }
}
