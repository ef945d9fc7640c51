//! Background work: each [`Command`] runs as a tokio task over the
//! session and reports back with [`Msg`]s on the UI's channel. Nothing
//! here draws or reads keys, and nothing here decides what a release
//! operation does: that is the session's.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt as _;
use tokio::sync::mpsc::UnboundedSender;

use super::data;
use super::model::{ReleaseKey, ResourceRow, Row, UpgradeDiff, Versions};
use super::msg::{Command, Msg, UpgradeRequest};
use crate::action::recover::RecoverOptions;
use crate::action::resource_status::resource_states;
use crate::action::rollback::{RollbackOptions, WaitStrategy};
use crate::action::source_upgrade::{
    self as source, ChartSources, SourceUpgrade, manifest_diff, on_blocking, values_diff,
};
use crate::action::uninstall::UninstallOptions;
use crate::action::upgrade::UpgradeOptions;
use crate::action::watch::{ReleaseEvent, WatchFilter};
use crate::cluster::resources::Form;
use crate::cluster::{Cluster, Event, Progress};
use crate::session::{Session, default_history_max};
use crate::storage::Driver;
use crate::upgrades::{self, InstalledChart, Policy, State};

/// How long the Resources tab's subscription waits after a change for
/// more before saying so: a rollout changes pods many times a second, and
/// one re-read covers the whole burst.
pub const RESOURCES_DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(200);

/// The Resources tab's subscription: the release, its manifest as read
/// when subscribing, and the task following its objects' changes.
struct ResourceWatch {
    key: ReleaseKey,
    manifest: Arc<str>,
    namespace: String,
    task: tokio::task::AbortHandle,
}

/// Where the current subscription is kept (at most one: one tab).
type WatchSlot = Arc<std::sync::Mutex<Option<ResourceWatch>>>;

/// Locks the slot; a panic elsewhere cannot leave it half-written.
fn slot(s: &WatchSlot) -> std::sync::MutexGuard<'_, Option<ResourceWatch>> {
    s.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many revisions the History tab lists (helm's `history --max`
/// default).
const HISTORY_MAX: i64 = 256;

/// Where charts come from, for the availability check and upgrades;
/// without it both say that no source is configured.
pub type Sources = ChartSources;

/// Runs commands against a session, sending results to the UI.
/// helm's `--timeout` default, for the UI's operations.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// Runs the UI's background work. Operations wait for their objects, as
/// `--wait` would: the progress panel shows what is not ready yet, and a
/// release that never becomes ready ends in an error notification
/// rather than a success the cluster does not bear out.
pub struct Tasks<D, C> {
    session: Arc<Session<D, C>>,
    tx: UnboundedSender<Msg>,
    scope: Option<String>,
    sources: Option<Arc<Sources>>,
    timeout: Duration,
    watch: WatchSlot,
}

impl<D, C> Clone for Tasks<D, C> {
    fn clone(&self) -> Self {
        Tasks {
            session: self.session.clone(),
            tx: self.tx.clone(),
            scope: self.scope.clone(),
            sources: self.sources.clone(),
            timeout: self.timeout,
            watch: self.watch.clone(),
        }
    }
}

/// Forwards an operation's progress events to the UI.
struct OpProgress {
    id: u64,
    tx: UnboundedSender<Msg>,
}

impl Progress for OpProgress {
    fn event(&self, event: Event) {
        let _ = self.tx.send(Msg::Progress(self.id, event));
    }
}

impl<D, C> Tasks<D, C>
where
    D: Driver + Clone + Send + Sync + 'static,
    C: Cluster + Clone + Send + Sync + 'static,
{
    /// Tasks over `session` (its namespace is `scope`'s, or any with
    /// `None`: `-A`), reporting on `tx`.
    pub fn new(
        session: Session<D, C>,
        tx: UnboundedSender<Msg>,
        scope: Option<String>,
        sources: Option<Sources>,
    ) -> Tasks<D, C> {
        Tasks {
            session: Arc::new(session),
            tx,
            scope,
            sources: sources.map(Arc::new),
            timeout: DEFAULT_TIMEOUT,
            watch: WatchSlot::default(),
        }
    }

    /// How long an operation waits for its objects (ready, or deleted)
    /// before it fails; [`DEFAULT_TIMEOUT`] unless set.
    pub fn with_timeout(mut self, timeout: Duration) -> Tasks<D, C> {
        self.timeout = timeout;
        self
    }

    fn send(&self, msg: Msg) {
        // The UI is gone: nothing to tell.
        let _ = self.tx.send(msg);
    }

    fn session_in(&self, namespace: &str) -> Session<D, C> {
        self.session.in_namespace(namespace)
    }

    /// Starts `cmd` in the background (`Quit` and `Edit` belong to the
    /// runtime and are ignored here).
    pub fn run(&self, cmd: Command) {
        let this = self.clone();
        match cmd {
            Command::Quit | Command::Edit(_) => {}
            Command::LoadDetails(key) => {
                // Two reads at once: the record and the history.
                let other = this.clone();
                let k = key.clone();
                tokio::spawn(async move { this.load_content(k).await });
                tokio::spawn(async move { other.load_history(key).await });
            }
            Command::LoadResources(key) => {
                tokio::spawn(async move { this.load_resources(key).await });
            }
            Command::WatchResources(key) => this.watch_resources(key),
            Command::RefreshResources(key) => {
                let found = slot(&this.watch)
                    .as_ref()
                    .filter(|w| w.key == key)
                    .map(|w| (w.manifest.clone(), w.namespace.clone()));
                if let Some((manifest, namespace)) = found {
                    tokio::spawn(async move {
                        let res = this.live_rows(&manifest, &namespace).await;
                        this.send(Msg::Resources(key, res));
                    });
                }
            }
            Command::UnwatchResources => {
                if let Some(w) = slot(&this.watch).take() {
                    w.task.abort();
                }
            }
            Command::RollbackDiff(key, revision) => {
                tokio::spawn(async move {
                    let res = this.rollback_diff(&key, revision).await;
                    this.send(Msg::RollbackDiff(key, revision, res));
                });
            }
            Command::Rollback { id, key, revision } => {
                tokio::spawn(async move { this.rollback(id, key, revision).await });
            }
            Command::Uninstall {
                id,
                key,
                keep_history,
            } => {
                tokio::spawn(async move { this.uninstall(id, key, keep_history).await });
            }
            Command::Recover { id, key, rollback } => {
                tokio::spawn(async move { this.recover(id, key, rollback).await });
            }
            Command::LoadVersions { key, chart } => {
                tokio::spawn(async move {
                    let res = this.versions(&key, &chart).await;
                    this.send(Msg::Versions(key, res));
                });
            }
            Command::PlanUpgrade(req) => {
                tokio::spawn(async move {
                    let res = this.plan_upgrade(&req).await;
                    this.send(Msg::UpgradeDiff(req.key, res));
                });
            }
            Command::Upgrade { id, request } => {
                tokio::spawn(async move { this.upgrade(id, request).await });
            }
        }
    }

    /// Keeps the UI's list current from the release watch
    /// ([`Session::watch`]): the whole list once the watch has synced,
    /// then one message per change, stuck notices included. Runs until the
    /// UI drops its receiver or the watch fails for good.
    pub async fn watch_releases(self) {
        let filter = WatchFilter {
            all_namespaces: self.scope.is_none(),
            ..WatchFilter::default()
        };
        let mut stream = match self.session.watch(&filter) {
            Ok(s) => s,
            Err(e) => return self.send(Msg::WatchError(Some(e.to_string()))),
        };
        let mut first: Option<Vec<Row>> = Some(Vec::new());
        while let Some(ev) = stream.next().await {
            if self.tx.is_closed() {
                return;
            }
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => {
                    self.send(Msg::WatchError(Some(e.to_string())));
                    continue;
                }
            };
            let row = match &ev {
                ReleaseEvent::Synced => {
                    if let Some(rows) = first.take() {
                        self.spawn_availability(&rows);
                        self.send(Msg::Releases(rows));
                    }
                    self.send(Msg::WatchError(None));
                    continue;
                }
                ReleaseEvent::Deleted(s) => {
                    self.send(Msg::ReleaseGone(ReleaseKey::new(&s.namespace, &s.name)));
                    continue;
                }
                ReleaseEvent::Stuck { release, notice } => {
                    data::summary_row(release, Some(notice.why.clone()))
                }
                other => match other.summary() {
                    Some(s) => data::summary_row(s, None),
                    None => continue,
                },
            };
            match &mut first {
                // The initial snapshot goes out whole, once synced.
                Some(rows) => {
                    rows.retain(|r| r.key != row.key);
                    rows.push(row);
                }
                None => self.send(Msg::ReleaseChanged(row)),
            }
        }
    }

    fn spawn_availability(&self, rows: &[Row]) {
        let Some(sources) = self.sources.clone() else {
            return;
        };
        let installed: Vec<InstalledChart> = rows
            .iter()
            .filter(|r| !r.chart_version.is_empty())
            .map(|r| InstalledChart {
                release: r.key.name.clone(),
                namespace: r.key.namespace.clone(),
                revision: r.revision,
                chart: r.chart_name.clone(),
                version: r.chart_version.clone(),
                home: String::new(),
                sources: Vec::new(),
            })
            .collect();
        let tx = self.tx.clone();
        on_blocking(move || async move {
            let Ok(report) = upgrades::check(&installed, &sources.options, Policy::default()).await
            else {
                // Availability is a hint; a source that cannot be read
                // leaves the marks out rather than disturbing the list.
                return;
            };
            let found = report
                .entries
                .into_iter()
                .filter(|a| matches!(a.state, State::UpgradeAvailable(_)))
                .filter_map(|a| {
                    let key = ReleaseKey::new(&a.installed.namespace, &a.installed.release);
                    a.latest.map(|l| (key, l))
                })
                .collect();
            let _ = tx.send(Msg::Availability(found));
        });
    }

    async fn load_content(&self, key: ReleaseKey) {
        let res = self
            .session_in(&key.namespace)
            .get(&key.name, 0)
            .await
            .map(|c| data::content(&c.record.release))
            .map_err(|e| e.to_string());
        self.send(Msg::Content(key, res));
    }

    async fn load_history(&self, key: ReleaseKey) {
        let res = self
            .session_in(&key.namespace)
            .history(&key.name, HISTORY_MAX)
            .await
            .map(|h| data::history(&h.records))
            .map_err(|e| e.to_string());
        self.send(Msg::History(key, res));
    }

    async fn load_resources(&self, key: ReleaseKey) {
        let res = match self.manifest_of(&key).await {
            Ok((manifest, namespace)) => self.live_rows(&manifest, &namespace).await,
            Err(e) => Err(e),
        };
        self.send(Msg::Resources(key, res));
    }

    /// The release's stored manifest and namespace (newest revision).
    async fn manifest_of(&self, key: &ReleaseKey) -> Result<(String, String), String> {
        let got = self
            .session_in(&key.namespace)
            .get(&key.name, 0)
            .await
            .map_err(|e| e.to_string())?;
        let rel = got.record.release;
        Ok((rel.manifest, rel.namespace))
    }

    /// The Resources tab's rows: the manifest's live objects and the pods
    /// of its workloads, as `status --show-resources` reads them.
    async fn live_rows(&self, manifest: &str, namespace: &str) -> Result<Vec<ResourceRow>, String> {
        let live = self
            .session
            .cluster()
            .live_resources(manifest, namespace, Form::Objects)
            .await
            .map_err(|e| e.to_string())?;
        Ok(resource_states(&live, jiff::Timestamp::now())
            .into_iter()
            .map(|s| ResourceRow {
                resource: s.resource,
                namespace: s.namespace,
                status: s.status,
                message: s.message,
            })
            .collect())
    }

    /// Subscribes the Resources tab to `key`'s objects: reads the record
    /// once, sends the live objects, then one [`Msg::ResourcesChanged`]
    /// per burst of changes (bursts closer than [`RESOURCES_DEBOUNCE`]
    /// coalesce). Replaces the previous subscription; no timer reads
    /// anything.
    fn watch_resources(&self, key: ReleaseKey) {
        let this = self.clone();
        let k = key.clone();
        // The slot is filled before the task can run, so a quick
        // unsubscribe finds it.
        let mut guard = slot(&self.watch);
        if let Some(old) = guard.take() {
            old.task.abort();
        }
        let ready = Arc::new(tokio::sync::Notify::new());
        let go = ready.clone();
        let task = tokio::spawn(async move {
            go.notified().await;
            let (manifest, namespace) = match this.manifest_of(&k).await {
                Ok(m) => m,
                Err(e) => return this.send(Msg::Resources(k, Err(e))),
            };
            let resources = match this.session.cluster().build(&manifest, &namespace).await {
                Ok(r) => r,
                Err(e) => return this.send(Msg::Resources(k, Err(e.to_string()))),
            };
            // Subscribe before reading, so no change falls in between.
            let mut changes = this.session.cluster().watch_changes(&resources);
            if let Some(w) = slot(&this.watch).as_mut().filter(|w| w.key == k) {
                w.manifest = Arc::from(manifest.as_str());
                w.namespace = namespace.clone();
            }
            let res = this.live_rows(&manifest, &namespace).await;
            this.send(Msg::Resources(k.clone(), res));
            drop(resources);
            while changes.next().await.is_some() {
                // Coalesce the burst: wait until it has been quiet for the
                // debounce interval.
                while let Ok(Some(())) =
                    tokio::time::timeout(RESOURCES_DEBOUNCE, changes.next()).await
                {}
                if this.tx.is_closed() {
                    return;
                }
                this.send(Msg::ResourcesChanged(k.clone()));
            }
        });
        *guard = Some(ResourceWatch {
            key,
            manifest: Arc::from(""),
            namespace: String::new(),
            task: task.abort_handle(),
        });
        drop(guard);
        ready.notify_one();
    }

    async fn rollback_diff(&self, key: &ReleaseKey, revision: i64) -> Result<String, String> {
        let session = self.session_in(&key.namespace);
        let (current, target) =
            crate::action::diff::rollback_pair(session.storage(), &key.name, revision)
                .await
                .map_err(|e| e.to_string())?;
        let manifest = manifest_diff(&current, &target, format!("revision {revision}"), true)
            .map_err(|e| e.to_string())?;
        let values = values_diff(&current, &target, true);
        let values = if values.is_empty() {
            "  (no change)\n".to_string()
        } else {
            values
        };
        Ok(format!(
            "Values diff:\n{values}\nManifest diff:\n{manifest}"
        ))
    }

    async fn rollback(&self, id: u64, key: ReleaseKey, revision: i64) {
        let options = RollbackOptions {
            revision,
            max_history: default_history_max(None),
            wait: WaitStrategy::Watcher,
            timeout: self.timeout,
            ..RollbackOptions::default()
        };
        let progress = OpProgress {
            id,
            tx: self.tx.clone(),
        };
        let res = self
            .session_in(&key.namespace)
            .rollback(&key.name, &options, &progress)
            .await
            .map(|_| format!("rolled back {} to revision {revision}", key.name))
            .map_err(|e| e.to_string());
        self.send(Msg::Done(id, res));
    }

    async fn uninstall(&self, id: u64, key: ReleaseKey, keep_history: bool) {
        let options = UninstallOptions {
            keep_history,
            wait: WaitStrategy::Watcher,
            timeout: self.timeout,
            ..UninstallOptions::default()
        };
        let progress = OpProgress {
            id,
            tx: self.tx.clone(),
        };
        let res = self
            .session_in(&key.namespace)
            .uninstall(
                std::slice::from_ref(&key.name),
                &options,
                &progress,
                || true,
                |_, _| {},
            )
            .await
            .map(|()| format!("release {:?} uninstalled", key.name))
            .map_err(|e| e.to_string());
        self.send(Msg::Done(id, res));
    }

    async fn recover(&self, id: u64, key: ReleaseKey, rollback: bool) {
        let options = RecoverOptions {
            rollback,
            rollback_options: RollbackOptions {
                max_history: default_history_max(None),
                ..RollbackOptions::default()
            },
            // The grace the UI judges stuck releases by (`--grace`).
            grace: self.session.grace(),
            ..RecoverOptions::default()
        };
        let progress = OpProgress {
            id,
            tx: self.tx.clone(),
        };
        let res = self
            .session_in(&key.namespace)
            .recover(&key.name, &options, &progress)
            .await
            // The report explains, then says what was done: the outcome
            // is its last line.
            .map(|out| {
                let done = out.report.last().cloned().unwrap_or_default();
                format!("recovered {}: {done}", key.name)
            })
            .map_err(|e| e.to_string());
        self.send(Msg::Done(id, res));
    }

    async fn versions(&self, key: &ReleaseKey, chart: &str) -> Result<Versions, String> {
        let sources = self
            .sources
            .clone()
            .ok_or("no chart repository or OCI source is configured")?;
        let version = self
            .session_in(&key.namespace)
            .get(&key.name, 0)
            .await
            .map_err(|e| e.to_string())?
            .record
            .release
            .chart
            .and_then(|c| c.metadata)
            .map(|m| m.version)
            .unwrap_or_default();
        let installed = InstalledChart {
            release: key.name.clone(),
            namespace: key.namespace.clone(),
            revision: 0,
            chart: chart.to_string(),
            version,
            home: String::new(),
            sources: Vec::new(),
        };
        let found = source::available_versions(&sources, installed)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Versions {
            source: found.source,
            reference: found.reference,
            versions: found.versions,
        })
    }

    fn upgrade_options(&self, req: &UpgradeRequest) -> UpgradeOptions {
        let mut options = UpgradeOptions {
            reuse_values: req.reuse_values,
            max_history: default_history_max(None),
            ..UpgradeOptions::default()
        };
        options.deploy.namespace = req.key.namespace.clone();
        options.deploy.compat = self.session.compat();
        options.deploy.wait = WaitStrategy::Watcher;
        options.deploy.timeout = self.timeout;
        options
    }

    fn source_request(req: &UpgradeRequest) -> SourceUpgrade {
        SourceUpgrade {
            chart: req.chart.clone(),
            reference: req.source.clone(),
            version: req.version.clone(),
            values: req.values.clone(),
        }
    }

    async fn plan_upgrade(&self, req: &UpgradeRequest) -> Result<UpgradeDiff, String> {
        let sources = self
            .sources
            .clone()
            .ok_or("no chart repository or OCI source is configured")?;
        let session = self.session_in(&req.key.namespace);
        let plan = source::plan_upgrade(
            session.storage(),
            session.cluster(),
            &sources,
            &req.key.name,
            &Self::source_request(req),
            &self.upgrade_options(req),
            true,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok(UpgradeDiff {
            values: plan.values_diff,
            manifest: plan.manifest_diff,
        })
    }

    async fn upgrade(&self, id: u64, req: UpgradeRequest) {
        let res = async {
            let sources = self
                .sources
                .clone()
                .ok_or("no chart repository or OCI source is configured")?;
            let progress = OpProgress {
                id,
                tx: self.tx.clone(),
            };
            let session = self.session_in(&req.key.namespace);
            source::upgrade_from_source(
                session.storage(),
                session.cluster(),
                &sources,
                &req.key.name,
                &Self::source_request(&req),
                &self.upgrade_options(&req),
                &progress,
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(format!(
                "release {:?} upgraded to {}",
                req.key.name,
                req.target()
            ))
        }
        .await;
        self.send(Msg::Done(id, res));
    }
}
