//! Go `time.Time` parsing and formatting as helm applies them to release
//! timestamps.
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

/// `t.Format(time.ANSIC)`, `Mon Jan _2 15:04:05 2006`, as `helm history`
/// and `helm status` print times.
pub fn ansic(t: &GoTime) -> String {
    format_layout(t, "Mon Jan _2 15:04:05 2006")
}

/// `t.String()`, `2006-01-02 15:04:05.999999999 -0700 MST`, as `helm list`
/// prints times by default; the zone name comes from [`go_local_zone`].
pub fn go_string(t: &GoTime) -> String {
    format_layout(t, "2006-01-02 15:04:05.999999999 -0700 MST")
}

/// `t.Format(time.RFC3339)`, `2006-01-02T15:04:05Z07:00` (`Z` for any
/// zero offset).
pub fn rfc3339(t: &GoTime) -> String {
    format_layout(t, "2006-01-02T15:04:05Z07:00")
}

/// `t.Format(time.RFC3339Nano)`: RFC 3339 with the fraction's trailing
/// zeros trimmed. This is also the text of `t.MarshalJSON()`, which helm
/// stores in release records (Go's `MarshalJSON` additionally refuses
/// offsets of 24 hours, which only its lenient parser can produce).
pub fn rfc3339_nano(t: &GoTime) -> String {
    format_layout(t, "2006-01-02T15:04:05.999999999Z07:00")
}

/// `t.Format(layout)` with Go's layout language (the reference time
/// `Mon Jan 2 15:04:05 MST 2006`), as `helm list --time-format` uses it,
/// with zone names from [`go_local_zone`].
pub fn format_layout(t: &GoTime, layout: &str) -> String {
    format_layout_in(t, layout, go_local_zone())
}

/// [`format_layout`] with an explicit local zone.
pub fn format_layout_in(t: &GoTime, layout: &str, local: &TimeZone) -> String {
    let wall = t.offset.to_datetime(t.timestamp);
    let offset = i64::from(t.offset.seconds());
    let mut zone_name: Option<Option<String>> = None;
    let mut out = String::new();
    let mut rest = layout;
    while !rest.is_empty() {
        let (prefix, chunk, suffix) = next_chunk(rest);
        out.push_str(prefix);
        let Some(chunk) = chunk else { break };
        rest = suffix;
        write_chunk(&mut out, chunk, &wall, offset, || {
            zone_name.get_or_insert_with(|| t.zone_name(local)).clone()
        });
    }
    out
}

/// One element of Go's layout language (`std*` in `time/format.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    LowerPM,
    ZoneName,
    /// A numeric zone: `iso` prints `Z` for UTC, `colon` separates the
    /// fields, and `fields` is 1 (hours), 2 (+minutes) or 3 (+seconds).
    Zone {
        iso: bool,
        colon: bool,
        fields: u8,
    },
    /// Fractional seconds: `digits` wide, with `separator`; `trim` drops
    /// trailing zeros (the `9` form).
    Fraction {
        digits: usize,
        separator: char,
        trim: bool,
    },
}

/// Go's `nextStdChunk`: the literal text before the first layout element,
/// the element, and the rest. Elements are recognised exactly where Go
/// recognises them: `Jan` and `Mon` only when no lower-case letter follows
/// (`Janx` is literal text, `JanX` is not), `2006` before `2`, `_2006` as a
/// literal underscore plus the year, a fraction only where its run of `0`s
/// or `9`s is not followed by another digit, and so on.
fn next_chunk(layout: &str) -> (&str, Option<Chunk>, &str) {
    use Chunk::*;
    let b = layout.as_bytes();
    let at = |i: usize, s: &str| b.len() >= i + s.len() && &b[i..i + s.len()] == s.as_bytes();
    let lower_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_lowercase);
    let found =
        |i: usize, chunk: Chunk, len: usize| (&layout[..i], Some(chunk), &layout[i + len..]);
    for i in 0..b.len() {
        match b[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    return found(i, LongMonth, 7);
                }
                if !lower_at(i + 3) {
                    return found(i, Month, 3);
                }
            }
            b'M' => {
                if at(i, "Mon") {
                    if at(i, "Monday") {
                        return found(i, LongWeekDay, 6);
                    }
                    if !lower_at(i + 3) {
                        return found(i, WeekDay, 3);
                    }
                }
                if at(i, "MST") {
                    return found(i, ZoneName, 3);
                }
            }
            b'0' => {
                if let Some(&d @ b'1'..=b'6') = b.get(i + 1) {
                    let chunk = [ZeroMonth, ZeroDay, ZeroHour12, ZeroMinute, ZeroSecond, Year]
                        [usize::from(d - b'1')];
                    return found(i, chunk, 2);
                }
                if at(i + 1, "02") {
                    return found(i, ZeroYearDay, 3);
                }
            }
            b'1' => {
                if at(i + 1, "5") {
                    return found(i, Hour, 2);
                }
                return found(i, NumMonth, 1);
            }
            b'2' => {
                if at(i, "2006") {
                    return found(i, LongYear, 4);
                }
                return found(i, Day, 1);
            }
            b'_' => {
                if at(i + 1, "2") {
                    if at(i + 1, "2006") {
                        return (&layout[..=i], Some(LongYear), &layout[i + 5..]);
                    }
                    return found(i, UnderDay, 2);
                }
                if at(i + 1, "_2") {
                    return found(i, UnderYearDay, 3);
                }
            }
            b'3' => return found(i, Hour12, 1),
            b'4' => return found(i, Minute, 1),
            b'5' => return found(i, Second, 1),
            b'P' if at(i, "PM") => return found(i, PM, 2),
            b'p' if at(i, "pm") => return found(i, LowerPM, 2),
            b'-' | b'Z' => {
                let iso = b[i] == b'Z';
                let forms: [(&str, bool, u8); 5] = [
                    ("070000", false, 3),
                    ("07:00:00", true, 3),
                    ("0700", false, 2),
                    ("07:00", true, 2),
                    ("07", false, 1),
                ];
                for (form, colon, fields) in forms {
                    if at(i + 1, form) {
                        return found(i, Zone { iso, colon, fields }, 1 + form.len());
                    }
                }
            }
            b'.' | b',' => {
                if let Some(&ch @ (b'0' | b'9')) = b.get(i + 1) {
                    let mut j = i + 1;
                    while b.get(j) == Some(&ch) {
                        j += 1;
                    }
                    // Only a run of digits that ends here is a fraction.
                    if !b.get(j).is_some_and(u8::is_ascii_digit) {
                        // Go keeps the count in 12 bits.
                        let digits = (j - (i + 1)) & 0xfff;
                        let chunk = Fraction {
                            digits,
                            separator: char::from(b[i]),
                            trim: ch == b'9',
                        };
                        return (&layout[..i], Some(chunk), &layout[j..]);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Go's `appendInt`: the sign, then the magnitude zero-padded to `width`
/// digits.
fn push_int(out: &mut String, x: i64, width: usize) {
    if x < 0 {
        out.push('-');
    }
    out.push_str(&format!("{:0width$}", x.unsigned_abs()));
}

fn write_chunk(
    out: &mut String,
    chunk: Chunk,
    wall: &DateTime,
    offset: i64,
    zone_name: impl FnOnce() -> Option<String>,
) {
    let year = i64::from(wall.year());
    let month = usize::try_from(wall.month()).unwrap_or(1).clamp(1, 12);
    let day = i64::from(wall.day());
    let hour = i64::from(wall.hour());
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    match chunk {
        Chunk::Year => push_int(out, year.abs() % 100, 2),
        Chunk::LongYear => push_int(out, year, 4),
        Chunk::Month => out.push_str(&MONTHS[month - 1][..3]),
        Chunk::LongMonth => out.push_str(MONTHS[month - 1]),
        Chunk::NumMonth => push_int(out, month as i64, 0),
        Chunk::ZeroMonth => push_int(out, month as i64, 2),
        Chunk::WeekDay | Chunk::LongWeekDay => {
            let name =
                WEEKDAYS[usize::try_from(wall.weekday().to_sunday_zero_offset()).unwrap_or(0) % 7];
            out.push_str(if chunk == Chunk::WeekDay {
                &name[..3]
            } else {
                name
            });
        }
        Chunk::Day => push_int(out, day, 0),
        Chunk::UnderDay => {
            if day < 10 {
                out.push(' ');
            }
            push_int(out, day, 0);
        }
        Chunk::ZeroDay => push_int(out, day, 2),
        Chunk::UnderYearDay => {
            let yday = i64::from(wall.day_of_year());
            if yday < 100 {
                out.push(' ');
                if yday < 10 {
                    out.push(' ');
                }
            }
            push_int(out, yday, 0);
        }
        Chunk::ZeroYearDay => push_int(out, i64::from(wall.day_of_year()), 3),
        Chunk::Hour => push_int(out, hour, 2),
        Chunk::Hour12 => push_int(out, hour12, 0),
        Chunk::ZeroHour12 => push_int(out, hour12, 2),
        Chunk::Minute => push_int(out, i64::from(wall.minute()), 0),
        Chunk::ZeroMinute => push_int(out, i64::from(wall.minute()), 2),
        Chunk::Second => push_int(out, i64::from(wall.second()), 0),
        Chunk::ZeroSecond => push_int(out, i64::from(wall.second()), 2),
        Chunk::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
        Chunk::LowerPM => out.push_str(if hour >= 12 { "pm" } else { "am" }),
        Chunk::Zone { iso, colon, fields } => {
            if iso && offset == 0 {
                out.push('Z');
                return;
            }
            // Go divides with truncation and takes the sign from the
            // minutes, so a sub-minute negative offset prints oddly; the
            // arithmetic is kept as is.
            let mut zone = offset / 60;
            let mut abs_offset = offset;
            if zone < 0 {
                out.push('-');
                zone = -zone;
                abs_offset = -abs_offset;
            } else {
                out.push('+');
            }
            push_int(out, zone / 60, 2);
            if fields >= 2 {
                if colon {
                    out.push(':');
                }
                push_int(out, zone % 60, 2);
            }
            if fields == 3 {
                if colon {
                    out.push(':');
                }
                push_int(out, abs_offset % 60, 2);
            }
        }
        Chunk::ZoneName => match zone_name() {
            Some(name) => out.push_str(&name),
            None => {
                let mut zone = offset / 60;
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                } else {
                    out.push('+');
                }
                push_int(out, zone / 60, 2);
                push_int(out, zone % 60, 2);
            }
        },
        Chunk::Fraction {
            digits,
            separator,
            trim,
        } => {
            let nanos = i64::from(wall.subsec_nanosecond());
            if trim && (digits == 0 || nanos == 0) {
                return;
            }
            let mut fraction = format!("{nanos:09}");
            fraction.truncate(digits.min(9));
            if trim {
                let kept = fraction.trim_end_matches('0').len();
                fraction.truncate(kept);
                if fraction.is_empty() {
                    return;
                }
            }
            out.push(separator);
            out.push_str(&fraction);
        }
    }
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

    fn berlin() -> TimeZone {
        go_local_zone_from(Some("Europe/Berlin"))
    }

    #[test]
    fn zone_names() {
        let utc = TimeZone::UTC;
        let z = GoTime::parse_rfc3339("2024-05-01T10:00:00Z").unwrap();
        let plus0 = GoTime::parse_rfc3339("2024-05-01T10:00:00+00:00").unwrap();
        let cest = GoTime::parse_rfc3339("2024-05-01T10:00:00.5+02:00").unwrap();
        let layout = "2006-01-02 15:04:05.999999999 -0700 MST";
        assert_eq!(
            format_layout_in(&z, layout, &berlin()),
            "2024-05-01 10:00:00 +0000 UTC"
        );
        assert_eq!(
            format_layout_in(&plus0, layout, &berlin()),
            "2024-05-01 10:00:00 +0000 +0000"
        );
        assert_eq!(
            format_layout_in(&plus0, layout, &utc),
            "2024-05-01 10:00:00 +0000 UTC"
        );
        assert_eq!(
            format_layout_in(&cest, layout, &berlin()),
            "2024-05-01 10:00:00.5 +0200 CEST"
        );
        assert_eq!(
            format_layout_in(&cest, layout, &utc),
            "2024-05-01 10:00:00.5 +0200 +0200"
        );
    }

    #[test]
    fn ansic_pads_the_day() {
        let t = GoTime::parse_rfc3339("2024-03-05T01:02:03-07:30").unwrap();
        assert_eq!(ansic(&t), "Tue Mar  5 01:02:03 2024");
        assert_eq!(rfc3339(&t), "2024-03-05T01:02:03-07:30");
    }

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
}
