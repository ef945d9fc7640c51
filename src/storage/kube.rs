//! The Secret (Helm's default) and ConfigMap drivers, over the Kubernetes
//! API.
//!
//! Both store one object per revision, named by the storage key and
//! labelled `owner=helm,name,status,version,...`, with the encoded record
//! under `data.release`. Listings that only need to choose records are
//! metadata-only (`PartialObjectMetadata`) and paginated, so record bodies
//! cross the wire only for the records actually read.

use crate::storage::CorruptRecord;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

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
use super::watch::{self, RecordEvent, RecordWatch, Sink, View, WatchOptions};
use super::wire::{self, DataEncoding};
use crate::release::Release;
use crate::release::codec::{self, DecodeError, Limits};

/// What record reads ask for: protobuf, whose Secret data are raw bytes
/// (JSON base64-encodes them around Helm's own base64), else JSON.
const ACCEPT_OBJECTS: &str = "application/vnd.kubernetes.protobuf, application/json";
/// Metadata-only listings, protobuf preferred.
const ACCEPT_META: &str = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1, application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// Page size for metadata-only listings: small objects, so large pages.
const META_PAGE: u32 = 500;
/// Page size for listings with bodies (typically tens of KiB each, up to
/// about 1 MiB).
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
    /// Memory for records being fetched and decoded, shared by every
    /// concurrent read through this driver (and its clones), in KiB.
    budget: Arc<Semaphore>,
    budget_kib: u32,
    _kind: std::marker::PhantomData<fn() -> K>,
}

/// The most a single object's response may be: the API server refuses
/// objects over about 1.5 MiB (etcd's request limit), a Secret's 1 MiB of
/// data grows by a third in JSON's base64, plus metadata.
pub const MAX_OBJECT_BODY: usize = 3 << 20;

/// Default decode budget: what every record read in flight through one
/// driver may use together (bodies, decompressed JSON, parsed releases).
/// It is what keeps a listing of hundreds of hostile records (gzip bombs,
/// 1 MiB blobs) within a fixed amount of memory, not just each record.
pub const DEFAULT_DECODE_BUDGET: u64 = 64 << 20;

/// What an ordinary record read reserves from the budget: its body (up to
/// [`MAX_OBJECT_BODY`], and the base64-decoded copy), and a decode of at
/// most [`SMALL_DECODE`] bytes with the parsed release. The budget also
/// bounds how many reads at once can leave freed memory behind in the
/// allocator.
const SMALL_RESERVATION: u64 = 4 << 20;
/// The decompressed size an ordinary read may reach. A record that
/// decompresses to more (a big chart, or a gzip bomb) is read again with
/// the whole budget to itself and the driver's full [`Limits`].
const SMALL_DECODE: u64 = 1 << 20;

/// The most a listing page with bodies may be: it is held whole while it
/// is decoded. A page of big records that is larger is asked for again in
/// fewer records.
const BODY_PAGE_LIMIT: usize = 24 << 20;

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
            budget: Arc::new(Semaphore::new(kib(DEFAULT_DECODE_BUDGET) as usize)),
            budget_kib: kib(DEFAULT_DECODE_BUDGET),
            _kind: std::marker::PhantomData,
        }
    }

    /// The same driver with other decoding limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same driver with another decode budget (bytes; see
    /// [`DEFAULT_DECODE_BUDGET`]). At least one ordinary read always fits.
    pub fn with_decode_budget(mut self, bytes: u64) -> Self {
        let k = kib(bytes.max(SMALL_RESERVATION));
        self.budget = Arc::new(Semaphore::new(k as usize));
        self.budget_kib = k;
        self
    }

    /// Reserves `bytes` of the decode budget (all of it at most), waiting
    /// for reads in flight to give it back. Reads take one reservation at a
    /// time and never wait while holding one, so this cannot deadlock.
    async fn reserve(&self, bytes: u64) -> Result<SemaphorePermit<'_>, StorageError> {
        self.budget
            .acquire_many(kib(bytes).min(self.budget_kib))
            .await
            .map_err(|e| backend("decode budget", e))
    }

    /// Sends a request asking for protobuf (JSON if the server prefers),
    /// returning the content type and body. Error responses become
    /// [`kube::Error::Api`], as kube's own requests report them.
    async fn fetch(
        &self,
        req: http::Request<Vec<u8>>,
        accept: &str,
    ) -> Result<(String, Vec<u8>), kube::Error> {
        self.fetch_limited(req, accept, usize::MAX)
            .await
            .map_err(|e| match e {
                Fetch::Kube(e) => e,
                Fetch::TooLarge(limit) => {
                    kube::Error::Service(format!("response exceeds {limit} bytes").into())
                }
            })
    }

    /// [`fetch`](Self::fetch), reading at most `limit` bytes of body.
    async fn fetch_limited(
        &self,
        mut req: http::Request<Vec<u8>>,
        accept: &str,
        limit: usize,
    ) -> Result<(String, Vec<u8>), Fetch> {
        use http_body_util::BodyExt as _;
        req.headers_mut().insert(
            http::header::ACCEPT,
            http::HeaderValue::from_str(accept).map_err(|e| {
                Fetch::Kube(kube::Error::BuildRequest(
                    kube::core::request::Error::BuildRequest(e.into()),
                ))
            })?,
        );
        let res = self
            .client
            .send(req.map(kube::client::Body::from))
            .await
            .map_err(Fetch::Kube)?;
        let status = res.status();
        let content_type = res
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        // Refuse an oversized body before reading it when its length is
        // announced, and stop reading once it is exceeded when not.
        let announced = res
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if announced.is_some_and(|n| n > limit) {
            return Err(Fetch::TooLarge(limit));
        }
        let bytes = http_body_util::Limited::new(res.into_body(), limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Fetch::TooLarge(limit)
                } else {
                    Fetch::Kube(kube::Error::Service(e))
                }
            })?
            .to_bytes();
        // Without another copy when the body came in one piece.
        let bytes = Vec::from(bytes);
        if status.is_success() {
            return Ok((content_type, bytes));
        }
        Err(Fetch::Kube(kube::Error::Api(Box::new(error_status(
            status,
            &content_type,
            &bytes,
        )))))
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
        let small = Limits {
            max_decompressed: self.limits.max_decompressed.min(SMALL_DECODE),
        };
        let reservation = self.reserve(SMALL_RESERVATION).await?;
        match self
            .get_record_within(namespace, key, resource_version, small)
            .await
        {
            Err(StorageError::Corrupt {
                source: DecodeError::TooLarge { .. },
                ..
            }) if small.max_decompressed < self.limits.max_decompressed => {}
            other => return other,
        }
        // Bigger than an ordinary read may be: give everything back (so
        // nothing is held while waiting), then read it again with the
        // whole budget to itself.
        drop(reservation);
        let _all = self.reserve(u64::MAX).await?;
        self.get_record_within(namespace, key, resource_version, self.limits)
            .await
    }

    async fn get_record_within(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
        limits: Limits,
    ) -> Result<Record, StorageError> {
        let context = format!("get: failed to get {key:?}");
        let gp = kube::api::GetParams {
            resource_version: resource_version.map(str::to_string),
        };
        let req = Self::request(Some(namespace))
            .get(key, &gp)
            .map_err(|e| StorageError::InvalidInput(e.to_string()))?;
        let (ct, body) = match self
            .fetch_limited(req, ACCEPT_OBJECTS, MAX_OBJECT_BODY)
            .await
        {
            Ok(r) => r,
            Err(Fetch::Kube(e)) if status_code(&e) == Some(404) => {
                return Err(StorageError::NotFound);
            }
            Err(Fetch::Kube(e)) => return Err(api_error(context, e)),
            Err(Fetch::TooLarge(limit)) => {
                return Err(backend(
                    &context,
                    format!("release record {namespace}/{key}: response exceeds {limit} bytes"),
                ));
            }
        };
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
        let mut items = Vec::new();
        let corrupt = self
            .list_records_each(ns, selector, &mut |r| items.push(r))
            .await?;
        Ok(Listing { items, corrupt })
    }

    /// Lists and decodes records page by page, handing each to `each` as
    /// soon as its page is decoded.
    async fn list_records_each(
        &self,
        ns: Option<&str>,
        selector: &str,
        each: &mut (dyn FnMut(Record) + Send),
    ) -> Result<Vec<CorruptRecord>, StorageError> {
        let context = "query: failed to query with labels";
        let mut page_size = BODY_PAGE;
        let mut lp = ListParams::default().labels(selector).limit(page_size);
        let mut corrupt = Vec::new();
        loop {
            let req = Self::request(ns)
                .list(&lp)
                .map_err(|e| StorageError::InvalidInput(e.to_string()))?;
            // A page of bodies, decoded one record after the other, may use
            // the whole budget: pages are read one at a time anyway.
            let _all = self.reserve(u64::MAX).await?;
            let (ct, body) = match self
                .fetch_limited(req, ACCEPT_OBJECTS, BODY_PAGE_LIMIT)
                .await
            {
                Ok(r) => r,
                Err(Fetch::Kube(e)) => return Err(api_error(context, e)),
                // The same page (same continue token) in fewer records.
                Err(Fetch::TooLarge(_)) if page_size > 1 => {
                    page_size = (page_size / 4).max(1);
                    lp.limit = Some(page_size);
                    continue;
                }
                Err(Fetch::TooLarge(limit)) => {
                    return Err(backend(
                        context,
                        format!("one record of the listing exceeds {limit} bytes"),
                    ));
                }
            };
            let limits = self.limits;
            // Decoding is CPU work: keep it off the async worker threads.
            let (page, next) = tokio::task::spawn_blocking(move || {
                wire::Body::new(&ct, &body)
                    .and_then(|b| wire::decode_list_body(b, K::ENCODING, limits))
            })
            .await
            .map_err(|e| backend(context, e))?
            .map_err(|e| backend(context, e))?;
            page.items.into_iter().for_each(&mut *each);
            corrupt.extend(page.corrupt);
            match next {
                Some(c) => lp = lp.continue_token(&c),
                None => return Ok(corrupt),
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

/// Why a response could not be fetched.
enum Fetch {
    /// The request failed, or the server answered with an error.
    Kube(kube::Error),
    /// The body is larger than the limit (bytes).
    TooLarge(usize),
}

/// Bytes to whole KiB, rounded up, saturating (semaphore permits are KiB).
fn kib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX >> 3)
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

    fn watch(&self, opts: WatchOptions) -> RecordWatch {
        let driver = self.clone();
        RecordWatch::spawn(move |tx| async move { driver.run_watch(opts, tx).await })
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

    async fn query_each(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
        each: &mut (dyn FnMut(Record) + Send),
    ) -> Result<Vec<CorruptRecord>, StorageError> {
        let ns = match scope {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        };
        self.list_records_each(ns, &selector(labels)?, each).await
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

/// How long one watch request may last before the server ends it and it is
/// renewed from the last version seen (kube's default is 290 s too).
const WATCH_TIMEOUT_SECS: u32 = 290;
/// The longest pause between attempts to reach an unreachable API server.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(2);
/// A watch that lasted this long was healthy: reconnect at once.
const HEALTHY: std::time::Duration = std::time::Duration::from_secs(1);

/// What a watch failure calls for.
#[derive(Debug, PartialEq, Eq)]
enum Failure {
    /// The version is too old (`410 Gone`, "too old resource version"):
    /// list again.
    Expired,
    /// Asking again will not help (bad selector, no permission).
    Fatal,
    /// Transport trouble or an overloaded server: try again.
    Transient,
}

fn classify(code: u16) -> Failure {
    match code {
        410 => Failure::Expired,
        400 | 401 | 403 | 404 | 405 | 422 => Failure::Fatal,
        _ => Failure::Transient,
    }
}

/// Exponential pause between reconnection attempts.
struct Backoff(std::time::Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(std::time::Duration::from_millis(100))
    }
    fn reset(&mut self) {
        *self = Backoff::new();
    }
    async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(MAX_BACKOFF);
    }
}

impl<K: RecordObject> KubeDriver<K> {
    /// The watch loop: list (when there is no version to start from),
    /// watch from the newest version seen, and on the way out of every
    /// watch request decide between resuming, re-listing and giving up.
    async fn run_watch(self, mut opts: WatchOptions, mut tx: Sink) {
        use futures::StreamExt as _;
        use kube::api::WatchParams;
        use kube::core::WatchEvent;

        let labels: Vec<(String, String)> = opts.labels.clone();
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let sel = match selector(&pairs) {
            Ok(s) => s,
            Err(e) => {
                watch::send(&mut tx, Err(e)).await;
                return;
            }
        };
        let api: Api<K> = match &opts.namespace {
            Some(ns) => Api::namespaced(self.client.clone(), ns),
            None => Api::all(self.client.clone()),
        };
        let (mut view, mut rv) = match opts.resume.take() {
            Some(r) => (View::new(r.known), Some(r.resource_version)),
            None => (View::default(), None),
        };
        let mut backoff = Backoff::new();
        let context = "watch: failed to watch";
        loop {
            let Some(from) = rv.clone() else {
                match self.list_meta(opts.scope(), &pairs).await {
                    Ok(listing) => {
                        let events = view.resync(listing.items, listing.resource_version.clone());
                        for ev in events {
                            if !watch::send(&mut tx, Ok(ev)).await {
                                return;
                            }
                        }
                        // A listing without a version cannot be watched
                        // from; "0" means "any", the closest there is.
                        rv = Some(listing.resource_version.unwrap_or_else(|| "0".into()));
                        backoff.reset();
                    }
                    Err(e) if e.is_fatal_for_watch() => {
                        watch::send(&mut tx, Err(e)).await;
                        return;
                    }
                    Err(_) => backoff.wait().await,
                }
                continue;
            };
            let wp = WatchParams::default()
                .labels(&sel)
                .timeout(WATCH_TIMEOUT_SECS);
            let started = tokio::time::Instant::now();
            let stream = match api.watch_metadata(&wp, &from).await {
                Ok(s) => s,
                Err(e) => {
                    match status_code(&e).map_or(Failure::Transient, classify) {
                        Failure::Expired => rv = None,
                        Failure::Fatal => {
                            watch::send(&mut tx, Err(api_error(context, e))).await;
                            return;
                        }
                        Failure::Transient => backoff.wait().await,
                    }
                    continue;
                }
            };
            let mut stream = std::pin::pin!(stream);
            let mut failed = false;
            while let Some(item) = stream.next().await {
                let ev = match item {
                    Ok(WatchEvent::Added(o)) => RecordEvent::Added(object_meta(&o.metadata)),
                    Ok(WatchEvent::Modified(o)) => RecordEvent::Modified(object_meta(&o.metadata)),
                    Ok(WatchEvent::Deleted(o)) => RecordEvent::Deleted(object_meta(&o.metadata)),
                    Ok(WatchEvent::Bookmark(b)) => {
                        // Nothing changed up to here: resume from here.
                        rv = Some(b.metadata.resource_version);
                        continue;
                    }
                    Ok(WatchEvent::Error(status)) => {
                        match classify(status.code) {
                            Failure::Expired => rv = None,
                            Failure::Fatal => {
                                let e = api_error(context, kube::Error::Api(status));
                                watch::send(&mut tx, Err(e)).await;
                                return;
                            }
                            Failure::Transient => failed = true,
                        }
                        break;
                    }
                    // The connection broke: resume from the last version.
                    Err(_) => {
                        failed = true;
                        break;
                    }
                };
                if let Some(v) = ev.meta().and_then(|m| m.resource_version.clone()) {
                    rv = Some(v);
                }
                if let Some(ev) = view.apply(ev)
                    && !watch::send(&mut tx, Ok(ev)).await
                {
                    return;
                }
            }
            // A watch that ended by itself after a while is the server's
            // timeout: renew it at once. One that failed or ended straight
            // away waits, so an unreachable server is not hammered.
            if failed || started.elapsed() < HEALTHY {
                backoff.wait().await;
            } else {
                backoff.reset();
            }
        }
    }
}

impl StorageError {
    /// True for errors a watch cannot get past by trying again.
    fn is_fatal_for_watch(&self) -> bool {
        match self {
            StorageError::Backend { code: Some(c), .. } => classify(*c) == Failure::Fatal,
            StorageError::InvalidInput(_) => true,
            _ => false,
        }
    }
}
