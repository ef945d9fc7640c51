//! YAML read the way helm reads it: `sigs.k8s.io/yaml.Unmarshal`, which
//! decodes with go-yaml v2 (YAML 1.1 implicit typing), turns the result
//! into JSON and decodes that JSON with `encoding/json`.
//!
//! The consequences helm users meet every day follow from that pipeline:
//! `yes`/`on`/`y` are booleans (keys included, which then become the key
//! `"true"`), `0755` is octal, every number ends up a `float64`, timestamps
//! stay strings, `.inf` makes the whole file fail because JSON cannot hold
//! it, and non-string keys are stringified.
//!
//! Parsing uses granit-parser's event stream (the parser serde-saphyr is
//! built on); the typing, anchors, merge keys and key conversion are done
//! here, and parse errors are translated into libyaml's message texts and
//! go-yaml v2's line numbering.

use std::collections::BTreeMap;

use granit_parser::{ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, StructureStyle};

use super::float::format_g;
use super::value::GoValue;
use crate::output::yaml_resolve::{Resolved, resolve_plain};

/// A YAML document helm would reject, with Go's error text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    message: String,
}

impl YamlError {
    fn new(message: impl Into<String>) -> Self {
        YamlError {
            message: message.into(),
        }
    }

    /// `error converting YAML to JSON: <detail>`, sigs.k8s.io/yaml's wrapper
    /// for everything go-yaml or the JSON conversion rejects.
    fn converting(detail: impl std::fmt::Display) -> Self {
        YamlError::new(format!("error converting YAML to JSON: {detail}"))
    }

    /// The whole message, exactly as Go's `err.Error()` prints it.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error under a prefix, as helm's `fmt.Errorf("…: %w")`.
    pub fn context(self, prefix: &str) -> Self {
        YamlError::new(format!("{prefix}: {}", self.message))
    }
}

/// What `sigs.k8s.io/yaml.Unmarshal(data, &v)` gives for `v interface{}`:
/// the first YAML document, typed by go-yaml v2 and passed through JSON
/// (so every number is a [`GoValue::Float`]). An empty document is `null`.
pub fn from_slice(data: &[u8]) -> Result<GoValue, YamlError> {
    let text = decode_text(data)?;
    let parse = |text: &str| match super::yaml_breaks::normalize(text) {
        Some(normalized) => parse_first_document(&normalized, Some(text)),
        None => parse_first_document(text, None),
    };
    let node = match parse(&text) {
        // granit's indentation check on quoted scalars, which libyaml
        // does not make (see `yaml_quoted`): read again without it.
        Err(e) if e.message.ends_with("found unexpected end of stream") => {
            match super::yaml_quoted::indent_continuations(&text) {
                Some(indented) => parse(&indented)?,
                None => return Err(e),
            }
        }
        other => other?,
    };
    match node {
        None => Ok(GoValue::Null),
        Some(node) => to_json_value(&node),
    }
}

/// What `sigs.k8s.io/yaml.Unmarshal(data, &m)` gives for
/// `m map[string]interface{}` (helm v3's `ReadValues` and chart
/// `values.yaml`): the first document, which must be a mapping or empty
/// (an empty or `null` document gives an empty map).
pub fn from_slice_map(data: &[u8]) -> Result<BTreeMap<String, GoValue>, YamlError> {
    into_map(from_slice(data)?)
}

/// helm v4's `LoadValues`: every YAML document of `data` (split on `---`
/// lines as apimachinery's `YAMLReader` does) read into a map and
/// deep-merged over the previous ones, later documents winning.
pub fn from_slice_documents(data: &[u8]) -> Result<BTreeMap<String, GoValue>, YamlError> {
    let mut values = BTreeMap::new();
    for doc in split_documents(data)
        .map_err(|e| YamlError::new(format!("error reading yaml document: {}", e.message)))?
    {
        let map = from_slice_map(doc).map_err(|e| e.context("cannot unmarshal yaml document"))?;
        values = merge_maps(values, map);
    }
    Ok(values)
}

/// helm v4's `MergeMaps`: `b` over `a`, maps merged recursively, every
/// other value of `b` replacing `a`'s.
pub fn merge_maps(
    mut a: BTreeMap<String, GoValue>,
    b: BTreeMap<String, GoValue>,
) -> BTreeMap<String, GoValue> {
    for (k, v) in b {
        match (a.remove(&k), v) {
            (Some(GoValue::Map(old)), GoValue::Map(new)) => {
                a.insert(k, GoValue::Map(merge_maps(old, new)));
            }
            (_, v) => {
                a.insert(k, v);
            }
        }
    }
    a
}

/// `encoding/json`'s verdict on a decoded value that must land in a
/// `map[string]interface{}`.
fn into_map(value: GoValue) -> Result<BTreeMap<String, GoValue>, YamlError> {
    let kind = match value {
        GoValue::Map(m) => return Ok(m),
        GoValue::Null => return Ok(BTreeMap::new()),
        GoValue::Array(_) => "array",
        GoValue::String(_) => "string",
        GoValue::Bool(_) => "bool",
        GoValue::Int(_) | GoValue::Float(_) => "number",
        GoValue::Struct(_) => "object",
    };
    Err(YamlError::new(format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {kind} into Go value of type map[string]interface {{}}"
    )))
}

/// apimachinery's `YAMLReader.Read` loop: documents are separated by lines
/// starting with `---`, which may only be followed by blanks or a comment;
/// empty chunks before a separator are skipped.
fn split_documents(data: &[u8]) -> Result<Vec<&[u8]>, YamlError> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < data.len() {
        let end = memchr::memchr(b'\n', &data[pos..]).map_or(data.len(), |i| pos + i + 1);
        let line = &data[pos..end];
        if let Some(rest) = line.strip_prefix(b"---") {
            let trimmed = String::from_utf8_lossy(rest);
            let trimmed = trimmed.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(YamlError::new(format!(
                    "invalid Yaml document separator: {trimmed}"
                )));
            }
            if pos > start {
                docs.push(&data[start..pos]);
            }
            start = end;
        }
        pos = end;
    }
    if data.len() > start {
        docs.push(&data[start..]);
    }
    Ok(docs)
}

fn decode_text(data: &[u8]) -> Result<String, YamlError> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    match std::str::from_utf8(data) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => Err(YamlError::converting("yaml: invalid leading UTF-8 octet")),
    }
}

/// A parsed YAML node before typing. Scalars keep their style and tag,
/// because only untagged plain scalars are implicitly typed.
#[derive(Debug, Clone)]
enum Node {
    Scalar {
        value: String,
        plain: bool,
        tag: Option<String>,
    },
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

/// Builds the first document's node tree from parser events, resolving
/// aliases (go-yaml v2 resolves them to the anchored node). `original` is
/// the text before NEL/LS/PS became LF (see [`super::yaml_breaks`]).
fn parse_first_document(text: &str, original: Option<&str>) -> Result<Option<Node>, YamlError> {
    let original = original.map(|o| (o, super::yaml_breaks::char_offsets(o)));
    let mut options = Options::default();
    options.emit_unresolved_aliases = true;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut anchors: BTreeMap<usize, Node> = BTreeMap::new();
    // Open collections: the node being built and its anchor id.
    let mut stack: Vec<(Node, usize)> = Vec::new();
    // Parallel to `stack`: the mapping's style (None for a sequence).
    let mut map_styles: Vec<Option<StructureStyle>> = Vec::new();
    let mut root: Option<Node> = None;
    let mut in_document = false;
    loop {
        let Some(item) = parser.next() else {
            return Ok(root);
        };
        let (event, span) = item.map_err(|e| scan_error(&e, text))?;
        let finished = match event {
            Event::StreamStart => continue,
            Event::StreamEnd => return Ok(root),
            Event::DocumentStart(..) => {
                in_document = true;
                continue;
            }
            Event::DocumentEnd => {
                if in_document {
                    return Ok(root);
                }
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => node.clone(),
                None => return Err(YamlError::converting("yaml: unknown anchor referenced")),
            },
            Event::UnresolvedAlias(name) => {
                return Err(YamlError::converting(format!(
                    "yaml: unknown anchor '{name}' referenced"
                )));
            }
            Event::Scalar(value, style, anchor, tag) => {
                let mut value = value.into_owned();
                if let Some((orig, offsets)) = &original
                    && let (Some(&a), Some(&b)) = (
                        offsets.get(span.start.index()),
                        offsets.get(span.end.index()),
                    )
                    && let Some(v) = super::yaml_breaks::refold(orig, a, b, style)
                {
                    value = v;
                }
                let node = Node::Scalar {
                    value,
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| tag_name(&t)),
                };
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::SequenceStart(_, anchor, _) => {
                stack.push((Node::Sequence(Vec::new()), anchor));
                map_styles.push(None);
                continue;
            }
            Event::MappingStart(style, anchor, _) => {
                stack.push((Node::Mapping(Vec::new()), anchor));
                map_styles.push(Some(style));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some((node, anchor)) = stack.pop() else {
                    continue;
                };
                map_styles.pop();
                if let Node::Mapping(pairs) = &node
                    && pairs.last().is_some_and(|(_, v)| is_pending(v))
                {
                    return Err(YamlError::converting("yaml: odd mapping"));
                }
                if anchor != 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => root = Some(finished),
            Some((Node::Sequence(items), _)) => items.push(finished),
            Some((Node::Mapping(pairs), _)) => {
                // Keys and values alternate; a pending pair holds a
                // placeholder value until the value event arrives.
                match pairs.last_mut() {
                    Some((_, v)) if is_pending(v) => *v = finished,
                    _ => {
                        if let Some(Some(style)) = map_styles.last()
                            && implicit_empty_key(&finished, span.start.index(), text)
                        {
                            // libyaml wants a key (or `?`) before `:`.
                            let line0 = span.start.line().saturating_sub(1);
                            let msg = if *style == StructureStyle::Block {
                                "did not find expected key"
                            } else {
                                "did not find expected node content"
                            };
                            return Err(with_line(Stage::Parser, line0, msg));
                        }
                        pairs.push((finished, pending()))
                    }
                }
            }
            Some((Node::Scalar { .. }, _)) => {}
        }
    }
}

/// Whether a mapping key is the empty node granit makes up for a `:`
/// with no key before it (and no explicit `?` key indicator).
fn implicit_empty_key(key: &Node, at: usize, text: &str) -> bool {
    let Node::Scalar {
        value,
        plain: true,
        tag: None,
    } = key
    else {
        return false;
    };
    if value != "~" {
        return false;
    }
    let Some((byte, ':')) = text.char_indices().nth(at) else {
        return false;
    };
    !text[..byte].trim_end().ends_with('?')
}

/// A placeholder for a mapping value not read yet.
fn pending() -> Node {
    Node::Scalar {
        value: String::new(),
        plain: false,
        tag: Some("\u{0}pending".to_owned()),
    }
}

fn is_pending(node: &Node) -> bool {
    matches!(node, Node::Scalar { tag: Some(t), .. } if t == "\u{0}pending")
}

/// A tag in go-yaml's short form (`!!str` for the core schema).
fn tag_name(tag: &granit_parser::Tag) -> String {
    match tag.core_suffix() {
        Some(suffix) => format!("!!{suffix}"),
        None => tag.original(),
    }
}

/// go-yaml v2's typing of one node into a Go value, then the JSON round
/// trip of sigs.k8s.io/yaml.
fn to_json_value(node: &Node) -> Result<GoValue, YamlError> {
    match node {
        Node::Scalar { .. } => scalar_value(node),
        Node::Sequence(items) => Ok(GoValue::Array(
            items.iter().map(to_json_value).collect::<Result<_, _>>()?,
        )),
        Node::Mapping(pairs) => {
            let mut map = BTreeMap::new();
            fill_mapping(pairs, &mut map)?;
            Ok(GoValue::Map(map))
        }
    }
}

/// go-yaml v2's `mapping` into a map: pairs in order, a later key
/// overwriting an earlier one, `<<` merging the referenced maps in place.
fn fill_mapping(
    pairs: &[(Node, Node)],
    map: &mut BTreeMap<String, GoValue>,
) -> Result<(), YamlError> {
    for (key, value) in pairs {
        if is_merge_key(key) {
            merge_into(value, map)?;
            continue;
        }
        let key = json_key(key, value)?;
        map.insert(key, to_json_value(value)?);
    }
    Ok(())
}

fn is_merge_key(node: &Node) -> bool {
    match node {
        Node::Scalar { value, plain, tag } => {
            value == "<<" && (*plain && tag.is_none() || tag.as_deref() == Some("!!merge"))
        }
        _ => false,
    }
}

/// go-yaml v2's `merge`: a map, or a sequence of maps applied from last to
/// first so that earlier ones take precedence.
fn merge_into(node: &Node, map: &mut BTreeMap<String, GoValue>) -> Result<(), YamlError> {
    let want_map =
        || YamlError::converting("yaml: map merge requires map or sequence of maps as the value");
    match node {
        Node::Mapping(pairs) => fill_mapping(pairs, map),
        Node::Sequence(items) => {
            for item in items.iter().rev() {
                match item {
                    Node::Mapping(pairs) => fill_mapping(pairs, map)?,
                    _ => return Err(want_map()),
                }
            }
            Ok(())
        }
        Node::Scalar { .. } => Err(want_map()),
    }
}

/// A Go value as go-yaml v2 decodes a scalar into `interface{}`, before
/// the JSON step.
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
}

fn resolve_scalar(node: &Node) -> Result<Scalar, YamlError> {
    let Node::Scalar { value, plain, tag } = node else {
        return Ok(Scalar::Null);
    };
    match tag.as_deref() {
        None if *plain => Ok(from_resolved(resolve_plain(value), value)),
        None => Ok(Scalar::Str(value.clone())),
        Some("!!str") => Ok(Scalar::Str(value.clone())),
        Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null")) => {
            let resolved = from_resolved(resolve_plain(value), value);
            let ok = matches!(
                (t, &resolved),
                ("!!int", Scalar::Int(_) | Scalar::Uint(_))
                    | (
                        "!!float",
                        Scalar::Float(_) | Scalar::Int(_) | Scalar::Uint(_)
                    )
                    | ("!!bool", Scalar::Bool(_))
                    | ("!!null", Scalar::Null)
            );
            if ok {
                Ok(match (t, resolved) {
                    ("!!float", Scalar::Int(i)) => Scalar::Float(i as f64),
                    ("!!float", Scalar::Uint(u)) => Scalar::Float(u as f64),
                    (_, r) => r,
                })
            } else {
                Err(YamlError::converting(format!(
                    "yaml: cannot decode !!str `{value}` as a {t}"
                )))
            }
        }
        // Other tags (custom ones, !!binary, !!timestamp) decode to the text.
        Some(_) => Ok(Scalar::Str(value.clone())),
    }
}

fn from_resolved(resolved: Resolved, text: &str) -> Scalar {
    match resolved {
        Resolved::Null => Scalar::Null,
        Resolved::Bool(b) => Scalar::Bool(b),
        Resolved::Int(i) => Scalar::Int(i),
        Resolved::Uint(u) => Scalar::Uint(u),
        Resolved::Float(f) => Scalar::Float(f),
        // Timestamps stay the original text when decoded into interface{}.
        Resolved::Timestamp | Resolved::Str | Resolved::Merge => Scalar::Str(text.to_owned()),
    }
}

/// The JSON step for a scalar value: numbers become float64 (an integer's
/// decimal text parsed back rounds to nearest, as `i as f64` does), and
/// non-finite floats are rejected by `json.Marshal`.
fn scalar_value(node: &Node) -> Result<GoValue, YamlError> {
    Ok(match resolve_scalar(node)? {
        Scalar::Null => GoValue::Null,
        Scalar::Bool(b) => GoValue::Bool(b),
        Scalar::Int(i) => GoValue::Float(i as f64),
        Scalar::Uint(u) => GoValue::Float(u as f64),
        Scalar::Float(f) if f.is_finite() => GoValue::Float(f),
        Scalar::Float(f) => {
            return Err(YamlError::converting(format!(
                "json: unsupported value: {}",
                format_g(f)
            )));
        }
        Scalar::Str(s) => GoValue::String(s),
    })
}

/// sigs.k8s.io/yaml's key conversion: strings as they are, integers in
/// decimal, floats in float32 `'g'` form, booleans as `true`/`false`;
/// a null key is an error naming the value.
fn json_key(key: &Node, value: &Node) -> Result<String, YamlError> {
    match key {
        Node::Scalar { .. } => match resolve_scalar(key)? {
            Scalar::Str(s) => Ok(s),
            Scalar::Int(i) => Ok(i.to_string()),
            Scalar::Uint(u) => Ok(u.to_string()),
            Scalar::Float(f) => Ok(format_g32(f)),
            Scalar::Bool(b) => Ok(b.to_string()),
            Scalar::Null => Err(YamlError::converting(format!(
                "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                go_sharp_v(value)
            ))),
        },
        other => Err(YamlError::converting(format!(
            "yaml: invalid map key: {}",
            go_sharp_v(other)
        ))),
    }
}

/// `%+#v` of a decoded scalar (enough for the error texts that print one).
fn go_sharp_v(node: &Node) -> String {
    match node {
        Node::Scalar { .. } => match resolve_scalar(node) {
            Ok(Scalar::Null) => "<nil>".to_owned(),
            Ok(Scalar::Bool(b)) => b.to_string(),
            Ok(Scalar::Int(i)) => i.to_string(),
            Ok(Scalar::Uint(u)) => format!("0x{u:x}"),
            Ok(Scalar::Float(f)) => format_g(f),
            Ok(Scalar::Str(s)) | Err(YamlError { message: s }) => format!("{s:?}"),
        },
        Node::Sequence(items) => {
            let parts: Vec<String> = items.iter().map(go_sharp_v_elem).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        Node::Mapping(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", go_sharp_v_elem(k), go_sharp_v_elem(v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
    }
}

/// `%#v` of a value inside an `interface{}` container, where a nil is
/// `interface {}(nil)`.
fn go_sharp_v_elem(node: &Node) -> String {
    match node {
        Node::Scalar { .. } if matches!(resolve_scalar(node), Ok(Scalar::Null)) => {
            "interface {}(nil)".to_owned()
        }
        other => go_sharp_v(other),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that read
/// back as the same float32, laid out as Go's `'g'`.
fn format_g32(f: f64) -> String {
    let f32v = f as f32;
    if f32v.is_nan() {
        return "NaN".to_owned();
    }
    if f32v.is_infinite() {
        return if f32v > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    // Rust's `{:e}` on f32 gives the shortest round-tripping digits.
    let e = format!("{f32v:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        format!("{sign}0.{zeros}{digits}")
    } else {
        let point = (exp + 1) as usize;
        if digits.len() <= point {
            format!("{sign}{digits}{}", "0".repeat(point - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..point], &digits[point..])
        }
    }
}

/// Whether libyaml reports this failure from its scanner (line numbers
/// one-based) or its parser (go-yaml v2 prints those zero-based).
enum Stage {
    Scanner,
    Parser,
}

/// Where libyaml's scanner stands when the input ends: the zero-based line
/// of the end of the stream.
fn eof_line0(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// The zero-based line of libyaml's STREAM-END token: the scanner forces a
/// line break first when the last line is not terminated.
fn stream_end_line0(text: &str) -> usize {
    eof_line0(text) + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// The last character before the end that is neither blank nor part of a
/// comment-free line end, to tell which token libyaml was waiting for when
/// a flow collection is left open.
fn last_significant(text: &str) -> Option<char> {
    text.chars().rev().find(|c| !c.is_whitespace())
}

/// A granit-parser error as go-yaml v2 words it: libyaml's problem text,
/// preceded by `line N: ` unless the problem sits on the first line.
/// Where granit stops earlier than libyaml (open quotes and flow
/// collections, which libyaml only notices at the end of the stream), the
/// position is taken from the end of the input instead.
fn scan_error(err: &ScanError, text: &str) -> YamlError {
    use Stage::{Parser as P, Scanner as S};
    // Zero-based line of granit's marker.
    let mut line0 = err.marker().line().saturating_sub(1);
    let (stage, text_msg): (Stage, &str) = match err.kind() {
        ErrorKind::ExpectedBlockMappingKey | ErrorKind::MisplacedFlowCollectionEnd => {
            (P, "did not find expected key")
        }
        // libyaml wants the innermost open collection closed first.
        ErrorKind::MismatchedFlowCollectionEnd { open, .. } => {
            if *open == '{' {
                (P, "did not find expected ',' or '}'")
            } else {
                (P, "did not find expected ',' or ']'")
            }
        }
        ErrorKind::ExpectedDocumentStart => (P, "did not find expected <document start>"),
        ErrorKind::TabAtBlockScalarStart => {
            // libyaml stops at the tab; granit reports the block header.
            line0 = tab_line0(err, text).unwrap_or(line0);
            (
                S,
                "found a tab character where an indentation space is expected",
            )
        }
        ErrorKind::InvalidQuotedScalarHexEscape | ErrorKind::InvalidLowSurrogateHexEscape => {
            // libyaml's own spelling.
            (S, "did not find expected hexdecimal number")
        }
        ErrorKind::ExpectedFlowMappingSeparator => (P, "did not find expected ',' or '}'"),
        ErrorKind::ExpectedFlowSequenceSeparator => (P, "did not find expected ',' or ']'"),
        ErrorKind::UnexpectedEofFlowMapping
        | ErrorKind::UnexpectedEofFlowSequence
        | ErrorKind::UnexpectedEofImplicitFlowMapping
        | ErrorKind::UnclosedFlowCollection { .. } => {
            line0 = stream_end_line0(text);
            let mapping = match err.kind() {
                ErrorKind::UnclosedFlowCollection { open } => *open == '{',
                ErrorKind::UnexpectedEofFlowMapping => true,
                _ => false,
            };
            match last_significant(text) {
                Some('[' | '{' | ',' | ':') => (P, "did not find expected node content"),
                _ if mapping => (P, "did not find expected ',' or '}'"),
                _ => (P, "did not find expected ',' or ']'"),
            }
        }
        ErrorKind::ExpectedNodeContent => (P, "did not find expected node content"),
        ErrorKind::ExpectedBlockSequenceEntry => (P, "did not find expected '-' indicator"),
        ErrorKind::MappingValueNotAllowed
        | ErrorKind::InvalidMappingValueWhitespace
        | ErrorKind::InvalidColonPlacement => {
            match open_flow_collection(text, err.marker().index()) {
                // Inside a flow collection libyaml takes the `:` (or the key
                // before it) as the next token and its parser wants `,` or the
                // closing bracket of the innermost open collection there.
                Some('{') => (P, "did not find expected ',' or '}'"),
                Some(_) => (P, "did not find expected ',' or ']'"),
                None => (S, "mapping values are not allowed in this context"),
            }
        }
        ErrorKind::SimpleKeyExpected => {
            // libyaml notices at the next line, where the key stops being
            // a possible simple key.
            line0 += 1;
            (S, "could not find expected ':'")
        }
        ErrorKind::UnclosedQuotedScalar
        | ErrorKind::InvalidQuotedScalarIndent
        | ErrorKind::InvalidFlowScalarIndent => {
            // libyaml does not check a quoted scalar's indentation: it reads
            // on to the end of the stream looking for the closing quote.
            line0 = eof_line0(text);
            (S, "found unexpected end of stream")
        }
        ErrorKind::BlockSequenceEntryNotAllowed => {
            (S, "block sequence entries are not allowed in this context")
        }
        ErrorKind::UnexpectedCharacter { .. }
        | ErrorKind::TabNotAllowed
        | ErrorKind::TabInIndentation
        | ErrorKind::TabInBlockIndentation => (S, "found character that cannot start any token"),
        ErrorKind::TabInPlainScalar => {
            // libyaml stops at the tab itself; granit reports the scalar.
            line0 = tab_line0(err, text).unwrap_or(line0);
            (S, "found a tab character that violates indentation")
        }
        ErrorKind::UnknownQuotedScalarEscape => (S, "found unknown escape character"),
        other => {
            let msg = other.to_string();
            return with_line(S, line0, &msg);
        }
    };
    with_line(stage, line0, text_msg)
}

/// The innermost flow collection (`[` or `{`) still open at the character
/// index `at`, skipping quoted scalars and comments; `None` in block
/// context. Brackets count only where they can start a token, not inside
/// plain scalars of block context (`a: x[1`).
fn open_flow_collection(text: &str, at: usize) -> Option<char> {
    let mut stack = Vec::new();
    let mut prev = '\n';
    let mut chars = text.chars().take(at).peekable();
    while let Some(c) = chars.next() {
        let token_start = prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-' | '?');
        match c {
            '[' | '{' if token_start || !stack.is_empty() => stack.push(c),
            ']' | '}' if !stack.is_empty() => {
                stack.pop();
            }
            '#' if prev.is_whitespace() => while chars.next_if(|&n| n != '\n').is_some() {},
            '"' | '\'' if token_start => {
                while let Some(n) = chars.next() {
                    if n == '\\' && c == '"' {
                        chars.next();
                    } else if n == c {
                        if c == '\'' && chars.next_if_eq(&'\'').is_some() {
                            continue;
                        }
                        break;
                    }
                }
            }
            _ => {}
        }
        prev = c;
    }
    stack.last().copied()
}

/// The zero-based line of the first tab at or after granit's marker.
fn tab_line0(err: &ScanError, text: &str) -> Option<usize> {
    let from: usize = text
        .char_indices()
        .nth(err.marker().index())
        .map_or(text.len(), |(i, _)| i);
    text[from..]
        .find('\t')
        .map(|tab| eof_line0(&text[..from + tab]))
}

/// go-yaml v2's `parser.fail` numbering: scanner problems are printed
/// one-based, parser problems zero-based, and a problem on the first line
/// (zero) gets no `line N: ` at all.
fn with_line(stage: Stage, line0: usize, msg: &str) -> YamlError {
    let shown = match stage {
        _ if line0 == 0 => None,
        Stage::Scanner => Some(line0 + 1),
        Stage::Parser => Some(line0),
    };
    match shown {
        Some(n) => YamlError::converting(format!("yaml: line {n}: {msg}")),
        None => YamlError::converting(format!("yaml: {msg}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, GoValue)]) -> GoValue {
        GoValue::Map(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn parse(s: &str) -> GoValue {
        from_slice(s.as_bytes()).unwrap_or_else(|e| GoValue::String(format!("ERR {e}")))
    }

    fn err(s: &str) -> String {
        match from_slice(s.as_bytes()) {
            Ok(v) => format!("OK {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn yaml11_typing_of_values_and_keys() {
        let v = parse(
            "on: 1\n1.5: x\n2: y\nyes: [0755, 08, 0o17, 0b101, 0x1F, +12, 1_000, .5, 1E3, 1:20, \
             2001-12-14, 0o8, 12e, 12345678901234567890, ~, tRUE, \"2\", -0, 1e1000]\n",
        );
        let f = GoValue::Float;
        let s = GoValue::string;
        assert_eq!(
            v,
            map(&[
                ("1.5", s("x")),
                ("2", GoValue::Bool(true)),
                (
                    "true",
                    GoValue::Array(vec![
                        f(493.0),
                        f(8.0),
                        f(15.0),
                        f(5.0),
                        f(31.0),
                        f(12.0),
                        f(1000.0),
                        f(0.5),
                        f(1000.0),
                        s("1:20"),
                        s("2001-12-14"),
                        s("0o8"),
                        s("12e"),
                        f(12345678901234567890.0),
                        GoValue::Null,
                        s("tRUE"),
                        s("2"),
                        f(0.0),
                        s("1e1000"),
                    ])
                ),
            ])
        );
    }

    #[test]
    fn anchors_merge_keys_and_duplicates() {
        let v = parse("m: &m {x: 1, z: 3}\np: {z: 0, <<: *m, w: 2}\na: 1\na: 2\n");
        assert_eq!(
            v,
            map(&[
                ("a", GoValue::Float(2.0)),
                (
                    "m",
                    map(&[("x", GoValue::Float(1.0)), ("z", GoValue::Float(3.0))])
                ),
                (
                    "p",
                    map(&[
                        ("w", GoValue::Float(2.0)),
                        ("x", GoValue::Float(1.0)),
                        ("z", GoValue::Float(3.0))
                    ])
                ),
            ])
        );
    }

    #[test]
    fn go_error_texts() {
        assert_eq!(
            err("a: .inf\n"),
            "error converting YAML to JSON: json: unsupported value: +Inf"
        );
        assert_eq!(
            err("a: *x\n"),
            "error converting YAML to JSON: yaml: unknown anchor 'x' referenced"
        );
        assert_eq!(
            err("a: ["),
            "error converting YAML to JSON: yaml: line 1: did not find expected node content"
        );
        assert_eq!(
            err(": :"),
            "error converting YAML to JSON: yaml: did not find expected key"
        );
        assert_eq!(
            err("a:\n  : x\n"),
            "error converting YAML to JSON: yaml: line 1: did not find expected key"
        );
        assert_eq!(
            err("{: x}"),
            "error converting YAML to JSON: yaml: did not find expected node content"
        );
        assert_eq!(
            err("~: 1\n"),
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: 1"
        );
        assert_eq!(
            from_slice_map(b"- 1\n").map_err(|e| e.to_string()),
            Err("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}".to_owned())
        );
    }

    #[test]
    fn float32_keys() {
        assert_eq!(format_g32(1.5), "1.5");
        assert_eq!(format_g32(0.1), "0.1");
        assert_eq!(format_g32(1e20), "1e+20");
        assert_eq!(format_g32(123456.0), "123456");
        assert_eq!(format_g32(1234567.0), "1.234567e+06");
        assert_eq!(format_g32(0.0001), "0.0001");
        assert_eq!(format_g32(0.00001), "1e-05");
    }

    #[test]
    fn documents_merge_for_v4() {
        let m = from_slice_documents(b"a: {x: 1}\nb: 1\n---\na: {w: 2}\n--- # c\nb: 3\n");
        assert_eq!(
            m.map(GoValue::Map),
            Ok(map(&[
                (
                    "a",
                    map(&[("w", GoValue::Float(2.0)), ("x", GoValue::Float(1.0))])
                ),
                ("b", GoValue::Float(3.0)),
            ]))
        );
        // v3 (and `from_slice`) read the first document only.
        assert_eq!(
            parse("a: 1\n---\na: 2\n"),
            map(&[("a", GoValue::Float(1.0))])
        );
    }
}
