//! Parse and execution errors, as data and with Go's texts.

use std::fmt;

/// A parse error. `Display` is Go's text:
/// `template: <name>:<line>: <message>`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    /// The template (file) name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// Go's message after the location (`function "x" not defined`).
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "template: {}:{}: {}", self.name, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// An execution error, as data so that Helm's v3 and v4 formatters can
/// both be built from it. `Display` is Go's `ExecError` text.
#[derive(Clone, Debug)]
pub struct ExecError {
    /// The executing template's name (`executing "<name>"`).
    pub template: String,
    /// Where the failing node is: the parse name, 1-based line and 0-based
    /// byte column, and the node's text. `None` for errors Go reports
    /// without a location (`template: no template "x" associated with
    /// template "gotpl"`).
    pub location: Option<Location>,
    /// The message after the location (`nil pointer evaluating
    /// interface {}.x`, `error calling include: ...`).
    pub message: String,
    /// The template error a failed function call wraps (`include`, `tpl`),
    /// for Helm v4's multi-frame traces.
    pub cause: Option<Box<ExecError>>,
}

/// The position of a failing node.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    /// The parse name (file) the node lives in.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 0-based byte column.
    pub col: usize,
    /// The node's Go `String()` text.
    pub node: String,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(
                f,
                "template: {}:{}:{}: executing \"{}\" at <{}>: {}",
                loc.file, loc.line, loc.col, self.template, loc.node, self.message
            ),
            None => write!(f, "template: {}", self.message),
        }
    }
}

impl std::error::Error for ExecError {}
