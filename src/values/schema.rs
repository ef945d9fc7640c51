//! `values.schema.json` validation as helm does it (santhosh-tekuri
//! jsonschema v6 under helm's wrapper): the root chart's schema against
//! the coalesced values, then every subchart's schema against its section.
//!
//! The validator here implements the keywords charts use, with
//! santhosh's message texts and its error tree (`- at '<ptr>': <msg>`,
//! several errors at one place grouped under `validation failed`):
//! `type`, `enum`, `const`, `required`, `properties`, `patternProperties`,
//! `additionalProperties`, `minProperties`/`maxProperties`, `items`
//! (schema, and the tuple form of drafts before 2020-12), `prefixItems`,
//! `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`,
//! `pattern`, `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`
//! (numeric, and draft-04's boolean form), `multipleOf`, `allOf`,
//! `anyOf`, `oneOf`, `not`, `if`/`then`/`else` and local `$ref`s
//! (`#/...`). `format` is not asserted (helm asserts it only for drafts
//! before 2019-09), nor are remote `$ref`s resolved.
//!
//! santhosh reports the errors of an object's properties in Go map order,
//! which changes from run to run; rudder reports them in name order, one
//! of the orders helm prints.

use serde_json::Value as Json;

use super::ValuesError;
use crate::chart::model::{Chart, Values};
use crate::gojson::GoValue;
use crate::gojson::float::format_g;

/// One node of santhosh's error tree.
#[derive(Debug, Clone, PartialEq)]
struct SchemaError {
    /// JSON pointer of the instance location.
    ptr: String,
    message: String,
    causes: Vec<SchemaError>,
}

impl SchemaError {
    fn leaf(ptr: &str, message: impl Into<String>) -> Self {
        SchemaError {
            ptr: ptr.to_owned(),
            message: message.into(),
            causes: Vec::new(),
        }
    }

    fn write(&self, depth: usize, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&format!("- at {}: {}\n", quote(&self.ptr), self.message));
        for c in &self.causes {
            c.write(depth + 1, out);
        }
    }
}

/// santhosh's `quote`: Go's `%q` with single quotes outside.
fn quote(s: &str) -> String {
    let q = super::strvals::go_quote(s);
    let inner = &q[1..q.len() - 1];
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

/// Validates `values` (coalesced) against `chart`'s schema and, for each
/// subchart whose section is a map, the subchart's schema against that
/// section, recursively. The error text is helm's.
pub fn validate(chart: &Chart, values: &Values) -> Result<(), ValuesError> {
    let report = validate_report(chart, values);
    if report.is_empty() {
        Ok(())
    } else {
        Err(ValuesError::Invalid(format!(
            "values don't meet the specifications of the schema(s) in the following chart(s):\n{report}"
        )))
    }
}

/// helm's `ValidateAgainstSchema` text without the leading sentence.
fn validate_report(chart: &Chart, values: &Values) -> String {
    let mut sb = String::new();
    if let Some(schema) = &chart.schema
        && let Err(e) = validate_single(values, schema)
    {
        sb.push_str(&format!("{}:\n{e}", chart.name()));
    }
    for sub in &chart.dependencies {
        match values.get(sub.name()) {
            None | Some(GoValue::Null) => {}
            Some(GoValue::Map(section)) => sb.push_str(&validate_report(sub, section)),
            Some(other) => sb.push_str(&format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                go_type(other)
            )),
        }
    }
    sb
}

fn go_type(v: &GoValue) -> &'static str {
    match v {
        GoValue::Null => "<nil>",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) => "int64",
        GoValue::Float(_) => "float64",
        GoValue::String(_) => "string",
        GoValue::Array(_) => "[]interface {}",
        GoValue::Map(_) | GoValue::Struct(_) => "map[string]interface {}",
    }
}

/// One schema document against one values map: `Err` holds the lines
/// helm prints, each ending in a newline (the last one is the wrapper's).
fn validate_single(values: &Values, schema: &[u8]) -> Result<(), String> {
    let root: Json = serde_json::from_slice(schema).map_err(|e| format!("{e}\n"))?;
    let draft = Draft::of(&root);
    let v = Validator { root: &root, draft };
    let errors = v.validate(&root, &GoValue::Map(values.clone()), "", 0);
    if errors.is_empty() {
        return Ok(());
    }
    let mut out = String::new();
    for e in &errors {
        e.write(0, &mut out);
    }
    // helm strips santhosh's header line (the lines are joined by
    // newlines) and adds a newline.
    Err(format!("{}\n", out.trim_end_matches('\n')))
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Draft {
    D4,
    D6,
    D7,
    D2019,
    D2020,
}

impl Draft {
    fn of(root: &Json) -> Draft {
        match root.get("$schema").and_then(Json::as_str) {
            Some(s) if s.contains("draft-04") => Draft::D4,
            Some(s) if s.contains("draft-06") => Draft::D6,
            Some(s) if s.contains("draft-07") => Draft::D7,
            Some(s) if s.contains("2019-09") => Draft::D2019,
            _ => Draft::D2020,
        }
    }
}

struct Validator<'a> {
    root: &'a Json,
    draft: Draft,
}

/// santhosh's JSON type name of an instance.
fn type_name(v: &GoValue) -> &'static str {
    match v {
        GoValue::Null => "null",
        GoValue::Bool(_) => "boolean",
        GoValue::Int(_) | GoValue::Float(_) => "number",
        GoValue::String(_) => "string",
        GoValue::Array(_) => "array",
        GoValue::Map(_) | GoValue::Struct(_) => "object",
    }
}

fn as_f64(v: &GoValue) -> Option<f64> {
    match v {
        GoValue::Int(i) => Some(*i as f64),
        GoValue::Float(f) => Some(*f),
        _ => None,
    }
}

fn type_matches(t: &str, v: &GoValue) -> bool {
    match t {
        "integer" => as_f64(v).is_some_and(|f| f.fract() == 0.0),
        "number" => as_f64(v).is_some(),
        other => type_name(v) == other,
    }
}

/// JSON equality with numbers compared by value.
fn json_equal(a: &GoValue, b: &Json) -> bool {
    match (a, b) {
        (GoValue::Null, Json::Null) => true,
        (GoValue::Bool(x), Json::Bool(y)) => x == y,
        (GoValue::String(x), Json::String(y)) => x == y,
        (GoValue::Int(_) | GoValue::Float(_), Json::Number(n)) => {
            as_f64(a).is_some_and(|f| Some(f) == n.as_f64())
        }
        (GoValue::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (GoValue::Map(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => false,
    }
}

fn go_equal(a: &GoValue, b: &GoValue) -> bool {
    match (a, b) {
        (GoValue::Int(_) | GoValue::Float(_), GoValue::Int(_) | GoValue::Float(_)) => {
            as_f64(a) == as_f64(b)
        }
        (GoValue::Array(x), GoValue::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| go_equal(a, b))
        }
        (GoValue::Map(x), GoValue::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| go_equal(v, w)))
        }
        _ => a == b,
    }
}

/// santhosh's `display` of a schema value (enum/const messages).
fn display(v: &Json) -> String {
    match v {
        Json::String(s) => quote(s),
        Json::Null => "<nil>".to_owned(),
        Json::Array(_) | Json::Object(_) => "value".to_owned(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
    }
}

/// JSON pointer escaping of one reference token.
fn ptr_join(ptr: &str, token: &str) -> String {
    format!("{ptr}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// A number as santhosh prints it: Go's `%v` through golang.org/x/text's
/// message printer, which groups thousands (`70,000`) and writes
/// exponents as `×10⁰⁶`.
fn santhosh_num(f: f64) -> String {
    let g = format_g(f);
    match g.split_once('e') {
        Some((mantissa, exp)) => {
            let sup: String = exp
                .chars()
                .filter_map(|c| match c {
                    '-' => Some('⁻'),
                    '+' => None,
                    d => d
                        .to_digit(10)
                        .and_then(|d| "⁰¹²³⁴⁵⁶⁷⁸⁹".chars().nth(d as usize)),
                })
                .collect();
            format!("{mantissa}×10{sup}")
        }
        None => group_thousands(&g),
    }
}

/// Thousands separators in the integer part of a decimal string.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, format!(".{f}")),
        None => (rest, String::new()),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

/// An integer as santhosh's `%d` prints it (thousands grouped).
fn santhosh_int(n: usize) -> String {
    group_thousands(&n.to_string())
}

fn num(s: &Json, k: &str) -> Option<f64> {
    s.get(k).and_then(Json::as_f64)
}

impl Validator<'_> {
    /// The errors of `instance` at `ptr` against `schema`.
    fn validate(
        &self,
        schema: &Json,
        instance: &GoValue,
        ptr: &str,
        depth: usize,
    ) -> Vec<SchemaError> {
        let mut errs = Vec::new();
        if depth > 200 {
            return errs;
        }
        let obj = match schema {
            Json::Bool(true) => return errs,
            Json::Bool(false) => return vec![SchemaError::leaf(ptr, "false schema")],
            Json::Object(o) => o,
            _ => return errs,
        };
        if let Some(Json::String(r)) = obj.get("$ref") {
            if let Some(target) = self.resolve(r) {
                let sub = self.validate(target, instance, ptr, depth + 1);
                errs.extend(group(ptr, sub));
            }
            // Before 2019-09 a `$ref` hides its sibling keywords.
            if self.draft < Draft::D2019 {
                return errs;
            }
        }
        if let Some(t) = obj.get("type") {
            let want: Vec<&str> = match t {
                Json::String(s) => vec![s.as_str()],
                Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
                _ => Vec::new(),
            };
            if !want.is_empty() && !want.iter().any(|w| type_matches(w, instance)) {
                errs.push(SchemaError::leaf(
                    ptr,
                    format!("got {}, want {}", type_name(instance), want.join(" or ")),
                ));
            }
        }
        if let Some(c) = obj.get("const")
            && !json_equal(instance, c)
        {
            let msg = match c {
                Json::Array(_) | Json::Object(_) => "const failed".to_owned(),
                c => format!("value must be {}", display(c)),
            };
            errs.push(SchemaError::leaf(ptr, msg));
        }
        if let Some(Json::Array(e)) = obj.get("enum")
            && !e.iter().any(|w| json_equal(instance, w))
        {
            let primitive = e
                .iter()
                .all(|w| !matches!(w, Json::Array(_) | Json::Object(_)));
            let msg = if !primitive {
                "enum failed".to_owned()
            } else if e.len() == 1 {
                format!("value must be {}", display(&e[0]))
            } else {
                let parts: Vec<String> = e.iter().map(display).collect();
                format!("value must be one of {}", parts.join(", "))
            };
            errs.push(SchemaError::leaf(ptr, msg));
        }
        match instance {
            GoValue::Map(m) => self.object(obj, m, ptr, depth, &mut errs),
            GoValue::Array(a) => self.array(obj, a, ptr, depth, &mut errs),
            GoValue::String(s) => self.string(obj, s, ptr, &mut errs),
            GoValue::Int(_) | GoValue::Float(_) => {
                if let Some(f) = as_f64(instance) {
                    self.number(obj, f, ptr, &mut errs);
                }
            }
            _ => {}
        }
        self.combinators(obj, instance, ptr, depth, &mut errs);
        errs
    }

    fn resolve(&self, r: &str) -> Option<&Json> {
        let frag = r.strip_prefix('#')?;
        if frag.is_empty() {
            return Some(self.root);
        }
        let decoded = percent_encoding::percent_decode_str(frag)
            .decode_utf8()
            .ok()?;
        self.root.pointer(&decoded)
    }

    fn object(
        &self,
        obj: &serde_json::Map<String, Json>,
        m: &Values,
        ptr: &str,
        depth: usize,
        errs: &mut Vec<SchemaError>,
    ) {
        let n = m.len();
        count_bounds(obj, n, ("maxProperties", "minProperties"), ptr, errs);
        if let Some(Json::Array(req)) = obj.get("required") {
            let missing: Vec<&str> = req
                .iter()
                .filter_map(Json::as_str)
                .filter(|k| !m.contains_key(*k))
                .collect();
            match missing.len() {
                0 => {}
                1 => errs.push(SchemaError::leaf(
                    ptr,
                    format!("missing property {}", quote(missing[0])),
                )),
                _ => {
                    let q: Vec<String> = missing.iter().map(|k| quote(k)).collect();
                    errs.push(SchemaError::leaf(
                        ptr,
                        format!("missing properties {}", q.join(", ")),
                    ));
                }
            }
        }
        let props = obj.get("properties").and_then(Json::as_object);
        let patterns: Vec<(regex::Regex, &Json)> = obj
            .get("patternProperties")
            .and_then(Json::as_object)
            .map(|p| {
                p.iter()
                    .filter_map(|(k, s)| regex::Regex::new(k).ok().map(|r| (r, s)))
                    .collect()
            })
            .unwrap_or_default();
        let mut additional = Vec::new();
        for (key, value) in m {
            let child = ptr_join(ptr, key);
            let mut evaluated = false;
            if let Some(s) = props.and_then(|p| p.get(key)) {
                evaluated = true;
                errs.extend(group(&child, self.validate(s, value, &child, depth + 1)));
            }
            for (re, s) in &patterns {
                if re.is_match(key) {
                    evaluated = true;
                    errs.extend(group(&child, self.validate(s, value, &child, depth + 1)));
                }
            }
            if !evaluated {
                match obj.get("additionalProperties") {
                    Some(Json::Bool(false)) => additional.push(key.as_str()),
                    Some(s @ Json::Object(_)) => {
                        errs.extend(group(&child, self.validate(s, value, &child, depth + 1)));
                    }
                    _ => {}
                }
            }
        }
        if !additional.is_empty() {
            let q: Vec<String> = additional.iter().map(|k| quote(k)).collect();
            errs.push(SchemaError::leaf(
                ptr,
                format!("additional properties {} not allowed", q.join(", ")),
            ));
        }
    }

    fn array(
        &self,
        obj: &serde_json::Map<String, Json>,
        a: &[GoValue],
        ptr: &str,
        depth: usize,
        errs: &mut Vec<SchemaError>,
    ) {
        let n = a.len();
        count_bounds(obj, n, ("maxItems", "minItems"), ptr, errs);
        if obj.get("uniqueItems") == Some(&Json::Bool(true)) {
            'outer: for i in 1..n {
                for j in 0..i {
                    if go_equal(&a[i], &a[j]) {
                        errs.push(SchemaError::leaf(
                            ptr,
                            format!(
                                "items at {} and {} are equal",
                                santhosh_int(j),
                                santhosh_int(i)
                            ),
                        ));
                        break 'outer;
                    }
                }
            }
        }
        let (prefix, rest): (&[Json], Option<&Json>) = if self.draft >= Draft::D2020 {
            (
                obj.get("prefixItems")
                    .and_then(Json::as_array)
                    .map_or(&[], Vec::as_slice),
                obj.get("items"),
            )
        } else {
            match obj.get("items") {
                Some(Json::Array(tuple)) => (tuple.as_slice(), obj.get("additionalItems")),
                other => (&[], other),
            }
        };
        for (i, item) in a.iter().enumerate() {
            let child = ptr_join(ptr, &i.to_string());
            let s = match prefix.get(i) {
                Some(s) => s,
                None => match rest {
                    // Items beyond the tuple are reported once, by count.
                    Some(Json::Bool(false)) if !prefix.is_empty() => {
                        errs.push(SchemaError::leaf(
                            ptr,
                            format!(
                                "last {} additionalItem(s) not allowed",
                                santhosh_int(n - prefix.len())
                            ),
                        ));
                        break;
                    }
                    Some(s) => s,
                    None => continue,
                },
            };
            errs.extend(group(&child, self.validate(s, item, &child, depth + 1)));
        }
    }

    fn string(
        &self,
        obj: &serde_json::Map<String, Json>,
        s: &str,
        ptr: &str,
        errs: &mut Vec<SchemaError>,
    ) {
        let n = s.chars().count();
        count_bounds(obj, n, ("maxLength", "minLength"), ptr, errs);
        if let Some(Json::String(p)) = obj.get("pattern")
            && let Ok(re) = regex::Regex::new(p)
            && !re.is_match(s)
        {
            errs.push(SchemaError::leaf(
                ptr,
                format!("{} does not match pattern {}", quote(s), quote(p)),
            ));
        }
    }

    fn number(
        &self,
        obj: &serde_json::Map<String, Json>,
        f: f64,
        ptr: &str,
        errs: &mut Vec<SchemaError>,
    ) {
        let g = santhosh_num;
        let schema = Json::Object(obj.clone());
        // draft-04 spells exclusive bounds as booleans next to the bound.
        let old_excl_max =
            self.draft == Draft::D4 && obj.get("exclusiveMaximum") == Some(&Json::Bool(true));
        let old_excl_min =
            self.draft == Draft::D4 && obj.get("exclusiveMinimum") == Some(&Json::Bool(true));
        if let Some(max) = num(&schema, "maximum") {
            if old_excl_max {
                if f >= max {
                    errs.push(SchemaError::leaf(
                        ptr,
                        format!("exclusiveMaximum: got {}, want {}", g(f), g(max)),
                    ));
                }
            } else if f > max {
                errs.push(SchemaError::leaf(
                    ptr,
                    format!("maximum: got {}, want {}", g(f), g(max)),
                ));
            }
        }
        if let Some(max) = num(&schema, "exclusiveMaximum")
            && f >= max
        {
            errs.push(SchemaError::leaf(
                ptr,
                format!("exclusiveMaximum: got {}, want {}", g(f), g(max)),
            ));
        }
        if let Some(min) = num(&schema, "minimum") {
            if old_excl_min {
                if f <= min {
                    errs.push(SchemaError::leaf(
                        ptr,
                        format!("exclusiveMinimum: got {}, want {}", g(f), g(min)),
                    ));
                }
            } else if f < min {
                errs.push(SchemaError::leaf(
                    ptr,
                    format!("minimum: got {}, want {}", g(f), g(min)),
                ));
            }
        }
        if let Some(min) = num(&schema, "exclusiveMinimum")
            && f <= min
        {
            errs.push(SchemaError::leaf(
                ptr,
                format!("exclusiveMinimum: got {}, want {}", g(f), g(min)),
            ));
        }
        if let Some(m) = num(&schema, "multipleOf")
            && m > 0.0
        {
            let q = f / m;
            if (q - q.round()).abs() > 1e-9 {
                errs.push(SchemaError::leaf(
                    ptr,
                    format!("multipleOf: got {}, want {}", g(f), g(m)),
                ));
            }
        }
    }

    fn combinators(
        &self,
        obj: &serde_json::Map<String, Json>,
        instance: &GoValue,
        ptr: &str,
        depth: usize,
        errs: &mut Vec<SchemaError>,
    ) {
        if let Some(Json::Array(all)) = obj.get("allOf") {
            let causes: Vec<SchemaError> = all
                .iter()
                .flat_map(|s| group(ptr, self.validate(s, instance, ptr, depth + 1)))
                .collect();
            if !causes.is_empty() {
                errs.push(SchemaError {
                    ptr: ptr.to_owned(),
                    message: "'allOf' failed".to_owned(),
                    causes,
                });
            }
        }
        if let Some(Json::Array(any)) = obj.get("anyOf") {
            let results: Vec<Vec<SchemaError>> = any
                .iter()
                .map(|s| self.validate(s, instance, ptr, depth + 1))
                .collect();
            if results.iter().all(|r| !r.is_empty()) {
                errs.push(SchemaError {
                    ptr: ptr.to_owned(),
                    message: "'anyOf' failed".to_owned(),
                    causes: results.into_iter().flat_map(|r| group(ptr, r)).collect(),
                });
            }
        }
        if let Some(Json::Array(one)) = obj.get("oneOf") {
            let results: Vec<Vec<SchemaError>> = one
                .iter()
                .map(|s| self.validate(s, instance, ptr, depth + 1))
                .collect();
            let matched: Vec<usize> = results
                .iter()
                .enumerate()
                .filter(|(_, r)| r.is_empty())
                .map(|(i, _)| i)
                .collect();
            if matched.is_empty() {
                errs.push(SchemaError {
                    ptr: ptr.to_owned(),
                    message: "'oneOf' failed, none matched".to_owned(),
                    causes: results.into_iter().flat_map(|r| group(ptr, r)).collect(),
                });
            } else if matched.len() > 1 {
                errs.push(SchemaError::leaf(
                    ptr,
                    format!(
                        "'oneOf' failed, subschemas {}, {} matched",
                        matched[0], matched[1]
                    ),
                ));
            }
        }
        if let Some(not) = obj.get("not")
            && self.validate(not, instance, ptr, depth + 1).is_empty()
        {
            errs.push(SchemaError::leaf(ptr, "'not' failed"));
        }
        if let Some(cond) = obj.get("if") {
            let branch = if self.validate(cond, instance, ptr, depth + 1).is_empty() {
                obj.get("then")
            } else {
                obj.get("else")
            };
            if let Some(s) = branch {
                errs.extend(group(ptr, self.validate(s, instance, ptr, depth + 1)));
            }
        }
    }
}

fn num_key(obj: &serde_json::Map<String, Json>, k: &str) -> Option<f64> {
    obj.get(k).and_then(Json::as_f64)
}

/// The `max*`/`min*` keywords on a count (properties, items, characters):
/// santhosh's `<keyword>: got N, want M`, the maximum checked first.
fn count_bounds(
    obj: &serde_json::Map<String, Json>,
    n: usize,
    (max_key, min_key): (&str, &str),
    ptr: &str,
    errs: &mut Vec<SchemaError>,
) {
    if let Some(max) = num_key(obj, max_key)
        && n as f64 > max
    {
        errs.push(SchemaError::leaf(
            ptr,
            format!(
                "{max_key}: got {}, want {}",
                santhosh_int(n),
                santhosh_int(max as usize)
            ),
        ));
    }
    if let Some(min) = num_key(obj, min_key)
        && (n as f64) < min
    {
        errs.push(SchemaError::leaf(
            ptr,
            format!(
                "{min_key}: got {}, want {}",
                santhosh_int(n),
                santhosh_int(min as usize)
            ),
        ));
    }
}

/// santhosh's flattening: one error stands for itself, several at one
/// place are grouped under `validation failed`.
fn group(ptr: &str, errs: Vec<SchemaError>) -> Vec<SchemaError> {
    if errs.len() <= 1 {
        errs
    } else {
        vec![SchemaError {
            ptr: ptr.to_owned(),
            message: "validation failed".to_owned(),
            causes: errs,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_grouping() {
        let schema = br#"{"type":"object","required":["a","b"],"properties":{
            "n":{"type":"string","maxLength":2,"pattern":"^[a-z]+$"},
            "i":{"type":"integer","maximum":5}}}"#;
        let values = match GoValue::from_json(&serde_json::json!({"n": "ABC", "i": 9, "a": 1})) {
            GoValue::Map(m) => m,
            _ => Values::new(),
        };
        let err = validate_single(&values, schema).err().unwrap_or_default();
        assert_eq!(
            err,
            "- at '': missing property 'b'\n- at '/i': maximum: got 9, want 5\n- at '/n': validation failed\n  - at '/n': maxLength: got 3, want 2\n  - at '/n': 'ABC' does not match pattern '^[a-z]+$'\n"
        );
    }
}
