//! CUDA sources carried inside the extension (see build.rs), served to `onstream.gpu`.

use onstream_core::Error;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

static KERNELS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/kernels.rs"));

/// Names of the embedded kernel sources (`gpu/<name>.cu`), sorted.
#[pyfunction]
pub fn kernel_names() -> Vec<&'static str> {
    KERNELS.iter().map(|(name, _)| *name).collect()
}

/// The embedded source of `gpu/<name>.cu`.
#[pyfunction]
pub fn kernel_source(name: &str) -> PyResult<&'static str> {
    KERNELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, src)| *src)
        .ok_or_else(|| {
            Error::invalid(
                "name",
                format!("{name:?}"),
                format!("one of {:?}", kernel_names()),
            )
        })
        .py()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kernel_names, m)?)?;
    m.add_function(wrap_pyfunction!(kernel_source, m)?)?;
    Ok(())
}
