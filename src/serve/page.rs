//! The web page: `/` (the HTML, with the token in a `<meta>` so the page's
//! script can send it in the `Authorization` header of its `POST`s),
//! `/assets/app.js`, `/assets/app.css`, and `GET /api/v1/config`, which
//! tells the page what to show. The files are embedded in the binary; no
//! build step.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use serde_json::{Value, json};

use super::ApiError;
use super::state::App;

const INDEX: &str = include_str!("page/index.html");

/// The icon the page links (`/favicon.svg`) and browsers' automatic
/// `/favicon.ico` request gets: it carries no data, so both are served
/// without the token, and the browser's own request is not a 401 in the
/// logs.
pub const FAVICON: &str = include_str!("page/favicon.svg");

/// Every asset: its name under `/assets/`, its content type, its text.
/// The script is a set of small ES modules importing each other by
/// relative name (`./list.js`), so each must be listed here.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", CSS, include_str!("page/app.css")),
    ("app.js", JS, include_str!("page/app.js")),
    ("api.js", JS, include_str!("page/api.js")),
    ("details.js", JS, include_str!("page/details.js")),
    ("dialogs.js", JS, include_str!("page/dialogs.js")),
    ("dom.js", JS, include_str!("page/dom.js")),
    ("list.js", JS, include_str!("page/list.js")),
    ("live.js", JS, include_str!("page/live.js")),
    ("operations.js", JS, include_str!("page/operations.js")),
    ("state.js", JS, include_str!("page/state.js")),
    ("tabs.js", JS, include_str!("page/tabs.js")),
    ("upgrade.js", JS, include_str!("page/upgrade.js")),
    ("yaml.js", JS, include_str!("page/yaml.js")),
];

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

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

/// `GET /assets/{file}`: one of [`ASSETS`] (the name is only ever
/// compared with the table, never used as a path).
pub async fn asset_route(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => asset(content_type, body),
        None => ApiError::not_found("no such asset").into_response(),
    }
}

/// `GET /favicon.svg` and `GET /favicon.ico` (no token needed).
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // No data in it, the same for every server: caching is fine.
            (header::CACHE_CONTROL, "max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
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
    fn the_page_links_the_icon_it_serves() {
        assert!(INDEX.contains(r#"<link rel="icon" href="/favicon.svg" type="image/svg+xml">"#));
        assert!(FAVICON.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        // Shapes only: nothing that could run or fetch.
        for bad in ["<script", "href", "url(", " on", "<image", "<foreignObject"] {
            assert!(!FAVICON.contains(bad), "{bad} in the icon");
        }
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
        for (name, _, body) in ASSETS {
            assert!(!body.contains("innerHTML"), "{name} uses innerHTML");
            assert!(!body.contains("insertAdjacentHTML"), "{name}");
            assert!(!body.contains("eval("), "{name} uses eval");
        }
    }

    #[test]
    fn every_module_the_script_imports_is_served() {
        for (name, _, body) in ASSETS {
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                let target = line
                    .split("from \"./")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                    .unwrap_or_else(|| panic!("{name}: unexpected import {line}"));
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == target),
                    "{name} imports {target}, which is not served"
                );
            }
        }
        for file in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/serve/page"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let n = file.file_name().to_string_lossy().into_owned();
            if n.ends_with(".js") || n.ends_with(".css") {
                assert!(
                    ASSETS.iter().any(|(a, _, _)| *a == n),
                    "{n} is in src/serve/page but not served"
                );
            }
        }
    }
}
