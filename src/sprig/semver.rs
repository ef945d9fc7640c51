//! Sprig's `semver` and `semverCompare` over [`crate::semver`]
//! (Masterminds/semver v3.5.0, as Helm builds Sprig).
//!
//! `semver` returns Masterminds' `*semver.Version`, which templates use
//! through its methods: `(semver "1.2.3").Major`, `.Compare`, `.IncPatch`
//! and so on. [`GoVersion`] is that object.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

use crate::gotemplate::{Func, Funcs, Object, Signature, Type, UintKind, Value};
use crate::semver::{Constraints, Version};

use super::typed::{arg, fail, string, text};

/// Go's name for the pointer type `semver` returns.
const PTR_TYPE: &str = "*semver.Version";
/// Go's name for the value type `IncPatch` and friends return.
const VALUE_TYPE: &str = "semver.Version";

/// A Masterminds `*semver.Version` (or, from `IncPatch` and the other
/// value-receiver methods, a `semver.Version`) as a template object.
#[derive(Debug, Clone)]
pub struct GoVersion {
    version: Version,
    pointer: bool,
}

impl GoVersion {
    /// The version as `semver` returns it (a pointer).
    pub fn new(version: Version) -> GoVersion {
        GoVersion {
            version,
            pointer: true,
        }
    }

    /// The wrapped version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    fn value(version: Version) -> Value {
        Value::Object(Rc::new(GoVersion {
            version,
            pointer: false,
        }))
    }

    /// Masterminds' `originalVPrefix`.
    fn v_prefix(&self) -> &'static str {
        if self.version.original().starts_with('v') {
            "v"
        } else {
            ""
        }
    }

    /// A derived version with `original` rebuilt as Masterminds does
    /// (the `v` prefix kept, then the canonical text).
    fn derived(
        &self,
        major: u64,
        minor: u64,
        patch: u64,
        pre: &str,
        meta: &str,
    ) -> Result<Version, String> {
        let canonical = Version::new(major, minor, patch, pre, meta).to_string();
        Version::parse(&format!("{}{canonical}", self.v_prefix())).map_err(|e| e.to_string())
    }
}

fn uint64(v: u64) -> Value {
    Value::Uint(v, UintKind::Uint64)
}

/// The `*semver.Version` argument of a comparison method.
fn other(args: &[Value]) -> Option<Version> {
    match arg(args, 0) {
        Value::Object(o) => o.field("\0version").and_then(|v| match v {
            Value::String(s) => s.as_str().and_then(|s| Version::parse(s).ok()),
            _ => None,
        }),
        _ => None,
    }
}

impl Object for GoVersion {
    fn type_name(&self) -> String {
        if self.pointer { PTR_TYPE } else { VALUE_TYPE }.to_string()
    }

    fn method(&self, name: &str) -> Option<Func> {
        let me = self.clone();
        let v = self.version.clone();
        let ptr = Type::Named(Rc::from(PTR_TYPE));
        let no_args = |result: Type| Signature::new(vec![], result);
        Some(match name {
            "Major" => Func::new(name, no_args(Type::Uint(UintKind::Uint64)), move |_, _| {
                Ok(uint64(v.major()))
            }),
            "Minor" => Func::new(name, no_args(Type::Uint(UintKind::Uint64)), move |_, _| {
                Ok(uint64(v.minor()))
            }),
            "Patch" => Func::new(name, no_args(Type::Uint(UintKind::Uint64)), move |_, _| {
                Ok(uint64(v.patch()))
            }),
            "Prerelease" => Func::new(name, no_args(Type::String), move |_, _| {
                Ok(string(v.prerelease()))
            }),
            "Metadata" => Func::new(name, no_args(Type::String), move |_, _| {
                Ok(string(v.metadata()))
            }),
            // A pointer-receiver method: only `*Version` has it.
            "Original" if self.pointer => Func::new(name, no_args(Type::String), move |_, _| {
                Ok(string(v.original()))
            }),
            "String" => Func::new(name, no_args(Type::String), move |_, _| {
                Ok(string(v.to_string()))
            }),
            "IncPatch" | "IncMinor" | "IncMajor" => {
                let which = name.to_string();
                Func::new(
                    name,
                    no_args(Type::Named(Rc::from(VALUE_TYPE))),
                    move |_, _| {
                        let (ma, mi, pa) = (v.major(), v.minor(), v.patch());
                        let (pre, meta) = (v.prerelease(), "");
                        let next = match which.as_str() {
                            "IncPatch" if !pre.is_empty() => me.derived(ma, mi, pa, "", meta),
                            "IncPatch" => me.derived(ma, mi, pa.wrapping_add(1), "", meta),
                            "IncMinor" => me.derived(ma, mi.wrapping_add(1), 0, "", meta),
                            _ => me.derived(ma.wrapping_add(1), 0, 0, "", meta),
                        };
                        next.map(GoVersion::value).map_err(fail)
                    },
                )
            }
            "SetPrerelease" | "SetMetadata" => {
                let which = name.to_string();
                Func::new(
                    name,
                    Signature::new(vec![Type::String], Type::Named(Rc::from(VALUE_TYPE)))
                        .with_error(),
                    move |_, args| {
                        let s = text(arg(&args, 0));
                        let (ma, mi, pa) = (v.major(), v.minor(), v.patch());
                        let next = if which == "SetPrerelease" {
                            me.derived(ma, mi, pa, &s, v.metadata())
                        } else {
                            me.derived(ma, mi, pa, v.prerelease(), &s)
                        };
                        next.map(GoVersion::value).map_err(fail)
                    },
                )
            }
            "LessThan" | "LessThanEqual" | "GreaterThan" | "GreaterThanEqual" | "Equal"
                if self.pointer =>
            {
                let which = name.to_string();
                Func::new(
                    name,
                    Signature::new(vec![ptr], Type::Bool),
                    move |_, args| {
                        let Some(o) = other(&args) else {
                            if which == "Equal" {
                                return Ok(Value::Bool(false));
                            }
                            return Err(fail(
                                "runtime error: invalid memory address or nil pointer dereference",
                            ));
                        };
                        let ord = v.compare(&o);
                        Ok(Value::Bool(match which.as_str() {
                            "LessThan" => ord == Ordering::Less,
                            "LessThanEqual" => ord != Ordering::Greater,
                            "GreaterThan" => ord == Ordering::Greater,
                            "GreaterThanEqual" => ord != Ordering::Less,
                            _ => ord == Ordering::Equal,
                        }))
                    },
                )
            }
            "Compare" if self.pointer => Func::new(
                name,
                Signature::new(vec![ptr], Type::Int(crate::gotemplate::IntKind::Int)),
                move |_, args| {
                    let Some(o) = other(&args) else {
                        return Err(fail(
                            "runtime error: invalid memory address or nil pointer dereference",
                        ));
                    };
                    Ok(Value::int(match v.compare(&o) {
                        Ordering::Less => -1,
                        Ordering::Equal => 0,
                        Ordering::Greater => 1,
                    }))
                },
            ),
            _ => return None,
        })
    }

    fn field(&self, name: &str) -> Option<Value> {
        // Masterminds' fields are unexported; this private key lets the
        // comparison methods read another version's text back.
        (name == "\0version").then(|| string(self.version.original()))
    }

    fn format_v(&self) -> String {
        // Both `Version` and `*Version` print through `String()`.
        self.version.to_string()
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.version, f)
    }
}

pub(crate) fn register(funcs: &mut Funcs) {
    funcs.insert(Func::new(
        "semver",
        Signature::new(vec![Type::String], Type::Named(Rc::from(PTR_TYPE))).with_error(),
        |_, args| {
            Version::parse(&text(arg(&args, 0)))
                .map(|v| Value::Object(Rc::new(GoVersion::new(v))))
                .map_err(|e| fail(e.to_string()))
        },
    ));
    funcs.insert(Func::new(
        "semverCompare",
        Signature::new(vec![Type::String, Type::String], Type::Bool).with_error(),
        |_, args| {
            let c = Constraints::parse(&text(arg(&args, 0))).map_err(|e| fail(e.to_string()))?;
            let v = Version::parse(&text(arg(&args, 1))).map_err(|e| fail(e.to_string()))?;
            Ok(Value::Bool(c.check(&v)))
        },
    ));
}
