//! `recover`: the way out of a release stuck in `pending-*` or
//! `uninstalling` because the operation that put it there died.
//!
//! A release is judged stuck when its newest revision is in one of those
//! states and nothing suggests the operation is alive: no rudder operation
//! holds (and renews) the release's lock, and, since helm takes no lock,
//! the record has not changed for a grace period. `recover` explains what
//! it found, then marks the stuck revision `failed`, or with `--rollback`
//! also rolls back to the newest `deployed` revision. It refuses while the
//! operation may be alive, unless forced.

use std::time::Duration;

use crate::cluster::{Cluster, LockHolder, Progress};
use crate::output::time::GoTime;
use crate::release::name::validate_name;
use crate::release::{Release, Status};
use crate::storage::{Driver, Record, Storage, StorageError};

use super::ActionError;
use super::hooks::{Tracked, report_phase};
use super::lock::with_lock;
use super::rollback::{RollbackOptions, rollback_locked};

/// Helm's default operation timeout: a helm operation that changed
/// nothing for this long is presumed dead.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(300);

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

/// Judges whether the newest revision's operation is alive.
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
    if let Some(h) = holder {
        let renewed = h.renewed.or(h.acquired);
        if h.is_live(now) {
            return Verdict::Alive(format!(
                "a rudder {} ({}) holds its lock{}",
                h.operation,
                h.holder,
                renewed
                    .map(|t| format!(" and renewed it {} ago", ago(t)))
                    .unwrap_or_default()
            ));
        }
        return Verdict::Stuck(format!(
            "the rudder {} that held its lock ({}) stopped renewing it{}",
            h.operation,
            h.holder,
            renewed
                .map(|t| format!(" {} ago", ago(t)))
                .unwrap_or_default()
        ));
    }
    match last_activity(record) {
        Some(t) => {
            let idle = now.duration_since(t).as_secs().max(0).unsigned_abs();
            if Duration::from_secs(idle) < grace {
                Verdict::Alive(format!(
                    "no rudder operation holds its lock, but its record changed only {} ago, so a helm operation may still be running (grace {})",
                    ago(t),
                    go_duration(grace)
                ))
            } else {
                Verdict::Stuck(format!(
                    "no operation holds its lock and its record has not changed for {}",
                    ago(t)
                ))
            }
        }
        None => Verdict::Stuck("no operation holds its lock".into()),
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
    let holder = cluster
        .lock_holder(&namespace, name)
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
    if options.force && holder.as_ref().is_some_and(|h| h.is_live(now)) {
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
