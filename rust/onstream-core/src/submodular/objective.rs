//! Set functions with incremental state, and the counter of oracle calls every optimizer reports.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// A monotone submodular function `f` on the elements `0..len()`, evaluated through the state of a
/// set `S` so that a marginal gain `Δ(e | S) = f(S ∪ {e}) − f(S)` costs one read of what `e`
/// touches (a kernel row, a feature row, a set's items), never a recomputation of `f(S)`.
pub trait Objective: Sync {
    /// What a set `S` is summarized by (for facility location, each point's best similarity).
    type State: Clone + Send + Sync;

    /// The number of elements.
    fn len(&self) -> usize;

    /// True when there are no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The state of the empty set.
    fn empty(&self) -> Self::State;

    /// `Δ(e | S)`.
    fn gain(&self, state: &Self::State, e: usize) -> f64;

    /// `Δ(e | S)` for one element evaluated alone (a lazy-greedy re-evaluation, a dynamic
    /// filter step): objectives whose gain is a long sweep split it across threads here. Equal to
    /// [`Objective::gain`] up to the order of a floating-point sum.
    fn gain_alone(&self, state: &Self::State, e: usize) -> f64 {
        self.gain(state, e)
    }

    /// `S ← S ∪ {e}`.
    fn insert(&self, state: &mut Self::State, e: usize);

    /// `f(S)`.
    fn value(&self, state: &Self::State) -> f64;

    /// The state of `set`, built from scratch.
    fn state_of(&self, set: &[usize]) -> Self::State {
        let mut s = self.empty();
        for &e in set {
            self.insert(&mut s, e);
        }
        s
    }
}

/// A shared objective is the objective (so mixtures can hold components shared with Python).
impl<O: Objective + Send> Objective for std::sync::Arc<O> {
    type State = O::State;

    fn len(&self) -> usize {
        (**self).len()
    }

    fn empty(&self) -> O::State {
        (**self).empty()
    }

    fn gain(&self, state: &O::State, e: usize) -> f64 {
        (**self).gain(state, e)
    }

    fn gain_alone(&self, state: &O::State, e: usize) -> f64 {
        (**self).gain_alone(state, e)
    }

    fn insert(&self, state: &mut O::State, e: usize) {
        (**self).insert(state, e)
    }

    fn value(&self, state: &O::State) -> f64 {
        (**self).value(state)
    }
}

/// An objective with a counter of marginal-gain evaluations (the oracle calls that the literature
/// counts; updates of a state with a chosen element are bookkeeping and are not counted).
pub struct Oracle<'a, O: Objective> {
    /// The objective.
    pub f: &'a O,
    calls: AtomicU64,
}

impl<'a, O: Objective> Oracle<'a, O> {
    /// A counter at zero.
    pub fn new(f: &'a O) -> Self {
        Self {
            f,
            calls: AtomicU64::new(0),
        }
    }

    /// `Δ(e | S)`, counted (one element alone: see [`Objective::gain_alone`]).
    pub fn gain(&self, state: &O::State, e: usize) -> f64 {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.f.gain_alone(state, e)
    }

    /// `Δ(e | S)` for every `e` in `candidates`, in parallel, counted.
    pub fn gains(&self, state: &O::State, candidates: &[usize]) -> Vec<f64> {
        self.calls
            .fetch_add(candidates.len() as u64, Ordering::Relaxed);
        candidates
            .par_iter()
            .with_min_len(16)
            .map(|&e| self.f.gain(state, e))
            .collect()
    }

    /// Oracle calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Adds calls made elsewhere (a restored snapshot's count).
    pub fn add_calls(&self, n: u64) {
        self.calls.fetch_add(n, Ordering::Relaxed);
    }
}

/// Refuses the first entry of `values` that is not a finite number `>= 0` (a similarity, a weight,
/// a feature), calling it `what`.
pub(crate) fn check_nonnegative(name: &'static str, values: &[f64], what: &str) -> Result<()> {
    match values.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        Some(index) => Err(Error::OutOfRange {
            name,
            index,
            got: values[index].to_string(),
            expected: format!("a finite {what} >= 0"),
        }),
        None => Ok(()),
    }
}

/// Checks that `s` is a non-empty `n × n` matrix, symmetric up to rounding (rows in parallel,
/// each compared with its column once).
pub(crate) fn check_symmetric(name: &'static str, s: &[f64], n: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Empty { name });
    }
    if s.len() != n * n {
        return Err(Error::shape(name, s.len(), format!("{n} × {n}")));
    }
    let apart = |a: f64, b: f64| (a - b).abs() > 1e-9 * a.abs().max(1.0);
    let bad = (0..n).into_par_iter().find_map_first(|i| {
        (i + 1..n)
            .find(|&j| apart(s[i * n + j], s[j * n + i]))
            .map(|j| i * n + j)
    });
    match bad {
        Some(index) => Err(Error::OutOfRange {
            name,
            index,
            got: "an asymmetric entry".into(),
            expected: "a symmetric matrix".into(),
        }),
        None => Ok(()),
    }
}

/// The element with the largest gain, the lowest index among equals (what exact greedy picks).
pub(crate) fn argmax(candidates: &[usize], gains: &[f64]) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (&e, &g) in candidates.iter().zip(gains) {
        best = match best {
            Some((b, bg)) if bg > g || (bg == g && b < e) => Some((b, bg)),
            _ => Some((e, g)),
        };
    }
    best
}
