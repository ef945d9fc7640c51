//! The web page: `/` (the HTML, with the token in a `<meta>` so the page's
//! script can send it in the `Authorization` header of its `POST`s),
//! `/assets/app.js`, `/assets/app.css`, and `GET /api/v1/config`, which
//! tells the page what to show. The files are embedded in the binary; no
//! build step.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::state::App;

const INDEX: &str = include_str!("page/index.html");
const APP_JS: &str = include_str!("page/app.js");
const APP_CSS: &str = include_str!("page/app.css");

/// Where the template takes the token.
const TOKEN_SLOT: &str = "{{TOKEN}}";

/// Only files from this origin, no inline script or style: data put in the
/// page can never run.
pub const CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Escapes text for an HTML attribute value (the token comes from a
/// file, so it is not trusted to be hex).
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The page's HTML with `token` in its `<meta name="rudder-token">`.
pub fn index_html(token: &str) -> String {
    INDEX.replace(TOKEN_SLOT, &attribute(token))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /`: the page. Only a caller that already holds the token gets
/// here (the auth layer runs first), and the answer is never cached, so
/// the token it carries stays with that caller.
pub async fn index(State(app): State<Arc<App>>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        index_html(&app.config.token),
    )
        .into_response()
}

/// `GET /assets/app.js`.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /assets/app.css`.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

/// `GET /api/v1/config`: read-only or not, the namespace served (null
/// with `-A`), rudder's version.
pub async fn config(State(app): State<Arc<App>>) -> Json<Value> {
    let namespace = if app.config.all_namespaces {
        Value::Null
    } else {
        Value::String(app.namespace().to_string())
    };
    Json(json!({
        "read_only": app.config.read_only,
        "namespace": namespace,
        "version": crate::VERSION,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_lands_escaped_in_the_meta_tag() {
        let html = index_html("a\"b<c>&'");
        assert!(
            html.contains(r#"<meta name="rudder-token" content="a&quot;b&lt;c&gt;&amp;&#39;">"#),
            "{html}"
        );
        assert!(!html.contains(TOKEN_SLOT));
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        // The CSP forbids them; a stray one would silently not run.
        assert!(!INDEX.contains("<script>"), "inline script");
        assert!(!INDEX.contains("<style"), "inline style");
        assert!(!INDEX.contains("style="), "style attribute");
        let handler = INDEX.split(" on").skip(1).any(|rest| {
            let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        });
        assert!(!handler, "inline event handler attribute");
        assert!(!APP_JS.contains("innerHTML"), "innerHTML");
    }
}
