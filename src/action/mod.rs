//! Actions: one per command, written against the storage and cluster
//! traits so they run (and are tested) without a network.
//!
//! Errors carry Helm's wording, so the CLI prints what helm prints.

pub mod content;
pub mod deploy;
pub(crate) mod deploy_apply;
pub(crate) mod deploy_record;
pub mod deploy_render;
pub mod diff;
pub mod go_regexp;
pub mod history;
pub mod hooks;
pub mod install;
pub mod list;
pub mod lock;
pub mod recover;
pub mod redact;
pub mod resource_status;
pub mod rollback;
pub mod source_upgrade;
pub mod stuck;
pub mod template;
pub mod test;
pub mod uninstall;
pub mod upgrade;
pub mod values;
pub mod watch;

mod error;

pub use error::ActionError;

#[cfg(test)]
mod lifecycle_tests;

#[cfg(test)]
mod deploy_tests;

#[cfg(test)]
mod test_support;
