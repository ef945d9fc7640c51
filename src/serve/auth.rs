//! The token check, the same-origin rule for mutating requests, and who a
//! request runs as behind an authenticating proxy.

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use subtle::ConstantTimeEq as _;

use super::ApiError;
use super::state::{App, Identity};

/// The cookie `GET /auth` sets.
pub const COOKIE: &str = "rudder_token";

/// Who the request runs as (a request extension set by [`check`]).
#[derive(Clone, Debug)]
pub struct Caller(pub Identity);

fn same(a: &str, b: &str) -> bool {
    // Only the length can leak; the bytes are compared in constant time.
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid token is required (Authorization: Bearer <token>)",
    )
}

fn forbidden_origin(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "forbidden-origin", message)
}

/// Refuses requests without the token, mutating requests without it in a
/// header or from another origin, and (behind a proxy) requests without a
/// user; records who the request runs as.
pub async fn check(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let token = &app.config.token;
    let by_header = bearer(headers).is_some_and(|t| same(t, token));
    let by_cookie = cookie(headers).is_some_and(|t| same(t, token));
    if !by_header && !by_cookie {
        return unauthorized().into_response();
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe {
        if !by_header {
            // A cookie rides along on cross-site requests; a header does not.
            return forbidden_origin(
                "mutating requests need the token in the Authorization header",
            )
            .into_response();
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            let own = host.map(|h| format!("http://{h}"));
            if origin.to_str().ok() != own.as_deref() {
                return forbidden_origin("cross-origin requests are refused").into_response();
            }
        }
    }
    // `/metrics` is the server's own view for a scraper that reaches the
    // pod directly, past the proxy: it needs the token, not a user.
    let scrape = req.uri().path() == "/metrics";
    let identity = if app.config.trust_proxy_headers && !scrape {
        match proxy_identity(headers) {
            Some(id) => Some(id),
            None => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "no X-Forwarded-User from the authenticating proxy",
                )
                .into_response();
            }
        }
    } else {
        None
    };
    req.extensions_mut().insert(Caller(identity));
    next.run(req).await
}

fn proxy_identity(headers: &HeaderMap) -> Option<(String, Vec<String>)> {
    let user = headers
        .get("x-forwarded-user")?
        .to_str()
        .ok()?
        .trim()
        .to_string();
    if user.is_empty() {
        return None;
    }
    let groups = headers
        .get_all("x-forwarded-groups")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|g| g.trim().to_string())
        .filter(|g| !g.is_empty())
        .collect();
    Some((user, groups))
}

/// `GET /auth` query.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    token: String,
}

/// `GET /auth?token=T`: sets the cookie and sends the browser to `/`, so
/// the token leaves the address bar.
pub async fn login(
    State(app): State<Arc<App>>,
    q: Result<Query<Login>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return unauthorized().into_response();
    };
    if !same(&q.token, &app.config.token) {
        return unauthorized().into_response();
    }
    let cookie = format!("{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", q.token);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}
