//! (in progress)
//! The parser (in progress).

pub(super) mod quote;

use super::error::ParseError;
use super::set::Templates;

/// Parses `text` as template `name` into `set`.
pub(super) fn parse_into(
    _set: &mut Templates,
    _name: &str,
    _text: &[u8],
) -> Result<(), ParseError> {
    todo!("parser")
}
