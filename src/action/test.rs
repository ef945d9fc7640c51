//! `test`: run a release's test hooks (Helm's `action.ReleaseTesting`).
//!
//! The newest revision's hooks of the `test` event (charts' legacy
//! `test-success` annotation is read as `test` when a release is made),
//! narrowed by `--filter`, run in order of weight then name with their
//! delete policies; each one's phase and times are recorded in the release
//! record. The hooks filtered out move to the front of the record's list,
//! as Helm leaves them. With `--logs`, the test pods' logs are read; helm
//! 4 reads them before the delete policies remove the pods, helm 3 after.
//!
//! What rudder adds: the release's lock is held throughout, every record
//! write is conditional on the record not having changed since it was
//! read, and the record keeps every hook while the tests run (helm writes
//! only the selected ones until the end).

use std::time::Duration;

use serde_json::Value;

use crate::cluster::{Cluster, ClusterError, Progress};
use crate::compat::Compat;
use crate::release::name::validate_name;
use crate::release::{Hook, Release};
use crate::storage::{Driver, Storage};

use super::ActionError;
use super::hooks::{Cleanup, HookRun, Tracked};
use super::lock::with_lock;

/// The hook event tests run at.
const TEST_EVENT: &str = "test";

/// Which tests to run, by hook name (`--filter name=x`, `--filter
/// '!name=x'`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TestFilters {
    /// Only these run, when any are given.
    pub include: Vec<String>,
    /// These never run.
    pub exclude: Vec<String>,
}

impl TestFilters {
    /// Reads `--filter` values as helm does: `name=x` includes `x`,
    /// `!name=x` (or `! name=x`) excludes it, anything else is ignored.
    pub fn from_flags(values: &[String]) -> TestFilters {
        let mut filters = TestFilters::default();
        for v in values {
            if let Some(name) = v.strip_prefix("name=") {
                filters.include.push(name.to_string());
            } else if let Some(rest) = v.strip_prefix('!') {
                // helm's `^!\s?name=`: at most one whitespace character.
                let rest = match rest.chars().next() {
                    Some(c) if c.is_whitespace() => &rest[c.len_utf8()..],
                    _ => rest,
                };
                if let Some(name) = rest.strip_prefix("name=") {
                    filters.exclude.push(name.to_string());
                }
            }
        }
        filters
    }

    /// Whether the hook named `name` runs.
    pub fn selects(&self, name: &str) -> bool {
        let listed = |list: &[String]| list.iter().any(|n| n == name);
        !listed(&self.exclude) && (self.include.is_empty() || listed(&self.include))
    }

    /// The hooks in the order Helm leaves them in the record: those
    /// filtered out first (the excluded ones, then those not included),
    /// then the selected ones, each group in its original order.
    fn reorder(&self, hooks: Vec<Hook>) -> Vec<Hook> {
        let mut skipped = Vec::new();
        let mut running = hooks;
        if !self.exclude.is_empty() {
            let (out, kept): (Vec<Hook>, Vec<Hook>) = running
                .into_iter()
                .partition(|h| self.exclude.contains(&h.name));
            skipped.extend(out);
            running = kept;
        }
        if !self.include.is_empty() {
            let (kept, out): (Vec<Hook>, Vec<Hook>) = running
                .into_iter()
                .partition(|h| self.include.contains(&h.name));
            skipped.extend(out);
            running = kept;
        }
        skipped.extend(running);
        skipped
    }
}

/// `test` options (helm's flags).
#[derive(Clone, Debug)]
pub struct TestOptions {
    /// How long each test may take.
    pub timeout: Duration,
    /// Which tests run.
    pub filters: TestFilters,
    /// Read the test pods' logs (`--logs`).
    pub logs: bool,
    /// The helm version imitated: when logs are read (helm 4: before the
    /// delete policies apply; helm 3: after) and how they and failures
    /// are worded.
    pub compat: Compat,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            timeout: Duration::from_secs(300),
            filters: TestFilters::default(),
            logs: false,
            compat: Compat::V4,
        }
    }
}

/// What a test run did. A failed test is not an `Err` of
/// [`release_test`]: the release is still shown, with its tests' phases,
/// and then `error`.
#[derive(Debug)]
pub struct TestOutcome {
    /// The release as recorded after the run.
    pub release: Release,
    /// With `--logs`: each test pod's log under a `POD LOGS:` heading, as
    /// helm prints them after the release.
    pub logs: Vec<u8>,
    /// Why the run failed (a test failed, a log could not be read, a
    /// clean-up failed), in the imitated helm's words.
    pub error: Option<ActionError>,
}

/// Runs the tests of release `name`.
pub async fn release_test<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &TestOptions,
    progress: &dyn Progress,
) -> Result<TestOutcome, ActionError> {
    if validate_name(name).is_err() {
        return Err(ActionError::Invalid(format!(
            "releaseTest: Release name is invalid: {name}"
        )));
    }
    let work = test_locked(storage, cluster, name, options, progress);
    with_lock(cluster, storage.namespace(), name, "test", progress, work).await
}

async fn test_locked<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    name: &str,
    options: &TestOptions,
    progress: &dyn Progress,
) -> Result<TestOutcome, ActionError> {
    let mut tracked = Tracked::from(storage.last(name).await?.record);
    let hooks = std::mem::take(&mut tracked.release.hooks);
    tracked.release.hooks = options.filters.reorder(hooks);

    let run = HookRun {
        storage,
        cluster,
        progress,
        timeout: options.timeout,
    };
    let filters = &options.filters;
    let (ran, cleanup) = run
        .run_deferred(&mut tracked, TEST_EVENT, &|h| filters.selects(&h.name))
        .await;
    let mut run_error = ran.err();
    if options.compat == Compat::V3
        && let Some(e) = run_error.take()
    {
        run_error = Some(v3_failure(cluster, &tracked.release.namespace, &cleanup, e).await);
    }
    match tracked.save(storage).await {
        Ok(()) => {}
        // helm ignores this write's failure when a test failed.
        Err(e) if run_error.is_some() => {
            progress.note(&format!("warning: recording the test results failed: {e}"))
        }
        Err(e) => run_error = Some(e.into()),
    }

    let namespace = storage.namespace();
    let mut logs = Vec::new();
    let error = match options.compat {
        Compat::V4 => {
            let log_error = if options.logs {
                v4_logs(cluster, namespace, &tracked.release, filters, &mut logs).await
            } else {
                None
            };
            let cleaned = run.clean_up(cleanup).await.err();
            match (run_error, log_error) {
                (Some(r), Some(l)) => Some(ActionError::failed_with(format!("{r}\n{l}"), r)),
                (Some(r), None) => Some(r),
                (None, Some(l)) => Some(l),
                (None, None) => cleaned,
            }
        }
        Compat::V3 => {
            // helm 3 cleans up inside the run: a failed clean-up is the
            // run's error, and the pods are gone before their logs are read.
            let cleaned = run.clean_up(cleanup).await.err();
            let run_error = cleaned.or(run_error);
            let log_error = if options.logs {
                v3_logs(cluster, namespace, &tracked.release, filters, &mut logs).await
            } else {
                None
            };
            log_error.or(run_error)
        }
    };
    Ok(TestOutcome {
        release: tracked.release,
        logs,
        error,
    })
}

/// The test hooks whose logs are read, in order of weight then name (a
/// stable sort of the record's order, as Helm's).
fn logged_tests<'a>(release: &'a Release, filters: &TestFilters) -> Vec<&'a Hook> {
    let mut hooks: Vec<&Hook> = release
        .hooks
        .iter()
        .filter(|h| h.events.iter().any(|e| e == TEST_EVENT) && filters.selects(&h.name))
        .collect();
    hooks.sort_by(|a, b| (a.weight, &a.name).cmp(&(b.weight, &b.name)));
    hooks
}

/// helm 4's `GetPodLogs`: every container of every test pod (init
/// containers first), each under `POD LOGS: pod (container)`. A missing
/// pod stops there; a container whose log cannot be read is skipped and
/// reported at the end.
async fn v4_logs<C: Cluster>(
    cluster: &C,
    namespace: &str,
    release: &Release,
    filters: &TestFilters,
    out: &mut Vec<u8>,
) -> Option<ActionError> {
    for hook in logged_tests(release, filters) {
        let pod = &hook.name;
        let containers = match cluster.pod_containers(namespace, pod).await {
            Ok(c) => c,
            Err(e) => return Some(log_error(format!("unable to get pod {pod}: {e}"), e)),
        };
        let mut errs = Vec::new();
        for c in &containers {
            match cluster.pod_log(namespace, pod, Some(c)).await {
                Ok(log) => {
                    out.extend_from_slice(format!("POD LOGS: {pod} ({c})\n").as_bytes());
                    out.extend_from_slice(&log);
                    out.push(b'\n');
                }
                Err(e) => errs.push(format!(
                    "unable to get logs for pod {pod}, container {c}: {e}"
                )),
            }
        }
        if !errs.is_empty() {
            return Some(ActionError::Failed(errs.join("\n")));
        }
    }
    None
}

/// helm 3's `GetPodLogs`: each test pod's log (its only container's)
/// under `POD LOGS: pod`; the first failure stops there.
async fn v3_logs<C: Cluster>(
    cluster: &C,
    namespace: &str,
    release: &Release,
    filters: &TestFilters,
    out: &mut Vec<u8>,
) -> Option<ActionError> {
    for hook in logged_tests(release, filters) {
        let pod = &hook.name;
        match cluster.pod_log(namespace, pod, None).await {
            Ok(log) => {
                out.extend_from_slice(format!("POD LOGS: {pod}\n").as_bytes());
                out.extend_from_slice(&log);
                out.push(b'\n');
            }
            Err(e) => {
                return Some(log_error(
                    format!("unable to get pod logs for {pod}: {e}"),
                    e,
                ));
            }
        }
    }
    None
}

fn log_error(message: String, cause: ClusterError) -> ActionError {
    ActionError::failed_with(message, cause)
}

/// A failed test in helm 3's words. helm 3 watches a hook's Job or Pod
/// itself and reports, in its multi-error list, `pod x failed`, `job x
/// failed: <reason>`, or a timeout; rudder's wait reports kstatus' view
/// (helm 4's words), so the hook's objects are read again to tell which.
/// Other errors are left as they are.
async fn v3_failure<C: Cluster>(
    cluster: &C,
    namespace: &str,
    cleanup: &Cleanup,
    error: ActionError,
) -> ActionError {
    let (Some(hook), ActionError::Cluster(ClusterError::Wait(_))) = (cleanup.failed(), &error)
    else {
        return error;
    };
    let Ok(resources) = cluster.build(&hook.manifest, namespace).await else {
        return error;
    };
    let mut items = Vec::new();
    for r in &resources {
        let kind = r.object.kind.as_str();
        if kind != "Pod" && kind != "Job" {
            continue;
        }
        let live = cluster.get(r).await.ok().flatten();
        items.push(v3_item(kind, &r.object.name, live.as_ref()));
    }
    if items.is_empty() {
        return error;
    }
    ActionError::failed_with(multierror(&items), error)
}

/// What helm 3's watch of one hook Job or Pod says when it did not
/// succeed.
fn v3_item(kind: &str, name: &str, live: Option<&Value>) -> String {
    let failed_job_reason = live.and_then(|o| {
        o.pointer("/status/conditions")?
            .as_array()?
            .iter()
            .find(|c| {
                c.get("type").and_then(Value::as_str) == Some("Failed")
                    && c.get("status").and_then(Value::as_str) == Some("True")
            })
            .map(|c| {
                c.get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
    });
    let pod_failed = live
        .and_then(|o| o.pointer("/status/phase"))
        .and_then(Value::as_str)
        == Some("Failed");
    match kind {
        "Pod" if pod_failed => format!("pod {name} failed"),
        "Job" if failed_job_reason.is_some() => {
            format!(
                "job {name} failed: {}",
                failed_job_reason.unwrap_or_default()
            )
        }
        // client-go's `wait.ErrWaitTimeout`.
        _ => "timed out waiting for the condition".to_string(),
    }
}

/// hashicorp/go-multierror's default format.
fn multierror(items: &[String]) -> String {
    if let [one] = items {
        return format!("1 error occurred:\n\t* {one}\n\n");
    }
    let points: Vec<String> = items.iter().map(|i| format!("* {i}")).collect();
    format!(
        "{} errors occurred:\n\t{}\n\n",
        items.len(),
        points.join("\n\t")
    )
}

#[cfg(test)]
#[path = "test_tests.rs"]
mod tests;
