//! `.Capabilities` as templates reach it: `*chartutil.Capabilities`
//! (v3) / `*common.Capabilities` (v4) with `KubeVersion` (fields and the
//! `String`/`GitVersion` methods), `APIVersions` (a `VersionSet` with
//! `Has`) and `HelmVersion` (`version.BuildInfo`).

use std::rc::Rc;

use super::capabilities::{Capabilities, HelmVersion, KubeVersion};
use crate::compat::Compat;
use crate::gotemplate::{Func, List, Object, Signature, Type, Value};

fn pkg(compat: Compat) -> &'static str {
    match compat {
        Compat::V3 => "chartutil",
        Compat::V4 => "common",
    }
}

/// `.Capabilities`.
pub fn capabilities_value(caps: &Capabilities, compat: Compat) -> Value {
    Value::Object(Rc::new(CapsObject {
        caps: Rc::new(caps.clone()),
        compat,
    }))
}

#[derive(Debug)]
struct CapsObject {
    caps: Rc<Capabilities>,
    compat: Compat,
}

impl CapsObject {
    fn kube(&self) -> KubeObject {
        KubeObject {
            kv: self.caps.kube_version.clone(),
            compat: self.compat,
        }
    }

    fn versions(&self) -> VersionSet {
        VersionSet {
            versions: Rc::new(self.caps.api_versions.clone()),
            compat: self.compat,
        }
    }
}

impl Object for CapsObject {
    fn type_name(&self) -> String {
        format!("*{}.Capabilities", pkg(self.compat))
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(match name {
            "KubeVersion" => Value::Object(Rc::new(self.kube())),
            "APIVersions" => Value::Object(Rc::new(self.versions())),
            "HelmVersion" => Value::Object(Rc::new(BuildInfo(self.caps.helm_version.clone()))),
            _ => return None,
        })
    }

    fn format_v(&self) -> String {
        format!(
            "&{{{} {} {}}}",
            self.kube().struct_v(),
            self.versions().format_v(),
            BuildInfo(self.caps.helm_version.clone()).format_v()
        )
    }
}

/// `KubeVersion`, reached through the capabilities pointer, so its
/// pointer-receiver methods (`String`, `GitVersion`) are callable and
/// `%v` prints `String()`.
#[derive(Debug)]
struct KubeObject {
    kv: KubeVersion,
    compat: Compat,
}

impl KubeObject {
    fn struct_v(&self) -> String {
        let values: Vec<&str> = self.fields().iter().map(|(_, v)| *v).collect();
        format!("{{{}}}", values.join(" "))
    }

    /// The Go struct's fields in order (v4 has the private
    /// `normalizedVersion`).
    fn fields(&self) -> Vec<(&'static str, &str)> {
        let kv = &self.kv;
        match self.compat {
            Compat::V3 => vec![
                ("Version", kv.version.as_str()),
                ("Major", kv.major.as_str()),
                ("Minor", kv.minor.as_str()),
            ],
            Compat::V4 => vec![
                ("Version", kv.version.as_str()),
                ("normalizedVersion", kv.normalized.as_str()),
                ("Major", kv.major.as_str()),
                ("Minor", kv.minor.as_str()),
            ],
        }
    }
}

impl Object for KubeObject {
    fn type_name(&self) -> String {
        format!("{}.KubeVersion", pkg(self.compat))
    }

    fn method(&self, name: &str) -> Option<Func> {
        let text = match name {
            "String" => self.kv.string().to_owned(),
            "GitVersion" => self.kv.version.clone(),
            _ => return None,
        };
        Some(Func::new(
            name,
            Signature::new(vec![], Type::String),
            move |_, _| Ok(Value::string(text.as_str())),
        ))
    }

    fn field(&self, name: &str) -> Option<Value> {
        Some(Value::string(match name {
            "Version" => self.kv.version.as_str(),
            "Major" => self.kv.major.as_str(),
            "Minor" => self.kv.minor.as_str(),
            _ => return None,
        }))
    }

    fn format_v(&self) -> String {
        self.kv.string().to_owned()
    }

    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        Some(
            self.fields()
                .into_iter()
                .map(|(n, v)| (n.to_owned(), Value::string(v)))
                .collect(),
        )
    }
}

/// `VersionSet`, a `[]string` with `Has`.
#[derive(Debug)]
pub(crate) struct VersionSet {
    versions: Rc<Vec<String>>,
    compat: Compat,
}

impl VersionSet {
    /// The set as a Go `[]string`, for `range` and `index`.
    pub(crate) fn to_list(&self) -> List {
        List::new(
            Type::String,
            self.versions
                .iter()
                .map(|v| Value::string(v.as_str()))
                .collect(),
        )
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> String {
        format!("{}.VersionSet", pkg(self.compat))
    }

    fn method(&self, name: &str) -> Option<Func> {
        if name != "Has" {
            return None;
        }
        let versions = self.versions.clone();
        Some(Func::new(
            name,
            Signature::new(vec![Type::String], Type::Bool),
            move |_, args| {
                let wanted = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    _ => return Ok(Value::Bool(false)),
                };
                Ok(Value::Bool(
                    versions.iter().any(|v| v.as_bytes() == wanted.as_bytes()),
                ))
            },
        ))
    }

    fn field(&self, _name: &str) -> Option<Value> {
        None
    }

    fn as_value(&self) -> Option<Value> {
        Some(Value::List(self.to_list()))
    }

    fn format_v(&self) -> String {
        format!("[{}]", self.versions.join(" "))
    }
}

/// `version.BuildInfo`.
#[derive(Debug)]
struct BuildInfo(HelmVersion);

impl Object for BuildInfo {
    fn type_name(&self) -> String {
        "version.BuildInfo".to_owned()
    }

    fn method(&self, _name: &str) -> Option<Func> {
        None
    }

    fn field(&self, name: &str) -> Option<Value> {
        let h = &self.0;
        Some(Value::string(match name {
            "Version" => h.version.as_str(),
            "GitCommit" => h.git_commit.as_str(),
            "GitTreeState" => h.git_tree_state.as_str(),
            "GoVersion" => h.go_version.as_str(),
            "KubeClientVersion" => h.kube_client_version.as_deref()?,
            _ => return None,
        }))
    }

    fn format_v(&self) -> String {
        let h = &self.0;
        let mut parts = vec![
            h.version.as_str(),
            h.git_commit.as_str(),
            h.git_tree_state.as_str(),
            h.go_version.as_str(),
        ];
        if let Some(k) = &h.kube_client_version {
            parts.push(k);
        }
        format!("{{{}}}", parts.join(" "))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // helm v3.21.4 / v4.2.4 `helm template` printing
    // `{{ .Capabilities.HelmVersion }}`: `{v3.21.4  clean go1.26.8}` and
    // `{v4.2.4  clean go1.26.8 v1.36}`; `typeOf` of the parts.
    #[test]
    fn capabilities_print_like_helm() {
        for (compat, helm, kv_type) in [
            (
                Compat::V3,
                "{v3.21.4  clean go1.26.8}",
                "chartutil.KubeVersion",
            ),
            (
                Compat::V4,
                "{v4.2.4  clean go1.26.8 v1.36}",
                "common.KubeVersion",
            ),
        ] {
            let Value::Object(caps) = capabilities_value(&Capabilities::defaults(compat), compat)
            else {
                panic!("object")
            };
            let Some(Value::Object(h)) = caps.field("HelmVersion") else {
                panic!("object")
            };
            assert_eq!(h.format_v(), helm);
            let Some(Value::Object(kv)) = caps.field("KubeVersion") else {
                panic!("object")
            };
            assert_eq!(kv.type_name(), kv_type);
            assert_eq!(kv.format_v(), "v1.36.0");
            assert!(kv.method("GitVersion").is_some());
        }
    }

    // helm v4.2.4 / v3.21.4 `helm template --kube-version 1.36.0`:
    // `{{ .Capabilities.KubeVersion }}` calls the pointer-receiver
    // `String()`, fmt prints the struct.
    #[test]
    fn kube_version_prints_like_helm() {
        for (compat, v, plus_v) in [
            (
                Compat::V4,
                "{v1.36.0 v1.36.0 1 36}",
                "{Version:v1.36.0 normalizedVersion:v1.36.0 Major:1 Minor:36}",
            ),
            (
                Compat::V3,
                "{v1.36.0 1 36}",
                "{Version:v1.36.0 Major:1 Minor:36}",
            ),
        ] {
            let caps = capabilities_value(&Capabilities::defaults(compat), compat);
            let mut t = crate::gotemplate::Templates::new("t", crate::gotemplate::Funcs::new());
            t.parse(
                "t",
                br#"{{ .KubeVersion }}|{{ printf "%v" .KubeVersion }}|{{ printf "%+v" .KubeVersion }}"#,
            )
            .unwrap();
            let out = t.execute("t", caps).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("v1.36.0|{v}|{plus_v}")
            );
        }
    }
}
