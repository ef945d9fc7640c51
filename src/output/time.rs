//! Go `time.Time` formatting as helm applies it to release timestamps:
//! Go's layout language, `Time.String()`, ANSIC, RFC 3339.
//!
//! The time type itself, its parsing, its JSON text and Go's local zone
//! live in [`crate::gojson::time`], which release records use too; they are
//! re-exported here.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

pub use crate::gojson::time::{
    GoTime, OffsetNotation, go_local_zone, go_local_zone_from, parse_go_rfc3339, rfc3339_nano,
};

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

/// `t.Format(layout)` with Go's layout language (the reference time
/// `Mon Jan 2 15:04:05 MST 2006`), as `helm list --time-format` uses it,
/// with zone names from [`go_local_zone`].
pub fn format_layout(t: &GoTime, layout: &str) -> String {
    format_layout_in(t, layout, go_local_zone())
}

/// [`format_layout`] with an explicit local zone.
pub fn format_layout_in(t: &GoTime, layout: &str, local: &TimeZone) -> String {
    let wall = t.offset().to_datetime(t.timestamp());
    let offset = i64::from(t.offset().seconds());
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

    /// Records are written with the direct RFC3339Nano writer of
    /// `gojson::time`; Go's layout engine here must agree with it.
    #[test]
    fn the_layout_engine_agrees_with_the_record_writer() {
        for s in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T10:00:00.120+02:00",
            "0001-01-01T00:00:00Z",
            "9999-12-30T20:59:59.999999999-00:30",
            "1969-12-31T23:59:59.000000001+14:00",
        ] {
            let t = GoTime::parse_rfc3339(s).unwrap();
            let layout =
                format_layout_in(&t, "2006-01-02T15:04:05.999999999Z07:00", &TimeZone::UTC);
            assert_eq!(layout, rfc3339_nano(&t), "{s}");
        }
    }

    #[test]
    fn ansic_pads_the_day() {
        let t = GoTime::parse_rfc3339("2024-03-05T01:02:03-07:30").unwrap();
        assert_eq!(ansic(&t), "Tue Mar  5 01:02:03 2024");
        assert_eq!(rfc3339(&t), "2024-03-05T01:02:03-07:30");
    }
}
