//! EXP3 for adversarial rewards in [0, 1].

use serde::{Deserialize, Serialize};

use super::arms::{allowed, Arms};
use super::policy::Decision;

/// EXP3 in the loss form of Bubeck and Cesa-Bianchi, "Regret analysis of stochastic and
/// nonstochastic multi-armed bandit problems", Found. Trends ML 5(1), 2012, section 3.1: arm `i`
/// with probability ∝ `exp(−η L̂_i)`, where `L̂_i` sums the importance-weighted losses
/// `(1 − r) / p_i` of the rounds `i` was played. Theorem 3.1: with a known horizon `T` and
/// `η = sqrt(2 ln K / (T K))` the pseudo-regret is at most `sqrt(2 T K ln K)`; anytime, with
/// `η_t = sqrt(ln K / (t K))`, at most `2 sqrt(T K ln K)`.
///
/// The importance weight of an update is the probability the arm had at the latest decision, so
/// a batch of decisions followed by a batch of updates is weighted as it was played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exp3 {
    /// `None`: anytime learning rate.
    pub horizon: Option<u64>,
    pub loss_sums: Vec<f64>,
    /// Probabilities of the latest decision (empty before the first).
    pub last_p: Vec<f64>,
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
            .map(|i| self.loss_sums[i])
            .fold(f64::INFINITY, f64::min);
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if allowed(&arms.live, mask, i) {
                (-eta * (self.loss_sums[i] - low)).exp()
            } else {
                0.0
            }
        }));
        let total: f64 = arms.scratch.iter().sum();
        self.last_p.clear();
        self.last_p.extend(arms.scratch.iter().map(|w| w / total));
        Decision::Sample
    }

    pub fn update(&mut self, arm: usize, reward: f64) {
        // An update with no decision before it (warm start from logs) is weighted by the
        // uniform law, the distribution EXP3 starts from.
        let k = self.loss_sums.len() as f64;
        let p = self.last_p.get(arm).copied().unwrap_or(1.0 / k);
        if p > 0.0 {
            self.loss_sums[arm] += (1.0 - reward) / p;
        }
    }

    /// A new arm starts level with the current leader.
    pub fn add_arm(&mut self, arms: &Arms) {
        let low = (0..self.loss_sums.len())
            .filter(|&i| arms.live[i])
            .map(|i| self.loss_sums[i])
            .fold(f64::INFINITY, f64::min);
        self.loss_sums.push(if low.is_finite() { low } else { 0.0 });
        if !self.last_p.is_empty() {
            self.last_p.push(0.0);
        }
    }
}
