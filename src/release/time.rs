//! Timestamps as Helm stores them: Go's `time.Time` JSON form (RFC 3339
//! with up to nine fractional digits, in the offset of the writer's local
//! zone), where Helm v3 writes a zero time as `""` and v4 leaves it out.

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::Offset;

/// A point in time together with the UTC offset it was written in.
///
/// Helm prints times in the offset stored in the record, not in the
/// reader's zone, so the offset is part of the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoTime {
    ts: Timestamp,
    offset: Offset,
    zulu: bool,
}

/// Why a timestamp string was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid RFC 3339 timestamp {0:?}")]
pub struct TimeError(pub String);

impl GoTime {
    /// The current time in the local zone's offset, as Go's `time.Now()`.
    pub fn now() -> GoTime {
        let z = jiff::Zoned::now();
        GoTime {
            ts: z.timestamp(),
            offset: z.offset(),
            zulu: false,
        }
    }

    /// A time at `ts` written with `offset`.
    pub fn from_parts(ts: Timestamp, offset: Offset) -> GoTime {
        GoTime {
            ts,
            offset,
            zulu: false,
        }
    }

    /// The instant.
    pub fn timestamp(&self) -> Timestamp {
        self.ts
    }

    /// The offset the time was written in.
    pub fn offset(&self) -> Offset {
        self.offset
    }

    /// True if the text said `Z` (Go then uses its UTC location, which
    /// matters for the zone name `Time.String()` prints).
    pub fn is_zulu(&self) -> bool {
        self.zulu
    }

    /// Seconds since the Unix epoch (Go's `Unix()`).
    pub fn unix_seconds(&self) -> i64 {
        self.ts.as_second()
    }

    /// True for Go's zero time, 0001-01-01T00:00:00Z, which Helm treats as
    /// "not set".
    pub fn is_go_zero(&self) -> bool {
        self.ts.as_second() == GO_ZERO_UNIX && self.ts.subsec_nanosecond() == 0
    }

    /// Parses what Go's `Time.UnmarshalJSON` accepts: RFC 3339 with an
    /// optional fraction of up to nine digits and `Z` or `±hh:mm`.
    pub fn parse(s: &str) -> Result<GoTime, TimeError> {
        parse_rfc3339(s).ok_or_else(|| TimeError(s.to_string()))
    }

    /// Go's `RFC3339Nano` layout, as `Time.MarshalJSON` writes it: the
    /// fraction without trailing zeros, `Z` for a zero offset.
    pub fn to_rfc3339_nano(&self) -> String {
        let civil = self.offset.to_datetime(self.ts);
        let mut out = String::with_capacity(35);
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            civil.year(),
            civil.month(),
            civil.day(),
            civil.hour(),
            civil.minute(),
            civil.second()
        );
        let nanos = civil.subsec_nanosecond();
        if nanos != 0 {
            let frac = format!("{nanos:09}");
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        push_offset(&mut out, self.offset);
        out
    }
}

/// Go's zero time (year 1) as Unix seconds.
const GO_ZERO_UNIX: i64 = -62_135_596_800;

fn push_offset(out: &mut String, offset: Offset) {
    let secs = offset.seconds();
    if secs == 0 {
        out.push('Z');
        return;
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, (abs / 60) % 60);
}

fn parse_rfc3339(s: &str) -> Option<GoTime> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b't' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos: i64 = 0;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        let digits = end - start;
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = num(start..end)? * 10_i64.pow(9 - digits as u32);
        i = end;
    }
    let (offset_secs, zulu) = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => (0, true),
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let h = num(i + 1..i + 3)?;
            let m = num(i + 4..i + 6)?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            (if *sign == b'-' { -secs } else { secs }, false)
        }
        _ => return None,
    };
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    // Go accepts a leap second of 60 only by normalising it; RFC 3339 from
    // Helm never has one, so reject rather than guess.
    let time = jiff::civil::Time::new(
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let offset = Offset::from_seconds(i32::try_from(offset_secs).ok()?).ok()?;
    let ts = offset.to_timestamp(date.to_datetime(time)).ok()?;
    Some(GoTime { ts, offset, zulu })
}

/// Serde helpers for optional timestamps in records: `null`, `""` and
/// absence all mean zero (v3 writes `""`, v4 omits), and zero is written by
/// leaving the field out, as Helm v4 does.
pub(crate) mod opt_time {
    use super::GoTime;

    /// Reads a raw JSON value as an optional time.
    pub fn from_raw(raw: &serde_json::value::RawValue) -> Result<Option<GoTime>, String> {
        let text = raw.get();
        if text == "null" {
            return Ok(None);
        }
        let s: String = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if s.is_empty() {
            return Ok(None);
        }
        let t = GoTime::parse(&s).map_err(|e| e.to_string())?;
        Ok(if t.is_go_zero() { None } else { Some(t) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_like_go() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.123456789+02:00",
            "2024-05-01T10:00:00.1-07:30",
            "2026-11-21T05:44:00.5Z",
        ] {
            assert_eq!(
                GoTime::parse(s).map(|t| t.to_rfc3339_nano()),
                Ok(s.to_string())
            );
        }
        // Trailing zeros are trimmed, as Go's RFC3339Nano does.
        let t = GoTime::parse("2024-05-01T10:00:00.120000000Z").expect("parse");
        assert_eq!(t.to_rfc3339_nano(), "2024-05-01T10:00:00.12Z");
        // A zero offset written numerically still prints as Z.
        let t = GoTime::parse("2024-05-01T10:00:00+00:00").expect("parse");
        assert_eq!(t.to_rfc3339_nano(), "2024-05-01T10:00:00Z");
        assert!(!t.is_zulu());
        assert_eq!(t.unix_seconds(), 1_714_557_600);
    }

    #[test]
    fn rejects_what_go_rejects() {
        for s in [
            "",
            "2024-05-01",
            "2024-05-01 10:00:00Z",
            "2024-05-01T10:00:00",
            "2024-13-01T10:00:00Z",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00.1234567890Z",
            "2024-05-01T10:00:00+0200",
        ] {
            assert!(GoTime::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn go_zero_time_counts_as_unset() {
        let raw = serde_json::value::RawValue::from_string("\"0001-01-01T00:00:00Z\"".into())
            .expect("raw");
        assert_eq!(opt_time::from_raw(&raw), Ok(None));
        for text in ["null", "\"\""] {
            let raw = serde_json::value::RawValue::from_string(text.into()).expect("raw");
            assert_eq!(opt_time::from_raw(&raw), Ok(None));
        }
    }
}
