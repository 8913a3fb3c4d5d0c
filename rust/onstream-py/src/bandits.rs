//! Bindings of `onstream_core::bandits`.

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use onstream_core::bandits::env::Env;
use onstream_core::bandits::simulate::simulate;
use onstream_core::bandits::{Bandit, Spec};
use onstream_core::{snapshot, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::IntoPyResult;
use crate::pickling;
use crate::run::{attached, detached};

fn mask_slice<'a>(mask: &'a Option<PyReadonlyArray1<'_, bool>>) -> PyResult<Option<&'a [bool]>> {
    Ok(match mask {
        Some(m) => Some(m.as_slice()?),
        None => None,
    })
}

fn as_usize(ids: &[i64]) -> onstream_core::Result<Vec<usize>> {
    ids.iter()
        .enumerate()
        .map(|(i, &a)| {
            usize::try_from(a).map_err(|_| Error::OutOfRange {
                name: "arms",
                index: i,
                got: a.to_string(),
                expected: ">= 0".into(),
            })
        })
        .collect()
}

fn ids_out(py: Python<'_>, ids: Vec<usize>) -> Bound<'_, PyArray1<i64>> {
    ids.into_iter()
        .map(|a| a as i64)
        .collect::<Vec<_>>()
        .into_pyarray(py)
}

#[pyclass(name = "Bandit", module = "onstream._core")]
pub struct PyBandit {
    inner: Bandit,
}

#[pymethods]
impl PyBandit {
    #[new]
    #[pyo3(signature = (spec_json, n_arms, seed = None))]
    fn new(spec_json: &str, n_arms: usize, seed: Option<u64>) -> PyResult<Self> {
        let spec = Spec::from_json(spec_json).py()?;
        Ok(PyBandit {
            inner: Bandit::new(spec, n_arms, seed).py()?,
        })
    }

    #[pyo3(signature = (mask = None))]
    fn select(&mut self, mask: Option<PyReadonlyArray1<'_, bool>>) -> PyResult<usize> {
        let mask = mask_slice(&mask)?;
        attached(|| self.inner.select(mask))
    }

    #[pyo3(signature = (n, mask = None))]
    fn select_batch<'py>(
        &mut self,
        py: Python<'py>,
        n: usize,
        mask: Option<PyReadonlyArray1<'py, bool>>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let mask = mask_slice(&mask)?;
        Ok(ids_out(py, attached(|| self.inner.select_batch(n, mask))?))
    }

    #[pyo3(signature = (k, mask = None))]
    fn select_k<'py>(
        &mut self,
        py: Python<'py>,
        k: usize,
        mask: Option<PyReadonlyArray1<'py, bool>>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let mask = mask_slice(&mask)?;
        Ok(ids_out(py, attached(|| self.inner.select_k(k, mask))?))
    }

    fn update(&mut self, arm: usize, reward: f64) -> PyResult<()> {
        attached(|| self.inner.update(arm, reward))
    }

    fn update_batch(
        &mut self,
        arms: PyReadonlyArray1<'_, i64>,
        rewards: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let (arms, rewards) = (arms.as_slice()?, rewards.as_slice()?);
        attached(|| self.inner.update_batch(&as_usize(arms)?, rewards))
    }

    fn add_arm(&mut self) -> PyResult<usize> {
        attached(|| self.inner.add_arm())
    }

    fn remove_arm(&mut self, arm: usize) -> PyResult<()> {
        attached(|| self.inner.remove_arm(arm))
    }

    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.counts().to_vec().into_pyarray(py)
    }

    fn means<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.means().to_vec().into_pyarray(py)
    }

    fn live<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<bool>> {
        self.inner.live().to_vec().into_pyarray(py)
    }

    #[getter]
    fn n_arms(&self) -> usize {
        self.inner.n_arms()
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    fn spec_json(&self) -> PyResult<String> {
        self.inner.spec().to_json().py()
    }

    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json().py()
    }

    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Ok(PyBandit {
            inner: Bandit::from_json(text).py()?,
        })
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyBandit {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

/// Regret curves (`n_runs × len(checkpoints)`) of replicates of `policy` in the environment
/// `env` ("bernoulli", "gaussian", "switching" or "adversarial"), whose `means` rows are the
/// segments (switching), the steps (adversarial) or a single row.
#[pyfunction]
#[pyo3(signature = (policy, env, means, starts, sigma, horizon, n_runs, seed, checkpoints))]
#[allow(clippy::too_many_arguments)]
pub fn bandits_simulate<'py>(
    py: Python<'py>,
    policy: &PyBandit,
    env: &str,
    means: PyReadonlyArray2<'py, f64>,
    starts: PyReadonlyArray1<'py, u64>,
    sigma: f64,
    horizon: u64,
    n_runs: usize,
    seed: u64,
    checkpoints: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let shape = means.shape().to_vec();
    let k = shape[1];
    let flat = means.as_slice()?;
    let env = match env {
        "bernoulli" => Env::Bernoulli {
            means: flat.to_vec(),
        },
        "gaussian" => Env::Gaussian {
            means: flat.to_vec(),
            sigma,
        },
        "switching" => Env::Switching {
            means: flat.chunks(k.max(1)).map(<[f64]>::to_vec).collect(),
            starts: starts.as_slice()?.to_vec(),
        },
        "adversarial" => Env::Adversarial {
            rewards: flat.to_vec(),
            n_arms: k,
        },
        other => {
            return Err(crate::errors::CoreError(Error::invalid(
                "env",
                other,
                "bernoulli, gaussian, switching or adversarial",
            ))
            .into())
        }
    };
    let checkpoints = checkpoints.as_slice()?;
    let bandit = &policy.inner;
    let out = detached(py, || {
        simulate(bandit, &env, horizon, n_runs, seed, checkpoints)
    })?;
    out.into_pyarray(py).reshape([n_runs, checkpoints.len()])
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBandit>()?;
    m.add_function(wrap_pyfunction!(bandits_simulate, m)?)?;
    register_streaming(m)
}

use onstream_core::bandits::streaming::{StreamingBandit, StreamingKind};
use onstream_core::bandits::streaming_sim::simulate_streaming;
use pyo3::types::PyDict;

fn streaming_kind(name: &str) -> PyResult<StreamingKind> {
    match name {
        "uniform" => Ok(StreamingKind::Uniform),
        "naive" => Ok(StreamingKind::Naive),
        "log_star" => Ok(StreamingKind::LogStar),
        other => Err(crate::errors::CoreError(Error::invalid(
            "algorithm",
            other,
            "uniform, naive or log_star",
        ))
        .into()),
    }
}

#[pyclass(name = "StreamingBandit", module = "onstream._core")]
pub struct PyStreamingBandit {
    inner: StreamingBandit,
}

#[pymethods]
impl PyStreamingBandit {
    #[new]
    fn new(algorithm: &str, n_arms: u64, horizon: u64) -> PyResult<Self> {
        Ok(PyStreamingBandit {
            inner: StreamingBandit::new(streaming_kind(algorithm)?, n_arms, horizon).py()?,
        })
    }

    /// `(arm, n)`: the pull the arriving arm needs.
    fn push_arm(&mut self, arm: u64) -> PyResult<(u64, u64)> {
        let p = attached(|| self.inner.push_arm(arm))?;
        Ok((p.arm, p.n))
    }

    fn report(&mut self, arm: u64, reward_sum: f64, n: u64) -> PyResult<()> {
        attached(|| self.inner.report(arm, reward_sum, n))
    }

    fn next_pull(&self) -> Option<(u64, u64)> {
        self.inner.next_pull().map(|p| (p.arm, p.n))
    }

    fn finish(&mut self) -> PyResult<Option<(u64, u64)>> {
        Ok(attached(|| self.inner.finish())?.map(|p| (p.arm, p.n)))
    }

    #[getter]
    fn committed(&self) -> Option<u64> {
        self.inner.committed()
    }

    #[getter]
    fn remaining(&self) -> u64 {
        self.inner.remaining()
    }

    #[getter]
    fn epsilon(&self) -> f64 {
        self.inner.epsilon()
    }

    #[getter]
    fn memory_bound(&self) -> usize {
        self.inner.memory_bound()
    }

    #[getter]
    fn stored(&self) -> usize {
        self.inner.stored()
    }

    #[getter]
    fn peak_stored(&self) -> usize {
        self.inner.peak_stored()
    }

    #[getter]
    fn pulls_used(&self) -> u64 {
        self.inner.pulls_used()
    }

    #[getter]
    fn arms_seen(&self) -> u64 {
        self.inner.arms_seen()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyStreamingBandit {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

/// Replicates of a streaming algorithm over Bernoulli arms arriving in the order of `means`:
/// a dict of per-run arrays `regret`, `committed`, `exploration`, `peak_stored`.
#[pyfunction]
pub fn bandits_simulate_streaming<'py>(
    py: Python<'py>,
    algorithm: &str,
    means: PyReadonlyArray1<'py, f64>,
    horizon: u64,
    n_runs: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = streaming_kind(algorithm)?;
    let means = means.as_slice()?;
    let runs = detached(py, || {
        simulate_streaming(kind, means, horizon, n_runs, seed)
    })?;
    let d = PyDict::new(py);
    d.set_item(
        "regret",
        runs.iter()
            .map(|r| r.regret)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "committed",
        runs.iter()
            .map(|r| r.committed)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "exploration",
        runs.iter()
            .map(|r| r.exploration)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "peak_stored",
        runs.iter()
            .map(|r| r.peak_stored as u64)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    Ok(d)
}

pub fn register_streaming(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStreamingBandit>()?;
    m.add_class::<PyLinearBandit>()?;
    m.add_class::<PyGroupwiseRegressor>()?;
    m.add_class::<PyRelaxTuner>()?;
    m.add_class::<PyChebCb>()?;
    m.add_class::<PyTallyingEliminator>()?;
    m.add_class::<PyLsdLearner>()?;
    m.add_function(wrap_pyfunction!(bandits_lsd_relax, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_lsd_plan, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_lsd_optimum, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_lsd_evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_simulate_lsd, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_simulate_tallying, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_sor, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_laplacian_costs, m)?)?;
    m.add_function(wrap_pyfunction!(bandits_simulate_streaming, m)?)?;
    Ok(())
}

use onstream_core::bandits::linear::{LinearBandit, LinearRule};

#[pyclass(name = "LinearBandit", module = "onstream._core")]
pub struct PyLinearBandit {
    inner: LinearBandit,
}

#[pymethods]
impl PyLinearBandit {
    #[new]
    #[pyo3(signature = (rule, param, n_arms, n_features, ridge, seed = None))]
    fn new(
        rule: &str,
        param: f64,
        n_arms: usize,
        n_features: usize,
        ridge: f64,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        let rule = match rule {
            "ucb" => LinearRule::Ucb { alpha: param },
            "thompson" => LinearRule::Thompson { v: param },
            other => {
                return Err(crate::errors::CoreError(Error::invalid(
                    "rule",
                    other,
                    "ucb or thompson",
                ))
                .into())
            }
        };
        Ok(PyLinearBandit {
            inner: LinearBandit::new(rule, n_arms, n_features, ridge, seed).py()?,
        })
    }

    #[pyo3(signature = (context, mask = None))]
    fn select(
        &mut self,
        context: PyReadonlyArray1<'_, f64>,
        mask: Option<PyReadonlyArray1<'_, bool>>,
    ) -> PyResult<usize> {
        let (x, mask) = (context.as_slice()?, mask_slice(&mask)?);
        attached(|| self.inner.select(x, mask))
    }

    /// One decision per row of `contexts`, all from the current state.
    #[pyo3(signature = (contexts, mask = None))]
    fn select_batch<'py>(
        &mut self,
        py: Python<'py>,
        contexts: PyReadonlyArray2<'py, f64>,
        mask: Option<PyReadonlyArray1<'py, bool>>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let d = contexts.shape()[1];
        let (xs, mask) = (contexts.as_slice()?, mask_slice(&mask)?);
        let inner = &mut self.inner;
        let out = attached(|| {
            xs.chunks(d.max(1))
                .map(|x| inner.select(x, mask))
                .collect::<onstream_core::Result<Vec<usize>>>()
        })?;
        Ok(ids_out(py, out))
    }

    #[pyo3(signature = (context, mask = None))]
    fn scores<'py>(
        &mut self,
        py: Python<'py>,
        context: PyReadonlyArray1<'py, f64>,
        mask: Option<PyReadonlyArray1<'py, bool>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (x, mask) = (context.as_slice()?, mask_slice(&mask)?);
        Ok(attached(|| self.inner.scores(x, mask))?.into_pyarray(py))
    }

    fn update(
        &mut self,
        arm: usize,
        reward: f64,
        context: PyReadonlyArray1<'_, f64>,
    ) -> PyResult<()> {
        let x = context.as_slice()?;
        attached(|| self.inner.update(arm, reward, x))
    }

    fn theta<'py>(&self, py: Python<'py>, arm: usize) -> PyResult<Bound<'py, PyArray1<f64>>> {
        if arm >= self.inner.n_arms() {
            return Err(crate::errors::CoreError(Error::OutOfRange {
                name: "arm",
                index: 0,
                got: arm.to_string(),
                expected: format!("an arm id below {}", self.inner.n_arms()),
            })
            .into());
        }
        Ok(self.inner.theta(arm).into_pyarray(py))
    }

    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.counts().into_pyarray(py)
    }

    fn add_arm(&mut self) -> usize {
        self.inner.add_arm()
    }

    fn remove_arm(&mut self, arm: usize) -> PyResult<()> {
        attached(|| self.inner.remove_arm(arm))
    }

    #[getter]
    fn n_arms(&self) -> usize {
        self.inner.n_arms()
    }

    #[getter]
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyLinearBandit {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

use onstream_core::bandits::groupwise::GroupwiseRegressor;

#[pyclass(name = "GroupwiseRegressor", module = "onstream._core")]
pub struct PyGroupwiseRegressor {
    inner: GroupwiseRegressor,
}

#[pymethods]
impl PyGroupwiseRegressor {
    #[new]
    fn new(n_features: usize, n_groups: usize, ridge: f64) -> PyResult<Self> {
        Ok(PyGroupwiseRegressor {
            inner: GroupwiseRegressor::new(n_features, n_groups, ridge).py()?,
        })
    }

    fn predict(
        &self,
        x: PyReadonlyArray1<'_, f64>,
        groups: PyReadonlyArray1<'_, bool>,
    ) -> PyResult<f64> {
        let (x, g) = (x.as_slice()?, groups.as_slice()?);
        attached(|| self.inner.predict(x, g))
    }

    fn weights<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray1<'py, f64>,
        groups: PyReadonlyArray1<'py, bool>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (x, g) = (x.as_slice()?, groups.as_slice()?);
        Ok(attached(|| self.inner.weights(x, g))?.0.into_pyarray(py))
    }

    fn update(
        &mut self,
        x: PyReadonlyArray1<'_, f64>,
        groups: PyReadonlyArray1<'_, bool>,
        y: f64,
    ) -> PyResult<f64> {
        let (x, g) = (x.as_slice()?, groups.as_slice()?);
        attached(|| self.inner.update(x, g, y))
    }

    /// Runs rows in order with the interpreter detached; returns the progressive predictions.
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        groups: PyReadonlyArray2<'py, bool>,
        y: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let (xs, gs, ys) = (x.as_slice()?, groups.as_slice()?, y.as_slice()?);
        let inner = &mut self.inner;
        Ok(detached(py, || inner.run(xs, gs, ys))?.into_pyarray(py))
    }

    fn theta<'py>(&self, py: Python<'py>, group: usize) -> PyResult<Bound<'py, PyArray1<f64>>> {
        match self.inner.theta(group) {
            Some(t) => Ok(t.into_pyarray(py)),
            None => Err(crate::errors::CoreError(Error::OutOfRange {
                name: "group",
                index: 0,
                got: group.to_string(),
                expected: format!("a group below {}", self.inner.n_groups()),
            })
            .into()),
        }
    }

    #[getter]
    fn n_groups(&self) -> usize {
        self.inner.n_groups()
    }

    #[getter]
    fn n_features(&self) -> usize {
        self.inner.n_features()
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyGroupwiseRegressor {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

use onstream_core::bandits::relax::{laplacian_costs, ChebCb, RelaxTuner};
use onstream_core::bandits::sor::{sor, SparseMatrix};

/// SOR on a CSR matrix: `(x, iterations, converged)`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn bandits_sor<'py>(
    py: Python<'py>,
    n: usize,
    indptr: PyReadonlyArray1<'py, i64>,
    indices: PyReadonlyArray1<'py, i64>,
    data: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    omega: f64,
    tol: f64,
    max_iter: u64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, u64, bool)> {
    let indptr: Vec<usize> = as_usize(indptr.as_slice()?).py()?;
    let indices: Vec<u32> = indices
        .as_slice()?
        .iter()
        .map(|&j| u32::try_from(j).unwrap_or(u32::MAX))
        .collect();
    let data = data.as_slice()?.to_vec();
    let b = b.as_slice()?;
    let solve = detached(py, || {
        let a = SparseMatrix::new(n, indptr, indices, data)?;
        sor(&a, b, omega, tol, max_iter)
    })?;
    Ok((solve.x.into_pyarray(py), solve.iterations, solve.converged))
}

/// The Laplacian instance family and its cost table: a dict of `shifts`, `costs` (T × K) and
/// `optimal`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn bandits_laplacian_costs<'py>(
    py: Python<'py>,
    m: usize,
    n_instances: usize,
    beta_a: f64,
    beta_b: f64,
    omegas: PyReadonlyArray1<'py, f64>,
    tol: f64,
    max_iter: u64,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let omegas = omegas.as_slice()?;
    let k = omegas.len();
    let table = detached(py, || {
        laplacian_costs(m, n_instances, beta_a, beta_b, omegas, tol, max_iter, seed)
    })?;
    let d = PyDict::new(py);
    d.set_item("shifts", table.shifts.into_pyarray(py))?;
    d.set_item(
        "costs",
        table.costs.into_pyarray(py).reshape([n_instances, k])?,
    )?;
    d.set_item("optimal", table.optimal.into_pyarray(py))?;
    Ok(d)
}

#[pyclass(name = "RelaxTuner", module = "onstream._core")]
pub struct PyRelaxTuner {
    inner: RelaxTuner,
}

#[pymethods]
impl PyRelaxTuner {
    #[new]
    #[pyo3(signature = (omegas, seed = None))]
    fn new(omegas: Vec<f64>, seed: Option<u64>) -> PyResult<Self> {
        Ok(PyRelaxTuner {
            inner: RelaxTuner::new(omegas, seed).py()?,
        })
    }

    fn select(&mut self) -> usize {
        self.inner.select()
    }

    fn update(&mut self, arm: usize, cost: f64) -> PyResult<()> {
        attached(|| self.inner.update(arm, cost))
    }

    fn probabilities<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.probabilities().into_pyarray(py)
    }

    fn omegas<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.omegas().to_vec().into_pyarray(py)
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyRelaxTuner {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

#[pyclass(name = "ChebCb", module = "onstream._core")]
pub struct PyChebCb {
    inner: ChebCb,
}

#[pymethods]
impl PyChebCb {
    #[new]
    #[pyo3(signature = (omegas, degree, lo, hi, gamma, seed = None))]
    fn new(
        omegas: Vec<f64>,
        degree: usize,
        lo: f64,
        hi: f64,
        gamma: f64,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        Ok(PyChebCb {
            inner: ChebCb::new(omegas, degree, lo, hi, gamma, seed).py()?,
        })
    }

    fn select(&mut self, context: f64) -> PyResult<usize> {
        attached(|| self.inner.select(context))
    }

    fn update(&mut self, context: f64, arm: usize, cost: f64) -> PyResult<()> {
        attached(|| self.inner.update(context, arm, cost))
    }

    fn probabilities<'py>(
        &self,
        py: Python<'py>,
        context: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(attached(|| self.inner.probabilities(context))?.into_pyarray(py))
    }

    fn predictions<'py>(
        &self,
        py: Python<'py>,
        context: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(attached(|| self.inner.predictions(context))?.into_pyarray(py))
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyChebCb {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

use onstream_core::bandits::tallying::{
    simulate_tallying, TallyEnv, TallyLearner, TallyingEliminator,
};

#[pyclass(name = "TallyingEliminator", module = "onstream._core")]
pub struct PyTallyingEliminator {
    inner: TallyingEliminator,
}

#[pymethods]
impl PyTallyingEliminator {
    #[new]
    fn new(n_arms: usize, horizon: u64, burn_in: u64, delta: f64) -> PyResult<Self> {
        Ok(PyTallyingEliminator {
            inner: TallyingEliminator::new(n_arms, horizon, burn_in, delta).py()?,
        })
    }

    fn select(&self) -> usize {
        self.inner.select()
    }

    fn update(&mut self, arm: usize, loss: f64) -> PyResult<()> {
        attached(|| self.inner.update(arm, loss))
    }

    fn active(&self) -> Vec<usize> {
        self.inner.active().to_vec()
    }

    #[getter]
    fn steps(&self) -> u64 {
        self.inner.steps()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyTallyingEliminator {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

/// Replicates in a tallying environment: per-run `policy_regret` and `found_best`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn bandits_simulate_tallying<'py>(
    py: Python<'py>,
    learner: &str,
    burn_in: u64,
    delta: f64,
    fresh: Vec<f64>,
    saturated: Vec<f64>,
    weights: Vec<f64>,
    horizon: u64,
    n_runs: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let learner = match learner {
        "eliminator" => TallyLearner::Eliminator { burn_in, delta },
        "ucb1" => TallyLearner::Ucb1,
        other => {
            return Err(crate::errors::CoreError(Error::invalid(
                "learner",
                other,
                "eliminator or ucb1",
            ))
            .into())
        }
    };
    let env = TallyEnv {
        fresh,
        saturated,
        weights,
    };
    let runs = detached(py, || {
        simulate_tallying(learner, &env, horizon, n_runs, seed)
    })?;
    let d = PyDict::new(py);
    d.set_item(
        "policy_regret",
        runs.iter()
            .map(|r| r.policy_regret)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    d.set_item(
        "found_best",
        runs.iter()
            .map(|r| r.found_best)
            .collect::<Vec<_>>()
            .into_pyarray(py),
    )?;
    Ok(d)
}

use onstream_core::bandits::lsd::{self, LsdInstance, LsdLearner};

fn lsd_instance(
    recharge: &PyReadonlyArray2<'_, f64>,
    satiate: &PyReadonlyArray2<'_, f64>,
) -> PyResult<LsdInstance> {
    let rows = |a: &PyReadonlyArray2<'_, f64>| -> PyResult<Vec<Vec<f64>>> {
        let c = a.shape()[1].max(1);
        Ok(a.as_slice()?.chunks(c).map(<[f64]>::to_vec).collect())
    };
    let inst = LsdInstance {
        recharge: rows(recharge)?,
        satiate: rows(satiate)?,
    };
    inst.check().py()?;
    Ok(inst)
}

/// `(arm, plays, idle, weight)`: one cycle of the LP's solution.
type CycleRow = (usize, usize, usize, f64);

/// The cycle LP: `(value, [(arm, plays, idle, weight), ...])`.
#[pyfunction]
pub fn bandits_lsd_relax(
    recharge: PyReadonlyArray2<'_, f64>,
    satiate: PyReadonlyArray2<'_, f64>,
    max_len: usize,
) -> PyResult<(f64, Vec<CycleRow>)> {
    let inst = lsd_instance(&recharge, &satiate)?;
    let lp = attached(|| lsd::relax(&inst, max_len))?;
    let cycles = lp
        .cycles
        .iter()
        .enumerate()
        .flat_map(|(a, cw)| cw.iter().map(move |c| (a, c.plays, c.idle, c.weight)))
        .collect();
    Ok((lp.value, cycles))
}

/// One planner schedule (`-1`: no pull) and its payoff.
#[pyfunction]
pub fn bandits_lsd_plan<'py>(
    py: Python<'py>,
    recharge: PyReadonlyArray2<'py, f64>,
    satiate: PyReadonlyArray2<'py, f64>,
    max_len: usize,
    horizon: usize,
    seed: u64,
) -> PyResult<(Bound<'py, PyArray1<i64>>, f64)> {
    let inst = lsd_instance(&recharge, &satiate)?;
    let (schedule, value) = attached(|| {
        let lp = lsd::relax(&inst, max_len)?;
        let mut g = onstream_core::rng::from_seed(Some(seed));
        let s = lsd::plan(&inst, &lp, horizon, &mut g);
        let v = inst.evaluate(&s);
        Ok((s, v))
    })?;
    let ids: Vec<i64> = schedule
        .iter()
        .map(|c| c.map_or(-1, |a| a as i64))
        .collect();
    Ok((ids.into_pyarray(py), value))
}

#[pyfunction]
pub fn bandits_lsd_optimum(
    py: Python<'_>,
    recharge: PyReadonlyArray2<'_, f64>,
    satiate: PyReadonlyArray2<'_, f64>,
    horizon: usize,
) -> PyResult<f64> {
    let inst = lsd_instance(&recharge, &satiate)?;
    detached(py, || lsd::optimum(&inst, horizon))
}

#[pyfunction]
pub fn bandits_lsd_evaluate(
    recharge: PyReadonlyArray2<'_, f64>,
    satiate: PyReadonlyArray2<'_, f64>,
    schedule: PyReadonlyArray1<'_, i64>,
) -> PyResult<f64> {
    let inst = lsd_instance(&recharge, &satiate)?;
    let k = inst.n_arms() as i64;
    let s = schedule.as_slice()?;
    if let Some(i) = s.iter().position(|&a| a < -1 || a >= k) {
        return Err(crate::errors::CoreError(Error::OutOfRange {
            name: "schedule",
            index: i,
            got: s[i].to_string(),
            expected: format!("an arm below {k}, or -1 for no pull"),
        })
        .into());
    }
    let choices: Vec<Option<usize>> = s.iter().map(|&a| usize::try_from(a).ok()).collect();
    Ok(inst.evaluate(&choices))
}

/// `(learner payoff, full-information planner payoff)`, means over replicates.
#[pyfunction]
#[pyo3(signature = (recharge, satiate, horizon, n_runs, seed, repeats = None))]
pub fn bandits_simulate_lsd(
    py: Python<'_>,
    recharge: PyReadonlyArray2<'_, f64>,
    satiate: PyReadonlyArray2<'_, f64>,
    horizon: usize,
    n_runs: usize,
    seed: u64,
    repeats: Option<usize>,
) -> PyResult<(f64, f64)> {
    let inst = lsd_instance(&recharge, &satiate)?;
    detached(py, || {
        lsd::simulate_lsd(&inst, horizon, repeats, n_runs, seed)
    })
}

/// The recharge and satiation curves, `(K, C)` each.
type Curves<'py> = (Bound<'py, PyArray2<f64>>, Bound<'py, PyArray2<f64>>);

#[pyclass(name = "LsdLearner", module = "onstream._core")]
pub struct PyLsdLearner {
    inner: LsdLearner,
}

#[pymethods]
impl PyLsdLearner {
    #[new]
    #[pyo3(signature = (n_arms, cap, horizon, repeats = None, seed = None))]
    fn new(
        n_arms: usize,
        cap: usize,
        horizon: usize,
        repeats: Option<usize>,
        seed: Option<u64>,
    ) -> PyResult<Self> {
        Ok(PyLsdLearner {
            inner: LsdLearner::new(n_arms, cap, horizon, repeats, seed).py()?,
        })
    }

    fn select(&mut self) -> PyResult<Option<usize>> {
        attached(|| self.inner.select())
    }

    fn update(&mut self, reward: f64) -> PyResult<()> {
        attached(|| self.inner.update(reward))
    }

    #[getter]
    fn exploration_rounds(&self) -> usize {
        self.inner.exploration_rounds()
    }

    fn estimate<'py>(&self, py: Python<'py>) -> PyResult<Curves<'py>> {
        let est = self.inner.estimate();
        let k = est.n_arms();
        let c = est.cap();
        let flat = |rows: &[Vec<f64>]| rows.concat();
        Ok((
            flat(&est.recharge).into_pyarray(py).reshape([k, c])?,
            flat(&est.satiate).into_pyarray(py).reshape([k, c])?,
        ))
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyLsdLearner {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}
