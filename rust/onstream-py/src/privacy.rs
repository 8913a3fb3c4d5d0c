//! Bindings of `onstream_core::privacy`.

use numpy::{IntoPyArray, PyArray1};
use onstream_core::privacy::batch::{sample, Noise};
use onstream_core::privacy::SecureRng;
use pyo3::prelude::*;

use crate::run::detached;

fn generator(insecure_seed: Option<u64>) -> SecureRng {
    insecure_seed.map_or_else(SecureRng::from_os, SecureRng::insecure)
}

/// `size` exact discrete Laplace draws with scale `num/den`.
#[pyfunction]
#[pyo3(signature = (num, den, size, insecure_seed = None))]
pub fn privacy_discrete_laplace<'py>(
    py: Python<'py>,
    num: u64,
    den: u64,
    size: usize,
    insecure_seed: Option<u64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let rng = generator(insecure_seed);
    let noise = Noise::Laplace {
        num: num.into(),
        den: den.into(),
    };
    Ok(detached(py, || sample(noise, size, &rng))?.into_pyarray(py))
}

/// `size` exact discrete Gaussian draws with σ² = `num/den`.
#[pyfunction]
#[pyo3(signature = (num, den, size, insecure_seed = None))]
pub fn privacy_discrete_gaussian<'py>(
    py: Python<'py>,
    num: u64,
    den: u64,
    size: usize,
    insecure_seed: Option<u64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let rng = generator(insecure_seed);
    let noise = Noise::Gaussian {
        num: num.into(),
        den: den.into(),
    };
    Ok(detached(py, || sample(noise, size, &rng))?.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(privacy_discrete_laplace, m)?)?;
    m.add_function(wrap_pyfunction!(privacy_discrete_gaussian, m)?)?;
    Ok(())
}
