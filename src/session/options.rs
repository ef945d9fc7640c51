//! helm's option values that need more than a flag parser: `--wait`,
//! `--dry-run`, `--server-side`, and the `HELM_MAX_HISTORY` default. Each
//! parser returns the value and, for a deprecated spelling, the warning
//! helm 4 prints; a front end decides how to show it.

use crate::action::ActionError;
use crate::action::rollback::{DryRun, WaitStrategy};

/// A parsed option value, with the deprecation warning helm 4 gives for
/// its spelling, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The value.
    pub value: T,
    /// helm 4's warning for a deprecated spelling (helm 3 prints none).
    pub warning: Option<String>,
}

impl<T> Parsed<T> {
    fn plain(value: T) -> Parsed<T> {
        Parsed {
            value,
            warning: None,
        }
    }

    fn deprecated(value: T, warning: impl Into<String>) -> Parsed<T> {
        Parsed {
            value,
            warning: Some(warning.into()),
        }
    }
}

/// helm 4's `--wait` values: `watcher`, `hookOnly`, `legacy`, and the
/// deprecated booleans. `--wait` alone arrives as `watcher`.
pub fn parse_wait(value: &str) -> Result<Parsed<WaitStrategy>, ActionError> {
    match value {
        "watcher" => Ok(Parsed::plain(WaitStrategy::Watcher)),
        "hookOnly" => Ok(Parsed::plain(WaitStrategy::HookOnly)),
        "legacy" => Ok(Parsed::plain(WaitStrategy::Legacy)),
        "true" => Ok(Parsed::deprecated(
            WaitStrategy::Watcher,
            "--wait=true is deprecated (boolean value) and can be replaced with --wait=watcher",
        )),
        "false" => Ok(Parsed::deprecated(
            WaitStrategy::HookOnly,
            "--wait=false is deprecated (boolean value) and can be replaced with --wait=hookOnly",
        )),
        other => Err(ActionError::Invalid(format!(
            "invalid argument {other:?} for \"--wait\" flag: invalid wait input {other:?}. Valid inputs are watcher, hookOnly, and legacy"
        ))),
    }
}

/// helm 4's `--dry-run` values: `none`, `client`, `server`, the deprecated
/// booleans, and `unset` for `--dry-run` given alone (deprecated: it
/// means `client`).
pub fn parse_dry_run(value: &str) -> Result<Parsed<DryRun>, ActionError> {
    match value {
        "none" => Ok(Parsed::plain(DryRun::None)),
        "client" => Ok(Parsed::plain(DryRun::Client)),
        "server" => Ok(Parsed::plain(DryRun::Server)),
        "unset" => Ok(Parsed::deprecated(
            DryRun::Client,
            "--dry-run is deprecated and should be replaced with '--dry-run=client'",
        )),
        "true" => Ok(Parsed::deprecated(
            DryRun::Client,
            "boolean '--dry-run=true' flag is deprecated and must be replaced with '--dry-run=client'",
        )),
        "false" => Ok(Parsed::deprecated(
            DryRun::None,
            "boolean '--dry-run=false' flag is deprecated and must be replaced with '--dry-run=none'",
        )),
        other => Err(ActionError::Invalid(format!(
            "invalid dry-run value ({other:?}). Must be \"none\", \"server\", or \"client\""
        ))),
    }
}

/// `uninstall --dry-run`: helm's boolean (`--dry-run` alone is `true`),
/// plus rudder's `client` and `server` (the API server checks every
/// delete with `dryRun=All`).
pub fn parse_uninstall_dry_run(value: &str) -> Result<DryRun, ActionError> {
    match value {
        "true" | "client" => Ok(DryRun::Client),
        "server" => Ok(DryRun::Server),
        "false" | "none" => Ok(DryRun::None),
        other => Err(ActionError::Invalid(format!(
            "invalid argument {other:?} for \"--dry-run\" flag: must be true, false, client or server"
        ))),
    }
}

/// `--server-side`: rudder always applies server-side, so `true` and
/// `auto` are accepted and `false` is refused with the reason.
pub fn parse_server_side(value: &str) -> Result<(), ActionError> {
    match value {
        "true" | "auto" => Ok(()),
        "false" => Err(ActionError::Invalid(
            "--server-side=false is not supported: rudder always applies server-side (with Helm 4's migration of client-side field ownership)".into(),
        )),
        other => Err(ActionError::Invalid(format!(
            "invalid/unknown release server-side apply method: {other}"
        ))),
    }
}

/// `--history-max` when the flag is not given: `HELM_MAX_HISTORY`, or 10
/// when that is unset or not a number. Zero or less keeps every revision
/// (returned as 0).
pub fn default_history_max(flag: Option<i64>) -> usize {
    history_max_from(flag, std::env::var("HELM_MAX_HISTORY").ok().as_deref())
}

fn history_max_from(flag: Option<i64>, env: Option<&str>) -> usize {
    let v = flag.unwrap_or_else(|| env.and_then(|v| v.parse().ok()).unwrap_or(10));
    usize::try_from(v).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_values_as_helm_4() {
        assert_eq!(
            parse_wait("watcher").ok().map(|p| p.value),
            Some(WaitStrategy::Watcher)
        );
        let old = parse_wait("true").ok();
        assert_eq!(old.as_ref().map(|p| p.value), Some(WaitStrategy::Watcher));
        assert!(
            old.and_then(|p| p.warning)
                .is_some_and(|w| w.contains("--wait=watcher"))
        );
        assert_eq!(
            parse_wait("x").err().map(|e| e.to_string()),
            Some("invalid argument \"x\" for \"--wait\" flag: invalid wait input \"x\". Valid inputs are watcher, hookOnly, and legacy".to_string())
        );
    }

    #[test]
    fn dry_run_values_as_helm_4() {
        assert_eq!(
            parse_dry_run("server").ok().map(|p| p.value),
            Some(DryRun::Server)
        );
        assert_eq!(
            parse_dry_run("unset").ok().map(|p| p.value),
            Some(DryRun::Client)
        );
        assert_eq!(
            parse_dry_run("false").ok().map(|p| p.value),
            Some(DryRun::None)
        );
        assert!(parse_dry_run("maybe").is_err());
    }

    #[test]
    fn history_max_defaults_from_the_environment() {
        assert_eq!(history_max_from(None, None), 10);
        assert_eq!(history_max_from(None, Some("3")), 3);
        assert_eq!(history_max_from(None, Some("x")), 10);
        assert_eq!(history_max_from(Some(5), Some("3")), 5);
        assert_eq!(history_max_from(Some(-1), None), 0);
    }
}
