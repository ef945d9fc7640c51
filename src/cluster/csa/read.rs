//! The JSON inside `v:` and `k:` keys, read the way jsoniter reads it
//! into `interface{}`: every number a `float64`, maps with unique keys.

use std::collections::BTreeMap;

use crate::gojson::value::GoValue;

/// Nesting deeper than this inside a path element is refused (jsoniter
/// allows 10000, which would risk the stack here).
const MAX_DEPTH: usize = 1000;

/// A reader for the JSON text after `v:`/`k:`. Like jsoniter it reads one
/// value and ignores whatever follows it.
pub(super) struct JsonReader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> JsonReader<'a> {
    pub(super) fn new(text: &'a str) -> JsonReader<'a> {
        JsonReader { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", byte as char, self.pos))
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(format!("expected {word} at byte {}", self.pos))
        }
    }

    /// The value of a `v:` key.
    pub(super) fn first_value(mut self) -> Result<GoValue, String> {
        self.value(0)
    }

    /// The fields of a `k:` key, in text order with duplicates kept
    /// (jsoniter's `ReadObjectCB`); `null` reads as no fields.
    pub(super) fn first_key_fields(mut self) -> Result<Vec<(String, GoValue)>, String> {
        self.skip_whitespace();
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return Ok(Vec::new());
        }
        let mut fields = Vec::new();
        self.object_members(0, |name, value| fields.push((name, value)))?;
        Ok(fields)
    }

    fn value(&mut self, depth: usize) -> Result<GoValue, String> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep".to_owned());
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b'n') => self.literal("null").map(|()| GoValue::Null),
            Some(b't') => self.literal("true").map(|()| GoValue::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| GoValue::Bool(false)),
            Some(b'"') => self.string().map(GoValue::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(GoValue::Float),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(GoValue::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(GoValue::Array(items));
                        }
                        _ => return Err(format!("expected , or ] at byte {}", self.pos)),
                    }
                }
            }
            Some(b'{') => {
                // A decoded map: a repeated name keeps the last value.
                let mut map = BTreeMap::new();
                self.object_members(depth, |name, value| {
                    map.insert(name, value);
                })?;
                Ok(GoValue::Map(map))
            }
            _ => Err(format!("unexpected value at byte {}", self.pos)),
        }
    }

    /// The members of an object, handed to `each` in text order.
    fn object_members(
        &mut self,
        depth: usize,
        mut each: impl FnMut(String, GoValue),
    ) -> Result<(), String> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(format!("expected a member name at byte {}", self.pos));
            }
            let name = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            each(name, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(format!("expected , or }} at byte {}", self.pos)),
            }
        }
    }

    /// A number: jsoniter takes the run of number characters and parses it
    /// as a float64 (so `1x` is 1, and integers become floats).
    fn number(&mut self) -> Result<f64, String> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        let number = text
            .parse::<f64>()
            .map_err(|err| format!("number {text:?}: {err}"))?;
        // Go's ParseFloat reports a range error for what overflows (jsoniter
        // then fails the key); Rust would give an infinity.
        if number.is_finite() {
            Ok(number)
        } else {
            Err(format!("number {text:?}: value out of range"))
        }
    }

    /// A string, escapes decoded; a lone surrogate becomes U+FFFD.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(stop) = rest.find(['"', '\\']) else {
                return Err("unterminated string".to_owned());
            };
            out.push_str(&rest[..stop]);
            self.pos += stop;
            if self.peek() == Some(b'"') {
                self.pos += 1;
                return Ok(out);
            }
            self.pos += 1; // the backslash
            let escape = self.peek().ok_or("unterminated escape")?;
            self.pos += 1;
            match escape {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let first = self.hex4()?;
                    let decoded = if (0xD800..0xDC00).contains(&first)
                        && self.text[self.pos..].starts_with("\\u")
                    {
                        let save = self.pos;
                        self.pos += 2;
                        let second = self.hex4()?;
                        if (0xDC00..0xE000).contains(&second) {
                            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                        } else {
                            // Not a pair: the second escape stands alone.
                            self.pos = save;
                            None
                        }
                    } else {
                        char::from_u32(first)
                    };
                    out.push(decoded.unwrap_or('\u{FFFD}'));
                }
                other => return Err(format!("invalid escape \\{}", other as char)),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or("short \\u escape")?;
        let code = u32::from_str_radix(digits, 16).map_err(|err| format!("\\u{digits}: {err}"))?;
        self.pos += 4;
        Ok(code)
    }
}
