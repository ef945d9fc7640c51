//! [`Cluster`] against a real API server: server-side apply under Helm's
//! field manager, replace, delete, watch-driven waits, hook logs and the
//! per-release Lease.

use std::time::Duration;

use kube::Client;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::discovery::{Resolver, collection_path};
use super::error::ClusterError;
use super::interface::{
    ApplyOptions, Cluster, Deleted, LockError, LockHolder, PodsOf, Progress, Propagation, Resource,
    WaitMode,
};
use super::lease::{self, Lease};
use super::objects::parse_objects;
use super::resources::{Form, LiveResources, ResourceError, live_resources};

/// The field manager Helm writes with (the base name of its binary).
pub const FIELD_MANAGER: &str = "helm";

/// How often a conflicting read-modify-write is retried (client-go's
/// `retry.DefaultRetry` has five steps).
const CONFLICT_RETRIES: usize = 5;

/// A cluster reached through a kube client.
#[derive(Clone)]
pub struct KubeCluster {
    client: Client,
    resolver: Resolver,
    cancel: CancellationToken,
}

impl std::fmt::Debug for KubeCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeCluster").finish_non_exhaustive()
    }
}

impl KubeCluster {
    /// A cluster over `client`.
    pub fn new(client: Client) -> KubeCluster {
        KubeCluster {
            resolver: Resolver::new(client.clone()),
            client,
            cancel: CancellationToken::new(),
        }
    }

    /// Ends every wait early once `cancel` is cancelled: a wait that is
    /// running, or starts later, fails at once with `context canceled`
    /// (the error helm 4 reports when interrupted). Everything else still
    /// runs, so an interrupted action records its outcome (the new revision
    /// `failed`) and lets go of its lock instead of leaving the release
    /// stuck.
    pub fn with_cancel(mut self, cancel: CancellationToken) -> KubeCluster {
        self.cancel = cancel;
        self
    }

    /// The underlying client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    async fn send(
        &self,
        req: http::request::Builder,
        body: Vec<u8>,
        context: &str,
    ) -> Result<Value, ClusterError> {
        let req = req
            .body(body)
            .map_err(|e| ClusterError::Other(e.to_string()))?;
        self.client
            .request::<Value>(req)
            .await
            .map_err(|e| ClusterError::from_kube(context, e))
    }
}

/// The path of one object.
pub(crate) fn object_path(r: &Resource) -> String {
    format!(
        "{}/{}",
        collection_path(
            r.object.group(),
            r.object.version(),
            &r.plural,
            r.namespace.as_deref()
        ),
        r.object.name
    )
}

/// The body sent for an object: the manifest's, without a namespace on
/// cluster-scoped kinds (the builder Helm uses ignores it there).
fn body_of(r: &Resource) -> Value {
    let mut body = r.object.body.clone();
    if r.namespace.is_none()
        && let Some(Value::Object(meta)) = body.get_mut("metadata")
    {
        meta.remove("namespace");
    }
    body
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

impl Cluster for KubeCluster {
    type Lock = Lease;

    async fn build(&self, manifest: &str, namespace: &str) -> Result<Vec<Resource>, ClusterError> {
        let objects = parse_objects(manifest)?;
        let mut out = Vec::with_capacity(objects.len());
        for object in objects {
            let served = self
                .resolver
                .resolve(object.group(), object.version(), &object.kind)
                .await?;
            let Some(served) = served else {
                return Err(ClusterError::UnknownKind {
                    name: object.name.clone(),
                    namespace: object.namespace.clone().unwrap_or_default(),
                    kind: object.kind.clone(),
                    api_version: object.api_version.clone(),
                });
            };
            let ns = served.namespaced.then(|| {
                object
                    .namespace
                    .clone()
                    .unwrap_or_else(|| namespace.to_string())
            });
            out.push(Resource {
                object,
                plural: served.plural,
                namespace: ns,
            });
        }
        Ok(out)
    }

    async fn server_info(&self) -> Result<super::server_info::ServerInfo, ClusterError> {
        super::server_info::server_info(&self.client).await
    }

    async fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<Value>, ClusterError> {
        super::server_info::lookup(
            &self.client,
            &self.resolver,
            api_version,
            kind,
            namespace,
            name,
        )
        .await
    }

    async fn get(&self, r: &Resource) -> Result<Option<Value>, ClusterError> {
        match self
            .send(http::Request::get(object_path(r)), Vec::new(), "")
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn apply(&self, r: &Resource, options: ApplyOptions) -> Result<(), ClusterError> {
        let path = object_path(r);
        let ns = r.namespace.as_deref().unwrap_or_default();
        let who = format!("{ns}/{} {}", r.object.name, r.gvk_string());
        let mut moved = false;
        if options.upgrade_client_side_fields {
            moved = self
                .upgrade_client_side_fields(r, options.dry_run, &who)
                .await?;
        }
        // A dry run cannot persist the ownership move, so the apply after
        // it would meet helm's own client-side entry as a conflicting
        // manager, which the real run's move makes a non-issue: such an
        // object's dry-run apply is forced.
        let force = if options.force_conflicts || (options.dry_run && moved) {
            "true"
        } else {
            "false"
        };
        let mut q = vec![
            ("fieldManager", FIELD_MANAGER),
            ("fieldValidation", "Strict"),
            ("force", force),
        ];
        if options.dry_run {
            q.push(("dryRun", "All"));
        }
        let body = serde_json::to_vec(&body_of(r))
            .map_err(|e| ClusterError::Other(format!("failed to encode object {who}: {e}")))?;
        let req = http::Request::patch(format!("{path}?{}", query(&q)))
            .header(http::header::CONTENT_TYPE, "application/apply-patch+yaml");
        match self.send(req, body, "").await {
            Ok(_) => Ok(()),
            Err(ClusterError::Api {
                message,
                code,
                reason,
            }) => {
                let context = if code == Some(409) {
                    "conflict occurred while applying object"
                } else if code == Some(415) {
                    "server-side apply not available on the server"
                } else {
                    "server-side apply failed for object"
                };
                let message = if code == Some(415) {
                    format!("{context}: {message}")
                } else {
                    format!("{context} {who}: {message}")
                };
                Err(ClusterError::Api {
                    message,
                    code,
                    reason,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn replace(&self, r: &Resource) -> Result<(), ClusterError> {
        let path = object_path(r);
        let mut last = None;
        for _ in 0..CONFLICT_RETRIES {
            let mut body = body_of(r);
            // Like kubectl's replace with overwrite: carry the live
            // resourceVersion unless the manifest pins one.
            if body.pointer("/metadata/resourceVersion").is_none()
                && let Some(live) = self.get(r).await?
                && let Some(rv) = live.pointer("/metadata/resourceVersion").cloned()
                && let Some(Value::Object(meta)) = body.get_mut("metadata")
            {
                meta.insert("resourceVersion".into(), rv);
            }
            let bytes =
                serde_json::to_vec(&body).map_err(|e| ClusterError::Other(e.to_string()))?;
            let q = query(&[
                ("fieldManager", FIELD_MANAGER),
                ("fieldValidation", "Strict"),
            ]);
            let req = http::Request::put(format!("{path}?{q}"))
                .header(http::header::CONTENT_TYPE, "application/json");
            match self.send(req, bytes, "failed to replace object").await {
                Ok(_) => return Ok(()),
                Err(e) if e.is_conflict() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| ClusterError::Other("failed to replace object".into())))
    }

    async fn delete(
        &self,
        r: &Resource,
        propagation: Propagation,
    ) -> Result<Deleted, ClusterError> {
        self.delete_with(r, propagation, false).await
    }

    async fn delete_dry_run(
        &self,
        r: &Resource,
        propagation: Propagation,
    ) -> Result<Deleted, ClusterError> {
        self.delete_with(r, propagation, true).await
    }

    async fn wait(
        &self,
        resources: &[Resource],
        mode: WaitMode,
        timeout: Duration,
        progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        super::wait::wait_ready(
            &self.client,
            resources,
            mode,
            timeout,
            progress,
            &self.cancel,
        )
        .await
    }

    async fn wait_deleted(
        &self,
        resources: &[Resource],
        timeout: Duration,
        progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        super::wait::wait_deleted(&self.client, resources, timeout, progress, &self.cancel).await
    }

    async fn hook_logs(
        &self,
        namespace: &str,
        pods: &PodsOf,
        progress: &dyn Progress,
    ) -> Result<(), ClusterError> {
        super::logs::copy_logs(&self.client, namespace, pods, progress).await
    }

    async fn pod_containers(
        &self,
        namespace: &str,
        pod: &str,
    ) -> Result<Vec<String>, ClusterError> {
        super::logs::pod_containers(&self.client, namespace, pod).await
    }

    async fn pod_log(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
    ) -> Result<Vec<u8>, ClusterError> {
        super::logs::pod_log(&self.client, namespace, pod, container).await
    }

    async fn lock(
        &self,
        namespace: &str,
        release: &str,
        operation: &str,
    ) -> Result<Lease, LockError> {
        lease::acquire(&self.client, namespace, release, operation).await
    }

    async fn lock_lost(&self, lock: &Lease) -> String {
        lock.lost().await
    }

    async fn unlock(&self, lock: Lease) {
        lock.release().await;
    }

    async fn break_lock(&self, namespace: &str, release: &str) -> Result<(), ClusterError> {
        lease::break_lock(&self.client, namespace, release).await
    }

    async fn live_resources(
        &self,
        manifest: &str,
        namespace: &str,
        form: Form,
    ) -> Result<LiveResources, ResourceError> {
        live_resources(&self.client, manifest, namespace, form).await
    }

    async fn lock_holder(
        &self,
        namespace: &str,
        release: &str,
    ) -> Result<Option<LockHolder>, ClusterError> {
        lease::holder(&self.client, namespace, release).await
    }

    async fn observe_lock(
        &self,
        namespace: &str,
        release: &str,
    ) -> Result<Option<LockHolder>, ClusterError> {
        lease::observe(&self.client, namespace, release).await
    }

    fn watch_changes(&self, resources: &[Resource]) -> futures::stream::BoxStream<'static, ()> {
        super::changes::watch_changes(&self.client, resources)
    }
}

impl KubeCluster {
    /// Deletes an object; with `dry_run`, only asks whether it could be
    /// (`dryRun=All` in the DeleteOptions).
    async fn delete_with(
        &self,
        r: &Resource,
        propagation: Propagation,
        dry_run: bool,
    ) -> Result<Deleted, ClusterError> {
        let mut body = serde_json::json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "propagationPolicy": propagation.as_str(),
        });
        if dry_run {
            body["dryRun"] = serde_json::json!(["All"]);
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| ClusterError::Other(e.to_string()))?;
        let req = http::Request::delete(object_path(r))
            .header(http::header::CONTENT_TYPE, "application/json");
        match self.send(req, bytes, "").await {
            Ok(_) => Ok(Deleted::Yes),
            Err(e) if e.is_not_found() => Ok(Deleted::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Helm 4's `upgradeClientSideFieldManager`: move the fields that
    /// client-side apply recorded for Helm's manager to its server-side
    /// apply entry, so the apply that follows neither conflicts with Helm's
    /// own earlier writes nor leaves stale ownership behind. True if
    /// fields were moved (or, in a dry run, would have been).
    async fn upgrade_client_side_fields(
        &self,
        r: &Resource,
        dry_run: bool,
        who: &str,
    ) -> Result<bool, ClusterError> {
        let path = object_path(r);
        for _ in 0..CONFLICT_RETRIES {
            let Some(live) = self.get(r).await? else {
                return Ok(false);
            };
            let patch = super::csa::upgrade_patch(&live, FIELD_MANAGER).map_err(|e| {
                ClusterError::Other(format!(
                    "failed to upgrade managed fields for object {who}: {e}"
                ))
            })?;
            let Some(patch) = patch else {
                return Ok(false);
            };
            let mut q = vec![("fieldManager", FIELD_MANAGER)];
            if dry_run {
                q.push(("dryRun", "All"));
            }
            let bytes =
                serde_json::to_vec(&patch).map_err(|e| ClusterError::Other(e.to_string()))?;
            let req = http::Request::patch(format!("{path}?{}", query(&q)))
                .header(http::header::CONTENT_TYPE, "application/json-patch+json");
            match self.send(req, bytes, "").await {
                Ok(_) => return Ok(true),
                // The patch carries the resourceVersion it was computed
                // from; someone wrote in between: read again.
                Err(e) if e.is_conflict() => continue,
                Err(e) => {
                    return Err(ClusterError::Other(format!(
                        "failed to patch object to upgrade CSA field manager {who}: {e}"
                    )));
                }
            }
        }
        Err(ClusterError::Other(format!(
            "failed to patch object to upgrade CSA field manager {who}: the object kept changing"
        )))
    }
}
