//! A go-yaml v2 emitter (`emitterc.go`, the Go port of libyaml's emitter)
//! for documents made of block mappings, block sequences and scalars.
//!
//! go-yaml's emitter is an event-driven state machine; here the document is
//! a tree, so the states become recursive calls, but the bookkeeping that
//! decides every byte (current column, the `whitespace` and `indention`
//! flags, the indentation stack, the scalar analysis and style selection,
//! line folding at column 80) follows the original step by step.

use super::float;
use super::yaml_resolve;

/// A YAML value as go-yaml's encoder sees it after decoding JSON into
/// `interface{}`: integers and unsigned integers are distinct from floats,
/// and mappings are already in the order they will be printed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

/// Scalar styles go-yaml's encoder asks for or falls back to. (It never
/// asks for the folded style, so that writer is not needed.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// go-yaml's default preferred line width, in characters. sigs.k8s.io/yaml
/// never turns folding off (`yaml.FutureLineWrap`), so helm folds here.
const BEST_WIDTH: i64 = 80;
const BEST_INDENT: i64 = 2;

/// Emits one document the way `yaml.Marshal` does: no `---`, no `...`,
/// always ending in a newline.
pub(crate) fn emit_document(node: &Node) -> String {
    let mut e = Emitter {
        out: String::new(),
        indent: -1,
        indents: Vec::new(),
        column: 0,
        whitespace: true,
        indention: true,
        root_context: false,
        mapping_context: false,
        simple_key_context: false,
    };
    e.emit_node(node, true, false, false);
    // The implicit document end only terminates the last line.
    e.write_indent();
    e.out
}

struct Emitter {
    out: String,
    /// Current indentation column; -1 before the root node.
    indent: i64,
    indents: Vec<i64>,
    /// Column of the next character, counted in characters (not bytes or
    /// display cells), as go-yaml does.
    column: i64,
    /// Whether the last character written was whitespace.
    whitespace: bool,
    /// Whether only indentation (spaces and indicators like `- `) has been
    /// written on the current line.
    indention: bool,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

/// The facts about a scalar's text that decide which styles can carry it
/// (go-yaml's `yaml_emitter_analyze_scalar`). There is never a flow
/// context here (empty collections are the only flow nodes), so go-yaml's
/// flow-only flag is left out.
#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

pub(crate) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// go-yaml's `is_blankz`: blank, line break, or NUL.
fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

/// go-yaml's `is_printable`, a byte-level test on UTF-8 that amounts to:
/// newline, ASCII printables, and the BMP from U+00A0 up except surrogates,
/// the BOM and U+FFFE/U+FFFF. Notably everything outside the BMP (emoji)
/// counts as unprintable and gets `\U` escapes.
pub(crate) fn is_printable(c: char) -> bool {
    matches!(u32::from(c), 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let mut line_breaks = false;
    let mut special_characters = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_whitespace = true;
    let mut previous_space = false;
    let mut previous_break = false;

    let len = value.len();
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let followed_by_whitespace = next.is_none_or(is_blank);
        let last = i + c.len_utf8() == len;
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }

    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The text and requested style go-yaml's encoder gives a scalar node.
fn scalar_event(node: &Node) -> (String, Style) {
    match node {
        Node::Null => ("null".to_owned(), Style::Plain),
        Node::Bool(b) => ((if *b { "true" } else { "false" }).to_owned(), Style::Plain),
        Node::Int(i) => (i.to_string(), Style::Plain),
        Node::Uint(u) => (u.to_string(), Style::Plain),
        Node::Float(f) => {
            let text = match float::format_g(*f).as_str() {
                "+Inf" => ".inf".to_owned(),
                "-Inf" => "-.inf".to_owned(),
                "NaN" => ".nan".to_owned(),
                other => other.to_owned(),
            };
            (text, Style::Plain)
        }
        Node::Str(s) => {
            // Strings that would read back as another type are quoted;
            // any newline asks for a literal block.
            let style = if s.contains('\n') {
                Style::Literal
            } else if yaml_resolve::needs_quotes(s) {
                Style::DoubleQuoted
            } else {
                Style::Plain
            };
            (s.clone(), style)
        }
        // Collections are not scalars; callers never ask.
        Node::Seq(_) | Node::Map(_) => (String::new(), Style::Plain),
    }
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Copies one character of a scalar; line breaks other than `\n` are
    /// copied as they are but still start a new line for column counting.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn emit_node(&mut self, node: &Node, root: bool, mapping: bool, simple_key: bool) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match node {
            Node::Seq(items) if items.is_empty() => self.emit_empty_flow("[", "]"),
            Node::Map(entries) if entries.is_empty() => self.emit_empty_flow("{", "}"),
            Node::Seq(items) => self.emit_block_sequence(items),
            Node::Map(entries) => self.emit_block_mapping(entries),
            scalar => {
                let (value, style) = scalar_event(scalar);
                self.emit_scalar(&value, style);
            }
        }
    }

    /// Empty collections are the one place go-yaml switches to flow style.
    fn emit_empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn emit_block_sequence(&mut self, items: &[Node]) {
        // A sequence that is a mapping value starts on the key's line
        // indentation ("compact" or indentless sequence).
        let indentless = self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(item, false, false, false);
        }
        self.pop_indent();
    }

    fn emit_block_mapping(&mut self, entries: &[(String, Node)]) {
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let analysis = analyze(key);
            let key_node = Node::Str(key.clone());
            // Keys longer than 128 bytes or spanning lines get the explicit
            // `? key` / `: value` form.
            if !analysis.multiline && key.len() <= 128 {
                self.emit_node(&key_node, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(&key_node, false, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(value, false, true, false);
        }
        self.pop_indent();
    }

    fn select_style(&self, requested: Style, value: &str, a: &Analysis) -> Style {
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain
            && (!a.block_plain_allowed || (value.is_empty() && self.simple_key_context))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.simple_key_context) {
            style = Style::DoubleQuoted;
        }
        style
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let analysis = analyze(value);
        let style = self.select_style(requested, value, &analysis);
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let mut spaces = false;
        let mut breaks = false;
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek() == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let mut spaces = false;
        let mut breaks = false;
        let len = value.len();
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == ' ' {
                let next_is_space = chars.peek().is_some_and(|&(_, n)| n == ' ');
                // Never fold at the first or last character.
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < len
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // go-yaml's BOM test looks at the start of the value rather than
        // at the current character, so a leading BOM makes it escape every
        // character of the string.
        let starts_with_bom = value.starts_with('\u{FEFF}');
        let mut spaces = false;
        let len = value.len();
        let mut chars = value.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let v = u32::from(c);
                        let (letter, width) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let digit = (v >> (4 * k)) & 0xF;
                            self.put(
                                char::from_digit(digit, 16).map_or('0', |d| d.to_ascii_uppercase()),
                            );
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < len {
                    self.write_indent();
                    // A space at the start of a continuation line would be
                    // folded away, so it is escaped.
                    if chars.peek().is_some_and(|&(_, n)| n == ' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// The indentation indicator (needed when the text starts with a space
    /// or line break) and the chomping indicator: `-` without a final line
    /// break, `+` with more than one (or when the text is one break), none
    /// for exactly one.
    fn write_block_scalar_hints(&mut self, value: &str) {
        if value.starts_with(|c: char| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut tail = value.chars().rev();
        let chomp = match (tail.next(), tail.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(entries: Vec<(&str, Node)>) -> Node {
        Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    #[test]
    fn compact_sequences_and_nesting() {
        let doc = map(vec![
            (
                "a",
                Node::Seq(vec![
                    Node::Int(1),
                    Node::Seq(vec![Node::Str("x".into())]),
                    map(vec![("b", Node::Null), ("c", Node::Seq(vec![]))]),
                ]),
            ),
            ("d", map(vec![])),
        ]);
        assert_eq!(
            emit_document(&doc),
            "a:\n- 1\n- - x\n- b: null\n  c: []\nd: {}\n"
        );
    }

    #[test]
    fn scalar_styles() {
        let doc = map(vec![
            ("plain", Node::Str("hello world".into())),
            ("quoted", Node::Str("yes".into())),
            ("single", Node::Str("- x".into())),
            ("double", Node::Str("tab\there".into())),
            ("literal", Node::Str("a\nb\n".into())),
            ("strip", Node::Str("a\nb".into())),
        ]);
        assert_eq!(
            emit_document(&doc),
            "plain: hello world\nquoted: \"yes\"\nsingle: '- x'\ndouble: \"tab\\there\"\nliteral: |\n  a\n  b\nstrip: |-\n  a\n  b\n"
        );
    }
}
