//! The one way long work runs: detach from the interpreter, run on the private pool, catch panics.

use onstream_core::pool;
use pyo3::prelude::*;

use crate::errors::IntoPyResult;

/// Runs `work` with the interpreter detached (other Python threads keep running), on onstream's
/// rayon pool (sequentially in a forked child), turning a panic into `InternalError`.
///
/// Borrow the input arrays before calling and convert the result after: nothing inside `work` may
/// touch Python objects.
pub fn detached<R: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> onstream_core::Result<R> + Send,
) -> PyResult<R> {
    py.detach(|| pool::run(work)).py()
}

/// Runs short per-event work while attached, still turning a panic into `InternalError`.
pub fn attached<R>(work: impl FnOnce() -> onstream_core::Result<R>) -> PyResult<R> {
    pool::catch(work).py()
}
