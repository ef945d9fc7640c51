//! The event stream: release changes from the server's one release watch
//! and operation progress, numbered, kept in a ring for `Last-Event-ID`
//! resume, and fanned out to every SSE client that may see them (behind
//! the proxy: per user, [`super::access`]).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt as _};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::action::watch::{ReleaseEvent, WatchFilter};

use super::access::Scope;
use super::auth::Caller;
use super::releases::summary_json;
use super::state::App;

/// How many access reviews a proxied client's first events start at once.
const PREFETCH: usize = 8;

/// How many events are kept for resuming clients.
pub const RING: usize = 4096;

/// One event as sent.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its id.
    pub id: u64,
    /// The SSE event name.
    pub name: &'static str,
    /// One line of JSON.
    pub data: String,
    /// Who may see it.
    pub scope: Scope,
}

struct Log {
    last: u64,
    ring: VecDeque<Sent>,
}

/// The numbered events, and the channel live clients listen on.
pub struct EventLog {
    log: Mutex<Log>,
    tx: broadcast::Sender<Sent>,
}

impl EventLog {
    /// An empty log.
    pub fn new() -> EventLog {
        let (tx, _) = broadcast::channel(RING);
        EventLog {
            log: Mutex::new(Log {
                last: 0,
                ring: VecDeque::with_capacity(RING),
            }),
            tx,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        // Pushes complete under the lock; a poisoned log is consistent.
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Numbers `data` and sends it to every client that may see `scope`.
    pub fn push(&self, name: &'static str, scope: Scope, data: Value) {
        let mut log = self.lock();
        log.last += 1;
        let sent = Sent {
            id: log.last,
            name,
            data: data.to_string(),
            scope,
        };
        if log.ring.len() == RING {
            log.ring.pop_front();
        }
        log.ring.push_back(sent.clone());
        // No receiver is not an error: nobody is listening yet.
        let _ = self.tx.send(sent);
    }
}

impl Default for EventLog {
    fn default() -> Self {
        EventLog::new()
    }
}

/// Runs the server's release watch for as long as the server runs,
/// restarting it after a failure it cannot recover from.
pub fn spawn_watch(app: Arc<App>) -> Result<(), crate::action::ActionError> {
    let filter = WatchFilter {
        all_namespaces: app.config.all_namespaces,
        ..WatchFilter::default()
    };
    let session = Arc::new(app.own_session(app.namespace()));
    // Fail at start on a bad filter rather than in the background.
    let first = session.watch(&filter)?;
    tokio::spawn(async move {
        let mut watch = first;
        loop {
            while let Some(item) = watch.next().await {
                match item {
                    Ok(ev) => apply(&app, ev),
                    Err(e) => tracing::warn!(error = %e, "release watch failed"),
                }
            }
            app.watch_restarts.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(2)).await;
            match session.watch(&filter) {
                Ok(w) => watch = w,
                Err(e) => {
                    tracing::warn!(error = %e, "release watch cannot restart");
                    return;
                }
            }
        }
    });
    Ok(())
}

fn apply(app: &App, ev: ReleaseEvent) {
    app.watch_events.fetch_add(1, Ordering::Relaxed);
    {
        let mut w = app.lock_watched();
        match &ev {
            ReleaseEvent::Synced => {
                if w.synced {
                    app.watch_restarts.fetch_add(1, Ordering::Relaxed);
                }
                w.synced = true;
            }
            ReleaseEvent::Deleted(s) => {
                let key = (s.namespace.clone(), s.name.clone());
                w.releases.remove(&key);
                w.stuck.remove(&key);
            }
            other => {
                if let Some(s) = other.summary() {
                    let key = (s.namespace.clone(), s.name.clone());
                    match other {
                        ReleaseEvent::Stuck { notice, .. } => {
                            w.stuck.insert(key.clone(), notice.clone());
                        }
                        _ => {
                            w.stuck.remove(&key);
                        }
                    }
                    super::availability::note(app, &mut w, s);
                    w.releases.insert(key, s.clone());
                }
            }
        }
    }
    match &ev {
        ReleaseEvent::Synced => app.events.push("synced", Scope::Everyone, json!({})),
        other => {
            if let Some(s) = other.summary() {
                let latest = app.lock_watched().latest_for(s).map(str::to_string);
                let mut data =
                    json!({"type": other.kind(), "release": summary_json(s, latest.as_deref())});
                if let ReleaseEvent::Stuck { notice, .. } = other {
                    data["reason"] = Value::String(notice.why.clone());
                }
                app.events
                    .push("release", Scope::Namespace(s.namespace.clone()), data);
            }
        }
    }
}

/// An event ready to send, with who may see it.
struct Out {
    scope: Scope,
    event: Event,
}

fn to_sse(s: &Sent, with_id: bool) -> Out {
    let e = Event::default().event(s.name).data(s.data.clone());
    Out {
        scope: s.scope.clone(),
        event: if with_id { e.id(s.id.to_string()) } else { e },
    }
}

/// `GET /api/v1/events`: behind the proxy, only the events the caller may
/// see (release and availability events of namespaces whose release
/// records it may list, its own operations, `synced`).
pub async fn sse(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let resume: Option<u64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    // Subscribe and read the backlog under the log's lock, so no event
    // falls between the two.
    let (first, rx) = {
        let log = app.events.lock();
        let rx = app.events.tx.subscribe();
        let oldest = log.ring.front().map_or(log.last + 1, |s| s.id);
        let first: Vec<Out> = match resume {
            Some(n) if n <= log.last && n + 1 >= oldest => log
                .ring
                .iter()
                .filter(|s| s.id > n)
                .map(|s| to_sse(s, true))
                .collect(),
            _ => snapshot(&app, log.last),
        };
        (first, rx)
    };
    // Behind the proxy, ask about the backlog's namespaces a few at a
    // time up front, rather than one review after another as the stream
    // reaches each (an `-A` snapshot spans every namespace).
    if who.is_some() {
        let namespaces: std::collections::BTreeSet<String> = first
            .iter()
            .filter_map(|o| match &o.scope {
                Scope::Namespace(ns) => Some(ns.clone()),
                _ => None,
            })
            .collect();
        futures::stream::iter(namespaces)
            .map(|ns| {
                let (app, who) = (Arc::clone(&app), who.clone());
                async move { app.may_see(&who, &Scope::Namespace(ns)).await }
            })
            .buffer_unordered(PREFETCH)
            .collect::<Vec<bool>>()
            .await;
    }
    let live = futures::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await {
            Ok(s) => Some((to_sse(&s, true), rx)),
            // A client too slow for the ring: end the stream; it
            // reconnects with its Last-Event-ID and gets the snapshot.
            Err(_) => None,
        }
    });
    let stream = futures::stream::iter(first)
        .chain(live)
        .filter_map(move |out| {
            let (app, who) = (Arc::clone(&app), who.clone());
            async move { app.may_see(&who, &out.scope).await.then_some(Ok(out.event)) }
        });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// One `added` event per watched release, then `synced` carrying `last`
/// as its id (the snapshot events carry none, so a client cut off in the
/// middle of it starts over).
fn snapshot(app: &App, last: u64) -> Vec<Out> {
    let w = app.lock_watched();
    let mut out: Vec<Out> = w
        .releases
        .values()
        .map(|s| Out {
            scope: Scope::Namespace(s.namespace.clone()),
            event: Event::default().event("release").data(
                json!({"type": "added", "release": summary_json(s, w.latest_for(s))}).to_string(),
            ),
        })
        .collect();
    if w.synced {
        out.push(Out {
            scope: Scope::Everyone,
            event: Event::default()
                .event("synced")
                .data("{}")
                .id(last.to_string()),
        });
    }
    out
}
