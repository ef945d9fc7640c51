//! `rudder serve`: the library behind one HTTP server — a JSON API over
//! the session's operations, a Server-Sent Events stream fed by the
//! release watch, and Prometheus metrics answered from the watch's state.
//!
//! The contract (routes, shapes, errors) is the README's "HTTP API"
//! section. Release logic stays in [`crate::session`] and
//! [`crate::action`]; this module routes, authenticates, and turns results
//! into JSON.

mod access;
mod auth;
mod availability;
mod error;
mod events;
mod metrics;
mod operations;
mod page;
mod releases;
mod state;
mod upgrade;

pub use error::ApiError;
pub use state::{Identity, ServeConfig};

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The cluster could not be reached at start.
    #[error("{0}")]
    Connect(#[from] crate::cluster::ConnectError),
    /// The watch could not be started.
    #[error("{0}")]
    Watch(#[from] crate::action::ActionError),
    /// Serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The largest request body accepted (413 beyond).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Serves on `listener` until the process ends: connects with the
/// server's own identity, starts the release watch, then answers requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: ServeConfig,
) -> Result<(), ServeError> {
    let app = state::App::start(config).await?;
    events::spawn_watch(Arc::clone(&app))?;
    availability::spawn(Arc::clone(&app));
    axum::serve(listener, router(app)).await?;
    Ok(())
}

/// The routes; `--read-only` leaves out every mutating one.
fn router(app: Arc<state::App>) -> Router {
    let mut api = Router::new()
        .route("/releases", get(releases::list))
        .route("/releases/{ns}/{name}", get(releases::status))
        .route("/releases/{ns}/{name}/values", get(releases::values))
        .route("/releases/{ns}/{name}/manifest", get(releases::manifest))
        .route("/releases/{ns}/{name}/notes", get(releases::notes))
        .route("/releases/{ns}/{name}/hooks", get(releases::hooks))
        .route("/releases/{ns}/{name}/history", get(releases::history))
        .route("/releases/{ns}/{name}/resources", get(releases::resources))
        .route(
            "/releases/{ns}/{name}/revisions/{rev}",
            get(releases::revision),
        )
        .route("/releases/{ns}/{name}/diff", get(releases::diff))
        .route("/releases/{ns}/{name}/versions", get(upgrade::versions))
        .route("/operations/{id}", get(operations::get))
        .route("/events", get(events::sse))
        .route("/config", get(page::config));
    if !app.config.read_only {
        api = api
            .route("/releases/{ns}/{name}/rollback", post(operations::rollback))
            .route(
                "/releases/{ns}/{name}/uninstall",
                post(operations::uninstall),
            )
            .route("/releases/{ns}/{name}/recover", post(operations::recover))
            .route("/releases/{ns}/{name}/upgrade", post(upgrade::upgrade))
            .route("/releases/{ns}/{name}/upgrade/plan", post(upgrade::plan));
    }
    Router::new()
        .nest("/api/v1", api)
        .route("/metrics", get(metrics::metrics))
        .route("/", get(page::index))
        .route("/assets/{file}", get(page::asset_route))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            auth::check,
        ))
        .route("/auth", get(auth::login))
        // No data in the icon: browsers ask for it without the token.
        .route("/favicon.svg", get(page::favicon))
        .route("/favicon.ico", get(page::favicon))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(app)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
