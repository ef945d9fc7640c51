//! helm's `--set` family parsers (`pkg/strvals`): `name.sub[0]=value,…`
//! lines written into a values map.
//!
//! The behaviour follows helm's parser step by step, including what looks
//! accidental, because users rely on it: `a=` sets `""`, `a[0]` alone sets
//! an empty list, `{x,y}` is a list, a key whose existing value has the
//! wrong type fails with Go's panic text (helm recovers the panic and
//! prints it), list indexes pad with nulls up to 65536, and names nest at
//! most 30 levels.

use std::collections::BTreeMap;

use crate::compat::Compat;
use crate::gojson::GoValue;

/// A `--set`-style line helm would reject, with its message (before the
/// `failed parsing --set data: ` wrapper the caller adds).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrvalsError {
    /// A parse failure, with helm's text.
    #[error("{0}")]
    Parse(String),
    /// The input ended (Go's `io.EOF`): the normal end of a line, turned
    /// into success by the top-level loop; printed `EOF` where helm wraps
    /// it.
    #[error("EOF")]
    Eof,
    /// `name[` with no `]`: helm v3 fails, while v4 wraps the `io.EOF`
    /// with `%w` and its top-level loop then takes it for the end.
    #[error("error parsing index: EOF")]
    IndexEof,
}

/// The largest list index a line may set (helm's `MaxIndex`).
pub const MAX_INDEX: i64 = 65536;

/// The deepest `a.b.c` nesting a name may have (helm's
/// `MaxNestedNameLevel`).
pub const MAX_NESTED_NAME_LEVEL: usize = 30;

/// How values are typed.
enum Mode<'a> {
    /// `--set`: `true`/`false`/`null`, base-10 integers, strings.
    Typed,
    /// `--set-string`: always strings.
    Strings,
    /// `--set-json`: each value is one JSON document.
    Json,
    /// `--set-file`: the value names a file whose content is the value.
    File(&'a mut dyn FnMut(&str) -> Result<GoValue, String>),
}

/// `strvals.ParseInto`: parses a `--set` line into `dest`.
pub fn parse_into(
    line: &str,
    dest: &mut BTreeMap<String, GoValue>,
    compat: Compat,
) -> Result<(), StrvalsError> {
    Parser::new(line, Mode::Typed, compat).parse(dest)
}

/// `strvals.ParseIntoString`: parses a `--set-string` line into `dest`.
pub fn parse_into_string(
    line: &str,
    dest: &mut BTreeMap<String, GoValue>,
    compat: Compat,
) -> Result<(), StrvalsError> {
    Parser::new(line, Mode::Strings, compat).parse(dest)
}

/// `strvals.ParseJSON`: parses a `--set-json` line (`key=<json>,…`) into
/// `dest`; an empty value is `null`.
pub fn parse_json(
    line: &str,
    dest: &mut BTreeMap<String, GoValue>,
    compat: Compat,
) -> Result<(), StrvalsError> {
    Parser::new(line, Mode::Json, compat).parse(dest)
}

/// `strvals.ParseIntoFile`: parses a `--set-file` line into `dest`, each
/// value being a path handed to `read` (which returns the value or Go's
/// error text).
pub fn parse_into_file(
    line: &str,
    dest: &mut BTreeMap<String, GoValue>,
    read: &mut dyn FnMut(&str) -> Result<GoValue, String>,
    compat: Compat,
) -> Result<(), StrvalsError> {
    Parser::new(line, Mode::File(read), compat).parse(dest)
}

/// `strvals.Parse`: a `--set` line on its own.
pub fn parse(line: &str, compat: Compat) -> Result<BTreeMap<String, GoValue>, StrvalsError> {
    let mut m = BTreeMap::new();
    parse_into(line, &mut m, compat)?;
    Ok(m)
}

/// `strvals.ParseLiteralInto`: parses a `--set-literal` line into `dest`:
/// the value is everything after the first `=`, taken verbatim, and names
/// have no escapes.
pub fn parse_literal_into(
    line: &str,
    dest: &mut BTreeMap<String, GoValue>,
    compat: Compat,
) -> Result<(), StrvalsError> {
    let mut p = Parser::new(line, Mode::Strings, compat);
    p.literal = true;
    p.parse(dest)
}

/// A rune reader over the line, as Go's `bytes.Buffer` is used by helm.
struct Parser<'a> {
    runes: Vec<char>,
    pos: usize,
    mode: Mode<'a>,
    /// `--set-literal`: no escapes, no `,` separator.
    literal: bool,
    /// Which helm's end-of-input handling to follow.
    compat: Compat,
}

fn parse_err(msg: impl Into<String>) -> StrvalsError {
    StrvalsError::Parse(msg.into())
}

/// Go's name for a value's dynamic type, as a failed type assertion
/// prints it.
fn go_type_name(v: Option<&GoValue>) -> &'static str {
    match v {
        None | Some(GoValue::Null) => "nil",
        Some(GoValue::Bool(_)) => "bool",
        Some(GoValue::Int(_)) => "int64",
        Some(GoValue::Float(_)) => "float64",
        Some(GoValue::String(_)) => "string",
        Some(GoValue::Array(_)) => "[]interface {}",
        Some(GoValue::Map(_) | GoValue::Struct(_)) => "map[string]interface {}",
    }
}

/// helm recovers the panic of a failed type assertion in `key` and
/// reports it like this.
fn conversion_panic(found: Option<&GoValue>, want: &str) -> StrvalsError {
    parse_err(format!(
        "unable to parse key: interface conversion: interface {{}} is {}, not {want}",
        go_type_name(found)
    ))
}

/// Go's `%q` of a `[]rune`: each rune quoted as a Go character literal.
fn quote_runes(rs: &[char]) -> String {
    let parts: Vec<String> = rs.iter().map(|c| go_quote_rune(*c)).collect();
    format!("[{}]", parts.join(" "))
}

fn go_quote_rune(c: char) -> String {
    match c {
        '\'' => "'\\''".to_owned(),
        '\\' => "'\\\\'".to_owned(),
        '\n' => "'\\n'".to_owned(),
        '\t' => "'\\t'".to_owned(),
        '\r' => "'\\r'".to_owned(),
        '\u{7}' => "'\\a'".to_owned(),
        '\u{8}' => "'\\b'".to_owned(),
        '\u{c}' => "'\\f'".to_owned(),
        '\u{b}' => "'\\v'".to_owned(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("'\\x{:02x}'", c as u32),
        c => format!("'{c}'"),
    }
}

/// `strconv.Atoi` with Go's error texts.
fn go_atoi(s: &str) -> Result<i64, StrvalsError> {
    let b = s.as_bytes();
    let digits = match b.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(parse_err(format!(
            "strconv.Atoi: parsing {}: invalid syntax",
            go_quote(s)
        )));
    }
    s.parse::<i64>().map_err(|_| {
        parse_err(format!(
            "strconv.Atoi: parsing {}: value out of range",
            go_quote(s)
        ))
    })
}

/// Go's `%q` of a string (`strconv.Quote`).
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `error parsing index: <cause>`, keeping an end of input recognisable.
fn index_error(e: StrvalsError) -> StrvalsError {
    match e {
        StrvalsError::Eof => StrvalsError::IndexEof,
        e => parse_err(format!("error parsing index: {e}")),
    }
}

/// `typedVal`: what `--set` makes of a value.
fn typed_val(s: &str) -> GoValue {
    if s.eq_ignore_ascii_case("true") {
        return GoValue::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return GoValue::Bool(false);
    }
    if s.eq_ignore_ascii_case("null") {
        return GoValue::Null;
    }
    if s == "0" {
        return GoValue::Int(0);
    }
    // Only base-10 integers without a leading zero; Go's ParseInt accepts
    // a sign and nothing else (no underscores in base 10).
    if !s.is_empty() && !s.starts_with('0') {
        let b = s.as_bytes();
        let digits = match b[0] {
            b'+' | b'-' => &s[1..],
            _ => s,
        };
        if !digits.is_empty()
            && digits.bytes().all(|c| c.is_ascii_digit())
            && let Ok(i) = s.parse::<i64>()
        {
            return GoValue::Int(i);
        }
    }
    GoValue::String(s.to_owned())
}

/// `setIndex`: puts `val` at `index`, padding with nulls.
fn set_index(
    mut list: Vec<GoValue>,
    index: i64,
    val: GoValue,
) -> Result<Vec<GoValue>, StrvalsError> {
    if index < 0 {
        return Err(parse_err(format!("negative {index} index not allowed")));
    }
    if index > MAX_INDEX {
        return Err(parse_err(format!(
            "index of {index} is greater than maximum supported index of {MAX_INDEX}"
        )));
    }
    let index = index as usize;
    if list.len() <= index {
        list.resize(index + 1, GoValue::Null);
    }
    list[index] = val;
    Ok(list)
}

fn set(data: &mut BTreeMap<String, GoValue>, key: &str, val: GoValue) {
    // helm ignores empty names.
    if !key.is_empty() {
        data.insert(key.to_owned(), val);
    }
}

impl<'a> Parser<'a> {
    fn new(line: &str, mode: Mode<'a>, compat: Compat) -> Self {
        Parser {
            runes: line.chars().collect(),
            pos: 0,
            mode,
            literal: false,
            compat,
        }
    }

    fn parse(&mut self, data: &mut BTreeMap<String, GoValue>) -> Result<(), StrvalsError> {
        loop {
            match self.key(data, 0) {
                Ok(()) => {}
                Err(StrvalsError::Eof) => return Ok(()),
                Err(StrvalsError::IndexEof) if self.compat == Compat::V4 => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    fn read_rune(&mut self) -> Option<char> {
        let r = self.runes.get(self.pos).copied();
        if r.is_some() {
            self.pos += 1;
        }
        r
    }

    fn unread_rune(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// `runesUntil`: reads up to one of `stop` (returned, consumed), a
    /// backslash taking the next rune literally (not in literal mode).
    /// `None` as the stop rune is Go's `io.EOF`.
    fn runes_until(&mut self, stop: &[char]) -> (Vec<char>, Option<char>) {
        let mut v = Vec::new();
        loop {
            match self.read_rune() {
                None => return (v, None),
                Some(r) if stop.contains(&r) => return (v, Some(r)),
                Some('\\') if !self.literal => match self.read_rune() {
                    None => return (v, None),
                    Some(next) => v.push(next),
                },
                Some(r) => v.push(r),
            }
        }
    }

    fn read_value(&mut self, rs: &[char]) -> Result<GoValue, StrvalsError> {
        let s: String = rs.iter().collect();
        match &mut self.mode {
            Mode::Typed => Ok(typed_val(&s)),
            Mode::Strings | Mode::Json => Ok(GoValue::String(s)),
            Mode::File(read) => read(&s).map_err(parse_err),
        }
    }

    fn key(
        &mut self,
        data: &mut BTreeMap<String, GoValue>,
        mut level: usize,
    ) -> Result<(), StrvalsError> {
        let stop: &[char] = if self.literal {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        let (k, last) = self.runes_until(stop);
        let k: String = k.into_iter().collect();
        match last {
            None => {
                if k.is_empty() {
                    Err(StrvalsError::Eof)
                } else {
                    Err(parse_err(format!("key {} has no value", go_quote(&k))))
                }
            }
            Some('[') => {
                let i = self.key_index().map_err(index_error)?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(GoValue::Array(l)) => l.clone(),
                    Some(other) => return Err(conversion_panic(Some(other), "[]interface {}")),
                };
                let (list, result) = self.list_item(list, i, level);
                set(data, &k, GoValue::Array(list));
                result
            }
            Some('=') => {
                if self.literal {
                    let (v, _) = self.runes_until(&[]);
                    set(data, &k, GoValue::String(v.into_iter().collect()));
                    return Ok(());
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        set(data, &k, GoValue::Null);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set(data, &k, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(list) => {
                        set(data, &k, GoValue::Array(list));
                        Ok(())
                    }
                    Err(ValListError::Eof) => {
                        set(data, &k, GoValue::String(String::new()));
                        Err(StrvalsError::Eof)
                    }
                    Err(ValListError::NotList) => {
                        let (rs, _) = self.runes_until(&[',']);
                        let v = self.read_value(&rs)?;
                        set(data, &k, v);
                        Ok(())
                    }
                    Err(ValListError::Other(e)) => Err(e),
                }
            }
            Some(',') => {
                set(data, &k, GoValue::String(String::new()));
                Err(parse_err(format!(
                    "key {} has no value (cannot end with ,)",
                    go_quote(&k)
                )))
            }
            Some(_) => {
                // '.'
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(parse_err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let mut inner = match data.get(&k) {
                    None => BTreeMap::new(),
                    Some(GoValue::Map(m)) => m.clone(),
                    Some(other) => {
                        return Err(conversion_panic(Some(other), "map[string]interface {}"));
                    }
                };
                let e = self.key(&mut inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(parse_err(format!("key map {} has no value", go_quote(&k))));
                }
                if !inner.is_empty() {
                    set(data, &k, GoValue::Map(inner));
                }
                e
            }
        }
    }

    /// `keyIndex`: the digits up to `]`.
    fn key_index(&mut self) -> Result<i64, StrvalsError> {
        let (v, last) = self.runes_until(&[']']);
        if last.is_none() {
            return Err(StrvalsError::Eof);
        }
        go_atoi(&v.into_iter().collect::<String>())
    }

    /// `listItem`: what follows `name[i]`. Returns the (possibly updated)
    /// list together with the outcome, since helm stores the list even
    /// when parsing stops there.
    fn list_item(
        &mut self,
        list: Vec<GoValue>,
        i: i64,
        level: usize,
    ) -> (Vec<GoValue>, Result<(), StrvalsError>) {
        if i < 0 {
            return (
                list,
                Err(parse_err(format!("negative {i} index not allowed"))),
            );
        }
        let (k, last) = self.runes_until(&['[', '.', '=']);
        if !k.is_empty() {
            return (
                list,
                Err(parse_err(format!(
                    "unexpected data at end of array index: {}",
                    quote_runes(&k)
                ))),
            );
        }
        let keep = list.clone();
        let done = |r: Result<Vec<GoValue>, StrvalsError>| match r {
            Ok(l) => (l, Ok(())),
            Err(e) => (keep.clone(), Err(e)),
        };
        match last {
            None => (list, Err(StrvalsError::Eof)),
            Some('=') => {
                if self.literal {
                    let (v, _) = self.runes_until(&[]);
                    return done(set_index(list, i, GoValue::String(v.into_iter().collect())));
                }
                if matches!(self.mode, Mode::Json) {
                    if self.empty_val() {
                        return done(set_index(list, i, GoValue::Null));
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let r = done(set_index(list, i, v));
                    self.empty_val();
                    return r;
                }
                match self.val_list() {
                    Ok(vl) => done(set_index(list, i, GoValue::Array(vl))),
                    Err(ValListError::Eof) => {
                        done(set_index(list, i, GoValue::String(String::new())))
                    }
                    Err(ValListError::NotList) => {
                        let (rs, _) = self.runes_until(&[',']);
                        match self.read_value(&rs) {
                            Ok(v) => done(set_index(list, i, v)),
                            Err(e) => (list, Err(e)),
                        }
                    }
                    Err(ValListError::Other(e)) => (list, Err(e)),
                }
            }
            Some('[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(index_error(e))),
                };
                let crt = match list.get(i as usize) {
                    None | Some(GoValue::Null) => Vec::new(),
                    Some(GoValue::Array(l)) => l.clone(),
                    Some(other) => {
                        let e = conversion_panic(Some(other), "[]interface {}");
                        return (list, Err(e));
                    }
                };
                let (list2, r) = self.list_item(crt, next, level);
                if let Err(e) = r {
                    return (list, Err(e));
                }
                done(set_index(list, i, GoValue::Array(list2)))
            }
            Some(_) => {
                // '.': a map inside the list; a non-map there is replaced.
                let mut inner = match list.get(i as usize) {
                    Some(GoValue::Map(m)) => m.clone(),
                    _ => BTreeMap::new(),
                };
                if let Err(e) = self.key(&mut inner, level) {
                    return (list, Err(e));
                }
                done(set_index(list, i, GoValue::Map(inner)))
            }
        }
    }

    /// `emptyVal`: skips blanks; true (consuming it) at `,` or the end.
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read_rune() {
                None | Some(',') => return true,
                Some(r) if r.is_whitespace() => {}
                Some(_) => {
                    self.unread_rune();
                    return false;
                }
            }
        }
    }

    /// One JSON value from the rest of the line (Go's `json.Decoder`),
    /// numbers as float64.
    fn json_value(&mut self) -> Result<GoValue, StrvalsError> {
        let rest: String = self.runes[self.pos..].iter().collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let value = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(parse_err(e.to_string())),
            None => return Err(StrvalsError::Eof),
        };
        let used = rest[..stream.byte_offset()].chars().count();
        self.pos += used;
        Ok(GoValue::from_json(&value))
    }

    /// `valList`: a `{a,b}` list, or why there is none.
    fn val_list(&mut self) -> Result<Vec<GoValue>, ValListError> {
        match self.read_rune() {
            None => return Err(ValListError::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread_rune();
                return Err(ValListError::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            let (rs, last) = self.runes_until(&[',', '}']);
            match last {
                None => {
                    return Err(ValListError::Other(parse_err(
                        "list must terminate with '}'",
                    )));
                }
                Some('}') => {
                    if let Some(r) = self.read_rune()
                        && r != ','
                    {
                        self.unread_rune();
                    }
                    let v = self.read_value(&rs).map_err(ValListError::Other)?;
                    list.push(v);
                    return Ok(list);
                }
                Some(_) => {
                    let v = self.read_value(&rs).map_err(ValListError::Other)?;
                    list.push(v);
                }
            }
        }
    }
}

/// Why `valList` returned no list.
enum ValListError {
    /// The line ended right after `=`.
    Eof,
    /// The value does not start with `{`.
    NotList,
    /// A real error.
    Other(StrvalsError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<GoValue, String> {
        parse(s, Compat::V3)
            .map(GoValue::Map)
            .map_err(|e| e.to_string())
    }

    fn m(pairs: &[(&str, GoValue)]) -> GoValue {
        GoValue::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn typing_and_structure() {
        assert_eq!(
            p("a=1,b=007,c=1.5,d=TRUE,e=null,f=,g={x,2},h.i=0"),
            Ok(m(&[
                ("a", GoValue::Int(1)),
                ("b", GoValue::string("007")),
                ("c", GoValue::string("1.5")),
                ("d", GoValue::Bool(true)),
                ("e", GoValue::Null),
                ("f", GoValue::string("")),
                (
                    "g",
                    GoValue::Array(vec![GoValue::string("x"), GoValue::Int(2)])
                ),
                ("h", m(&[("i", GoValue::Int(0))])),
            ]))
        );
        assert_eq!(
            p("l[2]=x"),
            Ok(m(&[(
                "l",
                GoValue::Array(vec![GoValue::Null, GoValue::Null, GoValue::string("x")])
            )]))
        );
        assert_eq!(p(r"a\.b=c\,d"), Ok(m(&[("a.b", GoValue::string("c,d"))])));
    }

    #[test]
    fn errors() {
        assert_eq!(p("a"), Err(r#"key "a" has no value"#.to_owned()));
        assert_eq!(
            p("a,b=1"),
            Err(r#"key "a" has no value (cannot end with ,)"#.to_owned())
        );
        assert_eq!(p("a.=1"), Err(r#"key map "a" has no value"#.to_owned()));
        assert_eq!(
            p("a[0]x=1"),
            Err("unexpected data at end of array index: ['x']".to_owned())
        );
        assert_eq!(
            p("a[-1]=1"),
            Err("negative -1 index not allowed".to_owned())
        );
        assert_eq!(p("a={1,2"), Err("list must terminate with '}'".to_owned()));
        assert_eq!(
            p("a=1,a.b=2"),
            Err("unable to parse key: interface conversion: interface {} is int64, not map[string]interface {}".to_owned())
        );
        assert_eq!(
            p("a[65537]=1"),
            Err("index of 65537 is greater than maximum supported index of 65536".to_owned())
        );
    }
}
