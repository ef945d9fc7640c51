//! `toToml` / `fromToml`: BurntSushi/toml v1.6.0 as helm calls it.
//!
//! The encoder writes a map's plain values first (keys sorted), then its
//! tables (`[a.b]`, indented two spaces per level below the top) and
//! arrays of tables (`[[a]]`); nil values are skipped; floats are Go's
//! `'g'` text with `.0` added when it has neither `.` nor an exponent.
//!
//! The decoder (`fromToml`) is a port of BurntSushi's lexer and parser
//! (`toml/lex.rs`, `toml/parse.rs`), so documents, value types and error
//! texts are the library's.

use std::collections::BTreeMap;

mod datetime;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use crate::gojson::GoValue;
use crate::gojson::float::format_g;
use crate::gotemplate::{List, Str, Type, Value};
use crate::sprig::{GoTime, Loc};

use datetime::{Datetime, Zone};
use parse::TomlValue;

/// The encoder's output, or its error text (which `toToml` returns as
/// its result).
pub fn to_toml(v: &GoValue) -> Result<String, String> {
    let mut enc = Encoder::default();
    enc.encode(&[], v)?;
    Ok(enc.out)
}

#[derive(Default)]
struct Encoder {
    out: String,
}

fn is_table(v: &GoValue) -> bool {
    matches!(v, GoValue::Map(_) | GoValue::Struct(_))
}

/// BurntSushi's `isTableArray`: a non-empty array of tables only.
fn is_table_array(items: &[GoValue]) -> Result<bool, String> {
    if items.is_empty() {
        return Ok(false);
    }
    let mut all = true;
    for item in items {
        if matches!(item, GoValue::Null) {
            return Err("toml: cannot encode array with nil element".to_owned());
        }
        all &= is_table(item);
    }
    Ok(all)
}

fn quote_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|r| r.is_ascii_alphanumeric() || r == '_' || r == '-')
    {
        k.to_owned()
    } else {
        quoted(k)
    }
}

fn key_path(key: &[String]) -> String {
    key.iter()
        .map(|k| quote_key(k))
        .collect::<Vec<_>>()
        .join(".")
}

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn entries(v: &GoValue) -> Vec<(String, &GoValue)> {
    match v {
        GoValue::Map(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        GoValue::Struct(f) => f.iter().map(|(k, v)| (k.clone(), v)).collect(),
        _ => Vec::new(),
    }
}

impl Encoder {
    fn newline(&mut self) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn indent(key: &[String]) -> String {
        "  ".repeat(key.len().saturating_sub(1))
    }

    fn encode(&mut self, key: &[String], v: &GoValue) -> Result<(), String> {
        match v {
            GoValue::Null => {
                if key.is_empty() {
                    return Err("unsupported type for key '': invalid".to_owned());
                }
                Ok(())
            }
            GoValue::Map(_) | GoValue::Struct(_) => self.table(key, v),
            GoValue::Array(items) if is_table_array(items)? => {
                if key.is_empty() {
                    return Err("toml: top-level values must be Go maps or structs".to_owned());
                }
                for item in items {
                    self.newline();
                    let line = format!("{}[[{}]]", Self::indent(key), key_path(key));
                    self.out.push_str(&line);
                    self.newline();
                    self.map_body(key, item, false)?;
                }
                Ok(())
            }
            _ => self.key_value(key, v),
        }
    }

    fn key_value(&mut self, key: &[String], v: &GoValue) -> Result<(), String> {
        if let Some(last) = key.last() {
            let line = format!("{}{} = ", Self::indent(key), quote_key(last));
            self.out.push_str(&line);
        }
        self.element(v)?;
        if !key.is_empty() {
            self.newline();
        }
        Ok(())
    }

    fn table(&mut self, key: &[String], v: &GoValue) -> Result<(), String> {
        if key.len() == 1 {
            self.newline();
        }
        if !key.is_empty() {
            let line = format!("{}[{}]", Self::indent(key), key_path(key));
            self.out.push_str(&line);
            self.newline();
        }
        self.map_body(key, v, false)
    }

    fn map_body(&mut self, key: &[String], v: &GoValue, inline: bool) -> Result<(), String> {
        let mut direct = Vec::new();
        let mut sub = Vec::new();
        for (k, val) in entries(v) {
            let table = match val {
                GoValue::Map(_) | GoValue::Struct(_) => true,
                GoValue::Array(items) => is_table_array(items)?,
                _ => false,
            };
            if table {
                sub.push((k, val))
            } else {
                direct.push((k, val))
            }
        }
        if inline {
            self.out.push('{');
        }
        let trail = !sub.is_empty();
        for (group, trail_comma) in [(direct, trail), (sub, false)] {
            let n = group.len();
            for (i, (k, val)) in group.into_iter().enumerate() {
                if matches!(val, GoValue::Null) {
                    continue;
                }
                if inline {
                    self.out.push_str(&quote_key(&k));
                    self.out.push_str(" = ");
                    self.element(val)?;
                    if trail_comma || i != n - 1 {
                        self.out.push_str(", ");
                    }
                } else {
                    let mut child = key.to_vec();
                    child.push(k);
                    self.encode(&child, val)?;
                }
            }
        }
        if inline {
            self.out.push('}');
        }
        Ok(())
    }

    fn element(&mut self, v: &GoValue) -> Result<(), String> {
        match v {
            GoValue::Null => {
                return Err("unsupported type: invalid".to_owned());
            }
            GoValue::Bool(b) => self.out.push_str(&b.to_string()),
            GoValue::Int(i) => self.out.push_str(&i.to_string()),
            GoValue::Float(f) => {
                let text = if f.is_nan() {
                    "nan".to_owned()
                } else if f.is_infinite() {
                    if *f < 0.0 { "-inf" } else { "inf" }.to_owned()
                } else {
                    let g = format_g(*f);
                    if g.contains('e') || g.contains('.') {
                        g
                    } else {
                        g + ".0"
                    }
                };
                self.out.push_str(&text);
            }
            GoValue::String(s) => self.out.push_str(&quoted(s)),
            GoValue::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.element(item)?;
                    if i + 1 != items.len() {
                        self.out.push_str(", ");
                    }
                }
                self.out.push(']');
            }
            GoValue::Map(_) | GoValue::Struct(_) => self.map_body(&[], v, true)?,
        }
        Ok(())
    }
}

/// `fromToml`: the document as a map, or `{Error: <text>}`.
pub fn from_toml(text: &str) -> Value {
    match parse::parse(text.as_bytes()) {
        Ok(m) => table_value(&m),
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert(Str::from("Error"), Value::string(e));
            Value::map(m)
        }
    }
}

fn table_value(t: &parse::Table) -> Value {
    Value::map(
        t.iter()
            .map(|(k, v)| (Str::from(k.as_str()), toml_value(v)))
            .collect(),
    )
}

/// The Go value BurntSushi stores in the `interface{}`: `int64`,
/// `float64`, `time.Time`, `[]interface {}`, `map[string]interface {}`
/// and, for arrays of tables, `[]map[string]interface {}`.
fn toml_value(v: &TomlValue) -> Value {
    match v {
        TomlValue::Int(i) => Value::int64(*i),
        TomlValue::Float(f) => Value::float64(*f),
        TomlValue::Bool(b) => Value::Bool(*b),
        TomlValue::String(s) => Value::string(s.as_str()),
        TomlValue::Datetime(d) => time_value(d),
        TomlValue::Array(items) => Value::list(items.iter().map(toml_value).collect()),
        TomlValue::Table(t) => table_value(t),
        TomlValue::TableArray(tables) => Value::List(List::new(
            Type::Map(Box::new(Type::Interface), None),
            tables.iter().map(table_value).collect(),
        )),
    }
}

fn time_value(d: &Datetime) -> Value {
    let loc = match &d.zone {
        Zone::Utc => Loc::Utc,
        Zone::Local => Loc::Local(jiff::tz::TimeZone::system()),
        Zone::Fixed(name, off) => Loc::Fixed(name.clone(), *off),
    };
    GoTime::new(d.nanos, loc).value()
}
