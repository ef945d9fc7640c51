//! `.Files`: helm's `engine.files`, a `map[string][]byte` of a chart's
//! non-template files with the methods `Get`, `GetBytes`, `Glob`, `Lines`,
//! `AsConfig` and `AsSecrets` (`pkg/engine/files.go`, v3.21.4 / v4.2.4).

use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use base64::Engine as _;

use super::glob::Glob;
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gotemplate::{Func, FuncError, Map, Object, Signature, Str, Type, Value};

/// The Go type name `typeOf .Files` prints.
pub const FILES_TYPE: &str = "engine.files";

/// A chart's files as templates see them.
#[derive(Clone)]
pub struct Files {
    files: Rc<BTreeMap<String, Rc<[u8]>>>,
    compat: Compat,
}

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.files.keys()).finish()
    }
}

impl Files {
    /// The files of one chart (`newFiles(c.Files)`).
    pub fn new(files: BTreeMap<String, Rc<[u8]>>, compat: Compat) -> Files {
        Files {
            files: Rc::new(files),
            compat,
        }
    }

    /// The same files as a Go map value (`map[string][]byte` named
    /// `engine.files`), for `range`, `index` and `len`.
    pub fn to_map(&self) -> Map {
        let entries = self
            .files
            .iter()
            .map(|(k, v)| (Str::from(k.as_str()), Value::Bytes(v.clone())))
            .collect();
        Map::new(Type::Bytes, Some(Rc::from(FILES_TYPE)), entries)
    }

    fn get_bytes(&self, name: &[u8]) -> Rc<[u8]> {
        std::str::from_utf8(name)
            .ok()
            .and_then(|n| self.files.get(n))
            .cloned()
            .unwrap_or_else(|| Rc::from(&[][..]))
    }

    /// `Glob`: the files whose name matches; an invalid pattern matches
    /// everything (`**`).
    pub fn glob(&self, pattern: &str) -> Files {
        let glob = Glob::compile(pattern);
        let files = self
            .files
            .iter()
            .filter(|(name, _)| glob.as_ref().is_none_or(|g| g.matches(name)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Files::new(files, self.compat)
    }

    /// `AsConfig`: base name to content, as `toYaml` prints it.
    pub fn as_config(&self) -> String {
        self.to_yaml_by_base(|data| String::from_utf8_lossy(data).into_owned())
    }

    /// `AsSecrets`: base name to base64 content, as `toYaml` prints it.
    pub fn as_secrets(&self) -> String {
        self.to_yaml_by_base(|data| base64::engine::general_purpose::STANDARD.encode(data))
    }

    fn to_yaml_by_base(&self, value: impl Fn(&[u8]) -> String) -> String {
        // Duplicate base names overwrite each other in Go's random map
        // order; the last path in byte order wins here.
        let map: BTreeMap<String, GoValue> = self
            .files
            .iter()
            .map(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k).to_owned();
                (base, GoValue::String(value(v)))
            })
            .collect();
        super::funcs::to_yaml_text(&GoValue::Map(map))
    }

    /// `Lines`: the file split on `\n`, one trailing newline dropped.
    fn lines(&self, path: &[u8]) -> Result<Value, FuncError> {
        let data = std::str::from_utf8(path)
            .ok()
            .and_then(|p| self.files.get(p));
        let strings =
            |items: Vec<Value>| Value::List(crate::gotemplate::List::new(Type::String, items));
        let data = match (data, self.compat) {
            (None, _) => return Ok(strings(Vec::new())),
            (Some(d), Compat::V3) if d.is_empty() => return Ok(strings(Vec::new())),
            // v4 tests `f[path] == nil` only, so an empty file indexes
            // `s[len(s)-1]` and panics.
            (Some(d), Compat::V4) if d.is_empty() => {
                return Err(FuncError::new("runtime error: index out of range [-1]"));
            }
            (Some(d), _) => d,
        };
        let text = data.strip_suffix(b"\n").unwrap_or(data);
        Ok(strings(
            text.split(|b| *b == b'\n')
                .map(|l| Value::String(Str::from(l)))
                .collect(),
        ))
    }
}

fn string_arg(args: &[Value]) -> Str {
    match args.first() {
        Some(Value::String(s)) => s.clone(),
        _ => Str::default(),
    }
}

impl Object for Files {
    fn type_name(&self) -> String {
        FILES_TYPE.to_owned()
    }

    fn method(&self, name: &str) -> Option<Func> {
        let this = self.clone();
        let one_string = |result| Signature::new(vec![Type::String], result);
        Some(match name {
            "Get" => Func::new(name, one_string(Type::String), move |_, args| {
                Ok(Value::String(Str::from(
                    &*this.get_bytes(string_arg(&args).as_bytes()),
                )))
            }),
            "GetBytes" => Func::new(name, one_string(Type::Bytes), move |_, args| {
                Ok(Value::Bytes(this.get_bytes(string_arg(&args).as_bytes())))
            }),
            "Glob" => Func::new(
                name,
                one_string(Type::Named(Rc::from(FILES_TYPE))),
                move |_, args| {
                    let pattern = string_arg(&args);
                    Ok(Value::Object(Rc::new(this.glob(&pattern.to_str_lossy()))))
                },
            ),
            "Lines" => Func::new(
                name,
                one_string(Type::Slice(Box::new(Type::String))),
                move |_, args| this.lines(string_arg(&args).as_bytes()),
            ),
            "AsConfig" => Func::new(name, Signature::new(vec![], Type::String), move |_, _| {
                Ok(Value::string(this.as_config()))
            }),
            "AsSecrets" => Func::new(name, Signature::new(vec![], Type::String), move |_, _| {
                Ok(Value::string(this.as_secrets()))
            }),
            _ => return None,
        })
    }

    fn field(&self, name: &str) -> Option<Value> {
        // A map's "field" is its key; a missing one is the zero `[]byte`
        // (helm runs with missingkey=zero).
        Some(match self.files.get(name) {
            Some(data) => Value::Bytes(data.clone()),
            None => Value::Nil(Type::Bytes),
        })
    }

    fn as_value(&self) -> Option<Value> {
        Some(Value::Map(self.to_map()))
    }

    fn format_v(&self) -> String {
        let items: Vec<String> = self
            .files
            .iter()
            .map(|(k, v)| {
                let bytes: Vec<String> = v.iter().map(u8::to_string).collect();
                format!("{k}:[{}]", bytes.join(" "))
            })
            .collect();
        format!("map[{}]", items.join(" "))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn files(compat: Compat) -> Files {
        let mut m = BTreeMap::new();
        for (k, v) in [
            ("config/a.yaml", "a: 1\n"),
            ("config/sub/b.yaml", "b: 2"),
            ("secret.txt", "s3cr3t"),
            ("empty", ""),
        ] {
            m.insert(k.to_owned(), Rc::from(v.as_bytes()));
        }
        Files::new(m, compat)
    }

    // helm v3.21.4 files_test.go: `AsConfig` of a glob is toYaml of base
    // names, `AsSecrets` base64s the contents.
    #[test]
    fn glob_as_config_and_secrets() {
        let f = files(Compat::V4);
        assert_eq!(f.glob("config/*").as_config(), "a.yaml: |\n  a: 1");
        assert_eq!(
            f.glob("config/**").as_config(),
            "a.yaml: |\n  a: 1\nb.yaml: 'b: 2'"
        );
        assert_eq!(f.glob("*.txt").as_secrets(), "secret.txt: czNjcjN0");
        assert_eq!(f.glob("nothing").as_config(), "{}");
        // An invalid pattern means `**`.
        assert_eq!(f.glob("[").files.len(), 4);
    }

    #[test]
    fn lines_per_version() {
        let lines = |f: &Files, p: &str| match f.lines(p.as_bytes()) {
            Ok(Value::List(l)) => Ok(l.items().len()),
            Ok(_) => Ok(usize::MAX),
            Err(e) => Err(e.message),
        };
        assert_eq!(lines(&files(Compat::V3), "config/a.yaml"), Ok(1));
        assert_eq!(lines(&files(Compat::V3), "missing"), Ok(0));
        assert_eq!(lines(&files(Compat::V3), "empty"), Ok(0));
        assert_eq!(
            lines(&files(Compat::V4), "empty"),
            Err("runtime error: index out of range [-1]".to_owned())
        );
    }
}
