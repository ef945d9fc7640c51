//! The render values (helm's `ToRenderValues` and `recAllTpls`): the
//! per-chart top-level map with `.Values`, `.Release`, `.Chart`,
//! `.Capabilities`, `.Files`, `.Subcharts` and `.Template`, and the
//! conversions between the crate's [`GoValue`] and template values.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::chart::model::Values;
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gotemplate::{FloatKind, Map, Object, Str, Type, Value};

use super::chart_object::{METADATA_FIELDS, V3_CHART_TYPE};
use super::engine::ReleaseInfo;

/// The Go name of helm's `Values` type: `typeOf .Values`.
pub fn values_type_name(compat: Compat) -> &'static str {
    match compat {
        Compat::V3 => "chartutil.Values",
        Compat::V4 => "common.Values",
    }
}

/// A new, empty map of helm's named `Values` type.
pub fn named_map(compat: Compat, entries: BTreeMap<Str, Value>) -> Map {
    Map::new(
        Type::Interface,
        Some(Rc::from(values_type_name(compat))),
        entries,
    )
}

/// What Go's decoded values are as template values: JSON/YAML numbers are
/// `float64`, `--set` integers `int64`, objects `map[string]interface {}`,
/// arrays `[]interface {}`, `null` a nil interface.
pub fn value_from_go(v: &GoValue) -> Value {
    match v {
        GoValue::Null => Value::nil(),
        GoValue::Bool(b) => Value::Bool(*b),
        GoValue::Int(i) => Value::int64(*i),
        GoValue::Float(f) => Value::float64(*f),
        GoValue::String(s) => Value::string(s.as_str()),
        GoValue::Array(items) => Value::list(items.iter().map(value_from_go).collect()),
        GoValue::Map(m) => Value::Map(map_from_go(m, None)),
        GoValue::Struct(fields) => Value::map(
            fields
                .iter()
                .map(|(k, v)| (Str::from(k.as_str()), value_from_go(v)))
                .collect(),
        ),
    }
}

fn map_from_go(m: &BTreeMap<String, GoValue>, name: Option<Rc<str>>) -> Map {
    Map::new(
        Type::Interface,
        name,
        m.iter()
            .map(|(k, v)| (Str::from(k.as_str()), value_from_go(v)))
            .collect(),
    )
}

/// The root chart's `.Values`: the coalesced values as helm's named
/// `Values` type.
pub fn root_values(values: &Values, compat: Compat) -> Map {
    map_from_go(values, Some(Rc::from(values_type_name(compat))))
}

/// A subchart's `.Values`: `Table("Values.<name>")` of the parent's top
/// map (the parent's `.Values.<name>` when it is a map, as the named
/// type), else an empty map. A name with a `.` never resolves, as in
/// helm, whose table path splits on dots.
pub fn sub_values(parent: &Map, name: &str, compat: Compat) -> Map {
    let found = if name.contains('.') {
        None
    } else {
        match parent.get(name.as_bytes()) {
            Some(Value::Map(m)) => Some(m.entries().into_iter().collect()),
            _ => None,
        }
    };
    named_map(compat, found.unwrap_or_default())
}

/// `.Release`: a plain `map[string]interface {}`.
pub fn release_value(release: &ReleaseInfo) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Str::from("Name"), Value::string(release.name.as_str()));
    m.insert(
        Str::from("Namespace"),
        Value::string(release.namespace.as_str()),
    );
    m.insert(Str::from("IsUpgrade"), Value::Bool(release.is_upgrade));
    m.insert(Str::from("IsInstall"), Value::Bool(release.is_install));
    m.insert(Str::from("Revision"), Value::int(release.revision));
    m.insert(Str::from("Service"), Value::string("Helm"));
    Value::map(m)
}

/// `.Template` for one file: `{Name, BasePath}` of the named `Values`
/// type.
pub fn template_value(name: &str, base_path: &str, compat: Compat) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Str::from("Name"), Value::string(name));
    m.insert(Str::from("BasePath"), Value::string(base_path));
    Value::Map(named_map(compat, m))
}

/// A template value as Go's `json.Marshal` sees it (`toJson`, `toYaml`),
/// or Go's error text.
pub fn go_from_value(v: &Value) -> Result<GoValue, String> {
    Ok(match v {
        Value::Invalid | Value::Nil(_) => GoValue::Null,
        Value::Bool(b) => GoValue::Bool(*b),
        Value::Int(i, _) => GoValue::Int(*i),
        Value::Uint(u, _) => match i64::try_from(*u) {
            Ok(i) => GoValue::Int(i),
            Err(_) => GoValue::Float(*u as f64),
        },
        Value::Float(f, FloatKind::F64) => GoValue::Float(*f),
        // float32 values are widened; Go prints them with 32-bit digits.
        Value::Float(f, FloatKind::F32) => GoValue::Float(f64::from(*f as f32)),
        Value::String(s) => GoValue::String(s.to_str_lossy().into_owned()),
        Value::Bytes(b) => {
            use base64::Engine as _;
            GoValue::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        Value::List(l) => GoValue::Array(
            l.items()
                .iter()
                .map(go_from_value)
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => GoValue::Map(
            m.entries()
                .iter()
                .map(|(k, v)| Ok((k.to_str_lossy().into_owned(), go_from_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Value::Object(o) => object_to_go(o.as_ref())?,
        Value::Func(_) => return Err("json: unsupported type: func()".to_owned()),
    })
}

/// The JSON form of the host objects helm exposes whose JSON charts ask
/// for (`toYaml .Chart` in v3): their Go struct fields with json tags.
fn object_to_go(o: &dyn Object) -> Result<GoValue, String> {
    // Named maps and slices (`engine.files`, `VersionSet`) encode as
    // what they hold.
    if let Some(v) = o.as_value() {
        return go_from_value(&v);
    }
    // time.Time marshals itself (fromToml's datetimes, `now`).
    if let Some(text) = crate::sprig::time_json(o) {
        return Ok(GoValue::String(text));
    }
    let name = o.type_name();
    let fields: &[(&str, &str, bool)] = match name.as_str() {
        V3_CHART_TYPE | "chart.Metadata" => &[],
        "chartutil.KubeVersion" | "common.KubeVersion" => &[
            ("Version", "Version", false),
            ("Major", "Major", false),
            ("Minor", "Minor", false),
        ],
        "*chartutil.Capabilities" | "*common.Capabilities" => &[
            ("KubeVersion", "KubeVersion", false),
            ("APIVersions", "APIVersions", false),
            ("HelmVersion", "HelmVersion", false),
        ],
        "version.BuildInfo" => &[
            ("Version", "version", true),
            ("GitCommit", "git_commit", true),
            ("GitTreeState", "git_tree_state", true),
            ("GoVersion", "go_version", true),
            ("KubeClientVersion", "kube_client_version", false),
        ],
        "*chart.Maintainer" => &[
            ("Name", "name", true),
            ("Email", "email", true),
            ("URL", "url", true),
        ],
        "*chart.Dependency" => &[
            ("Name", "name", false),
            ("Version", "version", true),
            ("Repository", "repository", false),
            ("Condition", "condition", true),
            ("Tags", "tags", true),
            ("Enabled", "enabled", true),
            ("ImportValues", "import-values", true),
            ("Alias", "alias", true),
        ],
        _ => return Err(format!("json: unsupported type: {name}")),
    };
    let mut b = GoValue::struct_builder();
    let mut add = |field: &str, json: &str, omitempty: bool| -> Result<(), String> {
        // A field the type does not have (v3's BuildInfo has no
        // KubeClientVersion) is not written.
        let Some(fv) = o.field(field) else {
            return Ok(());
        };
        let v = go_from_value(&fv)?;
        b = if omitempty {
            std::mem::take(&mut b).field_omitempty(json, v)
        } else {
            std::mem::take(&mut b).field(json, v)
        };
        Ok(())
    };
    if fields.is_empty() {
        for (field, json) in METADATA_FIELDS {
            add(field, json, true)?;
        }
        if name == V3_CHART_TYPE {
            add("IsRoot", "IsRoot", false)?;
        }
    } else {
        for (field, json, omit) in fields {
            add(field, json, *omit)?;
        }
    }
    Ok(b.build())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Go's decoding of `a: 1`, `b: [x, null]` from YAML gives float64 and
    // nil interfaces; `--set c=2` gives int64. json.Marshal maps them
    // back to the same JSON.
    #[test]
    fn values_round_trip_with_go_types() {
        let mut values = Values::new();
        values.insert("a".into(), GoValue::Float(1.0));
        values.insert(
            "b".into(),
            GoValue::Array(vec![GoValue::string("x"), GoValue::Null]),
        );
        values.insert("c".into(), GoValue::Int(2));
        let m = root_values(&values, Compat::V3);
        assert_eq!(m.name(), Some("chartutil.Values"));
        assert!(matches!(m.get(b"a"), Some(Value::Float(f, FloatKind::F64)) if f == 1.0));
        assert!(matches!(
            m.get(b"c"),
            Some(Value::Int(2, crate::gotemplate::IntKind::Int64))
        ));
        let back = go_from_value(&Value::Map(m)).unwrap();
        assert_eq!(back, GoValue::Map(values));
    }

    #[test]
    fn subchart_values_are_the_parents_table() {
        let mut values = Values::new();
        let mut sub = BTreeMap::new();
        sub.insert("x".to_owned(), GoValue::string("y"));
        values.insert("sub".into(), GoValue::Map(sub));
        values.insert("scalar".into(), GoValue::string("s"));
        let root = root_values(&values, Compat::V4);
        let s = sub_values(&root, "sub", Compat::V4);
        assert_eq!(s.name(), Some("common.Values"));
        assert_eq!(s.len(), 1);
        assert!(sub_values(&root, "scalar", Compat::V4).is_empty());
        assert!(sub_values(&root, "missing", Compat::V4).is_empty());
        assert!(sub_values(&root, "su.b", Compat::V4).is_empty());
    }

    // `toJson .Chart` and `toYaml .Capabilities.KubeVersion` with helm
    // v3.21.4 (chart f1: apiVersion v2, version 0.1.0): see README of
    // testdata for the method.
    #[test]
    fn host_objects_encode_like_helm() {
        let meta = crate::chart::model::Metadata {
            name: "f1".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Default::default()
        };
        let chart = super::super::chart_object::chart_value(&meta, true, Compat::V3);
        let json = crate::gojson::to_json(&go_from_value(&chart).unwrap()).unwrap();
        assert_eq!(
            json,
            "{\"name\":\"f1\",\"version\":\"0.1.0\",\"apiVersion\":\"v2\",\"IsRoot\":true}\n"
        );
        let chart = super::super::chart_object::chart_value(&meta, true, Compat::V4);
        let json = crate::gojson::to_json(&go_from_value(&chart).unwrap()).unwrap();
        assert_eq!(
            json,
            "{\"APIVersion\":\"v2\",\"Annotations\":null,\"AppVersion\":\"\",\"Condition\":\"\",\"Dependencies\":[],\"Deprecated\":false,\"Description\":\"\",\"Home\":\"\",\"Icon\":\"\",\"IsRoot\":true,\"Keywords\":[],\"KubeVersion\":\"\",\"Maintainers\":[],\"Name\":\"f1\",\"Sources\":[],\"Tags\":\"\",\"Type\":\"\",\"Version\":\"0.1.0\"}\n"
        );
        let caps = super::super::caps_object::capabilities_value(
            &super::super::Capabilities::defaults(Compat::V3),
            Compat::V3,
        );
        let Value::Object(caps) = caps else {
            panic!("object")
        };
        let kv = caps.field("KubeVersion").unwrap();
        assert_eq!(
            super::super::funcs::to_yaml_text(&go_from_value(&kv).unwrap()),
            "Major: \"1\"\nMinor: \"36\"\nVersion: v1.36.0"
        );
    }

    #[test]
    fn release_revision_is_go_int() {
        let r = release_value(&ReleaseInfo {
            name: "rel".into(),
            namespace: "ns1".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
        });
        let Value::Map(m) = r else { panic!("map") };
        assert!(matches!(
            m.get(b"Revision"),
            Some(Value::Int(1, crate::gotemplate::IntKind::Int))
        ));
        assert!(matches!(m.get(b"Service"), Some(Value::String(s)) if s.as_bytes() == b"Helm"));
    }
}
