//! structured-merge-diff's `fieldpath.Set` and its `FieldsV1`
//! serialization: reading, union, ordering and writing.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::read::JsonReader;
use crate::gojson::escape::{Escaping, write_string};
use crate::gojson::json::{Encoder, JsonError, write_value};
use crate::gojson::value::GoValue;

/// A set of field paths as a trie: `members` are the paths that end here,
/// `children` the subsets below a path element. Both are kept sorted by
/// [`PathElement::compare`] and free of equal elements.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Set {
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
    pub(super) fn from_json(raw: &str) -> Result<Set, String> {
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
    pub(super) fn union(&self, other: &Set) -> Set {
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
    pub(super) fn to_json(&self) -> Result<String, JsonError> {
        let mut out = String::from("{");
        self.write_contents(false, &mut out)?;
        out.push('}');
        Ok(out)
    }

    fn write_contents(&self, include_self: bool, out: &mut String) -> Result<(), JsonError> {
        let mut first = true;
        let mut key = |element: Option<&PathElement>, out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
            match element {
                None => write_string(out, ".", Escaping::JsoniterPlain),
                Some(element) => write_string(out, &element.serialize()?, Escaping::JsoniterPlain),
            }
            out.push(':');
            Ok::<(), JsonError>(())
        };
        if include_self && !(self.members.is_empty() && self.children.is_empty()) {
            key(None, out)?;
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
            key(Some(element), out)?;
            match subset {
                None => out.push_str("{}"),
                Some(subset) => {
                    out.push('{');
                    subset.write_contents(also_member, out)?;
                    out.push('}');
                }
            }
        }
        Ok(())
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
    fn serialize(&self) -> Result<String, JsonError> {
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
                    write_string(&mut out, name, Escaping::JsoniterPlain);
                    out.push(':');
                    write_value(&mut out, value, Encoder::Jsoniter)?;
                }
                out.push('}');
            }
            PathElement::Value(value) => {
                out.push_str("v:");
                write_value(&mut out, value, Encoder::Jsoniter)?;
            }
            PathElement::Index(index) => {
                out.push_str("i:");
                out.push_str(&index.to_string());
            }
        }
        Ok(out)
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
            (PathElement::Value(a), PathElement::Value(b)) => compare_values(a, b),
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
            .then_with(|| compare_values(&left.1, &right.1));
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// structured-merge-diff's `value.Compare`: numbers, then strings,
/// booleans, lists, maps and null, each ordered within. (The reader only
/// makes floats, never Go integers or structs; an integer compares as the
/// number it is and a struct after everything else.)
fn compare_values(a: &GoValue, b: &GoValue) -> Ordering {
    fn rank(value: &GoValue) -> u8 {
        match value {
            GoValue::Float(_) | GoValue::Int(_) => 0,
            GoValue::String(_) => 1,
            GoValue::Bool(_) => 2,
            GoValue::Array(_) => 3,
            GoValue::Map(_) => 4,
            GoValue::Null => 5,
            GoValue::Struct(_) => 6,
        }
    }
    let number = |value: &GoValue| match value {
        GoValue::Float(f) => Some(*f),
        GoValue::Int(i) => Some(*i as f64),
        _ => None,
    };
    match (a, b) {
        (GoValue::String(a), GoValue::String(b)) => a.as_bytes().cmp(b.as_bytes()),
        (GoValue::Bool(a), GoValue::Bool(b)) => a.cmp(b),
        (GoValue::Array(a), GoValue::Array(b)) => {
            for (left, right) in a.iter().zip(b) {
                let order = compare_values(left, right);
                if order != Ordering::Equal {
                    return order;
                }
            }
            a.len().cmp(&b.len())
        }
        (GoValue::Map(a), GoValue::Map(b)) => compare_maps(a, b),
        _ => match (number(a), number(b)) {
            // Go's FloatCompare: neither greater nor less is equal (no NaN
            // comes out of JSON; -0 equals 0).
            (Some(a), Some(b)) => {
                if a > b {
                    Ordering::Greater
                } else if a < b {
                    Ordering::Less
                } else {
                    Ordering::Equal
                }
            }
            _ => rank(a).cmp(&rank(b)),
        },
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
                (Some(left), Some(right)) => compare_values(left, right),
            }
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn fieldset_round_trip_orders_like_structured_merge_diff() {
        let raw = r#"{".":{},"f:b":{},"f:a":{".":{},"f:c":{}},"i:2":{},"i:10":{},"k:{\"p\":10}":{},"k:{\"p\":9}":{},"v:\"x\"":{},"v:1.0":{}}"#;
        let set = Set::from_json(raw).unwrap();
        assert_eq!(
            set.to_json().unwrap(),
            r#"{"f:a":{".":{},"f:c":{}},"f:b":{},"k:{\"p\":9}":{},"k:{\"p\":10}":{},"v:1":{},"v:\"x\"":{},"i:2":{},"i:10":{}}"#
        );
        assert!(Set::from_json("").is_err());
        assert_eq!(Set::from_json("null").unwrap(), Set::default());
    }
}
