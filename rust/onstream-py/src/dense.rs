//! Bindings of `onstream_core::dense`.

use numpy::{IntoPyArray, PyReadonlyArray2, PyUntypedArrayMethods};
use onstream_core::dense::{self, Axis, Real};
use onstream_core::Error;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;
use crate::run::detached;

/// A C-contiguous float32 or float64 matrix, borrowed without a copy.
#[derive(FromPyObject)]
pub enum FloatMatrix<'py> {
    F32(PyReadonlyArray2<'py, f32>),
    F64(PyReadonlyArray2<'py, f64>),
}

fn lse<'py, T: Real + numpy::Element>(
    py: Python<'py>,
    x: &PyReadonlyArray2<'py, T>,
    axis: Axis,
) -> PyResult<Bound<'py, PyAny>> {
    let (n_rows, n_cols) = (x.shape()[0], x.shape()[1]);
    let data = x.as_slice()?;
    let out = detached(py, || dense::logsumexp(data, n_rows, n_cols, axis))?;
    Ok(out.into_pyarray(py).into_any())
}

/// Log-sum-exp of a matrix along `axis` (0: per column, 1: per row), on the CPU.
#[pyfunction]
pub fn logsumexp<'py>(
    py: Python<'py>,
    x: FloatMatrix<'py>,
    axis: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let axis = match axis {
        0 => Axis::Cols,
        1 => Axis::Rows,
        other => return Err(Error::invalid("axis", other, "0 or 1")).py(),
    };
    match &x {
        FloatMatrix::F32(a) => lse(py, a, axis),
        FloatMatrix::F64(a) => lse(py, a, axis),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(logsumexp, m)?)?;
    Ok(())
}
