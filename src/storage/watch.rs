//! A stream of changes to stored release records ([`Driver::watch`]).
//!
//! What a watcher receives is metadata only ([`RecordMeta`]: namespace,
//! key, labels, `resourceVersion`): a watcher of thousands of releases
//! never downloads record bodies, and reads the one it wants to show.
//!
//! The stream hides the transport's failures. A dropped connection is
//! resumed from the last `resourceVersion` seen (bookmarks keep it fresh
//! while nothing changes); when the server no longer has that version
//! (`410 Gone`), or an in-process watcher fell behind, the records are
//! listed again and the difference from what the watcher was last told is
//! sent as ordinary events, deletions included, followed by
//! [`RecordEvent::Synced`]. So a consumer that applies every event to a map
//! always ends up with the store's final state, whatever happened on the
//! wire; it may see a record's intermediate states skipped, never its last
//! one.
//!
//! [`Driver::watch`]: super::Driver::watch

use std::collections::BTreeMap;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::channel::mpsc;

use super::driver::{RecordMeta, Scope};
use super::error::StorageError;

/// One change to the set of stored records.
///
/// Designed to be applied to a map keyed by `(namespace, key)`: `Added`
/// and `Modified` insert or replace, `Deleted` removes. A TUI or an SSE
/// server can forward them as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordEvent {
    /// A record appeared (or was found by a re-list and was not known).
    Added(RecordMeta),
    /// A record changed (its labels, hence possibly its status, and its
    /// `resourceVersion`).
    Modified(RecordMeta),
    /// A record went away. The metadata is the last state the store had
    /// (or, after a re-list, the last state the watcher was told).
    Deleted(RecordMeta),
    /// The watcher's view equals the store as of `resource_version`: sent
    /// once after the initial listing, and again after every re-list,
    /// behind the events that brought the view up to date. A UI can show
    /// "loading" until the first one.
    Synced {
        /// The collection's `resourceVersion` of the listing, if the
        /// backend has one (a later [`Resume::resource_version`]).
        resource_version: Option<String>,
    },
}

impl RecordEvent {
    /// The record the event is about (`None` for [`RecordEvent::Synced`]).
    pub fn meta(&self) -> Option<&RecordMeta> {
        match self {
            RecordEvent::Added(m) | RecordEvent::Modified(m) | RecordEvent::Deleted(m) => Some(m),
            RecordEvent::Synced { .. } => None,
        }
    }
}

/// Where a watch starts when the caller already knows some state (for
/// example, a UI reconnecting after a restart).
#[derive(Clone, Debug, Default)]
pub struct Resume {
    /// The `resourceVersion` the caller's view is at.
    pub resource_version: String,
    /// The records the caller knows. If the version has expired, the
    /// re-list is compared with these, so records deleted meanwhile are
    /// reported as [`RecordEvent::Deleted`].
    pub known: Vec<RecordMeta>,
}

/// What to watch.
#[derive(Clone, Debug, Default)]
pub struct WatchOptions {
    /// One namespace, or every namespace with `None`.
    pub namespace: Option<String>,
    /// Label equalities on top of `owner=helm` (as for
    /// [`Driver::list_meta`](super::Driver::list_meta)).
    pub labels: Vec<(String, String)>,
    /// Start from a known state instead of listing first (then no
    /// [`RecordEvent::Added`] is sent for the records already known).
    pub resume: Option<Resume>,
}

impl WatchOptions {
    /// A watch of `scope` with no extra labels.
    pub fn new(scope: Scope<'_>) -> WatchOptions {
        WatchOptions {
            namespace: match scope {
                Scope::Namespace(ns) => Some(ns.to_string()),
                Scope::All => None,
            },
            ..Default::default()
        }
    }

    /// The scope as the drivers' listings take it.
    pub fn scope(&self) -> Scope<'_> {
        match &self.namespace {
            Some(ns) => Scope::Namespace(ns),
            None => Scope::All,
        }
    }

    /// The labels as the drivers' listings take them.
    pub fn label_pairs(&self) -> Vec<(&str, &str)> {
        self.labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// The stream [`Driver::watch`](super::Driver::watch) returns.
///
/// It ends only after a failure that retrying cannot cure (for example, the
/// user may not watch records: `403`), which is its last item. Dropping it
/// stops the watch.
pub struct RecordWatch {
    rx: mpsc::Receiver<Result<RecordEvent, StorageError>>,
    task: tokio::task::AbortHandle,
}

/// The sending half a watch task writes to.
pub(crate) type Sink = mpsc::Sender<Result<RecordEvent, StorageError>>;

/// How many events may wait for a slow consumer before the producer waits
/// (a bounded queue, so a stalled consumer cannot grow memory).
const QUEUE: usize = 256;

impl RecordWatch {
    /// Runs `producer` on the current Tokio runtime, feeding the stream.
    pub(crate) fn spawn<F, Fut>(producer: F) -> RecordWatch
    where
        F: FnOnce(Sink) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(QUEUE);
        let task = tokio::spawn(producer(tx)).abort_handle();
        RecordWatch { rx, task }
    }
}

impl Stream for RecordWatch {
    type Item = Result<RecordEvent, StorageError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.rx).poll_next(cx)
    }
}

impl Drop for RecordWatch {
    fn drop(&mut self) {
        // The producer may be parked on a long-poll that has nothing to
        // send; stop it now rather than at its next event.
        self.task.abort();
    }
}

impl std::fmt::Debug for RecordWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordWatch").finish_non_exhaustive()
    }
}

/// What the watcher has been told so far, by `(namespace, key)`.
#[derive(Debug, Default)]
pub(crate) struct View {
    records: BTreeMap<(String, String), RecordMeta>,
}

fn id(m: &RecordMeta) -> (String, String) {
    (m.namespace.clone(), m.key.clone())
}

impl View {
    /// A view holding `known`.
    pub(crate) fn new(known: Vec<RecordMeta>) -> View {
        View {
            records: known.into_iter().map(|m| (id(&m), m)).collect(),
        }
    }

    /// Records a live event; returns the event to send, if any. An
    /// `Added` for a record already known (a replay after a resume) is
    /// sent as `Modified`, and only if it changed; a `Deleted` for an
    /// unknown record is dropped.
    pub(crate) fn apply(&mut self, ev: RecordEvent) -> Option<RecordEvent> {
        match ev {
            RecordEvent::Added(m) | RecordEvent::Modified(m) => {
                match self.records.insert(id(&m), m.clone()) {
                    None => Some(RecordEvent::Added(m)),
                    Some(old) if old == m => None,
                    Some(_) => Some(RecordEvent::Modified(m)),
                }
            }
            RecordEvent::Deleted(m) => self
                .records
                .remove(&id(&m))
                .map(|_| RecordEvent::Deleted(m)),
            s @ RecordEvent::Synced { .. } => Some(s),
        }
    }

    /// Replaces the view with a fresh listing; returns the events that
    /// turn the old view into the new one (deletions first), then
    /// [`RecordEvent::Synced`].
    pub(crate) fn resync(
        &mut self,
        fresh: Vec<RecordMeta>,
        resource_version: Option<String>,
    ) -> Vec<RecordEvent> {
        let mut fresh: BTreeMap<(String, String), RecordMeta> =
            fresh.into_iter().map(|m| (id(&m), m)).collect();
        let mut out = Vec::new();
        for (k, old) in &self.records {
            if !fresh.contains_key(k) {
                out.push(RecordEvent::Deleted(old.clone()));
            }
        }
        for (k, new) in &fresh {
            match self.records.get(k) {
                None => out.push(RecordEvent::Added(new.clone())),
                Some(old) if old != new => out.push(RecordEvent::Modified(new.clone())),
                Some(_) => {}
            }
        }
        std::mem::swap(&mut self.records, &mut fresh);
        out.push(RecordEvent::Synced { resource_version });
        out
    }
}

/// Sends `ev`; false when the consumer has gone (the producer stops).
pub(crate) async fn send(tx: &mut Sink, ev: Result<RecordEvent, StorageError>) -> bool {
    use futures::SinkExt as _;
    tx.send(ev).await.is_ok()
}

/// True if a record's labels match the watch's selector (`owner=helm` plus
/// the equalities), for backends that filter themselves.
pub(crate) fn selected(opts: &WatchOptions, m: &RecordMeta) -> bool {
    opts.namespace.as_ref().is_none_or(|ns| *ns == m.namespace)
        && m.labels.get("owner").map(String::as_str) == Some("helm")
        && opts.labels.iter().all(|(k, v)| m.labels.get(k) == Some(v))
}
