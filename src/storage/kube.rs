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

use super::driver::{CorruptRecord, Driver, Listing, Record, RecordMeta, Scope, record_labels};
use super::error::StorageError;
use super::labels::{Labels, custom_labels, valid_label_value};
use crate::release::Release;
use crate::release::codec::{self, Limits};

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
    /// The encoded record text, if the object has one.
    fn release_text(&self) -> Option<&[u8]>;
    /// A new object holding `text`.
    fn build(meta: ObjectMeta, text: String) -> Self;
}

impl RecordObject for Secret {
    const DRIVER: &'static str = "Secret";
    fn release_text(&self) -> Option<&[u8]> {
        self.data.as_ref()?.get("release").map(|b| b.0.as_slice())
    }
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
    fn release_text(&self) -> Option<&[u8]> {
        self.data.as_ref()?.get("release").map(|s| s.as_bytes())
    }
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

    fn api(&self, scope: Scope<'_>) -> Api<K> {
        match scope {
            Scope::Namespace(ns) => Api::namespaced(self.client.clone(), ns),
            Scope::All => Api::all(self.client.clone()),
        }
    }

    fn decode(&self, obj: &K) -> Result<Record, CorruptRecord> {
        let meta = object_meta(obj.meta());
        let text = obj.release_text().unwrap_or_default();
        match codec::decode_with(text, self.limits) {
            Ok(mut release) => {
                release.labels = custom_labels(&meta.labels);
                Ok(Record { meta, release })
            }
            Err(error) => Err(CorruptRecord {
                namespace: meta.namespace,
                key: meta.key,
                error,
            }),
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
    ) -> Result<Vec<RecordMeta>, StorageError> {
        let api = self.api(scope);
        let mut lp = ListParams::default()
            .labels(&selector(labels)?)
            .limit(META_PAGE);
        let mut out = Vec::new();
        loop {
            let page = api
                .list_metadata(&lp)
                .await
                .map_err(|e| api_error("list: failed to list", e))?;
            out.extend(page.items.iter().map(|o| object_meta(&o.metadata)));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
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
        let api = self.api(scope);
        let mut lp = ListParams::default()
            .labels(&selector(labels)?)
            .limit(BODY_PAGE);
        let mut out = Listing::default();
        loop {
            let page = api
                .list(&lp)
                .await
                .map_err(|e| api_error("query: failed to query with labels", e))?;
            for obj in &page.items {
                match self.decode(obj) {
                    Ok(r) => out.items.push(r),
                    Err(c) => out.corrupt.push(c),
                }
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => lp = lp.continue_token(&c),
                None => return Ok(out),
            }
        }
    }

    async fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        self.list_namespaces().await
    }

    async fn get(&self, namespace: &str, key: &str) -> Result<Record, StorageError> {
        let api: Api<K> = Api::namespaced(self.client.clone(), namespace);
        let obj = match api.get(key).await {
            Ok(o) => o,
            Err(e) if status_code(&e) == Some(404) => return Err(StorageError::NotFound),
            Err(e) => return Err(api_error(format!("get: failed to get {key:?}"), e)),
        };
        self.decode(&obj).map_err(|c| StorageError::Corrupt {
            namespace: c.namespace,
            key: c.key,
            source: c.error,
        })
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
