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

    /// The first arm of largest index when every arm is live: `fill` and the argmax without
    /// storing the scores (`best_index_arm`: the same products and sums, so the same arm), for
    /// simulations, where the scores are not kept.
    #[inline]
    pub fn best_arm(&self, arms: &Arms) -> usize {
        best_index_arm(&arms.means, &arms.sqrt_inv, self.root_c_at(arms.t))
    }
}

multiversion! {
    /// The first `i` of largest `means[i] + root_c · sqrt_inv[i]` (NaN never largest; 0 when
    /// nothing is above −∞), as a running strict-greater scan finds it, in two vectorized passes:
    /// the largest value in eight lanes, then the first index whose value equals it (the same
    /// products and sums, so the same bits).
    fn best_index_arm(means: &[f64], sqrt_inv: &[f64], root_c: f64) -> usize {
        let n = means.len().min(sqrt_inv.len());
        let (means, sqrt_inv) = (&means[..n], &sqrt_inv[..n]);
        let mut lanes = [f64::NEG_INFINITY; 8];
        let mut chunks_m = means.chunks_exact(8);
        let mut chunks_s = sqrt_inv.chunks_exact(8);
        for (m, s) in (&mut chunks_m).zip(&mut chunks_s) {
            for l in 0..8 {
                let x = m[l] + root_c * s[l];
                lanes[l] = if x > lanes[l] { x } else { lanes[l] };
            }
        }
        for (&m, &s) in chunks_m.remainder().iter().zip(chunks_s.remainder()) {
            let x = m + root_c * s;
            lanes[0] = if x > lanes[0] { x } else { lanes[0] };
        }
        let best = lanes.iter().fold(f64::NEG_INFINITY, |a, &x| if x > a { x } else { a });
        if best == f64::NEG_INFINITY {
            return 0;
        }
        // Eight at a time: one vector compare per block, the lane found only in the block that
        // holds it.
        let mut base = 0;
        for (m, s) in means.chunks_exact(8).zip(sqrt_inv.chunks_exact(8)) {
            let mut hit = false;
            for l in 0..8 {
                hit |= m[l] + root_c * s[l] == best;
            }
            if hit {
                if let Some(l) = (0..8).position(|l| m[l] + root_c * s[l] == best) {
                    return base + l;
                }
            }
            base += 8;
        }
        means[base..]
            .iter()
            .zip(&sqrt_inv[base..])
            .position(|(&m, &s)| m + root_c * s == best)
            .map_or(0, |l| base + l)
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
    use proptest::prelude::*;

    /// The running scan `best_index_arm` must agree with.
    fn first_largest(means: &[f64], sqrt_inv: &[f64], root_c: f64) -> usize {
        let (mut best, mut best_index) = (0, f64::NEG_INFINITY);
        for (i, (&m, &s)) in means.iter().zip(sqrt_inv).enumerate() {
            let index = m + root_c * s;
            if index > best_index {
                best = i;
                best_index = index;
            }
        }
        best
    }

    fn value() -> impl Strategy<Value = f64> {
        // Few distinct values (ties), signed zeros, infinities and NaN among ordinary ones.
        prop_oneof![
            (0u8..4).prop_map(|v| f64::from(v) / 4.0),
            Just(0.0),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::NAN),
            -10.0..10.0f64,
        ]
    }

    proptest! {
        #[test]
        fn vectorized_argmax_is_the_first_largest(
            pairs in prop::collection::vec((value(), value()), 0..40),
            root_c in prop_oneof![Just(0.0), Just(1.0), 0.0..5.0f64, Just(f64::INFINITY)],
        ) {
            let (means, sqrt_inv): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
            prop_assert_eq!(
                best_index_arm(&means, &sqrt_inv, root_c),
                first_largest(&means, &sqrt_inv, root_c)
            );
        }
    }

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
