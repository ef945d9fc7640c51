//! A repository's `index.yaml` (helm's `repo.IndexFile`): strict parsing,
//! helm's clean-up on load (invalid entries dropped with a warning, each
//! chart's versions sorted newest first), version lookup, URL resolution,
//! and writing as `helm repo index` does.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use crate::chart::decode::{DEPENDENCY_FIELDS, MAINTAINER_FIELDS, METADATA_FIELDS};
use crate::chart::model::{Dependency, Maintainer, Metadata};
use crate::gojson::{GoTime, GoValue};
use crate::semver::{Constraints, Version};

use crate::gojson::decode::{self, Cx, DecodeError};

/// Why an index could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// An empty document.
    #[error("empty index.yaml file")]
    Empty,
    /// No `apiVersion`.
    #[error("no API version specified")]
    NoApiVersion,
    /// Bad YAML or JSON, or a field of the wrong type or unknown.
    #[error("{0}")]
    Syntax(String),
    /// The chart is not in the index.
    #[error("no chart name found")]
    NoChartName,
    /// The chart has no version at all.
    #[error("no chart version found")]
    NoChartVersion,
    /// No version matches.
    #[error("no chart version found for {name}-{version}")]
    NoMatch {
        /// The chart.
        name: String,
        /// The version or constraint asked for.
        version: String,
    },
    /// The version constraint does not parse.
    #[error("{0}")]
    Constraint(String),
}

/// One chart version in an index (helm's `repo.ChartVersion`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartVersion {
    /// The chart's metadata (`Chart.yaml` fields, inlined in the index).
    pub metadata: Metadata,
    /// Download URLs; the first is used.
    pub urls: Vec<String>,
    /// When the version was indexed (`None`: Go's zero time).
    pub created: Option<GoTime>,
    /// Whether the version was removed.
    pub removed: bool,
    /// The sha256 of the archive (hex).
    pub digest: String,
    /// Deprecated `checksum`.
    pub checksum: String,
    /// Deprecated `engine`.
    pub engine: String,
    /// Deprecated `tillerVersion`.
    pub tiller_version: String,
    /// Deprecated `url`.
    pub url: String,
    /// A `null` maintainer or dependency was read (fails validation).
    pub(crate) null_node: Option<&'static str>,
}

impl ChartVersion {
    /// The chart name.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The chart version.
    pub fn version(&self) -> &str {
        &self.metadata.version
    }
}

/// A repository index.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexFile {
    /// `apiVersion`.
    pub api_version: String,
    /// `generated` (`None`: Go's zero time).
    pub generated: Option<GoTime>,
    /// Versions by chart name, each list newest first once loaded.
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    /// `publicKeys`.
    pub public_keys: Vec<String>,
    /// `annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `serverInfo` (chartmuseum's), kept for writing back.
    pub server_info: BTreeMap<String, GoValue>,
}

/// An index as loaded, with the warnings helm logs while cleaning it.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The cleaned, sorted index.
    pub index: IndexFile,
    /// helm's warning messages (without its log prefix), in order.
    pub warnings: Vec<String>,
}

/// A version found by [`IndexFile::lookup`].
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    /// The version.
    pub version: &'a ChartVersion,
    /// A version (not a range) was asked for, none equals it exactly, and
    /// the newest match was taken (helm v4 logs a warning then).
    pub fell_back: bool,
}

/// A `ChartVersion`'s JSON field names: the embedded `Metadata`'s, then
/// its own.
static VERSION_FIELDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    [
        METADATA_FIELDS,
        &[
            "urls",
            "created",
            "removed",
            "digest",
            "checksum",
            "engine",
            "tillerVersion",
            "url",
        ],
    ]
    .concat()
});

impl IndexFile {
    /// A new index as `helm repo index` starts it.
    pub fn new() -> IndexFile {
        IndexFile {
            api_version: "v1".into(),
            generated: Some(GoTime::now()),
            ..IndexFile::default()
        }
    }

    /// Parses and cleans an index as helm's `loadIndex` does; `source`
    /// names it in warnings. JSON when the bytes are valid JSON (unknown
    /// fields ignored), else YAML with unknown fields refused.
    pub fn load_bytes(data: &[u8], source: &str) -> Result<Loaded, IndexError> {
        if data.is_empty() {
            return Err(IndexError::Empty);
        }
        let (value, strict) = match serde_json::from_slice::<serde_json::Value>(data) {
            Ok(v) => (GoValue::from_json(&v), false),
            Err(_) => (
                crate::gojson::yaml::from_slice(data)
                    .map_err(|e| IndexError::Syntax(e.to_string()))?,
                true,
            ),
        };
        let wrap = |e: DecodeError| {
            if strict {
                IndexError::Syntax(format!("error unmarshaling JSON: while decoding JSON: {e}"))
            } else {
                IndexError::Syntax(e.0)
            }
        };
        let raw = decode_index(&value, strict).map_err(wrap)?;
        let mut warnings = Vec::new();
        let mut index = raw.index;
        for (name, versions) in raw.entries {
            let mut kept: Vec<ChartVersion> = Vec::new();
            // helm walks each list backwards, so warnings come last first.
            for v in versions.into_iter().rev() {
                let Some(mut v) = v else {
                    warnings.push(format!(
                        "skipping loading invalid entry for chart {name:?} from {source}: empty entry"
                    ));
                    continue;
                };
                if v.metadata.api_version.is_empty() {
                    v.metadata.api_version = "v1".into();
                }
                match validate(&mut v) {
                    Ok(()) => kept.push(v),
                    Err(e) if e.starts_with("more than one dependency with name or alias") => {
                        kept.push(v)
                    }
                    Err(e) => warnings.push(format!(
                        "skipping loading invalid entry for chart {name:?} {:?} from {source}: validation: {e}",
                        v.metadata.version
                    )),
                }
            }
            kept.reverse();
            index.entries.insert(name, kept);
        }
        index.sort_entries();
        if index.api_version.is_empty() {
            return Err(IndexError::NoApiVersion);
        }
        Ok(Loaded { index, warnings })
    }

    /// helm's `LoadIndexFile`: errors say `error loading <path>: ...`.
    pub fn load(path: &Path) -> Result<Loaded, super::RepoError> {
        let data = std::fs::read(path)
            .map_err(|e| super::RepoError::Io(super::GoIoError::new("open", path, &e)))?;
        IndexFile::load_bytes(&data, &path.to_string_lossy()).map_err(|e| {
            super::RepoError::LoadIndex {
                path: path.to_path_buf(),
                source: e,
            }
        })
    }

    /// Sorts every chart's versions newest first (semver precedence; a
    /// stable sort, so equal precedences keep their order).
    pub fn sort_entries(&mut self) {
        for versions in self.entries.values_mut() {
            sort_versions(versions);
        }
    }

    /// helm's `IndexFile.Get`: an entry whose version string equals
    /// `version` wins; otherwise the first (newest) version satisfying the
    /// constraint (`*` when empty: stable versions only).
    pub fn lookup(&self, name: &str, version: &str) -> Result<Found<'_>, IndexError> {
        let versions = self.entries.get(name).ok_or(IndexError::NoChartName)?;
        if versions.is_empty() {
            return Err(IndexError::NoChartVersion);
        }
        let constraint = Constraints::parse(if version.is_empty() { "*" } else { version })
            .map_err(|e| IndexError::Constraint(e.to_string()))?;
        if !version.is_empty()
            && let Some(v) = versions.iter().find(|v| v.metadata.version == version)
        {
            return Ok(Found {
                version: v,
                fell_back: false,
            });
        }
        for v in versions {
            let Ok(parsed) = Version::parse(&v.metadata.version) else {
                continue;
            };
            if constraint.check(&parsed) {
                // helm v4 warns only when the request was itself a
                // version (`1.2`), not a range.
                return Ok(Found {
                    version: v,
                    fell_back: !version.is_empty() && Version::parse(version).is_ok(),
                });
            }
        }
        Err(IndexError::NoMatch {
            name: name.to_string(),
            version: version.to_string(),
        })
    }

    /// [`IndexFile::lookup`], the version only.
    pub fn get(&self, name: &str, version: &str) -> Result<&ChartVersion, IndexError> {
        self.lookup(name, version).map(|f| f.version)
    }

    /// Whether the index has `name` at exactly `version` (helm's `Has`,
    /// which goes through `Get`).
    pub fn has(&self, name: &str, version: &str) -> bool {
        self.get(name, version).is_ok()
    }

    /// helm's `Merge`: adds the versions of `other` this index lacks
    /// (by name and version), at the end of each list.
    pub fn merge(&mut self, other: &IndexFile) {
        for versions in other.entries.values() {
            for v in versions {
                if !self.has(&v.metadata.name, &v.metadata.version) {
                    self.entries
                        .entry(v.metadata.name.clone())
                        .or_default()
                        .push(v.clone());
                }
            }
        }
    }

    /// The index as Go values, with `encoding/json`'s field order.
    fn to_go(&self) -> GoValue {
        let mut b = GoValue::struct_builder();
        if !self.server_info.is_empty() {
            b = b.field("serverInfo", GoValue::Map(self.server_info.clone()));
        }
        b = b
            .field("apiVersion", self.api_version.as_str())
            .field("generated", decode::time_value(&self.generated))
            .field(
                "entries",
                GoValue::Map(
                    self.entries
                        .iter()
                        .map(|(k, vs)| {
                            (
                                k.clone(),
                                GoValue::Array(vs.iter().map(version_go).collect()),
                            )
                        })
                        .collect(),
                ),
            );
        if !self.public_keys.is_empty() {
            b = b.field(
                "publicKeys",
                GoValue::Array(self.public_keys.iter().map(GoValue::string).collect()),
            );
        }
        if !self.annotations.is_empty() {
            b = b.field(
                "annotations",
                GoValue::Map(
                    self.annotations
                        .iter()
                        .map(|(k, v)| (k.clone(), GoValue::string(v)))
                        .collect(),
                ),
            );
        }
        b.build()
    }

    /// The index as helm's `WriteFile` writes it (sigs.k8s.io/yaml:
    /// keys sorted).
    pub fn to_yaml(&self) -> Result<String, super::RepoError> {
        super::file::sorted_yaml(&self.to_go())
    }

    /// The index as helm's `WriteJSONFile` writes it
    /// (`json.MarshalIndent(i, "", "  ")`, no final newline).
    pub fn to_json(&self) -> Result<String, super::RepoError> {
        let compact = crate::gojson::json::to_json(&self.to_go())
            .map_err(|e| super::RepoError::Other(e.to_string()))?;
        Ok(crate::gojson::json::indent(compact.trim_end(), "  "))
    }
}

/// Sorts newest first by semver precedence; unparseable versions last.
pub(crate) fn sort_versions(versions: &mut [ChartVersion]) {
    versions.sort_by(|a, b| {
        match (
            Version::parse(&a.metadata.version),
            Version::parse(&b.metadata.version),
        ) {
            (Ok(x), Ok(y)) => y.cmp(&x),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => std::cmp::Ordering::Equal,
        }
    });
}

/// helm's URL rule for a chart: an absolute URL is used as is; a
/// relative one is resolved against the repository URL with a `/`
/// appended, and the repository URL's query string replaces the chart
/// URL's.
pub fn resolve_reference_url(base: &str, reference: &str) -> Result<String, String> {
    if let Ok(abs) = reqwest::Url::parse(reference)
        && !abs.cannot_be_a_base()
    {
        return Ok(reference.to_string());
    }
    let mut base_url =
        reqwest::Url::parse(base).map_err(|e| format!("failed to parse {base} as URL: {e}"))?;
    let query = base_url.query().map(str::to_string);
    let path = format!("{}/", base_url.path().trim_end_matches('/'));
    base_url.set_path(&path);
    let mut resolved = base_url
        .join(reference)
        .map_err(|e| format!("failed to parse {reference} as URL: {e}"))?;
    resolved.set_query(query.as_deref());
    Ok(resolved.to_string())
}

struct RawIndex {
    index: IndexFile,
    entries: Vec<(String, Vec<Option<ChartVersion>>)>,
}

fn decode_index(value: &GoValue, strict: bool) -> Result<RawIndex, DecodeError> {
    let cx = Cx::top("repo.IndexFile", strict).with_yaml(strict);
    let mut index = IndexFile::default();
    let mut entries = Vec::new();
    decode::object(
        value,
        &cx,
        "repo.IndexFile",
        &[
            "serverInfo",
            "apiVersion",
            "generated",
            "entries",
            "publicKeys",
            "annotations",
        ],
        |field, v| {
            let fcx = cx.field("IndexFile", field);
            match field {
                "serverInfo" => match v {
                    GoValue::Null => {}
                    GoValue::Map(m) => index.server_info = m.clone(),
                    other => return Err(fcx.type_error(other, "map[string]interface {}")),
                },
                "apiVersion" => index.api_version = decode::direct_string(v, &fcx)?,
                "generated" => index.generated = decode::time(v, &fcx)?,
                "publicKeys" => index.public_keys = decode::direct_strings(v, &fcx)?,
                "annotations" => index.annotations = decode::string_map(v, &fcx)?,
                _ => match v {
                    GoValue::Null => {}
                    GoValue::Map(m) => {
                        for (name, list) in m {
                            let items = match list {
                                GoValue::Null => Vec::new(),
                                GoValue::Array(items) => items
                                    .iter()
                                    .map(|i| match i {
                                        GoValue::Null => Ok(None),
                                        other => chart_version(other, &fcx).map(Some),
                                    })
                                    .collect::<Result<_, _>>()?,
                                other => return Err(fcx.type_error(other, "repo.ChartVersions")),
                            };
                            entries.push((name.clone(), items));
                        }
                    }
                    other => {
                        return Err(fcx.type_error(other, "map[string]repo.ChartVersions"));
                    }
                },
            }
            Ok(())
        },
    )?;
    Ok(RawIndex { index, entries })
}

fn chart_version(v: &GoValue, cx: &Cx) -> Result<ChartVersion, DecodeError> {
    let mut cv = ChartVersion::default();
    decode::object(v, cx, "repo.ChartVersion", &VERSION_FIELDS, |field, v| {
        // Fields of the embedded `*chart.Metadata` are named through it.
        let own = matches!(
            field,
            "urls"
                | "created"
                | "removed"
                | "digest"
                | "checksum"
                | "engine"
                | "tillerVersion"
                | "url"
        );
        let fcx = if own {
            cx.field("ChartVersion", field)
        } else {
            cx.field("ChartVersion", &format!("Metadata.{field}"))
        };
        let m = &mut cv.metadata;
        match field {
            "name" => m.name = decode::string(v, &fcx)?,
            "home" => m.home = decode::string(v, &fcx)?,
            "sources" => m.sources = decode::strings(v, &fcx)?,
            "version" => m.version = decode::string(v, &fcx)?,
            "description" => m.description = decode::string(v, &fcx)?,
            "keywords" => m.keywords = decode::strings(v, &fcx)?,
            "maintainers" => match v {
                GoValue::Null => {}
                GoValue::Array(items) => {
                    for item in items {
                        if *item == GoValue::Null {
                            cv.null_node = Some("maintainers must not contain empty or null nodes");
                            continue;
                        }
                        let mut mt = Maintainer::default();
                        decode::object(
                            item,
                            &fcx,
                            "chart.Maintainer",
                            MAINTAINER_FIELDS,
                            |f, v| {
                                let c = fcx.field("Maintainer", f);
                                let s = decode::string(v, &c)?;
                                match f {
                                    "name" => mt.name = s,
                                    "email" => mt.email = s,
                                    _ => mt.url = s,
                                }
                                Ok(())
                            },
                        )?;
                        m.maintainers.push(mt);
                    }
                }
                other => return Err(fcx.type_error(other, "[]*chart.Maintainer")),
            },
            "icon" => m.icon = decode::string(v, &fcx)?,
            "apiVersion" => m.api_version = decode::string(v, &fcx)?,
            "condition" => m.condition = decode::string(v, &fcx)?,
            "tags" => m.tags = decode::string(v, &fcx)?,
            "appVersion" => m.app_version = decode::string(v, &fcx)?,
            "deprecated" => m.deprecated = decode::boolean(v, &fcx)?,
            "annotations" => m.annotations = decode::string_map(v, &fcx)?,
            "kubeVersion" => m.kube_version = decode::string(v, &fcx)?,
            "dependencies" => match v {
                GoValue::Null => {}
                GoValue::Array(items) => {
                    for item in items {
                        if *item == GoValue::Null {
                            cv.null_node =
                                Some("dependencies must not contain empty or null nodes");
                            continue;
                        }
                        m.dependencies.push(dependency(item, &fcx)?);
                    }
                }
                other => return Err(fcx.type_error(other, "[]*chart.Dependency")),
            },
            "type" => m.chart_type = decode::string(v, &fcx)?,
            "urls" => cv.urls = decode::direct_strings(v, &fcx)?,
            "created" => cv.created = decode::time(v, &fcx)?,
            "removed" => cv.removed = decode::boolean(v, &fcx)?,
            "digest" => cv.digest = decode::direct_string(v, &fcx)?,
            "checksum" => cv.checksum = decode::direct_string(v, &fcx)?,
            "engine" => cv.engine = decode::direct_string(v, &fcx)?,
            "tillerVersion" => cv.tiller_version = decode::direct_string(v, &fcx)?,
            _ => cv.url = decode::direct_string(v, &fcx)?,
        }
        Ok(())
    })?;
    Ok(cv)
}

fn dependency(v: &GoValue, cx: &Cx) -> Result<Dependency, DecodeError> {
    let mut d = Dependency::default();
    decode::object(v, cx, "chart.Dependency", DEPENDENCY_FIELDS, |f, v| {
        let c = cx.field("Dependency", f);
        match f {
            "name" => d.name = decode::string(v, &c)?,
            "version" => d.version = decode::string(v, &c)?,
            "repository" => d.repository = decode::string(v, &c)?,
            "condition" => d.condition = decode::string(v, &c)?,
            "tags" => d.tags = decode::strings(v, &c)?,
            "enabled" => d.enabled = decode::boolean(v, &c)?,
            "import-values" => match v {
                GoValue::Null => {}
                GoValue::Array(items) => d.import_values = items.clone(),
                other => return Err(c.type_error(other, "[]interface {}")),
            },
            _ => d.alias = decode::string(v, &c)?,
        }
        Ok(())
    })?;
    Ok(d)
}

/// `Metadata` as `encoding/json` writes it inside a `ChartVersion`.
fn version_go(cv: &ChartVersion) -> GoValue {
    let m = &cv.metadata;
    let strs = |v: &[String]| GoValue::Array(v.iter().map(GoValue::string).collect());
    let maintainers = GoValue::Array(
        m.maintainers
            .iter()
            .map(|mt| {
                GoValue::struct_builder()
                    .field_omitempty("name", mt.name.as_str())
                    .field_omitempty("email", mt.email.as_str())
                    .field_omitempty("url", mt.url.as_str())
                    .build()
            })
            .collect(),
    );
    let deps = GoValue::Array(
        m.dependencies
            .iter()
            .map(|d| {
                GoValue::struct_builder()
                    .field("name", d.name.as_str())
                    .field_omitempty("version", d.version.as_str())
                    .field("repository", d.repository.as_str())
                    .field_omitempty("condition", d.condition.as_str())
                    .field_omitempty("tags", strs(&d.tags))
                    .field_omitempty("enabled", d.enabled)
                    .field_omitempty("import-values", GoValue::Array(d.import_values.clone()))
                    .field_omitempty("alias", d.alias.as_str())
                    .build()
            })
            .collect(),
    );
    GoValue::struct_builder()
        .field_omitempty("name", m.name.as_str())
        .field_omitempty("home", m.home.as_str())
        .field_omitempty("sources", strs(&m.sources))
        .field_omitempty("version", m.version.as_str())
        .field_omitempty("description", m.description.as_str())
        .field_omitempty("keywords", strs(&m.keywords))
        .field_omitempty("maintainers", maintainers)
        .field_omitempty("icon", m.icon.as_str())
        .field_omitempty("apiVersion", m.api_version.as_str())
        .field_omitempty("condition", m.condition.as_str())
        .field_omitempty("tags", m.tags.as_str())
        .field_omitempty("appVersion", m.app_version.as_str())
        .field_omitempty("deprecated", m.deprecated)
        .field_omitempty(
            "annotations",
            GoValue::Map(
                m.annotations
                    .iter()
                    .map(|(k, v)| (k.clone(), GoValue::string(v)))
                    .collect(),
            ),
        )
        .field_omitempty("kubeVersion", m.kube_version.as_str())
        .field_omitempty("dependencies", deps)
        .field_omitempty("type", m.chart_type.as_str())
        .field(
            "urls",
            if cv.urls.is_empty() {
                GoValue::Null
            } else {
                strs(&cv.urls)
            },
        )
        .field("created", decode::time_value(&cv.created))
        .field_omitempty("removed", cv.removed)
        .field_omitempty("digest", cv.digest.as_str())
        .field_omitempty("checksum", cv.checksum.as_str())
        .field_omitempty("engine", cv.engine.as_str())
        .field_omitempty("tillerVersion", cv.tiller_version.as_str())
        .field_omitempty("url", cv.url.as_str())
        .build()
}

/// helm's `sanitizeString`: every Unicode space becomes ' ', and
/// characters Go does not consider printable are dropped.
pub(crate) fn sanitize(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            if c.is_whitespace() {
                Some(' ')
            } else if c.is_control() || is_format_char(c) {
                None
            } else {
                Some(c)
            }
        })
        .collect()
}

/// The common Unicode format characters (category Cf), which Go's
/// `unicode.IsPrint` rejects.
fn is_format_char(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// helm's `Metadata.Validate` on an index entry (strings sanitised in
/// place); the message without the `validation: ` prefix.
fn validate(cv: &mut ChartVersion) -> Result<(), String> {
    let m = &mut cv.metadata;
    for s in [
        &mut m.name,
        &mut m.description,
        &mut m.home,
        &mut m.icon,
        &mut m.condition,
        &mut m.tags,
        &mut m.app_version,
        &mut m.kube_version,
    ] {
        *s = sanitize(s);
    }
    for s in m.sources.iter_mut().chain(m.keywords.iter_mut()) {
        *s = sanitize(s);
    }
    if m.api_version.is_empty() {
        return Err("chart.metadata.apiVersion is required".into());
    }
    if m.name.is_empty() {
        return Err("chart.metadata.name is required".into());
    }
    if m.name == "." || m.name == ".." {
        return Err(format!("chart.metadata.name {:?} is not allowed", m.name));
    }
    if m.name.contains('/') {
        return Err(format!("chart.metadata.name {:?} is invalid", m.name));
    }
    if m.version.is_empty() {
        return Err("chart.metadata.version is required".into());
    }
    if Version::parse(&m.version).is_err() {
        return Err(format!("chart.metadata.version {:?} is invalid", m.version));
    }
    if !matches!(m.chart_type.as_str(), "" | "application" | "library") {
        return Err("chart.metadata.type must be application or library".into());
    }
    if let Some(e) = cv.null_node.filter(|e| e.starts_with("maintainers")) {
        return Err(e.into());
    }
    for mt in &mut m.maintainers {
        mt.name = sanitize(&mt.name);
        mt.email = sanitize(&mt.email);
        mt.url = sanitize(&mt.url);
    }
    if let Some(e) = cv.null_node {
        return Err(e.into());
    }
    let mut seen = std::collections::BTreeSet::new();
    for d in &mut m.dependencies {
        for s in [
            &mut d.name,
            &mut d.version,
            &mut d.repository,
            &mut d.condition,
        ] {
            *s = sanitize(s);
        }
        for t in &mut d.tags {
            *t = sanitize(t);
        }
        if !d.alias.is_empty()
            && !d
                .alias
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!(
                "dependency {:?} has disallowed characters in the alias",
                d.name
            ));
        }
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        if !seen.insert(key.clone()) {
            return Err(format!(
                "more than one dependency with name or alias {key:?}"
            ));
        }
    }
    Ok(())
}

/// The sha256 of a file, hex (helm's `provenance.DigestFile`).
pub fn digest_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest as _;
    let data = std::fs::read(path)?;
    Ok(hex::encode(sha2::Sha256::digest(&data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_take_the_repository_query() {
        assert_eq!(
            resolve_reference_url("http://h/odd?token=abc", "demo-1.0.0.tgz").as_deref(),
            Ok("http://h/odd/demo-1.0.0.tgz?token=abc")
        );
        assert_eq!(
            resolve_reference_url("http://h/charts/", "sub/demo-1.0.0.tgz?x=1").as_deref(),
            Ok("http://h/charts/sub/demo-1.0.0.tgz")
        );
        assert_eq!(
            resolve_reference_url("http://h/odd?token=abc", "https://o/x.tgz?y=2").as_deref(),
            Ok("https://o/x.tgz?y=2")
        );
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    fn index(json: &str) -> IndexFile {
        IndexFile::load_bytes(json.as_bytes(), "src")
            .map(|l| l.index)
            .unwrap_or_default()
    }

    #[test]
    fn json_indexes_ignore_unknown_fields_and_sort_newest_first() {
        let i = index(
            r#"{"apiVersion":"v1","entries":{"demo":[
                {"name":"demo","version":"1.0.0","urls":["a.tgz"],"x":1},
                {"name":"demo","version":"1.10.0","urls":["b.tgz"]},
                {"name":"demo","version":"1.2.0-rc.1","urls":["c.tgz"]}]}}"#,
        );
        let v: Vec<&str> = i.entries["demo"].iter().map(|v| v.version()).collect();
        assert_eq!(v, ["1.10.0", "1.2.0-rc.1", "1.0.0"]);
    }

    #[test]
    fn lookup_errors_are_helms() {
        let i = index(
            r#"{"apiVersion":"v1","entries":{"demo":[{"name":"demo","version":"1.0.0","urls":["a.tgz"]}],"none":[]}}"#,
        );
        assert_eq!(
            i.get("nochart", "").map(|_| ()),
            Err(IndexError::NoChartName)
        );
        assert_eq!(
            i.get("none", "").map(|_| ()),
            Err(IndexError::NoChartVersion)
        );
        assert_eq!(
            i.get("demo", "9.9.9")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("no chart version found for demo-9.9.9".to_string())
        );
        assert_eq!(
            i.get("demo", "1.0.0").map(|v| v.version().to_string()),
            Ok("1.0.0".into())
        );
    }

    #[test]
    fn empty_and_versionless_indexes_fail() {
        assert_eq!(
            IndexFile::load_bytes(b"", "s").map(|_| ()),
            Err(IndexError::Empty)
        );
        assert_eq!(
            IndexFile::load_bytes(br#"{"entries":{}}"#, "s").map(|_| ()),
            Err(IndexError::NoApiVersion)
        );
    }

    #[test]
    fn invalid_entries_are_dropped_with_helms_warning() {
        let l = IndexFile::load_bytes(
            br#"{"apiVersion":"v1","entries":{"demo":[{"name":"demo","version":"x1"},null,{"name":"demo","version":"1.0.0"}]}}"#,
            "src",
        );
        let Ok(l) = l else {
            panic!("load failed");
        };
        assert_eq!(l.index.entries["demo"].len(), 1);
        assert_eq!(
            l.warnings,
            [
                "skipping loading invalid entry for chart \"demo\" from src: empty entry",
                "skipping loading invalid entry for chart \"demo\" \"x1\" from src: validation: chart.metadata.version \"x1\" is invalid",
            ]
        );
    }

    #[test]
    fn type_errors_name_the_field_as_go_does() {
        let e = IndexFile::load_bytes(
            br#"{"apiVersion":"v1","entries":{"demo":[{"name":"demo","version":1}]}}"#,
            "s",
        )
        .map(|_| ())
        .map_err(|e| e.to_string());
        assert_eq!(
            e,
            Err("json: cannot unmarshal number into Go struct field ChartVersion.entries.Metadata.version of type string".into())
        );
    }
}
