//! Interrupts during an operation that changes a release. Killing rudder
//! outright would leave the release `pending-*` until its lock expires and
//! `rudder recover` is run; instead, the first SIGINT or SIGTERM cancels
//! the waits (they fail with `context canceled`, as helm 4's interrupted
//! installs and upgrades do), so the action marks the new revision failed
//! and lets go of its lock. A second signal quits at once.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// Starts listening for interrupts; the token is cancelled at the first.
pub fn cancel_on_interrupt() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    tokio::spawn(async move {
        // Without a handler the signal's default action applies: exit.
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        next(&mut term).await;
        eprintln!(
            "interrupted: ending the operation and recording its outcome (interrupt again to quit at once, leaving the release to \"rudder recover\")"
        );
        cancel.cancel();
        next(&mut term).await;
        std::process::exit(130);
    });
    token
}

/// Waits for SIGINT or SIGTERM.
async fn next(term: &mut Signal) {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
