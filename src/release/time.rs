//! Timestamps in records: Go's `time.Time` JSON form (RFC 3339 with up to
//! nine fractional digits, in the writer's local offset). Helm v3 writes a
//! zero time as `""`, v4 leaves the field out; both read `""`, `null` and
//! absence as zero, which rudder models as `None`. The record model keeps
//! the spelling a zero time was read with and writes it back unchanged, so
//! a rewritten record differs from the one read only where rudder changed
//! it; zero times of objects rudder creates are left out, as v4 does.
//!
//! The time type itself, with Go's parsing and formatting rules, is
//! [`crate::gojson::time::GoTime`]: one definition for records and output.

pub use crate::gojson::time::GoTime;
use crate::gojson::time::rfc3339_nano;

/// Go's zero time (0001-01-01T00:00:00Z) as Unix seconds.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

/// True for Go's zero time, which Helm treats as "not set".
pub fn is_go_zero(t: &GoTime) -> bool {
    t.timestamp().as_second() == GO_ZERO_UNIX && t.timestamp().subsec_nanosecond() == 0
}

/// The text `Time.MarshalJSON` writes (without the quotes).
pub fn to_json_text(t: &GoTime) -> String {
    rfc3339_nano(t)
}

/// Reads a raw JSON member as an optional time: `null`, `""` and Go's zero
/// time are `None`.
pub(crate) fn from_raw(raw: &serde_json::value::RawValue) -> Result<Option<GoTime>, String> {
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    let s: String = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if s.is_empty() {
        return Ok(None);
    }
    let t = GoTime::parse_rfc3339(&s).ok_or_else(|| format!("invalid RFC 3339 timestamp {s:?}"))?;
    Ok(if is_go_zero(&t) { None } else { Some(t) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<serde_json::value::RawValue> {
        serde_json::value::RawValue::from_string(text.into()).expect("raw")
    }

    #[test]
    fn zero_in_every_spelling_is_unset() {
        for text in ["null", "\"\"", "\"0001-01-01T00:00:00Z\""] {
            assert_eq!(from_raw(&raw(text)), Ok(None), "{text}");
        }
    }

    #[test]
    fn times_round_trip_through_records() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.123456789+02:00",
            "2024-05-01T10:00:00.1-07:30",
        ] {
            let t = from_raw(&raw(&format!("\"{s}\"")))
                .expect("parse")
                .expect("set");
            assert_eq!(to_json_text(&t), s);
        }
        assert!(from_raw(&raw("\"yesterday\"")).is_err());
        assert!(from_raw(&raw("3")).is_err());
    }
}
