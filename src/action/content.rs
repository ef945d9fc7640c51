//! Helm's `releaseContent`: the revision `status` and `get` show.

use crate::release::name::validate_name;
use crate::storage::{CorruptRecord, Driver, Record, Storage};

use super::ActionError;

/// A revision found for display.
#[derive(Debug)]
pub struct Content {
    /// The record.
    pub record: Record,
    /// Newer records skipped because they are unreadable.
    pub skipped: Vec<CorruptRecord>,
    /// True when the record was found through a label query (the newest
    /// revision) rather than fetched by key: Helm then reports every object
    /// label as the release's labels, system labels included.
    pub via_query: bool,
}

/// The revision `revision` of `name`, or with `revision <= 0` the newest
/// one whatever its status (decoding only that one).
pub async fn release_content<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    revision: i64,
) -> Result<Content, ActionError> {
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "releaseContent: Release name is invalid: {name}"
        )));
    }
    if revision <= 0 {
        let found = storage.last(name).await?;
        Ok(Content {
            record: found.record,
            skipped: found.skipped,
            via_query: true,
        })
    } else {
        Ok(Content {
            record: storage.get(name, revision).await?,
            skipped: Vec::new(),
            via_query: false,
        })
    }
}

impl Content {
    /// The labels Helm would report for this revision.
    pub fn labels(&self) -> &std::collections::BTreeMap<String, String> {
        if self.via_query {
            &self.record.meta.labels
        } else {
            &self.record.release.labels
        }
    }
}
