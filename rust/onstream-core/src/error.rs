//! The one error type of the core. Every variant maps to one Python exception class
//! (`python/onstream/exceptions.py`); messages name the argument, the value and what was expected.

use std::fmt;

/// Everything that can go wrong in the core on bad input or bad state.
///
/// The core never panics on user input: functions validate and return one of these.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A scalar parameter is outside its domain (negative size, zero capacity, reg <= 0, ...).
    #[error("invalid {name}: got {got}, expected {expected}")]
    InvalidParameter {
        name: &'static str,
        got: String,
        expected: String,
    },
    /// Array lengths or shapes disagree.
    #[error("shape mismatch for {name}: got {got}, expected {expected}")]
    ShapeMismatch {
        name: &'static str,
        got: String,
        expected: String,
    },
    /// A NaN (or an infinity where none is allowed) in numeric input.
    #[error("non-finite value in {name} at index {index}: {value}")]
    NonFinite {
        name: &'static str,
        index: usize,
        value: f64,
    },
    /// An id or index outside its valid range.
    #[error("{name} out of range at index {index}: got {got}, expected {expected}")]
    OutOfRange {
        name: &'static str,
        index: usize,
        got: String,
        expected: String,
    },
    /// Input that must not be empty is empty.
    #[error("{name} is empty; expected at least one element")]
    Empty { name: &'static str },
    /// A privacy budget (or any other finite allowance) is spent.
    #[error("budget exhausted: {0}")]
    BudgetExhausted(String),
    /// A snapshot written by an unknown format version.
    #[error("snapshot of {kind} has format version {found}; this build reads version {supported}")]
    SnapshotVersion {
        kind: String,
        found: u32,
        supported: u32,
    },
    /// Bytes that are not a snapshot of the expected kind, or are damaged.
    #[error("invalid snapshot: {0}")]
    Snapshot(String),
    /// A computation left the range floating point can represent (an underflowed kernel, an
    /// overflowing scaling): the input is valid but this method cannot handle it; the message
    /// names the method that can.
    #[error("numerical failure: {0}")]
    Numerical(String),
    /// A broken internal invariant: a bug in onstream, reported instead of a crash.
    #[error("internal error (a bug in onstream; please report it): {0}")]
    Internal(String),
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// `InvalidParameter` with the received value formatted by `Display`.
    pub fn invalid(
        name: &'static str,
        got: impl fmt::Display,
        expected: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name,
            got: got.to_string(),
            expected: expected.into(),
        }
    }

    /// `ShapeMismatch` with both sides formatted by `Display`.
    pub fn shape(name: &'static str, got: impl fmt::Display, expected: impl fmt::Display) -> Self {
        Error::ShapeMismatch {
            name,
            got: got.to_string(),
            expected: expected.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_argument_value_and_expectation() {
        let e = Error::invalid("capacity", -3, "a positive integer");
        assert_eq!(
            e.to_string(),
            "invalid capacity: got -3, expected a positive integer"
        );
        let e = Error::shape("weights", 4, 5);
        assert_eq!(
            e.to_string(),
            "shape mismatch for weights: got 4, expected 5"
        );
    }
}
