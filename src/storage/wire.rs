//! Secrets and ConfigMaps as they come over the wire, reduced to what a
//! record needs.
//!
//! Parsing responses into k8s-openapi types would decode every Secret's
//! data into owned bytes, copy it, and then the codec would decode it
//! again. These types borrow the record text straight from the response
//! and leave everything else unparsed; listing thousands of records is
//! dominated by exactly this work.

use std::borrow::Cow;

use serde::Deserialize;

use super::driver::{CorruptRecord, Listing, Record, RecordMeta};
use super::labels::{Labels, custom_labels};
use super::protobuf::{self, ProtoError};
use crate::release::codec::{self, DecodeError, Limits};

/// How a kind stores the record text in `data.release`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataEncoding {
    /// Secret: the API base64-encodes data values (around Helm's base64).
    Base64,
    /// ConfigMap: the record text itself.
    Plain,
}

impl DataEncoding {
    fn record_text<'a>(self, wire: &'a str) -> Result<Cow<'a, [u8]>, DecodeError> {
        use base64::Engine as _;
        match self {
            DataEncoding::Base64 => Ok(Cow::Owned(
                base64::engine::general_purpose::STANDARD.decode(wire)?,
            )),
            DataEncoding::Plain => Ok(Cow::Borrowed(wire.as_bytes())),
        }
    }
}

/// One object.
#[derive(Deserialize)]
pub struct WireObject<'a> {
    metadata: WireMeta,
    #[serde(borrow, default)]
    data: Option<WireData<'a>>,
}

#[derive(Deserialize)]
struct WireData<'a> {
    #[serde(borrow, default)]
    release: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireMeta {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    labels: Option<Labels>,
    #[serde(default, rename = "resourceVersion")]
    resource_version: Option<String>,
}

impl WireMeta {
    fn into_meta(self) -> RecordMeta {
        RecordMeta {
            namespace: self.namespace.unwrap_or_default(),
            key: self.name.unwrap_or_default(),
            labels: self.labels.unwrap_or_default(),
            resource_version: self.resource_version,
        }
    }
}

/// A page of a list.
#[derive(Deserialize)]
struct WireList<'a> {
    #[serde(default)]
    metadata: WireListMeta,
    #[serde(borrow, default)]
    items: Vec<WireObject<'a>>,
}

#[derive(Deserialize, Default)]
struct WireListMeta {
    #[serde(default, rename = "continue")]
    continue_: Option<String>,
    #[serde(default, rename = "resourceVersion")]
    resource_version: Option<String>,
}

/// One page of a metadata-only listing.
pub struct MetaPage {
    /// The records' metadata.
    pub items: Vec<RecordMeta>,
    /// The continue token, if there are more pages.
    pub next: Option<String>,
    /// The list's resource version.
    pub resource_version: Option<String>,
}

/// A page of a metadata-only list (`PartialObjectMetadataList`).
#[derive(Deserialize)]
struct WireMetaList {
    #[serde(default)]
    metadata: WireListMeta,
    #[serde(default)]
    items: Vec<WireMetaItem>,
}

#[derive(Deserialize)]
struct WireMetaItem {
    metadata: WireMeta,
}

/// Parses one page of a metadata-only LIST response; returns the records'
/// metadata and the continue token.
pub fn parse_meta_page(text: &str) -> Result<MetaPage, serde_json::Error> {
    let list: WireMetaList = serde_json::from_str(text)?;
    let items = list
        .items
        .into_iter()
        .map(|i| i.metadata.into_meta())
        .collect();
    Ok(MetaPage {
        items,
        next: list.metadata.continue_.filter(|c| !c.is_empty()),
        resource_version: list.metadata.resource_version.filter(|r| !r.is_empty()),
    })
}

impl WireObject<'_> {
    /// Decodes the record it holds.
    pub fn decode(self, encoding: DataEncoding, limits: Limits) -> Result<Record, CorruptRecord> {
        let meta = self.metadata.into_meta();
        let wire = self.data.and_then(|d| d.release).unwrap_or_default();
        match encoding.record_text(&wire) {
            Ok(text) => decode_record(meta, &text, limits),
            Err(error) => Err(CorruptRecord {
                namespace: meta.namespace,
                key: meta.key,
                error,
            }),
        }
    }
}

/// A response body, as the server chose to encode it.
pub enum Body<'a> {
    /// `application/json`.
    Json(&'a str),
    /// `application/vnd.kubernetes.protobuf`.
    Protobuf(&'a [u8]),
}

/// Why a response could not be read.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Bad JSON.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// Bad protobuf.
    #[error("{0}")]
    Protobuf(#[from] ProtoError),
    /// A JSON body that is not UTF-8.
    #[error("response is not UTF-8")]
    Utf8,
}

impl<'a> Body<'a> {
    /// Classifies a body by its content type.
    pub fn new(content_type: &str, bytes: &'a [u8]) -> Result<Body<'a>, WireError> {
        if content_type.starts_with(protobuf::MEDIA_TYPE) {
            Ok(Body::Protobuf(bytes))
        } else {
            std::str::from_utf8(bytes)
                .map(Body::Json)
                .map_err(|_| WireError::Utf8)
        }
    }
}

/// Decompressed size up to which a record is simply decoded.
const FIRST_TRY: u64 = 1 << 20;

/// Decodes a record from its text, attributing failures to the object.
///
/// Bounded in memory by `limits`, and more: a record that decompresses to
/// more than [`FIRST_TRY`] bytes has its decompressed size measured first
/// (decompressing into nothing), so one over the limit (a gzip bomb) is
/// refused without ever holding its decompressed bytes. Only records that
/// big pay for the second decompression.
fn decode_record(meta: RecordMeta, text: &[u8], limits: Limits) -> Result<Record, CorruptRecord> {
    let corrupt = |meta: RecordMeta, error| CorruptRecord {
        namespace: meta.namespace,
        key: meta.key,
        error,
    };
    let first = Limits {
        max_decompressed: limits.max_decompressed.min(FIRST_TRY),
    };
    let decoded = match codec::decode_with(text, first) {
        Err(DecodeError::TooLarge { .. }) if first.max_decompressed < limits.max_decompressed => {
            if decompresses_beyond(text, limits.max_decompressed) {
                return Err(corrupt(
                    meta,
                    DecodeError::TooLarge {
                        limit: limits.max_decompressed,
                    },
                ));
            }
            codec::decode_with(text, limits)
        }
        other => other,
    };
    match decoded {
        Ok(mut release) => {
            release.labels = custom_labels(&meta.labels);
            Ok(Record { meta, release })
        }
        Err(error) => Err(corrupt(meta, error)),
    }
}

/// Parses and decodes one object from a GET response in either encoding.
/// In protobuf, Secret data are raw bytes, so no base64 layer is left.
pub fn decode_body(
    body: Body<'_>,
    encoding: DataEncoding,
    limits: Limits,
) -> Result<Result<Record, CorruptRecord>, WireError> {
    match body {
        Body::Json(text) => Ok(decode_object(text, encoding, limits)?),
        Body::Protobuf(bytes) => {
            let (meta, release) = protobuf::record_object(protobuf::unwrap(bytes)?)?;
            Ok(decode_record(meta, release.unwrap_or_default(), limits))
        }
    }
}

/// True if the record text (Helm's base64 of gzip) is gzip that
/// decompresses to more than `limit` bytes. Anything it cannot read is left
/// to the codec to report.
fn decompresses_beyond(text: &[u8], limit: u64) -> bool {
    use base64::Engine as _;
    use std::io::Read as _;
    // Go's decoder: line breaks skipped, trailing bits tolerated.
    const STD: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    );
    let cleaned: Vec<u8> = text
        .iter()
        .copied()
        .filter(|&b| b != b'\n' && b != b'\r')
        .collect();
    let Ok(bytes) = STD.decode(cleaned) else {
        return false;
    };
    if !bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        return false;
    }
    let mut gz = flate2::read::MultiGzDecoder::new(&bytes[..]).take(limit.saturating_add(1));
    match std::io::copy(&mut gz, &mut std::io::sink()) {
        Ok(n) => n > limit,
        Err(_) => false,
    }
}

/// Parses and decodes one page of a LIST response in either encoding.
pub fn decode_list_body(
    body: Body<'_>,
    encoding: DataEncoding,
    limits: Limits,
) -> Result<(Listing<Record>, Option<String>), WireError> {
    match body {
        Body::Json(text) => Ok(decode_page(text, encoding, limits)?),
        Body::Protobuf(bytes) => {
            let list = protobuf::list(protobuf::unwrap(bytes)?)?;
            let next = list.next;
            let mut out = Listing::default();
            for item in list.items {
                let (meta, release) = protobuf::record_object(item)?;
                match decode_record(meta, release.unwrap_or_default(), limits) {
                    Ok(r) => out.items.push(r),
                    Err(c) => out.corrupt.push(c),
                }
            }
            Ok((out, next))
        }
    }
}

/// Parses one page of a metadata-only LIST response in either encoding.
pub fn meta_list_body(body: Body<'_>) -> Result<MetaPage, WireError> {
    match body {
        Body::Json(text) => Ok(parse_meta_page(text)?),
        Body::Protobuf(bytes) => {
            let list = protobuf::list(protobuf::unwrap(bytes)?)?;
            let items = list
                .items
                .into_iter()
                .map(protobuf::partial_object_meta)
                .collect::<Result<_, _>>()?;
            Ok(MetaPage {
                items,
                next: list.next,
                resource_version: list.resource_version,
            })
        }
    }
}

/// Parses and decodes one object from a GET response.
pub fn decode_object(
    text: &str,
    encoding: DataEncoding,
    limits: Limits,
) -> Result<Result<Record, CorruptRecord>, serde_json::Error> {
    let obj: WireObject<'_> = serde_json::from_str(text)?;
    Ok(obj.decode(encoding, limits))
}

/// Parses and decodes one page of a LIST response; returns the records and
/// the continue token.
pub fn decode_page(
    text: &str,
    encoding: DataEncoding,
    limits: Limits,
) -> Result<(Listing<Record>, Option<String>), serde_json::Error> {
    let list: WireList<'_> = serde_json::from_str(text)?;
    let mut out = Listing::default();
    for obj in list.items {
        match obj.decode(encoding, limits) {
            Ok(r) => out.items.push(r),
            Err(c) => out.corrupt.push(c),
        }
    }
    Ok((out, list.metadata.continue_.filter(|c| !c.is_empty())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Release;

    #[test]
    fn decodes_secrets_and_configmaps_as_the_api_sends_them() {
        let rel: Release =
            serde_json::from_str(r#"{"name":"web","version":2,"info":{"status":"deployed"}}"#)
                .expect("release");
        let text = codec::encode(&rel).expect("encode");
        use base64::Engine as _;
        let wire = base64::engine::general_purpose::STANDARD.encode(&text);
        let secret = format!(
            r#"{{"kind":"Secret","metadata":{{"name":"sh.helm.release.v1.web.v2","namespace":"ns","resourceVersion":"7","labels":{{"owner":"helm","team":"a"}},"managedFields":[{{"x":1}}]}},"data":{{"release":"{wire}"}},"type":"helm.sh/release.v1"}}"#
        );
        let r = decode_object(&secret, DataEncoding::Base64, Limits::default())
            .expect("json")
            .expect("record");
        assert_eq!(
            (r.release.version, r.meta.key.as_str()),
            (2, "sh.helm.release.v1.web.v2")
        );
        assert_eq!(r.meta.resource_version.as_deref(), Some("7"));
        assert_eq!(r.release.labels.len(), 1, "custom labels only");

        let list = format!(
            r#"{{"metadata":{{"continue":"abc"}},"items":[{{"metadata":{{"name":"a","namespace":"ns"}},"data":{{"release":"{text}"}}}},{{"metadata":{{"name":"b","namespace":"ns"}}}}]}}"#
        );
        let (page, next) =
            decode_page(&list, DataEncoding::Plain, Limits::default()).expect("json");
        assert_eq!(
            (page.items.len(), page.corrupt.len()),
            (1, 1),
            "an object without data is unreadable"
        );
        assert_eq!(next.as_deref(), Some("abc"));
    }
}
