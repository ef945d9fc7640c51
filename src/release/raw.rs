//! JSON objects kept as raw text, member by member.
//!
//! Records are decoded leniently: the members rudder understands are parsed
//! into typed fields, and every other member is kept as the exact JSON text
//! it was read as, so it is written back unchanged (numbers of any size
//! included). Only `serde_json` can hand out raw text, so these types work
//! with `serde_json` alone.

use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// One member value, exactly as read.
pub type Raw = Box<RawValue>;

/// A JSON object whose members are raw JSON text, in document order.
#[derive(Clone, Debug, Default)]
pub struct RawObject(Vec<(String, Raw)>);

impl RawObject {
    /// Removes and returns the member Go's `encoding/json` would bind to a
    /// struct field named `key`: an exact match if there is one, otherwise a
    /// case-insensitive one (Go matches field names that way), and of
    /// several, the last (Go lets later duplicates win).
    pub fn take_raw(&mut self, key: &str) -> Option<Raw> {
        let exact = self.0.iter().rposition(|(k, _)| k == key);
        let idx = exact.or_else(|| {
            self.0
                .iter()
                .rposition(|(k, _)| k.eq_ignore_ascii_case(key))
        })?;
        let (_, v) = self.0.remove(idx);
        // Earlier duplicates of the same field lose to the one taken; drop
        // them so they are not written back as "unknown" members.
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        Some(v)
    }

    /// Takes a member and parses it; `null` counts as absent, as for a Go
    /// non-pointer field.
    pub fn take<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, FieldError> {
        match self.take_raw(key) {
            None => Ok(None),
            Some(raw) if raw.get() == "null" => Ok(None),
            Some(raw) => serde_json::from_str(raw.get())
                .map(Some)
                .map_err(|e| FieldError::new(key, e.to_string())),
        }
    }

    /// The members not taken, in document order.
    pub fn members(&self) -> &[(String, Raw)] {
        &self.0
    }

    /// True when no members are left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds or replaces a member.
    pub fn insert(&mut self, key: &str, value: Raw) {
        if let Some(slot) = self.0.iter_mut().find(|(k, _)| k == key) {
            slot.1 = value;
        } else {
            self.0.push((key.to_string(), value));
        }
    }

    /// Looks a member up by exact key.
    pub fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| &**v)
    }
}

/// A member that is present but of the wrong shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field:?}: {message}")]
pub struct FieldError {
    /// The JSON member name.
    pub field: String,
    /// What was wrong with it.
    pub message: String,
}

impl FieldError {
    /// A new error for `field`.
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some((k, v)) = map.next_entry::<String, Raw>()? {
                    out.push((k, v));
                }
                Ok(RawObject(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Serialize for RawObject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// Makes a raw value from something serialisable.
pub fn to_raw<T: Serialize + ?Sized>(v: &T) -> Result<Raw, serde_json::Error> {
    RawValue::from_string(serde_json::to_string(v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_exact_text_and_matches_like_go() {
        let text =
            r#"{"b":1,"Name":"x","huge":123456789012345678901234567890,"name":"y","z":1.50}"#;
        let mut o: RawObject = serde_json::from_str(text).expect("parse");
        // Exact match wins over the case-insensitive one; the other copy is
        // dropped rather than kept as an unknown member.
        assert_eq!(o.take::<String>("name"), Ok(Some("y".to_string())));
        let rest: Vec<_> = o
            .members()
            .iter()
            .map(|(k, v)| format!("{k}={}", v.get()))
            .collect();
        assert_eq!(
            rest,
            ["b=1", "huge=123456789012345678901234567890", "z=1.50"]
        );
        assert_eq!(
            serde_json::to_string(&o).expect("write"),
            r#"{"b":1,"huge":123456789012345678901234567890,"z":1.50}"#
        );
    }

    #[test]
    fn null_is_absent_and_wrong_types_name_the_field() {
        let mut o: RawObject = serde_json::from_str(r#"{"a":null,"v":"3"}"#).expect("parse");
        assert_eq!(o.take::<i64>("a"), Ok(None));
        let err = o.take::<i64>("v").expect_err("string is not an int");
        assert_eq!(err.field, "v");
    }
}
