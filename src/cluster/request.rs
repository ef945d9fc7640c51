//! Small pieces of the raw API requests the cluster layer sends itself
//! (for what kube's typed `Api` does not cover: server-side tables, pod
//! logs, Leases with preconditions).

use kube::Client;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// What stays unescaped in a query value: RFC 3986's unreserved
/// characters (letters, digits, `-`, `_`, `.`, `~`), as Go's
/// `url.QueryEscape` and client-go leave them; everything else, `/`, `=`,
/// `,` and spaces included, is percent-encoded (spaces as `%20`, not `+`,
/// which the API server reads the same way).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query parameter value (RFC 3986 unreserved
/// characters stay as they are, other bytes become upper-case `%XX`).
pub(crate) fn url_escape(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
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

    /// The hand-written escaper this replaced, kept here to show that the
    /// crate's output is the same, byte for byte.
    fn hand_written(s: &str) -> String {
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

    #[test]
    fn same_bytes_as_the_hand_written_escaper() {
        let mut every_byte = String::new();
        for c in (0u8..0x80).map(char::from) {
            every_byte.push(c);
        }
        for s in [
            "app.kubernetes.io/instance=web,tier in (a b),!x",
            "job-name=pre-upgrade-hook",
            "metadata.name=web-0",
            "a+b %2F?#&[]@!$'()*;:ü😀\u{7f}",
            every_byte.as_str(),
        ] {
            assert_eq!(url_escape(s), hand_written(s), "{s:?}");
        }
        assert_eq!(
            url_escape("app.kubernetes.io/instance=web x"),
            "app.kubernetes.io%2Finstance%3Dweb%20x"
        );
    }
}
