//! Running a release's hooks for one event (Helm's `execHook`): in order
//! of weight, then name; each hook's old objects deleted first by the
//! `before-hook-creation` policy (the default when a hook names none); its
//! objects created, then watched until Jobs complete and Pods succeed; its
//! phase and times recorded in the release record; its output shown when
//! its output-log policy asks; its objects deleted afterwards as its
//! delete policies say.
//!
//! One difference from Helm: deleting a hook's objects always waits until
//! they are gone, so a hook recreated under the same name never meets its
//! terminating predecessor (Helm waits only with `--wait`).

use std::time::Duration;

use crate::cluster::{Cluster, Event, PodsOf, Progress, WaitMode};
use crate::gojson::time::GoTime;
use crate::release::{Hook, HookExecution, Release, Status};
use crate::storage::{Driver, Record, Storage, StorageError};

use super::ActionError;

/// Helm's hook delete policies.
pub const BEFORE_HOOK_CREATION: &str = "before-hook-creation";
/// Delete after the hook succeeded.
pub const HOOK_SUCCEEDED: &str = "hook-succeeded";
/// Delete after the hook failed.
pub const HOOK_FAILED: &str = "hook-failed";

/// A release record being changed by an operation, with the
/// `resourceVersion` it was last read or written at, so every write is
/// conditional on nobody else having written in between.
#[derive(Clone, Debug)]
pub struct Tracked {
    /// The release.
    pub release: Release,
    /// The record's `resourceVersion`.
    pub resource_version: Option<String>,
}

impl Tracked {
    /// Marks the revision `failed` with `description` and writes it back.
    /// `Ok(error)` once recorded; `Err` with `error` and why the record
    /// could not be written otherwise (the caller then stops there: what
    /// it would do next assumes the failure is on record).
    pub async fn record_failure<D: Driver>(
        &mut self,
        storage: &Storage<D>,
        description: String,
        error: ActionError,
    ) -> Result<ActionError, ActionError> {
        self.release.info.status = Status::Failed;
        self.release.info.description = description;
        match self.save(storage).await {
            Ok(()) => Ok(error),
            Err(e) => Err(ActionError::failed_with(
                format!("{error} (and recording the failure failed: {e})"),
                error,
            )),
        }
    }

    /// Writes the release back, if the record is unchanged since we last
    /// read or wrote it.
    pub async fn save<D: Driver>(&mut self, storage: &Storage<D>) -> Result<(), StorageError> {
        let meta = storage
            .update(&self.release, self.resource_version.as_deref())
            .await?;
        self.resource_version = meta.resource_version;
        Ok(())
    }

    /// Marks every `deployed` revision of `name` but `except` superseded,
    /// each write conditional on the revision it read (Helm does this
    /// before it records a new revision deployed, and on uninstall with
    /// `--keep-history`).
    pub async fn supersede_deployed<D: Driver>(
        storage: &Storage<D>,
        name: &str,
        except: Option<i64>,
    ) -> Result<(), StorageError> {
        let deployed = match storage.deployed_all(name).await {
            Ok(d) => d,
            Err(StorageError::NoDeployed(_)) => Vec::new(),
            Err(e) => return Err(e),
        };
        for record in deployed {
            if Some(record.release.version) == except {
                continue;
            }
            let mut old = Tracked::from(record);
            old.release.info.status = Status::Superseded;
            old.save(storage).await?;
        }
        Ok(())
    }
}

/// Tells `progress` that `release` was just stored with its current
/// status.
pub(crate) fn report_phase(progress: &dyn Progress, release: &Release) {
    progress.event(Event::Phase {
        release: release.name.clone(),
        namespace: release.namespace.clone(),
        revision: release.version,
        status: release.info.status.clone(),
    });
}

impl From<Record> for Tracked {
    fn from(record: Record) -> Tracked {
        Tracked {
            release: record.release,
            resource_version: record.meta.resource_version,
        }
    }
}

/// What hooks run with.
pub struct HookRun<'a, D, C> {
    /// Release storage.
    pub storage: &'a Storage<D>,
    /// The cluster.
    pub cluster: &'a C,
    /// Where progress and hook output go.
    pub progress: &'a dyn Progress,
    /// How long each wait may take.
    pub timeout: Duration,
}

fn has(policies: &[String], p: &str) -> bool {
    policies.iter().any(|x| x == p)
}

/// What a hook run leaves to do once its caller is ready: show the output
/// of the hooks that succeeded and delete hooks by their delete policies
/// (Helm 4's "delayed shutdown", which lets `helm test --logs` read the
/// test pods before their policies remove them).
#[must_use = "a hook run's clean-up deletes hooks by their policies"]
#[derive(Debug, Default)]
pub struct Cleanup {
    /// The hooks that succeeded, in the order they ran.
    succeeded: Vec<Hook>,
    /// The hook that failed, if one did (the run stopped there).
    failed: Option<Hook>,
    /// The release's namespace.
    namespace: String,
}

impl Cleanup {
    /// The hook that failed, if one did.
    pub fn failed(&self) -> Option<&Hook> {
        self.failed.as_ref()
    }
}

impl<D: Driver, C: Cluster> HookRun<'_, D, C> {
    /// Runs the hooks of `release` for `event`, recording their phases,
    /// then cleans up after them.
    pub async fn run(&self, tracked: &mut Tracked, event: &str) -> Result<(), ActionError> {
        let (result, cleanup) = self.run_deferred(tracked, event, &|_| true).await;
        let cleaned = self.clean_up(cleanup).await;
        // A failure to delete earlier hooks is reported before the hook's
        // own failure, as Helm does.
        cleaned?;
        result
    }

    /// Runs the hooks of `release` for `event` that `select` accepts, in
    /// order of weight then name, recording their phases in `tracked`
    /// (saved as each starts; the caller saves the final phases). The
    /// output of a failed hook is shown at once; everything else its
    /// policies ask for is left in the returned [`Cleanup`].
    pub async fn run_deferred(
        &self,
        tracked: &mut Tracked,
        event: &str,
        select: &(dyn Fn(&Hook) -> bool + Sync),
    ) -> (Result<(), ActionError>, Cleanup) {
        let namespace = tracked.release.namespace.clone();
        let mut cleanup = Cleanup {
            namespace: namespace.clone(),
            ..Cleanup::default()
        };
        let mut order: Vec<usize> = tracked
            .release
            .hooks
            .iter()
            .enumerate()
            .filter(|(_, h)| h.events.iter().any(|e| e == event) && select(h))
            .map(|(i, _)| i)
            .collect();
        {
            let hooks = &tracked.release.hooks;
            order.sort_by(|&a, &b| {
                (hooks[a].weight, &hooks[a].name).cmp(&(hooks[b].weight, &hooks[b].name))
            });
        }
        for &i in &order {
            {
                let h = &mut tracked.release.hooks[i];
                if h.delete_policies.is_empty() {
                    h.delete_policies = vec![BEFORE_HOOK_CREATION.to_string()];
                }
            }
            let hook = tracked.release.hooks[i].clone();
            if let Err(e) = self
                .delete_by_policy(&hook, BEFORE_HOOK_CREATION, &namespace)
                .await
            {
                return (Err(e), Cleanup::default());
            }
            let resources = match self.cluster.build(&hook.manifest, &namespace).await {
                Ok(r) => r,
                Err(e) => {
                    let err = ActionError::failed_with(
                        format!(
                            "unable to build kubernetes object for {event} hook {}: {e}",
                            hook.path
                        ),
                        e,
                    );
                    return (Err(err), Cleanup::default());
                }
            };
            self.progress.event(Event::HookStarted {
                path: hook.path.clone(),
                kind: hook.kind.clone(),
                name: hook.name.clone(),
                event: event.to_string(),
                weight: hook.weight,
            });
            let mut run = HookExecution::default();
            run.started_at = Some(GoTime::now());
            run.phase = "Running".into();
            tracked.release.hooks[i].last_run = run;
            if let Err(e) = tracked.save(self.storage).await {
                return (Err(e.into()), Cleanup::default());
            }
            tracked.release.hooks[i].last_run.phase = "Unknown".into();
            for r in &resources {
                if let Err(e) = self.cluster.apply(r, Default::default()).await {
                    let run = &mut tracked.release.hooks[i].last_run;
                    run.completed_at = Some(GoTime::now());
                    run.phase = "Failed".into();
                    self.finished(&hook, event, "Failed");
                    let err = ActionError::failed_with(
                        format!("warning: Hook {event} {} failed: {e}", hook.path),
                        e,
                    );
                    return (Err(err), Cleanup::default());
                }
            }
            let waited = self
                .cluster
                .wait(&resources, WaitMode::Hook, self.timeout, self.progress)
                .await;
            tracked.release.hooks[i].last_run.completed_at = Some(GoTime::now());
            if let Err(e) = waited {
                tracked.release.hooks[i].last_run.phase = "Failed".into();
                self.finished(&hook, event, "Failed");
                self.output_logs(&hook, HOOK_FAILED, &namespace).await;
                cleanup.failed = Some(hook);
                return (Err(ActionError::Cluster(e)), cleanup);
            }
            tracked.release.hooks[i].last_run.phase = "Succeeded".into();
            self.finished(&hook, event, "Succeeded");
            cleanup.succeeded.push(tracked.release.hooks[i].clone());
        }
        (Ok(()), cleanup)
    }

    /// Does what a hook run left to do. After a failure: the failed hook
    /// is deleted if its policies say `hook-failed` (a failure to do so is
    /// only reported), and the hooks that succeeded before it if theirs
    /// say `hook-succeeded`. After success: each hook, last first, has its
    /// output shown and is deleted as its policies say.
    pub async fn clean_up(&self, cleanup: Cleanup) -> Result<(), ActionError> {
        let namespace = &cleanup.namespace;
        if let Some(failed) = &cleanup.failed {
            if let Err(d) = self.delete_by_policy(failed, HOOK_FAILED, namespace).await {
                self.progress.note(&format!(
                    "error deleting the hook resource on hook failure: {d}"
                ));
            }
            for earlier in &cleanup.succeeded {
                self.delete_by_policy(earlier, HOOK_SUCCEEDED, namespace)
                    .await?;
            }
            return Ok(());
        }
        // Every hook succeeded: show output and clean up, last first.
        for hook in cleanup.succeeded.iter().rev() {
            self.output_logs(hook, HOOK_SUCCEEDED, namespace).await;
            self.delete_by_policy(hook, HOOK_SUCCEEDED, namespace)
                .await?;
        }
        Ok(())
    }

    /// Deletes a hook's objects if it has `policy`, and waits until they
    /// are gone. CRDs made by hooks are never deleted, as in Helm.
    async fn delete_by_policy(
        &self,
        hook: &Hook,
        policy: &str,
        namespace: &str,
    ) -> Result<(), ActionError> {
        if hook.kind == "CustomResourceDefinition" || !has(&hook.delete_policies, policy) {
            return Ok(());
        }
        let resources = self
            .cluster
            .build(&hook.manifest, namespace)
            .await
            .map_err(|e| {
                ActionError::failed_with(
                    format!(
                        "unable to build kubernetes object for deleting hook {}: {e}",
                        hook.path
                    ),
                    e,
                )
            })?;
        let mut errs = Vec::new();
        for r in &resources {
            if let Err(e) = self
                .cluster
                .delete(r, crate::cluster::Propagation::Background)
                .await
            {
                errs.push(e.to_string());
            }
        }
        if !errs.is_empty() {
            return Err(ActionError::Failed(errs.join("; ")));
        }
        self.cluster
            .wait_deleted(&resources, self.timeout, self.progress)
            .await
            .map_err(ActionError::Cluster)
    }

    fn finished(&self, hook: &Hook, event: &str, phase: &str) {
        self.progress.event(Event::HookFinished {
            path: hook.path.clone(),
            event: event.to_string(),
            phase: phase.to_string(),
        });
    }

    /// Shows the output of a hook's pods if its output-log policy asks
    /// for it on `policy`. Failing to fetch it is reported, not fatal.
    async fn output_logs(&self, hook: &Hook, policy: &str, namespace: &str) {
        if !has(&hook.output_log_policies, policy) {
            return;
        }
        let pods = match hook.kind.as_str() {
            "Job" => PodsOf::Job(hook.name.clone()),
            "Pod" => PodsOf::Pod(hook.name.clone()),
            _ => return,
        };
        let ns = hook_namespace(&hook.manifest).unwrap_or_else(|| namespace.to_string());
        if let Err(e) = self.cluster.hook_logs(&ns, &pods, self.progress).await {
            self.progress
                .note(&format!("error outputting logs for hook failure: {e}"));
        }
    }
}

/// `metadata.namespace` of a hook's manifest, when it sets one.
fn hook_namespace(manifest: &str) -> Option<String> {
    crate::cluster::objects::parse_objects(manifest)
        .ok()?
        .into_iter()
        .next()?
        .namespace
}
