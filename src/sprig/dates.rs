//! Sprig's date functions: `now`, `date`, `dateInZone`, `htmlDate`,
//! `htmlDateInZone`, `dateModify`, `mustDateModify`, `ago`, `duration`,
//! `durationRound`, `toDate`, `mustToDate`, `unixEpoch` (and their
//! snake_case aliases), over [`GoTime`].
//!
//! As in Sprig, a `date` argument that is not a `time.Time`, `int`,
//! `int32` or `int64` means "now" (a float64 from a values file does);
//! "now" and the local zone come from [`Env`].

use std::rc::Rc;

use crate::gotemplate::{Func, Funcs, IntKind, Signature, Type, Value};

use super::Env;
use super::go_time::{GoTime, Loc, TIME_TYPE, as_time, load_location, now};
use super::go_time_format::{
    duration_round, duration_string, format, parse_duration, parse_in_location,
};
use super::typed::{arg, bytes, fail, string, text};

const SECOND: i64 = 1_000_000_000;

fn time_type() -> Type {
    Type::Named(Rc::from(TIME_TYPE))
}

/// Sprig's "a time, or seconds since the epoch, or else now" rule;
/// `ints` lists the integer kinds the function accepts.
fn time_or_now(v: &Value, env: &Env, ints: &[IntKind]) -> GoTime {
    if let Some(t) = as_time(v, env) {
        return t;
    }
    match v {
        Value::Int(secs, kind) if ints.contains(kind) => {
            GoTime::new(i128::from(*secs) * i128::from(SECOND), Loc::Local(env.tz()))
        }
        _ => now(env),
    }
}

/// Sprig's `dateInZone`: an unknown zone falls back to UTC.
fn date_in_zone(env: &Env, layout: &str, date: &Value, zone: &str) -> String {
    let t = time_or_now(date, env, &[IntKind::Int, IntKind::Int32, IntKind::Int64]);
    let loc = load_location(zone, env).unwrap_or(Loc::Utc);
    format(&t.in_loc(loc), layout)
}

pub(crate) fn register(funcs: &mut Funcs, env: &Env) {
    let iface = Type::Interface;
    let e = env.clone();
    funcs.insert(Func::new(
        "now",
        Signature::new(vec![], time_type()),
        move |_, _| Ok(now(&e).value()),
    ));

    let e = env.clone();
    funcs.insert(Func::new(
        "date",
        Signature::new(vec![Type::String, iface.clone()], Type::String),
        move |_, args| {
            Ok(string(date_in_zone(
                &e,
                &text(arg(&args, 0)),
                arg(&args, 1),
                "Local",
            )))
        },
    ));
    for name in ["dateInZone", "date_in_zone"] {
        let e = env.clone();
        funcs.insert(Func::new(
            name,
            Signature::new(
                vec![Type::String, iface.clone(), Type::String],
                Type::String,
            ),
            move |_, args| {
                let zone = text(arg(&args, 2));
                Ok(string(date_in_zone(
                    &e,
                    &text(arg(&args, 0)),
                    arg(&args, 1),
                    &zone,
                )))
            },
        ));
    }
    let e = env.clone();
    funcs.insert(Func::new(
        "htmlDate",
        Signature::new(vec![iface.clone()], Type::String),
        move |_, args| {
            Ok(string(date_in_zone(
                &e,
                "2006-01-02",
                arg(&args, 0),
                "Local",
            )))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "htmlDateInZone",
        Signature::new(vec![iface.clone(), Type::String], Type::String),
        move |_, args| {
            let zone = text(arg(&args, 1));
            Ok(string(date_in_zone(&e, "2006-01-02", arg(&args, 0), &zone)))
        },
    ));

    for name in ["dateModify", "date_modify"] {
        let e = env.clone();
        funcs.insert(Func::new(
            name,
            Signature::new(vec![Type::String, time_type()], time_type()),
            move |_, args| {
                let t = as_time(arg(&args, 1), &e).unwrap_or_else(GoTime::zero);
                Ok(match parse_duration(bytes(arg(&args, 0))) {
                    Ok(d) => t.add(d),
                    Err(_) => t,
                }
                .value())
            },
        ));
    }
    for name in ["mustDateModify", "must_date_modify"] {
        let e = env.clone();
        funcs.insert(Func::new(
            name,
            Signature::new(vec![Type::String, time_type()], time_type()).with_error(),
            move |_, args| {
                let t = as_time(arg(&args, 1), &e).unwrap_or_else(GoTime::zero);
                let d = parse_duration(bytes(arg(&args, 0))).map_err(fail)?;
                Ok(t.add(d).value())
            },
        ));
    }

    let e = env.clone();
    funcs.insert(Func::new(
        "ago",
        Signature::new(vec![iface.clone()], Type::String),
        move |_, args| {
            let t = time_or_now(arg(&args, 0), &e, &[IntKind::Int, IntKind::Int64]);
            let since = now(&e).nanos - t.nanos;
            let since = since.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
            Ok(string(duration_string(duration_round(since, SECOND))))
        },
    ));
    funcs.insert(Func::new(
        "duration",
        Signature::new(vec![iface.clone()], Type::String),
        |_, args| {
            let n = match arg(&args, 0) {
                Value::String(s) => parse_int(s.as_bytes()),
                Value::Int(n, IntKind::Int64) => *n,
                _ => 0,
            };
            Ok(string(duration_string(n.wrapping_mul(SECOND))))
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "durationRound",
        Signature::new(vec![iface], Type::String),
        move |_, args| {
            let v = arg(&args, 0);
            let d = if let Some(t) = as_time(v, &e) {
                let since = now(&e).nanos - t.nanos;
                since.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
            } else {
                match v {
                    Value::String(s) => parse_duration(s.as_bytes()).unwrap_or(0),
                    Value::Int(n, IntKind::Int64) => *n,
                    _ => 0,
                }
            };
            Ok(string(duration_round_text(d)))
        },
    ));

    let e = env.clone();
    funcs.insert(Func::new(
        "toDate",
        Signature::new(vec![Type::String, Type::String], time_type()),
        move |_, args| {
            let local = Loc::Local(e.tz());
            Ok(
                parse_in_location(bytes(arg(&args, 0)), bytes(arg(&args, 1)), &local)
                    .unwrap_or_else(|_| GoTime::zero())
                    .value(),
            )
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "mustToDate",
        Signature::new(vec![Type::String, Type::String], time_type()).with_error(),
        move |_, args| {
            let local = Loc::Local(e.tz());
            parse_in_location(bytes(arg(&args, 0)), bytes(arg(&args, 1)), &local)
                .map(GoTime::value)
                .map_err(fail)
        },
    ));
    let e = env.clone();
    funcs.insert(Func::new(
        "unixEpoch",
        Signature::new(vec![time_type()], Type::String),
        move |_, args| {
            let t = as_time(arg(&args, 0), &e).unwrap_or_else(GoTime::zero);
            Ok(string(t.unix().to_string()))
        },
    ));
}

/// `strconv.ParseInt(s, 10, 64)` as Sprig's `duration` uses it: a
/// syntax error gives 0, an out-of-range number the nearest bound.
fn parse_int(s: &[u8]) -> i64 {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    let mut v: i128 = 0;
    for &d in digits {
        v = (v * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX));
    }
    let v = if neg { -v } else { v };
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// Sprig's `durationRound`: the largest whole unit (y = 365 days,
/// mo = 30 days), comparing strictly, of the absolute duration.
fn duration_round_text(d: i64) -> String {
    let u = d.unsigned_abs();
    let hour: u64 = 3600 * 1_000_000_000;
    let units = [
        (hour * 24 * 365, "y"),
        (hour * 24 * 30, "mo"),
        (hour * 24, "d"),
        (hour, "h"),
        (60 * 1_000_000_000, "m"),
        (1_000_000_000, "s"),
    ];
    for (size, name) in units {
        if u > size {
            return format!("{}{name}", u / size);
        }
    }
    "0s".to_string()
}

/// A time for tests: `unix` seconds and `nsec` in `zone` ("UTC", "Local"
/// or a tz database name).
#[cfg(test)]
pub(crate) fn test_time(unix: i64, nsec: i64, zone: &str, env: &Env) -> Value {
    let loc = load_location(zone, env).expect("test zone");
    GoTime::new(
        i128::from(unix) * i128::from(SECOND) + i128::from(nsec),
        loc,
    )
    .value()
}
