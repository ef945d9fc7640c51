//! Ownership migration: decoding `metadata.managedFields` as client-go's
//! unstructured converter does, and `upgradedManagedFields`, which folds
//! the client-side `Update` entries into the server-side `Apply` entry.

use jiff::tz::Offset;
use serde_json::{Map, Value};

use super::CsaError;
use super::fieldset::Set;
use super::patch::write_go_json;
use crate::gojson::time::GoTime;

/// `metav1.ManagedFieldsOperationApply`.
const APPLY: &str = "Apply";
/// `metav1.ManagedFieldsOperationUpdate`.
const UPDATE: &str = "Update";

/// One `metav1.ManagedFieldsEntry` as client-go holds it after decoding it
/// from the unstructured object. Absent and `null` strings are empty, as in
/// Go.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Entry {
    pub(super) manager: String,
    pub(super) operation: String,
    pub(super) api_version: String,
    /// The JSON Go writes for the decoded time (`null` for the zero time);
    /// `None` when the entry has no time.
    pub(super) time: Option<String>,
    pub(super) fields_type: String,
    /// `FieldsV1.Raw`: the JSON text of the fieldset, `None` when the entry
    /// has none. Read from the object it is `encoding/json`'s text of the
    /// value (sorted keys); rewritten it is structured-merge-diff's.
    pub(super) fields_v1: Option<String>,
    pub(super) subresource: String,
}

/// `Unstructured.GetManagedFields`: `None` (Go's nil slice) when
/// `metadata.managedFields` is absent, not a list, or has an entry that
/// does not convert to `ManagedFieldsEntry`.
pub(super) fn decode_managed_fields(object: &Map<String, Value>) -> Option<Vec<Entry>> {
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
pub(super) fn resource_version(object: &Map<String, Value>) -> &str {
    object
        .get("metadata")
        .and_then(|metadata| metadata.get("resourceVersion"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// client-go's `upgradedManagedFields` for one client-side manager name.
pub(super) fn upgrade_entries(
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
    let text = fields.to_json().map_err(|err| CsaError::FieldSet {
        manager: entries[target].manager.clone(),
        api_version: entries[target].api_version.clone(),
        reason: err.to_string(),
    })?;
    if let Some(raw) = entries[target].fields_v1.as_mut() {
        *raw = text;
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
