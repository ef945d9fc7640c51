//! Go's `time.ParseInLocation` (`toDate`, `mustToDate`), with Go's
//! `ParseError` texts. Split from [`super::go_time_format`], whose layout
//! lexer it shares.

use super::go_time::{DAYS, GoTime, Loc, MONTHS, timestamp};
use super::go_time_format::{Std, date_nanos, next_chunk, quote};

/// Go's `ParseError.Error()`.
fn parse_error(layout: &[u8], value: &[u8], layout_elem: &[u8], value_elem: &[u8]) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        quote(value),
        quote(layout),
        quote(value_elem),
        quote(layout_elem)
    )
}

fn message_error(value: &[u8], message: &str) -> String {
    format!("parsing time {}{message}", quote(value))
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

/// Go's `getnum`.
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    if !is_digit(s, 0) {
        return None;
    }
    if !is_digit(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(s[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'),
        &s[2..],
    ))
}

/// Go's `getnum3`.
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 && is_digit(s, i) {
        n = n * 10 + i64::from(s[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's `lookup`: a case-insensitive prefix match against a name table.
fn lookup<'a>(names: &[&str], value: &'a [u8]) -> Option<(usize, &'a [u8])> {
    names.iter().enumerate().find_map(|(i, name)| {
        let n = name.len();
        (value.len() >= n && value[..n].eq_ignore_ascii_case(name.as_bytes()))
            .then(|| (i, &value[n..]))
    })
}

fn cutspace(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&c| c == b' ').count();
    &s[n..]
}

/// Go's `skip`: matches the layout's literal text, any run of spaces
/// matching any run.
fn skip<'a>(value: &'a [u8], prefix: &[u8]) -> Result<&'a [u8], &'a [u8]> {
    let (mut value, mut prefix) = (value, prefix);
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|&c| c != b' ') {
                return Err(value);
            }
            prefix = cutspace(prefix);
            value = cutspace(value);
            continue;
        }
        if value.first() != Some(&p) {
            return Err(value);
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Ok(value)
}

/// Go's `atoi` over a `leadingInt`.
fn atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) || digits.len() > 18 {
        return None;
    }
    let x: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { -x } else { x })
}

/// Go's `parseNanoseconds`: `value` starts with the separator.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Result<i64, Option<&'static str>> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err(None);
    }
    let nbytes = nbytes.min(10);
    let mut ns = atoi(&value[1..nbytes]).ok_or(None)?;
    if ns < 0 {
        return Err(Some("fractional second"));
    }
    for _ in 0..10 - nbytes {
        ns *= 10;
    }
    Ok(ns)
}

/// Go's `parseSignedOffset`.
fn parse_signed_offset(value: &[u8]) -> usize {
    if !matches!(value.first(), Some(b'-' | b'+')) {
        return 0;
    }
    let digits = value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return 0;
    }
    match atoi(&value[1..1 + digits]) {
        Some(x) if x <= 23 => 1 + digits,
        _ => 0,
    }
}

/// Go's `parseTimeZone`: the length of a zone abbreviation.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.len() >= 4 && (&value[..4] == b"ChST" || &value[..4] == b"MeST") {
        return Some(4);
    }
    if &value[..3] == b"GMT" {
        return Some(
            3 + if value.len() > 3 {
                parse_signed_offset(&value[3..])
            } else {
                0
            },
        );
    }
    if value[0] == b'+' || value[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some(3),
        4 if value[3] == b'T' || &value[..4] == b"WITA" => Some(4),
        5 if value[4] == b'T' => Some(5),
        _ => None,
    }
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

/// Days before the first of `month` in a non-leap year (Go's
/// `daysBefore`).
fn days_before(month: i64) -> i64 {
    (1..month).map(|m| days_in(m, 1)).sum()
}

/// Go's `time.ParseInLocation(layout, value, local)`.
pub(crate) fn parse_in_location(
    layout_all: &[u8],
    value_all: &[u8],
    local: &Loc,
) -> Result<GoTime, String> {
    let (mut layout, mut value) = (layout_all, value_all);
    let mut range_err: Option<&str> = None;
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Vec<u8> = Vec::new();
    loop {
        let (prefix, std, suffix) = next_chunk(layout);
        let stdstr = &layout[prefix.len()..layout.len() - suffix.len()];
        value = skip(value, prefix).map_err(|v| parse_error(layout_all, value_all, prefix, v))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(message_error(
                    value_all,
                    &format!(": extra text: {}", quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let bad = || parse_error(layout_all, value_all, stdstr, hold);
        macro_rules! num {
            ($e:expr) => {
                match $e {
                    Some((n, rest)) => {
                        value = rest;
                        n
                    }
                    None => return Err(bad()),
                }
            };
        }
        match std {
            Std::Year => {
                if value.len() < 2 {
                    return Err(bad());
                }
                let y = atoi(&value[..2]).ok_or_else(bad)?;
                value = &value[2..];
                year = if y >= 69 { y + 1900 } else { y + 2000 };
            }
            Std::LongYear => {
                if value.len() < 4 || !is_digit(value, 0) {
                    return Err(bad());
                }
                year = atoi(&value[..4]).ok_or_else(bad)?;
                value = &value[4..];
            }
            Std::Month | Std::LongMonth => {
                let short: Vec<&str> = MONTHS.iter().map(|m| &m[..3]).collect();
                let table: &[&str] = if std == Std::Month { &short } else { &MONTHS };
                let (i, rest) = lookup(table, value).ok_or_else(bad)?;
                month = i as i64 + 1;
                value = rest;
            }
            Std::NumMonth | Std::ZeroMonth => {
                month = num!(getnum(value, std == Std::ZeroMonth));
                if !(1..=12).contains(&month) {
                    range_err = Some("month");
                }
            }
            Std::WeekDay | Std::LongWeekDay => {
                let short: Vec<&str> = DAYS.iter().map(|d| &d[..3]).collect();
                let table: &[&str] = if std == Std::WeekDay { &short } else { &DAYS };
                let (_, rest) = lookup(table, value).ok_or_else(bad)?;
                value = rest;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.first() == Some(&b' ') {
                    value = &value[1..];
                }
                day = num!(getnum(value, std == Std::ZeroDay));
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                        value = &value[1..];
                    }
                }
                yday = num!(getnum3(value, std == Std::ZeroYearDay));
            }
            Std::Hour => {
                hour = num!(getnum(value, false));
                if !(0..24).contains(&hour) {
                    range_err = Some("hour");
                }
            }
            Std::Hour12 | Std::ZeroHour12 => {
                hour = num!(getnum(value, std == Std::ZeroHour12));
                if !(0..=12).contains(&hour) {
                    range_err = Some("hour");
                }
            }
            Std::Minute | Std::ZeroMinute => {
                min = num!(getnum(value, std == Std::ZeroMinute));
                if !(0..60).contains(&min) {
                    range_err = Some("minute");
                }
            }
            Std::Second | Std::ZeroSecond => {
                sec = num!(getnum(value, std == Std::ZeroSecond));
                if !(0..60).contains(&sec) {
                    range_err = Some("second");
                } else if value.len() >= 2 && matches!(value[0], b'.' | b',') && is_digit(value, 1)
                {
                    // A fraction the layout does not spell out.
                    let (_, next, _) = next_chunk(layout);
                    if !matches!(next, Some(Std::FracSecond0(..) | Std::FracSecond9(..))) {
                        let n = 2 + value[2..].iter().take_while(|c| c.is_ascii_digit()).count();
                        match parse_nanoseconds(value, n) {
                            Ok(ns) => nsec = ns,
                            Err(Some(r)) => range_err = Some(r),
                            Err(None) => return Err(bad()),
                        }
                        value = &value[n..];
                    }
                }
            }
            Std::PM | Std::Lowerpm => {
                if value.len() < 2 {
                    return Err(bad());
                }
                let (p, rest) = value.split_at(2);
                value = rest;
                let (a, b): (&[u8], &[u8]) = if std == Std::PM {
                    (b"AM", b"PM")
                } else {
                    (b"am", b"pm")
                };
                if p == b {
                    pm = true;
                } else if p == a {
                    am = true;
                } else {
                    return Err(bad());
                }
            }
            Std::TZ => {
                if value.len() >= 3 && &value[..3] == b"UTC" {
                    utc = true;
                    value = &value[3..];
                } else {
                    let n = parse_time_zone(value).ok_or_else(bad)?;
                    zone_name = value[..n].to_vec();
                    value = &value[n..];
                }
            }
            Std::FracSecond0(_, digits) => {
                let n = 1 + digits;
                if value.len() < n {
                    return Err(bad());
                }
                match parse_nanoseconds(value, n) {
                    Ok(ns) => nsec = ns,
                    Err(Some(r)) => range_err = Some(r),
                    Err(None) => return Err(bad()),
                }
                value = &value[n..];
            }
            Std::FracSecond9(..) => {
                if value.len() >= 2 && matches!(value[0], b'.' | b',') && is_digit(value, 1) {
                    let i = value[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    match parse_nanoseconds(value, 1 + i) {
                        Ok(ns) => nsec = ns,
                        Err(Some(r)) => range_err = Some(r),
                        Err(None) => return Err(bad()),
                    }
                    value = &value[1 + i..];
                }
            }
            tz => {
                let iso = matches!(
                    tz,
                    Std::Iso8601TZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ColonSecondsTZ
                );
                if iso && value.first() == Some(&b'Z') {
                    value = &value[1..];
                    utc = true;
                } else {
                    let (sign, hh, mm, ss, rest): (u8, &[u8], &[u8], &[u8], &[u8]) = match tz {
                        Std::Iso8601ColonTZ | Std::NumColonTZ => {
                            if value.len() < 6 || value[3] != b':' {
                                return Err(bad());
                            }
                            (value[0], &value[1..3], &value[4..6], b"00", &value[6..])
                        }
                        Std::NumShortTZ | Std::Iso8601ShortTZ => {
                            if value.len() < 3 {
                                return Err(bad());
                            }
                            (value[0], &value[1..3], b"00", b"00", &value[3..])
                        }
                        Std::Iso8601ColonSecondsTZ | Std::NumColonSecondsTZ => {
                            if value.len() < 9 || value[3] != b':' || value[6] != b':' {
                                return Err(bad());
                            }
                            (
                                value[0],
                                &value[1..3],
                                &value[4..6],
                                &value[7..9],
                                &value[9..],
                            )
                        }
                        Std::Iso8601SecondsTZ | Std::NumSecondsTz => {
                            if value.len() < 7 {
                                return Err(bad());
                            }
                            (
                                value[0],
                                &value[1..3],
                                &value[3..5],
                                &value[5..7],
                                &value[7..],
                            )
                        }
                        _ => {
                            if value.len() < 5 {
                                return Err(bad());
                            }
                            (value[0], &value[1..3], &value[3..5], b"00", &value[5..])
                        }
                    };
                    value = rest;
                    let hr = getnum(hh, true).ok_or_else(bad)?.0;
                    let mi = getnum(mm, true).ok_or_else(bad)?.0;
                    let se = getnum(ss, true).ok_or_else(bad)?.0;
                    if hr > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if se > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return Err(bad()),
                    });
                }
            }
        }
        if let Some(r) = range_err {
            return Err(message_error(value_all, &format!(": {r} out of range")));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(message_error(value_all, ": day-of-year out of range"));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if month >= 0 && month != m {
            return Err(message_error(
                value_all,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(message_error(value_all, ": day-of-year does not match day"));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(message_error(value_all, ": day out of range"));
    }
    let wall = |loc: &Loc| date_nanos(year, month, day, hour, min, sec, nsec, loc);
    if utc {
        return Ok(GoTime::new(wall(&Loc::Utc), Loc::Utc));
    }
    if let Some(off) = zone_offset {
        let t = wall(&Loc::Utc) - i128::from(off) * 1_000_000_000;
        let (name, local_off) = local.lookup(timestamp(t));
        if i64::from(local_off) == off && (zone_name.is_empty() || name.as_bytes() == zone_name) {
            return Ok(GoTime::new(t, local.clone()));
        }
        let name = String::from_utf8_lossy(&zone_name).into_owned();
        return Ok(GoTime::new(t, Loc::Fixed(name, off as i32)));
    }
    if !zone_name.is_empty() {
        let t = wall(&Loc::Utc);
        let name = String::from_utf8_lossy(&zone_name).into_owned();
        if let Some(off) = lookup_name(local, &name, t) {
            return Ok(GoTime::new(
                t - i128::from(off) * 1_000_000_000,
                local.clone(),
            ));
        }
        let mut offset = 0;
        if name.len() > 3 && name.starts_with("GMT") {
            offset = atoi(&name.as_bytes()[3..]).unwrap_or(0) as i32 * 3600;
        }
        return Ok(GoTime::new(t, Loc::Fixed(name, offset)));
    }
    Ok(GoTime::new(wall(local), local.clone()))
}

/// Go's `Location.lookupName`: the offset of a zone called `name` in
/// `loc`, preferring one in effect around `unix`. Go scans the
/// location's zone table; jiff exposes transitions only, so this samples
/// the offsets in effect across the surrounding year.
fn lookup_name(loc: &Loc, name: &str, nanos: i128) -> Option<i32> {
    const DAY: i128 = 86_400 * 1_000_000_000;
    let samples: Vec<(String, i32)> = (-6..=6)
        .map(|k| loc.lookup(timestamp(nanos + k * 30 * DAY)))
        .collect();
    for (n, off) in &samples {
        if n == name {
            let at = nanos - i128::from(*off) * 1_000_000_000;
            if loc.lookup(timestamp(at)).0 == name {
                return Some(*off);
            }
        }
    }
    samples
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, off)| off)
}
