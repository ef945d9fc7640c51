//! Go's encoding primitives, shared by every layer: one value model, one
//! JSON string escaper, one float formatter, one JSON writer and Go's
//! `time.Time` in its JSON form.
//!
//! helm is written in Go, and what it stores and prints is whatever Go's
//! `encoding/json`, `strconv` and `time` (and, for field ownership,
//! structured-merge-diff's jsoniter) make of its values. rudder must
//! produce the same bytes in three places: release records
//! ([`crate::release`]), command output ([`crate::output`]) and
//! managed-fields patches ([`crate::cluster`]). This module is the one copy
//! of those rules. It sits below all three and depends on none of them.
//!
//! - [`value::GoValue`]: a Go value as the encoders see it (integer fields
//!   versus `float64`, sorted maps versus ordered structs);
//! - [`escape`]: string escaping of `encoding/json` and of jsoniter's two
//!   writers, plus a serde_json formatter for serde-serialised structures;
//! - [`float`]: `strconv`'s shortest float text in `encoding/json`'s,
//!   jsoniter's and `'g'` layouts (ties to even, as Go);
//! - [`json`]: a [`value::GoValue`] written as `encoding/json` or jsoniter;
//! - [`time`]: `time.Time` parsed and written as its JSON methods do.
//!
//! The rules are pinned by golden files produced by Go itself
//! (`fixtures/golden/`, tested from `crate::output`) and by unit tests
//! holding what Go prints.

pub mod decode;
pub mod escape;
pub mod float;
pub mod go_time_format;
pub mod json;
pub mod time;
pub mod value;
pub mod yaml;
mod yaml_breaks;
mod yaml_quoted;

pub use escape::{Escaping, GoFormatter, to_go_json};
pub use json::{Encoder, JsonError, to_json};
pub use time::GoTime;
pub use value::{GoValue, StructBuilder};
#[cfg(test)]
mod yaml_oracle_tests;
