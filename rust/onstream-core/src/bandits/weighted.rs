//! Importance-weighted cumulative losses: the state the adversarial rules (EXP3, Tsallis-INF)
//! share.

use serde::{Deserialize, Serialize};

/// `L̂_i`, the sums of `(1 − r) / p_i` over the rounds arm `i` was played, and the probabilities
/// of the latest decision, by which the next update is weighted (so a batch of decisions
/// followed by a batch of updates is weighted as it was played).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedLosses {
    pub sums: Vec<f64>,
    /// Probabilities of the latest decision (empty before the first).
    pub last_p: Vec<f64>,
}

impl WeightedLosses {
    pub fn new(n_arms: usize) -> Self {
        WeightedLosses {
            sums: vec![0.0; n_arms],
            last_p: Vec::new(),
        }
    }

    /// Keeps the decision's weights, normalized to probabilities.
    pub fn remember(&mut self, weights: &[f64]) {
        let total: f64 = weights.iter().sum();
        self.last_p.clear();
        self.last_p.extend(weights.iter().map(|w| w / total));
    }

    /// Adds the importance-weighted loss `(1 − r) / p` of one play of `arm`. An update with no
    /// decision before it (a warm start from logs) is weighted by the uniform law, where both
    /// rules start.
    pub fn update(&mut self, arm: usize, reward: f64) {
        let k = self.sums.len() as f64;
        let p = self.last_p.get(arm).copied().unwrap_or(1.0 / k);
        if p > 0.0 {
            self.sums[arm] += (1.0 - reward) / p;
        }
    }

    /// The smallest loss sum among the live arms.
    pub fn lowest(&self, live: &[bool]) -> f64 {
        self.sums
            .iter()
            .zip(live)
            .filter(|(_, &l)| l)
            .map(|(s, _)| *s)
            .fold(f64::INFINITY, f64::min)
    }

    /// A new arm starts level with the current leader.
    pub fn add_arm(&mut self, live: &[bool]) {
        let low = self.lowest(live);
        self.sums.push(if low.is_finite() { low } else { 0.0 });
        if !self.last_p.is_empty() {
            self.last_p.push(0.0);
        }
    }

    pub fn consistent(&self, n_arms: usize) -> bool {
        self.sums.len() == n_arms && (self.last_p.is_empty() || self.last_p.len() == n_arms)
    }
}
