//! Go's `time` text forms: `Time.Format` and `time.ParseInLocation` with
//! Go's reference-time layouts (`2006-01-02T15:04:05Z07:00`, `Mon Jan _2`,
//! `.000`, `MST`, ...) and their error texts, `Duration.String` and
//! `time.ParseDuration`. Ports of Go 1.26's `time/format.go` and
//! `time/time.go`, over [`GoTime`].

use super::go_time::{DAYS, GoTime, Loc, MONTHS, timestamp};

/// One layout element (Go's `std*` constants).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Std {
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
pub(crate) fn next_chunk(layout: &[u8]) -> (&[u8], Option<Std>, &[u8]) {
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
fn push_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    b.push_str(&format!("{:0width$}", x.unsigned_abs()));
}

/// Go's `Time.Format`.
pub(crate) fn format(t: &GoTime, layout: &str) -> String {
    let f = t.fields();
    let mut b = String::new();
    let mut layout = layout.as_bytes();
    loop {
        let (prefix, std, suffix) = next_chunk(layout);
        b.push_str(&String::from_utf8_lossy(prefix));
        let Some(std) = std else { break };
        layout = suffix;
        let hr12 = match f.hour % 12 {
            0 => 12,
            h => h,
        };
        match std {
            Std::Year => push_int(&mut b, f.year.abs() % 100, 2),
            Std::LongYear => push_int(&mut b, f.year, 4),
            Std::Month => b.push_str(&MONTHS[(f.month - 1) as usize][..3]),
            Std::LongMonth => b.push_str(MONTHS[(f.month - 1) as usize]),
            Std::NumMonth => push_int(&mut b, f.month, 0),
            Std::ZeroMonth => push_int(&mut b, f.month, 2),
            Std::WeekDay => b.push_str(&DAYS[f.weekday as usize][..3]),
            Std::LongWeekDay => b.push_str(DAYS[f.weekday as usize]),
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
            Std::TZ => {
                if !f.abbrev.is_empty() {
                    b.push_str(&f.abbrev);
                } else {
                    let zone = i64::from(f.offset) / 60;
                    b.push(if zone < 0 { '-' } else { '+' });
                    push_int(&mut b, zone.abs() / 60, 2);
                    push_int(&mut b, zone.abs() % 60, 2);
                }
            }
            Std::FracSecond0(sep, n) | Std::FracSecond9(sep, n) => {
                let trim = matches!(std, Std::FracSecond9(..));
                if trim && (n == 0 || f.nsec == 0) {
                    continue;
                }
                let digits = format!("{:09}", f.nsec);
                let mut frac = String::from(char::from(sep));
                frac.push_str(&digits[..n.min(9)]);
                if trim {
                    let kept = frac.trim_end_matches('0');
                    let kept = kept.strip_suffix(char::from(sep)).unwrap_or(kept);
                    b.push_str(kept);
                } else {
                    b.push_str(&frac);
                }
            }
            tz => {
                let iso = matches!(
                    tz,
                    Std::Iso8601TZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonSecondsTZ
                );
                if f.offset == 0 && iso {
                    b.push('Z');
                    continue;
                }
                let offset = i64::from(f.offset);
                let zone = offset / 60;
                b.push(if zone < 0 { '-' } else { '+' });
                let (zone, abs) = (zone.abs(), offset.abs());
                push_int(&mut b, zone / 60, 2);
                let colon = matches!(
                    tz,
                    Std::Iso8601ColonTZ
                        | Std::NumColonTZ
                        | Std::Iso8601ColonSecondsTZ
                        | Std::NumColonSecondsTZ
                );
                if colon {
                    b.push(':');
                }
                if !matches!(tz, Std::NumShortTZ | Std::Iso8601ShortTZ) {
                    push_int(&mut b, zone % 60, 2);
                }
                if matches!(
                    tz,
                    Std::Iso8601SecondsTZ
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTZ
                        | Std::Iso8601ColonSecondsTZ
                ) {
                    if colon {
                        b.push(':');
                    }
                    push_int(&mut b, abs % 60, 2);
                }
            }
        }
    }
    b
}

/// Days from 1970-01-01 to a proleptic Gregorian date (any month and
/// day, normalised as Go's `Date` does).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Carry months into years first.
    let m0 = month - 1;
    let year = year + m0.div_euclid(12);
    let month = m0.rem_euclid(12) + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + (day - 1)
}

/// Go's `time.Date(...)` as nanoseconds since the epoch: the fields are
/// normalised, then the wall time is placed in `loc` (the offset in
/// effect at the wall time read as UTC, corrected once if that instant
/// lies in another period).
#[allow(clippy::too_many_arguments)]
pub(crate) fn date_nanos(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    nsec: i64,
    loc: &Loc,
) -> i128 {
    let days = days_from_civil(year, month, day);
    let wall = i128::from(days) * 86_400 + i128::from(hour * 3600 + min * 60 + sec);
    let wall = wall * 1_000_000_000 + i128::from(nsec);
    let offset_at = |n: i128| i128::from(loc.lookup(timestamp(n)).1) * 1_000_000_000;
    let first = offset_at(wall);
    let utc = wall - first;
    let second = offset_at(utc);
    if second == first { utc } else { wall - second }
}

/// Go's `time` package `quote`: non-ASCII and control bytes as `\xNN`.
pub(crate) fn quote(s: &[u8]) -> String {
    let mut out = String::from("\"");
    for &c in s {
        if !(b' '..0x80).contains(&c) {
            out.push_str(&format!("\\x{c:02x}"));
        } else {
            if c == b'"' || c == b'\\' {
                out.push('\\');
            }
            out.push(char::from(c));
        }
    }
    out.push('"');
    out
}

/// Go's `leadingInt`.
fn leading_int(s: &[u8]) -> Result<(u64, &[u8]), ()> {
    let mut x: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        if x > (1 << 63) / 10 {
            return Err(());
        }
        x = x * 10 + u64::from(s[i] - b'0');
        if x > 1 << 63 {
            return Err(());
        }
        i += 1;
    }
    Ok((x, &s[i..]))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_duration(orig: &[u8]) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", quote(orig));
    let mut s = orig;
    let mut neg = false;
    if let Some(&c) = s.first()
        && (c == b'-' || c == b'+')
    {
        neg = c == b'-';
        s = &s[1..];
    }
    if s == b"0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !(s[0] == b'.' || s[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s).map_err(|()| invalid())?;
        s = rest;
        let pre = before != s.len();
        let (mut f, mut scale, mut post) = (0u64, 1f64, false);
        if s.first() == Some(&b'.') {
            s = &s[1..];
            let before = s.len();
            let mut overflow = false;
            let mut i = 0;
            while i < s.len() && s[i].is_ascii_digit() {
                if !overflow {
                    if f > ((1u64 << 63) - 1) / 10 {
                        overflow = true;
                    } else {
                        let y = f * 10 + u64::from(s[i] - b'0');
                        if y > 1 << 63 {
                            overflow = true;
                        } else {
                            f = y;
                            scale *= 10.0;
                        }
                    }
                }
                i += 1;
            }
            s = &s[i..];
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let i = s
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if i == 0 {
            return Err(format!("time: missing unit in duration {}", quote(orig)));
        }
        let u = &s[..i];
        s = &s[i..];
        let unit: u64 = match u {
            b"ns" => 1,
            b"us" | [0xc2, 0xb5, b's'] | [0xce, 0xbc, b's'] => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    quote(u),
                    quote(orig)
                ));
            }
        };
        if v > (1 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d = d.checked_add(v).ok_or_else(invalid)?;
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Go's `Duration.String`: `1h2m3.5s`, `1.5ms`, `0s`.
pub(crate) fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    // Built backwards, as Go does.
    let mut out: Vec<u8> = Vec::new();
    let frac = |out: &mut Vec<u8>, v: u64, prec: usize| -> u64 {
        let mut v = v;
        let mut print = false;
        for _ in 0..prec {
            let digit = v % 10;
            print = print || digit != 0;
            if print {
                out.push(b'0' + digit as u8);
            }
            v /= 10;
        }
        if print {
            out.push(b'.');
        }
        v
    };
    let int = |out: &mut Vec<u8>, v: u64| {
        if v == 0 {
            out.push(b'0');
        }
        let mut v = v;
        while v > 0 {
            out.push(b'0' + (v % 10) as u8);
            v /= 10;
        }
    };
    if u < 1_000_000_000 {
        out.push(b's');
        let prec;
        if u == 0 {
            return "0s".to_string();
        } else if u < 1_000 {
            prec = 0;
            out.push(b'n');
        } else if u < 1_000_000 {
            prec = 3;
            // "µ" backwards.
            out.extend_from_slice(&[0xb5, 0xc2]);
        } else {
            prec = 6;
            out.push(b'm');
        }
        u = frac(&mut out, u, prec);
        int(&mut out, u);
    } else {
        out.push(b's');
        u = frac(&mut out, u, 9);
        int(&mut out, u % 60);
        u /= 60;
        if u > 0 {
            out.push(b'm');
            int(&mut out, u % 60);
            u /= 60;
            if u > 0 {
                out.push(b'h');
                int(&mut out, u);
            }
        }
    }
    if neg {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Go's `Duration.Round(m)` (half away from zero, saturating).
pub(crate) fn duration_round(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if r + r < m {
            return d + r;
        }
        return d.checked_sub(m - r).unwrap_or(i64::MIN);
    }
    if r + r < m {
        return d - r;
    }
    d.checked_add(m - r).unwrap_or(i64::MAX)
}

pub(crate) use super::go_time_parse::parse_in_location;
