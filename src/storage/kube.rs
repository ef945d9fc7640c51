//! The Secret (Helm's default) and ConfigMap drivers, over the Kubernetes
//! API.
//!
//! Both store one object per revision, named by the storage key and
//! labelled `owner=helm,name,status,version,...`, with the encoded record
//! under `data.release`. Listings that only need to choose records are
//! metadata-only (`PartialObjectMetadata`) and paginated, so record bodies
//! cross the wire only for the records actually read.

use std::collections::BTreeMap;
use std::fmt::Debug;

use k8s_openapi::ByteString;
use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams, PostParams, Preconditions};
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::driver::{Driver, Listing, MetaListing, Record, RecordMeta, Scope, record_labels};
use super::error::StorageError;
use super::labels::{Labels, valid_label_value};
use super::protobuf;
use super::wire::{self, DataEncoding};
use crate::release::Release;
use crate::release::codec::{self, Limits};

/// What record reads ask for: protobuf, whose Secret data are raw bytes
/// (JSON base64-encodes them around Helm's own base64), else JSON.
const ACCEPT_OBJECTS: &str = "application/vnd.kubernetes.protobuf, application/json";
/// Metadata-only listings, protobuf preferred.
const ACCEPT_META: &str = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// Page size for metadata-only listings: small objects, so large pages.
const META_PAGE: u32 = 500;
/// Page size for listings with bodies (up to 1 MiB each).
const BODY_PAGE: u32 = 100;

/// A Kubernetes object kind that can hold release records.
pub trait RecordObject:
    Resource<Scope = NamespaceResourceScope, DynamicType = ()>
    + Clone
    + Debug
    + DeserializeOwned
    + Serialize
    + Send
    + Sync
    + 'static
{
    /// Helm's driver name.
    const DRIVER: &'static str;
    /// How `data.release` holds the record text on the wire.
    const ENCODING: DataEncoding;
    /// A new object holding `text`.
    fn build(meta: ObjectMeta, text: String) -> Self;
}

impl RecordObject for Secret {
    const DRIVER: &'static str = "Secret";
    const ENCODING: DataEncoding = DataEncoding::Base64;
    fn build(metadata: ObjectMeta, text: String) -> Secret {
        Secret {
            metadata,
            type_: Some("helm.sh/release.v1".into()),
            data: Some(BTreeMap::from([(
                "release".to_string(),
                ByteString(text.into_bytes()),
            )])),
            ..Default::default()
        }
    }
}

impl RecordObject for ConfigMap {
    const DRIVER: &'static str = "ConfigMap";
    const ENCODING: DataEncoding = DataEncoding::Plain;
    fn build(metadata: ObjectMeta, text: String) -> ConfigMap {
        ConfigMap {
            metadata,
            data: Some(BTreeMap::from([("release".to_string(), text)])),
            ..Default::default()
        }
    }
}

/// Release records stored as Kubernetes objects of kind `K`.
#[derive(Clone)]
pub struct KubeDriver<K> {
    client: Client,
    limits: Limits,
    _kind: std::marker::PhantomData<fn() -> K>,
}

/// Helm's default driver: one Secret per revision.
pub type SecretDriver = KubeDriver<Secret>;
/// One ConfigMap per revision.
pub type ConfigMapDriver = KubeDriver<ConfigMap>;

impl<K: RecordObject> KubeDriver<K> {
    /// A driver using `client`.
    pub fn new(client: Client) -> Self {
        KubeDriver {
            client,
            limits: Limits::default(),
            _kind: std::marker::PhantomData,
        }
    }

    /// The same driver with other decoding limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Sends a request asking for protobuf (JSON if the server prefers),
    /// returning the content type and body. Error responses become
    /// [`kube::Error::Api`], as kube's own requests report them.
    async fn fetch(
        &self,
        mut req: http::Request<Vec<u8>>,
        accept: &str,
    ) -> Result<(String, Vec<u8>), kube::Error> {
        use http_body_util::BodyExt as _;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_str(accept).map_err(|e| {
                kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e.into()))
            })?,
        );
        let res = self.client.send(req.map(kube::client::Body::from)).await?;
        let status = res.status();
        let content_type = res
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map_err(|e| kube::Error::Service(Box::new(e)))?
            .to_bytes()
            .to_vec();
        if status.is_success() {
            return Ok((content_type, bytes));
        }
        Err(kube::Error::Api(Box::new(error_status(
            status,
            &content_type,
            &bytes,
        ))))
    }

    fn request(namespace: Option<&str>) -> kube::core::Request {
        kube::core::Request::new(K::url_path(&(), namespace))
    }

    /// One record. With `resource_version`, a GET "not older than" it, which
    /// the API server answers from its watch cache instead of reading etcd:
    /// consistent with the listing that produced the version, and much
    /// cheaper for the server when hundreds of records are read.
    async fn get_record(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
    ) -> Result<Record, StorageError> {
        let context = format!("get: failed to get {key:?}");
        let gp = kube::api::GetParams {
            resource_version: resource_version.map(str::to_string),
        };
        let req = Self::request(Some(namespace))
            .get(key, &gp)
            .map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let (ct, body) = match self.fetch(req, ACCEPT_OBJECTS).await {
            Ok(r) => r,
            Err(e) if status_code(&e) == Some(404) => return Err(StorageError::NotFound),
            Err(e) => return Err(api_error(context, e)),
        };
        let limits = self.limits;
        let decoded = tokio::task::spawn_blocking(move || {
            wire::Body::new(&ct, &body).and_then(|b| wire::decode_body(b, K::ENCODING, limits))
        })
        .await
        .map_err(|e| backend(&context, e))?
        .map_err(|e| backend(&context, e))?;
        decoded.map_err(|c| StorageError::Corrupt {
            namespace: c.namespace,
            key: c.key,
            source: c.error,
        })
    }

    /// Every record matching a label selector, decoded; paginated.
    async fn list_records(
        &self,
        ns: Option<&str>,
        selector: &str,
    ) -> Result<Listing<Record>, StorageError> {
        let context = "query: failed to query with labels";
        let mut lp = ListParams::default().labels(selector).limit(BODY_PAGE);
        let mut out = Listing::default();
        loop {
            let req = Self::request(ns)
                .list(&lp)
                .map_err(|e| StorageError::InvalidInput(e.to_string()))?;
            let (ct, body) = self
                .fetch(req, ACCEPT_OBJECTS)
                .await
                .map_err(|e| api_error(context, e))?;
            let limits = self.limits;
            // Decoding is CPU work: keep it off the async worker threads.
            let (page, next) = tokio::task::spawn_blocking(move || {
                wire::Body::new(&ct, &body)
                    .and_then(|b| wire::decode_list_body(b, K::ENCODING, limits))
            })
            .await
            .map_err(|e| backend(context, e))?
            .map_err(|e| backend(context, e))?;
            out.items.extend(page.items);
            out.corrupt.extend(page.corrupt);
            match next {
                Some(c) => lp = lp.continue_token(&c),
                None => return Ok(out),
            }
        }
    }

    fn object(
        &self,
        namespace: &str,
        key: &str,
        labels: Labels,
        text: String,
        rv: Option<&str>,
    ) -> K {
        let meta = ObjectMeta {
            name: Some(key.to_string()),
            namespace: Some(namespace.to_string()),
            labels: Some(labels),
            resource_version: rv.map(str::to_string),
            ..Default::default()
        };
        K::build(meta, text)
    }
}

fn object_meta(m: &ObjectMeta) -> RecordMeta {
    RecordMeta {
        namespace: m.namespace.clone().unwrap_or_default(),
        key: m.name.clone().unwrap_or_default(),
        labels: m.labels.clone().unwrap_or_default(),
        resource_version: m.resource_version.clone(),
    }
}

/// `owner=helm` plus the given equalities, keys sorted as Helm sorts them.
fn selector(labels: &[(&str, &str)]) -> Result<String, StorageError> {
    let mut all: BTreeMap<&str, &str> = labels.iter().copied().collect();
    all.insert("owner", "helm");
    for v in all.values() {
        if !valid_label_value(v) {
            return Err(StorageError::InvalidInput(format!(
                "invalid label value: {v:?}: a valid label must be an empty string or consist of alphanumeric \
                 characters, '-', '_' or '.', and must start and end with an alphanumeric character"
            )));
        }
    }
    Ok(all
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(","))
}

/// Maps a client error onto the storage error Helm would report, with
/// Helm's operation prefix.
fn api_error(context: impl Into<String>, e: kube::Error) -> StorageError {
    match e {
        kube::Error::Api(status) => {
            let code = status.code;
            StorageError::Backend {
                context: context.into(),
                message: status.message.clone(),
                code: (code != 0).then_some(code),
            }
        }
        other => StorageError::Backend {
            context: context.into(),
            message: other.to_string(),
            code: None,
        },
    }
}

/// The `Status` an error response carries, in either encoding.
fn error_status(code: http::StatusCode, content_type: &str, body: &[u8]) -> kube::core::Status {
    let (message, reason) = match wire::Body::new(content_type, body) {
        Ok(wire::Body::Protobuf(b)) => protobuf::unwrap(b)
            .and_then(protobuf::status)
            .map(|(m, r, _)| (m, r))
            .unwrap_or_default(),
        Ok(wire::Body::Json(t)) => serde_json::from_str::<serde_json::Value>(t)
            .map(|v| {
                let s = |k: &str| {
                    v.get(k)
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                (s("message"), s("reason"))
            })
            .unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let message = if message.is_empty() {
        String::from_utf8_lossy(body).into_owned()
    } else {
        message
    };
    serde_json::from_value(serde_json::json!({
        "status": "Failure",
        "code": code.as_u16(),
        "message": message,
        "reason": reason,
    }))
    .unwrap_or_default()
}

fn backend(context: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend {
        context: context.to_string(),
        message: e.to_string(),
        code: None,
    }
}

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

impl<K: RecordObject> KubeDriver<K> {
    async fn list_namespaces(&self) -> Result<Vec<String>, StorageError> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        let mut out = Vec::new();
        let mut lp = ListParams::default().limit(META_PAGE);
        loop {
            let page = api
                .list_metadata(&lp)
                .await
                .map_err(|e| api_error("list namespaces", e))?;
            out.extend(page.items.into_iter().filter_map(|n| n.metadata.name));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => lp = lp.continue_token(&c),
                None => return Ok(out),
            }
        }
    }
}

impl<K: RecordObject> Driver for KubeDriver<K> {
    fn name(&self) -> &'static str {
        K::DRIVER
    }

    async fn list_meta(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<MetaListing, StorageError> {
        let ns = match scope {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        };
        // helm's `List` lists everything; a listing narrowed by labels is
        // its `Query`, with that wording.
        let context = if labels.is_empty() {
            "list: failed to list"
        } else {
            "query: failed to query with labels"
        };
        let mut lp = ListParams::default()
            .labels(&selector(labels)?)
            .limit(META_PAGE);
        let mut out = MetaListing::default();
        loop {
            let req = Self::request(ns)
                .list_metadata(&lp)
                .map_err(|e| StorageError::InvalidInput(e.to_string()))?;
            let (ct, body) = self
                .fetch(req, ACCEPT_META)
                .await
                .map_err(|e| api_error(context, e))?;
            let page = wire::Body::new(&ct, &body)
                .and_then(wire::meta_list_body)
                .map_err(|e| backend(context, e))?;
            out.items.extend(page.items);
            // Later pages are continuations of the first page's snapshot.
            if out.resource_version.is_none() {
                out.resource_version = page.resource_version;
            }
            match page.next {
                Some(c) => lp = lp.continue_token(&c),
                None => return Ok(out),
            }
        }
    }

    async fn query(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<Listing<Record>, StorageError> {
        let ns = match scope {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        };
        self.list_records(ns, &selector(labels)?).await
    }

    async fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        self.list_namespaces().await
    }

    async fn get(&self, namespace: &str, key: &str) -> Result<Record, StorageError> {
        self.get_record(namespace, key, None).await
    }

    async fn get_since(
        &self,
        namespace: &str,
        key: &str,
        resource_version: &str,
    ) -> Result<Record, StorageError> {
        self.get_record(namespace, key, Some(resource_version))
            .await
    }

    async fn create(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
    ) -> Result<RecordMeta, StorageError> {
        let text = codec::encode(release).map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let labels = record_labels(release, Some(jiff::Timestamp::now().as_second()), None);
        let obj = self.object(namespace, key, labels, text, None);
        let api: Api<K> = Api::namespaced(self.client.clone(), namespace);
        match api.create(&PostParams::default(), &obj).await {
            Ok(o) => Ok(object_meta(o.meta())),
            Err(e) if status_code(&e) == Some(409) => Err(StorageError::AlreadyExists),
            Err(e) => Err(api_error("create: failed to create", e)),
        }
    }

    async fn update(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
        resource_version: Option<&str>,
    ) -> Result<RecordMeta, StorageError> {
        let api: Api<K> = Api::namespaced(self.client.clone(), namespace);
        // Keep createdAt from the object being replaced (Helm drops it, #8110).
        let created = match api.get_metadata_opt(key).await {
            Ok(Some(m)) => m
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("createdAt"))
                .and_then(|v| v.parse().ok()),
            Ok(None) => return Err(StorageError::NotFound),
            Err(e) => return Err(api_error("update: failed to update", e)),
        };
        let text = codec::encode(release).map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let labels = record_labels(release, created, Some(jiff::Timestamp::now().as_second()));
        let obj = self.object(namespace, key, labels, text, resource_version);
        match api.replace(key, &PostParams::default(), &obj).await {
            Ok(o) => Ok(object_meta(o.meta())),
            Err(e) if status_code(&e) == Some(409) => Err(StorageError::Conflict {
                key: key.to_string(),
            }),
            Err(e) if status_code(&e) == Some(404) => Err(StorageError::NotFound),
            Err(e) => Err(api_error("update: failed to update", e)),
        }
    }

    async fn delete(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
    ) -> Result<(), StorageError> {
        let api: Api<K> = Api::namespaced(self.client.clone(), namespace);
        let dp = DeleteParams {
            preconditions: resource_version.map(|rv| Preconditions {
                resource_version: Some(rv.to_string()),
                uid: None,
            }),
            ..Default::default()
        };
        match api.delete(key, &dp).await {
            Ok(_) => Ok(()),
            Err(e) if status_code(&e) == Some(404) => Err(StorageError::NotFound),
            Err(e) if status_code(&e) == Some(409) => Err(StorageError::Conflict {
                key: key.to_string(),
            }),
            Err(e) => Err(api_error("delete: failed to delete", e)),
        }
    }
}
