//! The per-object rules: kstatus' `status.Compute` (fluxcd/cli-utils v1.2.1
//! `pkg/kstatus/status`), Helm's own Job and Pod readers
//! (`internal/statusreaders`) and Helm's "always ready" hook reader.
//!
//! Messages are reproduced byte for byte: Helm prints them to users.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::fields::{self, Condition, Read};
use super::timestamp::parse_go_rfc3339;
use super::{Computed, SCHEDULE_WINDOW, Status};

fn current(message: impl Into<String>) -> Computed {
    Computed::new(Status::Current, message)
}

fn in_progress(message: impl Into<String>) -> Computed {
    Computed::new(Status::InProgress, message)
}

fn failed(message: impl Into<String>) -> Computed {
    Computed::new(Status::Failed, message)
}

/// kstatus' `status.Compute` for an object of the given group and kind.
///
/// The group and kind are passed in rather than read because kstatus
/// dispatches on the apiVersion's group (and on nothing for a malformed
/// apiVersion), and because pods listed for a workload count as pods
/// whatever their own `kind` field says.
pub(crate) fn kstatus(obj: &Value, group: &str, kind: &str, now: Timestamp) -> Read<Computed> {
    if let Some(decided) = generic(obj)? {
        return Ok(decided);
    }
    let rule: Option<fn(&Value, Timestamp) -> Read<Computed>> = match (group, kind) {
        ("", "Service") => Some(|o, _| Ok(service(o))),
        ("", "Pod") => Some(pod),
        ("", "Secret" | "ConfigMap") | ("batch", "CronJob") => {
            Some(|_, _| Ok(current("Resource is always ready")))
        }
        ("", "PersistentVolumeClaim") => Some(|o, _| Ok(pvc(o))),
        ("apps", "StatefulSet") => Some(|o, _| Ok(statefulset(o))),
        ("apps" | "extensions", "DaemonSet") => Some(|o, _| daemonset(o)),
        ("apps" | "extensions", "Deployment") => Some(|o, _| deployment(o)),
        ("apps" | "extensions", "ReplicaSet") => Some(|o, _| replicaset(o)),
        ("policy", "PodDisruptionBudget") => {
            Some(|_, _| Ok(current("AllowedDisruptions has been computed.")))
        }
        ("batch", "Job") => Some(|o, _| job(o)),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => Some(|o, _| crd(o)),
        _ => None,
    };
    if let Some(rule) = rule {
        return rule(obj, now);
    }
    // Not a kind kstatus knows: a `Ready` condition decides if there is one
    // with a recognised status, else the object is taken as reconciled.
    for c in fields::conditions(obj)? {
        if c.type_ != "Ready" {
            continue;
        }
        match c.status.as_str() {
            "True" => return Ok(current("Resource is Ready")),
            "False" | "Unknown" => return Ok(in_progress(c.message)),
            _ => {}
        }
    }
    Ok(current("Resource is current"))
}

/// The checks kstatus applies to every object before its kind's rule:
/// deletion, an unobserved generation, and the `Reconciling` and `Stalled`
/// conditions, first match wins.
fn generic(obj: &Value) -> Read<Option<Computed>> {
    let deletion = fields::nested_str(obj, &["metadata", "deletionTimestamp"])?;
    if deletion.is_some_and(|d| !d.is_empty()) {
        return Ok(Some(Computed::new(
            Status::Terminating,
            "Resource scheduled for deletion",
        )));
    }
    if let Some(generation) = fields::nested_i64(obj, &["metadata", "generation"])? {
        let observed = fields::nested_i64(obj, &["status", "observedGeneration"])?;
        if let Some(observed) = observed.filter(|o| *o != generation) {
            let kind = fields::str_field(obj, &["kind"]);
            return Ok(Some(in_progress(format!(
                "{kind} generation is {generation}, but latest observed generation is {observed}"
            ))));
        }
    }
    for c in fields::conditions(obj)? {
        if c.type_ == "Reconciling" && c.status == "True" {
            return Ok(Some(in_progress(c.message)));
        }
        if c.type_ == "Stalled" && c.status == "True" {
            return Ok(Some(failed(c.message)));
        }
    }
    Ok(None)
}

fn has_condition(conditions: &[Condition], type_: &str, status: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == status)
}

fn service(obj: &Value) -> Computed {
    let type_ = fields::str_or(obj, &["spec", "type"], "ClusterIP");
    let cluster_ip = fields::str_or(obj, &["spec", "clusterIP"], "");
    if type_ == "LoadBalancer" && cluster_ip.is_empty() {
        return in_progress("ClusterIP not set. Service type: LoadBalancer");
    }
    current("Service is ready")
}

fn pvc(obj: &Value) -> Computed {
    let phase = fields::str_or(obj, &["status", "phase"], "unknown");
    if phase != "Bound" {
        return in_progress(format!("PVC is not Bound. phase: {phase}"));
    }
    current("PVC is Bound")
}

fn pod(obj: &Value, now: Timestamp) -> Read<Computed> {
    let conditions = fields::conditions(obj)?;
    match fields::str_or(obj, &["status", "phase"], "") {
        "Succeeded" => Ok(current("Pod has completed successfully")),
        // A failed pod counts as done: kstatus only reports whether the
        // controller has finished with it.
        "Failed" => Ok(current("Pod has completed, but not successfully")),
        "Running" => {
            if has_condition(&conditions, "Ready", "True") {
                return Ok(current("Pod is Ready"));
            }
            let crashing = crash_looping_containers(obj)?;
            if !crashing.is_empty() {
                return Ok(failed(format!(
                    "Containers in CrashLoop state: {}",
                    crashing.join(",")
                )));
            }
            Ok(in_progress("Pod is running but is not Ready"))
        }
        "Pending" => {
            let scheduled_false = conditions
                .iter()
                .find(|c| c.type_ == "PodScheduled" && c.status == "False");
            if scheduled_false.is_some_and(|c| c.reason == "Unschedulable") {
                // A pod gets SCHEDULE_WINDOW after its creation to be
                // scheduled; an unreadable creation time counts as long ago.
                let created =
                    parse_go_rfc3339(fields::str_field(obj, &["metadata", "creationTimestamp"]));
                let window_start = now.checked_sub(window()).ok();
                let young = matches!((window_start, created), (Some(start), Some(created)) if start < created);
                if young {
                    return Ok(in_progress("Pod has not been scheduled"));
                }
                return Ok(failed("Pod could not be scheduled"));
            }
            Ok(in_progress("Pod is in the Pending phase"))
        }
        "" => Ok(in_progress("Pod phase not available")),
        other => Err(fields::FieldError(format!("unknown phase {other}"))),
    }
}

fn window() -> SignedDuration {
    SignedDuration::from_secs(i64::try_from(SCHEDULE_WINDOW.as_secs()).unwrap_or(15))
}

/// Names of the containers waiting in `CrashLoopBackOff`, in order. Entries
/// without a name, state, waiting state or reason are passed over. Entries
/// of the wrong JSON type make Go's reader panic (crashing Helm); here they
/// make the pod `Unknown` instead.
fn crash_looping_containers(obj: &Value) -> Read<Vec<String>> {
    let statuses = match fields::nested(obj, &["status", "containerStatuses"])? {
        None => return Ok(Vec::new()),
        Some(Value::Array(statuses)) => statuses,
        Some(other) => {
            return Err(fields::FieldError(format!(
                ".status.containerStatuses accessor error: {other} is not a slice"
            )));
        }
    };
    let would_panic = || fields::FieldError("malformed container status".into());
    let mut names = Vec::new();
    for status in statuses {
        let status = status.as_object().ok_or_else(would_panic)?;
        let Some(name) = status.get("name") else {
            continue;
        };
        let name = name.as_str().ok_or_else(would_panic)?;
        let Some(state) = status.get("state") else {
            continue;
        };
        let Some(waiting) = state.as_object().ok_or_else(would_panic)?.get("waiting") else {
            continue;
        };
        let Some(reason) = waiting.as_object().ok_or_else(would_panic)?.get("reason") else {
            continue;
        };
        if reason.as_str().ok_or_else(would_panic)? == "CrashLoopBackOff" {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// StatefulSets set no conditions, so only the replica counts and revisions
/// tell whether a rollout finished.
fn statefulset(obj: &Value) -> Computed {
    if fields::str_or(obj, &["spec", "updateStrategy", "type"], "") == "OnDelete" {
        return current("StatefulSet is using the ondelete update strategy");
    }
    let spec = fields::int_or(obj, &["spec", "replicas"], 1);
    let ready = fields::int_or(obj, &["status", "readyReplicas"], 0);
    let current_replicas = fields::int_or(obj, &["status", "currentReplicas"], 0);
    let updated = fields::int_or(obj, &["status", "updatedReplicas"], 0);
    let replicas = fields::int_or(obj, &["status", "replicas"], 0);
    let partition = fields::int_or(
        obj,
        &["spec", "updateStrategy", "rollingUpdate", "partition"],
        -1,
    );

    if spec > replicas {
        return in_progress(format!("Replicas: {replicas}/{spec}"));
    }
    if spec > ready {
        return in_progress(format!("Ready: {ready}/{spec}"));
    }
    if replicas > spec {
        return in_progress(format!(
            "Pending termination: {}",
            replicas.wrapping_sub(spec)
        ));
    }
    // Any explicit partition, 0 included (which the API server defaults
    // for RollingUpdate), ends the checks here.
    if partition != -1 {
        let wanted = spec.wrapping_sub(partition);
        if updated < wanted {
            return in_progress(format!("updated: {updated}/{wanted}"));
        }
        return current(format!("Partition rollout complete. updated: {updated}"));
    }
    if spec > current_replicas {
        return in_progress(format!("current: {current_replicas}/{spec}"));
    }
    let current_revision = fields::str_or(obj, &["status", "currentRevision"], "");
    let update_revision = fields::str_or(obj, &["status", "updateRevision"], "");
    if current_revision != update_revision {
        return in_progress("Waiting for updated revision to match current");
    }
    current(format!(
        "All replicas scheduled as expected. Replicas: {replicas}"
    ))
}

fn deployment(obj: &Value) -> Read<Computed> {
    // Without a progress deadline (or with the controller's "infinite" one)
    // the controller never sets the Progressing condition this waits for.
    let mut progressing = fields::int_or(
        obj,
        &["spec", "progressDeadlineSeconds"],
        i64::from(i32::MAX),
    ) == i64::from(i32::MAX);
    let mut available = false;
    for c in fields::conditions(obj)? {
        match c.type_.as_str() {
            "Progressing" => {
                if c.reason == "ProgressDeadlineExceeded" {
                    return Ok(failed("Progress deadline exceeded"));
                }
                if c.status == "True" && c.reason == "NewReplicaSetAvailable" {
                    progressing = true;
                }
            }
            "Available" if c.status == "True" => available = true,
            _ => {}
        }
    }

    let spec = fields::int_or(obj, &["spec", "replicas"], 1);
    let replicas = fields::int_or(obj, &["status", "replicas"], 0);
    let updated = fields::int_or(obj, &["status", "updatedReplicas"], 0);
    let ready = fields::int_or(obj, &["status", "readyReplicas"], 0);
    let available_replicas = fields::int_or(obj, &["status", "availableReplicas"], 0);

    if spec > replicas {
        return Ok(in_progress(format!("Replicas: {replicas}/{spec}")));
    }
    if spec > updated {
        return Ok(in_progress(format!("Updated: {updated}/{spec}")));
    }
    if replicas > spec {
        return Ok(in_progress(format!(
            "Pending termination: {}",
            replicas.wrapping_sub(spec)
        )));
    }
    if updated > available_replicas {
        return Ok(in_progress(format!(
            "Available: {available_replicas}/{updated}"
        )));
    }
    if spec > ready {
        return Ok(in_progress(format!("Ready: {ready}/{spec}")));
    }
    if !progressing {
        return Ok(in_progress("ReplicaSet not Available"));
    }
    if !available {
        return Ok(in_progress("Deployment not Available"));
    }
    Ok(current(format!(
        "Deployment is available. Replicas: {replicas}"
    )))
}

fn replicaset(obj: &Value) -> Read<Computed> {
    if has_condition(&fields::conditions(obj)?, "ReplicaFailure", "True") {
        return Ok(in_progress("Replica Failure condition. Check Pods"));
    }
    let spec = fields::int_or(obj, &["spec", "replicas"], 1);
    let replicas = fields::int_or(obj, &["status", "replicas"], 0);
    let ready = fields::int_or(obj, &["status", "readyReplicas"], 0);
    let available = fields::int_or(obj, &["status", "availableReplicas"], 0);
    let labelled = fields::int_or(obj, &["status", "fullyLabeledReplicas"], 0);

    if spec > labelled {
        return Ok(in_progress(format!("Labelled: {labelled}/{spec}")));
    }
    if spec > available {
        return Ok(in_progress(format!("Available: {available}/{spec}")));
    }
    if spec > ready {
        return Ok(in_progress(format!("Ready: {ready}/{spec}")));
    }
    if replicas > spec {
        return Ok(in_progress(format!(
            "Pending termination: {}",
            replicas.wrapping_sub(spec)
        )));
    }
    Ok(current(format!(
        "ReplicaSet is available. Replicas: {replicas}"
    )))
}

fn daemonset(obj: &Value) -> Read<Computed> {
    // Unlike other kinds, a DaemonSet must show both generations: the
    // controller always sets them once it has acted.
    let kind = fields::str_field(obj, &["kind"]);
    if fields::nested_i64(obj, &["metadata", "generation"])?.is_none() {
        return Ok(in_progress(format!("{kind} metadata.generation not found")));
    }
    if fields::nested_i64(obj, &["status", "observedGeneration"])?.is_none() {
        return Ok(in_progress(format!(
            "{kind} status.observedGeneration not found"
        )));
    }

    let desired = fields::int_or(obj, &["status", "desiredNumberScheduled"], -1);
    let scheduled = fields::int_or(obj, &["status", "currentNumberScheduled"], 0);
    let updated = fields::int_or(obj, &["status", "updatedNumberScheduled"], 0);
    let available = fields::int_or(obj, &["status", "numberAvailable"], 0);
    let ready = fields::int_or(obj, &["status", "numberReady"], 0);

    if desired == -1 {
        return Ok(in_progress("Missing .status.desiredNumberScheduled"));
    }
    if desired > scheduled {
        return Ok(in_progress(format!("Current: {scheduled}/{desired}")));
    }
    if desired > updated {
        return Ok(in_progress(format!("Updated: {updated}/{desired}")));
    }
    if desired > available {
        return Ok(in_progress(format!("Available: {available}/{desired}")));
    }
    if desired > ready {
        return Ok(in_progress(format!("Ready: {ready}/{desired}")));
    }
    Ok(current(format!(
        "All replicas scheduled as expected. Replicas: {desired}"
    )))
}

/// kstatus' Job rule: a Job counts as ready as soon as it has started.
fn job(obj: &Value) -> Read<Computed> {
    let parallelism = fields::int_or(obj, &["spec", "parallelism"], 1);
    let completions = fields::int_or(obj, &["spec", "completions"], parallelism);
    let succeeded = fields::int_or(obj, &["status", "succeeded"], 0);
    let active = fields::int_or(obj, &["status", "active"], 0);
    let failures = fields::int_or(obj, &["status", "failed"], 0);
    let start_time = fields::str_or(obj, &["status", "startTime"], "");

    for c in fields::conditions(obj)? {
        match (c.type_.as_str(), c.status.as_str()) {
            ("Complete", "True") => {
                return Ok(current(format!(
                    "Job Completed. succeeded: {succeeded}/{completions}"
                )));
            }
            ("Failed", "True") => {
                return Ok(failed(format!(
                    "Job Failed. failed: {failures}/{completions}"
                )));
            }
            _ => {}
        }
    }
    if start_time.is_empty() {
        return Ok(in_progress("Job not started"));
    }
    Ok(current(format!(
        "Job in progress. success:{succeeded}, active: {active}, failed: {failures}"
    )))
}

fn crd(obj: &Value) -> Read<Computed> {
    for c in fields::conditions(obj)? {
        if c.type_ == "NamesAccepted" && c.status == "False" {
            return Ok(failed(c.message));
        }
        if c.type_ == "Established" {
            if c.status == "False" && c.reason != "Installing" {
                return Ok(failed(c.message));
            }
            if c.status == "True" {
                return Ok(current("CRD is established"));
            }
        }
    }
    Ok(in_progress("Install in progress"))
}

/// Helm's Job reader (`--wait-for-jobs` and hooks): only a completed Job is
/// ready. It skips kstatus' generic checks, so deletion, generations and
/// `Reconciling`/`Stalled` conditions play no part.
pub(crate) fn helm_job(obj: &Value) -> Read<Computed> {
    let parallelism = fields::int_or(obj, &["spec", "parallelism"], 1);
    let completions = fields::int_or(obj, &["spec", "completions"], parallelism);
    let succeeded = fields::int_or(obj, &["status", "succeeded"], 0);
    let failures = fields::int_or(obj, &["status", "failed"], 0);
    for c in fields::conditions(obj)? {
        match (c.type_.as_str(), c.status.as_str()) {
            ("Complete", "True") => {
                return Ok(current(format!(
                    "Job Completed. succeeded: {succeeded}/{completions}"
                )));
            }
            ("Failed", "True") => {
                return Ok(failed(format!(
                    "Job Failed. failed: {failures}/{completions}"
                )));
            }
            _ => {}
        }
    }
    Ok(in_progress("Job in progress"))
}

/// Helm's Pod reader for hooks: only the phase counts, so it cannot fail to
/// read an object.
pub(crate) fn helm_pod(obj: &Value) -> Computed {
    let name = fields::str_field(obj, &["metadata", "name"]);
    match fields::str_or(obj, &["status", "phase"], "") {
        "Succeeded" => current(format!("pod {name} succeeded")),
        "Failed" => failed(format!("pod {name} failed")),
        _ => in_progress("Pod in progress"),
    }
}

/// What Helm's hook wait reports for every kind but Jobs and Pods.
pub(crate) fn helm_always_ready() -> Computed {
    current("Resource is current")
}

/// Whether a pod waits for a node, as kstatus' pod-controller reader checks
/// it (through the strict condition reader: unreadable conditions say no).
pub(crate) fn pod_unschedulable_strict(pod: &Value) -> bool {
    fields::conditions(pod).is_ok_and(|conditions| {
        conditions.iter().any(|c| {
            c.type_ == "PodScheduled" && c.status == "False" && c.reason == "Unschedulable"
        })
    })
}

/// Whether a pod waits for a node, as kstatus' watcher checks it before
/// scheduling a re-check: it reads the conditions loosely and stops at the
/// first entry that is not an object.
pub(crate) fn pod_unschedulable_loose(pod: &Value) -> bool {
    let Ok(Some(Value::Array(conditions))) = fields::nested(pod, &["status", "conditions"]) else {
        return false;
    };
    for c in conditions {
        let Some(c) = c.as_object() else {
            return false;
        };
        let is = |k: &str, v: &str| c.get(k).and_then(Value::as_str) == Some(v);
        if is("type", "PodScheduled") && is("status", "False") && is("reason", "Unschedulable") {
            return true;
        }
    }
    false
}

/// Whether a pod's deletion timestamp reads as a time (Go's zero time, which
/// an unparsable value gives, does not count).
pub(crate) fn pod_deleting(pod: &Value) -> bool {
    let go_zero = parse_go_rfc3339("0001-01-01T00:00:00Z");
    parse_go_rfc3339(fields::str_field(pod, &["metadata", "deletionTimestamp"]))
        .is_some_and(|t| Some(t) != go_zero)
}
