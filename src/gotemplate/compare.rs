//! Go's comparison builtins (`eq`, `lt`, `le`; `ne`, `gt`, `ge` derive
//! from them): only basic kinds compare, signed and unsigned integers mix,
//! anything else mixed is `incompatible types for comparison` (so `eq
//! .Values.n 1` fails when `n` came from a values file as a float64).

use super::exec::Val;
use super::fmt::value_type_name;
use super::value::{Type, Value};

const BAD_TYPE: &str = "invalid type for comparison";
const NO_COMPARISON: &str = "missing argument for comparison";

/// Go's `basicKind` classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
    Uint,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Uint(..) => Kind::Uint,
        Value::Float(..) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

/// `reflect.Kind` classes of non-basic values, for `canCompare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RKind {
    Invalid,
    Basic,
    Slice,
    Map,
    Pointer,
    Func,
    Interface,
}

fn reflect_kind(v: &Value) -> RKind {
    match v {
        Value::Invalid => RKind::Invalid,
        Value::Bytes(_) | Value::List(_) => RKind::Slice,
        Value::Map(_) => RKind::Map,
        Value::Object(_) => RKind::Pointer,
        Value::Func(_) => RKind::Func,
        Value::Nil(t) => match t {
            Type::Slice(_) | Type::Bytes => RKind::Slice,
            Type::Map(..) => RKind::Map,
            Type::Func => RKind::Func,
            Type::Interface | Type::Error => RKind::Interface,
            _ => RKind::Pointer,
        },
        _ => RKind::Basic,
    }
}

fn is_nil(v: &Value) -> bool {
    matches!(v, Value::Invalid | Value::Nil(_))
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

fn uint_of(v: &Value) -> u64 {
    match v {
        Value::Uint(u, _) => *u,
        _ => 0,
    }
}

fn type_of(v: &Value) -> String {
    value_type_name(v)
}

/// `%v` of a value inside an error text.
fn show(v: &Value) -> String {
    super::exec::sprint_one(v)
}

/// `%s` of a value inside an error text (differs from `%v` for
/// non-strings inside containers: `map[a:%!s(int=1)]`).
fn show_s(v: &Value) -> String {
    String::from_utf8_lossy(&super::fmt::sprintf(b"%s", std::slice::from_ref(v))).into_owned()
}

/// Go's `eq`: `arg1 == arg2 || arg1 == arg3 || ...`.
pub(super) fn eq(arg1: &Val, rest: &[Val]) -> Result<bool, String> {
    let a = arg1.indirect_interface();
    if rest.is_empty() {
        return Err(NO_COMPARISON.to_string());
    }
    let k1 = basic_kind(&a);
    for arg in rest {
        let b = arg.indirect_interface();
        let k2 = basic_kind(&b);
        let truth = if k1 != k2 {
            match (k1, k2) {
                // Integers compare regardless of the type's sign.
                (Kind::Int, Kind::Uint) => int_of(&a) >= 0 && int_of(&a) as u64 == uint_of(&b),
                (Kind::Uint, Kind::Int) => int_of(&b) >= 0 && uint_of(&a) == int_of(&b) as u64,
                _ => {
                    if !matches!(a, Value::Invalid) && !matches!(b, Value::Invalid) {
                        return Err(format!(
                            "incompatible types for comparison: {} and {}",
                            type_of(&a),
                            type_of(&b)
                        ));
                    }
                    false
                }
            }
        } else {
            match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Float(x, _), Value::Float(y, _)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
                _ => {
                    let (r1, r2) = (reflect_kind(&a), reflect_kind(&b));
                    if r1 != r2 && r1 != RKind::Invalid && r2 != RKind::Invalid {
                        return Err(format!(
                            "non-comparable types {}: {}, {}: {}",
                            show_s(&a),
                            type_of(&a),
                            type_of(&b),
                            show(&b)
                        ));
                    }
                    if is_nil(&a) || is_nil(&b) {
                        is_nil(&a) == is_nil(&b)
                    } else {
                        match (&a, &b) {
                            (Value::Object(x), Value::Object(y)) => {
                                std::ptr::addr_eq(std::rc::Rc::as_ptr(x), std::rc::Rc::as_ptr(y))
                            }
                            _ => {
                                return Err(format!(
                                    "non-comparable type {}: {}",
                                    show_s(&b),
                                    type_of(&b)
                                ));
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `lt`.
pub(super) fn lt(arg1: &Val, arg2: &Val) -> Result<bool, String> {
    let a = arg1.indirect_interface();
    let k1 = basic_kind(&a);
    if k1 == Kind::Invalid {
        return Err(BAD_TYPE.to_string());
    }
    let b = arg2.indirect_interface();
    let k2 = basic_kind(&b);
    if k2 == Kind::Invalid {
        return Err(BAD_TYPE.to_string());
    }
    if k1 != k2 {
        return match (k1, k2) {
            (Kind::Int, Kind::Uint) => Ok(int_of(&a) < 0 || (int_of(&a) as u64) < uint_of(&b)),
            (Kind::Uint, Kind::Int) => Ok(int_of(&b) >= 0 && uint_of(&a) < int_of(&b) as u64),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                type_of(&a),
                type_of(&b)
            )),
        };
    }
    match (&a, &b) {
        (Value::Float(x, _), Value::Float(y, _)) => Ok(x < y),
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => Ok(x < y),
        (Value::Uint(x, _), Value::Uint(y, _)) => Ok(x < y),
        _ => Err(BAD_TYPE.to_string()),
    }
}

/// Go's `le`: `lt` or `eq`.
pub(super) fn le(arg1: &Val, arg2: &Val) -> Result<bool, String> {
    if lt(arg1, arg2)? {
        return Ok(true);
    }
    eq(arg1, std::slice::from_ref(arg2))
}
