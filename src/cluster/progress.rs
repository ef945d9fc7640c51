//! Progress of an operation as typed events.
//!
//! The cluster layer and the actions report what they are doing as
//! [`Event`]s sent to a [`Progress`] sink. A front end decides how to show
//! them: the CLI draws a live list on a terminal or plain lines otherwise,
//! a TUI or a server-sent-events stream can take the same events from a
//! channel ([`ChannelProgress`]). Nothing below the front ends formats
//! progress for a person.

use serde::Serialize;

use crate::release::Status;

/// One resource a wait is still waiting for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// `Kind/namespace/name`.
    pub resource: String,
    /// kstatus status (`InProgress`, `Failed`, `NotFound`, ...).
    pub status: String,
    /// Why.
    pub message: String,
}

/// Something worth telling whoever watches an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Event {
    /// A wait is under way and the set of resources it still awaits (or
    /// the status of one of them) changed.
    #[serde(rename_all = "camelCase")]
    Waiting {
        /// What the resources should become: `ready`, `deleted`, ...
        goal: String,
        /// The resources not there yet, with their kstatus and message.
        pending: Vec<Pending>,
    },
    /// A wait ended (successfully or not).
    WaitEnded,
    /// A hook's resources are about to be created.
    #[serde(rename_all = "camelCase")]
    HookStarted {
        /// The hook's template path (`chart/templates/pre-rollback.yaml`).
        path: String,
        /// Its kind (`Job`, `Pod`, ...).
        kind: String,
        /// Its object name.
        name: String,
        /// The event it runs for (`pre-rollback`, `post-delete`, ...).
        event: String,
        /// Its weight.
        weight: i64,
    },
    /// A hook finished.
    #[serde(rename_all = "camelCase")]
    HookFinished {
        /// The hook's template path.
        path: String,
        /// The event it ran for.
        event: String,
        /// `Succeeded` or `Failed`, as Helm records the phase.
        phase: String,
    },
    /// Output of a hook's container, as the API server gave it (copied to
    /// the user when the hook's output-log policy asks for it).
    HookOutput {
        /// The bytes, possibly several lines.
        #[serde(serialize_with = "lossy_text")]
        bytes: Vec<u8>,
    },
    /// A revision of a release moved to a new status (it was written to
    /// storage with that status).
    #[serde(rename_all = "camelCase")]
    Phase {
        /// The release.
        release: String,
        /// Its namespace.
        namespace: String,
        /// The revision.
        revision: i64,
        /// The status it now has.
        #[serde(serialize_with = "status_text")]
        status: Status,
    },
    /// A warning that does not stop the operation (a lock that could not
    /// be taken for lack of permission, pruning that failed, ...).
    Warning {
        /// The text, as helm would word it.
        message: String,
    },
}

fn lossy_text<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(bytes))
}

fn status_text<S: serde::Serializer>(status: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(status.as_str())
}

/// Where an operation reports its progress.
///
/// Implementors handle [`Progress::event`]; the other methods are
/// shorthands that build the event.
pub trait Progress: Send + Sync {
    /// Receives one event.
    fn event(&self, event: Event);

    /// The resources still awaited (called whenever that changes).
    fn waiting(&self, goal: &str, pending: &[Pending]) {
        self.event(Event::Waiting {
            goal: goal.to_string(),
            pending: pending.to_vec(),
        });
    }

    /// A wait ended.
    fn done_waiting(&self) {
        self.event(Event::WaitEnded);
    }

    /// A warning that does not stop the operation.
    fn note(&self, line: &str) {
        self.event(Event::Warning {
            message: line.to_string(),
        });
    }

    /// Output of a hook's container.
    fn hook_output(&self, bytes: &[u8]) {
        self.event(Event::HookOutput {
            bytes: bytes.to_vec(),
        });
    }
}

/// A [`Progress`] that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Progress for Quiet {
    fn event(&self, _event: Event) {}
}

/// A [`Progress`] that sends every event down a channel, for a consumer
/// on another task (a TUI, an event stream). Events sent after the
/// receiver is gone are dropped.
#[derive(Clone, Debug)]
pub struct ChannelProgress(pub tokio::sync::mpsc::UnboundedSender<Event>);

impl Progress for ChannelProgress {
    fn event(&self, event: Event) {
        let _ = self.0.send(event);
    }
}

/// A [`Progress`] that keeps every event, in order (for tests and for
/// callers that want the whole story afterwards).
#[derive(Debug, Default)]
pub struct Recorded(std::sync::Mutex<Vec<Event>>);

impl Recorded {
    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Progress for Recorded {
    fn event(&self, event: Event) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::{ChannelProgress, Event, Pending, Progress, Recorded};

    #[test]
    fn shorthands_build_typed_events() {
        let r = Recorded::default();
        let p = Pending {
            resource: "Deployment/ns/web".into(),
            status: "InProgress".into(),
            message: "Available: 0/1".into(),
        };
        r.waiting("ready", std::slice::from_ref(&p));
        r.done_waiting();
        r.note("warning: x");
        r.hook_output(b"line\n");
        assert_eq!(
            r.events(),
            vec![
                Event::Waiting {
                    goal: "ready".into(),
                    pending: vec![p]
                },
                Event::WaitEnded,
                Event::Warning {
                    message: "warning: x".into()
                },
                Event::HookOutput {
                    bytes: b"line\n".to_vec()
                },
            ]
        );
    }

    #[test]
    fn events_serialise_for_event_streams() {
        let e = Event::Phase {
            release: "web".into(),
            namespace: "ns".into(),
            revision: 3,
            status: crate::release::Status::PendingRollback,
        };
        assert_eq!(
            serde_json::to_string(&e).ok(),
            Some(
                r#"{"type":"phase","release":"web","namespace":"ns","revision":3,"status":"pending-rollback"}"#
                    .to_string()
            )
        );
    }

    #[test]
    fn channel_sink_delivers_in_order() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = ChannelProgress(tx);
        sink.note("a");
        sink.done_waiting();
        assert_eq!(
            rx.try_recv().ok(),
            Some(Event::Warning {
                message: "a".into()
            })
        );
        assert_eq!(rx.try_recv().ok(), Some(Event::WaitEnded));
    }
}
