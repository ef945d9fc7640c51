//! The executor (in progress).

use super::error::ExecError;
use super::set::Templates;
use super::value::Value;

/// Executes template `name` of `set`.
pub(super) fn execute(_set: &Templates, _name: &str, _data: Value) -> Result<Vec<u8>, ExecError> {
    todo!("executor")
}
