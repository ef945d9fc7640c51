//! Moving field ownership from client-side apply to server-side apply, the
//! way client-go's `csaupgrade.UpgradeManagedFieldsPatch` does it.
//!
//! A release applied client-side (helm 3, or helm 4 with `apply_method`
//! empty or `csa`) leaves its fields owned by an `Update` entry of
//! `metadata.managedFields`. If helm then applied server-side as it is,
//! the server-side `Apply` entry would start out owning only what the new
//! manifest sets, the old `Update` ownership would stay behind, and fields
//! later dropped from the chart would never be pruned. So before its first
//! server-side apply helm 4 sends, for every live object, a JSON patch
//! (`application/json-patch+json`) that rewrites `managedFields`: the
//! client-side entries are folded into the server-side manager's `Apply`
//! entry. helm calls client-go with `({"helm"}, "helm")`.
//!
//! What client-go does, and this module with it, for each client-side
//! manager name in turn:
//!
//! 1. The target is the first entry of the server-side manager with
//!    operation `Apply` and no subresource. Without one, the first entry of
//!    the client-side manager with operation `Update` and no subresource
//!    is renamed and turned into `Apply` in place (it keeps its position,
//!    `apiVersion` and `time`: nothing is stamped with the current time).
//!    Without either, nothing happens for this name.
//! 2. The target's fieldset is re-read and, if there is a client-side
//!    `Update` entry (no subresource) with the *same* `apiVersion`, the first
//!    such fieldset is unioned in. The result replaces the target's
//!    `fieldsV1`, written the way structured-merge-diff writes sets.
//! 3. Every client-side `Update` entry without subresource is dropped,
//!    including those of other `apiVersion`s whose fields were not unioned.
//!
//! The patch is produced only if the decoded entries differ from before
//! (Go's `reflect.DeepEqual`), and it is always the same two operations:
//! `replace` of `/metadata/managedFields` with every entry, and `replace`
//! of `/metadata/resourceVersion` with the object's own resourceVersion,
//! so that the server rejects the patch with a conflict when the object
//! changed in between. Things one might expect but client-go does not do:
//! there is no `test` operation, and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation is left
//! alone.
//!
//! Consequences worth knowing, all reproduced:
//!
//! - An object that already has the `Apply` entry and no client-side entry
//!   still gets a patch when structured-merge-diff's ordering of the
//!   fieldset differs from the sorted-keys JSON the entry was read as,
//!   e.g. with list keys `k:{"port":9000}` and `k:{"port":10000}` (numeric
//!   versus textual order), mixed `i:`/`k:`/`v:` keys, a top-level `.`, or
//!   non-canonical numbers such as `v:1.0`.
//! - Entries that fail to decode (a non-string `manager`, a `time` that is
//!   not RFC 3339, an entry that is not an object) make client-go see no
//!   managed fields at all, so no patch is produced.
//! - A missing resourceVersion becomes `""` in the patch.
//! - Every entry in the patch is re-encoded as Go encodes
//!   `metav1.ManagedFieldsEntry`: times in UTC without fractional seconds
//!   (the zero time as `null`), empty strings left out, HTML-sensitive
//!   characters escaped.
//!
//! client-go walks the set of client-side manager names in Go map order,
//! which is random; with several names present on the object the result
//! can depend on that order (which entry is converted, hence its position,
//! `apiVersion` and `time`). This module processes the names in sorted
//! (byte-wise) order, one of the outcomes client-go can produce. helm passes
//! a single name, where the result is deterministic.
//!
//! The pieces: `migrate` decodes the entries and moves ownership,
//! `fieldset` is structured-merge-diff's field-set model (its `FieldsV1`
//! reading, union and writing), `read` the jsoniter-like reader for the
//! JSON inside `v:`/`k:` keys, and `patch` writes the patch as client-go's
//! `json.Marshal` does. Go's escaping and float formatting come from
//! [`crate::gojson`].

mod fieldset;
mod migrate;
mod patch;
mod read;

use std::collections::BTreeSet;

use serde_json::Value;

use migrate::{decode_managed_fields, resource_version, upgrade_entries};
use patch::encode_patch;

/// Why no patch could be computed.
#[derive(Debug, thiserror::Error)]
pub enum CsaError {
    /// The object is not a JSON object. client-go only ever sees objects,
    /// so there is no Go behaviour to follow.
    #[error("the object is not a JSON object")]
    NotAnObject,
    /// The fieldset of the target entry, or of the client-side entry to be
    /// unioned into it, is not valid `FieldsV1` (client-go: "failed to
    /// convert fields to set").
    #[error(
        "failed to convert fields to set: managedFields entry of manager {manager:?} \
         ({api_version}): {reason}"
    )]
    FieldSet {
        /// The entry's manager (after renaming, for a converted entry).
        manager: String,
        /// The entry's apiVersion.
        api_version: String,
        /// What is wrong with the fieldset.
        reason: String,
    },
    /// The patch text built here did not parse back as JSON: a bug.
    #[error("internal error: the managedFields patch is not valid JSON: {0}")]
    InvalidPatch(#[source] serde_json::Error),
}

/// The JSON patch (RFC 6902) that moves ownership of the fields managed by
/// the client-side managers `csa_managers` (their `Update` entries without
/// subresource) to the server-side-apply manager `ssa_manager` (its `Apply`
/// entry, converted from the newest client-side entry if absent), exactly
/// as client-go's `csaupgrade.UpgradeManagedFieldsPatch` computes it; `None`
/// when nothing needs to change. helm calls it with `(&["helm"], "helm")`.
///
/// Several manager names are processed in sorted order (client-go's order
/// is random; see the module documentation). The value is what client-go's
/// patch text parses to; [`upgrade_managed_fields_patch_bytes`] gives the
/// text itself.
pub fn upgrade_managed_fields_patch(
    obj: &Value,
    csa_managers: &[&str],
    ssa_manager: &str,
) -> Result<Option<Value>, CsaError> {
    patch_value(obj, csa_managers, ssa_manager, "")
}

/// helm's own call, `csaupgrade.UpgradeManagedFieldsPatch(obj,
/// sets.New(manager), manager)`: the patch that folds `manager`'s
/// client-side `Update` entries into its server-side `Apply` entry.
///
/// Send it as `application/json-patch+json`. It carries no `test`
/// operation: a concurrent change surfaces as a 409 Conflict because the
/// patch sets the resourceVersion it was computed from.
pub fn upgrade_patch(obj: &Value, manager: &str) -> Result<Option<Value>, CsaError> {
    upgrade_managed_fields_patch(obj, &[manager], manager)
}

/// [`upgrade_managed_fields_patch`] as the exact bytes client-go's
/// `json.Marshal` produces (member order, escaping, number formatting and
/// the structured-merge-diff serialization of the rewritten fieldset), for
/// sending as the `application/json-patch+json` body.
pub fn upgrade_managed_fields_patch_bytes(
    obj: &Value,
    csa_managers: &[&str],
    ssa_manager: &str,
) -> Result<Option<Vec<u8>>, CsaError> {
    patch_text(obj, csa_managers, ssa_manager, "").map(|text| text.map(String::into_bytes))
}

/// The patch as a value, for the client-side entries of `subresource`
/// (client-go's `csaupgrade.Subresource` option; empty for helm).
fn patch_value(
    obj: &Value,
    csa_managers: &[&str],
    ssa_manager: &str,
    subresource: &str,
) -> Result<Option<Value>, CsaError> {
    match patch_text(obj, csa_managers, ssa_manager, subresource)? {
        None => Ok(None),
        Some(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(CsaError::InvalidPatch),
    }
}

/// The patch text for the client-side entries of `subresource`.
fn patch_text(
    obj: &Value,
    csa_managers: &[&str],
    ssa_manager: &str,
    subresource: &str,
) -> Result<Option<String>, CsaError> {
    let object = obj.as_object().ok_or(CsaError::NotAnObject)?;
    let original = decode_managed_fields(object);
    let mut upgraded = original.clone();
    // A set in client-go, walked in random order; sorted here.
    let names: BTreeSet<&str> = csa_managers.iter().copied().collect();
    for name in names {
        upgraded = upgrade_entries(upgraded, name, ssa_manager, subresource)?;
    }
    if upgraded == original {
        return Ok(None);
    }
    Ok(Some(encode_patch(
        upgraded.as_deref(),
        resource_version(object),
    )))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    /// One case of `fixtures/golden/csa/cases.json`.
    struct Case {
        name: String,
        csa_managers: Vec<String>,
        ssa_manager: String,
        subresource: String,
        object: Value,
    }

    fn golden_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/golden/csa")
    }

    fn read_json(name: &str) -> Value {
        let path = golden_dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
        serde_json::from_str(&text).unwrap()
    }

    /// The cases and client-go's results, paired by name.
    fn golden() -> Vec<(Case, Value)> {
        let cases = read_json("cases.json");
        let outputs = read_json("output.json");
        let outputs: BTreeMap<String, Value> = outputs
            .as_array()
            .unwrap()
            .iter()
            .map(|output| (output["name"].as_str().unwrap().to_owned(), output.clone()))
            .collect();
        cases
            .as_array()
            .unwrap()
            .iter()
            .map(|case| {
                let name = case["name"].as_str().unwrap().to_owned();
                let output = outputs
                    .get(&name)
                    .unwrap_or_else(|| panic!("{name}: no output; regenerate"))
                    .clone();
                let case = Case {
                    name,
                    csa_managers: case["csaManagers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|name| name.as_str().unwrap().to_owned())
                        .collect(),
                    ssa_manager: case["ssaManager"].as_str().unwrap().to_owned(),
                    subresource: case["subresource"].as_str().unwrap_or("").to_owned(),
                    object: case["object"].clone(),
                };
                (case, output)
            })
            .collect()
    }

    impl Case {
        fn names(&self) -> Vec<&str> {
            self.csa_managers.iter().map(String::as_str).collect()
        }

        fn text(&self) -> Result<Option<String>, CsaError> {
            patch_text(
                &self.object,
                &self.names(),
                &self.ssa_manager,
                &self.subresource,
            )
        }

        fn value(&self) -> Result<Option<Value>, CsaError> {
            patch_value(
                &self.object,
                &self.names(),
                &self.ssa_manager,
                &self.subresource,
            )
        }
    }

    #[test]
    fn patches_match_client_go_byte_for_byte() {
        let golden = golden();
        assert!(golden.len() >= 70, "only {} golden cases", golden.len());
        let (mut patches, mut errors, mut nones) = (0, 0, 0);
        for (case, output) in &golden {
            let name = &case.name;
            let got = case.text();
            if output["error"].is_string() {
                errors += 1;
                assert!(
                    matches!(got, Err(CsaError::FieldSet { .. })),
                    "{name}: client-go failed with {}, got {got:?}",
                    output["error"]
                );
                assert!(case.value().is_err(), "{name}");
                continue;
            }
            let got = got.unwrap_or_else(|err| panic!("{name}: {err}"));
            match output["patch"].as_str() {
                None => {
                    nones += 1;
                    assert_eq!(got, None, "{name}: client-go produced no patch");
                    assert_eq!(case.value().unwrap(), None, "{name}");
                }
                Some(want) => {
                    patches += 1;
                    assert_eq!(got.as_deref(), Some(want), "{name}");
                    let want_value: Value = serde_json::from_str(want).unwrap();
                    assert_eq!(case.value().unwrap(), Some(want_value), "{name}");
                }
            }
            // With several names the chosen (sorted) order is one client-go
            // can take.
            if let Some(all) = output["allPatches"].as_array() {
                let key = format!("patch:{}", output["patch"].as_str().unwrap_or(""));
                assert!(all.iter().any(|seen| seen == &json!(key)), "{name}");
            }
        }
        assert!(patches >= 40 && errors >= 10 && nones >= 15);
    }

    #[test]
    fn order_dependence_is_covered() {
        let dependent = golden()
            .iter()
            .filter(|(_, output)| output["orderDependent"] == json!(true))
            .count();
        assert!(dependent >= 2);
    }

    /// A minimal RFC 6902 applier for the operations client-go emits, with
    /// the leniency of the JSON patch library the API server uses
    /// (gopkg.in/evanphx/json-patch.v4): `replace` of a missing object
    /// member adds it.
    fn apply_patch(doc: &mut Value, patch: &Value) -> Result<(), String> {
        for op in patch.as_array().ok_or("patch is not a list")? {
            let path = op["path"].as_str().ok_or("no path")?;
            let value = op.get("value").cloned().ok_or("no value")?;
            let tokens: Vec<String> = path
                .split('/')
                .skip(1)
                .map(|token| token.replace("~1", "/").replace("~0", "~"))
                .collect();
            let (last, parents) = tokens.split_last().ok_or("empty path")?;
            let mut target = &mut *doc;
            for token in parents {
                target = match target {
                    Value::Object(members) => members.get_mut(token),
                    Value::Array(items) => token
                        .parse::<usize>()
                        .ok()
                        .and_then(|index| items.get_mut(index)),
                    _ => None,
                }
                .ok_or_else(|| format!("missing {token} in {path}"))?;
            }
            match (op["op"].as_str(), target) {
                (Some("replace" | "add"), Value::Object(members)) => {
                    members.insert(last.clone(), value);
                }
                (Some("replace"), Value::Array(items)) => {
                    let slot = last
                        .parse::<usize>()
                        .ok()
                        .and_then(|index| items.get_mut(index))
                        .ok_or_else(|| format!("no index {last} in {path}"))?;
                    *slot = value;
                }
                (other, _) => return Err(format!("unsupported op {other:?} at {path}")),
            }
        }
        Ok(())
    }

    #[test]
    fn applying_the_patch_gives_client_go_upgrade_managed_fields() {
        let mut checked = 0;
        for (case, output) in golden() {
            let name = &case.name;
            let Some(patch) = case.value().ok().flatten() else {
                continue;
            };
            let mut doc = case.object.clone();
            apply_patch(&mut doc, &patch).unwrap_or_else(|err| panic!("{name}: {err}"));
            // What the API server's JSON patch library made of client-go's
            // patch.
            assert_eq!(doc, output["applied"], "{name}");
            // And the non-patch variant, UpgradeManagedFields, agrees.
            assert_eq!(
                doc["metadata"]["managedFields"], output["upgraded"]["metadata"]["managedFields"],
                "{name}"
            );
            checked += 1;
        }
        assert!(checked >= 40);
    }

    #[test]
    fn helm_call_on_a_helm3_object() {
        let object = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "cm",
                "resourceVersion": "7",
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "managedFields": [
                    {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                     "time": "2024-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}}}}},
                    {"manager": "helm", "operation": "Update", "apiVersion": "v1",
                     "time": "2023-06-01T12:00:00.250+02:00", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:data": {".": {}, "f:a": {}}}},
                ],
            },
        });
        let patch = upgrade_managed_fields_patch(&object, &["helm"], "helm")
            .unwrap()
            .unwrap();
        assert_eq!(
            patch,
            json!([
                {"op": "replace", "path": "/metadata/managedFields", "value": [
                    {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
                     "time": "2024-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:x": {}}}}},
                    {"manager": "helm", "operation": "Apply", "apiVersion": "v1",
                     "time": "2023-06-01T10:00:00Z", "fieldsType": "FieldsV1",
                     "fieldsV1": {"f:data": {".": {}, "f:a": {}}}},
                ]},
                {"op": "replace", "path": "/metadata/resourceVersion", "value": "7"},
            ])
        );
        // Once upgraded, there is nothing left to do.
        let mut upgraded = object.clone();
        apply_patch(&mut upgraded, &patch).unwrap();
        assert_eq!(
            upgrade_managed_fields_patch(&upgraded, &["helm"], "helm").unwrap(),
            None
        );
        let bytes = upgrade_managed_fields_patch_bytes(&object, &["helm"], "helm")
            .unwrap()
            .unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), patch);
        assert!(matches!(
            upgrade_managed_fields_patch(&json!([]), &["helm"], "helm"),
            Err(CsaError::NotAnObject)
        ));
    }
}
