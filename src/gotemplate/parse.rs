//! The parser: Go's `text/template/parse/parse.go`.
//!
//! It mirrors Go's recursive descent token for token, including the
//! three-token lookahead buffer each tree keeps: Go reports a parse error
//! at the line of the last token read (`t.token[0].line`), so getting the
//! same line numbers means reading the same tokens in the same order.
//! Go stops parsing with a panic; here every step returns `Result` and
//! the first error is the answer.

mod number;
#[cfg(test)]
mod proptests;
pub(super) mod quote;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{
    ActionNode, Arg, BranchNode, ChainNode, CommandNode, CommentNode, ControlNode, FieldNode,
    IdentifierNode, ListNode, Node, PipeNode, Pos, StringNode, TemplateNode, TextNode, Tree,
    VariableNode,
};
use super::error::ParseError;
use super::func::Funcs;
use super::lex::{Item, ItemType, LexOptions, Lexer};
use super::set::Templates;
use number::{NumberKind, new_number};
use quote::{INVALID_SYNTAX, go_quote, unquote};

/// Go's builtin function names: always defined for the parse-time check.
pub(super) const BUILTINS: &[&str] = &[
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
];

/// Nested parenthesised expressions. Go allows 10,000 (`maxStackDepth`,
/// with this error text) because its stacks grow; the parser here recurses
/// on the thread's fixed stack (a few KB per level in debug builds), so
/// the limit is lower, still far beyond what any chart nests.
const MAX_STACK_DEPTH: usize = 1_000;

/// Nested control structures (`if`, `range`, `with`, `block`, `else if`
/// chains). Go has no limit; this one keeps hostile input from overflowing
/// the stack (up to ~8 KB per level in debug builds, a fraction of that in
/// release), far beyond what any chart nests.
const MAX_NESTING: usize = 500;

/// Parses `text` as template `name` into `set` (Go's
/// `t.New(name).Parse(text)`): the named tree and every `define`/`block`,
/// each replacing an earlier definition unless it is empty.
pub(super) fn parse_into(set: &mut Templates, name: &str, text: &[u8]) -> Result<()> {
    let trees = parse_trees(name, text, &set.funcs)?;
    for tree in trees {
        // Go's `associate`: an empty tree never replaces an existing one.
        if tree.root.is_empty_tree() && set.trees.contains_key(&tree.name) {
            continue;
        }
        set.trees.insert(tree.name.clone(), Rc::new(tree));
    }
    Ok(())
}

/// Go's `parse.Parse`: the trees `text` defines, the top-level one
/// called `name`, in the order they were completed.
pub(super) fn parse_trees(name: &str, text: &[u8], funcs: &Funcs) -> Result<Vec<Tree>> {
    let mut parser = Parser {
        lex: Lexer::new(text),
        text,
        text_rc: Rc::from(text),
        parse_name: name.to_string(),
        funcs,
        trees: Vec::new(),
        index: HashMap::new(),
        ts: TreeState::new(name),
        nesting: 0,
    };
    parser.lex.options = LexOptions {
        emit_comment: false,
        break_ok: !parser.has_function("break"),
        continue_ok: !parser.has_function("continue"),
    };
    let root = parser.parse_top()?;
    parser.add(name.to_string(), root)?;
    Ok(parser.trees)
}

/// The per-tree parsing state (Go keeps it in each `Tree`; a `define`
/// or `block` parses with a fresh one over the shared lexer).
struct TreeState {
    name: String,
    token: [Item; 3],
    peek_count: usize,
    vars: Vec<String>,
    action_line: usize,
    range_depth: usize,
    stack_depth: usize,
}

impl TreeState {
    fn new(name: &str) -> TreeState {
        let blank = Item {
            typ: ItemType::Eof,
            pos: 0,
            end: 0,
            line: 0,
            message: None,
        };
        TreeState {
            name: name.to_string(),
            token: [blank.clone(), blank.clone(), blank],
            peek_count: 0,
            vars: vec!["$".to_string()],
            action_line: 0,
            range_depth: 0,
            stack_depth: 0,
        }
    }
}

/// What `textOrAction` found: a node, or the `{{end}}`/`{{else}}` that
/// ends a list.
enum Parsed {
    Node(Node),
    End,
    Else(Pos),
}

impl Parsed {
    /// Go's `String()` of the end and else nodes.
    fn describe(&self) -> String {
        match self {
            Parsed::Node(n) => n.to_string(),
            Parsed::End => "{{end}}".to_string(),
            Parsed::Else(_) => "{{else}}".to_string(),
        }
    }
}

type Result<T> = std::result::Result<T, ParseError>;

struct Parser<'a> {
    lex: Lexer<'a>,
    text: &'a [u8],
    text_rc: Rc<[u8]>,
    parse_name: String,
    funcs: &'a Funcs,
    /// Completed trees, in order; `index` maps names to positions.
    trees: Vec<Tree>,
    index: HashMap<String, usize>,
    ts: TreeState,
    nesting: usize,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl<'a> Parser<'a> {
    // Token buffer (Go's next/backup/peek).

    fn next(&mut self) -> Item {
        if self.ts.peek_count > 0 {
            self.ts.peek_count -= 1;
        } else {
            self.ts.token[0] = self.lex.next_item();
        }
        self.ts.token[self.ts.peek_count].clone()
    }

    fn backup(&mut self) {
        self.ts.peek_count += 1;
    }

    fn backup2(&mut self, t1: Item) {
        self.ts.token[1] = t1;
        self.ts.peek_count = 2;
    }

    fn backup3(&mut self, t2: Item, t1: Item) {
        self.ts.token[1] = t1;
        self.ts.token[2] = t2;
        self.ts.peek_count = 3;
    }

    fn peek(&mut self) -> Item {
        if self.ts.peek_count > 0 {
            return self.ts.token[self.ts.peek_count - 1].clone();
        }
        self.ts.peek_count = 1;
        self.ts.token[0] = self.lex.next_item();
        self.ts.token[0].clone()
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let token = self.next();
            if token.typ != ItemType::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn val(&self, item: &Item) -> String {
        lossy(item.val(self.text))
    }

    // Errors.

    /// Go's `errorf`: the message at the line of the last token read.
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            name: self.parse_name.clone(),
            line: self.ts.token[0].line,
            message: message.into(),
        }
    }

    fn expect(&mut self, expected: ItemType, context: &str) -> Result<Item> {
        let token = self.next_non_space();
        if token.typ != expected {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn expect_one_of(&mut self, e1: ItemType, e2: ItemType, context: &str) -> Result<Item> {
        let token = self.next_non_space();
        if token.typ != e1 && token.typ != e2 {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    /// Go's `unexpected`: a lexer error as is (with where its action
    /// started), anything else as `unexpected X in CONTEXT`.
    fn unexpected(&self, token: &Item, context: &str) -> ParseError {
        if token.typ == ItemType::Error {
            let text = token.describe(self.text);
            let mut extra = String::new();
            if self.ts.action_line != 0 && self.ts.action_line != token.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.ts.action_line
                );
                if text.ends_with(" action") {
                    // Avoid "action in action".
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.error(format!("{text}{extra}"));
        }
        self.error(format!(
            "unexpected {} in {}",
            token.describe(self.text),
            context
        ))
    }

    fn has_function(&self, name: &str) -> bool {
        BUILTINS.contains(&name) || self.funcs.contains(name)
    }

    /// Go's `Tree.add` into this parse's tree set: a second non-empty
    /// definition of one name is an error; an empty one is ignored.
    fn add(&mut self, name: String, root: ListNode) -> Result<()> {
        if let Some(&i) = self.index.get(&name) {
            if !self.trees[i].root.is_empty_tree() {
                if !root.is_empty_tree() {
                    return Err(self.error(format!(
                        "template: multiple definition of template {}",
                        go_quote(name.as_bytes())
                    )));
                }
                return Ok(());
            }
            self.trees[i].root = root;
            return Ok(());
        }
        self.index.insert(name.clone(), self.trees.len());
        self.trees.push(Tree {
            name,
            parse_name: self.parse_name.clone(),
            root,
            text: self.text_rc.clone(),
        });
        Ok(())
    }

    // Grammar.

    /// Go's `parse`: the top level, which may hold `{{define}}`s.
    fn parse_top(&mut self) -> Result<ListNode> {
        let mut root = ListNode {
            pos: self.peek().pos,
            nodes: Vec::new(),
        };
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let delim = self.next();
                if self.next_non_space().typ == ItemType::Define {
                    let saved = std::mem::replace(&mut self.ts, TreeState::new("definition"));
                    let result = self.parse_definition();
                    self.ts = saved;
                    result?;
                    continue;
                }
                self.backup2(delim);
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.nodes.push(n),
                other => return Err(self.error(format!("unexpected {}", other.describe()))),
            }
        }
        Ok(root)
    }

    /// `{{define "name"}} ... {{end}}`; the keyword is past.
    fn parse_definition(&mut self) -> Result<()> {
        const CONTEXT: &str = "define clause";
        let name = self.expect_one_of(ItemType::String, ItemType::RawString, CONTEXT)?;
        let name = match unquote(name.val(self.text)) {
            Some(n) => lossy(&n),
            None => return Err(self.error(INVALID_SYNTAX)),
        };
        self.ts.name = name.clone();
        self.expect(ItemType::RightDelim, CONTEXT)?;
        let (root, end) = self.item_list()?;
        if !matches!(end, Parsed::End) {
            return Err(self.error(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        self.add(name, root)
    }

    /// `textOrAction*` up to `{{end}}` or `{{else}}`, returned separately.
    fn item_list(&mut self) -> Result<(ListNode, Parsed)> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error("max expression depth exceeded"));
        }
        let result = self.item_list_inner();
        self.nesting -= 1;
        result
    }

    fn item_list_inner(&mut self) -> Result<(ListNode, Parsed)> {
        let mut list = ListNode {
            pos: self.peek_non_space().pos,
            nodes: Vec::new(),
        };
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.nodes.push(n),
                end => return Ok((list, end)),
            }
        }
        Err(self.error("unexpected EOF"))
    }

    fn text_or_action(&mut self) -> Result<Parsed> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Parsed::Node(Node::Text(TextNode {
                pos: token.pos,
                text: Rc::from(token.val(self.text)),
            }))),
            ItemType::LeftDelim => {
                self.ts.action_line = token.line;
                let result = self.action();
                self.ts.action_line = 0;
                result
            }
            ItemType::Comment => Ok(Parsed::Node(Node::Comment(CommentNode {
                pos: token.pos,
                text: self.val(&token),
            }))),
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    /// An action: a control keyword or a pipeline. The left delimiter is
    /// past.
    fn action(&mut self) -> Result<Parsed> {
        // Only the branch arms recurse; everything else is in separate
        // functions so that this frame, on the stack once per nesting
        // level, stays small.
        let typ = self.next_non_space().typ;
        let node = match typ {
            ItemType::If => Node::If(self.branch("if")?),
            ItemType::Range => Node::Range(self.branch("range")?),
            ItemType::With => Node::With(self.branch("with")?),
            ItemType::Block => self.block_control()?,
            _ => return self.simple_action(typ),
        };
        Ok(Parsed::Node(node))
    }

    /// An action that does not nest: break, continue, else, end, template
    /// or a pipeline. Its first token was just read.
    #[inline(never)]
    fn simple_action(&mut self, typ: ItemType) -> Result<Parsed> {
        let token = self.ts.token[self.ts.peek_count].clone();
        match typ {
            ItemType::Break | ItemType::Continue => {
                let is_break = typ == ItemType::Break;
                let word = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                let next = self.next_non_space();
                if next.typ != ItemType::RightDelim {
                    return Err(self.unexpected(&next, word));
                }
                if self.ts.range_depth == 0 {
                    return Err(self.error(format!("{word} outside {{{{range}}}}")));
                }
                let node = ControlNode {
                    pos: token.pos,
                    line: token.line,
                };
                return Ok(Parsed::Node(if is_break {
                    Node::Break(node)
                } else {
                    Node::Continue(node)
                }));
            }
            ItemType::Else => return self.else_control(),
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemType::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let token = self.peek();
        // Variables declared here persist until the enclosing {{end}}.
        let pipe = self.pipeline("command", ItemType::RightDelim)?;
        Ok(Parsed::Node(Node::Action(ActionNode {
            pos: token.pos,
            line: token.line,
            pipe,
        })))
    }

    /// `declarations? command ('|' command)*` up to `end`.
    ///
    /// This and `command`, `operand` and `term` recurse for each level of
    /// parentheses, so they keep their frames small: everything else they
    /// do is in separate, non-inlined functions.
    fn pipeline(&mut self, context: &'static str, end: ItemType) -> Result<PipeNode> {
        let mut pipe = self.pipeline_start(context)?;
        loop {
            let typ = self.next_non_space().typ;
            if typ == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            if !starts_operand(typ) {
                return Err(self.unexpected_current(context));
            }
            self.backup();
            let cmd = self.command()?;
            pipe.cmds.push(cmd);
        }
    }

    /// The pipeline's position and its declarations, if any.
    #[inline(never)]
    fn pipeline_start(&mut self, context: &str) -> Result<PipeNode> {
        let token = self.peek_non_space();
        let mut pipe = PipeNode {
            pos: token.pos,
            line: token.line,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            self.next();
            // Spaces are tokens, so "$x foo" needs three tokens of
            // lookahead to tell an argument from a declaration.
            let token_after = self.peek();
            let next = self.peek_non_space();
            let name = self.val(&v);
            if next.typ == ItemType::Assign || next.typ == ItemType::Declare {
                pipe.is_assign = next.typ == ItemType::Assign;
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, &name));
                self.ts.vars.push(name);
                break;
            } else if next.typ == ItemType::Char && next.val(self.text) == b"," {
                self.next_non_space();
                pipe.decl.push(new_variable(v.pos, &name));
                self.ts.vars.push(name);
                if context == "range" && pipe.decl.len() < 2 {
                    match self.peek_non_space().typ {
                        // The second variable of a range.
                        ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                            continue;
                        }
                        _ => return Err(self.error("range can only initialize variables")),
                    }
                }
                return Err(self.error(format!("too many declarations in {context}")));
            } else if token_after.typ == ItemType::Space {
                self.backup3(v, token_after);
            } else {
                self.backup2(v);
            }
            break;
        }
        Ok(pipe)
    }

    /// `unexpected` for the token just read.
    #[inline(never)]
    fn unexpected_current(&self, context: &str) -> ParseError {
        let token = self.ts.token[self.ts.peek_count].clone();
        self.unexpected(&token, context)
    }

    fn check_pipeline(&self, pipe: &PipeNode, context: &str) -> Result<()> {
        if pipe.cmds.is_empty() {
            return Err(self.error(format!("missing value for {context}")));
        }
        // Only the first command may start with a non-executable operand.
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if let Some(
                Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(_) | Arg::String(_),
            ) = c.args.first()
            {
                return Err(self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// `if`, `range` and `with` (Go's `parseControl`).
    fn branch(&mut self, context: &'static str) -> Result<BranchNode> {
        let vars = self.ts.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.ts.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.ts.range_depth -= 1;
        }
        let else_list = match next {
            Parsed::Else(else_pos) => Some(self.else_list(context, else_pos)?),
            _ => None,
        };
        self.ts.vars.truncate(vars);
        Ok(BranchNode {
            pos: pipe.pos,
            line: pipe.line,
            pipe,
            list,
            else_list,
        })
    }

    /// The list after `{{else}}`: `{{else if}}` / `{{else with}}` are
    /// `{{else}}{{if}}...{{end}}{{end}}` with the inner `{{end}}` shared.
    fn else_list(&mut self, context: &'static str, else_pos: Pos) -> Result<ListNode> {
        let peek = self.peek().typ;
        if (context == "if" && peek == ItemType::If)
            || (context == "with" && peek == ItemType::With)
        {
            self.next();
            // Each `else if` nests one level deeper, like a body does.
            self.nesting += 1;
            if self.nesting > MAX_NESTING {
                return Err(self.error("max expression depth exceeded"));
            }
            let inner = self.branch(context);
            self.nesting -= 1;
            let inner = inner?;
            let node = if context == "if" {
                Node::If(inner)
            } else {
                Node::With(inner)
            };
            return Ok(ListNode {
                pos: else_pos,
                nodes: vec![node],
            });
        }
        let (list, next) = self.item_list()?;
        if !matches!(next, Parsed::End) {
            return Err(self.error(format!("expected end; found {}", next.describe())));
        }
        Ok(list)
    }

    /// `{{else}}`, or the `else` of `{{else if}}` / `{{else with}}`.
    fn else_control(&mut self) -> Result<Parsed> {
        let peek = self.peek_non_space();
        if peek.typ == ItemType::If || peek.typ == ItemType::With {
            return Ok(Parsed::Else(peek.pos));
        }
        let token = self.expect(ItemType::RightDelim, "else")?;
        Ok(Parsed::Else(token.pos))
    }

    /// `{{block "name" pipeline}} ... {{end}}`: a define plus a template
    /// call.
    fn block_control(&mut self) -> Result<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, ItemType::RightDelim)?;
        let saved = std::mem::replace(&mut self.ts, TreeState::new(&name));
        let body = self.item_list();
        let block_state = std::mem::replace(&mut self.ts, saved);
        let (root, end) = body?;
        if !matches!(end, Parsed::End) {
            return Err(self.error(format!("unexpected {} in {CONTEXT}", end.describe())));
        }
        // The definition is added with the block tree's own token state.
        let parent = std::mem::replace(&mut self.ts, block_state);
        let added = self.add(name.clone(), root);
        self.ts = parent;
        added?;
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            line: token.line,
            name,
            pipe: Some(pipe),
        }))
    }

    /// `{{template "name" pipeline?}}`.
    fn template_control(&mut self) -> Result<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.parse_template_name(&token, CONTEXT)?;
        let mut pipe = None;
        if self.next_non_space().typ != ItemType::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(CONTEXT, ItemType::RightDelim)?);
        }
        Ok(Node::Template(TemplateNode {
            pos: token.pos,
            line: token.line,
            name,
            pipe,
        }))
    }

    fn parse_template_name(&self, token: &Item, context: &str) -> Result<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => match unquote(token.val(self.text)) {
                Some(n) => Ok(lossy(&n)),
                None => Err(self.error(INVALID_SYNTAX)),
            },
            _ => Err(self.unexpected(token, context)),
        }
    }

    /// `operand (space operand)*` up to `|`, `}}` or `)`.
    fn command(&mut self) -> Result<CommandNode> {
        let mut cmd = CommandNode {
            pos: self.peek_non_space().pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            match self.next().typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return Err(self.unexpected_current("operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.error("empty command"));
        }
        Ok(cmd)
    }

    /// `term .Field*`.
    fn operand(&mut self) -> Result<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        self.chain(node).map(Some)
    }

    /// The fields after a term: they extend a field or variable, are an
    /// error after a literal, and form a chain after anything else.
    #[inline(never)]
    fn chain(&mut self, node: Arg) -> Result<Arg> {
        let pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next();
            fields.push(lossy(&field.val(self.text)[1..]));
        }
        Ok(match node {
            Arg::Field(mut f) => {
                f.ident.extend(fields);
                f.pos = pos;
                Arg::Field(f)
            }
            Arg::Variable(mut v) => {
                v.ident.extend(fields);
                v.pos = pos;
                Arg::Variable(v)
            }
            Arg::Bool(..) | Arg::String(_) | Arg::Number(_) | Arg::Nil(_) | Arg::Dot(_) => {
                return Err(self.error(format!(
                    "unexpected . after term {}",
                    go_quote(node.to_string().as_bytes())
                )));
            }
            other => Arg::Chain(ChainNode {
                pos,
                node: Box::new(other),
                field: fields,
            }),
        })
    }

    /// A literal, function name, `.`, `.Field`, `$x` or `(pipeline)`;
    /// `None` when the next token is none of these.
    fn term(&mut self) -> Result<Option<Arg>> {
        let typ = self.next_non_space().typ;
        if typ != ItemType::LeftParen {
            return self.leaf_term();
        }
        if self.ts.stack_depth >= MAX_STACK_DEPTH {
            return Err(self.error("max expression depth exceeded"));
        }
        self.ts.stack_depth += 1;
        let pipe = self.pipeline("parenthesized pipeline", ItemType::RightParen);
        self.ts.stack_depth -= 1;
        Ok(Some(Arg::Pipe(pipe?)))
    }

    /// A term other than `(pipeline)`; its token was just read.
    #[inline(never)]
    fn leaf_term(&mut self) -> Result<Option<Arg>> {
        let token = self.ts.token[self.ts.peek_count].clone();
        let arg = match token.typ {
            ItemType::Identifier => {
                let name = self.val(&token);
                if !self.has_function(&name) {
                    return Err(self.error(format!(
                        "function {} not defined",
                        go_quote(name.as_bytes())
                    )));
                }
                Arg::Identifier(IdentifierNode {
                    pos: token.pos,
                    ident: name,
                })
            }
            ItemType::Dot => Arg::Dot(token.pos),
            ItemType::Nil => Arg::Nil(token.pos),
            ItemType::Variable => {
                let v = new_variable(token.pos, &self.val(&token));
                if !self.ts.vars.iter().any(|name| *name == v.ident[0]) {
                    return Err(self.error(format!(
                        "undefined variable {}",
                        go_quote(v.ident[0].as_bytes())
                    )));
                }
                Arg::Variable(v)
            }
            ItemType::Field => Arg::Field(FieldNode {
                pos: token.pos,
                ident: split_dots(&self.val(&token)[1..]),
            }),
            ItemType::Bool => Arg::Bool(token.pos, token.val(self.text) == b"true"),
            ItemType::CharConstant | ItemType::Complex | ItemType::Number => {
                let kind = match token.typ {
                    ItemType::CharConstant => NumberKind::Char,
                    ItemType::Complex => NumberKind::Complex,
                    _ => NumberKind::Plain,
                };
                let text = self.val(&token);
                match new_number(token.pos, &text, kind) {
                    Ok(n) => Arg::Number(n),
                    Err(message) => return Err(self.error(message)),
                }
            }
            ItemType::String | ItemType::RawString => {
                let raw = token.val(self.text);
                let Some(text) = unquote(raw) else {
                    return Err(self.error(INVALID_SYNTAX));
                };
                Arg::String(StringNode {
                    pos: token.pos,
                    quoted: lossy(raw),
                    text: Rc::from(text),
                })
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

/// Whether a token can start a command (Go's pipeline loop).
fn starts_operand(typ: ItemType) -> bool {
    matches!(
        typ,
        ItemType::Bool
            | ItemType::CharConstant
            | ItemType::Complex
            | ItemType::Dot
            | ItemType::Field
            | ItemType::Identifier
            | ItemType::Number
            | ItemType::Nil
            | ItemType::RawString
            | ItemType::String
            | ItemType::Variable
            | ItemType::LeftParen
    )
}

/// Go's `strings.Split(s, ".")`.
fn split_dots(s: &str) -> Vec<String> {
    s.split('.').map(str::to_string).collect()
}

/// Go's `newVariable`: `$x.a.b` split at the dots.
fn new_variable(pos: Pos, ident: &str) -> VariableNode {
    VariableNode {
        pos,
        ident: split_dots(ident),
    }
}
