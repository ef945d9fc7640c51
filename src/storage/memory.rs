//! An in-memory driver, for tests and for embedding without a cluster.
//!
//! Records are kept encoded, exactly as the Kubernetes drivers store them,
//! so the codec (and its failure modes) is exercised the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use super::driver::{CorruptRecord, Driver, Listing, MetaListing, Record, RecordMeta, Scope};
use super::error::StorageError;
use super::labels::{Labels, custom_labels};
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

/// Records held in process memory.
#[derive(Default)]
pub struct MemoryDriver {
    state: Mutex<State>,
}

impl MemoryDriver {
    /// An empty store.
    pub fn new() -> MemoryDriver {
        MemoryDriver::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep
        // going rather than poisoning every later test.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores raw record text (possibly corrupt) under `key`, for tests of
    /// what readers do with damaged records.
    pub fn put_raw(&self, namespace: &str, key: &str, labels: Labels, text: &str) {
        let mut st = self.lock();
        st.next_version += 1;
        let rv = st.next_version;
        st.records.insert(
            (namespace.to_string(), key.to_string()),
            Stored {
                labels,
                text: text.to_string(),
                resource_version: rv,
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
        Ok(meta(namespace, key, slot))
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
        st.records.remove(&id);
        Ok(())
    }
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}
