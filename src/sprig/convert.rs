//! The conversions Sprig applies to `interface{}` arguments: spf13/cast
//! (`toInt`, `toFloat64`, ...) and Sprig's own `strval`/`strslice`.

use crate::gotemplate::{Str, Value};

/// spf13/cast `ToInt64` (errors give 0): `"010"` = 8, `"08"` = 0,
/// `1.9` = 1, overflowing floats give `i64::MIN` as Go on amd64.
pub fn to_int64(v: &Value) -> i64 {
    let _ = v;
    todo!("cast")
}

/// spf13/cast `ToInt` (same rules, Go `int`).
pub fn to_int(v: &Value) -> i64 {
    to_int64(v)
}

/// spf13/cast `ToFloat64`.
pub fn to_float64(v: &Value) -> f64 {
    let _ = v;
    todo!("cast")
}

/// spf13/cast `ToString` (`toString` is Sprig's `strval`, not this).
pub fn to_string(v: &Value) -> Str {
    let _ = v;
    todo!("cast")
}

/// Sprig's `strval`: strings as they are, `[]byte` as text, errors and
/// Stringers by their text, everything else as `fmt.Sprintf("%v")`.
pub fn strval(v: &Value) -> Str {
    let _ = v;
    todo!("strval")
}

/// Sprig's `strslice`: a list's items through `strval`, nils dropped; a
/// non-list as a one-item list.
pub fn strslice(v: &Value) -> Vec<Str> {
    let _ = v;
    todo!("strslice")
}
