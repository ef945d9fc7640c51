//! Go's `text/template`, natively: the engine Helm renders charts with.
//!
//! This module is self-contained: it depends on nothing else in the crate
//! and on nothing Kubernetes, so it could become a crate of its own. Helm's
//! functions (Sprig and Helm's own) are registered by the callers
//! ([`crate::sprig`], [`crate::render`]) through [`Funcs`].
//!
//! Why our own engine and not an existing crate: the Go semantics Helm
//! output depends on (method calls with arguments on host objects, Go's
//! number printing, nil-chain errors, error positions, parse-time checks,
//! `int64` vs `float64`) are missing from the Rust ports we measured (see
//! the README's "Rendering" section), and each is visible in real charts.
//!
//! Layout, following Go's own packages:
//! - [`ast`]: the parse tree (Go's `text/template/parse` nodes) and the
//!   node texts Go prints in error contexts;
//! - `lex` and `parse`: the lexer and parser, with Go's parse errors;
//! - [`value`]: the Go-typed value model (`int64` vs `float64`, byte
//!   strings, named map types, host objects with methods);
//! - [`func`]: the function registry with Go signatures, and the argument
//!   conversions and errors Go's `reflect`-based calls produce;
//! - `exec` and `builtins`: the executor and Go's builtin functions;
//! - [`fmt`] and `strconv`: a port of Go's `fmt` verbs and number texts;
//! - [`Templates`]: a template set (`New`, `Parse`, `Clone`, `Execute`).

pub mod ast;
mod builtins;
mod compare;
mod convert;
pub mod error;
mod escape;
mod exec;
#[cfg(test)]
mod exec_tests;
mod float_digits;
pub mod fmt;
mod fmt_format;
#[cfg(test)]
mod fmt_tests;
pub mod func;
mod lex;
mod parse;
mod printable;
mod set;
pub mod strconv;
pub mod value;

pub use error::{ExecError, ParseError};
pub use func::{Context, Func, FuncError, Funcs, Signature};
pub use set::{MissingKey, Templates};
pub use value::{FloatKind, IntKind, List, Map, Object, Str, Type, UintKind, Value};
