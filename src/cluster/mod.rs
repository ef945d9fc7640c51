//! Cluster access (Helm's `pkg/kube`): connecting; building objects from a
//! stored manifest and resolving their kinds; applying, replacing and
//! deleting them; waiting for them; hook logs; the per-release lock; and
//! (for `status`) reading the live objects a manifest describes. Only this
//! layer and the Kubernetes storage drivers talk to the API server.

pub mod access;
pub mod changes;
pub mod client;
pub mod connect;
pub mod csa;
pub mod discovery;
pub mod error;
pub mod interface;
pub mod kstatus;
pub mod lease;
pub mod logs;
#[cfg(any(test, feature = "testing"))]
pub mod memory;
pub mod objects;
pub mod progress;
mod request;
pub mod resources;
pub mod server_info;
pub mod update;
pub mod wait;

pub use connect::{ConnectError, ConnectOptions, Connection, connect};
pub use error::ClusterError;
pub use interface::{
    ApplyOptions, Cluster, Deleted, Liveness, LockError, LockHolder, PodsOf, Propagation, Resource,
    ResourceId, WaitMode,
};
pub use progress::{ChannelProgress, Event, Pending, Progress, Quiet, Recorded};
pub use server_info::ServerInfo;
