//! TOML datetimes as BurntSushi/toml v1.6.0 reads them: Go's
//! `time.ParseInLocation` with seven layouts tried in order, then a check
//! that no field lost its leading zero. Offset datetimes are in
//! `time.Local` when their offset is the local zone's, else in a fixed
//! zone without a name (UTC for `Z`); local datetimes, dates and times
//! are in fixed zones named `datetime-local`, `date-local`, `time-local`
//! with the local offset at start-up.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A `time.Time` from a TOML document.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Datetime {
    /// Nanoseconds since the Unix epoch.
    pub(crate) nanos: i128,
    /// The location it prints in.
    pub(crate) zone: Zone,
}

/// The location of a [`Datetime`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Zone {
    /// `time.UTC` (a `Z` offset).
    Utc,
    /// `time.Local` (an offset equal to the local zone's at that time).
    Local,
    /// `time.FixedZone(name, offset)`.
    Fixed(String, i32),
}

/// One of BurntSushi's `dtTypes`.
struct Layout {
    /// Go's layout text (for `missingLeadingZero`).
    text: &'static str,
    date: bool,
    time: bool,
    seconds: bool,
    offset: bool,
    /// The zone name of a local layout.
    local: &'static str,
}

const LAYOUTS: [Layout; 7] = [
    Layout {
        text: "2006-01-02T15:04:05.999999999Z07:00",
        date: true,
        time: true,
        seconds: true,
        offset: true,
        local: "",
    },
    Layout {
        text: "2006-01-02T15:04:05.999999999",
        date: true,
        time: true,
        seconds: true,
        offset: false,
        local: "datetime-local",
    },
    Layout {
        text: "2006-01-02",
        date: true,
        time: false,
        seconds: false,
        offset: false,
        local: "date-local",
    },
    Layout {
        text: "15:04:05.999999999",
        date: false,
        time: true,
        seconds: true,
        offset: false,
        local: "time-local",
    },
    Layout {
        text: "2006-01-02T15:04Z07:00",
        date: true,
        time: true,
        seconds: false,
        offset: true,
        local: "",
    },
    Layout {
        text: "2006-01-02T15:04",
        date: true,
        time: true,
        seconds: false,
        offset: false,
        local: "datetime-local",
    },
    Layout {
        text: "15:04",
        date: false,
        time: true,
        seconds: false,
        offset: false,
        local: "time-local",
    },
];

/// Parses a datetime item's text (already with `t`, `z` and the space
/// replaced as BurntSushi does), or `None` for "invalid datetime".
pub(crate) fn parse_datetime(v: &str) -> Option<Datetime> {
    for layout in &LAYOUTS {
        if let Some(d) = parse_layout(v.as_bytes(), layout) {
            if missing_leading_zero(v.as_bytes(), layout.text.as_bytes()) {
                return None;
            }
            return Some(d);
        }
    }
    None
}

/// `missingLeadingZero`: a non-digit of the layout (before the fraction
/// or zone) that the value does not have at the same place.
fn missing_leading_zero(d: &[u8], l: &[u8]) -> bool {
    for (i, &c) in l.iter().enumerate() {
        if c == b'.' || c == b'Z' {
            return false;
        }
        if !c.is_ascii_digit() && d.get(i) != Some(&c) {
            return true;
        }
    }
    false
}

/// Go's `getnum`: one or two digits (two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = *s.first().filter(|b| b.is_ascii_digit())?;
    match s.get(1).filter(|b| b.is_ascii_digit()) {
        Some(&d1) => Some((i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'), &s[2..])),
        None if fixed => None,
        None => Some((i64::from(d0 - b'0'), &s[1..])),
    }
}

fn literal(s: &[u8], c: u8) -> Option<&[u8]> {
    s.strip_prefix(&[c])
}

/// The local zone, as Go's `time.Local` (from `TZ`).
fn local_tz() -> TimeZone {
    TimeZone::system()
}

fn parse_layout(s: &[u8], layout: &Layout) -> Option<Datetime> {
    let (mut year, mut month, mut day) = (0, 1, 1);
    let (mut hour, mut min, mut sec, mut nsec) = (0, 0, 0, 0);
    let mut s = s;
    if layout.date {
        let y = s.get(..4)?;
        if !y.iter().all(u8::is_ascii_digit) {
            return None;
        }
        year = std::str::from_utf8(y).ok()?.parse::<i64>().ok()?;
        s = literal(&s[4..], b'-')?;
        (month, s) = getnum(s, true)?;
        if !(1..=12).contains(&month) {
            return None;
        }
        s = literal(s, b'-')?;
        (day, s) = getnum(s, true)?;
        if layout.time {
            s = literal(s, b'T')?;
        }
    }
    if layout.time {
        (hour, s) = getnum(s, false)?;
        if hour >= 24 {
            return None;
        }
        s = literal(s, b':')?;
        (min, s) = getnum(s, true)?;
        if min >= 60 {
            return None;
        }
        if layout.seconds {
            s = literal(s, b':')?;
            (sec, s) = getnum(s, true)?;
            if sec >= 60 {
                return None;
            }
            // `.999999999`: an optional fraction; digits past the ninth
            // are read and dropped.
            if s.len() >= 2 && s[0] == b'.' && s[1].is_ascii_digit() {
                let n = 1 + s[1..].iter().take_while(|b| b.is_ascii_digit()).count();
                let digits = &s[1..n.min(10)];
                let mut ns: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
                for _ in digits.len()..9 {
                    ns *= 10;
                }
                nsec = ns;
                s = &s[n..];
            }
        }
    }
    let mut offset = None;
    if layout.offset {
        if let Some(rest) = s.strip_prefix(b"Z") {
            s = rest;
        } else {
            if s.len() < 6 || s[3] != b':' {
                return None;
            }
            let (hr, _) = getnum(&s[1..3], true)?;
            let (mm, _) = getnum(&s[4..6], true)?;
            if hr > 24 || mm > 60 {
                return None;
            }
            let off = (hr * 60 + mm) * 60;
            offset = Some(match s[0] {
                b'+' => off,
                b'-' => -off,
                _ => return None,
            });
            s = &s[6..];
        }
    }
    if !s.is_empty() {
        return None;
    }
    if day < 1 || day > days_in(month, year) {
        return None;
    }
    let civil = (days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec) as i128
        * 1_000_000_000
        + nsec as i128;
    if layout.offset {
        let Some(off) = offset else {
            return Some(Datetime {
                nanos: civil,
                zone: Zone::Utc,
            });
        };
        let nanos = civil - off as i128 * 1_000_000_000;
        let ts = Timestamp::from_nanosecond(nanos).unwrap_or(Timestamp::UNIX_EPOCH);
        let local = local_tz().to_offset(ts);
        let zone = if i64::from(local.seconds()) == off {
            Zone::Local
        } else {
            Zone::Fixed(String::new(), off as i32)
        };
        return Some(Datetime { nanos, zone });
    }
    // BurntSushi's local zones take the local offset at start-up.
    let off = local_tz().to_offset(Timestamp::now()).seconds();
    Some(Datetime {
        nanos: civil - i128::from(off) * 1_000_000_000,
        zone: Zone::Fixed(layout.local.to_owned(), off),
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}
