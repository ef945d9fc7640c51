//! The release watch: a release-level stream of changes, for `rudder
//! watch`, a TUI, or any long-running front end.
//!
//! Built on the metadata-only record watch ([`Driver::watch`]): the
//! records' labels say which revision is newest and its status, so the
//! watch keeps only record metadata per release and reads a record body
//! (one GET) only when a release's newest revision or its status changed,
//! to report the chart, app version, time and description. It lists once
//! (through the record watch) and then only watches: nothing polls the API
//! server. Stuck releases are noticed by a timer that is armed only while
//! some release's newest revision is transitional.
//!
//! Because the record watch never loses a record's final state (it resumes
//! after dropped connections and re-lists after `410 Gone`), neither does
//! this stream: a consumer that applies every event to a map keyed by
//! namespace and name ends up with the store's final state. Intermediate
//! states may be skipped after a re-list; a final state is never reported
//! twice.
//!
//! [`Driver::watch`]: crate::storage::Driver::watch

mod run;
mod tracker;

#[cfg(test)]
mod tests;

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::channel::mpsc;

use crate::action::ActionError;
use crate::action::stuck::StuckNotice;
use crate::release::{GoTime, Release, Status};

pub use run::{WatchPlan, run};

/// What the watch shows of a release: its newest revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseSummary {
    /// The release namespace.
    pub namespace: String,
    /// The release name.
    pub name: String,
    /// The newest revision.
    pub revision: i64,
    /// Its status. Taken from the record's `status` label at the change
    /// reported, so it always agrees with the event (the record body, read
    /// a moment later, may already be further along).
    pub status: Status,
    /// The chart's name (empty when the record has no chart metadata or
    /// could not be read).
    pub chart: String,
    /// The chart's version (empty likewise).
    pub chart_version: String,
    /// The chart's appVersion (empty likewise).
    pub app_version: String,
    /// When the revision was deployed (`info.last_deployed`).
    pub updated: Option<GoTime>,
    /// The revision's description (`Install complete`, `Upgrade "x"
    /// failed: ...`).
    pub description: String,
}

impl ReleaseSummary {
    /// The summary of a decoded revision, with `status` as the status
    /// label had it.
    pub fn from_release(release: &Release, status: Status) -> ReleaseSummary {
        let meta = release.chart.as_ref().and_then(|c| c.metadata.as_ref());
        ReleaseSummary {
            namespace: release.namespace.clone(),
            name: release.name.clone(),
            revision: release.version,
            status,
            chart: meta.map(|m| m.name.clone()).unwrap_or_default(),
            chart_version: meta.map(|m| m.version.clone()).unwrap_or_default(),
            app_version: meta.map(|m| m.app_version.clone()).unwrap_or_default(),
            updated: release.info.last_deployed,
            description: release.info.description.clone(),
        }
    }

    /// The CHART column of `helm list`: `name-version`, or `MISSING`
    /// without chart metadata.
    pub fn chart_label(&self) -> String {
        if self.chart.is_empty() {
            "MISSING".to_string()
        } else {
            format!("{}-{}", self.chart, self.chart_version)
        }
    }
}

/// One change to the watched releases.
///
/// Every variant but [`ReleaseEvent::Synced`] carries the release's full
/// summary after the change, so a consumer can replace its row with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseEvent {
    /// A release the watch did not know: one per release in the initial
    /// snapshot (before the first [`ReleaseEvent::Synced`]), and later a
    /// new install.
    Added(ReleaseSummary),
    /// The release's newest revision changed (an upgrade, a rollback, an
    /// install over an uninstalled release: usually a higher revision;
    /// lower only when the newest record was deleted by hand).
    NewRevision(ReleaseSummary),
    /// The newest revision's status changed (`pending-upgrade` →
    /// `deployed`, `deployed` → `uninstalling`, ...), other than to
    /// `uninstalled`.
    StatusChanged {
        /// The status before.
        from: Status,
        /// The release after.
        release: ReleaseSummary,
    },
    /// The release was uninstalled with its history kept (its newest
    /// revision is now `uninstalled`).
    Uninstalled(ReleaseSummary),
    /// Every record of the release is gone (uninstalled without
    /// `--keep-history`); the summary is the last one reported.
    Deleted(ReleaseSummary),
    /// The newest revision has stayed transitional past the grace with
    /// nobody holding its lock: the operation that wrote it is presumed
    /// dead. Sent once per revision and status.
    Stuck {
        /// The release as last reported.
        release: ReleaseSummary,
        /// Why it looks stuck.
        notice: StuckNotice,
    },
    /// The events so far describe every watched release as of now: sent
    /// once after the initial snapshot, and again after a re-list (the
    /// events before it having brought the view up to date).
    Synced,
}

impl ReleaseEvent {
    /// The release the event is about (`None` for
    /// [`ReleaseEvent::Synced`]).
    pub fn summary(&self) -> Option<&ReleaseSummary> {
        match self {
            ReleaseEvent::Added(s)
            | ReleaseEvent::NewRevision(s)
            | ReleaseEvent::Uninstalled(s)
            | ReleaseEvent::Deleted(s)
            | ReleaseEvent::StatusChanged { release: s, .. }
            | ReleaseEvent::Stuck { release: s, .. } => Some(s),
            ReleaseEvent::Synced => None,
        }
    }

    /// A short name for the kind of event (`added`, `new-revision`,
    /// `status-changed`, `uninstalled`, `deleted`, `stuck`, `synced`), as
    /// `rudder watch` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            ReleaseEvent::Added(_) => "added",
            ReleaseEvent::NewRevision(_) => "new-revision",
            ReleaseEvent::StatusChanged { .. } => "status-changed",
            ReleaseEvent::Uninstalled(_) => "uninstalled",
            ReleaseEvent::Deleted(_) => "deleted",
            ReleaseEvent::Stuck { .. } => "stuck",
            ReleaseEvent::Synced => "synced",
        }
    }
}

/// Which releases to watch.
#[derive(Clone, Debug, Default)]
pub struct WatchFilter {
    /// Every namespace (`-A`); otherwise the storage's namespace.
    pub all_namespaces: bool,
    /// A label selector over the record's labels, as `list -l` (equalities
    /// are passed to the API server; other requirements are checked here).
    pub selector: Option<String>,
    /// A regular expression the release name must match, anywhere (as
    /// `list -f`).
    pub name: Option<String>,
}

/// The stream of [`ReleaseEvent`]s.
///
/// It ends only after a failure that retrying cannot cure (for example,
/// the user may not watch records), which is its last item. Dropping it
/// stops the watch and everything it started.
pub struct ReleaseWatch {
    rx: mpsc::Receiver<Result<ReleaseEvent, ActionError>>,
    task: tokio::task::AbortHandle,
}

/// The sending half the watch task writes to.
pub type EventSink = mpsc::Sender<Result<ReleaseEvent, ActionError>>;

/// How many events may wait for a slow consumer before the watch waits.
const QUEUE: usize = 256;

impl ReleaseWatch {
    /// Runs `producer` (typically [`run`] over an owned session) on the
    /// current Tokio runtime, feeding the stream.
    pub fn spawn<F, Fut>(producer: F) -> ReleaseWatch
    where
        F: FnOnce(EventSink) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(producer(tx)).abort_handle();
        ReleaseWatch { rx, task }
    }
}

impl Stream for ReleaseWatch {
    type Item = Result<ReleaseEvent, ActionError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}

impl Drop for ReleaseWatch {
    fn drop(&mut self) {
        // The task may be parked on the record watch with nothing to send;
        // stop it (and the record watch it owns) now.
        self.task.abort();
    }
}

impl std::fmt::Debug for ReleaseWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseWatch").finish_non_exhaustive()
    }
}
