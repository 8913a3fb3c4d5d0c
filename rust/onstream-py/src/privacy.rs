//! Bindings of `onstream_core::privacy`.

use numpy::{IntoPyArray, PyArray1};
use onstream_core::privacy::batch::{sample, Noise};
use onstream_core::privacy::exact;
use onstream_core::privacy::SecureRng;
use pyo3::prelude::*;

use crate::pickling;
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
    // The exact samplers' parameter limits, for the facade's checks and float roundings.
    m.add(
        "PRIVACY_MAX_PART",
        u64::try_from(exact::MAX_PART).unwrap_or(u64::MAX),
    )?;
    m.add(
        "PRIVACY_MAX_VARIANCE",
        u64::try_from(exact::MAX_VARIANCE).unwrap_or(u64::MAX),
    )?;
    m.add_function(wrap_pyfunction!(privacy_discrete_laplace, m)?)?;
    m.add_function(wrap_pyfunction!(privacy_discrete_gaussian, m)?)?;
    register_counter(m)
}

use numpy::PyReadonlyArray1;
use onstream_core::privacy::{
    factorization, smooth, ContinualCounter, FactorCounter, Mechanism, NodeNoise, SmoothCounter,
};
use onstream_core::{snapshot, Error};
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::{CoreError, IntoPyResult};
use crate::run::attached;

/// The continual counters behind one Python class: tree mechanisms, the smooth binary tree and
/// the square-root factorizations share `step`/`release`/`variance_at` and one snapshot path.
enum AnyCounter {
    Tree(ContinualCounter),
    Smooth(SmoothCounter),
    Factor(FactorCounter),
}

macro_rules! each {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            AnyCounter::Tree($c) => $body,
            AnyCounter::Smooth($c) => $body,
            AnyCounter::Factor($c) => $body,
        }
    };
}

#[pyclass(name = "ContinualCounter", module = "onstream._core")]
pub struct PyContinualCounter {
    inner: AnyCounter,
}

fn invalid(name: &'static str, got: &str, expected: &str) -> PyErr {
    CoreError(Error::invalid(name, format!("{got:?}"), expected)).into()
}

#[pymethods]
impl PyContinualCounter {
    /// `band` and `bits` are for the factorizations ("sqrt", "banded_sqrt"), which take
    /// Gaussian noise with σ² = `num` integer units (`den` = 1).
    #[new]
    #[pyo3(signature = (mechanism, horizon, noise, num, den, insecure_seed = None, band = None, bits = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        mechanism: &str,
        horizon: u64,
        noise: &str,
        num: u64,
        den: u64,
        insecure_seed: Option<u64>,
        band: Option<usize>,
        bits: Option<u32>,
    ) -> PyResult<Self> {
        let law = match noise {
            "laplace" => NodeNoise::Laplace { num, den },
            "gaussian" => NodeNoise::Gaussian { num, den },
            other => return Err(invalid("noise", other, "\"laplace\" or \"gaussian\"")),
        };
        let rng = generator(insecure_seed);
        let tree = |m| ContinualCounter::new(m, law, horizon, &rng).map(AnyCounter::Tree);
        let inner = match mechanism {
            "binary" => tree(Mechanism::Binary),
            "honaker" => tree(Mechanism::Honaker),
            "smooth" => SmoothCounter::new(law, horizon, &rng).map(AnyCounter::Smooth),
            "sqrt" | "banded_sqrt" => {
                if noise != "gaussian" || den != 1 {
                    return Err(invalid(
                        "noise",
                        noise,
                        "\"gaussian\" with an integer variance (den = 1)",
                    ));
                }
                let band = match (mechanism, band) {
                    ("sqrt", _) => None,
                    (_, Some(b)) => Some(b),
                    (_, None) => return Err(invalid("band", "None", "a positive integer")),
                };
                let bits = bits.unwrap_or(factorization::MAX_SCALE_BITS);
                FactorCounter::new(band, bits, num, horizon, &rng).map(AnyCounter::Factor)
            }
            other => {
                return Err(invalid(
                    "mechanism",
                    other,
                    "\"binary\", \"honaker\", \"smooth\", \"sqrt\" or \"banded_sqrt\"",
                ))
            }
        }
        .py()?;
        Ok(PyContinualCounter { inner })
    }

    fn step(&mut self, x: u8) -> PyResult<f64> {
        attached(|| each!(&mut self.inner, c => c.step(x)))
    }

    fn release<'py>(
        &mut self,
        py: Python<'py>,
        xs: PyReadonlyArray1<'py, u8>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let xs = xs.as_slice()?;
        let inner = &mut self.inner;
        let out = detached(py, || each!(inner, c => c.release(xs)))?;
        Ok(out.into_pyarray(py))
    }

    fn variance_at(&self, py: Python<'_>, t: u64) -> f64 {
        // The factorizations build their variance table on first use (O(T·band)).
        let inner = &self.inner;
        py.detach(|| each!(inner, c => c.variance_at(t)))
    }

    fn node_variance(&self) -> f64 {
        each!(&self.inner, c => c.noise().variance())
    }

    #[getter]
    fn mechanism(&self) -> &'static str {
        match &self.inner {
            AnyCounter::Tree(c) if c.mechanism() == Mechanism::Binary => "binary",
            AnyCounter::Tree(_) => "honaker",
            AnyCounter::Smooth(_) => "smooth",
            AnyCounter::Factor(c) if c.is_banded() => "banded_sqrt",
            AnyCounter::Factor(_) => "sqrt",
        }
    }

    #[getter]
    fn steps(&self) -> u64 {
        each!(&self.inner, c => c.steps())
    }
    #[getter]
    fn horizon(&self) -> u64 {
        each!(&self.inner, c => c.horizon())
    }
    #[getter]
    fn insecure(&self) -> bool {
        each!(&self.inner, c => c.is_insecure())
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = each!(&self.inner, c => snapshot::to_bytes(c)).py()?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        // The snapshot names its kind; a wrong kind fails fast, so try each in turn and report
        // the tree counter's error (the oldest kind) when none fits.
        let inner = snapshot::from_bytes(data)
            .map(AnyCounter::Tree)
            .or_else(|first| {
                snapshot::from_bytes(data)
                    .map(AnyCounter::Smooth)
                    .or_else(|_| snapshot::from_bytes(data).map(AnyCounter::Factor))
                    .map_err(|_| first)
            })
            .py()?;
        Ok(PyContinualCounter { inner })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

/// The smooth binary tree for a horizon: (height, ones); its sensitivity is height − ones.
#[pyfunction]
pub fn privacy_smooth_shape(horizon: u64, laplace: bool) -> (u32, u32) {
    smooth::shape(horizon, laplace)
}

/// Δ² of the (banded) square-root factor on the 2^-bits grid, an exact integer.
#[pyfunction]
pub fn privacy_factor_sensitivity2(band: usize, horizon: u64, bits: u32) -> PyResult<u128> {
    if bits == 0 || bits > factorization::MAX_SCALE_BITS || band == 0 {
        return Err(invalid(
            "bits",
            &bits.to_string(),
            "band ≥ 1 and bits in 1..=20",
        ));
    }
    Ok(factorization::sensitivity2(band, horizon, bits))
}

pub fn register_counter(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyContinualCounter>()?;
    m.add_class::<PyDriftMaxSum>()?;
    m.add_function(wrap_pyfunction!(privacy_smooth_shape, m)?)?;
    m.add_function(wrap_pyfunction!(privacy_factor_sensitivity2, m)?)?;
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
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyBudget {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
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

use numpy::PyReadonlyArray2;
use onstream_core::privacy::drift::{DriftMaxSum, Rational};

/// MaxSum values and SumSelect indices, one per row.
type MaxSumRelease<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<i64>>);

/// Continual MaxSum/SumSelect by sparse vector (the T^(1/3) route).
#[pyclass(name = "DriftMaxSum", module = "onstream._core")]
pub struct PyDriftMaxSum {
    inner: DriftMaxSum,
}

#[pymethods]
impl PyDriftMaxSum {
    #[new]
    #[pyo3(signature = (d, horizon, threshold, max_rounds, eps_num, eps_den, insecure_seed = None))]
    fn new(
        d: usize,
        horizon: u64,
        threshold: u64,
        max_rounds: u64,
        eps_num: u64,
        eps_den: u64,
        insecure_seed: Option<u64>,
    ) -> PyResult<Self> {
        let eps = Rational {
            num: eps_num,
            den: eps_den,
        };
        let rng = generator(insecure_seed);
        Ok(PyDriftMaxSum {
            inner: DriftMaxSum::new(d, horizon, threshold, max_rounds, eps, &rng).py()?,
        })
    }

    /// Rows (n × d, 0/1, C order) → (MaxSum, SumSelect) after each row.
    fn release<'py>(
        &mut self,
        py: Python<'py>,
        rows: PyReadonlyArray2<'py, u8>,
    ) -> PyResult<MaxSumRelease<'py>> {
        let rows = rows.as_slice()?;
        let inner = &mut self.inner;
        let (m, s) = detached(py, || inner.release(rows))?;
        Ok((m.into_pyarray(py), s.into_pyarray(py)))
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }
    #[getter]
    fn rounds(&self) -> u64 {
        self.inner.rounds()
    }
    #[getter]
    fn frozen(&self) -> bool {
        self.inner.frozen()
    }
    #[getter]
    fn insecure(&self) -> bool {
        self.inner.is_insecure()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyDriftMaxSum {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}
