//! A fixed set of releases and the helpers the tests share.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::release::Status;
use crate::tui::model::{
    ContentView, Details, HistoryRow, Loadable, Model, ReleaseKey, ResourceRow, Row, Screen,
};
use crate::tui::msg::{Command, Msg};
use crate::tui::update::update;

pub fn row(
    ns: &str,
    name: &str,
    revision: i64,
    status: Status,
    chart: (&str, &str),
    app: &str,
    updated: (&str, i64),
) -> Row {
    Row {
        key: ReleaseKey::new(ns, name),
        revision,
        status,
        chart_name: chart.0.into(),
        chart_version: chart.1.into(),
        app_version: app.into(),
        updated: updated.0.into(),
        updated_unix: updated.1,
        stuck: None,
    }
}

/// Five releases in three namespaces, one of each interesting state.
pub fn rows() -> Vec<Row> {
    let mut db = row(
        "team-b",
        "db",
        1,
        Status::PendingUpgrade,
        ("postgresql", "12.1.0"),
        "16.1",
        ("2026-11-29 08:00", 1_764_403_200),
    );
    db.stuck = Some("pending for 2h0m0s with no live operation".into());
    vec![
        row(
            "team-a",
            "web",
            3,
            Status::Deployed,
            ("nginx", "1.2.3"),
            "1.25.0",
            ("2026-11-30 10:04", 1_764_497_040),
        ),
        row(
            "team-a",
            "api",
            2,
            Status::Failed,
            ("api", "0.4.1"),
            "2.0.0",
            ("2026-12-01 09:30", 1_764_581_400),
        ),
        db,
        row(
            "team-b",
            "cache",
            5,
            Status::Uninstalled,
            ("redis", "18.0.0"),
            "7.2",
            ("2026-11-20 12:00", 1_763_640_000),
        ),
        row(
            "team-c",
            "queue",
            1,
            Status::PendingInstall,
            ("rabbitmq", "14.0.2"),
            "3.13",
            ("2026-12-02 01:00", 1_764_637_200),
        ),
    ]
}

/// A model with the fixed releases loaded and web's upgrade found.
pub fn model() -> Model {
    let mut m = Model::new("kind-dev", None, false, false);
    update(&mut m, Msg::Releases(rows()));
    update(
        &mut m,
        Msg::Availability(vec![(ReleaseKey::new("team-a", "web"), "1.3.0".into())]),
    );
    m
}

pub fn web() -> ReleaseKey {
    ReleaseKey::new("team-a", "web")
}

pub fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

pub fn code(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types `text` key by key; returns every command asked for.
pub fn type_keys(m: &mut Model, text: &str) -> Vec<Command> {
    text.chars().flat_map(|c| update(m, key(c))).collect()
}

pub fn content() -> ContentView {
    let manifest: String = (1..=40)
        .map(|i| {
            format!(
                "line {i:02}: {}\n",
                if i % 10 == 0 { "replicas: 2" } else { "x" }
            )
        })
        .collect();
    ContentView {
        info: vec![
            ("STATUS:".into(), "deployed".into()),
            ("CHART:".into(), "nginx".into()),
            ("VERSION:".into(), "1.2.3".into()),
            ("APP VERSION:".into(), "1.25.0".into()),
            ("NAMESPACE:".into(), "team-a".into()),
            ("REVISION:".into(), "3".into()),
            ("UPDATED:".into(), "2026-11-30 10:04".into()),
            ("DESCRIPTION:".into(), "Upgrade complete".into()),
        ],
        notes: "Visit http://web.team-a.svc\n".into(),
        manifest,
        values_user: "replicaCount: 2\n".into(),
        values_computed: "image:\n  tag: 1.25.0\nreplicaCount: 2\nservice:\n  port: 80\n".into(),
        hooks: "---\n# Source: nginx/templates/test.yaml\nkind: Pod\n".into(),
        chart_name: "nginx".into(),
        chart_version: "1.2.3".into(),
        revision: 3,
    }
}

pub fn history() -> Vec<HistoryRow> {
    [
        (1, Status::Superseded, "1.2.1", "Install complete"),
        (2, Status::Superseded, "1.2.2", "Upgrade complete"),
        (3, Status::Deployed, "1.2.3", "Upgrade complete"),
    ]
    .into_iter()
    .map(|(revision, status, v, d)| HistoryRow {
        revision,
        updated: format!("2026-11-2{revision} 10:00"),
        status,
        chart: format!("nginx-{v}"),
        app_version: "1.25.0".into(),
        description: d.into(),
    })
    .collect()
}

pub fn resources() -> Vec<ResourceRow> {
    vec![
        ResourceRow {
            resource: "Service/web".into(),
            namespace: "team-a".into(),
            status: "Current".into(),
            message: "Service is ready".into(),
        },
        ResourceRow {
            resource: "Deployment/web".into(),
            namespace: "team-a".into(),
            status: "InProgress".into(),
            message: "Available: 1/2".into(),
        },
    ]
}

/// The model with web's details open and loaded.
pub fn details_model() -> Model {
    let mut m = model();
    m.screen = Screen::Details(Box::new(Details {
        key: web(),
        content: Loadable::Ready(content()),
        history: Loadable::Ready(history()),
        history_selected: 2,
        resources: Loadable::Ready(resources()),
        ..Details::default()
    }));
    m
}

/// The open details.
pub fn details(m: &Model) -> &Details {
    match &m.screen {
        Screen::Details(d) => d,
        Screen::List => panic!("details are not open"),
    }
}
