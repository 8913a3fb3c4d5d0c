//! One ARC simulation on two threads by time partitioning (Heidelberger & Stone, "Parallel
//! trace-driven cache simulation by time partitioning", Winter Simulation Conference 1990).
//!
//! The first thread serves the first half of the trace; the second serves the second half
//! from empty lists, recording its lists, `p` and its hits every [`CHECK_EVERY`] requests. The
//! first then goes on into the second half and compares its own state with each record in
//! turn. ARC's decisions depend only on its four lists and `p`, so from the first time the two
//! states are equal (same keys in the same lists in the same order, the same `p` bit for bit)
//! the second thread's hits and flags are the first's: the result is exact. Lists hold keys by
//! the times of their marks, and the trace names the key at a time, so equal times are equal
//! keys. If the states never meet, the first thread serves the whole trace, as one thread
//! would have.
//!
//! On the 10 M-request Zipf trace, k = 1000, the runs meet about 240 K requests into the
//! second half (5%); on the 134 K-request sprite trace they did not meet, hence
//! [`MIN_REQUESTS`].

use super::{serve_span, KeyStates, Lists};
use crate::bigbuf;
use crate::paging::split_marks::Place;
use crate::pool;

/// Traces shorter than this run on one thread.
const MIN_REQUESTS: usize = 1 << 20;

/// Requests between the second thread's records.
const CHECK_EVERY: usize = 1 << 16;

/// Marks the second thread records in all, at most (32 MiB; a record holds up to 4c of them):
/// large caches get fewer chances to meet rather than unbounded memory.
const RECORDED_MARKS: usize = 1 << 23;

/// Whether a trace of `n` requests is worth two threads (which the pool must have).
pub(super) fn worth_it(n: usize) -> bool {
    n >= MIN_REQUESTS && pool::current_threads() >= 2
}

/// A run's state at a time, for comparing two runs.
#[derive(PartialEq, Eq)]
struct State {
    p: u64,
    /// Each list's marks, as times from the run's start, oldest first: T1, B1, T2, B2.
    lists: [Vec<u32>; 4],
}

/// `lists`' state at time `now`, its times counted from `start`; none if a mark is before it
/// (no state of a run that starts there can equal it).
fn state(lists: &Lists, now: usize, start: usize) -> Option<State> {
    let mut out: [Vec<u32>; 4] = Default::default();
    let mut before_start = false;
    for (side, marks) in [&lists.one, &lists.two].into_iter().enumerate() {
        marks.for_each_mark(now, |t, place| {
            let i = 2 * side + usize::from(place != Place::Live);
            match t.checked_sub(start) {
                Some(rel) => out[i].push(rel as u32),
                None => before_start = true,
            }
        });
    }
    (!before_start).then_some(State {
        p: lists.p.to_bits(),
        lists: out,
    })
}

impl State {
    fn marks(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }
}

/// A record of the second run: its state after `at` of its requests, and its hits by then.
struct Record {
    at: usize,
    hits: u64,
    state: State,
}

/// `super::run` on two threads; see the module's documentation.
pub(super) fn run<S: KeyStates + Send>(
    keys: impl Fn(usize) -> S + Sync,
    n: usize,
    c: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    partitioned(keys, n, c, want_mask, CHECK_EVERY).0
}

/// [`run`] with the second run recording every `every` requests; also the time the runs met.
fn partitioned<S: KeyStates + Send>(
    keys: impl Fn(usize) -> S + Sync,
    n: usize,
    c: usize,
    want_mask: bool,
    every: usize,
) -> ((u64, Option<Vec<bool>>), Option<usize>) {
    let half = n / 2;
    let ((mut first, mut lists, mut hits, mut mask), (records, later_hits, later_mask)) =
        rayon::join(
            || {
                let mut first = keys(0);
                let mut lists = Lists::new(n, c);
                let mut mask = want_mask.then(|| bigbuf::with_capacity(n));
                let hits = serve_span(&mut first, &mut lists, 0..half, &mut mask);
                (first, lists, hits, mask)
            },
            || {
                let len = n - half;
                let mut later = keys(half);
                let mut lists = Lists::new(len, c);
                let mut mask = want_mask.then(|| bigbuf::with_capacity(len));
                let (mut hits, mut records, mut t) = (0, Vec::new(), 0);
                let mut budget = RECORDED_MARKS;
                while t < len {
                    // Records until the budget is spent, then one span to the end.
                    let end = if budget > 0 { (t + every).min(len) } else { len };
                    hits += serve_span(&mut later, &mut lists, t..end, &mut mask);
                    t = end;
                    if t == len {
                        break;
                    }
                    match state(&lists, t, 0) {
                        Some(state) if state.marks() <= budget => {
                            budget -= state.marks();
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
        let at = half + record.at;
        hits += serve_span(&mut first, &mut lists, t..at, &mut mask);
        t = at;
        if state(&lists, at, half).as_ref() == Some(&record.state) {
            let mask = mask.zip(later_mask).map(|(mut mine, later)| {
                mine.extend_from_slice(&later[record.at..]);
                mine
            });
            return ((hits + later_hits - record.hits, mask), Some(at));
        }
    }
    hits += serve_span(&mut first, &mut lists, t..n, &mut mask);
    ((hits, mask), None)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{arc_hits, Direct};
    use super::*;
    use crate::paging::tests_support::locality_trace;

    fn split(trace: &[u64], c: usize, every: usize) -> ((u64, Option<Vec<bool>>), Option<usize>) {
        let bound = trace.iter().max().map_or(0, |&m| m as usize + 1);
        let keys = |from: usize| Direct {
            ids: &trace[from..],
            states: vec![0; bound],
        };
        crate::pool::run(|| Ok(partitioned(keys, trace.len(), c, true, every))).unwrap()
    }

    proptest! {
        /// Against one run over the whole trace, whether or not the two runs meet.
        #[test]
        fn hits_and_flags_as_one_run(seed in 0u64..1_000, c in 1usize..40, every in 1usize..200) {
            let trace = locality_trace(3_000, 200, seed);
            let bound = trace.iter().max().map_or(0, |&m| m as usize + 1);
            let (got, _) = split(&trace, c, every);
            prop_assert_eq!(got, arc_hits(&trace, bound, c, true));
        }
    }

    #[test]
    fn the_runs_meet_on_a_skewed_trace_and_not_on_a_growing_scan() {
        let skewed = locality_trace(40_000, 500, 7);
        let bound = skewed.iter().max().map_or(0, |&m| m as usize + 1);
        let (got, met) = split(&skewed, 50, 1_000);
        assert_eq!(got, arc_hits(&skewed, bound, 50, true));
        assert!(met.is_some());
        // A key requested once before the second half and never forgotten: its mark keeps
        // the first run's lists apart from every state the second run records.
        let mut held = vec![0u64, 0];
        held.extend((0..20_000u64).map(|i| 1 + i % 2));
        let (got, met) = split(&held, 4, 100);
        assert_eq!(got, arc_hits(&held, 3, 4, true));
        assert_eq!(met, None);
    }
}
