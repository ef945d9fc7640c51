//! Which helm major version rudder imitates where helm v3 and v4 differ
//! (default `list` states, `status` layout, JSON fields, warnings).

/// Which helm major version to imitate where they differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compat {
    /// helm v3.
    V3,
    /// helm v4 (the default).
    #[default]
    V4,
}
