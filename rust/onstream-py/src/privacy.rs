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
    register_counter(m)
}

use numpy::PyReadonlyArray1;
use onstream_core::privacy::{ContinualCounter, Mechanism, NodeNoise};
use onstream_core::{snapshot, Error};
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::{CoreError, IntoPyResult};
use crate::run::attached;

#[pyclass(name = "ContinualCounter", module = "onstream._core")]
pub struct PyContinualCounter {
    inner: ContinualCounter,
}

#[pymethods]
impl PyContinualCounter {
    #[new]
    #[pyo3(signature = (mechanism, horizon, noise, num, den, insecure_seed = None))]
    fn new(
        mechanism: &str,
        horizon: u64,
        noise: &str,
        num: u64,
        den: u64,
        insecure_seed: Option<u64>,
    ) -> PyResult<Self> {
        let mechanism = match mechanism {
            "binary" => Mechanism::Binary,
            "honaker" => Mechanism::Honaker,
            other => {
                return Err(CoreError(Error::invalid(
                    "mechanism",
                    format!("{other:?}"),
                    "\"binary\" or \"honaker\"",
                ))
                .into())
            }
        };
        let noise = match noise {
            "laplace" => NodeNoise::Laplace { num, den },
            "gaussian" => NodeNoise::Gaussian { num, den },
            other => {
                return Err(CoreError(Error::invalid(
                    "noise",
                    format!("{other:?}"),
                    "\"laplace\" or \"gaussian\"",
                ))
                .into())
            }
        };
        let rng = generator(insecure_seed);
        Ok(PyContinualCounter {
            inner: ContinualCounter::new(mechanism, noise, horizon, &rng).py()?,
        })
    }

    fn step(&mut self, x: u8) -> PyResult<f64> {
        attached(|| self.inner.step(x))
    }

    fn release<'py>(
        &mut self,
        py: Python<'py>,
        xs: PyReadonlyArray1<'py, u8>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let xs = xs.as_slice()?;
        let inner = &mut self.inner;
        let out = detached(py, || inner.release(xs))?;
        Ok(out.into_pyarray(py))
    }

    fn variance_at(&self, t: u64) -> f64 {
        self.inner.variance_at(t)
    }

    fn node_variance(&self) -> f64 {
        self.inner.noise().variance()
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }
    #[getter]
    fn horizon(&self) -> u64 {
        self.inner.horizon()
    }
    #[getter]
    fn insecure(&self) -> bool {
        self.inner.is_insecure()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = snapshot::to_bytes(&self.inner).py()?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyContinualCounter {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let restore = py.get_type::<PyContinualCounter>().getattr("from_bytes")?;
        let bytes = slf.borrow().to_bytes(py)?;
        (restore, (bytes,)).into_pyobject(py)
    }
}

pub fn register_counter(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyContinualCounter>()?;
    register_accounting(m)
}

use onstream_core::privacy::accounting::{pure_to_zcdp, zcdp_to_approx};
use onstream_core::privacy::{Budget, Guarantee};
use pyo3::types::PyDict;

fn guarantee(epsilon: Option<f64>, delta: Option<f64>, rho: Option<f64>) -> PyResult<Guarantee> {
    match (epsilon, delta, rho) {
        (Some(epsilon), None, None) => Ok(Guarantee::Pure { epsilon }),
        (Some(epsilon), Some(delta), None) => Ok(Guarantee::Approx { epsilon, delta }),
        (None, None, Some(rho)) => Ok(Guarantee::Zcdp { rho }),
        _ => Err(CoreError(Error::invalid(
            "privacy parameters",
            format!("epsilon={epsilon:?}, delta={delta:?}, rho={rho:?}"),
            "epsilon alone (pure DP), epsilon and delta (approximate DP), or rho alone (zCDP)",
        ))
        .into()),
    }
}

fn as_dict<'py>(py: Python<'py>, g: Guarantee) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match g {
        Guarantee::Pure { epsilon } => d.set_item("epsilon", epsilon)?,
        Guarantee::Approx { epsilon, delta } => {
            d.set_item("epsilon", epsilon)?;
            d.set_item("delta", delta)?;
        }
        Guarantee::Zcdp { rho } => d.set_item("rho", rho)?,
    }
    Ok(d)
}

#[pyclass(name = "Budget", module = "onstream._core")]
pub struct PyBudget {
    inner: Budget,
}

#[pymethods]
impl PyBudget {
    #[new]
    #[pyo3(signature = (epsilon = None, delta = None, rho = None))]
    fn new(epsilon: Option<f64>, delta: Option<f64>, rho: Option<f64>) -> PyResult<Self> {
        Ok(PyBudget {
            inner: Budget::new(guarantee(epsilon, delta, rho)?).py()?,
        })
    }

    #[pyo3(signature = (epsilon = None, delta = None, rho = None))]
    fn spend(
        &mut self,
        epsilon: Option<f64>,
        delta: Option<f64>,
        rho: Option<f64>,
    ) -> PyResult<()> {
        let cost = guarantee(epsilon, delta, rho)?;
        self.inner.spend(cost).py()
    }

    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        as_dict(py, self.inner.total())
    }

    fn spent<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        as_dict(py, self.inner.spent())
    }

    #[getter]
    fn spends(&self) -> u64 {
        self.inner.spends()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = snapshot::to_bytes(&self.inner).py()?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyBudget {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let restore = py.get_type::<PyBudget>().getattr("from_bytes")?;
        let bytes = slf.borrow().to_bytes(py)?;
        (restore, (bytes,)).into_pyobject(py)
    }
}

/// ε-DP implies (ε²/2)-zCDP.
#[pyfunction]
fn privacy_pure_to_zcdp(epsilon: f64) -> PyResult<f64> {
    Guarantee::Pure { epsilon }.validate().py()?;
    Ok(pure_to_zcdp(epsilon))
}

/// ρ-zCDP implies (ε, δ)-DP with this ε.
#[pyfunction]
fn privacy_zcdp_to_approx(rho: f64, delta: f64) -> PyResult<f64> {
    Guarantee::Zcdp { rho }.validate().py()?;
    Guarantee::Approx {
        epsilon: 1.0,
        delta,
    }
    .validate()
    .py()?;
    Ok(zcdp_to_approx(rho, delta))
}

pub fn register_accounting(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBudget>()?;
    m.add_function(wrap_pyfunction!(privacy_pure_to_zcdp, m)?)?;
    m.add_function(wrap_pyfunction!(privacy_zcdp_to_approx, m)?)?;
    Ok(())
}
