//! One cell's simulation on two threads by time partitioning (Heidelberger & Stone, "Parallel
//! trace-driven cache simulation by time partitioning", Winter Simulation Conference 1990).
//!
//! The first thread serves the first half of the trace; the second serves the second half
//! from an empty cache, recording its state and its hits every `CHECK_EVERY` requests. The
//! first then goes on into the second half and compares its own state with each record in
//! turn. A policy's hits from a time on depend only on its state then, so from the first time
//! the two states are equal the second thread's hits and flags are the first's: the result is
//! exact. If the states never meet, the first thread serves the whole trace, as one thread
//! would have. Each policy says what its state is ([`Run::state`]); states name keys by times
//! of the trace (a key's last or next request), so equal times are equal keys.
//!
//! On the 10 M-request Zipf trace, k = 1000, ARC's runs meet about 240 K requests into the
//! second half (5%); on the 134 K-request sprite trace they did not meet, hence
//! `MIN_REQUESTS`.

use std::ops::Range;

use crate::{bigbuf, pool};

/// Traces shorter than this run on one thread.
const MIN_REQUESTS: usize = 1 << 20;

/// Requests between the second thread's records.
const CHECK_EVERY: usize = 1 << 16;

/// Times the second thread records in all, at most (32 MiB): large caches get fewer chances to
/// meet rather than unbounded memory.
const RECORDED_TIMES: usize = 1 << 23;

/// A policy's run over part of a trace.
pub trait Run: Send {
    /// What the hits from a time on depend on, comparable between runs that started at
    /// different times.
    type State: PartialEq + Send;

    /// Serves the requests at times `span` (trace times; each span starting where the last
    /// ended, the first where the run started): their hits, their flags pushed onto `mask`.
    fn serve(&mut self, span: Range<usize>, mask: &mut Option<Vec<bool>>) -> u64;

    /// The state before the request at `now`, as a run that started at `start` would hold
    /// it; none if no such run can hold it (it names a key by a time before `start`).
    fn state(&self, now: usize, start: usize) -> Option<Self::State>;

    /// How many times a state holds (for the records' budget).
    fn size(state: &Self::State) -> usize;
}

/// Whether a trace of `n` requests is worth two threads (which the pool must have).
pub fn worth_it(n: usize) -> bool {
    n >= MIN_REQUESTS && pool::current_threads() >= 2
}

/// The hits over the `n` requests of a trace, and their flags when `want_mask`, from runs made
/// by `start(t)` (a run with an empty cache that serves from time `t`): on two threads when
/// [`worth_it`] and on the pool, else on this one.
pub fn hits<R: Run>(
    start: impl Fn(usize) -> R + Sync,
    n: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    if worth_it(n) && pool::on_pool() {
        return partitioned(start, n, want_mask, CHECK_EVERY).0;
    }
    let mut mask = want_mask.then(|| bigbuf::with_capacity(n));
    let hits = start(0).serve(0..n, &mut mask);
    (hits, mask)
}

/// A record of the second run: its state before the request at `at`, and its hits by then.
struct Record<S> {
    at: usize,
    hits: u64,
    state: S,
}

/// [`hits`] on two threads, the second run recording every `every` requests; also the time
/// the runs met.
fn partitioned<R: Run>(
    start: impl Fn(usize) -> R + Sync,
    n: usize,
    want_mask: bool,
    every: usize,
) -> ((u64, Option<Vec<bool>>), Option<usize>) {
    let half = n / 2;
    let ((mut first, mut hits, mut mask), (records, later_hits, later_mask)) = rayon::join(
        || {
            let mut first = start(0);
            let mut mask = want_mask.then(|| bigbuf::with_capacity(n));
            let hits = first.serve(0..half, &mut mask);
            (first, hits, mask)
        },
        || {
            let mut later = start(half);
            let mut mask = want_mask.then(|| bigbuf::with_capacity(n - half));
            let (mut hits, mut records, mut t) = (0, Vec::new(), half);
            let mut budget = RECORDED_TIMES;
            while t < n {
                // Records until the budget is spent, then one span to the end.
                let end = if budget > 0 { (t + every).min(n) } else { n };
                hits += later.serve(t..end, &mut mask);
                t = end;
                if t == n {
                    break;
                }
                match later.state(t, half) {
                    Some(state) if R::size(&state) <= budget => {
                        budget -= R::size(&state);
                        records.push(Record { at: t, hits, state });
                    }
                    _ => budget = 0,
                }
            }
            (records, hits, mask)
        },
    );
    let mut t = half;
    for record in &records {
        hits += first.serve(t..record.at, &mut mask);
        t = record.at;
        if first.state(t, half).as_ref() == Some(&record.state) {
            let mask = mask.zip(later_mask).map(|(mut mine, later)| {
                mine.extend_from_slice(&later[t - half..]);
                mine
            });
            return ((hits + later_hits - record.hits, mask), Some(t));
        }
    }
    hits += first.serve(t..n, &mut mask);
    ((hits, mask), None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// [`partitioned`] on the pool, recording every `every` requests.
    pub(crate) fn split<R: Run>(
        start: impl Fn(usize) -> R + Sync,
        n: usize,
        every: usize,
    ) -> ((u64, Option<Vec<bool>>), Option<usize>) {
        crate::pool::run(|| Ok(partitioned(&start, n, true, every))).unwrap()
    }
}
