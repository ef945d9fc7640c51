//! Waiting for resources, driven by watches (Helm 4's kstatus watcher).
//!
//! One watch per kind and namespace, shared by every object of that kind
//! there (a field selector cannot name several objects, so a lone object
//! is watched by name, several by the labels they all carry, or by the
//! whole collection, and events are matched to objects by name here), and
//! one watch of pods per namespace for the StatefulSets and ReplicaSets
//! in it (kstatus looks at their pods), matched to their owners by label
//! selector. A release of 200 ConfigMaps and 20 Deployments in one
//! namespace opens two watches, not 220. Every event recomputes the
//! affected objects' status with [`kstatus`], and the wait ends as soon as
//! every object has the wanted status (a failed object is not waited for
//! any longer), or at the timeout. No polling: the only timer besides the
//! deadline is kstatus' own re-check of a pod waiting to be scheduled. A
//! cancelled wait (the user interrupted rudder) ends at once, as a failed
//! one, so the action can still record the outcome.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// Which shared watch an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    /// The watch of one kind in one namespace (index into the groups).
    Kind(usize),
    /// The watch of pods in one namespace (index into the pod watches).
    Pods(usize),
}

/// What one watch reported.
enum Seen {
    /// A relist started: what it does not list is gone.
    Relist,
    /// The relist is complete.
    Listed,
    /// An object was added or changed.
    Object(String, Value),
    /// An object is gone.
    Gone(String),
    /// The watch failed (it retries by itself).
    Error(String),
}

struct Tracked {
    object: Option<Value>,
    pods: BTreeMap<String, Value>,
    /// The selector of the pods kstatus looks at, for StatefulSets and
    /// ReplicaSets.
    selector: Option<LabelSelector>,
    computed: Computed,
    recheck_at: Option<Instant>,
}

/// The objects of one kind in one namespace, watched together.
struct Group {
    resource: ApiResource,
    namespace: Option<String>,
    /// Object name to the indexes of the resources with that name.
    members: HashMap<String, Vec<usize>>,
    /// Names listed by the relist in progress.
    listed: Option<BTreeSet<String>>,
}

/// The pods of one namespace, watched for the workloads in it.
struct PodWatch {
    namespace: String,
    owners: Vec<usize>,
    listed: Option<BTreeSet<String>>,
}

fn api_resource(r: &Resource) -> ApiResource {
    ApiResource {
        group: r.object.group().to_string(),
        version: r.object.version().to_string(),
        api_version: r.object.api_version.clone(),
        kind: r.object.kind.clone(),
        plural: r.plural.clone(),
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

/// The labels every one of `bodies` carries with the same value, as a
/// label selector (`k=v,k2=v2`); empty when they share none.
pub(super) fn common_labels<'a>(mut bodies: impl Iterator<Item = &'a Value>) -> String {
    let labels = |b: &Value| -> BTreeMap<String, String> {
        b.pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let Some(first) = bodies.next() else {
        return String::new();
    };
    let mut common = labels(first);
    for b in bodies {
        let these = labels(b);
        common.retain(|k, v| these.get(k) == Some(v));
    }
    common
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One watch: its events as [`Seen`], tagged with `source`.
fn watch(
    api: Api<DynamicObject>,
    config: watcher::Config,
    source: Source,
    api_version: String,
    kind: String,
) -> BoxStream<'static, (Source, Seen)> {
    watcher::watcher(api, config)
        .default_backoff()
        .map(move |ev| {
            let seen = match ev {
                Ok(Event::Init) => Seen::Relist,
                Ok(Event::InitDone) => Seen::Listed,
                Ok(Event::Apply(o) | Event::InitApply(o)) => {
                    let v = to_value(o, &api_version, &kind);
                    Seen::Object(name_of(&v), v)
                }
                Ok(Event::Delete(o)) => Seen::Gone(name_of(&to_value(o, &api_version, &kind))),
                Err(e) => Seen::Error(e.to_string()),
            };
            (source, seen)
        })
        .boxed()
}

/// The shared watch of one group: by name for a lone object; by the
/// labels all its objects carry when waiting for readiness (a deletion
/// wait must not take an object whose labels changed for a deleted one);
/// otherwise the whole collection.
fn watch_group(
    client: &kube::Client,
    index: usize,
    group: &Group,
    resources: &[Resource],
    goal: Goal,
) -> BoxStream<'static, (Source, Seen)> {
    let api = match &group.namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &group.resource),
        None => Api::all_with(client.clone(), &group.resource),
    };
    let mut config = watcher::Config::default();
    if group.members.len() == 1 {
        if let Some(name) = group.members.keys().next() {
            config = config.fields(&format!("metadata.name={name}"));
        }
    } else if matches!(goal, Goal::Ready(_)) {
        let selector = common_labels(
            group
                .members
                .values()
                .flatten()
                .map(|&i| &resources[i].object.body),
        );
        if !selector.is_empty() {
            config = config.labels(&selector);
        }
    }
    watch(
        api,
        config,
        Source::Kind(index),
        group.resource.api_version.clone(),
        group.resource.kind.clone(),
    )
}

/// The shared watch of the pods in one namespace: by the owner's selector
/// when there is one owner, else every pod there.
fn watch_pods(
    client: &kube::Client,
    index: usize,
    pods: &PodWatch,
    states: &[Tracked],
) -> BoxStream<'static, (Source, Seen)> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        &pods.namespace,
        &ApiResource {
            group: String::new(),
            version: "v1".into(),
            api_version: "v1".into(),
            kind: "Pod".into(),
            plural: "pods".into(),
        },
    );
    let mut config = watcher::Config::default();
    if let [owner] = pods.owners.as_slice()
        && let Some(selector) = &states[*owner].selector
    {
        config = config.labels(&selector.to_query());
    }
    watch(api, config, Source::Pods(index), "v1".into(), "Pod".into())
}

/// Groups the resources into shared watches: one per kind and namespace,
/// and one of pods per namespace that has workloads whose pods count.
fn plan(resources: &[Resource], states: &[Tracked]) -> (Vec<Group>, Vec<PodWatch>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: HashMap<(String, String, String, Option<String>), usize> = HashMap::new();
    let mut pod_watches: Vec<PodWatch> = Vec::new();
    let mut pods_by_ns: HashMap<String, usize> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        let key = (
            r.object.group().to_string(),
            r.object.version().to_string(),
            r.plural.clone(),
            r.namespace.clone(),
        );
        let g = *by_key.entry(key).or_insert_with(|| {
            groups.push(Group {
                resource: api_resource(r),
                namespace: r.namespace.clone(),
                members: HashMap::new(),
                listed: None,
            });
            groups.len() - 1
        });
        groups[g]
            .members
            .entry(r.object.name.clone())
            .or_default()
            .push(i);
        if states[i].selector.is_some() {
            let ns = r.namespace.clone().unwrap_or_default();
            let p = *pods_by_ns.entry(ns.clone()).or_insert_with(|| {
                pod_watches.push(PodWatch {
                    namespace: ns,
                    owners: Vec::new(),
                    listed: None,
                });
                pod_watches.len() - 1
            });
            pod_watches[p].owners.push(i);
        }
    }
    (groups, pod_watches)
}

/// Applies one event to the tracked objects; returns the indexes of the
/// objects whose status must be recomputed.
fn apply_event(
    source: Source,
    seen: Seen,
    groups: &mut [Group],
    pod_watches: &mut [PodWatch],
    states: &mut [Tracked],
) -> Vec<usize> {
    let mut changed = Vec::new();
    match source {
        Source::Kind(g) => {
            let group = &mut groups[g];
            match seen {
                Seen::Relist => group.listed = Some(BTreeSet::new()),
                Seen::Object(name, v) => {
                    if let Some(listed) = &mut group.listed {
                        listed.insert(name.clone());
                    }
                    for &i in group.members.get(&name).into_iter().flatten() {
                        states[i].object = Some(v.clone());
                        changed.push(i);
                    }
                }
                Seen::Gone(name) => {
                    for &i in group.members.get(&name).into_iter().flatten() {
                        states[i].object = None;
                        changed.push(i);
                    }
                }
                // A listing that did not include an object: it is not there.
                Seen::Listed => {
                    let listed = group.listed.take().unwrap_or_default();
                    for (name, members) in &group.members {
                        if !listed.contains(name) {
                            for &i in members {
                                states[i].object = None;
                                changed.push(i);
                            }
                        }
                    }
                }
                Seen::Error(msg) => {
                    for &i in group.members.values().flatten() {
                        // Keep the reason visible while the watch retries.
                        if states[i].computed.status == Status::Unknown {
                            states[i].computed.message = msg.clone();
                        }
                    }
                }
            }
        }
        Source::Pods(p) => {
            let pods = &mut pod_watches[p];
            match seen {
                Seen::Relist => pods.listed = Some(BTreeSet::new()),
                Seen::Object(name, pod) => {
                    if let Some(listed) = &mut pods.listed {
                        listed.insert(name.clone());
                    }
                    for &i in &pods.owners {
                        let t = &mut states[i];
                        if t.selector.as_ref().is_some_and(|s| s.matches(&pod)) {
                            t.pods.insert(name.clone(), pod.clone());
                            changed.push(i);
                        } else if t.pods.remove(&name).is_some() {
                            // Its labels changed: no longer selected.
                            changed.push(i);
                        }
                    }
                }
                Seen::Gone(name) => {
                    for &i in &pods.owners {
                        if states[i].pods.remove(&name).is_some() {
                            changed.push(i);
                        }
                    }
                }
                Seen::Listed => {
                    let listed = pods.listed.take().unwrap_or_default();
                    for &i in &pods.owners {
                        let before = states[i].pods.len();
                        states[i].pods.retain(|name, _| listed.contains(name));
                        if states[i].pods.len() != before {
                            changed.push(i);
                        }
                    }
                }
                Seen::Error(_) => {}
            }
        }
    }
    changed
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

/// What a wait starts from for each resource: nothing seen yet, and for
/// workloads whose readiness depends on their pods, the pods' selector.
fn tracked(resources: &[Resource], goal: Goal) -> Vec<Tracked> {
    resources
        .iter()
        .map(|r| Tracked {
            object: None,
            pods: BTreeMap::new(),
            selector: match goal {
                Goal::Ready(mode) if kstatus::watches_pods(&r.object.body, mode) => {
                    LabelSelector::of_workload(&r.object.body).ok()
                }
                _ => None,
            },
            computed: Computed::unknown(),
            recheck_at: None,
        })
        .collect()
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
    let mut states: Vec<Tracked> = tracked(resources, goal);
    if resources.is_empty() {
        return (Vec::new(), End::Settled);
    }
    let timeout = if timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        timeout
    };
    let (mut groups, mut pod_watches) = plan(resources, &states);
    let mut streams: Vec<BoxStream<'static, (Source, Seen)>> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        streams.push(watch_group(client, g, group, resources, goal));
    }
    for (p, pods) in pod_watches.iter().enumerate() {
        streams.push(watch_pods(client, p, pods, &states));
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
        let next = tokio::select! {
            next = tokio::time::timeout_at(wake, events.next()) => next,
            () = cancel.cancelled() => break End::Cancelled,
        };
        let changed = match next {
            Ok(Some((source, seen))) => {
                apply_event(source, seen, &mut groups, &mut pod_watches, &mut states)
            }
            Ok(None) => break End::TimedOut,
            Err(_) if Instant::now() >= deadline => break End::TimedOut,
            // A re-check is due.
            Err(_) => Vec::new(),
        };
        let now = Instant::now();
        for (i, t) in states.iter_mut().enumerate() {
            if changed.contains(&i) || t.recheck_at.is_some_and(|at| at <= now) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::objects::parse_objects;

    fn resources(manifest: &str, plural: &dyn Fn(&str) -> &'static str) -> Vec<Resource> {
        parse_objects(manifest)
            .expect("parse")
            .into_iter()
            .map(|object| Resource {
                plural: plural(&object.kind).to_string(),
                namespace: Some(object.namespace.clone().unwrap_or_else(|| "ns".into())),
                object,
            })
            .collect()
    }

    fn plural(kind: &str) -> &'static str {
        match kind {
            "ConfigMap" => "configmaps",
            "Deployment" => "deployments",
            _ => "statefulsets",
        }
    }

    #[test]
    fn one_watch_per_kind_and_namespace_and_one_for_pods() {
        let mut m = String::new();
        for i in 0..200 {
            m.push_str(&format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels:\n    app: x\n    n: \"{i}\"\n"
            ));
        }
        for i in 0..20 {
            m.push_str(&format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\n  labels:\n    app: x\n"));
        }
        for i in 0..2 {
            m.push_str(&format!("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: s{i}\nspec:\n  selector:\n    matchLabels:\n      s: \"{i}\"\n"));
        }
        m.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: other\n");
        let rs = resources(&m, &plural);
        let goal = Goal::Ready(Mode::Wait);
        let mut states = tracked(&rs, goal);
        let (mut groups, mut pods) = plan(&rs, &states);
        // ConfigMaps in ns, ConfigMaps in other, Deployments, StatefulSets.
        assert_eq!(groups.len(), 4);
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].owners, [220, 221]);
        // The labels all of a group's objects share select them.
        let cms = &groups[0];
        assert_eq!(
            common_labels(cms.members.values().flatten().map(|&i| &rs[i].object.body)),
            "app=x"
        );

        // A relist that lists c1 only: every other ConfigMap is gone.
        let ev = |groups: &mut Vec<Group>,
                  pods: &mut Vec<PodWatch>,
                  states: &mut Vec<Tracked>,
                  s,
                  seen| { apply_event(s, seen, groups, pods, states) };
        ev(
            &mut groups,
            &mut pods,
            &mut states,
            Source::Kind(0),
            Seen::Relist,
        );
        let c1 = serde_json::json!({"metadata": {"name": "c1"}});
        assert_eq!(
            ev(
                &mut groups,
                &mut pods,
                &mut states,
                Source::Kind(0),
                Seen::Object("c1".into(), c1)
            ),
            [1]
        );
        assert!(states[1].object.is_some());
        let gone = ev(
            &mut groups,
            &mut pods,
            &mut states,
            Source::Kind(0),
            Seen::Listed,
        );
        assert_eq!(gone.len(), 199);
        assert!(!gone.contains(&1));
        // Pods go to the owners whose selector matches, and leave when
        // their labels change.
        let pod = |s: &str| serde_json::json!({"metadata": {"name": "p", "labels": {"s": s}}});
        let changed = ev(
            &mut groups,
            &mut pods,
            &mut states,
            Source::Pods(0),
            Seen::Object("p".into(), pod("1")),
        );
        assert_eq!(changed, [221]);
        let changed = ev(
            &mut groups,
            &mut pods,
            &mut states,
            Source::Pods(0),
            Seen::Object("p".into(), pod("0")),
        );
        assert_eq!(changed, [220, 221]);
        assert!(states[221].pods.is_empty() && states[220].pods.contains_key("p"));
        // A deletion wait never narrows a watch by labels.
        let del = tracked(&rs, Goal::Deleted);
        assert!(plan(&rs, &del).1.is_empty());
    }
}
