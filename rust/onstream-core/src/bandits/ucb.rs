//! Optimistic index policies for stochastic rewards in [0, 1]: UCB1, KL-UCB and MOSS.
//!
//! Each plays every arm once, then the arm of largest index; an index depends only on the arm's
//! count and mean and on the step, so the policy is deterministic given the rewards.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::arms::Arms;
use super::policy::Decision;
use crate::dense::simd::multiversion;

/// UCB1 of Auer, Cesa-Bianchi and Fischer, "Finite-time analysis of the multiarmed bandit
/// problem", Machine Learning 47, 2002, figure 1: index `mean_i + sqrt(2 α ln t / n_i)` with `t`
/// the rewards seen so far. For α = 1 (the paper's index), Theorem 1 bounds the expected regret
/// after `T` steps by `Σ_{Δ_i>0} 8 ln T / Δ_i + (1 + π²/3) Σ_i Δ_i`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ucb1 {
    pub alpha: f64,
    /// `root_c(t)` for `t < table.len()`, filled by a simulation that knows its horizon so that
    /// replicates share one log and one square root per step (not state: never serialized).
    #[serde(skip)]
    pub table: Option<std::sync::Arc<Vec<f64>>>,
}

impl PartialEq for Ucb1 {
    fn eq(&self, other: &Self) -> bool {
        self.alpha == other.alpha
    }
}

impl Ucb1 {
    /// `sqrt(2 α ln t)`, kept above 0 so that an unplayed arm's `root_c · inf` is +inf, not NaN.
    #[inline]
    fn root_c(alpha: f64, t: u64) -> f64 {
        (2.0 * alpha * (t.max(1) as f64).ln())
            .max(f64::MIN_POSITIVE)
            .sqrt()
    }

    /// Precomputes `root_c` for `t` below `horizon` (the values are those `fill` computes),
    /// up to 2²² steps (32 MiB); later steps compute it.
    pub fn tabulate(&mut self, horizon: u64) {
        let n = horizon.min(1 << 22);
        let alpha = self.alpha;
        // A logarithm and a square root per entry: worth the pool for a million steps.
        let table = (0..n)
            .into_par_iter()
            .map(|t| Self::root_c(alpha, t))
            .collect();
        self.table = Some(std::sync::Arc::new(table));
    }

    #[inline]
    fn root_c_at(&self, t: u64) -> f64 {
        match &self.table {
            Some(tab) if (t as usize) < tab.len() => tab[t as usize],
            _ => Self::root_c(self.alpha, t),
        }
    }

    #[inline]
    pub fn fill(&self, arms: &mut Arms) -> Decision {
        let root_c = self.root_c_at(arms.t);
        arms.scratch.resize(arms.means.len(), 0.0);
        ucb_indices(&arms.means, &arms.sqrt_inv, root_c, &mut arms.scratch);
        Decision::Argmax
    }

    /// The first arm of largest index when every arm is live: `fill` and the argmax in one pass
    /// over the arms (the same products and sums, so the same arm), for simulations, where the
    /// scores are not kept.
    #[inline]
    pub fn best_arm(&self, arms: &Arms) -> usize {
        let root_c = self.root_c_at(arms.t);
        let mut best = 0;
        let mut best_index = f64::NEG_INFINITY;
        for (i, (&m, &s)) in arms.means.iter().zip(&arms.sqrt_inv).enumerate() {
            let index = m + root_c * s;
            if index > best_index {
                best = i;
                best_index = index;
            }
        }
        best
    }
}

multiversion! {
    /// `out[i] = means[i] + root_c · sqrt_inv[i]`: a multiply-add per arm, vectorized (four
    /// lanes with AVX2, no FMA, so the bits do not depend on the build).
    fn ucb_indices(means: &[f64], sqrt_inv: &[f64], root_c: f64, out: &mut [f64]) {
        for ((o, &m), &s) in out.iter_mut().zip(means).zip(sqrt_inv) {
            *o = m + root_c * s;
        }
    }
}

/// Bernoulli relative entropy `kl(p, q)`, with `0 ln 0 = 0`.
fn kl_bernoulli(p: f64, q: f64) -> f64 {
    let term = |a: f64, b: f64| if a <= 0.0 { 0.0 } else { a * (a / b).ln() };
    term(p, q) + term(1.0 - p, 1.0 - q)
}

/// The largest `q ≥ p` with `n kl(p, q) ≤ d`: Newton on the convex increasing `q ↦ kl(p, q)`,
/// started right of the root at Pinsker's bound `p + sqrt(d / 2n)` so it converges monotonically.
pub fn kl_upper(p: f64, n: f64, d: f64) -> f64 {
    const TOP: f64 = 1.0 - 1e-12;
    let target = d / n;
    let mut q = (p + (target / 2.0).sqrt()).min(TOP);
    if kl_bernoulli(p, q) <= target {
        return q; // the bound is at the clipped top: kl stays below the level up to 1
    }
    for _ in 0..50 {
        let g = kl_bernoulli(p, q) - target;
        let slope = (q - p) / (q * (1.0 - q));
        let next = q - g / slope;
        if next <= p || next.is_nan() || (q - next) < 1e-12 {
            q = next.max(p);
            break;
        }
        q = next;
    }
    q
}

/// KL-UCB of Garivier and Cappé, "The KL-UCB algorithm for bounded stochastic bandits and
/// beyond", COLT 2011, algorithm 1: index `max{q : n_i kl(mean_i, q) ≤ ln t + c ln ln t}`.
/// Theorem 2 (c = 3) gives `E[n_i(T)] ≤ ln T / kl(μ_i, μ*) (1 + ε) + O(1)`, the Lai–Robbins rate
/// for Bernoulli arms; the paper's experiments, and our default, use c = 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KlUcb {
    pub c: f64,
}

impl KlUcb {
    pub fn fill(&self, arms: &mut Arms) -> Decision {
        let t = arms.t.max(1) as f64;
        let lnt = t.ln();
        let d = lnt
            + if self.c > 0.0 && lnt > 1.0 {
                self.c * lnt.ln()
            } else {
                0.0
            };
        arms.scratch.clear();
        for i in 0..arms.n_arms() {
            let n = arms.counts[i];
            arms.scratch.push(if n == 0 {
                f64::INFINITY
            } else {
                kl_upper(arms.means[i], n as f64, d)
            });
        }
        Decision::Argmax
    }
}

/// MOSS of Audibert and Bubeck, "Minimax policies for adversarial and stochastic bandits",
/// COLT 2009, section 3: index `mean_i + sqrt(max(ln(T / (K n_i)), 0) / n_i)` for a known horizon
/// `T`; Theorem 5 bounds the expected regret by `49 sqrt(T K)`, free of the gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moss {
    pub horizon: u64,
}

impl Moss {
    pub fn fill(&self, arms: &mut Arms) -> Decision {
        let scale = self.horizon as f64 / arms.n_arms() as f64;
        arms.scratch.clear();
        arms.scratch.extend(
            arms.means
                .iter()
                .zip(&arms.inv_counts)
                .map(|(&m, &inv)| m + ((scale * inv).ln().max(0.0) * inv).sqrt()),
        );
        Decision::Argmax
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kl_upper_solves_the_level_equation() {
        for &(p, n, d) in &[
            (0.3, 10.0, 2.0),
            (0.0, 5.0, 1.0),
            (0.9, 100.0, 4.6),
            (0.5, 1.0, 0.1),
        ] {
            let q = kl_upper(p, n, d);
            assert!(q >= p && q < 1.0);
            assert!(
                (n * kl_bernoulli(p, q) - d).abs() < 1e-6,
                "p={p} n={n}: q={q}"
            );
        }
        // A level the divergence never reaches below 1: the index is (almost) 1.
        assert!(kl_upper(0.99, 1.0, 50.0) > 0.999);
    }
}
