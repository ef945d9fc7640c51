//! A template set: Go's `*template.Template` with its associated
//! templates.

use std::collections::HashMap;
use std::rc::Rc;

use super::ast::Tree;
use super::error::{ExecError, ParseError};
use super::func::Funcs;
use super::value::Value;

/// What a missing map key yields (Go's `missingkey` option). Helm uses
/// `Zero` (and `Error` for `--strict` lint).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingKey {
    /// `missingkey=default` / `invalid`: the invalid value.
    #[default]
    Invalid,
    /// `missingkey=zero`: the map element type's zero value.
    Zero,
    /// `missingkey=error`: an execution error.
    Error,
}

/// A set of named templates sharing a function map, as Go's
/// `template.New(name).Funcs(m)` with everything parsed into it.
/// Cloning is cheap (trees are shared).
#[derive(Clone, Debug)]
pub struct Templates {
    /// The set's own name (Helm's is `gotpl`).
    pub(super) name: String,
    /// Named trees, including every `define`.
    pub(super) trees: HashMap<String, Rc<Tree>>,
    /// The functions (Go's builtins are added by the executor).
    pub(super) funcs: Rc<Funcs>,
    /// The `missingkey` option.
    pub(super) missing_key: MissingKey,
}

impl Templates {
    /// An empty set called `name` with these functions.
    pub fn new(name: &str, funcs: Funcs) -> Templates {
        Templates {
            name: name.to_string(),
            trees: HashMap::new(),
            funcs: Rc::new(funcs),
            missing_key: MissingKey::default(),
        }
    }

    /// The set's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the `missingkey` option.
    pub fn set_missing_key(&mut self, missing_key: MissingKey) {
        self.missing_key = missing_key;
    }

    /// The `missingkey` option.
    pub fn missing_key(&self) -> MissingKey {
        self.missing_key
    }

    /// The functions.
    pub fn funcs(&self) -> &Funcs {
        &self.funcs
    }

    /// Parses `text` as the template `name` and adds it and its `define`s
    /// to the set (Go's `t.New(name).Parse(text)`): a later definition
    /// replaces an earlier one, except that an empty body never replaces
    /// a non-empty one.
    pub fn parse(&mut self, name: &str, text: &[u8]) -> Result<(), ParseError> {
        super::parse::parse_into(self, name, text)
    }

    /// The template called `name`, if defined.
    pub fn lookup(&self, name: &str) -> Option<&Rc<Tree>> {
        self.trees.get(name)
    }

    /// Executes the template called `name` with `data` as dot (Go's
    /// `ExecuteTemplate`).
    pub fn execute(&self, name: &str, data: Value) -> Result<Vec<u8>, ExecError> {
        super::exec::execute(self, name, data)
    }
}
