//! Thompson sampling: each decision plays the arm whose posterior draw is largest.

use serde::{Deserialize, Serialize};

use super::arms::Arms;
use super::draw;
use super::policy::Decision;
use crate::rng;

/// Beta–Bernoulli Thompson sampling with a Beta(`a`, `b`) prior. Agrawal and Goyal, "Analysis of
/// Thompson sampling for the multi-armed bandit problem", COLT 2012: a reward `r` in [0, 1] is
/// turned into a Bernoulli(`r`) success (their algorithm 2), which keeps the analysis for any
/// bounded reward; Theorem 1 gives `O((Σ 1/Δ_i²)² ln T)` and their 2013 sequel the optimal
/// `(1 + ε) Σ Δ_i ln T / kl(μ_i, μ*)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BetaThompson {
    pub prior_a: f64,
    pub prior_b: f64,
    /// Bernoulli successes per arm (equals the reward sum when rewards are 0/1).
    pub successes: Vec<u64>,
}

impl BetaThompson {
    pub fn fill(&self, arms: &mut Arms) -> Decision {
        arms.scratch.clear();
        for i in 0..arms.n_arms() {
            let s = self.successes[i] as f64;
            let f = arms.counts[i] as f64 - s;
            let x = draw::beta(&mut arms.rng, self.prior_a + s, self.prior_b + f);
            arms.scratch.push(x);
        }
        Decision::Argmax
    }

    pub fn update(&mut self, arms: &mut Arms, arm: usize, reward: f64) {
        // A 0/1 reward needs no draw, so binary data leave the generator untouched.
        let success = if reward == 1.0 {
            true
        } else if reward == 0.0 {
            false
        } else {
            rng::open01(&mut arms.rng) < reward
        };
        self.successes[arm] += u64::from(success);
    }
}

/// Gaussian Thompson sampling: the draw for arm `i` is `N(mean_i, σ² / (n_i + 1))`, the posterior
/// of a N(0, σ²)-prior mean after `n_i` rewards of noise σ (Agrawal and Goyal, "Further optimal
/// regret bounds for Thompson sampling", AISTATS 2013, algorithm 2, where σ = 1 and Theorem 1.3
/// bounds the regret by `O(sqrt(K T ln K))`). Rewards may be any real numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianThompson {
    pub sigma: f64,
}

impl GaussianThompson {
    pub fn fill(&self, arms: &mut Arms) -> Decision {
        arms.scratch.clear();
        for i in 0..arms.n_arms() {
            let n = arms.counts[i] as f64;
            let centre = arms.sums[i] / (n + 1.0);
            let sd = self.sigma / (n + 1.0).sqrt();
            let z = draw::normal(&mut arms.rng);
            arms.scratch.push(centre + sd * z);
        }
        Decision::Argmax
    }
}
