//! One-pass streaming maximization under `|S| <= k` (insertions only), with `1/2 − ε`:
//!
//! * Sieve-Streaming (Badanidiyuru, Mirzasoleiman, Karbasi & Krause, KDD 2014, Alg. 3): one
//!   candidate set per guess `v = (1+ε)^i` of OPT in `[m, 2km]`, `m` the largest singleton value
//!   seen so far; `e` joins `S_v` when `|S_v| < k` and `Δ(e | S_v) ≥ (v/2 − f(S_v)) / (k − |S_v|)`.
//! * Sieve-Streaming++ (Kazemi, Mitrovic, Zadimoghaddam, Lattanzi & Karbasi, ICML 2019, Alg. 2):
//!   one set per gain threshold `τ = (1+ε)^i` in `[τ_min/(1+ε), m]` with
//!   `τ_min = max(LB, m) / 2k`, `LB` the best `f(S_τ)` so far; `e` joins `S_τ` when `|S_τ| < k`
//!   and `Δ(e | S_τ) ≥ τ`; sets below `τ_min` are dropped, so memory is `O(k/ε)`.
//!
//! Each arriving element costs one singleton evaluation plus one gain per live set.

use std::collections::BTreeMap;

use super::greedy::{check_k, Selection};
use super::objective::{Objective, Oracle};
use crate::error::{Error, Result};

/// Which sieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Sieve-Streaming.
    Sieve,
    /// Sieve-Streaming++.
    PlusPlus,
}

struct Candidate<S> {
    indices: Vec<usize>,
    gains: Vec<f64>,
    state: S,
    value: f64,
}

/// A sieve over a stream of element ids.
pub struct SieveStream<'a, O: Objective> {
    oracle: Oracle<'a, O>,
    k: usize,
    epsilon: f64,
    variant: Variant,
    max_single: f64,
    lower: f64,
    sets: BTreeMap<i64, Candidate<O::State>>,
}

impl<'a, O: Objective> SieveStream<'a, O> {
    /// An empty sieve.
    pub fn new(f: &'a O, k: usize, epsilon: f64, variant: Variant) -> Result<Self> {
        check_k(k, f.len())?;
        if !(epsilon > 0.0 && epsilon < 1.0) {
            return Err(Error::invalid("epsilon", epsilon, "a value in (0, 1)"));
        }
        Ok(Self {
            oracle: Oracle::new(f),
            k,
            epsilon,
            variant,
            max_single: 0.0,
            lower: 0.0,
            sets: BTreeMap::new(),
        })
    }

    /// The exponent range `[lo, hi]` of live guesses (`(1+ε)^i`).
    fn range(&self) -> (i64, i64) {
        let base = (1.0 + self.epsilon).ln();
        let m = self.max_single;
        let (lo, hi) = match self.variant {
            Variant::Sieve => (m, 2.0 * self.k as f64 * m),
            Variant::PlusPlus => {
                let tau_min = self.lower.max(m) / (2.0 * self.k as f64);
                (tau_min / (1.0 + self.epsilon), m)
            }
        };
        (
            (lo.ln() / base).ceil() as i64,
            (hi.ln() / base).floor() as i64,
        )
    }

    /// Feeds element `e`.
    pub fn push(&mut self, e: usize) {
        let f = self.oracle.f;
        let single = self.oracle.gain(&f.empty(), e);
        if single > self.max_single {
            self.max_single = single;
        }
        if self.max_single <= 0.0 {
            return;
        }
        let (lo, hi) = self.range();
        self.sets.retain(|&i, _| i >= lo && i <= hi);
        for i in lo..=hi {
            self.sets.entry(i).or_insert_with(|| Candidate {
                indices: Vec::new(),
                gains: Vec::new(),
                state: f.empty(),
                value: 0.0,
            });
        }
        let (k, eps, variant) = (self.k as f64, self.epsilon, self.variant);
        let mut best = self.lower;
        for (&i, c) in self.sets.iter_mut() {
            if c.indices.len() >= self.k {
                continue;
            }
            let level = (1.0 + eps).powi(i as i32);
            let need = match variant {
                Variant::Sieve => (level / 2.0 - c.value) / (k - c.indices.len() as f64),
                Variant::PlusPlus => level,
            };
            let g = self.oracle.gain(&c.state, e);
            if g >= need {
                f.insert(&mut c.state, e);
                c.value = f.value(&c.state);
                c.indices.push(e);
                c.gains.push(g);
                best = best.max(c.value);
            }
        }
        self.lower = best;
    }

    /// The best set so far.
    pub fn solution(&self) -> Selection {
        let best = self
            .sets
            .values()
            .max_by(|a, b| a.value.total_cmp(&b.value));
        Selection {
            indices: best.map(|c| c.indices.clone()).unwrap_or_default(),
            gains: best.map(|c| c.gains.clone()).unwrap_or_default(),
            value: best.map_or(0.0, |c| c.value),
            oracle_calls: self.oracle.calls(),
        }
    }

    /// Live candidate sets (the memory the sieve holds, in sets of at most `k`).
    pub fn live_sets(&self) -> usize {
        self.sets.len()
    }
}

/// Streams `0..n` in order through a sieve.
pub fn stream<O: Objective>(f: &O, k: usize, epsilon: f64, variant: Variant) -> Result<Selection> {
    let mut s = SieveStream::new(f, k, epsilon, variant)?;
    for e in 0..f.len() {
        s.push(e);
    }
    Ok(s.solution())
}
