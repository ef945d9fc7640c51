//! helm's coalescing (`CoalesceValues`/`MergeValues`): chart defaults under
//! user values, each subchart's section coalesced with that subchart's
//! defaults, and `global` handed down to every subchart.
//!
//! The result is the `.Values` tree templates see. Null handling is the
//! subtle part and follows helm exactly:
//! - a user `null` over a chart default deletes the key (coalescing only;
//!   merging keeps nils);
//! - inside maps, a user `null` over an absent or null default is kept;
//! - helm v4.2 drops chart-default nils before merging them
//!   (`cleanNilValues`), helm v3 keeps them.

use std::collections::BTreeMap;

use crate::chart::model::{Chart, Values};
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gojson::float::format_g;

use super::ValuesError;

/// The key holding values shared by a chart and all its subcharts.
pub const GLOBAL_KEY: &str = "global";

/// `CoalesceValues`: the values templates see for `chart` given the user
/// values `vals` (user nulls remove defaults).
pub fn coalesce_values(
    chart: &Chart,
    vals: &Values,
    compat: Compat,
) -> Result<Values, ValuesError> {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, "", false, compat)?;
    Ok(dest)
}

/// `MergeValues`: as [`coalesce_values`] but nulls are kept everywhere, for
/// steps that coalesce again later (dependency imports).
pub fn merge_values(chart: &Chart, vals: &Values, compat: Compat) -> Result<Values, ValuesError> {
    let mut dest = vals.clone();
    coalesce(chart, &mut dest, "", true, compat)?;
    Ok(dest)
}

/// `CoalesceTables`: `src` fills the gaps of `dst` (which wins), nulls in
/// `dst` deleting `src`'s non-null values.
pub fn coalesce_tables(dst: &mut Values, src: Values) {
    coalesce_tables_full_key(dst, src, "", false);
}

/// `MergeTables`: as [`coalesce_tables`], nulls kept.
pub fn merge_tables(dst: &mut Values, src: Values) {
    coalesce_tables_full_key(dst, src, "", true);
}

fn concat_prefix(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_owned()
    } else {
        format!("{a}.{b}")
    }
}

fn coalesce(
    chart: &Chart,
    dest: &mut Values,
    prefix: &str,
    merge: bool,
    compat: Compat,
) -> Result<(), ValuesError> {
    coalesce_chart_values(chart, dest, prefix, merge, compat);
    coalesce_deps(chart, dest, prefix, merge, compat)?;
    share_global_objects(chart, dest);
    Ok(())
}

/// helm hands each subchart a *shallow* copy of every map under the
/// parent's `global` (`copyMap`), so the maps one level deeper
/// (`global.<key>.<key2>`) are the same Go objects in the parent and in
/// every subchart that inherits them, and whatever any of them adds there
/// (its own `global` values, its defaults) shows in all of them, parent
/// included. Every such addition only fills gaps, so the shared object
/// ends as the original filled, in processing order, with what each
/// subchart's view holds; that final object is written back to the parent
/// and to every subchart (and their subcharts) sharing it.
fn share_global_objects(chart: &Chart, vals: &mut Values) {
    let Some(GoValue::Map(global)) = vals.get(GLOBAL_KEY) else {
        return;
    };
    let mut shared: Vec<(String, String, Values)> = Vec::new();
    for (key, inner) in global {
        if let GoValue::Map(inner) = inner {
            for (key2, obj) in inner {
                if let GoValue::Map(obj) = obj {
                    shared.push((key.clone(), key2.clone(), obj.clone()));
                }
            }
        }
    }
    for (key, key2, mut obj) in shared {
        for sub in &chart.dependencies {
            if let Some(view) = section_object(vals, sub.name(), &key, &key2) {
                coalesce_tables_full_key(&mut obj, view, "", true);
            }
        }
        for sub in &chart.dependencies {
            if let Some(GoValue::Map(section)) = vals.get_mut(sub.name()) {
                write_shared(sub, section, &key, &key2, &obj);
            }
        }
        if let Some(GoValue::Map(global)) = vals.get_mut(GLOBAL_KEY)
            && let Some(GoValue::Map(inner)) = global.get_mut(&key)
        {
            inner.insert(key2, GoValue::Map(obj));
        }
    }
}

/// A subchart section's `global.<key>.<key2>` map, if it has one.
fn section_object(vals: &Values, sub: &str, key: &str, key2: &str) -> Option<Values> {
    match vals.get(sub)? {
        GoValue::Map(section) => match section.get(GLOBAL_KEY)? {
            GoValue::Map(g) => match g.get(key)? {
                GoValue::Map(inner) => match inner.get(key2)? {
                    GoValue::Map(obj) => Some(obj.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Sets the shared object in `section` and, where they inherited it, in
/// its subcharts' sections.
fn write_shared(chart: &Chart, section: &mut Values, key: &str, key2: &str, obj: &Values) {
    let Some(GoValue::Map(g)) = section.get_mut(GLOBAL_KEY) else {
        return;
    };
    let Some(GoValue::Map(inner)) = g.get_mut(key) else {
        return;
    };
    if !matches!(inner.get(key2), Some(GoValue::Map(_))) {
        return;
    }
    inner.insert(key2.to_owned(), GoValue::Map(obj.clone()));
    for sub in &chart.dependencies {
        if let Some(GoValue::Map(s)) = section.get_mut(sub.name()) {
            write_shared(sub, s, key, key2, obj);
        }
    }
}

/// Go's `%t` verb applied to a non-bool value (`type mismatch` errors).
fn go_percent_t(v: &GoValue) -> String {
    match v {
        GoValue::Bool(b) => b.to_string(),
        GoValue::Null => "%!t(<nil>)".to_owned(),
        GoValue::Int(i) => format!("%!t(int64={i})"),
        GoValue::Float(f) => format!("%!t(float64={})", format_g(*f)),
        GoValue::String(s) => format!("%!t(string={s})"),
        GoValue::Array(a) => {
            let parts: Vec<String> = a.iter().map(go_percent_t).collect();
            format!("[{}]", parts.join(" "))
        }
        GoValue::Map(_) | GoValue::Struct(_) => "map[...]".to_owned(),
    }
}

fn coalesce_deps(
    chart: &Chart,
    dest: &mut Values,
    prefix: &str,
    merge: bool,
    compat: Compat,
) -> Result<(), ValuesError> {
    for sub in &chart.dependencies {
        let name = sub.name().to_owned();
        let mut section = match dest.remove(&name) {
            None => BTreeMap::new(),
            Some(GoValue::Map(m)) => m,
            Some(other) => {
                let msg = format!("type mismatch on {name}: {}", go_percent_t(&other));
                dest.insert(name, other);
                return Err(ValuesError::Invalid(msg));
            }
        };
        let sub_prefix = concat_prefix(prefix, chart.name());
        coalesce_globals(&mut section, dest, &sub_prefix);
        let result = coalesce(sub, &mut section, &sub_prefix, merge, compat);
        dest.insert(name, GoValue::Map(section));
        result?;
    }
    Ok(())
}

/// `coalesceGlobals`: the parent's `global` merged into the subchart's,
/// the parent winning; the subchart always ends up with a `global` map.
fn coalesce_globals(dest: &mut Values, src: &Values, prefix: &str) {
    let mut dg = match dest.get(GLOBAL_KEY) {
        None => BTreeMap::new(),
        Some(GoValue::Map(m)) => m.clone(),
        Some(_) => {
            tracing::warn!("warning: skipping globals because destination global is not a table.");
            return;
        }
    };
    let sg = match src.get(GLOBAL_KEY) {
        None => BTreeMap::new(),
        Some(GoValue::Map(m)) => m.clone(),
        Some(_) => {
            tracing::warn!("warning: skipping globals because source global is not a table.");
            return;
        }
    };
    for (key, val) in sg {
        match val {
            GoValue::Map(vv) => match dg.remove(&key) {
                None => {
                    dg.insert(key, GoValue::Map(vv));
                }
                Some(GoValue::Map(destv)) => {
                    let mut vv = vv;
                    coalesce_tables_full_key(&mut vv, destv, &concat_prefix(prefix, &key), true);
                    dg.insert(key, GoValue::Map(vv));
                }
                Some(other) => {
                    tracing::warn!(
                        "Conflict: cannot merge map onto non-map for {key:?}. Skipping."
                    );
                    dg.insert(key, other);
                }
            },
            val => {
                if matches!(dg.get(&key), Some(GoValue::Map(_))) {
                    tracing::warn!("key {key} is table. Skipping");
                } else {
                    dg.insert(key, val);
                }
            }
        }
    }
    dest.insert(GLOBAL_KEY.to_owned(), GoValue::Map(dg));
}

/// `coalesceValues`: the chart's defaults into `v` (which wins).
fn coalesce_chart_values(chart: &Chart, v: &mut Values, prefix: &str, merge: bool, compat: Compat) {
    let sub_prefix = concat_prefix(prefix, chart.name());
    // helm v4.2 cleans chart-default nils (at every level, as 4.2.4 does)
    // so they neither shadow globals nor print as `%!s(<nil>)`; v3 keeps
    // them.
    let clean = compat == Compat::V4 && !merge;
    for (key, val) in chart.values.clone() {
        match v.get_mut(&key) {
            Some(GoValue::Null) if !merge => {
                v.remove(&key);
            }
            Some(GoValue::Map(dest)) => match val {
                GoValue::Map(mut src) => {
                    let merge = merge || chart.dependencies.iter().any(|d| d.name() == key);
                    if !merge && clean {
                        clean_nil_values(&mut src);
                    }
                    coalesce_tables_full_key(dest, src, &concat_prefix(&sub_prefix, &key), merge);
                }
                GoValue::Null => {}
                _ => tracing::warn!("warning: skipped value for {sub_prefix}.{key}: Not a table."),
            },
            Some(_) => {}
            None => {
                let mut val = val;
                if clean {
                    match &mut val {
                        GoValue::Null => continue,
                        GoValue::Map(m) => clean_nil_values(m),
                        _ => {}
                    }
                }
                v.insert(key, val);
            }
        }
    }
}

/// `coalesceTablesFullKey`: `src` into `dst`, `dst` authoritative.
fn coalesce_tables_full_key(dst: &mut Values, mut src: Values, prefix: &str, merge: bool) {
    let src_non_nil: std::collections::BTreeSet<String> = src
        .iter()
        .filter(|(_, v)| !matches!(v, GoValue::Null))
        .map(|(k, _)| k.clone())
        .collect();
    for (k, v) in dst.iter() {
        if matches!(v, GoValue::Null) {
            src.insert(k.clone(), GoValue::Null);
        }
    }
    for (key, val) in src {
        let full_key = concat_prefix(prefix, &key);
        match dst.get_mut(&key) {
            Some(GoValue::Null) if !merge && src_non_nil.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(dv) => match (dv, val) {
                (GoValue::Map(d), GoValue::Map(s)) => {
                    coalesce_tables_full_key(d, s, &full_key, merge);
                }
                (_, val @ GoValue::Map(_)) => {
                    tracing::warn!(
                        "warning: cannot overwrite table with non table for {full_key} ({})",
                        go_v(&val)
                    );
                }
                (GoValue::Map(_), val) if !matches!(val, GoValue::Null) => {
                    tracing::warn!(
                        "warning: destination for {full_key} is a table. Ignoring non-table value ({})",
                        go_v(&val)
                    );
                }
                _ => {}
            },
        }
    }
}

/// Go's `%v` of a value, as helm's warnings print it (`map[a:1 b:<nil>]`).
pub(crate) fn go_v(v: &GoValue) -> String {
    match v {
        GoValue::Null => "<nil>".to_owned(),
        GoValue::Bool(b) => b.to_string(),
        GoValue::Int(i) => i.to_string(),
        GoValue::Float(f) => format_g(*f),
        GoValue::String(s) => s.clone(),
        GoValue::Array(a) => {
            let parts: Vec<String> = a.iter().map(go_v).collect();
            format!("[{}]", parts.join(" "))
        }
        GoValue::Map(m) => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("{k}:{}", go_v(v))).collect();
            format!("map[{}]", parts.join(" "))
        }
        GoValue::Struct(fields) => {
            let parts: Vec<String> = fields.iter().map(|(_, v)| go_v(v)).collect();
            format!("{{{}}}", parts.join(" "))
        }
    }
}

/// `cleanNilValues`: removes nils at every depth of maps.
fn clean_nil_values(m: &mut Values) {
    m.retain(|_, v| !matches!(v, GoValue::Null));
    for v in m.values_mut() {
        if let GoValue::Map(sub) = v {
            clean_nil_values(sub);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(json: serde_json::Value) -> Values {
        match GoValue::from_json(&json) {
            GoValue::Map(m) => m,
            _ => BTreeMap::new(),
        }
    }

    fn chart(name: &str, values: serde_json::Value, deps: Vec<Chart>) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.to_owned();
        c.values = vals(values);
        c.dependencies = deps;
        c
    }

    #[test]
    fn user_wins_nulls_delete_and_globals_flow_down() {
        let sub = chart(
            "sub",
            serde_json::json!({"a": 1, "n": null, "global": {"g": 0, "s": 1}}),
            vec![],
        );
        let parent = chart(
            "parent",
            serde_json::json!({"x": 1, "y": {"z": 1}, "global": {"g": 2}, "sub": {"a": 5}}),
            vec![sub],
        );
        let user = vals(serde_json::json!({"x": null, "y": {"w": null}}));
        let v4 = coalesce_values(&parent, &user, Compat::V4).unwrap_or_default();
        assert_eq!(
            GoValue::Map(v4),
            GoValue::from_json(&serde_json::json!({
                "y": {"z": 1, "w": null},
                "global": {"g": 2},
                "sub": {"a": 5, "global": {"g": 2, "s": 1}}
            }))
        );
        let v3 = coalesce_values(&parent, &user, Compat::V3).unwrap_or_default();
        assert_eq!(
            v3.get("sub").and_then(|s| match s {
                GoValue::Map(m) => m.get("n").cloned(),
                _ => None,
            }),
            Some(GoValue::Null)
        );
    }

    #[test]
    fn type_mismatch_on_subchart_section() {
        let parent = chart(
            "p",
            serde_json::json!({}),
            vec![chart("s", serde_json::json!({}), vec![])],
        );
        let user = vals(serde_json::json!({"s": "x"}));
        assert_eq!(
            coalesce_values(&parent, &user, Compat::V4)
                .map_err(|e| e.to_string())
                .err(),
            Some("type mismatch on s: %!t(string=x)".to_owned())
        );
    }
}
