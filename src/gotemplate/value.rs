//! The Go-typed value model templates execute over.
//!
//! Go's templates run on `reflect.Value`s, and Helm's output depends on the
//! dynamic Go type of every value: a number from `values.yaml` is a
//! `float64` and prints `1e+06`, the same number from `--set` is an `int64`
//! and prints `1000000`; `eq` refuses to compare the two; `.Values` is a
//! named map type (`chartutil.Values`) that `typeOf` reports. [`Value`]
//! keeps exactly the distinctions that show.
//!
//! Maps are shared and mutable, as Go maps are: Sprig's `set` and `merge`
//! change a map every holder sees (charts rely on `$_ := set $d "k" v`).
//! Lists are immutable: no Sprig or Helm function changes a slice in place.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use super::func::Func;

/// A Go string: bytes, not necessarily UTF-8 (`trunc` and `substr` cut in
/// the middle of a rune as Go does). Cheap to clone.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Str(Rc<[u8]>);

impl Str {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text, with invalid UTF-8 replaced by U+FFFD (what Go's
    /// `for range` over a string yields for each bad byte).
    pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// The text if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Length in bytes, as Go's `len`.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_str_lossy(), f)
    }
}

impl std::borrow::Borrow<[u8]> for Str {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str(Rc::from(s.as_bytes()))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str(Rc::from(s.into_bytes()))
    }
}

impl From<&[u8]> for Str {
    fn from(s: &[u8]) -> Str {
        Str(Rc::from(s))
    }
}

impl From<Vec<u8>> for Str {
    fn from(s: Vec<u8>) -> Str {
        Str(Rc::from(s))
    }
}

/// Go's signed integer kinds. Only `int` and `int64` occur in Helm's data
/// (`int` for `.Release.Revision` and Go functions, `int64` for `--set`
/// values and Sprig's math); the others exist for `%T` and conversions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntKind {
    /// `int` (64 bits, as on amd64).
    Int,
    /// `int8`.
    Int8,
    /// `int16`.
    Int16,
    /// `int32` (also `rune`).
    Int32,
    /// `int64`.
    Int64,
}

/// Go's unsigned integer kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UintKind {
    /// `uint`.
    Uint,
    /// `uint8` (also `byte`).
    Uint8,
    /// `uint16`.
    Uint16,
    /// `uint32`.
    Uint32,
    /// `uint64`.
    Uint64,
    /// `uintptr`.
    Uintptr,
}

/// Go's float kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatKind {
    /// `float32`: printed with 32-bit shortest digits.
    F32,
    /// `float64`.
    F64,
}

/// A Go type, as far as templates can tell types apart: function
/// signatures (argument conversion and its errors), typed nils, slice and
/// map element types, and the names `%T`, `typeOf` and `kindOf` print.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `interface {}` (`any`).
    Interface,
    /// `error` (a function's second result).
    Error,
    /// `bool`.
    Bool,
    /// A signed integer kind.
    Int(IntKind),
    /// An unsigned integer kind.
    Uint(UintKind),
    /// A float kind.
    Float(FloatKind),
    /// `string`.
    String,
    /// `[]byte` (`[]uint8`).
    Bytes,
    /// `[]T`.
    Slice(Box<Type>),
    /// `map[string]T`, optionally a named type (`chartutil.Values`,
    /// `common.Values`, `engine.files`) that `%T` prints instead.
    Map(Box<Type>, Option<Rc<str>>),
    /// A host object's type, by its Go name (`*chartutil.Capabilities`).
    Named(Rc<str>),
    /// A Go function value (`call`'s argument).
    Func,
}

/// A Go value as a template sees it.
#[derive(Clone, Debug)]
pub enum Value {
    /// The invalid `reflect.Value`: "no value". What a missing map key
    /// becomes after a pipeline stage, printed as `<no value>`.
    Invalid,
    /// A typed nil: a nil interface stored in a map (`key: null`), a nil
    /// slice (Sprig's `slice` of nothing), a nil map or pointer.
    Nil(Type),
    /// `bool`.
    Bool(bool),
    /// A signed integer of the given kind.
    Int(i64, IntKind),
    /// An unsigned integer of the given kind.
    Uint(u64, UintKind),
    /// A float of the given kind.
    Float(f64, FloatKind),
    /// `string`.
    String(Str),
    /// `[]byte`.
    Bytes(Rc<[u8]>),
    /// A slice.
    List(List),
    /// A map with string keys.
    Map(Map),
    /// A host object with fields and methods (`.Files`, `.Capabilities`).
    Object(Rc<dyn Object>),
    /// A function value (for `call`).
    Func(Rc<Func>),
}

impl Value {
    /// A Go `string`.
    pub fn string(s: impl Into<Str>) -> Value {
        Value::String(s.into())
    }

    /// A Go `int`.
    pub fn int(i: i64) -> Value {
        Value::Int(i, IntKind::Int)
    }

    /// A Go `int64`.
    pub fn int64(i: i64) -> Value {
        Value::Int(i, IntKind::Int64)
    }

    /// A Go `float64`.
    pub fn float64(f: f64) -> Value {
        Value::Float(f, FloatKind::F64)
    }

    /// A new `[]interface {}`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(List::new(Type::Interface, items))
    }

    /// A new, unnamed `map[string]interface {}`.
    pub fn map(entries: BTreeMap<Str, Value>) -> Value {
        Value::Map(Map::new(Type::Interface, None, entries))
    }

    /// The nil interface (a `null` in a values file).
    pub fn nil() -> Value {
        Value::Nil(Type::Interface)
    }

    /// The value's dynamic Go type (`Invalid` has none: `None`).
    pub fn go_type(&self) -> Option<Type> {
        Some(match self {
            Value::Invalid => return None,
            Value::Nil(t) => t.clone(),
            Value::Bool(_) => Type::Bool,
            Value::Int(_, k) => Type::Int(*k),
            Value::Uint(_, k) => Type::Uint(*k),
            Value::Float(_, k) => Type::Float(*k),
            Value::String(_) => Type::String,
            Value::Bytes(_) => Type::Bytes,
            Value::List(l) => Type::Slice(Box::new(l.elem().clone())),
            Value::Map(m) => m.go_type(),
            Value::Object(o) => Type::Named(Rc::from(o.type_name().as_str())),
            Value::Func(_) => Type::Func,
        })
    }

    /// Whether this is the invalid value or a nil of any type.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Invalid | Value::Nil(_))
    }
}

/// A Go slice: element type and items, shared and immutable.
#[derive(Clone, Debug)]
pub struct List(Rc<ListData>);

#[derive(Debug)]
struct ListData {
    elem: Type,
    items: Vec<Value>,
}

impl List {
    /// A slice of `elem` with these items.
    pub fn new(elem: Type, items: Vec<Value>) -> List {
        List(Rc::new(ListData { elem, items }))
    }

    /// The element type.
    pub fn elem(&self) -> &Type {
        &self.0.elem
    }

    /// The items.
    pub fn items(&self) -> &[Value] {
        &self.0.items
    }

    /// Whether two handles are the same slice.
    pub fn ptr_eq(&self, other: &List) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A Go map with string keys: shared and mutable, as Go maps are.
/// Iteration is in key byte order, which is the order Go's templates,
/// `fmt` and `encoding/json` use.
#[derive(Clone, Debug)]
pub struct Map(Rc<MapData>);

#[derive(Debug)]
struct MapData {
    elem: Type,
    name: Option<Rc<str>>,
    entries: RefCell<BTreeMap<Str, Value>>,
}

impl Map {
    /// A map of `elem` values, of the named type `name` if any.
    pub fn new(elem: Type, name: Option<Rc<str>>, entries: BTreeMap<Str, Value>) -> Map {
        Map(Rc::new(MapData {
            elem,
            name,
            entries: RefCell::new(entries),
        }))
    }

    /// The element type.
    pub fn elem(&self) -> &Type {
        &self.0.elem
    }

    /// The named type (`chartutil.Values`), if any.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// The map's Go type.
    pub fn go_type(&self) -> Type {
        Type::Map(Box::new(self.0.elem.clone()), self.0.name.clone())
    }

    /// The value stored under `key`, if present.
    pub fn get(&self, key: &[u8]) -> Option<Value> {
        self.0.entries.borrow().get(key).cloned()
    }

    /// Stores `value` under `key` (Go `m[key] = value`).
    pub fn insert(&self, key: Str, value: Value) {
        self.0.entries.borrow_mut().insert(key, value);
    }

    /// Deletes `key` (Go `delete(m, key)`).
    pub fn remove(&self, key: &[u8]) -> Option<Value> {
        self.0.entries.borrow_mut().remove(key)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.entries.borrow().len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.0.entries.borrow().is_empty()
    }

    /// A snapshot of the entries in key order (safe to hold while the map
    /// is changed, as Go's `range` over a map being modified is).
    pub fn entries(&self) -> Vec<(Str, Value)> {
        self.0
            .entries
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The keys in byte order.
    pub fn keys(&self) -> Vec<Str> {
        self.0.entries.borrow().keys().cloned().collect()
    }

    /// Whether two handles are the same map.
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// A host object: a Go struct or pointer the template reaches with field
/// and method syntax (`.Capabilities.KubeVersion.Major`,
/// `.Files.Get "x"`, `.Capabilities.APIVersions.Has "v1"`).
pub trait Object: fmt::Debug {
    /// Go's name for the type as `%T` prints it (`*chartutil.Capabilities`).
    fn type_name(&self) -> String;

    /// The method called `name`, if the type has one. Go looks methods up
    /// before fields.
    fn method(&self, name: &str) -> Option<Func>;

    /// The exported field called `name`, if the type has one.
    fn field(&self, name: &str) -> Option<Value>;

    /// How `fmt`'s `%v` prints the object (a `String()` method's result
    /// when the type has one, else Go's struct notation `{a b}`).
    fn format_v(&self) -> String;

    /// For a Go named map or slice type with methods (helm's `engine.files`,
    /// `chartutil.VersionSet`): the map or slice value itself, which
    /// `range`, `index`, `len` and key lookup use. `None` for structs and
    /// pointers.
    fn as_value(&self) -> Option<Value> {
        None
    }

    /// For a Go struct whose `String()` has a pointer receiver (helm's
    /// `KubeVersion`, reached as an addressable field): its fields in
    /// order, as (name, value). A template action prints such an object
    /// through `String()` ([`Object::format_v`]), but `fmt` gets a copy
    /// of the struct, which is no `Stringer`, and prints the fields
    /// (`{a b}`, `{A:a B:b}` for `%+v`). `None` (the default): `fmt`
    /// prints [`Object::format_v`].
    fn struct_fields(&self) -> Option<Vec<(String, Value)>> {
        None
    }
}
