//! The executor: Go's `text/template/exec.go` over [`Value`]s.
//!
//! The structure follows Go's closely (walk, evalPipeline, evalCommand,
//! evalField, evalCall, evalArg, validateType) because Helm's output and
//! error texts depend on Go's exact order of evaluation: which node an
//! error is reported at is simply the node Go last visited, so this
//! executor tracks its "current node" the same way.
//!
//! Go's `reflect.Value` remembers whether a value sits in an
//! `interface {}` slot (an element of a `map[string]interface {}`, of a
//! `[]interface {}`, a function's `interface {}` result). That shows in
//! error texts (`can't evaluate field x in type interface {}`, `wrong type
//! for value; expected string; got interface {}`) and in how a nil
//! element becomes "no value" after a pipeline stage, so [`Val`] carries
//! that bit next to the value.

use std::borrow::Cow;

use super::ast::{
    Arg, BranchNode, ChainNode, CommandNode, FieldNode, IdentifierNode, ListNode, Node, NumberNode,
    PipeNode, TemplateNode, Tree, VariableNode,
};
use super::builtins::{self, BParam, Builtin};
use super::convert;
use super::error::{ExecError, Location};
use super::fmt::{type_name, value_type_name};
use super::func::{Context, Func, FuncError};
use super::set::{MissingKey, Templates};
use super::strconv::quote;
use super::value::{IntKind, Type, Value};

/// Go's `maxExecDepth`: nested `{{template}}` calls allowed.
pub(super) const MAX_EXEC_DEPTH: usize = 100_000;

/// A value as the executor holds it: the value, and whether it sits in an
/// `interface {}` slot (Go's `reflect.Value` of kind `Interface`).
#[derive(Clone, Debug)]
pub(super) struct Val {
    /// The (concrete) value; a nil interface is `Value::Nil(Interface)`.
    pub(super) v: Value,
    /// Whether Go would see this value through an `interface {}`.
    pub(super) iface: bool,
}

impl Val {
    /// A value of its own concrete type.
    pub(super) fn concrete(v: Value) -> Val {
        Val { v, iface: false }
    }

    /// The invalid value ("no value").
    pub(super) fn invalid() -> Val {
        Val::concrete(Value::Invalid)
    }

    /// An element of a container whose element type is `elem`.
    pub(super) fn elem(v: Value, elem: &Type) -> Val {
        let v = match v {
            // A hole in a container is a nil of the element type.
            Value::Invalid => convert::zero(elem),
            v => v,
        };
        Val {
            v,
            iface: *elem == Type::Interface,
        }
    }

    /// Whether this is a valid `reflect.Value`.
    pub(super) fn is_valid(&self) -> bool {
        !matches!(self.v, Value::Invalid)
    }

    /// Whether this is a nil interface.
    pub(super) fn is_nil_interface(&self) -> bool {
        matches!(self.v, Value::Nil(Type::Interface))
    }

    /// Go's `indirectInterface`: the concrete value; a nil interface is
    /// the invalid value.
    pub(super) fn indirect_interface(&self) -> Value {
        if self.is_nil_interface() {
            Value::Invalid
        } else {
            self.v.clone()
        }
    }

    /// Go's `value.Type()` text for error messages.
    pub(super) fn type_text(&self) -> String {
        if self.iface || self.is_nil_interface() {
            "interface {}".to_string()
        } else {
            value_type_name(&self.v)
        }
    }

    /// What a pipeline stage leaves: an interface is unwrapped, so a nil
    /// interface becomes the invalid value.
    fn unwrapped(self) -> Val {
        if self.is_nil_interface() {
            Val::invalid()
        } else {
            Val::concrete(self.v)
        }
    }
}

/// Non-local exits: Go panics with `walkBreak`, `walkContinue` or an
/// `ExecError`. Small on purpose: it travels through every frame.
pub(super) enum Flow {
    /// `{{break}}`.
    Break,
    /// `{{continue}}`.
    Continue,
    /// A template error.
    Error(Box<ExecError>),
}

type R<T> = Result<T, Flow>;

/// The node Go's `state.node` points at, for error contexts.
#[derive(Clone, Copy)]
enum At<'a> {
    Nothing,
    Node(&'a Node),
    Pipe(&'a PipeNode),
    Cmd(&'a CommandNode),
    Arg(&'a Arg),
    Field(&'a FieldNode),
    Chain(&'a ChainNode),
    Var(&'a VariableNode),
    Ident(&'a IdentifierNode),
}

impl At<'_> {
    fn pos_and_text(self) -> Option<(usize, String)> {
        Some(match self {
            At::Nothing => return None,
            At::Node(n) => (n.pos(), n.to_string()),
            At::Pipe(p) => (p.pos, p.to_string()),
            At::Cmd(c) => (c.pos, c.to_string()),
            At::Arg(a) => (a.pos(), a.to_string()),
            At::Field(f) => (f.pos, f.to_string()),
            At::Chain(c) => (c.pos, c.to_string()),
            At::Var(v) => (v.pos, v.to_string()),
            At::Ident(i) => (i.pos, i.ident.clone()),
        })
    }
}

/// A parameter's type as the executor converts arguments to it.
#[derive(Clone, Copy)]
enum Param<'t> {
    /// No type (a chain's receiver): the value as is.
    Untyped,
    /// Go's `reflect.Value` (builtins): the value as is, nil interface
    /// included; a missing value stays invalid.
    Reflect,
    /// A Go type.
    Go(&'t Type),
    /// `interface {}` (for builtins, which have no `Type` to borrow).
    Iface,
    /// `string` (`printf`'s format).
    Str,
}

impl<'t> Param<'t> {
    fn go_type(self) -> Option<Cow<'t, Type>> {
        match self {
            Param::Untyped | Param::Reflect => None,
            Param::Go(t) => Some(Cow::Borrowed(t)),
            Param::Iface => Some(Cow::Owned(Type::Interface)),
            Param::Str => Some(Cow::Owned(Type::String)),
        }
    }
}

/// What is being called.
#[derive(Clone, Copy)]
enum Callee<'f> {
    Func(&'f Func),
    Builtin(Builtin),
}

impl<'f> Callee<'f> {
    fn fixed(self) -> usize {
        match self {
            Callee::Func(f) => f.sig.params.len(),
            Callee::Builtin(b) => b.shape().0.len(),
        }
    }

    fn is_variadic(self) -> bool {
        match self {
            Callee::Func(f) => f.sig.variadic.is_some(),
            Callee::Builtin(b) => b.shape().1.is_some(),
        }
    }

    fn param(self, i: usize) -> Param<'f> {
        match self {
            Callee::Func(f) => f.sig.params.get(i).map_or(Param::Iface, Param::Go),
            Callee::Builtin(b) => b.shape().0.get(i).copied().map_or(Param::Iface, bparam),
        }
    }

    fn variadic(self) -> Param<'f> {
        match self {
            Callee::Func(f) => f.sig.variadic.as_ref().map_or(Param::Iface, Param::Go),
            Callee::Builtin(b) => b.shape().1.map_or(Param::Iface, bparam),
        }
    }
}

fn bparam<'t>(p: BParam) -> Param<'t> {
    match p {
        BParam::Reflect => Param::Reflect,
        BParam::Iface => Param::Iface,
        BParam::Str => Param::Str,
    }
}

/// The function-call context handed to function bodies: Helm's `include`
/// and `tpl` execute templates of the running set.
struct Cx<'a> {
    set: &'a Templates,
}

impl Context for Cx<'_> {
    fn templates(&self) -> &Templates {
        self.set
    }

    fn execute_template(&mut self, name: &str, data: Value) -> Result<Vec<u8>, ExecError> {
        execute(self.set, name, data)
    }
}

/// One execution (Go's `state`).
struct State<'a> {
    set: &'a Templates,
    /// The executing template (`s.tmpl`).
    tree: &'a Tree,
    /// The current node, for errors.
    node: At<'a>,
    /// The variable stack.
    vars: Vec<(&'a str, Val)>,
    /// Nested `{{template}}` depth.
    depth: usize,
    out: Vec<u8>,
}

/// Executes template `name` of `set` with `data` as dot (Go's
/// `ExecuteTemplate`).
pub(super) fn execute(set: &Templates, name: &str, data: Value) -> Result<Vec<u8>, ExecError> {
    let Some(tree) = set.trees.get(name) else {
        return Err(ExecError {
            template: name.to_string(),
            location: None,
            message: format!(
                "no template {} associated with template {}",
                quote(name.as_bytes()),
                quote(set.name.as_bytes())
            ),
            cause: None,
        });
    };
    // `reflect.ValueOf(nil)` is the invalid value.
    let dot = match data {
        Value::Nil(Type::Interface) => Val::invalid(),
        v => Val::concrete(v),
    };
    let mut state = State {
        set,
        tree,
        node: At::Nothing,
        vars: vec![("$", dot.clone())],
        depth: 0,
        out: Vec::new(),
    };
    match state.walk_list(&dot, &tree.root) {
        Ok(()) => Ok(state.out),
        Err(Flow::Error(e)) => Err(*e),
        // The parser rejects break/continue outside range; keep a text.
        Err(Flow::Break | Flow::Continue) => Err(state.error("break or continue outside range")),
    }
}

impl<'a> State<'a> {
    fn at(&mut self, node: At<'a>) {
        self.node = node;
    }

    /// Go's `errorf` at the current node.
    fn error(&self, message: impl Into<String>) -> ExecError {
        let message = message.into();
        match self.node.pos_and_text() {
            Some((pos, node)) => {
                let (line, col) = self.tree.location(pos);
                ExecError {
                    template: self.tree.name.clone(),
                    location: Some(Location {
                        file: self.tree.parse_name.clone(),
                        line,
                        col,
                        node,
                    }),
                    message,
                    cause: None,
                }
            }
            None => ExecError {
                template: self.tree.name.clone(),
                location: None,
                message: format!("{}: {message}", self.tree.name),
                cause: None,
            },
        }
    }

    fn errorf<T>(&self, message: impl Into<String>) -> R<T> {
        Err(Flow::Error(Box::new(self.error(message))))
    }

    // Variables.

    fn set_var(&mut self, name: &str, value: Val) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(slot) => {
                slot.1 = value;
                Ok(())
            }
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    fn set_top_var(&mut self, n: usize, value: Val) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> R<Val> {
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => self.errorf(format!("undefined variable: {name}")),
        }
    }

    // Walking.

    fn walk_list(&mut self, dot: &Val, list: &'a ListNode) -> R<()> {
        for node in &list.nodes {
            self.walk(dot, node)?;
        }
        Ok(())
    }

    fn walk(&mut self, dot: &Val, node: &'a Node) -> R<()> {
        self.at(At::Node(node));
        match node {
            Node::Action(a) => {
                // Variables persist until the enclosing block ends; a
                // declaring action prints nothing.
                let val = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    self.print_value(node, val)?;
                }
                Ok(())
            }
            Node::Break(_) => Err(Flow::Break),
            Node::Continue(_) => Err(Flow::Continue),
            Node::Comment(_) => Ok(()),
            Node::If(b) => self.walk_if_or_with(false, dot, b),
            Node::With(b) => self.walk_if_or_with(true, dot, b),
            Node::Range(r) => self.walk_range(dot, node, r),
            Node::Template(t) => self.walk_template(dot, node, t),
            Node::Text(t) => {
                self.out.extend_from_slice(&t.text);
                Ok(())
            }
        }
    }

    fn walk_if_or_with(&mut self, with: bool, dot: &Val, b: &'a BranchNode) -> R<()> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &b.pipe)?;
        if is_true(&val) {
            if with {
                self.walk_list(&val, &b.list)?;
            } else {
                self.walk_list(dot, &b.list)?;
            }
        } else if let Some(else_list) = &b.else_list {
            self.walk_list(dot, else_list)?;
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn walk_range(&mut self, dot: &Val, node: &'a Node, r: &'a BranchNode) -> R<()> {
        self.at(At::Node(node));
        let mark0 = self.vars.len();
        let val = self.eval_pipeline(dot, &r.pipe)?;
        // Top of the stack before any variables of the body are pushed.
        let mark = self.vars.len();
        let ran = match self.range_over(r, mark, val) {
            Ok(ran) => ran,
            Err(Flow::Break) => true,
            Err(e) => return Err(e),
        };
        if !ran && let Some(else_list) = &r.else_list {
            self.walk_list(dot, else_list)?;
        }
        self.vars.truncate(mark0);
        Ok(())
    }

    /// Iterates; `Ok(false)` when there was nothing to iterate (the else
    /// branch runs).
    fn range_over(&mut self, r: &'a BranchNode, mark: usize, val: Val) -> R<bool> {
        let two_vars = r.pipe.decl.len() > 1;
        match &val.v {
            Value::Int(n, kind) => {
                if two_vars {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        sprint_one(&val.v)
                    ));
                }
                for i in 0..(*n).max(0) {
                    self.one_iteration(
                        r,
                        mark,
                        Val::invalid(),
                        Val::concrete(Value::Int(i, *kind)),
                    )?;
                }
                Ok(*n > 0)
            }
            Value::Uint(n, kind) => {
                if two_vars {
                    return self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        sprint_one(&val.v)
                    ));
                }
                for i in 0..*n {
                    self.one_iteration(
                        r,
                        mark,
                        Val::invalid(),
                        Val::concrete(Value::Uint(i, *kind)),
                    )?;
                }
                Ok(*n > 0)
            }
            Value::List(list) => {
                let list = list.clone();
                for (i, item) in list.items().iter().enumerate() {
                    let index = Val::concrete(Value::int(i as i64));
                    self.one_iteration(r, mark, index, Val::elem(item.clone(), list.elem()))?;
                }
                Ok(!list.items().is_empty())
            }
            Value::Bytes(bytes) => {
                let bytes = bytes.clone();
                for (i, b) in bytes.iter().enumerate() {
                    let index = Val::concrete(Value::int(i as i64));
                    let elem = Val::concrete(Value::Uint(u64::from(*b), super::UintKind::Uint8));
                    self.one_iteration(r, mark, index, elem)?;
                }
                Ok(!bytes.is_empty())
            }
            Value::Map(map) => {
                let elem = map.elem().clone();
                let entries = map.entries();
                for (k, v) in &entries {
                    let key = Val::concrete(Value::String(k.clone()));
                    self.one_iteration(r, mark, key, Val::elem(v.clone(), &elem))?;
                }
                Ok(!entries.is_empty())
            }
            // A named map or slice type with methods ranges as its value.
            Value::Object(obj) if object_value(obj.as_ref()).is_some() => {
                let inner = object_value(obj.as_ref()).unwrap_or(Value::Invalid);
                self.range_over(r, mark, Val::concrete(inner))
            }
            // A nil map or slice, or no value: like an empty map.
            Value::Invalid | Value::Nil(Type::Map(..) | Type::Slice(_) | Type::Bytes) => Ok(false),
            other => self.errorf(format!("range can't iterate over {}", sprint_one(other))),
        }
    }

    fn one_iteration(&mut self, r: &'a BranchNode, mark: usize, index: Val, elem: Val) -> R<()> {
        let decl = &r.pipe.decl;
        if let Some(first) = decl.first() {
            if r.pipe.is_assign {
                // With two variables the index comes first; with one,
                // the element.
                let v = if decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(&first.ident[0], v)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if let Some(second) = decl.get(1) {
            if r.pipe.is_assign {
                self.set_var(&second.ident[0], elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let res = self.walk_list(&elem, &r.list);
        self.vars.truncate(mark);
        match res {
            Ok(()) | Err(Flow::Continue) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn walk_template(&mut self, dot: &Val, node: &'a Node, t: &'a TemplateNode) -> R<()> {
        self.at(At::Node(node));
        let set = self.set;
        let Some(tree) = set.trees.get(&t.name) else {
            return self.errorf(format!("template {} not defined", quote(t.name.as_bytes())));
        };
        if self.depth == MAX_EXEC_DEPTH {
            return self.errorf(format!(
                "exceeded maximum template depth ({MAX_EXEC_DEPTH})"
            ));
        }
        // Variables declared by the pipeline persist.
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Val::invalid(),
        };
        // No dynamic scoping: the callee sees only `$`.
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$", new_dot.clone())]);
        let saved_tree = std::mem::replace(&mut self.tree, tree);
        let saved_node = self.node;
        self.depth += 1;
        let res = self.walk_list(&new_dot, &tree.root);
        self.depth -= 1;
        self.tree = saved_tree;
        self.vars = saved_vars;
        self.node = saved_node;
        res
    }

    // Evaluation.

    fn eval_pipeline(&mut self, dot: &Val, pipe: &'a PipeNode) -> R<Val> {
        self.at(At::Pipe(pipe));
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            // The previous stage's value is this one's final argument.
            let v = self.eval_command(dot, cmd, value.take())?;
            value = Some(v.unwrapped());
        }
        let value = value.unwrap_or_else(Val::invalid);
        for var in &pipe.decl {
            let name: &'a str = &var.ident[0];
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: Option<&[Arg]>, final_: &Option<Val>) -> R<()> {
        let args = args.unwrap_or(&[]);
        if args.len() > 1 || final_.is_some() {
            let first = args.first().map(ToString::to_string).unwrap_or_default();
            return self.errorf(format!("can't give argument to non-function {first}"));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Val, cmd: &'a CommandNode, final_: Option<Val>) -> R<Val> {
        let Some(first) = cmd.args.first() else {
            return self.errorf("empty command");
        };
        match first {
            Arg::Field(f) => return self.eval_field_node(dot, f, Some(&cmd.args), final_),
            Arg::Chain(c) => return self.eval_chain_node(dot, c, Some(&cmd.args), final_),
            Arg::Identifier(i) => {
                return self.eval_function(dot, i, At::Cmd(cmd), Some(&cmd.args), final_);
            }
            Arg::Pipe(p) => {
                // The arguments are all inside the parentheses.
                self.not_a_function(Some(&cmd.args), &final_)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable(v) => return self.eval_variable_node(dot, v, Some(&cmd.args), final_),
            _ => {}
        }
        self.at(At::Arg(first));
        self.not_a_function(Some(&cmd.args), &final_)?;
        match first {
            Arg::Bool(_, b) => Ok(Val::concrete(Value::Bool(*b))),
            Arg::Dot(_) => Ok(dot.clone()),
            Arg::Nil(_) => self.errorf("nil is not a command"),
            Arg::Number(n) => self.ideal_constant(first, n),
            Arg::String(s) => Ok(Val::concrete(Value::String(s.text.as_ref().into()))),
            _ => self.errorf(format!(
                "can't evaluate command {}",
                quote(first.to_string().as_bytes())
            )),
        }
    }

    /// A number constant where no type is known: Go's syntax rules pick
    /// `float64` or `int`.
    fn ideal_constant(&mut self, arg: &'a Arg, n: &NumberNode) -> R<Val> {
        self.at(At::Arg(arg));
        let text = n.text.as_str();
        let is_hex_int = text.len() > 2
            && text.starts_with('0')
            && matches!(text.as_bytes()[1], b'x' | b'X')
            && !text.contains(['p', 'P']);
        let is_rune = text.starts_with('\'');
        if n.is_complex {
            return self.errorf(format!("complex constant {text} is not supported"));
        }
        if n.is_float && !is_hex_int && !is_rune && text.contains(['.', 'e', 'E', 'p', 'P']) {
            return Ok(Val::concrete(Value::float64(n.float64)));
        }
        if n.is_int {
            return Ok(Val::concrete(Value::Int(n.int64, IntKind::Int)));
        }
        if n.is_uint {
            return self.errorf(format!("{text} overflows int"));
        }
        Ok(Val::invalid())
    }

    fn eval_field_node(
        &mut self,
        dot: &Val,
        field: &'a FieldNode,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        self.at(At::Field(field));
        self.eval_field_chain(
            dot,
            dot.clone(),
            At::Field(field),
            &field.ident,
            args,
            final_,
        )
    }

    fn eval_chain_node(
        &mut self,
        dot: &Val,
        chain: &'a ChainNode,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        self.at(At::Chain(chain));
        if chain.field.is_empty() {
            return self.errorf("internal error: no fields in evalChainNode");
        }
        if let Arg::Nil(_) = *chain.node {
            return self.errorf(format!("indirection through explicit nil in {}", chain));
        }
        // (pipe).Field1.Field2: the pipeline, then the fields.
        let pipe = self.eval_arg(dot, Param::Untyped, &chain.node)?;
        self.eval_field_chain(dot, pipe, At::Chain(chain), &chain.field, args, final_)
    }

    fn eval_variable_node(
        &mut self,
        dot: &Val,
        var: &'a VariableNode,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        self.at(At::Var(var));
        let value = self.var_value(&var.ident[0])?;
        if var.ident.len() == 1 {
            self.not_a_function(args, &final_)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, At::Var(var), &var.ident[1..], args, final_)
    }

    /// `.X.Y.Z` possibly followed by arguments: `dot` is where arguments
    /// are evaluated, `receiver` what the chain walks.
    fn eval_field_chain(
        &mut self,
        dot: &Val,
        receiver: Val,
        node: At<'a>,
        idents: &'a [String],
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        let Some((last, init)) = idents.split_last() else {
            return Ok(receiver);
        };
        let mut receiver = receiver;
        for name in init {
            receiver = self.eval_field(dot, name, node, None, None, receiver)?;
        }
        // Only the last element gets the arguments if it is a method.
        self.eval_field(dot, last, node, args, final_, receiver)
    }

    fn eval_function(
        &mut self,
        dot: &Val,
        ident: &'a IdentifierNode,
        node: At<'a>,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        self.at(At::Ident(ident));
        let name = ident.ident.as_str();
        let set = self.set;
        if let Some(f) = set.funcs.get(name) {
            return self.eval_call(dot, Callee::Func(f), node, name, args, final_);
        }
        if let Some(b) = Builtin::lookup(name) {
            return self.eval_call(dot, Callee::Builtin(b), node, name, args, final_);
        }
        self.errorf(format!(
            "{} is not a defined function",
            quote(name.as_bytes())
        ))
    }

    /// `.Field` or `.Method args...` on `receiver`.
    fn eval_field(
        &mut self,
        dot: &Val,
        name: &'a str,
        node: At<'a>,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
        receiver: Val,
    ) -> R<Val> {
        if !receiver.is_valid() {
            if self.set.missing_key == MissingKey::Error {
                return self.errorf(format!(
                    "nil data; no entry for key {}",
                    quote(name.as_bytes())
                ));
            }
            return Ok(Val::invalid());
        }
        let has_args = args.map_or(0, <[Arg]>::len) > 1 || final_.is_some();
        match &receiver.v {
            Value::Nil(Type::Interface) => {
                return self.errorf(format!(
                    "nil pointer evaluating {}.{name}",
                    receiver.type_text()
                ));
            }
            Value::Object(obj) => {
                // Methods first, as Go looks them up before fields.
                if let Some(method) = obj.method(name) {
                    return self.eval_call(dot, Callee::Func(&method), node, name, args, final_);
                }
                if let Some(field) = obj.field(name) {
                    if has_args {
                        return self.errorf(format!(
                            "{name} has arguments but cannot be invoked as function"
                        ));
                    }
                    let iface = matches!(field, Value::Nil(Type::Interface));
                    return Ok(Val { v: field, iface });
                }
                // A named map type with methods (Helm's `.Files`): keys.
                if let Some(Value::Map(map)) = object_value(obj.as_ref()) {
                    if has_args {
                        return self.errorf(format!("{name} is not a method but has arguments"));
                    }
                    return match map.get(name.as_bytes()) {
                        Some(v) => Ok(Val::elem(v, map.elem())),
                        None => self.missing_key(name, map.elem()),
                    };
                }
            }
            Value::Map(map) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                return match map.get(name.as_bytes()) {
                    Some(v) => Ok(Val::elem(v, map.elem())),
                    None => self.missing_key(name, map.elem()),
                };
            }
            Value::Nil(Type::Map(elem, _)) => {
                if has_args {
                    return self.errorf(format!("{name} is not a method but has arguments"));
                }
                return self.missing_key(name, elem);
            }
            Value::Nil(Type::Named(_)) => {
                return self.errorf(format!(
                    "nil pointer evaluating {}.{name}",
                    receiver.type_text()
                ));
            }
            _ => {}
        }
        self.errorf(format!(
            "can't evaluate field {name} in type {}",
            receiver.type_text()
        ))
    }

    fn missing_key(&self, name: &str, elem: &Type) -> R<Val> {
        match self.set.missing_key {
            MissingKey::Invalid => Ok(Val::invalid()),
            MissingKey::Zero => Ok(Val::elem(convert::zero(elem), elem)),
            MissingKey::Error => self.errorf(format!(
                "map has no entry for key {}",
                quote(name.as_bytes())
            )),
        }
    }

    /// A function or method call (Go's `evalCall`). `args`, when present,
    /// starts with the function's own node.
    fn eval_call(
        &mut self,
        dot: &Val,
        callee: Callee<'_>,
        node: At<'a>,
        name: &str,
        args: Option<&'a [Arg]>,
        final_: Option<Val>,
    ) -> R<Val> {
        let args: &'a [Arg] = match args {
            Some(a) => a.get(1..).unwrap_or(&[]),
            None => &[],
        };
        let num_in = args.len() + usize::from(final_.is_some());
        let variadic = callee.is_variadic();
        let num_fixed = if variadic {
            let n = callee.fixed();
            if num_in < n {
                return self.errorf(format!(
                    "wrong number of args for {name}: want at least {n} got {}",
                    args.len()
                ));
            }
            n
        } else {
            if num_in != callee.fixed() {
                return self.errorf(format!(
                    "wrong number of args for {name}: want {} got {num_in}",
                    callee.fixed()
                ));
            }
            args.len()
        };

        // and/or short-circuit and return the deciding value.
        if let Callee::Builtin(b @ (Builtin::And | Builtin::Or)) = callee {
            let want = b == Builtin::Or;
            let mut v = Val::invalid();
            for arg in args {
                v = self.eval_arg(dot, Param::Reflect, arg)?;
                if is_true(&v) == want {
                    return Ok(v);
                }
            }
            if let Some(f) = final_ {
                v = f;
            }
            return Ok(v);
        }

        let mut argv: Vec<Val> = Vec::with_capacity(num_in);
        let mut i = 0;
        while i < num_fixed && i < args.len() {
            argv.push(self.eval_arg(dot, callee.param(i), &args[i])?);
            i += 1;
        }
        if variadic {
            while i < args.len() {
                argv.push(self.eval_arg(dot, callee.variadic(), &args[i])?);
                i += 1;
            }
        }
        if let Some(f) = final_.clone() {
            let t = if !variadic {
                callee.param(callee.fixed().saturating_sub(1))
            } else if num_in - 1 < num_fixed {
                // The final argument fills a fixed parameter.
                callee.param(num_in - 1)
            } else {
                callee.variadic()
            };
            argv.push(self.validate_type(f, t)?);
        }

        let result = match callee {
            Callee::Func(f) => self.call_func(f, argv),
            Callee::Builtin(Builtin::Call) => {
                let callee_name = match args.first() {
                    Some(a) => a.to_string(),
                    None => final_
                        .as_ref()
                        .map(|v| reflect_string(&v.v))
                        .unwrap_or_default(),
                };
                self.call_builtin_call(&callee_name, argv)
            }
            Callee::Builtin(b) => builtins::run(b, argv).map_err(FuncError::new),
        };
        match result {
            Ok(v) => Ok(v),
            Err(err) => {
                self.at(node);
                let mut e = self.error(format!("error calling {name}: {}", err.message));
                e.cause = err.cause;
                Err(Flow::Error(Box::new(e)))
            }
        }
    }

    /// Runs a registered function on converted arguments.
    fn call_func(&mut self, f: &Func, argv: Vec<Val>) -> Result<Val, FuncError> {
        let values: Vec<Value> = argv.into_iter().map(|v| v.v).collect();
        let mut cx = Cx { set: self.set };
        let v = (f.body)(&mut cx, values)?;
        Ok(func_result(v, &f.sig.result))
    }

    /// Go's `call` builtin: `call FN ARGS...`.
    fn call_builtin_call(&mut self, name: &str, argv: Vec<Val>) -> Result<Val, FuncError> {
        let mut argv = argv.into_iter();
        let fn_val = argv
            .next()
            .map(|v| v.indirect_interface())
            .unwrap_or(Value::Invalid);
        let f = match fn_val {
            Value::Invalid => return Err(FuncError::new("call of nil")),
            Value::Func(f) => f,
            other => {
                return Err(FuncError::new(format!(
                    "non-function {name} of type {}",
                    value_type_name(&other)
                )));
            }
        };
        let rest: Vec<Val> = argv.collect();
        let num_in = f.sig.params.len();
        if f.sig.variadic.is_some() {
            if rest.len() < num_in {
                return Err(FuncError::new(format!(
                    "wrong number of args for {name}: got {} want at least {num_in}",
                    rest.len()
                )));
            }
        } else if rest.len() != num_in {
            return Err(FuncError::new(format!(
                "wrong number of args for {name}: got {} want {num_in}",
                rest.len()
            )));
        }
        let mut values = Vec::with_capacity(rest.len());
        for (i, arg) in rest.iter().enumerate() {
            let t = match (f.sig.params.get(i), &f.sig.variadic) {
                (Some(t), _) => t,
                (None, Some(t)) => t,
                (None, None) => &Type::Interface,
            };
            let v = builtins::prepare_arg(arg.indirect_interface(), t)
                .map_err(|e| FuncError::new(format!("arg {i}: {e}")))?;
            values.push(v);
        }
        let mut cx = Cx { set: self.set };
        let v = (f.body)(&mut cx, values)?;
        Ok(func_result(v, &f.sig.result))
    }

    /// Go's `validateType`: the value must be valid and assignable.
    fn validate_type(&self, value: Val, typ: Param<'_>) -> R<Val> {
        let Some(t) = typ.go_type() else {
            // Untyped or reflect.Value: as is.
            return Ok(value);
        };
        if !value.is_valid() {
            if convert::can_be_nil(&t) {
                return Ok(Val::elem(convert::zero(&t), &t));
            }
            return self.errorf(format!("invalid value; expected {}", type_name(&t)));
        }
        // The common cases without building the value's type.
        match (&*t, &value.v) {
            (Type::Interface, _)
            | (Type::String, Value::String(_))
            | (Type::Bool, Value::Bool(_))
            | (Type::Bytes, Value::Bytes(_)) => return Ok(value),
            _ => {}
        }
        let vt = if value.is_nil_interface() {
            Type::Interface
        } else {
            value.v.go_type().unwrap_or(Type::Interface)
        };
        if convert::assignable(&vt, &t) {
            return Ok(value);
        }
        self.errorf(format!(
            "wrong type for value; expected {}; got {}",
            type_name(&t),
            value_type_name_or_iface(&value)
        ))
    }

    fn eval_arg(&mut self, dot: &Val, typ: Param<'_>, n: &'a Arg) -> R<Val> {
        self.at(At::Arg(n));
        let v = match n {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(_) => {
                return match typ.go_type() {
                    Some(t) if convert::can_be_nil(&t) => Ok(Val::elem(convert::zero(&t), &t)),
                    Some(t) => self.errorf(format!("cannot assign nil to {}", type_name(&t))),
                    // reflect.Value: the zero Value.
                    None => Ok(Val::invalid()),
                };
            }
            Arg::Field(f) => self.eval_field_node(dot, f, Some(std::slice::from_ref(n)), None)?,
            Arg::Variable(v) => self.eval_variable_node(dot, v, None, None)?,
            Arg::Pipe(p) => self.eval_pipeline(dot, p)?,
            Arg::Identifier(i) => self.eval_function(dot, i, At::Ident(i), None, None)?,
            Arg::Chain(c) => self.eval_chain_node(dot, c, None, None)?,
            Arg::Bool(..) | Arg::Number(_) | Arg::String(_) => {
                return self.eval_constant_arg(typ, n);
            }
        };
        self.validate_type(v, typ)
    }

    /// A constant argument converted to a parameter type.
    fn eval_constant_arg(&mut self, typ: Param<'_>, n: &'a Arg) -> R<Val> {
        let t = match typ {
            Param::Reflect | Param::Iface => return self.eval_empty_interface(n),
            Param::Untyped => {
                return self.errorf(format!("can't handle {} for arg of type <nil>", n));
            }
            Param::Str => Type::String,
            Param::Go(t) => t.clone(),
        };
        let text = n;
        match (&t, n) {
            (Type::Interface, _) => self.eval_empty_interface(n),
            (Type::Bool, Arg::Bool(_, b)) => Ok(Val::concrete(Value::Bool(*b))),
            (Type::Bool, _) => self.errorf(format!("expected bool; found {text}")),
            (Type::String, Arg::String(s)) => {
                Ok(Val::concrete(Value::String(s.text.as_ref().into())))
            }
            (Type::String, _) => self.errorf(format!("expected string; found {text}")),
            (Type::Int(k), Arg::Number(num)) if num.is_int => Ok(Val::concrete(Value::Int(
                convert::wrap_int(num.int64, *k),
                *k,
            ))),
            (Type::Int(_), _) => self.errorf(format!("expected integer; found {text}")),
            (Type::Uint(k), Arg::Number(num)) if num.is_uint => Ok(Val::concrete(Value::Uint(
                convert::wrap_uint(num.uint64, *k),
                *k,
            ))),
            (Type::Uint(_), _) => self.errorf(format!("expected unsigned integer; found {text}")),
            (Type::Float(k), Arg::Number(num)) if num.is_float => {
                Ok(Val::concrete(convert::float_of_kind(num.float64, *k)))
            }
            (Type::Float(_), _) => self.errorf(format!("expected float; found {text}")),
            _ => self.errorf(format!(
                "can't handle {text} for arg of type {}",
                type_name(&t)
            )),
        }
    }

    fn eval_empty_interface(&mut self, n: &'a Arg) -> R<Val> {
        self.at(At::Arg(n));
        match n {
            Arg::Bool(_, b) => Ok(Val::concrete(Value::Bool(*b))),
            Arg::Number(num) => self.ideal_constant(n, num),
            Arg::String(s) => Ok(Val::concrete(Value::String(s.text.as_ref().into()))),
            _ => self.errorf(format!(
                "can't handle assignment of {} to empty interface argument",
                n
            )),
        }
    }

    /// Go's `printValue`: what an action writes.
    fn print_value(&mut self, node: &'a Node, v: Val) -> R<()> {
        self.at(At::Node(node));
        match &v.v {
            Value::Invalid => self.out.extend_from_slice(b"<no value>"),
            Value::Func(_) => {
                return self.errorf(format!("can't print {} of type {}", node, v.type_text()));
            }
            // An addressable struct whose `String()` has a pointer
            // receiver: Go's `printableValue` takes its address.
            Value::Object(o) if o.struct_fields().is_some() => {
                self.out.extend_from_slice(o.format_v().as_bytes());
            }
            other => write_value(&mut self.out, other),
        }
        Ok(())
    }
}

/// A function's result as Go's `reflect.Call` returns it: typed by the
/// declared result type.
fn func_result(v: Value, result: &Type) -> Val {
    if *result == Type::Interface {
        match v {
            Value::Invalid => Val {
                v: Value::Nil(Type::Interface),
                iface: true,
            },
            v => Val { v, iface: true },
        }
    } else {
        Val::concrete(v)
    }
}

fn value_type_name_or_iface(v: &Val) -> String {
    if v.is_nil_interface() {
        "interface {}".to_string()
    } else {
        value_type_name(&v.v)
    }
}

/// Go's `reflect.Value.String()` for a non-string value: `<T Value>`.
fn reflect_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::Invalid => "<invalid Value>".to_string(),
        other => format!("<{} Value>", value_type_name(other)),
    }
}

/// The map or slice value of a host object whose Go type is a named map
/// or slice type with methods (`engine.files`, `chartutil.VersionSet`):
/// `range`, `index`, `len`, truth and key lookup see that value.
pub(super) fn object_value(obj: &dyn super::value::Object) -> Option<Value> {
    obj.as_value()
}

/// Go's `isTrue` (after `indirectInterface`): the zero of its type is
/// false, structs and non-nil pointers are true.
pub(super) fn is_true(v: &Val) -> bool {
    match &v.v {
        Value::Invalid | Value::Nil(_) => false,
        Value::Bool(b) => *b,
        Value::Int(i, _) => *i != 0,
        Value::Uint(u, _) => *u != 0,
        Value::Float(f, _) => *f != 0.0,
        Value::String(s) => !s.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        Value::List(l) => !l.items().is_empty(),
        Value::Map(m) => !m.is_empty(),
        Value::Object(o) => match object_value(o.as_ref()) {
            Some(inner) => is_true(&Val::concrete(inner)),
            None => true,
        },
        Value::Func(_) => true,
    }
}

/// `fmt.Fprint` of one value, with fast paths for the common scalars.
pub(super) fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Int(i, _) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Uint(u, _) => out.extend_from_slice(u.to_string().as_bytes()),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        other => out.extend_from_slice(&super::fmt::sprint(std::slice::from_ref(other))),
    }
}

/// `%v` of one value as a `String`, for error texts.
pub(super) fn sprint_one(v: &Value) -> String {
    let mut out = Vec::new();
    write_value(&mut out, v);
    String::from_utf8_lossy(&out).into_owned()
}
