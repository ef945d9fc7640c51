//! The event stream picks up a helm upgrade made elsewhere and resumes
//! from `Last-Event-ID`; `/metrics` shows helm's view of the release and
//! is answered without one API request.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::Server;
use super::{helm_json, helm_web};
use crate::harness::TestNs;

type Events = Receiver<(String, String, Value)>;

/// Reads events until one satisfies `want`; returns everything read.
pub fn until(
    rx: &Events,
    what: &str,
    want: impl Fn(&str, &Value) -> bool,
) -> Vec<(String, String, Value)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ev) => {
                let done = want(&ev.1, &ev.2);
                seen.push(ev);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("no {what} event; got {seen:?}"),
        }
    }
}

/// Lines of rudder's debug log that record an API request.
fn api_requests(log: &str) -> usize {
    log.lines()
        .filter(|l| l.contains(" request ") || l.ends_with(" request"))
        .count()
}

#[test]
fn events_follow_a_helm_upgrade_and_metrics_cost_nothing() {
    let ns = TestNs::new("serve-events");
    helm_web(&ns, "web", "one");
    let s = Server::start(&ns, &[], &[("RUST_LOG", "rudder::cluster::connect=debug")]);

    let rx = s.events(None);
    let snapshot = until(&rx, "synced", |name, _| name == "synced");
    let added: Vec<&Value> = snapshot
        .iter()
        .filter(|e| e.1 == "release")
        .map(|e| &e.2)
        .collect();
    assert_eq!(added.len(), 1, "{snapshot:?}");
    assert_eq!(added[0]["type"], "added");
    assert_eq!(added[0]["release"]["name"], "web");
    assert_eq!(added[0]["release"]["revision"], 1);
    let synced_id = snapshot.last().map(|e| e.0.clone()).expect("synced");
    assert!(!synced_id.is_empty(), "synced carries the resume id");

    helm_web(&ns, "web", "two");
    let live = until(&rx, "deployed revision 2", |name, d| {
        name == "release" && d["release"]["revision"] == 2 && d["release"]["status"] == "deployed"
    });
    assert!(
        live.iter().all(|e| !e.0.is_empty()),
        "live events carry ids: {live:?}"
    );
    let helm_status = helm_json(&ns, &["status", "web", "-o", "json"]);
    let last = &live.last().expect("event").2["release"];
    let helm_list = helm_json(&ns, &["list", "-o", "json"]);
    assert_eq!(
        format!(
            "{}-{}",
            last["chart"].as_str().unwrap_or("?"),
            last["chart_version"].as_str().unwrap_or("?")
        ),
        helm_list[0]["chart"].as_str().unwrap_or("")
    );
    assert_eq!(last["description"], helm_status["info"]["description"]);

    // A client resuming after the snapshot gets the same live events,
    // without the snapshot again.
    let resumed = s.events(Some(&synced_id));
    let again = until(&resumed, "deployed revision 2", |name, d| {
        name == "release" && d["release"]["revision"] == 2 && d["release"]["status"] == "deployed"
    });
    assert_eq!(
        again.iter().map(|e| (&e.0, &e.1, &e.2)).collect::<Vec<_>>(),
        live.iter().map(|e| (&e.0, &e.1, &e.2)).collect::<Vec<_>>()
    );

    // /metrics: helm's facts, from the watch's state.
    let m = s.wait_metrics("rudder_release_revision{");
    let updated = helm_status["info"]["last_deployed"]
        .as_str()
        .expect("last_deployed");
    let ms = updated
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .unwrap_or_else(|e| panic!("{updated}: {e}"));
    let info = format!(
        "helm_chart_info{{chart=\"web\",release=\"web\",version=\"0.1.0\",appVersion=\"1.0\",updated=\"{ms}\",namespace=\"{}\",latestVersion=\"\"}} 1",
        ns.name
    );
    assert!(m.contains(&info), "want {info} in\n{m}");
    assert!(
        m.contains(&format!(
            "rudder_release_revision{{namespace=\"{}\",release=\"web\"}} 2",
            ns.name
        )),
        "{m}"
    );

    // Twenty scrapes, no API request: the debug log's request lines do
    // not grow (the watch's own long-running requests are already open).
    let before = api_requests(&s.stderr.lock().expect("log"));
    assert!(
        before > 0,
        "the debug log records requests: {}",
        s.stderr.lock().expect("log")
    );
    for _ in 0..20 {
        assert_eq!(s.get("/metrics").status, 200);
    }
    std::thread::sleep(Duration::from_millis(300));
    let after = api_requests(&s.stderr.lock().expect("log"));
    assert_eq!(before, after, "a scrape made API requests");
}
