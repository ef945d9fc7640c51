//! Property tests: any input parses or fails without panicking, hostile
//! token soups stay bounded, and well-formed templates round-trip through
//! `Display` (Go's `String()`): parse → print → parse prints the same.

use proptest::prelude::*;

use super::super::func::{Func, Funcs, Signature};
use super::super::set::Templates;
use super::super::value::{Type, Value};

fn funcs() -> Funcs {
    let mut funcs = Funcs::new();
    for name in ["quote", "include", "default"] {
        funcs.insert(Func::new(
            name,
            Signature::variadic(vec![], Type::Interface, Type::Interface),
            |_, _| Ok(Value::Invalid),
        ));
    }
    funcs
}

/// Every tree's `Display`, sorted by name; or the error text.
fn printed(text: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut set = Templates::new("gotpl", funcs());
    set.parse("t", text).map_err(|e| e.to_string())?;
    let mut trees: Vec<(String, String)> = set
        .trees
        .iter()
        .map(|(name, tree)| (name.clone(), tree.root.to_string()))
        .collect();
    trees.sort();
    Ok(trees)
}

/// Operands that need no declarations.
fn operand() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        ".", ".a", ".a.b", "$", "$.a.B", "1", "-2.5", "0x1F", "1e3", "'c'", "\"s\\n\"", "`r a w`",
        "nil", "true", "false", "1_000", "0o17", "\"\"",
    ])
    .prop_map(str::to_string)
}

/// A pipeline: commands joined by `|`; later stages start with a function
/// or a field, as Go requires.
fn pipeline() -> impl Strategy<Value = String> {
    let leaf = operand();
    let expr = leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec![
                    "printf", "len", "and", "or", "not", "index", "eq", "quote"
                ]),
                prop::collection::vec(inner.clone(), 0..3)
            )
                .prop_map(|(f, args)| {
                    let mut s = f.to_string();
                    for a in args {
                        s.push(' ');
                        s.push_str(&a);
                    }
                    s
                }),
            inner.clone().prop_map(|p| format!("({p})")),
            inner.prop_map(|p| format!("({p}).x.y")),
        ]
    });
    (
        expr,
        prop::collection::vec(
            prop::sample::select(vec!["quote", "printf \"%v\"", "len", ".f"]),
            0..3,
        ),
    )
        .prop_map(|(first, stages)| {
            let mut s = first;
            for st in stages {
                s.push_str(" | ");
                s.push_str(st);
            }
            s
        })
}

/// A well-formed template body.
fn body() -> impl Strategy<Value = String> {
    let text = "[a-z \n:]{0,8}";
    let trim_l = prop::sample::select(vec!["{{", "{{- "]);
    let trim_r = prop::sample::select(vec!["}}", " -}}"]);
    let leaf = prop_oneof![
        text.prop_map(|t| t.to_string()),
        (trim_l, prop::bool::ANY, pipeline(), trim_r).prop_map(|(l, decl, p, r)| {
            let decl = if decl { "$v := " } else { "" };
            format!("{l}{decl}{p}{r}")
        }),
        Just("{{/* comment */}}".to_string()),
        Just("{{template \"d\" .}}".to_string()),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        let list = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        prop_oneof![
            (pipeline(), list.clone(), prop::option::of(list.clone())).prop_map(
                |(p, a, b)| match b {
                    Some(b) => format!("{{{{if {p}}}}}{a}{{{{else}}}}{b}{{{{end}}}}"),
                    None => format!("{{{{if {p}}}}}{a}{{{{end}}}}"),
                }
            ),
            (pipeline(), list.clone(), list.clone()).prop_map(|(p, a, b)| format!(
                "{{{{with {p}}}}}{a}{{{{else with .z}}}}{b}{{{{end}}}}"
            )),
            (pipeline(), list.clone()).prop_map(|(p, a)| format!(
                "{{{{range $i, $e := {p}}}}}{{{{$e}}}}{a}{{{{break}}}}{{{{continue}}}}{{{{end}}}}"
            )),
            (pipeline(), list.clone())
                .prop_map(|(p, a)| format!("{{{{if {p}}}}}{a}{{{{else if .q}}}}x{{{{end}}}}")),
            list.prop_map(|a| format!("{{{{block \"blk\" .}}}}{a}{{{{end}}}}")),
        ]
    })
}

const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{- ",
    " -}}",
    "(",
    ")",
    "|",
    "$x",
    "$",
    ":=",
    "=",
    ".a",
    ".",
    "if ",
    "else ",
    "end",
    "range ",
    "with ",
    "define ",
    "block ",
    "template ",
    "\"s\"",
    "`r`",
    "1",
    "'c'",
    " ",
    "\n",
    "/*",
    "*/",
    ",",
    "nil",
    "true",
    "break",
    "continue",
    "quote",
    "-",
    "0x",
    "e5",
    "i",
    "\\",
    "\"",
    "'",
    "`",
    "é",
    "\u{0}",
    "}",
    "{",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Arbitrary bytes never panic.
    #[test]
    fn arbitrary_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = printed(&bytes);
    }

    /// Soups of template tokens never panic, and whatever parses prints
    /// back to something that parses to the same text.
    #[test]
    fn token_soup_does_not_panic(parts in prop::collection::vec(prop::sample::select(TOKENS), 0..64)) {
        let text = parts.concat();
        if let Ok(trees) = printed(text.as_bytes()) {
            for (_, root) in trees {
                if let Ok(again) = printed(root.as_bytes()) {
                    let (_, reprinted) = again.into_iter().find(|(n, _)| n == "t").unwrap_or_default();
                    prop_assert_eq!(&reprinted, &root);
                }
            }
        }
    }

    /// Well-formed templates parse, and each tree's `Display` parses back
    /// to the same `Display`.
    #[test]
    fn well_formed_templates_round_trip(text in body()) {
        // Block names must be distinct within one parse.
        let mut text = text;
        let mut n = 0;
        while let Some(at) = text.find("\"blk\"") {
            text.replace_range(at..at + 5, &format!("\"blk{n}\""));
            n += 1;
        }
        let trees = printed(text.as_bytes());
        prop_assert!(trees.is_ok(), "{:?}: {:?}", text, trees);
        for (name, root) in trees.unwrap_or_default() {
            let again = printed(root.as_bytes());
            prop_assert!(again.is_ok(), "{} {:?} -> {:?}: {:?}", name, text, root, again);
            let again = again.unwrap_or_default();
            let reprinted = again.iter().find(|(n, _)| n == "t").map(|(_, r)| r.clone());
            prop_assert_eq!(reprinted.as_deref(), Some(root.as_str()), "{:?}", text);
        }
    }
}
