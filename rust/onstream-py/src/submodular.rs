//! Bindings of `onstream_core::submodular`: one objective class over the kinds of objective, the
//! batch optimizers, and the fully dynamic maximizer.

use std::sync::{Arc, Mutex};

use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use onstream_core::rng;
use onstream_core::snapshot;
use onstream_core::submodular::coverage::Covered;
use onstream_core::submodular::dynamic::Rules;
use onstream_core::submodular::facility::Best;
use onstream_core::submodular::features::Sums;
use onstream_core::submodular::greedy::{self, Selection};
use onstream_core::submodular::kernel_fns::Sums as KernelSums;
use onstream_core::submodular::logdet::Cholesky;
use onstream_core::submodular::sieve::{self, Variant};
use onstream_core::submodular::{
    Concave, Dynamic, FacilityLocation, FeatureBased, GraphCut, LogDeterminant, Mixture, Objective,
    SaturatedCoverage, WeightedCoverage,
};
use onstream_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{CoreError, IntoPyResult};
use crate::pickling;
use crate::run::detached;

/// Every objective kind behind one type, so optimizers are compiled once per kind.
pub enum AnyObjective {
    Facility(FacilityLocation),
    Coverage(WeightedCoverage),
    Features(FeatureBased),
    GraphCut(GraphCut),
    Saturated(SaturatedCoverage),
    LogDet(LogDeterminant),
    Mixture(Mixture<Arc<AnyObjective>>),
    Callback(Callback),
}

/// The state of a set under an [`AnyObjective`] (always the same kind as its objective).
#[derive(Clone, Debug)]
pub enum AnyState {
    Facility(Best),
    Coverage(Covered),
    Features(Sums),
    Kernel(KernelSums),
    Cholesky(Cholesky),
    Mixture(Vec<AnyState>),
    Callback(SetState),
}

/// Runs `$body` with `$f` bound to the concrete objective and `$s` to its state, or evaluates
/// `$other` when their kinds differ (never: a state comes from `empty()` of the same objective;
/// the arm only makes the match total). The one list of (objective, state) pairs.
macro_rules! with_pair {
    ($obj:expr, $state:expr, $f:ident, $s:ident => $body:expr, $other:expr) => {
        match ($obj, $state) {
            (AnyObjective::Facility($f), AnyState::Facility($s)) => $body,
            (AnyObjective::Coverage($f), AnyState::Coverage($s)) => $body,
            (AnyObjective::Features($f), AnyState::Features($s)) => $body,
            (AnyObjective::GraphCut($f), AnyState::Kernel($s)) => $body,
            (AnyObjective::Saturated($f), AnyState::Kernel($s)) => $body,
            (AnyObjective::LogDet($f), AnyState::Cholesky($s)) => $body,
            (AnyObjective::Callback($f), AnyState::Callback($s)) => $body,
            (AnyObjective::Mixture($f), AnyState::Mixture($s)) => $body,
            _ => $other,
        }
    };
}

impl Objective for AnyObjective {
    type State = AnyState;

    fn len(&self) -> usize {
        match self {
            Self::Facility(f) => f.len(),
            Self::Coverage(f) => f.len(),
            Self::Features(f) => f.len(),
            Self::GraphCut(f) => f.len(),
            Self::Saturated(f) => f.len(),
            Self::LogDet(f) => f.len(),
            Self::Callback(f) => f.len(),
            Self::Mixture(f) => f.len(),
        }
    }

    fn empty(&self) -> AnyState {
        match self {
            Self::Facility(f) => AnyState::Facility(f.empty()),
            Self::Coverage(f) => AnyState::Coverage(f.empty()),
            Self::Features(f) => AnyState::Features(f.empty()),
            Self::GraphCut(f) => AnyState::Kernel(f.empty()),
            Self::Saturated(f) => AnyState::Kernel(f.empty()),
            Self::LogDet(f) => AnyState::Cholesky(f.empty()),
            Self::Callback(f) => AnyState::Callback(f.empty()),
            Self::Mixture(f) => AnyState::Mixture(f.empty()),
        }
    }

    fn gain(&self, s: &AnyState, e: usize) -> f64 {
        with_pair!(self, s, f, s => f.gain(s, e), 0.0)
    }

    fn gain_alone(&self, s: &AnyState, e: usize) -> f64 {
        with_pair!(self, s, f, s => f.gain_alone(s, e), 0.0)
    }

    fn insert(&self, s: &mut AnyState, e: usize) {
        with_pair!(self, s, f, s => f.insert(s, e), ())
    }

    fn value(&self, s: &AnyState) -> f64 {
        with_pair!(self, s, f, s => f.value(s), 0.0)
    }
}

/// A set function given by a Python callable `value(ids: ndarray[int64]) -> float` (`f(∅)` is
/// `value` of an empty array). A gain is one call, `f(S)` being kept in the state: a Python call
/// under the GIL, so gain sweeps run one at a time whatever the thread count. An exception or a non-finite value is kept and raised when the optimizer returns.
pub struct Callback {
    value: Py<PyAny>,
    n: usize,
    error: Mutex<Option<PyErr>>,
}

/// The ids of the set and `f(S)`.
#[derive(Clone, Debug)]
pub struct SetState {
    ids: Vec<i64>,
    value: f64,
}

impl Callback {
    fn call(&self, ids: &[i64]) -> f64 {
        Python::attach(|py| {
            let arr = ids.to_vec().into_pyarray(py);
            let out = self
                .value
                .call1(py, (arr,))
                .and_then(|v| v.extract::<f64>(py));
            match out {
                Ok(v) if v.is_finite() => v,
                Ok(v) => self.fail(PyErr::from(CoreError(Error::NonFinite {
                    name: "callback value",
                    index: ids.len(),
                    value: v,
                }))),
                Err(e) => self.fail(e),
            }
        })
    }

    fn fail(&self, e: PyErr) -> f64 {
        if let Ok(mut slot) = self.error.lock() {
            slot.get_or_insert(e);
        }
        0.0
    }
}

impl Objective for Callback {
    type State = SetState;

    fn len(&self) -> usize {
        self.n
    }

    fn empty(&self) -> SetState {
        SetState {
            ids: Vec::new(),
            value: self.call(&[]),
        }
    }

    fn gain(&self, s: &SetState, e: usize) -> f64 {
        let mut ids = s.ids.clone();
        ids.push(e as i64);
        self.call(&ids) - s.value
    }

    fn insert(&self, s: &mut SetState, e: usize) {
        s.ids.push(e as i64);
        s.value = self.call(&s.ids);
    }

    fn value(&self, s: &SetState) -> f64 {
        s.value
    }
}

/// Raises the first error a Python callback (anywhere in `f`) recorded, and clears it.
fn callback_error(f: &AnyObjective) -> PyResult<()> {
    match f {
        AnyObjective::Callback(c) => match c.error.lock().ok().and_then(|mut s| s.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        },
        AnyObjective::Mixture(m) => m.components().try_for_each(|c| callback_error(c)),
        _ => Ok(()),
    }
}

fn selection<'py>(py: Python<'py>, s: Selection) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let idx: Vec<i64> = s.indices.iter().map(|&e| e as i64).collect();
    d.set_item("indices", idx.into_pyarray(py))?;
    d.set_item("gains", s.gains.into_pyarray(py))?;
    d.set_item("value", s.value)?;
    d.set_item("oracle_calls", s.oracle_calls)?;
    Ok(d)
}

fn ids(values: &[i64], n: usize) -> PyResult<Vec<usize>> {
    values
        .iter()
        .enumerate()
        .map(|(index, &v)| {
            if v < 0 || v as usize >= n {
                Err(Error::OutOfRange {
                    name: "ids",
                    index,
                    got: v.to_string(),
                    expected: format!("an element id in 0..{n}"),
                })
            } else {
                Ok(v as usize)
            }
        })
        .collect::<Result<Vec<_>, Error>>()
        .py()
}

/// A submodular objective (facility location, weighted coverage or feature-based).
#[pyclass(name = "SubmodularObjective", module = "onstream._core", frozen)]
pub struct PyObjective {
    inner: Arc<AnyObjective>,
}

fn matrix<'a>(a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<(&'a [f64], usize, usize)> {
    let shape = a.shape();
    Ok((a.as_slice()?, shape[0], shape[1]))
}

/// A square matrix and its side.
fn square<'a>(a: &'a PyReadonlyArray2<'_, f64>) -> PyResult<(&'a [f64], usize)> {
    let (k, n, m) = matrix(a)?;
    if n != m {
        return Err(Error::shape(
            "kernel",
            format!("{n} × {m}"),
            "a square matrix",
        ))
        .py();
    }
    Ok((k, n))
}

#[pymethods]
impl PyObjective {
    #[staticmethod]
    fn facility_from_features(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        metric: &str,
        store: bool,
    ) -> PyResult<Self> {
        let (x, n, d) = matrix(&x)?;
        let f = detached(py, || {
            FacilityLocation::from_features(x, n, d, metric, store)
        })?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Facility(f)),
        })
    }

    #[staticmethod]
    fn facility_from_features_knn(
        py: Python<'_>,
        x: PyReadonlyArray2<'_, f64>,
        metric: &str,
        neighbors: usize,
    ) -> PyResult<Self> {
        let (x, n, d) = matrix(&x)?;
        let f = detached(py, || {
            FacilityLocation::from_features_knn(x, n, d, metric, neighbors)
        })?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Facility(f)),
        })
    }

    #[staticmethod]
    fn facility_from_sparse(
        py: Python<'_>,
        indptr: PyReadonlyArray1<'_, i64>,
        indices: PyReadonlyArray1<'_, i64>,
        data: PyReadonlyArray1<'_, f64>,
        n_points: usize,
        n_cand: usize,
    ) -> PyResult<Self> {
        let (p, i, v) = (indptr.as_slice()?, indices.as_slice()?, data.as_slice()?);
        let f = detached(py, || {
            FacilityLocation::from_sparse(p, i, v, n_points, n_cand)
        })?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Facility(f)),
        })
    }

    #[staticmethod]
    fn facility_from_kernel(py: Python<'_>, kernel: PyReadonlyArray2<'_, f64>) -> PyResult<Self> {
        let (k, n, m) = matrix(&kernel)?;
        let f = detached(py, || FacilityLocation::from_kernel(k, n, m))?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Facility(f)),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (indptr, items, weights = None))]
    fn coverage(
        indptr: PyReadonlyArray1<'_, i64>,
        items: PyReadonlyArray1<'_, i64>,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
        let f = WeightedCoverage::new(indptr.as_slice()?, items.as_slice()?, w).py()?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Coverage(f)),
        })
    }

    #[staticmethod]
    #[pyo3(signature = (features, concave, weights = None))]
    fn feature_based(
        features: PyReadonlyArray2<'_, f64>,
        concave: &str,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (m, n, u) = matrix(&features)?;
        let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
        let f = FeatureBased::new(m, n, u, w, Concave::parse(concave).py()?).py()?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Features(f)),
        })
    }

    #[staticmethod]
    fn graph_cut(py: Python<'_>, kernel: PyReadonlyArray2<'_, f64>, lam: f64) -> PyResult<Self> {
        let (k, n) = square(&kernel)?;
        let f = detached(py, || GraphCut::new(k, n, lam))?;
        Ok(Self {
            inner: Arc::new(AnyObjective::GraphCut(f)),
        })
    }

    #[staticmethod]
    fn saturated_coverage(
        py: Python<'_>,
        kernel: PyReadonlyArray2<'_, f64>,
        alpha: f64,
    ) -> PyResult<Self> {
        let (k, n) = square(&kernel)?;
        let f = detached(py, || SaturatedCoverage::new(k, n, alpha))?;
        Ok(Self {
            inner: Arc::new(AnyObjective::Saturated(f)),
        })
    }

    #[staticmethod]
    fn log_determinant(
        py: Python<'_>,
        kernel: PyReadonlyArray2<'_, f64>,
        alpha: f64,
    ) -> PyResult<Self> {
        let (k, n) = square(&kernel)?;
        let f = detached(py, || LogDeterminant::new(k, n, alpha))?;
        Ok(Self {
            inner: Arc::new(AnyObjective::LogDet(f)),
        })
    }

    #[staticmethod]
    fn mixture(weights: Vec<f64>, parts: Vec<PyRef<'_, PyObjective>>) -> PyResult<Self> {
        if weights.len() != parts.len() {
            return Err(Error::shape("weights", weights.len(), parts.len())).py();
        }
        let comps = weights
            .into_iter()
            .zip(parts.iter().map(|p| Arc::clone(&p.inner)))
            .collect();
        Ok(Self {
            inner: Arc::new(AnyObjective::Mixture(Mixture::new(comps).py()?)),
        })
    }

    #[staticmethod]
    fn callback(value: Py<PyAny>, n: usize) -> PyResult<Self> {
        if n == 0 {
            return Err(Error::Empty { name: "ground set" }).py();
        }
        Ok(Self {
            inner: Arc::new(AnyObjective::Callback(Callback {
                value,
                n,
                error: Mutex::new(None),
            })),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// `f(S)` for the ids in `ids` (duplicates count once).
    fn value(&self, ids_: PyReadonlyArray1<'_, i64>) -> PyResult<f64> {
        let set = ids(ids_.as_slice()?, self.inner.len())?;
        let v = self.inner.value(&self.inner.state_of(&set));
        callback_error(&self.inner)?;
        Ok(v)
    }

    /// True for a facility-location objective with a stored kernel.
    #[getter]
    fn stored(&self) -> bool {
        matches!(&*self.inner, AnyObjective::Facility(f) if f.stored())
    }
}

/// Runs a batch optimizer; returns `indices`, `gains`, `value`, `oracle_calls`.
#[pyfunction]
#[pyo3(signature = (objective, k, optimizer, epsilon, seed))]
fn submodular_maximize<'py>(
    py: Python<'py>,
    objective: &PyObjective,
    k: usize,
    optimizer: &str,
    epsilon: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let f = Arc::clone(&objective.inner);
    let f = &*f;
    let sel = match optimizer {
        "naive" => detached(py, || greedy::naive(f, k))?,
        "lazy" => detached(py, || greedy::lazy(f, k))?,
        "stochastic" => detached(py, || {
            greedy::stochastic(f, k, epsilon, &mut rng::from_seed(Some(seed)))
        })?,
        "sieve" => detached(py, || sieve::stream(f, k, epsilon, Variant::Sieve))?,
        "sieve++" => detached(py, || sieve::stream(f, k, epsilon, Variant::PlusPlus))?,
        other => {
            return Err(Error::invalid(
                "optimizer",
                other,
                "'naive', 'lazy', 'stochastic', 'sieve' or 'sieve++'",
            ))
            .py()
        }
    };
    callback_error(f)?;
    selection(py, sel)
}

/// Lazy greedy over the ids `candidates` (recompute-greedy's step), `min(k, len)` picks.
#[pyfunction]
fn submodular_greedy_over<'py>(
    py: Python<'py>,
    objective: &PyObjective,
    k: usize,
    candidates: PyReadonlyArray1<'_, i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let f = Arc::clone(&objective.inner);
    let cands = ids(candidates.as_slice()?, f.len())?;
    let sel = detached(py, || Ok(greedy::lazy_over(&*f, k, &cands)))?;
    callback_error(&f)?;
    selection(py, sel)
}

/// The fully dynamic maximizer of Banihashem et al. (ICML 2023) over one objective.
#[pyclass(name = "SubmodularDynamic", module = "onstream._core")]
pub struct PyDynamic {
    objective: Arc<AnyObjective>,
    inner: Dynamic<AnyState>,
}

#[pymethods]
impl PyDynamic {
    #[new]
    #[pyo3(signature = (objective, k, epsilon, seed, rules = "banihashem"))]
    fn new(
        objective: &PyObjective,
        k: usize,
        epsilon: f64,
        seed: u64,
        rules: &str,
    ) -> PyResult<Self> {
        let rules = match rules {
            "banihashem" => Rules::Banihashem,
            "lattanzi" => Rules::Lattanzi,
            other => return Err(Error::invalid("rules", other, "'banihashem' or 'lattanzi'")).py(),
        };
        let n = objective.inner.len();
        Ok(Self {
            objective: Arc::clone(&objective.inner),
            inner: Dynamic::with_rules(k, epsilon, rng::from_seed(Some(seed)), rules, n).py()?,
        })
    }

    /// Inserts the ids in order (stops at the first refused one, after the ones before it).
    fn insert(&mut self, py: Python<'_>, ids_: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let f = Arc::clone(&self.objective);
        let set = ids(ids_.as_slice()?, f.len())?;
        let inner = &mut self.inner;
        detached(py, || set.iter().try_for_each(|&e| inner.insert(&*f, e)))?;
        callback_error(&f)
    }

    /// Deletes the ids in order (stops at the first refused one, after the ones before it).
    fn delete(&mut self, py: Python<'_>, ids_: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let f = Arc::clone(&self.objective);
        let set = ids(ids_.as_slice()?, f.len())?;
        let inner = &mut self.inner;
        detached(py, || set.iter().try_for_each(|&e| inner.delete(&*f, e)))?;
        callback_error(&f)
    }

    fn solution<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        selection(py, self.inner.solution())
    }

    fn present<'py>(&self, py: Python<'py>) -> Bound<'py, numpy::PyArray1<i64>> {
        let v: Vec<i64> = self.inner.present().iter().map(|&e| e as i64).collect();
        v.into_pyarray(py)
    }

    #[getter]
    fn oracle_calls(&self) -> u64 {
        self.inner.oracle_calls()
    }

    #[getter]
    fn updates(&self) -> u64 {
        self.inner.updates()
    }

    #[getter]
    fn rebuilds(&self) -> u64 {
        self.inner.rebuilds()
    }

    #[getter]
    fn instances(&self) -> usize {
        self.inner.instances()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    /// Restores a snapshot over the objective it was taken with.
    #[staticmethod]
    fn from_bytes(objective: &PyObjective, data: &[u8]) -> PyResult<Self> {
        Ok(Self {
            objective: Arc::clone(&objective.inner),
            inner: snapshot::from_bytes(data).py()?,
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyObjective>()?;
    m.add_class::<PyDynamic>()?;
    m.add_function(wrap_pyfunction!(submodular_maximize, m)?)?;
    m.add_function(wrap_pyfunction!(submodular_greedy_over, m)?)?;
    Ok(())
}
