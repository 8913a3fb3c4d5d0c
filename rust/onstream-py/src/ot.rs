//! Bindings of `onstream_core::ot`.

use numpy::{
    IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2,
    PyUntypedArrayMethods,
};
use onstream_core::ot::{self, Cost, DenseCost, Keep, Method, Options, SnsOptions, SqEuclidean};
use onstream_core::{Error, Result};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::IntoPyResult;
use crate::run::detached;

/// The cost as borrowed slices: a dense matrix, or two point clouds of the same dimension.
enum CostSlices<'a> {
    Dense(&'a [f64], usize, usize),
    Clouds(&'a [f64], usize, &'a [f64], usize, usize),
}

impl CostSlices<'_> {
    fn build(&self) -> Result<Cost<'_>> {
        Ok(match *self {
            CostSlices::Dense(c, n, m) => Cost::Dense(DenseCost::new(c, n, m)?),
            CostSlices::Clouds(x, n, y, m, d) => {
                Cost::SqEuclidean(SqEuclidean::new(x, n, y, m, d)?)
            }
        })
    }
}

fn slices<'a>(
    cost: &'a Option<PyReadonlyArray2<'_, f64>>,
    x: &'a Option<PyReadonlyArray2<'_, f64>>,
    y: &'a Option<PyReadonlyArray2<'_, f64>>,
) -> PyResult<CostSlices<'a>> {
    match (cost, x, y) {
        (Some(c), None, None) => Ok(CostSlices::Dense(c.as_slice()?, c.shape()[0], c.shape()[1])),
        (None, Some(x), Some(y)) => {
            let (d, dy) = (x.shape()[1], y.shape()[1]);
            if d != dy {
                return Err(Error::shape("y", format!("points of dimension {dy}"), d)).py();
            }
            Ok(CostSlices::Clouds(
                x.as_slice()?,
                x.shape()[0],
                y.as_slice()?,
                y.shape()[0],
                d,
            ))
        }
        _ => Err(Error::invalid(
            "cost",
            "another combination",
            "either cost, or both x and y",
        ))
        .py(),
    }
}

/// Solves an entropic OT problem; returns potentials, counters and the convergence log.
#[pyfunction]
#[pyo3(signature = (a, b, cost, x, y, reg, method, tol, max_iter, eps_scaling, warmup, keep_drop, max_keep, stored_kernel))]
#[allow(clippy::too_many_arguments)]
pub fn ot_solve<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    cost: Option<PyReadonlyArray2<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    reg: f64,
    method: &str,
    tol: f64,
    max_iter: usize,
    eps_scaling: Option<f64>,
    warmup: usize,
    keep_drop: f64,
    max_keep: usize,
    stored_kernel: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let method = match method {
        "sinkhorn" => Method::Scaling,
        "log" => Method::Log { stored_kernel },
        "sns" => Method::Sns(SnsOptions {
            warmup,
            keep: Keep {
                drop: keep_drop,
                max_keep,
            },
            stored_kernel,
        }),
        other => {
            return Err(Error::invalid(
                "method",
                format!("{other:?}"),
                "\"sinkhorn\", \"log\" or \"sns\"",
            ))
            .py()
        }
    };
    let opts = Options {
        eps: reg,
        tol,
        max_iter,
        eps_scaling,
    };
    let spec = slices(&cost, &x, &y)?;
    let (a, b) = (a.as_slice()?, b.as_slice()?);
    let out = detached(py, || ot::solve(&spec.build()?, a, b, method, &opts))?;
    let d = PyDict::new(py);
    d.set_item("n_iter", out.n_iter)?;
    d.set_item("sinkhorn_iter", out.sinkhorn_iter)?;
    d.set_item("newton_iter", out.newton_iter)?;
    d.set_item("cg_iter", out.cg_iter)?;
    d.set_item("passes", out.passes)?;
    d.set_item("work", out.work)?;
    d.set_item("marginal_error", out.marginal_error)?;
    d.set_item("converged", out.converged)?;
    let log = PyDict::new(py);
    log.set_item(
        "iteration",
        out.log.iter().map(|e| e.iteration).collect::<Vec<_>>(),
    )?;
    log.set_item(
        "stage",
        out.log.iter().map(|e| e.stage.name()).collect::<Vec<_>>(),
    )?;
    log.set_item("reg", out.log.iter().map(|e| e.eps).collect::<Vec<_>>())?;
    log.set_item(
        "marginal_error",
        out.log.iter().map(|e| e.marginal_error).collect::<Vec<_>>(),
    )?;
    log.set_item(
        "passes",
        out.log.iter().map(|e| e.passes).collect::<Vec<_>>(),
    )?;
    log.set_item("work", out.log.iter().map(|e| e.work).collect::<Vec<_>>())?;
    d.set_item("log", log)?;
    d.set_item("f", out.f.into_pyarray(py))?;
    d.set_item("g", out.g.into_pyarray(py))?;
    Ok(d)
}

/// The dense plan of potentials `(f, g)`.
#[pyfunction]
#[pyo3(signature = (cost, x, y, f, g, reg))]
pub fn ot_dense_plan<'py>(
    py: Python<'py>,
    cost: Option<PyReadonlyArray2<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    f: PyReadonlyArray1<'py, f64>,
    g: PyReadonlyArray1<'py, f64>,
    reg: f64,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let spec = slices(&cost, &x, &y)?;
    let (f, g) = (f.as_slice()?, g.as_slice()?);
    let (plan, n, m) = detached(py, || {
        let c = spec.build()?;
        let (n, m) = c.shape();
        Ok((ot::dense_plan(&c, f, g, reg)?, n, m))
    })?;
    plan.into_pyarray(py).reshape([n, m])
}

/// One pass over the plan of `(f, g)`: marginals, mass, transport cost, and the kept entries
/// (`keep_drop` not None) as CSR arrays.
#[pyfunction]
#[pyo3(signature = (cost, x, y, f, g, reg, keep_drop, max_keep))]
#[allow(clippy::too_many_arguments)]
pub fn ot_evaluate<'py>(
    py: Python<'py>,
    cost: Option<PyReadonlyArray2<'py, f64>>,
    x: Option<PyReadonlyArray2<'py, f64>>,
    y: Option<PyReadonlyArray2<'py, f64>>,
    f: PyReadonlyArray1<'py, f64>,
    g: PyReadonlyArray1<'py, f64>,
    reg: f64,
    keep_drop: Option<f64>,
    max_keep: usize,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(v) = keep_drop {
        if !(0.0..1.0).contains(&v) {
            return Err(Error::invalid("drop", v, "a fraction in [0, 1)")).py();
        }
    }
    let spec = slices(&cost, &x, &y)?;
    let (f, g) = (f.as_slice()?, g.as_slice()?);
    let keep = keep_drop.map(|drop| Keep { drop, max_keep });
    let r = detached(py, || ot::evaluate(&spec.build()?, f, g, reg, keep))?;
    let d = PyDict::new(py);
    d.set_item("total", r.total)?;
    d.set_item("linear", r.linear)?;
    d.set_item("row_sums", r.row_sums.into_pyarray(py))?;
    d.set_item("col_sums", r.col_sums.into_pyarray(py))?;
    if let Some(s) = r.sparse {
        let indptr: Vec<i64> = s.indptr.iter().map(|&v| v as i64).collect();
        let indices: Vec<i32> = s.indices.iter().map(|&v| v as i32).collect();
        d.set_item("indptr", indptr.into_pyarray(py))?;
        d.set_item("indices", indices.into_pyarray(py))?;
        d.set_item("data", s.data.into_pyarray(py))?;
    }
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(ot_solve, m)?)?;
    m.add_function(wrap_pyfunction!(ot_dense_plan, m)?)?;
    m.add_function(wrap_pyfunction!(ot_evaluate, m)?)?;
    Ok(())
}
