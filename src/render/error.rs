//! Rendering errors with helm's texts.

/// Why a render failed. `Display` is helm's message (v3's or v4's,
/// depending on the render's compat).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or execute, already formatted as helm
    /// prints it.
    #[error("{0}")]
    Template(String),
}

impl RenderError {
    /// The error's kind for exit codes and callers.
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}
