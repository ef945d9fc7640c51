//! Moving the cluster to a new revision, shared by install, upgrade and
//! rollback: the ownership check on objects a revision takes over (helm's
//! `existingResourceConflict` / `requireAdoption`), the pre hooks, the
//! update (create what is new, apply what exists, delete what is gone
//! unless kept), the wait, the post hooks, and the `--dry-run=server`
//! validation. Each action words its own failures; what failed and which
//! objects were created is reported back as a [`StepError`].

use std::time::Duration;

use crate::cluster::objects::{check_ownership, set_ownership};
use crate::cluster::update::{UpdateOptions, removed, update};
use crate::cluster::{ApplyOptions, Cluster, Progress, Propagation, Resource, WaitMode};
use crate::storage::{Driver, Storage};

use super::ActionError;
use super::hooks::{HookRun, Tracked};
use super::rollback::WaitStrategy;

/// Where moving to a revision failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// A pre hook (`pre-install`, `pre-upgrade`, `pre-rollback`).
    PreHooks,
    /// The ownership check done after the pre hooks (rollback only).
    Takeover,
    /// Creating, applying or deleting objects.
    Update,
    /// Waiting for the objects.
    Wait,
    /// A post hook.
    PostHooks,
}

/// A failure while moving to a revision.
#[derive(Debug)]
pub(crate) struct StepError {
    /// Where it failed.
    pub stage: Stage,
    /// Why.
    pub error: ActionError,
    /// Objects the update created before it failed (for
    /// `--cleanup-on-fail`).
    pub created: Vec<Resource>,
}

/// How install and upgrade word a failed hook stage: helm says
/// `failed pre-install: ...` but `pre-upgrade hooks failed: ...`.
pub(crate) struct HookWords {
    /// Put before a pre hook's error.
    pub pre: &'static str,
    /// Put before a post hook's error.
    pub post: &'static str,
}

impl StepError {
    /// The error helm reports for this failure: an interrupt as the
    /// context's error alone, hook failures with `words`, a wait in the
    /// `compat` version's words. `interrupted` says which it was.
    pub(crate) fn helm_error(
        self,
        compat: crate::compat::Compat,
        words: HookWords,
    ) -> (ActionError, Vec<Resource>, bool) {
        let interrupted = self.error.kind() == crate::error::ErrorKind::Cancelled;
        let error = match self.stage {
            _ if interrupted => ActionError::failed_with("context canceled", self.error),
            Stage::PreHooks => {
                ActionError::failed_with(format!("{}{}", words.pre, self.error), self.error)
            }
            Stage::PostHooks => {
                ActionError::failed_with(format!("{}{}", words.post, self.error), self.error)
            }
            Stage::Wait => wait_failure(compat, self.error),
            _ => self.error,
        };
        (error, self.created, interrupted)
    }
}

/// How to move to a revision.
#[derive(Clone, Debug)]
pub(crate) struct Step {
    /// Hook event prefix: `install`, `upgrade` or `rollback`.
    pub event: &'static str,
    /// What to wait for after the update.
    pub wait: WaitStrategy,
    /// With a wait, also wait for Jobs to complete.
    pub wait_for_jobs: bool,
    /// How long each hook and the wait may take.
    pub timeout: Duration,
    /// Skip the hooks.
    pub no_hooks: bool,
    /// Server-side apply with `force=true`.
    pub force_conflicts: bool,
    /// Replace existing objects instead of applying them.
    pub force_replace: bool,
    /// Move client-side-apply field ownership to server-side apply.
    pub upgrade_client_side_fields: bool,
    /// Check objects the target takes over after the pre hooks, with this
    /// message prefix (rollback; install and upgrade check before they
    /// create their record).
    pub takeover_after_hooks: Option<String>,
}

/// Runs the pre hooks, updates the cluster from `originals` to `targets`
/// (ownership metadata set), waits, and runs the post hooks. Records are
/// written only by the hooks (their phases).
pub(crate) async fn move_to<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    progress: &dyn Progress,
    target: &mut Tracked,
    originals: &[Resource],
    targets: &mut [Resource],
    step: &Step,
) -> Result<(), StepError> {
    let fail = |stage, error| StepError {
        stage,
        error,
        created: Vec::new(),
    };
    let name = target.release.name.clone();
    let namespace = target.release.namespace.clone();
    let hooks = HookRun {
        storage,
        cluster,
        progress,
        timeout: step.timeout,
    };
    if !step.no_hooks {
        hooks
            .run(target, &format!("pre-{}", step.event))
            .await
            .map_err(|e| fail(Stage::PreHooks, e))?;
    }
    if let Some(prefix) = &step.takeover_after_hooks {
        check_takeovers(
            cluster, originals, targets, &name, &namespace, false, prefix,
        )
        .await
        .map_err(|e| fail(Stage::Takeover, e))?;
    }
    for r in targets.iter_mut() {
        set_ownership(&mut r.object.body, &name, &namespace);
    }
    let update_options = UpdateOptions {
        force_replace: step.force_replace,
        force_conflicts: step.force_conflicts,
        upgrade_client_side_fields: step.upgrade_client_side_fields,
    };
    let (result, outcome) = update(cluster, originals, targets, update_options).await;
    if let Err(e) = outcome {
        return Err(StepError {
            stage: Stage::Update,
            error: ActionError::from(e),
            created: result.created,
        });
    }
    let created = result.created;
    if step.wait != WaitStrategy::HookOnly {
        let mode = if step.wait_for_jobs {
            WaitMode::ReadyWithJobs
        } else {
            WaitMode::Ready
        };
        if let Err(e) = cluster.wait(targets, mode, step.timeout, progress).await {
            return Err(StepError {
                stage: Stage::Wait,
                error: ActionError::Cluster(e),
                created,
            });
        }
    }
    if !step.no_hooks
        && let Err(e) = hooks.run(target, &format!("post-{}", step.event)).await
    {
        return Err(StepError {
            stage: Stage::PostHooks,
            error: e,
            created,
        });
    }
    Ok(())
}

/// Deletes `created` (`--cleanup-on-fail`); the errors, joined with `, `
/// as helm joins them.
pub(crate) async fn cleanup<C: Cluster>(cluster: &C, created: &[Resource]) -> Result<(), String> {
    let mut errs = Vec::new();
    for r in created {
        if let Err(e) = cluster.delete(r, Propagation::Background).await {
            errs.push(e.to_string());
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join(", "))
    }
}

/// The objects of `targets` that `originals` lacks and that already exist:
/// helm's `existingResourceConflict` (each must carry this release's
/// ownership metadata) or, with `take_ownership`, `requireAdoption` (any
/// owner). Returns the live ones, which the update then applies instead of
/// creating. `prefix` starts the refusal (`unable to continue with
/// install`).
pub(crate) async fn check_takeovers<C: Cluster>(
    cluster: &C,
    originals: &[Resource],
    targets: &[Resource],
    name: &str,
    namespace: &str,
    take_ownership: bool,
    prefix: &str,
) -> Result<Vec<Resource>, ActionError> {
    let known: std::collections::HashSet<_> = originals.iter().map(Resource::id).collect();
    let mut adopted = Vec::new();
    for t in targets.iter().filter(|t| !known.contains(&t.id())) {
        // Objects named by the server cannot clash.
        if t.object.name.is_empty() && t.object.generate_name().is_some() {
            continue;
        }
        let live = cluster.get(t).await.map_err(|e| {
            ActionError::failed_with(
                format!(
                    "{prefix}: could not get information about the resource {}: {e}",
                    t.describe()
                ),
                e,
            )
        })?;
        let Some(live) = live else { continue };
        if !take_ownership && let Err(why) = check_ownership(&live, name, namespace) {
            return Err(ActionError::Failed(format!(
                "{prefix}: {} exists and cannot be imported into the current release: {why}",
                t.describe()
            )));
        }
        adopted.push(t.clone());
    }
    Ok(adopted)
}

/// `--dry-run=server`: everything moving from `originals` to `targets`
/// would send, with `dryRun=All`: each target applied (ownership metadata
/// set) and each dropped object deleted. Every failure is reported,
/// joined with ` && `; `what` names the operation in the message.
pub(crate) async fn server_dry_run<C: Cluster>(
    cluster: &C,
    originals: &[Resource],
    targets: &mut [Resource],
    name: &str,
    namespace: &str,
    force_conflicts: bool,
    what: &str,
) -> Result<(), ActionError> {
    let mut errs = Vec::new();
    for r in targets.iter_mut() {
        set_ownership(&mut r.object.body, name, namespace);
        let apply = ApplyOptions {
            force_conflicts,
            dry_run: true,
            upgrade_client_side_fields: true,
        };
        if let Err(e) = cluster.apply(r, apply).await {
            errs.push(e.to_string());
        }
    }
    for original in &removed(cluster, originals, targets).await {
        if let Err(e) = cluster
            .delete_dry_run(original, Propagation::Background)
            .await
        {
            errs.push(e.to_string());
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Failed(format!(
            "server-side dry run of {what} {name:?} failed: {}",
            errs.join(" && ")
        )))
    }
}

/// How helm words a failed wait of install and upgrade: an interrupted
/// one is Go's `context canceled` alone (helm 4 fails the release with the
/// context's error), and helm 3's polling wait only ever says `context
/// deadline exceeded`. The cause (and its kind) is kept.
pub(crate) fn wait_failure(compat: crate::compat::Compat, error: ActionError) -> ActionError {
    if error.kind() == crate::error::ErrorKind::Cancelled {
        ActionError::failed_with("context canceled", error)
    } else if compat == crate::compat::Compat::V3 {
        ActionError::failed_with("context deadline exceeded", error)
    } else {
        error
    }
}
