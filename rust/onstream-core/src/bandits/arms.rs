//! What every policy shares: per-arm counts and sums, which arms are live, the step counter, the
//! generator, and the argmax / top-k over the arms a decision may use.

use serde::{Deserialize, Serialize};

use crate::dense::simd::multiversion;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};

/// Whether `arm` is live and allowed by `mask` (a free function so closures that fill the scratch
/// scores can borrow `live` alone).
#[inline]
pub fn allowed(live: &[bool], mask: Option<&[bool]>, arm: usize) -> bool {
    live[arm] && mask.is_none_or(|m| m[arm])
}

/// Checks an arm id against the number of arms.
pub fn check_arm(arm: usize, n_arms: usize) -> Result<()> {
    if arm < n_arms {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            name: "arm",
            index: 0,
            got: arm.to_string(),
            expected: format!("an arm id below {n_arms}"),
        })
    }
}

/// Checks that a reported scalar (a reward, a loss, a cost) is finite.
pub fn check_finite(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            name,
            index: 0,
            value,
        })
    }
}

/// Per-arm statistics and the policy's generator (struct of arrays: the index loops vectorize).
///
/// Serialized through [`ArmsState`]: the derived per-arm values (means, `1/n`, `sqrt(1/n)`) are
/// recomputed on restore by the same expressions, so they come back bit-for-bit and no
/// infinity (an unplayed arm's `1/n`) has to pass through JSON, which cannot hold one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ArmsState", into = "ArmsState")]
pub struct Arms {
    /// Pulls whose reward has been reported, per arm.
    pub counts: Vec<u64>,
    /// Sum of reported rewards, per arm.
    pub sums: Vec<f64>,
    /// `sums / counts` (0 for an unplayed arm), kept so index loops do not divide.
    pub means: Vec<f64>,
    /// `1 / counts` (+inf for an unplayed arm): an unplayed arm's index is +inf, so it goes first.
    pub inv_counts: Vec<f64>,
    /// `sqrt(1 / counts)` (+inf unplayed): UCB1's width is `sqrt(c) · sqrt_inv`, one square root
    /// per step instead of one per arm.
    pub sqrt_inv: Vec<f64>,
    /// `false` once an arm is removed; removed arms keep their id and are never selected again.
    pub live: Vec<bool>,
    /// No arm has been removed (the common case skips the per-decision live scan).
    pub all_live: bool,
    /// Rewards reported so far, over all arms.
    pub t: u64,
    pub rng: Rng,
    /// Scores of the last decision (scratch; not part of the state).
    pub scratch: Vec<f64>,
}

/// What [`Arms`] serializes: everything but the derived values and the scratch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArmsState {
    counts: Vec<u64>,
    sums: Vec<f64>,
    live: Vec<bool>,
    t: u64,
    rng: Rng,
}

impl From<Arms> for ArmsState {
    fn from(a: Arms) -> Self {
        ArmsState {
            counts: a.counts,
            sums: a.sums,
            live: a.live,
            t: a.t,
            rng: a.rng,
        }
    }
}

impl From<ArmsState> for Arms {
    fn from(s: ArmsState) -> Self {
        // The expressions of `record`, so a restored policy decides bit-for-bit as the original.
        let inv: Vec<f64> = s
            .counts
            .iter()
            .map(|&n| {
                if n == 0 {
                    f64::INFINITY
                } else {
                    1.0 / n as f64
                }
            })
            .collect();
        let means = s
            .sums
            .iter()
            .zip(&inv)
            .map(|(&sum, &i)| if i.is_finite() { sum * i } else { 0.0 })
            .collect();
        Arms {
            means,
            sqrt_inv: inv.iter().map(|i| i.sqrt()).collect(),
            inv_counts: inv,
            all_live: s.live.iter().all(|&l| l),
            counts: s.counts,
            sums: s.sums,
            live: s.live,
            t: s.t,
            rng: s.rng,
            scratch: Vec::new(),
        }
    }
}

impl Arms {
    pub fn new(n_arms: usize, seed: Option<u64>) -> Result<Self> {
        if n_arms == 0 {
            return Err(Error::invalid("n_arms", 0, "at least one arm"));
        }
        Ok(Arms {
            counts: vec![0; n_arms],
            sums: vec![0.0; n_arms],
            means: vec![0.0; n_arms],
            inv_counts: vec![f64::INFINITY; n_arms],
            sqrt_inv: vec![f64::INFINITY; n_arms],
            live: vec![true; n_arms],
            all_live: true,
            t: 0,
            rng: rng::from_seed(seed),
            scratch: Vec::new(),
        })
    }

    pub fn n_arms(&self) -> usize {
        self.counts.len()
    }

    /// Records one reward for `arm` (already validated).
    #[inline]
    pub fn record(&mut self, arm: usize, reward: f64) {
        self.counts[arm] += 1;
        self.sums[arm] += reward;
        let inv = 1.0 / self.counts[arm] as f64;
        self.means[arm] = self.sums[arm] * inv;
        self.inv_counts[arm] = inv;
        self.sqrt_inv[arm] = inv.sqrt();
        self.t += 1;
    }

    pub fn push_arm(&mut self) -> usize {
        self.counts.push(0);
        self.sums.push(0.0);
        self.means.push(0.0);
        self.inv_counts.push(f64::INFINITY);
        self.sqrt_inv.push(f64::INFINITY);
        self.live.push(true);
        self.counts.len() - 1
    }

    /// Checks an arm id and a reward before any state changes.
    #[inline]
    pub fn check_update(&self, arm: usize, reward: f64, unit: bool) -> Result<()> {
        check_arm(arm, self.n_arms())?;
        check_finite("reward", reward)?;
        if unit && !(0.0..=1.0).contains(&reward) {
            return Err(Error::invalid(
                "reward",
                reward,
                "a reward in [0, 1] for this policy (rescale rewards to [0, 1])",
            ));
        }
        Ok(())
    }

    /// Whether `arm` may be chosen in this decision.
    #[inline]
    pub fn allowed(&self, arm: usize, mask: Option<&[bool]>) -> bool {
        allowed(&self.live, mask, arm)
    }

    /// Checks a decision's mask and that at least one arm is available to it.
    #[inline]
    pub fn check_mask(&self, mask: Option<&[bool]>) -> Result<()> {
        if let Some(m) = mask {
            if m.len() != self.n_arms() {
                return Err(Error::shape("mask", m.len(), self.n_arms()));
            }
        }
        if (0..self.n_arms()).any(|i| self.allowed(i, mask)) {
            Ok(())
        } else {
            Err(Error::Empty {
                name: "available arms",
            })
        }
    }

    /// Sets the score of every arm this decision may not use to −inf.
    #[inline]
    pub fn mask_scores(&mut self, mask: Option<&[bool]>) {
        if mask.is_none() && self.all_live {
            return;
        }
        for i in 0..self.scratch.len() {
            if !self.allowed(i, mask) {
                self.scratch[i] = f64::NEG_INFINITY;
            }
        }
    }

    /// The first arm of highest score (scores already masked).
    #[inline]
    pub fn argmax(&self) -> usize {
        first_argmax(&self.scratch)
    }

    /// The `k` arms of highest score among the allowed ones, best first (ties: lower id first).
    pub fn top_k(&self, k: usize, mask: Option<&[bool]>) -> Vec<usize> {
        let mut ids: Vec<usize> = (0..self.n_arms())
            .filter(|&i| self.allowed(i, mask))
            .collect();
        let s = &self.scratch;
        let order = |a: &usize, b: &usize| s[*b].total_cmp(&s[*a]).then(a.cmp(b));
        let k = k.min(ids.len());
        if k < ids.len() && k > 0 {
            ids.select_nth_unstable_by(k - 1, order);
            ids.truncate(k);
        }
        ids.truncate(k);
        ids.sort_unstable_by(order);
        ids
    }

    /// One draw from the probabilities in `scratch` (zero outside the allowed arms).
    pub fn sample_scratch(&mut self) -> usize {
        super::draw::weighted(&self.scratch, &mut self.rng)
    }

    /// `k` arms drawn without replacement with probability proportional to `scratch`, by the
    /// Gumbel-top-k trick (Kool, van Hoof and Welling, ICML 2019): the top `k` of `ln p_i + G_i`.
    pub fn sample_k_scratch(&mut self, k: usize, mask: Option<&[bool]>) -> Vec<usize> {
        for i in 0..self.scratch.len() {
            let p = self.scratch[i];
            self.scratch[i] = if p > 0.0 {
                p.ln() - (-rng::open01(&mut self.rng).ln()).ln()
            } else {
                f64::NEG_INFINITY
            };
        }
        self.top_k(k, mask)
    }

    pub fn validate(&self) -> bool {
        let n = self.counts.len();
        n > 0
            && self.sums.len() == n
            && self.means.len() == n
            && self.inv_counts.len() == n
            && self.sqrt_inv.len() == n
            && self.live.len() == n
            && self.all_live == self.live.iter().all(|&l| l)
            && self.counts.iter().sum::<u64>() <= self.t
            && self.sums.iter().all(|s| s.is_finite())
    }
}

/// Lanes of [`first_argmax`]: independent running maxima, so the chain of dependent comparisons
/// is `n / LANES` long instead of `n`.
const LANES: usize = 8;

multiversion! {
    /// The first index of the largest score, as a left-to-right scan with `>` finds it (NaN and
    /// `-inf` never win; 0 when nothing beats `-inf`). Each lane keeps the first index of its own
    /// largest score, and the lanes merge with ties going to the lower index: the same answer.
    pub(crate) fn first_argmax(scores: &[f64]) -> usize {
        let mut top = [f64::NEG_INFINITY; LANES];
        let mut arg = [0u64; LANES];
        let whole = scores.len() - scores.len() % LANES;
        for (c, chunk) in scores[..whole].chunks_exact(LANES).enumerate() {
            for l in 0..LANES {
                let better = chunk[l] > top[l];
                top[l] = if better { chunk[l] } else { top[l] };
                arg[l] = if better { (c * LANES + l) as u64 } else { arg[l] };
            }
        }
        let (mut best, mut best_score) = (0u64, f64::NEG_INFINITY);
        for l in 0..LANES {
            if top[l] > best_score || (top[l] == best_score && arg[l] < best) {
                best = arg[l];
                best_score = top[l];
            }
        }
        for (i, &s) in scores.iter().enumerate().skip(whole) {
            if s > best_score {
                best = i as u64;
                best_score = s;
            }
        }
        best as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule `first_argmax` must reproduce: one scan, strict `>`.
    fn scan(scores: &[f64]) -> usize {
        let (mut best, mut best_score) = (0, f64::NEG_INFINITY);
        for (i, &s) in scores.iter().enumerate() {
            if s > best_score {
                best = i;
                best_score = s;
            }
        }
        best
    }

    proptest! {
        /// Few distinct values, so ties across lanes are common, with NaN and -inf mixed in.
        #[test]
        fn first_argmax_is_the_scan(codes in proptest::collection::vec(0u8..7, 0..40)) {
            let scores: Vec<f64> = codes
                .iter()
                .map(|&c| match c {
                    0 => f64::NAN,
                    1 => f64::NEG_INFINITY,
                    2 => f64::INFINITY,
                    c => f64::from(c) * 0.25,
                })
                .collect();
            prop_assert_eq!(first_argmax(&scores), scan(&scores));
        }
    }
}
