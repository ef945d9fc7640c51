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
    #[arg(short = 'n', long, global = true, env = "HELM_NAMESPACE")]
    pub namespace: Option<String>,
    /// path to the kubeconfig file
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// name of the kubeconfig context to use
    #[arg(long = "kube-context", global = true, env = "HELM_KUBECONTEXT")]
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
    /// enable verbose output
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
    /// print the client version information
    Version,
}

/// `-o/--output`.
#[derive(Debug, Args)]
pub struct OutputArg {
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long = "output", default_value = "table")]
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
    /// unexpected positional arguments (reported as helm does)
    #[arg(hide = true)]
    pub rest: Vec<String>,
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
    #[arg(value_name = "RELEASE_NAME")]
    pub args: Vec<String>,
}

/// `status` flags.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// if set, display the status of the named release with revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true)]
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
    #[arg(value_name = "RELEASE_NAME")]
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
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true)]
    pub revision: i64,
    /// go template for formatting the output (not supported yet)
    #[arg(long, default_value = "")]
    pub template: String,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME")]
    pub args: Vec<String>,
}

/// `get values` flags.
#[derive(Debug, Args)]
pub struct GetValuesArgs {
    /// get the named release with revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true)]
    pub revision: i64,
    /// dump all (computed) values
    #[arg(short = 'a', long)]
    pub all: bool,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME")]
    pub args: Vec<String>,
}

/// `get metadata` flags.
#[derive(Debug, Args)]
pub struct GetOutputArgs {
    /// specify release revision
    #[arg(long, default_value = "0", value_parser = go_int, allow_negative_numbers = true)]
    pub revision: i64,
    /// output format
    #[command(flatten)]
    pub output: OutputArg,
    /// RELEASE_NAME
    #[arg(value_name = "RELEASE_NAME")]
    pub args: Vec<String>,
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
    use super::go_int;

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
