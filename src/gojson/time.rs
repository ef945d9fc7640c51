//! Go's `time.Time` as release records hold it: parsed as
//! `Time.UnmarshalJSON` parses it and written as `Time.MarshalJSON` writes
//! it, with Go's idea of the local zone. (Go's layout formatting, for
//! output, builds on this in `crate::output::time`.)
//!
//! helm stores times as Go's `Time.MarshalJSON` writes them (RFC 3339 with
//! nanoseconds, in the writer's local offset) and reads them back with
//! `Time.UnmarshalJSON`, which keeps the offset. Printing then happens in
//! that stored offset, never converted to the reader's zone. What the
//! reader's zone does decide is the zone *name* Go prints for `MST`
//! (`helm list`'s `Time.String()`, `--time-format` layouts):
//!
//! - a time written with `Z` is in Go's UTC location: `+0000 UTC`;
//! - a time written with a numeric offset (`+00:00` included) that equals
//!   the offset of the reader's local zone at that instant is put in the
//!   local zone and gets its abbreviation: `+0200 CEST`, or `+0000 UTC`
//!   when the local zone is UTC;
//! - any other numeric offset gets a nameless fixed zone, which prints the
//!   offset again: `+0200 +0200`, `+0000 +0000`.
//!
//! The local zone is Go's `time.Local`: see [`go_local_zone`].

use std::sync::OnceLock;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

/// How the UTC offset was spelled in the RFC 3339 text a time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetNotation {
    /// `Z`: the time is in Go's UTC location and always prints as `UTC`.
    Z,
    /// `±hh:mm`, even `+00:00`: the zone name depends on the local zone.
    Numeric,
}

/// A Go `time.Time` as `Time.UnmarshalJSON` produces it from a release
/// record: an instant, the offset it was written with, and how that offset
/// was spelled.
///
/// Times are limited to what [`jiff::Timestamp`] holds, which ends on
/// 9999-12-30T22:00Z; Go accepts the last hours of 9999 as well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GoTime {
    timestamp: Timestamp,
    offset: Offset,
    notation: OffsetNotation,
}

impl GoTime {
    /// A time written with `Z` (Go's UTC location).
    pub fn utc(timestamp: Timestamp) -> GoTime {
        GoTime {
            timestamp,
            offset: Offset::UTC,
            notation: OffsetNotation::Z,
        }
    }

    /// A time written with a numeric offset.
    pub fn with_offset(timestamp: Timestamp, offset: Offset) -> GoTime {
        GoTime {
            timestamp,
            offset,
            notation: OffsetNotation::Numeric,
        }
    }

    /// The current time in Go's local zone, as Go's `time.Now()` would be
    /// written (`Z` when the offset is zero).
    pub fn now() -> GoTime {
        let ts = Timestamp::now();
        let offset = go_local_zone().to_offset(ts);
        if offset == Offset::UTC {
            GoTime::utc(ts)
        } else {
            GoTime::with_offset(ts, offset)
        }
    }

    /// Parses what Go's `Time.UnmarshalJSON` accepts (the text between the
    /// JSON quotes): RFC 3339, `YYYY-MM-DDTHH:MM:SS`, an optional fraction
    /// of any length (digits past the ninth are ignored, not rounded), and
    /// `Z` or `±hh:mm`. Like Go it also takes a few non-RFC forms through
    /// its fallback parser: a one-digit hour, `,` before the fraction, and
    /// offsets up to `±24:00`/`±23:60`. Returns `None` where Go fails.
    pub fn parse_rfc3339(s: &str) -> Option<GoTime> {
        let parsed = parse_fast(s.as_bytes()).or_else(|| parse_fallback(s.as_bytes()))?;
        let offset = match parsed.offset_seconds {
            None => Offset::UTC,
            Some(secs) => Offset::from_seconds(secs).ok()?,
        };
        let civil = DateTime::new(
            parsed.year,
            parsed.month,
            parsed.day,
            parsed.hour,
            parsed.minute,
            parsed.second,
            parsed.nanosecond,
        )
        .ok()?;
        let timestamp = offset.to_timestamp(civil).ok()?;
        Some(match parsed.offset_seconds {
            None => GoTime::utc(timestamp),
            Some(_) => GoTime::with_offset(timestamp, offset),
        })
    }

    /// The instant.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The offset the time was written with (zero for `Z`).
    pub fn offset(&self) -> Offset {
        self.offset
    }

    /// How the offset was written.
    pub fn notation(&self) -> OffsetNotation {
        self.notation
    }

    /// The zone name Go prints for this time (`MST` in layouts) when the
    /// local zone is `local`: `UTC` for `Z`, the local abbreviation if the
    /// local offset at this instant equals the stored one, otherwise
    /// `None` (Go then prints the numeric offset instead).
    pub fn zone_name(&self, local: &TimeZone) -> Option<String> {
        match self.notation {
            OffsetNotation::Z => Some("UTC".to_owned()),
            OffsetNotation::Numeric => {
                let info = local.to_offset_info(self.timestamp);
                (info.offset() == self.offset).then(|| info.abbreviation().to_owned())
            }
        }
    }
}

/// `parse_go_rfc3339(s)` is [`GoTime::parse_rfc3339`] taken apart: the
/// instant, the written offset, and whether it was written as `Z`.
pub fn parse_go_rfc3339(s: &str) -> Option<(Timestamp, Offset, bool)> {
    let t = GoTime::parse_rfc3339(s)?;
    Some((t.timestamp, t.offset, t.notation == OffsetNotation::Z))
}

/// Go's `time.Local` for this process, resolved once from `TZ` as Go does
/// (see [`go_local_zone_from`]).
pub fn go_local_zone() -> &'static TimeZone {
    static LOCAL: OnceLock<TimeZone> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let tz = std::env::var_os("TZ").map(|v| v.to_string_lossy().into_owned());
        go_local_zone_from(tz.as_deref())
    })
}

/// Go's `time.Local` for a given value of the `TZ` variable (`None` for
/// unset), following Go's `initLocal` on Unix: unset means
/// `/etc/localtime`; empty or `UTC` means UTC; a leading `:` is dropped; an
/// absolute path names a TZif file; anything else is a file under the
/// system zoneinfo directories (case-sensitively, as on the file system).
/// Whatever cannot be loaded falls back to UTC. Unlike C libraries (and
/// jiff's own `TimeZone::system`), Go does not interpret POSIX rule strings
/// such as `EST5EDT,M3.2.0,M11.1.0` unless a zoneinfo file of that name
/// exists.
pub fn go_local_zone_from(tz: Option<&str>) -> TimeZone {
    /// Go's `platformZoneSources`, searched in order.
    const ZONE_SOURCES: [&str; 4] = [
        "/usr/share/zoneinfo/",
        "/usr/share/lib/zoneinfo/",
        "/usr/lib/locale/TZ/",
        "/etc/zoneinfo/",
    ];
    let loaded = match tz {
        None => tzif_file("/etc/localtime"),
        Some(tz) => {
            let tz = tz.strip_prefix(':').unwrap_or(tz);
            if tz.starts_with('/') {
                tzif_file(tz)
            } else if tz.is_empty() || tz == "UTC" {
                None
            } else {
                ZONE_SOURCES
                    .iter()
                    .find_map(|dir| tzif_file(&format!("{dir}{tz}")))
            }
        }
    };
    loaded.unwrap_or(TimeZone::UTC)
}

fn tzif_file(path: &str) -> Option<TimeZone> {
    let data = std::fs::read(path).ok()?;
    TimeZone::tzif(path, &data).ok()
}

/// `t.Format(time.RFC3339Nano)`, `2006-01-02T15:04:05.999999999Z07:00`:
/// RFC 3339 in the stored offset, the fraction's trailing zeros trimmed,
/// `Z` for a zero offset. This is also the text of `t.MarshalJSON()`,
/// which helm stores in release records (Go's `MarshalJSON` additionally
/// refuses offsets of 24 hours, which only its lenient parser can produce).
pub fn rfc3339_nano(t: &GoTime) -> String {
    use std::fmt::Write as _;
    let wall = t.offset.to_datetime(t.timestamp);
    let mut out = String::with_capacity(35);
    let year = i32::from(wall.year());
    // Go's appendInt: the sign, then the magnitude padded to four digits.
    if year < 0 {
        out.push('-');
    }
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        year.unsigned_abs(),
        wall.month(),
        wall.day(),
        wall.hour(),
        wall.minute(),
        wall.second()
    );
    let nanos = wall.subsec_nanosecond();
    if nanos > 0 {
        let digits = format!("{nanos:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    let offset = t.offset.seconds();
    if offset == 0 {
        out.push('Z');
    } else {
        let minutes = offset.unsigned_abs() / 60;
        let _ = write!(
            out,
            "{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            minutes / 60,
            minutes % 60
        );
    }
    out
}

/// The fields of a parsed RFC 3339 time; `offset_seconds` is `None` for
/// `Z`.
struct Parsed {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    nanosecond: i32,
    offset_seconds: Option<i32>,
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [x @ b'0'..=b'9', y @ b'0'..=b'9'] => Some(u32::from(x - b'0') * 10 + u32::from(y - b'0')),
        _ => None,
    }
}

fn four_digits(b: &[u8]) -> Option<u32> {
    Some(two_digits(b.get(0..2)?)? * 100 + two_digits(b.get(2..4)?)?)
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Go's `parseNanoseconds`: the digits after the separator, of which only
/// the first nine count.
fn fraction_nanos(digits: &[u8]) -> i32 {
    let mut nanos: i32 = 0;
    for k in 0..9 {
        let d = digits.get(k).map_or(0, |c| i32::from(c - b'0'));
        nanos = nanos * 10 + d;
    }
    nanos
}

/// A zone of `±hh:mm` where hours and minutes are at most `max_hour` and
/// `max_minute`.
fn numeric_zone(b: &[u8], max_hour: u32, max_minute: u32) -> Option<i32> {
    let [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] = *b else {
        return None;
    };
    let hours = two_digits(&[h1, h2])?;
    let minutes = two_digits(&[m1, m2])?;
    if hours > max_hour || minutes > max_minute {
        return None;
    }
    let secs = i32::try_from((hours * 60 + minutes) * 60).ok()?;
    Some(if sign == b'-' { -secs } else { secs })
}

fn build(
    year: u32,
    month: u32,
    day: u32,
    hms: [u32; 3],
    nanos: i32,
    zone: Option<i32>,
) -> Option<Parsed> {
    Some(Parsed {
        year: i16::try_from(year).ok()?,
        month: i8::try_from(month).ok()?,
        day: i8::try_from(day).ok()?,
        hour: i8::try_from(hms[0]).ok()?,
        minute: i8::try_from(hms[1]).ok()?,
        second: i8::try_from(hms[2]).ok()?,
        nanosecond: nanos,
        offset_seconds: zone,
    })
}

/// Go's strict fast path (`parseRFC3339`).
fn parse_fast(s: &[u8]) -> Option<Parsed> {
    if s.len() < 19 {
        return None;
    }
    let year = four_digits(&s[0..4])?;
    let month = two_digits(&s[5..7]).filter(|m| (1..=12).contains(m))?;
    let day = two_digits(&s[8..10]).filter(|&d| d >= 1 && d <= days_in_month(month, year))?;
    let hour = two_digits(&s[11..13]).filter(|&h| h <= 23)?;
    let minute = two_digits(&s[14..16]).filter(|&m| m <= 59)?;
    let second = two_digits(&s[17..19]).filter(|&x| x <= 59)?;
    if s[4] != b'-' || s[7] != b'-' || s[10] != b'T' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0;
    if rest.len() >= 2 && rest[0] == b'.' && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = fraction_nanos(&rest[1..n]);
        rest = &rest[n..];
    }
    let zone = if rest == b"Z" {
        None
    } else {
        Some(numeric_zone(rest, 23, 59)?)
    };
    build(year, month, day, [hour, minute, second], nanos, zone)
}

/// Go's `time.Parse(time.RFC3339, s)`, the fallback `UnmarshalJSON` uses
/// when the fast path fails: one- or two-digit hour, `.` or `,` before a
/// fraction, and zone offsets checked with `>` instead of `>=`.
fn parse_fallback(s: &[u8]) -> Option<Parsed> {
    let year = four_digits(s.get(0..4)?)?;
    let rest = s[4..].strip_prefix(b"-")?;
    let month = two_digits(rest.get(0..2)?).filter(|m| (1..=12).contains(m))?;
    let rest = rest[2..].strip_prefix(b"-")?;
    let day = two_digits(rest.get(0..2)?)?;
    let rest = rest[2..].strip_prefix(b"T")?;
    let hour_len = if rest.get(1).is_some_and(u8::is_ascii_digit) {
        2
    } else {
        1
    };
    if !rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let hour = rest[..hour_len]
        .iter()
        .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'));
    if hour >= 24 {
        return None;
    }
    let rest = rest[hour_len..].strip_prefix(b":")?;
    let minute = two_digits(rest.get(0..2)?).filter(|&m| m < 60)?;
    let rest = rest[2..].strip_prefix(b":")?;
    let second = two_digits(rest.get(0..2)?).filter(|&x| x < 60)?;
    let mut rest = &rest[2..];
    let mut nanos = 0;
    if rest.len() >= 2 && (rest[0] == b'.' || rest[0] == b',') && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = fraction_nanos(&rest[1..n]);
        rest = &rest[n..];
    }
    let zone = if let Some(after) = rest.strip_prefix(b"Z") {
        rest = after;
        None
    } else {
        let zone = numeric_zone(rest.get(0..6)?, 24, 60)?;
        rest = &rest[6..];
        Some(zone)
    };
    if !rest.is_empty() || day < 1 || day > days_in_month(month, year) {
        return None;
    }
    build(year, month, day, [hour, minute, second], nanos, zone)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_edges() {
        assert!(GoTime::parse_rfc3339("2024-05-01T1:00:00Z").is_some());
        assert!(GoTime::parse_rfc3339("2024-05-01T10:00:00,5Z").is_some());
        assert!(GoTime::parse_rfc3339("2024-05-01T10:00:00+24:00").is_some());
        assert!(GoTime::parse_rfc3339("2024-05-01T10:00:00+25:00").is_none());
        assert!(GoTime::parse_rfc3339("2023-02-29T10:00:00Z").is_none());
        assert!(GoTime::parse_rfc3339("2024-05-01T10:00:00").is_none());
        let (ts, off, z) = parse_go_rfc3339("2024-05-01T10:00:00.1234567891+02:00").unwrap();
        assert_eq!(ts.subsec_nanosecond(), 123_456_789);
        assert_eq!(off.seconds(), 7200);
        assert!(!z);
    }

    #[test]
    fn marshal_json_text() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00.5+02:00",
            "2024-05-01T10:00:00.000000001-07:30",
            "0001-01-01T00:00:00Z",
            "2024-05-01T10:00:00+00:00",
        ] {
            let t = GoTime::parse_rfc3339(s).unwrap();
            let want = if s.ends_with("+00:00") {
                "2024-05-01T10:00:00Z"
            } else {
                s
            };
            assert_eq!(rfc3339_nano(&t), want);
        }
    }
}
