//! The release record: what one stored revision of a Helm release holds.
//!
//! Field names, types and the order they are written in follow Helm's Go
//! structs (v3 `pkg/release`, v4 `pkg/release/v1`). Members rudder does not
//! know are kept verbatim and written back unchanged, and the chart is kept
//! as the exact JSON it was read as, since no operation changes it.

use std::collections::BTreeMap;

use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::raw::{FieldError, Raw, RawObject};
use super::status::Status;
use super::time::{self, GoTime};

/// One revision of a release.
///
/// Read it with `serde_json::from_str`/`from_slice` (or
/// [`codec::decode`](super::codec::decode)): members it does not know are
/// kept as raw JSON text, which only serde_json's text deserializer can
/// provide, so `serde_json::from_value` fails.
#[derive(Clone, Debug, Default)]
pub struct Release {
    /// The release name.
    pub name: String,
    /// Status, times, description and notes.
    pub info: Info,
    /// The chart the revision was made from (the parent chart only:
    /// subcharts are not stored).
    pub chart: Option<Chart>,
    /// The user-supplied values, exactly as stored; `None` when there were
    /// none.
    pub config: Option<Raw>,
    /// The rendered manifest (every non-hook document).
    pub manifest: String,
    /// The hooks, with their last run.
    pub hooks: Vec<Hook>,
    /// The revision number, from 1.
    pub version: i64,
    /// The release namespace.
    pub namespace: String,
    /// Helm v4's record of how resources were applied: `ssa`, `csa`, or
    /// empty (client-side, defaulted).
    pub apply_method: String,
    /// Labels of the storage object that are not Helm's system labels (or,
    /// where Helm itself does so, all of them); never part of the JSON.
    pub labels: BTreeMap<String, String>,
    extra: RawObject,
}

/// Status, timestamps, description and notes of a revision.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// When the release was first deployed.
    pub first_deployed: Option<GoTime>,
    /// When this revision was deployed.
    pub last_deployed: Option<GoTime>,
    /// When the release was uninstalled.
    pub deleted: Option<GoTime>,
    /// A human-readable description of the last operation.
    pub description: String,
    /// The revision's status.
    pub status: Status,
    /// The rendered NOTES.txt.
    pub notes: String,
    zero_times: ZeroTimes,
    extra: RawObject,
}

/// A hook: a manifest document run at a lifecycle event rather than
/// installed with the release.
#[derive(Clone, Debug, Default)]
pub struct Hook {
    /// `metadata.name` of the hook object.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The chart-relative template path it came from.
    pub path: String,
    /// The rendered YAML of this one document.
    pub manifest: String,
    /// The events it runs at (`pre-install`, `test`, ...).
    pub events: Vec<String>,
    /// What happened when it last ran.
    pub last_run: HookExecution,
    /// Ordering weight (`helm.sh/hook-weight`).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` values.
    pub output_log_policies: Vec<String>,
    extra: RawObject,
}

/// The last run of a hook.
#[derive(Clone, Debug, Default)]
pub struct HookExecution {
    /// When it started.
    pub started_at: Option<GoTime>,
    /// When it completed.
    pub completed_at: Option<GoTime>,
    /// `Unknown`, `Running`, `Succeeded`, `Failed`, or empty if never run.
    pub phase: String,
    zero_times: ZeroTimes,
    extra: RawObject,
}

/// The stored chart. Kept as the exact JSON read (templates, files,
/// values, schema...), with its metadata parsed for display.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Parsed `Chart.yaml`, when the record has one.
    pub metadata: Option<Metadata>,
    raw: RawObject,
}

/// The parts of `Chart.yaml` that release commands show.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Metadata {
    /// Chart name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Chart version.
    #[serde(deserialize_with = "nullable")]
    pub version: String,
    /// Version of the packaged application.
    #[serde(rename = "appVersion", deserialize_with = "nullable")]
    pub app_version: String,
    /// Chart API version (`v1`, `v2`).
    #[serde(rename = "apiVersion", deserialize_with = "nullable")]
    pub api_version: String,
    /// Free-form annotations.
    #[serde(deserialize_with = "nullable")]
    pub annotations: BTreeMap<String, String>,
    /// Declared dependencies.
    #[serde(deserialize_with = "nullable")]
    pub dependencies: Vec<Dependency>,
    /// The project's home page (used to tell which source a chart came
    /// from).
    #[serde(deserialize_with = "nullable")]
    pub home: String,
    /// URLs of the chart's source code (same use as `home`).
    #[serde(deserialize_with = "nullable")]
    pub sources: Vec<String>,
}

/// A dependency declared in `Chart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Dependency {
    /// Chart name.
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    /// Version range.
    #[serde(deserialize_with = "nullable")]
    pub version: String,
    /// Repository URL.
    #[serde(deserialize_with = "nullable")]
    pub repository: String,
    /// Values path that enables it.
    #[serde(deserialize_with = "nullable")]
    pub condition: String,
    /// Tags that enable it.
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<String>,
    /// Whether it is enabled.
    #[serde(deserialize_with = "nullable")]
    pub enabled: bool,
    /// Values imported from it.
    #[serde(rename = "import-values", deserialize_with = "nullable")]
    pub import_values: Vec<serde_json::Value>,
    /// Alias.
    #[serde(deserialize_with = "nullable")]
    pub alias: String,
}

/// Go leaves a field at its zero value when the JSON says `null`.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn take_or_default<T: DeserializeOwned + Default>(
    o: &mut RawObject,
    key: &str,
) -> Result<T, FieldError> {
    Ok(o.take(key)?.unwrap_or_default())
}

/// How the zero time members of one object were spelled when read: helm
/// v3 writes a zero time as `""`, v4 leaves it out, and a record may also
/// hold `null` or Go's zero instant. All of them read as `None`; the text is
/// kept so that a time still unset is written back exactly as it was read,
/// and a record rewritten by rudder changes only what rudder changed. Fresh
/// objects have none, so they are written as helm v4 writes them.
#[derive(Clone, Debug, Default)]
struct ZeroTimes(Vec<(&'static str, Raw)>);

impl ZeroTimes {
    fn get(&self, key: &str) -> Option<&Raw> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, raw)| raw)
    }
}

fn take_time(
    o: &mut RawObject,
    key: &'static str,
    zero: &mut ZeroTimes,
) -> Result<Option<GoTime>, FieldError> {
    match o.take_raw(key) {
        None => Ok(None),
        Some(raw) => {
            let t = time::from_raw(&raw).map_err(|e| FieldError::new(key, e))?;
            if t.is_none() {
                zero.0.push((key, raw));
            }
            Ok(t)
        }
    }
}

/// Writes a time member: the time if set, else the zero spelling it was
/// read with, else nothing (helm v4's `omitzero`).
fn serialize_time<M: SerializeMap>(
    m: &mut M,
    key: &'static str,
    t: &Option<GoTime>,
    zero: &ZeroTimes,
) -> Result<(), M::Error> {
    match (t, zero.get(key)) {
        (Some(t), _) => m.serialize_entry(key, &TimeText(t)),
        (None, Some(raw)) => m.serialize_entry(key, raw),
        (None, None) => Ok(()),
    }
}

fn take_object(o: &mut RawObject, key: &str) -> Result<Option<RawObject>, FieldError> {
    o.take(key)
}

impl Release {
    /// The stored JSON members this version does not know, in order.
    pub fn unknown_members(&self) -> &[(String, Raw)] {
        self.extra.members()
    }

    /// The user-supplied values as a JSON value (an empty map when none).
    pub fn config_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        raw_to_map(self.config.as_deref())
    }

    /// The chart's name and version, as `helm list` shows it
    /// (`MISSING` without chart metadata).
    pub fn chart_label(&self) -> String {
        match self.chart.as_ref().and_then(|c| c.metadata.as_ref()) {
            Some(m) => format!("{}-{}", m.name, m.version),
            None => "MISSING".to_string(),
        }
    }

    /// The chart's appVersion (`MISSING` without chart metadata).
    pub fn app_version(&self) -> String {
        match self.chart.as_ref().and_then(|c| c.metadata.as_ref()) {
            Some(m) => m.app_version.clone(),
            None => "MISSING".to_string(),
        }
    }

    fn from_raw(mut o: RawObject) -> Result<Release, FieldError> {
        let name = take_or_default(&mut o, "name")?;
        let info = match take_object(&mut o, "info")? {
            Some(i) => Info::from_raw(i).map_err(|e| nest("info", e))?,
            None => Info::default(),
        };
        let chart = match take_object(&mut o, "chart")? {
            Some(c) => Some(Chart::from_raw(c).map_err(|e| nest("chart", e))?),
            None => None,
        };
        let config = o.take_raw("config").filter(|r| r.get() != "null");
        if let Some(c) = &config
            && !c.get().trim_start().starts_with('{')
        {
            return Err(FieldError::new("config", "not a JSON object"));
        }
        let manifest = take_or_default(&mut o, "manifest")?;
        let hooks = match o.take::<Vec<Option<RawObject>>>("hooks")? {
            Some(hs) => hs
                .into_iter()
                .enumerate()
                .map(|(i, h)| {
                    Hook::from_raw(h.unwrap_or_default())
                        .map_err(|e| nest(&format!("hooks[{i}]"), e))
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
        let version = take_or_default(&mut o, "version")?;
        let namespace = take_or_default(&mut o, "namespace")?;
        let apply_method = take_or_default(&mut o, "apply_method")?;
        Ok(Release {
            name,
            info,
            chart,
            config,
            manifest,
            hooks,
            version,
            namespace,
            apply_method,
            labels: BTreeMap::new(),
            extra: o,
        })
    }
}

/// Parses raw JSON (or nothing) as a map value; `null` and absence give an
/// empty map.
pub(crate) fn raw_to_map(
    raw: Option<&serde_json::value::RawValue>,
) -> Result<serde_json::Value, serde_json::Error> {
    match raw {
        None => Ok(serde_json::Value::Object(Default::default())),
        Some(r) => match serde_json::from_str(r.get())? {
            serde_json::Value::Null => Ok(serde_json::Value::Object(Default::default())),
            v => Ok(v),
        },
    }
}

fn nest(prefix: &str, e: FieldError) -> FieldError {
    FieldError::new(&format!("{prefix}.{}", e.field), e.message)
}

impl Info {
    /// The stored JSON members this version does not know, in order.
    pub fn unknown_members(&self) -> &[(String, Raw)] {
        self.extra.members()
    }

    fn from_raw(mut o: RawObject) -> Result<Info, FieldError> {
        let mut zero_times = ZeroTimes::default();
        Ok(Info {
            first_deployed: take_time(&mut o, "first_deployed", &mut zero_times)?,
            last_deployed: take_time(&mut o, "last_deployed", &mut zero_times)?,
            deleted: take_time(&mut o, "deleted", &mut zero_times)?,
            description: take_or_default(&mut o, "description")?,
            status: take_or_default(&mut o, "status")?,
            notes: take_or_default(&mut o, "notes")?,
            zero_times,
            extra: o,
        })
    }
}

impl Hook {
    /// The stored JSON members this version does not know, in order.
    pub fn unknown_members(&self) -> &[(String, Raw)] {
        self.extra.members()
    }

    fn from_raw(mut o: RawObject) -> Result<Hook, FieldError> {
        let name = take_or_default(&mut o, "name")?;
        let kind = take_or_default(&mut o, "kind")?;
        let path = take_or_default(&mut o, "path")?;
        let manifest = take_or_default(&mut o, "manifest")?;
        let events = take_or_default(&mut o, "events")?;
        let last_run = match take_object(&mut o, "last_run")? {
            Some(r) => HookExecution::from_raw(r).map_err(|e| nest("last_run", e))?,
            None => HookExecution::default(),
        };
        Ok(Hook {
            name,
            kind,
            path,
            manifest,
            events,
            last_run,
            weight: take_or_default(&mut o, "weight")?,
            delete_policies: take_or_default(&mut o, "delete_policies")?,
            output_log_policies: take_or_default(&mut o, "output_log_policies")?,
            extra: o,
        })
    }
}

impl HookExecution {
    fn from_raw(mut o: RawObject) -> Result<HookExecution, FieldError> {
        let mut zero_times = ZeroTimes::default();
        Ok(HookExecution {
            started_at: take_time(&mut o, "started_at", &mut zero_times)?,
            completed_at: take_time(&mut o, "completed_at", &mut zero_times)?,
            phase: take_or_default(&mut o, "phase")?,
            zero_times,
            extra: o,
        })
    }
}

impl Chart {
    fn from_raw(raw: RawObject) -> Result<Chart, FieldError> {
        let metadata = match raw.get("metadata") {
            Some(m) if m.get() != "null" => Some(
                serde_json::from_str::<Metadata>(m.get())
                    .map_err(|e| FieldError::new("metadata", e.to_string()))?,
            ),
            _ => None,
        };
        Ok(Chart { metadata, raw })
    }

    /// The chart's default values (`values.yaml`) as a JSON value; an
    /// empty map when the record has none.
    pub fn values(&self) -> Result<serde_json::Value, serde_json::Error> {
        raw_to_map(self.raw.get("values"))
    }

    /// One member of the stored chart JSON, verbatim.
    pub fn member(&self, key: &str) -> Option<&serde_json::value::RawValue> {
        self.raw.get(key)
    }
}

// --- writing: Helm v4's field order and omission rules ------------------------

fn omit_str(s: &str) -> bool {
    s.is_empty()
}

impl Serialize for Release {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !omit_str(&self.name) {
            m.serialize_entry("name", &self.name)?;
        }
        m.serialize_entry("info", &self.info)?;
        if let Some(c) = &self.chart {
            m.serialize_entry("chart", &c.raw)?;
        }
        if let Some(c) = &self.config {
            m.serialize_entry("config", c)?;
        }
        if !omit_str(&self.manifest) {
            m.serialize_entry("manifest", &self.manifest)?;
        }
        if !self.hooks.is_empty() {
            m.serialize_entry("hooks", &self.hooks)?;
        }
        if self.version != 0 {
            m.serialize_entry("version", &self.version)?;
        }
        if !omit_str(&self.namespace) {
            m.serialize_entry("namespace", &self.namespace)?;
        }
        if !omit_str(&self.apply_method) {
            m.serialize_entry("apply_method", &self.apply_method)?;
        }
        for (k, v) in self.extra.members() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct TimeText<'a>(&'a GoTime);

impl Serialize for TimeText<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&time::to_json_text(self.0))
    }
}

impl Serialize for Info {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (key, t) in [
            ("first_deployed", &self.first_deployed),
            ("last_deployed", &self.last_deployed),
            ("deleted", &self.deleted),
        ] {
            serialize_time(&mut m, key, t, &self.zero_times)?;
        }
        if !omit_str(&self.description) {
            m.serialize_entry("description", &self.description)?;
        }
        if !omit_str(self.status.as_str()) {
            m.serialize_entry("status", &self.status)?;
        }
        if !omit_str(&self.notes) {
            m.serialize_entry("notes", &self.notes)?;
        }
        for (k, v) in self.extra.members() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Hook {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (key, v) in [
            ("name", &self.name),
            ("kind", &self.kind),
            ("path", &self.path),
            ("manifest", &self.manifest),
        ] {
            if !omit_str(v) {
                m.serialize_entry(key, v)?;
            }
        }
        if !self.events.is_empty() {
            m.serialize_entry("events", &self.events)?;
        }
        m.serialize_entry("last_run", &self.last_run)?;
        if self.weight != 0 {
            m.serialize_entry("weight", &self.weight)?;
        }
        if !self.delete_policies.is_empty() {
            m.serialize_entry("delete_policies", &self.delete_policies)?;
        }
        if !self.output_log_policies.is_empty() {
            m.serialize_entry("output_log_policies", &self.output_log_policies)?;
        }
        for (k, v) in self.extra.members() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for HookExecution {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        serialize_time(&mut m, "started_at", &self.started_at, &self.zero_times)?;
        serialize_time(&mut m, "completed_at", &self.completed_at, &self.zero_times)?;
        m.serialize_entry("phase", &self.phase)?;
        for (k, v) in self.extra.members() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Release {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Release::from_raw(RawObject::deserialize(d)?).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V3_RECORD: &str = r#"{"name":"web","info":{"first_deployed":"2025-01-01T10:00:00Z","last_deployed":"2025-01-02T09:00:00.5+02:00","deleted":"","description":"Upgrade complete","status":"deployed","notes":"hi \u003c"},"chart":{"metadata":{"name":"web","version":"1.2.0","apiVersion":"v2","appVersion":"2.0"},"lock":null,"templates":[{"name":"templates/a.yaml","data":"YQ=="}],"values":{"replicas":1},"schema":null,"files":[]},"config":{"replicas":3,"big":123456789012345678901234567890},"manifest":"---\n# Source: web/a.yaml\n","hooks":[{"name":"h","kind":"Job","path":"web/templates/h.yaml","manifest":"x","events":["pre-upgrade"],"last_run":{"started_at":"","completed_at":"","phase":""},"weight":-5,"delete_policies":["before-hook-creation"]}],"version":2,"namespace":"prod"}"#;

    #[test]
    fn decodes_a_v3_record() {
        let r: Release = serde_json::from_str(V3_RECORD).expect("decode");
        assert_eq!(r.name, "web");
        assert_eq!(r.version, 2);
        assert_eq!(r.info.status, Status::Deployed);
        assert!(r.info.deleted.is_none());
        assert_eq!(r.info.notes, "hi <");
        assert_eq!(r.chart_label(), "web-1.2.0");
        assert_eq!(r.app_version(), "2.0");
        assert_eq!(r.hooks[0].weight, -5);
        assert_eq!(r.hooks[0].last_run.phase, "");
        assert!(r.hooks[0].last_run.started_at.is_none());
        assert_eq!(
            r.config.as_ref().map(|c| c.get()),
            Some(r#"{"replicas":3,"big":123456789012345678901234567890}"#)
        );
    }

    #[test]
    fn writes_v4_style_and_keeps_what_it_does_not_know() {
        let text = r#"{"name":"a","info":{"status":"deployed","rollback_revision":3,"future":{"x":[1,2]}},"version":4,"apply_method":"ssa","from_the_future":1e400}"#;
        let r: Release = serde_json::from_str(text).expect("decode");
        assert_eq!(r.apply_method, "ssa");
        let out = serde_json::to_string(&r).expect("encode");
        assert_eq!(
            out,
            r#"{"name":"a","info":{"status":"deployed","rollback_revision":3,"future":{"x":[1,2]}},"version":4,"apply_method":"ssa","from_the_future":1e400}"#
        );
    }

    /// helm v3 writes zero times as `""`; an unchanged record must come
    /// back exactly as it was read, so that rewriting a record (a status
    /// change) changes nothing else in it.
    #[test]
    fn a_v3_record_is_written_back_byte_for_byte() {
        let r: Release = serde_json::from_str(V3_RECORD).expect("decode");
        let out = crate::gojson::to_go_json(&r).expect("encode");
        assert_eq!(String::from_utf8_lossy(&out), V3_RECORD);
    }

    #[test]
    fn a_chart_is_written_back_byte_for_byte() {
        let r: Release = serde_json::from_str(V3_RECORD).expect("decode");
        let out = serde_json::to_string(&r).expect("encode");
        let chart_in = &V3_RECORD[V3_RECORD.find("\"chart\":").expect("chart")
            ..V3_RECORD.find(",\"config\"").expect("config")];
        assert!(out.contains(chart_in), "{out}");
        // A zero time keeps the spelling it was read with (v3's `""`); in a
        // fresh Info it is left out, as helm v4 does, and both read that.
        assert!(out.contains("\"deleted\":\"\""));
        let fresh = serde_json::to_string(&Info::default()).expect("encode");
        assert!(!fresh.contains("\"deleted\""), "{fresh}");
        assert!(out.contains("\"last_deployed\":\"2025-01-02T09:00:00.5+02:00\""));
    }

    #[test]
    fn rejects_records_go_would_reject() {
        for bad in [
            r#"{"version":"2"}"#,
            r#"{"info":{"first_deployed":"yesterday"}}"#,
            r#"{"hooks":{"a":1}}"#,
            r#"{"config":[1]}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<Release>(bad).is_err(), "{bad}");
        }
    }
}
