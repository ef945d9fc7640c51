//! Chart errors, each printing helm's own message.

use crate::compat::Compat;
use crate::error::ErrorKind;

/// helm's fixed size limit for a whole decompressed archive (100 MiB).
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// helm's fixed size limit for one file of a chart (5 MiB).
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// A chart that cannot be loaded, validated or packaged. `Display` is the
/// text helm prints after `Error: ` (for the helm version the error was
/// made for, where the two differ).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// A file-system operation failed; the text is Go's `*PathError`
    /// (`stat x: no such file or directory`).
    #[error("{0}")]
    Io(String),
    /// An archive path names a directory.
    #[error("cannot load a directory")]
    IsDirectory,
    /// The first 512 bytes are not gzip and the name ends `.yaml`/`.yml`.
    #[error("file '{0}' seems to be a YAML file, but expected a gzipped archive")]
    YamlNotArchive(String),
    /// The first 512 bytes are not gzip.
    #[error("file '{path}' does not appear to be a gzipped archive; got '{content_type}'")]
    NotGzip {
        /// The path as given.
        path: String,
        /// What Go's `http.DetectContentType` makes of the bytes.
        content_type: String,
    },
    /// The gzip header is bad (`gzip: invalid header`), for a named file.
    #[error("file '{path}' does not appear to be a valid chart file (details: {detail})")]
    InvalidChartFile {
        /// The path as given.
        path: String,
        /// Go's gzip error text.
        detail: String,
    },
    /// A gzip or tar stream error (Go's text: `unexpected EOF`,
    /// `gzip: invalid header`, `archive/tar: invalid tar header`, ...).
    #[error("{0}")]
    Stream(String),
    /// An entry with an absolute path.
    #[error("chart illegally contains absolute paths")]
    AbsolutePath,
    /// An entry directly at the archive root.
    #[error("chart illegally contains content outside the base directory: {0:?}")]
    OutsideBase(String),
    /// An entry reaching above the chart directory.
    #[error("chart illegally references parent directory")]
    ParentDirectory,
    /// An entry named like a Windows drive path.
    #[error("chart contains illegally named files")]
    IllegalName,
    /// The archive's total size is over 100 MiB (v3 and v4 word it
    /// differently).
    #[error("decompressed chart is larger than the maximum {} {MAX_DECOMPRESSED_CHART_SIZE}", if *.0 == Compat::V3 { "file size" } else { "size" })]
    ArchiveTooLarge(Compat),
    /// One archive entry is over 5 MiB.
    #[error(
        "decompressed chart file {0:?} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}"
    )]
    ArchiveFileTooLarge(String),
    /// One file of a chart directory is over 5 MiB (its base name).
    #[error("chart file {0:?} is larger than the maximum file size {MAX_DECOMPRESSED_FILE_SIZE}")]
    FileTooLarge(String),
    /// A device, socket or other non-regular file in a chart directory.
    #[error("cannot load irregular file {0} as it has file mode type bits set")]
    IrregularFile(String),
    /// An archive without a single file.
    #[error("no files in chart archive")]
    NoFiles,
    /// No `Chart.yaml`.
    #[error("Chart.yaml file is missing")]
    ChartYamlMissing,
    /// helm v4's generic directory loader found no `Chart.yaml`.
    #[error("unable to detect chart at {path}: {detail}")]
    UnableToDetect {
        /// `<abs dir>/Chart.yaml`.
        path: String,
        /// Go's error text (`open ...: no such file or directory`).
        detail: String,
    },
    /// helm v4's generic archive loader found no `Chart.yaml`.
    #[error("unable to detect chart version, no Chart.yaml found")]
    NoChartVersion,
    /// helm v4's generic loader met an apiVersion other than v1, v2, v3.
    #[error("unsupported chart version")]
    UnsupportedVersion,
    /// A chart file does not parse (`cannot load Chart.yaml: ...`).
    #[error("cannot load {file}: {detail}")]
    CannotLoad {
        /// `Chart.yaml`, `values.yaml`, `Chart.lock`, ...
        file: String,
        /// The YAML or JSON error text.
        detail: String,
    },
    /// `Chart.yaml` fails validation.
    #[error("validation: {0}")]
    Validation(String),
    /// A subchart archive under `charts/` is not where its name says.
    #[error("error unpacking subchart tar in {parent}: expected {expected}, got {got}")]
    SubchartTar {
        /// The parent chart's name.
        parent: String,
        /// The expected name.
        expected: String,
        /// The name found.
        got: String,
    },
    /// A subchart under `charts/` failed to load.
    #[error("error unpacking subchart {sub} in {parent}: {source}")]
    Subchart {
        /// The directory or archive name under `charts/`.
        sub: String,
        /// The parent chart's name.
        parent: String,
        /// Why.
        source: Box<ChartError>,
    },
    /// A `.helmignore` rule is invalid.
    #[error("{0}")]
    Helmignore(String),
    /// A file of a chart directory cannot be read.
    #[error("error reading {name}: {detail}")]
    Read {
        /// The chart-relative name.
        name: String,
        /// Go's error text.
        detail: String,
    },
    /// A symbolic link in a chart directory cannot be resolved.
    #[error("error evaluating symlink {path}: {detail}")]
    Symlink {
        /// The link's path.
        path: String,
        /// Go's error text.
        detail: String,
    },
    /// Dependencies declared in `Chart.yaml` are missing from `charts/`.
    #[error("{0}")]
    MissingDependencies(String),
    /// `values.schema.json` is not valid JSON (`helm package`).
    #[error("{}", if *.0 == Compat::V3 { "Invalid JSON in values.schema.json" } else { "invalid JSON in values.schema.json" })]
    InvalidSchema(Compat),
    /// Something else, worded by the caller (packaging, writing files).
    #[error("{0}")]
    Other(String),
}

impl ChartError {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ChartError::Io(m) if m.ends_with("no such file or directory") => ErrorKind::NotFound,
            ChartError::UnableToDetect { .. } => ErrorKind::NotFound,
            _ => ErrorKind::InvalidInput,
        }
    }

    /// Whether helm v4's install, upgrade and template would print this
    /// error as `unable to load chart archive`: every failure reading the
    /// archive's entries (paths, sizes, tar and gzip stream errors), but
    /// not the gzip header check nor anything about the chart's content.
    pub fn is_archive_error(&self) -> bool {
        matches!(
            self,
            ChartError::Stream(_)
                | ChartError::AbsolutePath
                | ChartError::OutsideBase(_)
                | ChartError::ParentDirectory
                | ChartError::IllegalName
                | ChartError::ArchiveTooLarge(_)
                | ChartError::ArchiveFileTooLarge(_)
                | ChartError::NoFiles
        )
    }

    /// The message helm's install/upgrade/template print for this error
    /// when the chart came from an archive: helm v4 collapses archive
    /// errors (see [`ChartError::is_archive_error`]) into `unable to load
    /// chart archive`; helm v3 prints the detail.
    pub fn install_message(&self, compat: Compat) -> String {
        if compat == Compat::V4 && self.is_archive_error() {
            "unable to load chart archive".to_string()
        } else {
            self.to_string()
        }
    }
}

/// Go's `*PathError` text for an I/O error: `<op> <path>: <reason>`, with
/// the reason worded like Go's `syscall.Errno` strings.
pub fn go_path_error(op: &str, path: &str, e: &std::io::Error) -> String {
    format!("{op} {path}: {}", go_errno_text(e))
}

/// Go's text for an OS error (`no such file or directory`, ...).
pub fn go_errno_text(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "no such file or directory".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::IsADirectory => "is a directory".to_string(),
        K::NotADirectory => "not a directory".to_string(),
        _ => {
            // Rust appends ` (os error N)`; Go prints the strerror text in
            // lower case.
            let s = e.to_string();
            let s = match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            };
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}
