//! The command line, with helm's flag names, shorthands and defaults.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// rudder: Helm release management, natively.
#[derive(Debug, Parser)]
#[command(
    name = "rudder",
    version = rudder::VERSION,
    about = "Helm's release management, natively in Rust",
    disable_help_subcommand = true,
    // pflag lets a repeated flag override the earlier one.
    args_override_self = true
)]
pub struct Cli {
    /// Flags every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// helm's global flags, plus rudder's own.
#[derive(Debug, Args)]
pub struct Global {
    /// namespace scope for this request
    #[arg(short = 'n', long, global = true, env = "HELM_NAMESPACE", add = super::completion::namespaces())]
    pub namespace: Option<String>,
    /// path to the kubeconfig file
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// name of the kubeconfig context to use
    #[arg(long = "kube-context", global = true, env = "HELM_KUBECONTEXT", add = super::completion::contexts())]
    pub kube_context: Option<String>,
    /// bearer token used for authentication
    #[arg(long = "kube-token", global = true, env = "HELM_KUBETOKEN")]
    pub kube_token: Option<String>,
    /// the address and the port for the Kubernetes API server
    #[arg(long = "kube-apiserver", global = true, env = "HELM_KUBEAPISERVER")]
    pub kube_apiserver: Option<String>,
    /// if true, the Kubernetes API server's certificate will not be checked for validity
    #[arg(long = "kube-insecure-skip-tls-verify", global = true)]
    pub kube_insecure_skip_tls_verify: bool,
    /// username to impersonate for the operation
    #[arg(long = "kube-as-user", global = true, value_name = "USER")]
    pub kube_as_user: Option<String>,
    /// group to impersonate for the operation, this flag can be repeated to specify multiple groups.
    #[arg(long = "kube-as-group", global = true, value_name = "GROUP", action = clap::ArgAction::Append)]
    pub kube_as_group: Vec<String>,
    /// the certificate authority file for the Kubernetes API server connection
    #[arg(long = "kube-ca-file", global = true, value_name = "FILE")]
    pub kube_ca_file: Option<PathBuf>,
    /// server name to use for Kubernetes API server certificate validation. If it is not provided, the hostname used to contact the server is used
    #[arg(long = "kube-tls-server-name", global = true, value_name = "NAME")]
    pub kube_tls_server_name: Option<String>,
    /// queries per second used when communicating with the Kubernetes API, not including bursting (0: no client-side limit)
    #[arg(long, global = true, value_parser = go_float32, allow_negative_numbers = true)]
    pub qps: Option<f32>,
    /// client-side default throttling limit
    #[arg(long = "burst-limit", global = true, value_parser = go_int, allow_negative_numbers = true)]
    pub burst_limit: Option<i64>,
    /// path to the registry config file
    #[arg(long = "registry-config", global = true, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// path to the file containing repository names and URLs
    #[arg(long = "repository-config", global = true, value_name = "FILE")]
    pub repository_config: Option<PathBuf>,
    /// path to the directory containing cached repository indexes
    #[arg(long = "repository-cache", global = true, value_name = "DIR")]
    pub repository_cache: Option<PathBuf>,
    /// path to the directory containing cached content (e.g. charts)
    #[arg(long = "content-cache", global = true, value_name = "DIR")]
    pub content_cache: Option<PathBuf>,
    /// storage driver: secret (default), configmap or memory
    #[arg(long, global = true, env = "HELM_DRIVER")]
    pub driver: Option<String>,
    /// behave like this helm major version where helm v3 and v4 differ
    /// (default list states, status layout, JSON fields)
    #[arg(long, global = true, env = "RUDDER_HELM_COMPAT", value_enum, default_value_t = CompatArg::V4)]
    pub compat: CompatArg,
    /// use colored output (never, auto, always)
    #[arg(long, visible_alias = "colour", global = true)]
    pub color: Option<String>,
    /// enable verbose output (logs on stderr; `RUST_LOG` selects more)
    #[arg(long, global = true)]
    pub debug: bool,
}

/// `--compat` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CompatArg {
    /// helm v3
    #[value(name = "v3", alias = "3")]
    V3,
    /// helm v4
    #[value(name = "v4", alias = "4")]
    V4,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// list releases
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// fetch release history
    #[command(visible_alias = "hist")]
    History(HistoryArgs),
    /// display the status of the named release
    Status(StatusArgs),
    /// download extended information of a named release
    #[command(subcommand)]
    Get(GetCommand),
    /// roll back a release to a previous revision
    Rollback(RollbackArgs),
    /// uninstall a release
    #[command(visible_aliases = ["un", "del", "delete"])]
    Uninstall(UninstallArgs),
    /// bring a release stuck in pending-* or uninstalling back to a consistent state
    Recover(RecoverArgs),
    /// run tests for a release
    Test(super::test::TestArgs),
    /// add, list, remove, update, and index chart repositories
    #[command(subcommand)]
    Repo(super::repo::RepoCommand),
    /// search for a keyword in charts
    #[command(subcommand)]
    Search(super::repo::SearchCommand),
    /// download a chart from a repository and (optionally) unpack it in local directory
    #[command(visible_alias = "fetch")]
    Pull(super::repo::PullArgs),
    /// show information of a chart
    #[command(subcommand, visible_alias = "inspect")]
    Show(super::chart::ShowCommand),
    /// package a chart directory into a chart archive
    Package(super::chart::PackageArgs),
    /// manage a chart's dependencies
    #[command(subcommand, visible_aliases = ["dep", "dependencies"])]
    Dependency(super::chart::DependencyCommand),
    /// login to or logout from a registry
    #[command(subcommand)]
    Registry(super::registry::RegistryCommand),
    /// push a chart to remote
    Push(super::registry::PushArgs),
    /// locally render templates
    Template(Box<super::template::TemplateArgs>),
    /// install a chart
    Install(Box<super::install::InstallArgs>),
    /// upgrade a release
    Upgrade(Box<super::upgrade::UpgradeArgs>),
    /// show what an upgrade or a rollback would change, or what changed between revisions
    #[command(subcommand)]
    Diff(super::diff::DiffCommand),
    /// browse and manage releases in a terminal UI, updated live
    Ui(super::ui::UiArgs),
    /// watch releases: the current ones, then every change as it happens
    Watch(super::watch::WatchArgs),
    /// serve the HTTP API, live events and metrics
    Serve(super::serve::ServeArgs),
    /// print the client version information
    Version(VersionArgs),
    /// generate autocompletion scripts for the specified shell
    Completion(CompletionArgs),
    /// print the manual page (roff) generated from the flag definitions
    #[command(hide = true)]
    Man,
}

/// `version` flags.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// print the version number
    #[arg(long)]
    pub short: bool,
    /// template for version string format
    #[arg(long, default_value = "")]
    pub template: String,
}

/// `completion` arguments.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// the shell: bash, zsh, fish or powershell
    #[arg(value_name = "SHELL", value_parser = ["bash", "zsh", "fish", "powershell"])]
    pub shell: String,
    /// disable completion descriptions (accepted for helm compatibility)
    #[arg(long = "no-descriptions")]
    pub no_descriptions: bool,
}

/// `-o/--output`.
#[derive(Debug, Args)]
pub struct OutputArg {
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long = "output", default_value = "table", add = super::completion::formats())]
    pub output: String,
}

/// `list` flags.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// output short (quiet) listing format
    #[arg(short = 'q', long)]
    pub short: bool,
    /// don't print headers when using the default output format
    #[arg(long = "no-headers")]
    pub no_headers: bool,
    /// format time using golang time formatter
    #[arg(long = "time-format", default_value = "")]
    pub time_format: String,
    /// sort by release date
    #[arg(short = 'd', long)]
    pub date: bool,
    /// reverse the sort order
    #[arg(short = 'r', long)]
    pub reverse: bool,
    /// show all releases without any filter applied (helm v3)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// show uninstalled releases (if 'helm uninstall --keep-history' was used)
    #[arg(long)]
    pub uninstalled: bool,
    /// show superseded releases
    #[arg(long)]
    pub superseded: bool,
    /// show releases that are currently being uninstalled
    #[arg(long)]
    pub uninstalling: bool,
    /// show deployed releases
    #[arg(long)]
    pub deployed: bool,
    /// show failed releases
    #[arg(long)]
    pub failed: bool,
    /// show pending releases
    #[arg(long)]
    pub pending: bool,
    /// list releases across all namespaces
    #[arg(short = 'A', long = "all-namespaces")]
    pub all_namespaces: bool,
    /// maximum number of releases to fetch
    #[arg(short = 'm', long = "max", default_value = "256", value_parser = go_int, allow_negative_numbers = true)]
    pub max: i64,
    /// next release index in the list, used to offset from start value
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true)]
    pub offset: i64,
    /// a regular expression; releases whose name matches it are listed
    #[arg(short = 'f', long, default_value = "")]
    pub filter: String,
    /// Selector (label query) to filter on, supports '=', '==', and '!='
    #[arg(short = 'l', long, default_value = "")]
    pub selector: String,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// upgrade availability (not in helm)
    #[command(flatten)]
    pub availability: AvailabilityArgs,
    /// unexpected positional arguments (reported as helm does)
    #[arg(hide = true)]
    pub rest: Vec<String>,
}

/// `list` flags for upgrade availability (rudder only; without them `list`
/// prints exactly what helm prints).
#[derive(Debug, Args)]
pub struct AvailabilityArgs {
    /// list only releases whose chart has a newer version in its source, with columns LATEST and SOURCE (JSON/YAML: extra fields). Sources: the repositories in helm's repositories.yaml (each index fetched once, conditionally, into helm's cache) and --oci-source prefixes; a chart found in several equally plausible sources or in none is not listed (see --availability)
    #[arg(long)]
    pub outdated: bool,
    /// add columns AVAILABILITY (up-to-date, upgrade-available (major|minor|patch|prerelease), ahead-of-source, ambiguous, unknown-source, source-error), LATEST and SOURCE for every listed release; with --outdated, only releases with an upgrade
    #[arg(long)]
    pub availability: bool,
    /// with --outdated/--availability: an OCI prefix (oci://host[:port]/path) under which <prefix>/<chart> is looked up; repeatable, or comma-separated in RUDDER_OCI_SOURCES
    #[arg(
        long = "oci-source",
        value_name = "PREFIX",
        env = "RUDDER_OCI_SOURCES",
        value_delimiter = ','
    )]
    pub oci_sources: Vec<String>,
    /// with --outdated/--availability: reach the --oci-source registries over plain HTTP
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// with --outdated/--availability: consider prerelease versions too (they always count when the installed version is a prerelease)
    #[arg(long)]
    pub devel: bool,
    /// with --outdated/--availability: use cached repository indexes and OCI tag lists only (no request)
    #[arg(long)]
    pub offline: bool,
}

/// `history` flags.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// maximum number of revision to include in history
    #[arg(long = "max", default_value = "256", value_parser = go_int, allow_negative_numbers = true)]
    pub max: i64,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `status` flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// if set, display the status of the named release with revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true, add = super::completion::revisions())]
    pub revision: i64,
    /// if set, display the description message of the named release (helm v3)
    #[arg(long = "show-desc")]
    pub show_desc: bool,
    /// if set, display the resources of the named release (helm v3)
    #[arg(long = "show-resources")]
    pub show_resources: bool,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `get` subcommands.
#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// download all information for a named release
    All(GetArgs),
    /// download the values file for a named release
    Values(GetValuesArgs),
    /// download the manifest for a named release
    Manifest(GetArgs),
    /// download the notes for a named release
    Notes(GetArgs),
    /// download all hooks for a named release
    Hooks(GetArgs),
    /// fetch metadata for a given release
    Metadata(GetOutputArgs),
}

/// `get all|manifest|notes|hooks` flags.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// get the named release with revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true, add = super::completion::revisions())]
    pub revision: i64,
    /// go template for formatting the output (not supported yet)
    #[arg(long, default_value = "")]
    pub template: String,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `get values` flags.
#[derive(Debug, Args)]
pub struct GetValuesArgs {
    /// get the named release with revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true, add = super::completion::revisions())]
    pub revision: i64,
    /// dump all (computed) values
    #[arg(short = 'a', long)]
    pub all: bool,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `get metadata` flags.
#[derive(Debug, Args)]
pub struct GetOutputArgs {
    /// specify release revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true, add = super::completion::revisions())]
    pub revision: i64,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `--wait` and `--timeout`, as helm 4 has them.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// wait until resources are ready (up to --timeout). Use '--wait' alone for 'watcher' strategy, or specify one of: 'watcher', 'hookOnly', 'legacy'. Default when flag is omitted: 'hookOnly'.
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "hookOnly", default_missing_value = "watcher", value_name = "STRATEGY")]
    pub wait: String,
    /// time to wait for any individual Kubernetes operation (like Jobs for hooks)
    #[arg(long, default_value = "5m0s", value_parser = go_duration)]
    pub timeout: std::time::Duration,
}

/// `rollback` flags.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// force resource updates by replacement
    #[arg(long = "force-replace", conflicts_with = "force_conflicts")]
    pub force_replace: bool,
    /// deprecated: use --force-replace instead
    #[arg(long = "force", hide = true, conflicts_with = "force_conflicts")]
    pub force: bool,
    /// if set server-side apply will force changes against conflicts
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// must be "true" or "auto": rudder always applies server-side
    #[arg(long = "server-side", default_value = "auto")]
    pub server_side: String,
    /// prevent hooks from running during rollback
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// wait and timeout
    #[command(flatten)]
    pub wait: WaitArgs,
    /// if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// allow deletion of new resources created in this rollback when rollback fails
    #[arg(long = "cleanup-on-fail")]
    pub cleanup_on_fail: bool,
    /// limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long = "history-max", value_parser = go_int, allow_negative_numbers = true)]
    pub history_max: Option<i64>,
    /// simulates the operation without persisting changes: "none" (default), "client", or "server"
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_value = "none", default_missing_value = "unset", value_name = "STRATEGY")]
    pub dry_run: String,
    /// add a custom description (rudder; helm writes "Rollback to N")
    #[arg(long)]
    pub description: Option<String>,
    /// <RELEASE> [REVISION]
    #[arg(value_name = "ARGS", add = super::completion::release_then_revision())]
    pub args: Vec<String>,
}

/// `uninstall` flags.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// simulate a uninstall (`--dry-run=server`: the API server checks every delete, with dryRun=All)
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_name = "STRATEGY")]
    pub dry_run: String,
    /// prevent hooks from running during uninstallation
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// Treat "release not found" as a successful uninstall
    #[arg(long = "ignore-not-found")]
    pub ignore_not_found: bool,
    /// remove all associated resources and mark the release as deleted, but retain the release history
    #[arg(long = "keep-history")]
    pub keep_history: bool,
    /// Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents. Defaults to background.
    #[arg(long, default_value = "background")]
    pub cascade: String,
    /// wait and timeout
    #[command(flatten)]
    pub wait: WaitArgs,
    /// add a custom description
    #[arg(long, default_value = "")]
    pub description: String,
    /// RELEASE_NAME [...]
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// `recover` flags.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// recover even if the operation may still be running (breaks its lock)
    #[arg(long)]
    pub force: bool,
    /// after marking the stuck revision failed, roll back to the newest deployed revision
    #[arg(long)]
    pub rollback: bool,
    /// how long a helm operation may leave its record untouched before it is presumed dead (covers helm's hooks and wait with --timeout up to ~20m)
    #[arg(long, default_value = "1h0m0s", value_parser = go_duration)]
    pub grace: std::time::Duration,
    /// prevent hooks from running during the rollback
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// wait and timeout (for --rollback)
    #[command(flatten)]
    pub wait: WaitArgs,
    /// if set and --wait enabled, will wait until all Jobs have been completed
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// limit the maximum number of revisions saved per release. Use 0 for no limit
    #[arg(long = "history-max", value_parser = go_int, allow_negative_numbers = true)]
    pub history_max: Option<i64>,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME", add = super::completion::releases())]
    pub args: Vec<String>,
}

/// Parses a duration as Go's `time.ParseDuration` (`5m`, `1h30m`, `1.5s`,
/// `300ms`), with Go's error text.
pub fn go_duration(s: &str) -> Result<std::time::Duration, String> {
    let err = || format!("time: invalid duration {s:?}");
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return Err(err());
        }
        let value: f64 = num.parse().map_err(|_| err())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, after) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(format!("time: missing unit in duration {s:?}")),
            other => return Err(format!("time: unknown unit {other:?} in duration {s:?}")),
        };
        total += value * scale;
        rest = after;
    }
    if neg {
        // A negative timeout leaves no time at all, for every caller here.
        return Ok(std::time::Duration::ZERO);
    }
    std::time::Duration::try_from_secs_f64(total).map_err(|_| err())
}

/// Parses a float flag as pflag's Float32Var (`strconv.ParseFloat(s, 32)`),
/// with Go's error text.
pub fn go_float32(s: &str) -> Result<f32, String> {
    let ok = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-' | '_'));
    match s.parse::<f32>() {
        Ok(v) if ok && v.is_finite() => Ok(v),
        Ok(_) if ok => Err(format!(
            "strconv.ParseFloat: parsing {s:?}: value out of range"
        )),
        _ => Err(format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
    }
}

/// Parses an int flag as Go's `strconv.ParseInt(s, 0, 64)` (pflag's
/// IntVar), with Go's error text.
pub fn go_int(s: &str) -> Result<i64, String> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let body_clean = body.replace('_', "");
    let parsed = if let Some(h) = body_clean
        .strip_prefix("0x")
        .or_else(|| body_clean.strip_prefix("0X"))
    {
        i64::from_str_radix(h, 16)
    } else if let Some(b) = body_clean
        .strip_prefix("0b")
        .or_else(|| body_clean.strip_prefix("0B"))
    {
        i64::from_str_radix(b, 2)
    } else if let Some(o) = body_clean
        .strip_prefix("0o")
        .or_else(|| body_clean.strip_prefix("0O"))
    {
        i64::from_str_radix(o, 8)
    } else if body_clean.len() > 1 && body_clean.starts_with('0') {
        i64::from_str_radix(&body_clean[1..], 8)
    } else {
        body_clean.parse::<i64>()
    };
    match parsed {
        Ok(v) if !body.is_empty() && !body.starts_with(['+', '-']) => Ok(if neg { -v } else { v }),
        Err(e)
            if matches!(
                e.kind(),
                std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow
            ) =>
        {
            Err(format!(
                "strconv.ParseInt: parsing {s:?}: value out of range"
            ))
        }
        _ => Err(format!("strconv.ParseInt: parsing {s:?}: invalid syntax")),
    }
}

#[cfg(test)]
mod tests {
    use super::{go_duration, go_int};
    use std::time::Duration;

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(go_duration("5m0s"), Ok(Duration::from_secs(300)));
        assert_eq!(go_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(go_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(go_duration("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(go_duration("0"), Ok(Duration::ZERO));
        assert_eq!(
            go_duration("5"),
            Err("time: missing unit in duration \"5\"".to_string())
        );
        assert_eq!(
            go_duration("abc"),
            Err("time: invalid duration \"abc\"".to_string())
        );
        assert_eq!(
            go_duration("3x"),
            Err("time: unknown unit \"x\" in duration \"3x\"".to_string())
        );
    }

    #[test]
    fn ints_parse_like_pflag() {
        assert_eq!(go_int("12"), Ok(12));
        assert_eq!(go_int("-1"), Ok(-1));
        assert_eq!(go_int("0x10"), Ok(16));
        assert_eq!(go_int("010"), Ok(8));
        assert_eq!(go_int("0"), Ok(0));
        assert_eq!(
            go_int("abc"),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".to_string())
        );
        assert!(go_int("").is_err());
        assert!(go_int("--1").is_err());
        assert!(go_int("99999999999999999999").is_err_and(|e| e.ends_with("value out of range")));
    }
}
