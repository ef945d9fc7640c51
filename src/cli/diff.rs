//! `rudder diff upgrade|revision|rollback`: parse, make the library calls
//! (`rudder::action::diff`), print the comparison. helm has no `diff`; the
//! flags follow the helm-diff plugin's where it has them (`-C/--context`,
//! `--show-secrets`, `--detailed-exitcode`, `--no-hooks`,
//! `--include-tests`, `--no-color`).

use clap::{Args, Subcommand};
use rudder::action::diff::{
    Comparison, ObjectChange, Selection, TextStyle, clear_cluster_scoped, compare_live,
    compare_releases, install_target, revision_pair, rollback_pair, upgrade_pair,
};
use rudder::action::upgrade::UpgradeOptions;
use rudder::chart::load::load_for_install_reporting;
use rudder::cluster::client::KubeCluster;
use rudder::release::Release;
use rudder::values::options::DefaultReader;

use super::Failure;
use super::chart::ChartPathArgs;
use super::settings::Settings;

/// `diff` subcommands.
#[derive(Debug, Subcommand)]
pub enum DiffCommand {
    /// show what an upgrade would change (against the last release, or the live objects with --from live)
    Upgrade(Box<UpgradeArgs>),
    /// show what changed between two revisions of a release (B: the newest by default)
    Revision(RevisionArgs),
    /// show what a rollback to REVISION (the previous one by default) would change
    Rollback(RollbackArgs),
}

/// Flags every `diff` subcommand takes.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// output NUM lines of context around changes (-1: whole objects)
    #[arg(short = 'C', long, default_value_t = -1, allow_negative_numbers = true)]
    pub context: i64,
    /// do not mask the values of Secrets' data and stringData
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    /// exit with status 2 when there are changes (0: none, 1: an error)
    #[arg(long = "detailed-exitcode")]
    pub detailed_exitcode: bool,
    /// output format: diff (text) or json
    #[arg(short = 'o', long, default_value = "diff")]
    pub output: String,
    /// leave hooks out of the comparison
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// compare test hooks too
    #[arg(long = "include-tests")]
    pub include_tests: bool,
    /// no colours (as --color never)
    #[arg(long = "no-color")]
    pub no_color: bool,
}

/// `diff revision` arguments.
#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// RELEASE_NAME REVISION_A [REVISION_B]
    #[arg(value_name = "ARGS", add = super::completion::release_then_revision())]
    pub args: Vec<String>,
    /// what to show and how
    #[command(flatten)]
    pub show: ShowArgs,
}

/// `diff rollback` arguments.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// RELEASE_NAME [REVISION]
    #[arg(value_name = "ARGS", add = super::completion::release_then_revision())]
    pub args: Vec<String>,
    /// what to show and how
    #[command(flatten)]
    pub show: ShowArgs,
}

/// `diff upgrade` arguments: `upgrade`'s chart and values flags.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// RELEASE_NAME CHART
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
    /// compare with the last release's manifest (release) or with the objects in the cluster (live)
    #[arg(long, default_value = "release")]
    pub from: String,
    /// the value flags
    #[command(flatten)]
    pub value_flags: super::deploy_flags::ValueFlags,
    /// where the chart comes from
    #[command(flatten)]
    pub path: ChartPathArgs,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// when upgrading, reuse the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' is specified, this is ignored
    #[arg(long = "reuse-values")]
    pub reuse_values: bool,
    /// when upgrading, reset the values to the ones built into the chart
    #[arg(long = "reset-values")]
    pub reset_values: bool,
    /// when upgrading, reset the values to the ones built into the chart, apply the last release's values and merge in any overrides from the command line via --set and -f. If '--reset-values' or '--reuse-values' is specified, this is ignored
    #[arg(long = "reset-then-reuse-values")]
    pub reset_then_reuse_values: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// a release that does not exist (or was uninstalled) is compared as an install: every object added
    #[arg(short = 'i', long, visible_alias = "allow-unreleased")]
    pub install: bool,
    /// what to show and how
    #[command(flatten)]
    pub show: ShowArgs,
}

/// Runs a `diff` subcommand; returns stdout (or exits 2 itself, see
/// [`finish`]).
pub async fn run(settings: &Settings, command: DiffCommand) -> Result<String, Failure> {
    match command {
        DiffCommand::Revision(a) => {
            let (name, from, to) = match a.args.as_slice() {
                [n, x] => (n, revision(x)?, None),
                [n, x, y] => (n, revision(x)?, Some(revision(y)?)),
                _ => {
                    return Err(usage(
                        "revision",
                        "RELEASE_NAME REVISION_A [REVISION_B]",
                        2,
                        3,
                        a.args.len(),
                    ));
                }
            };
            let style = Style::parse(settings, &a.show)?;
            let (storage, conn) = settings.storage().await?;
            let (old, new) = revision_pair(&storage, name, from, to).await?;
            let mut objects = compare_releases(&old, &new, style.selection, style.show_secrets)?;
            clear_cluster_scoped(&KubeCluster::new(conn.client.clone()), &mut objects).await;
            finish(&style, comparison(&old, &new, objects))
        }
        DiffCommand::Rollback(a) => {
            let (name, rev) = match a.args.as_slice() {
                [n] => (n, 0),
                [n, r] => (n, revision(r)?),
                _ => {
                    return Err(usage(
                        "rollback",
                        "RELEASE_NAME [REVISION]",
                        1,
                        2,
                        a.args.len(),
                    ));
                }
            };
            let style = Style::parse(settings, &a.show)?;
            let (storage, conn) = settings.storage().await?;
            let (current, target) = rollback_pair(&storage, name, rev).await?;
            let mut objects =
                compare_releases(&current, &target, style.selection, style.show_secrets)?;
            clear_cluster_scoped(&KubeCluster::new(conn.client.clone()), &mut objects).await;
            let mut c = comparison(&current, &target, objects);
            c.to = format!("rollback to revision {}", target.version);
            finish(&style, c)
        }
        DiffCommand::Upgrade(a) => run_upgrade(settings, *a).await,
    }
}

async fn run_upgrade(settings: &Settings, a: UpgradeArgs) -> Result<String, Failure> {
    let [name, chart_ref] = a.args.as_slice() else {
        return Err(usage("upgrade", "RELEASE_NAME CHART", 2, 2, a.args.len()));
    };
    let live = match a.from.as_str() {
        "release" => false,
        "live" => true,
        other => {
            return Err(Failure(format!(
                "invalid argument {other:?} for \"--from\" flag: must be release or live"
            )));
        }
    };
    let style = Style::parse(settings, &a.show)?;
    let compat = settings.compat;
    let located = a.path.locate(settings, chart_ref, a.devel).await?;
    // On stderr whatever the helm version: stdout is the diff (or JSON).
    if let Some(lines) = &located.pulled {
        eprint!("{lines}");
    }
    let value_opts = a.value_flags.options();
    let user = value_opts.merge(&DefaultReader::default(), compat)?;
    let mut warnings = Vec::new();
    let chart = load_for_install_reporting(&located.path, compat, &mut warnings)
        .map_err(|e| Failure(e.install_message(compat)))?;
    for w in &warnings {
        eprintln!("{w}");
    }
    let (storage, conn) = settings.storage().await?;
    let cluster = KubeCluster::new(conn.client.clone());
    let mut options = UpgradeOptions {
        reuse_values: a.reuse_values,
        reset_values: a.reset_values,
        reset_then_reuse_values: a.reset_then_reuse_values,
        ..UpgradeOptions::default()
    };
    options.deploy.compat = compat;
    options.deploy.namespace = storage.namespace().to_string();
    options.deploy.skip_schema_validation = a.skip_schema_validation;
    if a.install
        && let Some(target) =
            install_target(&storage, &cluster, name, chart.clone(), &user, &options).await?
    {
        let mut nothing = Release::default();
        nothing.name.clone_from(&target.name);
        nothing.namespace.clone_from(&target.namespace);
        let mut objects = compare_releases(&nothing, &target, style.selection, style.show_secrets)?;
        clear_cluster_scoped(&cluster, &mut objects).await;
        let mut c = comparison(&nothing, &target, objects);
        c.from = "nothing (not installed)".into();
        c.to = format!("install of {}", target.chart_label());
        return finish(&style, c);
    }
    let (current, target) = upgrade_pair(&storage, &cluster, name, chart, &user, &options).await?;
    let mut objects = if live {
        compare_live(&cluster, &current, &target, style.show_secrets).await?
    } else {
        compare_releases(&current, &target, style.selection, style.show_secrets)?
    };
    clear_cluster_scoped(&cluster, &mut objects).await;
    let mut c = comparison(&current, &target, objects);
    if live {
        c.from = "live objects".into();
    }
    c.to = format!("upgrade to {}", target.chart_label());
    finish(&style, c)
}

/// How to show the comparison.
struct Style {
    text: TextStyle,
    json: bool,
    detailed_exitcode: bool,
    show_secrets: bool,
    selection: Selection,
}

impl Style {
    fn parse(settings: &Settings, a: &ShowArgs) -> Result<Style, Failure> {
        let json = match a.output.as_str() {
            "diff" | "text" => false,
            "json" => true,
            other => {
                return Err(Failure(format!(
                    "invalid argument {other:?} for \"-o, --output\" flag: must be diff or json"
                )));
            }
        };
        Ok(Style {
            text: TextStyle {
                context: usize::try_from(a.context).ok(),
                color: settings.colors.enabled && !a.no_color,
            },
            json,
            detailed_exitcode: a.detailed_exitcode,
            show_secrets: a.show_secrets,
            selection: Selection {
                hooks: !a.no_hooks,
                tests: a.include_tests,
            },
        })
    }
}

/// The comparison of two revisions, named `revision N`; callers rename a
/// side that is not a stored revision.
fn comparison(old: &Release, new: &Release, objects: Vec<ObjectChange>) -> Comparison {
    Comparison {
        release: new.name.clone(),
        namespace: new.namespace.clone(),
        from: format!("revision {}", old.version),
        to: format!("revision {}", new.version),
        objects,
    }
}

/// The output; with `--detailed-exitcode` and changes, the run then
/// exits with status 2.
fn finish(style: &Style, c: Comparison) -> Result<String, Failure> {
    let out = if style.json {
        c.json(style.text.context)
    } else {
        c.text(style.text)
    };
    let code = if style.detailed_exitcode {
        c.detailed_exit_code()
    } else {
        0
    };
    super::set_success_status(code);
    Ok(out)
}

fn revision(s: &str) -> Result<i64, Failure> {
    s.parse::<i64>()
        .map_err(|_| Failure(format!("invalid revision {s:?}: not an integer")))
}

fn usage(sub: &str, args: &str, min: usize, max: usize, got: usize) -> Failure {
    let wanted = if min == max {
        format!("{min}")
    } else {
        format!("{min} to {max}")
    };
    Failure(format!(
        "\"rudder diff {sub}\" requires {wanted} arguments, received {got}\n\nUsage:  rudder diff {sub} {args} [flags]"
    ))
}
