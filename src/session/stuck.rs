//! Which releases look stuck, for the one-line notices `list` and
//! `status` print.

use crate::action::recover::{Verdict, judge};
use crate::cluster::Cluster;
use crate::release::Status;
use crate::storage::Record;

/// A release whose newest revision looks stuck in a transitional state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StuckNotice {
    /// The release.
    pub release: String,
    /// Its namespace.
    pub namespace: String,
    /// The status it is stuck in.
    pub status: Status,
    /// Why it looks stuck.
    pub why: String,
}

impl std::fmt::Display for StuckNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "release {:?} in namespace {:?} looks stuck in {} ({}); \"rudder recover {}\" brings it back",
            self.release, self.namespace, self.status, self.why, self.release
        )
    }
}

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
        if !r.release.info.status.is_transitional() {
            continue;
        }
        let holder = cluster
            .lock_holder(&r.release.namespace, &r.release.name)
            .await
            .ok()
            .flatten();
        if let Verdict::Stuck(why) = judge(r, holder.as_ref(), now, grace) {
            notices.push(StuckNotice {
                release: r.release.name.clone(),
                namespace: r.release.namespace.clone(),
                status: r.release.info.status.clone(),
                why,
            });
        }
    }
    notices
}
