//! Bindings of `onstream_core::graph`.

use std::sync::Arc;

use numpy::{
    IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use onstream_core::graph::{
    self, Dangling, Estimator, Graph, PowerWalkIndex, PprOptions, Srrw, Target,
};
use onstream_core::{snapshot, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::IntoPyResult;
use crate::run::detached;

/// An immutable CSR graph, shared (not copied) by every computation on it.
#[pyclass(name = "Graph", module = "onstream._core", frozen)]
pub struct PyGraph {
    inner: Arc<Graph>,
}

#[pymethods]
impl PyGraph {
    #[staticmethod]
    #[pyo3(signature = (src, dst, n_nodes, directed, weights))]
    fn from_edges(
        py: Python<'_>,
        src: PyReadonlyArray1<'_, i64>,
        dst: PyReadonlyArray1<'_, i64>,
        n_nodes: Option<usize>,
        directed: bool,
        weights: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let (src, dst) = (src.as_slice()?, dst.as_slice()?);
        let weights = match &weights {
            Some(w) => Some(w.as_slice()?),
            None => None,
        };
        let g = detached(py, || {
            Graph::from_edges(src, dst, n_nodes, directed, weights)
        })?;
        Ok(Self { inner: Arc::new(g) })
    }

    #[getter]
    fn n_nodes(&self) -> usize {
        self.inner.n_nodes()
    }

    #[getter]
    fn n_edges(&self) -> usize {
        self.inner.n_edges()
    }

    fn dangling<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let d: Vec<i64> = self
            .inner
            .dangling()
            .iter()
            .map(|&v| i64::from(v))
            .collect();
        d.into_pyarray(py)
    }

    fn out_degrees<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let n = self.inner.n_nodes();
        let d: Vec<i64> = (0..n).map(|u| self.inner.out_degree(u) as i64).collect();
        d.into_pyarray(py)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let g = Arc::clone(&self.inner);
        let bytes = detached(py, || snapshot::to_bytes(&*g))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let g: Graph = detached(py, || snapshot::from_bytes(data))?;
        Ok(Self { inner: Arc::new(g) })
    }
}

/// A PowerWalk index: fingerprints of every vertex, and the graph queries step on.
#[pyclass(name = "PowerWalkIndex", module = "onstream._core", frozen)]
pub struct PyPowerWalkIndex {
    inner: PowerWalkIndex,
}

#[pymethods]
impl PyPowerWalkIndex {
    #[staticmethod]
    #[pyo3(signature = (graph, walks, alpha, seed, partitions = None))]
    fn build(
        py: Python<'_>,
        graph: &PyGraph,
        walks: usize,
        alpha: f64,
        seed: u64,
        partitions: Option<usize>,
    ) -> PyResult<Self> {
        let g = Arc::clone(&graph.inner);
        let inner = detached(py, || match partitions {
            None => PowerWalkIndex::build(g, walks, alpha, seed),
            Some(k) => graph::partition::build_index(g, k, walks, alpha, seed),
        })?;
        Ok(Self { inner })
    }

    #[staticmethod]
    fn from_parts(py: Python<'_>, graph: &PyGraph, fingerprints: &[u8]) -> PyResult<Self> {
        let g = Arc::clone(&graph.inner);
        let inner = detached(py, || {
            PowerWalkIndex::from_parts(g, snapshot::from_bytes(fingerprints)?)
        })?;
        Ok(Self { inner })
    }

    fn fingerprint_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = detached(py, || snapshot::to_bytes(self.inner.fingerprints()))?;
        Ok(PyBytes::new(py, &bytes))
    }

    #[getter]
    fn nnz(&self) -> usize {
        self.inner.nnz()
    }

    #[getter]
    fn alpha(&self) -> f64 {
        self.inner.fingerprints().alpha
    }

    #[getter]
    fn walks_per_node(&self) -> usize {
        self.inner.fingerprints().walks
    }

    /// Top-k rows for every source: flat arrays `source, node, score, rank`.
    fn query<'py>(
        &self,
        py: Python<'py>,
        sources: PyReadonlyArray1<'py, i64>,
        k: usize,
        steps: usize,
        prune: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let src = sources.as_slice()?;
        let tops = detached(py, || self.inner.query(src, k, steps, prune))?;
        let (mut s, mut node, mut score, mut rank) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (&source, top) in src.iter().zip(&tops) {
            for (r, (&v, &sc)) in top.nodes.iter().zip(&top.scores).enumerate() {
                s.push(source);
                node.push(i64::from(v));
                score.push(sc);
                rank.push(r as i64 + 1);
            }
        }
        let d = PyDict::new(py);
        d.set_item("source", s.into_pyarray(py))?;
        d.set_item("node", node.into_pyarray(py))?;
        d.set_item("score", score.into_pyarray(py))?;
        d.set_item("rank", rank.into_pyarray(py))?;
        Ok(d)
    }

    fn query_dense<'py>(
        &self,
        py: Python<'py>,
        source: usize,
        steps: usize,
        prune: f64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let v = detached(py, || self.inner.query_dense(source, steps, prune))?;
        Ok(v.into_pyarray(py))
    }
}

fn dangling_policy(name: &str) -> PyResult<Dangling> {
    match name {
        "personalization" => Ok(Dangling::Personalization),
        "uniform" => Ok(Dangling::Uniform),
        "self" => Ok(Dangling::SelfLoop),
        other => Err(Error::invalid(
            "dangling",
            format!("{other:?}"),
            "\"personalization\", \"uniform\" or \"self\"",
        ))
        .py(),
    }
}

/// Personalized PageRank of `graph` for the distribution `p`.
#[pyfunction]
#[pyo3(signature = (graph, p, alpha, method, tol, max_iter, dangling, walks, seed))]
#[allow(clippy::too_many_arguments)]
pub fn graph_ppr<'py>(
    py: Python<'py>,
    graph: &PyGraph,
    p: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    method: &str,
    tol: f64,
    max_iter: usize,
    dangling: &str,
    walks: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let g = Arc::clone(&graph.inner);
    let p = p.as_slice()?;
    let dangling = dangling_policy(dangling)?;
    let opts = PprOptions {
        alpha,
        tol,
        max_iter,
        dangling,
    };
    let d = PyDict::new(py);
    match method {
        "power" | "push" => {
            let out = detached(py, || match method {
                "power" => graph::power(&g, p, &opts),
                _ => graph::push(&g, p, &opts),
            })?;
            d.set_item("scores", out.scores.into_pyarray(py))?;
            d.set_item("iterations", out.iterations)?;
            d.set_item("edge_work", out.edge_work)?;
            d.set_item("error_bound", out.error_bound)?;
            d.set_item("converged", out.converged)?;
        }
        "montecarlo" | "montecarlo_endpoint" => {
            let est = if method == "montecarlo" {
                Estimator::FullPath
            } else {
                Estimator::EndPoint
            };
            let out = detached(py, || {
                graph::monte_carlo(&g, p, alpha, walks, est, dangling, seed)
            })?;
            d.set_item("scores", out.into_pyarray(py))?;
            d.set_item("walks", walks)?;
        }
        other => {
            return Err(Error::invalid(
                "method",
                format!("{other:?}"),
                "\"power\", \"push\", \"montecarlo\" or \"montecarlo_endpoint\"",
            ))
            .py()
        }
    }
    Ok(d)
}

fn target(name: &str, weights: Option<PyReadonlyArray1<'_, f64>>) -> PyResult<Target> {
    match (name, weights) {
        ("uniform", None) => Ok(Target::Uniform),
        ("degree", None) => Ok(Target::Degree),
        ("weights", Some(w)) => Ok(Target::Weights(w.as_slice()?.to_vec())),
        (other, _) => Err(Error::invalid(
            "target",
            format!("{other:?}"),
            "\"uniform\", \"degree\" or an array of weights",
        ))
        .py(),
    }
}

/// A self-repellent random walk's trajectory (the start included).
#[pyfunction]
#[pyo3(signature = (graph, alpha, target_name, weights, steps, start, seed))]
#[allow(clippy::too_many_arguments)]
pub fn graph_srrw_walk<'py>(
    py: Python<'py>,
    graph: &PyGraph,
    alpha: f64,
    target_name: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    steps: usize,
    start: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let g = Arc::clone(&graph.inner);
    let t = target(target_name, weights)?;
    let path = detached(py, || Srrw::new(&g, alpha, t)?.walk(start, steps, seed, 0))?;
    let path: Vec<i64> = path.into_iter().map(i64::from).collect();
    Ok(path.into_pyarray(py))
}

/// `runs` independent walkers' averages of `values` along their trajectories.
#[pyfunction]
#[pyo3(signature = (graph, values, alpha, target_name, weights, start, steps, runs, seed))]
#[allow(clippy::too_many_arguments)]
pub fn graph_srrw_averages<'py>(
    py: Python<'py>,
    graph: &PyGraph,
    values: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    target_name: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    start: usize,
    steps: usize,
    runs: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let g = Arc::clone(&graph.inner);
    let t = target(target_name, weights)?;
    let vals = values.as_slice()?;
    let out = detached(py, || {
        Srrw::new(&g, alpha, t)?.averages(vals, start, steps, runs, seed)
    })?;
    Ok(out.into_pyarray(py))
}

/// SA-SRRW least squares: the final iterate of each of `runs` tokens, `runs × d`.
#[pyfunction]
#[pyo3(signature = (graph, features, labels, alpha, target_name, weights, start, steps, gamma_exponent, beta_exponent, beta0, runs, seed))]
#[allow(clippy::too_many_arguments)]
pub fn graph_sa_srrw_least_squares<'py>(
    py: Python<'py>,
    graph: &PyGraph,
    features: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    target_name: &str,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    start: usize,
    steps: usize,
    gamma_exponent: f64,
    beta_exponent: f64,
    beta0: f64,
    runs: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let g = Arc::clone(&graph.inner);
    let t = target(target_name, weights)?;
    let d = features.shape()[1];
    let (x, y) = (features.as_slice()?, labels.as_slice()?);
    let out = detached(py, || {
        Srrw::new(&g, alpha, t)?.sa_least_squares(
            x,
            y,
            start,
            steps,
            (gamma_exponent, beta_exponent, beta0),
            runs,
            seed,
        )
    })?;
    out.into_pyarray(py).reshape([runs, d])
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(graph_sa_srrw_least_squares, m)?)?;
    m.add_function(wrap_pyfunction!(graph_srrw_walk, m)?)?;
    m.add_function(wrap_pyfunction!(graph_srrw_averages, m)?)?;
    m.add_class::<PyGraph>()?;
    m.add_class::<PyPowerWalkIndex>()?;
    m.add_function(wrap_pyfunction!(graph_ppr, m)?)?;
    Ok(())
}
