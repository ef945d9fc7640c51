//! `toToml` / `fromToml`: BurntSushi/toml v1.6.0 as helm calls it.
//!
//! The encoder writes a map's plain values first (keys sorted), then its
//! tables (`[a.b]`, indented two spaces per level below the top) and
//! arrays of tables (`[[a]]`); nil values are skipped; floats are Go's
//! `'g'` text with `.0` added when it has neither `.` nor an exponent.

use std::collections::BTreeMap;

use crate::gojson::GoValue;
use crate::gojson::float::format_g;
use crate::gotemplate::{Str, Value};

use super::objects::value_from_go;

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
    match parse(text) {
        Ok(m) => value_from_go(&GoValue::Map(m)),
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert(Str::from("Error"), Value::string(e));
            Value::map(m)
        }
    }
}

/// A small TOML reader for what charts put in `fromToml`: tables,
/// arrays of tables, dotted and quoted keys, strings, integers (as
/// `int64`), floats, booleans, arrays and inline tables.
fn parse(text: &str) -> Result<BTreeMap<String, GoValue>, String> {
    let mut root = BTreeMap::new();
    let mut current: Vec<String> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let err = |m: &str| format!("toml: line {}: {m}", n + 1);
        if let Some(inner) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            current = split_key(inner.trim()).map_err(|e| err(&e))?;
            let arr = walk(&mut root, &current[..current.len() - 1]).map_err(|e| err(&e))?;
            let last = current.last().cloned().unwrap_or_default();
            let entry = arr
                .entry(last)
                .or_insert_with(|| GoValue::Array(Vec::new()));
            match entry {
                GoValue::Array(items) => items.push(GoValue::Map(BTreeMap::new())),
                _ => return Err(err("key is not an array of tables")),
            }
        } else if let Some(inner) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = split_key(inner.trim()).map_err(|e| err(&e))?;
            walk(&mut root, &current).map_err(|e| err(&e))?;
        } else {
            let (k, v) = line
                .split_once('=')
                .ok_or_else(|| err("expected '=' after a key"))?;
            let mut key = current.clone();
            key.extend(split_key(k.trim()).map_err(|e| err(&e))?);
            let mut p = ValueParser {
                s: v.trim().as_bytes(),
                pos: 0,
            };
            let value = p.value().map_err(|e| err(&e))?;
            let table = walk(&mut root, &key[..key.len() - 1]).map_err(|e| err(&e))?;
            table.insert(key.last().cloned().unwrap_or_default(), value);
        }
    }
    Ok(root)
}

fn strip_comment(line: &str) -> &str {
    let mut in_str = None;
    for (i, c) in line.char_indices() {
        match (c, in_str) {
            ('"' | '\'', None) => in_str = Some(c),
            (c, Some(q)) if c == q => in_str = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

fn split_key(k: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut p = ValueParser {
        s: k.as_bytes(),
        pos: 0,
    };
    loop {
        p.skip_ws();
        let part = match p.peek() {
            Some(b'"' | b'\'') => match p.value()? {
                GoValue::String(s) => s,
                _ => return Err("invalid key".into()),
            },
            _ => {
                let start = p.pos;
                while matches!(p.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    p.pos += 1;
                }
                if start == p.pos {
                    return Err("invalid key".into());
                }
                k[start..p.pos].to_owned()
            }
        };
        out.push(part);
        p.skip_ws();
        match p.peek() {
            Some(b'.') => p.pos += 1,
            None => return Ok(out),
            Some(_) => return Err("invalid key".into()),
        }
    }
}

/// The table at `path` (created as needed; the last element of an array
/// of tables).
fn walk<'a>(
    root: &'a mut BTreeMap<String, GoValue>,
    path: &[String],
) -> Result<&'a mut BTreeMap<String, GoValue>, String> {
    let mut t = root;
    for k in path {
        let entry = t
            .entry(k.clone())
            .or_insert_with(|| GoValue::Map(BTreeMap::new()));
        t = match entry {
            GoValue::Map(m) => m,
            GoValue::Array(items) => match items.last_mut() {
                Some(GoValue::Map(m)) => m,
                _ => return Err(format!("key {k} is not a table")),
            },
            _ => return Err(format!("key {k} is not a table")),
        };
    }
    Ok(t)
}

struct ValueParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl ValueParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<GoValue, String> {
        self.skip_ws();
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => {
                self.pos += 1;
                let mut out = Vec::new();
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == q {
                        return Ok(GoValue::String(String::from_utf8_lossy(&out).into_owned()));
                    }
                    if c == b'\\' && q == b'"' {
                        let e = self.peek().ok_or("unterminated string")?;
                        self.pos += 1;
                        match e {
                            b'n' => out.push(b'\n'),
                            b't' => out.push(b'\t'),
                            b'r' => out.push(b'\r'),
                            b'"' => out.push(b'"'),
                            b'\\' => out.push(b'\\'),
                            other => {
                                out.push(b'\\');
                                out.push(other);
                            }
                        }
                    } else {
                        out.push(c);
                    }
                }
                Err("unterminated string".into())
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(GoValue::Array(items));
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {}
                        _ => return Err("expected ',' or ']'".into()),
                    }
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut m = BTreeMap::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(GoValue::Map(m));
                    }
                    let start = self.pos;
                    while !matches!(self.peek(), Some(b'=') | None) {
                        self.pos += 1;
                    }
                    let key = String::from_utf8_lossy(&self.s[start..self.pos]);
                    let key = split_key(key.trim())?.join(".");
                    self.pos += 1;
                    let v = self.value()?;
                    m.insert(key, v);
                    self.skip_ws();
                    if self.peek() == Some(b',') {
                        self.pos += 1;
                    }
                }
            }
            _ => {
                let start = self.pos;
                while !matches!(self.peek(), Some(b',' | b']' | b'}') | None) {
                    self.pos += 1;
                }
                let word = String::from_utf8_lossy(&self.s[start..self.pos]);
                let word = word.trim();
                match word {
                    "true" => Ok(GoValue::Bool(true)),
                    "false" => Ok(GoValue::Bool(false)),
                    "inf" | "+inf" => Ok(GoValue::Float(f64::INFINITY)),
                    "-inf" => Ok(GoValue::Float(f64::NEG_INFINITY)),
                    "nan" | "+nan" | "-nan" => Ok(GoValue::Float(f64::NAN)),
                    w => {
                        let plain = w.replace('_', "");
                        if let Ok(i) = plain.parse::<i64>() {
                            Ok(GoValue::Int(i))
                        } else if let Some(i) = plain
                            .strip_prefix("0x")
                            .and_then(|h| i64::from_str_radix(h, 16).ok())
                        {
                            Ok(GoValue::Int(i))
                        } else if let Ok(f) = plain.parse::<f64>() {
                            Ok(GoValue::Float(f))
                        } else {
                            // Dates and times stay text.
                            Ok(GoValue::String(w.to_owned()))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // See yaml_pretty.rs's test for where the expected text comes from.
    #[test]
    fn encodes_like_burntsushi() {
        let values =
            crate::gojson::yaml::from_slice(include_bytes!("testdata/convert_values.yaml"))
                .unwrap();
        let want = include_str!("testdata/to_toml.txt");
        assert_eq!(to_toml(&values).unwrap(), want[..want.len() - 1]);
    }

    #[test]
    fn parses_tables() {
        let m = parse("a = 1\n[b]\nc = \"d\" # c\n[[e]]\nf = 1.5\n").unwrap();
        assert_eq!(m.get("a"), Some(&GoValue::Int(1)));
        assert!(
            matches!(m.get("b"), Some(GoValue::Map(b)) if b.get("c") == Some(&GoValue::String("d".into())))
        );
        assert!(matches!(m.get("e"), Some(GoValue::Array(a)) if a.len() == 1));
    }
}
