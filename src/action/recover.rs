//! `recover`: the way out of a release stuck in `pending-*` or
//! `uninstalling` because the operation that put it there died.
//!
//! The rule, safe for helm operations with long timeouts (helm takes no
//! lock and does not touch its record while it runs hooks and waits):
//!
//! - a release whose newest revision is `pending-*` or `uninstalling` is
//!   stuck only if that record has not changed for the grace period
//!   ([`DEFAULT_GRACE`], one hour, unless `--grace`): a younger record is
//!   never touched without `--force`, whatever the lock says, because a
//!   helm operation may have started after a rudder one died;
//! - and no rudder operation is seen renewing the release's lock. `recover`
//!   watches the Lease for its duration to tell ([`Cluster::observe_lock`]);
//!   `list` and `status` only read it (liveness unknown) and judge by the
//!   record's age alone, so their notice never costs a wait.
//!
//! `recover` explains what it found, then marks the stuck revision
//! `failed`, or with `--rollback` also rolls back to the newest `deployed`
//! revision. It refuses while the operation may be alive, unless
//! `--force` (which also removes a live lock).

use std::time::Duration;

use crate::cluster::{Cluster, Liveness, LockHolder, Progress};
use crate::gojson::time::GoTime;
use crate::release::name::validate_name;
use crate::release::{Release, Status};
use crate::storage::{Driver, Record, Storage, StorageError};

use super::ActionError;
use super::hooks::{Tracked, report_phase};
use super::lock::with_lock;
use super::rollback::{RollbackOptions, rollback_locked};

/// How long a pending record must stay unchanged before its operation is
/// presumed dead: one hour. helm writes its record when it starts and not
/// again until it ends, and `--timeout` bounds each phase separately (the
/// pre-hooks, the wait, the post-hooks), so a helm run may take up to
/// about three timeouts: with the common `--timeout 10m` or `15m`, 30 to
/// 45 minutes. One hour covers those (and helm's 5m default many times
/// over); longer runs need `--grace` (or `--force`).
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);

/// Whether a release's operation looks alive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The newest revision is not in a transitional state.
    NotStuck,
    /// An operation may still be running; why.
    Alive(String),
    /// The operation is gone; why we think so.
    Stuck(String),
}

/// Go's `time.Duration` text, to whole seconds (`1h2m3s`, `45s`).
pub fn go_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

/// When the record last showed signs of life: the operation's start time
/// and the storage object's `modifiedAt`/`createdAt` labels.
pub fn last_activity(record: &Record) -> Option<jiff::Timestamp> {
    let info = &record.release.info;
    let started = if info.status == Status::Uninstalling {
        info.deleted.as_ref().or(info.last_deployed.as_ref())
    } else {
        info.last_deployed.as_ref()
    }
    .map(GoTime::timestamp);
    let label = |k: &str| {
        record
            .meta
            .labels
            .get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|s| jiff::Timestamp::from_second(s).ok())
    };
    [started, label("modifiedAt"), label("createdAt")]
        .into_iter()
        .flatten()
        .max()
}

/// Judges whether the newest revision's operation is alive (see the
/// module's rule): alive if its lock was seen renewed, or its record
/// changed less than `grace` ago; stuck otherwise.
pub fn judge(
    record: &Record,
    holder: Option<&LockHolder>,
    now: jiff::Timestamp,
    grace: Duration,
) -> Verdict {
    if !record.release.info.status.is_transitional() {
        return Verdict::NotStuck;
    }
    let ago = |t: jiff::Timestamp| {
        go_duration(Duration::from_secs(
            now.duration_since(t).as_secs().max(0).unsigned_abs(),
        ))
    };
    if let Some(h) = holder
        && h.liveness == Liveness::Live
    {
        return Verdict::Alive(format!(
            "a rudder {} ({}) holds its lock and renews it",
            h.operation, h.holder
        ));
    }
    let lock = match holder {
        None => "no rudder operation holds its lock".to_string(),
        Some(h) if h.liveness == Liveness::Expired => format!(
            "the rudder {} that held its lock ({}) stopped renewing it",
            h.operation, h.holder
        ),
        Some(h) => format!(
            "the lock of a rudder {} ({}) was not watched",
            h.operation, h.holder
        ),
    };
    match last_activity(record) {
        Some(t) => {
            let idle = now.duration_since(t).as_secs().max(0).unsigned_abs();
            if Duration::from_secs(idle) < grace {
                Verdict::Alive(format!(
                    "{lock}, but its record changed only {} ago, so a helm operation may still be running (grace {})",
                    ago(t),
                    go_duration(grace)
                ))
            } else {
                Verdict::Stuck(format!(
                    "{lock}, and its record has not changed for {}",
                    ago(t)
                ))
            }
        }
        None => Verdict::Stuck(lock),
    }
}

/// Recover options.
#[derive(Clone, Debug)]
pub struct RecoverOptions {
    /// Recover even if the operation may be alive (breaks its lock).
    pub force: bool,
    /// After marking the stuck revision failed, roll back to the newest
    /// deployed revision.
    pub rollback: bool,
    /// How long a helm operation may go without touching its record
    /// before it is presumed dead.
    pub grace: Duration,
    /// How to roll back (wait, timeout, hooks, history limit).
    pub rollback_options: RollbackOptions,
}

impl Default for RecoverOptions {
    fn default() -> Self {
        RecoverOptions {
            force: false,
            rollback: false,
            grace: DEFAULT_GRACE,
            rollback_options: RollbackOptions::default(),
        }
    }
}

/// What `recover` found and did.
#[derive(Debug)]
pub struct RecoverOutcome {
    /// Lines for the user, in order.
    pub report: Vec<String>,
    /// The newest revision afterwards.
    pub release: Release,
}

/// Recovers `name`.
pub async fn recover<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &RecoverOptions,
    progress: &dyn Progress,
) -> Result<RecoverOutcome, ActionError> {
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "recover: Release name is invalid: {name}"
        )));
    }
    let namespace = storage.namespace().to_string();
    let found = storage.last(name).await?.record;
    // Watch the lock (up to its duration): a quick read cannot tell a
    // live holder from a dead one without trusting clocks.
    let holder = cluster
        .observe_lock(&namespace, name)
        .await
        .map_err(ActionError::Cluster)?;
    let now = jiff::Timestamp::now();
    let rel = &found.release;
    let since = rel
        .info
        .last_deployed
        .as_ref()
        .map(crate::output::time::rfc3339)
        .unwrap_or_default();
    let verdict = judge(&found, holder.as_ref(), now, options.grace);
    let mut report = Vec::new();
    match &verdict {
        Verdict::NotStuck => {
            return Err(ActionError::Invalid(format!(
                "release {name:?} is not stuck: its newest revision ({}) is {}",
                rel.version, rel.info.status
            )));
        }
        Verdict::Alive(why) if !options.force => {
            return Err(ActionError::Busy(format!(
                "release {name:?} is {} (revision {}), and the operation may still be running: {why}. Wait for it, or use --force if you are sure it is gone",
                rel.info.status, rel.version
            )));
        }
        Verdict::Alive(why) => report.push(format!(
            "Release {name:?} in namespace {namespace:?} is {} (revision {}, since {since}), and {why}; recovering anyway (--force).",
            rel.info.status, rel.version
        )),
        Verdict::Stuck(why) => report.push(format!(
            "Release {name:?} in namespace {namespace:?} is stuck: revision {} is {} (since {since}), and {why}.",
            rel.version, rel.info.status
        )),
    }
    if options.force && holder.as_ref().is_some_and(LockHolder::may_be_live) {
        cluster
            .break_lock(&namespace, name)
            .await
            .map_err(ActionError::Cluster)?;
    }
    let work = recover_locked(storage, cluster, name, options, progress, &found, report);
    with_lock(cluster, &namespace, name, "recover", progress, work).await
}

async fn recover_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &RecoverOptions,
    progress: &dyn Progress,
    seen: &Record,
    mut report: Vec<String>,
) -> Result<RecoverOutcome, ActionError> {
    // Under the lock, the release must still be as judged.
    let now_last = storage.last(name).await?.record;
    if now_last.release.version != seen.release.version
        || now_last.release.info.status != seen.release.info.status
    {
        return Err(ActionError::LostRace(format!(
            "release {name:?} changed while recovering (revision {} is now {}); nothing was done",
            now_last.release.version, now_last.release.info.status
        )));
    }
    let was = now_last.release.info.status.clone();
    let mut stuck = Tracked::from(now_last);
    stuck.release.info.status = Status::Failed;
    stuck.release.info.description =
        format!("Recovered by rudder: the operation that left this revision {was} was interrupted");
    match stuck.save(storage).await {
        Ok(()) => {}
        Err(StorageError::Conflict { .. }) => {
            return Err(ActionError::LostRace(format!(
                "release {name:?} changed while recovering; nothing was done"
            )));
        }
        Err(e) => return Err(e.into()),
    }
    report_phase(progress, &stuck.release);
    report.push(format!(
        "Revision {} marked failed (was {was}).",
        stuck.release.version
    ));
    if !options.rollback {
        return Ok(RecoverOutcome {
            report,
            release: stuck.release,
        });
    }
    let deployed = match storage.deployed(name).await {
        Ok(d) => d,
        Err(StorageError::NoDeployed(_)) => {
            return Err(ActionError::Failed(format!(
                "revision {} of release {name:?} is now failed, but there is no deployed revision to roll back to",
                stuck.release.version
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut ro = options.rollback_options.clone();
    ro.revision = deployed.release.version;
    let done = rollback_locked(storage, cluster, name, &ro, progress, true).await?;
    report.push(format!(
        "Rolled back to revision {}: revision {} is {}.",
        deployed.release.version, done.release.version, done.release.info.status
    ));
    Ok(RecoverOutcome {
        report,
        release: done.release,
    })
}
