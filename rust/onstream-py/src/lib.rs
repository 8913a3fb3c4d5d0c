//! `onstream._core`: the thin binding layer. Each `#[pymethods]` body converts its arguments, calls
//! the core once and converts the result; signatures, defaults and docs belong to the Python facade.

use numpy::{IntoPyArray, PyArray1};
use onstream_core::{pool, Error};
use pyo3::prelude::*;
use pyo3::types::PyDict;

mod bandits;
mod dense;
mod errors;
mod graph;
mod kernels;
mod ot;
mod paging;
mod pickling;
mod privacy;
mod run;
mod stream;
mod submodular;

/// Facts about this build for `onstream info`.
#[pyfunction]
fn build_info(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("version", env!("CARGO_PKG_VERSION"))?;
    d.set_item(
        "profile",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    d.set_item("configured_threads", pool::configured_threads())?;
    d.set_item("kernels", kernels::kernel_names())?;
    Ok(d)
}

/// Threads that batch work runs on now: the pool's size, or 1 in a forked child.
#[pyfunction]
fn pool_threads() -> usize {
    pool::current_threads()
}

/// Test hook: the first `n` outputs of the `stream`-th generator for `seed`, to check the generator
/// against an independent implementation of its specification.
#[pyfunction]
fn _rng_u64(py: Python<'_>, seed: u64, stream: u64, n: usize) -> Bound<'_, PyArray1<u64>> {
    use rand_core::RngCore;
    let mut rng = onstream_core::rng::stream(seed, stream);
    let out: Vec<u64> = (0..n).map(|_| rng.next_u64()).collect();
    out.into_pyarray(py)
}

/// Test hook: panics inside the core, on a pool worker (`where_="pool"`) or on the calling thread
/// (`where_="here"`), to show that a panic reaches Python as `InternalError`, not as a crash.
#[pyfunction]
fn _debug_panic(py: Python<'_>, where_: &str) -> PyResult<()> {
    use rayon::prelude::*;
    match where_ {
        "pool" => run::detached(py, || {
            (0..64u32).into_par_iter().for_each(|i| {
                #[allow(clippy::panic)]
                if i == 63 {
                    panic!("deliberate panic on a worker (test hook)");
                }
            });
            Ok(())
        }),
        "here" => run::attached(|| {
            #[allow(clippy::panic)]
            {
                panic!("deliberate panic on the calling thread (test hook)")
            }
        }),
        other => Err(errors::CoreError(Error::invalid(
            "where_",
            format!("{other:?}"),
            "\"pool\" or \"here\"",
        ))
        .into()),
    }
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(build_info, m)?)?;
    m.add_function(wrap_pyfunction!(pool_threads, m)?)?;
    m.add_function(wrap_pyfunction!(_debug_panic, m)?)?;
    m.add_function(wrap_pyfunction!(_rng_u64, m)?)?;
    kernels::register(m)?;
    bandits::register(m)?;
    dense::register(m)?;
    stream::register(m)?;
    paging::register(m)?;
    ot::register(m)?;
    graph::register(m)?;
    privacy::register(m)?;
    submodular::register(m)?;
    Ok(())
}
