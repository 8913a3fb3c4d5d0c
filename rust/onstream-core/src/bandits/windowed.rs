//! UCB for non-stationary rewards: discounted and sliding-window UCB.
//!
//! Garivier and Moulines, "On upper-confidence bound policies for switching bandit problems",
//! ALT 2011. Both forget old rewards so that the index tracks arms whose means change at unknown
//! breakpoints; with `Υ_T` breakpoints the regret is `O(sqrt(T Υ_T) ln T)` for a window
//! `τ ≈ 2B sqrt(T ln T / Υ_T)` (Theorem 7) and `O(sqrt(T Υ_T) ln T)` for D-UCB with
//! `γ = 1 − (1/4B) sqrt(Υ_T / T)` (Theorem 3).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::arms::Arms;
use super::policy::Decision;

/// Discounted UCB (section 2 of the paper): index `X̄_t(γ,i) + 2B sqrt(ξ ln n_t(γ) / N_t(γ,i))`,
/// where `N_t(γ,i) = Σ_s γ^(t−s) 1{I_s = i}`, `X̄` is the matching discounted mean and
/// `n_t(γ) = Σ_i N_t(γ,i)`.
///
/// Discounting every arm at every step would cost `O(K)` writes; instead a new reward enters with
/// weight `γ^(−t)` and the index divides by it, with an occasional rescale before the weights
/// overflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscountedUcb {
    pub gamma: f64,
    pub xi: f64,
    pub scale: f64,
    pub weights: Vec<f64>,
    pub weighted_sums: Vec<f64>,
    pub total_weight: f64,
    /// Weight of the latest reward, `γ^(−t)` up to the last rescale.
    pub current: f64,
}

impl DiscountedUcb {
    pub fn new(n_arms: usize, gamma: f64, xi: f64, scale: f64) -> Self {
        DiscountedUcb {
            gamma,
            xi,
            scale,
            weights: vec![0.0; n_arms],
            weighted_sums: vec![0.0; n_arms],
            total_weight: 0.0,
            current: 1.0,
        }
    }

    pub fn fill(&self, arms: &mut Arms) -> Decision {
        // Discounted counts are weights / current; n_t(γ) likewise.
        let n_t = (self.total_weight / self.current).max(1.0);
        let c = 4.0 * self.scale * self.scale * self.xi * n_t.ln().max(0.0);
        arms.scratch.clear();
        arms.scratch.extend(
            self.weights
                .iter()
                .zip(&self.weighted_sums)
                .map(|(&w, &s)| {
                    if w > 0.0 {
                        s / w + (c * self.current / w).sqrt()
                    } else {
                        f64::INFINITY
                    }
                }),
        );
        Decision::Argmax
    }

    pub fn update(&mut self, arm: usize, reward: f64) {
        self.current /= self.gamma;
        self.weights[arm] += self.current;
        self.weighted_sums[arm] += self.current * reward;
        self.total_weight += self.current;
        if self.current > 1e100 {
            let r = 1.0 / self.current;
            self.weights.iter_mut().for_each(|w| *w *= r);
            self.weighted_sums.iter_mut().for_each(|s| *s *= r);
            self.total_weight *= r;
            self.current = 1.0;
        }
    }

    pub fn add_arm(&mut self) {
        self.weights.push(0.0);
        self.weighted_sums.push(0.0);
    }
}

/// Sliding-window UCB (section 3 of the paper): index `X̄_t(τ,i) + B sqrt(ξ ln min(t, τ) /
/// N_t(τ,i))` over the last `τ` rewards only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlidingWindowUcb {
    pub window: usize,
    pub xi: f64,
    pub scale: f64,
    pub counts: Vec<u64>,
    pub sums: Vec<f64>,
    pub recent: VecDeque<(u32, f64)>,
}

impl SlidingWindowUcb {
    pub fn new(n_arms: usize, window: usize, xi: f64, scale: f64) -> Self {
        SlidingWindowUcb {
            window,
            xi,
            scale,
            counts: vec![0; n_arms],
            sums: vec![0.0; n_arms],
            recent: VecDeque::with_capacity(window.min(1 << 16)),
        }
    }

    pub fn fill(&self, arms: &mut Arms) -> Decision {
        let span = (arms.t.min(self.window as u64)).max(1) as f64;
        let c = self.scale * self.scale * self.xi * span.ln();
        arms.scratch.clear();
        arms.scratch
            .extend(self.counts.iter().zip(&self.sums).map(|(&n, &s)| {
                if n > 0 {
                    let n = n as f64;
                    s / n + (c / n).sqrt()
                } else {
                    f64::INFINITY
                }
            }));
        Decision::Argmax
    }

    pub fn update(&mut self, arm: usize, reward: f64) {
        if self.recent.len() == self.window {
            if let Some((old, r)) = self.recent.pop_front() {
                let old = old as usize;
                self.counts[old] -= 1;
                // Exactly 0 when the arm leaves the window, so subtraction error cannot linger.
                self.sums[old] = if self.counts[old] == 0 {
                    0.0
                } else {
                    self.sums[old] - r
                };
            }
        }
        self.recent.push_back((arm as u32, reward));
        self.counts[arm] += 1;
        self.sums[arm] += reward;
    }

    pub fn add_arm(&mut self) {
        self.counts.push(0);
        self.sums.push(0.0);
    }

    pub fn consistent(&self) -> bool {
        self.window > 0
            && self.recent.len() <= self.window
            && self.counts.iter().sum::<u64>() == self.recent.len() as u64
            && self
                .recent
                .iter()
                .all(|&(a, _)| (a as usize) < self.counts.len())
    }
}
