//! The per-release lock: a `coordination.k8s.io/v1` Lease named
//! `rudder.lock.<release>` in the release's namespace.
//!
//! It is taken with create-only semantics (the API server lets exactly one
//! create win), renewed every few seconds while the operation runs, and
//! deleted at the end. A holder that dies stops renewing, so its Lease
//! expires after [`LEASE_SECONDS`] and the next operation (or `recover`)
//! may take it over, with the Lease's `resourceVersion` as the guard
//! against two takers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kube::Client;
use serde_json::{Value, json};

use super::error::ClusterError;
use super::interface::{LockError, LockHolder};
use super::request::get_optional;

/// How long a renewal keeps the lock.
pub const LEASE_SECONDS: u64 = 15;

/// How often the holder renews: well inside [`LEASE_SECONDS`], so one
/// slow request does not lose the lock.
const RENEW_EVERY: Duration = Duration::from_secs(5);

const OPERATION_ANNOTATION: &str = "rudder.dev/operation";
const RELEASE_LABEL: &str = "rudder.dev/release";

/// The Lease's name for a release.
pub fn lease_name(release: &str) -> String {
    format!("rudder.lock.{release}")
}

fn lease_path(namespace: &str, name: Option<&str>) -> String {
    let base = format!("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases");
    match name {
        Some(n) => format!("{base}/{n}"),
        None => base,
    }
}

/// A held lock; renewed in the background until [`Lease::release`].
pub struct Lease {
    client: Client,
    namespace: String,
    name: String,
    holder: String,
    state: Arc<tokio::sync::Mutex<String>>,
    lost: Arc<AtomicBool>,
    renewer: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Lease {
    /// True if another operation took the lock over (this one stopped
    /// renewing in time, or the Lease was removed).
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// Stops renewing and deletes the Lease, unless someone else holds it
    /// by now.
    pub async fn release(self) {
        self.renewer.abort();
        let rv = self.state.lock().await.clone();
        if self.delete_at(&rv).await != Some(409) {
            return;
        }
        // A renewal raced the abort and moved the resourceVersion on: if
        // the Lease is still ours, delete it at its current version, so the
        // next operation need not wait for it to expire.
        if let Ok(Some(lease)) = get(&self.client, &self.namespace, &self.name).await
            && parse_holder(&lease).is_some_and(|h| h.holder == self.holder)
            && let Some(rv) = lease
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
        {
            self.delete_at(rv).await;
        }
    }

    /// Deletes the Lease if it is at `rv`; returns the HTTP status of a
    /// failure. Failing to delete is harmless: the Lease expires.
    async fn delete_at(&self, rv: &str) -> Option<u16> {
        let body = json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "preconditions": {"resourceVersion": rv},
        });
        match send(
            &self.client,
            http::Request::delete(lease_path(&self.namespace, Some(&self.name))),
            &body,
        )
        .await
        {
            Ok(_) => None,
            Err(e) => Some(code(&e).unwrap_or(0)),
        }
    }
}

/// `host/pid/nonce`: enough to tell operations apart and to find the
/// process behind one.
fn identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    let nonce = jiff::Timestamp::now().as_nanosecond() % 1_000_000_007;
    format!("{host}/{}/{nonce:x}", std::process::id())
}

fn micro_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

fn spec(holder: &str, now: jiff::Timestamp, acquired: jiff::Timestamp, transitions: i64) -> Value {
    json!({
        "holderIdentity": holder,
        "leaseDurationSeconds": LEASE_SECONDS,
        "acquireTime": micro_time(acquired),
        "renewTime": micro_time(now),
        "leaseTransitions": transitions,
    })
}

async fn send(
    client: &Client,
    req: http::request::Builder,
    body: &Value,
) -> Result<Value, kube::Error> {
    let bytes = serde_json::to_vec(body).map_err(kube::Error::SerdeError)?;
    let req = req
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(bytes)
        .map_err(|e| kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e)))?;
    client.request::<Value>(req).await
}

async fn get(client: &Client, namespace: &str, name: &str) -> Result<Option<Value>, kube::Error> {
    get_optional(
        client,
        http::Request::get(lease_path(namespace, Some(name))),
    )
    .await
}

fn code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

fn parse_holder(lease: &Value) -> Option<LockHolder> {
    let spec = lease.get("spec")?;
    let holder = spec.get("holderIdentity")?.as_str()?.to_string();
    if holder.is_empty() {
        return None;
    }
    let ts = |k: &str| {
        spec.get(k)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
    };
    Some(LockHolder {
        holder,
        operation: lease
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(OPERATION_ANNOTATION))
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_string(),
        acquired: ts("acquireTime"),
        renewed: ts("renewTime"),
        duration: Duration::from_secs(
            spec.get("leaseDurationSeconds")
                .and_then(Value::as_u64)
                .unwrap_or(LEASE_SECONDS),
        ),
    })
}

/// Who holds the release's Lease, if anyone.
pub async fn holder(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<Option<LockHolder>, ClusterError> {
    let lease = get(client, namespace, &lease_name(release))
        .await
        .map_err(|e| ClusterError::from_kube("unable to read the release lock", e))?;
    Ok(lease.as_ref().and_then(parse_holder))
}

/// Deletes the release's Lease, whoever holds it.
pub async fn break_lock(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<(), ClusterError> {
    let req = http::Request::delete(lease_path(namespace, Some(&lease_name(release))))
        .body(Vec::new())
        .map_err(|e| ClusterError::Other(e.to_string()))?;
    match client.request::<Value>(req).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(ClusterError::from_kube(
            "unable to break the release lock",
            e,
        )),
    }
}

/// Takes the release's lock for `operation`.
pub async fn acquire(
    client: &Client,
    namespace: &str,
    release: &str,
    operation: &str,
) -> Result<Lease, LockError> {
    let name = lease_name(release);
    let me = identity();
    let forbidden = |e: &kube::Error| LockError::Forbidden {
        release: release.to_string(),
        message: match e {
            kube::Error::Api(s) => s.message.clone(),
            other => other.to_string(),
        },
    };
    // Two rounds: a lost race for an expired Lease is reported as held by
    // the winner.
    for _ in 0..2 {
        let now = jiff::Timestamp::now();
        let body = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {
                    "app.kubernetes.io/managed-by": "rudder",
                    RELEASE_LABEL: release,
                },
                "annotations": {OPERATION_ANNOTATION: operation},
            },
            "spec": spec(&me, now, now, 0),
        });
        match send(
            client,
            http::Request::post(lease_path(namespace, None)),
            &body,
        )
        .await
        {
            Ok(created) => return Ok(start(client, namespace, &name, &me, created)),
            Err(e) if code(&e) == Some(403) => return Err(forbidden(&e)),
            Err(e) if code(&e) == Some(409) => {}
            Err(e) => {
                return Err(ClusterError::from_kube("unable to lock the release", e).into());
            }
        }
        // It exists: held, or left behind by an operation that died.
        let Some(mut existing) = get(client, namespace, &name)
            .await
            .map_err(|e| ClusterError::from_kube("unable to read the release lock", e))?
        else {
            continue;
        };
        if let Some(h) = parse_holder(&existing)
            && h.is_live(now)
        {
            return Err(LockError::Held {
                release: release.to_string(),
                holder: h,
            });
        }
        let transitions = existing
            .pointer("/spec/leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            + 1;
        existing["spec"] = spec(&me, now, now, transitions);
        if let Some(Value::Object(meta)) = existing.get_mut("metadata") {
            let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
            annotations[OPERATION_ANNOTATION] = Value::String(operation.to_string());
        }
        // The body carries the resourceVersion we read: of two takers, one
        // wins.
        match send(
            client,
            http::Request::put(lease_path(namespace, Some(&name))),
            &existing,
        )
        .await
        {
            Ok(taken) => return Ok(start(client, namespace, &name, &me, taken)),
            Err(e) if code(&e) == Some(403) => return Err(forbidden(&e)),
            Err(e) if matches!(code(&e), Some(409) | Some(404)) => continue,
            Err(e) => {
                return Err(ClusterError::from_kube("unable to lock the release", e).into());
            }
        }
    }
    match holder(client, namespace, release).await? {
        Some(h) => Err(LockError::Held {
            release: release.to_string(),
            holder: h,
        }),
        None => Err(ClusterError::Other(format!(
            "unable to lock release {release:?}: the lock keeps changing hands"
        ))
        .into()),
    }
}

fn start(client: &Client, namespace: &str, name: &str, me: &str, lease: Value) -> Lease {
    let rv = lease
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let acquired = lease
        .pointer("/spec/acquireTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let state = Arc::new(tokio::sync::Mutex::new(rv));
    let lost = Arc::new(AtomicBool::new(false));
    let renewer = tokio::spawn(renew(
        client.clone(),
        namespace.to_string(),
        name.to_string(),
        me.to_string(),
        acquired,
        lease,
        state.clone(),
        lost.clone(),
    ));
    Lease {
        client: client.clone(),
        namespace: namespace.to_string(),
        name: name.to_string(),
        holder: me.to_string(),
        state,
        lost,
        renewer,
    }
}

#[allow(clippy::too_many_arguments)]
async fn renew(
    client: Client,
    namespace: String,
    name: String,
    me: String,
    acquired: jiff::Timestamp,
    mut lease: Value,
    state: Arc<tokio::sync::Mutex<String>>,
    lost: Arc<AtomicBool>,
) {
    let path = lease_path(&namespace, Some(&name));
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let transitions = lease
            .pointer("/spec/leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        lease["spec"] = spec(&me, jiff::Timestamp::now(), acquired, transitions);
        match send(&client, http::Request::put(path.clone()), &lease).await {
            Ok(updated) => {
                if let Some(rv) = updated
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
                {
                    *state.lock().await = rv.to_string();
                }
                lease = updated;
            }
            // Someone else changed or removed the Lease: it is no longer
            // ours.
            Err(e) if matches!(code(&e), Some(409) | Some(404)) => {
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // A transient failure: try again at the next tick; the Lease
            // outlives a couple of missed renewals.
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_holders_and_judges_liveness() {
        let lease = json!({
            "metadata": {"annotations": {OPERATION_ANNOTATION: "rollback"}},
            "spec": {
                "holderIdentity": "h/1/a",
                "leaseDurationSeconds": 15,
                "acquireTime": "2026-01-01T00:00:00.000000Z",
                "renewTime": "2026-01-01T00:00:10.000000Z",
            }
        });
        let h = parse_holder(&lease).expect("holder");
        assert_eq!(h.operation, "rollback");
        assert_eq!(h.duration, Duration::from_secs(15));
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("ts");
        assert!(h.is_live(at("2026-01-01T00:00:24Z")));
        assert!(!h.is_live(at("2026-01-01T00:00:26Z")));
        let released = json!({"spec": {"holderIdentity": ""}});
        assert!(parse_holder(&released).is_none());
        assert_eq!(
            micro_time(at("2026-01-01T00:00:10.5Z")),
            "2026-01-01T00:00:10.500000Z"
        );
    }
}
