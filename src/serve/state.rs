//! What the server holds: its configuration, a client per identity, the
//! watched releases, the event log and the operations.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::action::watch::ReleaseSummary;
use crate::cluster::client::KubeCluster;
use crate::cluster::connect::connect_in_cluster;
use crate::cluster::{ConnectOptions, Connection, connect};
use crate::compat::Compat;
use crate::session::Session;
use crate::storage::kube::{ConfigMapDriver, SecretDriver};
use crate::storage::memory::MemoryDriver;
use crate::storage::{AnyDriver, DriverKind, Storage};

use super::ApiError;
use super::events::EventLog;
use super::operations::Operations;

/// How `rudder serve` was started.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// How to reach the cluster as the server itself (its namespace is the
    /// server's namespace).
    pub connect: ConnectOptions,
    /// Use the pod's service account instead of a kubeconfig.
    pub in_cluster: bool,
    /// Where releases are stored.
    pub driver: DriverKind,
    /// The helm version imitated.
    pub compat: Compat,
    /// Every namespace (`-A`), or only the server's.
    pub all_namespaces: bool,
    /// The token every request must carry.
    pub token: String,
    /// No mutating routes.
    pub read_only: bool,
    /// Run each request as the proxy's `X-Forwarded-User` /
    /// `X-Forwarded-Groups`.
    pub trust_proxy_headers: bool,
    /// How long a pending revision may sit untouched before it is stuck.
    pub grace: Duration,
    /// Where charts come from, for the upgrade routes and upgrade
    /// availability (`None`: neither is available).
    pub sources: Option<crate::action::source_upgrade::ChartSources>,
    /// How long a proxied user's access to a namespace's events is
    /// remembered (behind `--trust-proxy-headers`).
    pub access_ttl: Duration,
}

/// Who a request runs as: `None` is the server's own identity.
pub type Identity = Option<(String, Vec<String>)>;

/// A session over one namespace, as one identity.
pub type ApiSession = Session<AnyDriver, KubeCluster>;

/// The watched releases, keyed by namespace and name, with counters.
#[derive(Debug, Default)]
pub struct Watched {
    /// Each release's newest revision, as the watch last reported it.
    pub releases: BTreeMap<(String, String), ReleaseSummary>,
    /// Releases whose newest revision the watch reported stuck (cleared
    /// by the release's next event).
    pub stuck: BTreeMap<(String, String), crate::session::StuckNotice>,
    /// Whether the first snapshot is complete.
    pub synced: bool,
    /// The newest version each chart's source offers, by chart and
    /// installed version (`None`: not known, or being checked).
    pub latest: BTreeMap<super::availability::ChartKey, Option<String>>,
    /// Charts and versions waiting for an availability check.
    pub pending: std::collections::BTreeSet<super::availability::ChartKey>,
}

/// The server's state, shared by every request.
pub struct App {
    /// The configuration.
    pub config: ServeConfig,
    /// The server's own connection.
    pub base: Connection,
    clients: Mutex<HashMap<(String, Vec<String>), Connection>>,
    /// The watch's view.
    pub watched: Mutex<Watched>,
    /// Events for SSE clients.
    pub events: EventLog,
    /// Operations started.
    pub operations: Operations,
    /// Release events received from the watch.
    pub watch_events: AtomicU64,
    /// Re-lists of the watch after the first sync, and watch restarts.
    pub watch_restarts: AtomicU64,
    /// Wakes the availability checker.
    pub availability_wake: tokio::sync::Notify,
    /// Proxied users' remembered access to namespaces' events.
    pub access: super::access::AccessCache,
}

impl App {
    /// Connects as the server and sets up empty state.
    pub async fn start(config: ServeConfig) -> Result<Arc<App>, super::ServeError> {
        let base = open(&config, &config.connect).await?;
        crate::cluster::connect::probe(&base).await?;
        Ok(Arc::new(App {
            config,
            base,
            clients: Mutex::new(HashMap::new()),
            watched: Mutex::new(Watched::default()),
            events: EventLog::new(),
            operations: Operations::default(),
            watch_events: AtomicU64::new(0),
            watch_restarts: AtomicU64::new(0),
            availability_wake: tokio::sync::Notify::new(),
            access: super::access::AccessCache::default(),
        }))
    }

    /// The server's namespace.
    pub fn namespace(&self) -> &str {
        &self.base.namespace
    }

    /// Whether `ns` is one the server shows.
    pub fn serves(&self, ns: &str) -> bool {
        self.config.all_namespaces || ns == self.namespace()
    }

    /// A session over `ns` as `identity`.
    pub async fn session(&self, identity: &Identity, ns: &str) -> Result<ApiSession, ApiError> {
        let conn = match identity {
            None => self.base.clone(),
            Some(key) => self.connection_as(key).await?,
        };
        Ok(self.session_on(&conn, ns))
    }

    /// The server's own session over `ns` (the watch's identity).
    pub fn own_session(&self, ns: &str) -> ApiSession {
        self.session_on(&self.base, ns)
    }

    fn session_on(&self, conn: &Connection, ns: &str) -> ApiSession {
        let driver = match self.config.driver {
            DriverKind::Secret => AnyDriver::Secret(SecretDriver::new(conn.client.clone())),
            DriverKind::ConfigMap => {
                AnyDriver::ConfigMap(ConfigMapDriver::new(conn.client.clone()))
            }
            DriverKind::Memory => AnyDriver::Memory(MemoryDriver::new()),
        };
        Session::new(
            Storage::new(driver, ns.to_string()),
            KubeCluster::new(conn.client.clone()),
            self.config.compat,
        )
        .with_grace(self.config.grace)
    }

    pub(super) async fn connection_as(
        &self,
        key: &(String, Vec<String>),
    ) -> Result<Connection, ApiError> {
        if let Some(c) = self.lock_clients().get(key) {
            return Ok(c.clone());
        }
        let opts = ConnectOptions {
            as_user: Some(key.0.clone()),
            as_groups: key.1.clone(),
            ..self.config.connect.clone()
        };
        let conn = open(&self.config, &opts).await?;
        self.lock_clients().insert(key.clone(), conn.clone());
        Ok(conn)
    }

    fn lock_clients(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(String, Vec<String>), Connection>> {
        // A panic while holding the map cannot leave it inconsistent
        // (inserts are whole), so a poisoned lock is still usable.
        self.clients.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The watch's view, locked.
    pub fn lock_watched(&self) -> std::sync::MutexGuard<'_, Watched> {
        self.watched.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn open(
    config: &ServeConfig,
    opts: &ConnectOptions,
) -> Result<Connection, crate::cluster::ConnectError> {
    if config.in_cluster {
        connect_in_cluster(opts).await
    } else {
        connect(opts).await
    }
}
