//! End-to-end renders of the charts in `testdata/charts/`, compared with
//! what real helm printed for them (see `testdata/README.md`).
//!
//! Every template of those charts writes only YAML comment lines, so helm's
//! manifest assembly keeps each file as one kind-less document in file
//! order; [`assemble`] redoes that much, per helm version.

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
#[ignore = "needs the executor to use Object::as_value for range, index and len"]
fn named_map_and_slice_types_match_helm() {
    for (compat, want) in [(Compat::V3, "s2.v3.txt"), (Compat::V4, "s2.v4.txt")] {
        let files = render_chart("s2", Values::new(), compat).unwrap();
        assert_eq!(assemble(&files, compat), expected(want), "{compat:?}");
    }
}

#[test]
#[ignore = "needs Sprig's functions (typeOf, quote, replace, trim)"]
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
