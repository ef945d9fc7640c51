//! `rudder watch` output: the current releases as a table, then one line
//! per change; or one JSON object per line.

use serde::Serialize;

use crate::action::watch::{ReleaseEvent, ReleaseSummary};
use crate::output::Table;

use super::Colors;
use super::times;

/// The columns: `helm list`'s, then when a change was seen and what it
/// was (empty for the snapshot's rows).
const HEADER: [&str; 9] = [
    "NAME",
    "NAMESPACE",
    "REVISION",
    "UPDATED",
    "STATUS",
    "CHART",
    "APP VERSION",
    "SEEN",
    "EVENT",
];

/// The narrowest each column is, so that the change lines of releases
/// installed later usually fit the columns the snapshot set (as `kubectl
/// get -w`, whose later lines keep the first table's columns): names,
/// namespaces and charts of common length, any `UPDATED` time (Go's
/// `time.String()` with nanoseconds: 39 cells), the longest status
/// (`pending-rollback`), the `SEEN` time. Widths one short of a multiple
/// of 8 fill a tab stop exactly. A longer value widens its own line only,
/// never cut.
const MIN_WIDTHS: [usize; 9] = [15, 15, 8, 39, 16, 23, 11, 20, 0];

/// `rudder watch -o table`: the snapshot as a table, then one line per
/// change in the same columns (the same widths and tab separators, so
/// the lines line up under the header in any terminal).
#[derive(Clone, Debug)]
pub struct WatchTable {
    widths: Vec<usize>,
    colors: Colors,
}

impl WatchTable {
    /// The table of the snapshot's releases (sorted by name then
    /// namespace, header first), and the columns later lines keep.
    pub fn snapshot(releases: &[ReleaseSummary], colors: Colors) -> (WatchTable, String) {
        let mut sorted: Vec<&ReleaseSummary> = releases.iter().collect();
        sorted.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
        let mut t = Table::new();
        t.add_row(HEADER.into_iter().map(|h| colors.header(h)));
        for r in sorted {
            t.add_row(cells(
                r,
                colors.status(&r.status),
                String::new(),
                String::new(),
                colors,
            ));
        }
        let mut widths = t.column_widths();
        for (w, m) in widths.iter_mut().zip(MIN_WIDTHS) {
            *w = (*w).max(m);
        }
        let text = trim_lines(&t.render_with_widths(&widths));
        (WatchTable { widths, colors }, text)
    }

    /// One change as a line in the snapshot's columns: the release's
    /// values, then when it was seen (UTC) and the event (`status-changed
    /// from pending-upgrade`); a stuck release gets the notice on a line
    /// of its own. `None` for [`ReleaseEvent::Synced`].
    pub fn line(&self, ev: &ReleaseEvent, at: jiff::Timestamp) -> Option<String> {
        let s = ev.summary()?;
        let event = match ev {
            ReleaseEvent::StatusChanged { from, .. } => format!("{} from {from}", ev.kind()),
            _ => ev.kind().to_string(),
        };
        let mut t = Table::new();
        t.add_row(cells(
            s,
            self.colors.status(&s.status),
            seen_at(at),
            event,
            self.colors,
        ));
        let mut line = trim_lines(&t.render_with_widths(&self.widths));
        if let ReleaseEvent::Stuck { notice, .. } = ev {
            line.push_str(&format!("    {notice}\n"));
        }
        Some(line)
    }
}

/// Each line without the padding after its last cell (the snapshot's
/// rows have no `SEEN` or `EVENT`), newline-terminated.
fn trim_lines(text: &str) -> String {
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// A row: `helm list`'s cells for the release, then `seen` and `event`.
fn cells(
    r: &ReleaseSummary,
    status: String,
    seen: String,
    event: String,
    colors: Colors,
) -> [String; 9] {
    [
        r.name.clone(),
        colors.namespace(&r.namespace),
        r.revision.to_string(),
        r.updated
            .as_ref()
            .map_or_else(|| "-".to_string(), times::go_string),
        status,
        r.chart_label(),
        app_version(r),
        seen,
        event,
    ]
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

    /// `line` as a terminal shows it: tabs to the next multiple of 8.
    fn expand_tabs(line: &str) -> String {
        let mut out = String::new();
        for c in line.chars() {
            if c == '\t' {
                out.push(' ');
                while !out.chars().count().is_multiple_of(8) {
                    out.push(' ');
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The display columns where the words `words` start in `line`
    /// (expanded), searching left to right.
    fn starts(line: &str, words: &[&str]) -> Vec<usize> {
        let line = expand_tabs(line);
        let mut from = 0;
        words
            .iter()
            .map(|w| {
                let i = from + line[from..].find(w).unwrap();
                from = i + w.len();
                line[..i].chars().count()
            })
            .collect()
    }

    fn named(ns: &str, name: &str) -> ReleaseSummary {
        ReleaseSummary {
            namespace: ns.into(),
            name: name.into(),
            ..summary()
        }
    }

    #[test]
    fn change_lines_line_up_under_the_snapshot_header() {
        let c = Colors { enabled: false };
        let (table, text) = WatchTable::snapshot(&[summary(), named("db", "pg")], c);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let header = starts(lines[0], &HEADER);
        // The snapshot's rows: helm list's cells under their titles, no
        // SEEN or EVENT.
        assert_eq!(
            starts(
                lines[1],
                &[
                    "pg",
                    "db",
                    "2",
                    "2026-12-02 02:15:01 +0000 UTC",
                    "deployed",
                    "web-0.1.0",
                    "1.0"
                ]
            ),
            header[..7]
        );
        assert!(!lines[2].ends_with(' ') && !lines[2].ends_with('\t'));
        let ev = ReleaseEvent::StatusChanged {
            from: Status::PendingUpgrade,
            release: summary(),
        };
        let line = table.line(&ev, at()).unwrap();
        assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
        assert_eq!(
            starts(
                &line,
                &[
                    "web",
                    "shop",
                    "2",
                    "2026-12-02 02:15:01 +0000 UTC",
                    "deployed",
                    "web-0.1.0",
                    "1.0",
                    "2026-12-02T02:15:03Z",
                    "status-changed from pending-upgrade"
                ]
            ),
            header
        );
        // A new release whose name is longer than the snapshot's and the
        // minimum: its line widens from that cell on, nothing is cut.
        let long = named("shop", "a-release-with-a-long-name");
        let line = table.line(&ReleaseEvent::Added(long), at()).unwrap();
        let got = starts(&line, &["a-release-with-a-long-name", "shop", "2"]);
        assert_eq!(got[0], header[0]);
        assert!(got[1] > header[1], "{line}");
    }

    #[test]
    fn an_empty_snapshot_sets_the_minimum_columns() {
        let c = Colors { enabled: false };
        let (table, text) = WatchTable::snapshot(&[], c);
        assert_eq!(text.lines().count(), 1);
        let header = starts(&text, &HEADER);
        let mut s = named("team-payments", "checkout-api");
        s.status = Status::PendingRollback;
        s.chart = "checkout-service".into();
        s.chart_version = "1.2.3".into();
        s.updated = GoTime::parse_rfc3339("2026-12-02T02:15:01.123456789Z");
        let line = table.line(&ReleaseEvent::NewRevision(s), at()).unwrap();
        assert_eq!(
            starts(
                &line,
                &[
                    "checkout-api",
                    "team-payments",
                    "2",
                    "2026-12-02 02:15:01.123456789 +0000 UTC",
                    "pending-rollback",
                    "checkout-service-1.2.3",
                    "1.0",
                    "2026-12-02T02:15:03Z",
                    "new-revision"
                ]
            ),
            header
        );
    }

    #[test]
    fn a_stuck_release_gets_its_notice_on_a_line_of_its_own() {
        let c = Colors { enabled: false };
        let (table, _) = WatchTable::snapshot(&[summary()], c);
        let mut s = summary();
        s.status = Status::PendingUpgrade;
        let notice = StuckNotice {
            release: "web".into(),
            namespace: "shop".into(),
            status: Status::PendingUpgrade,
            why: "no rudder operation holds its lock".into(),
        };
        let text = table
            .line(&ReleaseEvent::Stuck { release: s, notice }, at())
            .unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("pending-upgrade") && lines[0].ends_with("\tstuck"));
        assert!(lines[1].starts_with("    release \"web\" in namespace \"shop\" looks stuck"));
        assert!(table.line(&ReleaseEvent::Synced, at()).is_none());
    }
}
