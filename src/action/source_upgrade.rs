//! Upgrading a release from its chart's source: the versions the source
//! offers, what an upgrade to one of them would change (values and
//! manifest diffs, nothing written), and the upgrade itself.
//!
//! Helm records no chart source; the source is the one the availability
//! rules choose ([`crate::upgrades`]). The front ends (`rudder ui`'s
//! upgrade modal, `rudder serve`'s upgrade routes) only gather the request
//! and show the answers.

use crate::action::ActionError;
use crate::action::deploy::DeployOutcome;
use crate::action::diff::unified::diff_lines;
use crate::action::diff::{Comparison, Selection, TextStyle, compare_releases, upgrade_pair};
use crate::action::redact::{redact_json_values, release_secret_values};
use crate::action::upgrade::{UpgradeOptions, upgrade};
use crate::chart::model::{Chart, Values};
use crate::cluster::{Cluster, Progress};
use crate::compat::Compat;
use crate::release::Release;
use crate::repo::HelmPaths;
use crate::storage::{Driver, Storage};
use crate::upgrades::fetch::{DEFAULT_OCI_CACHE_TTL, SourceOptions};
use crate::upgrades::{self, InstalledChart, Policy};

/// Where charts come from, for availability checks and upgrades: helm's
/// repositories and registry configuration, plus OCI prefixes.
#[derive(Clone, Debug)]
pub struct ChartSources {
    /// The repositories and OCI prefixes to look in.
    pub options: SourceOptions,
    /// helm's files (repository cache, content cache, registry config).
    pub paths: HelmPaths,
}

impl ChartSources {
    /// The sources helm's files at `paths` name (as `rudder ui` and
    /// `rudder serve` use them), OCI tag lists cached for
    /// [`DEFAULT_OCI_CACHE_TTL`].
    pub fn from_paths(paths: &HelmPaths) -> ChartSources {
        ChartSources {
            options: SourceOptions {
                repository_config: paths.repository_config.clone(),
                repository_cache: paths.repository_cache.clone(),
                registry_config: paths.registry_config.clone(),
                oci_cache_ttl: Some(DEFAULT_OCI_CACHE_TTL),
                ..SourceOptions::default()
            },
            paths: paths.clone(),
        }
    }
}

/// Why a source upgrade (or its plan, or the versions list) failed.
#[derive(Debug, thiserror::Error)]
pub enum SourceUpgradeError {
    /// No source could be chosen for the chart, or none could be read.
    #[error("{0}")]
    Source(String),
    /// The chart (or the asked version of it) could not be fetched.
    #[error("{0}")]
    Fetch(String),
    /// The fetched chart does not load.
    #[error("{0}")]
    Chart(String),
    /// The given values are not valid YAML (or not a map).
    #[error("{0}")]
    Values(String),
    /// The upgrade (or its rendering) failed.
    #[error(transparent)]
    Action(#[from] ActionError),
    /// The diff could not be made.
    #[error("{0}")]
    Diff(String),
    /// A background task ended abnormally.
    #[error("{0}")]
    Task(String),
}

/// The versions a release can go to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versions {
    /// Where they come from, as shown (the repository's name, or the
    /// `oci://` reference).
    pub source: String,
    /// The chart reference that fetches them (`repo/chart`, `oci://...`).
    pub reference: String,
    /// Newest first.
    pub versions: Vec<String>,
}

/// An upgrade from a chart source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceUpgrade {
    /// The chart's name (it names the target in the diff's header).
    pub chart: String,
    /// The chart reference to fetch (`repo/chart`, `oci://...`).
    pub reference: String,
    /// The chart version (empty: the newest stable one).
    pub version: String,
    /// Custom values, YAML text (blank: none).
    pub values: String,
}

/// What an upgrade would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpgradePreview {
    /// The user values' diff (empty when equal).
    pub values_diff: String,
    /// The objects' diff, as `rudder diff` prints it.
    pub manifest_diff: String,
}

/// The versions the chosen source offers for `installed`'s chart, newest
/// first.
///
/// # Errors
///
/// [`SourceUpgradeError::Source`] when no single source has the chart or
/// the sources cannot be read.
pub async fn available_versions(
    sources: &ChartSources,
    installed: InstalledChart,
) -> Result<Versions, SourceUpgradeError> {
    let options = sources.options.clone();
    let chart = installed.chart.clone();
    let found = on_blocking(move || async move {
        upgrades::versions::available_versions(&installed, &options, Policy::default()).await
    })
    .await
    .map_err(|e| SourceUpgradeError::Task(e.to_string()))?
    .map_err(SourceUpgradeError::Source)?;
    Ok(Versions {
        source: found.source.label().to_string(),
        reference: upgrades::versions::chart_reference(&found.source, &chart),
        versions: found.versions,
    })
}

/// The user values a text stands for, as `-f` would read it from a file.
struct EditedValues<'a>(&'a str);

/// The path the edited values are read under (it names them in errors).
const EDITED: &str = "(edited values)";

impl crate::values::options::ValueReader for EditedValues<'_> {
    fn read(&self, _path: &str) -> Result<Vec<u8>, String> {
        Ok(self.0.as_bytes().to_vec())
    }
}

/// Parses `text` as `-f` parses a values file (blank: no values).
///
/// # Errors
///
/// [`SourceUpgradeError::Values`] with the parser's message.
pub fn parse_values(text: &str, compat: Compat) -> Result<Values, SourceUpgradeError> {
    let value_files = if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![EDITED.to_string()]
    };
    crate::values::options::ValueOptions {
        value_files,
        ..Default::default()
    }
    .merge(&EditedValues(text), compat)
    .map_err(|e| SourceUpgradeError::Values(e.to_string()))
}

/// Fetches and loads the chart `req` names, and parses its values.
///
/// # Errors
///
/// The values do not parse, the chart cannot be fetched, or it does not
/// load.
pub async fn chart_and_values(
    sources: &ChartSources,
    compat: Compat,
    req: &SourceUpgrade,
) -> Result<(Chart, Values), SourceUpgradeError> {
    // Values first: a typo there is cheaper to report than a download.
    let user = parse_values(&req.values, compat)?;
    let opts = crate::repo::LocateOptions {
        paths: Some(sources.paths.clone()),
        compat,
        version: req.version.clone(),
        ..Default::default()
    };
    let located = crate::repo::locate(&req.reference, &opts)
        .await
        .map_err(|e| SourceUpgradeError::Fetch(e.to_string()))?;
    let path = located.path;
    let chart = tokio::task::spawn_blocking(move || {
        let mut warnings = Vec::new();
        crate::chart::load::load_for_install_reporting(&path, compat, &mut warnings)
            .map_err(|e| e.install_message(compat))
    })
    .await
    .map_err(|e| SourceUpgradeError::Task(e.to_string()))?
    .map_err(SourceUpgradeError::Chart)?;
    Ok((chart, user))
}

/// What upgrading `name` as `req` says would change; nothing is written.
/// With `mask`, Secrets' data in the manifest diff and the values that
/// flow into Secrets in the values diff read `REDACTED`.
///
/// # Errors
///
/// As [`chart_and_values`], and the upgrade's own errors (unknown release,
/// templates that do not render).
pub async fn plan_upgrade<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    sources: &ChartSources,
    name: &str,
    req: &SourceUpgrade,
    options: &UpgradeOptions,
    mask: bool,
) -> Result<UpgradePreview, SourceUpgradeError> {
    let (chart, user) = chart_and_values(sources, options.deploy.compat, req).await?;
    let (from, to) = upgrade_pair(storage, cluster, name, chart, &user, options).await?;
    let to_label = format!("chart {}", target_label(&req.chart, &req.version));
    Ok(UpgradePreview {
        values_diff: values_diff(&from, &to, mask),
        manifest_diff: manifest_diff(&from, &to, to_label, mask)?,
    })
}

/// Upgrades `name` as `req` asks.
///
/// # Errors
///
/// As [`chart_and_values`], and the upgrade's own errors.
pub async fn upgrade_from_source<D: Driver, C: Cluster>(
    storage: &Storage<D>,
    cluster: &C,
    sources: &ChartSources,
    name: &str,
    req: &SourceUpgrade,
    options: &UpgradeOptions,
    progress: &dyn Progress,
) -> Result<DeployOutcome, SourceUpgradeError> {
    let (chart, user) = chart_and_values(sources, options.deploy.compat, req).await?;
    Ok(upgrade(storage, cluster, name, chart, &user, options, progress).await?)
}

/// `chart version` as messages name an upgrade's target (`nginx 1.3.0`;
/// the chart alone when no version was chosen).
pub fn target_label(chart: &str, version: &str) -> String {
    if version.is_empty() {
        chart.to_string()
    } else {
        format!("{chart} {version}")
    }
}

/// The user values of `rel` as YAML (empty for none), with the values
/// that flow into its Secrets masked when `mask`.
fn user_values_yaml(rel: &Release, mask: bool) -> String {
    let Ok(mut config) = rel.config_value() else {
        return String::new();
    };
    if mask {
        redact_json_values(&mut config, &release_secret_values(rel));
    }
    let v = crate::present::get::config_go_value(rel, &config);
    let text = crate::present::encode_yaml(&v).unwrap_or_default();
    // No user values print as `null`; in a diff they are nothing.
    if text.trim() == "null" {
        String::new()
    } else {
        text
    }
}

/// The user values' diff between two revisions (empty when equal); with
/// `mask`, each side's values that flow into its Secrets read `REDACTED`.
pub fn values_diff(old: &Release, new: &Release, mask: bool) -> String {
    let (a, b) = (user_values_yaml(old, mask), user_values_yaml(new, mask));
    if a == b {
        return String::new();
    }
    diff_lines(&a, &b, Some(3))
        .iter()
        .map(|l| format!("{}\n", l.plain()))
        .collect()
}

/// The objects' diff between two revisions, as `rudder diff` prints it
/// (Secrets' data masked with `mask`).
///
/// # Errors
///
/// A manifest does not parse.
pub fn manifest_diff(
    old: &Release,
    new: &Release,
    to: String,
    mask: bool,
) -> Result<String, SourceUpgradeError> {
    let objects = compare_releases(old, new, Selection::default(), !mask)
        .map_err(|e| SourceUpgradeError::Diff(e.to_string()))?;
    let c = Comparison {
        release: new.name.clone(),
        namespace: new.namespace.clone(),
        from: format!("revision {}", old.version),
        to,
        objects,
    };
    Ok(c.text(TextStyle {
        context: Some(3),
        color: false,
    }))
}

/// Runs `fut` to completion on a blocking thread of the runtime: the chart
/// source lookups hold borrows across awaits that keep their futures from
/// being `Send`, so they cannot be spawned as tasks.
pub fn on_blocking<T, F, Fut>(make: F) -> tokio::task::JoinHandle<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = T>,
    T: Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn rel(version: i64, config: &str, password: &str) -> Release {
        let mut r = Release::default();
        r.name = "r".into();
        r.namespace = "ns".into();
        r.version = version;
        r.config = Some(serde_json::value::RawValue::from_string(config.into()).unwrap());
        r.manifest = format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  pw: {password:?}\n"
        );
        r
    }

    #[test]
    fn values_diff_masks_what_flows_into_each_sides_secrets() {
        let old = rel(1, r#"{"msg":"a","pw":"old-pw"}"#, "old-pw");
        let new = rel(2, r#"{"msg":"b","pw":"new-pw"}"#, "new-pw");
        let masked = values_diff(&old, &new, true);
        assert_eq!(
            masked,
            "@@ -1,2 +1,2 @@\n- msg: a\n+ msg: b\n  pw: REDACTED\n"
        );
        let shown = values_diff(&old, &new, false);
        assert!(
            shown.contains("- pw: old-pw") && shown.contains("+ pw: new-pw"),
            "{shown}"
        );
    }

    #[test]
    fn no_user_values_diff_as_nothing() {
        let mut a = rel(1, "{}", "x");
        a.config = None;
        let b = a.clone();
        assert_eq!(values_diff(&a, &b, true), "");
    }

    #[test]
    fn target_label_names_the_version_when_chosen() {
        assert_eq!(target_label("web", ""), "web");
        assert_eq!(target_label("web", "1.2.0"), "web 1.2.0");
    }
}
