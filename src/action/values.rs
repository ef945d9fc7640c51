//! `get values --all`: Helm's coalescing of the stored chart's default
//! values with the user-supplied ones (`CoalesceValues` with merge off).
//!
//! Records do not store subcharts, so only the parent chart's values take
//! part, exactly as in helm.

use serde_json::{Map, Value};

/// Coalesces `config` (authoritative) over `defaults`, Helm's way: maps
/// merge recursively, a `null` in `config` deletes the default, and
/// `null`s left in defaults that are copied in are dropped.
pub fn coalesce(defaults: &Value, config: &Value) -> Value {
    let mut dest = match config {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    if let Value::Object(src) = defaults {
        coalesce_values(&mut dest, src);
    }
    Value::Object(dest)
}

/// `coalesceValues`: chart defaults into the user values.
fn coalesce_values(dest: &mut Map<String, Value>, defaults: &Map<String, Value>) {
    for (key, default) in defaults {
        match dest.get_mut(key) {
            Some(Value::Null) => {
                dest.remove(key);
            }
            Some(Value::Object(d)) => {
                if let Value::Object(src) = default {
                    let mut src = src.clone();
                    clean_nulls(&mut src);
                    coalesce_tables(d, src);
                }
                // A non-map default under a map value is only warned about.
            }
            Some(_) => {}
            None => {
                let mut v = default.clone();
                if v.is_null() {
                    continue;
                }
                if let Value::Object(m) = &mut v {
                    clean_nulls(m);
                }
                dest.insert(key.clone(), v);
            }
        }
    }
}

/// `coalesceTablesFullKey` with merge off: `src` fills the gaps of `dst`.
fn coalesce_tables(dst: &mut Map<String, Value>, mut src: Map<String, Value>) {
    let src_non_null: std::collections::BTreeSet<String> = src
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    for (k, v) in dst.iter() {
        if v.is_null() {
            src.insert(k.clone(), Value::Null);
        }
    }
    for (key, val) in src {
        match dst.get_mut(&key) {
            Some(Value::Null) if src_non_null.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(Value::Object(d)) => {
                if let Value::Object(s) = val {
                    coalesce_tables(d, s);
                }
            }
            Some(_) => {}
        }
    }
}

fn clean_nulls(m: &mut Map<String, Value>) {
    m.retain(|_, v| !v.is_null());
    for v in m.values_mut() {
        if let Value::Object(sub) = v {
            clean_nulls(sub);
        }
    }
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
