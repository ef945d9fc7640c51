//! What each release's records say, from metadata alone, and which
//! changes deserve an event. Pure bookkeeping: no I/O, so the rules are
//! unit-tested directly.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use regex::Regex;

use crate::action::ActionError;
use crate::release::Status;
use crate::storage::labels::Selector;
use crate::storage::{RecordEvent, RecordMeta};

/// A release's identity: namespace and name.
pub(super) type Key = (String, String);

/// The kind of event a change calls for, once the newest record is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Added,
    NewRevision,
    StatusChanged { from: Status },
    Uninstalled,
}

/// What the tracker decided for one record event.
#[derive(Debug)]
pub(super) enum Step {
    /// Read the newest record (`meta`) and report `kind`, with `status`
    /// (the label's) as the release's status.
    Fetch {
        kind: Kind,
        meta: RecordMeta,
        status: Status,
    },
    /// Every record of the release is gone.
    Gone(Key),
    /// The view is complete.
    Synced,
    /// The record watch failed for good (reported after the steps
    /// before it).
    Failed(ActionError),
}

/// The newest revision and status last reported for a release.
#[derive(Clone, Debug)]
struct Shown {
    revision: i64,
    status: Status,
}

#[derive(Debug, Default)]
struct Tracked {
    /// Every selected record of the release, by revision.
    records: BTreeMap<i64, RecordMeta>,
    shown: Option<Shown>,
}

/// Record metadata per release, and what was last reported.
///
/// Events are applied in batches: whatever the record watch had ready at
/// once. Up to the first [`RecordEvent::Synced`] only metadata is
/// gathered, so the initial snapshot reports each release once, at its
/// newest revision; likewise the events of a re-list (a batch up to a
/// `Synced`) are applied together, so a release changed several times
/// while the connection was down is reported once, at its final state.
/// Live events are judged one by one, so no intermediate state of a
/// release that changes while watched is skipped. A release whose last
/// record goes away is reported gone only at the end of a batch: a
/// re-list sends deletions before additions, and a release whose old
/// records were pruned while a new one was written must not look deleted
/// and added again.
#[derive(Debug)]
pub(super) struct Tracker {
    releases: HashMap<Key, Tracked>,
    name: Option<Regex>,
    selector: Selector,
    synced: bool,
    dirty: BTreeSet<Key>,
    emptied: BTreeSet<Key>,
}

/// The status a record's label gives (`unknown` without the label).
pub(super) fn label_status(meta: &RecordMeta) -> Status {
    meta.labels
        .get("status")
        .map_or(Status::Unknown, |s| Status::parse(s))
}

impl Tracker {
    /// A tracker keeping only releases whose name matches `name` and
    /// records whose labels match `selector`.
    pub(super) fn new(name: Option<Regex>, selector: Selector) -> Tracker {
        Tracker {
            releases: HashMap::new(),
            name,
            selector,
            synced: false,
            dirty: BTreeSet::new(),
            emptied: BTreeSet::new(),
        }
    }

    /// Applies a batch of record events; returns what to report.
    pub(super) fn apply_batch(&mut self, events: Vec<RecordEvent>) -> Vec<Step> {
        let last_sync = events
            .iter()
            .rposition(|e| matches!(e, RecordEvent::Synced { .. }));
        let mut steps = Vec::new();
        for (i, ev) in events.into_iter().enumerate() {
            let together = !self.synced || last_sync.is_some_and(|l| i < l);
            if let RecordEvent::Synced { .. } = ev {
                self.synced = true;
                for key in std::mem::take(&mut self.dirty) {
                    steps.extend(self.evaluate(key));
                }
                steps.extend(self.flush());
                steps.push(Step::Synced);
                continue;
            }
            let Some(key) = self.record(ev) else {
                continue;
            };
            if together {
                self.dirty.insert(key);
            } else {
                steps.extend(self.evaluate(key));
            }
        }
        if self.synced {
            steps.extend(self.flush());
        }
        steps
    }

    /// Updates the release's records; returns its key, unless the event
    /// is about a record this watch ignores.
    fn record(&mut self, ev: RecordEvent) -> Option<Key> {
        let (meta, present) = match ev {
            RecordEvent::Synced { .. } => return None,
            RecordEvent::Added(m) | RecordEvent::Modified(m) => {
                // A record that stops matching the selector leaves the view
                // as if deleted (as a label-selected Kubernetes watch does).
                let matches = self.selector.matches(&m.labels);
                (m, matches)
            }
            RecordEvent::Deleted(m) => (m, false),
        };
        let name = meta.release_name()?;
        let revision = meta.revision()?;
        if self.name.as_ref().is_some_and(|re| !re.is_match(name)) {
            return None;
        }
        let key = (meta.namespace.clone(), name.to_string());
        let tracked = self.releases.entry(key.clone()).or_default();
        if present {
            tracked.records.insert(revision, meta);
        } else {
            tracked.records.remove(&revision);
        }
        Some(key)
    }

    /// The releases left without records since the last flush, reported
    /// gone (those that got a record back meanwhile were evaluated then).
    fn flush(&mut self) -> Vec<Step> {
        let mut steps = Vec::new();
        for key in std::mem::take(&mut self.emptied) {
            let Some(tracked) = self.releases.get(&key) else {
                continue;
            };
            if !tracked.records.is_empty() {
                continue;
            }
            let shown = tracked.shown.is_some();
            self.releases.remove(&key);
            if shown {
                steps.push(Step::Gone(key));
            }
        }
        steps
    }

    /// Whether the release's records call for an event.
    fn evaluate(&mut self, key: Key) -> Option<Step> {
        let tracked = self.releases.get_mut(&key)?;
        let Some((&newest, newest_meta)) = tracked.records.last_key_value() else {
            if tracked.shown.is_some() {
                self.emptied.insert(key);
            } else {
                self.releases.remove(&key);
            }
            return None;
        };
        let status = label_status(newest_meta);
        let kind = match &tracked.shown {
            None => Kind::Added,
            Some(s) if s.revision < newest => Kind::NewRevision,
            Some(s) if s.revision > newest => {
                // The newest record was deleted. While an uninstall purges
                // the history (in listing order, not newest first), the
                // older records left are no news: the release is going.
                if s.status == Status::Uninstalling {
                    return None;
                }
                Kind::NewRevision
            }
            Some(s) if s.status == status => return None,
            Some(_) if status == Status::Uninstalled => Kind::Uninstalled,
            Some(s) => Kind::StatusChanged {
                from: s.status.clone(),
            },
        };
        let meta = newest_meta.clone();
        tracked.shown = Some(Shown {
            revision: newest,
            status: status.clone(),
        });
        Some(Step::Fetch { kind, meta, status })
    }
}
