//! What `install` and `upgrade` share on the command line: helm v4's
//! flags (with v3's spellings), their conversion into the library's
//! [`DeployOptions`], locating and loading the chart, merging the values,
//! and printing the release as helm's `statusPrinter` does.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use rudder::action::deploy::DeployOptions;
use rudder::action::rollback::{DryRun, WaitStrategy};
use rudder::action::template::PostRenderer;
use rudder::chart::dependencies::check_missing;
use rudder::chart::load::load_for_install_reporting;
use rudder::chart::model::{Chart, Values};
use rudder::compat::Compat;
use rudder::present::{self, Format};
use rudder::release::Release;
use rudder::repo::deps::update;
use rudder::session::{Parsed, parse_dry_run, parse_server_side, parse_wait};
use rudder::values::ValueOptions;
use rudder::values::options::DefaultReader;

use super::Failure;
use super::args::{OutputArg, WaitArgs};
use super::chart::ChartPathArgs;
use super::settings::Settings;
use super::source::dep_options;

/// The value flags (helm's `addValueOptionsFlags`).
#[derive(Debug, Args, Clone, Default)]
pub struct ValueFlags {
    /// specify values in a YAML file or a URL (can specify multiple)
    #[arg(short = 'f', long = "values", value_delimiter = ',')]
    pub values: Vec<String>,
    /// set values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// set STRING values on the command line (can specify multiple or separate values with commas: key1=val1,key2=val2)
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// set values from respective files specified via the command line (can specify multiple or separate values with commas: key1=path1,key2=path2)
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// set JSON values on the command line (can specify multiple or separate values with commas: key1=jsonval1,key2=jsonval2)
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// set a literal STRING value on the command line
    #[arg(long = "set-literal")]
    pub set_literal: Vec<String>,
}

impl ValueFlags {
    /// helm's `values.Options` for these flags.
    pub fn options(&self) -> ValueOptions {
        ValueOptions {
            value_files: self.values.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            json_values: self.set_json.clone(),
            literal_values: self.set_literal.clone(),
            file_values: self.set_file.clone(),
        }
    }
}

/// The flags `install` and `upgrade` both take.
#[derive(Debug, Args)]
pub struct DeployFlags {
    /// the value flags
    #[command(flatten)]
    pub values: ValueFlags,
    /// where the chart comes from
    #[command(flatten)]
    pub path: ChartPathArgs,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// update dependencies if they are missing before installing the chart
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    /// create the release namespace if not present
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// prevent hooks from running
    #[arg(long = "no-hooks")]
    pub no_hooks: bool,
    /// if set, no CRDs will be installed. By default, CRDs are installed if not already present
    #[arg(long = "skip-crds")]
    pub skip_crds: bool,
    /// if set, render subchart notes along with the parent
    #[arg(long = "render-subchart-notes")]
    pub render_subchart_notes: bool,
    /// if set, disables JSON schema validation
    #[arg(long = "skip-schema-validation")]
    pub skip_schema_validation: bool,
    /// enable DNS lookups when rendering templates
    #[arg(long = "enable-dns")]
    pub enable_dns: bool,
    /// if set, do not show notes in the output. Does not affect presence in chart metadata
    #[arg(long = "hide-notes")]
    pub hide_notes: bool,
    /// if set, ignore the check for helm annotations and take ownership of the existing resources
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// add a custom description
    #[arg(long, default_value = "")]
    pub description: String,
    /// Labels that would be added to release metadata. Should be divided by comma.
    #[arg(short = 'l', long = "labels")]
    pub labels: Vec<String>,
    /// `--wait` and `--timeout`
    #[command(flatten)]
    pub wait: WaitArgs,
    /// if set and --wait enabled, will wait until all Jobs have been completed before marking the release as successful. It will wait for as long as --timeout
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// if set, roll back (upgrade) or uninstall (install) upon failure. The --wait flag will be defaulted to "watcher" if --rollback-on-failure is set
    #[arg(long = "rollback-on-failure")]
    pub rollback_on_failure: bool,
    /// deprecated: use --rollback-on-failure instead
    #[arg(long, hide = true)]
    pub atomic: bool,
    /// force resource updates by replacement
    #[arg(long = "force-replace", conflicts_with = "force_conflicts")]
    pub force_replace: bool,
    /// deprecated: use --force-replace instead
    #[arg(long, hide = true, conflicts_with = "force_conflicts")]
    pub force: bool,
    /// if set server-side apply will force changes against conflicts
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// must be "true" or "auto" (install: a boolean): rudder always applies server-side
    #[arg(long = "server-side", num_args = 0..=1, require_equals = true, default_value = "auto", default_missing_value = "true", value_name = "METHOD")]
    pub server_side: String,
    /// if set, the process will not validate rendered templates against the Kubernetes OpenAPI Schema (accepted; the API server validates)
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// simulates the operation without persisting changes: "none" (default), "client", or "server"
    #[arg(long = "dry-run", num_args = 0..=1, require_equals = true, default_value = "none", default_missing_value = "unset", value_name = "STRATEGY")]
    pub dry_run: String,
    /// hide Kubernetes Secrets when also using the --dry-run flag
    #[arg(long = "hide-secret")]
    pub hide_secret: bool,
    /// `-o/--output`
    #[command(flatten)]
    pub output: OutputArg,
    /// the path to an executable to be used for post rendering
    #[arg(long = "post-renderer", default_value = "")]
    pub post_renderer: String,
    /// an argument to the post-renderer (can specify multiple)
    #[arg(long = "post-renderer-args")]
    pub post_renderer_args: Vec<String>,
}

/// The command a flag set belongs to, where helm words things apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `install` (and `upgrade --install` of a missing release).
    Install,
    /// `upgrade`.
    Upgrade,
}

/// What the flags say before anything is read: the output format, the
/// dry run and the options for the library.
pub struct Prepared {
    /// `-o`.
    pub format: Format,
    /// `--dry-run` as given (helm v3 checks the value late, after the
    /// chart was loaded).
    pub dry_run_text: String,
    /// The options for the library.
    pub options: DeployOptions,
}

impl DeployFlags {
    /// Parses the flags helm parses before it reads anything: `-o`,
    /// `--labels`, `--wait` and (v4) `--dry-run`, printing helm 4's
    /// deprecation warnings.
    pub fn prepare(&self, settings: &Settings, verb: Verb) -> Result<Prepared, Failure> {
        let compat = settings.compat;
        let format = Format::parse(&self.output.output).map_err(|e| {
            Failure(format!(
                "invalid argument {:?} for \"-o, --output\" flag: {e}",
                self.output.output
            ))
        })?;
        let labels = parse_labels(&self.labels)?;
        let wait = match compat {
            Compat::V4 => take(settings, parse_wait(&self.wait.wait)?),
            Compat::V3 => v3_wait(&self.wait.wait)?,
        };
        // helm v3 has no dry-run strategy before the chart is loaded: a
        // bad value is refused later (see `check_v3_dry_run`).
        let dry_run = match compat {
            Compat::V4 => take(settings, parse_dry_run(&self.dry_run)?),
            Compat::V3 => match self.dry_run.as_str() {
                "unset" | "true" | "client" => DryRun::Client,
                "server" => DryRun::Server,
                _ => DryRun::None,
            },
        };
        if verb == Verb::Install && self.server_side != "auto" {
            // install's `--server-side` is a boolean, parsed with the flags.
            let side = match self.server_side.as_str() {
                "true" | "1" | "t" | "T" | "TRUE" | "True" => "true",
                "false" | "0" | "f" | "F" | "FALSE" | "False" => "false",
                other => {
                    return Err(Failure(format!(
                        "invalid argument {other:?} for \"--server-side\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax"
                    )));
                }
            };
            parse_server_side(side)?;
        }
        let rollback_on_failure = self.rollback_on_failure || self.atomic;
        let mut wait = wait;
        // helm: --rollback-on-failure (--atomic) implies --wait.
        if rollback_on_failure && wait == WaitStrategy::HookOnly {
            wait = match compat {
                Compat::V4 => WaitStrategy::Watcher,
                Compat::V3 => WaitStrategy::Legacy,
            };
        }
        let post_renderer = Some(self.post_renderer.clone())
            .filter(|p| !p.is_empty())
            .map(|binary| PostRenderer {
                binary,
                args: self.post_renderer_args.clone(),
            });
        let options = DeployOptions {
            compat,
            namespace: String::new(),
            dry_run,
            hide_secret: self.hide_secret,
            wait,
            wait_for_jobs: self.wait_for_jobs,
            timeout: self.wait.timeout,
            rollback_on_failure,
            no_hooks: self.no_hooks,
            skip_crds: self.skip_crds,
            skip_schema_validation: self.skip_schema_validation,
            subchart_notes: self.render_subchart_notes,
            description: Some(self.description.clone()).filter(|d| !d.is_empty()),
            labels,
            take_ownership: self.take_ownership,
            force_conflicts: self.force_conflicts,
            force_replace: self.force_replace || self.force,
            post_renderer,
            enable_dns: self.enable_dns,
            env: super::template::env_source()?,
        };
        Ok(Prepared {
            format,
            dry_run_text: self.dry_run.clone(),
            options,
        })
    }

    /// helm's `LocateChart` then `MergeValues` then `loader.Load` and the
    /// dependency check (with `--dependency-update`), in helm's order and
    /// with its warnings; `installable` adds install's chart-type check.
    /// `upgrade` (helm v3) checks `--dry-run` right after locating: its
    /// value is `early_dry_run`.
    pub async fn chart_and_values(
        &self,
        settings: &Settings,
        chart_ref: &str,
        installable: bool,
        early_dry_run: Option<&str>,
    ) -> Result<(Chart, Values), Failure> {
        let compat = settings.compat;
        let located = self.path.locate(settings, chart_ref, self.devel).await?;
        if let Some(lines) = &located.pulled {
            super::repo::print_registry_lines(lines, compat);
        }
        if let Some(v) = early_dry_run {
            check_v3_dry_run(compat, v)?;
        }
        let user = self
            .values
            .options()
            .merge(&DefaultReader::default(), compat)?;
        let chart = self.load(settings, &located.path, installable).await?;
        Ok((chart, user))
    }

    async fn load(
        &self,
        settings: &Settings,
        path: &Path,
        installable: bool,
    ) -> Result<Chart, Failure> {
        let compat = settings.compat;
        let load = |path: &Path| -> Result<Chart, Failure> {
            let mut warnings = Vec::new();
            let chart = load_for_install_reporting(path, compat, &mut warnings);
            for w in &warnings {
                eprintln!("{w}");
            }
            chart.map_err(|e| Failure(e.install_message(compat)))
        };
        let mut chart = load(path)?;
        let deprecated = || match compat {
            Compat::V3 => eprintln!("WARNING: This chart is deprecated"),
            Compat::V4 => eprintln!("level=WARN msg=\"this chart is deprecated\""),
        };
        // install: installable, deprecation, dependencies; upgrade:
        // dependencies, then deprecation.
        if installable {
            let kind = &chart.metadata.chart_type;
            if !(kind.is_empty() || kind == "application") {
                return Err(Failure(format!("{kind} charts are not installable")));
            }
            if chart.metadata.deprecated {
                deprecated();
            }
        }
        if let Err(e) = check_missing(&chart) {
            if !self.dependency_update {
                return Err(Failure(e.install_message(compat)));
            }
            let deps = dep_options(
                settings,
                false,
                self.path.plain_http,
                &self.path.auth.creds,
                &self.path.auth.tls,
            );
            let mut print = |line: &str| println!("{line}");
            update(path, &deps, &mut print).await?;
            chart = load(path).map_err(|e| {
                Failure(format!("failed reloading chart after repo update: {}", e.0))
            })?;
        }
        if !installable && chart.metadata.deprecated {
            deprecated();
        }
        Ok(chart)
    }
}

/// The value of a parsed option; its deprecation warning printed as helm
/// 4's logger prints it (`level=WARN msg="..."`); helm 3 has none.
fn take<T>(settings: &Settings, parsed: Parsed<T>) -> T {
    if let Some(w) = parsed.warning
        && settings.compat == Compat::V4
    {
        let quoted = serde_json::to_string(&w).unwrap_or_default();
        eprintln!("level=WARN msg={quoted}");
    }
    parsed.value
}

/// helm v3 refuses a bad `--dry-run` value only once the chart is loaded.
pub fn check_v3_dry_run(compat: Compat, value: &str) -> Result<(), Failure> {
    if compat == Compat::V3
        && !matches!(
            value,
            "false" | "true" | "none" | "client" | "server" | "unset"
        )
    {
        return Err(Failure(
            "Invalid dry-run flag. Flag must one of the following: false, true, none, client, server"
                .into(),
        ));
    }
    Ok(())
}

/// helm refuses `--hide-secret` without a dry run (in the action, before
/// anything is written; checked here so it is refused the same whatever
/// the action does). helm 4's install logs it on stderr too.
pub fn check_hide_secret(options: &DeployOptions, verb: Verb) -> Result<(), Failure> {
    if options.hide_secret && options.dry_run == DryRun::None {
        // helm 4's install also logs it.
        if verb == Verb::Install && options.compat == Compat::V4 {
            eprintln!("level=ERROR msg=\"hiding Kubernetes secrets requires a dry-run mode\"");
        }
        return Err(Failure(match options.compat {
            Compat::V3 => "Hiding Kubernetes secrets requires a dry-run mode".into(),
            Compat::V4 => "hiding Kubernetes secrets requires a dry-run mode".into(),
        }));
    }
    Ok(())
}

/// upgrade's `--server-side` (`true`, `false` or `auto`), which helm
/// checks in the action, once the chart is loaded.
pub fn check_upgrade_server_side(flags: &DeployFlags) -> Result<(), Failure> {
    parse_server_side(&flags.server_side)?;
    Ok(())
}

/// helm v3's `--wait` is a boolean (its waiter is what v4 calls
/// `legacy`).
fn v3_wait(value: &str) -> Result<WaitStrategy, Failure> {
    match value {
        // `--wait` alone arrives as clap's default-missing value.
        "watcher" | "true" | "1" | "t" | "T" | "TRUE" | "True" => Ok(WaitStrategy::Legacy),
        "hookOnly" | "false" | "0" | "f" | "F" | "FALSE" | "False" => Ok(WaitStrategy::HookOnly),
        other => Err(Failure(format!(
            "invalid argument {other:?} for \"--wait\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax"
        ))),
    }
}

/// pflag's `StringToString` (`--labels a=b,c=d`, repeatable; later keys
/// win).
pub fn parse_labels(flags: &[String]) -> Result<BTreeMap<String, String>, Failure> {
    let mut out = BTreeMap::new();
    for val in flags {
        let bad = |what: &str| {
            Failure(format!(
                "invalid argument {val:?} for \"-l, --labels\" flag: {what} must be formatted as key=value"
            ))
        };
        let pairs: Vec<String> = match val.matches('=').count() {
            0 => return Err(bad(val)),
            1 => vec![val.trim_matches('"').to_owned()],
            _ => csv_record(val).map_err(|e| {
                Failure(format!(
                    "invalid argument {val:?} for \"-l, --labels\" flag: {e}"
                ))
            })?,
        };
        for pair in pairs {
            let Some((k, v)) = pair.split_once('=') else {
                return Err(bad(&pair));
            };
            out.insert(k.to_owned(), v.to_owned());
        }
    }
    Ok(out)
}

/// One record of Go's `encoding/csv` (fields separated by commas, double
/// quotes around a field, `""` inside one).
fn csv_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            line.len() + 1
                        ));
                    }
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => {
                    return Err(
                        "parse error on line 1: extraneous or missing \" in quoted-field".into(),
                    );
                }
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

/// helm's `statusPrinter` for a release an install or upgrade returned:
/// the status block (with `HOOKS:`/`MANIFEST:` after a dry run), or the
/// whole release, chart included, as JSON or YAML.
pub fn print_release(
    settings: &Settings,
    rel: &Release,
    format: Format,
    hide_notes: bool,
) -> Result<String, Failure> {
    match format {
        Format::Table => {
            let shown;
            let rel = if hide_notes {
                let mut r = rel.clone();
                r.info.notes.clear();
                shown = r;
                &shown
            } else {
                rel
            };
            let style = present::status::StatusStyle {
                compat: settings.compat,
                // helm's --debug (or HELM_DEBUG) adds the values, hooks
                // and manifest.
                debug: settings.debug(),
                colors: settings.colors,
                ..Default::default()
            };
            Ok(present::status::render_table(rel, None, &style)?)
        }
        Format::Json => {
            let mut text = String::from_utf8_lossy(&go_json(rel)?).into_owned();
            text.push('\n');
            Ok(text)
        }
        Format::Yaml => {
            // sigs.k8s.io/yaml: the JSON encoding, re-read as a generic
            // value, printed with sorted keys.
            let value: serde_json::Value = serde_json::from_slice(&go_json(rel)?)?;
            Ok(present::encode_yaml(&rudder::gojson::GoValue::from_json(
                &value,
            ))?)
        }
    }
}

/// The release as helm's `encoding/json` writes it: `config` is a Go map
/// with `omitempty`, so no values (or none left) leave it out.
fn go_json(rel: &Release) -> Result<Vec<u8>, Failure> {
    let empty = rel
        .config_value()
        .map(|v| v.is_null() || v.as_object().is_some_and(|m| m.is_empty()))
        .unwrap_or(false);
    let bytes = if empty && rel.config.is_some() {
        let mut r = rel.clone();
        r.config = None;
        rudder::gojson::escape::to_go_json(&r)?
    } else {
        rudder::gojson::escape::to_go_json(rel)?
    };
    Ok(bytes)
}

/// pflag announces helm 4's deprecated `install`/`upgrade` flags
/// (`--force`, `--atomic`) as it parses them, whatever happens next;
/// helm 3 has them undeprecated.
pub fn warn_deprecated_flags() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env_v3 = std::env::var("RUDDER_HELM_COMPAT").is_ok_and(|v| v == "v3" || v == "3");
    let mut v3 = env_v3;
    let mut deploy = false;
    let mut notes = Vec::new();
    let mut prev = "";
    for a in args.iter().take_while(|a| *a != "--") {
        if prev == "--compat" {
            v3 = a == "v3" || a == "3";
        } else if let Some(v) = a.strip_prefix("--compat=") {
            v3 = v == "v3" || v == "3";
        } else if a == "install" || a == "upgrade" {
            deploy = true;
        } else if deploy {
            let name = a.split('=').next().unwrap_or_default();
            match name {
                "--force" => {
                    notes.push("Flag --force has been deprecated, use --force-replace instead")
                }
                "--atomic" => notes
                    .push("Flag --atomic has been deprecated, use --rollback-on-failure instead"),
                _ => {}
            }
        }
        prev = a;
    }
    if !v3 {
        for n in notes {
            eprintln!("{n}");
        }
    }
}

/// Writes to stdout at once (a closed pipe is not an error).
pub fn print_now(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(args: &[&str]) -> Result<Vec<(String, String)>, String> {
        let flags: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_labels(&flags)
            .map(|m| m.into_iter().collect())
            .map_err(|e| e.0)
    }

    #[test]
    fn labels_as_pflag_string_to_string() {
        assert_eq!(
            labels(&["a=b", "c=d,e=f"]),
            Ok(vec![
                ("a".into(), "b".into()),
                ("c".into(), "d".into()),
                ("e".into(), "f".into())
            ])
        );
        // One `=`: the whole value is one pair, commas included.
        assert_eq!(labels(&["a=b,c"]), Ok(vec![("a".into(), "b,c".into())]));
        assert_eq!(
            labels(&["x"]),
            Err(
                "invalid argument \"x\" for \"-l, --labels\" flag: x must be formatted as key=value"
                    .into()
            )
        );
        assert_eq!(
            labels(&["a=b,c,d=e"]),
            Err(
                "invalid argument \"a=b,c,d=e\" for \"-l, --labels\" flag: c must be formatted as key=value"
                    .into()
            )
        );
        assert_eq!(
            labels(&["\"a=b,c\",d=e"]),
            Ok(vec![("a".into(), "b,c".into()), ("d".into(), "e".into())])
        );
        assert_eq!(labels(&["a=1", "a=2"]), Ok(vec![("a".into(), "2".into())]));
    }

    #[test]
    fn v3_wait_is_a_boolean() {
        assert_eq!(v3_wait("watcher").ok(), Some(WaitStrategy::Legacy));
        assert_eq!(v3_wait("hookOnly").ok(), Some(WaitStrategy::HookOnly));
        assert_eq!(v3_wait("false").ok(), Some(WaitStrategy::HookOnly));
        assert_eq!(
            v3_wait("legacy").err().map(|e| e.0),
            Some("invalid argument \"legacy\" for \"--wait\" flag: strconv.ParseBool: parsing \"legacy\": invalid syntax".into())
        );
    }
}
