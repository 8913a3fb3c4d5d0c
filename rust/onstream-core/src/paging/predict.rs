//! Predictions for learning-augmented paging: the truth they are derived from, and noise.
//!
//! * **Discard bits** (Antoniadis et al., ICML 2023, "Paging with Succinct Predictions", the discard
//!   setting): the bit of request `t` for page `p` is 1 iff LFD (Belady, with `lfd.rs`'s fixed
//!   tie-break) evicts `p` after `t` and before `p`'s next request. A page never requested again
//!   and never evicted gets 0.
//! * **Phase bits** (same paper, the phase setting): cut the trace into k-phases (maximal blocks
//!   with k distinct pages, the marking partition); the bit of a request in phase i is 1 iff its
//!   page is requested again in phase i + 1. Here 1 means "needed next phase": the encoding is
//!   explicit in the API because implementations disagree (some use 1 = "not needed").
//! * **Next-arrival times** (Lykouris & Vassilvitskii, ICML 2018, experimental protocol): the true
//!   next-request time plus lognormal(0, σ) noise; never-again requests stay at +∞.
//!
//! Noise on bits flips a true 1 to 0 with probability `wrong0` (making a wrong 0, counted in η₀)
//! and a true 0 to 1 with probability `wrong1` (a wrong 1, η₁), independently per request, so the
//! two error regimes of the paper's bounds can be swept separately.

use serde::{Deserialize, Serialize};

use super::keymap::DenseMap;
use super::lfd::Lfd;
use super::policy::{built_capacity, Request, NEVER};
use super::trace::{widen, DenseTrace, NOT_AGAIN};
use crate::error::{Error, Result};
use crate::rng::{self, Rng};

/// How to corrupt generated predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// Probability that a true 1 bit is reported as 0.
    pub wrong0: f64,
    /// Probability that a true 0 bit is reported as 1.
    pub wrong1: f64,
    /// σ of the lognormal noise added to next-arrival times.
    pub sigma: f64,
}

impl Noise {
    pub const NONE: Noise = Noise {
        wrong0: 0.0,
        wrong1: 0.0,
        sigma: 0.0,
    };

    pub fn validate(&self) -> Result<()> {
        for (name, p) in [("wrong0", self.wrong0), ("wrong1", self.wrong1)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::invalid(name, p, "a probability in [0, 1]"));
            }
        }
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(Error::invalid("sigma", self.sigma, "a finite value >= 0"));
        }
        Ok(())
    }
}

/// Order-preserving key of a non-negative time (`+inf` → [`NEVER`]): lets heaps compare floats
/// as integers.
#[inline]
pub fn time_key(t: f64) -> u64 {
    if t == f64::INFINITY {
        NEVER
    } else {
        t.max(0.0).to_bits()
    }
}

/// LFD's discard labels for cache size `k` (see the module documentation).
pub fn discard_labels(trace: &DenseTrace, next: &[u32], k: usize) -> Vec<bool> {
    let mut labels = vec![false; trace.ids.len()];
    let mut last = vec![u32::MAX; trace.universe];
    let mut lfd = Lfd::new(
        built_capacity(k, trace.universe),
        DenseMap::new(trace.universe),
    );
    for (t, &id) in trace.ids.iter().enumerate() {
        let (_, evicted) = lfd.access_evicting(Request {
            key: u64::from(id),
            next_use: widen(next[t]),
            bit: false,
            predicted_next: NEVER,
        });
        if let Some(victim) = evicted {
            let at = last[victim as usize];
            if at != u32::MAX {
                labels[at as usize] = true;
            }
        }
        last[id as usize] = t as u32;
    }
    labels
}

/// Start index of each request's k-phase, as phase numbers (0, 1, ...) per request.
pub fn phase_index(trace: &DenseTrace, k: usize) -> Vec<u32> {
    let mut seen_in_phase = vec![u32::MAX; trace.universe];
    let mut phase = 0u32;
    let mut distinct = 0usize;
    let mut out = Vec::with_capacity(trace.ids.len());
    for &id in &trace.ids {
        if seen_in_phase[id as usize] != phase {
            if distinct == k {
                phase += 1;
                distinct = 0;
            }
            seen_in_phase[id as usize] = phase;
            distinct += 1;
        }
        out.push(phase);
    }
    out
}

/// Phase labels: 1 iff the page is requested again in the next k-phase.
///
/// One backward pass keeping, per page, the phase of its next request (`cur`) and the smallest
/// phase after that one (`after`): the smallest phase later than the current one is then at hand.
pub fn phase_labels(trace: &DenseTrace, k: usize) -> Vec<bool> {
    let phases = phase_index(trace, k);
    let mut cur = vec![u32::MAX; trace.universe];
    let mut after = vec![u32::MAX; trace.universe];
    let mut labels = vec![false; trace.ids.len()];
    for t in (0..trace.ids.len()).rev() {
        let id = trace.ids[t] as usize;
        let ph = phases[t];
        let next_later_phase = if cur[id] == ph { after[id] } else { cur[id] };
        labels[t] = next_later_phase == ph + 1;
        if cur[id] != ph {
            after[id] = cur[id];
            cur[id] = ph;
        }
    }
    labels
}

/// Flips bits independently: a 1 becomes 0 with probability `wrong0`, a 0 becomes 1 with `wrong1`.
pub fn flip(bits: &mut [bool], noise: &Noise, rng: &mut Rng) {
    if noise.wrong0 == 0.0 && noise.wrong1 == 0.0 {
        return;
    }
    for b in bits.iter_mut() {
        let p = if *b { noise.wrong0 } else { noise.wrong1 };
        if p > 0.0 && rng::open01(rng) < p {
            *b = !*b;
        }
    }
}

/// Next-arrival predictions: the true next time plus lognormal(0, σ) noise (σ = 0: exact).
pub fn noisy_next_arrival(next: &[u32], sigma: f64, rng: &mut Rng) -> Vec<f64> {
    next.iter()
        .map(|&n| {
            if n == NOT_AGAIN {
                f64::INFINITY
            } else if sigma == 0.0 {
                f64::from(n)
            } else {
                f64::from(n) + (sigma * rng::normal(rng)).exp()
            }
        })
        .collect()
}

/// Counts (η₀, η₁): reported 0 where the truth is 1, reported 1 where the truth is 0.
pub fn bit_errors(reported: &[bool], truth: &[bool]) -> (u64, u64) {
    reported
        .iter()
        .zip(truth)
        .fold((0, 0), |(e0, e1), (&r, &t)| match (r, t) {
            (false, true) => (e0 + 1, e1),
            (true, false) => (e0, e1 + 1),
            _ => (e0, e1),
        })
}
