//! `show`, `package` and `dependency list`: flags as helm's, output from
//! `rudder::chart`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rudder::chart::dependencies;
use rudder::chart::load::load_reporting;
use rudder::chart::package::{PackageOptions, package_dir};
use rudder::chart::show::{ShowFormat, show};
use rudder::compat::Compat;

use rudder::repo::deps::update;
use rudder::repo::locate::locate;

use super::Failure;
use super::settings::Settings;
use super::source::{AuthFlags, CredentialFlags, Locate, TlsFlags, dep_options};

/// Where `show`, `pull` and install take a chart from (helm's
/// `ChartPathOptions` flags).
#[derive(Debug, Args, Clone, Default)]
pub struct ChartPathArgs {
    /// specify a version constraint for the chart version to use. This constraint can be a specific tag (e.g. 1.1.1) or it may reference a valid range (e.g. ^2.0.0). If this is not specified, the latest version is used
    #[arg(long, default_value = "")]
    pub version: String,
    /// verify the package before using it
    #[arg(long)]
    pub verify: bool,
    /// location of public keys used for verification
    #[arg(long, default_value = "")]
    pub keyring: String,
    /// chart repository url where to locate the requested chart
    #[arg(long, default_value = "")]
    pub repo: String,
    /// credentials, `--pass-credentials` and TLS
    #[command(flatten)]
    pub auth: AuthFlags,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
}

/// `show` subcommands.
#[derive(Debug, Subcommand)]
pub enum ShowCommand {
    /// show all information of the chart
    All(ShowArgs),
    /// show the chart's definition
    Chart(ShowArgs),
    /// show the chart's values
    Values(ShowValuesArgs),
    /// show the chart's README
    Readme(ShowArgs),
    /// show the chart's CRDs
    Crds(ShowArgs),
}

/// `show all|chart|readme|crds` flags.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// where the chart comes from
    #[command(flatten)]
    pub path: ChartPathArgs,
    /// CHART
    #[arg(value_name = "CHART")]
    pub args: Vec<String>,
}

/// `show values` flags.
#[derive(Debug, Args)]
pub struct ShowValuesArgs {
    /// supply a JSONPath expression to filter the output
    #[arg(long, default_value = "")]
    pub jsonpath: String,
    /// the common `show` flags
    #[command(flatten)]
    pub show: ShowArgs,
}

/// `package` flags.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// use a PGP private key to sign this package
    #[arg(long)]
    pub sign: bool,
    /// name of the key to use when signing. Used if --sign is true
    #[arg(long, default_value = "")]
    pub key: String,
    /// location of a public keyring
    #[arg(long, default_value = "")]
    pub keyring: String,
    /// location of a file which contains the passphrase for the signing key. Use "-" in order to read from stdin.
    #[arg(long = "passphrase-file", default_value = "")]
    pub passphrase_file: String,
    /// set the version on the chart to this semver version
    #[arg(long, default_value = "")]
    pub version: String,
    /// set the appVersion on the chart to this version
    #[arg(long = "app-version", default_value = "")]
    pub app_version: String,
    /// location to write the chart.
    #[arg(short = 'd', long, default_value = ".")]
    pub destination: String,
    /// update dependencies from "Chart.yaml" to dir "charts/" before packaging
    #[arg(short = 'u', long = "dependency-update")]
    pub dependency_update: bool,
    /// `--username`, `--password`
    #[command(flatten)]
    pub creds: CredentialFlags,
    /// the TLS flags
    #[command(flatten)]
    pub tls: TlsFlags,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// CHART_PATH
    #[arg(value_name = "CHART_PATH")]
    pub args: Vec<String>,
}

/// `dependency` subcommands (`list` here; `update` and `build` belong to
/// the repository layer).
#[derive(Debug, Subcommand)]
pub enum DependencyCommand {
    /// list the dependencies for the given chart
    #[command(visible_alias = "ls")]
    List(DependencyListArgs),
    /// update charts/ based on the contents of Chart.yaml
    #[command(visible_alias = "up")]
    Update(super::repo::DependencyArgs),
    /// rebuild the charts/ directory based on the Chart.lock file
    Build(super::repo::DependencyArgs),
}

/// `dependency list` flags.
#[derive(Debug, Args)]
pub struct DependencyListArgs {
    /// maximum column width for output table
    #[arg(long = "max-col-width", default_value = "80")]
    pub max_col_width: u64,
    /// CHART
    #[arg(value_name = "CHART")]
    pub args: Vec<String>,
}

fn exact_one<'a>(cmd: &str, usage: &str, args: &'a [String]) -> Result<&'a str, Failure> {
    match args {
        [one] => Ok(one.as_str()),
        _ => Err(Failure(format!(
            "\"rudder {cmd}\" requires 1 argument\n\nUsage:  rudder {cmd} {usage} [flags]"
        ))),
    }
}

/// `rudder show ...`: the chart located as helm's `LocateChart` does (a
/// local path, `repo/chart`, `--repo`, an `http(s)://` archive or
/// `oci://`), loaded, and the part asked for printed.
pub async fn run_show(settings: &Settings, cmd: ShowCommand) -> Result<String, Failure> {
    let compat = settings.compat;
    let (format, args, jsonpath, sub) = match cmd {
        ShowCommand::All(a) => (ShowFormat::All, a, None, "all"),
        ShowCommand::Chart(a) => (ShowFormat::Chart, a, None, "chart"),
        ShowCommand::Readme(a) => (ShowFormat::Readme, a, None, "readme"),
        ShowCommand::Crds(a) => (ShowFormat::Crds, a, None, "crds"),
        ShowCommand::Values(v) => (ShowFormat::Values, v.show, Some(v.jsonpath), "values"),
    };
    let name = exact_one(&format!("show {sub}"), "[CHART]", &args.args)?;
    super::source::refuse_provenance(args.path.verify, false)?;
    let opts = args.path.auth.locate_options(
        settings,
        Locate {
            version: &args.path.version,
            devel: args.devel,
            repo: &args.path.repo,
            plain_http: args.path.plain_http,
        },
    );
    let located = locate(name, &opts).await?;
    if let Some(lines) = &located.pulled {
        super::repo::print_registry_lines(lines, compat);
    }
    let path = located.path;
    let mut warnings = Vec::new();
    let chart = load_reporting(&path, compat, &mut warnings);
    print_warnings(&warnings);
    Ok(show(&chart?, format, compat, jsonpath.as_deref())?)
}

/// `rudder package ...`: one line per chart packaged, like helm (an
/// error stops at that chart, after the lines of those before it);
/// `-u` first runs `dependency update` on the chart, its output
/// discarded as helm does.
pub async fn run_package(settings: &Settings, a: PackageArgs) -> Result<String, Failure> {
    let compat = settings.compat;
    if a.args.is_empty() {
        return Err(Failure(
            "need at least one argument, the path to the chart".into(),
        ));
    }
    if a.sign {
        if a.key.is_empty() {
            return Err(Failure("--key is required for signing a package".into()));
        }
        return Err(Failure(
            "signing packages (--sign) is not supported by rudder".into(),
        ));
    }
    let dest = if a.destination == "." {
        std::env::current_dir()?
    } else {
        PathBuf::from(&a.destination)
    };
    let opts = PackageOptions {
        version: Some(a.version.clone()).filter(|v| !v.is_empty()),
        app_version: Some(a.app_version.clone()).filter(|v| !v.is_empty()),
        destination: dest,
    };
    let mut out = String::new();
    for arg in &a.args {
        if let Err(e) = std::fs::metadata(arg) {
            print_partial(&out);
            return Err(Failure(rudder::chart::error::go_path_error(
                "stat", arg, &e,
            )));
        }
        if a.dependency_update {
            let deps = dep_options(settings, false, a.plain_http, &a.creds, &a.tls);
            let abs = std::path::absolute(arg)?;
            if let Err(e) = update(&abs, &deps, &mut |_: &str| {}).await {
                print_partial(&out);
                return Err(Failure(e.to_string()));
            }
        }
        let mut warnings = Vec::new();
        let packaged = package_dir(Path::new(arg), &opts, compat, &mut warnings);
        print_warnings(&warnings);
        match packaged {
            Ok(p) => out.push_str(&format!(
                "Successfully packaged chart and saved it to: {}\n",
                p.display()
            )),
            Err(e) => {
                print_partial(&out);
                return Err(Failure(e.to_string()));
            }
        }
    }
    Ok(out)
}

/// What helm printed before an error: written now, as helm writes each
/// line as it goes.
fn print_partial(out: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}

/// helm's log lines from loading a chart, on stderr.
fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

/// `rudder dependency list [CHART]` (default `.`).
pub fn run_dependency_list(compat: Compat, a: DependencyListArgs) -> Result<String, Failure> {
    let chart = match a.args.as_slice() {
        [] => ".".to_string(),
        [one] => rudder::chart::load::go_clean(one),
        _ => {
            return Err(Failure(
                "\"rudder dependency list\" accepts at most 1 argument\n\nUsage:  rudder dependency list CHART [flags]".to_string(),
            ));
        }
    };
    let mut warnings = Vec::new();
    let out = dependencies::list(
        Path::new(&chart),
        compat,
        usize::try_from(a.max_col_width).unwrap_or(usize::MAX),
        &mut warnings,
    );
    print_warnings(&warnings);
    Ok(out?)
}

impl ChartPathArgs {
    /// helm's `LocateChart` for these flags, as install, upgrade,
    /// template and `diff upgrade` call it: provenance flags refused,
    /// `--devel` without `--version` read as `>0.0.0-0`.
    pub async fn locate(
        &self,
        settings: &Settings,
        chart_ref: &str,
        devel: bool,
    ) -> Result<rudder::repo::Located, Failure> {
        super::source::refuse_provenance(self.verify, false)?;
        let version = if self.version.is_empty() && devel {
            ">0.0.0-0".to_owned()
        } else {
            self.version.clone()
        };
        let opts = self.auth.locate_options(
            settings,
            Locate {
                version: &version,
                devel,
                repo: &self.repo,
                plain_http: self.plain_http,
            },
        );
        Ok(rudder::repo::locate(chart_ref, &opts).await?)
    }
}
