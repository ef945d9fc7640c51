//! The release model and its codec: the pure core, with no I/O.
//!
//! A release revision is stored by Helm as JSON, gzipped and base64-encoded
//! (see [`codec`]). [`Release`] is that JSON, decoded leniently: unknown
//! members survive a read-modify-write unchanged.

pub mod codec;
mod model;
pub mod name;
pub mod raw;
mod status;
pub mod time;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod proptests;

pub use model::{Chart, Dependency, Hook, HookExecution, Info, Metadata, Release};
pub use status::Status;
pub use time::GoTime;
