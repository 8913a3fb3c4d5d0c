//! Core errors become the Python exceptions of `onstream.exceptions`.
//!
//! The classes are defined in Python so that each can inherit both `OnstreamError` and the matching
//! builtin (`InvalidParameterError` is also a `ValueError`); they are imported here. The newtype
//! sidesteps the orphan rule: neither `onstream_core::Error` nor `PyErr` is this crate's.

use onstream_core::Error;
use pyo3::prelude::*;

pyo3::import_exception!(onstream.exceptions, InvalidParameterError);
pyo3::import_exception!(onstream.exceptions, ShapeMismatchError);
pyo3::import_exception!(onstream.exceptions, NonFiniteError);
pyo3::import_exception!(onstream.exceptions, OutOfRangeError);
pyo3::import_exception!(onstream.exceptions, EmptyInputError);
pyo3::import_exception!(onstream.exceptions, BudgetExhaustedError);
pyo3::import_exception!(onstream.exceptions, SnapshotVersionError);
pyo3::import_exception!(onstream.exceptions, SnapshotError);
pyo3::import_exception!(onstream.exceptions, NumericalError);
pyo3::import_exception!(onstream.exceptions, InternalError);

/// A core error on its way to Python.
pub struct CoreError(pub Error);

impl From<CoreError> for PyErr {
    fn from(CoreError(e): CoreError) -> PyErr {
        let msg = e.to_string();
        match e {
            Error::InvalidParameter { .. } => InvalidParameterError::new_err(msg),
            Error::ShapeMismatch { .. } => ShapeMismatchError::new_err(msg),
            Error::NonFinite { .. } => NonFiniteError::new_err(msg),
            Error::OutOfRange { .. } => OutOfRangeError::new_err(msg),
            Error::Empty { .. } => EmptyInputError::new_err(msg),
            Error::BudgetExhausted(_) => BudgetExhaustedError::new_err(msg),
            Error::SnapshotVersion { .. } => SnapshotVersionError::new_err(msg),
            Error::Snapshot(_) => SnapshotError::new_err(msg),
            Error::Numerical(_) => NumericalError::new_err(msg),
            // `Error` is non-exhaustive: a variant added later is still an OnstreamError.
            _ => InternalError::new_err(msg),
        }
    }
}

/// `.py()` on a core result: the one place core errors are converted.
pub trait IntoPyResult<T> {
    fn py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for onstream_core::Result<T> {
    fn py(self) -> PyResult<T> {
        self.map_err(|e| CoreError(e).into())
    }
}
