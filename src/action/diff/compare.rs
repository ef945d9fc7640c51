//! Matching the objects of two sides and deciding, per object, whether it
//! is added, removed, changed or unchanged. Pure: no storage, no cluster.

use std::collections::{BTreeMap, BTreeSet};

use crate::cluster::ResourceId;
use crate::gojson::GoValue;
use crate::output::to_yaml;

use super::DiffError;
use super::mask::{is_secret, mask_pair};
use super::objects::ManifestObject;

/// What happens to one object going from the old side to the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Only the new side has it.
    Added,
    /// Only the old side has it.
    Removed,
    /// Both have it, with different content.
    Changed,
    /// Both have it, the same.
    Unchanged,
}

impl Change {
    /// The word used in the summary and in `-o json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
            Change::Unchanged => "unchanged",
        }
    }
}

/// One object of either side, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectChange {
    /// Its identity.
    pub id: ResourceId,
    /// `apiVersion` of the new side, else of the old one.
    pub api_version: String,
    /// The template it came from (new side first), when known.
    pub source: Option<String>,
    /// What happens to it.
    pub change: Change,
    /// The old side as canonical YAML (`""` when absent), Secrets masked
    /// unless asked otherwise.
    pub old_text: String,
    /// The new side, likewise.
    pub new_text: String,
}

impl ObjectChange {
    /// `Kind/namespace/name` (`Kind/name` for a cluster-scoped object),
    /// as the summary names an object.
    pub fn display(&self) -> String {
        if self.id.namespace.is_empty() {
            format!("{}/{}", self.id.kind, self.id.name)
        } else {
            format!("{}/{}/{}", self.id.kind, self.id.namespace, self.id.name)
        }
    }
}

/// Counts per kind of change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Objects added.
    pub added: usize,
    /// Objects removed.
    pub removed: usize,
    /// Objects changed.
    pub changed: usize,
    /// Objects the same on both sides.
    pub unchanged: usize,
}

impl Summary {
    /// The counts of `objects`.
    pub fn of(objects: &[ObjectChange]) -> Summary {
        let mut s = Summary::default();
        for o in objects {
            match o.change {
                Change::Added => s.added += 1,
                Change::Removed => s.removed += 1,
                Change::Changed => s.changed += 1,
                Change::Unchanged => s.unchanged += 1,
            }
        }
        s
    }

    /// Whether anything differs.
    pub fn has_changes(&self) -> bool {
        self.added + self.removed + self.changed > 0
    }
}

/// Matches `old` and `new` by identity and compares each pair, in
/// identity order (group, kind, namespace, name). Objects are compared as
/// values, so formatting never counts; with `show_secrets` false, Secret
/// values are masked in the texts (whether they changed still counts).
///
/// # Errors
///
/// [`DiffError::Yaml`] when an object cannot be printed as YAML.
pub fn compare(
    old: &BTreeMap<ResourceId, ManifestObject>,
    new: &BTreeMap<ResourceId, ManifestObject>,
    show_secrets: bool,
) -> Result<Vec<ObjectChange>, DiffError> {
    let ids: BTreeSet<&ResourceId> = old.keys().chain(new.keys()).collect();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let (o, n) = (old.get(id), new.get(id));
        let change = match (o, n) {
            (Some(a), Some(b)) if a.value == b.value => Change::Unchanged,
            (Some(_), Some(_)) => Change::Changed,
            (None, Some(_)) => Change::Added,
            _ => Change::Removed,
        };
        let secret = o.or(n).is_some_and(is_secret);
        let (old_value, new_value) = if secret && !show_secrets {
            mask_pair(o.map(|x| &x.value), n.map(|x| &x.value))
        } else {
            (o.map(|x| x.value.clone()), n.map(|x| x.value.clone()))
        };
        let either = n.or(o);
        out.push(ObjectChange {
            id: id.clone(),
            api_version: either.map(|x| x.api_version.clone()).unwrap_or_default(),
            source: n
                .and_then(|x| x.source.clone())
                .or_else(|| o.and_then(|x| x.source.clone())),
            change,
            old_text: text(old_value.as_ref())?,
            new_text: text(new_value.as_ref())?,
        });
    }
    Ok(out)
}

fn text(value: Option<&GoValue>) -> Result<String, DiffError> {
    match value {
        None => Ok(String::new()),
        Some(v) => to_yaml(v).map_err(|e| DiffError::Yaml(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::diff::objects::parse_manifest;

    fn side(m: &str) -> BTreeMap<ResourceId, ManifestObject> {
        parse_manifest(m, "ns").unwrap_or_default()
    }

    const CM: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n  b: two\n";

    #[test]
    fn added_removed_changed_and_unchanged_objects() {
        let old = side(&format!(
            "{CM}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: gone\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n"
        ));
        let new = side(&format!(
            "{CM}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: fresh\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n"
        ));
        let got: Vec<(String, Change)> = compare(&old, &new, false)
            .unwrap_or_default()
            .into_iter()
            .map(|c| (c.display(), c.change))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ConfigMap/ns/cfg".to_string(), Change::Unchanged),
                ("Service/ns/fresh".to_string(), Change::Added),
                ("Service/ns/gone".to_string(), Change::Removed),
                ("Deployment/ns/web".to_string(), Change::Changed),
            ]
        );
        let s = Summary::of(&compare(&old, &new, false).unwrap_or_default());
        assert_eq!(
            s,
            Summary {
                added: 1,
                removed: 1,
                changed: 1,
                unchanged: 1
            }
        );
        assert!(s.has_changes());
    }

    #[test]
    fn formatting_key_order_quoting_and_comments_do_not_count() {
        let reformatted = "# Source: c/templates/cm.yaml\nkind: ConfigMap\napiVersion: v1\ndata:\n    b: 'two'\n    a: \"1\" # why\nmetadata: {name: cfg}\n";
        let got = compare(&side(CM), &side(reformatted), false).unwrap_or_default();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].change, Change::Unchanged);
        assert_eq!(got[0].old_text, got[0].new_text);
        // Canonical text: keys sorted, as sigs.k8s.io/yaml prints them.
        assert_eq!(
            got[0].new_text,
            "apiVersion: v1\ndata:\n  a: \"1\"\n  b: two\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
        );
        assert!(!Summary::of(&got).has_changes());
    }

    #[test]
    fn a_type_change_is_a_change() {
        // `"1"` (a string) and `1` (a number) render differently in Go.
        let number = CM.replace("a: \"1\"", "a: 1");
        let got = compare(&side(CM), &side(&number), false).unwrap_or_default();
        assert_eq!(got[0].change, Change::Changed);
    }

    #[test]
    fn secret_values_are_masked_unless_shown_but_changes_still_count() {
        let s = |v: &str| {
            side(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: {v}\n"
            ))
        };
        // base64 of "hunter2" and "hunter3".
        let (old, new) = (s("aHVudGVyMg=="), s("aHVudGVyMw=="));
        let masked = compare(&old, &new, false).unwrap_or_default();
        assert_eq!(masked[0].change, Change::Changed);
        assert!(
            masked[0]
                .old_text
                .contains("password: '-------- # (7 bytes)'"),
            "{}",
            masked[0].old_text
        );
        assert!(
            masked[0]
                .new_text
                .contains("password: '++++++++ # (7 bytes)'"),
            "{}",
            masked[0].new_text
        );
        assert!(!format!("{masked:?}").contains("aHVudGVy"));
        let shown = compare(&old, &new, true).unwrap_or_default();
        assert!(shown[0].new_text.contains("password: aHVudGVyMw=="));
        // A Secret that did not change shows no change, masked or not.
        let same = compare(&old, &old, false).unwrap_or_default();
        assert_eq!(same[0].change, Change::Unchanged);
        assert!(same[0].old_text.contains("REDACTED # (7 bytes)"));
    }
}
