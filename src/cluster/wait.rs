//! Waiting for resources, driven by watches (Helm 4's kstatus watcher):
//! one watch per object (and, for StatefulSets and ReplicaSets, one on
//! their pods, as kstatus looks at those); every event recomputes that
//! object's status with [`kstatus`], and the wait ends as soon as every
//! object has the wanted status (a failed object is not waited for any
//! longer), or at the timeout. No polling: the only timer besides the
//! deadline is kstatus' own re-check of a pod waiting to be scheduled.
//! A cancelled wait (the user interrupted rudder) ends at once, as a
//! failed one, so the action can still record the outcome.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use kube::api::{Api, ApiResource, DynamicObject};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::ClusterError;
use super::interface::{Pending, Progress, Resource, WaitMode};
use super::kstatus::{self, Computed, LabelSelector, Mode, Status};

/// The error Go's context gives at a deadline; Helm appends it.
const DEADLINE: &str = "context deadline exceeded";

/// The error Go's context gives when it is cancelled (helm 4 cancels on
/// SIGINT/SIGTERM during install and upgrade).
const CANCELLED: &str = "context canceled";

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Every resource settled.
    Settled,
    /// The timeout hit (or every watch ended).
    TimedOut,
    /// The wait was cancelled.
    Cancelled,
}

/// Helm's default when a timeout of zero is given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// What one watch reported.
enum Seen {
    /// The object now looks like this (`None`: it does not exist).
    Object(Option<Value>),
    /// A pod selected by the object was added or changed.
    Pod(String, Value),
    /// A pod selected by the object is gone.
    PodGone(String),
    /// Nothing to recompute (a relist started, or was already reported).
    Nothing,
    /// The watch failed (it retries by itself).
    Error(String),
}

struct Tracked {
    object: Option<Value>,
    pods: BTreeMap<String, Value>,
    computed: Computed,
    recheck_at: Option<Instant>,
}

fn api_for(client: &kube::Client, r: &Resource) -> Api<DynamicObject> {
    let ar = ApiResource {
        group: r.object.group().to_string(),
        version: r.object.version().to_string(),
        api_version: r.object.api_version.clone(),
        kind: r.object.kind.clone(),
        plural: r.plural.clone(),
    };
    match &r.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

/// The object as JSON, with the `apiVersion` and `kind` that list
/// responses leave out of their items (kstatus' messages name the kind).
fn to_value(o: DynamicObject, api_version: &str, kind: &str) -> Value {
    let mut v = serde_json::to_value(o).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.entry("apiVersion")
            .or_insert_with(|| Value::String(api_version.to_string()));
        m.entry("kind")
            .or_insert_with(|| Value::String(kind.to_string()));
    }
    v
}

fn name_of(v: &Value) -> String {
    v.pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The watch of one object, by name.
fn watch_object(
    client: &kube::Client,
    index: usize,
    r: &Resource,
) -> BoxStream<'static, (usize, Seen)> {
    let config = watcher::Config::default().fields(&format!("metadata.name={}", r.object.name));
    let mut present = false;
    let (api_version, kind) = (r.object.api_version.clone(), r.object.kind.clone());
    watcher::watcher(api_for(client, r), config)
        .default_backoff()
        .map(move |ev| {
            let seen = match ev {
                Ok(Event::Apply(o) | Event::InitApply(o)) => {
                    present = true;
                    Seen::Object(Some(to_value(o, &api_version, &kind)))
                }
                Ok(Event::Delete(_)) => {
                    present = false;
                    Seen::Object(None)
                }
                Ok(Event::Init) => {
                    present = false;
                    Seen::Nothing
                }
                // A listing that did not include the object: it is not there.
                Ok(Event::InitDone) if !present => Seen::Object(None),
                Ok(Event::InitDone) => Seen::Nothing,
                Err(e) => Seen::Error(e.to_string()),
            };
            (index, seen)
        })
        .boxed()
}

/// The watch of the pods a StatefulSet or ReplicaSet selects.
fn watch_pods(
    client: &kube::Client,
    index: usize,
    namespace: &str,
    selector: &LabelSelector,
) -> BoxStream<'static, (usize, Seen)> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        namespace,
        &ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "Pod".into(),
            plural: "pods".into(),
        },
    );
    let config = watcher::Config::default().labels(&selector.to_query());
    watcher::watcher(api, config)
        .default_backoff()
        .map(move |ev| {
            let seen = match ev {
                Ok(Event::Apply(o) | Event::InitApply(o)) => {
                    let v = to_value(o, "v1", "Pod");
                    Seen::Pod(name_of(&v), v)
                }
                Ok(Event::Delete(o)) => Seen::PodGone(name_of(&to_value(o, "v1", "Pod"))),
                Ok(_) => Seen::Nothing,
                Err(e) => Seen::Error(e.to_string()),
            };
            (index, seen)
        })
        .boxed()
}

fn kstatus_mode(mode: WaitMode) -> Mode {
    match mode {
        WaitMode::Ready => Mode::Wait,
        WaitMode::ReadyWithJobs => Mode::WaitWithJobs,
        WaitMode::Hook => Mode::Hook,
    }
}

/// What a wait is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    Ready(Mode),
    Deleted,
}

impl Goal {
    fn compute(self, t: &Tracked) -> Computed {
        let now = jiff::Timestamp::now();
        match (&t.object, self) {
            (None, _) => Computed::not_found(),
            (Some(o), Goal::Ready(mode)) => {
                let pods: Vec<Value> = t.pods.values().cloned().collect();
                kstatus::compute_with_pods(o, &pods, mode, now)
            }
            (Some(o), Goal::Deleted) => kstatus::compute(o, Mode::Wait, now),
        }
    }

    /// Whether the wait is over for this object.
    fn settled(self, c: &Computed) -> bool {
        match self {
            // A failed object is not waited for any longer.
            Goal::Ready(_) => matches!(c.status, Status::Current | Status::Failed),
            Goal::Deleted => c.status == Status::NotFound,
        }
    }

    /// Whether the object reached what was wanted (for the final report).
    fn reached(self, c: &Computed) -> bool {
        match self {
            Goal::Ready(_) => c.status == Status::Current,
            // Helm counts objects it never heard of as gone.
            Goal::Deleted => matches!(c.status, Status::NotFound | Status::Unknown),
        }
    }

    fn word(self) -> &'static str {
        match self {
            Goal::Ready(_) => "ready",
            Goal::Deleted => "deleted",
        }
    }
}

/// Waits until every resource is ready in `mode`'s sense. At the end,
/// every resource that is not `Current` is reported as Helm reports it
/// (`resource Kind/ns/name not ready. status: S, message: M`), with
/// `context deadline exceeded` after them if the time ran out.
pub async fn wait_ready(
    client: &kube::Client,
    resources: &[Resource],
    mode: WaitMode,
    timeout: Duration,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<(), ClusterError> {
    // Helm does not wait for paused Deployments.
    let resources: Vec<Resource> = resources
        .iter()
        .filter(|r| !kstatus::skipped(&r.object.body))
        .cloned()
        .collect();
    let goal = Goal::Ready(kstatus_mode(mode));
    let (states, end) = run(client, &resources, timeout, progress, goal, cancel).await;
    report(&resources, &states, end, goal, "not ready")
}

/// Waits until every resource is gone.
pub async fn wait_deleted(
    client: &kube::Client,
    resources: &[Resource],
    timeout: Duration,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<(), ClusterError> {
    let goal = Goal::Deleted;
    let (states, end) = run(client, resources, timeout, progress, goal, cancel).await;
    report(resources, &states, end, goal, "still exists")
}

fn report(
    resources: &[Resource],
    states: &[Computed],
    end: End,
    goal: Goal,
    what: &str,
) -> Result<(), ClusterError> {
    let mut errs: Vec<String> = resources
        .iter()
        .zip(states)
        .filter(|(_, c)| !goal.reached(c))
        .map(|(r, c)| {
            format!(
                "resource {} {what}. status: {}, message: {}",
                r.display(),
                c.status,
                c.message
            )
        })
        .collect();
    match end {
        End::Settled => {}
        End::TimedOut => errs.push(DEADLINE.to_string()),
        End::Cancelled => errs.push(CANCELLED.to_string()),
    }
    if errs.is_empty() {
        Ok(())
    } else if matches!(end, End::Cancelled) {
        Err(ClusterError::Cancelled(errs.join("\n")))
    } else {
        Err(ClusterError::Wait(errs.join("\n")))
    }
}

fn pending(resources: &[Resource], states: &[Tracked], goal: Goal) -> Vec<Pending> {
    let mut out: Vec<(&str, Pending)> = resources
        .iter()
        .zip(states)
        // Objects not observed yet say nothing worth showing.
        .filter(|(_, t)| {
            let unobserved = t.computed.status == Status::Unknown && t.computed.message.is_empty();
            !goal.settled(&t.computed) && !unobserved
        })
        .map(|(r, t)| {
            (
                r.object.name.as_str(),
                Pending {
                    resource: r.display(),
                    status: t.computed.status.to_string(),
                    message: t.computed.message.clone(),
                },
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out.into_iter().map(|(_, p)| p).collect()
}

/// Watches every resource until all are settled, the timeout, or
/// cancellation. Returns the last statuses and how the wait ended.
async fn run(
    client: &kube::Client,
    resources: &[Resource],
    timeout: Duration,
    progress: &dyn Progress,
    goal: Goal,
    cancel: &CancellationToken,
) -> (Vec<Computed>, End) {
    let mut states: Vec<Tracked> = resources
        .iter()
        .map(|_| Tracked {
            object: None,
            pods: BTreeMap::new(),
            computed: Computed::unknown(),
            recheck_at: None,
        })
        .collect();
    if resources.is_empty() {
        return (Vec::new(), End::Settled);
    }
    let timeout = if timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        timeout
    };
    let mut streams: Vec<BoxStream<'static, (usize, Seen)>> = Vec::new();
    for (i, r) in resources.iter().enumerate() {
        streams.push(watch_object(client, i, r));
        if let Goal::Ready(mode) = goal
            && kstatus::watches_pods(&r.object.body, mode)
            && let Ok(selector) = LabelSelector::of_workload(&r.object.body)
        {
            let ns = r.namespace.clone().unwrap_or_default();
            streams.push(watch_pods(client, i, &ns, &selector));
        }
    }
    let mut events = futures::stream::select_all(streams);
    let deadline = Instant::now() + timeout;
    let mut shown: Option<Vec<Pending>> = None;
    let end = loop {
        if states.iter().all(|t| goal.settled(&t.computed)) {
            break End::Settled;
        }
        if cancel.is_cancelled() {
            break End::Cancelled;
        }
        let wake = states
            .iter()
            .filter_map(|t| t.recheck_at)
            .min()
            .map_or(deadline, |r| r.min(deadline));
        let mut changed: Option<usize> = None;
        let next = tokio::select! {
            next = tokio::time::timeout_at(wake, events.next()) => next,
            () = cancel.cancelled() => break End::Cancelled,
        };
        match next {
            Ok(Some((i, seen))) => {
                let t = &mut states[i];
                match seen {
                    Seen::Object(o) => {
                        t.object = o;
                        changed = Some(i);
                    }
                    Seen::Pod(name, pod) => {
                        t.pods.insert(name, pod);
                        changed = Some(i);
                    }
                    Seen::PodGone(name) => {
                        t.pods.remove(&name);
                        changed = Some(i);
                    }
                    Seen::Nothing => {}
                    Seen::Error(msg) => {
                        // Keep the reason visible while the watch retries.
                        if t.computed.status == Status::Unknown {
                            t.computed.message = msg;
                        }
                    }
                }
            }
            Ok(None) => break End::TimedOut,
            Err(_) if Instant::now() >= deadline => break End::TimedOut,
            // A re-check is due.
            Err(_) => {}
        }
        let now = Instant::now();
        for (i, t) in states.iter_mut().enumerate() {
            if changed == Some(i) || t.recheck_at.is_some_and(|at| at <= now) {
                t.computed = goal.compute(t);
                t.recheck_at = t.computed.recheck.then(|| now + kstatus::SCHEDULE_WINDOW);
            }
        }
        let list = pending(resources, &states, goal);
        if shown.as_ref() != Some(&list) {
            progress.waiting(goal.word(), &list);
            shown = Some(list);
        }
    };
    progress.done_waiting();
    (states.into_iter().map(|t| t.computed).collect(), end)
}
