//! `history`: every revision of a release.

use crate::release::name::validate_name;
use crate::storage::{CorruptRecord, Driver, Record, Storage};

use super::ActionError;

/// The revisions to show.
#[derive(Debug)]
pub struct History {
    /// At most `max` of the newest revisions, oldest first.
    pub records: Vec<Record>,
    /// Records that could not be decoded.
    pub corrupt: Vec<CorruptRecord>,
}

/// The newest `max` revisions of `name`, oldest first (helm's order).
pub async fn history<D: Driver>(
    storage: &Storage<D>,
    name: &str,
    max: i64,
) -> Result<History, ActionError> {
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "release name is invalid: {name}"
        )));
    }
    let listing = storage.history(name).await?;
    let mut records = listing.items;
    records.sort_by_key(|r| std::cmp::Reverse(r.release.version));
    records.truncate(usize::try_from(max.max(0)).unwrap_or(usize::MAX));
    records.reverse();
    Ok(History {
        records,
        corrupt: listing.corrupt,
    })
}
