//! Byte-exact reproductions of the Go output machinery behind helm's
//! `-o json`, `-o yaml` and table output, so that rudder prints exactly
//! what helm prints.
//!
//! helm does not format output itself; it hands values to Go libraries
//! whose quirks are visible to every script that parses helm's output:
//!
//! - [`to_json`]: `encoding/json`'s `Encoder.Encode` (HTML-safe escaping,
//!   Go's float layout, a trailing newline);
//! - [`to_yaml`]: `sigs.k8s.io/yaml` v1.6.0 `Marshal`, i.e. JSON first, then
//!   go-yaml v2 (YAML 1.1 quoting, its own key order, literal blocks,
//!   folding at 80 columns);
//! - [`Table`]: `github.com/gosuri/uitable` v0.0.4 with
//!   `github.com/mattn/go-runewidth` v0.0.9 display widths;
//! - [`time`]: Go's `time` formatting, with the zone-name rules that make
//!   `helm list` print `+0000 UTC` in one place and `+0200 +0200` in
//!   another.
//!
//! Values are described to the encoders as [`GoValue`]s, which keep the
//! distinctions Go's encoders make (integer fields versus `float64`
//! numbers, sorted maps versus ordered structs). The value model, the JSON
//! encoder, float formatting and the time type are shared with the release
//! and cluster layers and live in [`crate::gojson`]; they are re-exported
//! here under their old paths.
//!
//! Every behaviour here is pinned by golden files generated with the real
//! Go libraries (`fixtures/golden/`, see its README); the tests need no Go.

mod gosort;
pub mod kubectl;
pub mod runewidth;
pub mod table;
mod tabwriter;
#[rustfmt::skip]
mod tables;
pub mod time;
pub mod yaml;
pub(crate) mod yaml_emit;
pub(crate) mod yaml_resolve;

// The float formatter, as go-yaml and kubectl's printer use it too.
use crate::gojson::float;

#[cfg(test)]
mod golden_tests;

pub use crate::gojson::json;
pub use crate::gojson::value;
pub use json::{JsonError, to_json};
pub use runewidth::WidthCondition;
pub use table::{Table, encode_table};
pub use time::{GoTime, OffsetNotation};
pub use value::{GoValue, StructBuilder};
pub use yaml::{YamlError, to_yaml};

/// Whether `c` lies in one of the sorted, non-overlapping inclusive code
/// point ranges of `table` (the generated tables in [`tables`]).
fn table_contains(table: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}
