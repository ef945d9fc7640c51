//! helm's assembly of rendered files into a release (`renderResources` and
//! `releaseutil.SortManifests`): NOTES pulled out, files in path order and
//! cut into documents, each document's head read, hooks split off, both
//! lists sorted by kind, and the manifest text written with `# Source:`
//! lines (CRDs first with `--include-crds`, Secrets hidden with
//! `--hide-secret`). `install`/`upgrade` reuse [`assemble`] as is.

use std::collections::BTreeMap;

use super::crds::{CrdFile, crd_objects};
use super::hooks::{Head, Sorted, classify, parse_head};
use super::sort::sort_by_kind;
use super::split::split_manifests;
use crate::chart::model::Chart;
use crate::compat::Compat;
use crate::release::Hook;

/// The file name suffix of notes templates.
const NOTES_SUFFIX: &str = "NOTES.txt";

/// How to assemble.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssembleOptions {
    /// Which helm to imitate (document splitting, kind order, error type
    /// names).
    pub compat: Compat,
    /// `--render-subchart-notes`: every chart's NOTES.txt, not only the
    /// root's.
    pub subchart_notes: bool,
    /// `--include-crds`: the CRD files head the manifest text.
    pub include_crds: bool,
    /// `--hide-secret`: v1 Secrets print as a comment only.
    pub hide_secret: bool,
}

/// One non-hook document.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The template it came from (`<chart>/templates/x.yaml`).
    pub name: String,
    /// The document's text as split.
    pub content: String,
    /// Its head.
    pub head: Head,
}

/// A release's rendered parts.
#[derive(Clone, Debug, Default)]
pub struct Assembled {
    /// `release.manifest`: CRDs (with `--include-crds`) and every manifest
    /// as `---\n# Source: <file>\n<doc>\n`.
    pub manifest: String,
    /// The manifests, sorted by kind (what the text is made of).
    pub manifests: Vec<Manifest>,
    /// The hooks, sorted by kind (not weight), in helm's stored order.
    pub hooks: Vec<Hook>,
    /// The rendered notes.
    pub notes: String,
    /// The chart's CRD files (whether or not they are in the text).
    pub crds: Vec<CrdFile>,
    /// Lines helm logs on stderr while sorting (unknown hook events).
    pub logs: Vec<String>,
}

/// Why assembly failed.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// A document helm's YAML reader rejects:
    /// `YAML parse error on <file>: <go-yaml's text>`.
    #[error("YAML parse error on {file}: {message}")]
    Yaml {
        /// The template file.
        file: String,
        /// sigs.k8s.io/yaml's error text.
        message: String,
        /// What helm prints with `--debug`: every non-empty file as
        /// `---\n# Source: <file>\n<content>\n`.
        raw: String,
    },
}

impl ManifestError {
    /// The error's kind for exit codes and callers.
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}

/// Assembles `rendered` (from [`super::render`], NOTES included) of
/// `chart` (dependencies processed) as helm's `renderResources` does,
/// minus the post-renderer and `--output-dir`, which belong to callers.
pub fn assemble(
    mut rendered: BTreeMap<String, String>,
    chart: &Chart,
    options: &AssembleOptions,
) -> Result<Assembled, ManifestError> {
    let notes = take_notes(&mut rendered, chart.name(), options.subchart_notes);
    let mut logs = Vec::new();
    let (hooks, manifests) = sort_manifests(&rendered, options.compat, &mut logs)?;
    let crds = crd_objects(chart);
    let mut out = Assembled {
        manifest: String::new(),
        manifests,
        hooks,
        notes,
        crds,
        logs,
    };
    out.manifest = manifest_text(&out, options);
    Ok(out)
}

/// Removes every `*NOTES.txt` from `rendered` and returns the notes helm
/// keeps: the root chart's, or with `subchart_notes` all of them joined
/// with `\n` (helm's order is Go map order, i.e. random; path order here).
pub fn take_notes(
    rendered: &mut BTreeMap<String, String>,
    chart_name: &str,
    subchart_notes: bool,
) -> String {
    let root = format!("{chart_name}/templates/{NOTES_SUFFIX}");
    let keys: Vec<String> = rendered
        .keys()
        .filter(|k| k.ends_with(NOTES_SUFFIX))
        .cloned()
        .collect();
    let mut notes = String::new();
    for k in keys {
        let Some(v) = rendered.remove(&k) else {
            continue;
        };
        if subchart_notes || k == root {
            if !notes.is_empty() {
                notes.push('\n');
            }
            notes.push_str(&v);
        }
    }
    notes
}

/// `releaseutil.SortManifests`: files in byte order of path (partials and
/// blank files skipped), each split into documents whose heads are read;
/// hooks and manifests each sorted by kind, stably. helm's log lines go
/// to `logs`.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    compat: Compat,
    logs: &mut Vec<String>,
) -> Result<(Vec<Hook>, Vec<Manifest>), ManifestError> {
    let mut hooks = Vec::new();
    let mut manifests = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content, compat) {
            let head = parse_head(&doc, compat).map_err(|message| ManifestError::Yaml {
                file: path.clone(),
                message,
                raw: raw_dump(files),
            })?;
            match classify(&head, path, &doc, compat) {
                Sorted::Manifest => manifests.push(Manifest {
                    name: path.clone(),
                    content: doc,
                    head,
                }),
                Sorted::Hook(h) => hooks.push(*h),
                Sorted::Dropped(line) => logs.push(line),
            }
        }
    }
    sort_by_kind(&mut hooks, compat, |h: &Hook| h.kind.as_str());
    sort_by_kind(&mut manifests, compat, |m: &Manifest| m.head.kind.as_str());
    Ok((hooks, manifests))
}

/// The manifest buffer helm builds when no `--output-dir` is given.
pub fn manifest_text(a: &Assembled, options: &AssembleOptions) -> String {
    let mut b = String::new();
    if options.include_crds {
        for crd in &a.crds {
            b.push_str("---\n# Source: ");
            b.push_str(&crd.filename);
            b.push('\n');
            b.push_str(&String::from_utf8_lossy(&crd.data));
            b.push('\n');
        }
    }
    for m in &a.manifests {
        if options.hide_secret && m.head.kind == "Secret" && m.head.api_version == "v1" {
            b.push_str(&format!(
                "---\n# Source: {}\n# HIDDEN: The Secret output has been suppressed\n",
                m.name
            ));
        } else {
            b.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
        }
    }
    b
}

/// What helm writes into the manifest buffer when sorting fails, for
/// `--debug` (helm's order is Go map order; path order here).
fn raw_dump(files: &BTreeMap<String, String>) -> String {
    let mut b = String::new();
    for (name, content) in files {
        if content.trim().is_empty() {
            continue;
        }
        b.push_str(&format!("---\n# Source: {name}\n{content}\n"));
    }
    b
}

/// `helm template`'s stdout part for the release (before `--show-only`):
/// the trimmed manifest and a newline, then every hook unless `no_hooks`
/// (test hooks left out with `skip_tests`).
pub fn template_output(a: &Assembled, no_hooks: bool, skip_tests: bool) -> String {
    let mut out = String::new();
    out.push_str(a.manifest.trim());
    out.push('\n');
    if !no_hooks {
        for h in &a.hooks {
            if skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn chart(name: &str) -> Chart {
        let mut c = Chart::default();
        c.metadata.name = name.into();
        c
    }

    #[test]
    fn v4_assembly_orders_by_kind_and_keeps_blank_lines() {
        let rendered = files(&[
            ("c/templates/NOTES.txt", "notes here"),
            (
                "c/templates/b.yaml",
                "kind: Deployment\nmetadata:\n  name: d\n",
            ),
            (
                "c/templates/a.yaml",
                "kind: Service\nmetadata:\n  name: s\n---\n# just a comment\n",
            ),
            ("c/templates/_helpers.tpl", "kind: Secret"),
            (
                "c/templates/hook.yaml",
                "kind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: test\n",
            ),
            ("c/templates/empty.yaml", "  \n"),
        ]);
        let opts = AssembleOptions::default();
        let a = assemble(rendered, &chart("c"), &opts);
        let a = a.unwrap_or_default();
        assert_eq!(a.notes, "notes here");
        assert_eq!(
            a.manifest,
            "---\n# Source: c/templates/a.yaml\nkind: Service\nmetadata:\n  name: s\n\n\
             ---\n# Source: c/templates/b.yaml\nkind: Deployment\nmetadata:\n  name: d\n\n\
             ---\n# Source: c/templates/a.yaml\n# just a comment\n\n"
        );
        assert_eq!(a.hooks.len(), 1);
        assert_eq!(
            template_output(&a, false, false),
            "---\n# Source: c/templates/a.yaml\nkind: Service\nmetadata:\n  name: s\n\n\
             ---\n# Source: c/templates/b.yaml\nkind: Deployment\nmetadata:\n  name: d\n\n\
             ---\n# Source: c/templates/a.yaml\n# just a comment\n\
             ---\n# Source: c/templates/hook.yaml\nkind: Job\nmetadata:\n  name: j\n  annotations:\n    helm.sh/hook: test\n\n"
        );
        assert_eq!(template_output(&a, false, true).matches("---").count(), 3);
    }

    #[test]
    // Expected text from helm v4.2.4 and v3.21.4 on the same file.
    fn yaml_errors_name_the_file() {
        let rendered = files(&[("c/templates/a.yaml", "a: b: c\n")]);
        let e = assemble(rendered, &chart("c"), &AssembleOptions::default()).err();
        assert_eq!(
            e.map(|e| e.to_string()).as_deref(),
            Some(
                "YAML parse error on c/templates/a.yaml: error converting YAML to JSON: yaml: mapping values are not allowed in this context"
            )
        );
    }

    #[test]
    fn hide_secret_and_subchart_notes() {
        let rendered = files(&[
            ("c/templates/NOTES.txt", "top"),
            ("c/charts/s/templates/NOTES.txt", "sub"),
            (
                "c/templates/s.yaml",
                "apiVersion: v1\nkind: Secret\ndata: {}\n",
            ),
        ]);
        let opts = AssembleOptions {
            compat: Compat::V3,
            subchart_notes: true,
            hide_secret: true,
            ..AssembleOptions::default()
        };
        let a = assemble(rendered, &chart("c"), &opts).unwrap_or_default();
        assert_eq!(a.notes, "sub\ntop");
        assert_eq!(
            a.manifest,
            "---\n# Source: c/templates/s.yaml\n# HIDDEN: The Secret output has been suppressed\n"
        );
    }
}
