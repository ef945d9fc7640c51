//! A port of Go's `fmt` printing over template values: `print`, `printf`,
//! `println`, and how an action prints its value.

use super::value::Value;

/// Go's `fmt.Sprint`: operands' `%v` forms, with a space between two
/// operands when neither is a string.
pub fn sprint(args: &[Value]) -> Vec<u8> {
    let _ = args;
    todo!("fmt port")
}

/// Go's `fmt.Sprintln`: operands' `%v` forms separated by spaces, then a
/// newline.
pub fn sprintln(args: &[Value]) -> Vec<u8> {
    let _ = args;
    todo!("fmt port")
}

/// Go's `fmt.Sprintf`, every verb, flag, width and precision, including
/// the `%!verb(type=value)`, `%!d(MISSING)` and `%!(EXTRA ...)` markers.
pub fn sprintf(format: &[u8], args: &[Value]) -> Vec<u8> {
    let _ = (format, args);
    todo!("fmt port")
}
