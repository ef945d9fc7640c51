//! Sprig's list.go: `list`, `append`, `prepend`, `first`, `rest`, ...,
//! `slice`, `concat`, `chunk`, and their `must` forms. Like Sprig they
//! accept any slice (`[]string`, `[]int`, `[]byte`), fail on other kinds
//! with Sprig's messages, and panic (an error here) on a nil argument.

use super::convert::{ANY, BOOL, INT, def, slice_of, to_int};
use super::defaults::empty;
use super::env::Env;
use super::reflect::{deep_equal, kind_of};
use crate::gotemplate::{FuncError, Funcs, List, Signature, Type, UintKind, Value};

/// Go's panic text for a method call on the nil `reflect.Type`
/// (`reflect.TypeOf(nil).Kind()`).
const NIL_DEREF: &str = "runtime error: invalid memory address or nil pointer dereference";

/// The items of a slice argument, or Sprig's error naming the kind.
fn items(v: &Value, what: &str) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::List(l) => Ok(l.items().to_vec()),
        Value::Bytes(b) => Ok(b
            .iter()
            .map(|&x| Value::Uint(u64::from(x), UintKind::Uint8))
            .collect()),
        Value::Nil(Type::Slice(_) | Type::Bytes) => Ok(Vec::new()),
        Value::Invalid | Value::Nil(Type::Interface) => Err(FuncError::new(NIL_DEREF)),
        other => Err(FuncError::new(format!("{what} {}", kind_of(other)))),
    }
}

/// A new `[]interface{}`.
fn any_list(items: Vec<Value>) -> Value {
    Value::list(items)
}

/// A nil `[]interface{}`.
fn nil_any_list() -> Value {
    Value::Nil(slice_of(ANY))
}

type ListFn = fn(&[Value]) -> Result<Value, FuncError>;

/// Registers `name` and `mustName` with the same body (Sprig's plain form
/// panics where the `must` form returns the error; both surface as
/// `error calling NAME: ...`).
fn pair(funcs: &mut Funcs, name: &str, must: &str, sig: Signature, body: ListFn) {
    def(funcs, name, sig.clone(), move |a| body(&a));
    def(funcs, must, sig.with_error(), move |a| body(&a));
}

/// Registers the list functions.
pub(crate) fn register(funcs: &mut Funcs, _env: &Env) {
    let list_sig = || Signature::variadic(vec![], ANY, slice_of(ANY));
    def(funcs, "list", list_sig(), |a| Ok(any_list(a)));
    def(funcs, "tuple", list_sig(), |a| Ok(any_list(a)));

    let push_sig = || Signature::new(vec![ANY, ANY], slice_of(ANY));
    let push: ListFn = |a| {
        let mut l = items(&a[0], "Cannot push on type")?;
        l.push(a[1].clone());
        Ok(any_list(l))
    };
    pair(funcs, "append", "mustAppend", push_sig(), push);
    pair(funcs, "push", "mustPush", push_sig(), push);
    pair(funcs, "prepend", "mustPrepend", push_sig(), |a| {
        let mut l = vec![a[1].clone()];
        l.extend(items(&a[0], "Cannot prepend on type")?);
        Ok(any_list(l))
    });

    let one = || Signature::new(vec![ANY], ANY);
    let many = || Signature::new(vec![ANY], slice_of(ANY));
    pair(funcs, "first", "mustFirst", one(), |a| {
        Ok(items(&a[0], "Cannot find first on type")?
            .into_iter()
            .next()
            .unwrap_or_else(Value::nil))
    });
    pair(funcs, "last", "mustLast", one(), |a| {
        Ok(items(&a[0], "Cannot find last on type")?
            .pop()
            .unwrap_or_else(Value::nil))
    });
    pair(funcs, "rest", "mustRest", many(), |a| {
        let l = items(&a[0], "Cannot find rest on type")?;
        if l.is_empty() {
            return Ok(nil_any_list());
        }
        Ok(any_list(l[1..].to_vec()))
    });
    pair(funcs, "initial", "mustInitial", many(), |a| {
        let mut l = items(&a[0], "Cannot find initial on type")?;
        if l.pop().is_none() {
            return Ok(nil_any_list());
        }
        Ok(any_list(l))
    });
    pair(funcs, "reverse", "mustReverse", many(), |a| {
        let mut l = items(&a[0], "Cannot find reverse on type")?;
        l.reverse();
        Ok(any_list(l))
    });
    pair(funcs, "compact", "mustCompact", many(), |a| {
        let l = items(&a[0], "Cannot compact on type")?;
        Ok(any_list(l.into_iter().filter(|v| !empty(v)).collect()))
    });
    pair(funcs, "uniq", "mustUniq", many(), |a| {
        let mut dest: Vec<Value> = Vec::new();
        for item in items(&a[0], "Cannot find uniq on type")? {
            if !dest.iter().any(|d| deep_equal(&item, d)) {
                dest.push(item);
            }
        }
        Ok(any_list(dest))
    });
    pair(
        funcs,
        "without",
        "mustWithout",
        Signature::variadic(vec![ANY], ANY, slice_of(ANY)),
        |a| {
            let omit = &a[1..];
            let l = items(&a[0], "Cannot find without on type")?;
            Ok(any_list(
                l.into_iter()
                    .filter(|item| !omit.iter().any(|o| deep_equal(item, o)))
                    .collect(),
            ))
        },
    );
    pair(
        funcs,
        "has",
        "mustHas",
        Signature::new(vec![ANY, ANY], BOOL),
        |a| {
            if matches!(a[1], Value::Invalid | Value::Nil(Type::Interface)) {
                return Ok(Value::Bool(false));
            }
            let l = items(&a[1], "Cannot find has on type")?;
            Ok(Value::Bool(l.iter().any(|item| deep_equal(&a[0], item))))
        },
    );
    pair(
        funcs,
        "slice",
        "mustSlice",
        Signature::variadic(vec![ANY], ANY, ANY),
        slice,
    );
    def(
        funcs,
        "concat",
        Signature::variadic(vec![], ANY, ANY),
        |a| {
            let mut res = Vec::new();
            for list in &a {
                match list {
                    Value::Invalid | Value::Nil(Type::Interface) => {
                        return Err(FuncError::new(NIL_DEREF));
                    }
                    Value::List(_) | Value::Bytes(_) | Value::Nil(Type::Slice(_) | Type::Bytes) => {
                        res.extend(items(list, "")?);
                    }
                    other => {
                        return Err(FuncError::new(format!(
                            "Cannot concat type {} as list",
                            kind_of(other)
                        )));
                    }
                }
            }
            Ok(if res.is_empty() {
                nil_any_list()
            } else {
                any_list(res)
            })
        },
    );
    pair(
        funcs,
        "chunk",
        "mustChunk",
        Signature::new(vec![INT, ANY], slice_of(slice_of(ANY))),
        chunk,
    );
}

/// Sprig's `slice`: the list's own type kept, indices through `toInt`,
/// an empty list gives nil, out-of-range indices panic as `reflect` does.
fn slice(a: &[Value]) -> Result<Value, FuncError> {
    let len = match &a[0] {
        Value::List(l) => l.items().len(),
        Value::Bytes(b) => b.len(),
        Value::Nil(Type::Slice(_) | Type::Bytes) => 0,
        Value::Invalid | Value::Nil(Type::Interface) => return Err(FuncError::new(NIL_DEREF)),
        other => {
            return Err(FuncError::new(format!(
                "list should be type of slice or array but {}",
                kind_of(other)
            )));
        }
    };
    if len == 0 {
        return Ok(Value::nil());
    }
    let start = a.get(1).map_or(0, to_int);
    let end = a.get(2).map_or(len as i64, to_int);
    if start < 0 || end < start || end > len as i64 {
        return Err(FuncError::new(
            "reflect.Value.Slice: slice index out of bounds",
        ));
    }
    let (start, end) = (start as usize, end as usize);
    Ok(match &a[0] {
        Value::List(l) => Value::List(List::new(l.elem().clone(), l.items()[start..end].to_vec())),
        Value::Bytes(b) => Value::Bytes(std::rc::Rc::from(&b[start..end])),
        other => other.clone(),
    })
}

/// Sprig's `chunk`, with its float arithmetic for the chunk count.
fn chunk(a: &[Value]) -> Result<Value, FuncError> {
    let size = match a[0] {
        Value::Int(i, _) => i,
        _ => 0,
    };
    let l = items(&a[1], "Cannot chunk type")?;
    let len = l.len() as i64;
    let count = super::convert::float_to_i64(((len - 1) as f64 / size as f64).floor() + 1.0);
    if count < 0 {
        return Err(FuncError::new("runtime error: makeslice: len out of range"));
    }
    let mut chunks = Vec::with_capacity(count as usize);
    for i in 0..count {
        let mut clen = size;
        if i == count - 1 {
            clen = super::convert::float_to_i64((len as f64 % size as f64).floor());
            if clen == 0 {
                clen = size;
            }
        }
        if clen < 0 {
            return Err(FuncError::new("runtime error: makeslice: len out of range"));
        }
        let mut c = Vec::with_capacity(clen as usize);
        for j in 0..clen {
            let ix = i * size + j;
            match usize::try_from(ix).ok().and_then(|ix| l.get(ix)) {
                Some(v) => c.push(v.clone()),
                None => {
                    return Err(FuncError::new("reflect: slice index out of range"));
                }
            }
        }
        chunks.push(any_list(c));
    }
    Ok(Value::List(List::new(slice_of(ANY), chunks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(xs: &[i64]) -> Value {
        Value::list(xs.iter().map(|&x| Value::int(x)).collect())
    }

    fn as_ints(v: &Value) -> Vec<Vec<i64>> {
        let Value::List(l) = v else { return vec![] };
        l.items()
            .iter()
            .map(|c| match c {
                Value::List(c) => c
                    .items()
                    .iter()
                    .map(|x| match x {
                        Value::Int(i, _) => *i,
                        _ => -1,
                    })
                    .collect(),
                _ => vec![],
            })
            .collect()
    }

    #[test]
    fn chunk_follows_sprig() {
        // sprig list_test.go TestChunk.
        let got = chunk(&[Value::int(2), ints(&[1, 2, 3, 4, 5])]).unwrap_or(Value::Invalid);
        assert_eq!(as_ints(&got), vec![vec![1, 2], vec![3, 4], vec![5]]);
        let got = chunk(&[Value::int(5), ints(&[1, 2, 3, 4])]).unwrap_or(Value::Invalid);
        assert_eq!(as_ints(&got), vec![vec![1, 2, 3, 4]]);
        let got = chunk(&[Value::int(2), ints(&[])]).unwrap_or(Value::Invalid);
        assert_eq!(as_ints(&got), Vec::<Vec<i64>>::new());
    }

    #[test]
    fn slice_follows_sprig() {
        let got = slice(&[ints(&[1, 2, 3]), Value::int(1), Value::string("2")]);
        assert!(matches!(got, Ok(Value::List(ref l)) if l.items().len() == 1));
        let got = slice(&[ints(&[]), Value::int(1)]);
        assert!(matches!(got, Ok(Value::Nil(Type::Interface))));
        let err = slice(&[Value::string("abc"), Value::int(1)])
            .err()
            .map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("list should be type of slice or array but string")
        );
        let err = slice(&[ints(&[1]), Value::int(3)]).err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("reflect.Value.Slice: slice index out of bounds")
        );
    }

    #[test]
    fn kind_errors_follow_sprig() {
        let err = items(&Value::string("x"), "Cannot push on type")
            .err()
            .map(|e| e.message);
        assert_eq!(err.as_deref(), Some("Cannot push on type string"));
        let err = items(&Value::nil(), "Cannot push on type")
            .err()
            .map(|e| e.message);
        assert_eq!(err.as_deref(), Some(NIL_DEREF));
    }
}
