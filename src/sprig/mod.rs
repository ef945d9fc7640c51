//! Sprig v3.3.0's template functions (Masterminds/sprig `TxtFuncMap`), as
//! Helm registers them, on the [`crate::gotemplate`] engine.
//!
//! Each family lives in its own file and registers its functions with Go
//! signatures, so argument conversion errors read as Go's. Functions that
//! are random or read the clock take their source from [`Env`], which
//! tests fix.

mod casing;
pub mod convert;
mod crypto;
mod dates;
mod defaults;
mod dicts;
mod encoding;
mod env;
mod go_time;
mod go_time_format;
mod go_time_parse;
mod json_decode;
mod lists;
mod math;
mod network;
mod paths;
mod random;
#[cfg(test)]
mod random_tests;
mod reflect;
mod regex;
pub mod semver;
mod strings;
mod text;
mod typed;
mod url;
mod uuid;
#[cfg(test)]
mod vector_tests;

pub use env::{Entropy, Env};
pub(crate) use go_time::{GoTime, Loc, time_json};

use crate::gotemplate::Funcs;

/// Every Sprig function Helm keeps (all of `TxtFuncMap` minus `env` and
/// `expandenv`), with randomness and time from `env`.
pub fn funcs(env: &Env) -> Funcs {
    let mut funcs = Funcs::new();
    strings::register(&mut funcs, env);
    lists::register(&mut funcs, env);
    dicts::register(&mut funcs, env);
    defaults::register(&mut funcs, env);
    math::register(&mut funcs, env);
    reflect::register(&mut funcs, env);
    regex::register(&mut funcs, env);
    paths::register(&mut funcs, env);
    encoding::register(&mut funcs);
    dates::register(&mut funcs, env);
    crypto::register(&mut funcs, env);
    random::register(&mut funcs, env);
    uuid::register(&mut funcs, env);
    semver::register(&mut funcs);
    url::register(&mut funcs);
    network::register(&mut funcs, env);
    funcs.remove("env");
    funcs
}

#[cfg(test)]
mod tests;
