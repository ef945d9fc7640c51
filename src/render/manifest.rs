//! Manifest assembly (in progress).
