//! `repo add|list|update|remove|index`, `search repo`, `pull` and
//! `dependency update|build`: helm's flags, outputs and errors over the
//! `rudder::repo` library.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use rudder::compat::Compat;
use rudder::gojson::GoValue;
use rudder::present::Format;
use rudder::repo::locate::{PullOptions, pull};
use rudder::repo::ops::{self, AddOptions, AddOutcome, IndexOptions};
use rudder::repo::search::{self, SearchOptions};
use rudder::repo::{Entry, Warning};

use super::Failure;
use super::args::go_duration;
use super::settings::Settings;
use super::source::{AuthFlags, CredentialFlags, Locate, TlsFlags, dep_options};

/// `repo` subcommands.
#[derive(Debug, Subcommand)]
pub enum RepoCommand {
    /// add a chart repository
    Add(RepoAddArgs),
    /// list chart repositories
    #[command(visible_alias = "ls")]
    List(RepoListArgs),
    /// update information of available charts locally from chart repositories
    #[command(visible_alias = "up")]
    Update(RepoUpdateArgs),
    /// remove one or more chart repositories
    #[command(visible_alias = "rm")]
    Remove(RepoRemoveArgs),
    /// generate an index file given a directory containing packaged charts
    Index(RepoIndexArgs),
}

/// `repo add` flags.
#[derive(Debug, Args)]
pub struct RepoAddArgs {
    /// NAME and URL
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
    /// credentials and TLS
    #[command(flatten)]
    pub auth: AuthFlags,
    /// read chart repository password from stdin
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// replace (overwrite) the repo if it already exists
    #[arg(long = "force-update")]
    pub force_update: bool,
    /// Ignored. Formerly, it would disabled forced updates. It is deprecated by force-update.
    #[arg(long = "no-update", hide = true)]
    pub no_update: bool,
    /// by default, this command will not allow adding official repos that have been permanently deleted. This disables that behavior
    #[arg(long = "allow-deprecated-repos")]
    pub allow_deprecated_repos: bool,
    /// time to wait for the index file download to complete
    #[arg(long, default_value = "2m0s", value_parser = go_duration)]
    pub timeout: Duration,
}

/// `repo list` flags.
#[derive(Debug, Args)]
pub struct RepoListArgs {
    /// no arguments
    #[arg(value_name = "ARGS", hide = true)]
    pub args: Vec<String>,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
    /// suppress headers in the output (helm v4)
    #[arg(long = "no-headers")]
    pub no_headers: bool,
}

/// `repo update` flags.
#[derive(Debug, Args)]
pub struct RepoUpdateArgs {
    /// repository names
    #[arg(value_name = "REPO")]
    pub names: Vec<String>,
    /// update fails if any of the repository updates fail (helm v3)
    #[arg(long = "fail-on-repo-update-fail")]
    pub fail_on_repo_update_fail: bool,
    /// time to wait for the index file download to complete
    #[arg(long, default_value = "2m0s", value_parser = go_duration)]
    pub timeout: Duration,
}

/// `repo remove` arguments.
#[derive(Debug, Args)]
pub struct RepoRemoveArgs {
    /// repository names
    #[arg(value_name = "REPO")]
    pub names: Vec<String>,
}

/// `repo index` flags.
#[derive(Debug, Args)]
pub struct RepoIndexArgs {
    /// the directory
    #[arg(value_name = "DIR")]
    pub args: Vec<String>,
    /// url of chart repository
    #[arg(long, default_value = "")]
    pub url: String,
    /// merge the generated index into the given index
    #[arg(long, default_value = "")]
    pub merge: String,
    /// output in JSON format
    #[arg(long)]
    pub json: bool,
}

/// `search` subcommands.
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// search repositories for a keyword in charts
    Repo(SearchRepoArgs),
}

/// `search repo` flags.
#[derive(Debug, Args)]
pub struct SearchRepoArgs {
    /// keywords
    #[arg(value_name = "KEYWORD")]
    pub terms: Vec<String>,
    /// use regular expressions for searching repositories you have added
    #[arg(short = 'r', long = "regexp")]
    pub regexp: bool,
    /// show the long listing, with each version of each chart on its own line, for repositories you have added
    #[arg(short = 'l', long = "versions")]
    pub versions: bool,
    /// use development versions (alpha, beta, and release candidate releases), too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// search using semantic versioning constraints on repositories you have added
    #[arg(long, default_value = "")]
    pub version: String,
    /// max column width for output
    #[arg(long = "max-col-width", default_value_t = 50)]
    pub max_col_width: u32,
    /// search fails if no results are found
    #[arg(long = "fail-on-no-result")]
    pub fail_on_no_result: bool,
    /// prints the output in the specified format. Allowed values: table, json, yaml
    #[arg(short = 'o', long = "output", default_value = "table")]
    pub output: String,
}

/// `pull` flags.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// chart references
    #[arg(value_name = "CHART")]
    pub charts: Vec<String>,
    /// credentials and TLS
    #[command(flatten)]
    pub auth: AuthFlags,
    /// specify a version constraint for the chart version to use
    #[arg(long, default_value = "")]
    pub version: String,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored.
    #[arg(long)]
    pub devel: bool,
    /// chart repository url where to locate the requested chart
    #[arg(long, default_value = "")]
    pub repo: String,
    /// if set to true, will untar the chart after downloading it
    #[arg(long)]
    pub untar: bool,
    /// if untar is specified, this flag specifies the name of the directory into which the chart is expanded
    #[arg(long, default_value = ".")]
    pub untardir: String,
    /// location to write the chart. If this and untardir are specified, untardir is appended to this
    #[arg(short = 'd', long = "destination", default_value = ".")]
    pub destination: String,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// fetch the provenance file, but don't perform verification
    #[arg(long)]
    pub prov: bool,
    /// verify the package before using it
    #[arg(long)]
    pub verify: bool,
    /// location of public keys used for verification
    #[arg(long, default_value = "")]
    pub keyring: String,
}

/// `dependency update|build` flags.
#[derive(Debug, Args)]
pub struct DependencyArgs {
    /// the chart directory
    #[arg(value_name = "CHART")]
    pub args: Vec<String>,
    /// do not refresh the local repository cache
    #[arg(long = "skip-refresh")]
    pub skip_refresh: bool,
    /// verify the packages against signatures
    #[arg(long)]
    pub verify: bool,
    /// keyring containing public keys
    #[arg(long, default_value = "")]
    pub keyring: String,
    /// use insecure HTTP connections for the chart download
    #[arg(long = "plain-http")]
    pub plain_http: bool,
    /// `--username`, `--password`
    #[command(flatten)]
    pub creds: CredentialFlags,
    /// the TLS flags
    #[command(flatten)]
    pub tls: TlsFlags,
}

/// helm's `Password: ` prompt (`term.ReadPassword`): no echo on a
/// terminal; anything else fails as Go's ioctl does.
fn prompt_password() -> Result<String, Failure> {
    use std::io::IsTerminal as _;
    print!("Password: ");
    let _ = std::io::stdout().flush();
    if !std::io::stdin().is_terminal() {
        println!();
        return Err(Failure("inappropriate ioctl for device".into()));
    }
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
    };
    let _ = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    let _ = stty("echo");
    println!();
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn print_warnings(warnings: &[Warning], compat: Compat) {
    for w in warnings {
        if let Some(line) = w.render(compat) {
            eprintln!("{line}");
        }
    }
}

/// Prints warnings on stderr as the library meets them.
pub fn warning_sink(compat: Compat) -> rudder::repo::locate::WarningSink {
    rudder::repo::locate::WarningSink(std::sync::Arc::new(move |w: &Warning| {
        if let Some(line) = w.render(compat) {
            eprintln!("{line}");
        }
    }))
}

/// The registry's `Pulled:`/`Digest:` lines: helm v3 prints them on
/// stderr, v4 on stdout.
pub fn print_registry_lines(text: &str, compat: Compat) {
    match compat {
        Compat::V3 => eprint!("{text}"),
        Compat::V4 => {
            print!("{text}");
            let _ = std::io::stdout().flush();
        }
    }
}

fn format(value: &str) -> Result<Format, Failure> {
    Format::parse(value).map_err(|e| {
        Failure(format!(
            "invalid argument {value:?} for \"-o, --output\" flag: {e}"
        ))
    })
}

fn go_output(v: &GoValue, f: Format) -> Result<String, Failure> {
    match f {
        Format::Json => Ok(rudder::output::to_json(v)?),
        _ => Ok(rudder::output::to_yaml(v)?),
    }
}

fn usage_exact(cmd: &str, n: usize, usage: &str) -> Failure {
    let plural = if n == 1 { "argument" } else { "arguments" };
    Failure(format!(
        "\"rudder {cmd}\" requires {n} {plural}\n\nUsage:  rudder {cmd} {usage} [flags]"
    ))
}

/// Runs a `repo` subcommand.
pub async fn run_repo(settings: &Settings, cmd: RepoCommand) -> Result<String, Failure> {
    let paths = &settings.paths;
    match cmd {
        RepoCommand::Add(a) => {
            if a.no_update && settings.compat == Compat::V4 {
                return Err(Failure("unknown flag: --no-update".into()));
            }
            let [name, url] = a.args.as_slice() else {
                return Err(usage_exact("repo add", 2, "[NAME] [URL]"));
            };
            let (lock, rf) = ops::add_prepare(paths, url, a.allow_deprecated_repos)?;
            let mut password = a.auth.creds.password.clone();
            let mut out = String::new();
            if !a.auth.creds.username.is_empty() && password.is_empty() {
                if a.password_stdin {
                    let mut buf = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)?;
                    let p = buf.strip_suffix('\n').unwrap_or(&buf);
                    password = p.strip_suffix('\r').unwrap_or(p).to_string();
                } else {
                    password = prompt_password()?;
                }
            }
            let opts = AddOptions {
                entry: Entry {
                    name: name.clone(),
                    url: url.clone(),
                    username: a.auth.creds.username.clone(),
                    password,
                    cert_file: a.auth.tls.cert_file.clone(),
                    key_file: a.auth.tls.key_file.clone(),
                    ca_file: a.auth.tls.ca_file.clone(),
                    insecure_skip_tls_verify: a.auth.tls.insecure_skip_tls_verify,
                    pass_credentials_all: a.auth.pass_credentials,
                },
                force_update: a.force_update,
                allow_deprecated_repos: a.allow_deprecated_repos,
                timeout: Some(a.timeout),
            };
            let outcome = ops::add_locked(paths, rf, &opts).await;
            drop(lock);
            match outcome? {
                AddOutcome::Added(w) => {
                    print_warnings(&w, settings.compat);
                    out.push_str(&format!("{name:?} has been added to your repositories\n"));
                }
                AddOutcome::Unchanged => out.push_str(&format!(
                    "{name:?} already exists with the same configuration, skipping\n"
                )),
            }
            Ok(out)
        }
        RepoCommand::List(a) => {
            if a.no_headers && settings.compat == Compat::V3 {
                return Err(Failure("unknown flag: --no-headers".into()));
            }
            if !a.args.is_empty() {
                return Err(Failure(
                    "\"rudder repo list\" accepts no arguments\n\nUsage:  rudder repo list [flags]"
                        .into(),
                ));
            }
            let f = format(&a.output)?;
            let repos = ops::list(paths);
            if repos.is_empty() && f == Format::Table {
                return match settings.compat {
                    Compat::V3 => Err(Failure("no repositories to show".into())),
                    Compat::V4 => {
                        eprintln!("no repositories to show");
                        Ok(String::new())
                    }
                };
            }
            match f {
                Format::Table => {
                    let mut t = rudder::output::Table::new();
                    if !(a.no_headers && settings.compat == Compat::V4) {
                        t.add_row(["NAME", "URL"]);
                    }
                    for r in &repos {
                        t.add_row([r.name.as_str(), r.url.as_str()]);
                    }
                    Ok(rudder::output::encode_table(&t))
                }
                f => {
                    let v = GoValue::Array(
                        repos
                            .iter()
                            .map(|r| {
                                GoValue::struct_builder()
                                    .field("name", r.name.as_str())
                                    .field("url", r.url.as_str())
                                    .build()
                            })
                            .collect(),
                    );
                    go_output(&v, f)
                }
            }
        }
        RepoCommand::Update(a) => {
            if a.fail_on_repo_update_fail && settings.compat == Compat::V4 {
                return Err(Failure("unknown flag: --fail-on-repo-update-fail".into()));
            }
            let targets = ops::update_targets(paths, &a.names)?;
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "Hang tight while we grab the latest from your chart repositories..."
            )?;
            stdout.flush()?;
            drop(stdout);
            let results = ops::update(paths, targets, Some(a.timeout)).await;
            let mut failed = Vec::new();
            let mut text = String::new();
            for r in results {
                match r.outcome {
                    Ok(w) => {
                        print_warnings(&w, settings.compat);
                        text.push_str(&format!(
                            "...Successfully got an update from the {:?} chart repository\n",
                            r.entry.name
                        ));
                    }
                    Err(e) => {
                        text.push_str(&format!(
                            "...Unable to get an update from the {:?} chart repository ({}):\n\t{e}\n",
                            r.entry.name, r.entry.url
                        ));
                        failed.push(r.entry.url.clone());
                    }
                }
            }
            let list = format!("[{}]", failed.join(" "));
            match settings.compat {
                Compat::V3 if a.fail_on_repo_update_fail && !failed.is_empty() => {
                    print!("{text}");
                    Err(Failure(format!(
                        "Failed to update the following repositories: {list}"
                    )))
                }
                Compat::V4 if !failed.is_empty() => {
                    print!("{text}");
                    Err(Failure(format!(
                        "failed to update the following repositories: {list}"
                    )))
                }
                _ => Ok(format!("{text}Update Complete. ⎈Happy Helming!⎈\n")),
            }
        }
        RepoCommand::Remove(a) => {
            if a.names.is_empty() {
                return Err(Failure(
                    "\"rudder repo remove\" requires at least 1 argument\n\nUsage:  rudder repo remove [REPO1 [REPO2 ...]] [flags]"
                        .into(),
                ));
            }
            let mut rf = ops::remove_prepare(paths)?;
            for name in &a.names {
                ops::remove_one(paths, &mut rf, name)?;
                println!("{name:?} has been removed from your repositories");
            }
            Ok(String::new())
        }
        RepoCommand::Index(a) => {
            let [dir] = a.args.as_slice() else {
                return Err(usage_exact("repo index", 1, "[DIR]"));
            };
            ops::index_dir(&IndexOptions {
                dir: PathBuf::from(dir),
                url: a.url.clone(),
                merge: (!a.merge.is_empty()).then(|| PathBuf::from(&a.merge)),
                json: a.json,
            })?;
            Ok(String::new())
        }
    }
}

/// Runs `search repo`.
pub fn run_search(settings: &Settings, cmd: SearchCommand) -> Result<String, Failure> {
    let SearchCommand::Repo(a) = cmd;
    let f = format(&a.output)?;
    let opts = SearchOptions {
        terms: a.terms.clone(),
        regexp: a.regexp,
        versions: a.versions,
        devel: a.devel,
        version: a.version.clone(),
    };
    let report = match search::search_repo(&settings.paths, &opts) {
        Ok(r) => r,
        Err(failed) => {
            print_warnings(&failed.warnings, settings.compat);
            return Err(Failure(failed.error.to_string()));
        }
    };
    print_warnings(&report.warnings, settings.compat);
    if report.results.is_empty() && a.fail_on_no_result {
        return Err(Failure("no results found".into()));
    }
    match f {
        Format::Table => Ok(search::render_table(
            &report.results,
            a.max_col_width as usize,
        )),
        f => go_output(&search::results_go(&report.results), f),
    }
}

/// Runs `pull`.
pub async fn run_pull(settings: &Settings, a: PullArgs) -> Result<String, Failure> {
    super::source::refuse_provenance(a.verify, a.prov)?;
    if a.charts.is_empty() {
        return Err(Failure(
            "\"rudder pull\" requires at least 1 argument\n\nUsage:  rudder pull [chart URL | repo/chartname] [...] [flags]"
                .into(),
        ));
    }
    let opts = PullOptions {
        locate: a.auth.locate_options(
            settings,
            Locate {
                version: &a.version,
                devel: a.devel,
                repo: &a.repo,
                plain_http: a.plain_http,
            },
        ),
        dest_dir: PathBuf::from(&a.destination),
        untar: a.untar,
        untar_dir: PathBuf::from(&a.untardir),
    };
    for chart in &a.charts {
        let pulled = pull(chart, &opts).await?;
        if let Some(lines) = &pulled.located.pulled {
            print_registry_lines(lines, settings.compat);
        }
    }
    Ok(String::new())
}

/// Runs `dependency update` (or `build`).
pub async fn run_dependency(
    settings: &Settings,
    build: bool,
    a: DependencyArgs,
) -> Result<String, Failure> {
    super::source::refuse_provenance(a.verify, false)?;
    let dir = match a.args.as_slice() {
        [] => PathBuf::from("."),
        [d] => PathBuf::from(d),
        _ => {
            let sub = if build { "build" } else { "update" };
            return Err(Failure(format!(
                "\"rudder dependency {sub}\" accepts at most 1 argument\n\nUsage:  rudder dependency {sub} CHART [flags]"
            )));
        }
    };
    let opts = dep_options(settings, a.skip_refresh, a.plain_http, &a.creds, &a.tls);
    let mut out = std::io::stdout();
    let mut print = |line: &str| {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    let result = if build {
        rudder::repo::deps::build(&dir, &opts, &mut print).await
    } else {
        rudder::repo::deps::update(&dir, &opts, &mut print).await
    };
    result?;
    Ok(String::new())
}
