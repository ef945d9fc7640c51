//! Charts: the model, loading from a directory or an archive, validation,
//! packaging and the form stored in release records.

pub mod model;

pub use model::{Chart, Dependency, File, Lock, Maintainer, Metadata, Values};
