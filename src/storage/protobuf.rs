//! Reading the Kubernetes protobuf encoding of Secrets, ConfigMaps, their
//! lists, metadata-only lists and error Statuses: just the fields release
//! records need.
//!
//! Why: in JSON the API server base64-encodes a Secret's data, so every
//! record crosses the wire base64'd twice and must be unwrapped twice; in
//! protobuf the data are raw bytes. The server also encodes protobuf with
//! far less work. Listing hundreds of releases is dominated by exactly
//! this. The encoding (`k8s.io/apimachinery/pkg/runtime/serializer/
//! protobuf`) is a 4-byte magic `k8s\0` followed by a `runtime.Unknown`
//! message whose `raw` field holds the object; field numbers are those of
//! the upstream `generated.proto` files.

use super::driver::RecordMeta;
use super::labels::Labels;

/// The magic prefix of every protobuf-encoded API response.
const MAGIC: &[u8; 4] = b"k8s\0";

/// The media type of the protobuf encoding.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// A malformed message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed protobuf response: {0}")]
pub struct ProtoError(&'static str);

type Result<T> = std::result::Result<T, ProtoError>;

/// A cursor over one message's fields.
struct Fields<'a> {
    buf: &'a [u8],
}

/// One field's value.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

impl<'a> Fields<'a> {
    fn new(buf: &'a [u8]) -> Fields<'a> {
        Fields { buf }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self
                .buf
                .split_first()
                .ok_or(ProtoError("truncated varint"))?;
            self.buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ProtoError("varint too long"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(ProtoError("truncated field"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field number and value, or `None` at the end.
    fn next_field(&mut self) -> Result<Option<(u64, Value<'a>)>> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Value::Fixed
            }
            2 => {
                let len =
                    usize::try_from(self.varint()?).map_err(|_| ProtoError("length overflow"))?;
                Value::Bytes(self.take(len)?)
            }
            5 => {
                self.take(4)?;
                Value::Fixed
            }
            _ => return Err(ProtoError("unsupported wire type")),
        };
        Ok(Some((key >> 3, value)))
    }
}

fn string(b: &[u8]) -> Result<String> {
    std::str::from_utf8(b)
        .map(str::to_string)
        .map_err(|_| ProtoError("string is not UTF-8"))
}

/// A `map<string, _>` entry: (key, value bytes).
fn map_entry(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut key: &[u8] = &[];
    let mut value: &[u8] = &[];
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        match (n, v) {
            (1, Value::Bytes(k)) => key = k,
            (2, Value::Bytes(v)) => value = v,
            _ => {}
        }
    }
    Ok((key, value))
}

/// The object inside the `k8s\0` + `runtime.Unknown` envelope.
pub fn unwrap(body: &[u8]) -> Result<&[u8]> {
    let inner = body
        .strip_prefix(MAGIC)
        .ok_or(ProtoError("missing k8s magic"))?;
    let mut f = Fields::new(inner);
    let mut raw: &[u8] = &[];
    while let Some((n, v)) = f.next_field()? {
        if let (2, Value::Bytes(b)) = (n, v) {
            raw = b;
        }
    }
    Ok(raw)
}

/// `ObjectMeta`: name (1), namespace (3), resourceVersion (6), labels (11).
fn object_meta(b: &[u8]) -> Result<RecordMeta> {
    let mut meta = RecordMeta {
        namespace: String::new(),
        key: String::new(),
        labels: Labels::new(),
        resource_version: None,
    };
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        match (n, v) {
            (1, Value::Bytes(s)) => meta.key = string(s)?,
            (3, Value::Bytes(s)) => meta.namespace = string(s)?,
            (6, Value::Bytes(s)) => meta.resource_version = Some(string(s)?),
            (11, Value::Bytes(e)) => {
                let (k, v) = map_entry(e)?;
                meta.labels.insert(string(k)?, string(v)?);
            }
            _ => {}
        }
    }
    Ok(meta)
}

/// A Secret (`data`, field 2, `map<string, bytes>`) or ConfigMap (`data`,
/// field 2, `map<string, string>`): its metadata and the `release` entry.
/// Both kinds put metadata in field 1 and the data map in field 2.
pub fn record_object(b: &[u8]) -> Result<(RecordMeta, Option<&[u8]>)> {
    let mut meta = None;
    let mut release = None;
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        match (n, v) {
            (1, Value::Bytes(m)) => meta = Some(object_meta(m)?),
            (2, Value::Bytes(e)) => {
                let (k, v) = map_entry(e)?;
                if k == b"release" {
                    release = Some(v);
                }
            }
            _ => {}
        }
    }
    Ok((meta.ok_or(ProtoError("object without metadata"))?, release))
}

/// A list (`metadata` 1 with `resourceVersion` 2 and `continue` 3, `items`
/// 2).
pub struct List<'a> {
    /// The raw items.
    pub items: Vec<&'a [u8]>,
    /// The continue token, if there are more pages.
    pub next: Option<String>,
    /// The list's resource version.
    pub resource_version: Option<String>,
}

/// Reads a list.
pub fn list(b: &[u8]) -> Result<List<'_>> {
    let mut items = Vec::new();
    let mut next = None;
    let mut resource_version = None;
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        match (n, v) {
            (1, Value::Bytes(m)) => {
                let mut lm = Fields::new(m);
                while let Some((n, v)) = lm.next_field()? {
                    match (n, v) {
                        (2, Value::Bytes(rv)) => {
                            resource_version = Some(string(rv)?).filter(|r| !r.is_empty())
                        }
                        (3, Value::Bytes(c)) => next = Some(string(c)?).filter(|c| !c.is_empty()),
                        _ => {}
                    }
                }
            }
            (2, Value::Bytes(item)) => items.push(item),
            _ => {}
        }
    }
    Ok(List {
        items,
        next,
        resource_version,
    })
}

/// A `PartialObjectMetadata` item: its `ObjectMeta` (field 1).
pub fn partial_object_meta(b: &[u8]) -> Result<RecordMeta> {
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        if let (1, Value::Bytes(m)) = (n, v) {
            return object_meta(m);
        }
    }
    Err(ProtoError("item without metadata"))
}

/// An error `Status`: message (3), reason (4), code (6).
pub fn status(b: &[u8]) -> Result<(String, String, u16)> {
    let (mut message, mut reason, mut code) = (String::new(), String::new(), 0u16);
    let mut f = Fields::new(b);
    while let Some((n, v)) = f.next_field()? {
        match (n, v) {
            (3, Value::Bytes(s)) => message = string(s)?,
            (4, Value::Bytes(s)) => reason = string(s)?,
            (6, Value::Varint(c)) => code = u16::try_from(c).unwrap_or(0),
            _ => {}
        }
    }
    Ok((message, reason, code))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal protobuf writer, for building test messages.
    #[derive(Default)]
    struct W(Vec<u8>);

    impl W {
        fn varint(&mut self, mut v: u64) -> &mut Self {
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    self.0.push(b);
                    return self;
                }
                self.0.push(b | 0x80);
            }
        }
        fn bytes(&mut self, field: u64, b: &[u8]) -> &mut Self {
            self.varint(field << 3 | 2).varint(b.len() as u64);
            self.0.extend_from_slice(b);
            self
        }
        fn int(&mut self, field: u64, v: u64) -> &mut Self {
            self.varint(field << 3).varint(v)
        }
        fn entry(&mut self, field: u64, k: &[u8], v: &[u8]) -> &mut Self {
            let mut e = W::default();
            e.bytes(1, k).bytes(2, v);
            self.bytes(field, &e.0)
        }
    }

    fn meta(name: &str) -> Vec<u8> {
        let mut m = W::default();
        m.bytes(1, name.as_bytes())
            .bytes(2, b"generate-")
            .bytes(3, b"ns")
            .bytes(6, b"42")
            .int(7, 3)
            .entry(11, b"owner", b"helm")
            .entry(11, b"name", b"web")
            .entry(12, b"annotation", b"ignored");
        m.0
    }

    fn envelope(raw: &[u8]) -> Vec<u8> {
        let mut u = W::default();
        u.bytes(1, b"typemeta")
            .bytes(2, raw)
            .bytes(4, b"application/vnd.kubernetes.protobuf");
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&u.0);
        body
    }

    #[test]
    fn reads_a_secret_with_binary_data() {
        let mut s = W::default();
        s.bytes(1, &meta("sh.helm.release.v1.web.v1"))
            .entry(2, b"other", &[0, 1, 2])
            .entry(2, b"release", &[0xff, 0x00, b'x'])
            .bytes(3, b"helm.sh/release.v1");
        let body = envelope(&s.0);
        let (m, release) = record_object(unwrap(&body).expect("unwrap")).expect("secret");
        assert_eq!(m.key, "sh.helm.release.v1.web.v1");
        assert_eq!(m.namespace, "ns");
        assert_eq!(m.resource_version.as_deref(), Some("42"));
        assert_eq!(m.labels.get("owner").map(String::as_str), Some("helm"));
        assert_eq!(m.labels.len(), 2);
        assert_eq!(release, Some(&[0xff, 0x00, b'x'][..]));
    }

    #[test]
    fn reads_lists_metadata_lists_and_statuses() {
        let mut item = W::default();
        item.bytes(1, &meta("a"));
        let mut lm = W::default();
        lm.bytes(2, b"100").bytes(3, b"next-page");
        let mut l = W::default();
        l.bytes(1, &lm.0).bytes(2, &item.0).bytes(2, &item.0);
        let l = list(&l.0).expect("list");
        assert_eq!(l.items.len(), 2);
        assert_eq!(l.next.as_deref(), Some("next-page"));
        assert_eq!(l.resource_version.as_deref(), Some("100"));
        assert_eq!(partial_object_meta(l.items[0]).expect("meta").key, "a");

        let mut st = W::default();
        st.bytes(2, b"Failure")
            .bytes(3, b"secrets \"x\" not found")
            .bytes(4, b"NotFound")
            .int(6, 404);
        assert_eq!(
            status(&st.0).expect("status"),
            (
                "secrets \"x\" not found".to_string(),
                "NotFound".to_string(),
                404
            )
        );
    }

    #[test]
    fn rejects_truncated_or_foreign_bodies() {
        assert!(unwrap(b"{\"kind\":\"Secret\"}").is_err());
        let mut s = W::default();
        s.bytes(1, &meta("a"));
        let mut cut = s.0.clone();
        cut.truncate(cut.len() - 3);
        assert!(record_object(&cut).is_err());
        assert!(
            record_object(&[0x0b]).is_err(),
            "wire type 3 (groups) is not used by Kubernetes"
        );
    }
}
