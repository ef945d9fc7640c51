//! helm's YAML output: `sigs.k8s.io/yaml` v1.6.0 `Marshal` on top of
//! go-yaml v2 (`go.yaml.in/yaml/v2` v2.4.3).
//!
//! `Marshal` does not serialise the value directly. It encodes it with
//! `encoding/json`, parses that JSON text back with go-yaml (JSON being
//! YAML), and re-emits the resulting generic value as YAML. Every step
//! leaves visible traces, so [`to_yaml`] models all three:
//!
//! 1. JSON encoding: struct field order is lost (keys are re-sorted), and
//!    numbers become their JSON text.
//! 2. YAML parsing of that text: numbers are re-typed by go-yaml's resolver
//!    (`3.0` became `3` and is now an integer, `1e+20` a float, an integer
//!    above `i64::MAX` an unsigned), a raw U+0085 (NEL) inside a string is a
//!    line break that YAML folds, some characters Go's JSON leaves raw are
//!    rejected by the YAML reader, and keys must fit go-yaml's simple-key
//!    limits.
//! 3. YAML emission with go-yaml's key order and style rules
//!    (the crate-private `yaml_emit` module).

use std::fmt;

use super::gosort::go_sort;
use super::json::{self, JsonError};
use super::table_contains;
use super::tables::{GO_DIGIT, GO_LETTER};
use super::value::GoValue;
use super::yaml_emit::{Node, emit_document};

/// Why `sigs.k8s.io/yaml.Marshal` would fail on a value. The messages are
/// Go's.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlError {
    /// The JSON step failed (a NaN or infinite float).
    Json(JsonError),
    /// A string contains a character that Go's JSON writes raw but the
    /// YAML reader rejects: U+007F–U+0084, U+0086–U+009F, U+FFFE, U+FFFF.
    ControlCharacter,
    /// A map key cannot be a YAML simple key: its JSON form is longer than
    /// 1024 characters, or it contains a raw line break (U+0085). `line`
    /// is the zero-based line of the JSON text the parser stopped on.
    KeyTooLong {
        /// Zero-based line (counted in U+0085 breaks) of the failure.
        line: usize,
    },
    /// A U+0085 line break inside a string is followed by `---` or `...`
    /// and a blank, which YAML reads as a document marker. `line` is the
    /// zero-based line the marker starts.
    DocumentIndicator {
        /// Zero-based line (counted in U+0085 breaks) of the marker.
        line: usize,
    },
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::Json(e) => write!(f, "error marshaling into JSON: {e}"),
            YamlError::ControlCharacter => f.write_str("yaml: control characters are not allowed"),
            YamlError::KeyTooLong { line: 0 } => {
                f.write_str("yaml: did not find expected ',' or '}'")
            }
            YamlError::KeyTooLong { line } => {
                write!(f, "yaml: line {line}: did not find expected ',' or '}}'")
            }
            // Scanner errors report the line one-based.
            YamlError::DocumentIndicator { line } => {
                write!(
                    f,
                    "yaml: line {}: found unexpected document indicator",
                    line + 1
                )
            }
        }
    }
}

impl std::error::Error for YamlError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            YamlError::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<JsonError> for YamlError {
    fn from(e: JsonError) -> Self {
        YamlError::Json(e)
    }
}

/// Serialises `value` exactly as helm's `-o yaml` does
/// (`sigs.k8s.io/yaml.Marshal`, i.e. JSON encoding, JSON-to-YAML
/// conversion and go-yaml v2 emission): keys in go-yaml's order, two-space
/// indentation, sequences not indented under their key, YAML 1.1 look-alike
/// strings double-quoted, multi-line strings as literal blocks, long scalars
/// folded at 80 columns, and a final newline.
///
/// helm's `toYaml` template function is this output with the final newline
/// trimmed.
///
/// Go sorts keys with a comparator that is not a consistent order for some
/// key sets (`a9`, `a10`, `a1b`), starting from Go's randomised map
/// iteration order, so helm prints such maps differently from run to run.
/// This function is deterministic and prints one of the orders Go can
/// print: the one Go produces when its iteration happens to yield the keys
/// in byte order.
///
/// # Errors
///
/// [`YamlError`] where Go's `Marshal` fails; a few rare characters and
/// over-long keys make the intermediate JSON unreadable to go-yaml.
///
/// # Example
///
/// ```
/// use rudder::output::{GoValue, to_yaml};
///
/// let values: serde_json::Value = serde_json::json!({
///     "tag": "1.10", "enabled": "yes", "hosts": ["a", "b"], "replicas": 3.0,
/// });
/// assert_eq!(
///     to_yaml(&GoValue::from_json(&values)).unwrap(),
///     "enabled: \"yes\"\nhosts:\n- a\n- b\nreplicas: 3\ntag: \"1.10\"\n",
/// );
/// ```
pub fn to_yaml(value: &GoValue) -> Result<String, YamlError> {
    let mut json_text = json::to_json(value)?;
    // `json.Marshal` has no trailing newline, unlike the encoder.
    json_text.pop();
    let node = JsonToYaml::new(&json_text).read_document()?;
    Ok(emit_document(&node))
}

/// A YAML error found while reading the JSON text, and how far the YAML
/// reader had decoded the input by then (see [`JsonToYaml::fail`]).
struct Failure {
    error: YamlError,
    /// Byte offset of the last character the scanner had asked for.
    needed: usize,
}

/// Replays go-yaml's parse of the compact JSON text Go produced: the
/// values it yields, the line breaks it sees, and the errors it raises, in
/// the order it raises them.
struct JsonToYaml<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    /// Index (in characters) of the next character; go-yaml measures the
    /// simple-key limit in characters.
    index: usize,
    /// Lines read so far. Go's JSON has no raw newlines, but a raw U+0085
    /// in a string is a line break to YAML.
    line: usize,
}

impl<'a> JsonToYaml<'a> {
    fn new(text: &'a str) -> Self {
        JsonToYaml {
            text,
            pos: 0,
            index: 0,
            line: 0,
        }
    }

    fn read_document(&mut self) -> Result<Node, YamlError> {
        // go-yaml's reader decodes its input in 512-byte chunks, each as a
        // whole, and rejects a disallowed character as soon as its chunk is
        // decoded. The first chunk is decoded before anything is scanned,
        // later ones when the scanner needs a character in them; so a
        // disallowed character wins over a parse error exactly when its
        // chunk is decoded no later than the parse error's position.
        let rejected = self
            .text
            .char_indices()
            .find(|&(_, c)| is_rejected_by_yaml_reader(c))
            .map(|(i, _)| i);
        let result = self.read_value();
        match (rejected, result) {
            (None, Ok(node)) => Ok(node),
            (Some(_), Ok(_)) => Err(YamlError::ControlCharacter),
            (None, Err(failure)) => Err(failure.error),
            (Some(at), Err(failure)) => {
                let chunks = chunk_starts(self.text);
                let chunk_of = |byte: usize| chunks.partition_point(|&start| start <= byte);
                if chunk_of(at) <= chunk_of(failure.needed) {
                    Err(YamlError::ControlCharacter)
                } else {
                    Err(failure.error)
                }
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        self.index += 1;
        Some(c)
    }

    /// A failure at the current position, where the scanner has looked at
    /// most `lookahead` characters further (it keeps four characters
    /// buffered when it starts a token or a line inside a scalar).
    fn fail(&self, error: YamlError, lookahead: usize) -> Failure {
        let needed = self.text[self.pos..]
            .char_indices()
            .take(lookahead + 1)
            .last()
            .map_or(self.pos, |(i, _)| self.pos + i);
        Failure { error, needed }
    }

    fn read_value(&mut self) -> Result<Node, Failure> {
        match self.peek() {
            Some('{') => self.read_object(),
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                if self.peek() == Some(']') {
                    self.bump();
                    return Ok(Node::Seq(items));
                }
                loop {
                    items.push(self.read_value()?);
                    if self.bump() != Some(',') {
                        return Ok(Node::Seq(items));
                    }
                }
            }
            Some('"') => Ok(Node::Str(self.read_string()?)),
            _ => {
                let rest = &self.text[self.pos..];
                let len = rest.find([',', ']', '}']).unwrap_or(rest.len());
                let token = &rest[..len];
                self.pos += len;
                self.index += len;
                Ok(match token {
                    "null" => Node::Null,
                    "true" => Node::Bool(true),
                    "false" => Node::Bool(false),
                    number => resolve_json_number(number),
                })
            }
        }
    }

    fn read_object(&mut self) -> Result<Node, Failure> {
        self.bump();
        let mut entries: Vec<(String, Node)> = Vec::new();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Node::Map(entries));
        }
        loop {
            let (key_index, key_line) = (self.index, self.line);
            let key = self.read_string()?;
            // go-yaml accepts a quoted key only as a "simple key": on one
            // line, with the `:` at most 1024 characters after its start.
            if self.line != key_line || self.index - key_index > 1024 {
                return Err(self.fail(YamlError::KeyTooLong { line: self.line }, 3));
            }
            self.bump();
            let value = self.read_value()?;
            // A repeated key (possible only in a hand-built struct) keeps
            // the last value, as decoding into a Go map does.
            entries.retain(|(k, _)| *k != key);
            entries.push((key, value));
            if self.bump() != Some(',') {
                break;
            }
        }
        let mut keyed: Vec<(Vec<char>, (String, Node))> = entries
            .into_iter()
            .map(|(k, v)| (k.chars().collect(), (k, v)))
            .collect();
        // Start from byte order (what JSON gives) for a deterministic
        // result where Go's own order would depend on map iteration.
        keyed.sort_by(|a, b| a.1.0.cmp(&b.1.0));
        go_sort(&mut keyed, |a, b| key_less(&a.0, &b.0));
        Ok(Node::Map(
            keyed.into_iter().map(|(_, entry)| entry).collect(),
        ))
    }

    /// Reads a JSON string as go-yaml reads a double-quoted scalar: escapes
    /// decode as in JSON, but raw U+0085 line breaks (the only raw breaks Go
    /// leaves in JSON) fold like line breaks in YAML: spaces around them
    /// are dropped, one break becomes a space, n breaks become n-1
    /// newlines; and `---` or `...` plus a blank right after a break is a
    /// document marker, an error.
    fn read_string(&mut self) -> Result<String, Failure> {
        self.bump();
        let mut out = String::new();
        let mut at_line_start = false;
        loop {
            if at_line_start && self.starts_document_marker() {
                return Err(self.fail(YamlError::DocumentIndicator { line: self.line }, 3));
            }
            loop {
                match self.peek() {
                    None | Some('"') => {
                        self.bump();
                        return Ok(out);
                    }
                    Some(' ' | '\u{85}') => break,
                    Some('\\') => {
                        self.bump();
                        out.push(self.read_escape());
                    }
                    Some(c) => {
                        self.bump();
                        out.push(c);
                    }
                }
            }
            let mut whitespace = String::new();
            let mut leading_break = false;
            let mut trailing_breaks = 0;
            at_line_start = false;
            while let Some(c @ (' ' | '\u{85}')) = self.peek() {
                self.bump();
                if c == ' ' {
                    if !leading_break {
                        whitespace.push(' ');
                    }
                    at_line_start = false;
                } else {
                    self.line += 1;
                    at_line_start = true;
                    if leading_break {
                        trailing_breaks += 1;
                    } else {
                        leading_break = true;
                        whitespace.clear();
                    }
                }
            }
            if !leading_break {
                out.push_str(&whitespace);
            } else if trailing_breaks == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', trailing_breaks));
            }
        }
    }

    /// Decodes the escape after a backslash (Go's encoder writes `\"`,
    /// `\\`, `\b`, `\f`, `\n`, `\r`, `\t` and `\u00XX`/`\u202X`).
    fn read_escape(&mut self) -> char {
        match self.bump() {
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => {
                let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                self.pos += hex.len();
                self.index += hex.len();
                u32::from_str_radix(hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}')
            }
            Some(other) => other,
            None => '\\',
        }
    }

    /// `---` or `...` followed by a blank or a break: in Go's JSON the
    /// character after the marker can only be a raw space or U+0085 (a
    /// closing quote is not blank, and tabs and NUL are escaped).
    fn starts_document_marker(&self) -> bool {
        let rest = &self.text[self.pos..];
        (rest.starts_with("---") || rest.starts_with("..."))
            && rest[3..]
                .chars()
                .next()
                .is_some_and(|c| c == ' ' || c == '\u{85}')
    }
}

/// Byte offsets where go-yaml's reader starts decoding a new 512-byte chunk
/// of its input: each chunk is the 512 bytes from the first byte not yet
/// decoded, decoded up to its last complete character.
fn chunk_starts(text: &str) -> Vec<usize> {
    const RAW_BUFFER: usize = 512;
    let mut starts = vec![0];
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() > start + RAW_BUFFER {
            start = i;
            starts.push(start);
        }
    }
    starts
}

/// The YAML reader accepts tab, LF, CR, printable ASCII, NEL, and the rest
/// of Unicode except C1 controls, surrogates and U+FFFE/U+FFFF. Go's JSON
/// escapes the C0 controls, so these are the ones left to trip over.
fn is_rejected_by_yaml_reader(c: char) -> bool {
    matches!(u32::from(c), 0x7F..=0x84 | 0x86..=0x9F | 0xFFFE | 0xFFFF)
}

/// go-yaml's typing of a number in JSON text (`resolve`): integers that fit
/// `int64` stay integers, larger ones that fit `uint64` become unsigned,
/// everything else is a float. JSON numbers never look like timestamps.
fn resolve_json_number(text: &str) -> Node {
    if let Ok(i) = text.parse::<i64>() {
        Node::Int(i)
    } else if let Ok(u) = text.parse::<u64>() {
        Node::Uint(u)
    } else {
        // Go's JSON float text always reads back as the same float.
        Node::Float(text.parse().unwrap_or(f64::NAN))
    }
}

fn is_letter(c: char) -> bool {
    table_contains(GO_LETTER, c)
}

fn is_digit(c: char) -> bool {
    table_contains(GO_DIGIT, c)
}

/// go-yaml's map key order for string keys (`sorter.go` `keyList.Less`),
/// compared rune by rune from the first difference:
///
/// - two letters compare by code point, and any letter sorts after any
///   non-letter;
/// - otherwise runs of digits compare by numeric value, then by length (so
///   `a2` < `a10`, `1` < `01`), then by code point;
/// - a key that is a prefix of another sorts first.
///
/// "Letter" and "digit" are Go's `unicode.IsLetter`/`IsDigit`; non-ASCII
/// digits take the value `rune - '0'`, and the accumulator wraps on
/// overflow, all as in Go.
pub(crate) fn key_less(a: &[char], b: &[char]) -> bool {
    for i in 0..a.len().min(b.len()) {
        if a[i] == b[i] {
            continue;
        }
        let (a_letter, b_letter) = (is_letter(a[i]), is_letter(b[i]));
        if a_letter && b_letter {
            return a[i] < b[i];
        }
        if a_letter || b_letter {
            return b_letter;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if a[i] == '0' || b[i] == '0' {
            // A zero inside a number that already has a non-zero digit is
            // an ordinary digit, not a leading zero.
            for j in (0..i).rev() {
                if !is_digit(a[j]) {
                    break;
                }
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let digit_value = |c: char| i64::from(u32::from(c)) - i64::from(u32::from('0'));
        let mut ai = i;
        while ai < a.len() && is_digit(a[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(a[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(b[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(b[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn keys(v: &[&str]) -> Vec<String> {
        let mut v: Vec<(Vec<char>, String)> = v
            .iter()
            .map(|s| (s.chars().collect(), (*s).to_owned()))
            .collect();
        go_sort(&mut v, |a, b| key_less(&a.0, &b.0));
        v.into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn key_order() {
        assert_eq!(
            keys(&["a10", "a2", "a1", "b", "A", "_x", "1", "01", ""]),
            ["", "_x", "1", "01", "A", "a1", "a2", "a10", "b"]
        );
    }

    #[test]
    fn numbers_are_retyped() {
        let v = GoValue::Map(BTreeMap::from([
            ("three".to_owned(), GoValue::Float(3.0)),
            ("big".to_owned(), GoValue::Float(1e20)),
            ("u".to_owned(), GoValue::Float(12345678901234567890.0)),
            ("negzero".to_owned(), GoValue::Float(-0.0)),
            ("small".to_owned(), GoValue::Float(1e-7)),
        ]));
        assert_eq!(
            to_yaml(&v).unwrap(),
            "big: 1e+20\nnegzero: 0\nsmall: 1e-07\nthree: 3\nu: 12345678901234567000\n"
        );
    }

    #[test]
    fn nel_folds_and_errors() {
        let v = GoValue::string("a  \u{85}  b\u{85}\u{85}c");
        assert_eq!(to_yaml(&v).unwrap(), "|-\n  a b\n  c\n");
        let v = GoValue::string("a\u{85}--- b");
        assert_eq!(
            to_yaml(&v).unwrap_err().to_string(),
            "yaml: line 2: found unexpected document indicator"
        );
        let v = GoValue::string("a\u{7f}");
        assert_eq!(to_yaml(&v).unwrap_err(), YamlError::ControlCharacter);
    }
}
