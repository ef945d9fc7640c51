//! Sprig's dict.go: `dict`, `get`, `set`, `unset`, `hasKey`, `pluck`,
//! `keys`, `pick`, `omit`, `merge`/`mergeOverwrite` (mergo v1.0.1
//! semantics), `values`, `dig`, `deepCopy`.
//!
//! Go iterates maps in random order, so `keys` and `values` have no fixed
//! order in Helm; here they come in key byte order (deterministic, and what
//! `keys | sortAlpha` gives).

use std::collections::BTreeMap;

use super::convert::{ANY, BOOL, STRING, arg_str, def, map_of, slice_of, string_list, strval};
use super::env::Env;
use super::reflect::type_of;
use crate::gotemplate::{FuncError, Funcs, List, Map, Signature, Str, Type, Value};

/// `map[string]interface {}`.
fn dict_type() -> Type {
    map_of(ANY)
}

/// The entries of a map argument (a nil map has none).
fn entries(v: &Value) -> Vec<(Str, Value)> {
    match v {
        Value::Map(m) => m.entries(),
        _ => Vec::new(),
    }
}

/// A new `map[string]interface{}`.
fn new_dict(entries: BTreeMap<Str, Value>) -> Value {
    Value::map(entries)
}

/// Registers the dict functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    def(
        funcs,
        "dict",
        Signature::variadic(vec![], ANY, dict_type()),
        |a| {
            let mut d = BTreeMap::new();
            for pair in a.chunks(2) {
                let value = pair.get(1).cloned().unwrap_or_else(|| Value::string(""));
                d.insert(strval(&pair[0]), value);
            }
            Ok(new_dict(d))
        },
    );
    def(
        funcs,
        "get",
        Signature::new(vec![dict_type(), STRING], ANY),
        |a| {
            let key = arg_str(&a[1]);
            Ok(match &a[0] {
                Value::Map(m) => m.get(key.as_bytes()).unwrap_or_else(|| Value::string("")),
                _ => Value::string(""),
            })
        },
    );
    def(
        funcs,
        "set",
        Signature::new(vec![dict_type(), STRING, ANY], dict_type()),
        |a| match &a[0] {
            Value::Map(m) => {
                m.insert(arg_str(&a[1]), a[2].clone());
                Ok(a[0].clone())
            }
            _ => Err(FuncError::new("assignment to entry in nil map")),
        },
    );
    def(
        funcs,
        "unset",
        Signature::new(vec![dict_type(), STRING], dict_type()),
        |a| {
            if let Value::Map(m) = &a[0] {
                m.remove(arg_str(&a[1]).as_bytes());
            }
            Ok(a[0].clone())
        },
    );
    def(
        funcs,
        "hasKey",
        Signature::new(vec![dict_type(), STRING], BOOL),
        |a| {
            Ok(Value::Bool(match &a[0] {
                Value::Map(m) => m.get(arg_str(&a[1]).as_bytes()).is_some(),
                _ => false,
            }))
        },
    );
    def(
        funcs,
        "pluck",
        Signature::variadic(vec![STRING], dict_type(), slice_of(ANY)),
        |a| {
            let key = arg_str(&a[0]);
            let found = a[1..]
                .iter()
                .filter_map(|d| match d {
                    Value::Map(m) => m.get(key.as_bytes()),
                    _ => None,
                })
                .collect();
            Ok(Value::list(found))
        },
    );
    def(
        funcs,
        "keys",
        Signature::variadic(vec![], dict_type(), slice_of(STRING)),
        |a| {
            Ok(string_list(
                a.iter()
                    .flat_map(|d| entries(d).into_iter().map(|(k, _)| k))
                    .collect(),
            ))
        },
    );
    def(
        funcs,
        "values",
        Signature::new(vec![dict_type()], slice_of(ANY)),
        |a| {
            Ok(Value::list(
                entries(&a[0]).into_iter().map(|(_, v)| v).collect(),
            ))
        },
    );
    def(
        funcs,
        "pick",
        Signature::variadic(vec![dict_type()], STRING, dict_type()),
        |a| {
            let mut res = BTreeMap::new();
            if let Value::Map(m) = &a[0] {
                for k in a[1..].iter().map(arg_str) {
                    if let Some(v) = m.get(k.as_bytes()) {
                        res.insert(k, v);
                    }
                }
            }
            Ok(new_dict(res))
        },
    );
    def(
        funcs,
        "omit",
        Signature::variadic(vec![dict_type()], STRING, dict_type()),
        |a| {
            let omit: Vec<Str> = a[1..].iter().map(arg_str).collect();
            let res = entries(&a[0])
                .into_iter()
                .filter(|(k, _)| !omit.contains(k))
                .collect();
            Ok(new_dict(res))
        },
    );
    let merge_sig = || Signature::variadic(vec![dict_type()], dict_type(), ANY);
    def(funcs, "merge", merge_sig(), |a| Ok(merge_all(&a, false)));
    def(funcs, "mustMerge", merge_sig().with_error(), |a| {
        Ok(merge_all(&a, false))
    });
    def(funcs, "mergeOverwrite", merge_sig(), |a| {
        Ok(merge_all(&a, true))
    });
    def(funcs, "mustMergeOverwrite", merge_sig().with_error(), |a| {
        Ok(merge_all(&a, true))
    });
    def(funcs, "deepCopy", Signature::new(vec![ANY], ANY), |a| {
        deep_copy(&a[0])
    });
    def(
        funcs,
        "mustDeepCopy",
        Signature::new(vec![ANY], ANY).with_error(),
        |a| deep_copy(&a[0]),
    );
    def(
        funcs,
        "dig",
        Signature::variadic(vec![], ANY, ANY).with_error(),
        dig,
    );
}

/// Go's text for a failed `x.(map[string]interface{})` assertion.
fn not_a_dict(v: &Value) -> FuncError {
    let t = match v {
        Value::Invalid | Value::Nil(Type::Interface) => "nil".to_string(),
        other => type_of(other),
    };
    FuncError::new(format!(
        "interface conversion: interface {{}} is {t}, not map[string]interface {{}}"
    ))
}

/// Whether `v` passes Go's `v.(map[string]interface{})` (the exact type:
/// a named map type such as `chartutil.Values` does not).
fn as_dict(v: &Value) -> Result<Option<Map>, FuncError> {
    match v {
        Value::Map(m) if m.go_type() == dict_type() => Ok(Some(m.clone())),
        Value::Nil(t) if *t == dict_type() => Ok(None),
        other => Err(not_a_dict(other)),
    }
}

/// Sprig's `dig KEY... DEFAULT DICT`.
fn dig(a: Vec<Value>) -> Result<Value, FuncError> {
    if a.len() < 3 {
        return Err(FuncError::new("dig needs at least three arguments"));
    }
    let mut dict = as_dict(&a[a.len() - 1])?;
    let default = a[a.len() - 2].clone();
    let mut keys = Vec::with_capacity(a.len() - 2);
    for k in &a[..a.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.clone()),
            Value::Invalid | Value::Nil(Type::Interface) => {
                return Err(FuncError::new(
                    "interface conversion: interface {} is nil, not string",
                ));
            }
            other => {
                return Err(FuncError::new(format!(
                    "interface conversion: interface {{}} is {}, not string",
                    type_of(other)
                )));
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let step = dict.as_ref().and_then(|m| m.get(k.as_bytes()));
        let Some(step) = step else {
            return Ok(default);
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        dict = as_dict(&step)?;
    }
    Ok(default)
}

/// Sprig's `merge`/`mergeOverwrite`: `mergo.Merge(&dst, src)` for each
/// source in turn; the (possibly new) destination is the result.
fn merge_all(a: &[Value], overwrite: bool) -> Value {
    let dst = match &a[0] {
        Value::Map(m) => m.clone(),
        _ => Map::new(ANY, None, BTreeMap::new()),
    };
    for src in &a[1..] {
        if let Value::Map(src) = src {
            merge_map(&dst, src, overwrite);
        }
    }
    Value::Map(dst)
}

/// mergo's `isEmptyValue` (dereferencing interfaces).
fn mergo_empty(v: &Value) -> bool {
    super::defaults::empty(v) && !matches!(v, Value::Object(_) | Value::Func(_))
}

/// mergo v1.0.1's `deepMerge` of two `map[string]interface{}`s, in place.
/// Traced through mergo's reflection, it comes down to:
///
/// - a nil source value is copied only when overwriting;
/// - a map over a map merges recursively into the destination's map;
/// - otherwise the source value replaces the destination's when
///   overwriting (zero values included), when the key is absent, or when
///   the destination's value is empty (`""`, `0`, `false`, nil, empty
///   list or map).
fn merge_map(dst: &Map, src: &Map, overwrite: bool) {
    for (key, src_elem) in src.entries() {
        if matches!(src_elem, Value::Invalid | Value::Nil(Type::Interface)) {
            if overwrite {
                dst.insert(key, src_elem);
            }
            continue;
        }
        let dst_elem = dst.get(key.as_bytes());
        if let (Value::Map(s), Some(Value::Map(d))) = (&src_elem, &dst_elem) {
            merge_map(d, s, overwrite);
            continue;
        }
        if overwrite || dst_elem.as_ref().is_none_or(mergo_empty) {
            dst.insert(key, src_elem);
        }
    }
}

/// copystructure's `Copy`: maps and slices copied all the way down; nil
/// makes copystructure's reflection panic.
fn deep_copy(v: &Value) -> Result<Value, FuncError> {
    if matches!(v, Value::Invalid | Value::Nil(Type::Interface)) {
        return Err(FuncError::new(
            "reflect: call of reflect.Value.Type on zero Value",
        ));
    }
    Ok(copy_value(v))
}

fn copy_value(v: &Value) -> Value {
    match v {
        Value::Map(m) => {
            let entries = m
                .entries()
                .into_iter()
                .map(|(k, v)| (k, copy_value(&v)))
                .collect();
            Value::Map(Map::new(
                m.elem().clone(),
                m.name().map(std::rc::Rc::from),
                entries,
            ))
        }
        Value::List(l) => Value::List(List::new(
            l.elem().clone(),
            l.items().iter().map(copy_value).collect(),
        )),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(pairs: &[(&str, Value)]) -> Map {
        Map::new(
            ANY,
            None,
            pairs
                .iter()
                .map(|(k, v)| (Str::from(*k), v.clone()))
                .collect(),
        )
    }

    fn get(m: &Map, k: &str) -> Value {
        m.get(k.as_bytes()).unwrap_or(Value::Invalid)
    }

    #[test]
    fn merge_keeps_non_empty_destination_values() {
        // sprig dict_test.go TestMerge.
        let dst = d(&[
            ("a", Value::string("one")),
            (
                "c",
                Value::map(BTreeMap::from([(Str::from("y"), Value::int(2))])),
            ),
            ("e", Value::string("")),
            ("f", Value::Bool(false)),
        ]);
        let src = d(&[
            ("a", Value::string("two")),
            ("b", Value::string("new")),
            (
                "c",
                Value::map(BTreeMap::from([(Str::from("z"), Value::int(3))])),
            ),
            ("e", Value::string("filled")),
            ("f", Value::Bool(true)),
        ]);
        merge_map(&dst, &src, false);
        assert!(matches!(get(&dst, "a"), Value::String(s) if s.as_bytes() == b"one"));
        assert!(matches!(get(&dst, "b"), Value::String(s) if s.as_bytes() == b"new"));
        assert!(matches!(get(&dst, "e"), Value::String(s) if s.as_bytes() == b"filled"));
        assert!(matches!(get(&dst, "f"), Value::Bool(true)));
        let Value::Map(c) = get(&dst, "c") else {
            panic!("c is not a map")
        };
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn merge_overwrite_replaces_with_zero_values() {
        let dst = d(&[("a", Value::string("one")), ("b", Value::int(1))]);
        let src = d(&[("a", Value::string("")), ("b", Value::nil())]);
        merge_map(&dst, &src, true);
        assert!(matches!(get(&dst, "a"), Value::String(s) if s.is_empty()));
        assert!(matches!(get(&dst, "b"), Value::Nil(Type::Interface)));
    }

    #[test]
    fn dig_follows_sprig() {
        let inner = Value::map(BTreeMap::from([(Str::from("b"), Value::string("v"))]));
        let top = Value::map(BTreeMap::from([(Str::from("a"), inner)]));
        let got = dig(vec![
            Value::string("a"),
            Value::string("b"),
            Value::string("def"),
            top.clone(),
        ]);
        assert!(matches!(got, Ok(Value::String(s)) if s.as_bytes() == b"v"));
        let got = dig(vec![Value::string("x"), Value::string("def"), top.clone()]);
        assert!(matches!(got, Ok(Value::String(s)) if s.as_bytes() == b"def"));
        let err = dig(vec![
            Value::string("a"),
            Value::string("b"),
            Value::string("c"),
            Value::string("def"),
            top,
        ])
        .err()
        .map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("interface conversion: interface {} is string, not map[string]interface {}")
        );
        let named = Value::Map(Map::new(
            ANY,
            Some(std::rc::Rc::from("chartutil.Values")),
            BTreeMap::new(),
        ));
        let err = dig(vec![Value::string("a"), Value::string("d"), named])
            .err()
            .map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some(
                "interface conversion: interface {} is chartutil.Values, not map[string]interface {}"
            )
        );
    }
}
