//! The per-release lock: a `coordination.k8s.io/v1` Lease named
//! `rudder.lock.<release>` in the release's namespace.
//!
//! It is taken with create-only semantics (the API server lets exactly one
//! create win), renewed every few seconds while the operation runs, and
//! deleted at the end.
//!
//! Liveness is judged as client-go's leader election judges it: a process
//! that finds someone else's Lease watches it, and the holder is alive if
//! the Lease changes (a renewal) within its `leaseDurationSeconds`, timed
//! on this process's monotonic clock; only a Lease seen unchanged for that
//! long may be taken over, with the `resourceVersion` seen as the guard
//! against two takers. The `renewTime` the holder wrote is never compared
//! with the local clock, so a holder whose clock is minutes off is neither
//! robbed while it renews nor waited for after it died.
//!
//! The holder stops believing it holds the lock when a renewal finds the
//! Lease changed or gone, or when it could not renew for
//! [`RENEW_DEADLINE`] (after which a watcher may take over): the operation
//! is told ([`Lease::lost`]) and stops before its next write.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease as LeaseObject;
use kube::Client;
use kube::api::{Api, WatchEvent, WatchParams};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::ClusterError;
use super::interface::{Liveness, LockError, LockHolder};
use super::request::get_optional;

/// How long a renewal keeps the lock.
pub const LEASE_SECONDS: u64 = 15;

/// How often the holder renews: well inside [`LEASE_SECONDS`], so one
/// slow request does not lose the lock.
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// How long the holder goes on without a successful renewal before it
/// gives the lock up: short of [`LEASE_SECONDS`], since a watcher that saw
/// the last renewal may take over [`LEASE_SECONDS`] after it.
pub const RENEW_DEADLINE: Duration = Duration::from_secs(10);

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
    lost: Lost,
    renewer: tokio::task::JoinHandle<()>,
}

/// The holder's knowledge that it lost the lock, and why.
#[derive(Clone, Default)]
struct Lost {
    flag: Arc<AtomicBool>,
    token: CancellationToken,
    why: Arc<Mutex<String>>,
}

impl Lost {
    fn set(&self, why: String) {
        if let Ok(mut w) = self.why.lock() {
            *w = why;
        }
        self.flag.store(true, Ordering::SeqCst);
        self.token.cancel();
    }
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
        self.lost.flag.load(Ordering::SeqCst)
    }

    /// Completes, with the reason, once the lock is lost.
    pub async fn lost(&self) -> String {
        self.lost.token.cancelled().await;
        self.lost
            .why
            .lock()
            .map(|w| w.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
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
            && holder_id(&lease) == Some(self.holder.as_str())
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

/// The holder's identity, unless the Lease is let go (empty).
fn holder_id(lease: &Value) -> Option<&str> {
    lease
        .pointer("/spec/holderIdentity")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
}

fn resource_version(lease: &Value) -> String {
    lease
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn parse_holder(lease: &Value, liveness: Liveness) -> Option<LockHolder> {
    let spec = lease.get("spec")?;
    let holder = holder_id(lease)?.to_string();
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
        liveness,
    })
}

/// Who holds the release's Lease, if anyone, from one read: liveness
/// unknown.
pub async fn holder(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<Option<LockHolder>, ClusterError> {
    let lease = get(client, namespace, &lease_name(release))
        .await
        .map_err(|e| ClusterError::from_kube("unable to read the release lock", e))?;
    Ok(lease
        .as_ref()
        .and_then(|l| parse_holder(l, Liveness::Unknown)))
}

/// Who holds the release's Lease, watched until it changes (live) or for
/// its whole duration without a change (expired).
pub async fn observe(
    client: &Client,
    namespace: &str,
    release: &str,
) -> Result<Option<LockHolder>, ClusterError> {
    let name = lease_name(release);
    let read = |e| ClusterError::from_kube("unable to read the release lock", e);
    let Some(lease) = get(client, namespace, &name).await.map_err(read)? else {
        return Ok(None);
    };
    if holder_id(&lease).is_none() {
        return Ok(None);
    }
    Ok(
        match watch_unchanged(client, namespace, &name, &lease)
            .await
            .map_err(read)?
        {
            Watched::Changed(now) => parse_holder(&now, Liveness::Live),
            Watched::Gone => None,
            Watched::Unchanged => parse_holder(&lease, Liveness::Expired),
        },
    )
}

/// What watching a Lease showed.
enum Watched {
    /// It changed (renewed, or taken by someone): this is it now.
    Changed(Value),
    /// It was deleted.
    Gone,
    /// It stayed as it was for its whole duration.
    Unchanged,
}

/// The Lease's own `leaseDurationSeconds` (what its holder promised).
fn duration_of(lease: &Value) -> Duration {
    Duration::from_secs(
        lease
            .pointer("/spec/leaseDurationSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(LEASE_SECONDS),
    )
}

/// Watches `lease` (as read) for its duration, measured from now on this
/// process's monotonic clock. A watch that ends early (a timeout, a
/// `410 Gone`, a refused watch) is followed by a read that compares the
/// `resourceVersion`, then watched again, so no change is missed.
async fn watch_unchanged(
    client: &Client,
    namespace: &str,
    name: &str,
    lease: &Value,
) -> Result<Watched, kube::Error> {
    let rv = resource_version(lease);
    let deadline = Instant::now() + duration_of(lease);
    let api: Api<LeaseObject> = Api::namespaced(client.clone(), namespace);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Watched::Unchanged);
        }
        // The server's own timeout is a backstop; the deadline rules.
        let secs = u32::try_from(left.as_secs() + 1).unwrap_or(290).min(290);
        let params = WatchParams::default()
            .fields(&format!("metadata.name={name}"))
            .timeout(secs);
        if let Ok(stream) = api.watch(&params, &rv).await {
            let mut stream = std::pin::pin!(stream);
            loop {
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Err(_) => return Ok(Watched::Unchanged),
                    Ok(Some(Ok(WatchEvent::Added(l) | WatchEvent::Modified(l)))) => {
                        let v = serde_json::to_value(l).unwrap_or(Value::Null);
                        if resource_version(&v) != rv {
                            return Ok(Watched::Changed(v));
                        }
                    }
                    Ok(Some(Ok(WatchEvent::Deleted(_)))) => return Ok(Watched::Gone),
                    Ok(Some(Ok(WatchEvent::Bookmark(_)))) => {}
                    Ok(Some(Ok(WatchEvent::Error(_)) | Err(_)) | None) => break,
                }
            }
        }
        match get(client, namespace, name).await? {
            None => return Ok(Watched::Gone),
            Some(now) if resource_version(&now) != rv => return Ok(Watched::Changed(now)),
            // Unchanged: watch again, after a pause so a watch the server
            // keeps refusing does not spin.
            Some(_) => {
                let pause = Instant::now() + Duration::from_millis(500);
                tokio::time::sleep_until(pause.min(deadline)).await;
            }
        }
    }
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

/// Takes the release's lock for `operation`. A Lease someone else holds
/// is watched: if it changes within its duration its holder is alive and
/// the lock is refused; if it stays unchanged that long it is taken over
/// (so this can take a Lease's duration, 15 s for rudder's own).
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
    let read = |e| ClusterError::from_kube("unable to read the release lock", e);
    // The last holder seen alive, to name if every round is lost.
    let mut last_seen: Option<LockHolder> = None;
    // A few rounds: the Lease may be deleted or change hands meanwhile.
    for _ in 0..3 {
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
        let Some(mut existing) = get(client, namespace, &name).await.map_err(read)? else {
            continue;
        };
        if holder_id(&existing).is_some() {
            match watch_unchanged(client, namespace, &name, &existing)
                .await
                .map_err(read)?
            {
                Watched::Changed(now) => match parse_holder(&now, Liveness::Live) {
                    Some(h) => {
                        return Err(LockError::Held {
                            release: release.to_string(),
                            holder: h,
                        });
                    }
                    // Let go meanwhile: free to take.
                    None => existing = now,
                },
                // Its holder let go while we watched: it was alive until
                // now; try again to take the free lock.
                Watched::Gone => {
                    last_seen = parse_holder(&existing, Liveness::Live);
                    continue;
                }
                Watched::Unchanged => {}
            }
        }
        let transitions = existing
            .pointer("/spec/leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            + 1;
        let now = jiff::Timestamp::now();
        existing["spec"] = spec(&me, now, now, transitions);
        if let Some(Value::Object(meta)) = existing.get_mut("metadata") {
            let annotations = meta.entry("annotations").or_insert_with(|| json!({}));
            annotations[OPERATION_ANNOTATION] = Value::String(operation.to_string());
        }
        // The body carries the resourceVersion watched: of two takers, one
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
    // Still contended after every round: someone else has it now.
    match holder(client, namespace, release).await?.or(last_seen) {
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
    let rv = resource_version(&lease);
    let acquired = lease
        .pointer("/spec/acquireTime")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let state = Arc::new(tokio::sync::Mutex::new(rv));
    let lost = Lost::default();
    let renewer = tokio::spawn(renew(
        Renewal {
            client: client.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            me: me.to_string(),
            acquired,
        },
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

/// Who renews which Lease.
struct Renewal {
    client: Client,
    namespace: String,
    name: String,
    me: String,
    acquired: jiff::Timestamp,
}

async fn renew(r: Renewal, mut lease: Value, state: Arc<tokio::sync::Mutex<String>>, lost: Lost) {
    let path = lease_path(&r.namespace, Some(&r.name));
    let mut last_renewed = Instant::now();
    // The holder also watches its Lease, so a takeover or a removal stops
    // the operation at once rather than at the next renewal. Without
    // permission to watch, the renewals alone find out.
    let api: Api<LeaseObject> = Api::namespaced(r.client.clone(), &r.namespace);
    let params = WatchParams::default()
        .fields(&format!("metadata.name={}", r.name))
        .timeout(290);
    let mut events = api
        .watch(&params, &resource_version(&lease))
        .await
        .ok()
        .map(StreamExt::boxed);
    let mut next_renewal = Instant::now() + RENEW_EVERY;
    loop {
        let event = async {
            match events.as_mut() {
                Some(e) => e.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = tokio::time::sleep_until(next_renewal) => {}
            event = event => {
                match event {
                    Some(Ok(WatchEvent::Deleted(_))) => {
                        lost.set("the lock was removed (by `recover --force`?)".into());
                        return;
                    }
                    Some(Ok(WatchEvent::Added(l) | WatchEvent::Modified(l))) => {
                        let v = serde_json::to_value(l).unwrap_or(Value::Null);
                        if let Some(other) = holder_id(&v).filter(|h| *h != r.me) {
                            lost.set(format!("another operation took the lock over ({other})"));
                            return;
                        }
                    }
                    Some(Ok(WatchEvent::Bookmark(_))) => {}
                    // The watch ended: reopened after the next renewal.
                    Some(Ok(WatchEvent::Error(_)) | Err(_)) | None => events = None,
                }
                continue;
            }
        }
        next_renewal = Instant::now() + RENEW_EVERY;
        if events.is_none() {
            events = api
                .watch(&params, &resource_version(&lease))
                .await
                .ok()
                .map(StreamExt::boxed);
        }
        let transitions = lease
            .pointer("/spec/leaseTransitions")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        lease["spec"] = spec(&r.me, jiff::Timestamp::now(), r.acquired, transitions);
        let failure = match send(&r.client, http::Request::put(path.clone()), &lease).await {
            Ok(updated) => {
                *state.lock().await = resource_version(&updated);
                lease = updated;
                last_renewed = Instant::now();
                continue;
            }
            Err(e) => e,
        };
        match code(&failure) {
            Some(404) => {
                lost.set("the lock was removed (by `recover --force`?)".into());
                return;
            }
            // Someone wrote the Lease. If it still names us (a renewal
            // whose answer was lost), carry on from it.
            Some(409) => match get(&r.client, &r.namespace, &r.name).await {
                Ok(Some(now)) if holder_id(&now) == Some(r.me.as_str()) => {
                    *state.lock().await = resource_version(&now);
                    lease = now;
                    continue;
                }
                Ok(Some(now)) => {
                    lost.set(format!(
                        "another operation took the lock over ({})",
                        holder_id(&now).unwrap_or("no holder")
                    ));
                    return;
                }
                Ok(None) => {
                    lost.set("the lock was removed (by `recover --force`?)".into());
                    return;
                }
                Err(_) => {}
            },
            _ => {}
        }
        // A transient failure: the Lease outlives a missed renewal, but
        // not many.
        if last_renewed.elapsed() >= RENEW_DEADLINE {
            lost.set(format!(
                "the lock could not be renewed for {}s: {failure}",
                RENEW_DEADLINE.as_secs()
            ));
            return;
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
        let h = parse_holder(&lease, Liveness::Unknown).expect("holder");
        assert_eq!(h.operation, "rollback");
        assert_eq!(h.duration, Duration::from_secs(15));
        // Liveness comes from watching, never from the wall clock.
        assert!(h.may_be_live());
        let expired = parse_holder(&lease, Liveness::Expired).expect("holder");
        assert!(!expired.may_be_live());
        let at = |s: &str| s.parse::<jiff::Timestamp>().expect("ts");
        let released = json!({"spec": {"holderIdentity": ""}});
        assert!(parse_holder(&released, Liveness::Unknown).is_none());
        assert_eq!(
            micro_time(at("2026-01-01T00:00:10.5Z")),
            "2026-01-01T00:00:10.500000Z"
        );
    }
}
