//! `/metrics`: Prometheus text from the watch's state and the server's
//! counters; a scrape makes no API request.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use super::releases::exporter_status;
use super::state::App;

/// A label value escaped as the text format wants.
fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// `GET /metrics`.
pub async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    let body = render(&app);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

fn render(app: &App) -> String {
    let mut o = String::new();
    let w = app.lock_watched();
    let _ = writeln!(o, "# HELP helm_chart_info Information on helm releases");
    let _ = writeln!(o, "# TYPE helm_chart_info gauge");
    for s in w.releases.values() {
        let updated = s
            .updated
            .as_ref()
            .map(|t| t.timestamp().as_millisecond().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "helm_chart_info{{chart=\"{}\",release=\"{}\",version=\"{}\",appVersion=\"{}\",updated=\"{}\",namespace=\"{}\",latestVersion=\"{}\"}} {}",
            esc(&s.chart),
            esc(&s.name),
            esc(&s.chart_version),
            esc(&s.app_version),
            updated,
            esc(&s.namespace),
            esc(w.latest_for(s).unwrap_or_default()),
            exporter_status(&s.status)
        );
    }
    let _ = writeln!(
        o,
        "# HELP rudder_release_info The newest revision of each release"
    );
    let _ = writeln!(o, "# TYPE rudder_release_info gauge");
    for s in w.releases.values() {
        let _ = writeln!(
            o,
            "rudder_release_info{{namespace=\"{}\",release=\"{}\",status=\"{}\",chart=\"{}\",version=\"{}\",app_version=\"{}\"}} 1",
            esc(&s.namespace),
            esc(&s.name),
            esc(s.status.as_str()),
            esc(&s.chart),
            esc(&s.chart_version),
            esc(&s.app_version)
        );
    }
    let _ = writeln!(
        o,
        "# HELP rudder_release_revision The newest revision number"
    );
    let _ = writeln!(o, "# TYPE rudder_release_revision gauge");
    for s in w.releases.values() {
        let _ = writeln!(
            o,
            "rudder_release_revision{{namespace=\"{}\",release=\"{}\"}} {}",
            esc(&s.namespace),
            esc(&s.name),
            s.revision
        );
    }
    let _ = writeln!(
        o,
        "# HELP rudder_release_updated_timestamp_seconds When the newest revision was deployed"
    );
    let _ = writeln!(o, "# TYPE rudder_release_updated_timestamp_seconds gauge");
    for s in w.releases.values() {
        if let Some(t) = &s.updated {
            let _ = writeln!(
                o,
                "rudder_release_updated_timestamp_seconds{{namespace=\"{}\",release=\"{}\"}} {}",
                esc(&s.namespace),
                esc(&s.name),
                t.timestamp().as_second()
            );
        }
    }
    drop(w);
    let _ = writeln!(
        o,
        "# HELP rudder_operations_total Operations finished, by kind and outcome"
    );
    let _ = writeln!(o, "# TYPE rudder_operations_total counter");
    for ((kind, outcome), n) in app.operations.counters() {
        let _ = writeln!(
            o,
            "rudder_operations_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
        );
    }
    let _ = writeln!(
        o,
        "# HELP rudder_watch_restarts_total Re-lists and restarts of the release watch"
    );
    let _ = writeln!(o, "# TYPE rudder_watch_restarts_total counter");
    let _ = writeln!(
        o,
        "rudder_watch_restarts_total {}",
        app.watch_restarts.load(Ordering::Relaxed)
    );
    let _ = writeln!(
        o,
        "# HELP rudder_watch_events_total Release events received from the watch"
    );
    let _ = writeln!(o, "# TYPE rudder_watch_events_total counter");
    let _ = writeln!(
        o,
        "rudder_watch_events_total {}",
        app.watch_events.load(Ordering::Relaxed)
    );
    o
}
