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

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use jiff::tz::Offset;
use serde_json::{Map, Value};

use crate::output::time::GoTime;

/// `metav1.ManagedFieldsOperationApply`.
const APPLY: &str = "Apply";
/// `metav1.ManagedFieldsOperationUpdate`.
const UPDATE: &str = "Update";

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

/// One `metav1.ManagedFieldsEntry` as client-go holds it after decoding it
/// from the unstructured object. Absent and `null` strings are empty, as in
/// Go.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    /// The JSON Go writes for the decoded time (`null` for the zero time);
    /// `None` when the entry has no time.
    time: Option<String>,
    fields_type: String,
    /// `FieldsV1.Raw`: the JSON text of the fieldset, `None` when the entry
    /// has none. Read from the object it is `encoding/json`'s text of the
    /// value (sorted keys); rewritten it is structured-merge-diff's.
    fields_v1: Option<String>,
    subresource: String,
}

/// `Unstructured.GetManagedFields`: `None` (Go's nil slice) when
/// `metadata.managedFields` is absent, not a list, or has an entry that
/// does not convert to `ManagedFieldsEntry`.
fn decode_managed_fields(object: &Map<String, Value>) -> Option<Vec<Entry>> {
    let metadata = object.get("metadata")?.as_object()?;
    let items = metadata.get("managedFields")?.as_array()?;
    items.iter().map(decode_entry).collect()
}

/// One entry as the unstructured converter decodes it: string fields must
/// be strings (or null), `time` an RFC 3339 string Go's `time.Parse`
/// accepts, and `fieldsV1` anything, kept as `encoding/json` text. Unknown
/// members are ignored.
fn decode_entry(item: &Value) -> Option<Entry> {
    let fields = item.as_object()?;
    let time = match fields.get("time") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(time_json(text)?),
        Some(_) => return None,
    };
    let fields_v1 = match fields.get("fieldsV1") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let mut raw = String::new();
            write_go_json(value, &mut raw);
            Some(raw)
        }
    };
    Some(Entry {
        manager: string_member(fields, "manager")?,
        operation: string_member(fields, "operation")?,
        api_version: string_member(fields, "apiVersion")?,
        time,
        fields_type: string_member(fields, "fieldsType")?,
        fields_v1,
        subresource: string_member(fields, "subresource")?,
    })
}

/// A string member; absent and `null` are the empty string, other types
/// fail the conversion.
fn string_member(fields: &Map<String, Value>, key: &str) -> Option<String> {
    match fields.get(key) {
        None | Some(Value::Null) => Some(String::new()),
        Some(Value::String(text)) => Some(text.clone()),
        Some(_) => None,
    }
}

/// The JSON `metav1.Time.MarshalJSON` writes for `text` as
/// `Time.UnmarshalJSON` reads it: the instant in UTC, to the second, or
/// `null` for Go's zero time (0001-01-01T00:00:00Z exactly). `None` when Go
/// cannot parse it.
fn time_json(text: &str) -> Option<String> {
    /// 0001-01-01T00:00:00Z in Unix seconds.
    const GO_ZERO_SECONDS: i64 = -62_135_596_800;
    let timestamp = GoTime::parse_rfc3339(text)?.timestamp();
    if timestamp.as_second() == GO_ZERO_SECONDS && timestamp.subsec_nanosecond() == 0 {
        return Some("null".to_owned());
    }
    let utc = Offset::UTC.to_datetime(timestamp);
    let year = i32::from(utc.year());
    // Go pads the magnitude to four digits and puts the sign in front.
    let sign = if year < 0 { "-" } else { "" };
    Some(format!(
        "\"{sign}{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\"",
        year.unsigned_abs(),
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
    ))
}

/// `metadata.resourceVersion` if it is a string, else empty (Go's
/// `GetResourceVersion`).
fn resource_version(object: &Map<String, Value>) -> &str {
    object
        .get("metadata")
        .and_then(|metadata| metadata.get("resourceVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// client-go's `upgradedManagedFields` for one client-side manager name.
fn upgrade_entries(
    entries: Option<Vec<Entry>>,
    csa_manager: &str,
    ssa_manager: &str,
    subresource: &str,
) -> Result<Option<Vec<Entry>>, CsaError> {
    let Some(mut entries) = entries else {
        return Ok(None);
    };
    let is_csa = |entry: &Entry| {
        entry.manager == csa_manager
            && entry.operation == UPDATE
            && entry.subresource == subresource
    };
    let existing = entries.iter().position(|entry| {
        entry.manager == ssa_manager && entry.operation == APPLY && entry.subresource == subresource
    });
    let target = match existing {
        Some(index) => index,
        None => {
            // Entries are sorted newest first, so this is the most recent
            // client-side entry.
            let Some(index) = entries.iter().position(is_csa) else {
                return Ok(Some(entries));
            };
            let entry = &mut entries[index];
            entry.operation = APPLY.to_owned();
            entry.manager = ssa_manager.to_owned();
            index
        }
    };

    let target_api_version = &entries[target].api_version;
    let source = entries
        .iter()
        .position(|entry| is_csa(entry) && entry.api_version == *target_api_version);
    let mut fields = decode_entry_set(&entries[target])?;
    if let Some(source) = source {
        fields = fields.union(&decode_entry_set(&entries[source])?);
    }
    // Go's `SetRawBytes` does nothing on an entry without `fieldsV1`; such a
    // target has already failed to decode above, so this always writes.
    if let Some(raw) = entries[target].fields_v1.as_mut() {
        *raw = fields.to_json();
    }

    let kept: Vec<Entry> = entries.into_iter().filter(|entry| !is_csa(entry)).collect();
    // Go's filter returns nil rather than an empty slice.
    Ok(if kept.is_empty() { None } else { Some(kept) })
}

/// The fieldset of an entry, with the error client-go would report.
fn decode_entry_set(entry: &Entry) -> Result<Set, CsaError> {
    Set::from_json(entry.fields_v1.as_deref().unwrap_or("")).map_err(|reason| CsaError::FieldSet {
        manager: entry.manager.clone(),
        api_version: entry.api_version.clone(),
        reason,
    })
}

/// The text of client-go's patch: `json.Marshal` of a list of two maps
/// (members in sorted order: `op`, `path`, `value`).
fn encode_patch(entries: Option<&[Entry]>, resource_version: &str) -> String {
    let mut out = String::from(r#"[{"op":"replace","path":"/metadata/managedFields","value":"#);
    match entries {
        None => out.push_str("null"),
        Some(entries) => {
            out.push('[');
            for (index, entry) in entries.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                encode_entry(entry, &mut out);
            }
            out.push(']');
        }
    }
    out.push_str(r#"},{"op":"replace","path":"/metadata/resourceVersion","value":"#);
    write_string(resource_version, Escaping::EncodingJson, &mut out);
    out.push_str("}]");
    out
}

/// `json.Marshal` of a `ManagedFieldsEntry`: members in struct order, all
/// `omitempty`.
fn encode_entry(entry: &Entry, out: &mut String) {
    out.push('{');
    let mut first = true;
    let mut member = |name: &str, out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
    };
    for (name, value) in [
        ("manager", &entry.manager),
        ("operation", &entry.operation),
        ("apiVersion", &entry.api_version),
    ] {
        if !value.is_empty() {
            member(name, out);
            write_string(value, Escaping::EncodingJson, out);
        }
    }
    if let Some(time) = &entry.time {
        member("time", out);
        out.push_str(time);
    }
    if !entry.fields_type.is_empty() {
        member("fieldsType", out);
        write_string(&entry.fields_type, Escaping::EncodingJson, out);
    }
    if let Some(raw) = &entry.fields_v1 {
        member("fieldsV1", out);
        if raw.is_empty() {
            out.push_str("null");
        } else {
            // `FieldsV1.MarshalJSON` returns the raw text, which
            // `json.Marshal` compacts with HTML escaping.
            write_compact_escaped(raw, out);
        }
    }
    if !entry.subresource.is_empty() {
        member("subresource", out);
        write_string(&entry.subresource, Escaping::EncodingJson, out);
    }
    out.push('}');
}

// ---------------------------------------------------------------------------
// structured-merge-diff's fieldpath.Set and its FieldsV1 serialization.

/// A set of field paths as a trie: `members` are the paths that end here,
/// `children` the subsets below a path element. Both are kept sorted by
/// [`PathElement::compare`] and free of equal elements.
#[derive(Debug, Clone, Default, PartialEq)]
struct Set {
    members: Vec<PathElement>,
    children: Vec<(PathElement, Set)>,
}

/// One step of a field path.
#[derive(Debug, Clone, PartialEq)]
enum PathElement {
    /// `f:name`: a field of a map or struct.
    Field(String),
    /// `k:{...}`: an associative-list item by its key fields, sorted by
    /// name (stably: duplicated names stay, as in Go).
    Key(Vec<(String, GoValue)>),
    /// `v:...`: a set item by its value.
    Value(GoValue),
    /// `i:n`: an atomic-list item by position.
    Index(i64),
}

/// A JSON value as jsoniter decodes it into `interface{}`: every number is
/// a `float64`, maps have unique keys.
#[derive(Debug, Clone, PartialEq)]
enum GoValue {
    Null,
    Bool(bool),
    Float(f64),
    String(String),
    List(Vec<GoValue>),
    Map(BTreeMap<String, GoValue>),
}

/// Why a `FieldsV1` key was not turned into a path element.
enum ElementError {
    /// An unknown `x:` prefix: structured-merge-diff drops the key and its
    /// subtree silently.
    Unknown,
    /// A malformed key: the whole fieldset fails to decode.
    Invalid(String),
}

impl Set {
    /// `Set.FromJSON`: the top level must be an object (or `null`); `.` at
    /// the top level is ignored.
    fn from_json(raw: &str) -> Result<Set, String> {
        if raw.trim().is_empty() {
            // jsoniter reports EOF for an empty reader (no `fieldsV1`).
            return Err("no fieldsV1 (EOF)".to_owned());
        }
        let value: Value = serde_json::from_str(raw).map_err(|err| err.to_string())?;
        let (children, _) = read_set(&value)?;
        Ok(children.unwrap_or_default())
    }

    /// Adds a member; an equal one already present is kept.
    fn insert_member(&mut self, element: PathElement) {
        if let Err(index) = self
            .members
            .binary_search_by(|probe| probe.compare(&element))
        {
            self.members.insert(index, element);
        }
    }

    /// Sets the subset below `element`; for an equal element already
    /// present its subset is replaced and the element itself kept (Go's
    /// `*Descend(pe) = *grandchildren`).
    fn set_child(&mut self, element: PathElement, set: Set) {
        match self
            .children
            .binary_search_by(|(probe, _)| probe.compare(&element))
        {
            Ok(index) => self.children[index].1 = set,
            Err(index) => self.children.insert(index, (element, set)),
        }
    }

    /// `Set.Union`. Of two equal members the right one is kept, of two equal
    /// children the left element (with the union of both subsets), as in
    /// structured-merge-diff; it only shows for `-0` and `0`.
    fn union(&self, other: &Set) -> Set {
        let mut members = Vec::with_capacity(self.members.len() + other.members.len());
        let (mut i, mut j) = (0, 0);
        while i < self.members.len() && j < other.members.len() {
            let (left, right) = (&self.members[i], &other.members[j]);
            if left.compare(right) == Ordering::Less {
                members.push(left.clone());
                i += 1;
            } else {
                members.push(right.clone());
                if right.compare(left) != Ordering::Less {
                    i += 1;
                }
                j += 1;
            }
        }
        members.extend_from_slice(&self.members[i..]);
        members.extend_from_slice(&other.members[j..]);

        let mut children = Vec::with_capacity(self.children.len() + other.children.len());
        let (mut i, mut j) = (0, 0);
        while i < self.children.len() && j < other.children.len() {
            let (left, right) = (&self.children[i], &other.children[j]);
            if left.0.compare(&right.0) == Ordering::Less {
                children.push(left.clone());
                i += 1;
            } else {
                if right.0.compare(&left.0) != Ordering::Less {
                    children.push((left.0.clone(), left.1.union(&right.1)));
                    i += 1;
                } else {
                    children.push(right.clone());
                }
                j += 1;
            }
        }
        children.extend_from_slice(&self.children[i..]);
        children.extend_from_slice(&other.children[j..]);
        Set { members, children }
    }

    /// `Set.ToJSON`: compact, members and children merged in element order,
    /// `{".":{}}` first inside a child that is also a member.
    fn to_json(&self) -> String {
        let mut out = String::from("{");
        self.write_contents(false, &mut out);
        out.push('}');
        out
    }

    fn write_contents(&self, include_self: bool, out: &mut String) {
        let mut first = true;
        let mut key = |element: Option<&PathElement>, out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
            match element {
                None => write_string(".", Escaping::JsoniterPlain, out),
                Some(element) => write_string(&element.serialize(), Escaping::JsoniterPlain, out),
            }
            out.push(':');
        };
        if include_self && !(self.members.is_empty() && self.children.is_empty()) {
            key(None, out);
            out.push_str("{}");
        }
        let (mut i, mut j) = (0, 0);
        loop {
            let member = self.members.get(i);
            let child = self.children.get(j);
            let (element, subset, also_member) = match (member, child) {
                (None, None) => break,
                (Some(member), None) => {
                    i += 1;
                    (member, None, false)
                }
                (None, Some((element, subset))) => {
                    j += 1;
                    (element, Some(subset), false)
                }
                (Some(member), Some((element, subset))) => match member.compare(element) {
                    Ordering::Less => {
                        i += 1;
                        (member, None, false)
                    }
                    Ordering::Greater => {
                        j += 1;
                        (element, Some(subset), false)
                    }
                    Ordering::Equal => {
                        i += 1;
                        j += 1;
                        (element, Some(subset), true)
                    }
                },
            };
            key(Some(element), out);
            match subset {
                None => out.push_str("{}"),
                Some(subset) => {
                    out.push('{');
                    subset.write_contents(also_member, out);
                    out.push('}');
                }
            }
        }
    }
}

/// `readIterV1`: the subset described by one `FieldsV1` object, and whether
/// its path is also a member (it has `.`, or nothing else).
fn read_set(value: &Value) -> Result<(Option<Set>, bool), String> {
    let fields = match value {
        // jsoniter reads `null` as an empty object.
        Value::Null => return Ok((None, true)),
        Value::Object(fields) => fields,
        other => return Err(format!("expected an object or null, found {other}")),
    };
    let mut children: Option<Set> = None;
    let mut is_member = false;
    // The raw text is always encoding/json's (sorted keys) or
    // structured-merge-diff's (no two keys with equal elements), so this
    // order gives the same result as reading the text in order.
    for (key, child) in fields {
        if key == "." {
            is_member = true;
            continue;
        }
        let element = match PathElement::parse(key) {
            Ok(element) => element,
            Err(ElementError::Unknown) => continue,
            Err(ElementError::Invalid(reason)) => {
                return Err(format!("parsing key {key:?} as path element: {reason}"));
            }
        };
        let (grandchildren, child_is_member) = read_set(child)?;
        if child_is_member {
            children
                .get_or_insert_with(Set::default)
                .insert_member(element.clone());
        }
        if let Some(grandchildren) = grandchildren {
            children
                .get_or_insert_with(Set::default)
                .set_child(element, grandchildren);
        }
    }
    if children.is_none() {
        is_member = true;
    }
    Ok((children, is_member))
}

impl PathElement {
    /// `DeserializePathElement`.
    fn parse(key: &str) -> Result<PathElement, ElementError> {
        let bytes = key.as_bytes();
        if bytes.len() < 2 {
            return Err(ElementError::Invalid(
                "key must be 2 characters long".to_owned(),
            ));
        }
        if bytes[1] != b':' {
            return Err(ElementError::Invalid("missing colon".to_owned()));
        }
        // Byte 1 is ASCII, so byte 2 starts a character.
        let rest = key.get(2..).unwrap_or("");
        match bytes[0] {
            b'f' => Ok(PathElement::Field(rest.to_owned())),
            b'v' => JsonReader::new(rest)
                .first_value()
                .map(PathElement::Value)
                .map_err(ElementError::Invalid),
            b'k' => JsonReader::new(rest)
                .first_key_fields()
                .map(|mut fields| {
                    // Stable, like Go's sort.SliceStable (and its two-item
                    // swap, which only swaps on strictly less).
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    PathElement::Key(fields)
                })
                .map_err(ElementError::Invalid),
            // strconv.Atoi: optional sign, decimal digits, 64-bit range.
            b'i' => rest
                .parse::<i64>()
                .map(PathElement::Index)
                .map_err(|err| ElementError::Invalid(format!("index {rest:?}: {err}"))),
            _ => Err(ElementError::Unknown),
        }
    }

    /// `SerializePathElement`. Field names go out raw; key names through
    /// jsoniter's plain string writer; values through its HTML-escaping
    /// one.
    fn serialize(&self) -> String {
        let mut out = String::new();
        match self {
            PathElement::Field(name) => {
                out.push_str("f:");
                out.push_str(name);
            }
            PathElement::Key(fields) => {
                out.push_str("k:{");
                for (index, (name, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    write_string(name, Escaping::JsoniterPlain, &mut out);
                    out.push(':');
                    write_jsoniter_value(value, &mut out);
                }
                out.push('}');
            }
            PathElement::Value(value) => {
                out.push_str("v:");
                write_jsoniter_value(value, &mut out);
            }
            PathElement::Index(index) => {
                out.push_str("i:");
                out.push_str(&index.to_string());
            }
        }
        out
    }

    /// `PathElement.Compare`: fields, then keys, then values, then indexes.
    fn compare(&self, other: &PathElement) -> Ordering {
        fn rank(element: &PathElement) -> u8 {
            match element {
                PathElement::Field(_) => 0,
                PathElement::Key(_) => 1,
                PathElement::Value(_) => 2,
                PathElement::Index(_) => 3,
            }
        }
        match (self, other) {
            (PathElement::Field(a), PathElement::Field(b)) => a.as_bytes().cmp(b.as_bytes()),
            (PathElement::Key(a), PathElement::Key(b)) => compare_key_fields(a, b),
            (PathElement::Value(a), PathElement::Value(b)) => a.compare(b),
            (PathElement::Index(a), PathElement::Index(b)) => a.cmp(b),
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// `FieldList.Compare`: lexically by name, then value; shorter first.
fn compare_key_fields(a: &[(String, GoValue)], b: &[(String, GoValue)]) -> Ordering {
    for (left, right) in a.iter().zip(b) {
        let order = left
            .0
            .as_bytes()
            .cmp(right.0.as_bytes())
            .then_with(|| left.1.compare(&right.1));
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

impl GoValue {
    /// structured-merge-diff's `value.Compare`: numbers, then strings,
    /// booleans, lists, maps and null, each ordered within.
    fn compare(&self, other: &GoValue) -> Ordering {
        fn rank(value: &GoValue) -> u8 {
            match value {
                GoValue::Float(_) => 0,
                GoValue::String(_) => 1,
                GoValue::Bool(_) => 2,
                GoValue::List(_) => 3,
                GoValue::Map(_) => 4,
                GoValue::Null => 5,
            }
        }
        match (self, other) {
            // Go's FloatCompare: neither greater nor less is equal (no NaN
            // comes out of JSON; -0 equals 0).
            (GoValue::Float(a), GoValue::Float(b)) => {
                if a > b {
                    Ordering::Greater
                } else if a < b {
                    Ordering::Less
                } else {
                    Ordering::Equal
                }
            }
            (GoValue::String(a), GoValue::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (GoValue::Bool(a), GoValue::Bool(b)) => a.cmp(b),
            (GoValue::List(a), GoValue::List(b)) => {
                for (left, right) in a.iter().zip(b) {
                    let order = left.compare(right);
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                a.len().cmp(&b.len())
            }
            (GoValue::Map(a), GoValue::Map(b)) => compare_maps(a, b),
            (GoValue::Null, GoValue::Null) => Ordering::Equal,
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// `MapCompareUsing` as written, quirks included: keys of both maps in
/// sorted order, and at step `i` the map of length `i` counts as smaller
/// before the values are looked at.
fn compare_maps(a: &BTreeMap<String, GoValue>, b: &BTreeMap<String, GoValue>) -> Ordering {
    if a.is_empty() && b.is_empty() {
        return Ordering::Equal;
    }
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for (step, key) in keys.into_iter().enumerate() {
        let order = if step == a.len() {
            Ordering::Less
        } else if step == b.len() {
            Ordering::Greater
        } else {
            match (a.get(key), b.get(key)) {
                (None, _) => Ordering::Greater,
                (_, None) => Ordering::Less,
                (Some(left), Some(right)) => left.compare(right),
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

// ---------------------------------------------------------------------------
// The JSON inside `v:` and `k:` keys, read the way jsoniter reads it.

/// Nesting deeper than this inside a path element is refused (jsoniter
/// allows 10000, which would risk the stack here).
const MAX_DEPTH: usize = 1000;

/// A reader for the JSON text after `v:`/`k:`. Like jsoniter it reads one
/// value and ignores whatever follows it.
struct JsonReader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> JsonReader<'a> {
    fn new(text: &'a str) -> JsonReader<'a> {
        JsonReader { text, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected {:?} at byte {}", byte as char, self.pos))
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(format!("expected {word} at byte {}", self.pos))
        }
    }

    /// The value of a `v:` key.
    fn first_value(mut self) -> Result<GoValue, String> {
        self.value(0)
    }

    /// The fields of a `k:` key, in text order with duplicates kept
    /// (jsoniter's `ReadObjectCB`); `null` reads as no fields.
    fn first_key_fields(mut self) -> Result<Vec<(String, GoValue)>, String> {
        self.skip_whitespace();
        if self.peek() == Some(b'n') {
            self.literal("null")?;
            return Ok(Vec::new());
        }
        let mut fields = Vec::new();
        self.object_members(0, |name, value| fields.push((name, value)))?;
        Ok(fields)
    }

    fn value(&mut self, depth: usize) -> Result<GoValue, String> {
        if depth > MAX_DEPTH {
            return Err("nesting too deep".to_owned());
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b'n') => self.literal("null").map(|()| GoValue::Null),
            Some(b't') => self.literal("true").map(|()| GoValue::Bool(true)),
            Some(b'f') => self.literal("false").map(|()| GoValue::Bool(false)),
            Some(b'"') => self.string().map(GoValue::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(GoValue::Float),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_whitespace();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(GoValue::List(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_whitespace();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(GoValue::List(items));
                        }
                        _ => return Err(format!("expected , or ] at byte {}", self.pos)),
                    }
                }
            }
            Some(b'{') => {
                // A decoded map: a repeated name keeps the last value.
                let mut map = BTreeMap::new();
                self.object_members(depth, |name, value| {
                    map.insert(name, value);
                })?;
                Ok(GoValue::Map(map))
            }
            _ => Err(format!("unexpected value at byte {}", self.pos)),
        }
    }

    /// The members of an object, handed to `each` in text order.
    fn object_members(
        &mut self,
        depth: usize,
        mut each: impl FnMut(String, GoValue),
    ) -> Result<(), String> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(format!("expected a member name at byte {}", self.pos));
            }
            let name = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            each(name, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(format!("expected , or }} at byte {}", self.pos)),
            }
        }
    }

    /// A number: jsoniter takes the run of number characters and parses it
    /// as a float64 (so `1x` is 1, and integers become floats).
    fn number(&mut self) -> Result<f64, String> {
        let start = self.pos;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.pos += 1;
        }
        let text = &self.text[start..self.pos];
        text.parse::<f64>()
            .map_err(|err| format!("number {text:?}: {err}"))
    }

    /// A string, escapes decoded; a lone surrogate becomes U+FFFD.
    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(stop) = rest.find(['"', '\\']) else {
                return Err("unterminated string".to_owned());
            };
            out.push_str(&rest[..stop]);
            self.pos += stop;
            if self.peek() == Some(b'"') {
                self.pos += 1;
                return Ok(out);
            }
            self.pos += 1; // the backslash
            let escape = self.peek().ok_or("unterminated escape")?;
            self.pos += 1;
            match escape {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let first = self.hex4()?;
                    let decoded = if (0xD800..0xDC00).contains(&first)
                        && self.text[self.pos..].starts_with("\\u")
                    {
                        let save = self.pos;
                        self.pos += 2;
                        let second = self.hex4()?;
                        if (0xDC00..0xE000).contains(&second) {
                            char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
                        } else {
                            // Not a pair: the second escape stands alone.
                            self.pos = save;
                            None
                        }
                    } else {
                        char::from_u32(first)
                    };
                    out.push(decoded.unwrap_or('\u{FFFD}'));
                }
                other => return Err(format!("invalid escape \\{}", other as char)),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or("short \\u escape")?;
        let code = u32::from_str_radix(digits, 16).map_err(|err| format!("\\u{digits}: {err}"))?;
        self.pos += 4;
        Ok(code)
    }
}

// ---------------------------------------------------------------------------
// Writing JSON as Go's encoders do.

/// Which Go string encoder to imitate.
#[derive(Clone, Copy, PartialEq)]
enum Escaping {
    /// `encoding/json` (HTML-safe): `\b` and `\f` short escapes, `<>&` and
    /// U+2028/U+2029 as `\u` escapes.
    EncodingJson,
    /// jsoniter's HTML-escaping string encoder (structured-merge-diff's
    /// values): like `encoding/json` but other control characters, `\b` and
    /// `\f` included, as `\u00XX`.
    JsoniterHtml,
    /// jsoniter's `WriteString` (object keys): only quotes, backslashes and
    /// control characters escaped.
    JsoniterPlain,
}

fn write_string(text: &str, escaping: Escaping, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let html = escaping != Escaping::JsoniterPlain;
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' if escaping == Escaping::EncodingJson => out.push_str("\\b"),
            '\u{c}' if escaping == Escaping::EncodingJson => out.push_str("\\f"),
            '<' | '>' | '&' if html => {
                out.push_str("\\u00");
                out.push(HEX[(ch as usize) >> 4] as char);
                out.push(HEX[(ch as usize) & 0xF] as char);
            }
            '\u{2028}' if html => out.push_str("\\u2028"),
            '\u{2029}' if html => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xF] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What `json.Marshal` makes of a `json.Marshaler`'s (already compact)
/// output: `<`, `>`, `&`, U+2028 and U+2029 escaped wherever they are.
fn write_compact_escaped(raw: &str, out: &mut String) {
    for ch in raw.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

/// `json.Marshal` of the value the unstructured converter holds for
/// `value`: objects with sorted keys, integers that fit an `int64` as
/// integers, other numbers as `float64`. (`-0` reads as a float here while
/// Go reads it as the integer 0; it cannot occur in a valid fieldset.)
fn write_go_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(number) => match (number.as_i64(), number.as_f64()) {
            (Some(int), _) => out.push_str(&int.to_string()),
            (None, Some(float)) => out.push_str(&format_float(float, true)),
            (None, None) => out.push_str(&number.to_string()),
        },
        Value::String(text) => write_string(text, Escaping::EncodingJson, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (index, (name, item)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(name, Escaping::EncodingJson, out);
                out.push(':');
                write_go_json(item, out);
            }
            out.push('}');
        }
    }
}

/// jsoniter's `WriteVal` of a decoded value (structured-merge-diff's
/// `v:`/`k:` contents): maps with sorted keys, HTML-escaped strings.
fn write_jsoniter_value(value: &GoValue, out: &mut String) {
    match value {
        GoValue::Null => out.push_str("null"),
        GoValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        GoValue::Float(float) => out.push_str(&format_float(*float, false)),
        GoValue::String(text) => write_string(text, Escaping::JsoniterHtml, out),
        GoValue::List(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_jsoniter_value(item, out);
            }
            out.push(']');
        }
        GoValue::Map(members) => {
            out.push('{');
            for (index, (name, item)) in members.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(name, Escaping::JsoniterHtml, out);
                out.push(':');
                write_jsoniter_value(item, out);
            }
            out.push('}');
        }
    }
}

/// A float64 as Go's JSON encoders write it: the shortest text that reads
/// back, in plain notation for `1e-6 <= |f| < 1e21` (and zero), otherwise
/// `strconv`'s exponent notation with at least two exponent digits
/// (`1e+21`, `2.5e-08`). `encoding/json` then shortens a negative
/// one-digit exponent (`2.5e-8`, `trim_exponent`); jsoniter does not.
fn format_float(value: f64, trim_exponent: bool) -> String {
    let abs = value.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        // Rust's Display is the shortest round-tripping text, never in
        // exponent form.
        return format!("{value}");
    }
    let text = format!("{value:e}");
    let Some((mantissa, exponent)) = text.split_once('e') else {
        return text;
    };
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exponent),
    };
    if trim_exponent && sign == '-' && digits.len() == 1 {
        format!("{mantissa}e-{digits}")
    } else {
        format!("{mantissa}e{sign}{digits:0>2}")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;

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

    #[test]
    fn fieldset_round_trip_orders_like_structured_merge_diff() {
        let raw = r#"{".":{},"f:b":{},"f:a":{".":{},"f:c":{}},"i:2":{},"i:10":{},"k:{\"p\":10}":{},"k:{\"p\":9}":{},"v:\"x\"":{},"v:1.0":{}}"#;
        let set = Set::from_json(raw).unwrap();
        assert_eq!(
            set.to_json(),
            r#"{"f:a":{".":{},"f:c":{}},"f:b":{},"k:{\"p\":9}":{},"k:{\"p\":10}":{},"v:1":{},"v:\"x\"":{},"i:2":{},"i:10":{}}"#
        );
        assert!(Set::from_json("").is_err());
        assert_eq!(Set::from_json("null").unwrap(), Set::default());
    }

    #[test]
    fn floats_format_like_go() {
        for (value, encoding_json, jsoniter) in [
            (1e21, "1e+21", "1e+21"),
            (2.5e-8, "2.5e-8", "2.5e-08"),
            (1e-7, "1e-7", "1e-07"),
            (1e-100, "1e-100", "1e-100"),
            (0.000001, "0.000001", "0.000001"),
            (
                123456789012345678901234.0,
                "1.2345678901234569e+23",
                "1.2345678901234569e+23",
            ),
            (-0.0, "-0", "-0"),
            (100.0, "100", "100"),
        ] {
            assert_eq!(format_float(value, true), encoding_json, "{value}");
            assert_eq!(format_float(value, false), jsoniter, "{value}");
        }
    }
}
