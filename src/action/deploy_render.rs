//! The render steps `template`, `install`, `upgrade` and `diff upgrade`
//! share (helm's `ProcessDependencies`, `ToRenderValuesWithSchemaValidation`,
//! the chart's `kubeVersion` check and `renderResources`), and, for the
//! actions that talk to a cluster, the capabilities from discovery and
//! `lookup` answered from the cluster while the render runs on its own
//! big-stack thread.

use std::rc::Rc;

use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, Progress, ServerInfo};
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::render::capabilities::{Capabilities, HelmVersion, KubeVersion};
use crate::render::manifest::{AssembleOptions, Assembled, assemble};
use crate::render::{Lookup, ReleaseInfo, RenderOptions};
use crate::values::dependencies::{DependencyWarning, WarningKind, process_dependencies_warn};
use crate::values::{coalesce_values, schema};

use super::ActionError;
use super::template::{EnvSource, PostRenderer, TemplateError};

/// `ProcessDependencies`: drops disabled subcharts and imports values;
/// helm's warnings for non-bool conditions and tags go to `log`.
///
/// # Errors
///
/// helm's dependency errors.
pub(crate) fn process_dependencies(
    chart: &mut Chart,
    user: &Values,
    compat: Compat,
    log: &mut dyn FnMut(&str),
) -> Result<(), TemplateError> {
    let mut warnings = Vec::new();
    let deps = process_dependencies_warn(chart, user, compat, &mut warnings);
    for w in &warnings {
        log(&dependency_warning_line(w, compat));
    }
    if let Err(e) = deps {
        let text = e.to_string();
        if compat == Compat::V4 {
            let prefix = "chart dependencies processing failed: ";
            let inner = text.strip_prefix(prefix).unwrap_or(&text);
            log(&slog_error("chart dependencies processing failed", inner));
        }
        return Err(TemplateError::Input(text));
    }
    Ok(())
}

/// The values templates see under `.Values`: the chart's defaults
/// coalesced with `user`, checked against the chart's schemas unless
/// `skip_schema`.
///
/// # Errors
///
/// helm's coalescing and schema errors.
pub(crate) fn render_values(
    chart: &Chart,
    user: &Values,
    compat: Compat,
    skip_schema: bool,
) -> Result<Values, TemplateError> {
    let values =
        coalesce_values(chart, user, compat).map_err(|e| TemplateError::Input(e.to_string()))?;
    if !skip_schema {
        schema::validate(chart, &values).map_err(|e| TemplateError::Input(e.to_string()))?;
    }
    Ok(values)
}

/// The chart's `kubeVersion` constraint against the Kubernetes version
/// rendered for.
///
/// # Errors
///
/// helm's `chart requires kubeVersion: ...` message.
pub(crate) fn check_kube_version(
    chart: &Chart,
    caps: &Capabilities,
    compat: Compat,
) -> Result<(), TemplateError> {
    let constraint = &chart.metadata.kube_version;
    if constraint.is_empty()
        || crate::values::dependencies::is_compatible_range(constraint, caps.kube_version.string())
    {
        return Ok(());
    }
    let shown = match compat {
        Compat::V3 => caps.kube_version.string().to_owned(),
        Compat::V4 => caps.kube_version.version.clone(),
    };
    Err(TemplateError::Render {
        message: format!(
            "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {shown}"
        ),
        raw: String::new(),
    })
}

/// What one render needs besides the chart and the values.
#[derive(Clone, Debug)]
pub(crate) struct RenderSetup {
    /// Which helm to imitate.
    pub compat: Compat,
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `.Capabilities`.
    pub capabilities: Capabilities,
    /// Sprig's randomness and clock.
    pub env: EnvSource,
    /// `getHostByName` resolves only with `--enable-dns`.
    pub enable_dns: bool,
    /// How the rendered files become manifest, hooks and notes.
    pub assemble: AssembleOptions,
}

/// Renders and assembles on a big-stack thread (blocking the caller).
/// `lookup` answers the `lookup` function; `None` makes it return empty
/// maps.
///
/// # Errors
///
/// helm's render and assembly errors.
pub(crate) fn render_assembled(
    chart: &Chart,
    values: &Values,
    setup: &RenderSetup,
    lookup: Option<Box<dyn Lookup + Send>>,
) -> Result<Assembled, TemplateError> {
    let rendered = crate::render::on_big_stack(|| {
        let lookup: Option<Rc<dyn Lookup>> = lookup.map(|b| {
            let b: Box<dyn Lookup> = b;
            Rc::from(b)
        });
        let render_opts = RenderOptions {
            compat: setup.compat,
            release: setup.release.clone(),
            capabilities: setup.capabilities.clone(),
            strict: false,
            lookup,
            env: setup.env.env(),
            enable_dns: setup.enable_dns,
        };
        crate::render::render(chart, values, &render_opts)
    })
    .map_err(|message| TemplateError::Render {
        message,
        raw: String::new(),
    })??;
    assemble(rendered, chart, &setup.assemble).map_err(|e| {
        let raw = match &e {
            crate::render::manifest::ManifestError::Yaml { raw, .. } => raw.clone(),
        };
        TemplateError::Render {
            message: e.to_string(),
            raw,
        }
    })
}

/// The line helm logs for a non-bool dependency condition or tag.
fn dependency_warning_line(w: &DependencyWarning, compat: Compat) -> String {
    match compat {
        Compat::V3 => w.v3_line(),
        Compat::V4 => {
            let key = match w.kind {
                WarningKind::Condition => "path",
                WarningKind::Tag => "tag",
            };
            format!(
                "level=WARN msg=\"returned non-bool value\" {key}={} chart={}",
                crate::render::hooks::slog_value(&w.key),
                crate::render::hooks::slog_value(&w.chart)
            )
        }
    }
}

/// helm v4's `slog` text line for `Logger().Error(msg, "error", err)`.
pub(crate) fn slog_error(msg: &str, err: &str) -> String {
    format!(
        "level=ERROR msg={} error={}",
        crate::render::hooks::slog_value(msg),
        crate::render::hooks::slog_value(err)
    )
}

/// helm's `getCapabilities` from what the server said.
pub fn cluster_capabilities(info: &ServerInfo, compat: Compat) -> Capabilities {
    Capabilities {
        // helm keeps the server's gitVersion as is (no normalised form).
        kube_version: KubeVersion {
            version: info.git_version.clone(),
            normalized: String::new(),
            major: info.major.clone(),
            minor: info.minor.clone(),
        },
        api_versions: info.api_versions.clone(),
        helm_version: HelmVersion::pinned(compat),
    }
}

/// What install, upgrade and the upgrade plan render with.
#[derive(Clone, Debug)]
pub struct DeployRender {
    /// Which helm to imitate.
    pub compat: Compat,
    /// `.Release`.
    pub release: ReleaseInfo,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--render-subchart-notes`.
    pub subchart_notes: bool,
    /// `--hide-secret`.
    pub hide_secret: bool,
    /// `--enable-dns`.
    pub enable_dns: bool,
    /// Sprig's randomness and clock.
    pub env: EnvSource,
    /// `--post-renderer`.
    pub post_renderer: Option<PostRenderer>,
    /// Ask the cluster for capabilities and answer `lookup` from it
    /// (false for client dry runs: helm's defaults, empty lookups).
    pub use_cluster: bool,
}

/// A rendered release.
#[derive(Debug)]
pub struct RenderedRelease {
    /// The chart after dependency processing (what the record stores).
    pub chart: Chart,
    /// Manifest, hooks, notes and the chart's CRDs.
    pub assembled: Assembled,
}

/// One `lookup` call handed from the render thread to the async side.
struct LookupCall {
    args: [String; 4],
    reply: tokio::sync::oneshot::Sender<Result<Option<GoValue>, String>>,
}

/// [`Lookup`] on the render thread: each call is answered by the task
/// awaiting the render.
struct ChannelLookup {
    tx: tokio::sync::mpsc::UnboundedSender<LookupCall>,
}

impl Lookup for ChannelLookup {
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Option<GoValue>, String> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let call = LookupCall {
            args: [
                api_version.to_owned(),
                kind.to_owned(),
                namespace.to_owned(),
                name.to_owned(),
            ],
            reply,
        };
        self.tx
            .send(call)
            .map_err(|_| "lookup: the cluster is gone".to_owned())?;
        answer
            .blocking_recv()
            .map_err(|_| "lookup: the cluster did not answer".to_owned())?
    }
}

fn action_error(e: TemplateError) -> ActionError {
    match e {
        TemplateError::Io(m) => ActionError::Failed(m),
        other => ActionError::Invalid(other.to_string()),
    }
}

/// helm's `ProcessDependencies` for install and upgrade (before CRDs are
/// installed and the render): disabled subcharts dropped, values
/// imported; warnings go to `progress`.
///
/// # Errors
///
/// helm's dependency errors, as [`ActionError::Invalid`].
pub fn prepare_chart(
    mut chart: Chart,
    user: &Values,
    compat: Compat,
    progress: &dyn Progress,
) -> Result<Chart, ActionError> {
    let mut logs = Vec::new();
    let done = process_dependencies(&mut chart, user, compat, &mut |l| logs.push(l.to_owned()));
    for l in &logs {
        progress.note(l);
    }
    done.map_err(action_error)?;
    Ok(chart)
}

/// helm's render for install and upgrade of a chart [`prepare_chart`]
/// processed: values, schema,
/// capabilities (from the cluster unless a client dry run), the
/// `kubeVersion` check, the render with `lookup` answered from the
/// cluster, assembly and the post-renderer. Runs the render on its own
/// thread so `lookup` can be answered here without blocking the runtime.
///
/// # Errors
///
/// helm's messages, as [`ActionError::Invalid`].
pub async fn render_release<C: Cluster>(
    cluster: &C,
    chart: Chart,
    user: &Values,
    setup: &DeployRender,
    progress: &dyn Progress,
) -> Result<RenderedRelease, ActionError> {
    let compat = setup.compat;
    if setup.post_renderer.is_some() && compat == Compat::V4 {
        return Err(ActionError::Invalid(
            "helm v4 post-renderer plugins are not supported".into(),
        ));
    }
    let caps = if setup.use_cluster {
        let info = cluster.server_info().await?;
        cluster_capabilities(&info, compat)
    } else {
        Capabilities::defaults(compat)
    };
    let values =
        render_values(&chart, user, compat, setup.skip_schema_validation).map_err(action_error)?;
    check_kube_version(&chart, &caps, compat).map_err(action_error)?;
    let render_setup = RenderSetup {
        compat,
        release: setup.release.clone(),
        capabilities: caps,
        env: setup.env,
        enable_dns: setup.enable_dns,
        assemble: AssembleOptions {
            compat,
            subchart_notes: setup.subchart_notes,
            include_crds: false,
            hide_secret: setup.hide_secret,
        },
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<LookupCall>();
    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
    let use_cluster = setup.use_cluster;
    let thread = std::thread::Builder::new()
        .name("deploy-render".into())
        .spawn(move || {
            let lookup: Option<Box<dyn Lookup + Send>> = if use_cluster {
                Some(Box::new(ChannelLookup { tx }))
            } else {
                drop(tx);
                None
            };
            let out = render_assembled(&chart, &values, &render_setup, lookup);
            let _ = done_tx.send((chart, out));
        })
        .map_err(|e| ActionError::Failed(format!("cannot start the render thread: {e}")))?;
    let (chart, out) = loop {
        tokio::select! {
            Some(call) = rx.recv() => {
                let [api, kind, ns, name] = &call.args;
                let answer = cluster
                    .lookup(api, kind, ns, name)
                    .await
                    .map(|o| o.map(|v| GoValue::from_unstructured(&v)))
                    .map_err(|e| e.to_string());
                let _ = call.reply.send(answer);
            }
            done = &mut done_rx => {
                break done.map_err(|_| ActionError::Failed("the render thread panicked".into()))?;
            }
        }
    };
    let _ = thread.join();
    let mut assembled = out.map_err(action_error)?;
    for l in &assembled.logs {
        progress.note(l);
    }
    if let Some(pr) = &setup.post_renderer {
        assembled.manifest =
            super::template::run_post_renderer(pr, &assembled.manifest).map_err(action_error)?;
    }
    Ok(RenderedRelease { chart, assembled })
}
