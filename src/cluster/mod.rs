//! Cluster access: connecting, and (for `status`) reading the live objects
//! a release manifest describes. Only this layer and the Kubernetes storage
//! drivers talk to the API server.

pub mod connect;
pub mod resources;

pub use connect::{ConnectError, ConnectOptions, Connection, connect};
