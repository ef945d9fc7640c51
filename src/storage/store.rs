//! Helm's storage rules over a driver (`pkg/storage/storage.go`): history,
//! last revision, one revision; and the fast paths rudder adds.
//!
//! Helm answers "what is the newest revision of each release" by
//! downloading and decoding every revision. rudder lists metadata only,
//! picks the newest revision of each release from the `name`/`version`
//! labels, and downloads and decodes just those. Labels are hints: each
//! decoded record is checked against the labels that chose it, a record
//! that does not decode makes way for the next-newest (as Helm, which skips
//! it, would), and any disagreement falls back to Helm's full decode, so
//! the answer is always Helm's.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt};

use super::driver::{CorruptRecord, Driver, Listing, Record, RecordMeta, Scope};
use super::error::StorageError;
use crate::release::Release;
use crate::release::name::{parse_storage_key, storage_key};

/// How many records are fetched and decoded at once.
const CONCURRENCY: usize = 32;

/// Storage policy over a driver, scoped to the current namespace.
pub struct Storage<D> {
    driver: D,
    namespace: String,
}

/// A record found by looking for the newest revision, plus the newer
/// records that had to be skipped because they could not be decoded.
#[derive(Debug)]
pub struct Found {
    /// The record.
    pub record: Record,
    /// Newer records that are unreadable.
    pub skipped: Vec<CorruptRecord>,
}

/// The newest readable revision of every release in a scope.
#[derive(Debug, Default)]
pub struct Latest {
    /// One record per release (or, for [`Storage::list_latest`] with
    /// `every_superseded`, every superseded record).
    pub records: Vec<Record>,
    /// Records that could not be decoded.
    pub corrupt: Vec<CorruptRecord>,
    /// Namespaces that could not be read for lack of permission (only when
    /// listing every namespace).
    pub forbidden: Vec<String>,
}

impl<D: Driver> Storage<D> {
    /// Storage over `driver`, with `namespace` as the current namespace.
    pub fn new(driver: D, namespace: impl Into<String>) -> Storage<D> {
        Storage {
            driver,
            namespace: namespace.into(),
        }
    }

    /// The driver.
    pub fn driver(&self) -> &D {
        &self.driver
    }

    /// The current namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Every readable revision of `name` (Helm's `History`: a query by the
    /// `name` and `owner` labels), in no particular order, with the
    /// unreadable ones. [`StorageError::NotFound`] if there are no records.
    pub async fn history(&self, name: &str) -> Result<Listing<Record>, StorageError> {
        let listing = self
            .driver
            .query(Scope::Namespace(&self.namespace), &[("name", name)])
            .await?;
        if listing.items.is_empty() && listing.corrupt.is_empty() {
            return Err(StorageError::NotFound);
        }
        Ok(listing)
    }

    /// Stores a new revision with create-only semantics:
    /// [`StorageError::AlreadyExists`] means another operation stored that
    /// revision first, and nothing was written.
    pub async fn create(&self, release: &Release) -> Result<RecordMeta, StorageError> {
        self.driver
            .create(
                &self.namespace,
                &storage_key(&release.name, release.version),
                release,
            )
            .await
    }

    /// Rewrites a revision, only if it is still at `resource_version`
    /// ([`StorageError::Conflict`] otherwise).
    pub async fn update(
        &self,
        release: &Release,
        resource_version: Option<&str>,
    ) -> Result<RecordMeta, StorageError> {
        self.driver
            .update(
                &self.namespace,
                &storage_key(&release.name, release.version),
                release,
                resource_version,
            )
            .await
    }

    /// Deletes a revision, only if it is still at `resource_version`.
    pub async fn delete(
        &self,
        name: &str,
        revision: i64,
        resource_version: Option<&str>,
    ) -> Result<(), StorageError> {
        self.driver
            .delete(
                &self.namespace,
                &storage_key(name, revision),
                resource_version,
            )
            .await
    }

    /// Helm's history limit (`removeLeastRecent`): deletes the oldest
    /// revisions until at most `max` remain, never the newest `deployed`
    /// one. Returns the revisions deleted. Each delete is conditional on
    /// the record being unchanged since it was read.
    pub async fn prune(&self, name: &str, max: usize) -> Result<Vec<i64>, StorageError> {
        let history = match self.history(name).await {
            Ok(h) => h.items,
            Err(StorageError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        if history.len() <= max {
            return Ok(Vec::new());
        }
        let mut records = history;
        records.sort_by_key(|r| r.release.version);
        let last_deployed = records
            .iter()
            .filter(|r| r.release.info.status == crate::release::Status::Deployed)
            .map(|r| r.release.version)
            .max();
        let excess = records.len() - max;
        let doomed: Vec<&Record> = records
            .iter()
            .filter(|r| Some(r.release.version) != last_deployed)
            .take(excess)
            .collect();
        let mut deleted = Vec::new();
        let mut first_error = None;
        for r in doomed {
            match self
                .delete(name, r.release.version, r.meta.resource_version.as_deref())
                .await
            {
                Ok(()) | Err(StorageError::NotFound) => deleted.push(r.release.version),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(deleted),
        }
    }

    /// Every revision of `name` in status `deployed` (Helm's `DeployedAll`;
    /// after concurrent operations there can be several).
    /// [`StorageError::NoDeployed`] if there is none.
    pub async fn deployed_all(&self, name: &str) -> Result<Vec<Record>, StorageError> {
        let listing = self
            .driver
            .query(
                Scope::Namespace(&self.namespace),
                &[("name", name), ("status", "deployed")],
            )
            .await?;
        // The label chose them; the record decides.
        let deployed: Vec<Record> = listing
            .items
            .into_iter()
            .filter(|r| r.release.info.status == crate::release::Status::Deployed)
            .collect();
        if deployed.is_empty() {
            return Err(StorageError::NoDeployed(name.to_string()));
        }
        Ok(deployed)
    }

    /// The newest revision of `name` in status `deployed` (Helm's
    /// `Deployed`).
    pub async fn deployed(&self, name: &str) -> Result<Record, StorageError> {
        self.deployed_all(name)
            .await?
            .into_iter()
            .max_by_key(|r| r.release.version)
            .ok_or_else(|| StorageError::NoDeployed(name.to_string()))
    }

    /// One revision by number (Helm's `Get`).
    pub async fn get(&self, name: &str, revision: i64) -> Result<Record, StorageError> {
        self.driver
            .get(&self.namespace, &storage_key(name, revision))
            .await
    }

    /// The highest readable revision of `name`, whatever its status (Helm's
    /// `Last`), decoding only that one when the labels allow.
    pub async fn last(&self, name: &str) -> Result<Found, StorageError> {
        let listing = self
            .driver
            .list_meta(Scope::Namespace(&self.namespace), &[("name", name)])
            .await?;
        let rv = listing.resource_version;
        let metas = listing.items;
        if metas.is_empty() {
            return Err(StorageError::NotFound);
        }
        let mut candidates: Vec<(i64, RecordMeta)> = Vec::with_capacity(metas.len());
        for m in metas {
            match consistent_revision(&m) {
                Some(rev) => candidates.push((rev, m)),
                None => return self.last_by_history(name).await,
            }
        }
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        let mut skipped = Vec::new();
        for (rev, meta) in &candidates {
            match self.fetch(meta, rv.as_deref()).await {
                Ok(record) if agrees(&record, name, *rev) => return Ok(Found { record, skipped }),
                Ok(_) => return self.last_by_history(name).await,
                Err(StorageError::Corrupt {
                    namespace,
                    key,
                    source,
                }) => skipped.push(CorruptRecord {
                    namespace,
                    key,
                    error: source,
                }),
                // Deleted since it was listed: the next one is the newest now.
                Err(StorageError::NotFound) => continue,
                Err(e) => return Err(e),
            }
        }
        if skipped.is_empty() {
            // Every record went away while we looked.
            return Err(StorageError::NotFound);
        }
        // Every record is unreadable: Helm's History comes back empty.
        Err(StorageError::NoRevision(name.to_string()))
    }

    /// `Last` the way Helm computes it: decode the whole history, take the
    /// highest revision.
    async fn last_by_history(&self, name: &str) -> Result<Found, StorageError> {
        let h = self.history(name).await?;
        let skipped = h.corrupt;
        h.items
            .into_iter()
            .max_by_key(|r| r.release.version)
            .map(|record| Found { record, skipped })
            .ok_or_else(|| StorageError::NoRevision(name.to_string()))
    }

    /// The newest readable revision of every release in `scope`; with
    /// `every_superseded`, instead every revision whose status is
    /// `superseded` (what `helm list --superseded` shows).
    ///
    /// When a cluster-wide listing is forbidden, every namespace the driver
    /// can enumerate is listed on its own, and those that are forbidden too
    /// are reported in [`Latest::forbidden`] rather than failing the whole
    /// listing.
    ///
    /// With `names`, only releases whose name matches are considered: their
    /// records alone are fetched and decoded (and so only theirs can be
    /// reported unreadable).
    pub async fn list_latest(
        &self,
        scope: Scope<'_>,
        every_superseded: bool,
        names: Option<&regex::Regex>,
    ) -> Result<Latest, StorageError> {
        match self.list_latest_in(scope, every_superseded, names).await {
            Err(e) if e.is_forbidden() && scope == Scope::All => {}
            other => return other,
        }
        let namespaces = self.driver.namespaces().await?;
        let per_ns = stream::iter(namespaces)
            .map(|ns| async move {
                let r = self
                    .list_latest_in(Scope::Namespace(&ns), every_superseded, names)
                    .await;
                (ns, r)
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut out = Latest::default();
        for (ns, r) in per_ns {
            match r {
                Ok(l) => {
                    out.records.extend(l.records);
                    out.corrupt.extend(l.corrupt);
                }
                Err(e) if e.is_forbidden() => out.forbidden.push(ns),
                Err(e) => return Err(e),
            }
        }
        out.forbidden.sort();
        Ok(out)
    }

    async fn list_latest_in(
        &self,
        scope: Scope<'_>,
        every_superseded: bool,
        names: Option<&regex::Regex>,
    ) -> Result<Latest, StorageError> {
        if every_superseded {
            return self.list_latest_slow(scope, true, names).await;
        }
        let listing = self.driver.list_meta(scope, &[]).await?;
        let rv = listing.resource_version;
        let metas = listing.items;
        // Group by namespace and release name, newest revision first.
        let mut groups: BTreeMap<(String, String), Vec<(i64, RecordMeta)>> = BTreeMap::new();
        for m in metas {
            let Some(rev) = consistent_revision(&m) else {
                return self.list_latest_slow(scope, false, names).await;
            };
            let name = m.release_name().unwrap_or_default().to_string();
            if names.is_some_and(|re| !re.is_match(&name)) {
                continue;
            }
            groups
                .entry((m.namespace.clone(), name))
                .or_default()
                .push((rev, m));
        }
        for candidates in groups.values_mut() {
            candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        }
        let results = stream::iter(groups)
            .map(|((_, name), candidates)| {
                let rv = rv.as_deref();
                async move { self.newest_readable(&name, candidates, rv).await }
            })
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await;
        let mut out = Latest::default();
        for r in results {
            match r? {
                Newest::Found(record, skipped) => {
                    out.records.push(*record);
                    out.corrupt.extend(skipped);
                }
                Newest::NoneReadable(skipped) => out.corrupt.extend(skipped),
                Newest::Disagrees => return self.list_latest_slow(scope, false, names).await,
            }
        }
        Ok(out)
    }

    /// A record chosen from a listing, read at least as new as the listing.
    async fn fetch(
        &self,
        meta: &RecordMeta,
        listing_rv: Option<&str>,
    ) -> Result<Record, StorageError> {
        match listing_rv {
            Some(rv) => self.driver.get_since(&meta.namespace, &meta.key, rv).await,
            None => self.driver.get(&meta.namespace, &meta.key).await,
        }
    }

    async fn newest_readable(
        &self,
        name: &str,
        candidates: Vec<(i64, RecordMeta)>,
        listing_rv: Option<&str>,
    ) -> Result<Newest, StorageError> {
        let mut skipped = Vec::new();
        for (rev, meta) in candidates {
            match self.fetch(&meta, listing_rv).await {
                Ok(record) if agrees(&record, name, rev) => {
                    return Ok(Newest::Found(Box::new(record), skipped));
                }
                Ok(_) => return Ok(Newest::Disagrees),
                Err(StorageError::Corrupt {
                    namespace,
                    key,
                    source,
                }) => skipped.push(CorruptRecord {
                    namespace,
                    key,
                    error: source,
                }),
                Err(StorageError::NotFound) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(Newest::NoneReadable(skipped))
    }

    /// Helm's algorithm: decode everything, keep the highest revision per
    /// namespace and name from the record bodies.
    async fn list_latest_slow(
        &self,
        scope: Scope<'_>,
        every_superseded: bool,
        names: Option<&regex::Regex>,
    ) -> Result<Latest, StorageError> {
        // Records are folded in as their page is decoded, so only the
        // records kept (the newest of each release) stay in memory, never
        // the whole store.
        let mut superseded: Vec<Record> = Vec::new();
        let mut newest: BTreeMap<(String, String), Record> = BTreeMap::new();
        let mut keep = |r: Record| {
            if names.is_some_and(|re| !re.is_match(&r.release.name)) {
                return;
            }
            if every_superseded {
                if r.release.info.status == crate::release::Status::Superseded {
                    superseded.push(r);
                }
                return;
            }
            let key = (r.release.namespace.clone(), r.release.name.clone());
            match newest.get(&key) {
                Some(have) if have.release.version > r.release.version => {}
                _ => {
                    newest.insert(key, r);
                }
            }
        };
        let mut corrupt = self.driver.query_each(scope, &[], &mut keep).await?;
        if let Some(re) = names {
            corrupt.retain(|c| parse_storage_key(&c.key).is_none_or(|(name, _)| re.is_match(name)));
        }
        let records = if every_superseded {
            superseded
        } else {
            newest.into_values().collect()
        };
        Ok(Latest {
            records,
            corrupt,
            forbidden: Vec::new(),
        })
    }
}

enum Newest {
    Found(Box<Record>, Vec<CorruptRecord>),
    NoneReadable(Vec<CorruptRecord>),
    Disagrees,
}

/// The revision a record's metadata claims, if its labels and its key tell
/// the same story (name and revision both).
fn consistent_revision(m: &RecordMeta) -> Option<i64> {
    let (key_name, key_rev) = parse_storage_key(&m.key)?;
    let label_name = m.labels.get("name")?;
    let label_rev: i64 = m.labels.get("version")?.parse().ok()?;
    (label_name == key_name && label_rev == key_rev).then_some(key_rev)
}

/// True if a decoded record is what its labels said it was.
fn agrees(record: &Record, name: &str, revision: i64) -> bool {
    record.release.name == name
        && record.release.version == revision
        && (record.release.namespace.is_empty()
            || record.release.namespace == record.meta.namespace)
}
