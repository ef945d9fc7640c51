//! Go's builtin template functions (`funcs.go`): `and or not len index
//! slice print printf println eq ne lt le gt ge html js urlquery call`.
//!
//! Registered functions of the same name replace them (Sprig's `slice`
//! replaces Go's in Helm). `and`, `or` and `call` are evaluated by the
//! executor itself (short-circuit, and calling through the running
//! state); the others run here on already evaluated arguments.

use super::compare;
use super::convert::{self, assignable, int_like};
use super::escape;
use super::exec::{Val, object_value};
use super::fmt::{type_name, value_type_name};
use super::value::{List, Type, UintKind, Value};

/// A builtin function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Builtin {
    And,
    Or,
    Not,
    Len,
    Index,
    Slice,
    Print,
    Printf,
    Println,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Html,
    Js,
    UrlQuery,
    Call,
}

/// A builtin's parameter type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BParam {
    /// `reflect.Value`: the argument as is.
    Reflect,
    /// `interface {}`.
    Iface,
    /// `string`.
    Str,
}

const R1: &[BParam] = &[BParam::Reflect];
const R2: &[BParam] = &[BParam::Reflect, BParam::Reflect];

impl Builtin {
    /// The builtin called `name`.
    pub(super) fn lookup(name: &str) -> Option<Builtin> {
        Some(match name {
            "and" => Builtin::And,
            "or" => Builtin::Or,
            "not" => Builtin::Not,
            "len" => Builtin::Len,
            "index" => Builtin::Index,
            "slice" => Builtin::Slice,
            "print" => Builtin::Print,
            "printf" => Builtin::Printf,
            "println" => Builtin::Println,
            "eq" => Builtin::Eq,
            "ne" => Builtin::Ne,
            "lt" => Builtin::Lt,
            "le" => Builtin::Le,
            "gt" => Builtin::Gt,
            "ge" => Builtin::Ge,
            "html" => Builtin::Html,
            "js" => Builtin::Js,
            "urlquery" => Builtin::UrlQuery,
            "call" => Builtin::Call,
            _ => return None,
        })
    }

    /// Whether `name` is a builtin (the parser's function check).
    #[allow(dead_code)]
    pub(super) fn exists(name: &str) -> bool {
        Builtin::lookup(name).is_some()
    }

    /// Fixed parameters and the variadic element type, from Go's
    /// declarations.
    pub(super) fn shape(self) -> (&'static [BParam], Option<BParam>) {
        match self {
            Builtin::And
            | Builtin::Or
            | Builtin::Call
            | Builtin::Index
            | Builtin::Slice
            | Builtin::Eq => (R1, Some(BParam::Reflect)),
            Builtin::Not | Builtin::Len => (R1, None),
            Builtin::Ne | Builtin::Lt | Builtin::Le | Builtin::Gt | Builtin::Ge => (R2, None),
            Builtin::Print | Builtin::Println | Builtin::Html | Builtin::Js | Builtin::UrlQuery => {
                (&[], Some(BParam::Iface))
            }
            Builtin::Printf => (&[BParam::Str], Some(BParam::Iface)),
        }
    }
}

/// Runs a builtin other than `and`, `or` and `call` on evaluated
/// arguments. `Err` is the text after `error calling NAME: `.
pub(super) fn run(b: Builtin, args: Vec<Val>) -> Result<Val, String> {
    let bool_val = |b: bool| Val::concrete(Value::Bool(b));
    let string_val = |s: Vec<u8>| Val::concrete(Value::String(s.into()));
    match b {
        Builtin::Not => Ok(bool_val(!args.first().is_some_and(super::exec::is_true))),
        Builtin::Len => length(arg(&args, 0)).map(|n| Val::concrete(Value::int(n as i64))),
        Builtin::Index => index(arg(&args, 0), args.get(1..).unwrap_or(&[])),
        Builtin::Slice => slice(arg(&args, 0), args.get(1..).unwrap_or(&[])),
        Builtin::Eq => compare::eq(arg(&args, 0), args.get(1..).unwrap_or(&[])).map(bool_val),
        Builtin::Ne => {
            compare::eq(arg(&args, 0), args.get(1..2).unwrap_or(&[])).map(|e| bool_val(!e))
        }
        Builtin::Lt => compare::lt(arg(&args, 0), arg(&args, 1)).map(bool_val),
        Builtin::Le => compare::le(arg(&args, 0), arg(&args, 1)).map(bool_val),
        Builtin::Gt => compare::le(arg(&args, 0), arg(&args, 1)).map(|le| bool_val(!le)),
        Builtin::Ge => compare::lt(arg(&args, 0), arg(&args, 1)).map(|lt| bool_val(!lt)),
        Builtin::Print => Ok(string_val(super::fmt::sprint(&values(args)))),
        Builtin::Println => Ok(string_val(super::fmt::sprintln(&values(args)))),
        Builtin::Printf => {
            let mut vals = values(args).into_iter();
            let format = match vals.next() {
                Some(Value::String(s)) => s,
                _ => Default::default(),
            };
            let rest: Vec<Value> = vals.collect();
            Ok(string_val(super::fmt::sprintf(format.as_bytes(), &rest)))
        }
        Builtin::Html => Ok(string_val(escape::html(&eval_args(args)))),
        Builtin::Js => Ok(string_val(escape::js(&eval_args(args)))),
        Builtin::UrlQuery => Ok(string_val(escape::query(&eval_args(args)))),
        // Handled by the executor.
        Builtin::And | Builtin::Or | Builtin::Call => Ok(Val::invalid()),
    }
}

fn arg(args: &[Val], i: usize) -> &Val {
    const INVALID: &Val = &Val {
        v: Value::Invalid,
        iface: false,
    };
    args.get(i).unwrap_or(INVALID)
}

fn values(args: Vec<Val>) -> Vec<Value> {
    args.into_iter().map(|v| v.v).collect()
}

/// Go's `evalArgs`: `fmt.Sprint` of the arguments, a nil one printing as
/// `<no value>` as an action would.
fn eval_args(args: Vec<Val>) -> Vec<u8> {
    if let [
        Val {
            v: Value::String(s),
            ..
        },
    ] = args.as_slice()
    {
        return s.as_bytes().to_vec();
    }
    let vals: Vec<Value> = args
        .into_iter()
        .map(|a| match a.v {
            Value::Nil(Type::Interface) | Value::Invalid => Value::string("<no value>"),
            v => v,
        })
        .collect();
    super::fmt::sprint(&vals)
}

/// The type text of a value after Go's `indirect` (a pointer's element
/// type: `*chartutil.Capabilities` is indexed as `chartutil.Capabilities`).
fn indirect_type_name(v: &Value) -> String {
    let name = value_type_name(v);
    match v {
        Value::Object(_) => name.strip_prefix('*').map(str::to_string).unwrap_or(name),
        _ => name,
    }
}

/// A host object's map or slice value, if its Go type is one.
fn underlying(v: Value) -> Value {
    match &v {
        Value::Object(o) => object_value(o.as_ref()).unwrap_or(v),
        _ => v,
    }
}

/// Go's `length`.
fn length(item: &Val) -> Result<usize, String> {
    match &item.v {
        Value::Nil(Type::Interface | Type::Named(_)) => Err("len of nil pointer".to_string()),
        Value::Invalid => Err("reflect: call of reflect.Value.Type on zero Value".to_string()),
        Value::String(s) => Ok(s.len()),
        Value::Bytes(b) => Ok(b.len()),
        Value::List(l) => Ok(l.items().len()),
        Value::Map(m) => Ok(m.len()),
        Value::Nil(Type::Map(..) | Type::Slice(_) | Type::Bytes) => Ok(0),
        Value::Object(o) if let Some(inner) = object_value(o.as_ref()) => {
            length(&Val::concrete(inner))
        }
        other => Err(format!("len of type {}", indirect_type_name(other))),
    }
}

/// Go's `indexArg`: an integer index within `0..=cap`.
fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x: i64 = match index {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Invalid => return Err("cannot index slice/array with nil".to_string()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                value_type_name(other)
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

/// Go's `prepareArg` (map keys for `index`, `call`'s arguments).
pub(super) fn prepare_arg(value: Value, t: &Type) -> Result<Value, String> {
    if let Value::Invalid = value {
        if !convert::can_be_nil(t) {
            return Err(format!("value is nil; should be of type {}", type_name(t)));
        }
        return Ok(convert::zero(t));
    }
    let vt = value.go_type().unwrap_or(Type::Interface);
    if assignable(&vt, t) {
        return Ok(value);
    }
    if int_like(&vt)
        && int_like(t)
        && let Some(v) = convert::convert_int(&value, t)
    {
        return Ok(v);
    }
    Err(format!(
        "value has type {}; should be {}",
        type_name(&vt),
        type_name(t)
    ))
}

/// Go's `index`.
fn index(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let mut cur = Val::concrete(underlying(item.indirect_interface()));
    if !cur.is_valid() {
        return Err("index of untyped nil".to_string());
    }
    for ix in indexes {
        let ix = ix.indirect_interface();
        if let Value::Object(_) = &cur.v {
            cur = Val::concrete(underlying(cur.v));
        }
        cur = match &cur.v {
            Value::Nil(Type::Interface | Type::Named(_)) => {
                return Err("index of nil pointer".to_string());
            }
            Value::String(s) => {
                let x = index_arg(&ix, s.len())?;
                let b = s
                    .as_bytes()
                    .get(x)
                    .ok_or("reflect: string index out of range")?;
                Val::concrete(Value::Uint(u64::from(*b), UintKind::Uint8))
            }
            Value::Bytes(bytes) => {
                let x = index_arg(&ix, bytes.len())?;
                let b = bytes.get(x).ok_or("reflect: slice index out of range")?;
                Val::concrete(Value::Uint(u64::from(*b), UintKind::Uint8))
            }
            Value::List(l) => {
                let x = index_arg(&ix, l.items().len())?;
                let v = l
                    .items()
                    .get(x)
                    .ok_or("reflect: slice index out of range")?;
                Val::elem(v.clone(), l.elem())
            }
            Value::Nil(Type::Slice(_) | Type::Bytes) => {
                index_arg(&ix, 0)?;
                return Err("reflect: slice index out of range".to_string());
            }
            Value::Map(m) => {
                let key = prepare_arg(ix, &Type::String)?;
                let key = match key {
                    Value::String(k) => k,
                    _ => Default::default(),
                };
                match m.get(key.as_bytes()) {
                    Some(v) => Val::elem(v, m.elem()),
                    None => Val::elem(convert::zero(m.elem()), m.elem()),
                }
            }
            Value::Nil(Type::Map(elem, _)) => {
                prepare_arg(ix, &Type::String)?;
                Val::elem(convert::zero(elem), elem)
            }
            other => {
                return Err(format!(
                    "can't index item of type {}",
                    indirect_type_name(other)
                ));
            }
        };
    }
    Ok(cur)
}

/// Go's `slice` (Helm replaces it by Sprig's; kept for plain Go sets).
fn slice(item: &Val, indexes: &[Val]) -> Result<Val, String> {
    let item = underlying(item.indirect_interface());
    if let Value::Invalid = item {
        return Err("slice of untyped nil".to_string());
    }
    if let Value::Nil(Type::Named(_)) = item {
        return Err("slice of nil pointer".to_string());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()));
    }
    let len = match &item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".to_string());
            }
            s.len()
        }
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.items().len(),
        Value::Nil(Type::Slice(_) | Type::Bytes) => 0,
        other => {
            return Err(format!(
                "can't slice item of type {}",
                value_type_name(other)
            ));
        }
    };
    let mut idx = [0, len, len];
    for (i, ix) in indexes.iter().enumerate() {
        idx[i] = index_arg(&ix.indirect_interface(), len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]));
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]));
    }
    let (lo, hi) = (idx[0], idx[1]);
    Ok(Val::concrete(match item {
        Value::String(s) => Value::String(s.as_bytes()[lo..hi].into()),
        Value::Bytes(b) => Value::Bytes(b[lo..hi].into()),
        Value::List(l) => Value::List(List::new(l.elem().clone(), l.items()[lo..hi].to_vec())),
        other => other,
    }))
}
