//! `helm package`: a chart directory into `<name>-<version>.tgz`, laid out
//! as helm's `chartutil.Save` writes it.
//!
//! - gzip at Go's default level, header FLG = FEXTRA|FCOMMENT, MTIME 0,
//!   OS 255, comment `Helm`, and helm's extra field (v3: 41 bytes of
//!   text; v4: the same behind an RFC 1952 subfield header `rr\x28\x00`);
//!   the deflate stream itself differs from Go's, so compare the tars;
//! - USTAR entries, regular files only (no directories), mode 0644, uid
//!   and gid 0, no user or group names, mtimes rounded to the second: v3
//!   the time of packaging; v4 each file's own time (`Chart.lock`: its
//!   `generated`), the time of packaging when zero;
//! - order: `Chart.yaml` re-serialised from the metadata (keys sorted,
//!   comments lost; a v1 chart without `dependencies`), `Chart.lock`
//!   (apiVersion v2 only, re-serialised), `values.yaml` (original bytes),
//!   `values.schema.json` (must be valid JSON), templates, other files,
//!   then every subchart expanded under `charts/<name>/`, recursively.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::compat::Compat;
use crate::gojson::GoTime;
use crate::output::yaml::to_yaml;

use super::error::{ChartError, go_path_error};
use super::load::load_for_install_reporting;
use super::model::Chart;
use super::record::{lock_value, metadata_value};

/// helm v3's gzip extra field.
const EXTRA_V3: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";
/// helm v4's gzip extra field: a subfield header, then v3's text.
const EXTRA_V4: &[u8] = b"rr\x28\x00aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

/// What `helm package` may change before saving.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageOptions {
    /// `--version`: the chart version to write.
    pub version: Option<String>,
    /// `--app-version`: the appVersion to write.
    pub app_version: Option<String>,
    /// `-d/--destination` (helm's default is the working directory).
    pub destination: PathBuf,
}

/// Packages the chart directory `dir` as `helm package` does and returns
/// the archive's path (the destination joined with the file name); helm's
/// stderr lines from loading go to `warnings`.
///
/// # Errors
///
/// [`ChartError`] with helm's message: loading, `--version` not a
/// version, missing dependencies, an invalid schema, writing.
pub fn package_dir(
    dir: &Path,
    opts: &PackageOptions,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<PathBuf, ChartError> {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| ChartError::Io(go_path_error("getwd", ".", &e)))?
            .join(dir)
    };
    let meta = std::fs::metadata(&abs)
        .map_err(|e| ChartError::Io(go_path_error("stat", &dir.to_string_lossy(), &e)))?;
    if !meta.is_dir() {
        // helm's directory loader reads nothing from a file: no Chart.yaml.
        return Err(match compat {
            Compat::V3 => ChartError::ChartYamlMissing,
            Compat::V4 => {
                let p = abs.join("Chart.yaml").to_string_lossy().into_owned();
                ChartError::UnableToDetect {
                    detail: format!("open {p}: not a directory"),
                    path: p,
                }
            }
        });
    }
    let mut chart = load_for_install_reporting(&abs, compat, warnings)?;
    if compat == Compat::V4 && chart.metadata.api_version == "v3" {
        // helm v4 loads apiVersion v3 charts as its chart v3 type, which
        // `package` does not accept.
        return Err(ChartError::Other("invalid chart apiVersion".into()));
    }
    if let Some(v) = opts.version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.version = v.to_string();
    }
    if crate::semver::Version::parse(&chart.metadata.version).is_err() {
        return Err(ChartError::Other("invalid semantic version".into()));
    }
    if let Some(v) = opts.app_version.as_deref().filter(|v| !v.is_empty()) {
        chart.metadata.app_version = v.to_string();
    }
    super::dependencies::check_missing(&chart)
        .map_err(|missing| ChartError::MissingDependencies(missing.to_string()))?;
    package(&chart, &opts.destination, compat)
}

/// Writes a loaded chart as `<dest>/<name>-<version>.tgz` (creating
/// `dest`), as helm's `chartutil.Save`, and returns that path.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn package(chart: &Chart, dest: &Path, compat: Compat) -> Result<PathBuf, ChartError> {
    let mut md = chart.metadata.clone();
    super::validate::validate(&mut md)
        .map_err(|e| ChartError::Other(format!("failed to save: chart validation: {e}")))?;
    let file = dest.join(format!(
        "{}-{}.tgz",
        chart.metadata.name, chart.metadata.version
    ));
    match std::fs::metadata(dest) {
        Ok(m) if !m.is_dir() => {
            return Err(ChartError::Other(format!(
                "failed to save: is not a directory: {}",
                dest.display()
            )));
        }
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(dest).map_err(|e| {
            ChartError::Other(format!(
                "failed to save: {}",
                go_path_error("mkdir", &dest.to_string_lossy(), &e)
            ))
        })?,
    }
    let bytes = archive_bytes(chart, compat, GoTime::now())
        .map_err(|e| ChartError::Other(format!("failed to save: {e}")))?;
    std::fs::write(&file, bytes).map_err(|e| {
        ChartError::Other(format!(
            "failed to save: {}",
            go_path_error("open", &file.to_string_lossy(), &e)
        ))
    })?;
    Ok(file)
}

/// The `.tgz` bytes of a chart, `now` standing for the time of packaging.
///
/// # Errors
///
/// [`ChartError::InvalidSchema`] for a schema that is not JSON, or a
/// write failure.
pub fn archive_bytes(chart: &Chart, compat: Compat, now: GoTime) -> Result<Vec<u8>, ChartError> {
    let mut tar = tar::Builder::new(Vec::new());
    write_chart(&mut tar, chart, "", compat, now)?;
    let tar_bytes = tar
        .into_inner()
        .map_err(|e| ChartError::Other(e.to_string()))?;
    let extra = if compat == Compat::V3 {
        EXTRA_V3
    } else {
        EXTRA_V4
    };
    let mut gz = flate2::GzBuilder::new()
        .extra(extra.to_vec())
        .comment("Helm")
        .operating_system(255)
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar_bytes)
        .map_err(|e| ChartError::Other(e.to_string()))?;
    gz.finish().map_err(|e| ChartError::Other(e.to_string()))
}

fn write_chart(
    tar: &mut tar::Builder<Vec<u8>>,
    chart: &Chart,
    prefix: &str,
    compat: Compat,
    now: GoTime,
) -> Result<(), ChartError> {
    let base = if prefix.is_empty() {
        chart.metadata.name.clone()
    } else {
        format!("{prefix}/{}", chart.metadata.name)
    };
    let mtime = |t: Option<&GoTime>| match compat {
        Compat::V3 => now,
        Compat::V4 => t.copied().unwrap_or(now),
    };
    let mut md = chart.metadata.clone();
    if md.api_version == "v1" {
        md.dependencies.clear();
    }
    let chart_yaml = to_yaml(&metadata_value(&md)).map_err(|e| ChartError::Other(e.to_string()))?;
    add(
        tar,
        &format!("{base}/Chart.yaml"),
        chart_yaml.as_bytes(),
        mtime(chart.mod_time.as_ref()),
    )?;
    if md.api_version == "v2"
        && let Some(lock) = &chart.lock
    {
        let lock_yaml = to_yaml(&lock_value(lock)).map_err(|e| ChartError::Other(e.to_string()))?;
        add(
            tar,
            &format!("{base}/Chart.lock"),
            lock_yaml.as_bytes(),
            mtime(lock.generated.as_ref()),
        )?;
    }
    for f in chart.raw.iter().filter(|f| f.name == "values.yaml") {
        add(
            tar,
            &format!("{base}/values.yaml"),
            &f.data,
            mtime(f.mod_time.as_ref()),
        )?;
    }
    if let Some(schema) = &chart.schema {
        if serde_json::from_slice::<serde::de::IgnoredAny>(schema).is_err() {
            return Err(ChartError::InvalidSchema(compat));
        }
        add(
            tar,
            &format!("{base}/values.schema.json"),
            schema,
            mtime(chart.schema_mod_time.as_ref()),
        )?;
    }
    for f in chart.templates.iter().chain(chart.files.iter()) {
        add(
            tar,
            &format!("{base}/{}", f.name),
            &f.data,
            mtime(f.mod_time.as_ref()),
        )?;
    }
    for dep in &chart.dependencies {
        write_chart(tar, dep, &format!("{base}/charts"), compat, now)?;
    }
    Ok(())
}

/// One regular-file entry as Go's `tar.Writer` writes helm's headers.
fn add(
    tar: &mut tar::Builder<Vec<u8>>,
    name: &str,
    data: &[u8],
    mtime: GoTime,
) -> Result<(), ChartError> {
    let mut h = tar::Header::new_ustar();
    h.set_mode(0o644);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(data.len() as u64);
    h.set_mtime(rounded_seconds(&mtime));
    h.set_entry_type(tar::EntryType::Regular);
    let _ = h.set_device_major(0);
    let _ = h.set_device_minor(0);
    tar.append_data(&mut h, name, data)
        .map_err(|e| ChartError::Other(format!("failed to save: {e}")))
}

/// Go's `ModTime.Round(time.Second)` as Unix seconds (negative times,
/// which tar cannot hold in USTAR, become 0).
fn rounded_seconds(t: &GoTime) -> u64 {
    let ns = t.timestamp().as_nanosecond();
    let secs = (ns + 500_000_000).div_euclid(1_000_000_000);
    u64::try_from(secs).unwrap_or(0)
}
