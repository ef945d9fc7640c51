//! Go's `time.Time` as a template object: an instant, the location it
//! prints in, and (for `now`) a monotonic clock reading, with the methods
//! templates call on it (`.Year`, `.Unix`, `.Format "..."`, ...).

use std::cell::Cell;
use std::rc::Rc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::gotemplate::{Func, FuncError, IntKind, Object, Signature, Type, Value};

use super::Env;
use super::go_time_format::format;
use super::typed::{arg, int, string, text};

/// Go's name for the type.
pub(crate) const TIME_TYPE: &str = "time.Time";

const NANOS: i128 = 1_000_000_000;

/// Where a time prints: UTC, the local zone, a tz database zone, or a
/// fixed offset with a name (possibly empty), as Go's `FixedZone`.
#[derive(Clone, Debug)]
pub(crate) enum Loc {
    /// `time.UTC`.
    Utc,
    /// `time.Local` (the environment's zone).
    Local(TimeZone),
    /// A zone from `time.LoadLocation(name)`.
    Named(String, TimeZone),
    /// `time.FixedZone(name, offset)`.
    Fixed(String, i32),
}

impl Loc {
    /// UTC.
    pub(crate) fn utc() -> Loc {
        Loc::Utc
    }

    /// The zone abbreviation and UTC offset in effect at `ts`.
    pub(crate) fn lookup(&self, ts: Timestamp) -> (String, i32) {
        let tz = match self {
            Loc::Utc => return ("UTC".to_string(), 0),
            Loc::Fixed(name, off) => return (name.clone(), *off),
            Loc::Local(tz) | Loc::Named(_, tz) => tz,
        };
        let info = tz.to_offset_info(ts);
        (info.abbreviation().to_string(), info.offset().seconds())
    }
}

/// A Go `time.Time`.
#[derive(Clone, Debug)]
pub struct GoTime {
    /// Nanoseconds since the Unix epoch.
    pub(crate) nanos: i128,
    pub(crate) loc: Loc,
    /// The monotonic reading `String()` prints as `m=+1.5`, only on
    /// times from `now` (and `dateModify` of them).
    pub(crate) mono: Option<i64>,
}

/// The civil fields of a time in its location.
pub(crate) struct Fields {
    pub(crate) year: i64,
    pub(crate) month: i64,
    pub(crate) day: i64,
    pub(crate) yday: i64,
    /// Sunday = 0, as Go's `Weekday`.
    pub(crate) weekday: i64,
    pub(crate) hour: i64,
    pub(crate) min: i64,
    pub(crate) sec: i64,
    pub(crate) nsec: i64,
    pub(crate) offset: i32,
    pub(crate) abbrev: String,
}

pub(crate) use crate::gojson::go_time_format::{DAYS, MONTHS};

/// The proleptic Gregorian date `days` after 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A jiff timestamp for `nanos`, clamped to jiff's (±9999 years) range.
pub(crate) fn timestamp(nanos: i128) -> Timestamp {
    let lo = Timestamp::MIN.as_nanosecond();
    let hi = Timestamp::MAX.as_nanosecond();
    Timestamp::from_nanosecond(nanos.clamp(lo, hi)).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl GoTime {
    /// A time at `nanos` since the epoch, in `loc`.
    pub(crate) fn new(nanos: i128, loc: Loc) -> GoTime {
        GoTime {
            nanos,
            loc,
            mono: None,
        }
    }

    /// Go's zero `time.Time{}`: January 1, year 1, 00:00:00 UTC.
    pub(crate) fn zero() -> GoTime {
        GoTime::new(-62_135_596_800 * NANOS, Loc::utc())
    }

    /// Wraps the time as a template value.
    pub(crate) fn value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    /// Seconds since the epoch (Go's `Unix`, floored).
    pub(crate) fn unix(&self) -> i64 {
        self.nanos.div_euclid(NANOS) as i64
    }

    /// The civil fields in the time's own location. The calendar is
    /// computed here (Go's range, not jiff's); jiff only supplies the
    /// zone's offset.
    pub(crate) fn fields(&self) -> Fields {
        let (abbrev, offset) = self.loc.lookup(timestamp(self.nanos));
        let local = self.nanos.div_euclid(NANOS) as i64 + i64::from(offset);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Fields {
            year,
            month,
            day,
            yday: days - super::go_time_format::days_from_civil(year, 1, 1) + 1,
            // 1970-01-01 was a Thursday.
            weekday: (days + 4).rem_euclid(7),
            hour: secs / 3600,
            min: secs % 3600 / 60,
            sec: secs % 60,
            nsec: self.nanos.rem_euclid(NANOS) as i64,
            offset,
            abbrev,
        }
    }

    /// The same instant in another location (Go's `In`, which drops the
    /// monotonic reading).
    pub(crate) fn in_loc(&self, loc: Loc) -> GoTime {
        GoTime::new(self.nanos, loc)
    }

    /// Go's `Add` (the monotonic reading moves along).
    pub(crate) fn add(&self, d: i64) -> GoTime {
        GoTime {
            nanos: self.nanos + i128::from(d),
            loc: self.loc.clone(),
            mono: self.mono.map(|m| m.wrapping_add(d)),
        }
    }

    /// The local zone as this time knows it (UTC when it was made
    /// elsewhere: functions receiving a time rebuild `Local` from the
    /// environment).
    fn local_tz(&self) -> TimeZone {
        match &self.loc {
            Loc::Local(tz) => tz.clone(),
            _ => TimeZone::system(),
        }
    }

    /// Go's `String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, then
    /// ` m=±s.nnnnnnnnn` when there is a monotonic reading.
    pub(crate) fn to_go_string(&self) -> String {
        let mut s = format(self, "2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(m) = self.mono {
            let sign = if m < 0 { '-' } else { '+' };
            let u = m.unsigned_abs();
            s.push_str(&format!(
                " m={sign}{}.{:09}",
                u / 1_000_000_000,
                u % 1_000_000_000
            ));
        }
        s
    }
}

thread_local! {
    /// The first clock reading of this thread's renders: Go's monotonic
    /// readings count from process start, `now` prints them relative to
    /// this.
    static START: Cell<Option<i128>> = const { Cell::new(None) };
}

/// Go's `time.Now()` from the environment's clock, in the local zone.
pub(crate) fn now(env: &Env) -> GoTime {
    let nanos = (env.now)().as_nanosecond();
    let start = START.with(|s| {
        let v = s.get().unwrap_or(nanos);
        s.set(Some(v));
        v
    });
    GoTime {
        nanos,
        loc: Loc::Local(env.tz()),
        mono: Some((nanos - start) as i64),
    }
}

/// Go's `time.LoadLocation`: "" and "UTC" are UTC, "Local" the local
/// zone, anything else a tz database name, spelled exactly (Go reads
/// case-sensitive files); `None` when there is no such zone.
pub(crate) fn load_location(name: &str, env: &Env) -> Option<Loc> {
    match name {
        "" | "UTC" => Some(Loc::utc()),
        "Local" => Some(Loc::Local(env.tz())),
        _ => {
            let tz = TimeZone::get(name).ok()?;
            (tz.iana_name() == Some(name)).then(|| Loc::Named(name.to_string(), tz))
        }
    }
}

/// The hidden field a time object answers with its state, so functions
/// receiving the object (as `dyn Object`) can rebuild the [`GoTime`].
const STATE_FIELD: &str = "\0time";

/// The `time.Time` argument of a method or function.
pub(crate) fn as_time(v: &Value, env: &Env) -> Option<GoTime> {
    let Value::Object(o) = v else { return None };
    time_of(o.as_ref(), &env.tz())
}

/// What `encoding/json` writes for a `time.Time` object (its
/// `MarshalJSON`: RFC 3339 with nanoseconds), `None` for other objects.
/// The local zone is the process's, as Go's `time.Local`.
pub(crate) fn time_json(o: &dyn Object) -> Option<String> {
    Some(time_of(o, &TimeZone::system())?.rfc3339_nano())
}

impl GoTime {
    /// Go's `Format(time.RFC3339Nano)`.
    pub(crate) fn rfc3339_nano(&self) -> String {
        format(self, "2006-01-02T15:04:05.999999999Z07:00")
    }
}

fn time_of(o: &dyn Object, local: &TimeZone) -> Option<GoTime> {
    if o.type_name() != TIME_TYPE {
        return None;
    }
    let Some(Value::String(state)) = o.field(STATE_FIELD) else {
        return None;
    };
    let state = state.as_str()?;
    let mut parts = state.splitn(5, '\t');
    let nanos = parts.next()?.parse().ok()?;
    let mono = parts.next()?.parse().ok();
    let tag = parts.next()?;
    let offset = parts.next()?.parse().ok()?;
    let name = parts.next()?.to_string();
    let loc = match tag {
        "U" => Loc::Utc,
        "L" => Loc::Local(local.clone()),
        "N" => Loc::Named(name.clone(), TimeZone::get(&name).ok()?),
        _ => Loc::Fixed(name, offset),
    };
    Some(GoTime { nanos, loc, mono })
}

impl GoTime {
    fn state(&self) -> String {
        let (tag, offset, name) = match &self.loc {
            Loc::Utc => ("U", 0, ""),
            Loc::Local(_) => ("L", 0, ""),
            Loc::Named(n, _) => ("N", 0, n.as_str()),
            Loc::Fixed(n, o) => ("F", *o, n.as_str()),
        };
        let mono = self.mono.map_or("-".to_string(), |m| m.to_string());
        format!("{}\t{mono}\t{tag}\t{offset}\t{name}", self.nanos)
    }
}

fn method(
    name: &str,
    sig: Signature,
    f: impl Fn(&[Value]) -> Result<Value, FuncError> + 'static,
) -> Func {
    Func::new(name, sig, move |_, args| f(&args))
}

impl Object for GoTime {
    fn type_name(&self) -> String {
        TIME_TYPE.to_string()
    }

    fn method(&self, name: &str) -> Option<Func> {
        let t = self.clone();
        let go_int = Type::Int(IntKind::Int);
        let int64 = Type::Int(IntKind::Int64);
        let none = |r: Type| Signature::new(vec![], r);
        let int_field = |get: fn(&Fields) -> i64| {
            let t = t.clone();
            method(name, none(Type::Int(IntKind::Int)), move |_| {
                Ok(Value::int(get(&t.fields())))
            })
        };
        Some(match name {
            "Year" => int_field(|f| f.year),
            "Day" => int_field(|f| f.day),
            "Hour" => int_field(|f| f.hour),
            "Minute" => int_field(|f| f.min),
            "Second" => int_field(|f| f.sec),
            "Nanosecond" => int_field(|f| f.nsec),
            "YearDay" => int_field(|f| f.yday),
            "Month" => method(name, none(Type::Named(Rc::from("time.Month"))), move |_| {
                Ok(Value::Object(Rc::new(GoEnum::month(t.fields().month))))
            }),
            "Weekday" => method(
                name,
                none(Type::Named(Rc::from("time.Weekday"))),
                move |_| Ok(Value::Object(Rc::new(GoEnum::weekday(t.fields().weekday)))),
            ),
            "Unix" => method(name, none(int64.clone()), move |_| {
                Ok(Value::int64(t.unix()))
            }),
            "UnixMilli" => method(name, none(int64.clone()), move |_| {
                Ok(Value::int64(t.nanos.div_euclid(1_000_000) as i64))
            }),
            "UnixMicro" => method(name, none(int64.clone()), move |_| {
                Ok(Value::int64(t.nanos.div_euclid(1_000) as i64))
            }),
            "UnixNano" => method(name, none(int64.clone()), move |_| {
                Ok(Value::int64(t.nanos as i64))
            }),
            "IsZero" => method(name, none(Type::Bool), move |_| {
                Ok(Value::Bool(t.nanos == GoTime::zero().nanos))
            }),
            "String" => method(name, none(Type::String), move |_| {
                Ok(string(t.to_go_string()))
            }),
            "Format" => method(
                name,
                Signature::new(vec![Type::String], Type::String),
                move |args| Ok(string(format(&t, &text(arg(args, 0))))),
            ),
            // time.Duration is a named int64; constants convert to it.
            "Add" => method(
                name,
                Signature::new(vec![int64.clone()], Type::Named(Rc::from(TIME_TYPE))),
                move |args| Ok(t.add(int(arg(args, 0))).value()),
            ),
            "Local" => method(name, none(Type::Named(Rc::from(TIME_TYPE))), move |_| {
                Ok(t.in_loc(Loc::Local(t.local_tz())).value())
            }),
            "UTC" => method(name, none(Type::Named(Rc::from(TIME_TYPE))), move |_| {
                Ok(t.in_loc(Loc::utc()).value())
            }),
            "AddDate" => method(
                name,
                Signature::new(
                    vec![go_int.clone(), go_int.clone(), go_int],
                    Type::Named(Rc::from(TIME_TYPE)),
                ),
                move |args| {
                    let f = t.fields();
                    let (y, m, d) = (int(arg(args, 0)), int(arg(args, 1)), int(arg(args, 2)));
                    let nanos = super::go_time_format::date_nanos(
                        f.year + y,
                        f.month + m,
                        f.day + d,
                        f.hour,
                        f.min,
                        f.sec,
                        f.nsec,
                        &t.loc,
                    );
                    Ok(GoTime::new(nanos, t.loc.clone()).value())
                },
            ),
            _ => return None,
        })
    }

    fn field(&self, name: &str) -> Option<Value> {
        // time.Time has no exported fields; the hidden one carries state.
        (name == STATE_FIELD).then(|| string(self.state()))
    }

    fn format_v(&self) -> String {
        self.to_go_string()
    }
}

/// `time.Month` and `time.Weekday`: integers that print as names.
#[derive(Debug)]
struct GoEnum {
    type_name: &'static str,
    name: &'static str,
}

impl GoEnum {
    fn month(m: i64) -> GoEnum {
        GoEnum {
            type_name: "time.Month",
            name: MONTHS[(m - 1).clamp(0, 11) as usize],
        }
    }

    fn weekday(d: i64) -> GoEnum {
        GoEnum {
            type_name: "time.Weekday",
            name: DAYS[d.clamp(0, 6) as usize],
        }
    }
}

impl Object for GoEnum {
    fn type_name(&self) -> String {
        self.type_name.to_string()
    }

    fn method(&self, name: &str) -> Option<Func> {
        let text = self.name;
        (name == "String").then(|| {
            Func::new(name, Signature::new(vec![], Type::String), move |_, _| {
                Ok(string(text))
            })
        })
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn format_v(&self) -> String {
        self.name.to_string()
    }
}
