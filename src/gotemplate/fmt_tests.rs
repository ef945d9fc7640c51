//! The fmt and strconv ports against Go's own outputs: the vectors in
//! `fixtures/gotemplate/fmt/vectors.json`, printed by the Go program in
//! `fixtures/gotemplate/fmt/gen` (see its header for regeneration).

use std::collections::BTreeMap;
use std::rc::Rc;

use base64::Engine as _;
use serde_json::Value as Json;

use super::fmt::{format_v, sprint, sprintf, sprintln};
use super::strconv;
use super::value::{FloatKind, IntKind, List, Map, Str, Type, UintKind, Value};

fn vectors() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/gotemplate/fmt/vectors.json"
    );
    let text = std::fs::read_to_string(path).expect("vectors.json is checked in");
    serde_json::from_str(&text).expect("vectors.json is JSON")
}

fn b64(j: &Json) -> Vec<u8> {
    match j.as_str() {
        Some(s) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .expect("base64"),
        None => Vec::new(),
    }
}

fn num<T: std::str::FromStr>(j: &Json) -> T
where
    T::Err: std::fmt::Debug,
{
    match j {
        Json::String(s) => s.parse().expect("number text"),
        other => other.to_string().parse().expect("number"),
    }
}

/// Rebuilds the Go value an `arg` of the generator describes.
fn build(a: &Json) -> Value {
    let v = &a["v"];
    let items = || -> Vec<Value> {
        a["items"]
            .as_array()
            .map(|xs| xs.iter().map(build).collect())
            .unwrap_or_default()
    };
    let entries = || -> BTreeMap<Str, Value> {
        let keys = a["keys"].as_array().cloned().unwrap_or_default();
        keys.iter()
            .zip(items())
            .map(|(k, v)| (Str::from(k.as_str().expect("key")), v))
            .collect()
    };
    match a["t"].as_str().expect("type tag") {
        "bool" => Value::Bool(v.as_bool().unwrap_or(false)),
        "int" => Value::Int(num(v), IntKind::Int),
        "int64" => Value::Int(num(v), IntKind::Int64),
        "int32" => Value::Int(num(v), IntKind::Int32),
        "int8" => Value::Int(num(v), IntKind::Int8),
        "int16" => Value::Int(num(v), IntKind::Int16),
        "uint16" => Value::Uint(num(v), UintKind::Uint16),
        "uint32" => Value::Uint(num(v), UintKind::Uint32),
        "uintptr" => Value::Uint(num(v), UintKind::Uintptr),
        "uint" => Value::Uint(num(v), UintKind::Uint),
        "uint8" => Value::Uint(num(v), UintKind::Uint8),
        "uint64" => Value::Uint(num(v), UintKind::Uint64),
        "float64" => Value::Float(
            f64::from_bits(u64::from_str_radix(v.as_str().expect("bits"), 16).expect("hex")),
            FloatKind::F64,
        ),
        "float32" => Value::Float(
            f64::from(f32::from_bits(
                u32::from_str_radix(v.as_str().expect("bits"), 16).expect("hex"),
            )),
            FloatKind::F32,
        ),
        "string" => Value::String(Str::from(b64(v))),
        "bytes" => Value::Bytes(Rc::from(b64(v))),
        "nilbytes" => Value::Nil(Type::Bytes),
        "nil" => Value::nil(),
        "nillist" => Value::Nil(Type::Slice(Box::new(elem_type(a)))),
        "nilmap" => Value::Nil(Type::Map(Box::new(elem_type(a)), None)),
        "list" => Value::List(List::new(elem_type(a), items())),
        "strlist" => Value::List(List::new(Type::String, items())),
        "map" => Value::Map(Map::new(elem_type(a), None, entries())),
        "smap" => Value::Map(Map::new(Type::String, None, entries())),
        "values" => Value::Map(Map::new(
            Type::Interface,
            Some(Rc::from("main.Values")),
            entries(),
        )),
        other => panic!("unknown arg type {other}"),
    }
}

/// The element type a slice or map `arg` names (`interface {}` if none).
fn elem_type(a: &Json) -> Type {
    fn parse(name: &str) -> Type {
        match name {
            "" | "interface {}" => Type::Interface,
            "bool" => Type::Bool,
            "int" => Type::Int(IntKind::Int),
            "int64" => Type::Int(IntKind::Int64),
            "int32" => Type::Int(IntKind::Int32),
            "uint8" => Type::Uint(UintKind::Uint8),
            "float64" => Type::Float(FloatKind::F64),
            "string" => Type::String,
            other => match other.strip_prefix("[]") {
                Some(elem) => Type::Slice(Box::new(parse(elem))),
                None => panic!("unknown element type {other}"),
            },
        }
    }
    parse(a["elem"].as_str().unwrap_or(""))
}

/// Whether Go's output holds a memory address (`%p` of a live slice or
/// map), which no port can reproduce.
fn has_address(format: &str, args: &[Json]) -> bool {
    format.contains('p')
        && args.iter().any(|a| {
            matches!(
                a["t"].as_str(),
                Some("list" | "strlist" | "map" | "smap" | "values" | "bytes")
            )
        })
}

#[test]
fn printf_matches_go() {
    let all = vectors();
    let mut failures = Vec::new();
    let mut count = 0;
    for vec in all["printf"].as_array().expect("printf") {
        let args_json = vec["args"].as_array().cloned().unwrap_or_default();
        let format = vec["format"].as_str().unwrap_or("");
        if has_address(format, &args_json) {
            continue;
        }
        let args: Vec<Value> = args_json.iter().map(build).collect();
        let want: Vec<u8> = if vec.get("out_bytes").is_some() {
            b64(&vec["out_bytes"])
        } else {
            vec["out"].as_str().expect("out").as_bytes().to_vec()
        };
        let got = match vec["mode"].as_str() {
            Some("print") => sprint(&args),
            Some("println") => sprintln(&args),
            _ => sprintf(format.as_bytes(), &args),
        };
        count += 1;
        if got != want {
            failures.push(format!(
                "{} {:?} {}: got {:?} want {:?}",
                vec["mode"],
                format,
                Json::Array(args_json),
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            ));
        }
    }
    assert!(count > 3000, "only {count} vectors ran");
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn format_float_matches_go() {
    let all = vectors();
    let mut failures = Vec::new();
    let floats = all["floats"].as_array().expect("floats");
    for vec in floats {
        let bits = u64::from_str_radix(vec["bits"].as_str().expect("bits"), 16).expect("hex");
        let fmt = vec["fmt"].as_str().expect("fmt").as_bytes()[0];
        let prec = vec["prec"].as_i64().expect("prec") as i32;
        let size = vec["size"].as_u64().expect("size") as u32;
        let want = vec["out"].as_str().expect("out");
        let got = strconv::format_float(f64::from_bits(bits), fmt, prec, size);
        if got != want {
            failures.push(format!(
                "{} {} {prec} {size}: got {got} want {want}",
                f64::from_bits(bits),
                char::from(fmt)
            ));
        }
    }
    assert!(floats.len() > 5000);
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn quoting_matches_go() {
    let all = vectors();
    for vec in all["quotes"].as_array().expect("quotes") {
        let input = b64(&vec["in"]);
        assert_eq!(strconv::quote(&input), vec["quote"].as_str().expect("q"));
        assert_eq!(
            strconv::quote_to_ascii(&input),
            vec["ascii"].as_str().expect("a")
        );
        assert_eq!(
            strconv::can_backquote(&input),
            vec["can_backquote"].as_bool().expect("b"),
            "{input:?}"
        );
    }
    for vec in all["runes"].as_array().expect("runes") {
        let r = vec["rune"].as_i64().expect("rune");
        // Go's rune is an int32; -1 and 0x110000 are both invalid.
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        assert_eq!(strconv::quote_rune(r), vec["quote"].as_str().expect("q"));
        assert_eq!(
            strconv::quote_rune_to_ascii(r),
            vec["ascii"].as_str().expect("a")
        );
    }
    for vec in all["ints"].as_array().expect("ints") {
        let v: i64 = vec["v"].as_str().expect("v").parse().expect("int");
        let base = vec["base"].as_u64().expect("base") as u32;
        assert_eq!(
            strconv::format_int(v, base),
            vec["out"].as_str().expect("out")
        );
    }
}

#[test]
fn decode_rune_is_gos() {
    assert_eq!(strconv::decode_rune(b""), (0xFFFD, 0));
    assert_eq!(strconv::decode_rune(b"a"), (0x61, 1));
    assert_eq!(strconv::decode_rune("é".as_bytes()), (0xE9, 2));
    assert_eq!(strconv::decode_rune(b"\xed\xa0\x80"), (0xFFFD, 1));
    assert_eq!(strconv::decode_rune(b"\xf4\x90\x80\x80"), (0xFFFD, 1));
    assert_eq!(strconv::decode_rune(b"\xc0\x80"), (0xFFFD, 1));
    assert_eq!(strconv::decode_rune(b"\xe2\x82"), (0xFFFD, 1));
    assert_eq!(strconv::rune_count(b"a\xe2\x82b"), 4);
}

#[test]
fn format_v_of_common_values() {
    // Go: fmt.Sprint of each.
    assert_eq!(format_v(&Value::float64(1e6)), b"1e+06");
    assert_eq!(format_v(&Value::int64(1_000_000)), b"1000000");
    assert_eq!(format_v(&Value::nil()), b"<nil>");
    assert_eq!(format_v(&Value::string("x")), b"x");
    // Go: fmt.Sprint(reflect.Value{}), and an invalid value met inside a
    // container (a nil interface element).
    assert_eq!(format_v(&Value::Invalid), b"<invalid reflect.Value>");
    assert_eq!(
        format_v(&Value::list(vec![Value::Invalid, Value::int(1)])),
        b"[<nil> 1]"
    );
}

/// A host object with a `String()` method, as `.Capabilities.KubeVersion`.
#[derive(Debug)]
struct Version;

impl super::value::Object for Version {
    fn type_name(&self) -> String {
        "*chartutil.KubeVersion".to_owned()
    }
    fn method(&self, _: &str) -> Option<super::func::Func> {
        None
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn format_v(&self) -> String {
        "v1.36.0".to_owned()
    }
}

#[test]
fn objects_print_through_their_string_method() {
    // Go: a Stringer prints String() for %v %s %q %x and inside
    // containers; %T names its type.
    let v = Value::Object(Rc::new(Version));
    assert_eq!(format_v(&v), b"v1.36.0");
    assert_eq!(
        sprintf(
            b"%10s|%q|%x|%T",
            &[v.clone(), v.clone(), v.clone(), v.clone()]
        ),
        b"   v1.36.0|\"v1.36.0\"|76312e33362e30|*chartutil.KubeVersion"
    );
    assert_eq!(
        format_v(&Value::list(vec![v.clone(), Value::int(1)])),
        b"[v1.36.0 1]"
    );
    assert_eq!(sprint(&[v.clone(), v]), b"v1.36.0 v1.36.0");
}

#[test]
fn func_type_names_are_gos() {
    use super::func::{Func, Signature};
    // Go: fmt.Sprintf("%T", f) for each signature.
    let f = |sig| Value::Func(Rc::new(Func::new("f", sig, |_, _| Ok(Value::nil()))));
    let one = f(Signature::new(vec![Type::String], Type::String));
    assert_eq!(sprintf(b"%T", &[one]), b"func(string) string");
    let err = f(
        Signature::new(vec![Type::Interface, Type::Int(IntKind::Int)], Type::String).with_error(),
    );
    assert_eq!(
        sprintf(b"%T", &[err]),
        b"func(interface {}, int) (string, error)"
    );
    let var = f(Signature::variadic(
        vec![],
        Type::Interface,
        Type::Slice(Box::new(Type::Interface)),
    ));
    assert_eq!(
        sprintf(b"%T", &[var]),
        b"func(...interface {}) []interface {}"
    );
}

#[test]
fn type_names_are_gos() {
    use super::fmt::type_name;
    // Go: reflect.Type.String() of each.
    let cases = [
        (Type::Int(IntKind::Int64), "int64"),
        (Type::Float(FloatKind::F64), "float64"),
        (Type::String, "string"),
        (Type::Bytes, "[]uint8"),
        (Type::Slice(Box::new(Type::Interface)), "[]interface {}"),
        (
            Type::Map(Box::new(Type::Interface), None),
            "map[string]interface {}",
        ),
        (Type::Map(Box::new(Type::String), None), "map[string]string"),
        (
            Type::Map(
                Box::new(Type::Interface),
                Some(Rc::from("chartutil.Values")),
            ),
            "chartutil.Values",
        ),
        (
            Type::Slice(Box::new(Type::Map(Box::new(Type::Interface), None))),
            "[]map[string]interface {}",
        ),
        (Type::Uint(UintKind::Uintptr), "uintptr"),
        (
            Type::Named(Rc::from("*chartutil.Capabilities")),
            "*chartutil.Capabilities",
        ),
    ];
    for (t, want) in cases {
        assert_eq!(type_name(&t), want);
    }
    assert_eq!(super::fmt::value_type_name(&Value::nil()), "<nil>");
}

#[test]
fn templates_print_as_go() {
    // Go's text/template over the same values: the action's own printing
    // and the print builtins, end to end through the engine.
    use super::func::Funcs;
    use super::set::Templates;
    let all = vectors();
    let mut failures = Vec::new();
    let cases = all["templates"].as_array().expect("templates");
    for vec in cases {
        let text = vec["template"].as_str().expect("template");
        let data = build(&vec["arg"]);
        let want: Vec<u8> = if vec.get("out_bytes").is_some() {
            b64(&vec["out_bytes"])
        } else {
            vec["out"].as_str().expect("out").as_bytes().to_vec()
        };
        let mut set = Templates::new("t", Funcs::new());
        let got = match set.parse("t", text.as_bytes()) {
            Ok(()) => match set.execute("t", data) {
                Ok(out) => out,
                Err(e) => format!("error: {e}").into_bytes(),
            },
            Err(e) => format!("parse error: {e}").into_bytes(),
        };
        if got != want {
            failures.push(format!(
                "{text} {}: got {:?} want {:?}",
                vec["arg"],
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&want)
            ));
        }
    }
    assert!(cases.len() > 300);
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
