//! Go's `strconv` number and quoting texts (in progress).
