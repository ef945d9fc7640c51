//! What the actions need from a cluster (Helm's `kube.Interface`), as a
//! trait: the real implementation talks to the API server
//! ([`super::client::KubeCluster`]); tests of the actions use an in-memory
//! one.

use std::future::Future;
use std::time::Duration;

use futures::stream::BoxStream;
use serde_json::Value;

use super::error::ClusterError;
use super::objects::Object;
pub use super::progress::{Pending, Progress, Quiet};
use super::resources::{Form, LiveResources, ResourceError};

/// An object of a manifest, resolved against the API server: where it
/// lives.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The object as the manifest gives it.
    pub object: Object,
    /// The resource (plural) name of its kind.
    pub plural: String,
    /// The namespace it lives in; `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
}

impl Resource {
    /// How Helm matches an object of one manifest with one of another:
    /// group, kind, namespace and name (not the version).
    pub fn id(&self) -> ResourceId {
        ResourceId {
            group: self.object.group().to_string(),
            kind: self.object.kind.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            name: self.object.name.clone(),
        }
    }

    /// `Kind/namespace/name`, as Helm's wait errors name a resource.
    pub fn display(&self) -> String {
        format!(
            "{}/{}/{}",
            self.object.kind,
            self.namespace.as_deref().unwrap_or_default(),
            self.object.name
        )
    }

    /// `Kind "name" in namespace "ns"`, as Helm's ownership errors name a
    /// resource.
    pub fn describe(&self) -> String {
        format!(
            "{} {:?} in namespace {:?}",
            self.object.kind,
            self.object.name,
            self.namespace.as_deref().unwrap_or_default()
        )
    }

    /// Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`.
    pub fn gvk_string(&self) -> String {
        format!(
            "{}/{}, Kind={}",
            self.object.group(),
            self.object.version(),
            self.object.kind
        )
    }
}

/// The identity Helm uses to match objects across revisions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    /// API group.
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`""` when cluster-scoped).
    pub namespace: String,
    /// Name.
    pub name: String,
}

/// How dependents of a deleted object are deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    /// In the background, after the object is gone (Helm's default).
    #[default]
    Background,
    /// Before the object is gone.
    Foreground,
    /// Not at all.
    Orphan,
}

impl Propagation {
    /// The API's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Propagation::Background => "Background",
            Propagation::Foreground => "Foreground",
            Propagation::Orphan => "Orphan",
        }
    }
}

/// What a wait waits for (Helm 4's `Wait`, `WaitWithJobs` and
/// `WatchUntilReady`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitMode {
    /// Every resource ready; Jobs count as ready once created.
    Ready,
    /// Every resource ready, Jobs complete.
    ReadyWithJobs,
    /// Hook resources: Jobs complete and Pods succeeded; anything else
    /// counts as ready at once.
    Hook,
}

/// How to apply an object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Take fields other managers own (`force=true`).
    pub force_conflicts: bool,
    /// Ask the server to validate without persisting (`dryRun=All`).
    pub dry_run: bool,
    /// First move fields that client-side apply gave to Helm over to
    /// Helm's server-side apply manager, as Helm 4 does when a release
    /// moves from client-side to server-side apply.
    pub upgrade_client_side_fields: bool,
}

/// What a delete found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// The object was deleted (or its deletion started).
    Yes,
    /// It was not there.
    NotFound,
}

/// What this process knows of whether a lock's holder is still alive.
///
/// As client-go's leader election judges it: by whether this process saw
/// the Lease change (a renewal, a new holder) within the Lease's duration,
/// timed with this process's monotonic clock. The `renewTime` the holder
/// wrote is never compared with the local wall clock, so clock skew
/// between machines cannot make a live lock look dead (or the reverse).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liveness {
    /// Seen changing within its duration: the holder renews it.
    Live,
    /// Watched for a whole duration without a change: the holder is gone.
    Expired,
    /// Not watched long enough to tell: a quick read (`list`, `status`).
    Unknown,
}

/// Who holds a release's lock, and since when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder's identity (`host/pid/nonce`).
    pub holder: String,
    /// The operation it runs (`rollback`, `uninstall`, ...).
    pub operation: String,
    /// When it took the lock.
    pub acquired: Option<jiff::Timestamp>,
    /// When it last renewed the lock.
    pub renewed: Option<jiff::Timestamp>,
    /// How long a renewal keeps the lock.
    pub duration: Duration,
    /// Whether the holder was seen alive.
    pub liveness: Liveness,
}

impl LockHolder {
    /// True unless the holder was watched for the Lease's whole duration
    /// without renewing it: a lock whose liveness is unknown may be live.
    pub fn may_be_live(&self) -> bool {
        self.liveness != Liveness::Expired
    }
}

/// Why a release could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live operation holds it.
    #[error("another operation ({}) is in progress on release {release:?}: lock held by {}", .holder.operation, .holder.holder)]
    Held {
        /// The release.
        release: String,
        /// Who holds it.
        holder: LockHolder,
    },
    /// The user may not use Leases in the namespace.
    #[error("not allowed to lock release {release:?}: {message}")]
    Forbidden {
        /// The release.
        release: String,
        /// The server's message.
        message: String,
    },
    /// Anything else.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

impl LockError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            LockError::Held { .. } => crate::error::ErrorKind::Busy,
            LockError::Forbidden { .. } => crate::error::ErrorKind::Forbidden,
            LockError::Cluster(e) => e.kind(),
        }
    }
}

/// Which pods' logs to fetch for a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodsOf {
    /// The pods of a Job (`job-name=<name>`).
    Job(String),
    /// One pod by name.
    Pod(String),
}

/// What the actions need from a cluster.
pub trait Cluster: Send + Sync {
    /// A held release lock.
    type Lock: Send + Sync;

    /// Parses a manifest and resolves each object's kind (Helm's `Build`).
    /// Namespaced objects without a namespace get `namespace`.
    fn build(
        &self,
        manifest: &str,
        namespace: &str,
    ) -> impl Future<Output = Result<Vec<Resource>, ClusterError>> + Send;

    /// The live object, if it exists.
    fn get(
        &self,
        resource: &Resource,
    ) -> impl Future<Output = Result<Option<Value>, ClusterError>> + Send;

    /// Server-side apply under Helm's field manager.
    fn apply(
        &self,
        resource: &Resource,
        options: ApplyOptions,
    ) -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// Replaces the live object with the manifest's (`--force-replace`).
    fn replace(&self, resource: &Resource)
    -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// Deletes an object.
    fn delete(
        &self,
        resource: &Resource,
        propagation: Propagation,
    ) -> impl Future<Output = Result<Deleted, ClusterError>> + Send;

    /// Asks the server whether the object could be deleted
    /// (`dryRun=All`): admission and authorization judge the delete,
    /// nothing is deleted.
    fn delete_dry_run(
        &self,
        resource: &Resource,
        propagation: Propagation,
    ) -> impl Future<Output = Result<Deleted, ClusterError>> + Send;

    /// Waits, driven by watches, until every resource reaches the state
    /// `mode` asks for, or `timeout` passes.
    fn wait(
        &self,
        resources: &[Resource],
        mode: WaitMode,
        timeout: Duration,
        progress: &dyn Progress,
    ) -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// Waits until every resource is gone, or `timeout` passes.
    fn wait_deleted(
        &self,
        resources: &[Resource],
        timeout: Duration,
        progress: &dyn Progress,
    ) -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// Copies the logs of a hook's pods to `progress`.
    fn hook_logs(
        &self,
        namespace: &str,
        pods: &PodsOf,
        progress: &dyn Progress,
    ) -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// The names of a pod's init containers, then of its other
    /// containers, in the order its spec lists them (what `helm test
    /// --logs` reads). A missing pod is an API error with the server's
    /// message (`pods "x" not found`).
    fn pod_containers(
        &self,
        namespace: &str,
        pod: &str,
    ) -> impl Future<Output = Result<Vec<String>, ClusterError>> + Send;

    /// A container's log, or with no `container` the log of the pod's
    /// only container (the server refuses a pod with several), cut off
    /// with a note after [`MAX_LOG_BYTES`](super::logs::MAX_LOG_BYTES).
    /// A refusal is an API error with the server's message.
    fn pod_log(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
    ) -> impl Future<Output = Result<Vec<u8>, ClusterError>> + Send;

    /// Takes the release's lock for `operation`, and keeps renewing it
    /// until [`Cluster::unlock`]. Refuses while another live operation
    /// holds it; takes over an expired one.
    fn lock(
        &self,
        namespace: &str,
        release: &str,
        operation: &str,
    ) -> impl Future<Output = Result<Self::Lock, LockError>> + Send;

    /// Completes, with the reason, once `lock` is lost: another operation
    /// took it over or it was removed (`recover --force`), or it could not
    /// be renewed in time. Never completes while the lock is held.
    fn lock_lost(&self, lock: &Self::Lock) -> impl Future<Output = String> + Send;

    /// Lets go of a lock.
    fn unlock(&self, lock: Self::Lock) -> impl Future<Output = ()> + Send;

    /// Removes the release's lock whoever holds it (`recover --force`).
    fn break_lock(
        &self,
        namespace: &str,
        release: &str,
    ) -> impl Future<Output = Result<(), ClusterError>> + Send;

    /// The live objects of a stored manifest, as `helm status` shows them
    /// (objects missing from the cluster are left out).
    fn live_resources(
        &self,
        manifest: &str,
        namespace: &str,
        form: Form,
    ) -> impl Future<Output = Result<LiveResources, ResourceError>> + Send;

    /// Who holds the release's lock, if anyone ever took it and has not let
    /// go, from one quick read: its liveness is [`Liveness::Unknown`]
    /// (fast enough for `list` and `status`).
    fn lock_holder(
        &self,
        namespace: &str,
        release: &str,
    ) -> impl Future<Output = Result<Option<LockHolder>, ClusterError>> + Send;

    /// The server's version and the API versions it serves (helm's
    /// `getCapabilities`).
    fn server_info(
        &self,
    ) -> impl Future<Output = Result<super::server_info::ServerInfo, ClusterError>> + Send;

    /// helm's `lookup`: the object (or, with an empty `name`, the list),
    /// `None` when it does not exist.
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<Value>, ClusterError>> + Send;

    /// Who holds the release's lock, judged by watching it: `Live` as soon
    /// as it changes, `Expired` once it stayed unchanged for its whole
    /// duration (so this can take that long). For `recover`.
    fn observe_lock(
        &self,
        namespace: &str,
        release: &str,
    ) -> impl Future<Output = Result<Option<LockHolder>, ClusterError>> + Send;

    /// A stream that yields whenever one of `resources` (built from a
    /// release's manifest), or a pod of one of its workloads, changes or
    /// goes away; driven by watches (see [`super::changes`]). Dropping it
    /// stops the watches.
    fn watch_changes(&self, resources: &[Resource]) -> BoxStream<'static, ()>;
}
