//! Helm's template functions (in progress).
