//! Helm's record encoding: JSON, gzip (best compression), standard base64.
//!
//! Decoding follows Helm's `decodeRelease`: base64, then gunzip if the
//! bytes start with the gzip magic (very old records are plain JSON), then
//! JSON. It is bounded: a record that decompresses to more than
//! [`Limits::max_decompressed`] bytes is an error for that record, never an
//! out-of-memory for the process.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::{GeneralPurpose, GeneralPurposeConfig};
use flate2::Compression;
use flate2::read::MultiGzDecoder;
use serde::Serialize;

use super::Release;

/// Go's `base64.StdEncoding` decoder tolerates non-zero trailing bits.
const STD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// Bounds on decoding.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most bytes a record may decompress to. Real records are at most
    /// about 768 KiB of gzip, which stays far below the default.
    pub max_decompressed: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_decompressed: 64 << 20,
        }
    }
}

/// Why a record could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The data is not valid base64.
    #[error("invalid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The data claims to be gzip but is not valid gzip.
    #[error("invalid gzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// The record decompresses to more than the limit (a gzip bomb, or a
    /// record no Helm could have written).
    #[error("decompressed record exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded.
        limit: u64,
    },
    /// The JSON does not describe a release.
    #[error("invalid release JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Why a record could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// JSON serialisation failed.
    #[error("serialising release: {0}")]
    Json(#[from] serde_json::Error),
    /// Compression failed.
    #[error("compressing release: {0}")]
    Gzip(#[from] std::io::Error),
}

/// Decodes a stored record (the base64 text) with the default limits.
pub fn decode(text: &[u8]) -> Result<Release, DecodeError> {
    decode_with(text, Limits::default())
}

/// Decodes a stored record (the base64 text).
pub fn decode_with(text: &[u8], limits: Limits) -> Result<Release, DecodeError> {
    let json = decode_to_json(text, limits)?;
    Ok(serde_json::from_slice(&json)?)
}

/// Undoes base64 and gzip, returning the JSON bytes.
pub fn decode_to_json(text: &[u8], limits: Limits) -> Result<Vec<u8>, DecodeError> {
    // Go's decoder skips line breaks anywhere in the input.
    let bytes = if memchr::memchr2(b'\n', b'\r', text).is_some() {
        let cleaned: Vec<u8> = text
            .iter()
            .copied()
            .filter(|&b| b != b'\n' && b != b'\r')
            .collect();
        STD.decode(cleaned)?
    } else {
        STD.decode(text)?
    };
    if bytes.len() > 3 && bytes[..3] == GZIP_MAGIC {
        let mut out = Vec::with_capacity(bytes.len() * 4);
        MultiGzDecoder::new(&bytes[..])
            .take(limits.max_decompressed + 1)
            .read_to_end(&mut out)
            .map_err(DecodeError::Gzip)?;
        if out.len() as u64 > limits.max_decompressed {
            return Err(DecodeError::TooLarge {
                limit: limits.max_decompressed,
            });
        }
        Ok(out)
    } else {
        if bytes.len() as u64 > limits.max_decompressed {
            return Err(DecodeError::TooLarge {
                limit: limits.max_decompressed,
            });
        }
        Ok(bytes)
    }
}

/// Encodes a release the way Helm does: JSON (with Go's HTML-safe string
/// escaping, so records match Helm's byte for byte before compression),
/// gzip at best compression, standard base64.
pub fn encode(rel: &Release) -> Result<String, EncodeError> {
    let json = to_go_json(rel)?;
    let mut gz =
        flate2::GzBuilder::new().write(Vec::with_capacity(json.len() / 3), Compression::best());
    gz.write_all(&json)?;
    let compressed = gz.finish()?;
    Ok(STD.encode(compressed))
}

/// Serialises with Go `encoding/json` string escaping (the shared
/// escaper of [`crate::gojson::escape`]).
pub fn to_go_json<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, serde_json::Error> {
    crate::gojson::to_go_json(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::release::Status;

    fn sample() -> Release {
        serde_json::from_str(
            r#"{"name":"web","info":{"status":"deployed","notes":"<b> & \u2028 \b"},"config":{"n":12345678901234567890123},"version":3,"namespace":"ns"}"#,
        )
        .expect("sample")
    }

    #[test]
    fn round_trips_and_starts_like_helm() {
        let text = encode(&sample()).expect("encode");
        // gzip magic, deflate, no name, mtime 0, best compression, unknown OS.
        assert!(text.starts_with("H4sIAAAAAAAC/"), "{text}");
        let back = decode(text.as_bytes()).expect("decode");
        assert_eq!(back.info.status, Status::Deployed);
        assert_eq!(
            back.config.as_ref().map(|c| c.get()),
            Some(r#"{"n":12345678901234567890123}"#)
        );
        let json = decode_to_json(text.as_bytes(), Limits::default()).expect("json");
        let json = String::from_utf8(json).expect("utf-8");
        assert!(
            json.contains(r#""notes":"\u003cb\u003e \u0026 \u2028 \b""#),
            "{json}"
        );
    }

    #[test]
    fn reads_uncompressed_records_and_line_broken_base64() {
        let plain = STD.encode(br#"{"name":"old","version":1}"#);
        assert_eq!(decode(plain.as_bytes()).expect("plain").name, "old");
        let text = encode(&sample()).expect("encode");
        let wrapped: String = text
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned() + "\r\n")
            .collect();
        assert_eq!(decode(wrapped.as_bytes()).expect("wrapped").name, "web");
    }

    #[test]
    fn a_gzip_bomb_is_a_bounded_error() {
        let mut gz = flate2::GzBuilder::new().write(Vec::new(), Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..8 {
            gz.write_all(&zeros).expect("write");
        }
        let text = STD.encode(gz.finish().expect("finish"));
        let err = decode_with(
            text.as_bytes(),
            Limits {
                max_decompressed: 1 << 20,
            },
        )
        .expect_err("bomb");
        assert!(
            matches!(err, DecodeError::TooLarge { limit } if limit == 1 << 20),
            "{err}"
        );
    }

    #[test]
    fn corrupt_records_say_what_is_wrong() {
        assert!(matches!(
            decode(b"not base64!"),
            Err(DecodeError::Base64(_))
        ));
        let bad_gzip = STD.encode([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4]);
        assert!(matches!(
            decode(bad_gzip.as_bytes()),
            Err(DecodeError::Gzip(_))
        ));
        let bad_json = STD.encode(b"{\"name\":");
        assert!(matches!(
            decode(bad_json.as_bytes()),
            Err(DecodeError::Json(_))
        ));
    }
}
