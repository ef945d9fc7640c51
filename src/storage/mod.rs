//! Storage of release records: the [`Driver`] trait that every backend
//! implements (Secret, ConfigMap, in-memory), and [`Storage`], Helm's rules
//! on top of it.
//!
//! Only the Kubernetes drivers in [`kube`] talk to the API server.

pub mod any;
pub mod driver;
mod error;
pub mod kube;
pub mod labels;
pub mod memory;
mod protobuf;
mod store;
pub mod watch;
mod wire;

pub use any::{AnyDriver, DriverKind};
pub use driver::{CorruptRecord, Driver, Listing, MetaListing, Record, RecordMeta, Scope};
pub use error::StorageError;
pub use store::{Found, Latest, Storage};
pub use watch::{RecordEvent, RecordWatch, Resume, WatchOptions};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod kube_requests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod watch_tests;
