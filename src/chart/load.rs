//! Loading a chart from a directory, a `.tgz` file or archive bytes, as
//! helm's chart loader does (v3 `pkg/chart/loader`, v4
//! `pkg/chart/v2/loader` and, for install/upgrade/template/package, v4's
//! version-dispatching `pkg/chart/loader`).
//!
//! The functions without a `Compat` argument load as helm v4 does; the
//! `_as` variants take the helm version to imitate (value documents,
//! error wording, Go type names in decode errors).

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::compat::Compat;
use crate::gojson::GoTime;
use crate::gojson::yaml;

use super::decode::{self, DecodedMetadata};
use super::error::{
    ChartError, MAX_DECOMPRESSED_CHART_SIZE, MAX_DECOMPRESSED_FILE_SIZE, go_errno_text,
    go_path_error,
};
use super::helmignore::{HELM_IGNORE, Rules};
use super::model::{Chart, File};
use super::validate;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A file read from a chart directory or archive, before classification.
#[derive(Clone, Debug, PartialEq)]
pub struct BufferedFile {
    /// The chart-relative name, `/`-separated.
    pub name: String,
    /// The contents, a UTF-8 BOM stripped.
    pub data: Vec<u8>,
    /// The file's (or tar entry's) modification time.
    pub mod_time: Option<GoTime>,
}

/// Loads a chart from a directory or an archive file, as helm v4's
/// `show` and `dependency` commands do.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load(path: &Path) -> Result<Chart, ChartError> {
    load_as(path, Compat::V4)
}

/// [`load`] imitating the given helm version.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_as(path: &Path, compat: Compat) -> Result<Chart, ChartError> {
    let mut warnings = Vec::new();
    let c = load_reporting(path, compat, &mut warnings);
    log_warnings(&warnings);
    c
}

/// [`load_as`], collecting the lines helm prints on stderr while loading
/// (symbolic links followed, `requirements.yaml` in a v2 chart) in
/// `warnings`, worded as helm `compat` prints them.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_reporting(
    path: &Path,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Chart, ChartError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| ChartError::Io(go_path_error("stat", &path.to_string_lossy(), &e)))?;
    if meta.is_dir() {
        load_dir_reporting(path, compat, warnings)
    } else {
        load_archive_reporting(path, compat, warnings)
    }
}

fn log_warnings(warnings: &[String]) {
    for w in warnings {
        tracing::warn!("{w}");
    }
}

/// A line of helm's log on stderr: v3's standard logger with the source
/// file and line, v4's `slog` text handler at INFO.
fn helm_log(compat: Compat, v3_source: &str, message: &str, attrs: &[(&str, &str)]) -> String {
    match compat {
        Compat::V3 => format!("{v3_source}: {message}"),
        Compat::V4 => {
            let mut line = format!("level=INFO msg={}", slog_value(message));
            for (k, v) in attrs {
                line.push_str(&format!(" {k}={}", slog_value(v)));
            }
            line
        }
    }
}

/// slog's text handler quotes a value that is empty or holds a space,
/// `=`, `"` or a non-printable character.
fn slog_value(v: &str) -> String {
    let needs = v.is_empty()
        || v.chars()
            .any(|c| c.is_whitespace() || c == '=' || c == '"' || c.is_control());
    if needs {
        format!("{v:?}")
    } else {
        v.to_string()
    }
}

/// Loads a chart the way helm's install, upgrade, template and package
/// do. Under helm v3 this is [`load_as`]. helm v4 first checks the
/// chart's apiVersion: a directory without `Chart.yaml` is `unable to
/// detect chart at ...`, an apiVersion other than `v1`, `v2`, `v3` or
/// empty is `unsupported chart version`; and it collapses archive errors,
/// which callers print with [`ChartError::install_message`].
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_for_install(path: &Path, compat: Compat) -> Result<Chart, ChartError> {
    let mut warnings = Vec::new();
    let c = load_for_install_reporting(path, compat, &mut warnings);
    log_warnings(&warnings);
    c
}

/// [`load_for_install`], collecting helm's stderr lines (see
/// [`load_reporting`]).
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_for_install_reporting(
    path: &Path,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Chart, ChartError> {
    if compat == Compat::V3 {
        return load_reporting(path, compat, warnings);
    }
    let meta = std::fs::metadata(path)
        .map_err(|e| ChartError::Io(go_path_error("stat", &path.to_string_lossy(), &e)))?;
    if meta.is_dir() {
        let top = absolute(path);
        let chart_yaml = top.join("Chart.yaml");
        let shown = chart_yaml.to_string_lossy().into_owned();
        let data = std::fs::read(&chart_yaml).map_err(|e| ChartError::UnableToDetect {
            path: shown.clone(),
            detail: go_path_error("open", &shown, &e),
        })?;
        check_api_version(&data)?;
        load_dir_reporting(path, compat, warnings)
    } else {
        let name = path.to_string_lossy().into_owned();
        let raw =
            std::fs::read(path).map_err(|e| ChartError::Io(go_path_error("open", &name, &e)))?;
        ensure_archive(&name, &raw)?;
        let files = match archive_files(&raw, compat) {
            Ok(f) => f,
            Err(e) => return Err(wrap_header_error(&name, e)),
        };
        match files.iter().find(|f| f.name == "Chart.yaml") {
            Some(f) => check_api_version(&f.data)?,
            None => return Err(ChartError::NoChartVersion),
        }
        load_files_reporting(files, compat, warnings)
    }
}

fn check_api_version(data: &[u8]) -> Result<(), ChartError> {
    let cannot = |detail: String| ChartError::CannotLoad {
        file: "Chart.yaml".into(),
        detail,
    };
    let value = yaml::from_slice(data).map_err(|e| cannot(e.to_string()))?;
    let api = decode::api_version(&value).map_err(|e| cannot(json_error(&e)))?;
    match api.as_str() {
        "v1" | "v2" | "" | "v3" => Ok(()),
        _ => Err(ChartError::UnsupportedVersion),
    }
}

/// Loads a chart directory as helm v4 does.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_dir(dir: &Path) -> Result<Chart, ChartError> {
    load_dir_as(dir, Compat::V4)
}

/// Loads a chart directory: `.helmignore` honoured (only the top
/// directory's), files walked in byte order, symbolic links followed.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_dir_as(dir: &Path, compat: Compat) -> Result<Chart, ChartError> {
    let mut warnings = Vec::new();
    let c = load_dir_reporting(dir, compat, &mut warnings);
    log_warnings(&warnings);
    c
}

fn load_dir_reporting(
    dir: &Path,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Chart, ChartError> {
    let files = dir_files_reporting(dir, compat, warnings)?;
    load_files_reporting(files, compat, warnings)
}

/// The files of a chart directory as helm's directory loader reads them,
/// `.helmignore` applied.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn dir_files(dir: &Path) -> Result<Vec<BufferedFile>, ChartError> {
    let mut warnings = Vec::new();
    let files = dir_files_reporting(dir, Compat::V4, &mut warnings);
    log_warnings(&warnings);
    files
}

fn dir_files_reporting(
    dir: &Path,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Vec<BufferedFile>, ChartError> {
    let top = absolute(dir);
    let mut rules = Rules::empty();
    let ignore_file = top.join(HELM_IGNORE);
    if ignore_file.exists() {
        let data = std::fs::read(&ignore_file).map_err(|e| {
            ChartError::Io(go_path_error("open", &ignore_file.to_string_lossy(), &e))
        })?;
        rules = Rules::parse(&data).map_err(|e| ChartError::Helmignore(e.to_string()))?;
    }
    rules.add_defaults();
    let mut files = Vec::new();
    let mut walker = Walker {
        rules: &rules,
        files: &mut files,
        compat,
        warnings,
    };
    walker.walk_dir(&top, "")?;
    Ok(files)
}

struct Walker<'a> {
    rules: &'a Rules,
    files: &'a mut Vec<BufferedFile>,
    compat: Compat,
    warnings: &'a mut Vec<String>,
}

impl Walker<'_> {
    /// Visits the entries of `path` (a directory, maybe reached through a
    /// link), whose chart-relative name is `rel` (empty for the top).
    fn walk_dir(&mut self, path: &Path, rel: &str) -> Result<(), ChartError> {
        let shown = path.to_string_lossy().into_owned();
        let rd = std::fs::read_dir(path)
            .map_err(|e| ChartError::Io(go_path_error("open", &shown, &e)))?;
        let mut names: Vec<std::ffi::OsString> = Vec::new();
        for entry in rd {
            let entry =
                entry.map_err(|e| ChartError::Io(go_path_error("readdirent", &shown, &e)))?;
            names.push(entry.file_name());
        }
        // Go's sort.Strings: byte order.
        names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
        for name in names {
            let child = path.join(&name);
            let name = name.to_string_lossy();
            let child_rel = if rel.is_empty() {
                name.to_string()
            } else {
                format!("{rel}/{name}")
            };
            self.visit(&child, &child_rel)?;
        }
        Ok(())
    }

    fn visit(&mut self, path: &Path, rel: &str) -> Result<(), ChartError> {
        let shown = path.to_string_lossy().into_owned();
        let mut meta = std::fs::symlink_metadata(path)
            .map_err(|e| ChartError::Io(go_path_error("lstat", &shown, &e)))?;
        let mut base_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if meta.file_type().is_symlink() {
            let resolved = std::fs::canonicalize(path).map_err(|e| ChartError::Symlink {
                path: shown.clone(),
                detail: go_errno_text(&e),
            })?;
            let resolved_text = resolved.to_string_lossy().into_owned();
            self.warnings.push(match self.compat {
                Compat::V3 => helm_log(
                    self.compat,
                    "walk.go:75",
                    &format!("found symbolic link in path: {shown} resolves to {resolved_text}. Contents of linked file included and used"),
                    &[],
                ),
                Compat::V4 => helm_log(
                    self.compat,
                    "",
                    "found symbolic link in path. Contents of linked file included and used",
                    &[("path", &shown), ("resolved", &resolved_text)],
                ),
            });
            meta = std::fs::symlink_metadata(&resolved).map_err(|e| {
                ChartError::Io(go_path_error("lstat", &resolved.to_string_lossy(), &e))
            })?;
            base_name = resolved
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        if meta.is_dir() {
            if self.rules.ignore(rel, true) {
                return Ok(());
            }
            return self.walk_dir(path, rel);
        }
        if self.rules.ignore(rel, false) {
            return Ok(());
        }
        if !meta.file_type().is_file() {
            return Err(ChartError::IrregularFile(shown));
        }
        if meta.len() > MAX_DECOMPRESSED_FILE_SIZE {
            return Err(ChartError::FileTooLarge(base_name));
        }
        let data = std::fs::read(path).map_err(|e| ChartError::Read {
            name: rel.to_string(),
            detail: go_path_error("open", &shown, &e),
        })?;
        let data = strip_bom(data);
        let mod_time = meta.modified().ok().and_then(system_time_to_go);
        self.files.push(BufferedFile {
            name: rel.to_string(),
            data,
            mod_time,
        });
        Ok(())
    }
}

fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(UTF8_BOM) {
        data.drain(..UTF8_BOM.len());
    }
    data
}

/// A file time as Go's `time.Time` in the local zone (nanoseconds kept).
fn system_time_to_go(t: std::time::SystemTime) -> Option<GoTime> {
    let ts = jiff::Timestamp::try_from(t).ok()?;
    Some(go_local(ts))
}

fn go_local(ts: jiff::Timestamp) -> GoTime {
    let offset = crate::gojson::time::go_local_zone().to_offset(ts);
    if offset == jiff::tz::Offset::UTC {
        GoTime::utc(ts)
    } else {
        GoTime::with_offset(ts, offset)
    }
}

fn absolute(p: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // filepath.Abs cleans the path lexically.
    PathBuf::from(go_clean(&joined.to_string_lossy()))
}

/// Loads a chart archive file as helm v4 does.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_archive(path: &Path) -> Result<Chart, ChartError> {
    load_archive_as(path, Compat::V4)
}

/// Loads a chart archive file: the first 512 bytes must look like gzip,
/// then the entries are read with helm's path checks and size limits.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_archive_as(path: &Path, compat: Compat) -> Result<Chart, ChartError> {
    let mut warnings = Vec::new();
    let c = load_archive_reporting(path, compat, &mut warnings);
    log_warnings(&warnings);
    c
}

fn load_archive_reporting(
    path: &Path,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Chart, ChartError> {
    let name = path.to_string_lossy().into_owned();
    let meta =
        std::fs::metadata(path).map_err(|e| ChartError::Io(go_path_error("stat", &name, &e)))?;
    if meta.is_dir() {
        return Err(ChartError::IsDirectory);
    }
    let raw = std::fs::read(path).map_err(|e| ChartError::Io(go_path_error("open", &name, &e)))?;
    ensure_archive(&name, &raw)?;
    let files = archive_files(&raw, compat).map_err(|e| wrap_header_error(&name, e))?;
    load_files_reporting(files, compat, warnings).map_err(|e| wrap_header_error(&name, e))
}

fn wrap_header_error(name: &str, e: ChartError) -> ChartError {
    match e {
        ChartError::Stream(s) if s == "gzip: invalid header" => ChartError::InvalidChartFile {
            path: name.to_string(),
            detail: s,
        },
        other => other,
    }
}

/// Loads a chart from archive bytes (a pulled or downloaded `.tgz`), as
/// helm v4 does.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_archive_bytes(bytes: &[u8]) -> Result<Chart, ChartError> {
    load_archive_bytes_as(bytes, Compat::V4)
}

/// Loads a chart from archive bytes (no content sniffing, as helm's
/// `LoadArchive`).
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_archive_bytes_as(bytes: &[u8], compat: Compat) -> Result<Chart, ChartError> {
    let files = archive_files(bytes, compat)?;
    load_files(files, compat)
}

/// helm's `ensureArchive`: the first 512 bytes (zero-padded, as helm
/// passes its whole buffer) must sniff as gzip.
///
/// # Errors
///
/// [`ChartError::YamlNotArchive`] or [`ChartError::NotGzip`].
pub fn ensure_archive(name: &str, raw: &[u8]) -> Result<(), ChartError> {
    let mut buffer = [0u8; 512];
    let n = raw.len().min(512);
    buffer[..n].copy_from_slice(&raw[..n]);
    let content_type = detect_content_type(&buffer);
    if content_type != "application/x-gzip" && !buffer.starts_with(b"\x1F\x8B\x08") {
        if name.ends_with(".yml") || name.ends_with(".yaml") {
            return Err(ChartError::YamlNotArchive(name.to_string()));
        }
        return Err(ChartError::NotGzip {
            path: name.to_string(),
            content_type: content_type.to_string(),
        });
    }
    Ok(())
}

/// The common cases of Go's `http.DetectContentType`.
pub fn detect_content_type(data: &[u8]) -> &'static str {
    let ws = |b: u8| matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ');
    let first_non_ws = data.iter().position(|b| !ws(*b)).unwrap_or(data.len());
    let trimmed = &data[first_non_ws..];
    let html_tags: &[&[u8]] = &[
        b"<!DOCTYPE HTML",
        b"<HTML",
        b"<HEAD",
        b"<SCRIPT",
        b"<IFRAME",
        b"<H1",
        b"<DIV",
        b"<FONT",
        b"<TABLE",
        b"<A",
        b"<STYLE",
        b"<TITLE",
        b"<B",
        b"<BODY",
        b"<BR",
        b"<P",
        b"<!--",
    ];
    for tag in html_tags {
        if trimmed.len() > tag.len()
            && trimmed[..tag.len()].eq_ignore_ascii_case(tag)
            && matches!(trimmed[tag.len()], b' ' | b'>')
        {
            return "text/html; charset=utf-8";
        }
    }
    if trimmed.starts_with(b"<?xml") {
        return "text/xml; charset=utf-8";
    }
    let exact: &[(&[u8], &str)] = &[
        (b"%PDF-", "application/pdf"),
        (b"%!PS-Adobe-", "application/postscript"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"\x89PNG\x0D\x0A\x1A\x0A", "image/png"),
        (b"\xFF\xD8\xFF", "image/jpeg"),
        (b"BM", "image/bmp"),
        (b"\x00\x00\x01\x00", "image/x-icon"),
        (b"\x1F\x8B\x08", "application/x-gzip"),
        (b"PK\x03\x04", "application/zip"),
        (b"Rar!\x1A\x07\x00", "application/x-rar-compressed"),
        (b"Rar!\x1A\x07\x01\x00", "application/x-rar-compressed"),
        (b"\x00\x61\x73\x6D", "application/wasm"),
        (b"\xFE\xFF", "text/plain; charset=utf-16be"),
        (b"\xFF\xFE", "text/plain; charset=utf-16le"),
        (b"\xEF\xBB\xBF", "text/plain; charset=utf-8"),
    ];
    for (sig, ct) in exact {
        if data.starts_with(sig) {
            return ct;
        }
    }
    if data.len() >= 8 && &data[4..8] == b"ftyp" {
        return "video/mp4";
    }
    let binary = data[first_non_ws..]
        .iter()
        .any(|b| matches!(b, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F));
    if binary {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Reads the entries of a gzipped tar archive with helm's checks: the
/// first path component dropped, absolute paths, `..` and drive names
/// refused, 100 MiB in all and 5 MiB per file, BOMs stripped.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn archive_files(bytes: &[u8], compat: Compat) -> Result<Vec<BufferedFile>, ChartError> {
    if !bytes.starts_with(b"\x1F\x8B") || bytes.len() < 10 || bytes[2] != 8 {
        return Err(ChartError::Stream(if bytes.len() < 10 {
            if bytes.is_empty() {
                "EOF"
            } else {
                "unexpected EOF"
            }
            .to_string()
        } else {
            "gzip: invalid header".to_string()
        }));
    }
    let gz = flate2::read::MultiGzDecoder::new(bytes);
    let mut archive = tar::Archive::new(gz);
    let entries = archive.entries().map_err(stream_error)?;
    let mut files = Vec::new();
    let mut remaining: i128 = i128::from(MAX_DECOMPRESSED_CHART_SIZE);
    for entry in entries {
        let mut entry = entry.map_err(stream_error)?;
        let header_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || header_name.ends_with('/') {
            continue;
        }
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let delimiter = if header_name.contains('\\') {
            '\\'
        } else {
            '/'
        };
        let parts: Vec<&str> = header_name.split(delimiter).collect();
        let joined = parts[1..].join("/");
        if joined.starts_with('/') {
            return Err(ChartError::AbsolutePath);
        }
        let n = go_clean(&joined);
        if n == "." {
            return Err(ChartError::OutsideBase(header_name));
        }
        if n.starts_with("..") {
            return Err(ChartError::ParentDirectory);
        }
        let nb = n.as_bytes();
        if nb.len() >= 3 && nb[0].is_ascii_alphabetic() && nb[1] == b':' && nb[2] == b'/' {
            return Err(ChartError::IllegalName);
        }
        if parts[0] == "Chart.yaml" {
            return Err(ChartError::Other("chart yaml not in base directory".into()));
        }
        let size = i128::from(entry.header().size().map_err(stream_error)?);
        if size > remaining {
            return Err(ChartError::ArchiveTooLarge(compat));
        }
        if size > i128::from(MAX_DECOMPRESSED_FILE_SIZE) {
            return Err(ChartError::ArchiveFileTooLarge(header_name));
        }
        let mut data = Vec::new();
        let limit = u64::try_from(remaining).unwrap_or(0);
        let written = (&mut entry)
            .take(limit)
            .read_to_end(&mut data)
            .map_err(stream_error)?;
        remaining -= written as i128;
        if (written as i128) < size || remaining <= 0 {
            return Err(ChartError::ArchiveTooLarge(compat));
        }
        let mtime = entry.header().mtime().ok().and_then(|s| {
            let secs = i64::try_from(s).ok()?;
            jiff::Timestamp::from_second(secs).ok().map(go_local)
        });
        files.push(BufferedFile {
            name: n,
            data: strip_bom(data),
            mod_time: mtime,
        });
    }
    if files.is_empty() {
        return Err(ChartError::NoFiles);
    }
    Ok(files)
}

/// Go's wording for gzip and tar stream failures.
fn stream_error(e: std::io::Error) -> ChartError {
    use std::io::ErrorKind as K;
    let text = match e.kind() {
        K::UnexpectedEof => "unexpected EOF".to_string(),
        _ => {
            let s = e.to_string();
            if s.contains("checksum") || s.contains("crc") {
                "gzip: invalid checksum".to_string()
            } else if s.contains("deflate") || s.contains("corrupt") {
                "flate: corrupt input".to_string()
            } else if s.contains("invalid gzip header") {
                "gzip: invalid header".to_string()
            } else {
                "archive/tar: invalid tar header".to_string()
            }
        }
    };
    ChartError::Stream(text)
}

/// Go's `path.Clean`.
pub fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn json_error(e: &str) -> String {
    format!("error unmarshaling JSON: while decoding JSON: {e}")
}

/// Builds a chart from loaded files (helm's `LoadFiles`): `Chart.yaml`
/// first, then the other fixed names, templates, subcharts and files.
///
/// # Errors
///
/// [`ChartError`] with helm's message.
pub fn load_files(files: Vec<BufferedFile>, compat: Compat) -> Result<Chart, ChartError> {
    let mut warnings = Vec::new();
    let c = load_files_reporting(files, compat, &mut warnings);
    log_warnings(&warnings);
    c
}

fn load_files_reporting(
    files: Vec<BufferedFile>,
    compat: Compat,
    warnings: &mut Vec<String>,
) -> Result<Chart, ChartError> {
    let cannot = |file: &str, detail: String| ChartError::CannotLoad {
        file: file.to_string(),
        detail,
    };
    let mut c = Chart {
        values_null: true,
        ..Default::default()
    };
    let mut md: Option<DecodedMetadata> = None;
    for f in &files {
        c.raw.push(File {
            name: f.name.clone(),
            data: f.data.clone(),
            mod_time: f.mod_time,
        });
        if f.name == "Chart.yaml" {
            let d = md.get_or_insert_with(DecodedMetadata::default);
            let value =
                yaml::from_slice(&f.data).map_err(|e| cannot("Chart.yaml", e.to_string()))?;
            decode::metadata_into(&value, d, compat)
                .map_err(|e| cannot("Chart.yaml", json_error(&e)))?;
            if d.metadata.api_version.is_empty() {
                d.metadata.api_version = "v1".into();
            }
            c.mod_time = f.mod_time;
        }
    }
    let mut subcharts: BTreeMap<String, Vec<BufferedFile>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for f in files {
        let file = |f: &BufferedFile| File {
            name: f.name.clone(),
            data: f.data.clone(),
            mod_time: f.mod_time,
        };
        match f.name.as_str() {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                let value =
                    yaml::from_slice(&f.data).map_err(|e| cannot(&f.name, e.to_string()))?;
                c.lock =
                    decode::lock(&value, compat).map_err(|e| cannot(&f.name, json_error(&e)))?;
                if f.name == "requirements.lock" {
                    let d = md.get_or_insert_with(DecodedMetadata::default);
                    if d.metadata.api_version != "v1" {
                        warnings.push(helm_log(
                            compat,
                            "load.go:138",
                            "Warning: Dependency locking is handled in Chart.lock since apiVersion \"v2\". We recommend migrating to Chart.lock.",
                            &[],
                        ));
                    } else {
                        c.files.push(file(&f));
                    }
                }
            }
            "values.yaml" => {
                load_values(&mut c, &f.data, compat)?;
            }
            "values.schema.json" => {
                c.schema = Some(f.data.clone());
                c.schema_mod_time = f.mod_time;
            }
            "requirements.yaml" => {
                let d = md.get_or_insert_with(DecodedMetadata::default);
                if d.metadata.api_version != "v1" {
                    warnings.push(helm_log(
                        compat,
                        "load.go:120",
                        "Warning: Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml.",
                        &[],
                    ));
                }
                let value =
                    yaml::from_slice(&f.data).map_err(|e| cannot(&f.name, e.to_string()))?;
                decode::metadata_into(&value, d, compat)
                    .map_err(|e| cannot(&f.name, json_error(&e)))?;
                if d.metadata.api_version == "v1" {
                    c.files.push(file(&f));
                }
            }
            name if name.starts_with("templates/") => c.templates.push(file(&f)),
            name if name.starts_with("charts/") => {
                if extension(name) == ".prov" {
                    c.files.push(file(&f));
                    continue;
                }
                let rest = &name["charts/".len()..];
                let cname = rest.split('/').next().unwrap_or_default().to_string();
                if !subcharts.contains_key(&cname) {
                    order.push(cname.clone());
                }
                subcharts.entry(cname).or_default().push(BufferedFile {
                    name: rest.to_string(),
                    data: f.data,
                    mod_time: f.mod_time,
                });
            }
            _ => c.files.push(file(&f)),
        }
    }
    let Some(mut md) = md else {
        return Err(ChartError::ChartYamlMissing);
    };
    validate::validate_decoded(&mut md)?;
    c.metadata = md.metadata;
    // helm walks a Go map here, in no fixed order; rudder takes the
    // order of first appearance (byte order for directories).
    for n in order {
        let Some(files) = subcharts.remove(&n) else {
            continue;
        };
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sub = if extension(&n) == ".tgz" {
            let first = &files[0];
            if first.name != n {
                return Err(ChartError::SubchartTar {
                    parent: c.metadata.name.clone(),
                    expected: n.clone(),
                    got: first.name.clone(),
                });
            }
            archive_files(&first.data, compat)
                .and_then(|f| load_files_reporting(f, compat, warnings))
        } else {
            let buff: Vec<BufferedFile> = files
                .into_iter()
                .filter_map(|mut f| {
                    let (_, rest) = f.name.split_once('/')?;
                    f.name = rest.to_string();
                    Some(f)
                })
                .collect();
            load_files_reporting(buff, compat, warnings)
        };
        match sub {
            Ok(s) => c.dependencies.push(s),
            Err(e) => {
                return Err(ChartError::Subchart {
                    sub: n,
                    parent: c.metadata.name.clone(),
                    source: Box::new(e),
                });
            }
        }
    }
    Ok(c)
}

/// `filepath.Ext`.
fn extension(name: &str) -> &str {
    let base_start = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    match name[base_start..].rfind('.') {
        Some(i) => &name[base_start + i..],
        None => "",
    }
}

/// `values.yaml`: helm v3 reads the first YAML document; helm v4 reads
/// every document and deep-merges them. An empty file gives `{}` with
/// both (only a chart without `values.yaml` has nil values).
fn load_values(c: &mut Chart, data: &[u8], compat: Compat) -> Result<(), ChartError> {
    let cannot = |detail: String| ChartError::CannotLoad {
        file: "values.yaml".into(),
        detail,
    };
    if compat == Compat::V3 {
        let value = yaml::from_slice(data).map_err(|e| cannot(e.to_string()))?;
        // An empty document leaves Go's map as it was made: empty, not nil.
        c.values = decode::values(&value)
            .map_err(|e| cannot(json_error(&e)))?
            .unwrap_or_default();
        c.values_null = false;
        return Ok(());
    }
    let merged = yaml::from_slice_documents(data).map_err(|e| cannot(e.to_string()))?;
    c.values = merged;
    c.values_null = false;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        assert_eq!(go_clean(""), ".");
        assert_eq!(go_clean("a/../.."), "..");
        assert_eq!(go_clean("a//b/./c/"), "a/b/c");
        assert_eq!(go_clean("/../a"), "/a");
    }

    fn tgz(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write as _;
        let mut tar = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_ustar();
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_mode(0o644);
            h.set_size(data.len() as u64);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            tar.append(&h, *data).unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar.into_inner().unwrap()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn archive_entries_checked_like_helm() {
        let err = |entries: &[(&str, &[u8])]| {
            archive_files(&tgz(entries), Compat::V3)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[("c/../../x", b"x")]),
            "chart illegally references parent directory"
        );
        assert_eq!(
            err(&[("c//x", b"x")]),
            "chart illegally contains absolute paths"
        );
        assert_eq!(
            err(&[("Chart.yaml", b"x")]),
            "chart illegally contains content outside the base directory: \"Chart.yaml\""
        );
        assert_eq!(
            err(&[("c/C:/x", b"x")]),
            "chart contains illegally named files"
        );
        let files = archive_files(
            &tgz(&[
                ("any-top/Chart.yaml", b"\xEF\xBB\xBFname: x\n"),
                ("t\\a\\b", b"y"),
            ]),
            Compat::V4,
        )
        .unwrap();
        assert_eq!(files[0].name, "Chart.yaml");
        assert_eq!(files[0].data, b"name: x\n");
        assert_eq!(files[1].name, "a/b");
        assert_eq!(
            archive_files(b"\x1f\x8b\x08", Compat::V4)
                .unwrap_err()
                .to_string(),
            "unexpected EOF"
        );
        assert_eq!(
            archive_files(b"PK\x03\x04 not gzip at all", Compat::V4)
                .unwrap_err()
                .to_string(),
            "gzip: invalid header"
        );
    }

    #[test]
    fn sniffing_pads_to_512_bytes() {
        // A short text file is zero-padded, so it sniffs as binary.
        assert!(matches!(
            ensure_archive("x.tgz", b"hello"),
            Err(ChartError::NotGzip { content_type, .. }) if content_type == "application/octet-stream"
        ));
        assert!(matches!(
            ensure_archive("x.yaml", b"a: b"),
            Err(ChartError::YamlNotArchive(_))
        ));
        let long = vec![b'a'; 600];
        assert!(matches!(
            ensure_archive("x", &long),
            Err(ChartError::NotGzip { content_type, .. }) if content_type == "text/plain; charset=utf-8"
        ));
    }
}
