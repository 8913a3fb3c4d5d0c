//! The private rayon pool every batch call runs on.
//!
//! * Sized by `ONSTREAM_MAX_THREADS` (read once, when the pool is first used), else by the number of
//!   CPUs the process may use.
//! * Fork-safe: a forked child inherits the pool's bookkeeping but not its threads, so work sent to
//!   it would wait forever. A `pthread_atfork` hook (registered when the pool is built, as tokenizers
//!   does) marks the child, and from then on work runs sequentially on a one-thread pool built for the
//!   call and dropped after it, which never outlives another fork.
//! * Panic-safe: [`run`] turns a panic anywhere in the work, including on a worker thread, into
//!   [`Error::Internal`], so a bug surfaces as an exception rather than a crashed interpreter.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::{Error, Result};

/// Environment variable that caps the pool's size.
pub const THREADS_ENV: &str = "ONSTREAM_MAX_THREADS";

static POOL: OnceLock<std::result::Result<ThreadPool, String>> = OnceLock::new();
static FORKED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn mark_forked_child() {
    FORKED.store(true, Ordering::SeqCst);
}

#[cfg(unix)]
fn register_fork_hook() {
    // SAFETY: registers a plain `extern "C"` function that only stores to an atomic, which is
    // async-signal-safe as a child handler must be.
    unsafe {
        libc::pthread_atfork(None, None, Some(mark_forked_child));
    }
}

#[cfg(not(unix))]
fn register_fork_hook() {}

/// The thread count requested by `ONSTREAM_MAX_THREADS`, or the CPUs available.
pub fn configured_threads() -> usize {
    std::env::var(THREADS_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// True in a process forked from one that had built the pool.
pub fn in_forked_child() -> bool {
    FORKED.load(Ordering::SeqCst)
}

/// The number of threads batch work runs on now (1 in a forked child).
pub fn current_threads() -> usize {
    if in_forked_child() {
        return 1;
    }
    match shared_pool() {
        Ok(pool) => pool.current_num_threads(),
        Err(_) => 1,
    }
}

fn shared_pool() -> Result<&'static ThreadPool> {
    let built = POOL.get_or_init(|| {
        register_fork_hook();
        ThreadPoolBuilder::new()
            .num_threads(configured_threads())
            .thread_name(|i| format!("onstream-{i}"))
            .build()
            .map_err(|e| e.to_string())
    });
    built
        .as_ref()
        .map_err(|e| Error::Internal(format!("cannot start the thread pool: {e}")))
}

/// Whether the caller runs on a pool thread (inside [`run`]). Code that may also be called
/// outside (see `paging::simulate::Grid::runs_alone`) parallelizes only then, so that it never
/// starts rayon's global pool.
pub fn on_pool() -> bool {
    rayon::current_thread_index().is_some()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Runs `work`, turning a panic into [`Error::Internal`].
pub fn catch<R>(work: impl FnOnce() -> Result<R>) -> Result<R> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(result) => result,
        Err(payload) => Err(Error::Internal(panic_message(payload.as_ref()))),
    }
}

/// Runs `work` on the private pool (sequentially in a forked child), catching panics.
///
/// Parallel iterators inside `work` use this pool. Call it with the interpreter detached.
pub fn run<R: Send>(work: impl FnOnce() -> Result<R> + Send) -> Result<R> {
    catch(|| {
        if in_forked_child() {
            let single = ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;
            return single.install(work);
        }
        shared_pool()?.install(work)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn runs_parallel_work() {
        let total: u64 = run(|| Ok((0..10_000u64).into_par_iter().sum())).unwrap();
        assert_eq!(total, 10_000 * 9_999 / 2);
        assert!(current_threads() >= 1);
    }

    #[test]
    fn panics_become_internal_errors_even_on_workers() {
        let err = run(|| {
            (0..64u32).into_par_iter().for_each(|i| {
                if i == 37 {
                    panic!("boom at {i}");
                }
            });
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err, Error::Internal("boom at 37".into()));
    }
}
