//! Operations (rollback, uninstall, recover): each runs in the server as a
//! task; its state and progress events are kept for `GET` and sent to
//! the event stream, for the identity that started it (behind the proxy,
//! another user neither gets its events nor finds it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::action::recover::RecoverOptions;
use crate::action::rollback::{RollbackOptions, WaitStrategy};
use crate::action::uninstall::UninstallOptions;
use crate::cluster::{Event, Progress};

use super::ApiError;
use super::access::Scope;
use super::auth::Caller;
use super::error::json_error;
use super::releases::target;
use super::state::{ApiSession, App};

/// How an operation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpState {
    /// Still running.
    Running,
    /// Finished without error.
    Succeeded,
    /// Finished with an error.
    Failed,
}

/// One progress event of an operation.
#[derive(Clone, Debug, Serialize)]
pub struct OpEvent {
    /// Its number within the operation, from 1.
    pub seq: u64,
    /// The library's progress event.
    pub event: Event,
}

/// An operation as `GET /api/v1/operations/{id}` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Operation {
    /// `op-N`.
    pub id: String,
    /// `rollback`, `uninstall`, `recover` or `upgrade`.
    pub kind: &'static str,
    /// The release's namespace.
    pub namespace: String,
    /// The release.
    pub name: String,
    /// How it stands.
    pub state: OpState,
    /// Progress so far.
    pub events: Vec<OpEvent>,
    /// The CLI's success output, once succeeded.
    pub result: Option<String>,
    /// The error, once failed.
    pub error: Option<Value>,
    /// Who started it (`None`: no proxy).
    #[serde(skip)]
    pub owner: crate::serve::Identity,
}

/// Every operation started since the server started.
#[derive(Default)]
pub struct Operations {
    next: AtomicU64,
    ops: Mutex<HashMap<String, Operation>>,
    /// Finished operations, by kind and outcome (for `/metrics`).
    finished: Mutex<HashMap<(&'static str, &'static str), u64>>,
}

impl Operations {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Operation>> {
        // Entries are replaced whole; a poisoned map is still consistent.
        self.ops.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The finished-operation counters, sorted.
    pub fn counters(&self) -> Vec<((&'static str, &'static str), u64)> {
        let mut v: Vec<_> = self
            .finished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, n)| (*k, *n))
            .collect();
        v.sort();
        v
    }
}

/// Sends an operation's events to its record and the event stream.
pub(super) struct OpProgress {
    app: Arc<App>,
    id: String,
    owner: crate::serve::Identity,
}

impl Progress for OpProgress {
    fn event(&self, event: Event) {
        let seq = {
            let mut ops = self.app.operations.lock();
            let Some(op) = ops.get_mut(&self.id) else {
                return;
            };
            let seq = op.events.len() as u64 + 1;
            op.events.push(OpEvent {
                seq,
                event: event.clone(),
            });
            seq
        };
        self.app.events.push(
            "operation",
            Scope::Owner(self.owner.clone()),
            json!({"id": self.id, "state": OpState::Running, "event": {"seq": seq, "event": event}}),
        );
    }
}

fn finish(app: &App, id: &str, outcome: Result<String, ApiError>) {
    let (state, kind, owner) = {
        let mut ops = app.operations.lock();
        let Some(op) = ops.get_mut(id) else {
            return;
        };
        match outcome {
            Ok(text) => {
                op.state = OpState::Succeeded;
                op.result = Some(text);
            }
            Err(e) => {
                op.state = OpState::Failed;
                op.error = Some(json!({"error": e.message, "kind": e.kind}));
            }
        }
        (op.state, op.kind, op.owner.clone())
    };
    let outcome = if state == OpState::Succeeded {
        "succeeded"
    } else {
        "failed"
    };
    *app.operations
        .finished
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry((kind, outcome))
        .or_default() += 1;
    app.events.push(
        "operation",
        Scope::Owner(owner),
        json!({"id": id, "state": state, "event": null}),
    );
}

/// Checks the release exists (so a typo is a 404 now, not a failed
/// operation later), records the operation and runs `work` as a task.
pub(super) async fn start<F, Fut>(
    app: Arc<App>,
    who: crate::serve::Identity,
    ns: String,
    name: String,
    kind: &'static str,
    work: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(ApiSession, String, OpProgress) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<String, ApiError>> + Send + 'static,
{
    let t = target(&app, ns, name)?;
    let session = app.session(&who, &t.ns).await?;
    session.history(&t.name, 1).await?;
    let id = format!(
        "op-{}",
        app.operations.next.fetch_add(1, Ordering::Relaxed) + 1
    );
    let op = Operation {
        id: id.clone(),
        kind,
        namespace: t.ns.clone(),
        name: t.name.clone(),
        state: OpState::Running,
        events: Vec::new(),
        result: None,
        error: None,
        owner: who.clone(),
    };
    let body = serde_json::to_value(&op)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string()))?;
    app.operations.lock().insert(id.clone(), op);
    app.events.push(
        "operation",
        Scope::Owner(who.clone()),
        json!({"id": id, "state": OpState::Running, "event": null}),
    );
    let progress = OpProgress {
        app: Arc::clone(&app),
        id: id.clone(),
        owner: who,
    };
    tokio::spawn(async move {
        let outcome = work(session, t.name, progress).await;
        finish(&app, &id, outcome);
    });
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

pub(super) fn wait_strategy(wait: bool) -> WaitStrategy {
    if wait {
        WaitStrategy::Watcher
    } else {
        WaitStrategy::HookOnly
    }
}

/// `rollback` body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    revision: Option<i64>,
    wait: Option<bool>,
    timeout_seconds: Option<u64>,
}

/// `POST /api/v1/releases/{ns}/{name}/rollback`.
pub async fn rollback(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    body: Result<Json<RollbackBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    let revision = b.revision.unwrap_or(0);
    if revision < 0 {
        return Err(ApiError::invalid(format!("invalid revision {revision}")));
    }
    let mut options = RollbackOptions {
        revision,
        wait: wait_strategy(b.wait.unwrap_or(false)),
        ..RollbackOptions::default()
    };
    if let Some(t) = b.timeout_seconds {
        options.timeout = Duration::from_secs(t);
    }
    start(
        app,
        who,
        ns,
        name,
        "rollback",
        move |s, name, p| async move {
            s.rollback(&name, &options, &p).await?;
            Ok("Rollback was a success! Happy Helming!\n".to_string())
        },
    )
    .await
}

/// `uninstall` body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UninstallBody {
    keep_history: Option<bool>,
    wait: Option<bool>,
    timeout_seconds: Option<u64>,
}

/// `POST /api/v1/releases/{ns}/{name}/uninstall`.
pub async fn uninstall(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    body: Result<Json<UninstallBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    let mut options = UninstallOptions {
        keep_history: b.keep_history.unwrap_or(false),
        wait: wait_strategy(b.wait.unwrap_or(false)),
        ..UninstallOptions::default()
    };
    if let Some(t) = b.timeout_seconds {
        options.timeout = Duration::from_secs(t);
    }
    start(
        app,
        who,
        ns,
        name,
        "uninstall",
        move |s, name, p| async move {
            let mut text = String::new();
            s.uninstall(
                std::slice::from_ref(&name),
                &options,
                &p,
                || true,
                |n, out| {
                    text.push_str(&out.info);
                    text.push_str(&format!("release \"{n}\" uninstalled\n"));
                },
            )
            .await?;
            Ok(text)
        },
    )
    .await
}

/// `recover` body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RecoverBody {
    force: Option<bool>,
}

/// `POST /api/v1/releases/{ns}/{name}/recover`.
pub async fn recover(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    body: Result<Json<RecoverBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    let options = RecoverOptions {
        force: b.force.unwrap_or(false),
        grace: app.config.grace,
        ..RecoverOptions::default()
    };
    start(
        app,
        who,
        ns,
        name,
        "recover",
        move |s, name, p| async move {
            let out = s.recover(&name, &options, &p).await?;
            Ok(out.report.iter().map(|l| format!("{l}\n")).collect())
        },
    )
    .await
}

/// `GET /api/v1/operations/{id}`.
pub async fn get(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<Operation>, ApiError> {
    app.operations
        .lock()
        .get(&id)
        // Behind the proxy, someone else's operation does not exist.
        .filter(|op| op.owner == who)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("operation {id:?} not found")))
}
