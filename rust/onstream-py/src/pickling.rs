//! What every streaming class's `to_bytes` and `__reduce__` share: its snapshot as Python
//! `bytes`, and pickling through the class's own `from_bytes` (so a pickle holds the same
//! versioned, validated bytes as `to_bytes`, never a Python-side copy of the state).

use onstream_core::snapshot::{self, Snapshot};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use pyo3::PyClass;

use crate::errors::IntoPyResult;

/// The snapshot of `inner` as `bytes`.
pub fn bytes_of<'py, T: Snapshot>(py: Python<'py>, inner: &T) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = snapshot::to_bytes(inner).py()?;
    Ok(PyBytes::new(py, &bytes))
}

/// `(type(obj).from_bytes, (bytes,))`, what `__reduce__` returns.
pub fn reduce<'py, C: PyClass>(
    slf: &Bound<'py, C>,
    bytes: Bound<'py, PyBytes>,
) -> PyResult<Bound<'py, PyTuple>> {
    let py = slf.py();
    let restore = py.get_type::<C>().getattr("from_bytes")?;
    (restore, (bytes,)).into_pyobject(py)
}
