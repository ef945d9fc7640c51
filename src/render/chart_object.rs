//! `.Chart`: helm v3 passes the `chart.Metadata` struct (embedded in an
//! anonymous struct with `IsRoot`), helm v4 a `map[string]any` built from
//! the same struct by reflection (`structToMap`, every Go field name).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::chart::model::{Dependency, Maintainer, Metadata};
use crate::compat::Compat;
use crate::gotemplate::{Func, List, Map, Object, Str, Type, Value};

use super::objects::value_from_go;

/// The Go type name of v3's `.Chart`.
pub const V3_CHART_TYPE: &str = "struct { chart.Metadata; IsRoot bool }";

/// `.Chart` for one chart.
pub fn chart_value(meta: &Metadata, is_root: bool, compat: Compat) -> Value {
    match compat {
        Compat::V3 => Value::Object(Rc::new(ChartV3 {
            meta: Rc::new(meta.clone()),
            is_root,
        })),
        Compat::V4 => {
            let map = metadata_map(meta);
            map.insert(Str::from("IsRoot"), Value::Bool(is_root));
            Value::Map(map)
        }
    }
}

/// Metadata's Go fields in declaration order (`pkg/chart/metadata.go`),
/// with their JSON names; all are `omitempty`.
pub(crate) const METADATA_FIELDS: &[(&str, &str)] = &[
    ("Name", "name"),
    ("Home", "home"),
    ("Sources", "sources"),
    ("Version", "version"),
    ("Description", "description"),
    ("Keywords", "keywords"),
    ("Maintainers", "maintainers"),
    ("Icon", "icon"),
    ("APIVersion", "apiVersion"),
    ("Condition", "condition"),
    ("Tags", "tags"),
    ("AppVersion", "appVersion"),
    ("Deprecated", "deprecated"),
    ("Annotations", "annotations"),
    ("KubeVersion", "kubeVersion"),
    ("Dependencies", "dependencies"),
    ("Type", "type"),
];

fn s(text: &str) -> Value {
    Value::string(text)
}

fn string_list(items: &[String], elem: Type) -> Value {
    Value::List(List::new(elem, items.iter().map(|i| s(i)).collect()))
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    if m.is_empty() {
        return Value::Nil(Type::Map(Box::new(Type::String), None));
    }
    let entries = m
        .iter()
        .map(|(k, v)| (Str::from(k.as_str()), s(v)))
        .collect();
    Value::Map(Map::new(Type::String, None, entries))
}

/// v4's `structToMap(metadata)`.
fn metadata_map(meta: &Metadata) -> Map {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: Value| {
        m.insert(Str::from(k), v);
    };
    put("Name", s(&meta.name));
    put("Home", s(&meta.home));
    put("Sources", string_list(&meta.sources, Type::Interface));
    put("Version", s(&meta.version));
    put("Description", s(&meta.description));
    put("Keywords", string_list(&meta.keywords, Type::Interface));
    put(
        "Maintainers",
        Value::list(
            meta.maintainers
                .iter()
                .map(|mt| {
                    let mut e = BTreeMap::new();
                    e.insert(Str::from("Name"), s(&mt.name));
                    e.insert(Str::from("Email"), s(&mt.email));
                    e.insert(Str::from("URL"), s(&mt.url));
                    Value::map(e)
                })
                .collect(),
        ),
    );
    put("Icon", s(&meta.icon));
    put("APIVersion", s(&meta.api_version));
    put("Condition", s(&meta.condition));
    put("Tags", s(&meta.tags));
    put("AppVersion", s(&meta.app_version));
    put("Deprecated", Value::Bool(meta.deprecated));
    put("Annotations", string_map(&meta.annotations));
    put("KubeVersion", s(&meta.kube_version));
    put(
        "Dependencies",
        Value::list(
            meta.dependencies
                .iter()
                .map(|d| {
                    let mut e = BTreeMap::new();
                    e.insert(Str::from("Name"), s(&d.name));
                    e.insert(Str::from("Version"), s(&d.version));
                    e.insert(Str::from("Repository"), s(&d.repository));
                    e.insert(Str::from("Condition"), s(&d.condition));
                    e.insert(Str::from("Tags"), string_list(&d.tags, Type::Interface));
                    e.insert(Str::from("Enabled"), Value::Bool(d.enabled));
                    e.insert(
                        Str::from("ImportValues"),
                        Value::list(d.import_values.iter().map(value_from_go).collect()),
                    );
                    e.insert(Str::from("Alias"), s(&d.alias));
                    Value::map(e)
                })
                .collect(),
        ),
    );
    put("Type", s(&meta.chart_type));
    Map::new(Type::Interface, None, m)
}

/// v3's `struct { chart.Metadata; IsRoot bool }`.
#[derive(Debug)]
pub(crate) struct ChartV3 {
    pub(crate) meta: Rc<Metadata>,
    pub(crate) is_root: bool,
}

/// v3's `chart.Metadata` when reached as `.Chart.Metadata`.
#[derive(Debug)]
struct MetadataV3(Rc<Metadata>);

fn v3_metadata_field(meta: &Metadata, name: &str) -> Option<Value> {
    let strings = |items: &[String]| {
        if items.is_empty() {
            Value::Nil(Type::Slice(Box::new(Type::String)))
        } else {
            string_list(items, Type::String)
        }
    };
    Some(match name {
        "Name" => s(&meta.name),
        "Home" => s(&meta.home),
        "Sources" => strings(&meta.sources),
        "Version" => s(&meta.version),
        "Description" => s(&meta.description),
        "Keywords" => strings(&meta.keywords),
        "Maintainers" => {
            let t = Type::Slice(Box::new(Type::Named(Rc::from("*chart.Maintainer"))));
            if meta.maintainers.is_empty() {
                Value::Nil(t)
            } else {
                Value::List(List::new(
                    Type::Named(Rc::from("*chart.Maintainer")),
                    meta.maintainers
                        .iter()
                        .map(|m| Value::Object(Rc::new(MaintainerV3(m.clone()))))
                        .collect(),
                ))
            }
        }
        "Icon" => s(&meta.icon),
        "APIVersion" => s(&meta.api_version),
        "Condition" => s(&meta.condition),
        "Tags" => s(&meta.tags),
        "AppVersion" => s(&meta.app_version),
        "Deprecated" => Value::Bool(meta.deprecated),
        "Annotations" => string_map(&meta.annotations),
        "KubeVersion" => s(&meta.kube_version),
        "Dependencies" => {
            let t = Type::Named(Rc::from("*chart.Dependency"));
            if meta.dependencies.is_empty() {
                Value::Nil(Type::Slice(Box::new(t)))
            } else {
                Value::List(List::new(
                    t,
                    meta.dependencies
                        .iter()
                        .map(|d| Value::Object(Rc::new(DependencyV3(d.clone()))))
                        .collect(),
                ))
            }
        }
        "Type" => s(&meta.chart_type),
        _ => return None,
    })
}

/// `%v` of a Go value inside a struct: strings bare, slices `[a b]`,
/// maps `map[k:v]`, pointers as an address (Go prints `0xc...`).
fn v_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Nil(Type::Map(..)) => "map[]".into(),
        Value::Nil(_) => "[]".into(),
        Value::List(l) => {
            let items: Vec<String> = l.items().iter().map(v_text).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Map(m) => {
            let items: Vec<String> = m
                .entries()
                .iter()
                .map(|(k, v)| format!("{}:{}", k.to_str_lossy(), v_text(v)))
                .collect();
            format!("map[{}]", items.join(" "))
        }
        Value::Object(o) => o.format_v(),
        _ => String::new(),
    }
}

fn metadata_v(meta: &Metadata) -> String {
    let parts: Vec<String> = METADATA_FIELDS
        .iter()
        .map(|(f, _)| v_text(&v3_metadata_field(meta, f).unwrap_or(Value::Invalid)))
        .collect();
    format!("{{{}}}", parts.join(" "))
}

impl Object for ChartV3 {
    fn type_name(&self) -> String {
        V3_CHART_TYPE.to_owned()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        // `Validate` has a pointer receiver and the struct is not
        // addressable here, so templates see no methods.
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "IsRoot" => Some(Value::Bool(self.is_root)),
            "Metadata" => Some(Value::Object(Rc::new(MetadataV3(self.meta.clone())))),
            _ => v3_metadata_field(&self.meta, name),
        }
    }

    fn format_v(&self) -> String {
        format!("{{{} {}}}", metadata_v(&self.meta), self.is_root)
    }
}

impl Object for MetadataV3 {
    fn type_name(&self) -> String {
        "chart.Metadata".to_owned()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        v3_metadata_field(&self.0, name)
    }

    fn format_v(&self) -> String {
        metadata_v(&self.0)
    }
}

#[derive(Debug)]
struct MaintainerV3(Maintainer);

impl Object for MaintainerV3 {
    fn type_name(&self) -> String {
        "*chart.Maintainer".to_owned()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "Name" => s(&self.0.name),
            "Email" => s(&self.0.email),
            "URL" => s(&self.0.url),
            _ => return None,
        })
    }

    fn format_v(&self) -> String {
        // Go prints a pointer inside a slice as its address.
        format!("{:p}", self)
    }
}

#[derive(Debug)]
struct DependencyV3(Dependency);

impl Object for DependencyV3 {
    fn type_name(&self) -> String {
        "*chart.Dependency".to_owned()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        let d = &self.0;
        Some(match name {
            "Name" => s(&d.name),
            "Version" => s(&d.version),
            "Repository" => s(&d.repository),
            "Condition" => s(&d.condition),
            "Tags" => string_list(&d.tags, Type::String),
            "Enabled" => Value::Bool(d.enabled),
            "ImportValues" => Value::list(d.import_values.iter().map(value_from_go).collect()),
            "Alias" => s(&d.alias),
            _ => return None,
        })
    }

    fn format_v(&self) -> String {
        format!("{:p}", self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // `{{ .Chart }}` for `name: c1, version: 0.1.0, apiVersion: v2`:
    // helm v3.21.4 prints `{{c1  [] 0.1.0  [] []  v2    false map[]  [] } true}`,
    // helm v4.2.4 `map[APIVersion:v2 Annotations:map[] ... Version:0.1.0]`.
    #[test]
    fn chart_prints_like_helm() {
        let meta = Metadata {
            name: "c1".into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Metadata::default()
        };
        let Value::Object(v3) = chart_value(&meta, true, Compat::V3) else {
            panic!("v3 chart is an object")
        };
        assert_eq!(
            v3.format_v(),
            "{{c1  [] 0.1.0  [] []  v2    false map[]  [] } true}"
        );
        assert_eq!(v3.type_name(), V3_CHART_TYPE);
        assert!(v3.field("name").is_none());
        let v4 = chart_value(&meta, true, Compat::V4);
        assert_eq!(
            v_text(&v4),
            "map[APIVersion:v2 Annotations:map[] AppVersion: Condition: Dependencies:[] \
             Deprecated:false Description: Home: Icon: IsRoot:true Keywords:[] KubeVersion: \
             Maintainers:[] Name:c1 Sources:[] Tags: Type: Version:0.1.0]"
        );
    }
}
