//! Go's `time` text forms: `Time.Format` and `time.ParseInLocation` with
//! Go's reference-time layouts (`2006-01-02T15:04:05Z07:00`, `Mon Jan _2`,
//! `.000`, `MST`, ...) and their error texts, `Duration.String` and
//! `time.ParseDuration`. Ports of Go 1.26's `time/format.go` and
//! `time/time.go`, over [`GoTime`].

pub(crate) use crate::gojson::go_time_format::{Std, next_chunk};

use super::go_time::{GoTime, Loc, timestamp};
use crate::gojson::go_time_format::{Civil, format_civil};

/// Go's `Time.Format`.
pub(crate) fn format(t: &GoTime, layout: &str) -> String {
    let f = t.fields();
    let civil = Civil {
        year: f.year,
        month: f.month,
        day: f.day,
        yday: f.yday,
        weekday: f.weekday,
        hour: f.hour,
        min: f.min,
        sec: f.sec,
        nsec: f.nsec,
        offset: i64::from(f.offset),
    };
    format_civil(&civil, layout, || {
        (!f.abbrev.is_empty()).then(|| f.abbrev.clone())
    })
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
