//! Sprig as a whole: every `genericMap` name registered, and the Go
//! oracle's template vectors (fixtures/sprig/vectors.json, from
//! fixtures/sprig/gen) rendered through the engine.

use std::collections::BTreeMap;

use super::{Env, funcs};
use crate::gotemplate::{List, Map, Str, Templates, Type, Value};

/// Sprig v3.3.0 `genericMap` (functions.go), in source order.
const GENERIC_MAP: &[&str] = &[
    "hello",
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "abbrev",
    "abbrevboth",
    "trunc",
    "trim",
    "upper",
    "lower",
    "title",
    "untitle",
    "substr",
    "repeat",
    "trimall",
    "trimAll",
    "trimSuffix",
    "trimPrefix",
    "nospace",
    "initials",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "swapcase",
    "shuffle",
    "snakecase",
    "camelcase",
    "kebabcase",
    "wrap",
    "wrapWith",
    "contains",
    "hasPrefix",
    "hasSuffix",
    "quote",
    "squote",
    "cat",
    "indent",
    "nindent",
    "replace",
    "plural",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "toString",
    "atoi",
    "int64",
    "int",
    "float64",
    "seq",
    "toDecimal",
    "split",
    "splitList",
    "splitn",
    "toStrings",
    "until",
    "untilStep",
    "add1",
    "add",
    "sub",
    "div",
    "mod",
    "mul",
    "randInt",
    "add1f",
    "addf",
    "subf",
    "divf",
    "mulf",
    "biggest",
    "max",
    "min",
    "maxf",
    "minf",
    "ceil",
    "floor",
    "round",
    "join",
    "sortAlpha",
    "default",
    "empty",
    "coalesce",
    "all",
    "any",
    "compact",
    "mustCompact",
    "fromJson",
    "toJson",
    "toPrettyJson",
    "toRawJson",
    "mustFromJson",
    "mustToJson",
    "mustToPrettyJson",
    "mustToRawJson",
    "ternary",
    "deepCopy",
    "mustDeepCopy",
    "typeOf",
    "typeIs",
    "typeIsLike",
    "kindOf",
    "kindIs",
    "deepEqual",
    "env",
    "expandenv",
    "getHostByName",
    "base",
    "dir",
    "clean",
    "ext",
    "isAbs",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "tuple",
    "list",
    "dict",
    "get",
    "set",
    "unset",
    "hasKey",
    "pluck",
    "keys",
    "pick",
    "omit",
    "merge",
    "mergeOverwrite",
    "mustMerge",
    "mustMergeOverwrite",
    "values",
    "append",
    "push",
    "mustAppend",
    "mustPush",
    "prepend",
    "mustPrepend",
    "first",
    "mustFirst",
    "rest",
    "mustRest",
    "last",
    "mustLast",
    "initial",
    "mustInitial",
    "reverse",
    "mustReverse",
    "uniq",
    "mustUniq",
    "without",
    "mustWithout",
    "has",
    "mustHas",
    "slice",
    "mustSlice",
    "concat",
    "dig",
    "chunk",
    "mustChunk",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "randBytes",
    "uuidv4",
    "semver",
    "semverCompare",
    "fail",
    "regexMatch",
    "mustRegexMatch",
    "regexFindAll",
    "mustRegexFindAll",
    "regexFind",
    "mustRegexFind",
    "regexReplaceAll",
    "mustRegexReplaceAll",
    "regexReplaceAllLiteral",
    "mustRegexReplaceAllLiteral",
    "regexSplit",
    "mustRegexSplit",
    "regexQuoteMeta",
    "urlParse",
    "urlJoin",
];

/// The names the sprig-b families own (crypto, dates, encoding, random,
/// uuid, semver, url, network).
const SPRIG_B: &[&str] = &[
    "ago",
    "date",
    "date_in_zone",
    "date_modify",
    "dateInZone",
    "dateModify",
    "duration",
    "durationRound",
    "htmlDate",
    "htmlDateInZone",
    "must_date_modify",
    "mustDateModify",
    "mustToDate",
    "now",
    "toDate",
    "unixEpoch",
    "randAlphaNum",
    "randAlpha",
    "randAscii",
    "randNumeric",
    "shuffle",
    "randInt",
    "randBytes",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "adler32sum",
    "bcrypt",
    "htpasswd",
    "genPrivateKey",
    "derivePassword",
    "buildCustomCert",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "encryptAES",
    "decryptAES",
    "uuidv4",
    "semver",
    "semverCompare",
    "b64enc",
    "b64dec",
    "b32enc",
    "b32dec",
    "urlParse",
    "urlJoin",
    "getHostByName",
];

fn env() -> Env {
    Env::fixed(1, jiff::Timestamp::UNIX_EPOCH)
}

#[test]
fn every_sprig_a_name_is_registered_and_env_is_not() {
    let f = funcs(&env());
    let missing: Vec<&str> = GENERIC_MAP
        .iter()
        .copied()
        .filter(|n| !SPRIG_B.contains(n) && !matches!(*n, "env" | "expandenv"))
        .filter(|n| !f.contains(n))
        .collect();
    assert!(missing.is_empty(), "not registered: {missing:?}");
    assert!(!f.contains("env") && !f.contains("expandenv"));
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn dict(entries: Vec<(&str, Value)>) -> Value {
    Value::map(
        entries
            .into_iter()
            .map(|(k, v)| (Str::from(k), v))
            .collect(),
    )
}

/// The same dot as fixtures/sprig/gen/main.go's `data()`.
fn data() -> Value {
    dict(vec![
        ("str", s("abc")),
        ("i64", Value::int64(5)),
        ("int", Value::int(7)),
        ("f", Value::float64(1.5)),
        ("big", Value::float64(1e6)),
        ("t", Value::Bool(true)),
        ("nil", Value::nil()),
        (
            "list",
            Value::list(vec![
                s("b"),
                Value::int(1),
                Value::nil(),
                s("a"),
                Value::float64(2.5),
            ]),
        ),
        (
            "strs",
            Value::List(List::new(Type::String, vec![s("b"), s("c"), s("a")])),
        ),
        ("empty", Value::list(vec![])),
        (
            "map",
            dict(vec![
                ("a", Value::float64(1.0)),
                ("b", s("x")),
                ("n", dict(vec![("c", s("d"))])),
            ]),
        ),
        (
            "sm",
            Value::Map(Map::new(
                Type::String,
                None,
                BTreeMap::from([(Str::from("k"), s("v"))]),
            )),
        ),
    ])
}

#[derive(serde::Deserialize)]
struct Vector {
    template: String,
    #[serde(default)]
    output: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn render(template: &str) -> Result<String, String> {
    let mut set = Templates::new("t", funcs(&env()));
    set.parse("t", template.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = set.execute("t", data()).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn go_oracle_vectors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sprig/vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let vectors: Vec<Vector> = serde_json::from_str(&text).unwrap_or_default();
    assert!(vectors.len() > 100, "vectors missing: {path}");
    let mut failures = Vec::new();
    for v in &vectors {
        let want = match (&v.output, &v.error) {
            (_, Some(e)) => Err(e.clone()),
            (Some(o), None) => Ok(o.clone()),
            (None, None) => Ok(String::new()),
        };
        let got = render(&v.template);
        if got != want {
            failures.push(format!("{}\n   got: {got:?}\n  want: {want:?}", v.template));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}
