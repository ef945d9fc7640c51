//! BurntSushi/toml v1.6.0's parser (`parse.go`) over the lexer's items:
//! the same table bookkeeping (implicit tables, arrays of tables, keys
//! "already defined"), the same value conversions and the same
//! `ParseError.Error()` texts (`toml: line N (last key "k"): message`).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::datetime::{Datetime, parse_datetime};
use super::lex::{Item, ItemType, lex};
use crate::gotemplate::strconv::{parse_float, parse_int};

/// A decoded TOML value, as BurntSushi hands it to `interface{}`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TomlValue {
    /// `int64`.
    Int(i64),
    /// `float64`.
    Float(f64),
    /// `bool`.
    Bool(bool),
    /// `string`.
    String(String),
    /// `time.Time`.
    Datetime(Datetime),
    /// `[]interface {}`.
    Array(Vec<TomlValue>),
    /// `map[string]interface {}`.
    Table(Table),
    /// `[]map[string]interface {}`: an array of tables (`[[a]]`).
    TableArray(Vec<Table>),
}

/// A TOML table (`map[string]interface {}`).
pub(crate) type Table = BTreeMap<String, TomlValue>;

/// Parses a document as `toml.Unmarshal` into a map does, or returns
/// the error's text.
pub(crate) fn parse(data: &[u8]) -> Result<Table, String> {
    let data = if data.starts_with(b"\xff\xfe") || data.starts_with(b"\xfe\xff") {
        &data[2..]
    } else if data.starts_with(b"\xef\xbb\xbf") {
        &data[3..]
    } else {
        data
    };
    if data.iter().take(6).any(|&b| b == 0) {
        return Err("toml: line 1: files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8".to_owned());
    }
    let items = lex(data);
    let mut p = Parser {
        items: items.into_iter(),
        context: Vec::new(),
        current_key: String::new(),
        pos_line: 0,
        arrays: HashMap::new(),
        mapping: Table::new(),
        implicits: HashSet::new(),
    };
    loop {
        let item = p.next()?;
        if item.typ == ItemType::Eof {
            break;
        }
        p.top_level(item)?;
    }
    Ok(p.mapping)
}

type Key = Vec<String>;

/// `Key.String()`: pieces joined by dots, those with characters outside
/// bare keys quoted.
fn key_string(k: &[String]) -> String {
    k.iter()
        .map(|piece| {
            if piece.is_empty() {
                "\"\"".to_owned()
            } else if piece
                .chars()
                .all(|r| r.is_ascii_alphanumeric() || r == '_' || r == '-')
            {
                piece.clone()
            } else {
                format!("\"{}\"", dbl_quoted(piece))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// BurntSushi's `dblQuotedReplacer`.
fn dbl_quoted(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if c <= '\u{1f}' || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

struct Parser {
    items: std::vec::IntoIter<Item>,
    context: Key,
    current_key: String,
    /// `p.pos.Line`: the line of the item `nextPos` last read.
    pos_line: usize,
    /// `keyInfo`, reduced to what is asked of it: whether a key is an
    /// array.
    arrays: HashMap<String, bool>,
    mapping: Table,
    implicits: HashSet<String>,
}

/// A value's TOML type, as far as `isArray` asks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Other,
}

impl Parser {
    /// `current()`: the last key for the error text.
    fn current(&self) -> String {
        if self.current_key.is_empty() {
            return key_string(&self.context);
        }
        if self.context.is_empty() {
            return self.current_key.clone();
        }
        format!("{}.{}", key_string(&self.context), self.current_key)
    }

    fn error_at(&self, line: usize, message: &str) -> String {
        let last = self.current();
        if last.is_empty() {
            format!("toml: line {line}: {message}")
        } else {
            format!(
                "toml: line {line} (last key {}): {message}",
                crate::gotemplate::strconv::quote(last.as_bytes())
            )
        }
    }

    /// `panicf`: at the position `nextPos` recorded.
    fn errorf(&self, message: &str) -> String {
        self.error_at(self.pos_line, message)
    }

    fn next(&mut self) -> Result<Item, String> {
        let Some(it) = self.items.next() else {
            // The lexer always ends with EOF or an error; Go would block.
            return Err(self.error_at(0, "unexpected end of items"));
        };
        if it.typ == ItemType::Error {
            return Err(self.error_at(it.line, &it.val));
        }
        Ok(it)
    }

    fn next_pos(&mut self) -> Result<Item, String> {
        let it = self.next()?;
        self.pos_line = it.line;
        Ok(it)
    }

    fn bug(&self, what: &str) -> String {
        self.error_at(self.pos_line, &format!("BUG: {what}"))
    }

    fn expect(&mut self, typ: ItemType) -> Result<Item, String> {
        let it = self.next()?;
        if it.typ != typ {
            return Err(self.bug("unexpected item"));
        }
        Ok(it)
    }

    /// Reads key pieces up to `end` (`first` is the first piece).
    fn key(&mut self, first: Item, end: ItemType) -> Result<Key, String> {
        let mut key = Vec::new();
        let mut name = first;
        while name.typ != end && name.typ != ItemType::Eof {
            key.push(self.key_string(&name)?);
            name = self.next()?;
        }
        if name.typ != end {
            return Err(self.bug("key not ended"));
        }
        Ok(key)
    }

    fn top_level(&mut self, item: Item) -> Result<(), String> {
        match item.typ {
            ItemType::CommentStart => {
                self.expect(ItemType::Text)?;
            }
            ItemType::TableStart | ItemType::ArrayTableStart => {
                let array = item.typ == ItemType::ArrayTableStart;
                let end = if array {
                    ItemType::ArrayTableEnd
                } else {
                    ItemType::TableEnd
                };
                let name = self.next_pos()?;
                let key = self.key(name, end)?;
                self.add_context(&key, array)?;
                self.set_type("", Kind::Other);
            }
            ItemType::KeyStart => {
                let outer = self.context.clone();
                let k = self.next_pos()?;
                let key = self.key(k, ItemType::KeyEnd)?;
                let Some((last, parent)) = key.split_last() else {
                    return Err(self.bug("empty key"));
                };
                self.current_key = last.clone();
                for piece in parent {
                    let mut ctx = self.context.clone();
                    ctx.push(piece.clone());
                    self.add_implicit_context(&ctx)?;
                }
                let v_item = self.next()?;
                let (val, kind) = self.value(v_item, false)?;
                let current = self.current_key.clone();
                self.set_value(&current, val)?;
                self.set_type(&current, kind);
                self.context = outer;
                self.current_key.clear();
            }
            _ => return Err(self.bug("unexpected type at top level")),
        }
        Ok(())
    }

    fn key_string(&mut self, it: &Item) -> Result<String, String> {
        match it.typ {
            ItemType::Text => Ok(it.val.clone()),
            ItemType::String
            | ItemType::StringEsc
            | ItemType::MultilineString
            | ItemType::RawString
            | ItemType::RawMultilineString => match self.value(it.clone(), false)? {
                (TomlValue::String(s), _) => Ok(s),
                _ => Err(self.bug("key is no string")),
            },
            _ => Err(self.bug("unexpected key type")),
        }
    }

    fn value(&mut self, it: Item, parent_is_array: bool) -> Result<(TomlValue, Kind), String> {
        let v = match it.typ {
            ItemType::String | ItemType::RawString => TomlValue::String(it.val),
            ItemType::StringEsc => TomlValue::String(self.replace_escapes(&it, &it.val)?),
            ItemType::MultilineString => {
                let s = strip_escaped_newlines(strip_first_newline(&it.val));
                TomlValue::String(self.replace_escapes(&it, &s)?)
            }
            ItemType::RawMultilineString => {
                TomlValue::String(strip_first_newline(&it.val).to_owned())
            }
            ItemType::Integer => self.value_integer(&it)?,
            ItemType::Float => self.value_float(&it)?,
            ItemType::Bool => TomlValue::Bool(it.val == "true"),
            ItemType::Datetime => {
                match parse_datetime(&it.val.replace('z', "Z").replace(['t', ' '], "T")) {
                    Some(d) => TomlValue::Datetime(d),
                    None => {
                        let v = it.val.replace('z', "Z").replace(['t', ' '], "T");
                        let msg = format!(
                            "invalid datetime: {}",
                            crate::gotemplate::strconv::quote(v.as_bytes())
                        );
                        return Err(self.error_at(it.line, &msg));
                    }
                }
            }
            ItemType::Array => return self.value_array(),
            ItemType::InlineTableStart => return self.value_inline_table(parent_is_array),
            _ => return Err(self.bug("unexpected value type")),
        };
        Ok((v, Kind::Other))
    }

    fn value_integer(&self, it: &Item) -> Result<TomlValue, String> {
        if !num_underscores_ok(&it.val) {
            return Err(self.error_at(
                it.line,
                &format!(
                    "Invalid integer {}: underscores must be surrounded by digits",
                    go_quote(&it.val)
                ),
            ));
        }
        if num_has_leading_zero(&it.val) {
            return Err(self.error_at(
                it.line,
                &format!(
                    "Invalid integer {}: cannot have leading zeroes",
                    go_quote(&it.val)
                ),
            ));
        }
        // The lexer and the checks above leave only overflow as a
        // reason for ParseInt to fail.
        match parse_int(&it.val) {
            Some(i) => Ok(TomlValue::Int(i)),
            None => Err(self.error_at(it.line, &format!("{} is out of range for int64", it.val))),
        }
    }

    fn value_float(&self, it: &Item) -> Result<TomlValue, String> {
        let parts: Vec<&str> = it
            .val
            .split(['.', 'e', 'E'])
            .filter(|p| !p.is_empty())
            .collect();
        let fail = |m: &str| Err(self.error_at(it.line, m));
        for part in &parts {
            if !num_underscores_ok(part) {
                return fail(&format!(
                    "Invalid float {}: underscores must be surrounded by digits",
                    go_quote(&it.val)
                ));
            }
        }
        if parts.first().is_some_and(|p| num_has_leading_zero(p)) {
            return fail(&format!(
                "Invalid float {}: cannot have leading zeroes",
                go_quote(&it.val)
            ));
        }
        if !num_periods_ok(&it.val) {
            return fail(&format!(
                "Invalid float {}: '.' must be followed by one or more digits",
                go_quote(&it.val)
            ));
        }
        let mut val = it.val.replace('_', "");
        let mut negative_nan = false;
        if val == "+nan" || val == "-nan" {
            negative_nan = val == "-nan";
            val = "nan".to_owned();
        }
        match parse_float(&val) {
            Some(f) => Ok(TomlValue::Float(if negative_nan {
                f.copysign(-1.0)
            } else {
                f
            })),
            None if decimal_float_syntax(&val) => {
                fail(&format!("{} is out of range for float64", it.val))
            }
            None => fail(&format!("Invalid float value: {}", go_quote(&it.val))),
        }
    }

    fn value_array(&mut self) -> Result<(TomlValue, Kind), String> {
        let current = self.current_key.clone();
        self.set_type(&current, Kind::Array);
        let mut array = Vec::new();
        loop {
            let it = self.next()?;
            match it.typ {
                ItemType::ArrayEnd => break,
                ItemType::CommentStart => {
                    self.expect(ItemType::Text)?;
                }
                _ => array.push(self.value(it, true)?.0),
            }
        }
        Ok((TomlValue::Array(array), Kind::Array))
    }

    fn value_inline_table(&mut self, parent_is_array: bool) -> Result<(TomlValue, Kind), String> {
        let mut top = Table::new();
        let outer_context = self.context.clone();
        let outer_key = self.current_key.clone();
        self.context.push(self.current_key.clone());
        let prev_context = self.context.clone();
        self.current_key.clear();
        self.implicits.insert(key_string(&self.context));
        let ctx = self.context.clone();
        self.add_context(&ctx, parent_is_array)?;
        loop {
            let it = self.next()?;
            match it.typ {
                ItemType::InlineTableEnd => break,
                ItemType::CommentStart => {
                    self.expect(ItemType::Text)?;
                    continue;
                }
                _ => {}
            }
            let k = self.next_pos()?;
            let key = self.key(k, ItemType::KeyEnd)?;
            let Some((last, parent)) = key.split_last() else {
                return Err(self.bug("empty key"));
            };
            self.current_key = last.clone();
            for piece in parent {
                let mut c = self.context.clone();
                c.push(piece.clone());
                self.add_implicit_context(&c)?;
            }
            let v_item = self.next()?;
            let (val, kind) = self.value(v_item, false)?;
            let current = self.current_key.clone();
            self.set_value(&current, val.clone())?;
            self.set_type(&current, kind);

            let mut hash = &mut top;
            for c in parent {
                let entry = hash
                    .entry(c.clone())
                    .or_insert_with(|| TomlValue::Table(Table::new()));
                hash = match entry {
                    TomlValue::Table(t) => t,
                    _ => {
                        let msg = format!(
                            "{} is not a table",
                            crate::gotemplate::strconv::quote(key_string(&self.context).as_bytes())
                        );
                        return Err(self.errorf(&msg));
                    }
                };
            }
            hash.insert(current, val);
            self.context = prev_context.clone();
        }
        self.context = outer_context;
        self.current_key = outer_key;
        Ok((TomlValue::Table(top), Kind::Other))
    }

    /// `addContext`: creates the tables of `key` (the last one an array
    /// element when `array`), and makes `key` the context.
    fn add_context(&mut self, key: &[String], array: bool) -> Result<(), String> {
        let Some((last, parent)) = key.split_last() else {
            return Err(self.bug("empty key"));
        };
        let mut key_context: Key = Vec::new();
        let mut new_implicits = Vec::new();
        let mut hash = &mut self.mapping;
        for k in parent {
            key_context.push(k.clone());
            if !hash.contains_key(k) {
                new_implicits.push(key_string(&key_context));
                hash.insert(k.clone(), TomlValue::Table(Table::new()));
            }
            hash = match hash.get_mut(k) {
                Some(TomlValue::TableArray(t)) if !t.is_empty() => {
                    let n = t.len() - 1;
                    &mut t[n]
                }
                Some(TomlValue::Table(t)) => t,
                _ => {
                    let msg = format!(
                        "Key '{}' was already created as a hash.",
                        key_string(&key_context)
                    );
                    self.implicits.extend(new_implicits);
                    return Err(self.error_at(self.pos_line, &msg));
                }
            };
        }
        let mut failed = false;
        if array {
            let entry = hash
                .entry(last.clone())
                .or_insert_with(|| TomlValue::TableArray(Vec::new()));
            match entry {
                TomlValue::TableArray(t) => t.push(Table::new()),
                _ => failed = true,
            }
        }
        self.implicits.extend(new_implicits);
        self.context = key_context;
        if failed {
            let msg = format!(
                "Key '{}' was already created and cannot be used as an array.",
                key_string(key)
            );
            return Err(self.errorf(&msg));
        }
        if !array {
            self.set_value(last, TomlValue::Table(Table::new()))?;
        }
        self.context.push(last.clone());
        Ok(())
    }

    fn add_implicit_context(&mut self, key: &[String]) -> Result<(), String> {
        self.implicits.insert(key_string(key));
        self.add_context(key, false)
    }

    fn is_array(&self, key: &str) -> bool {
        self.arrays.get(key).copied().unwrap_or(false)
    }

    fn set_value(&mut self, key: &str, value: TomlValue) -> Result<(), String> {
        let mut full = self.context.clone();
        full.push(key.to_owned());
        let name = key_string(&full);
        let array = self.is_array(&name);
        let mut key_context: Key = Vec::new();
        let mut hash = &mut self.mapping;
        for k in &self.context {
            key_context.push(k.clone());
            hash = match hash.get_mut(k) {
                None => {
                    return Err(format!(
                        "toml: BUG: Context for key '{}' has not been established.",
                        key_string(&key_context)
                    ));
                }
                Some(TomlValue::TableArray(t)) if !t.is_empty() => {
                    let n = t.len() - 1;
                    &mut t[n]
                }
                Some(TomlValue::Table(t)) => t,
                Some(_) => {
                    let msg = format!(
                        "Key '{}' has already been defined.",
                        key_string(&key_context)
                    );
                    return Err(self.error_at(self.pos_line, &msg));
                }
            };
        }
        if hash.contains_key(key) {
            if array {
                if !self.implicits.contains(&name) {
                    let msg = format!("Key '{name}' has already been defined.");
                    return Err(self.error_at(self.pos_line, &msg));
                }
                hash.insert(key.to_owned(), value);
                self.implicits.remove(&name);
                return Ok(());
            }
            if self.implicits.remove(&name) {
                return Ok(());
            }
            let msg = format!("Key '{name}' has already been defined.");
            return Err(self.error_at(self.pos_line, &msg));
        }
        hash.insert(key.to_owned(), value);
        Ok(())
    }

    fn set_type(&mut self, key: &str, kind: Kind) {
        let mut key_context = self.context.clone();
        if !key.is_empty() {
            key_context.push(key.to_owned());
        }
        if key_context.is_empty() {
            key_context.push(String::new());
        }
        let name = key_string(&key_context);
        self.arrays.insert(name, kind == Kind::Array);
    }

    fn replace_escapes(&self, it: &Item, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let b = s.as_bytes();
        let mut chars = s.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let (skip, ch) = match b.get(i + 1) {
                Some(b' ' | b'\t') => {
                    let e = char::from(b[i + 1]);
                    return Err(self.error_at(it.line, &format!("invalid escape: '\\{e}'")));
                }
                Some(b'b') => (1, '\u{8}'),
                Some(b't') => (1, '\t'),
                Some(b'n') => (1, '\n'),
                Some(b'f') => (1, '\u{c}'),
                Some(b'r') => (1, '\r'),
                Some(b'e') => (1, '\u{1b}'),
                Some(b'"') => (1, '"'),
                Some(b'\\') => (1, '\\'),
                Some(b'x') => (3, self.hex_rune(it, s.get(i + 2..i + 4))?),
                Some(b'u') => (5, self.hex_rune(it, s.get(i + 2..i + 6))?),
                Some(b'U') => (9, self.hex_rune(it, s.get(i + 2..i + 10))?),
                _ => return Err(self.bug("invalid escape")),
            };
            out.push(ch);
            for _ in 0..skip {
                chars.next();
            }
        }
        Ok(out)
    }

    fn hex_rune(&self, it: &Item, hex: Option<&str>) -> Result<char, String> {
        let hex = hex.unwrap_or_default();
        let Ok(n) = u32::from_str_radix(hex, 16) else {
            return Err(self.bug("bad hex escape"));
        };
        char::from_u32(n).ok_or_else(|| {
            self.error_at(
                it.line,
                &format!("Escaped character '\\u{hex}' is not valid UTF-8."),
            )
        })
    }
}

fn go_quote(s: &str) -> String {
    crate::gotemplate::strconv::quote(s.as_bytes())
}

/// Whether `s` is a well-formed decimal float, so that ParseFloat
/// failing on it means overflow (Go's `ErrRange`).
fn decimal_float_syntax(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mant_ok = match mant.split_once('.') {
        Some((a, b)) => {
            (digits(a) || a.is_empty())
                && (digits(b) || b.is_empty())
                && !(a.is_empty() && b.is_empty())
        }
        None => digits(mant),
    };
    let exp_ok = exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mant_ok && exp_ok
}

fn num_has_leading_zero(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() > 1 && b[0] == b'0' && !matches!(b[1], b'b' | b'o' | b'x') {
        return true;
    }
    b.len() > 2 && (b[0] == b'-' || b[0] == b'+') && b[1] == b'0'
}

fn num_underscores_ok(s: &str) -> bool {
    if matches!(s, "nan" | "+nan" | "-nan" | "inf" | "-inf" | "+inf") {
        return true;
    }
    let mut accept = false;
    for r in s.chars() {
        if r == '_' && !accept {
            return false;
        }
        accept = r.is_ascii_hexdigit();
    }
    accept
}

fn num_periods_ok(s: &str) -> bool {
    let mut period = false;
    for r in s.chars() {
        if period && !r.is_ascii_digit() {
            return false;
        }
        period = r == '.';
    }
    !period
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s)
}

/// `stripEscapedNewlines`: a backslash ending a line (trailing blanks
/// allowed) removes the line break and the blanks after it.
fn strip_escaped_newlines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut s = s;
    let mut i = 0;
    loop {
        let Some(ix) = s[i..].find('\\') else {
            out.push_str(s);
            return out;
        };
        i += ix;
        let b = s.as_bytes();
        if b.len() > i + 1 && b[i + 1] == b'\\' {
            i += 2;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r' | b'\n') {
            j += 1;
        }
        if j == i + 1 || !s[i..j].contains('\n') {
            i += 1;
            continue;
        }
        out.push_str(&s[..i]);
        s = &s[j..];
        i = 0;
    }
}
