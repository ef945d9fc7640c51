//! Tests of the UI: `update` (messages in, state and commands out),
//! `view` (frames on ratatui's `TestBackend`, as insta snapshots under
//! `src/tui/snapshots/`), and the background tasks over the in-memory
//! storage driver and cluster. Data and clock are fixed, so frames are
//! deterministic.

#![allow(clippy::unwrap_used)]

mod fixtures;
mod mouse;
mod tasks;
mod update;
mod view;
