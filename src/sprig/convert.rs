//! The conversions Sprig applies to `interface{}` arguments: spf13/cast
//! v1.7.0 (`toInt`, `toFloat64`, ...) and Sprig's own `strval`/`strslice`,
//! plus the small registration helpers every Sprig family file uses.

use crate::gotemplate::fmt::sprint;
use crate::gotemplate::strconv;
use crate::gotemplate::{
    Context, FloatKind, Func, FuncError, Funcs, IntKind, List, Signature, Str, Type, Value,
};

/// Go `int`.
pub(crate) const INT: Type = Type::Int(IntKind::Int);
/// Go `int64`.
pub(crate) const INT64: Type = Type::Int(IntKind::Int64);
/// Go `float64`.
pub(crate) const FLOAT64: Type = Type::Float(FloatKind::F64);
/// Go `string`.
pub(crate) const STRING: Type = Type::String;
/// Go `bool`.
pub(crate) const BOOL: Type = Type::Bool;
/// Go `interface {}`.
pub(crate) const ANY: Type = Type::Interface;

/// `[]T`.
pub(crate) fn slice_of(elem: Type) -> Type {
    Type::Slice(Box::new(elem))
}

/// `map[string]T`.
pub(crate) fn map_of(elem: Type) -> Type {
    Type::Map(Box::new(elem), None)
}

/// Registers a function whose body does not need the running template.
pub(crate) fn def(
    funcs: &mut Funcs,
    name: &str,
    sig: Signature,
    body: impl Fn(Vec<Value>) -> Result<Value, FuncError> + 'static,
) {
    funcs.insert(Func::new(
        name,
        sig,
        move |_: &mut dyn Context, args: Vec<Value>| body(args),
    ));
}

/// The text of an argument the executor already converted to `string`.
pub(crate) fn arg_str(v: &Value) -> Str {
    match v {
        Value::String(s) => s.clone(),
        _ => Str::default(),
    }
}

/// The value of an argument the executor already converted to an integer.
pub(crate) fn arg_int(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        _ => 0,
    }
}

/// The value of an argument the executor already converted to `bool`.
pub(crate) fn arg_bool(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// A Go `string` result.
pub(crate) fn string_value(bytes: impl Into<Str>) -> Value {
    Value::String(bytes.into())
}

/// A Go `[]string` result.
pub(crate) fn string_list(items: Vec<Str>) -> Value {
    Value::List(List::new(
        Type::String,
        items.into_iter().map(Value::String).collect(),
    ))
}

/// Go's `int64(f)` on amd64: truncation, and the "integer indefinite"
/// value `math.MinInt64` for NaN and out-of-range floats (Rust's `as`
/// saturates instead).
pub(crate) fn float_to_i64(f: f64) -> i64 {
    // 2^63 is exactly representable; anything at or beyond it overflows.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_nan() || !(-LIMIT..LIMIT).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` on bytes (`None` on a syntax or
/// range error).
pub(crate) fn parse_int_base0(s: &[u8]) -> Option<i64> {
    strconv::parse_int(std::str::from_utf8(s).ok()?)
}

/// Go's `strconv.ParseFloat(s, 64)` on bytes.
pub(crate) fn parse_float(s: &[u8]) -> Option<f64> {
    strconv::parse_float(std::str::from_utf8(s).ok()?)
}

/// spf13/cast `ToInt64` (errors give 0): `"010"` = 8, `"08"` = 0,
/// `"1.0"` = 1, `"1.5"` = 0, `1.9` = 1, `true` = 1, overflowing floats
/// give `i64::MIN` as Go on amd64.
pub fn to_int64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        // Go's int64(uint64) wraps.
        Value::Uint(u, _) => *u as i64,
        Value::Float(f, _) => float_to_i64(*f),
        Value::String(s) => parse_int_base0(trim_zero_decimal(s.as_bytes())).unwrap_or(0),
        Value::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// cast's `trimZeroDecimal`: `"1.00"` → `"1"`, anything else unchanged.
fn trim_zero_decimal(s: &[u8]) -> &[u8] {
    let mut found_zero = false;
    for i in (1..=s.len()).rev() {
        match s[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// spf13/cast `ToInt` (same rules, Go `int`).
pub fn to_int(v: &Value) -> i64 {
    to_int64(v)
}

/// spf13/cast `ToFloat64` (errors give 0).
pub fn to_float64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f, _) => *f,
        Value::String(s) => parse_float(s.as_bytes()).unwrap_or(0.0),
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

/// spf13/cast `ToString` (`toString` is Sprig's `strval`, not this):
/// strings, numbers (floats as `'f', -1`), bools, `[]byte`, Stringers;
/// nil and anything else give `""`.
pub fn to_string(v: &Value) -> Str {
    match v {
        Value::String(s) => s.clone(),
        Value::Bytes(b) => Str::from(&b[..]),
        Value::Bool(b) => Str::from(if *b { "true" } else { "false" }),
        Value::Int(i, _) => Str::from(i.to_string()),
        Value::Uint(u, _) => Str::from(u.to_string()),
        Value::Float(f, kind) => Str::from(format_float_f(*f, *kind)),
        Value::Object(o) => Str::from(o.format_v()),
        _ => Str::default(),
    }
}

/// Go's `strconv.FormatFloat(f, 'f', -1, bits)`: Rust's `Display` is the
/// same shortest-digits, never-exponent text, except for infinities.
fn format_float_f(f: f64, kind: FloatKind) -> String {
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    match kind {
        FloatKind::F32 => (f as f32).to_string(),
        FloatKind::F64 => f.to_string(),
    }
}

/// Sprig's `strval`: strings as they are, `[]byte` as text, errors and
/// Stringers by their text, everything else as `fmt.Sprintf("%v")`.
pub fn strval(v: &Value) -> Str {
    match v {
        Value::String(s) => s.clone(),
        Value::Bytes(b) => Str::from(&b[..]),
        _ => Str::from(sprint(std::slice::from_ref(v))),
    }
}

/// Whether `v` is a nil `interface{}` as Go compares `v == nil`: an
/// element of `[]interface{}` that holds nothing. A typed nil (a nil map
/// inside an interface) is not.
pub(crate) fn is_nil_interface(v: &Value) -> bool {
    matches!(v, Value::Invalid | Value::Nil(Type::Interface))
}

/// Sprig's `strslice`: a `[]string` as it is; other lists' items through
/// `strval` with nils dropped (`[]byte` counts as a list of numbers); nil
/// as an empty list; anything else as a one-item list.
pub fn strslice(v: &Value) -> Vec<Str> {
    match v {
        Value::List(list) if *list.elem() == Type::String => {
            list.items().iter().map(strval).collect()
        }
        Value::List(list) => list
            .items()
            .iter()
            .filter(|item| !is_nil_interface(item))
            .map(strval)
            .collect(),
        Value::Bytes(bytes) => bytes.iter().map(|b| Str::from(b.to_string())).collect(),
        Value::Nil(Type::Slice(_) | Type::Bytes) => Vec::new(),
        v if is_nil_interface(v) => Vec::new(),
        v => vec![strval(v)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::string(text)
    }

    // Expectations: spf13/cast v1.7.0 (caste.go) with Go's strconv, as in
    // rendering.md §10; checked with the oracle in fixtures/sprig/gen.
    #[test]
    fn to_int64_follows_cast() {
        let cases: &[(Value, i64)] = &[
            (s("010"), 8),
            (s("08"), 0),
            (s("1.5"), 0),
            (s("1.0"), 1),
            (s("1.00"), 1),
            (s("0x1F"), 31),
            (s("0b101"), 5),
            (s("0o17"), 15),
            (s("1_000"), 1000),
            (s("_1"), 0),
            (s("-42"), -42),
            (s("+7"), 7),
            (s(""), 0),
            (s("abc"), 0),
            (s("9223372036854775808"), 0),
            (s("-9223372036854775808"), i64::MIN),
            (Value::float64(1.9), 1),
            (Value::float64(-1.9), -1),
            (Value::float64(1e300), i64::MIN),
            (Value::float64(f64::NAN), i64::MIN),
            (Value::Bool(true), 1),
            (Value::nil(), 0),
            (Value::int64(5), 5),
            (
                Value::Uint(u64::MAX, crate::gotemplate::UintKind::Uint64),
                -1,
            ),
        ];
        for (v, want) in cases {
            assert_eq!(to_int64(v), *want, "{v:?}");
        }
    }

    #[test]
    fn to_float64_follows_cast() {
        let cases: &[(Value, f64)] = &[
            (s("1.5"), 1.5),
            (s(".5"), 0.5),
            (s("5."), 5.0),
            (s("1e3"), 1000.0),
            (s("1_000.5"), 1000.5),
            (s("1e400"), 0.0),
            (s("abc"), 0.0),
            (s("0x10"), 0.0),
            (s("0x1p-2"), 0.25),
            (s("-0x1.8p1"), -3.0),
            (s("-Inf"), f64::NEG_INFINITY),
            (Value::int64(3), 3.0),
            (Value::Bool(true), 1.0),
            (Value::nil(), 0.0),
        ];
        for (v, want) in cases {
            assert_eq!(to_float64(v), *want, "{v:?}");
        }
    }

    #[test]
    fn to_string_follows_cast() {
        assert_eq!(
            to_string(&Value::float64(1e21)).as_bytes(),
            b"1000000000000000000000"
        );
        assert_eq!(to_string(&Value::float64(0.1)).as_bytes(), b"0.1");
        assert_eq!(to_string(&Value::Bool(true)).as_bytes(), b"true");
        assert_eq!(to_string(&Value::nil()).as_bytes(), b"");
    }

    #[test]
    fn strslice_drops_nils_and_keeps_string_lists() {
        let list = Value::list(vec![s("a"), Value::nil(), s("b")]);
        assert_eq!(strslice(&list), vec![Str::from("a"), Str::from("b")]);
        assert_eq!(strslice(&Value::nil()), Vec::<Str>::new());
        assert_eq!(strslice(&s("x")), vec![Str::from("x")]);
        assert_eq!(
            strslice(&Value::Bytes(std::rc::Rc::from(&b"hi"[..]))),
            vec![Str::from("104"), Str::from("105")]
        );
    }
}
