//! Rendering errors with helm's texts: `cleanupParseError`,
//! `cleanupExecError` (v3) and `reformatExecErrorMsg` (v4, multi-frame
//! traces), built from the engine's structured errors.

use crate::compat::Compat;
use crate::gotemplate::{ExecError, ParseError};

use super::funcs::{WARN_END, WARN_START};

/// Why a render failed. `Display` is helm's message (v3's or v4's,
/// depending on the render's compat).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or execute, already formatted as helm
    /// prints it.
    #[error("{0}")]
    Template(String),
    /// The chart calls a function helm has and rudder lacks: not the
    /// chart's fault, so `--renderer auto` renders with helm instead. The
    /// text starts with [`crate::render::fallback::UNSUPPORTED_MARKER`].
    #[error("rudder: unsupported: {0}")]
    Unsupported(String),
}

impl RenderError {
    /// The error's kind for exit codes and callers.
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}

/// helm's `cleanupParseError`: `parse error at (<file:line>): <last
/// segment of Go's message>`.
pub(crate) fn parse_error(filename: &str, err: &ParseError, compat: Compat) -> RenderError {
    let text = err.to_string();
    if let Some(e) = missing_helm_function(&text, compat) {
        return e;
    }
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return RenderError::Template(format!("parse error in ({filename}): {text}"));
    }
    RenderError::Template(format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    ))
}

/// [`RenderError::Unsupported`] when `text` reports `function "X" not
/// defined` for a function helm has.
fn missing_helm_function(text: &str, compat: Compat) -> Option<RenderError> {
    const PREFIX: &str = "function \"";
    const SUFFIX: &str = "\" not defined";
    let mut rest = text;
    while let Some(i) = rest.find(PREFIX) {
        let after = &rest[i + PREFIX.len()..];
        if let Some(end) = after.find(SUFFIX) {
            let name = &after[..end];
            if super::func_names::helm_has_function(name, compat) {
                return Some(RenderError::Unsupported(format!("function \"{name}\"")));
            }
        }
        rest = after;
    }
    None
}

/// The text between helm's `required`/`fail` markers (`warnRegex`,
/// greedy over newlines).
fn warn_message(text: &str) -> Option<&str> {
    let start = text.find(WARN_START)? + WARN_START.len();
    let end = text.rfind(WARN_END)?;
    (end >= start).then(|| &text[start..end])
}

/// An execution error as helm v3 (`cleanupExecError`) or v4
/// (`reformatExecErrorMsg`) reports it.
pub(crate) fn exec_error(filename: &str, err: &ExecError, compat: Compat) -> RenderError {
    let text = err.to_string();
    // A `tpl` text calling a function rudder lacks.
    if let Some(e) = missing_helm_function(&text, compat) {
        return e;
    }
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return RenderError::Template(format!("execution error in ({filename}): {text}"));
    }
    if let Some(msg) = warn_message(tokens[2]) {
        return RenderError::Template(format!("execution error at ({}): {msg}", tokens[1]));
    }
    if compat == Compat::V3 {
        return RenderError::Template(text);
    }
    let mut frames: Vec<Traceable> = Vec::new();
    for link in chain(err) {
        let Some(frame) = parse_traceable(&link) else {
            return RenderError::Template(text);
        };
        if frames.last() != Some(&frame) {
            frames.push(frame);
        }
    }
    let joined: String = frames.iter().map(Traceable::render).collect();
    RenderError::Template(joined.trim().to_owned())
}

/// The texts of Go's `errors.Unwrap` chain of a template error: the
/// `ExecError`, the `fmt` error inside it and, for a failed function call
/// (`error calling X: %w`), the function's error and what it wraps.
fn chain(err: &ExecError) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = err;
    loop {
        let text = current.to_string();
        out.push(text.clone());
        out.push(text);
        let Some(rest) = called_function_error(&current.message) else {
            return out;
        };
        match &current.cause {
            Some(cause) if cause.to_string() == rest => current = cause,
            Some(cause) => {
                // A wrapper between the call and the template error (tpl's
                // `error during tpl function execution for ...: %w`).
                out.push(rest.to_owned());
                current = cause;
            }
            None => {
                out.push(rest.to_owned());
                return out;
            }
        }
    }
}

/// The function's own error text of `error calling NAME: TEXT`.
fn called_function_error(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("error calling ")?;
    rest.split_once(": ").map(|(_, text)| text)
}

/// helm v4's `TraceableError`.
#[derive(Debug, PartialEq)]
struct Traceable {
    location: String,
    message: String,
    executed_function: String,
}

impl Traceable {
    fn render(&self) -> String {
        let mut s = String::new();
        if !self.location.is_empty() {
            s.push_str(&self.location);
            s.push_str("\n  ");
        }
        if !self.executed_function.is_empty() {
            s.push_str(&self.executed_function);
            s.push_str("\n    ");
        }
        if !self.message.is_empty() {
            s.push_str(&self.message);
            s.push('\n');
        }
        s
    }
}

fn cut_chained(msg: &str) -> &str {
    match msg.find(" template:") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// helm v4's `parseTemplateExecErrorString`.
fn parse_traceable(s: &str) -> Option<Traceable> {
    let remainder = s.strip_prefix("template: ")?;
    if remainder.starts_with("no template ") {
        return Some(Traceable {
            location: String::new(),
            message: s.to_owned(),
            executed_function: String::new(),
        });
    }
    if let Some(t) = parse_executing(remainder) {
        return Some(t);
    }
    let sep = remainder.rfind(": ")?;
    Some(Traceable {
        location: remainder[..sep].to_owned(),
        message: cut_chained(&remainder[sep + 2..]).to_owned(),
        executed_function: String::new(),
    })
}

fn parse_executing(remainder: &str) -> Option<Traceable> {
    let (template_name, after) = remainder.split_once(": executing ")?;
    let after = after.strip_prefix('"')?;
    let end = after.find('"')?;
    let function = &after[..end];
    let after_at = after[end + 1..].strip_prefix(" at <")?;
    let (location, msg) = after_at.split_once(">: ")?;
    Some(Traceable {
        location: template_name.to_owned(),
        message: cut_chained(msg).to_owned(),
        executed_function: format!("executing \"{function}\" at <{location}>:"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::gotemplate::error::Location;

    fn exec(file: &str, line: usize, col: usize, node: &str, msg: &str) -> ExecError {
        ExecError {
            template: file.to_owned(),
            location: Some(Location {
                file: file.to_owned(),
                line,
                col,
                node: node.to_owned(),
            }),
            message: msg.to_owned(),
            cause: None,
        }
    }

    // `helm template` of a chart whose templates/a.yaml line 1 is
    // `{{ .Values.a.b }}` (no `a` in values).
    #[test]
    fn nil_pointer_v3_and_v4() {
        let e = exec(
            "c/templates/a.yaml",
            1,
            10,
            ".Values.a.b",
            "nil pointer evaluating interface {}.b",
        );
        assert_eq!(
            exec_error("c/templates/a.yaml", &e, Compat::V3).to_string(),
            "template: c/templates/a.yaml:1:10: executing \"c/templates/a.yaml\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
        );
        assert_eq!(
            exec_error("c/templates/a.yaml", &e, Compat::V4).to_string(),
            "c/templates/a.yaml:1:10\n  executing \"c/templates/a.yaml\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b"
        );
    }

    #[test]
    fn required_and_fail() {
        let e = exec(
            "c/templates/a.yaml",
            2,
            3,
            "required \"x is required\" .Values.x",
            "error calling required: HELM_ERR_STARTx is requiredHELM_ERR_END",
        );
        for compat in [Compat::V3, Compat::V4] {
            assert_eq!(
                exec_error("c/templates/a.yaml", &e, compat).to_string(),
                "execution error at (c/templates/a.yaml:2:3): x is required"
            );
        }
    }

    #[test]
    fn include_chain_v4() {
        let inner = exec(
            "c/templates/_h.tpl",
            1,
            19,
            ".x.y",
            "nil pointer evaluating interface {}.y",
        );
        let mut outer = exec(
            "c/templates/a.yaml",
            1,
            3,
            "include \"h\" .",
            &format!("error calling include: {inner}"),
        );
        outer.cause = Some(Box::new(inner));
        assert_eq!(
            exec_error("c/templates/a.yaml", &outer, Compat::V4).to_string(),
            "c/templates/a.yaml:1:3\n  executing \"c/templates/a.yaml\" at <include \"h\" .>:\n    error calling include:\n\
             c/templates/_h.tpl:1:19\n  executing \"c/templates/_h.tpl\" at <.x.y>:\n    nil pointer evaluating interface {}.y"
        );
        // A function error that is not a template error: Go's text as is.
        let e = exec(
            "c/templates/a.yaml",
            1,
            3,
            "div 1 0",
            "error calling div: runtime error: integer divide by zero",
        );
        assert_eq!(
            exec_error("c/templates/a.yaml", &e, Compat::V4).to_string(),
            e.to_string()
        );
    }

    #[test]
    fn parse_errors() {
        let e = ParseError {
            name: "c/templates/a.yaml".into(),
            line: 3,
            message: "function \"nope\" not defined".into(),
        };
        assert_eq!(
            parse_error("c/templates/a.yaml", &e, Compat::V4).to_string(),
            "parse error at (c/templates/a.yaml:3): function \"nope\" not defined"
        );
        // helm v3 has no mustToYaml: a chart error there, a gap in v4.
        let e = ParseError {
            name: "c/templates/a.yaml".into(),
            line: 1,
            message: "function \"mustToYaml\" not defined".into(),
        };
        assert_eq!(
            parse_error("c/templates/a.yaml", &e, Compat::V3).to_string(),
            "parse error at (c/templates/a.yaml:1): function \"mustToYaml\" not defined"
        );
        assert_eq!(
            parse_error("c/templates/a.yaml", &e, Compat::V4).to_string(),
            "rudder: unsupported: function \"mustToYaml\""
        );
    }
}
