//! `rudder watch` output: the current releases as a table, then one line
//! per change; or one JSON object per line.

use serde::Serialize;

use crate::action::watch::{ReleaseEvent, ReleaseSummary};
use crate::output::{Table, encode_table};

use super::Colors;
use super::times;

/// The snapshot table: `helm list`'s columns, releases sorted by name
/// then namespace.
pub fn snapshot_table(releases: &[ReleaseSummary], colors: Colors) -> String {
    let mut sorted: Vec<&ReleaseSummary> = releases.iter().collect();
    sorted.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
    let mut t = Table::new();
    t.add_row(
        [
            "NAME",
            "NAMESPACE",
            "REVISION",
            "UPDATED",
            "STATUS",
            "CHART",
            "APP VERSION",
        ]
        .into_iter()
        .map(|h| colors.header(h)),
    );
    for r in sorted {
        t.add_row([
            r.name.clone(),
            colors.namespace(&r.namespace),
            r.revision.to_string(),
            r.updated
                .as_ref()
                .map_or_else(|| "-".to_string(), times::go_string),
            colors.status(&r.status),
            r.chart_label(),
            app_version(r),
        ]);
    }
    encode_table(&t)
}

fn app_version(r: &ReleaseSummary) -> String {
    if r.chart.is_empty() {
        "MISSING".to_string()
    } else {
        r.app_version.clone()
    }
}

/// The time an event was seen, as the lines print it (RFC 3339, UTC,
/// seconds).
pub fn seen_at(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One change as a table line (and, for a stuck release, the notice on a
/// line of its own); `None` for [`ReleaseEvent::Synced`].
pub fn event_line(ev: &ReleaseEvent, at: jiff::Timestamp, colors: Colors) -> Option<String> {
    let s = ev.summary()?;
    let status = match ev {
        ReleaseEvent::StatusChanged { from, .. } => {
            format!("{} -> {}", from, colors.status(&s.status))
        }
        _ => colors.status(&s.status),
    };
    let mut line = format!(
        "{}  {:<14}  {}  {}  {}  {}  {}  {}\n",
        seen_at(at),
        ev.kind(),
        colors.namespace(&s.namespace),
        s.name,
        s.revision,
        status,
        s.chart_label(),
        app_version(s),
    );
    if let ReleaseEvent::Stuck { notice, .. } = ev {
        line.push_str(&format!("    {notice}\n"));
    }
    Some(line)
}

/// One event as a JSON object (the fields are documented in the README).
#[derive(Serialize)]
struct JsonEvent<'a> {
    event: &'static str,
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chart: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chart_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
}

/// One event as one line of JSON, newline included.
pub fn event_json(ev: &ReleaseEvent, at: jiff::Timestamp) -> String {
    let s = ev.summary();
    let j = JsonEvent {
        event: ev.kind(),
        time: seen_at(at),
        namespace: s.map(|s| s.namespace.as_str()),
        name: s.map(|s| s.name.as_str()),
        revision: s.map(|s| s.revision),
        status: s.map(|s| s.status.as_str()),
        previous_status: match ev {
            ReleaseEvent::StatusChanged { from, .. } => Some(from.as_str()),
            _ => None,
        },
        chart: s.map(|s| s.chart.as_str()),
        chart_version: s.map(|s| s.chart_version.as_str()),
        app_version: s.map(|s| s.app_version.as_str()),
        updated: s.and_then(|s| s.updated.as_ref()).map(times::rfc3339),
        description: s.map(|s| s.description.as_str()),
        notice: match ev {
            ReleaseEvent::Stuck { notice, .. } => Some(notice.to_string()),
            _ => None,
        },
    };
    // Serialising plain strings and numbers cannot fail; an empty object
    // would be the sign of a bug, not a reason to stop the watch.
    let mut line = serde_json::to_string(&j).unwrap_or_else(|_| "{}".to_string());
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::action::stuck::StuckNotice;
    use crate::release::{GoTime, Status};

    fn summary() -> ReleaseSummary {
        ReleaseSummary {
            namespace: "shop".into(),
            name: "web".into(),
            revision: 2,
            status: Status::Deployed,
            chart: "web".into(),
            chart_version: "0.1.0".into(),
            app_version: "1.0".into(),
            updated: GoTime::parse_rfc3339("2026-12-02T02:15:01Z"),
            description: "Upgrade complete".into(),
        }
    }

    fn at() -> jiff::Timestamp {
        "2026-12-02T02:15:03Z".parse().unwrap()
    }

    #[test]
    fn a_status_change_as_a_json_line_has_the_documented_fields() {
        let ev = ReleaseEvent::StatusChanged {
            from: Status::PendingUpgrade,
            release: summary(),
        };
        let line = event_json(&ev, at());
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "event": "status-changed", "time": "2026-12-02T02:15:03Z",
                "namespace": "shop", "name": "web", "revision": 2,
                "status": "deployed", "previous_status": "pending-upgrade",
                "chart": "web", "chart_version": "0.1.0", "app_version": "1.0",
                "updated": "2026-12-02T02:15:01Z", "description": "Upgrade complete"
            })
        );
        let synced = event_json(&ReleaseEvent::Synced, at());
        assert_eq!(
            synced,
            "{\"event\":\"synced\",\"time\":\"2026-12-02T02:15:03Z\"}\n"
        );
    }

    #[test]
    fn table_lines_show_the_change_and_the_stuck_notice_on_its_own_line() {
        let c = Colors { enabled: false };
        let ev = ReleaseEvent::StatusChanged {
            from: Status::PendingUpgrade,
            release: summary(),
        };
        assert_eq!(
            event_line(&ev, at(), c).unwrap(),
            "2026-12-02T02:15:03Z  status-changed  shop  web  2  pending-upgrade -> deployed  web-0.1.0  1.0\n"
        );
        let mut s = summary();
        s.status = Status::PendingUpgrade;
        let notice = StuckNotice {
            release: "web".into(),
            namespace: "shop".into(),
            status: Status::PendingUpgrade,
            why: "no rudder operation holds its lock".into(),
        };
        let text = event_line(&ReleaseEvent::Stuck { release: s, notice }, at(), c).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("  stuck  ") && lines[0].contains("pending-upgrade"));
        assert!(lines[1].starts_with("    release \"web\" in namespace \"shop\" looks stuck"));
        assert!(event_line(&ReleaseEvent::Synced, at(), c).is_none());
    }
}
