//! An in-memory driver, for tests and for embedding without a cluster.
//!
//! Records are kept encoded, exactly as the Kubernetes drivers store them,
//! so the codec (and its failure modes) is exercised the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::broadcast;

use super::driver::{CorruptRecord, Driver, Listing, MetaListing, Record, RecordMeta, Scope};
use super::error::StorageError;
use super::labels::{Labels, custom_labels};
use super::watch::{self, RecordEvent, RecordWatch, View, WatchOptions};
use crate::release::Release;
use crate::release::codec;

#[derive(Clone, Debug)]
struct Stored {
    labels: Labels,
    text: String,
    resource_version: u64,
}

#[derive(Default)]
struct State {
    records: BTreeMap<(String, String), Stored>,
    next_version: u64,
    forbidden: BTreeSet<String>,
}

/// How many changes an in-process watcher may fall behind before it has
/// to re-read the store (see [`MemoryDriver::with_event_buffer`]).
const EVENT_BUFFER: usize = 1024;

/// Records held in process memory. Clones share the records and their
/// watchers (as clones of a Kubernetes driver share the API server), so a
/// front end can hold one store per namespace.
#[derive(Clone)]
pub struct MemoryDriver {
    state: Arc<Mutex<State>>,
    /// Every change, tagged with the store version it produced, for
    /// watchers in this process.
    events: broadcast::Sender<(u64, RecordEvent)>,
}

impl Default for MemoryDriver {
    fn default() -> MemoryDriver {
        MemoryDriver::with_event_buffer(EVENT_BUFFER)
    }
}

impl MemoryDriver {
    /// An empty store.
    pub fn new() -> MemoryDriver {
        MemoryDriver::default()
    }

    /// An empty store whose watchers may fall at most `changes` changes
    /// behind before they re-read the whole store (as a Kubernetes
    /// watcher does after `410 Gone`). Small values let tests exercise
    /// that path.
    pub fn with_event_buffer(changes: usize) -> MemoryDriver {
        MemoryDriver {
            state: Arc::default(),
            events: broadcast::channel(changes.max(1)).0,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Tells watchers about a change; called with the state locked, so
    /// changes are announced in the order they happened.
    fn announce(&self, version: u64, ev: RecordEvent) {
        // No receiver is not an error: nobody is watching.
        let _ = self.events.send((version, ev));
    }

    /// Stores raw record text (possibly corrupt) under `key`, for tests of
    /// what readers do with damaged records.
    pub fn put_raw(&self, namespace: &str, key: &str, labels: Labels, text: &str) {
        let mut st = self.lock();
        st.next_version += 1;
        let rv = st.next_version;
        let stored = Stored {
            labels,
            text: text.to_string(),
            resource_version: rv,
        };
        let m = meta(namespace, key, &stored);
        let old = st
            .records
            .insert((namespace.to_string(), key.to_string()), stored);
        self.announce(
            rv,
            match old {
                Some(_) => RecordEvent::Modified(m),
                None => RecordEvent::Added(m),
            },
        );
    }

    /// Makes every request that touches `namespace` fail as forbidden, as
    /// the API server does for a user without RBAC there.
    pub fn forbid_namespace(&self, namespace: &str) {
        self.lock().forbidden.insert(namespace.to_string());
    }

    fn check(st: &State, scope: Scope<'_>, verb: &str) -> Result<(), StorageError> {
        let denied = match scope {
            Scope::Namespace(ns) => st
                .forbidden
                .contains(ns)
                .then(|| format!("in the namespace \"{ns}\"")),
            Scope::All => (!st.forbidden.is_empty()).then(|| "at the cluster scope".to_string()),
        };
        match denied {
            Some(where_) => Err(StorageError::Backend {
                context: format!("{verb}: failed to {verb}"),
                message: format!("releases is forbidden: cannot {verb} {where_}"),
                code: Some(403),
            }),
            None => Ok(()),
        }
    }

    fn selected<'a>(
        st: &'a State,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> impl Iterator<Item = (&'a (String, String), &'a Stored)> {
        let wanted: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let ns = match scope {
            Scope::Namespace(ns) => Some(ns.to_string()),
            Scope::All => None,
        };
        st.records.iter().filter(move |((n, _), s)| {
            ns.as_ref().is_none_or(|want| want == n)
                && s.labels.get("owner").map(String::as_str) == Some("helm")
                && wanted.iter().all(|(k, v)| s.labels.get(k) == Some(v))
        })
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panic while holding the lock leaves plain data behind; keep going
    // rather than poisoning every later test.
    state.lock().unwrap_or_else(|p| p.into_inner())
}

/// The records a watch selects, and the store version they are at.
fn snapshot(state: &Mutex<State>, opts: &WatchOptions) -> (u64, Vec<RecordMeta>) {
    let st = lock(state);
    let items = st
        .records
        .iter()
        .map(|((n, k), s)| meta(n, k, s))
        .filter(|m| watch::selected(opts, m))
        .collect();
    (st.next_version, items)
}

/// The in-process watch: replay nothing (there is no history), send the
/// difference between what the caller knows and the store, then forward
/// changes. A watcher that falls behind the broadcast buffer re-reads the
/// store, exactly as a Kubernetes watcher re-lists after `410 Gone`.
async fn run_watch(
    state: Arc<Mutex<State>>,
    mut rx: broadcast::Receiver<(u64, RecordEvent)>,
    mut opts: WatchOptions,
    mut tx: watch::Sink,
) {
    let mut view = match opts.resume.take() {
        Some(r) => View::new(r.known),
        None => View::default(),
    };
    let mut seen = 0;
    let mut resync = true;
    loop {
        if resync {
            let (version, items) = snapshot(&state, &opts);
            seen = version;
            for ev in view.resync(items, Some(version.to_string())) {
                if !watch::send(&mut tx, Ok(ev)).await {
                    return;
                }
            }
            resync = false;
        }
        match rx.recv().await {
            // Already part of the snapshot the view was synced to.
            Ok((version, _)) if version <= seen => {}
            Ok((version, ev)) => {
                seen = version;
                if ev.meta().is_some_and(|m| watch::selected(&opts, m))
                    && let Some(ev) = view.apply(ev)
                    && !watch::send(&mut tx, Ok(ev)).await
                {
                    return;
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => resync = true,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn meta(namespace: &str, key: &str, s: &Stored) -> RecordMeta {
    RecordMeta {
        namespace: namespace.to_string(),
        key: key.to_string(),
        labels: s.labels.clone(),
        resource_version: Some(s.resource_version.to_string()),
    }
}

fn decode(namespace: &str, key: &str, s: &Stored) -> Result<Record, CorruptRecord> {
    match codec::decode(s.text.as_bytes()) {
        Ok(mut release) => {
            release.labels = custom_labels(&s.labels);
            Ok(Record {
                meta: meta(namespace, key, s),
                release,
            })
        }
        Err(error) => Err(CorruptRecord {
            namespace: namespace.to_string(),
            key: key.to_string(),
            error,
        }),
    }
}

fn precondition(key: &str, s: &Stored, rv: Option<&str>) -> Result<(), StorageError> {
    match rv {
        Some(rv) if rv != s.resource_version.to_string() => Err(StorageError::Conflict {
            key: key.to_string(),
        }),
        _ => Ok(()),
    }
}

impl Driver for MemoryDriver {
    fn name(&self) -> &'static str {
        "Memory"
    }

    fn watch(&self, opts: WatchOptions) -> RecordWatch {
        // Subscribe before the task takes its snapshot, so no change falls
        // between the two.
        let rx = self.events.subscribe();
        let state = Arc::clone(&self.state);
        RecordWatch::spawn(move |tx| run_watch(state, rx, opts, tx))
    }

    async fn list_meta(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<MetaListing, StorageError> {
        let st = self.lock();
        Self::check(&st, scope, "list")?;
        Ok(MetaListing {
            items: Self::selected(&st, scope, labels)
                .map(|((n, k), s)| meta(n, k, s))
                .collect(),
            resource_version: Some(st.next_version.to_string()),
        })
    }

    async fn query(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<Listing<Record>, StorageError> {
        let st = self.lock();
        Self::check(&st, scope, "list")?;
        let mut out = Listing::default();
        for ((n, k), s) in Self::selected(&st, scope, labels) {
            match decode(n, k, s) {
                Ok(r) => out.items.push(r),
                Err(c) => out.corrupt.push(c),
            }
        }
        Ok(out)
    }

    async fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        let st = self.lock();
        let mut all: BTreeSet<String> = st.records.keys().map(|(n, _)| n.clone()).collect();
        all.extend(st.forbidden.iter().cloned());
        Ok(all.into_iter().collect())
    }

    async fn get(&self, namespace: &str, key: &str) -> Result<Record, StorageError> {
        let st = self.lock();
        Self::check(&st, Scope::Namespace(namespace), "get")?;
        let s = st
            .records
            .get(&(namespace.to_string(), key.to_string()))
            .ok_or(StorageError::NotFound)?;
        decode(namespace, key, s).map_err(|c| StorageError::Corrupt {
            namespace: c.namespace,
            key: c.key,
            source: c.error,
        })
    }

    async fn create(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
    ) -> Result<RecordMeta, StorageError> {
        let text = codec::encode(release).map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let mut st = self.lock();
        Self::check(&st, Scope::Namespace(namespace), "create")?;
        let id = (namespace.to_string(), key.to_string());
        if st.records.contains_key(&id) {
            return Err(StorageError::AlreadyExists);
        }
        st.next_version += 1;
        let stored = Stored {
            labels: super::driver::record_labels(release, Some(now_unix()), None),
            text,
            resource_version: st.next_version,
        };
        let m = meta(namespace, key, &stored);
        st.records.insert(id, stored);
        self.announce(st.next_version, RecordEvent::Added(m.clone()));
        Ok(m)
    }

    async fn update(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
        resource_version: Option<&str>,
    ) -> Result<RecordMeta, StorageError> {
        let text = codec::encode(release).map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let mut st = self.lock();
        Self::check(&st, Scope::Namespace(namespace), "update")?;
        st.next_version += 1;
        let rv = st.next_version;
        let id = (namespace.to_string(), key.to_string());
        let slot = st.records.get_mut(&id).ok_or(StorageError::NotFound)?;
        precondition(key, slot, resource_version)?;
        let created = slot.labels.get("createdAt").and_then(|v| v.parse().ok());
        *slot = Stored {
            labels: super::driver::record_labels(release, created, Some(now_unix())),
            text,
            resource_version: rv,
        };
        let m = meta(namespace, key, slot);
        self.announce(rv, RecordEvent::Modified(m.clone()));
        Ok(m)
    }

    async fn delete(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
    ) -> Result<(), StorageError> {
        let mut st = self.lock();
        Self::check(&st, Scope::Namespace(namespace), "delete")?;
        let id = (namespace.to_string(), key.to_string());
        let s = st.records.get(&id).ok_or(StorageError::NotFound)?;
        precondition(key, s, resource_version)?;
        let m = meta(namespace, key, s);
        st.records.remove(&id);
        // A deletion is a change too: it gets its own store version.
        st.next_version += 1;
        let version = st.next_version;
        self.announce(version, RecordEvent::Deleted(m));
        Ok(())
    }
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}
