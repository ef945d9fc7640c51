//! Helm's function map (`pkg/engine/funcs.go` and the closures of
//! `engine.go`): Sprig minus `env`/`expandenv`, the YAML/JSON/TOML
//! converters, and `include`, `tpl`, `required`, `fail`, `lookup` and
//! `getHostByName`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use super::Lookup;
use super::objects::{go_from_value, value_from_go};
use crate::compat::Compat;
use crate::gojson::GoValue;
use crate::gotemplate::{Context, Func, FuncError, Funcs, MissingKey, Signature, Str, Type, Value};
use crate::sprig::Env;

/// helm's `recursionMaxNums`: how deep one name may `include` itself.
const RECURSION_MAX: usize = 1000;

/// The markers `required` and `fail` wrap their message in, which the
/// error formatter finds again (`warnRegex`).
pub(crate) const WARN_START: &str = "HELM_ERR_START";
/// See [`WARN_START`].
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// What the function map depends on besides Sprig's sources.
pub(crate) struct HelmFuncOptions {
    /// Which helm's functions (v4 adds `mustToYaml`, `mustToJson`,
    /// `mustToToml`).
    pub compat: Compat,
    /// `missingkey=error` rather than `zero`, re-applied in `tpl`.
    pub strict: bool,
    /// The cluster `lookup` asks, if any.
    pub lookup: Option<Rc<dyn Lookup>>,
    /// Whether `getHostByName` resolves.
    pub enable_dns: bool,
}

/// The whole function map of one render: Sprig's (from `env`) with
/// helm's on top. `include` counts nesting per name across the render,
/// including inside `tpl`.
pub(crate) fn helm_funcs(env: &Env, opts: &HelmFuncOptions) -> Funcs {
    let mut funcs = crate::sprig::funcs(env);
    funcs.remove("env");
    funcs.remove("expandenv");

    let iface = || Type::Interface;
    let map_t = || Type::Map(Box::new(Type::Interface), None);
    let list_t = || Type::Slice(Box::new(Type::Interface));
    let string_to = |result: Type| Signature::new(vec![Type::String], result);
    let any_to_string = || Signature::new(vec![iface()], Type::String);

    funcs.insert(Func::new("toYaml", any_to_string(), |_, args| {
        Ok(Value::string(to_yaml_or_empty(first(&args))))
    }));
    funcs.insert(Func::new("toYamlPretty", any_to_string(), |_, args| {
        Ok(Value::string(
            go_from_value(first(&args))
                .map(|v| super::yaml_pretty::to_yaml_pretty(&v))
                .map(|t| t.strip_suffix('\n').map(str::to_owned).unwrap_or(t))
                .unwrap_or_default(),
        ))
    }));
    funcs.insert(Func::new("fromYaml", string_to(map_t()), |_, args| {
        Ok(from_yaml(&arg_str(&args)))
    }));
    funcs.insert(Func::new(
        "fromYamlArray",
        string_to(list_t()),
        |_, args| Ok(from_yaml_array(&arg_str(&args))),
    ));
    funcs.insert(Func::new("toJson", any_to_string(), |_, args| {
        Ok(Value::string(to_json(first(&args)).unwrap_or_default()))
    }));
    funcs.insert(Func::new("fromJson", string_to(map_t()), |_, args| {
        Ok(from_json(&arg_str(&args)))
    }));
    funcs.insert(Func::new(
        "fromJsonArray",
        string_to(list_t()),
        |_, args| Ok(from_json_array(&arg_str(&args))),
    ));
    funcs.insert(Func::new("toToml", any_to_string(), |_, args| {
        Ok(Value::string(
            go_from_value(first(&args))
                .and_then(|v| super::toml::to_toml(&v))
                .unwrap_or_else(|e| e),
        ))
    }));
    funcs.insert(Func::new("fromToml", string_to(map_t()), |_, args| {
        Ok(super::toml::from_toml(&arg_str(&args)))
    }));
    if opts.compat == Compat::V4 {
        funcs.insert(Func::new("mustToYaml", any_to_string(), |_, args| {
            let v = go_from_value(first(&args)).map_err(FuncError::new)?;
            let text =
                crate::output::yaml::to_yaml(&v).map_err(|e| FuncError::new(e.to_string()))?;
            Ok(Value::string(text.strip_suffix('\n').unwrap_or(&text)))
        }));
        funcs.insert(Func::new("mustToJson", any_to_string(), |_, args| {
            Ok(Value::string(
                to_json(first(&args)).map_err(FuncError::new)?,
            ))
        }));
        funcs.insert(Func::new("mustToToml", any_to_string(), |_, args| {
            let v = go_from_value(first(&args)).map_err(FuncError::new)?;
            Ok(Value::string(
                super::toml::to_toml(&v).map_err(FuncError::new)?,
            ))
        }));
    }

    let included: Rc<RefCell<HashMap<String, usize>>> = Rc::default();
    funcs.insert(include_func(included));
    funcs.insert(tpl_func(opts.strict));

    funcs.insert(Func::new(
        "required",
        Signature::new(vec![Type::String, iface()], iface()).with_error(),
        |_, args| {
            let warn = arg_str(&args);
            let val = args.get(1).cloned().unwrap_or(Value::Invalid);
            let missing = match &val {
                Value::Invalid | Value::Nil(Type::Interface) => true,
                Value::String(s) => s.is_empty(),
                _ => false,
            };
            if missing {
                return Err(FuncError::new(warn_wrap(&warn)));
            }
            Ok(val)
        },
    ));
    funcs.insert(Func::new(
        "fail",
        string_to(Type::String).with_error(),
        |_, args| Err(FuncError::new(warn_wrap(&arg_str(&args)))),
    ));

    let lookup = opts.lookup.clone();
    funcs.insert(Func::new(
        "lookup",
        Signature::new(vec![Type::String; 4], map_t()).with_error(),
        move |_, args| {
            let empty = || Value::map(BTreeMap::new());
            let Some(cluster) = &lookup else {
                return Ok(empty());
            };
            let s = |i: usize| match args.get(i) {
                Some(Value::String(s)) => s.to_str_lossy().into_owned(),
                _ => String::new(),
            };
            match cluster.lookup(&s(0), &s(1), &s(2), &s(3)) {
                Ok(Some(obj)) => Ok(value_from_go(&obj)),
                Ok(None) => Ok(empty()),
                Err(e) => Err(FuncError::new(e)),
            }
        },
    ));
    if !opts.enable_dns {
        funcs.insert(Func::new(
            "getHostByName",
            string_to(Type::String),
            |_, _| Ok(Value::string("")),
        ));
    }
    funcs
}

fn warn_wrap(text: &str) -> String {
    format!("{WARN_START}{text}{WARN_END}")
}

fn first(args: &[Value]) -> &Value {
    args.first().unwrap_or(&Value::Invalid)
}

/// The first argument as text (a `string` parameter always receives a
/// string; anything else reads as empty).
fn arg_str(args: &[Value]) -> String {
    match args.first() {
        Some(Value::String(s)) => s.to_str_lossy().into_owned(),
        _ => String::new(),
    }
}

/// `include NAME DATA`: executes a template of the running set into a
/// string, failing when NAME is already more than 1000 deep.
fn include_func(included: Rc<RefCell<HashMap<String, usize>>>) -> Func {
    Func::new(
        "include",
        Signature::new(vec![Type::String, Type::Interface], Type::String).with_error(),
        move |cx: &mut dyn Context, args| {
            let name = arg_str(&args);
            let data = args.get(1).cloned().unwrap_or(Value::Invalid);
            {
                let mut counts = included.borrow_mut();
                let count = counts.entry(name.clone()).or_insert(0);
                if *count > RECURSION_MAX {
                    return Err(FuncError::new(format!(
                        "rendering template has a nested reference name: {name}: unable to execute template"
                    )));
                }
                *count += 1;
            }
            let result = cx.execute_template(&name, data);
            if let Some(count) = included.borrow_mut().get_mut(&name) {
                *count = count.saturating_sub(1);
            }
            match result {
                Ok(bytes) => Ok(Value::String(Str::from(bytes))),
                Err(e) => Err(FuncError::wrapping(e.to_string(), e)),
            }
        },
    )
}

/// `tpl TEXT DATA`: parses TEXT as `gotpl` into a clone of the running
/// set (so its `define`s are includable from it) and executes it.
fn tpl_func(strict: bool) -> Func {
    Func::new(
        "tpl",
        Signature::new(vec![Type::String, Type::Interface], Type::String).with_error(),
        move |cx: &mut dyn Context, args| {
            let text = match args.first() {
                Some(Value::String(s)) => s.clone(),
                _ => Str::default(),
            };
            let data = args.get(1).cloned().unwrap_or(Value::Invalid);
            let quoted = crate::gotemplate::strconv::quote(text.as_bytes());
            let mut set = cx.templates().clone();
            set.set_missing_key(if strict {
                MissingKey::Error
            } else {
                MissingKey::Zero
            });
            let name = set.name().to_owned();
            let before = set.lookup(&name).cloned();
            if let Err(e) = set.parse(&name, text.as_bytes()) {
                return Err(FuncError::new(format!(
                    "cannot parse template {quoted}: {e}"
                )));
            }
            // Go executes the template `New` returned, even when its tree
            // is empty and so was not installed over an enclosing tpl's
            // `gotpl` (a nested `tpl ""`): that prints nothing.
            if let (Some(old), Some(now)) = (&before, set.lookup(&name))
                && Rc::ptr_eq(old, now)
            {
                return Ok(Value::string(""));
            }
            match set.execute(&name, data) {
                Ok(bytes) => Ok(Value::String(Str::from(strip_no_value(&bytes)))),
                Err(e) => Err(FuncError::wrapping(
                    format!("error during tpl function execution for {quoted}: {e}"),
                    e,
                )),
            }
        },
    )
}

/// Removes every `<no value>` (helm's workaround for Go printing it even
/// under `missingkey=zero`).
pub(crate) fn strip_no_value(bytes: &[u8]) -> Vec<u8> {
    const NEEDLE: &[u8] = b"<no value>";
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(i) = memchr::memmem::find(rest, NEEDLE) {
        out.extend_from_slice(&rest[..i]);
        rest = &rest[i + NEEDLE.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// sigs.k8s.io/yaml's `Marshal` text with the trailing newline trimmed,
/// or "" on error (helm's `toYAML`).
pub(crate) fn to_yaml_text(v: &GoValue) -> String {
    match crate::output::yaml::to_yaml(v) {
        Ok(text) => text.strip_suffix('\n').map(str::to_owned).unwrap_or(text),
        Err(_) => String::new(),
    }
}

fn to_yaml_or_empty(v: &Value) -> String {
    go_from_value(v)
        .map(|g| to_yaml_text(&g))
        .unwrap_or_default()
}

/// `json.Marshal` text (HTML-escaped), or Go's error.
fn to_json(v: &Value) -> Result<String, String> {
    let g = go_from_value(v)?;
    let mut text = crate::gojson::to_json(&g).map_err(|e| e.to_string())?;
    text.pop();
    Ok(text)
}

fn error_map(message: String) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Str::from("Error"), Value::string(message));
    Value::map(m)
}

fn from_yaml(text: &str) -> Value {
    match crate::gojson::yaml::from_slice(text.as_bytes()) {
        Ok(GoValue::Map(m)) => value_from_go(&GoValue::Map(m)),
        // An empty or null document leaves the map empty (helm prints
        // `toJson (fromYaml "")` as `{}`).
        Ok(GoValue::Null) => Value::map(BTreeMap::new()),
        Ok(other) => error_map(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
        Err(e) => error_map(e.message().to_owned()),
    }
}

fn from_yaml_array(text: &str) -> Value {
    match crate::gojson::yaml::from_slice(text.as_bytes()) {
        Ok(GoValue::Array(items)) => value_from_go(&GoValue::Array(items)),
        Ok(GoValue::Null) => Value::list(Vec::new()),
        Ok(other) => Value::list(vec![Value::string(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::string(e.message())]),
    }
}

/// The JSON kind word Go's `UnmarshalTypeError` uses.
fn json_kind(v: &GoValue) -> &'static str {
    match v {
        GoValue::Null => "null",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) | GoValue::Float(_) => "number",
        GoValue::String(_) => "string",
        GoValue::Array(_) => "array",
        GoValue::Map(_) | GoValue::Struct(_) => "object",
    }
}

/// `json.Unmarshal` into `interface{}`, with Go's syntax error texts.
fn parse_json(text: &str) -> Result<GoValue, String> {
    super::json_scan::check_valid(text.as_bytes())?;
    serde_json::from_str::<serde_json::Value>(text)
        .map(|v| GoValue::from_json(&v))
        .map_err(|e| e.to_string())
}

fn from_json(text: &str) -> Value {
    match parse_json(text) {
        Ok(GoValue::Map(m)) => value_from_go(&GoValue::Map(m)),
        Ok(GoValue::Null) => Value::Nil(Type::Map(Box::new(Type::Interface), None)),
        Ok(other) => error_map(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
        Err(e) => error_map(e),
    }
}

fn from_json_array(text: &str) -> Value {
    match parse_json(text) {
        Ok(GoValue::Array(items)) => value_from_go(&GoValue::Array(items)),
        Ok(GoValue::Null) => Value::Nil(Type::Slice(Box::new(Type::Interface))),
        Ok(other) => Value::list(vec![Value::string(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::string(e)]),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // Go: `json.Unmarshal([]byte(s), &m)` error texts (Go 1.26).
    #[test]
    fn json_errors_read_as_go() {
        assert_eq!(parse_json("{").unwrap_err(), "unexpected end of JSON input");
        assert_eq!(
            parse_json("x").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        let Value::Map(m) = from_json("[1]") else {
            panic!("map")
        };
        assert!(matches!(m.get(b"Error"), Some(Value::String(s))
            if s.as_bytes() == b"json: cannot unmarshal array into Go value of type map[string]interface {}"));
    }

    // See yaml_pretty.rs's test for where the expected text comes from.
    #[test]
    fn to_yaml_matches_helm() {
        let values =
            crate::gojson::yaml::from_slice(include_bytes!("testdata/convert_values.yaml"))
                .unwrap();
        let want = include_str!("testdata/to_yaml.txt");
        assert_eq!(
            to_yaml_or_empty(&value_from_go(&values)),
            want[..want.len() - 1]
        );
    }

    #[test]
    fn strips_no_value() {
        assert_eq!(strip_no_value(b"a<no value>b<no value>"), b"ab");
    }

    // helm's toYAML of `{b: 2, a: [x]}` and of a float64 1e6.
    #[test]
    fn to_yaml_like_helm() {
        let mut m = BTreeMap::new();
        m.insert(Str::from("b"), Value::int64(2));
        m.insert(Str::from("a"), Value::list(vec![Value::string("x")]));
        assert_eq!(to_yaml_or_empty(&Value::map(m)), "a:\n- x\nb: 2");
        assert_eq!(to_yaml_or_empty(&Value::float64(1e6)), "1000000");
        assert_eq!(to_yaml_or_empty(&Value::Invalid), "null");
        assert_eq!(
            to_json(&Value::string("<&>")).unwrap(),
            "\"\\u003c\\u0026\\u003e\""
        );
    }
}
