//! What the action unit tests read back from the in-memory store.

use crate::storage::memory::MemoryDriver;
use crate::storage::{Driver, Scope, Storage};

/// Release `name`'s revisions in `ns`, as (revision, status,
/// description), oldest first.
pub(super) async fn revisions(
    storage: &Storage<MemoryDriver>,
    ns: &str,
    name: &str,
) -> Vec<(i64, String, String)> {
    let mut out: Vec<(i64, String, String)> = storage
        .driver()
        .query(Scope::Namespace(ns), &[("name", name)])
        .await
        .expect("query")
        .items
        .into_iter()
        .map(|r| {
            (
                r.release.version,
                r.release.info.status.to_string(),
                r.release.info.description,
            )
        })
        .collect();
    out.sort();
    out
}

/// Every record's key and `resourceVersion`, to check that nothing was
/// written.
pub(super) async fn snapshot(storage: &Storage<MemoryDriver>) -> Vec<(String, Option<String>)> {
    let listing = storage
        .driver()
        .list_meta(Scope::All, &[])
        .await
        .expect("list");
    let mut out: Vec<_> = listing
        .items
        .into_iter()
        .map(|m| (m.key, m.resource_version))
        .collect();
    out.sort();
    out
}
