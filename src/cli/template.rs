//! `rudder template`: helm's flags, the chart located and loaded (with
//! `--dependency-update`), the values merged, then the native renderer
//! (`rudder::action::template`) or, with `--renderer helm|auto`, a helm
//! binary (`rudder::render::fallback`).
//!
//! Test seam (not in `--help`): `RUDDER_RENDER_SEED` (a u64) and
//! `RUDDER_RENDER_NOW` (RFC 3339) fix Sprig's randomness and clock.

use std::path::{Path, PathBuf};

use clap::Args;
use rudder::action::template::{
    EnvSource, PostRenderer, TemplateError, TemplateOptions, check_chart, release_name, template,
};
use rudder::chart::load::load_for_install_reporting;
use rudder::compat::Compat;
use rudder::render::fallback::{Renderer, helm_binary, run_helm};
use rudder::repo::deps::update;
use rudder::values::options::DefaultReader;

use super::Failure;
use super::chart::ChartPathArgs;
use super::settings::Settings;
use super::source::dep_options;

/// `template` flags (helm's install flags that matter offline, the
/// value flags, the chart path flags and template's own).
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// the value flags
    #[command(flatten)]
    pub value_flags: super::deploy_flags::ValueFlags,
    /// where the chart comes from
    #[command(flatten)]
    pub path: ChartPathArgs,
    /// use development versions, too. Equivalent to version '>0.0.0-0'. If --version is set, this is ignored
    #[arg(long)]
    pub devel: bool,
    /// update dependencies if they are missing before installing the chart
    #[arg(long = "dependency-update")]
    pub dependency_update: bool,
    /// generate the name (and omit the NAME parameter)
    #[arg(short = 'g', long = "generate-name")]
    pub generate_name: bool,
    /// specify template used to name the release
    #[arg(long = "name-template", default_value = "")]
    pub name_template: String,
    /// prevent hooks from running during install
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
    /// only show manifests rendered from the given templates
    #[arg(short = 's', long = "show-only")]
    pub show_only: Vec<String>,
    /// writes the executed templates to files in output-dir instead of stdout
    #[arg(long = "output-dir")]
    pub output_dir: Option<PathBuf>,
    /// deprecated: validate against the cluster (a server-side dry run)
    #[arg(long)]
    pub validate: bool,
    /// include CRDs in the templated output
    #[arg(long = "include-crds")]
    pub include_crds: bool,
    /// skip tests from templated output
    #[arg(long = "skip-tests")]
    pub skip_tests: bool,
    /// set .Release.IsUpgrade instead of .Release.IsInstall
    #[arg(long = "is-upgrade")]
    pub is_upgrade: bool,
    /// Kubernetes version used for Capabilities.KubeVersion
    #[arg(long = "kube-version", default_value = "")]
    pub kube_version: String,
    /// Kubernetes api versions used for Capabilities.APIVersions (multiple can be specified)
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// use release name in the output-dir path.
    #[arg(long = "release-name")]
    pub release_name: bool,
    /// simulates the operation: "client" (the default) or "server"
    #[arg(long = "dry-run", num_args = 0..=1, default_missing_value = "unset")]
    pub dry_run: Option<String>,
    /// the path to an executable to be used for post rendering (helm v4: a post-renderer plugin name)
    #[arg(long = "post-renderer", default_value = "")]
    pub post_renderer: String,
    /// an argument to the post-renderer (can specify multiple)
    #[arg(long = "post-renderer-args")]
    pub post_renderer_args: Vec<String>,
    /// the renderer: native (default), helm (a helm binary from PATH or RUDDER_HELM), or auto (native, helm for what native does not support)
    #[arg(long, env = "RUDDER_RENDERER", default_value = "native")]
    pub renderer: String,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "create-namespace")]
    pub create_namespace: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long)]
    pub description: Option<String>,
    /// accepted for helm compatibility; no effect offline
    #[arg(long)]
    pub timeout: Option<String>,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "wait-for-jobs")]
    pub wait_for_jobs: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "disable-openapi-validation")]
    pub disable_openapi_validation: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long)]
    pub replace: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(short = 'l', long = "labels", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// accepted for helm compatibility; no effect offline (deprecated in helm v4)
    #[arg(long)]
    pub force: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "force-replace")]
    pub force_replace: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "force-conflicts")]
    pub force_conflicts: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "server-side", num_args = 0..=1, default_missing_value = "true")]
    pub server_side: Option<String>,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "rollback-on-failure")]
    pub rollback_on_failure: bool,
    /// accepted for helm compatibility; no effect offline (deprecated in helm v4)
    #[arg(long)]
    pub atomic: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long = "take-ownership")]
    pub take_ownership: bool,
    /// accepted for helm compatibility; no effect for template
    #[arg(long = "hide-notes", hide = true)]
    pub hide_notes: bool,
    /// accepted for helm compatibility; no effect offline
    #[arg(long, num_args = 0..=1, default_missing_value = "watcher")]
    pub wait: Option<String>,
    /// [NAME] CHART
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
}

/// Runs `rudder template`; returns stdout.
pub async fn run_template(settings: &Settings, a: TemplateArgs) -> Result<String, Failure> {
    let compat = settings.compat;
    if compat == Compat::V4 {
        deprecation_notes();
    }
    let renderer = Renderer::parse(&a.renderer).map_err(Failure)?;
    if a.args.is_empty() {
        return Err(Failure(
            "\"rudder template\" requires at least 1 argument\n\nUsage:  rudder template [NAME] [CHART] [flags]".into(),
        ));
    }
    // helm parses these first, before the name and the chart.
    if !a.kube_version.is_empty() {
        rudder::render::capabilities::Capabilities::offline(compat, Some(&a.kube_version), &[])
            .map_err(Failure)?;
    }
    let server_dry_run = dry_run_server(a.dry_run.as_deref(), compat)?;
    let (name, chart_ref) = release_name(&a.args, a.generate_name, &a.name_template, compat)
        .map_err(|e| Failure(e.to_string()))?;
    let located = a.path.locate(settings, &chart_ref, a.devel).await?;
    if let Some(lines) = &located.pulled {
        super::repo::print_registry_lines(lines, compat);
    }
    let chart_path = located.path;
    let value_opts = a.value_flags.options();
    let user = value_opts.merge(&DefaultReader::default(), compat)?;
    let chart = load_chart(settings, &a, &chart_path).await?;
    if compat == Compat::V3
        && let Some(v) = a.dry_run.as_deref()
        && !matches!(
            v,
            "false" | "true" | "none" | "client" | "server" | "unset" | ""
        )
    {
        return Err(Failure(
            "Invalid dry-run flag. Flag must one of the following: false, true, none, client, server"
                .into(),
        ));
    }
    let namespace = namespace(settings).await;
    let kube_version = Some(a.kube_version.clone()).filter(|k| !k.is_empty());
    let post_renderer = Some(a.post_renderer.clone())
        .filter(|p| !p.is_empty())
        .map(|binary| PostRenderer {
            binary,
            args: a.post_renderer_args.clone(),
        });
    let topts = TemplateOptions {
        compat,
        name: name.clone(),
        namespace: namespace.clone(),
        kube_version: kube_version.clone(),
        api_versions: a.api_versions.clone(),
        is_upgrade: a.is_upgrade,
        skip_schema_validation: a.skip_schema_validation,
        include_crds: a.include_crds,
        skip_tests: a.skip_tests,
        no_hooks: a.no_hooks,
        show_only: a.show_only.clone(),
        output_dir: a.output_dir.clone(),
        use_release_name: a.release_name,
        subchart_notes: a.render_subchart_notes,
        enable_dns: a.enable_dns,
        post_renderer,
        env: env_source()?,
    };
    let helm = |why: Option<&str>| -> Result<String, Failure> {
        if let Some(why) = why {
            eprintln!("rudder: rendering with helm: {why}");
        }
        let args = helm_args(&a, &name, &chart_path, &namespace, &user)?;
        exec_helm(&args.0)
    };
    if renderer == Renderer::Helm {
        return helm(None);
    }
    let native_unsupported = if a.validate || server_dry_run {
        Some("--validate / --dry-run=server need a cluster, which the native renderer does not use yet".to_owned())
    } else {
        None
    };
    let outcome = match native_unsupported {
        Some(what) => Err(TemplateError::Unsupported(what)),
        None => {
            // The process prints and exits after this one render.
            rudder::render::set_short_lived(true);
            template(chart, &user, &topts, &mut |line: &str| eprintln!("{line}")).map(|o| o.stdout)
        }
    };
    match outcome {
        Ok(out) => Ok(out),
        Err(TemplateError::Unsupported(what)) if renderer == Renderer::Auto => helm(Some(&what)),
        Err(TemplateError::Unsupported(what)) => Err(Failure(format!(
            "{what} (use --renderer auto or helm to render with helm)"
        ))),
        Err(e) => Err(Failure(e.cli_message())),
    }
}

/// pflag's notes on the deprecated flags helm v4's `template` takes,
/// one per occurrence, in command-line order.
fn deprecation_notes() {
    let template_only = "this flag has no effect for 'helm template' and will be removed in Helm 5";
    let notes = [
        ("force", "use --force-replace instead"),
        ("atomic", "use --rollback-on-failure instead"),
        ("render-subchart-notes", template_only),
        ("hide-notes", template_only),
        ("validate", "use '--dry-run=server' instead"),
    ];
    for arg in std::env::args().skip(1).take_while(|a| a != "--") {
        let Some(name) = arg.strip_prefix("--") else {
            continue;
        };
        let name = name.split_once('=').map_or(name, |(n, _)| n);
        if let Some((flag, note)) = notes.iter().find(|(f, _)| *f == name) {
            eprintln!("Flag --{flag} has been deprecated, {note}");
        }
    }
}

/// helm v4's `cmdGetDryRunFlagStrategy` for `template`: whether the dry
/// run is server-side; its deprecation warnings go to stderr. helm v3
/// takes any value.
fn dry_run_server(value: Option<&str>, compat: Compat) -> Result<bool, Failure> {
    let Some(v) = value else {
        return Ok(false);
    };
    if compat == Compat::V3 {
        // v3 checks the value later, after loading the chart.
        return Ok(v == "server");
    }
    let invalid_template = || {
        Failure(format!(
            "invalid dry-run value ({v:?}). Must be \"server\" or \"client\""
        ))
    };
    match v {
        "unset" => {
            eprintln!(
                "level=WARN msg=\"--dry-run is deprecated and should be replaced with '--dry-run=client'\""
            );
            Ok(false)
        }
        "client" => Ok(false),
        "server" => Ok(true),
        "none" => Err(invalid_template()),
        "1" | "t" | "T" | "TRUE" | "true" | "True" => {
            eprintln!(
                "level=WARN msg=\"boolean '--dry-run={v}' flag is deprecated and must be replaced with '--dry-run=client'\""
            );
            Ok(false)
        }
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Err(invalid_template()),
        _ => Err(Failure(format!(
            "invalid dry-run value ({v:?}). Must be \"none\", \"server\", or \"client\""
        ))),
    }
}

/// Loads the chart as helm's install does (warnings on stderr), with
/// `--dependency-update` fetching missing dependencies first.
async fn load_chart(
    settings: &Settings,
    a: &TemplateArgs,
    path: &Path,
) -> Result<rudder::chart::model::Chart, Failure> {
    let compat = settings.compat;
    let load = |path: &Path| -> Result<rudder::chart::model::Chart, Failure> {
        let mut warnings = Vec::new();
        let chart = load_for_install_reporting(path, compat, &mut warnings);
        for w in &warnings {
            eprintln!("{w}");
        }
        chart.map_err(|e| Failure(e.install_message(compat)))
    };
    let mut chart = load(path)?;
    // helm's order: installable, then the deprecation warning, then the
    // dependencies.
    let kind = &chart.metadata.chart_type;
    if !(kind.is_empty() || kind == "application") {
        return Err(Failure(format!("{kind} charts are not installable")));
    }
    if chart.metadata.deprecated {
        match compat {
            Compat::V3 => eprintln!("WARNING: This chart is deprecated"),
            Compat::V4 => eprintln!("level=WARN msg=\"this chart is deprecated\""),
        }
    }
    if let Err(e) = check_chart(&chart, compat) {
        if !a.dependency_update {
            return Err(Failure(e.to_string()));
        }
        let deps = dep_options(
            settings,
            false,
            a.path.plain_http,
            &a.path.auth.creds,
            &a.path.auth.tls,
        );
        let mut print = |line: &str| println!("{line}");
        update(path, &deps, &mut print).await?;
        chart = load(path)
            .map_err(|e| Failure(format!("failed reloading chart after repo update: {}", e.0)))?;
    }
    Ok(chart)
}

/// helm's `settings.Namespace()`: `-n`, else the kubeconfig context's
/// namespace, else `default`; no cluster is contacted.
async fn namespace(settings: &Settings) -> String {
    let opts = settings.connect_options();
    if let Some(ns) = opts.namespace.clone().filter(|n| !n.is_empty()) {
        return ns;
    }
    match rudder::cluster::connect::connect(&opts).await {
        Ok(conn) if !conn.namespace.is_empty() => conn.namespace,
        _ => "default".to_owned(),
    }
}

/// `RUDDER_RENDER_SEED` / `RUDDER_RENDER_NOW`.
pub(super) fn env_source() -> Result<EnvSource, Failure> {
    let seed = std::env::var("RUDDER_RENDER_SEED").ok();
    let now = std::env::var("RUDDER_RENDER_NOW").ok();
    if seed.is_none() && now.is_none() {
        return Ok(EnvSource::System);
    }
    let seed = match seed {
        Some(s) => s
            .parse::<u64>()
            .map_err(|e| Failure(format!("RUDDER_RENDER_SEED {s:?}: {e}")))?,
        None => 0,
    };
    let now = match now {
        Some(t) => t
            .parse::<jiff::Timestamp>()
            .map_err(|e| Failure(format!("RUDDER_RENDER_NOW {t:?}: {e}")))?,
        None => jiff::Timestamp::now(),
    };
    Ok(EnvSource::Fixed { seed, now })
}

/// The arguments for `helm template` with the same inputs, and the
/// temporary values file (deleted when dropped).
fn helm_args(
    a: &TemplateArgs,
    name: &str,
    chart: &Path,
    namespace: &str,
    user: &rudder::chart::model::Values,
) -> Result<(Vec<String>, TempFile), Failure> {
    let yaml = rudder::output::yaml::to_yaml(&rudder::gojson::GoValue::Map(user.clone()))
        .map_err(|e| Failure(e.to_string()))?;
    let file = TempFile::new(yaml.as_bytes())?;
    let mut args = vec![
        name.to_owned(),
        chart.to_string_lossy().into_owned(),
        "--namespace".to_owned(),
        namespace.to_owned(),
        "-f".to_owned(),
        file.0.to_string_lossy().into_owned(),
    ];
    let mut flag = |on: bool, f: &str| {
        if on {
            args.push(f.to_owned());
        }
    };
    flag(a.is_upgrade, "--is-upgrade");
    flag(a.include_crds, "--include-crds");
    flag(a.skip_crds, "--skip-crds");
    flag(a.skip_tests, "--skip-tests");
    flag(a.no_hooks, "--no-hooks");
    flag(a.release_name, "--release-name");
    flag(a.skip_schema_validation, "--skip-schema-validation");
    flag(a.render_subchart_notes, "--render-subchart-notes");
    flag(a.enable_dns, "--enable-dns");
    flag(a.validate, "--validate");
    let mut pair = |f: &str, v: &str| {
        args.push(f.to_owned());
        args.push(v.to_owned());
    };
    if !a.kube_version.is_empty() {
        pair("--kube-version", &a.kube_version);
    }
    for v in &a.api_versions {
        pair("--api-versions", v);
    }
    for s in &a.show_only {
        pair("--show-only", s);
    }
    if let Some(d) = &a.output_dir {
        pair("--output-dir", &d.to_string_lossy());
    }
    if !a.post_renderer.is_empty() {
        pair("--post-renderer", &a.post_renderer);
        for p in &a.post_renderer_args {
            pair("--post-renderer-args", p);
        }
    }
    if let Some(d) = &a.dry_run {
        args.push(format!("--dry-run={d}"));
    }
    Ok((args, file))
}

/// Runs helm, passing its stdout through; its `Error: ...` becomes ours.
fn exec_helm(args: &[String]) -> Result<String, Failure> {
    let helm = helm_binary();
    let run = run_helm(&helm, args).map_err(Failure)?;
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    if run.code == 0 {
        eprint!("{stderr}");
        return Ok(stdout);
    }
    print!("{stdout}");
    let (before, message) = match stderr.find("Error: ") {
        Some(i) if i == 0 || stderr.as_bytes()[i - 1] == b'\n' => (
            &stderr[..i],
            stderr[i + "Error: ".len()..].trim_end_matches('\n'),
        ),
        _ => (stderr.as_str(), "helm template failed"),
    };
    eprint!("{before}");
    Err(Failure(message.to_owned()))
}

/// A temporary file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(data: &[u8]) -> Result<TempFile, Failure> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("rudder-values-{}-{nanos}.yaml", std::process::id()));
        std::fs::write(&path, data)?;
        Ok(TempFile(path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
