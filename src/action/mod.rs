//! Actions: one per command, written against the storage and cluster
//! traits so they run (and are tested) without a network.
//!
//! Errors carry Helm's wording, so the CLI prints what helm prints.

pub mod content;
pub mod go_regexp;
pub mod history;
pub mod hooks;
pub mod list;
pub mod lock;
pub mod recover;
pub mod rollback;
pub mod uninstall;
pub mod values;

use crate::release::name::NameError;
use crate::storage::StorageError;

/// Why an action failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// From the storage layer (`release: not found`, ...).
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Bad input, with Helm's message.
    #[error("{0}")]
    Invalid(String),
    /// From the cluster layer.
    #[error("{0}")]
    Cluster(String),
    /// Another operation holds or changed the release; nothing was done.
    #[error("{0}")]
    Busy(String),
    /// The operation failed part-way; the message says how, and the
    /// release record says where it was left.
    #[error("{0}")]
    Failed(String),
}

impl ActionError {
    /// An invalid-name error with an action's own prefix, as Helm words it
    /// (`releaseContent: Release name is invalid: x`).
    pub fn invalid_name(prefix: &str, name: &str, _why: NameError) -> ActionError {
        ActionError::Invalid(format!("{prefix}{name}"))
    }
}

#[cfg(test)]
mod lifecycle_tests;
