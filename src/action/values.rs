//! `get values --all`: Helm's coalescing of the stored chart's default
//! values with the user-supplied ones (`CoalesceValues` with merge off).
//!
//! Records do not store subcharts, so only the parent chart's values take
//! part, exactly as in helm.

use serde_json::Value;

use crate::chart::model::Chart;
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::values::coalesce::coalesce_values;

/// Coalesces `config` (authoritative) over `defaults`, Helm's way: maps
/// merge recursively, a `null` in `config` deletes the default, and
/// `null`s left in defaults are dropped (helm v4.2's rule, which is what
/// `get values --all` has always printed here).
pub fn coalesce(defaults: &Value, config: &Value) -> Value {
    let as_map = |v: &Value| match GoValue::from_json(v) {
        GoValue::Map(m) => m,
        _ => Default::default(),
    };
    let chart = Chart {
        values: as_map(defaults),
        ..Chart::default()
    };
    // A chart without subcharts cannot fail to coalesce (only a subchart
    // section of the wrong type can).
    let merged = coalesce_values(&chart, &as_map(config), Compat::V4).unwrap_or_default();
    crate::gojson::to_json(&GoValue::Map(merged))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_values_win_and_maps_merge() {
        let defaults =
            json!({"a": 1, "b": {"x": 1, "y": 2}, "c": [1], "d": null, "e": {"n": null, "m": 1}});
        let config = json!({"a": 2, "b": {"y": 3}, "c": [2, 3]});
        assert_eq!(
            coalesce(&defaults, &config),
            json!({"a": 2, "b": {"x": 1, "y": 3}, "c": [2, 3], "e": {"m": 1}})
        );
    }

    #[test]
    fn a_null_deletes_the_default() {
        let defaults = json!({"a": 1, "b": {"x": 1, "y": 2}});
        let config = json!({"a": null, "b": {"x": null}});
        assert_eq!(coalesce(&defaults, &config), json!({"b": {"y": 2}}));
    }

    #[test]
    fn no_config_gives_the_defaults() {
        let defaults = json!({"a": {"b": 1}});
        assert_eq!(coalesce(&defaults, &Value::Null), defaults);
    }
}
