//! The cluster layer on the real cluster: manifests and values with
//! duplicated keys, `--dry-run=server`, the Lease's liveness rule, the
//! stuck rule against a helm operation that is still waiting, and how many
//! watches a wait opens.

mod counting;
mod dry_run;
mod dupkeys;
mod lease;
mod live_changes;
mod stuck;
mod watches;
