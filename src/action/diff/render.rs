//! The two outputs of `diff`: text for people (a summary, then a diff per
//! object, coloured on request) and `-o json` for tools.
//!
//! The JSON shape is stable (documented in the README):
//!
//! ```json
//! {"release": "web", "namespace": "ns",
//!  "from": "revision 1", "to": "revision 2",
//!  "changes": true,
//!  "summary": {"added": 0, "removed": 0, "changed": 1, "unchanged": 2},
//!  "objects": [{"group": "apps", "apiVersion": "apps/v1", "kind": "Deployment",
//!               "namespace": "ns", "name": "web", "change": "changed",
//!               "source": "web/templates/deployment.yaml",
//!               "diff": "@@ -10,3 +10,3 @@\n ..."}]}
//! ```
//!
//! `objects` lists only objects that are added, removed or changed; its
//! `diff` is the text diff without colour (`--context` applies), Secrets
//! masked as in the text output.

use serde_json::json;

use super::compare::{Change, ObjectChange, Summary};
use super::unified::{DiffLine, diff_lines};

/// What was compared with what, for the output.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The release.
    pub release: String,
    /// Its namespace.
    pub namespace: String,
    /// The old side, as the output names it (`revision 3`, `live objects`).
    pub from: String,
    /// The new side, likewise.
    pub to: String,
    /// Every object of either side, compared.
    pub objects: Vec<ObjectChange>,
}

/// How to print the text output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextStyle {
    /// Lines of context around changes; `None` prints whole objects.
    pub context: Option<usize>,
    /// ANSI colours.
    pub color: bool,
}

impl Comparison {
    /// The counts.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.objects)
    }

    /// The exit status `--detailed-exitcode` asks for: 2 when anything
    /// differs, else 0 (errors exit 1 before this is asked).
    pub fn detailed_exit_code(&self) -> u8 {
        if self.summary().has_changes() { 2 } else { 0 }
    }

    /// The text output: a summary of added, changed and removed objects
    /// (`Kind/namespace/name`), then each such object's diff under
    /// helm-diff's header (`ns, name, Kind (group) has changed:`).
    pub fn text(&self, style: TextStyle) -> String {
        let paint = |code: &str, s: &str| {
            if style.color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let s = self.summary();
        let mut out = format!(
            "Release {:?} in namespace {:?}: {} -> {}\n",
            self.release, self.namespace, self.from, self.to
        );
        if !s.has_changes() {
            out.push_str(&format!(
                "No changes ({} objects unchanged).\n",
                s.unchanged
            ));
            return out;
        }
        out.push_str(&format!(
            "{} added, {} changed, {} removed, {} unchanged\n",
            s.added, s.changed, s.removed, s.unchanged
        ));
        let changed = || {
            self.objects
                .iter()
                .filter(|o| o.change != Change::Unchanged)
        };
        for o in changed() {
            let (code, word) = match o.change {
                Change::Added => ("32", "added  "),
                Change::Removed => ("31", "removed"),
                _ => ("33", "changed"),
            };
            out.push_str(&format!("  {} {}\n", paint(code, word), o.display()));
        }
        for o in changed() {
            out.push('\n');
            let verb = match o.change {
                Change::Added => "has been added",
                Change::Removed => "has been removed",
                _ => "has changed",
            };
            out.push_str(&paint("33", &format!("{} {verb}:", header(o))));
            out.push('\n');
            for line in diff_lines(&o.old_text, &o.new_text, style.context) {
                let text = line.plain();
                let painted = match line {
                    DiffLine::Added(_) => paint("32", &text),
                    DiffLine::Removed(_) => paint("31", &text),
                    DiffLine::Hunk(_) => paint("36", &text),
                    DiffLine::Same(_) => text,
                };
                out.push_str(&painted);
                out.push('\n');
            }
        }
        out
    }

    /// The `-o json` output (pretty-printed, one trailing newline).
    pub fn json(&self, context: Option<usize>) -> String {
        let s = self.summary();
        let objects: Vec<serde_json::Value> = self
            .objects
            .iter()
            .filter(|o| o.change != Change::Unchanged)
            .map(|o| {
                let diff: String = diff_lines(&o.old_text, &o.new_text, context)
                    .iter()
                    .map(|l| l.plain() + "\n")
                    .collect();
                json!({
                    "group": o.id.group,
                    "apiVersion": o.api_version,
                    "kind": o.id.kind,
                    "namespace": o.id.namespace,
                    "name": o.id.name,
                    "change": o.change.as_str(),
                    "source": o.source,
                    "diff": diff,
                })
            })
            .collect();
        let value = json!({
            "release": self.release,
            "namespace": self.namespace,
            "from": self.from,
            "to": self.to,
            "changes": s.has_changes(),
            "summary": {
                "added": s.added,
                "removed": s.removed,
                "changed": s.changed,
                "unchanged": s.unchanged,
            },
            "objects": objects,
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// helm-diff's name for an object: `namespace, name, Kind (group)`, the
/// API version standing in for the core group (`Service (v1)`); a
/// cluster-scoped object has no namespace part.
fn header(o: &ObjectChange) -> String {
    let group = if o.id.group.is_empty() {
        o.api_version.as_str()
    } else {
        o.id.group.as_str()
    };
    if o.id.namespace.is_empty() {
        format!("{}, {} ({group})", o.id.name, o.id.kind)
    } else {
        format!("{}, {}, {} ({group})", o.id.namespace, o.id.name, o.id.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::diff::compare::compare;
    use crate::action::diff::objects::parse_manifest;

    fn comparison(old: &str, new: &str) -> Comparison {
        let side = |m: &str| parse_manifest(m, "ns").unwrap_or_default();
        Comparison {
            release: "web".into(),
            namespace: "ns".into(),
            from: "revision 1".into(),
            to: "revision 2".into(),
            objects: compare(&side(old), &side(new), false).unwrap_or_default(),
        }
    }

    const DEP: &str =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n";
    const SVC: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n";

    #[test]
    fn summary_first_then_each_changed_object() {
        let c = comparison(
            &format!("{DEP}---\n{SVC}"),
            &DEP.replace("replicas: 1", "replicas: 2"),
        );
        let text = c.text(TextStyle {
            context: Some(1),
            color: false,
        });
        // Core group ("") sorts before "apps".
        assert_eq!(
            text,
            "Release \"web\" in namespace \"ns\": revision 1 -> revision 2\n\
             0 added, 1 changed, 1 removed, 0 unchanged\n\
             \x20 removed Service/ns/web\n\
             \x20 changed Deployment/ns/web\n\
             \n\
             ns, web, Service (v1) has been removed:\n\
             @@ -1,4 +0,0 @@\n\
             - apiVersion: v1\n\
             - kind: Service\n\
             - metadata:\n\
             -   name: web\n\
             \n\
             ns, web, Deployment (apps) has changed:\n\
             @@ -5,2 +5,2 @@\n\
             \x20 spec:\n\
             -   replicas: 1\n\
             +   replicas: 2\n"
        );
        assert_eq!(c.detailed_exit_code(), 2);
    }

    #[test]
    fn no_changes_says_so_and_exits_zero() {
        let c = comparison(DEP, DEP);
        assert_eq!(
            c.text(TextStyle::default()),
            "Release \"web\" in namespace \"ns\": revision 1 -> revision 2\nNo changes (1 objects unchanged).\n"
        );
        assert_eq!(c.detailed_exit_code(), 0);
        let j: serde_json::Value = serde_json::from_str(&c.json(None)).unwrap_or_default();
        assert_eq!(j["changes"], json!(false));
        assert_eq!(j["objects"], json!([]));
    }

    #[test]
    fn colour_only_when_asked() {
        let c = comparison(DEP, &DEP.replace("replicas: 1", "replicas: 2"));
        let plain = c.text(TextStyle {
            context: None,
            color: false,
        });
        assert!(!plain.contains('\x1b'));
        let coloured = c.text(TextStyle {
            context: None,
            color: true,
        });
        assert!(
            coloured.contains("\x1b[31m-   replicas: 1\x1b[0m"),
            "{coloured}"
        );
        assert!(
            coloured.contains("\x1b[32m+   replicas: 2\x1b[0m"),
            "{coloured}"
        );
    }

    #[test]
    fn json_lists_changed_objects_with_their_diff() {
        let c = comparison(SVC, &format!("{SVC}---\n{DEP}"));
        let j: serde_json::Value = serde_json::from_str(&c.json(Some(0))).unwrap_or_default();
        assert_eq!(
            j["summary"],
            json!({"added": 1, "removed": 0, "changed": 0, "unchanged": 1})
        );
        assert_eq!(j["changes"], json!(true));
        assert_eq!(j["objects"][0]["kind"], json!("Deployment"));
        assert_eq!(j["objects"][0]["group"], json!("apps"));
        assert_eq!(j["objects"][0]["change"], json!("added"));
        assert_eq!(
            j["objects"][0]["diff"],
            json!(
                "@@ -0,0 +1,6 @@\n+ apiVersion: apps/v1\n+ kind: Deployment\n+ metadata:\n+   name: web\n+ spec:\n+   replicas: 1\n"
            )
        );
        assert_eq!(j["objects"].as_array().map(Vec::len), Some(1));
    }
}
