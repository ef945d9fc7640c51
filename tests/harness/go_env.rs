//! Go runtime settings for the helm processes the tests start.
//!
//! A helm command lives for a fraction of a second, yet with Go's default
//! collector (`GOGC=100`) it spends a large share of its CPU time
//! collecting garbage it is about to drop at exit anyway. helm is most of
//! the suite's CPU time (58% of the samples of `perf record` over the
//! compat tests), and the suite is CPU-bound on the 2-core CI machine, so
//! with the collector off the whole run finishes sooner: measured with
//! `perf stat`, `helm status` fell from 70–100 ms of CPU to 55–80 ms and
//! `helm template` of a small chart from 62–68 ms to 38 ms, for about
//! 5 MiB more peak memory.
//!
//! `GOMEMLIMIT` turns the collector back on for a process whose heap nears
//! it, so a large listing cannot exhaust the machine's memory. Neither
//! setting changes what helm does or prints; only when it collects.

use std::process::Command;

/// Turns Go's garbage collector off for `cmd` (a helm process), up to a
/// 512 MiB heap.
pub fn quiet_gc(cmd: &mut Command) {
    cmd.env("GOGC", "off").env("GOMEMLIMIT", "512MiB");
}
