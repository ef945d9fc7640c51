//! The watch task: record events in, release events out, with the reads
//! of newest records running a few at a time but reported in order, and
//! the stuck timer.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::FuturesOrdered;
use futures::{FutureExt as _, SinkExt as _, StreamExt as _};
use regex::Regex;
use tokio::time::Instant;

use super::tracker::{Key, Kind, Step, Tracker};
use super::{EventSink, ReleaseEvent, ReleaseSummary, WatchFilter};
use crate::action::ActionError;
use crate::action::recover::{Verdict, last_activity};
use crate::action::stuck::judge_record;
use crate::cluster::Cluster;
use crate::release::Status;
use crate::storage::labels::Selector;
use crate::storage::{Driver, Record, RecordMeta, Storage, StorageError, WatchOptions};

/// How many newest-record reads may be in flight (the initial snapshot of
/// a big store reads one record per release). Decoding is CPU-bound, so
/// more than a few gains no time on small machines; and each read in
/// flight decodes on its own blocking thread, whose allocator keeps the
/// memory it touched: with 16, the watch of 500 releases held about 60 MiB
/// of heap after its snapshot.
const FETCHES: usize = 4;

/// How long to wait before retrying a failed read, then giving up and
/// reporting what the metadata says.
const RETRIES: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_secs(1),
    Duration::from_secs(3),
];

/// A validated [`WatchFilter`], ready to run.
#[derive(Debug)]
pub struct WatchPlan {
    options: WatchOptions,
    name: Option<Regex>,
    selector: Selector,
}

impl WatchPlan {
    /// Checks `filter` (the name's regular expression, the selector), with
    /// `namespace` as the namespace when not watching all. Errors have
    /// `list`'s wording.
    pub fn new(filter: &WatchFilter, namespace: &str) -> Result<WatchPlan, ActionError> {
        let name =
            match filter.name.as_deref().filter(|f| !f.is_empty()) {
                Some(f) => Some(Regex::new(f).map_err(|e| {
                    ActionError::Invalid(crate::action::go_regexp::error_text(f, &e))
                })?),
                None => None,
            };
        let selector = match filter.selector.as_deref() {
            Some(s) => Selector::parse(s).map_err(|e| ActionError::Invalid(e.to_string()))?,
            None => Selector::everything(),
        };
        let mut options = WatchOptions {
            namespace: (!filter.all_namespaces).then(|| namespace.to_string()),
            ..WatchOptions::default()
        };
        // The server filters equalities itself (fewer events on the wire);
        // the selector is still checked here, which is then a no-op.
        if let Some(eq) = selector.equalities() {
            options.labels = eq
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        }
        Ok(WatchPlan {
            options,
            name,
            selector,
        })
    }
}

/// A step with its record read.
enum Resolved {
    Event {
        kind: Kind,
        status: Status,
        meta: RecordMeta,
        record: Option<Box<Record>>,
    },
    Gone(Key),
    Synced,
    Failed(ActionError),
}

/// Runs the watch described by `plan` until the consumer behind `sink`
/// goes away or the record watch fails for good (the failure is sent).
/// `grace` is how long a transitional revision may stay untouched before
/// it is reported stuck.
pub async fn run<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    plan: WatchPlan,
    grace: Duration,
    mut sink: EventSink,
) {
    let driver = storage.driver();
    let mut records = driver.watch(plan.options);
    let mut tracker = Tracker::new(plan.name, plan.selector);
    let mut queue: FuturesOrdered<BoxFuture<'_, Resolved>> = FuturesOrdered::new();
    let mut view = View::new(grace);
    let mut source_open = true;
    // Steps decided but not yet reading: at most FETCHES reads run at once.
    let mut backlog: VecDeque<Step> = VecDeque::new();
    loop {
        while queue.len() < FETCHES {
            let Some(step) = backlog.pop_front() else {
                break;
            };
            queue.push_back(resolve(driver, step));
        }
        let due = view.next_due();
        tokio::select! {
            biased;
            Some(done) = queue.next(), if !queue.is_empty() => {
                let event = match done {
                    Resolved::Failed(e) => {
                        let _ = sink.send(Err(e)).await;
                        return;
                    }
                    other => view.resolve(other),
                };
                if let Some(ev) = event
                    && sink.send(Ok(ev)).await.is_err()
                {
                    return;
                }
            }
            ev = records.next(), if source_open && backlog.is_empty() => {
                // Everything already waiting is one batch (see `Tracker`).
                let mut batch = Vec::new();
                let mut failed = None;
                let mut next = ev;
                loop {
                    match next {
                        Some(Ok(ev)) => batch.push(ev),
                        Some(Err(e)) => {
                            failed = Some(e);
                            break;
                        }
                        None => {
                            source_open = false;
                            break;
                        }
                    }
                    match records.next().now_or_never() {
                        Some(n) => next = n,
                        None => break,
                    }
                }
                backlog.extend(tracker.apply_batch(batch));
                if let Some(e) = failed {
                    // Behind the events already decided, so they arrive first.
                    backlog.push_back(Step::Failed(e.into()));
                    source_open = false;
                }
            }
            () = sleep_until(due), if due.is_some() => {
                for ev in view.check_stuck(cluster).await {
                    if sink.send(Ok(ev)).await.is_err() {
                        return;
                    }
                }
            }
        }
        if !source_open && queue.is_empty() && backlog.is_empty() {
            return;
        }
    }
}

/// The future that turns a step into what to report.
fn resolve<D: Driver>(driver: &D, step: Step) -> BoxFuture<'_, Resolved> {
    match step {
        Step::Synced => futures::future::ready(Resolved::Synced).boxed(),
        Step::Gone(key) => futures::future::ready(Resolved::Gone(key)).boxed(),
        Step::Failed(e) => futures::future::ready(Resolved::Failed(e)).boxed(),
        Step::Fetch { kind, meta, status } => async move {
            let record = fetch(driver, &meta).await.map(Box::new);
            Resolved::Event {
                kind,
                status,
                meta,
                record,
            }
        }
        .boxed(),
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(t) => tokio::time::sleep_until(t).await,
        None => futures::future::pending().await,
    }
}

/// Reads the newest record, retrying transient failures; `None` if it is
/// gone, unreadable, or cannot be read (the event then carries what the
/// metadata says).
async fn fetch<D: Driver>(driver: &D, meta: &RecordMeta) -> Option<Record> {
    let mut retries = RETRIES.iter();
    loop {
        let read = match &meta.resource_version {
            Some(rv) => driver.get_since(&meta.namespace, &meta.key, rv).await,
            None => driver.get(&meta.namespace, &meta.key).await,
        };
        match read {
            Ok(r) => return Some(r),
            Err(StorageError::NotFound | StorageError::Corrupt { .. }) => return None,
            Err(e) => match retries.next() {
                Some(d) => {
                    tracing::debug!(key = %meta.key, error = %e, "watch: reading the newest record again");
                    tokio::time::sleep(*d).await;
                }
                None => {
                    tracing::debug!(key = %meta.key, error = %e, "watch: newest record unreadable, reporting its labels");
                    return None;
                }
            },
        }
    }
}

/// A transitional newest revision waiting for its stuck check.
struct Pending {
    record: Record,
    due: Instant,
}

/// What has been reported, per release, and the pending stuck checks.
struct View {
    summaries: HashMap<Key, ReleaseSummary>,
    pending: HashMap<Key, Pending>,
    grace: Duration,
}

impl View {
    fn new(grace: Duration) -> View {
        View {
            summaries: HashMap::new(),
            pending: HashMap::new(),
            grace,
        }
    }

    /// When the next stuck check is due; `None` (no timer) while no
    /// release is transitional.
    fn next_due(&self) -> Option<Instant> {
        self.pending.values().map(|p| p.due).min()
    }

    /// When `record` stops being within the grace, as a timer instant.
    fn due(&self, record: &Record) -> Instant {
        let now = Instant::now();
        let Some(last) = last_activity(record) else {
            return now;
        };
        let idle = jiff::Timestamp::now().duration_since(last);
        let idle = Duration::from_secs(idle.as_secs().max(0).unsigned_abs());
        now + self.grace.saturating_sub(idle)
    }

    fn resolve(&mut self, done: Resolved) -> Option<ReleaseEvent> {
        match done {
            Resolved::Synced => Some(ReleaseEvent::Synced),
            Resolved::Failed(_) => None,
            Resolved::Gone(key) => {
                self.pending.remove(&key);
                self.summaries.remove(&key).map(ReleaseEvent::Deleted)
            }
            Resolved::Event {
                kind,
                status,
                meta,
                record,
            } => {
                let summary = match &record {
                    Some(r) => ReleaseSummary::from_release(&r.release, status.clone()),
                    None => from_meta(&meta, status.clone()),
                };
                let key = (summary.namespace.clone(), summary.name.clone());
                self.pending.remove(&key);
                if let Some(r) = record
                    && status.is_transitional()
                    && r.release.info.status.is_transitional()
                {
                    let due = self.due(&r);
                    self.pending
                        .insert(key.clone(), Pending { record: *r, due });
                }
                self.summaries.insert(key, summary.clone());
                Some(match kind {
                    Kind::Added => ReleaseEvent::Added(summary),
                    Kind::NewRevision => ReleaseEvent::NewRevision(summary),
                    Kind::StatusChanged { from } => ReleaseEvent::StatusChanged {
                        from,
                        release: summary,
                    },
                    Kind::Uninstalled => ReleaseEvent::Uninstalled(summary),
                })
            }
        }
    }

    /// Judges the releases whose check is due; returns the stuck events.
    /// A release still within its grace (its record changed meanwhile) is
    /// checked again when the grace runs out.
    async fn check_stuck<C: Cluster>(&mut self, cluster: &C) -> Vec<ReleaseEvent> {
        let now = Instant::now();
        let due: Vec<Key> = self
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let mut out = Vec::new();
        for key in due {
            let Some(p) = self.pending.remove(&key) else {
                continue;
            };
            let (verdict, notice) =
                judge_record(cluster, &p.record, jiff::Timestamp::now(), self.grace).await;
            match (verdict, notice) {
                (Verdict::Stuck(_), Some(notice)) => {
                    if let Some(s) = self.summaries.get(&key) {
                        out.push(ReleaseEvent::Stuck {
                            release: s.clone(),
                            notice,
                        });
                    }
                }
                (Verdict::Alive(_), _) => {
                    // No sooner than a second from now, so a clock that
                    // disagrees with the record cannot make this spin.
                    let due = self.due(&p.record).max(now + Duration::from_secs(1));
                    self.pending.insert(
                        key,
                        Pending {
                            record: p.record,
                            due,
                        },
                    );
                }
                _ => {}
            }
        }
        out
    }
}

/// A summary from the record's labels alone, when its body cannot be read.
fn from_meta(meta: &RecordMeta, status: Status) -> ReleaseSummary {
    ReleaseSummary {
        namespace: meta.namespace.clone(),
        name: meta.release_name().unwrap_or_default().to_string(),
        revision: meta.revision().unwrap_or_default(),
        status,
        chart: String::new(),
        chart_version: String::new(),
        app_version: String::new(),
        updated: None,
        description: String::new(),
    }
}
