//! EXP3 for adversarial rewards in [0, 1].

use serde::{Deserialize, Serialize};

use super::arms::{allowed, Arms};
use super::policy::Decision;
use super::weighted::WeightedLosses;

/// EXP3 in the loss form of Bubeck and Cesa-Bianchi, "Regret analysis of stochastic and
/// nonstochastic multi-armed bandit problems", Found. Trends ML 5(1), 2012, section 3.1: arm `i`
/// with probability ∝ `exp(−η L̂_i)`, where `L̂_i` sums the importance-weighted losses
/// `(1 − r) / p_i` of the rounds `i` was played ([`WeightedLosses`]). Theorem 3.1: with a known horizon `T` and
/// `η = sqrt(2 ln K / (T K))` the pseudo-regret is at most `sqrt(2 T K ln K)`; anytime, with
/// `η_t = sqrt(ln K / (t K))`, at most `2 sqrt(T K ln K)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exp3 {
    /// `None`: anytime learning rate.
    pub horizon: Option<u64>,
    pub losses: WeightedLosses,
}

impl Exp3 {
    fn eta(&self, arms: &Arms) -> f64 {
        let k = arms.live.iter().filter(|&&l| l).count().max(2) as f64;
        match self.horizon {
            Some(t) => (2.0 * k.ln() / (t as f64 * k)).sqrt(),
            None => (k.ln() / ((arms.t + 1) as f64 * k)).sqrt(),
        }
    }

    pub fn fill(&mut self, arms: &mut Arms, mask: Option<&[bool]>) -> Decision {
        let eta = self.eta(arms);
        let n = arms.n_arms();
        let low = (0..n)
            .filter(|&i| arms.allowed(i, mask))
            .map(|i| self.losses.sums[i])
            .fold(f64::INFINITY, f64::min);
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if allowed(&arms.live, mask, i) {
                (-eta * (self.losses.sums[i] - low)).exp()
            } else {
                0.0
            }
        }));
        self.losses.remember(&arms.scratch);
        Decision::Sample
    }

    pub fn update(&mut self, arm: usize, reward: f64) {
        self.losses.update(arm, reward);
    }

    pub fn add_arm(&mut self, arms: &Arms) {
        self.losses.add_arm(&arms.live);
    }
}
