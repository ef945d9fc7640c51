//! Background tasks.
