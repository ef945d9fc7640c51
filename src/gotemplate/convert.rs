//! Go's type rules as the executor needs them: assignability of an
//! argument to a parameter, zero values, and the integer conversions
//! `reflect.Value.Convert`/`SetInt` perform.

use super::value::{FloatKind, IntKind, Type, UintKind, Value};

/// `[]uint8` is spelled two ways in [`Type`]; Go has one type.
fn normalized(t: &Type) -> std::borrow::Cow<'_, Type> {
    match t {
        Type::Bytes => std::borrow::Cow::Owned(Type::Slice(Box::new(Type::Uint(UintKind::Uint8)))),
        other => std::borrow::Cow::Borrowed(other),
    }
}

/// Go's type identity (named types are identical only to themselves).
pub(super) fn identical(a: &Type, b: &Type) -> bool {
    match (&*normalized(a), &*normalized(b)) {
        (Type::Slice(x), Type::Slice(y)) => identical(x, y),
        (Type::Map(x, nx), Type::Map(y, ny)) => nx == ny && (nx.is_some() || identical(x, y)),
        (x, y) => x == y,
    }
}

/// Go's `AssignableTo`: identical types, anything to `interface {}`, and
/// a named map type to its unnamed underlying type and back (so
/// `chartutil.Values` reaches a `map[string]interface {}` parameter).
pub(super) fn assignable(value: &Type, param: &Type) -> bool {
    if *param == Type::Interface {
        return true;
    }
    match (&*normalized(value), &*normalized(param)) {
        (Type::Map(x, nx), Type::Map(y, ny)) if nx.is_none() || ny.is_none() => identical(x, y),
        (x, y) => identical(x, y),
    }
}

/// Go's `canBeNil`: whether an untyped nil converts to the type.
pub(super) fn can_be_nil(t: &Type) -> bool {
    matches!(
        t,
        Type::Interface
            | Type::Error
            | Type::Bytes
            | Type::Slice(_)
            | Type::Map(..)
            | Type::Named(_)
            | Type::Func
    )
}

/// Go's `reflect.Zero(t)`.
pub(super) fn zero(t: &Type) -> Value {
    match t {
        Type::Bool => Value::Bool(false),
        Type::Int(k) => Value::Int(0, *k),
        Type::Uint(k) => Value::Uint(0, *k),
        Type::Float(k) => Value::Float(0.0, *k),
        Type::String => Value::String("".into()),
        other => Value::Nil(other.clone()),
    }
}

/// Whether the kind is one of Go's integer kinds (`intLike`).
pub(super) fn int_like(t: &Type) -> bool {
    matches!(t, Type::Int(_) | Type::Uint(_))
}

/// `SetInt` on an integer kind: Go silently truncates to the width.
pub(super) fn wrap_int(i: i64, k: IntKind) -> i64 {
    match k {
        IntKind::Int8 => i64::from(i as i8),
        IntKind::Int16 => i64::from(i as i16),
        IntKind::Int32 => i64::from(i as i32),
        IntKind::Int | IntKind::Int64 => i,
    }
}

/// `SetUint` on an unsigned kind, truncating to the width.
pub(super) fn wrap_uint(u: u64, k: UintKind) -> u64 {
    match k {
        UintKind::Uint8 => u64::from(u as u8),
        UintKind::Uint16 => u64::from(u as u16),
        UintKind::Uint32 => u64::from(u as u32),
        UintKind::Uint | UintKind::Uint64 | UintKind::Uintptr => u,
    }
}

/// `reflect.Value.Convert` between integer kinds (two's complement
/// reinterpretation, then truncation), for `call`'s `prepareArg`.
pub(super) fn convert_int(v: &Value, to: &Type) -> Option<Value> {
    let bits: u64 = match v {
        Value::Int(i, _) => *i as u64,
        Value::Uint(u, _) => *u,
        _ => return None,
    };
    match to {
        Type::Int(k) => Some(Value::Int(wrap_int(bits as i64, *k), *k)),
        Type::Uint(k) => Some(Value::Uint(wrap_uint(bits, *k), *k)),
        _ => None,
    }
}

/// A float constant stored in a float kind (float32 rounds).
pub(super) fn float_of_kind(f: f64, k: FloatKind) -> Value {
    match k {
        FloatKind::F32 => Value::Float(f64::from(f as f32), k),
        FloatKind::F64 => Value::Float(f, k),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn named_maps_assign_to_their_underlying_type() {
        let values = Type::Map(
            Box::new(Type::Interface),
            Some(Rc::from("chartutil.Values")),
        );
        let plain = Type::Map(Box::new(Type::Interface), None);
        let other = Type::Map(Box::new(Type::Interface), Some(Rc::from("common.Values")));
        assert!(assignable(&values, &plain));
        assert!(assignable(&plain, &values));
        assert!(!assignable(&values, &other));
        assert!(!assignable(
            &Type::Int(IntKind::Int64),
            &Type::Int(IntKind::Int)
        ));
        assert!(assignable(
            &Type::Bytes,
            &Type::Slice(Box::new(Type::Uint(UintKind::Uint8)))
        ));
    }

    #[test]
    fn integer_conversions_wrap() {
        assert_eq!(wrap_int(300, IntKind::Int8), 44);
        let v = convert_int(&Value::Int(-1, IntKind::Int), &Type::Uint(UintKind::Uint8));
        assert!(matches!(v, Some(Value::Uint(255, UintKind::Uint8))));
    }
}
