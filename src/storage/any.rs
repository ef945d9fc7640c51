//! A driver chosen at run time (`HELM_DRIVER`, `--driver`).

use super::driver::{Driver, Listing, MetaListing, Record, RecordMeta, Scope};
use super::error::StorageError;
use super::kube::{ConfigMapDriver, SecretDriver};
use super::memory::MemoryDriver;
use super::watch::{RecordWatch, WatchOptions};
use crate::release::Release;
use crate::storage::CorruptRecord;

/// Which backend to use, as named by `HELM_DRIVER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverKind {
    /// `secret`, `secrets` or empty: Helm's default.
    Secret,
    /// `configmap`, `configmaps`.
    ConfigMap,
    /// `memory`: in-process only.
    Memory,
}

impl DriverKind {
    /// Parses a `HELM_DRIVER` value as Helm does.
    pub fn parse(s: &str) -> Result<DriverKind, StorageError> {
        match s {
            "" | "secret" | "secrets" => Ok(DriverKind::Secret),
            "configmap" | "configmaps" => Ok(DriverKind::ConfigMap),
            "memory" => Ok(DriverKind::Memory),
            other => Err(StorageError::InvalidInput(format!(
                "unknown driver {other:?}"
            ))),
        }
    }
}

/// One of the drivers, dispatched at run time. Clones share the backend.
#[derive(Clone)]
pub enum AnyDriver {
    /// Secrets.
    Secret(SecretDriver),
    /// ConfigMaps.
    ConfigMap(ConfigMapDriver),
    /// In memory.
    Memory(MemoryDriver),
}

macro_rules! dispatch {
    ($self:ident, $d:ident => $e:expr) => {
        match $self {
            AnyDriver::Secret($d) => $e,
            AnyDriver::ConfigMap($d) => $e,
            AnyDriver::Memory($d) => $e,
        }
    };
}

impl Driver for AnyDriver {
    fn name(&self) -> &'static str {
        dispatch!(self, d => d.name())
    }

    async fn list_meta(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<MetaListing, StorageError> {
        dispatch!(self, d => d.list_meta(scope, labels).await)
    }

    async fn query(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
    ) -> Result<Listing<Record>, StorageError> {
        dispatch!(self, d => d.query(scope, labels).await)
    }

    async fn query_each(
        &self,
        scope: Scope<'_>,
        labels: &[(&str, &str)],
        each: &mut (dyn FnMut(Record) + Send),
    ) -> Result<Vec<CorruptRecord>, StorageError> {
        dispatch!(self, d => d.query_each(scope, labels, each).await)
    }

    async fn get_since(
        &self,
        namespace: &str,
        key: &str,
        resource_version: &str,
    ) -> Result<Record, StorageError> {
        dispatch!(self, d => d.get_since(namespace, key, resource_version).await)
    }

    async fn get(&self, namespace: &str, key: &str) -> Result<Record, StorageError> {
        dispatch!(self, d => d.get(namespace, key).await)
    }

    async fn create(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
    ) -> Result<RecordMeta, StorageError> {
        dispatch!(self, d => d.create(namespace, key, release).await)
    }

    async fn update(
        &self,
        namespace: &str,
        key: &str,
        release: &Release,
        resource_version: Option<&str>,
    ) -> Result<RecordMeta, StorageError> {
        dispatch!(self, d => d.update(namespace, key, release, resource_version).await)
    }

    async fn namespaces(&self) -> Result<Vec<String>, StorageError> {
        dispatch!(self, d => d.namespaces().await)
    }

    async fn delete(
        &self,
        namespace: &str,
        key: &str,
        resource_version: Option<&str>,
    ) -> Result<(), StorageError> {
        dispatch!(self, d => d.delete(namespace, key, resource_version).await)
    }

    fn watch(&self, opts: WatchOptions) -> RecordWatch {
        dispatch!(self, d => d.watch(opts))
    }
}
