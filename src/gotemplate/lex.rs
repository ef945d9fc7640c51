//! The lexer: Go's `text/template/parse/lex.go`, token for token.
//!
//! Go runs the lexer as a state machine the parser pulls items from; the
//! same is done here, so that positions, line numbers and error texts
//! (`unclosed action`, `unterminated quoted string`, `bad character
//! U+002B '+'`) match Go's. Input is a byte string, decoded rune by rune
//! as Go does (invalid UTF-8 is U+FFFD of width 1).

use super::parse::quote::{decode_last_rune, decode_rune, format_sharp_u, go_quote_runes};

/// Kinds of tokens (Go's `itemType`); keywords sort after `Keyword`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum ItemType {
    /// An error; the item's message is the text.
    Error,
    Bool,
    /// A printable ASCII character (`,` and the like).
    Char,
    CharConstant,
    Comment,
    Complex,
    /// `=`.
    Assign,
    /// `:=`.
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    /// Marks where keywords begin.
    Keyword,
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// A token: its kind, where it starts and ends in the input, its line,
/// and for errors the message.
#[derive(Clone, Debug)]
pub(super) struct Item {
    pub typ: ItemType,
    pub pos: usize,
    pub end: usize,
    pub line: usize,
    /// The error text for `ItemType::Error`.
    pub message: Option<String>,
}

impl Item {
    /// The token's text.
    pub fn val<'a>(&'a self, input: &'a [u8]) -> &'a [u8] {
        match (&self.message, self.typ) {
            (Some(m), _) => m.as_bytes(),
            (None, ItemType::Eof) => b"EOF",
            _ => input.get(self.pos..self.end).unwrap_or_default(),
        }
    }

    /// Go's `item.String()`, used in `unexpected X in Y` messages.
    pub fn describe(&self, input: &[u8]) -> String {
        let val = self.val(input);
        match self.typ {
            ItemType::Eof => "EOF".to_string(),
            ItemType::Error => String::from_utf8_lossy(val).into_owned(),
            t if t > ItemType::Keyword => format!("<{}>", String::from_utf8_lossy(val)),
            _ if val.len() > 10 => format!("{}...", go_quote_runes(val, 10)),
            _ => go_quote_runes(val, usize::MAX),
        }
    }
}

/// The word a keyword is spelled with.
fn keyword(word: &[u8]) -> Option<ItemType> {
    Some(match word {
        b"." => ItemType::Dot,
        b"block" => ItemType::Block,
        b"break" => ItemType::Break,
        b"continue" => ItemType::Continue,
        b"define" => ItemType::Define,
        b"else" => ItemType::Else,
        b"end" => ItemType::End,
        b"if" => ItemType::If,
        b"range" => ItemType::Range,
        b"nil" => ItemType::Nil,
        b"template" => ItemType::Template,
        b"with" => ItemType::With,
        _ => return None,
    })
}

const EOF: i64 = -1;
const LEFT_DELIM: &[u8] = b"{{";
const RIGHT_DELIM: &[u8] = b"}}";
const LEFT_COMMENT: &[u8] = b"/*";
const RIGHT_COMMENT: &[u8] = b"*/";
/// A trim marker plus the space before or after it.
const TRIM_MARKER_LEN: usize = 2;

/// The lexer's states (Go's state functions).
#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Space,
    Identifier,
    Field,
    Variable,
    Char,
    Number,
    Quote,
    RawQuote,
}

/// What a state function returns: another state, or an item was emitted.
enum Step {
    Next(State),
    Emit,
}

/// Lexer options (Go's `lexOptions`).
#[derive(Clone, Copy, Default)]
pub(super) struct LexOptions {
    /// Emit comment items (Go's `ParseComments` mode).
    pub emit_comment: bool,
    /// `break` is a keyword (no function called `break` exists).
    pub break_ok: bool,
    /// `continue` is a keyword.
    pub continue_ok: bool,
}

/// The scanner state.
pub(super) struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    start: usize,
    at_eof: bool,
    paren_depth: i64,
    line: usize,
    start_line: usize,
    item: Item,
    inside_action: bool,
    /// Set once an error was emitted: Go empties the input then.
    dead: bool,
    pub options: LexOptions,
}

fn is_space(r: i64) -> bool {
    r == i64::from(b' ') || r == i64::from(b'\t') || r == i64::from(b'\r') || r == i64::from(b'\n')
}

/// Go's `isAlphaNumeric`: `_`, letters and digits. Go's `unicode.IsLetter`
/// (categories L*) and `IsDigit` (Nd) are approximated by Rust's
/// alphabetic and numeric properties outside ASCII.
fn is_alpha_numeric(r: i64) -> bool {
    if r == i64::from(b'_') {
        return true;
    }
    match u32::try_from(r).ok().and_then(char::from_u32) {
        Some(c) if c.is_ascii() => c.is_ascii_alphanumeric(),
        Some(c) => c != '\u{FFFD}' && (c.is_alphabetic() || c.is_numeric()),
        None => false,
    }
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(i64::from(s[1]))
}

fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(i64::from(s[0])) && s[1] == b'-'
}

fn is_space_byte(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn right_trim_length(s: &[u8]) -> usize {
    s.iter().rev().take_while(|b| is_space_byte(b)).count()
}

fn left_trim_length(s: &[u8]) -> usize {
    s.iter().take_while(|b| is_space_byte(b)).count()
}

fn count_newlines(s: &[u8]) -> usize {
    s.iter().filter(|&&b| b == b'\n').count()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

impl<'a> Lexer<'a> {
    /// A lexer over `input` with the default delimiters.
    pub fn new(input: &'a [u8]) -> Lexer<'a> {
        Lexer {
            input,
            pos: 0,
            start: 0,
            at_eof: false,
            paren_depth: 0,
            line: 1,
            start_line: 1,
            item: Item {
                typ: ItemType::Eof,
                pos: 0,
                end: 0,
                line: 1,
                message: None,
            },
            inside_action: false,
            dead: false,
            options: LexOptions::default(),
        }
    }

    /// The input's bytes (empty after an error, as in Go).
    fn rest(&self, from: usize) -> &'a [u8] {
        if self.dead {
            return &[];
        }
        self.input.get(from..).unwrap_or_default()
    }

    fn len(&self) -> usize {
        if self.dead { 0 } else { self.input.len() }
    }

    fn next(&mut self) -> i64 {
        if self.pos >= self.len() {
            self.at_eof = true;
            return EOF;
        }
        let (r, w) = decode_rune(&self.input[self.pos..]);
        self.pos += w;
        if r == u32::from(b'\n') {
            self.line += 1;
        }
        i64::from(r)
    }

    fn peek(&mut self) -> i64 {
        let r = self.next();
        self.backup();
        r
    }

    fn backup(&mut self) {
        if !self.at_eof && self.pos > 0 {
            let (r, w) = decode_last_rune(&self.input[..self.pos]);
            self.pos -= w;
            if r == u32::from(b'\n') {
                self.line -= 1;
            }
        }
    }

    fn this_item(&mut self, typ: ItemType) -> Item {
        let item = Item {
            typ,
            pos: self.start,
            end: self.pos,
            line: self.start_line,
            message: None,
        };
        self.start = self.pos;
        self.start_line = self.line;
        item
    }

    fn emit(&mut self, typ: ItemType) -> Step {
        self.item = self.this_item(typ);
        Step::Emit
    }

    fn emit_item(&mut self, item: Item) -> Step {
        self.item = item;
        Step::Emit
    }

    fn ignore(&mut self) {
        self.line += count_newlines(&self.input[self.start..self.pos]);
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn accept(&mut self, valid: &[u8]) -> bool {
        let r = self.next();
        if (0..0x80).contains(&r) && valid.contains(&(r as u8)) {
            return true;
        }
        self.backup();
        false
    }

    fn accept_run(&mut self, valid: &[u8]) {
        loop {
            let r = self.next();
            if !((0..0x80).contains(&r) && valid.contains(&(r as u8))) {
                break;
            }
        }
        self.backup();
    }

    fn errorf(&mut self, message: String) -> Step {
        self.item = Item {
            typ: ItemType::Error,
            pos: self.start,
            end: self.start,
            line: self.start_line,
            message: Some(message),
        };
        self.start = 0;
        self.pos = 0;
        self.dead = true;
        Step::Emit
    }

    /// The next token (Go's `nextItem`).
    pub fn next_item(&mut self) -> Item {
        self.item = Item {
            typ: ItemType::Eof,
            pos: self.pos,
            end: self.pos,
            line: self.start_line,
            message: None,
        };
        let mut state = if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        };
        loop {
            let step = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Space => self.lex_space(),
                State::Identifier => self.lex_identifier(),
                State::Field => self.lex_field_or_variable(ItemType::Field),
                State::Variable => self.lex_variable(),
                State::Char => self.lex_char(),
                State::Number => self.lex_number(),
                State::Quote => self.lex_quote(),
                State::RawQuote => self.lex_raw_quote(),
            };
            match step {
                Step::Next(s) => state = s,
                Step::Emit => return self.item.clone(),
            }
        }
    }

    fn lex_text(&mut self) -> Step {
        if let Some(x) = find(self.rest(self.pos), LEFT_DELIM) {
            if x > 0 {
                self.pos += x;
                // Trim the text's trailing space before a `{{- `.
                let delim_end = self.pos + LEFT_DELIM.len();
                let trim = if has_left_trim_marker(self.rest(delim_end)) {
                    right_trim_length(&self.input[self.start..self.pos])
                } else {
                    0
                };
                self.pos -= trim;
                self.line += count_newlines(&self.input[self.start..self.pos]);
                let item = self.this_item(ItemType::Text);
                self.pos += trim;
                self.ignore();
                if item.end > item.pos {
                    return self.emit_item(item);
                }
            }
            return Step::Next(State::LeftDelim);
        }
        self.pos = self.len();
        if self.pos > self.start {
            self.line += count_newlines(&self.input[self.start..self.pos]);
            return self.emit(ItemType::Text);
        }
        self.emit(ItemType::Eof)
    }

    /// Whether the lexer is at a right delimiter, and whether a trim
    /// marker precedes it.
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest(self.pos);
        if has_right_trim_marker(rest) && rest[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM) {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM), false)
    }

    fn lex_left_delim(&mut self) -> Step {
        self.pos += LEFT_DELIM.len();
        let trim_space = has_left_trim_marker(self.rest(self.pos));
        let after_marker = if trim_space { TRIM_MARKER_LEN } else { 0 };
        if self.rest(self.pos + after_marker).starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            return Step::Next(State::Comment);
        }
        let item = self.this_item(ItemType::LeftDelim);
        self.inside_action = true;
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        self.emit_item(item)
    }

    fn lex_comment(&mut self) -> Step {
        self.pos += LEFT_COMMENT.len();
        let Some(x) = find(self.rest(self.pos), RIGHT_COMMENT) else {
            return self.errorf("unclosed comment".into());
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim_space) = self.at_right_delim();
        if !delim {
            return self.errorf("comment ends before closing delimiter".into());
        }
        self.line += count_newlines(&self.input[self.start..self.pos]);
        let item = self.this_item(ItemType::Comment);
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
        }
        self.pos += RIGHT_DELIM.len();
        if trim_space {
            self.pos += left_trim_length(self.rest(self.pos));
        }
        self.ignore();
        if self.options.emit_comment {
            return self.emit_item(item);
        }
        Step::Next(State::Text)
    }

    fn lex_right_delim(&mut self) -> Step {
        let (_, trim_space) = self.at_right_delim();
        if trim_space {
            self.pos += TRIM_MARKER_LEN;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        let item = self.this_item(ItemType::RightDelim);
        if trim_space {
            self.pos += left_trim_length(self.rest(self.pos));
            self.ignore();
        }
        self.inside_action = false;
        self.emit_item(item)
    }

    fn lex_inside_action(&mut self) -> Step {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return Step::Next(State::RightDelim);
            }
            return self.errorf("unclosed left paren".into());
        }
        let r = self.next();
        if r == EOF {
            return self.errorf("unclosed action".into());
        }
        if is_space(r) {
            // Put the space back in case of " -}}".
            self.backup();
            return Step::Next(State::Space);
        }
        let c = u8::try_from(r).ok();
        match c {
            Some(b'=') => return self.emit(ItemType::Assign),
            Some(b':') => {
                if self.next() != i64::from(b'=') {
                    return self.errorf("expected :=".into());
                }
                return self.emit(ItemType::Declare);
            }
            Some(b'|') => return self.emit(ItemType::Pipe),
            Some(b'"') => return Step::Next(State::Quote),
            Some(b'`') => return Step::Next(State::RawQuote),
            Some(b'$') => return Step::Next(State::Variable),
            Some(b'\'') => return Step::Next(State::Char),
            Some(b'.') => {
                // ".field" unless a digit follows ('.' can start a number).
                if let Some(&next) = self.rest(self.pos).first()
                    && !next.is_ascii_digit()
                {
                    return Step::Next(State::Field);
                }
                self.backup();
                return Step::Next(State::Number);
            }
            Some(b'+' | b'-' | b'0'..=b'9') => {
                self.backup();
                return Step::Next(State::Number);
            }
            _ => {}
        }
        if is_alpha_numeric(r) {
            self.backup();
            return Step::Next(State::Identifier);
        }
        match c {
            Some(b'(') => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            Some(b')') => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.errorf("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            Some(b) if b.is_ascii() && (0x20..0x7F).contains(&b) => self.emit(ItemType::Char),
            _ => self.errorf(format!(
                "unrecognized character in action: {}",
                format_sharp_u(u32::try_from(r).unwrap_or(0xFFFD))
            )),
        }
    }

    fn lex_space(&mut self) -> Step {
        let mut num_spaces = 0;
        while is_space(self.peek()) {
            self.next();
            num_spaces += 1;
        }
        // A trim-marked closing delimiter starts with a space: leave it.
        let back = self.rest(self.pos - 1);
        if has_right_trim_marker(back) && back[TRIM_MARKER_LEN..].starts_with(RIGHT_DELIM) {
            self.backup();
            if num_spaces == 1 {
                return Step::Next(State::RightDelim);
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> Step {
        loop {
            let r = self.next();
            if is_alpha_numeric(r) {
                continue;
            }
            self.backup();
            if !self.at_terminator() {
                return self.bad_character(r);
            }
            let word = &self.input[self.start..self.pos];
            if let Some(kw) = keyword(word) {
                if (kw == ItemType::Break && !self.options.break_ok)
                    || (kw == ItemType::Continue && !self.options.continue_ok)
                {
                    return self.emit(ItemType::Identifier);
                }
                return self.emit(kw);
            }
            if word.first() == Some(&b'.') {
                return self.emit(ItemType::Field);
            }
            if word == b"true" || word == b"false" {
                return self.emit(ItemType::Bool);
            }
            return self.emit(ItemType::Identifier);
        }
    }

    fn bad_character(&mut self, r: i64) -> Step {
        // Go formats eof (-1) with %#U as "U+FFFFFFFFFFFFFFFF".
        let text = match u32::try_from(r) {
            Ok(r) => format_sharp_u(r),
            Err(_) => "U+FFFFFFFFFFFFFFFF".to_string(),
        };
        self.errorf(format!("bad character {text}"))
    }

    fn lex_variable(&mut self) -> Step {
        if self.at_terminator() {
            return self.emit(ItemType::Variable);
        }
        self.lex_field_or_variable(ItemType::Variable)
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> Step {
        if self.at_terminator() {
            if typ == ItemType::Variable {
                return self.emit(ItemType::Variable);
            }
            return self.emit(ItemType::Dot);
        }
        let mut r;
        loop {
            r = self.next();
            if !is_alpha_numeric(r) {
                self.backup();
                break;
            }
        }
        if !self.at_terminator() {
            return self.bad_character(r);
        }
        self.emit(typ)
    }

    /// Whether the next rune may follow an identifier.
    fn at_terminator(&mut self) -> bool {
        let r = self.peek();
        if is_space(r) {
            return true;
        }
        if r == EOF {
            return true;
        }
        if matches!(u8::try_from(r), Ok(b'.' | b',' | b'|' | b':' | b')' | b'(')) {
            return true;
        }
        self.rest(self.pos).starts_with(RIGHT_DELIM)
    }

    fn lex_char(&mut self) -> Step {
        self.lex_escaped(
            b'\'',
            ItemType::CharConstant,
            "unterminated character constant",
        )
    }

    fn lex_number(&mut self) -> Step {
        if !self.scan_number() {
            return self.bad_number();
        }
        let sign = self.peek();
        if sign == i64::from(b'+') || sign == i64::from(b'-') {
            // Complex: 1+2i, no spaces, must end in 'i'.
            if !self.scan_number() || self.input[self.pos - 1] != b'i' {
                return self.bad_number();
            }
            return self.emit(ItemType::Complex);
        }
        self.emit(ItemType::Number)
    }

    fn bad_number(&mut self) -> Step {
        let text = go_quote_runes(&self.input[self.start..self.pos], usize::MAX);
        self.errorf(format!("bad number syntax: {text}"))
    }

    fn scan_number(&mut self) -> bool {
        self.accept(b"+-");
        let mut digits: &[u8] = b"0123456789_";
        if self.accept(b"0") {
            // A leading 0 does not mean octal in floats.
            if self.accept(b"xX") {
                digits = b"0123456789abcdefABCDEF_";
            } else if self.accept(b"oO") {
                digits = b"01234567_";
            } else if self.accept(b"bB") {
                digits = b"01_";
            }
        }
        self.accept_run(digits);
        if self.accept(b".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept(b"eE") {
            self.accept(b"+-");
            self.accept_run(b"0123456789_");
        }
        if digits.len() == 23 && self.accept(b"pP") {
            self.accept(b"+-");
            self.accept_run(b"0123456789_");
        }
        self.accept(b"i");
        if is_alpha_numeric(self.peek()) {
            self.next();
            return false;
        }
        true
    }

    /// The body of a quoted string or character constant up to its
    /// closing `close`, with backslash escapes skipped; a newline or EOF
    /// first is the error `unterminated`.
    fn lex_escaped(&mut self, close: u8, item: ItemType, unterminated: &str) -> Step {
        loop {
            let r = self.next();
            if r == i64::from(b'\\') {
                let r = self.next();
                if r != EOF && r != i64::from(b'\n') {
                    continue;
                }
                return self.errorf(unterminated.into());
            }
            if r == EOF || r == i64::from(b'\n') {
                return self.errorf(unterminated.into());
            }
            if r == i64::from(close) {
                return self.emit(item);
            }
        }
    }

    fn lex_quote(&mut self) -> Step {
        self.lex_escaped(b'"', ItemType::String, "unterminated quoted string")
    }

    fn lex_raw_quote(&mut self) -> Step {
        loop {
            let r = self.next();
            if r == EOF {
                return self.errorf("unterminated raw quoted string".into());
            }
            if r == i64::from(b'`') {
                return self.emit(ItemType::RawString);
            }
        }
    }
}
