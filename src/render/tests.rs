//! End-to-end renders of the charts in `testdata/charts/`, compared with
//! what real helm printed for them (see `testdata/README.md`).
//!
//! Every template of those charts writes only YAML comment lines, so helm's
//! manifest assembly keeps each file as one kind-less document in file
//! order; [`assemble`] redoes that much, per helm version.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use super::{Capabilities, ReleaseInfo, RenderOptions, on_big_stack, render};
use crate::chart::model::Values;
use crate::compat::Compat;
use crate::sprig::Env;

/// Loads `testdata/charts/<name>`, processes dependencies, coalesces
/// `user` values and renders as `helm template rel ./<name> -n ns1`.
pub(super) fn render_chart(
    name: &str,
    user: Values,
    compat: Compat,
) -> Result<BTreeMap<String, String>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/render/testdata/charts")
        .join(name);
    on_big_stack(move || {
        let mut chart = crate::chart::load::load_dir_as(&dir, compat).map_err(|e| e.to_string())?;
        crate::values::process_dependencies(&mut chart, &user, compat)
            .map_err(|e| e.to_string())?;
        let values =
            crate::values::coalesce_values(&chart, &user, compat).map_err(|e| e.to_string())?;
        let options = RenderOptions {
            compat,
            release: ReleaseInfo {
                name: "rel".into(),
                namespace: "ns1".into(),
                revision: 1,
                is_install: true,
                is_upgrade: false,
            },
            capabilities: Capabilities::defaults(compat),
            strict: false,
            lookup: None,
            env: Env::fixed(1, jiff::Timestamp::UNIX_EPOCH),
            enable_dns: false,
        };
        render(&chart, &values, &options).map_err(|e| e.to_string())
    })?
}

/// helm's stdout for kind-less single-document files: sorted by path,
/// `NOTES.txt` and blank files dropped, v3 trimming each document and
/// v4.2 only left-trimming it (a trailing newline leaves a blank line).
pub(super) fn assemble(files: &BTreeMap<String, String>, compat: Compat) -> String {
    let mut out = String::new();
    for (name, text) in files {
        if name.ends_with("NOTES.txt") || text.trim().is_empty() {
            continue;
        }
        let doc = match compat {
            Compat::V3 => text.trim(),
            Compat::V4 => text.trim_start(),
        };
        out.push_str(&format!("---\n# Source: {name}\n{doc}\n"));
    }
    format!("{}\n", out.trim())
}

fn expected(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/render/testdata/charts")
        .join(file);
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn builtins_only_chart_matches_helm() {
    for (compat, want) in [(Compat::V3, "s0.v3.txt"), (Compat::V4, "s0.v4.txt")] {
        let files = render_chart("s0", Values::new(), compat).unwrap();
        assert_eq!(assemble(&files, compat), expected(want), "{compat:?}");
    }
}

#[test]
fn from_functions_match_helm() {
    for (compat, want) in [(Compat::V3, "s3.v3.txt"), (Compat::V4, "s3.v4.txt")] {
        let files = render_chart("s3", Values::new(), compat).unwrap();
        assert_eq!(assemble(&files, compat), expected(want), "{compat:?}");
    }
}

#[test]
fn named_map_and_slice_types_match_helm() {
    for (compat, want) in [(Compat::V3, "s2.v3.txt"), (Compat::V4, "s2.v4.txt")] {
        let files = render_chart("s2", Values::new(), compat).unwrap();
        assert_eq!(assemble(&files, compat), expected(want), "{compat:?}");
    }
}

#[test]
fn smoke_chart_matches_helm() {
    for (compat, want) in [(Compat::V3, "s1.v3.txt"), (Compat::V4, "s1.v4.txt")] {
        let files = render_chart("s1", Values::new(), compat).unwrap();
        assert_eq!(assemble(&files, compat), expected(want), "{compat:?}");
        // NOTES.txt is rendered (and returned) even though not printed.
        assert_eq!(
            files.get("s1/templates/NOTES.txt").map(String::as_str),
            Some("Notes for rel\n")
        );
        // A library chart's non-partial templates are never parsed.
        assert!(!files.keys().any(|k| k.contains("/lib/")));
    }
}

/// A chart `e1` (or `r1`) held in memory with these templates.
fn memory_chart(name: &str, templates: &[(&str, &str)]) -> crate::chart::model::Chart {
    crate::chart::model::Chart {
        metadata: crate::chart::model::Metadata {
            name: name.into(),
            version: "0.1.0".into(),
            api_version: "v2".into(),
            ..Default::default()
        },
        templates: templates
            .iter()
            .map(|(n, d)| crate::chart::model::File {
                name: (*n).into(),
                data: d.as_bytes().to_vec(),
                mod_time: None,
            })
            .collect(),
        ..Default::default()
    }
}

fn render_memory(
    chart: crate::chart::model::Chart,
    values: Values,
    compat: Compat,
) -> Result<BTreeMap<String, String>, String> {
    on_big_stack(move || {
        let options = RenderOptions {
            compat,
            release: ReleaseInfo {
                name: "rel".into(),
                namespace: "ns1".into(),
                revision: 1,
                is_install: true,
                is_upgrade: false,
            },
            capabilities: Capabilities::defaults(compat),
            strict: false,
            lookup: None,
            env: Env::fixed(1, jiff::Timestamp::UNIX_EPOCH),
            enable_dns: false,
        };
        render(&chart, &values, &options).map_err(|e| e.to_string())
    })
    .unwrap_or_else(Err)
}

/// Errors as `helm template rel ./e1 -n ns1` prints them after `Error: `
/// (helm v3.21.4 first, v4.2.4 second), for a chart `e1` whose
/// templates/a.yaml and templates/_h.tpl are given.
#[test]
fn errors_match_helm() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "{{ .Values.a.b }}",
            "",
            "template: e1/templates/a.yaml:1:10: executing \"e1/templates/a.yaml\" at <.Values.a.b>: nil pointer evaluating interface {}.b",
            "e1/templates/a.yaml:1:10\n  executing \"e1/templates/a.yaml\" at <.Values.a.b>:\n    nil pointer evaluating interface {}.b",
        ),
        (
            "x: {{ include \"h\" . }}",
            "{{ define \"h\" }}{{ .Values.x.y }}{{ end }}",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <include \"h\" .>: error calling include: template: e1/templates/_h.tpl:1:26: executing \"h\" at <.Values.x.y>: nil pointer evaluating interface {}.y",
            "e1/templates/a.yaml:1:6\n  executing \"e1/templates/a.yaml\" at <include \"h\" .>:\n    error calling include:\ne1/templates/_h.tpl:1:26\n  executing \"h\" at <.Values.x.y>:\n    nil pointer evaluating interface {}.y",
        ),
        (
            "x: {{ include \"nope\" . }}",
            "",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <include \"nope\" .>: error calling include: template: no template \"nope\" associated with template \"gotpl\"",
            "e1/templates/a.yaml:1:6\n  executing \"e1/templates/a.yaml\" at <include \"nope\" .>:\n    error calling include:\ntemplate: no template \"nope\" associated with template \"gotpl\"",
        ),
        (
            "x: {{ tpl \"{{ .Values.x.y }}\" . }}",
            "",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <tpl \"{{ .Values.x.y }}\" .>: error calling tpl: error during tpl function execution for \"{{ .Values.x.y }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.x.y>: nil pointer evaluating interface {}.y",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <tpl \"{{ .Values.x.y }}\" .>: error calling tpl: error during tpl function execution for \"{{ .Values.x.y }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.x.y>: nil pointer evaluating interface {}.y",
        ),
        (
            "x: {{ tpl \"{{ nope }}\" . }}",
            "",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <tpl \"{{ nope }}\" .>: error calling tpl: cannot parse template \"{{ nope }}\": template: gotpl:1: function \"nope\" not defined",
            "template: e1/templates/a.yaml:1:6: executing \"e1/templates/a.yaml\" at <tpl \"{{ nope }}\" .>: error calling tpl: cannot parse template \"{{ nope }}\": template: gotpl:1: function \"nope\" not defined",
        ),
        (
            "x: {{ required \"need x\" .Values.x }}",
            "",
            "execution error at (e1/templates/a.yaml:1:6): need x",
            "execution error at (e1/templates/a.yaml:1:6): need x",
        ),
        (
            "x: {{ include \"h\" . }}",
            "{{ define \"h\" }}{{ fail \"boom\" }}{{ end }}",
            "execution error at (e1/templates/a.yaml:1:6): boom",
            "execution error at (e1/templates/a.yaml:1:6): boom",
        ),
        (
            // Empty tpl texts, also nested in a tpl (where an empty tree
            // does not replace the enclosing `gotpl`).
            "# [{{ tpl \"\" . }}] [{{ tpl \"{{/* c */}}\" . }}] [{{ tpl \"{{ tpl \\\"\\\" . }}\" . }}]",
            "",
            "",
            "",
        ),
        (
            "x: {{ .Chart.name }}",
            "",
            "template: e1/templates/a.yaml:1:12: executing \"e1/templates/a.yaml\" at <.Chart.name>: can't evaluate field name in type interface {}",
            "",
        ),
    ];
    for (a, h, v3, v4) in cases {
        for (compat, want) in [(Compat::V3, v3), (Compat::V4, v4)] {
            let chart = memory_chart("e1", &[("templates/a.yaml", a), ("templates/_h.tpl", h)]);
            let got = render_memory(chart, Values::new(), compat);
            if want.is_empty() {
                assert!(got.is_ok(), "{compat:?} {a}: {got:?}");
            } else {
                assert_eq!(got.err().as_deref(), Some(*want), "{compat:?} {a}");
            }
        }
    }
}

/// helm allows 1,001 nested `include`s of one name and fails the 1,002nd
/// (`helm template rel ./r1 -f chainN.yaml` with a `rec` template that
/// includes itself on `.next`, for N = 1000 and 1001 nesting levels).
#[test]
fn include_recursion_limit() {
    let chain = |depth: usize| {
        let mut v = crate::gojson::GoValue::Map(BTreeMap::new());
        for _ in 0..depth {
            let mut m = BTreeMap::new();
            m.insert("next".to_owned(), v);
            v = crate::gojson::GoValue::Map(m);
        }
        let mut values = Values::new();
        values.insert("chain".into(), v);
        values
    };
    let template = "{{- define \"rec\" -}}{{ with .next }}{{ include \"rec\" . }}{{ else }}done{{ end }}{{- end -}}\n# {{ include \"rec\" .Values.chain }}\n";
    for compat in [Compat::V3, Compat::V4] {
        let ok = render_memory(
            memory_chart("r1", &[("templates/a.yaml", template)]),
            chain(1001),
            compat,
        );
        assert_eq!(
            ok.unwrap().get("r1/templates/a.yaml").map(String::as_str),
            Some("# done\n")
        );
        let err = render_memory(
            memory_chart("r1", &[("templates/a.yaml", template)]),
            chain(1002),
            compat,
        )
        .unwrap_err();
        assert!(err.starts_with("template: r1/templates/a.yaml:2:5: executing \"r1/templates/a.yaml\" at <include \"rec\" .Values.chain>: error calling include: template: r1/templates/a.yaml:1:39: executing \"rec\" at <include \"rec\" .>: "), "{err:.300}");
        assert!(err.ends_with("error calling include: rendering template has a nested reference name: rec: unable to execute template"));
    }
}

/// `helm template rel ./e1 -n ns1` (v3.21.4 and v4.2.4) of templates/a.yaml
/// `# [{{ tpl "" . }}] [{{ tpl "{{/* c */}}" . }}] [{{ tpl "{{ tpl \"\" . }}" . }}]`
/// prints `# [] [] []`.
#[test]
fn empty_tpl_texts_print_nothing() {
    let a =
        "# [{{ tpl \"\" . }}] [{{ tpl \"{{/* c */}}\" . }}] [{{ tpl \"{{ tpl \\\"\\\" . }}\" . }}]";
    for compat in [Compat::V3, Compat::V4] {
        let files = render_memory(
            memory_chart("e1", &[("templates/a.yaml", a)]),
            Values::new(),
            compat,
        )
        .unwrap();
        assert_eq!(
            files.get("e1/templates/a.yaml").map(String::as_str),
            Some("# [] [] []")
        );
    }
}

/// `helm template rel ./f1 -n ns1` of a chart with an empty file
/// `empty.txt` and templates/a.yaml as below: v3.21.4 prints the line,
/// v4.2.4 panics in `Lines` (it tests `f[path] == nil` only).
#[test]
fn files_edge_cases() {
    let a = "# {{ .Files.Lines \"empty.txt\" }} {{ (.Files.Glob \"nothing\").AsConfig }} [{{ .Files.Get \"nope\" }}] {{ .Files.nope }} {{ .Files.GetBytes \"nope\" }}";
    for compat in [Compat::V3, Compat::V4] {
        let mut chart = memory_chart("f1", &[("templates/a.yaml", a)]);
        chart.files.push(crate::chart::model::File {
            name: "empty.txt".into(),
            data: Vec::new(),
            mod_time: None,
        });
        let got = render_memory(chart, Values::new(), compat);
        match compat {
            Compat::V3 => assert_eq!(
                got.unwrap().get("f1/templates/a.yaml").map(String::as_str),
                Some("# [] {} [] [] []")
            ),
            Compat::V4 => assert_eq!(
                got.unwrap_err(),
                "template: f1/templates/a.yaml:1:11: executing \"f1/templates/a.yaml\" at <.Files.Lines>: error calling Lines: runtime error: index out of range [-1]"
            ),
        }
    }
}
