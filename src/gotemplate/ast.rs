//! The parse tree: Go's `text/template/parse` nodes.
//!
//! Positions are byte offsets into the template text, as in Go; line and
//! column for error messages are computed from them (Go's
//! `ErrorContext`). Each node's `Display` is Go's `String()`, which error
//! messages quote as `at <...>`.

use std::fmt;
use std::rc::Rc;

/// A byte offset into the template's text.
pub type Pos = usize;

/// One parsed template: a named tree (Go's `parse.Tree`).
#[derive(Clone, Debug)]
pub struct Tree {
    /// The template's name (`chart/templates/x.yaml`, or a `define`'s).
    pub name: String,
    /// The name of the top-level template this was parsed from, used in
    /// error locations (a `define` reports the file it lives in).
    pub parse_name: String,
    /// The body.
    pub root: ListNode,
    /// The full text the tree was parsed from (for line/column lookup).
    pub text: Rc<[u8]>,
}

/// A sequence of nodes.
#[derive(Clone, Debug)]
pub struct ListNode {
    /// Position.
    pub pos: Pos,
    /// The nodes in order.
    pub nodes: Vec<Node>,
}

/// A node of a [`ListNode`].
#[derive(Clone, Debug)]
pub enum Node {
    /// Plain text.
    Text(TextNode),
    /// `{{pipeline}}`.
    Action(ActionNode),
    /// `{{if}}`.
    If(BranchNode),
    /// `{{range}}`.
    Range(BranchNode),
    /// `{{with}}`.
    With(BranchNode),
    /// `{{template "name" pipeline}}` (also what `{{block}}` leaves).
    Template(TemplateNode),
    /// `{{break}}`.
    Break(ControlNode),
    /// `{{continue}}`.
    Continue(ControlNode),
    /// `{{/* comment */}}` (kept only with Go's `ParseComments` mode).
    Comment(CommentNode),
}

/// Plain text between actions.
#[derive(Clone, Debug)]
pub struct TextNode {
    /// Position.
    pub pos: Pos,
    /// The bytes, after whitespace trimming.
    pub text: Rc<[u8]>,
}

/// A comment.
#[derive(Clone, Debug)]
pub struct CommentNode {
    /// Position.
    pub pos: Pos,
    /// The comment text including delimiters.
    pub text: String,
}

/// `{{break}}` or `{{continue}}`.
#[derive(Clone, Debug)]
pub struct ControlNode {
    /// Position.
    pub pos: Pos,
    /// Line number (1-based).
    pub line: usize,
}

/// An action: a pipeline whose value is printed (unless it declares
/// variables).
#[derive(Clone, Debug)]
pub struct ActionNode {
    /// Position.
    pub pos: Pos,
    /// Line number (1-based).
    pub line: usize,
    /// The pipeline.
    pub pipe: PipeNode,
}

/// `if`, `range` and `with`: a pipeline, a body and an optional else.
#[derive(Clone, Debug)]
pub struct BranchNode {
    /// Position.
    pub pos: Pos,
    /// Line number (1-based).
    pub line: usize,
    /// The condition / range / with pipeline.
    pub pipe: PipeNode,
    /// The body.
    pub list: ListNode,
    /// The `else` body (`else if` / `else with` become a nested branch
    /// inside it, as in Go).
    pub else_list: Option<ListNode>,
}

/// `{{template "name" pipeline}}`.
#[derive(Clone, Debug)]
pub struct TemplateNode {
    /// Position.
    pub pos: Pos,
    /// Line number (1-based).
    pub line: usize,
    /// The template name (unquoted).
    pub name: String,
    /// The data pipeline, if any.
    pub pipe: Option<PipeNode>,
}

/// A pipeline: optional variable declarations and commands joined by `|`.
#[derive(Clone, Debug)]
pub struct PipeNode {
    /// Position.
    pub pos: Pos,
    /// Line number (1-based).
    pub line: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared or assigned variables.
    pub decl: Vec<VariableNode>,
    /// The commands.
    pub cmds: Vec<CommandNode>,
}

/// A command: an operand followed by arguments.
#[derive(Clone, Debug)]
pub struct CommandNode {
    /// Position.
    pub pos: Pos,
    /// The operand and arguments.
    pub args: Vec<Arg>,
}

/// An operand or argument of a command.
#[derive(Clone, Debug)]
pub enum Arg {
    /// `.A.B`.
    Field(FieldNode),
    /// `(pipeline).A.B` or `$x.A` after a non-field.
    Chain(ChainNode),
    /// A function name.
    Identifier(IdentifierNode),
    /// `$x` or `$x.A.B`.
    Variable(VariableNode),
    /// `.`.
    Dot(Pos),
    /// `nil`.
    Nil(Pos),
    /// `true` / `false`.
    Bool(Pos, bool),
    /// A number constant.
    Number(NumberNode),
    /// A string constant.
    String(StringNode),
    /// A parenthesised pipeline.
    Pipe(PipeNode),
}

/// `.A.B.C`.
#[derive(Clone, Debug)]
pub struct FieldNode {
    /// Position.
    pub pos: Pos,
    /// The field names, without dots.
    pub ident: Vec<String>,
}

/// `$x.A.B` (`ident[0]` is the variable name with its `$`).
#[derive(Clone, Debug)]
pub struct VariableNode {
    /// Position.
    pub pos: Pos,
    /// The variable name, then field names.
    pub ident: Vec<String>,
}

/// A term followed by field accesses: `(pipe).A.B`.
#[derive(Clone, Debug)]
pub struct ChainNode {
    /// Position.
    pub pos: Pos,
    /// The term.
    pub node: Box<Arg>,
    /// The field names, without dots.
    pub field: Vec<String>,
}

/// A function name.
#[derive(Clone, Debug)]
pub struct IdentifierNode {
    /// Position.
    pub pos: Pos,
    /// The name.
    pub ident: String,
}

/// A number constant with every interpretation Go's parser allows.
#[derive(Clone, Debug)]
pub struct NumberNode {
    /// Position.
    pub pos: Pos,
    /// Whether it is a valid `int64`.
    pub is_int: bool,
    /// Whether it is a valid `uint64`.
    pub is_uint: bool,
    /// Whether it is a valid `float64`.
    pub is_float: bool,
    /// Whether it is complex (`1i`); unsupported values are rejected at
    /// execution as Go does.
    pub is_complex: bool,
    /// The `int64` value.
    pub int64: i64,
    /// The `uint64` value.
    pub uint64: u64,
    /// The `float64` value.
    pub float64: f64,
    /// The original text.
    pub text: String,
}

/// A string constant.
#[derive(Clone, Debug)]
pub struct StringNode {
    /// Position.
    pub pos: Pos,
    /// The original text with quotes.
    pub quoted: String,
    /// The unquoted bytes.
    pub text: Rc<[u8]>,
}

impl Tree {
    /// Go's `ErrorContext` location of byte offset `pos` in the tree's
    /// text: the 1-based line and the 0-based byte column.
    pub fn location(&self, pos: Pos) -> (usize, usize) {
        let end = pos.min(self.text.len());
        let before = &self.text[..end];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        // Go counts the column from just after the last newline, in bytes.
        let col = match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => pos - (nl + 1),
            None => pos,
        };
        (line, col)
    }
}

impl Node {
    /// The node's byte offset (Go's `Position()`).
    pub fn pos(&self) -> Pos {
        match self {
            Node::Text(n) => n.pos,
            Node::Action(n) => n.pos,
            Node::If(n) | Node::Range(n) | Node::With(n) => n.pos,
            Node::Template(n) => n.pos,
            Node::Break(n) | Node::Continue(n) => n.pos,
            Node::Comment(n) => n.pos,
        }
    }
}

impl Arg {
    /// The argument's byte offset (Go's `Position()`).
    pub fn pos(&self) -> Pos {
        match self {
            Arg::Field(n) => n.pos,
            Arg::Chain(n) => n.pos,
            Arg::Identifier(n) => n.pos,
            Arg::Variable(n) => n.pos,
            Arg::Dot(pos) | Arg::Nil(pos) | Arg::Bool(pos, _) => *pos,
            Arg::Number(n) => n.pos,
            Arg::String(n) => n.pos,
            Arg::Pipe(n) => n.pos,
        }
    }
}

impl ListNode {
    /// Go's `parse.IsEmptyTree`: only whitespace text and comments. An empty
    /// definition never replaces a non-empty one in a set.
    pub fn is_empty_tree(&self) -> bool {
        self.nodes.iter().all(|node| match node {
            // Go's `bytes.TrimSpace` trims Unicode White_Space, which is
            // what `char::is_whitespace` tests; invalid UTF-8 is not space.
            Node::Text(t) => std::str::from_utf8(&t.text)
                .map(|s| s.chars().all(char::is_whitespace))
                .unwrap_or(false),
            Node::Comment(_) => true,
            _ => false,
        })
    }
}

// Display: Go's `String()` for every node, as error contexts quote them.

impl fmt::Display for ListNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.nodes.iter().try_for_each(|n| write!(f, "{n}"))
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(n) => write!(f, "{n}"),
            Node::Action(n) => write!(f, "{n}"),
            Node::If(n) => n.write_branch(f, "if"),
            Node::Range(n) => n.write_branch(f, "range"),
            Node::With(n) => n.write_branch(f, "with"),
            Node::Template(n) => write!(f, "{n}"),
            Node::Break(_) => f.write_str("{{break}}"),
            Node::Continue(_) => f.write_str("{{continue}}"),
            Node::Comment(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for TextNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text))
    }
}

impl fmt::Display for CommentNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.text)
    }
}

impl fmt::Display for ActionNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{{}}}}}", self.pipe)
    }
}

impl BranchNode {
    fn write_branch(&self, f: &mut fmt::Formatter<'_>, keyword: &str) -> fmt::Result {
        write!(f, "{{{{{keyword} {}}}}}{}", self.pipe, self.list)?;
        if let Some(else_list) = &self.else_list {
            write!(f, "{{{{else}}}}{else_list}")?;
        }
        f.write_str("{{end}}")
    }
}

impl fmt::Display for TemplateNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{{{{template {}",
            super::parse::quote::go_quote(self.name.as_bytes())
        )?;
        if let Some(pipe) = &self.pipe {
            write!(f, " {pipe}")?;
        }
        f.write_str("}}")
    }
}

impl fmt::Display for PipeNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            for (i, v) in self.decl.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{v}")?;
            }
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CommandNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            // A parenthesised pipeline as an argument keeps its parens.
            match arg {
                Arg::Pipe(p) => write!(f, "({p})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field(n) => write!(f, "{n}"),
            Arg::Chain(n) => write!(f, "{n}"),
            Arg::Identifier(n) => write!(f, "{n}"),
            Arg::Variable(n) => write!(f, "{n}"),
            Arg::Dot(_) => f.write_str("."),
            Arg::Nil(_) => f.write_str("nil"),
            Arg::Bool(_, b) => f.write_str(if *b { "true" } else { "false" }),
            Arg::Number(n) => write!(f, "{n}"),
            Arg::String(n) => write!(f, "{n}"),
            // Go prints a bare pipe without parens (only commands and
            // chains add them).
            Arg::Pipe(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for FieldNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ident.iter().try_for_each(|id| write!(f, ".{id}"))
    }
}

impl fmt::Display for VariableNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident.join("."))
    }
}

impl fmt::Display for ChainNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.node {
            Arg::Pipe(p) => write!(f, "({p})")?,
            other => write!(f, "{other}")?,
        }
        self.field.iter().try_for_each(|id| write!(f, ".{id}"))
    }
}

impl fmt::Display for IdentifierNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ident)
    }
}

impl fmt::Display for NumberNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for StringNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.quoted)
    }
}
