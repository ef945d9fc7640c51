//! Which releases look stuck, for the one-line notices `list` and
//! `status` print.

pub use crate::action::stuck::StuckNotice;

use crate::action::stuck::judge_record;
use crate::cluster::Cluster;
use crate::storage::Record;

/// The stuck notices for `records`. Looking up a lock that fails counts
/// as no lock: a notice is advice, never a reason to fail a listing.
pub(super) async fn stuck<'a, C: Cluster>(
    cluster: &C,
    records: impl IntoIterator<Item = &'a Record>,
    grace: std::time::Duration,
) -> Vec<StuckNotice> {
    let now = jiff::Timestamp::now();
    let mut notices = Vec::new();
    for r in records {
        if let (_, Some(n)) = judge_record(cluster, r, now, grace).await {
            notices.push(n);
        }
    }
    notices
}
