//! Go's `Time.Format` layout language (`time/format.go`): the layout
//! lexer (`nextStdChunk`, shared with sprig's `ParseInLocation`) and the
//! formatter over civil fields. The one copy used by `crate::output::time`
//! (helm's release timestamps) and `crate::sprig` (`date`, `toDate`, ...).

/// Month names, January first.
pub const MONTHS: [&str; 12] = [
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

/// Weekday names, Sunday first (Go's `Weekday` order).
pub const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The civil fields of a time in its zone, as Go's `Time.Format` reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year (astronomical, may be negative).
    pub year: i64,
    /// 1 = January.
    pub month: i64,
    /// Day of the month, 1-based.
    pub day: i64,
    /// Day of the year, 1-based.
    pub yday: i64,
    /// Sunday = 0, as Go's `Weekday`.
    pub weekday: i64,
    /// Hour, 0-23.
    pub hour: i64,
    /// Minute.
    pub min: i64,
    /// Second.
    pub sec: i64,
    /// Nanoseconds within the second.
    pub nsec: i64,
    /// Zone offset east of UTC, seconds.
    pub offset: i64,
}

/// One layout element (Go's `std*` constants, named after them).
#[allow(missing_docs)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Std {
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
    Lowerpm,
    TZ,
    Iso8601TZ,
    Iso8601SecondsTZ,
    Iso8601ShortTZ,
    Iso8601ColonTZ,
    Iso8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// `.000` / `,000`: separator and digit count.
    FracSecond0(u8, usize),
    /// `.999` / `,999`: separator and digit count (trailing zeros cut).
    FracSecond9(u8, usize),
}

fn starts_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

fn digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `nextStdChunk`: the literal prefix, the element, the rest.
pub fn next_chunk(layout: &[u8]) -> (&[u8], Option<Std>, &[u8]) {
    let l = layout;
    let has = |i: usize, s: &[u8]| l.len() >= i + s.len() && &l[i..i + s.len()] == s;
    for i in 0..l.len() {
        let found = match l[i] {
            b'J' if has(i, b"Jan") => {
                if has(i, b"January") {
                    Some((Std::LongMonth, 7))
                } else if !starts_lower(&l[i + 3..]) {
                    Some((Std::Month, 3))
                } else {
                    None
                }
            }
            b'M' if l.len() >= i + 3 => {
                if has(i, b"Mon") {
                    if has(i, b"Monday") {
                        Some((Std::LongWeekDay, 6))
                    } else if !starts_lower(&l[i + 3..]) {
                        Some((Std::WeekDay, 3))
                    } else {
                        None
                    }
                } else if has(i, b"MST") {
                    Some((Std::TZ, 3))
                } else {
                    None
                }
            }
            b'0' if l.len() >= i + 2 && (b'1'..=b'6').contains(&l[i + 1]) => Some((
                [
                    Std::ZeroMonth,
                    Std::ZeroDay,
                    Std::ZeroHour12,
                    Std::ZeroMinute,
                    Std::ZeroSecond,
                    Std::Year,
                ][usize::from(l[i + 1] - b'1')],
                2,
            )),
            b'0' if has(i, b"002") => Some((Std::ZeroYearDay, 3)),
            b'1' if has(i, b"15") => Some((Std::Hour, 2)),
            b'1' => Some((Std::NumMonth, 1)),
            b'2' if has(i, b"2006") => Some((Std::LongYear, 4)),
            b'2' => Some((Std::Day, 1)),
            b'_' if has(i, b"_2") => {
                if has(i + 1, b"2006") {
                    // A literal `_` then the long year.
                    return (&l[..i + 1], Some(Std::LongYear), &l[i + 5..]);
                }
                Some((Std::UnderDay, 2))
            }
            b'_' if has(i, b"__2") => Some((Std::UnderYearDay, 3)),
            b'3' => Some((Std::Hour12, 1)),
            b'4' => Some((Std::Minute, 1)),
            b'5' => Some((Std::Second, 1)),
            b'P' if has(i, b"PM") => Some((Std::PM, 2)),
            b'p' if has(i, b"pm") => Some((Std::Lowerpm, 2)),
            b'-' => [
                (&b"-070000"[..], Std::NumSecondsTz),
                (b"-07:00:00", Std::NumColonSecondsTZ),
                (b"-0700", Std::NumTZ),
                (b"-07:00", Std::NumColonTZ),
                (b"-07", Std::NumShortTZ),
            ]
            .into_iter()
            .find(|(p, _)| has(i, p))
            .map(|(p, s)| (s, p.len())),
            b'Z' => [
                (&b"Z070000"[..], Std::Iso8601SecondsTZ),
                (b"Z07:00:00", Std::Iso8601ColonSecondsTZ),
                (b"Z0700", Std::Iso8601TZ),
                (b"Z07:00", Std::Iso8601ColonTZ),
                (b"Z07", Std::Iso8601ShortTZ),
            ]
            .into_iter()
            .find(|(p, _)| has(i, p))
            .map(|(p, s)| (s, p.len())),
            c @ (b'.' | b',') if i + 1 < l.len() && (l[i + 1] == b'0' || l[i + 1] == b'9') => {
                let ch = l[i + 1];
                let mut j = i + 1;
                while j < l.len() && l[j] == ch {
                    j += 1;
                }
                if digit_at(l, j) {
                    None
                } else {
                    let n = j - (i + 1);
                    let std = if ch == b'0' {
                        Std::FracSecond0(c, n)
                    } else {
                        Std::FracSecond9(c, n)
                    };
                    Some((std, j - i))
                }
            }
            _ => None,
        };
        if let Some((std, len)) = found {
            return (&l[..i], Some(std), &l[i + len..]);
        }
    }
    (l, None, b"")
}

/// Go's `appendInt`: zero-padded to `width`, sign first.
pub(crate) fn push_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    b.push_str(&format!("{:0width$}", x.unsigned_abs()));
}

/// Go's `Time.Format` over civil fields. `zone_name` supplies the `MST`
/// element's abbreviation; `None` prints the numeric `-0700` form, as Go
/// does for zones without a name.
pub fn format_civil(
    f: &Civil,
    layout: &str,
    mut zone_name: impl FnMut() -> Option<String>,
) -> String {
    let mut b = String::new();
    let mut layout = layout.as_bytes();
    let hr12 = match f.hour % 12 {
        0 => 12,
        h => h,
    };
    let month = usize::try_from(f.month - 1).unwrap_or(0).min(11);
    let weekday = usize::try_from(f.weekday.rem_euclid(7)).unwrap_or(0);
    loop {
        let (prefix, std, suffix) = next_chunk(layout);
        b.push_str(&String::from_utf8_lossy(prefix));
        let Some(std) = std else { break };
        layout = suffix;
        match std {
            Std::Year => push_int(&mut b, f.year.abs() % 100, 2),
            Std::LongYear => push_int(&mut b, f.year, 4),
            Std::Month => b.push_str(&MONTHS[month][..3]),
            Std::LongMonth => b.push_str(MONTHS[month]),
            Std::NumMonth => push_int(&mut b, f.month, 0),
            Std::ZeroMonth => push_int(&mut b, f.month, 2),
            Std::WeekDay => b.push_str(&DAYS[weekday][..3]),
            Std::LongWeekDay => b.push_str(DAYS[weekday]),
            Std::Day => push_int(&mut b, f.day, 0),
            Std::UnderDay => {
                if f.day < 10 {
                    b.push(' ');
                }
                push_int(&mut b, f.day, 0);
            }
            Std::ZeroDay => push_int(&mut b, f.day, 2),
            Std::UnderYearDay => {
                if f.yday < 100 {
                    b.push(' ');
                    if f.yday < 10 {
                        b.push(' ');
                    }
                }
                push_int(&mut b, f.yday, 0);
            }
            Std::ZeroYearDay => push_int(&mut b, f.yday, 3),
            Std::Hour => push_int(&mut b, f.hour, 2),
            Std::Hour12 => push_int(&mut b, hr12, 0),
            Std::ZeroHour12 => push_int(&mut b, hr12, 2),
            Std::Minute => push_int(&mut b, f.min, 0),
            Std::ZeroMinute => push_int(&mut b, f.min, 2),
            Std::Second => push_int(&mut b, f.sec, 0),
            Std::ZeroSecond => push_int(&mut b, f.sec, 2),
            Std::PM => b.push_str(if f.hour >= 12 { "PM" } else { "AM" }),
            Std::Lowerpm => b.push_str(if f.hour >= 12 { "pm" } else { "am" }),
            Std::TZ => match zone_name() {
                Some(name) => b.push_str(&name),
                None => {
                    let zone = f.offset / 60;
                    b.push(if zone < 0 { '-' } else { '+' });
                    push_int(&mut b, zone.abs() / 60, 2);
                    push_int(&mut b, zone.abs() % 60, 2);
                }
            },
            Std::FracSecond0(sep, n) | Std::FracSecond9(sep, n) => {
                let trim = matches!(std, Std::FracSecond9(..));
                if trim && (n == 0 || f.nsec == 0) {
                    continue;
                }
                let mut digits = format!("{:09}", f.nsec);
                digits.truncate(n.min(9));
                if trim {
                    let kept = digits.trim_end_matches('0').len();
                    digits.truncate(kept);
                    if digits.is_empty() {
                        continue;
                    }
                }
                b.push(char::from(sep));
                b.push_str(&digits);
            }
            tz => {
                use Std::*;
                let iso = matches!(
                    tz,
                    Iso8601TZ
                        | Iso8601ColonTZ
                        | Iso8601SecondsTZ
                        | Iso8601ShortTZ
                        | Iso8601ColonSecondsTZ
                );
                if f.offset == 0 && iso {
                    b.push('Z');
                    continue;
                }
                // Go divides with truncation and takes the sign from the
                // minutes, so a sub-minute negative offset prints oddly;
                // the arithmetic is kept as is.
                let mut zone = f.offset / 60;
                let mut abs_offset = f.offset;
                if zone < 0 {
                    b.push('-');
                    zone = -zone;
                    abs_offset = -abs_offset;
                } else {
                    b.push('+');
                }
                push_int(&mut b, zone / 60, 2);
                let colon = matches!(
                    tz,
                    Iso8601ColonTZ | NumColonTZ | Iso8601ColonSecondsTZ | NumColonSecondsTZ
                );
                if colon {
                    b.push(':');
                }
                if !matches!(tz, NumShortTZ | Iso8601ShortTZ) {
                    push_int(&mut b, zone % 60, 2);
                }
                if matches!(
                    tz,
                    Iso8601SecondsTZ | NumSecondsTz | NumColonSecondsTZ | Iso8601ColonSecondsTZ
                ) {
                    if colon {
                        b.push(':');
                    }
                    push_int(&mut b, abs_offset % 60, 2);
                }
            }
        }
    }
    b
}
