//! The read routes: the release list, one release and its parts, a
//! revision, and diffs between revisions.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Json;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::action::diff::{Comparison, Selection, compare_releases, revision_pair};
use crate::action::list::{ListOptions, StateMask};
use crate::action::redact::{redact_json_values, redact_secrets, release_secret_values};
use crate::action::watch::ReleaseSummary;
use crate::cluster::resources::Form;
use crate::compat::Compat;
use crate::release::{Release, Status};
use crate::session::StatusRequest;
use crate::storage::DriverKind;

use super::ApiError;
use super::auth::Caller;
use super::error::query_error;
use super::state::{ApiSession, App};

type ApiResult = Result<Json<Value>, ApiError>;

/// A checked `{ns}/{name}` pair.
pub struct Target {
    /// The namespace.
    pub ns: String,
    /// The release name.
    pub name: String,
}

/// Checks the namespace (a DNS label the server serves) and the release
/// name (helm's rule), so no other value reaches storage.
pub fn target(app: &App, ns: String, name: String) -> Result<Target, ApiError> {
    if !is_dns_label(&ns) {
        return Err(ApiError::invalid(format!("invalid namespace {ns:?}")));
    }
    if crate::release::name::validate_name(&name).is_err() {
        return Err(ApiError::invalid(format!(
            "release name is invalid: {name}"
        )));
    }
    if !app.serves(&ns) {
        return Err(ApiError::not_found(format!(
            "namespace {ns:?} is not served (the server serves {:?})",
            app.namespace()
        )));
    }
    Ok(Target { ns, name })
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// A release summary as JSON (the README's Summary); `latest` is the
/// newest version its chart's source offers, once known.
pub fn summary_json(s: &ReleaseSummary, latest: Option<&str>) -> Value {
    json!({
        "namespace": s.namespace,
        "name": s.name,
        "revision": s.revision,
        "status": s.status.as_str(),
        "chart": s.chart,
        "chart_version": s.chart_version,
        "app_version": s.app_version,
        "updated": s.updated.as_ref().map(crate::output::time::rfc3339),
        "description": s.description,
        "latest_version": latest,
    })
}

fn stuck_json(n: &crate::session::StuckNotice) -> Value {
    json!({
        "namespace": n.namespace,
        "name": n.release,
        "status": n.status.as_str(),
        "reason": n.why,
    })
}

/// `GET /api/v1/releases` query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    namespace: Option<String>,
    filter: Option<String>,
    selector: Option<String>,
    states: Option<String>,
}

fn states(raw: &str) -> Result<StateMask, ApiError> {
    let mut mask = StateMask::NONE;
    for s in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        mask |= match s {
            "deployed" => StateMask::DEPLOYED,
            "failed" => StateMask::FAILED,
            "pending" => StateMask::PENDING,
            "superseded" => StateMask::SUPERSEDED,
            "uninstalled" => StateMask::UNINSTALLED,
            "uninstalling" => StateMask::UNINSTALLING,
            other => return Err(ApiError::invalid(format!("invalid state {other:?}"))),
        };
    }
    Ok(mask)
}

/// `GET /api/v1/releases`.
pub async fn list(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let (ns, all) = match q.namespace.filter(|n| !n.is_empty()) {
        Some(ns) => {
            if !is_dns_label(&ns) {
                return Err(ApiError::invalid(format!("invalid namespace {ns:?}")));
            }
            if !app.serves(&ns) {
                return Err(ApiError::not_found(format!(
                    "namespace {ns:?} is not served"
                )));
            }
            (ns, false)
        }
        None => (app.namespace().to_string(), app.config.all_namespaces),
    };
    let states = match q.states.as_deref() {
        Some(s) if !s.is_empty() => states(s)?,
        _ => StateMask::ALL,
    };
    let options = ListOptions {
        all_namespaces: all,
        states,
        filter: q.filter.filter(|s| !s.is_empty()),
        selector: q.selector.filter(|s| !s.is_empty()),
        max: 0,
        ..ListOptions::default()
    };
    // The server's own view needs no API request: the watch holds every
    // release's newest revision. A selector (record labels) or
    // superseded-only listing (older revisions) needs storage; so does a
    // proxied user, whom RBAC must judge.
    if who.is_none()
        && options.selector.is_none()
        && options.states != StateMask::SUPERSEDED
        && let Some(v) = from_watch(&app, &options, &ns)?
    {
        return Ok(Json(v));
    }
    let session = app.session(&who, &ns).await?;
    let report = session.list(&options).await?;
    let w = app.lock_watched();
    let releases: Vec<Value> = report
        .result
        .records
        .iter()
        .map(|r| {
            let s = ReleaseSummary::from_release(&r.release, r.release.info.status.clone());
            summary_json(&s, w.latest_for(&s))
        })
        .collect();
    drop(w);
    let stuck: Vec<Value> = report.stuck.iter().map(stuck_json).collect();
    Ok(Json(
        json!({"releases": releases, "stuck": stuck, "source": "storage"}),
    ))
}

/// `list` answered from the watch's state (`None` before its first
/// snapshot), sorted by name then namespace as `list` sorts.
fn from_watch(app: &App, options: &ListOptions, ns: &str) -> Result<Option<Value>, ApiError> {
    let filter = match options.filter.as_deref() {
        Some(f) => Some(
            regex::Regex::new(f)
                .map_err(|e| ApiError::invalid(crate::action::go_regexp::error_text(f, &e)))?,
        ),
        None => None,
    };
    let w = app.lock_watched();
    if !w.synced {
        return Ok(None);
    }
    let mut rows: Vec<&ReleaseSummary> = w
        .releases
        .values()
        .filter(|s| options.all_namespaces || s.namespace == ns)
        .filter(|s| filter.as_ref().is_none_or(|re| re.is_match(&s.name)))
        .filter(|s| options.states.contains(&s.status))
        .collect();
    rows.sort_by(|a, b| (&a.name, &a.namespace).cmp(&(&b.name, &b.namespace)));
    let stuck: Vec<Value> = rows
        .iter()
        .filter_map(|s| w.stuck.get(&(s.namespace.clone(), s.name.clone())))
        .map(stuck_json)
        .collect();
    let releases: Vec<Value> = rows
        .into_iter()
        .map(|s| summary_json(s, w.latest_for(s)))
        .collect();
    Ok(Some(
        json!({"releases": releases, "stuck": stuck, "source": "watch"}),
    ))
}

/// Query of the routes that show one revision.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RevisionQuery {
    revision: Option<i64>,
    show_secrets: Option<bool>,
}

/// Refuses `show_secrets` where reading the release did not already prove
/// the caller may read Secrets (the Secret driver reads them).
pub(super) fn may_show_secrets(app: &App, asked: Option<bool>) -> Result<bool, ApiError> {
    match asked {
        Some(true) if app.config.driver != DriverKind::Secret => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "show_secrets needs the Secret storage driver",
        )),
        Some(true) => Ok(true),
        _ => Ok(false),
    }
}

fn masked(mut rel: Release, show: bool) -> Release {
    if !show {
        rel.manifest = redact_secrets(&rel.manifest);
        for h in &mut rel.hooks {
            h.manifest = redact_secrets(&h.manifest);
        }
    }
    rel
}

async fn status_json(
    session: &ApiSession,
    name: &str,
    revision: i64,
    show: bool,
) -> Result<Value, ApiError> {
    let report = session
        .status(
            name,
            StatusRequest {
                revision,
                show_resources: true,
                form: Form::Objects,
            },
        )
        .await?;
    // What the Secrets hold is read before their data is masked.
    let secrets = release_secret_values(&report.content.record.release);
    let rel = masked(report.content.record.release, show);
    let v = crate::present::release_value(&rel, Compat::V4, report.resources.as_ref())?;
    let text = crate::present::encode_json(&v)?;
    let mut out: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string()))?;
    if !show && let Some(config) = out.get_mut("config") {
        redact_json_values(config, &secrets);
    }
    if let Value::Object(m) = &mut out {
        m.insert(
            "stuck".into(),
            report.stuck.as_ref().map_or(Value::Null, stuck_json),
        );
    }
    Ok(out)
}

/// `GET /api/v1/releases/{ns}/{name}`.
pub async fn status(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<RevisionQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let t = target(&app, ns, name)?;
    let show = may_show_secrets(&app, q.show_secrets)?;
    let session = app.session(&who, &t.ns).await?;
    Ok(Json(
        status_json(&session, &t.name, q.revision.unwrap_or(0), show).await?,
    ))
}

/// `GET /api/v1/releases/{ns}/{name}/revisions/{rev}`.
pub async fn revision(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name, rev)): Path<(String, String, String)>,
    q: Result<Query<RevisionQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let t = target(&app, ns, name)?;
    let rev: i64 = match rev.parse() {
        Ok(r) if r >= 1 => r,
        _ => return Err(ApiError::invalid(format!("invalid revision {rev:?}"))),
    };
    if q.revision.is_some() {
        return Err(ApiError::invalid("the revision is in the path"));
    }
    let show = may_show_secrets(&app, q.show_secrets)?;
    let session = app.session(&who, &t.ns).await?;
    Ok(Json(status_json(&session, &t.name, rev, show).await?))
}

async fn content(
    app: &App,
    who: &crate::serve::Identity,
    ns: String,
    name: String,
    revision: i64,
) -> Result<Release, ApiError> {
    let t = target(app, ns, name)?;
    let session = app.session(who, &t.ns).await?;
    Ok(session.get(&t.name, revision).await?.record.release)
}

/// `values` query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ValuesQuery {
    revision: Option<i64>,
    all: Option<bool>,
    show_secrets: Option<bool>,
}

/// `GET /api/v1/releases/{ns}/{name}/values`.
pub async fn values(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<ValuesQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let show = may_show_secrets(&app, q.show_secrets)?;
    let rel = content(&app, &who, ns, name, q.revision.unwrap_or(0)).await?;
    let text =
        crate::present::get::values(&rel, q.all.unwrap_or(false), crate::present::Format::Json)?;
    let mut v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string()))?;
    if !show {
        // Exactly the values that flow into the release's Secrets.
        redact_json_values(&mut v, &release_secret_values(&rel));
    }
    Ok(Json(v))
}

/// `GET /api/v1/releases/{ns}/{name}/manifest`.
pub async fn manifest(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<RevisionQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let show = may_show_secrets(&app, q.show_secrets)?;
    let rel = masked(
        content(&app, &who, ns, name, q.revision.unwrap_or(0)).await?,
        show,
    );
    Ok(Json(json!({"manifest": rel.manifest})))
}

/// `GET /api/v1/releases/{ns}/{name}/hooks`.
pub async fn hooks(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<RevisionQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let show = may_show_secrets(&app, q.show_secrets)?;
    let rel = masked(
        content(&app, &who, ns, name, q.revision.unwrap_or(0)).await?,
        show,
    );
    Ok(Json(json!({"hooks": crate::present::get::hooks(&rel)})))
}

/// `notes` query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NotesQuery {
    revision: Option<i64>,
}

/// `GET /api/v1/releases/{ns}/{name}/notes`.
pub async fn notes(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<NotesQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let rel = content(&app, &who, ns, name, q.revision.unwrap_or(0)).await?;
    Ok(Json(json!({"notes": rel.info.notes})))
}

/// `history` query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    max: Option<i64>,
}

/// `GET /api/v1/releases/{ns}/{name}/history`.
pub async fn history(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<HistoryQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let t = target(&app, ns, name)?;
    let session = app.session(&who, &t.ns).await?;
    let h = session.history(&t.name, q.max.unwrap_or(256)).await?;
    let text =
        crate::present::history::render(&h.records, crate::present::Format::Json, Compat::V4)?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string()))?;
    Ok(Json(v))
}

/// `GET /api/v1/releases/{ns}/{name}/resources`.
pub async fn resources(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
) -> ApiResult {
    let t = target(&app, ns, name)?;
    let session = app.session(&who, &t.ns).await?;
    let report = session
        .status(
            &t.name,
            StatusRequest {
                revision: 0,
                show_resources: true,
                form: Form::Objects,
            },
        )
        .await?;
    let mut map = serde_json::Map::new();
    for (key, objects) in report.resources.map(|r| r.0).unwrap_or_default() {
        map.insert(key, Value::Array(objects));
    }
    Ok(Json(json!({"resources": map})))
}

/// `diff` query.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
    show_secrets: Option<bool>,
}

/// `GET /api/v1/releases/{ns}/{name}/diff`.
pub async fn diff(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    q: Result<Query<DiffQuery>, QueryRejection>,
) -> ApiResult {
    let Query(q) = q.map_err(query_error)?;
    let t = target(&app, ns, name)?;
    let show = may_show_secrets(&app, q.show_secrets)?;
    let Some(from) = q.from else {
        return Err(ApiError::invalid("from is required"));
    };
    let session = app.session(&who, &t.ns).await?;
    let (old, new) = revision_pair(session.storage(), &t.name, from, q.to).await?;
    let objects = compare_releases(&old, &new, Selection::default(), show)?;
    let c = Comparison {
        release: new.name.clone(),
        namespace: new.namespace.clone(),
        from: format!("revision {}", old.version),
        to: format!("revision {}", new.version),
        objects,
    };
    let v: Value = serde_json::from_str(&c.json(Some(3)))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", e.to_string()))?;
    Ok(Json(v))
}

/// The status of `s` as helm-exporter numbers it.
pub fn exporter_status(s: &Status) -> i64 {
    match s.as_str() {
        "deployed" => 1,
        "uninstalled" => 2,
        "superseded" => 3,
        "failed" => -1,
        "uninstalling" => 5,
        "pending-install" => 6,
        "pending-upgrade" => 7,
        "pending-rollback" => 8,
        _ => 0,
    }
}
