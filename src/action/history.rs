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
    // Helm sorts by revision (ties, possible only between records whose
    // bodies claim the same revision, stay in listing order), reverses,
    // keeps the first `max` and prints them reversed again: that is the
    // last `max` of the ascending order, ties in listing order.
    records.sort_by_key(|r| r.release.version);
    let keep = usize::try_from(max.max(0)).unwrap_or(usize::MAX);
    records.drain(..records.len().saturating_sub(keep));
    Ok(History {
        records,
        corrupt: listing.corrupt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::codec;
    use crate::storage::memory::MemoryDriver;

    fn text(version: i64, description: &str) -> String {
        let r: crate::release::Release = serde_json::from_str(&format!(
            r#"{{"name":"web","version":{version},"info":{{"status":"deployed","description":"{description}"}}}}"#
        ))
        .unwrap_or_default();
        codec::encode(&r).unwrap_or_default()
    }

    #[tokio::test]
    async fn revisions_claiming_the_same_number_stay_in_listing_order_as_in_helm() {
        let d = MemoryDriver::new();
        let labels = |v: &str| {
            [("owner", "helm"), ("name", "web"), ("version", v)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        // Listed in key order: v1, v2, v5; v5's body claims revision 1.
        d.put_raw(
            "ns",
            "sh.helm.release.v1.web.v1",
            labels("1"),
            &text(1, "first"),
        );
        d.put_raw(
            "ns",
            "sh.helm.release.v1.web.v2",
            labels("2"),
            &text(2, "second"),
        );
        d.put_raw(
            "ns",
            "sh.helm.release.v1.web.v5",
            labels("5"),
            &text(1, "copy"),
        );
        let storage = Storage::new(d, "ns");
        let order = |h: History| -> Vec<String> {
            h.records
                .iter()
                .map(|r| r.release.info.description.clone())
                .collect()
        };
        let all = history(&storage, "web", 256).await.map(order).ok();
        assert_eq!(
            all,
            Some(vec!["first".into(), "copy".into(), "second".into()])
        );
        let two = history(&storage, "web", 2).await.map(order).ok();
        assert_eq!(two, Some(vec!["copy".into(), "second".into()]));
    }
}
