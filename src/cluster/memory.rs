//! An in-memory [`Cluster`] for unit tests of the actions: objects kept in
//! a map, every call logged, and switches to make applies, waits or locks
//! fail. It models no controller and no API semantics beyond what the
//! actions' logic needs; behaviour against Kubernetes is tested on a real
//! cluster.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::discovery::{Served, builtin_kind};
use super::error::ClusterError;
use super::interface::{
    ApplyOptions, Cluster, Deleted, Liveness, LockError, LockHolder, PodsOf, Progress, Propagation,
    Resource, ResourceId, WaitMode,
};
use super::objects::parse_objects;
use super::resources::{Form, LiveResources, ResourceError};
use super::server_info::ServerInfo;

#[derive(Debug, Default)]
struct State {
    objects: BTreeMap<ResourceId, Value>,
    served: HashMap<(String, String), Served>,
    fail_apply: HashSet<String>,
    not_ready: HashMap<String, String>,
    locks: HashMap<(String, String), LockHolder>,
    lost: HashMap<(String, String), (CancellationToken, String)>,
    calls: Vec<String>,
    next_lock: u64,
    server: Option<ServerInfo>,
    cancelled: bool,
    watchers: Vec<Watcher>,
}

/// A [`Cluster::watch_changes`] stream's subscription.
#[derive(Debug)]
struct Watcher {
    ids: HashSet<ResourceId>,
    /// Namespaces with workloads: any pod there counts as theirs.
    pod_namespaces: HashSet<String>,
    tx: tokio::sync::mpsc::UnboundedSender<()>,
}

impl State {
    /// Tells the change streams that watch `id` that it changed.
    fn changed(&mut self, id: &ResourceId) {
        self.watchers.retain(|w| !w.tx.is_closed());
        for w in &self.watchers {
            let pod = id.kind == "Pod" && w.pod_namespaces.contains(&id.namespace);
            if pod || w.ids.contains(id) {
                let _ = w.tx.send(());
            }
        }
    }
}

/// The in-memory cluster. Clones share state.
#[derive(Clone, Debug, Default)]
pub struct MemoryCluster {
    state: Arc<Mutex<State>>,
}

/// A lock held in a [`MemoryCluster`].
#[derive(Debug)]
pub struct MemoryLock {
    key: (String, String),
    holder: String,
    lost: CancellationToken,
}

impl MemoryCluster {
    /// An empty cluster.
    pub fn new() -> MemoryCluster {
        MemoryCluster::default()
    }

    fn st(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread cannot leave the map half-written
        // in a way that matters to a test; carry on with the data.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Serves a custom kind.
    pub fn serve(&self, api_version: &str, kind: &str, plural: &str, namespaced: bool) {
        self.st().served.insert(
            (api_version.to_string(), kind.to_string()),
            Served {
                plural: plural.to_string(),
                namespaced,
            },
        );
    }

    /// Makes applying (or replacing) the object named `name` fail.
    pub fn fail_apply(&self, name: &str) {
        self.st().fail_apply.insert(name.to_string());
    }

    /// Makes waiting for the object named `name` fail with `message`.
    pub fn never_ready(&self, name: &str, message: &str) {
        self.st()
            .not_ready
            .insert(name.to_string(), message.to_string());
    }

    /// Undoes [`MemoryCluster::never_ready`]: waits on `name` succeed again.
    pub fn make_ready(&self, name: &str) {
        self.st().not_ready.remove(name);
    }

    /// Puts an object in place, as if someone else had created it.
    pub fn put(&self, id: ResourceId, body: Value) {
        let mut st = self.st();
        st.changed(&id);
        st.objects.insert(id, body);
    }

    /// Removes a live object as a controller or another client would (the
    /// change streams hear of it).
    pub fn remove(&self, id: &ResourceId) {
        let mut st = self.st();
        st.changed(id);
        st.objects.remove(id);
    }

    /// The live object with this identity.
    pub fn object(&self, kind: &str, namespace: &str, name: &str) -> Option<Value> {
        self.st()
            .objects
            .iter()
            .find(|(id, _)| id.kind == kind && id.namespace == namespace && id.name == name)
            .map(|(_, v)| v.clone())
    }

    /// Names of every live object, as `Kind/namespace/name`.
    pub fn names(&self) -> Vec<String> {
        self.st()
            .objects
            .keys()
            .map(|id| format!("{}/{}/{}", id.kind, id.namespace, id.name))
            .collect()
    }

    /// Every call made so far, in order (`apply Kind/ns/name`, ...).
    pub fn calls(&self) -> Vec<String> {
        self.st().calls.clone()
    }

    /// Sets (or clears) the holder of a release's lock.
    pub fn set_lock(&self, namespace: &str, release: &str, holder: Option<LockHolder>) {
        let key = (namespace.to_string(), release.to_string());
        let mut st = self.st();
        match holder {
            Some(h) => st.locks.insert(key, h),
            None => st.locks.remove(&key),
        };
    }

    /// Takes a held lock away from its holder, as another operation
    /// taking it over would: the holder's [`Cluster::lock_lost`] completes
    /// with `why`.
    pub fn steal_lock(&self, namespace: &str, release: &str, why: &str) {
        let key = (namespace.to_string(), release.to_string());
        let mut st = self.st();
        if let Some((token, reason)) = st.lost.get_mut(&key) {
            *reason = why.to_string();
            token.cancel();
        }
        st.locks.remove(&key);
    }

    /// Makes every wait fail as an interrupted one does (`context
    /// canceled`), as the real cluster's do once its token is cancelled.
    pub fn cancel_waits(&self) {
        self.st().cancelled = true;
    }

    /// Sets what [`Cluster::server_info`] answers (default: Kubernetes
    /// v1.36.0 serving helm's default API versions).
    pub fn set_server_info(&self, info: ServerInfo) {
        self.st().server = Some(info);
    }

    fn log(&self, call: String) {
        self.st().calls.push(call);
    }
}

impl Cluster for MemoryCluster {
    type Lock = MemoryLock;

    async fn build(&self, manifest: &str, namespace: &str) -> Result<Vec<Resource>, ClusterError> {
        let objects = parse_objects(manifest)?;
        let st = self.st();
        objects
            .into_iter()
            .map(|object| {
                let served = builtin_kind(object.group(), object.version(), &object.kind)
                    .map(|(p, n)| Served {
                        plural: p.to_string(),
                        namespaced: n,
                    })
                    .or_else(|| {
                        st.served
                            .get(&(object.api_version.clone(), object.kind.clone()))
                            .cloned()
                    })
                    .ok_or_else(|| ClusterError::UnknownKind {
                        name: object.name.clone(),
                        namespace: object.namespace.clone().unwrap_or_default(),
                        kind: object.kind.clone(),
                        api_version: object.api_version.clone(),
                    })?;
                let ns = served.namespaced.then(|| {
                    object
                        .namespace
                        .clone()
                        .unwrap_or_else(|| namespace.to_string())
                });
                Ok(Resource {
                    object,
                    plural: served.plural,
                    namespace: ns,
                })
            })
            .collect()
    }

    async fn server_info(&self) -> Result<ServerInfo, ClusterError> {
        Ok(self.st().server.clone().unwrap_or_else(|| ServerInfo {
            git_version: "v1.36.0".into(),
            major: "1".into(),
            minor: "36".into(),
            api_versions: crate::render::capabilities::default_api_versions(),
        }))
    }

    async fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        self.log(format!("lookup {api_version} {kind} {namespace} {name}"));
        let (group, _) = api_version.split_once('/').unwrap_or(("", api_version));
        let st = self.st();
        let matches = |id: &ResourceId| {
            id.group == group
                && id.kind == kind
                && (namespace.is_empty() || id.namespace.is_empty() || id.namespace == namespace)
        };
        if !name.is_empty() {
            return Ok(st
                .objects
                .iter()
                .find(|(id, _)| matches(id) && id.name == name)
                .map(|(_, v)| v.clone()));
        }
        let items: Vec<Value> = st
            .objects
            .iter()
            .filter(|(id, _)| matches(id))
            .map(|(_, v)| v.clone())
            .collect();
        Ok(Some(serde_json::json!({
            "apiVersion": api_version,
            "kind": format!("{kind}List"),
            "metadata": {},
            "items": items,
        })))
    }

    async fn get(&self, r: &Resource) -> Result<Option<Value>, ClusterError> {
        Ok(self.st().objects.get(&r.id()).cloned())
    }

    async fn apply(&self, r: &Resource, options: ApplyOptions) -> Result<(), ClusterError> {
        self.log(format!(
            "apply {}{}",
            r.display(),
            if options.upgrade_client_side_fields {
                " (upgrade csa)"
            } else {
                ""
            }
        ));
        let mut st = self.st();
        if st.fail_apply.contains(&r.object.name) {
            return Err(ClusterError::Api {
                message: format!(
                    "server-side apply failed for object {}/{} {}: refused by the test",
                    r.namespace.as_deref().unwrap_or_default(),
                    r.object.name,
                    r.gvk_string()
                ),
                code: Some(422),
                reason: Some("Invalid".into()),
            });
        }
        if !options.dry_run {
            st.changed(&r.id());
            st.objects.insert(r.id(), r.object.body.clone());
        }
        Ok(())
    }

    async fn replace(&self, r: &Resource) -> Result<(), ClusterError> {
        self.log(format!("replace {}", r.display()));
        let mut st = self.st();
        if st.fail_apply.contains(&r.object.name) {
            return Err(ClusterError::Other(
                "failed to replace object: refused by the test".into(),
            ));
        }
        st.changed(&r.id());
        st.objects.insert(r.id(), r.object.body.clone());
        Ok(())
    }

    async fn delete(
        &self,
        r: &Resource,
        propagation: Propagation,
    ) -> Result<Deleted, ClusterError> {
        self.log(format!("delete {} {}", r.display(), propagation.as_str()));
        let mut st = self.st();
        let removed = st.objects.remove(&r.id());
        if removed.is_some() {
            st.changed(&r.id());
        }
        Ok(match removed {
            Some(_) => Deleted::Yes,
            None => Deleted::NotFound,
        })
    }

    async fn delete_dry_run(
        &self,
        r: &Resource,
        propagation: Propagation,
    ) -> Result<Deleted, ClusterError> {
        self.log(format!(
            "delete-dry-run {} {}",
            r.display(),
            propagation.as_str()
        ));
        Ok(match self.st().objects.contains_key(&r.id()) {
            true => Deleted::Yes,
            false => Deleted::NotFound,
        })
    }

    async fn wait(
        &self,
        resources: &[Resource],
        mode: WaitMode,
        _timeout: Duration,
        _progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        self.log(format!(
            "wait {mode:?} {}",
            resources
                .iter()
                .map(Resource::display)
                .collect::<Vec<_>>()
                .join(",")
        ));
        let st = self.st();
        if st.cancelled {
            return Err(ClusterError::Cancelled("context canceled".into()));
        }
        let errs: Vec<String> = resources
            .iter()
            .filter_map(|r| {
                st.not_ready.get(&r.object.name).map(|m| {
                    format!(
                        "resource {} not ready. status: Failed, message: {m}",
                        r.display()
                    )
                })
            })
            .collect();
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ClusterError::Wait(errs.join("\n")))
        }
    }

    async fn wait_deleted(
        &self,
        resources: &[Resource],
        _timeout: Duration,
        _progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        self.log(format!(
            "wait-deleted {}",
            resources
                .iter()
                .map(Resource::display)
                .collect::<Vec<_>>()
                .join(",")
        ));
        Ok(())
    }

    async fn hook_logs(
        &self,
        namespace: &str,
        pods: &PodsOf,
        progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        let name = match pods {
            PodsOf::Job(n) | PodsOf::Pod(n) => n,
        };
        self.log(format!("logs {namespace}/{name}"));
        progress.hook_output(format!("log of {name}\n").as_bytes());
        Ok(())
    }

    async fn pod_containers(
        &self,
        namespace: &str,
        pod: &str,
    ) -> Result<Vec<String>, ClusterError> {
        self.log(format!("containers {namespace}/{pod}"));
        let body = self
            .object("Pod", namespace, pod)
            .ok_or_else(|| pod_not_found(pod))?;
        let mut names = Vec::new();
        for list in ["initContainers", "containers"] {
            let items = body
                .pointer(&format!("/spec/{list}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            names.extend(
                items
                    .iter()
                    .filter_map(|c| c.get("name").and_then(Value::as_str))
                    .map(str::to_string),
            );
        }
        Ok(names)
    }

    async fn pod_log(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
    ) -> Result<Vec<u8>, ClusterError> {
        let container = container.unwrap_or("-");
        self.log(format!("log {namespace}/{pod}/{container}"));
        if self.object("Pod", namespace, pod).is_none() {
            return Err(pod_not_found(pod));
        }
        Ok(format!("log of {pod}/{container}\n").into_bytes())
    }

    async fn lock(
        &self,
        namespace: &str,
        release: &str,
        operation: &str,
    ) -> Result<MemoryLock, LockError> {
        let key = (namespace.to_string(), release.to_string());
        let mut st = self.st();
        let now = jiff::Timestamp::now();
        if let Some(h) = st.locks.get(&key)
            && h.may_be_live()
        {
            return Err(LockError::Held {
                release: release.to_string(),
                holder: h.clone(),
            });
        }
        st.next_lock += 1;
        let holder = format!("memory/{}", st.next_lock);
        st.locks.insert(
            key.clone(),
            LockHolder {
                holder: holder.clone(),
                operation: operation.to_string(),
                acquired: Some(now),
                renewed: Some(now),
                duration: Duration::from_secs(15),
                liveness: Liveness::Live,
            },
        );
        let lost = CancellationToken::new();
        st.lost.insert(key.clone(), (lost.clone(), String::new()));
        st.calls
            .push(format!("lock {namespace}/{release} {operation}"));
        Ok(MemoryLock { key, holder, lost })
    }

    async fn lock_lost(&self, lock: &MemoryLock) -> String {
        lock.lost.cancelled().await;
        self.st()
            .lost
            .get(&lock.key)
            .map(|(_, why)| why.clone())
            .unwrap_or_default()
    }

    async fn unlock(&self, lock: MemoryLock) {
        let mut st = self.st();
        if st.locks.get(&lock.key).map(|h| h.holder.as_str()) == Some(lock.holder.as_str()) {
            st.locks.remove(&lock.key);
        }
        st.calls
            .push(format!("unlock {}/{}", lock.key.0, lock.key.1));
    }

    async fn break_lock(&self, namespace: &str, release: &str) -> Result<(), ClusterError> {
        self.steal_lock(namespace, release, "the lock was removed");
        self.set_lock(namespace, release, None);
        self.log(format!("break-lock {namespace}/{release}"));
        Ok(())
    }

    async fn live_resources(
        &self,
        manifest: &str,
        namespace: &str,
        _form: Form,
    ) -> Result<LiveResources, ResourceError> {
        // No server renders tables here: both forms give the objects.
        let resources = self
            .build(manifest, namespace)
            .await
            .map_err(|e| ResourceError::Manifest(e.to_string()))?;
        self.st().calls.push("live_resources".to_string());
        let mut live = LiveResources::default();
        for r in &resources {
            if let Some(obj) = self.st().objects.get(&r.id()).cloned() {
                live.push(&format!("{}/{}", r.object.version(), r.object.kind), obj);
            }
        }
        Ok(live)
    }

    async fn lock_holder(
        &self,
        namespace: &str,
        release: &str,
    ) -> Result<Option<LockHolder>, ClusterError> {
        Ok(self
            .st()
            .locks
            .get(&(namespace.to_string(), release.to_string()))
            .cloned()
            .map(|h| LockHolder {
                liveness: Liveness::Unknown,
                ..h
            }))
    }

    async fn observe_lock(
        &self,
        namespace: &str,
        release: &str,
    ) -> Result<Option<LockHolder>, ClusterError> {
        Ok(self
            .st()
            .locks
            .get(&(namespace.to_string(), release.to_string()))
            .cloned())
    }

    fn watch_changes(&self, resources: &[Resource]) -> futures::stream::BoxStream<'static, ()> {
        use futures::StreamExt as _;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let pod_namespaces = resources
            .iter()
            .filter(|r| super::changes::WORKLOADS.contains(&r.object.kind.as_str()))
            .filter_map(|r| r.namespace.clone())
            .collect();
        self.st().watchers.push(Watcher {
            ids: resources.iter().map(Resource::id).collect(),
            pod_namespaces,
            tx,
        });
        futures::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|()| ((), rx)) },
        )
        .boxed()
    }
}

/// The API server's answer for a missing pod.
fn pod_not_found(pod: &str) -> ClusterError {
    ClusterError::Api {
        message: format!("pods {pod:?} not found"),
        code: Some(404),
        reason: Some("NotFound".into()),
    }
}
