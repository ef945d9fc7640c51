//! oras-go's `errcode`: how a registry's error response is turned into
//! the text helm prints (`GET "<url>": response status code 404: name
//! unknown: ...`).

/// The message part of an error response: the registry's `errors` joined
/// with `; `, each `<code lowercased, _ as space>: <message>[: <detail>]`,
/// or Go's status text when the body holds none.
pub fn response_message(status: u16, body: &[u8]) -> String {
    // oras reads at most 8 KiB of an error body.
    let body = &body[..body.len().min(8 * 1024)];
    let errors = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .unwrap_or_default();
    if errors.is_empty() {
        return status_text(status).to_string();
    }
    errors
        .iter()
        .map(|e| {
            let field = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            let code = field("code").replace('_', " ").to_lowercase();
            match e.get("detail") {
                None | Some(serde_json::Value::Null) => format!("{code}: {}", field("message")),
                Some(d) => format!("{code}: {}: {}", field("message"), go_v(d)),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Go's `%v` of a value `encoding/json` decoded into `interface{}`.
pub fn go_v(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "<nil>".into(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => {
            crate::gojson::float::format_g(n.as_f64().unwrap_or_default())
        }
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => {
            format!("[{}]", a.iter().map(go_v).collect::<Vec<_>>().join(" "))
        }
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_v(&m[k.as_str()])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `http.StatusText`.
pub fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn distribution_bodies() {
        let body = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry","detail":{"name":"charts/nope"}}]}"#;
        assert_eq!(
            response_message(404, body),
            "name unknown: repository name not known to registry: map[name:charts/nope]"
        );
        let body = br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null},{"code":"DENIED","message":"no"}]}"#;
        assert_eq!(
            response_message(401, body),
            "unauthorized: authentication required; denied: no"
        );
        assert_eq!(response_message(500, b"oops"), "Internal Server Error");
        assert_eq!(
            go_v(&serde_json::json!([{"b": 1, "a": [true, null]}])),
            "[map[a:[true <nil>] b:1]]"
        );
    }
}
