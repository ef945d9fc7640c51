//! The upgrade routes: the versions a release's chart source offers, the
//! plan of an upgrade (values and manifest diffs, nothing written), and
//! the upgrade operation. The work is [`crate::action::source_upgrade`]'s;
//! this file checks the request and shapes the answers.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{Json, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::action::source_upgrade::{
    self as source, ChartSources, SourceUpgrade, SourceUpgradeError, Versions,
};
use crate::action::upgrade::UpgradeOptions;
use crate::release::Release;
use crate::session::default_history_max;
use crate::upgrades::InstalledChart;

use super::ApiError;
use super::auth::Caller;
use super::error::json_error;
use super::operations::{start, wait_strategy};
use super::releases::target;
use super::state::App;

/// How long an upgrade waits when the body does not say (helm's
/// `--timeout` default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

impl From<SourceUpgradeError> for ApiError {
    fn from(e: SourceUpgradeError) -> ApiError {
        match e {
            SourceUpgradeError::Action(a) => a.into(),
            // What the caller asked for cannot be had: a source, a
            // version, values that parse, a chart that loads.
            SourceUpgradeError::Source(m)
            | SourceUpgradeError::Fetch(m)
            | SourceUpgradeError::Chart(m)
            | SourceUpgradeError::Values(m) => ApiError::invalid(m),
            SourceUpgradeError::Diff(m) | SourceUpgradeError::Task(m) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "failed", m)
            }
        }
    }
}

fn sources(app: &App) -> Result<&ChartSources, ApiError> {
    app.config
        .sources
        .as_ref()
        .ok_or_else(|| ApiError::invalid("no chart repository or OCI source is configured"))
}

/// The release's newest revision and what it says about its chart.
async fn installed(
    app: &App,
    who: &crate::serve::Identity,
    ns: &str,
    name: &str,
) -> Result<(Release, InstalledChart), ApiError> {
    let session = app.session(who, ns).await?;
    let rel = session.get(name, 0).await?.record.release;
    let chart = InstalledChart::from_release(&rel).ok_or_else(|| {
        ApiError::invalid(format!("release {name:?} has no chart metadata to upgrade"))
    })?;
    Ok((rel, chart))
}

/// `GET /api/v1/releases/{ns}/{name}/versions`.
pub async fn versions(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let t = target(&app, ns, name)?;
    let (_, chart) = installed(&app, &who, &t.ns, &t.name).await?;
    let current = chart.version.clone();
    let v = source::available_versions(sources(&app)?, chart).await?;
    Ok(Json(json!({
        "source": v.source,
        "reference": v.reference,
        "current": current,
        "versions": v.versions,
    })))
}

/// `upgrade/plan` and `upgrade` body.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UpgradeBody {
    version: Option<String>,
    values: Option<String>,
    reuse_values: Option<bool>,
    wait: Option<bool>,
    timeout_seconds: Option<u64>,
    show_secrets: Option<bool>,
}

/// A checked upgrade request.
struct Checked {
    ns: String,
    name: String,
    request: SourceUpgrade,
    options: UpgradeOptions,
}

/// Checks the body against the release and its source before anything
/// runs: the values parse, the source is known, the version is one it
/// lists (absent: the newest).
async fn check(
    app: &App,
    who: &crate::serve::Identity,
    ns: String,
    name: String,
    b: &UpgradeBody,
) -> Result<Checked, ApiError> {
    let t = target(app, ns, name)?;
    let values = b.values.clone().unwrap_or_default();
    source::parse_values(&values, app.config.compat)?;
    let (_, chart) = installed(app, who, &t.ns, &t.name).await?;
    let chart_name = chart.chart.clone();
    let Versions {
        source: label,
        reference,
        versions,
    } = source::available_versions(sources(app)?, chart).await?;
    let version = match b
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        Some(v) if versions.iter().any(|x| x == v) => v.to_string(),
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "chart {chart_name:?} version {v:?} is not offered by {label}"
            )));
        }
        None => versions.first().cloned().ok_or_else(|| {
            ApiError::invalid(format!("{label} offers no version of chart {chart_name:?}"))
        })?,
    };
    let mut options = UpgradeOptions {
        reuse_values: b.reuse_values.unwrap_or(true),
        max_history: default_history_max(None),
        ..UpgradeOptions::default()
    };
    options.deploy.namespace = t.ns.clone();
    options.deploy.compat = app.config.compat;
    options.deploy.wait = wait_strategy(b.wait.unwrap_or(false));
    options.deploy.timeout = b
        .timeout_seconds
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    Ok(Checked {
        ns: t.ns,
        name: t.name,
        request: SourceUpgrade {
            chart: chart_name,
            reference,
            version,
            values,
        },
        options,
    })
}

/// `POST /api/v1/releases/{ns}/{name}/upgrade/plan`.
pub async fn plan(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    body: Result<Json<UpgradeBody>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    let show = super::releases::may_show_secrets(&app, b.show_secrets)?;
    let c = check(&app, &who, ns, name, &b).await?;
    let session = app.session(&who, &c.ns).await?;
    let preview = source::plan_upgrade(
        session.storage(),
        session.cluster(),
        sources(&app)?,
        &c.name,
        &c.request,
        &c.options,
        !show,
    )
    .await?;
    Ok(Json(json!({
        "values_diff": preview.values_diff,
        "manifest_diff": preview.manifest_diff,
        "version": c.request.version,
    })))
}

/// `POST /api/v1/releases/{ns}/{name}/upgrade`.
pub async fn upgrade(
    State(app): State<Arc<App>>,
    Extension(Caller(who)): Extension<Caller>,
    Path((ns, name)): Path<(String, String)>,
    body: Result<Json<UpgradeBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(b) = body.map_err(json_error)?;
    if b.show_secrets.is_some() {
        return Err(ApiError::invalid(
            "show_secrets applies to upgrade/plan only",
        ));
    }
    let c = check(&app, &who, ns, name, &b).await?;
    let sources = sources(&app)?.clone();
    let Checked {
        ns,
        name,
        request,
        options,
    } = c;
    start(
        app,
        who,
        ns,
        name,
        "upgrade",
        move |s, name, p| async move {
            source::upgrade_from_source(
                s.storage(),
                s.cluster(),
                &sources,
                &name,
                &request,
                &options,
                &p,
            )
            .await?;
            Ok(format!(
                "Release {name:?} has been upgraded. Happy Helming!\n"
            ))
        },
    )
    .await
}
