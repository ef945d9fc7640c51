//! The chart as helm models it (v3 `pkg/chart`, v4 `pkg/chart/v2`): a
//! `Chart.yaml`, templates, values, an optional schema, other files and the
//! subcharts found under `charts/`.
//!
//! Field names follow helm's Go structs so that the release record's
//! `chart` member can be written from this model (see `chart::record`).

use std::collections::BTreeMap;

use crate::gojson::{GoTime, GoValue};

/// A chart's values: a Go `map[string]interface{}`, whose keys Go prints in
/// byte order, like `BTreeMap`'s. Numbers read from YAML or JSON are
/// `GoValue::Float` (Go's `float64`); `--set` integers are `GoValue::Int`
/// (`int64`).
pub type Values = BTreeMap<String, GoValue>;

/// A loaded chart and its subcharts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Parsed `Chart.yaml`.
    pub metadata: Metadata,
    /// Parsed `Chart.lock` (or `requirements.lock` for apiVersion v1).
    pub lock: Option<Lock>,
    /// Files under `templates/`, in load order, names relative to the
    /// chart root (`templates/x.yaml`).
    pub templates: Vec<File>,
    /// The default values (`values.yaml`), parsed.
    pub values: Values,
    /// The values are Go's nil map rather than an empty one (the chart has
    /// no `values.yaml`): the release record then says `"values":null`
    /// and `helm show values` prints nothing.
    pub values_null: bool,
    /// `values.schema.json`, as read.
    pub schema: Option<Vec<u8>>,
    /// helm v4's modification time of the schema file (zero when unknown).
    pub schema_mod_time: Option<GoTime>,
    /// Every other file (README, `crds/`, `.helmignore`d files excluded).
    pub files: Vec<File>,
    /// Every file as loaded, before classification (what `helm package`
    /// writes and `show` reads from).
    pub raw: Vec<File>,
    /// helm v4's chart modification time (zero when unknown).
    pub mod_time: Option<GoTime>,
    /// Subcharts from `charts/`, in load order.
    pub dependencies: Vec<Chart>,
}

/// One file of a chart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// Path relative to the chart root, with `/` separators.
    pub name: String,
    /// Contents, a UTF-8 byte-order mark stripped.
    pub data: Vec<u8>,
    /// helm v4's modification time (`None` for zero).
    pub mod_time: Option<GoTime>,
}

/// `Chart.yaml`: every field helm knows, in helm's declaration order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// The chart name.
    pub name: String,
    /// The project's home page.
    pub home: String,
    /// Source code URLs.
    pub sources: Vec<String>,
    /// The chart version (SemVer 2).
    pub version: String,
    /// A one-sentence description.
    pub description: String,
    /// Search keywords.
    pub keywords: Vec<String>,
    /// Maintainers.
    pub maintainers: Vec<Maintainer>,
    /// An icon URL.
    pub icon: String,
    /// `v1` (helm 2 style, dependencies in `requirements.yaml`) or `v2`.
    pub api_version: String,
    /// Deprecated: a values path enabling the chart.
    pub condition: String,
    /// Deprecated: tags enabling the chart (comma-separated).
    pub tags: String,
    /// The version of the packaged application.
    pub app_version: String,
    /// Whether the chart is deprecated.
    pub deprecated: bool,
    /// Free-form annotations.
    pub annotations: BTreeMap<String, String>,
    /// A SemVer range of supported Kubernetes versions.
    pub kube_version: String,
    /// Declared dependencies.
    pub dependencies: Vec<Dependency>,
    /// `application` or `library` (empty means application).
    pub chart_type: String,
}

/// A chart maintainer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Maintainer {
    /// Name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// A URL.
    pub url: String,
}

/// A dependency declared in `Chart.yaml` (or `requirements.yaml`), or
/// locked in `Chart.lock`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dependency {
    /// The chart name.
    pub name: String,
    /// A SemVer range (declared) or the exact version (locked).
    pub version: String,
    /// A repository URL, `@name`/`alias:name`, `oci://...` or `file://...`.
    pub repository: String,
    /// Comma-separated values paths; the first bool found decides.
    pub condition: String,
    /// Tags enabling the chart.
    pub tags: Vec<String>,
    /// Whether the chart is enabled (set during dependency processing).
    pub enabled: bool,
    /// Values imported into the parent: strings or `{child, parent}` maps.
    pub import_values: Vec<GoValue>,
    /// The name the chart is used under.
    pub alias: String,
}

/// `Chart.lock`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lock {
    /// When the lock was generated.
    pub generated: Option<GoTime>,
    /// `sha256:` digest of the declared and locked dependencies.
    pub digest: String,
    /// The locked dependencies.
    pub dependencies: Vec<Dependency>,
}

impl Chart {
    /// The chart's name (`metadata.name`).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Whether this is a library chart (`type: library`, any case), which
    /// cannot be installed and contributes only its helpers.
    pub fn is_library(&self) -> bool {
        self.metadata.chart_type.eq_ignore_ascii_case("library")
    }
}
