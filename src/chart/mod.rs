//! Charts: the model, loading from a directory or an archive, validation,
//! packaging and the form stored in release records.

pub mod decode;
pub mod dependencies;
pub mod error;
pub mod helmignore;
pub mod load;
pub mod model;
pub mod package;
pub mod record;
pub mod show;
pub mod validate;

pub use error::ChartError;
pub use load::{load, load_archive, load_archive_bytes, load_dir};
pub use model::{Chart, Dependency, File, Lock, Maintainer, Metadata, Values};
pub use validate::validate;
