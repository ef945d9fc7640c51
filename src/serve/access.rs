//! Which events a proxied user may see: release and availability events
//! of a namespace go only to users who may `list` the release records
//! there (the storage driver's kind), as the JSON routes would let them
//! read those releases. Answers come from a `SelfSubjectAccessReview`
//! made as the user (the same impersonating client the JSON routes use)
//! and are remembered for a while, so a busy stream does not ask on
//! every event.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::cluster::access::{AccessQuestion, can_i};
use crate::storage::DriverKind;

use super::state::{App, Identity};

/// Who may see an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every client (`synced`).
    Everyone,
    /// Clients that may read the release records of this namespace.
    Namespace(String),
    /// Only the identity that started the operation.
    Owner(Identity),
}

/// How long a failed review is remembered (short: the API server may be
/// back in a moment, but a stream must not ask on every event meanwhile).
const ERROR_TTL: Duration = Duration::from_secs(5);

/// Past this many entries, expired ones are dropped on the next insert.
const PRUNE_AT: usize = 4096;

type Key = (String, Vec<String>, String);

/// Remembered answers, by user, groups and namespace.
#[derive(Default)]
pub struct AccessCache {
    entries: Mutex<HashMap<Key, (bool, Instant)>>,
}

impl AccessCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (bool, Instant)>> {
        // Entries are inserted whole; a poisoned map is still consistent.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self, key: &Key) -> Option<bool> {
        let now = Instant::now();
        self.lock()
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(allowed, _)| *allowed)
    }

    fn remember(&self, key: Key, allowed: bool, ttl: Duration) {
        let now = Instant::now();
        let mut map = self.lock();
        if map.len() >= PRUNE_AT {
            map.retain(|_, (_, until)| *until > now);
        }
        map.insert(key, (allowed, now + ttl));
    }
}

/// The resource whose `list` decides: where the driver keeps records.
fn records_resource(driver: DriverKind) -> &'static str {
    match driver {
        DriverKind::ConfigMap => "configmaps",
        // The memory driver keeps nothing in the cluster; Secrets are the
        // stricter question.
        DriverKind::Secret | DriverKind::Memory => "secrets",
    }
}

impl App {
    /// Whether a client running as `who` may see an event of `scope`.
    /// The server's own identity (no proxy) sees everything.
    pub async fn may_see(&self, who: &Identity, scope: &Scope) -> bool {
        let Some(user) = who else {
            return true;
        };
        match scope {
            Scope::Everyone => true,
            Scope::Owner(owner) => owner == who,
            Scope::Namespace(ns) => self.may_read_records(user, ns).await,
        }
    }

    async fn may_read_records(&self, user: &(String, Vec<String>), ns: &str) -> bool {
        let key = (user.0.clone(), user.1.clone(), ns.to_string());
        if let Some(allowed) = self.access.fresh(&key) {
            return allowed;
        }
        let question = AccessQuestion {
            verb: "list",
            resource: records_resource(self.config.driver),
            namespace: ns,
        };
        let answer = match self.connection_as(user).await {
            Ok(conn) => can_i(&conn.client, &question)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.message),
        };
        match answer {
            Ok(allowed) => {
                self.access.remember(key, allowed, self.config.access_ttl);
                allowed
            }
            Err(e) => {
                // Unknown is no: an event is never sent on a failed review.
                tracing::warn!(user = %user.0, namespace = ns, error = %e, "access review failed");
                self.access
                    .remember(key, false, ERROR_TTL.min(self.config.access_ttl));
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ns: &str) -> Key {
        ("alice".into(), vec!["dev".into()], ns.into())
    }

    #[test]
    fn answers_expire_and_are_per_namespace() {
        let c = AccessCache::default();
        c.remember(key("a"), true, Duration::from_secs(60));
        c.remember(key("b"), false, Duration::from_secs(60));
        c.remember(key("c"), true, Duration::ZERO);
        assert_eq!(c.fresh(&key("a")), Some(true));
        assert_eq!(c.fresh(&key("b")), Some(false));
        assert_eq!(c.fresh(&key("c")), None, "expired");
        assert_eq!(c.fresh(&key("d")), None, "never asked");
        let other_groups = ("alice".to_string(), Vec::new(), "a".to_string());
        assert_eq!(c.fresh(&other_groups), None, "groups are part of the key");
    }

    #[test]
    fn records_are_where_the_driver_keeps_them() {
        assert_eq!(records_resource(DriverKind::Secret), "secrets");
        assert_eq!(records_resource(DriverKind::ConfigMap), "configmaps");
    }
}
