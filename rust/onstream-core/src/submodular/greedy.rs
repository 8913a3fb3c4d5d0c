//! The greedy family for `max f(S)` subject to `|S| <= k`.
//!
//! * Naive greedy (Nemhauser, Wolsey & Fisher 1978): each step evaluates every remaining element
//!   (in parallel) and takes the largest gain, the lowest index among equals. `1 − 1/e`.
//! * Lazy greedy (Minoux 1978): gains only shrink as `S` grows, so a max-heap of stale gains is a
//!   heap of upper bounds; the top is re-evaluated until it stays on top. Same selection as naive
//!   greedy (ties broken the same way), far fewer oracle calls.
//! * Stochastic greedy (Mirzasoleiman et al., "Lazier Than Lazy Greedy", AAAI 2015): each step
//!   evaluates a uniform sample of `⌈(n/k) ln(1/ε)⌉` remaining elements. `1 − 1/e − ε` in
//!   expectation with `O(n ln(1/ε))` oracle calls in all.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::objective::{argmax, Objective, Oracle};
use crate::error::{Error, Result};
use crate::rng::{below, Rng};

/// What an optimizer returns.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Chosen elements in pick order.
    pub indices: Vec<usize>,
    /// The gain of each pick when it was made.
    pub gains: Vec<f64>,
    /// `f(S)`.
    pub value: f64,
    /// Marginal-gain evaluations made.
    pub oracle_calls: u64,
}

/// Checks `1 <= k <= n`.
pub fn check_k(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n {
        return Err(Error::invalid(
            "k",
            k,
            format!("a cardinality in 1..={n} (the number of elements)"),
        ));
    }
    Ok(())
}

struct Picks<'o, 'a, O: Objective> {
    oracle: &'o Oracle<'a, O>,
    state: O::State,
    sel: Selection,
}

impl<'o, 'a, O: Objective> Picks<'o, 'a, O> {
    fn new(oracle: &'o Oracle<'a, O>) -> Self {
        Self {
            state: oracle.f.empty(),
            oracle,
            sel: Selection::default(),
        }
    }

    fn take(&mut self, e: usize, gain: f64) {
        self.oracle.f.insert(&mut self.state, e);
        self.sel.indices.push(e);
        self.sel.gains.push(gain);
    }

    fn finish(mut self) -> Selection {
        self.sel.value = self.oracle.f.value(&self.state);
        self.sel.oracle_calls = self.oracle.calls();
        self.sel
    }
}

/// Naive greedy.
pub fn naive<O: Objective>(f: &O, k: usize) -> Result<Selection> {
    check_k(k, f.len())?;
    let oracle = Oracle::new(f);
    let mut picks = Picks::new(&oracle);
    let mut left: Vec<usize> = (0..f.len()).collect();
    for _ in 0..k {
        let gains = oracle.gains(&picks.state, &left);
        let Some((e, g)) = argmax(&left, &gains) else {
            break;
        };
        left.retain(|&x| x != e);
        picks.take(e, g);
    }
    Ok(picks.finish())
}

/// A heap entry: an upper bound on `e`'s gain, computed when `S` had `stamp` elements. Ordered by
/// bound, then by lower index (so equal bounds pop in naive greedy's tie order).
struct Bound {
    gain: f64,
    e: usize,
    stamp: usize,
}

impl PartialEq for Bound {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Bound {}
impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gain
            .total_cmp(&other.gain)
            .then_with(|| other.e.cmp(&self.e))
    }
}

/// Lazy greedy (same selection as [`naive`]).
pub fn lazy<O: Objective>(f: &O, k: usize) -> Result<Selection> {
    check_k(k, f.len())?;
    let all: Vec<usize> = (0..f.len()).collect();
    Ok(lazy_over(f, k, &all))
}

/// Lazy greedy over the elements `candidates` (distinct ids), picking `min(k, |candidates|)`:
/// what recompute-greedy runs after every update of a dynamic set.
pub fn lazy_over<O: Objective>(f: &O, k: usize, candidates: &[usize]) -> Selection {
    let oracle = Oracle::new(f);
    let mut picks = Picks::new(&oracle);
    let all = candidates;
    let first = oracle.gains(&picks.state, all);
    let mut heap: BinaryHeap<Bound> = all
        .iter()
        .zip(first)
        .map(|(&e, gain)| Bound { gain, e, stamp: 0 })
        .collect();
    while picks.sel.indices.len() < k {
        let Some(top) = heap.pop() else { break };
        let size = picks.sel.indices.len();
        if top.stamp == size {
            picks.take(top.e, top.gain);
        } else {
            let gain = oracle.gain(&picks.state, top.e);
            heap.push(Bound {
                gain,
                e: top.e,
                stamp: size,
            });
        }
    }
    picks.finish()
}

/// Stochastic greedy with sample size `⌈(n/k) ln(1/ε)⌉`.
pub fn stochastic<O: Objective>(f: &O, k: usize, epsilon: f64, rng: &mut Rng) -> Result<Selection> {
    check_k(k, f.len())?;
    if !(epsilon > 0.0 && epsilon < 1.0) {
        return Err(Error::invalid("epsilon", epsilon, "a value in (0, 1)"));
    }
    let n = f.len();
    let sample = ((n as f64 / k as f64) * (1.0 / epsilon).ln())
        .ceil()
        .max(1.0) as usize;
    let oracle = Oracle::new(f);
    let mut picks = Picks::new(&oracle);
    let mut left: Vec<usize> = (0..n).collect();
    for _ in 0..k {
        // A uniform sample without replacement: a partial Fisher–Yates shuffle of `left`.
        let s = sample.min(left.len());
        for i in 0..s {
            let j = i + below(rng, (left.len() - i) as u64) as usize;
            left.swap(i, j);
        }
        let cands = &left[..s];
        let gains = oracle.gains(&picks.state, cands);
        let Some((e, g)) = argmax(cands, &gains) else {
            break;
        };
        let pos = cands.iter().position(|&x| x == e).unwrap_or(0);
        left.swap_remove(pos);
        picks.take(e, g);
    }
    Ok(picks.finish())
}
