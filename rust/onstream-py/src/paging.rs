//! Bindings of `onstream_core::paging`.

use std::collections::{BTreeMap, HashMap};

use numpy::PyUntypedArrayMethods;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use onstream_core::paging::h2o::{H2o, H2oVariant};
use onstream_core::paging::{
    generate_bits, generate_next_arrival, mrc, trace, Grid, Needs, Noise, OnlineCache, PolicyName,
    Predictions,
};
use onstream_core::{pool, snapshot, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::{CoreError, IntoPyResult};
use crate::pickling;
use crate::run::{attached, detached};

fn parse_policies(names: &[String]) -> PyResult<Vec<PolicyName>> {
    names
        .iter()
        .map(|n| PolicyName::parse(n))
        .collect::<Result<_, _>>()
        .py()
}

fn bits_by_size(
    given: Option<HashMap<usize, PyReadonlyArray1<'_, bool>>>,
) -> PyResult<BTreeMap<usize, Vec<bool>>> {
    let mut out = BTreeMap::new();
    for (k, arr) in given.unwrap_or_default() {
        out.insert(k, arr.as_slice()?.to_vec());
    }
    Ok(out)
}

/// A row of `simulate()`'s frame: policy, size, requests, hits, misses, miss ratio, wrong 0 and
/// wrong 1 bits, L1 error. Built here, so that Python makes the frame from it directly (no
/// arrays to convert: each Python step costs microseconds when caches are cold).
type Row = (
    &'static str,
    usize,
    usize,
    u64,
    u64,
    f64,
    Option<u64>,
    Option<u64>,
    Option<f64>,
);

/// A cells × requests hit mask.
type Mask<'py> = Bound<'py, PyArray2<bool>>;

/// Simulates the (policy, size) grid; returns its rows, as `simulate()`'s frame has them, and a
/// cells × requests hit mask if asked.
/// Prediction bits are keyed by cache size (0: every size); `noise` is (wrong0, wrong1, sigma).
#[pyfunction]
#[pyo3(signature = (
    ids, policies, sizes, seed, want_mask = false, discard = None, phase = None,
    next_arrival = None, noise = None
))]
#[allow(clippy::too_many_arguments)]
pub fn paging_simulate<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, u64>,
    policies: Vec<String>,
    sizes: Vec<usize>,
    seed: u64,
    want_mask: bool,
    discard: Option<HashMap<usize, PyReadonlyArray1<'py, bool>>>,
    phase: Option<HashMap<usize, PyReadonlyArray1<'py, bool>>>,
    next_arrival: Option<PyReadonlyArray1<'py, f64>>,
    noise: Option<(f64, f64, f64)>,
) -> PyResult<(Vec<Row>, Option<Mask<'py>>)> {
    let policies = parse_policies(&policies)?;
    let predictions = Predictions {
        discard: bits_by_size(discard)?,
        phase: bits_by_size(phase)?,
        next_arrival: match &next_arrival {
            Some(a) => Some(a.as_slice()?.to_vec()),
            None => None,
        },
        noise: noise.map(|(wrong0, wrong1, sigma)| Noise {
            wrong0,
            wrong1,
            sigma,
        }),
    };
    let ids = ids.as_slice()?;
    let cells = py
        .detach(|| {
            pool::catch(|| {
                let grid = Grid::new(ids, &policies, &sizes, &predictions)?;
                // One thread's work stays on this thread (see `Grid::runs_alone`).
                if grid.runs_alone() {
                    grid.run(seed, want_mask, &predictions)
                } else {
                    pool::run(|| grid.run(seed, want_mask, &predictions))
                }
            })
        })
        .py()?;
    let n = ids.len();
    let rows = cells
        .iter()
        .map(|c| {
            (
                c.policy.as_str(),
                c.size,
                n,
                c.hits,
                c.misses,
                c.misses as f64 / n as f64,
                c.bit_errors.map(|e| e.0),
                c.bit_errors.map(|e| e.1),
                c.l1_error,
            )
        })
        .collect();
    let mask = if want_mask {
        let rows: Vec<Vec<bool>> = cells.into_iter().filter_map(|c| c.mask).collect();
        Some(PyArray2::from_vec2(py, &rows)?)
    } else {
        None
    };
    Ok((rows, mask))
}

/// Prediction bits generated from the truth at cache size `k` and flipped by the noise.
#[pyfunction]
#[pyo3(signature = (ids, kind, k, wrong0, wrong1, seed))]
pub fn paging_prediction_bits<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, u64>,
    kind: &str,
    k: usize,
    wrong0: f64,
    wrong1: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<bool>>> {
    let needs = match kind {
        "discard" => Needs::DiscardBits,
        "phase" => Needs::PhaseBits,
        other => {
            return Err(CoreError(Error::invalid(
                "kind",
                format!("{other:?}"),
                "\"discard\" or \"phase\"",
            ))
            .into())
        }
    };
    let noise = Noise {
        wrong0,
        wrong1,
        sigma: 0.0,
    };
    let ids = ids.as_slice()?;
    let bits = detached(py, || generate_bits(ids, needs, k, &noise, seed))?;
    Ok(bits.into_pyarray(py))
}

/// Next-arrival predictions: the true next time plus lognormal(0, sigma) noise.
#[pyfunction]
pub fn paging_next_arrival<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, u64>,
    sigma: f64,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let ids = ids.as_slice()?;
    let times = detached(py, || generate_next_arrival(ids, sigma, seed))?;
    Ok(times.into_pyarray(py))
}

/// LRU hits for every cache size 1..=distinct ids, in one pass (Mattson stack distances).
#[pyfunction]
pub fn paging_lru_hits_all_sizes<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let ids = ids.as_slice()?;
    let hits = detached(py, || mrc::lru_hits_all_sizes_of(ids))?;
    Ok(hits.into_pyarray(py))
}

/// Next-use time of every request (2**64 - 1 when never requested again).
#[pyfunction]
pub fn paging_next_use<'py>(
    py: Python<'py>,
    ids: PyReadonlyArray1<'py, u64>,
) -> PyResult<Bound<'py, PyArray1<u64>>> {
    let ids = ids.as_slice()?;
    let next = detached(py, || {
        let next = match trace::keyed_ids(ids)? {
            trace::KeyedIds::Kept { ids, bound } => trace::next_use(ids, bound),
            trace::KeyedIds::Renumbered(dense) => trace::next_use(&dense.ids, dense.universe),
        };
        Ok(next.into_iter().map(trace::widen).collect::<Vec<u64>>())
    })?;
    Ok(next.into_pyarray(py))
}

fn extract_key(obj: &Bound<'_, PyAny>) -> PyResult<u64> {
    obj.extract::<u64>().map_err(|_| {
        CoreError(Error::invalid(
            "key",
            obj.repr()
                .map_or_else(|_| "?".to_string(), |r| r.to_string()),
            "an integer in [0, 2**64)",
        ))
        .into()
    })
}

#[pyclass(name = "Cache", module = "onstream._core")]
pub struct PyCache {
    inner: OnlineCache,
}

#[pymethods]
impl PyCache {
    #[new]
    #[pyo3(signature = (policy, capacity, seed = None))]
    fn new(policy: &str, capacity: usize, seed: Option<u64>) -> PyResult<Self> {
        let name = PolicyName::parse(policy).py()?;
        Ok(PyCache {
            inner: OnlineCache::new(name, capacity, seed).py()?,
        })
    }

    fn access(&mut self, #[pyo3(from_py_with = extract_key)] key: u64) -> PyResult<bool> {
        attached(|| Ok(self.inner.access(key)))
    }

    fn access_many<'py>(
        &mut self,
        py: Python<'py>,
        keys: PyReadonlyArray1<'py, u64>,
    ) -> PyResult<Bound<'py, PyArray1<bool>>> {
        let keys = keys.as_slice()?;
        let mut out = vec![false; keys.len()];
        attached(|| self.inner.access_many(keys, &mut out))?;
        Ok(out.into_pyarray(py))
    }

    #[getter]
    fn policy(&self) -> &'static str {
        self.inner.name().as_str()
    }
    #[getter]
    fn capacity(&self) -> usize {
        self.inner.capacity()
    }
    #[getter]
    fn hits(&self) -> u64 {
        self.inner.hits()
    }
    #[getter]
    fn misses(&self) -> u64 {
        self.inner.misses()
    }
    fn __len__(&mut self) -> usize {
        self.inner.len()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyCache {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(paging_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(paging_lru_hits_all_sizes, m)?)?;
    m.add_function(wrap_pyfunction!(paging_next_use, m)?)?;
    m.add_function(wrap_pyfunction!(paging_prediction_bits, m)?)?;
    m.add_function(wrap_pyfunction!(paging_next_arrival, m)?)?;
    m.add_class::<PyCache>()?;
    register_h2o(m)
}

/// A C-contiguous float32 or float64 3-D array (heads × queries × kept).
#[derive(FromPyObject)]
pub enum Attention<'py> {
    F32(numpy::PyReadonlyArray3<'py, f32>),
    F64(numpy::PyReadonlyArray3<'py, f64>),
}

#[pyclass(name = "H2OCache", module = "onstream._core")]
pub struct PyH2o {
    inner: H2o,
}

fn rows<'py, T: numpy::Element + Copy>(
    py: Python<'py>,
    per_head: &[Vec<T>],
) -> PyResult<Bound<'py, PyArray2<T>>> {
    Ok(PyArray2::from_vec2(py, per_head)?)
}

#[pymethods]
impl PyH2o {
    #[new]
    fn new(n_heads: usize, heavy: usize, recent: usize, variant: &str) -> PyResult<Self> {
        let variant = match variant {
            "topk" => H2oVariant::TopK,
            "argmin" => H2oVariant::Argmin,
            other => {
                return Err(CoreError(Error::invalid(
                    "variant",
                    format!("{other:?}"),
                    "\"topk\" or \"argmin\"",
                ))
                .into())
            }
        };
        Ok(PyH2o {
            inner: H2o::new(n_heads, heavy, recent, variant).py()?,
        })
    }

    fn append(&mut self, n: usize) {
        self.inner.append(n);
    }

    fn update<'py>(
        &mut self,
        py: Python<'py>,
        attn: Attention<'py>,
    ) -> PyResult<Bound<'py, PyArray2<bool>>> {
        let (shape, keep) = match &attn {
            Attention::F32(a) => (a.shape().to_vec(), {
                let q = a.shape()[1];
                let data = a.as_slice()?;
                attached(|| self.inner.update(data, q))?
            }),
            Attention::F64(a) => (a.shape().to_vec(), {
                let q = a.shape()[1];
                let data = a.as_slice()?;
                attached(|| self.inner.update(data, q))?
            }),
        };
        let heads = shape[0];
        let per_head: Vec<Vec<bool>> = keep
            .chunks(keep.len() / heads.max(1))
            .map(<[bool]>::to_vec)
            .collect();
        rows(py, &per_head)
    }

    fn positions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<u64>>> {
        rows(py, self.inner.positions())
    }

    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        rows(py, self.inner.scores())
    }

    #[getter]
    fn kept(&self) -> usize {
        self.inner.kept()
    }

    #[getter]
    fn n_heads(&self) -> usize {
        self.inner.heads()
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        pickling::bytes_of(py, &self.inner)
    }

    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyH2o {
            inner: snapshot::from_bytes(data).py()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        pickling::reduce(slf, slf.borrow().to_bytes(slf.py())?)
    }
}

pub fn register_h2o(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyH2o>()?;
    Ok(())
}
