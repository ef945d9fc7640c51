//! Positions and Go `String()` texts of parse nodes, for error contexts.
//!
//! The executor reports `at <NODE>` with Go's node text and the node's
//! line and column. These helpers keep the executor independent of how
//! the parse tree module spells its own accessors.

use super::ast::{
    Arg, BranchNode, ChainNode, CommandNode, FieldNode, ListNode, Node, PipeNode, Pos, Tree,
    VariableNode,
};

/// Go's `ErrorContext` location of `pos` in `tree`'s text: 1-based line,
/// 0-based byte column.
pub(super) fn location(tree: &Tree, pos: Pos) -> (usize, usize) {
    let end = pos.min(tree.text.len());
    let before = &tree.text[..end];
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => end - (nl + 1),
        None => end,
    };
    (line, col)
}

/// A node's position (Go's `Position()`).
pub(super) fn node_pos(n: &Node) -> Pos {
    match n {
        Node::Text(n) => n.pos,
        Node::Action(n) => n.pos,
        Node::If(n) | Node::Range(n) | Node::With(n) => n.pos,
        Node::Template(n) => n.pos,
        Node::Break(n) | Node::Continue(n) => n.pos,
        Node::Comment(n) => n.pos,
    }
}

/// An argument's position.
pub(super) fn arg_pos(a: &Arg) -> Pos {
    match a {
        Arg::Field(n) => n.pos,
        Arg::Chain(n) => n.pos,
        Arg::Identifier(n) => n.pos,
        Arg::Variable(n) => n.pos,
        Arg::Dot(p) | Arg::Nil(p) | Arg::Bool(p, _) => *p,
        Arg::Number(n) => n.pos,
        Arg::String(n) => n.pos,
        Arg::Pipe(n) => n.pos,
    }
}

/// Go's `String()` of a node.
pub(super) fn node_text(n: &Node) -> String {
    let mut s = String::new();
    write_node(&mut s, n);
    s
}

/// Go's `String()` of an argument.
pub(super) fn arg_text(a: &Arg) -> String {
    let mut s = String::new();
    write_arg(&mut s, a);
    s
}

/// Go's `String()` of a pipeline.
pub(super) fn pipe_text(p: &PipeNode) -> String {
    let mut s = String::new();
    write_pipe(&mut s, p);
    s
}

/// Go's `String()` of a command.
pub(super) fn command_text(c: &CommandNode) -> String {
    let mut s = String::new();
    write_command(&mut s, c);
    s
}

/// Go's `String()` of a field node.
pub(super) fn field_text(f: &FieldNode) -> String {
    let mut s = String::new();
    write_field(&mut s, f);
    s
}

/// Go's `String()` of a chain node.
pub(super) fn chain_text(c: &ChainNode) -> String {
    let mut s = String::new();
    write_chain(&mut s, c);
    s
}

/// Go's `String()` of a variable node.
pub(super) fn variable_text(v: &VariableNode) -> String {
    v.ident.join(".")
}

fn write_list(s: &mut String, l: &ListNode) {
    for n in &l.nodes {
        write_node(s, n);
    }
}

fn write_branch(s: &mut String, b: &BranchNode, keyword: &str) {
    s.push_str("{{");
    s.push_str(keyword);
    s.push(' ');
    write_pipe(s, &b.pipe);
    s.push_str("}}");
    write_list(s, &b.list);
    if let Some(e) = &b.else_list {
        s.push_str("{{else}}");
        write_list(s, e);
    }
    s.push_str("{{end}}");
}

fn write_node(s: &mut String, n: &Node) {
    match n {
        Node::Text(t) => s.push_str(&String::from_utf8_lossy(&t.text)),
        Node::Action(a) => {
            s.push_str("{{");
            write_pipe(s, &a.pipe);
            s.push_str("}}");
        }
        Node::If(b) => write_branch(s, b, "if"),
        Node::Range(b) => write_branch(s, b, "range"),
        Node::With(b) => write_branch(s, b, "with"),
        Node::Template(t) => {
            s.push_str("{{template ");
            s.push_str(&go_quote(&t.name));
            if let Some(p) = &t.pipe {
                s.push(' ');
                write_pipe(s, p);
            }
            s.push_str("}}");
        }
        Node::Break(_) => s.push_str("{{break}}"),
        Node::Continue(_) => s.push_str("{{continue}}"),
        Node::Comment(c) => {
            s.push_str("{{");
            s.push_str(&c.text);
            s.push_str("}}");
        }
    }
}

fn write_pipe(s: &mut String, p: &PipeNode) {
    if !p.decl.is_empty() {
        for (i, v) in p.decl.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&variable_text(v));
        }
        s.push_str(if p.is_assign { " = " } else { " := " });
    }
    for (i, c) in p.cmds.iter().enumerate() {
        if i > 0 {
            s.push_str(" | ");
        }
        write_command(s, c);
    }
}

fn write_command(s: &mut String, c: &CommandNode) {
    for (i, a) in c.args.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        if let Arg::Pipe(p) = a {
            s.push('(');
            write_pipe(s, p);
            s.push(')');
        } else {
            write_arg(s, a);
        }
    }
}

fn write_field(s: &mut String, f: &FieldNode) {
    for id in &f.ident {
        s.push('.');
        s.push_str(id);
    }
}

fn write_chain(s: &mut String, c: &ChainNode) {
    if let Arg::Pipe(p) = &*c.node {
        s.push('(');
        write_pipe(s, p);
        s.push(')');
    } else {
        write_arg(s, &c.node);
    }
    for id in &c.field {
        s.push('.');
        s.push_str(id);
    }
}

fn write_arg(s: &mut String, a: &Arg) {
    match a {
        Arg::Field(f) => write_field(s, f),
        Arg::Chain(c) => write_chain(s, c),
        Arg::Identifier(i) => s.push_str(&i.ident),
        Arg::Variable(v) => s.push_str(&variable_text(v)),
        Arg::Dot(_) => s.push('.'),
        Arg::Nil(_) => s.push_str("nil"),
        Arg::Bool(_, b) => s.push_str(if *b { "true" } else { "false" }),
        Arg::Number(n) => s.push_str(&n.text),
        Arg::String(n) => s.push_str(&n.quoted),
        Arg::Pipe(p) => write_pipe(s, p),
    }
}

/// Go's `strconv.Quote` for the texts the executor quotes (template
/// names, map keys): ASCII escapes, `\uXXXX` for other non-printables.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
