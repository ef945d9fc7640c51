//! Small pieces of the raw API requests the cluster layer sends itself
//! (for what kube's typed `Api` does not cover: server-side tables, pod
//! logs, Leases with preconditions).

use kube::Client;
use serde_json::Value;

/// Percent-encodes a query parameter value (RFC 3986 unreserved
/// characters stay as they are).
pub(crate) fn url_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Sends a body-less GET; a 404 is `None`.
pub(crate) async fn get_optional(
    client: &Client,
    req: http::request::Builder,
) -> Result<Option<Value>, kube::Error> {
    let req = req
        .body(Vec::new())
        .map_err(|e| kube::Error::BuildRequest(kube::core::request::Error::BuildRequest(e)))?;
    match client.request::<Value>(req).await {
        Ok(v) => Ok(Some(v)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::url_escape;

    #[test]
    fn escapes_all_but_unreserved() {
        assert_eq!(url_escape("a=b,c=d"), "a%3Db%2Cc%3Dd");
        assert_eq!(url_escape("job-name_x.y~z"), "job-name_x.y~z");
        assert_eq!(url_escape("metadata.name=ü"), "metadata.name%3D%C3%BC");
    }
}
