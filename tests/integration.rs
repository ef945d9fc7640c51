//! The integration suite: one test binary, one real cluster shared by every
//! test in it (started on first use, stopped when the binary exits), and a
//! fresh namespace per test.

mod harness;

mod charts;
mod cli;
mod compat;
mod deploy;
mod diff;
mod forged;
mod hostile;
mod lifecycle;
mod registry;
mod render;
mod repo;
mod serve;
mod servers;
mod smoke;
mod ui;
mod upgrades;
mod values;
mod watch;
mod watchcmd;
