//! Sprig's reflect.go (`typeOf`, `typeIs`, `typeIsLike`, `kindOf`,
//! `kindIs`) and `deepEqual`, with Go's type and kind names, plus the
//! `reflect` facts the list and dict functions need.

use super::convert::{ANY, BOOL, STRING, arg_str, def};
use super::env::Env;
use crate::gotemplate::{FloatKind, Funcs, IntKind, Signature, Type, UintKind, Value};

/// Registers the reflection functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    def(funcs, "typeOf", Signature::new(vec![ANY], STRING), |a| {
        Ok(Value::string(type_of(&a[0])))
    });
    def(
        funcs,
        "typeIs",
        Signature::new(vec![STRING, ANY], BOOL),
        |a| {
            Ok(Value::Bool(
                arg_str(&a[0]).as_bytes() == type_of(&a[1]).as_bytes(),
            ))
        },
    );
    def(
        funcs,
        "typeIsLike",
        Signature::new(vec![STRING, ANY], BOOL),
        |a| {
            let target = arg_str(&a[0]);
            let t = type_of(&a[1]);
            let starred = format!("*{}", target.to_str_lossy());
            Ok(Value::Bool(
                target.as_bytes() == t.as_bytes() || starred == t,
            ))
        },
    );
    def(funcs, "kindOf", Signature::new(vec![ANY], STRING), |a| {
        Ok(Value::string(kind_of(&a[0])))
    });
    def(
        funcs,
        "kindIs",
        Signature::new(vec![STRING, ANY], BOOL),
        |a| {
            Ok(Value::Bool(
                arg_str(&a[0]).as_bytes() == kind_of(&a[1]).as_bytes(),
            ))
        },
    );
    def(
        funcs,
        "deepEqual",
        Signature::new(vec![ANY, ANY], BOOL),
        |a| Ok(Value::Bool(deep_equal(&a[0], &a[1]))),
    );
}

/// `%T` of a value: `<nil>` for the nil interface.
pub(crate) fn type_of(v: &Value) -> String {
    crate::gotemplate::fmt::value_type_name(v)
}

/// The `reflect.Kind` name of a type.
fn type_kind(t: &Type) -> &'static str {
    match t {
        Type::Interface => "interface",
        Type::Error => "interface",
        Type::Bool => "bool",
        Type::Int(k) => match k {
            IntKind::Int => "int",
            IntKind::Int8 => "int8",
            IntKind::Int16 => "int16",
            IntKind::Int32 => "int32",
            IntKind::Int64 => "int64",
        },
        Type::Uint(k) => match k {
            UintKind::Uint => "uint",
            UintKind::Uint8 => "uint8",
            UintKind::Uint16 => "uint16",
            UintKind::Uint32 => "uint32",
            UintKind::Uint64 => "uint64",
            UintKind::Uintptr => "uintptr",
        },
        Type::Float(FloatKind::F32) => "float32",
        Type::Float(FloatKind::F64) => "float64",
        Type::String => "string",
        Type::Bytes | Type::Slice(_) => "slice",
        Type::Map(..) => "map",
        Type::Named(name) => object_kind(name),
        Type::Func => "func",
    }
}

/// `reflect.ValueOf(v).Kind().String()`: `invalid` for the nil interface.
pub(crate) fn kind_of(v: &Value) -> String {
    match v {
        Value::Invalid | Value::Nil(Type::Interface) => "invalid".to_string(),
        Value::Object(o) => object_kind(&o.type_name()).to_string(),
        _ => v.go_type().map_or("invalid", |t| type_kind(&t)).to_string(),
    }
}

/// The kind of a host object's Go type: Helm's objects are pointers to
/// structs, structs, or named maps and slices (`engine.files` is a
/// `map[string][]byte`, `chartutil.VersionSet` a `[]string`).
fn object_kind(type_name: &str) -> &'static str {
    if type_name.starts_with('*') {
        "ptr"
    } else if type_name == "engine.files" {
        "map"
    } else if type_name.ends_with(".VersionSet") {
        "slice"
    } else {
        "struct"
    }
}

/// Go's `reflect.DeepEqual` over template values: identical dynamic
/// types, then element-wise; nil and empty slices and maps differ; NaN is
/// unequal to itself; host objects are equal only to themselves.
pub(crate) fn deep_equal(x: &Value, y: &Value) -> bool {
    let nil_x = matches!(x, Value::Invalid | Value::Nil(Type::Interface));
    let nil_y = matches!(y, Value::Invalid | Value::Nil(Type::Interface));
    if nil_x || nil_y {
        return nil_x && nil_y;
    }
    if x.go_type() != y.go_type() {
        return false;
    }
    match (x, y) {
        (Value::Nil(_), Value::Nil(_)) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a, _), Value::Int(b, _)) => a == b,
        (Value::Uint(a, _), Value::Uint(b, _)) => a == b,
        (Value::Float(a, _), Value::Float(b, _)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bytes(a), Value::Bytes(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            a.ptr_eq(b)
                || a.items().len() == b.items().len()
                    && a.items()
                        .iter()
                        .zip(b.items())
                        .all(|(p, q)| deep_equal(p, q))
        }
        (Value::Map(a), Value::Map(b)) => {
            if a.ptr_eq(b) {
                return true;
            }
            let (ea, eb) = (a.entries(), b.entries());
            ea.len() == eb.len()
                && ea
                    .iter()
                    .zip(&eb)
                    .all(|((ka, va), (kb, vb))| ka == kb && deep_equal(va, vb))
        }
        (Value::Object(a), Value::Object(b)) => std::rc::Rc::ptr_eq(a, b),
        // Go: func values are deeply equal only if both are nil.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotemplate::{List, Map};
    use std::collections::BTreeMap;
    use std::rc::Rc;

    #[test]
    fn type_and_kind_names_are_gos() {
        // sprig reflect_test.go and Go's reflect names.
        assert_eq!(type_of(&Value::int(1)), "int");
        assert_eq!(type_of(&Value::int64(1)), "int64");
        assert_eq!(type_of(&Value::float64(1.0)), "float64");
        assert_eq!(type_of(&Value::nil()), "<nil>");
        assert_eq!(type_of(&Value::list(vec![])), "[]interface {}");
        assert_eq!(
            type_of(&Value::map(BTreeMap::new())),
            "map[string]interface {}"
        );
        let named = Value::Map(Map::new(
            Type::Interface,
            Some(Rc::from("chartutil.Values")),
            BTreeMap::new(),
        ));
        assert_eq!(type_of(&named), "chartutil.Values");
        assert_eq!(
            type_of(&Value::List(List::new(Type::String, vec![]))),
            "[]string"
        );
        assert_eq!(kind_of(&named), "map");
        assert_eq!(kind_of(&Value::nil()), "invalid");
        assert_eq!(kind_of(&Value::string("")), "string");
        assert_eq!(kind_of(&Value::list(vec![])), "slice");
    }

    #[test]
    fn host_object_kinds_are_helms() {
        // helm v3.21.4 / v4.2.4: kindOf .Files, .Capabilities.APIVersions,
        // .Capabilities, .Capabilities.KubeVersion, .Chart (v3).
        assert_eq!(object_kind("engine.files"), "map");
        assert_eq!(object_kind("chartutil.VersionSet"), "slice");
        assert_eq!(object_kind("common.VersionSet"), "slice");
        assert_eq!(object_kind("*chartutil.Capabilities"), "ptr");
        assert_eq!(object_kind("chartutil.KubeVersion"), "struct");
        assert_eq!(
            object_kind("struct { chart.Metadata; IsRoot bool }"),
            "struct"
        );
    }

    #[test]
    fn deep_equal_is_gos() {
        assert!(deep_equal(&Value::int(1), &Value::int(1)));
        assert!(!deep_equal(&Value::int(1), &Value::int64(1)));
        assert!(!deep_equal(
            &Value::float64(f64::NAN),
            &Value::float64(f64::NAN)
        ));
        assert!(!deep_equal(
            &Value::list(vec![]),
            &Value::Nil(Type::Slice(Box::new(Type::Interface)))
        ));
        assert!(deep_equal(
            &Value::list(vec![Value::string("a")]),
            &Value::list(vec![Value::string("a")])
        ));
        assert!(deep_equal(&Value::nil(), &Value::Invalid));
    }
}
