//! Readiness of Kubernetes objects exactly as Helm 4 judges it when it waits.
//!
//! Helm v4.2.4's `watcher` wait strategy watches the released objects and
//! computes each one's status with the kstatus library
//! (`github.com/fluxcd/cli-utils` v1.2.1), swapping in readers of its own for
//! some kinds ([`Mode`]). This module reproduces those computations as pure
//! functions of the object's JSON (as the API server returns it), so that the
//! caller can drive the watches itself and call [`compute`] on every update.
//! Statuses and messages match the Go code byte for byte; golden tests under
//! `fixtures/golden/kstatus/` hold the Go results.
//!
//! What stays with the caller, because it is about watching rather than
//! judging one object:
//! * objects never seen yet are [`Computed::unknown`], deleted ones
//!   [`Computed::not_found`];
//! * a `Failed` object is not waited on any longer (Helm treats it as
//!   terminal) but is still reported;
//! * when [`Computed::recheck`] is set, kstatus recomputes the object
//!   [`SCHEDULE_WINDOW`] later even without an update;
//! * objects for which [`skipped`] holds are not waited on at all;
//! * at the end, every object that is not `Current` is reported with
//!   [`not_ready_line`].

use jiff::Timestamp;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

mod fields;
mod rules;
mod selector;
mod timestamp;

#[cfg(test)]
mod tests;

pub use selector::{LabelSelector, SelectorError};

/// How long kstatus gives a pod to be scheduled before an `Unschedulable`
/// pod counts as `Failed`; also the delay of a [`Computed::recheck`].
pub const SCHEDULE_WINDOW: Duration = Duration::from_secs(15);

/// kstatus' status of an object (`status.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Still reconciling: the wait goes on.
    InProgress,
    /// Reconciliation failed; Helm stops waiting for the object.
    Failed,
    /// Fully reconciled: what every wait waits for.
    Current,
    /// Being deleted (`metadata.deletionTimestamp` is set).
    Terminating,
    /// The object does not exist (deleted while watched).
    NotFound,
    /// No status could be computed: not seen yet, or unreadable.
    Unknown,
}

impl Status {
    /// The name kstatus (and therefore Helm's output) uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Failed => "Failed",
            Self::Current => "Current",
            Self::Terminating => "Terminating",
            Self::NotFound => "NotFound",
            Self::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The status computed for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The status.
    pub status: Status,
    /// The explanation Helm shows next to the status; empty for `Unknown`.
    pub message: String,
    /// Why the status is `Unknown`, when the object could not be read (a
    /// field of an unexpected type, an invalid selector, an unknown pod
    /// phase). Helm does not show it; it is here for logs.
    pub error: Option<String>,
    /// Whether kstatus' watcher computes the status again
    /// [`SCHEDULE_WINDOW`] after this computation without waiting for an
    /// update: it does so while a pod it looked at waits to be scheduled, so
    /// that an unschedulable pod can turn `Failed` on time. Set for pods and
    /// for StatefulSets and ReplicaSets given their pods; not for
    /// Deployments, whose re-check (through their ReplicaSets' pods) cannot
    /// change their status.
    pub recheck: bool,
}

impl Computed {
    fn new(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            error: None,
            recheck: false,
        }
    }

    fn unreadable(error: String) -> Self {
        Self {
            error: Some(error),
            ..Self::unknown()
        }
    }

    /// The status of an object the watch has not delivered yet.
    pub fn unknown() -> Self {
        Self::new(Status::Unknown, "")
    }

    /// The status of an object that was deleted while watched.
    pub fn not_found() -> Self {
        Self::new(Status::NotFound, "Resource not found")
    }

    /// Whether the object is ready.
    pub fn is_current(&self) -> bool {
        self.status == Status::Current
    }
}

/// Which of Helm's waits the status is computed for; they use different
/// readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `--wait` (`Waiter.Wait`): kstatus' default readers. A Job counts as
    /// ready as soon as it has started.
    Wait,
    /// `--wait --wait-for-jobs` (`Waiter.WaitWithJobs`): like [`Mode::Wait`],
    /// but a Job is ready only once complete (Helm's own Job reader).
    WaitWithJobs,
    /// Hook waits (`Waiter.WatchUntilReady`): Helm's Job reader, Helm's Pod
    /// reader (a pod must have succeeded), and every other kind is ready
    /// immediately.
    Hook,
}

/// Computes an object's status as Helm 4's waiter would, from the object's
/// JSON as the API server returns it.
///
/// `now` is the current time; one rule depends on it (a pending pod counts
/// as `Failed` once it has been unschedulable for [`SCHEDULE_WINDOW`] since
/// its creation).
///
/// In [`Mode::Wait`] and [`Mode::WaitWithJobs`], kstatus lists what a
/// Deployment, StatefulSet or ReplicaSet of the `apps` group selects before
/// judging it, so one whose `spec.selector` is missing or invalid is
/// `Unknown`. For StatefulSets and ReplicaSets it also looks at the selected
/// pods; this function assumes none of them has failed. Use
/// [`compute_with_pods`] for those (see [`watches_pods`]).
pub fn compute(obj: &Value, mode: Mode, now: Timestamp) -> Computed {
    compute_with_pods(obj, &[], mode, now)
}

/// Like [`compute`], given the pods kstatus would list for the object.
///
/// `pods` may be any pods: only those in the object's namespace that its
/// `spec.selector` matches are considered, and only for the objects for
/// which [`watches_pods`] holds. When such an object is `InProgress`, any of
/// those pods being `Failed` by kstatus' rules (crash-looping, say) makes it
/// `Failed` with the message `<n> pods have failed`, except pods that are
/// being deleted or wait to be scheduled.
pub fn compute_with_pods(obj: &Value, pods: &[Value], mode: Mode, now: Timestamp) -> Computed {
    let (group, kind) = fields::group_kind(obj);
    let mut computed = match (mode, group, kind) {
        (Mode::Hook, "batch", "Job") | (Mode::WaitWithJobs, "batch", "Job") => {
            rules::helm_job(obj).unwrap_or_else(|e| Computed::unreadable(e.0))
        }
        (Mode::Hook, "", "Pod") => rules::helm_pod(obj),
        (Mode::Hook, _, _) => rules::helm_always_ready(),
        (_, "apps", "Deployment" | "StatefulSet" | "ReplicaSet") => {
            workload(obj, group, kind, pods, now)
        }
        _ => rules::kstatus(obj, group, kind, now).unwrap_or_else(|e| Computed::unreadable(e.0)),
    };
    if computed.status == Status::InProgress
        && computed.error.is_none()
        && (group, kind) == ("", "Pod")
        && rules::pod_unschedulable_loose(obj)
    {
        computed.recheck = true;
    }
    computed
}

/// kstatus' readers for Deployments, StatefulSets and ReplicaSets of the
/// `apps` group:
/// they list what the selector matches before computing, so an unusable
/// selector makes the object `Unknown`; StatefulSets and ReplicaSets then
/// take their pods' failures into account.
fn workload(obj: &Value, group: &str, kind: &str, pods: &[Value], now: Timestamp) -> Computed {
    let selector = match LabelSelector::of_workload(obj) {
        Ok(selector) => selector,
        Err(e) => return Computed::unreadable(e.to_string()),
    };
    let mut computed = match rules::kstatus(obj, group, kind, now) {
        Ok(computed) => computed,
        Err(e) => return Computed::unreadable(e.0),
    };
    if kind == "Deployment" {
        // The Deployment reader lists ReplicaSets but decides from the
        // Deployment alone.
        return computed;
    }

    let namespace = fields::str_field(obj, &["metadata", "namespace"]);
    let selected = pods.iter().filter(|pod| {
        fields::str_field(pod, &["metadata", "namespace"]) == namespace && selector.matches(pod)
    });
    let mut failed_pods = 0usize;
    let mut waiting_pod = false;
    for pod in selected {
        let status = rules::kstatus(pod, "", "Pod", now).map(|c| c.status);
        if status == Ok(Status::Failed)
            && !rules::pod_deleting(pod)
            && !rules::pod_unschedulable_strict(pod)
        {
            failed_pods += 1;
        }
        if status == Ok(Status::InProgress) && rules::pod_unschedulable_loose(pod) {
            waiting_pod = true;
        }
    }
    if computed.status == Status::InProgress {
        if failed_pods > 0 {
            computed = Computed::new(Status::Failed, format!("{failed_pods} pods have failed"));
        } else {
            computed.recheck = waiting_pod;
        }
    }
    computed
}

/// Whether kstatus looks at the object's pods in this mode, so that
/// [`compute_with_pods`] needs them: StatefulSets and ReplicaSets of the
/// `apps` group (any version) in [`Mode::Wait`] and [`Mode::WaitWithJobs`]. Use
/// [`LabelSelector::of_workload`] to select (or list) them.
pub fn watches_pods(obj: &Value, mode: Mode) -> bool {
    mode != Mode::Hook
        && matches!(
            fields::group_kind(obj),
            ("apps", "StatefulSet" | "ReplicaSet")
        )
}

/// Whether Helm skips waiting on this object altogether: an apps/v1
/// Deployment with `spec.paused: true`.
///
/// Helm decides this from the object it applied (the manifest, or the API
/// server's reply to the apply), not from watch updates, and in all three
/// waits alike.
pub fn skipped(obj: &Value) -> bool {
    fields::str_field(obj, &["apiVersion"]) == "apps/v1"
        && fields::str_field(obj, &["kind"]) == "Deployment"
        && fields::nested(obj, &["spec", "paused"]) == Ok(Some(&Value::Bool(true)))
}

/// The line Helm reports for an object that is not ready when a wait ends:
/// `resource <Kind>/<namespace>/<name> not ready. status: <S>, message: <M>`.
///
/// `namespace` is empty for cluster-scoped objects.
pub fn not_ready_line(kind: &str, namespace: &str, name: &str, computed: &Computed) -> String {
    format!(
        "resource {kind}/{namespace}/{name} not ready. status: {}, message: {}",
        computed.status, computed.message
    )
}
