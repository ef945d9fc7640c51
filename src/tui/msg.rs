//! What happens to the UI ([`Msg`]) and what the UI asks to be done
//! ([`Command`]). Background tasks turn commands into messages; the only
//! way state changes is `update` applying a message.

use std::time::Instant;

use crossterm::event::{KeyEvent, MouseEvent};
use ratatui::layout::Rect;

use super::model::{ContentView, HistoryRow, ReleaseKey, ResourceRow, Row, UpgradeDiff, Versions};
use crate::cluster::Event;

/// Something that happened: a key, a tick, or a background result.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event (with mouse capture on), with the frame's size at the
    /// time (to find what was clicked) and when it happened (to tell a
    /// double click).
    Mouse {
        /// The event.
        event: MouseEvent,
        /// The frame's area.
        size: Rect,
        /// When it happened.
        at: Instant,
    },
    /// The terminal was resized (the next frame adapts by itself).
    Resize,
    /// A second passed (expires notifications).
    Tick,
    /// The watched release's live objects changed (a burst of changes
    /// comes as one message).
    ResourcesChanged(ReleaseKey),
    /// The full set of releases (the watch's first listing, or a re-list
    /// after a lost connection).
    Releases(Vec<Row>),
    /// A release's newest revision changed or appeared.
    ReleaseChanged(Row),
    /// A release has no record any more.
    ReleaseGone(ReleaseKey),
    /// The watch failed (it retries by itself); `None` once it works again.
    WatchError(Option<String>),
    /// The newest version each release could upgrade to.
    Availability(Vec<(ReleaseKey, String)>),
    /// The record behind Info, Manifest, Values and Hooks.
    Content(ReleaseKey, Result<ContentView, String>),
    /// The History tab's revisions, oldest first.
    History(ReleaseKey, Result<Vec<HistoryRow>, String>),
    /// The Resources tab's live objects.
    Resources(ReleaseKey, Result<Vec<ResourceRow>, String>),
    /// The diff a rollback to the revision would make.
    RollbackDiff(ReleaseKey, i64, Result<String, String>),
    /// The versions an upgrade can choose from.
    Versions(ReleaseKey, Result<Versions, String>),
    /// The diffs of the planned upgrade.
    UpgradeDiff(ReleaseKey, Result<UpgradeDiff, String>),
    /// `$EDITOR` returned the edited values (or why it could not run).
    Edited(Result<String, String>),
    /// Progress of a running operation.
    Progress(u64, Event),
    /// An operation ended: what to tell the user.
    Done(u64, Result<String, String>),
}

/// Work for the runtime: background tasks, the editor, quitting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Leave the UI.
    Quit,
    /// Load a release's record and history (in parallel) for the details.
    LoadDetails(ReleaseKey),
    /// Read the release's live objects (record and objects, once).
    LoadResources(ReleaseKey),
    /// Read the release's record and live objects, then follow changes to
    /// the objects ([`Msg::ResourcesChanged`]) until unwatched; replaces
    /// any earlier subscription.
    WatchResources(ReleaseKey),
    /// Read the watched release's live objects again (its manifest as the
    /// subscription read it).
    RefreshResources(ReleaseKey),
    /// Drop the subscription to live objects.
    UnwatchResources,
    /// Compute the diff of a rollback to the revision.
    RollbackDiff(ReleaseKey, i64),
    /// Roll back to the revision.
    Rollback {
        /// The operation id.
        id: u64,
        /// The release.
        key: ReleaseKey,
        /// The revision.
        revision: i64,
    },
    /// Uninstall.
    Uninstall {
        /// The operation id.
        id: u64,
        /// The release.
        key: ReleaseKey,
        /// `--keep-history`.
        keep_history: bool,
    },
    /// Recover a stuck release.
    Recover {
        /// The operation id.
        id: u64,
        /// The release.
        key: ReleaseKey,
        /// `--rollback`.
        rollback: bool,
    },
    /// Find the versions the release's chart source offers.
    LoadVersions {
        /// The release.
        key: ReleaseKey,
        /// Its chart's name.
        chart: String,
    },
    /// Plan the upgrade and compute its diffs.
    PlanUpgrade(UpgradeRequest),
    /// Upgrade.
    Upgrade {
        /// The operation id.
        id: u64,
        /// What to do.
        request: UpgradeRequest,
    },
    /// Suspend the terminal and edit `initial` in `$EDITOR`.
    Edit(String),
}

/// An upgrade as the modal set it up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradeRequest {
    /// The release.
    pub key: ReleaseKey,
    /// The chart's name.
    pub chart: String,
    /// The chart version to go to.
    pub version: String,
    /// The chart reference to fetch it by (`repo/chart`, `oci://...`).
    pub source: String,
    /// `--reuse-values`.
    pub reuse_values: bool,
    /// Custom values (YAML).
    pub values: String,
}

impl UpgradeRequest {
    /// The chart and version gone to, as messages name them (`nginx
    /// 1.3.0`; the chart alone when no version was chosen).
    pub fn target(&self) -> String {
        if self.version.is_empty() {
            self.chart.clone()
        } else {
            format!("{} {}", self.chart, self.version)
        }
    }
}
