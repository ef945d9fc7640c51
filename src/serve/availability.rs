//! Upgrade availability for the list, the event stream and `/metrics`:
//! the newest version each chart's source offers, checked in the
//! background (never while answering a request), cached per chart and
//! installed version, and re-checked every [`REFRESH`].
//!
//! The watch marks a chart and version it has not seen as pending and
//! wakes the checker; the checker reads the sources once for every
//! pending chart (each repository index once), records the answers, and
//! sends an `availability` event for each release whose answer is new.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::action::source_upgrade::on_blocking;
use crate::action::watch::ReleaseSummary;
use crate::upgrades::{self, InstalledChart, Policy};

use super::state::{App, Watched};

/// How often every chart in use is checked again.
pub const REFRESH: Duration = Duration::from_secs(600);

/// How long the checker waits after being woken for more releases, so a
/// snapshot of many releases makes one round of requests.
const SETTLE: Duration = Duration::from_millis(200);

/// A chart and its installed version: what an answer is cached by.
pub type ChartKey = (String, String);

/// The key of a release's chart.
pub fn key_of(s: &ReleaseSummary) -> ChartKey {
    (s.chart.clone(), s.chart_version.clone())
}

impl Watched {
    /// The newest version `s`'s chart source offers, once known.
    pub fn latest_for(&self, s: &ReleaseSummary) -> Option<&str> {
        self.latest.get(&key_of(s)).and_then(|l| l.as_deref())
    }
}

/// Called by the watch for each release it reports: a chart and version
/// not seen yet becomes pending, and the checker is woken.
pub fn note(app: &App, w: &mut Watched, s: &ReleaseSummary) {
    if app.config.sources.is_none() || s.chart.is_empty() || s.chart_version.is_empty() {
        return;
    }
    let key = key_of(s);
    if !w.latest.contains_key(&key) {
        w.latest.insert(key.clone(), None);
        w.pending.insert(key);
        app.availability_wake.notify_one();
    }
}

/// Starts the checker (nothing without chart sources).
pub fn spawn(app: Arc<App>) {
    let Some(sources) = app.config.sources.clone() else {
        return;
    };
    tokio::spawn(async move {
        let mut refresh = tokio::time::interval(REFRESH);
        refresh.tick().await;
        loop {
            tokio::select! {
                () = app.availability_wake.notified() => {}
                _ = refresh.tick() => {
                    let mut w = app.lock_watched();
                    let used: BTreeSet<ChartKey> = w.releases.values().map(key_of).collect();
                    // Forget charts no release uses any more.
                    w.latest.retain(|k, _| used.contains(k));
                    w.pending.extend(used);
                }
            }
            tokio::time::sleep(SETTLE).await;
            let keys: Vec<ChartKey> = std::mem::take(&mut app.lock_watched().pending)
                .into_iter()
                .collect();
            if keys.is_empty() {
                continue;
            }
            let installed: Vec<InstalledChart> = keys
                .iter()
                .map(|(chart, version)| InstalledChart {
                    chart: chart.clone(),
                    version: version.clone(),
                    ..InstalledChart::default()
                })
                .collect();
            let options = sources.options.clone();
            let report = on_blocking(move || async move {
                upgrades::check(&installed, &options, Policy::default()).await
            })
            .await;
            let entries = match report {
                Ok(Ok(r)) => r.entries,
                Ok(Err(e)) => {
                    // A hint only: the list keeps `null` and the next
                    // refresh tries again.
                    tracing::warn!(error = %e, "upgrade availability check failed");
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "upgrade availability check ended abnormally");
                    continue;
                }
            };
            record(
                &app,
                keys.into_iter().zip(entries.into_iter().map(|a| a.latest)),
            );
        }
    });
}

/// Records the answers and sends an `availability` event for each
/// release whose answer is new.
fn record(app: &App, answers: impl Iterator<Item = (ChartKey, Option<String>)>) {
    let mut w = app.lock_watched();
    let mut changed = Vec::new();
    for (key, latest) in answers {
        let old = w.latest.insert(key.clone(), latest.clone()).flatten();
        if old != latest && latest.is_some() {
            changed.push(key);
        }
    }
    let events: Vec<(String, serde_json::Value)> = w
        .releases
        .values()
        .filter(|s| changed.contains(&key_of(s)))
        .map(|s| {
            let e = json!({
                "namespace": s.namespace,
                "name": s.name,
                "chart_version": s.chart_version,
                "latest_version": w.latest_for(s),
            });
            (s.namespace.clone(), e)
        })
        .collect();
    drop(w);
    for (ns, e) in events {
        app.events
            .push("availability", super::access::Scope::Namespace(ns), e);
    }
}
