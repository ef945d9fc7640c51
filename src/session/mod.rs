//! The session: every release operation as one library call, with helm's
//! defaults applied, for any front end.
//!
//! A front end (the CLI, a TUI, an HTTP server) parses its input, builds a
//! [`Session`] from release storage and a cluster, calls one method, and
//! renders the result. What helm decides between parsing and printing
//! lives here, not in a front end: the v3/v4 default `list` states, when
//! `status` reads live objects, which releases look stuck, the
//! `HELM_MAX_HISTORY` default, the `--wait` and `--dry-run` values, and the
//! loop over several releases of `uninstall`.

mod options;
mod stuck;

pub use crate::action::rollback::DryRun;
pub use options::{
    Parsed, default_history_max, parse_dry_run, parse_server_side, parse_uninstall_dry_run,
    parse_wait,
};
pub use stuck::StuckNotice;

use crate::action::ActionError;
use crate::action::content::{Content, release_content};
use crate::action::deploy::DeployOutcome;
use crate::action::history::{History, history};
use crate::action::install::{InstallOptions, install};
use crate::action::list::{ListOptions, ListResult, StateMask, list};
use crate::action::recover::{RecoverOptions, RecoverOutcome, recover};
use crate::action::rollback::{RollbackOptions, RollbackOutcome, rollback};
use crate::action::test::{TestOptions, TestOutcome, release_test};
use crate::action::uninstall::{UninstallOptions, UninstallOutcome, uninstall};
use crate::action::upgrade::{UpgradeOptions, UpgradePlan, plan, upgrade, will_install};
use crate::chart::model::{Chart, Values};
use crate::cluster::resources::{Form, LiveResources};
use crate::cluster::{Cluster, Progress};
use crate::compat::Compat;
use crate::storage::{Driver, Storage};

/// Release storage and a cluster, and the helm version to imitate.
pub struct Session<D, C> {
    storage: Storage<D>,
    cluster: C,
    compat: Compat,
    grace: std::time::Duration,
}

/// What `list` found, with the releases that look stuck.
#[derive(Debug)]
pub struct ListReport {
    /// The listing.
    pub result: ListResult,
    /// Listed releases that look stuck.
    pub stuck: Vec<StuckNotice>,
}

/// What `status` shows.
#[derive(Debug)]
pub struct StatusReport {
    /// The revision shown.
    pub content: Content,
    /// Its live objects, when they were asked for (helm v4 always reads
    /// them, helm v3 with `--show-resources`).
    pub resources: Option<LiveResources>,
    /// Set when the newest revision looks stuck.
    pub stuck: Option<StuckNotice>,
}

/// How `status` should read live objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRequest {
    /// The revision; 0 or less for the newest.
    pub revision: i64,
    /// Read live objects even where the imitated helm would not
    /// (`--show-resources` of helm v3).
    pub show_resources: bool,
    /// Objects or server-rendered tables.
    pub form: Form,
}

impl<D: Driver, C: Cluster> Session<D, C> {
    /// A session over `storage` and `cluster`, imitating `compat`.
    pub fn new(storage: Storage<D>, cluster: C, compat: Compat) -> Session<D, C> {
        Session {
            storage,
            cluster,
            compat,
            grace: crate::action::recover::DEFAULT_GRACE,
        }
    }

    /// How long a pending record must have been left untouched before
    /// `list` and `status` call its release stuck (default
    /// [`DEFAULT_GRACE`](crate::action::recover::DEFAULT_GRACE)).
    pub fn with_grace(mut self, grace: std::time::Duration) -> Session<D, C> {
        self.grace = grace;
        self
    }

    /// The grace after which a transitional revision left untouched is
    /// called stuck (see [`Session::with_grace`]).
    pub fn grace(&self) -> std::time::Duration {
        self.grace
    }

    /// The release storage.
    pub fn storage(&self) -> &Storage<D> {
        &self.storage
    }

    /// The cluster.
    pub fn cluster(&self) -> &C {
        &self.cluster
    }

    /// The helm version imitated.
    pub fn compat(&self) -> Compat {
        self.compat
    }

    /// The statuses `list` shows when no state flag is given: deployed and
    /// failed for helm v3, every state for helm v4.
    pub fn default_states(&self) -> StateMask {
        match self.compat {
            Compat::V3 => StateMask::DEPLOYED | StateMask::FAILED,
            Compat::V4 => StateMask::ALL,
        }
    }

    /// `list`. An empty state mask means the imitated helm's default.
    pub async fn list(&self, options: &ListOptions) -> Result<ListReport, ActionError> {
        let mut options = options.clone();
        if options.states.is_empty() {
            options.states = self.default_states();
        }
        let result = list(&self.storage, &options).await?;
        let stuck = self.stuck(result.records.iter()).await;
        Ok(ListReport { result, stuck })
    }

    /// `history`: at most `max` newest revisions.
    pub async fn history(&self, name: &str, max: i64) -> Result<History, ActionError> {
        history(&self.storage, name, max).await
    }

    /// The revision `get` shows (`revision` 0 or less: the newest).
    pub async fn get(&self, name: &str, revision: i64) -> Result<Content, ActionError> {
        release_content(&self.storage, name, revision).await
    }

    /// `status`: the revision, its live objects when the imitated helm
    /// reads them, and whether the newest revision looks stuck.
    pub async fn status(
        &self,
        name: &str,
        request: StatusRequest,
    ) -> Result<StatusReport, ActionError> {
        let content = release_content(&self.storage, name, request.revision).await?;
        let stuck = if request.revision <= 0 {
            self.stuck([&content.record]).await.into_iter().next()
        } else {
            None
        };
        let rel = &content.record.release;
        let resources = if self.compat == Compat::V4 || request.show_resources {
            Some(
                self.cluster
                    .live_resources(&rel.manifest, &rel.namespace, request.form)
                    .await?,
            )
        } else {
            None
        };
        Ok(StatusReport {
            content,
            resources,
            stuck,
        })
    }

    /// `rollback`.
    pub async fn rollback(
        &self,
        name: &str,
        options: &RollbackOptions,
        progress: &dyn Progress,
    ) -> Result<RollbackOutcome, ActionError> {
        rollback(&self.storage, &self.cluster, name, options, progress).await
    }

    /// `install` of `chart` as `name` with the user values `user`.
    pub async fn install(
        &self,
        name: &str,
        chart: Chart,
        user: &Values,
        options: &InstallOptions,
        progress: &dyn Progress,
    ) -> Result<DeployOutcome, ActionError> {
        install(
            &self.storage,
            &self.cluster,
            name,
            chart,
            user,
            options,
            progress,
        )
        .await
    }

    /// `upgrade` (with `options.install`, `upgrade --install`).
    pub async fn upgrade(
        &self,
        name: &str,
        chart: Chart,
        user: &Values,
        options: &UpgradeOptions,
        progress: &dyn Progress,
    ) -> Result<DeployOutcome, ActionError> {
        upgrade(
            &self.storage,
            &self.cluster,
            name,
            chart,
            user,
            options,
            progress,
        )
        .await
    }

    /// What `upgrade` would store, without changing anything (for
    /// `diff upgrade`).
    pub async fn plan_upgrade(
        &self,
        name: &str,
        chart: Chart,
        user: &Values,
        options: &UpgradeOptions,
    ) -> Result<UpgradePlan, ActionError> {
        plan(&self.storage, &self.cluster, name, chart, user, options).await
    }

    /// Whether `upgrade --install` of `name` would install (no revision,
    /// or the newest uninstalled): helm then prints `Release "x" does not
    /// exist. Installing it now.`
    pub async fn upgrade_installs(&self, name: &str) -> Result<bool, ActionError> {
        will_install(&self.storage, name).await
    }

    /// `uninstall` of several releases, one after the other, as helm does:
    /// `done` is called after each one, and the first error stops the
    /// rest. `keep_going` is asked before each release (a front end
    /// returns false once interrupted); a release not started for that
    /// reason is an error naming it.
    pub async fn uninstall(
        &self,
        names: &[String],
        options: &UninstallOptions,
        progress: &dyn Progress,
        keep_going: impl Fn() -> bool,
        mut done: impl FnMut(&str, &UninstallOutcome),
    ) -> Result<(), ActionError> {
        for name in names {
            if !keep_going() {
                return Err(ActionError::Failed(format!(
                    "interrupted before uninstalling release {name:?}"
                )));
            }
            let out = uninstall(&self.storage, &self.cluster, name, options, progress).await?;
            done(name, &out);
        }
        Ok(())
    }

    /// `test`: runs the release's test hooks, in the imitated helm's way
    /// (`options.compat` is the session's). A failed test is in the
    /// outcome's `error`, after the release to show.
    pub async fn test(
        &self,
        name: &str,
        options: &TestOptions,
        progress: &dyn Progress,
    ) -> Result<TestOutcome, ActionError> {
        let options = TestOptions {
            compat: self.compat,
            ..options.clone()
        };
        release_test(&self.storage, &self.cluster, name, &options, progress).await
    }

    /// `recover`.
    pub async fn recover(
        &self,
        name: &str,
        options: &RecoverOptions,
        progress: &dyn Progress,
    ) -> Result<RecoverOutcome, ActionError> {
        recover(&self.storage, &self.cluster, name, options, progress).await
    }

    /// The release watch (see [`crate::action::watch`]): the current
    /// releases as [`ReleaseEvent::Added`](crate::action::watch::ReleaseEvent::Added)
    /// events up to the first `Synced`, then every change, with stuck
    /// notices after the session's grace. The watch runs as a task on the
    /// current Tokio runtime holding a clone of `self`; dropping the stream
    /// stops it. Fails at once on a bad name filter or selector.
    pub fn watch(
        self: &std::sync::Arc<Self>,
        filter: &crate::action::watch::WatchFilter,
    ) -> Result<crate::action::watch::ReleaseWatch, ActionError>
    where
        D: 'static,
        C: 'static,
    {
        use crate::action::watch::{ReleaseWatch, WatchPlan, run};
        let plan = WatchPlan::new(filter, self.storage.namespace())?;
        let session = std::sync::Arc::clone(self);
        Ok(ReleaseWatch::spawn(move |sink| async move {
            run(
                &session.storage,
                &session.cluster,
                plan,
                session.grace,
                sink,
            )
            .await;
        }))
    }

    /// Which of `records` (each the newest revision of its release) look
    /// stuck: transitional, no live lock, no recent change.
    pub async fn stuck<'a>(
        &self,
        records: impl IntoIterator<Item = &'a crate::storage::Record>,
    ) -> Vec<StuckNotice> {
        stuck::stuck(&self.cluster, records, self.grace).await
    }
}

#[cfg(test)]
mod tests;
