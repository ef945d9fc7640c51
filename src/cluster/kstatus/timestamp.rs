//! Parsing `metadata.creationTimestamp` / `deletionTimestamp` as
//! `metav1.Time.UnmarshalQueryParameter` does, which matters for the one
//! time-dependent rule (a pod unschedulable for [`super::SCHEDULE_WINDOW`]).

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Parses an RFC 3339 timestamp with the rules of Go's RFC 3339 fast path:
/// `YYYY-MM-DDTHH:MM:SS`, an optional `.` fraction (digits past the ninth are
/// dropped), then `Z` or `±HH:MM`.
///
/// `None` stands for Go's zero time, which an empty, `null` or unparsable
/// string yields. Go falls back to its general layout parser when the fast
/// path fails, which also accepts a few non-canonical spellings (a one-digit
/// hour, a `,` before the fraction); those are not replicated, because the
/// API server always writes these fields canonically.
pub(crate) fn parse_go_rfc3339(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let separators =
        b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[13] == b':' && b[16] == b':';
    if !separators {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }

    let mut rest = &b[19..];
    let mut nanos: i64 = 0;
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        let kept = &rest[1..1 + digits.min(9)];
        nanos = kept
            .iter()
            .fold(0, |acc, &c| acc * 10 + i64::from(c - b'0'));
        nanos *= 10i64.pow(9 - u32::try_from(kept.len()).ok()?);
        rest = &rest[1 + digits..];
    }

    let offset_seconds = if rest == b"Z" {
        0
    } else {
        if rest.len() != 6 || rest[3] != b':' || !(rest[0] == b'+' || rest[0] == b'-') {
            return None;
        }
        let hours = rest[1..3].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })?;
        let minutes = rest[4..6].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        let offset = (hours * 60 + minutes) * 60;
        if rest[0] == b'-' { -offset } else { offset }
    };

    let civil = DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    let utc = civil.to_zoned(TimeZone::UTC).ok()?.timestamp();
    utc.checked_sub(SignedDuration::from_secs(offset_seconds))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::parse_go_rfc3339;

    #[test]
    fn canonical_and_offsets() {
        let base = parse_go_rfc3339("2024-02-29T12:00:00Z").expect("leap day");
        assert_eq!(base.to_string(), "2024-02-29T12:00:00Z");
        let east = parse_go_rfc3339("2024-02-29T13:30:00+01:30").expect("offset");
        assert_eq!(east, base);
        let frac = parse_go_rfc3339("2024-02-29T12:00:00.1234567891234-00:00").expect("fraction");
        assert_eq!(frac.subsec_nanosecond(), 123_456_789);
        assert_eq!(
            parse_go_rfc3339("0000-01-01T00:00:00Z").map(|t| t.to_string()),
            Some("0000-01-01T00:00:00Z".to_string())
        );
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "null",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01t00:00:00Z",
            "2024-01-01T00:00:00z",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00+0100",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00Zjunk",
        ] {
            assert_eq!(parse_go_rfc3339(bad), None, "{bad:?}");
        }
    }
}
