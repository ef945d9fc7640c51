//! BurntSushi/toml v1.6.0's lexer (`lex.go`), state for state: the same
//! items, the same accepted texts, and the same error messages on the
//! same lines, because `fromToml` hands helm's error text to the template.
//!
//! Go runs the states lazily as the parser pulls items; nothing a state
//! does depends on the parser, so lexing up to the first error (the
//! parser stops there) and parsing the list afterwards is equivalent.

use crate::gotemplate::strconv::{quote, quote_rune};

/// Go's `eof` rune (the lexer returns 0 at the end of the input).
const EOF: char = '\0';
/// `utf8.RuneError`.
const RUNE_ERROR: char = '\u{FFFD}';

/// What an item is (`itemType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ItemType {
    Error,
    Eof,
    Text,
    String,
    StringEsc,
    RawString,
    MultilineString,
    RawMultilineString,
    Bool,
    Integer,
    Float,
    Datetime,
    Array,
    ArrayEnd,
    TableStart,
    TableEnd,
    ArrayTableStart,
    ArrayTableEnd,
    KeyStart,
    KeyEnd,
    CommentStart,
    InlineTableStart,
    InlineTableEnd,
}

/// One lexed item: its type, text (or error message) and line.
#[derive(Clone, Debug)]
pub(super) struct Item {
    pub(super) typ: ItemType,
    pub(super) val: String,
    pub(super) line: usize,
}

/// The state functions of `lex.go`, one variant each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Top,
    TopEnd,
    TableStart,
    TableEnd,
    ArrayTableEnd,
    TableNameStart,
    TableNameEnd,
    BareName,
    QuotedName,
    KeyStart,
    KeyNameStart,
    KeyEnd,
    Value,
    ArrayValue,
    ArrayValueEnd,
    ArrayEnd,
    InlineTableValue,
    InlineTableValueEnd,
    InlineTableEnd,
    String,
    MultilineString,
    RawString,
    MultilineRawString,
    MultilineStringEscape,
    StringEscape,
    HexEscape,
    ShortUnicodeEscape,
    LongUnicodeEscape,
    NumberOrDateStart,
    NumberOrDate,
    Datetime,
    HexInteger,
    OctalInteger,
    BinaryInteger,
    DecimalNumber,
    DecimalNumberStart,
    BaseNumberOrDate,
    Float,
    Bool,
    CommentStart,
    Comment,
}

/// Lexes `input` into items, ending with `Eof` or the first `Error`.
pub(super) fn lex(input: &[u8]) -> Vec<Item> {
    let mut lx = Lexer {
        input,
        start: 0,
        pos: 0,
        line: 1,
        items: Vec::new(),
        esc: false,
        prev_widths: [0; 4],
        nprev: 0,
        at_eof: false,
        stack: Vec::new(),
    };
    let mut state = Some(State::Top);
    while let Some(s) = state {
        state = lx.step(s);
        if let Some(i) = lx.items.iter().position(|i| i.typ == ItemType::Error) {
            lx.items.truncate(i + 1);
            break;
        }
    }
    lx.items
}

struct Lexer<'a> {
    input: &'a [u8],
    start: usize,
    pos: usize,
    line: usize,
    items: Vec<Item>,
    esc: bool,
    prev_widths: [usize; 4],
    nprev: usize,
    at_eof: bool,
    stack: Vec<State>,
}

/// Go's `utf8.DecodeRune`: an invalid or short sequence is `RuneError`
/// of width 1.
fn decode_rune(b: &[u8]) -> (char, usize) {
    let n = match b[0] {
        0..=0x7f => return (char::from(b[0]), 1),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (RUNE_ERROR, 1),
    };
    if let Some(Some(c)) = b
        .get(..n)
        .map(|s| std::str::from_utf8(s).ok().and_then(|s| s.chars().next()))
    {
        return (c, n);
    }
    (RUNE_ERROR, 1)
}

fn is_whitespace(r: char) -> bool {
    r == '\t' || r == ' '
}
fn is_nl(r: char) -> bool {
    r == '\n' || r == '\r'
}
/// Control characters except tab, CR and LF.
fn is_control(r: char) -> bool {
    !matches!(r, '\t' | '\r' | '\n') && (r <= '\u{1f}' || r == '\u{7f}')
}
fn is_digit(r: char) -> bool {
    r.is_ascii_digit()
}
fn is_binary(r: char) -> bool {
    r == '0' || r == '1'
}
fn is_octal(r: char) -> bool {
    ('0'..='7').contains(&r)
}
fn is_hex(r: char) -> bool {
    r.is_ascii_hexdigit()
}
fn is_bare_key_char(r: char) -> bool {
    r.is_ascii_alphanumeric() || r == '_' || r == '-'
}

/// `runeOrEOF`.
fn rune_or_eof(r: char) -> String {
    if r == EOF {
        "end of file".to_owned()
    } else {
        format!("'{r}'")
    }
}

fn q(r: char) -> String {
    quote_rune(r as u32)
}

impl Lexer<'_> {
    fn current(&self) -> &[u8] {
        self.input.get(self.start..self.pos).unwrap_or_default()
    }

    fn push(&mut self, s: State) {
        self.stack.push(s);
    }

    /// `pop`; Go panics on an empty stack, which no input reaches.
    fn pop(&mut self) -> Option<State> {
        self.stack.pop()
    }

    fn emit(&mut self, typ: ItemType) {
        if self.start > self.pos {
            let b = self.input.get(self.pos).copied().unwrap_or(0);
            self.error(format!("invalid UTF-8 byte: 0x{b:02x}"));
            return;
        }
        let val = String::from_utf8_lossy(self.current()).into_owned();
        self.items.push(Item {
            typ,
            val,
            line: self.line,
        });
        self.start = self.pos;
    }

    fn emit_trim(&mut self, typ: ItemType) {
        let val = String::from_utf8_lossy(self.current()).trim().to_owned();
        self.items.push(Item {
            typ,
            val,
            line: self.line,
        });
        self.start = self.pos;
    }

    fn next(&mut self) -> char {
        if self.at_eof || self.pos >= self.input.len() {
            self.at_eof = true;
            return EOF;
        }
        if self.input[self.pos] == b'\n' {
            self.line += 1;
        }
        self.prev_widths = [
            self.prev_widths[0],
            self.prev_widths[0],
            self.prev_widths[1],
            self.prev_widths[2],
        ];
        if self.nprev < 4 {
            self.nprev += 1;
        }
        let (r, w) = decode_rune(&self.input[self.pos..]);
        if r == RUNE_ERROR && w == 1 {
            let b = self.input[self.pos];
            self.error(format!("invalid UTF-8 byte: 0x{b:02x}"));
            return RUNE_ERROR;
        }
        let lone_cr =
            r == '\r' && (self.input.len() - 1 == self.pos || self.input[self.pos + 1] != b'\n');
        if is_control(r) || lone_cr {
            self.error_line(
                self.line,
                format!(
                    "TOML files cannot contain control characters: '0x{:02x}'",
                    r as u32
                ),
            );
            return RUNE_ERROR;
        }
        self.prev_widths[0] = w;
        self.pos += w;
        r
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    fn backup(&mut self) {
        if self.at_eof {
            self.at_eof = false;
            return;
        }
        if self.nprev < 1 {
            return;
        }
        let w = self.prev_widths[0];
        self.prev_widths = [
            self.prev_widths[1],
            self.prev_widths[2],
            self.prev_widths[3],
            self.prev_widths[3],
        ];
        self.nprev -= 1;
        self.pos = self.pos.saturating_sub(w);
        if self.pos < self.input.len() && self.input[self.pos] == b'\n' {
            self.line -= 1;
        }
    }

    fn accept(&mut self, valid: char) -> bool {
        if self.next() == valid {
            return true;
        }
        self.backup();
        false
    }

    fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    fn skip(&mut self, pred: fn(char) -> bool) {
        loop {
            let r = self.next();
            if pred(r) {
                continue;
            }
            self.backup();
            self.ignore();
            return;
        }
    }

    fn error_line(&mut self, line: usize, message: String) {
        self.items.push(Item {
            typ: ItemType::Error,
            val: message,
            line,
        });
    }

    /// `error`: at the end of the input the error is put on the line
    /// before.
    fn error(&mut self, message: String) -> Option<State> {
        if self.at_eof {
            return self.error_prev_line(message);
        }
        self.error_line(self.line, message);
        None
    }

    fn error_prev_line(&mut self, message: String) -> Option<State> {
        self.error_line(self.line.saturating_sub(1), message);
        None
    }

    /// `errorf`: at the end of the input, the line before when the input
    /// ends with a newline.
    fn errorf(&mut self, message: String) -> Option<State> {
        let mut line = self.line;
        if self.at_eof && self.pos >= 1 && self.input[self.pos - 1] == b'\n' {
            line -= 1;
        }
        self.error_line(line, message);
        None
    }

    fn skip_to(&mut self, next: State) -> Option<State> {
        self.ignore();
        Some(next)
    }

    fn step(&mut self, state: State) -> Option<State> {
        match state {
            State::Top => self.top(),
            State::TopEnd => self.top_end(),
            State::TableStart => {
                if self.peek() == '[' {
                    self.next();
                    self.emit(ItemType::ArrayTableStart);
                    self.push(State::ArrayTableEnd);
                } else {
                    self.emit(ItemType::TableStart);
                    self.push(State::TableEnd);
                }
                Some(State::TableNameStart)
            }
            State::TableEnd => {
                self.emit(ItemType::TableEnd);
                Some(State::TopEnd)
            }
            State::ArrayTableEnd => {
                let r = self.next();
                if r != ']' {
                    return self.errorf(format!(
                        "expected end of table array name delimiter ']', but got {} instead",
                        q(r)
                    ));
                }
                self.emit(ItemType::ArrayTableEnd);
                Some(State::TopEnd)
            }
            State::TableNameStart => self.table_name_start(),
            State::TableNameEnd => {
                self.skip(is_whitespace);
                match self.next() {
                    '.' => {
                        self.ignore();
                        Some(State::TableNameStart)
                    }
                    ']' => self.pop(),
                    r => self.errorf(format!(
                        "expected '.' or ']' to end table name, but got {} instead",
                        q(r)
                    )),
                }
            }
            State::BareName => {
                let r = self.next();
                if is_bare_key_char(r) {
                    return Some(State::BareName);
                }
                self.backup();
                self.emit(ItemType::Text);
                self.pop()
            }
            State::QuotedName => match self.next() {
                '"' => self.skip_to(State::String),
                '\'' => self.skip_to(State::RawString),
                r if is_whitespace(r) => self.skip_to(State::Value),
                EOF => self.errorf("unexpected EOF; expected value".to_owned()),
                r => self.errorf(format!("expected value but found {} instead", q(r))),
            },
            State::KeyStart => {
                self.skip(is_whitespace);
                match self.peek() {
                    '=' | EOF => self.errorf("unexpected '=': key name appears blank".to_owned()),
                    '.' => self.errorf("unexpected '.': keys cannot start with a '.'".to_owned()),
                    r => {
                        if r == '"' || r == '\'' {
                            self.ignore();
                        }
                        self.emit(ItemType::KeyStart);
                        Some(State::KeyNameStart)
                    }
                }
            }
            State::KeyNameStart => {
                self.skip(is_whitespace);
                match self.peek() {
                    '=' | EOF => self.errorf("unexpected '='".to_owned()),
                    '.' => self.errorf("unexpected '.'".to_owned()),
                    '"' | '\'' => {
                        self.ignore();
                        self.push(State::KeyEnd);
                        Some(State::QuotedName)
                    }
                    _ => {
                        self.push(State::KeyEnd);
                        Some(State::BareName)
                    }
                }
            }
            State::KeyEnd => self.key_end(),
            State::Value => self.value(),
            State::ArrayValue => {
                let r = self.next();
                match r {
                    r if is_whitespace(r) || is_nl(r) => self.skip_to(State::ArrayValue),
                    '#' => {
                        self.push(State::ArrayValue);
                        Some(State::CommentStart)
                    }
                    ',' => self.errorf("unexpected comma".to_owned()),
                    ']' => Some(State::ArrayEnd),
                    _ => {
                        self.backup();
                        self.push(State::ArrayValueEnd);
                        Some(State::Value)
                    }
                }
            }
            State::ArrayValueEnd => match self.next() {
                r if is_whitespace(r) || is_nl(r) => self.skip_to(State::ArrayValueEnd),
                '#' => {
                    self.push(State::ArrayValueEnd);
                    Some(State::CommentStart)
                }
                ',' => self.skip_to(State::ArrayValue),
                ']' => Some(State::ArrayEnd),
                r => self.errorf(format!(
                    "expected a comma (',') or array terminator (']'), but got {}",
                    rune_or_eof(r)
                )),
            },
            State::ArrayEnd => {
                self.ignore();
                self.emit(ItemType::ArrayEnd);
                self.pop()
            }
            State::InlineTableValue => match self.next() {
                r if is_whitespace(r) || is_nl(r) => self.skip_to(State::InlineTableValue),
                '#' => {
                    self.push(State::InlineTableValue);
                    Some(State::CommentStart)
                }
                ',' => self.errorf("unexpected comma".to_owned()),
                '}' => Some(State::InlineTableEnd),
                _ => {
                    self.backup();
                    self.push(State::InlineTableValueEnd);
                    Some(State::KeyStart)
                }
            },
            State::InlineTableValueEnd => match self.next() {
                r if is_whitespace(r) || is_nl(r) => self.skip_to(State::InlineTableValueEnd),
                '#' => {
                    self.push(State::InlineTableValueEnd);
                    Some(State::CommentStart)
                }
                ',' => {
                    self.ignore();
                    self.skip(is_whitespace);
                    if self.peek() == '}' {
                        return Some(State::InlineTableValueEnd);
                    }
                    Some(State::InlineTableValue)
                }
                '}' => Some(State::InlineTableEnd),
                r => self.errorf(format!(
                    "expected a comma or an inline table terminator '}}', but got {} instead",
                    rune_or_eof(r)
                )),
            },
            State::InlineTableEnd => {
                self.ignore();
                self.emit(ItemType::InlineTableEnd);
                self.pop()
            }
            State::String => match self.next() {
                EOF => self.errorf("unexpected EOF; expected '\"'".to_owned()),
                r if is_nl(r) => self.error_prev_line("strings cannot contain newlines".to_owned()),
                '\\' => {
                    self.push(State::String);
                    Some(State::StringEscape)
                }
                '"' => {
                    self.backup();
                    if self.esc {
                        self.esc = false;
                        self.emit(ItemType::StringEsc);
                    } else {
                        self.emit(ItemType::String);
                    }
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => Some(State::String),
            },
            State::MultilineString => self.multiline('"'),
            State::MultilineRawString => self.multiline('\''),
            State::RawString => match self.next() {
                EOF => self.errorf("unexpected EOF; expected \"'\"".to_owned()),
                r if is_nl(r) => self.error_prev_line("strings cannot contain newlines".to_owned()),
                '\'' => {
                    self.backup();
                    self.emit(ItemType::RawString);
                    self.next();
                    self.ignore();
                    self.pop()
                }
                _ => Some(State::RawString),
            },
            State::MultilineStringEscape => {
                if is_nl(self.next()) {
                    return Some(State::MultilineString);
                }
                self.backup();
                self.push(State::MultilineString);
                self.string_escape()
            }
            State::StringEscape => self.string_escape(),
            State::HexEscape => self.hex_escape(2, "two", 'x'),
            State::ShortUnicodeEscape => self.hex_escape(4, "four", 'u'),
            State::LongUnicodeEscape => self.hex_escape(8, "eight", 'U'),
            State::NumberOrDateStart => {
                if self.next() == '0' {
                    return Some(State::BaseNumberOrDate);
                }
                Some(State::NumberOrDate)
            }
            State::NumberOrDate => match self.next() {
                r if is_digit(r) => Some(State::NumberOrDate),
                '-' | ':' => Some(State::Datetime),
                '_' => Some(State::DecimalNumber),
                '.' | 'e' | 'E' => Some(State::Float),
                _ => self.end_number(),
            },
            State::Datetime => match self.next() {
                r if is_digit(r) => Some(State::Datetime),
                '-' | ':' | 'T' | 't' | ' ' | '.' | 'Z' | 'z' | '+' => Some(State::Datetime),
                _ => {
                    self.backup();
                    self.emit_trim(ItemType::Datetime);
                    self.pop()
                }
            },
            State::HexInteger => self.digits(is_hex, State::HexInteger),
            State::OctalInteger => self.digits(is_octal, State::OctalInteger),
            State::BinaryInteger => self.digits(is_binary, State::BinaryInteger),
            State::DecimalNumber => match self.next() {
                r if is_digit(r) => Some(State::DecimalNumber),
                '.' | 'e' | 'E' => Some(State::Float),
                '_' => Some(State::DecimalNumber),
                _ => self.end_number(),
            },
            State::DecimalNumberStart => self.decimal_number_start(),
            State::BaseNumberOrDate => self.base_number_or_date(),
            State::Float => match self.next() {
                r if is_digit(r) => Some(State::Float),
                '_' | '.' | '-' | '+' | 'e' | 'E' => Some(State::Float),
                _ => {
                    self.backup();
                    self.emit(ItemType::Float);
                    self.pop()
                }
            },
            State::Bool => {
                let mut s = String::new();
                loop {
                    let r = self.next();
                    if !r.is_alphabetic() {
                        self.backup();
                        break;
                    }
                    s.push(r);
                }
                if s == "true" || s == "false" {
                    self.emit(ItemType::Bool);
                    return self.pop();
                }
                self.errorf(format!(
                    "expected value but found {} instead",
                    quote(s.as_bytes())
                ))
            }
            State::CommentStart => {
                self.ignore();
                self.emit(ItemType::CommentStart);
                Some(State::Comment)
            }
            State::Comment => {
                let r = self.next();
                if is_nl(r) || r == EOF {
                    self.backup();
                    self.emit(ItemType::Text);
                    return self.pop();
                }
                Some(State::Comment)
            }
        }
    }

    fn top(&mut self) -> Option<State> {
        let r = self.next();
        if is_whitespace(r) || is_nl(r) {
            return self.skip_to(State::Top);
        }
        match r {
            '#' => {
                self.push(State::Top);
                return Some(State::CommentStart);
            }
            '[' => return Some(State::TableStart),
            EOF => {
                if self.pos > self.start {
                    return self.errorf("unexpected EOF".to_owned());
                }
                self.emit(ItemType::Eof);
                return None;
            }
            _ => {}
        }
        self.backup();
        self.push(State::TopEnd);
        Some(State::KeyStart)
    }

    fn top_end(&mut self) -> Option<State> {
        let r = self.next();
        match r {
            '#' => {
                self.push(State::Top);
                Some(State::CommentStart)
            }
            r if is_whitespace(r) => Some(State::TopEnd),
            r if is_nl(r) => self.skip_to(State::Top),
            EOF => {
                self.emit(ItemType::Eof);
                None
            }
            r => self.errorf(format!(
                "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                q(r)
            )),
        }
    }

    fn table_name_start(&mut self) -> Option<State> {
        self.skip(is_whitespace);
        match self.peek() {
            ']' | EOF => {
                self.errorf("unexpected end of table name (table names cannot be empty)".to_owned())
            }
            '.' => {
                self.errorf("unexpected table separator (table names cannot be empty)".to_owned())
            }
            '"' | '\'' => {
                self.ignore();
                self.push(State::TableNameEnd);
                Some(State::QuotedName)
            }
            _ => {
                self.push(State::TableNameEnd);
                Some(State::BareName)
            }
        }
    }

    fn key_end(&mut self) -> Option<State> {
        self.skip(is_whitespace);
        match self.next() {
            r if is_whitespace(r) => self.skip_to(State::KeyEnd),
            EOF => self.errorf("unexpected EOF; expected key separator '='".to_owned()),
            '.' => self.skip_to(State::KeyNameStart),
            '=' => {
                self.emit(ItemType::KeyEnd);
                self.skip_to(State::Value)
            }
            '\n' => self.error_prev_line("expected '.' or '=', but got '\\n' instead".to_owned()),
            r => self.errorf(format!("expected '.' or '=', but got {} instead", q(r))),
        }
    }

    fn value(&mut self) -> Option<State> {
        let r = self.next();
        if is_whitespace(r) {
            return self.skip_to(State::Value);
        }
        if is_digit(r) {
            self.backup();
            return Some(State::NumberOrDateStart);
        }
        match r {
            '[' => {
                self.ignore();
                self.emit(ItemType::Array);
                return Some(State::ArrayValue);
            }
            '{' => {
                self.ignore();
                self.emit(ItemType::InlineTableStart);
                return Some(State::InlineTableValue);
            }
            '"' | '\'' => {
                if self.accept(r) {
                    if self.accept(r) {
                        self.ignore();
                        return Some(if r == '"' {
                            State::MultilineString
                        } else {
                            State::MultilineRawString
                        });
                    }
                    self.backup();
                }
                self.ignore();
                return Some(if r == '"' {
                    State::String
                } else {
                    State::RawString
                });
            }
            '.' => return self.errorf("floats must start with a digit, not '.'".to_owned()),
            'i' | 'n' => {
                if (self.accept('n') && self.accept('f')) || (self.accept('a') && self.accept('n'))
                {
                    self.emit(ItemType::Float);
                    return self.pop();
                }
            }
            '-' | '+' => return Some(State::DecimalNumberStart),
            _ => {}
        }
        if r.is_alphabetic() {
            self.backup();
            return Some(State::Bool);
        }
        if r == EOF {
            return self.errorf("unexpected EOF; expected value".to_owned());
        }
        if r == '\n' {
            return self.error_prev_line("expected value but found '\\n' instead".to_owned());
        }
        self.errorf(format!("expected value but found {} instead", q(r)))
    }

    /// `lexMultilineString` (`quote` '"') and `lexMultilineRawString` ('\'').
    fn multiline(&mut self, quote: char) -> Option<State> {
        let this = if quote == '"' {
            State::MultilineString
        } else {
            State::MultilineRawString
        };
        let r = self.next();
        if r == EOF {
            return self.errorf(if quote == '"' {
                "unexpected EOF; expected '\"\"\"'".to_owned()
            } else {
                "unexpected EOF; expected \"'''\"".to_owned()
            });
        }
        if r == '\\' && quote == '"' {
            return Some(State::MultilineStringEscape);
        }
        if r != quote {
            return Some(this);
        }
        if self.accept(quote) {
            if self.accept(quote) {
                if self.peek() == quote {
                    let cur = self.current();
                    let six = if quote == '"' {
                        cur.ends_with(b"\"\"\"\"\"") && !cur.ends_with(b"\\\"\"\"\"\"")
                    } else {
                        cur.ends_with(b"'''''")
                    };
                    if six {
                        return self.errorf(if quote == '"' {
                            "unexpected '\"\"\"\"\"\"'".to_owned()
                        } else {
                            "unexpected \"''''''\"".to_owned()
                        });
                    }
                    self.backup();
                    self.backup();
                    return Some(this);
                }
                self.backup();
                self.backup();
                self.backup();
                if quote == '"' {
                    self.esc = false;
                    self.emit(ItemType::MultilineString);
                } else {
                    self.emit(ItemType::RawMultilineString);
                }
                self.next();
                self.next();
                self.next();
                self.ignore();
                return self.pop();
            }
            self.backup();
        }
        Some(this)
    }

    fn string_escape(&mut self) -> Option<State> {
        self.esc = true;
        let r = self.next();
        match r {
            'e' | 'b' | 't' | 'n' | 'f' | 'r' | '"' | ' ' | '\t' | '\\' => self.pop(),
            'x' => Some(State::HexEscape),
            'u' => Some(State::ShortUnicodeEscape),
            'U' => Some(State::LongUnicodeEscape),
            r => self.error(format!("invalid escape in string '\\{r}'")),
        }
    }

    fn hex_escape(&mut self, n: usize, count: &str, letter: char) -> Option<State> {
        for _ in 0..n {
            let r = self.next();
            if !is_hex(r) {
                let cur = quote(self.current());
                return self.errorf(format!(
                    "expected {count} hexadecimal digits after '\\{letter}', but got {cur} instead"
                ));
            }
        }
        self.pop()
    }

    fn end_number(&mut self) -> Option<State> {
        self.backup();
        self.emit(ItemType::Integer);
        self.pop()
    }

    fn digits(&mut self, valid: fn(char) -> bool, this: State) -> Option<State> {
        let r = self.next();
        if valid(r) || r == '_' {
            return Some(this);
        }
        self.end_number()
    }

    fn decimal_number_start(&mut self) -> Option<State> {
        let r = self.next();
        match r {
            'i' | 'n' => {
                let ok = if r == 'i' {
                    self.accept('n') && self.accept('f')
                } else {
                    self.accept('a') && self.accept('n')
                };
                if !ok {
                    let cur = String::from_utf8_lossy(self.current()).into_owned();
                    return self.errorf(format!("invalid float: '{cur}'"));
                }
                self.emit(ItemType::Float);
                return self.pop();
            }
            '0' => {
                let p = self.peek();
                if matches!(p, 'b' | 'o' | 'x') {
                    let cur = String::from_utf8_lossy(self.current()).into_owned();
                    return self.errorf(format!(
                        "cannot use sign with non-decimal numbers: '{cur}{p}'"
                    ));
                }
            }
            '.' => return self.errorf("floats must start with a digit, not '.'".to_owned()),
            _ => {}
        }
        if is_digit(r) {
            return Some(State::DecimalNumber);
        }
        self.errorf(format!("expected a digit but got {}", q(r)))
    }

    fn base_number_or_date(&mut self) -> Option<State> {
        let r = self.next();
        if is_digit(r) {
            return Some(State::NumberOrDate);
        }
        let (valid, name, next): (fn(char) -> bool, &str, State) = match r {
            '_' => return Some(State::DecimalNumber),
            '.' | 'e' | 'E' => return Some(State::Float),
            'b' => (is_binary, "a binary", State::BinaryInteger),
            'o' => (is_octal, "an octal", State::OctalInteger),
            'x' => (is_hex, "a hexadecimal", State::HexInteger),
            _ => return self.end_number(),
        };
        let p = self.peek();
        if !valid(p) {
            // Go reports the error and lexes on; the parser stops at it.
            let cur = String::from_utf8_lossy(self.current()).into_owned();
            return self.errorf(format!("not {name} number: '{cur}{p}'"));
        }
        Some(next)
    }
}
