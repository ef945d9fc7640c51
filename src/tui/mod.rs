//! `rudder ui`: the terminal UI, in the Elm shape.
//!
//! - [`model::Model`] is the whole state; [`msg::Msg`] is everything that
//!   can happen to it (a key, a tick, a background result);
//!   [`update::update`] applies one message and returns
//!   [`msg::Command`]s, the work to do outside; [`view::view`] draws a
//!   frame from the model alone. All four are pure and unit-tested on
//!   ratatui's `TestBackend` (frame snapshots under `src/tui/snapshots/`).
//! - [`tasks`] runs commands as tokio tasks over a
//!   [`Session`](crate::session::Session) (the watch of release records,
//!   loads, operations, the availability check), each sending its results
//!   back as messages; nothing in a frame waits for the cluster.
//! - [`runtime`] owns the terminal: raw mode, the alternate screen, a
//!   panic hook that restores it, the crossterm event stream in a
//!   `tokio::select!` loop, and `$EDITOR` with the terminal suspended.
//!
//! The UI holds no release logic: what a release is, whether it is stuck,
//! what an operation does, and its refusals (the release's Lease) come
//! from the library.

pub mod data;
pub mod keys;
pub mod model;
pub mod msg;
pub mod runtime;
pub mod tasks;
pub mod text;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;
