//! Small helpers for Sprig function bodies: reading arguments the
//! executor has already converted to the signature's Go types, and
//! registering the common shapes.

use crate::gotemplate::{Func, FuncError, Funcs, Signature, Str, Type, Value};

/// A `string` argument's bytes (empty for anything else, which the
/// executor's conversion rules out).
pub(crate) fn bytes(v: &Value) -> &[u8] {
    match v {
        Value::String(s) => s.as_bytes(),
        Value::Bytes(b) => b,
        _ => &[],
    }
}

/// A `string` argument as text, invalid UTF-8 replaced (for functions
/// whose Go code only ever sees it through UTF-8-agnostic byte work, or
/// where invalid bytes cannot matter).
pub(crate) fn text(v: &Value) -> String {
    String::from_utf8_lossy(bytes(v)).into_owned()
}

/// An integer argument (`int`, `int64`, ...) as `i64`.
pub(crate) fn int(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        _ => 0,
    }
}

/// The `i`th argument, or the invalid value when absent.
pub(crate) fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Invalid)
}

/// A Go `string` result.
pub(crate) fn string(s: impl Into<Str>) -> Value {
    Value::String(s.into())
}

/// Registers `func(string) string`.
pub(crate) fn string_fn(funcs: &mut Funcs, name: &str, f: fn(&[u8]) -> Vec<u8>) {
    funcs.insert(Func::new(
        name,
        Signature::new(vec![Type::String], Type::String),
        move |_, args| Ok(string(f(bytes(arg(&args, 0))))),
    ));
}

/// A function error with this text (Go's `error` result or panic value).
pub(crate) fn fail(message: impl Into<String>) -> FuncError {
    FuncError::new(message)
}
