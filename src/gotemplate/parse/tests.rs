//! Parser tests against Go: `fixtures/gotemplate/parse/vectors.json` holds
//! Go's own `parse_test.go`/`lex_test.go` inputs and rudder's extra cases,
//! each parsed by Go's `text/template` (see the generator in `gen/`):
//! the error text, or every template's `Root.String()`, emptiness and,
//! node by node, `ErrorContext` line:col and `String()`.

use serde_json::Value as Json;

use super::super::ast::{Arg, ListNode, Node, PipeNode, Tree};
use super::super::func::{Func, Funcs, Signature};
use super::super::set::Templates;
use super::super::value::{Type, Value};
use super::number::{NumberKind, new_number};

const VECTORS: &str = include_str!("../../../fixtures/gotemplate/parse/vectors.json");

/// The non-builtin names the vectors call (the generator's `funcs`).
fn test_funcs() -> Funcs {
    let mut funcs = Funcs::new();
    for name in [
        "contains", "include", "quote", "toYaml", "default", "required",
    ] {
        funcs.insert(Func::new(
            name,
            Signature::variadic(vec![], Type::Interface, Type::Interface),
            |_, _| Ok(Value::Invalid),
        ));
    }
    funcs
}

/// Walks like the generator's `walk`: `(line:col, String())` per node.
struct Walker<'t> {
    tree: &'t Tree,
    out: Vec<(String, String)>,
}

impl Walker<'_> {
    fn emit(&mut self, pos: usize, text: String) {
        let (line, col) = self.tree.location(pos);
        self.out.push((format!("{line}:{col}"), text));
    }

    fn list(&mut self, list: &ListNode) {
        self.emit(list.pos, list.to_string());
        for node in &list.nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        self.emit(node.pos(), node.to_string());
        match node {
            Node::Action(a) => self.pipe(&a.pipe),
            Node::If(b) | Node::Range(b) | Node::With(b) => {
                self.pipe(&b.pipe);
                self.list(&b.list);
                if let Some(e) = &b.else_list {
                    self.list(e);
                }
            }
            Node::Template(t) => {
                if let Some(p) = &t.pipe {
                    self.pipe(p);
                }
            }
            _ => {}
        }
    }

    fn pipe(&mut self, pipe: &PipeNode) {
        self.emit(pipe.pos, pipe.to_string());
        for d in &pipe.decl {
            self.emit(d.pos, d.to_string());
        }
        for c in &pipe.cmds {
            self.emit(c.pos, c.to_string());
            for a in &c.args {
                self.arg(a);
            }
        }
    }

    fn arg(&mut self, arg: &Arg) {
        match arg {
            Arg::Pipe(p) => self.pipe(p),
            Arg::Chain(c) => {
                self.emit(c.pos, c.to_string());
                self.arg(&c.node);
            }
            other => self.emit(other.pos(), other.to_string()),
        }
    }
}

fn nodes_of(tree: &Tree) -> Vec<(String, String)> {
    let mut w = Walker {
        tree,
        out: Vec::new(),
    };
    w.list(&tree.root);
    w.out
}

fn string(v: &Json) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Inputs where rudder knowingly differs: template names are Rust
/// strings, so a name that is not UTF-8 prints with U+FFFD; and Go's
/// `unicode.IsLetter`/`IsDigit` (categories L and Nd) are approximated by
/// Rust's alphabetic/numeric properties, which also admit No (`²`) and Nl
/// (`Ⅷ`) in identifiers.
const KNOWN_DIFFERENCES: &[&str] = &["{{ template \"\\xff\" }}", "{{ x² }}", "{{ Ⅷ }}"];

#[test]
fn go_vectors_parse() {
    let vectors: Json = serde_json::from_str(VECTORS).expect("vectors");
    let cases = vectors["parse"].as_array().expect("parse cases");
    let mut failures = Vec::new();
    for case in cases {
        let name = string(&case["name"]);
        let input = string(&case["input"]);
        if KNOWN_DIFFERENCES.contains(&input.as_str()) {
            continue;
        }
        let mut set = Templates::new("gotpl", test_funcs());
        let result = set.parse("file.tpl", input.as_bytes());
        let want_ok = case["ok"].as_bool().unwrap_or(false);
        match (result, want_ok) {
            (Err(e), false) => {
                if e.to_string() != string(&case["error"]) {
                    failures.push(format!(
                        "{name} {input:?}: error\n  got  {e}\n  want {}",
                        string(&case["error"])
                    ));
                }
            }
            (Err(e), true) => failures.push(format!("{name} {input:?}: unexpected error {e}")),
            (Ok(()), false) => failures.push(format!(
                "{name} {input:?}: parsed, want error {}",
                string(&case["error"])
            )),
            (Ok(()), true) => {
                let trees = case["trees"].as_array().cloned().unwrap_or_default();
                let mut names: Vec<&String> = set.trees.keys().collect();
                names.sort();
                let want_names: Vec<String> = trees.iter().map(|t| string(&t["name"])).collect();
                if names
                    .iter()
                    .map(|s| s.as_str())
                    .ne(want_names.iter().map(String::as_str))
                {
                    failures.push(format!(
                        "{name} {input:?}: trees {names:?}, want {want_names:?}"
                    ));
                    continue;
                }
                for want in &trees {
                    let Some(tree) = set.lookup(&string(&want["name"])) else {
                        continue;
                    };
                    if tree.root.to_string() != string(&want["root"]) {
                        failures.push(format!(
                            "{name} {input:?}: root\n  got  {}\n  want {}",
                            tree.root,
                            string(&want["root"])
                        ));
                    }
                    if tree.root.is_empty_tree() != want["empty"].as_bool().unwrap_or(false) {
                        failures.push(format!("{name} {input:?}: emptiness differs"));
                    }
                    let got = nodes_of(tree);
                    let want_nodes: Vec<(String, String)> = want["nodes"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|n| (string(&n["loc"]), string(&n["text"])))
                                .collect()
                        })
                        .unwrap_or_default();
                    if got != want_nodes {
                        failures.push(format!(
                            "{name} {input:?}: nodes\n  got  {got:?}\n  want {want_nodes:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn go_vectors_numbers() {
    let vectors: Json = serde_json::from_str(VECTORS).expect("vectors");
    let cases = vectors["numbers"].as_array().expect("number cases");
    let mut failures = Vec::new();
    for case in cases {
        let text = string(&case["text"]);
        // Parse through the whole pipeline, as Go's generator did.
        let mut set = Templates::new("gotpl", Funcs::new());
        let result = set.parse("n", format!("{{{{{text}}}}}").as_bytes());
        let want_ok = case["ok"].as_bool().unwrap_or(false);
        let node = match (result, want_ok) {
            (Err(e), false) => {
                let want = string(&case["error"]);
                if e.to_string() != want {
                    failures.push(format!("{text}: error\n  got  {e}\n  want {want}"));
                }
                continue;
            }
            (Err(e), true) => {
                failures.push(format!("{text}: unexpected error {e}"));
                continue;
            }
            (Ok(()), false) => {
                failures.push(format!("{text}: parsed, want {}", string(&case["error"])));
                continue;
            }
            (Ok(()), true) => {
                let tree = set.lookup("n").expect("tree");
                match tree.root.nodes.first() {
                    Some(Node::Action(a)) => match a.pipe.cmds[0].args.first() {
                        Some(Arg::Number(n)) => n.clone(),
                        other => panic!("{text}: not a number: {other:?}"),
                    },
                    other => panic!("{text}: not an action: {other:?}"),
                }
            }
        };
        let got = (
            node.is_int,
            node.is_uint,
            node.is_float,
            node.is_complex,
            if node.is_int { node.int64 } else { 0 },
            if node.is_uint { node.uint64 } else { 0 },
            if node.is_float {
                node.float64.to_bits()
            } else {
                0
            },
        );
        let want = (
            case["is_int"].as_bool().unwrap_or(false),
            case["is_uint"].as_bool().unwrap_or(false),
            case["is_float"].as_bool().unwrap_or(false),
            case["is_complex"].as_bool().unwrap_or(false),
            case["int64"].as_i64().unwrap_or(0),
            case["uint64"].as_u64().unwrap_or(0),
            case["float64_bits"].as_u64().unwrap_or(0),
        );
        if got != want {
            failures.push(format!("{text}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} numbers differ from Go:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn char_constant_is_every_kind() {
    let n = new_number(0, "'a'", NumberKind::Char).expect("char");
    assert!(n.is_int && n.is_uint && n.is_float);
    assert_eq!(n.int64, 97);
}

/// Hostile nesting ends with an error, in bounded time and stack: 100k
/// open parens, and deeply nested control structures. Run on a thread with
/// a known stack (tests otherwise get 2 MB; debug frames are large).
#[test]
fn deep_nesting_errors_out() {
    let run = |text: String| {
        std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn(move || {
                let mut set = Templates::new("gotpl", Funcs::new());
                set.parse("deep", text.as_bytes())
                    .map_err(|e| e.to_string())
            })
            .expect("spawn")
            .join()
            .expect("no overflow")
    };
    let start = std::time::Instant::now();
    assert_eq!(
        run(format!("{{{{{}", "(".repeat(100_000))),
        Err("template: deep:1: max expression depth exceeded".to_string())
    );
    assert_eq!(
        run(format!(
            "{{{{{}1{}}}}}",
            "(".repeat(1_001),
            ")".repeat(1_001)
        )),
        Err("template: deep:1: max expression depth exceeded".to_string())
    );
    assert!(run(format!("{{{{{}1{}}}}}", "(".repeat(999), ")".repeat(999))).is_ok());
    for open in ["{{if 1}}", "{{range .}}", "{{with .}}", "{{block \"b\" .}}"] {
        let err = run(open.repeat(100_000)).expect_err("too deep");
        assert!(err.ends_with("max expression depth exceeded"), "{err}");
        let ok = format!("{}{}", open.repeat(450), "{{end}}".repeat(450));
        let ok = if open.starts_with("{{block") {
            // Each block defines a template: give them distinct names.
            (0..450)
                .map(|i| format!("{{{{block \"b{i}\" .}}}}"))
                .collect::<String>()
                + &"{{end}}".repeat(450)
        } else {
            ok
        };
        assert!(run(ok).is_ok(), "{open}");
    }
    let chain = format!("{{{{if 1}}}}{}{{{{end}}}}", "{{else if 1}}".repeat(100_000));
    assert!(run(chain).is_err());
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
}

/// Files parsed in order into one set (Helm's way): later definitions
/// replace earlier ones, empty ones never replace, duplicates within one
/// parse fail.
#[test]
fn go_vectors_sets() {
    let vectors: Json = serde_json::from_str(VECTORS).expect("vectors");
    let cases = vectors["sets"].as_array().expect("set cases");
    let mut failures = Vec::new();
    for case in cases {
        let files = case["files"].as_array().cloned().unwrap_or_default();
        let mut set = Templates::new("gotpl", test_funcs());
        let mut error = None;
        for f in &files {
            if let Err(e) = set.parse(&string(&f["name"]), string(&f["text"]).as_bytes()) {
                error = Some(e.to_string());
                break;
            }
        }
        let label = format!("{files:?}");
        match (error, case["ok"].as_bool().unwrap_or(false)) {
            (Some(e), false) if e == string(&case["error"]) => {}
            (None, true) => {
                let mut got: Vec<(String, String)> = set
                    .trees
                    .iter()
                    .map(|(k, t)| (k.clone(), t.root.to_string()))
                    .collect();
                got.sort();
                let mut want: Vec<(String, String)> = case["templates"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), string(v))).collect())
                    .unwrap_or_default();
                want.sort();
                if got != want {
                    failures.push(format!("{label}: got {got:?}, want {want:?}"));
                }
            }
            (got, _) => failures.push(format!(
                "{label}: got error {got:?}, want {:?}",
                case["error"]
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
