//! rudder: Helm's release management, natively in Rust.
//!
//! rudder reads and writes Helm's own release records (one Secret,
//! ConfigMap or SQL row per release revision) through the Kubernetes API, so
//! that `helm` and `rudder` can manage the same releases in turn.
//!
//! The crate is layered like Helm itself, with dependencies pointing one
//! way only:
//!
//! 0. Go's encoding primitives ([`gojson`]: values, JSON escaping, floats,
//!    times), which the layers below share so that every byte rudder writes
//!    the way Go would comes from one place;
//! 1. release model and codec (pure);
//! 2. storage drivers (Secret, ConfigMap, SQL, in-memory);
//! 3. charts, values and chart sources ([`chart`], [`values`], [`repo`],
//!    [`registry`], [`upgrades`]);
//! 4. rendering: Go's text/template ([`gotemplate`], self-contained),
//!    Sprig ([`sprig`]) and Helm's engine and manifest assembly
//!    ([`render`]);
//! 5. cluster access (discovery, apply, delete, wait, hooks);
//! 6. actions, one per command, testable without a network;
//! 7. the session ([`session::Session`]): every operation as one call, with
//!    helm's defaults, for any front end;
//! 8. the CLI, output formats and TUI, in the `rudder` binary.
//!
//! Only the driver and cluster layers talk to Kubernetes.

pub mod action;
pub mod chart;
pub mod cluster;
pub mod compat;
pub mod error;
pub mod fetch;
pub mod gojson;
pub mod gotemplate;
pub mod output;
pub mod present;
pub mod registry;
pub mod release;
pub mod render;
pub mod repo;
pub mod semver;
pub mod serve;
pub mod session;
pub mod sprig;
pub mod storage;
pub mod tui;
pub mod upgrades;
pub mod values;

pub use error::ErrorKind;

/// The version of this crate, as printed by `rudder version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
