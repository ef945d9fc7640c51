//! The parse tree: Go's `text/template/parse` nodes.
//!
//! Positions are byte offsets into the template text, as in Go; line and
//! column for error messages are computed from them (Go's
//! `ErrorContext`). Each node's `Display` is Go's `String()`, which error
//! messages quote as `at <...>`.

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
