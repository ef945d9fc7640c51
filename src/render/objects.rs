//! The render values (in progress).
