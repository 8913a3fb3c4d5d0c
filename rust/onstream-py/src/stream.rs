//! Bindings of `onstream_core::stream`.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use onstream_core::snapshot;
use onstream_core::stream::Reservoir;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::IntoPyResult;
use crate::pickling;
use crate::run::attached;

#[pyclass(name = "Reservoir", module = "onstream._core")]
pub struct PyReservoir {
    inner: Reservoir,
}

#[pymethods]
impl PyReservoir {
    #[new]
    #[pyo3(signature = (k, seed = None))]
    fn new(k: usize, seed: Option<u64>) -> PyResult<Self> {
        Ok(PyReservoir {
            inner: Reservoir::new(k, seed).py()?,
        })
    }

    fn push(&mut self, item: i64) {
        self.inner.push(item);
    }

    /// Skips cost nothing, so even long arrays take microseconds: no need to detach.
    fn push_many(&mut self, items: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let items = items.as_slice()?;
        attached(|| {
            self.inner.push_many(items);
            Ok(())
        })
    }

    fn sample<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        self.inner.sample().to_vec().into_pyarray(py)
    }

    #[getter]
    fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    #[getter]
    fn seen(&self) -> u64 {
        self.inner.seen()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyReservoir {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyReservoir>()?;
    Ok(())
}
