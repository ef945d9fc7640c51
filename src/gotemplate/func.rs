//! The function registry: functions with Go signatures.
//!
//! Go calls template functions through `reflect`: the argument count is
//! checked against the signature, each argument is converted to its
//! parameter's type (with errors such as `wrong type for value; expected
//! string; got float64`), and a function's `error` result or panic becomes
//! `error calling NAME: ...`. A [`Func`] carries the [`Signature`] so the
//! executor can do all of that before the Rust body runs: the body receives
//! arguments already converted to the parameter types.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use super::error::ExecError;
use super::set::Templates;
use super::value::{Type, Value};

/// A function's Go signature.
#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    /// Fixed parameters' types.
    pub params: Vec<Type>,
    /// The element type of a final `...T` parameter, if variadic.
    pub variadic: Option<Type>,
    /// The first result's type (Go template functions return one value,
    /// optionally followed by an `error`).
    pub result: Type,
    /// Whether a second `error` result exists. Only then can the body's
    /// `Err` surface as `error calling NAME: ...` without being a panic;
    /// Go reports both the same way, so this only matters for `%T`-like
    /// introspection and documentation.
    pub returns_error: bool,
}

impl Signature {
    /// `func(params...) result`.
    pub fn new(params: Vec<Type>, result: Type) -> Signature {
        Signature {
            params,
            variadic: None,
            result,
            returns_error: false,
        }
    }

    /// `func(params..., ...variadic) result`.
    pub fn variadic(params: Vec<Type>, variadic: Type, result: Type) -> Signature {
        Signature {
            params,
            variadic: Some(variadic),
            result,
            returns_error: false,
        }
    }

    /// The same signature with a second `error` result.
    pub fn with_error(mut self) -> Signature {
        self.returns_error = true;
        self
    }
}

/// What a function body can ask of the running template: Helm's
/// `include` and `tpl` execute templates of the set that is running.
pub trait Context {
    /// The set being executed (`tpl` clones it and parses into the clone).
    fn templates(&self) -> &Templates;

    /// Executes the template called `name` of the running set with `data`
    /// as dot, into a buffer (Go's `ExecuteTemplate`).
    fn execute_template(&mut self, name: &str, data: Value) -> Result<Vec<u8>, ExecError>;
}

/// A function body: receives the call context and the converted
/// arguments (variadic ones flattened after the fixed ones).
pub type FuncBody = dyn Fn(&mut dyn Context, Vec<Value>) -> Result<Value, FuncError>;

/// A template function: a name, a Go signature and a body.
#[derive(Clone)]
pub struct Func {
    /// The name templates call it by.
    pub name: Rc<str>,
    /// The Go signature.
    pub sig: Signature,
    /// The body.
    pub body: Rc<FuncBody>,
}

impl fmt::Debug for Func {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Func")
            .field("name", &self.name)
            .field("sig", &self.sig)
            .finish_non_exhaustive()
    }
}

impl Func {
    /// A function from a signature and a closure.
    pub fn new(
        name: &str,
        sig: Signature,
        body: impl Fn(&mut dyn Context, Vec<Value>) -> Result<Value, FuncError> + 'static,
    ) -> Func {
        Func {
            name: Rc::from(name),
            sig,
            body: Rc::new(body),
        }
    }
}

/// Why a function call failed. The executor reports it as
/// `error calling NAME: <message>` at the call's node.
#[derive(Clone, Debug)]
pub struct FuncError {
    /// The error's text, as Go's `err.Error()` would print it.
    pub message: String,
    /// The template error this one wraps, when the function executed a
    /// template (`include`, `tpl`): Helm v4 prints the whole chain.
    pub cause: Option<Box<ExecError>>,
}

impl FuncError {
    /// An error with this text.
    pub fn new(message: impl Into<String>) -> FuncError {
        FuncError {
            message: message.into(),
            cause: None,
        }
    }

    /// An error that wraps a template error (its text is the template
    /// error's, optionally prefixed).
    pub fn wrapping(message: impl Into<String>, cause: ExecError) -> FuncError {
        FuncError {
            message: message.into(),
            cause: Some(Box::new(cause)),
        }
    }
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FuncError {}

/// A function map (Go's `template.FuncMap`). Later additions replace
/// earlier ones, as in Go, which is how Sprig's `slice` replaces Go's.
#[derive(Clone, Debug, Default)]
pub struct Funcs {
    map: HashMap<Rc<str>, Func>,
}

impl Funcs {
    /// An empty map (Go's builtins are always available on top of it).
    pub fn new() -> Funcs {
        Funcs::default()
    }

    /// Adds or replaces a function.
    pub fn insert(&mut self, func: Func) {
        self.map.insert(func.name.clone(), func);
    }

    /// Removes a function (Helm deletes Sprig's `env` and `expandenv`).
    pub fn remove(&mut self, name: &str) {
        self.map.remove(name);
    }

    /// The function called `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.map.get(name)
    }

    /// Whether a function called `name` is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// Adds every function of `other`, replacing same-named ones.
    pub fn extend(&mut self, other: Funcs) {
        self.map.extend(other.map);
    }
}
