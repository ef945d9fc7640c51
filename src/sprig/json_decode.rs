//! `json.Unmarshal(data, &interface{})` as Sprig's `fromJson` uses it:
//! Go's syntax check first (with `encoding/json`'s scanner messages, such
//! as `invalid character ']' looking for beginning of value`), then the
//! value: objects as `map[string]interface{}`, arrays as
//! `[]interface{}`, numbers as `float64`, invalid UTF-8 and lone
//! surrogates as U+FFFD.

use std::collections::BTreeMap;

use super::text::{decode_rune, push_rune};
use crate::gotemplate::strconv::quote;
use crate::gotemplate::{Str, Value};

/// Decodes `data`, or gives Go's error text.
pub(crate) fn decode(data: &[u8]) -> Result<Value, String> {
    check_valid(data)?;
    let mut p = Parser {
        data,
        pos: 0,
        range_error: None,
    };
    let v = p.value();
    match p.range_error {
        Some(e) => Err(e),
        None => Ok(v),
    }
}

/// Go's `quoteChar`: how the scanner names a byte in its messages.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        _ => {
            let q = quote(char::from(c).to_string().as_bytes());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// What the scanner expects after a value, by container.
#[derive(Clone, Copy, PartialEq)]
enum Frame {
    ObjectKey,
    ObjectValue,
    Array,
}

/// A port of `encoding/json`'s scanner (scanner.go) for syntax errors
/// only: the same states, the same messages, the same end-of-input rule
/// (`eof` feeds one space, so `nul` fails inside the literal).
#[derive(Clone, Copy, PartialEq, Debug)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    Zero,
    Digits,
    Dot,
    DotDigits,
    E,
    ESign,
    EDigits,
    Literal(&'static [u8], usize),
}

struct Scanner {
    state: State,
    stack: Vec<Frame>,
}

impl Scanner {
    fn step(&mut self, c: u8) -> Result<(), String> {
        use State::*;
        match self.state {
            BeginValueOrEmpty if c == b']' => return self.end_value(c),
            BeginValueOrEmpty | BeginValue => {
                if is_space(c) {
                    return Ok(());
                }
                self.state = match c {
                    b'{' => {
                        self.stack.push(Frame::ObjectKey);
                        BeginStringOrEmpty
                    }
                    b'[' => {
                        self.stack.push(Frame::Array);
                        BeginValueOrEmpty
                    }
                    b'"' => InString,
                    b'-' => Neg,
                    b'0' => Zero,
                    b'1'..=b'9' => Digits,
                    b't' => Literal(b"true", 1),
                    b'f' => Literal(b"false", 1),
                    b'n' => Literal(b"null", 1),
                    _ => return Err(invalid(c, "looking for beginning of value")),
                };
            }
            BeginStringOrEmpty if c == b'}' => {
                if let Some(top) = self.stack.last_mut() {
                    *top = Frame::ObjectValue;
                }
                return self.end_value(c);
            }
            BeginStringOrEmpty | BeginString => {
                if is_space(c) {
                    return Ok(());
                }
                if c != b'"' {
                    return Err(invalid(c, "looking for beginning of object key string"));
                }
                self.state = InString;
            }
            EndValue => return self.end_value(c),
            EndTop => {
                if !is_space(c) {
                    return Err(invalid(c, "after top-level value"));
                }
            }
            InString => match c {
                b'"' => self.state = EndValue,
                b'\\' => self.state = InStringEsc,
                0..=0x1f => return Err(invalid(c, "in string literal")),
                _ => {}
            },
            InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => self.state = InString,
                b'u' => self.state = InStringEscU(0),
                _ => return Err(invalid(c, "in string escape code")),
            },
            InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return Err(invalid(c, "in \\u hexadecimal character escape"));
                }
                self.state = if n == 3 {
                    InString
                } else {
                    InStringEscU(n + 1)
                };
            }
            Neg => match c {
                b'0' => self.state = Zero,
                b'1'..=b'9' => self.state = Digits,
                _ => return Err(invalid(c, "in numeric literal")),
            },
            Digits if c.is_ascii_digit() => {}
            Zero | Digits => match c {
                b'.' => self.state = Dot,
                b'e' | b'E' => self.state = E,
                _ => return self.end_value(c),
            },
            Dot => {
                if !c.is_ascii_digit() {
                    return Err(invalid(c, "after decimal point in numeric literal"));
                }
                self.state = DotDigits;
            }
            DotDigits => match c {
                b'0'..=b'9' => {}
                b'e' | b'E' => self.state = E,
                _ => return self.end_value(c),
            },
            E => match c {
                b'+' | b'-' => self.state = ESign,
                b'0'..=b'9' => self.state = EDigits,
                _ => return Err(invalid(c, "in exponent of numeric literal")),
            },
            ESign => {
                if !c.is_ascii_digit() {
                    return Err(invalid(c, "in exponent of numeric literal"));
                }
                self.state = EDigits;
            }
            EDigits => {
                if !c.is_ascii_digit() {
                    return self.end_value(c);
                }
            }
            Literal(word, i) => {
                if c != word[i] {
                    let name = std::str::from_utf8(word).unwrap_or("");
                    return Err(invalid(
                        c,
                        &format!("in literal {name} (expecting {})", quote_char(word[i])),
                    ));
                }
                self.state = if i + 1 == word.len() {
                    EndValue
                } else {
                    Literal(word, i + 1)
                };
            }
        }
        Ok(())
    }

    /// Go's `stateEndValue`.
    fn end_value(&mut self, c: u8) -> Result<(), String> {
        let Some(&top) = self.stack.last() else {
            self.state = State::EndTop;
            return self.step(c);
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Ok(());
        }
        match top {
            Frame::ObjectKey => {
                if c == b':' {
                    if let Some(t) = self.stack.last_mut() {
                        *t = Frame::ObjectValue;
                    }
                    self.state = State::BeginValue;
                    return Ok(());
                }
                Err(invalid(c, "after object key"))
            }
            Frame::ObjectValue => match c {
                b',' => {
                    if let Some(t) = self.stack.last_mut() {
                        *t = Frame::ObjectKey;
                    }
                    self.state = State::BeginString;
                    Ok(())
                }
                b'}' => {
                    self.stack.pop();
                    self.state = State::EndValue;
                    if self.stack.is_empty() {
                        self.state = State::EndTop;
                    }
                    Ok(())
                }
                _ => Err(invalid(c, "after object key:value pair")),
            },
            Frame::Array => match c {
                b',' => {
                    self.state = State::BeginValue;
                    Ok(())
                }
                b']' => {
                    self.stack.pop();
                    self.state = State::EndValue;
                    if self.stack.is_empty() {
                        self.state = State::EndTop;
                    }
                    Ok(())
                }
                _ => Err(invalid(c, "after array element")),
            },
        }
    }
}

/// Go's `checkValid`.
fn check_valid(data: &[u8]) -> Result<(), String> {
    let mut s = Scanner {
        state: State::BeginValue,
        stack: Vec::new(),
    };
    for &c in data {
        s.step(c)?;
    }
    if s.state == State::EndTop {
        return Ok(());
    }
    s.step(b' ')?;
    if s.state == State::EndTop {
        return Ok(());
    }
    Err("unexpected end of JSON input".to_string())
}

/// Builds the value from input already known to be valid JSON.
struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    /// The first number too large for a float64 (Go reports it after
    /// decoding the rest).
    range_error: Option<String>,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.pos < self.data.len() && is_space(self.data[self.pos]) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> u8 {
        self.data.get(self.pos).copied().unwrap_or(0)
    }

    fn value(&mut self) -> Value {
        self.skip_space();
        match self.peek() {
            b'{' => {
                self.pos += 1;
                let mut map = BTreeMap::new();
                loop {
                    self.skip_space();
                    if self.peek() == b'}' {
                        self.pos += 1;
                        break;
                    }
                    let key = self.string();
                    self.skip_space();
                    self.pos += 1; // ':'
                    let v = self.value();
                    map.insert(key, v);
                    self.skip_space();
                    if self.peek() == b',' {
                        self.pos += 1;
                    }
                }
                Value::map(map)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.peek() == b']' {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.value());
                    self.skip_space();
                    if self.peek() == b',' {
                        self.pos += 1;
                    }
                }
                Value::list(items)
            }
            b'"' => Value::String(self.string()),
            b't' => {
                self.pos += 4;
                Value::Bool(true)
            }
            b'f' => {
                self.pos += 5;
                Value::Bool(false)
            }
            b'n' => {
                self.pos += 4;
                Value::nil()
            }
            _ => {
                let start = self.pos;
                while self.pos < self.data.len()
                    && matches!(
                        self.data[self.pos],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("0");
                let f: f64 = text.parse().unwrap_or(0.0);
                if f.is_infinite() && self.range_error.is_none() {
                    self.range_error = Some(format!(
                        "json: cannot unmarshal number {text} into Go value of type float64"
                    ));
                }
                Value::float64(f)
            }
        }
    }

    /// A string literal at `pos` (Go's `unquote`).
    fn string(&mut self) -> Str {
        self.pos += 1; // '"'
        let mut out = Vec::new();
        while self.pos < self.data.len() {
            let c = self.data[self.pos];
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\\' => {
                    let e = self.data.get(self.pos + 1).copied().unwrap_or(b'\\');
                    self.pos += 2;
                    let simple = match e {
                        b'b' => Some(0x08),
                        b'f' => Some(0x0c),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        other => Some(other),
                    };
                    if let Some(b) = simple {
                        out.push(b);
                        continue;
                    }
                    let r = self.hex4();
                    let ch = if (0xD800..0xDC00).contains(&r)
                        && self.data.get(self.pos..self.pos + 2) == Some(b"\\u")
                    {
                        let save = self.pos;
                        self.pos += 2;
                        let r2 = self.hex4();
                        if (0xDC00..0xE000).contains(&r2) {
                            char::from_u32(0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00))
                        } else {
                            self.pos = save;
                            None
                        }
                    } else {
                        char::from_u32(r)
                    };
                    push_rune(&mut out, ch.unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                0x80.. => {
                    let (ch, w) = decode_rune(&self.data[self.pos..]);
                    if ch == char::REPLACEMENT_CHARACTER && w == 1 {
                        push_rune(&mut out, ch);
                    } else {
                        out.extend_from_slice(&self.data[self.pos..self.pos + w]);
                    }
                    self.pos += w;
                }
                _ => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        Str::from(out)
    }

    fn hex4(&mut self) -> u32 {
        let digits = self.data.get(self.pos..self.pos + 4).unwrap_or(b"0000");
        self.pos += 4;
        u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("0"), 16).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        decode(text.as_bytes()).err().unwrap_or_default()
    }

    #[test]
    fn syntax_errors_are_gos() {
        // Go encoding/json scanner messages (checked with the oracle).
        assert_eq!(
            err("[1,]"),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            err("nul"),
            "invalid character ' ' in literal null (expecting 'l')"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(err("1 2"), "invalid character '2' after top-level value");
        assert_eq!(err("[1,2"), "unexpected end of JSON input");
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{"), "unexpected end of JSON input");
        assert_eq!(
            err("1."),
            "invalid character ' ' after decimal point in numeric literal"
        );
        assert_eq!(
            err("{1:2}"),
            "invalid character '1' looking for beginning of object key string"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("{\"a\":1 \"b\"}"),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(
            err("\"\\x\""),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(
            err("1e400"),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
    }

    #[test]
    fn values_are_gos() {
        let v = decode(br#" {"a": [1, "\u00e9\ud83d\ude00", null, true], "b": {}} "#);
        let Ok(Value::Map(m)) = v else {
            panic!("not a map")
        };
        let Some(Value::List(l)) = m.get(b"a") else {
            panic!("not a list")
        };
        assert!(matches!(l.items()[0], Value::Float(f, _) if f == 1.0));
        assert!(matches!(&l.items()[1], Value::String(s) if s.as_bytes() == "é😀".as_bytes()));
        assert!(matches!(l.items()[2], Value::Nil(_)));
        assert!(matches!(l.items()[3], Value::Bool(true)));
    }
}
