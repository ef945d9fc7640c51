//! Upgrade-time values (`Upgrade.reuseValues` of helm v3.21 and v4.2,
//! which agree): given the release being upgraded and the values supplied
//! now, which user values the new revision stores and renders with, and
//! which defaults the new chart renders with.

use crate::chart::model::{Chart, Values};
use crate::compat::Compat;

use super::ValuesError;
use super::coalesce::{coalesce_tables, coalesce_values};

/// The values flags of `helm upgrade`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ValuesMode {
    /// No flag: the old user values are kept only when none are supplied.
    #[default]
    Default,
    /// `--reuse-values`: the supplied values over the old user values, and
    /// the old chart's computed values as the new chart's defaults.
    Reuse,
    /// `--reset-values`: the supplied values alone.
    Reset,
    /// `--reset-then-reuse-values`: the supplied values over the old user
    /// values, with the new chart's own defaults.
    ResetThenReuse,
}

impl ValuesMode {
    /// The mode helm picks from its flags; `--reset-values` wins over
    /// `--reuse-values`, which wins over `--reset-then-reuse-values`.
    pub fn from_flags(reset: bool, reuse: bool, reset_then_reuse: bool) -> ValuesMode {
        if reset {
            ValuesMode::Reset
        } else if reuse {
            ValuesMode::Reuse
        } else if reset_then_reuse {
            ValuesMode::ResetThenReuse
        } else {
            ValuesMode::Default
        }
    }
}

/// `reuseValues`: returns the user values of the new revision (stored as
/// its `config` and rendered as the user values); with
/// [`ValuesMode::Reuse`], `new_chart`'s default values are replaced by the
/// old release's computed values (`old_chart`'s defaults coalesced with
/// `old_config`), as helm does before processing dependencies.
pub fn reuse_values(
    mode: ValuesMode,
    new_chart: &mut Chart,
    old_chart: &Chart,
    old_config: &Values,
    new_vals: Values,
    compat: Compat,
) -> Result<Values, ValuesError> {
    match mode {
        ValuesMode::Reset => Ok(new_vals),
        ValuesMode::Reuse => {
            let old_vals = coalesce_values(old_chart, old_config, compat)
                .map_err(|e| ValuesError::Invalid(format!("failed to rebuild old values: {e}")))?;
            let mut vals = new_vals;
            coalesce_tables(&mut vals, old_config.clone());
            new_chart.values = old_vals;
            Ok(vals)
        }
        ValuesMode::ResetThenReuse => {
            let mut vals = new_vals;
            coalesce_tables(&mut vals, old_config.clone());
            Ok(vals)
        }
        ValuesMode::Default => {
            if new_vals.is_empty() && !old_config.is_empty() {
                Ok(old_config.clone())
            } else {
                Ok(new_vals)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gojson::GoValue;

    fn vals(j: serde_json::Value) -> Values {
        match GoValue::from_json(&j) {
            GoValue::Map(m) => m,
            _ => Values::new(),
        }
    }

    #[test]
    fn modes() {
        let old_chart = Chart {
            values: vals(serde_json::json!({"a": 1, "b": {"c": 1}})),
            ..Chart::default()
        };
        let old_config = vals(serde_json::json!({"b": {"d": 2}, "e": 3}));
        let new = vals(serde_json::json!({"e": null, "f": 4}));
        let mut chart = Chart::default();
        let reuse = reuse_values(
            ValuesMode::Reuse,
            &mut chart,
            &old_chart,
            &old_config,
            new.clone(),
            Compat::V4,
        );
        assert_eq!(
            reuse.ok().map(GoValue::Map),
            Some(GoValue::from_json(
                &serde_json::json!({"b": {"d": 2}, "f": 4})
            ))
        );
        assert_eq!(
            GoValue::Map(chart.values.clone()),
            GoValue::from_json(&serde_json::json!({"a": 1, "b": {"c": 1, "d": 2}, "e": 3}))
        );
        let dflt = reuse_values(
            ValuesMode::Default,
            &mut chart,
            &old_chart,
            &old_config,
            Values::new(),
            Compat::V4,
        );
        assert_eq!(dflt.ok(), Some(old_config.clone()));
        let reset = reuse_values(
            ValuesMode::Reset,
            &mut chart,
            &old_chart,
            &old_config,
            new.clone(),
            Compat::V4,
        );
        assert_eq!(reset.ok(), Some(new));
    }
}
