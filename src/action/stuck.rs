//! Stuck notices: a release whose newest revision stays in a transitional
//! state with nobody working on it. Shared by `list`/`status` (through the
//! session) and the release watch.

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

/// Judges one record (the newest revision of its release) at `now`, with
/// its lock holder looked up: the verdict, and the notice when it is
/// stuck. A lock lookup that fails counts as no lock: a notice is advice,
/// never a reason to fail a listing or a watch.
pub async fn judge_record<C: Cluster>(
    cluster: &C,
    record: &Record,
    now: jiff::Timestamp,
    grace: std::time::Duration,
) -> (Verdict, Option<StuckNotice>) {
    if !record.release.info.status.is_transitional() {
        return (Verdict::NotStuck, None);
    }
    let holder = cluster
        .lock_holder(&record.release.namespace, &record.release.name)
        .await
        .ok()
        .flatten();
    let verdict = judge(record, holder.as_ref(), now, grace);
    let notice = match &verdict {
        Verdict::Stuck(why) => Some(StuckNotice {
            release: record.release.name.clone(),
            namespace: record.release.namespace.clone(),
            status: record.release.info.status.clone(),
            why: why.clone(),
        }),
        _ => None,
    };
    (verdict, notice)
}
