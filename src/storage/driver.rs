//! The narrow interface every storage backend implements (Helm's
//! `driver.Driver`), plus the record types it deals in.

use std::future::Future;

use super::error::StorageError;
use super::labels::Labels;
use super::watch::{RecordWatch, WatchOptions};
use crate::release::Release;
use crate::release::codec::DecodeError;
use crate::release::name::parse_storage_key;

/// Which namespaces a listing covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// One namespace.
    Namespace(&'a str),
    /// Every namespace (`-A`).
    All,
}

/// What a metadata-only listing knows about one stored record: enough to
/// pick the newest revision of each release without downloading bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordMeta {
    /// The namespace the object lives in.
    pub namespace: String,
    /// The object name (storage key).
    pub key: String,
    /// Every label on the object.
    pub labels: Labels,
    /// The object's `resourceVersion`, for conditional writes.
    pub resource_version: Option<String>,
}

impl RecordMeta {
    /// The release name by the `name` label, else by the key.
    pub fn release_name(&self) -> Option<&str> {
        self.labels
            .get("name")
            .map(String::as_str)
            .or_else(|| parse_storage_key(&self.key).map(|(n, _)| n))
    }

    /// The revision by the `version` label, else by the key.
    pub fn revision(&self) -> Option<i64> {
        self.labels
            .get("version")
            .and_then(|v| v.parse().ok())
            .or_else(|| parse_storage_key(&self.key).map(|(_, r)| r))
    }
}

/// A metadata-only listing.
#[derive(Clone, Debug, Default)]
pub struct MetaListing {
    /// The records' metadata.
    pub items: Vec<RecordMeta>,
    /// The version of the collection the listing saw, if the backend has
    /// one (the list's `resourceVersion`).
    pub resource_version: Option<String>,
}

/// A decoded record with its object metadata.
#[derive(Clone, Debug)]
pub struct Record {
    /// Object metadata (labels hold the system labels too).
    pub meta: RecordMeta,
    /// The decoded release. Its `labels` are the custom labels only.
    pub release: Release,
}

/// A record that could not be decoded.
#[derive(Debug)]
pub struct CorruptRecord {
    /// Namespace of the object.
    pub namespace: String,
    /// Storage key.
    pub key: String,
    /// Why it could not be decoded.
    pub error: DecodeError,
}

/// The result of a listing: what could be read, and what could not.
#[derive(Debug)]
pub struct Listing<T> {
    /// The items read.
    pub items: Vec<T>,
    /// Records that exist but are unreadable (listings with bodies only).
    pub corrupt: Vec<CorruptRecord>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            items: Vec::new(),
            corrupt: Vec::new(),
        }
    }
}

/// A storage backend for release records.
///
/// Implementations map their failures onto [`StorageError`]; "not found"
/// and "already exists" must use the dedicated variants.
pub trait Driver: Send + Sync {
    /// Helm's name for the driver (`Secret`, `ConfigMap`, `Memory`, `SQL`).
    fn name(&self) -> &'static str;

    /// Metadata of every record labelled `owner=helm` plus `labels`, in
    /// `scope`, without record bodies. Paginated by the implementation.
    fn list_meta(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> impl Future<Output = Result<MetaListing, StorageError>> + Send;

    /// Every record labelled `owner=helm` plus `labels`, decoded. Records
    /// that fail to decode are returned in [`Listing::corrupt`], not as an
    /// error (Helm skips them).
    fn query(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> impl Future<Output = Result<Listing<Record>, StorageError>> + Send;

    /// As [`Driver::query`], but hands the decoded records to `each` as
    /// they arrive instead of collecting them, so a caller that keeps only
    /// some of them (the newest revision of each release) holds one page
    /// at a time, not the whole store. Returns the unreadable records.
    /// Defaults to [`Driver::query`] followed by the calls.
    fn query_each(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
        each: &mut (dyn FnMut(Record) + Send),
    ) -> impl Future<Output = Result<Vec<CorruptRecord>, StorageError>> + Send {
        async move {
            let listing = self.query(scope, labels).await?;
            for r in listing.items {
                each(r);
            }
            Ok(listing.corrupt)
        }
    }

    /// One record by key, at least as new as a listing that returned
    /// `resource_version` (so a backend may answer from a cache that is
    /// that fresh instead of from its primary store). Defaults to [`get`].
    ///
    /// [`get`]: Driver::get
    fn get_since(
        &self,
        namespace: &str,
        key: &str,
        resource_version: &str,
    ) -> impl Future<Output = Result<Record, StorageError>> + Send {
        let _ = resource_version;
        self.get(namespace, key)
    }

    /// One record by key. A record that exists but does not decode is
    /// [`StorageError::Corrupt`].
    fn get(
        &self,
        namespace: &str,
        key: &str,
    ) -> impl Future<Output = Result<Record, StorageError>> + Send;

    /// Creates a record; fails with [`StorageError::AlreadyExists`] if the
    /// key is taken (create-only: this is what makes a revision number a
    /// lock).
    fn create(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
    ) -> impl Future<Output = Result<RecordMeta, StorageError>> + Send;

    /// Replaces a record. With `resource_version`, only if the stored object
    /// is still at that version ([`StorageError::Conflict`] otherwise).
    fn update(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
        resource_version: Option<&str>,
    ) -> impl Future<Output = Result<RecordMeta, StorageError>> + Send;

    /// The namespaces that exist, as far as this driver can tell (used to
    /// list namespace by namespace when a cluster-wide listing is
    /// forbidden).
    fn namespaces(&self) -> impl Future<Output = Result<Vec<String>, StorageError>> + Send;

    /// Deletes a record, with the same precondition rule as `update`.
    fn delete(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A stream of changes to the records labelled `owner=helm` plus
    /// `opts.labels` in `opts`' scope, metadata only (see
    /// [`super::watch`]): without [`WatchOptions::resume`], first one
    /// [`Added`](super::RecordEvent::Added) per existing record and a
    /// [`Synced`](super::RecordEvent::Synced), then every change as it
    /// happens. It survives disconnects and expired versions without
    /// losing any record's final state. Must be called within a Tokio
    /// runtime (the watch runs as a task, stopped when the stream is
    /// dropped).
    fn watch(&self, opts: WatchOptions) -> RecordWatch;
}

/// The labels Helm writes on a record: the custom labels, then the system
/// labels computed from the release. `created_at` / `modified_at` are Unix
/// seconds; pass the one the write sets.
pub fn record_labels(
    release: &Release,
    created_at: Option<i64>,
    modified_at: Option<i64>,
) -> Labels {
    let mut labels = release.labels.clone();
    if let Some(t) = created_at {
        labels.insert("createdAt".into(), t.to_string());
    }
    if let Some(t) = modified_at {
        labels.insert("modifiedAt".into(), t.to_string());
    }
    labels.insert("name".into(), release.name.clone());
    labels.insert("owner".into(), "helm".into());
    labels.insert("status".into(), release.info.status.as_str().to_string());
    labels.insert("version".into(), release.version.to_string());
    labels
}
