//! Tsallis-INF: best of both worlds for adversarial and stochastic rewards in [0, 1].

use serde::{Deserialize, Serialize};

use super::arms::{allowed, Arms};
use super::policy::Decision;

/// Tsallis-INF with the ½-Tsallis entropy of Zimmert and Seldin, "Tsallis-INF: an optimal
/// algorithm for stochastic and adversarial bandits", JMLR 22, 2021, algorithm 1 with
/// `α = 1/2`, the importance-weighted loss estimator and `η_t = 2 / sqrt(t)`:
/// `p_{t,i} = 4 (η_t (L̂_i − x))^(−2)` with the normalizer `x < min L̂` found by Newton's method
/// (their section 4 and appendix). Theorem 1: the adversarial pseudo-regret is at most
/// `4 sqrt(K T) + 1`; Theorem 3: logarithmic in the stochastically constrained regime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TsallisInf {
    pub loss_sums: Vec<f64>,
    pub last_p: Vec<f64>,
}

/// `x` such that `Σ_i 4 / (η (L_i − x))² = 1` over `losses`. The sum is convex and increasing in
/// `x < min L`; Newton from `min L − 2/η`, where the leader alone already has mass 1, approaches
/// the root from the right without overshooting it.
pub fn normalizer(losses: &[f64], eta: f64) -> f64 {
    let low = losses.iter().copied().fold(f64::INFINITY, f64::min);
    let mut x = low - 2.0 / eta;
    for _ in 0..100 {
        let (mut f, mut df) = (-1.0, 0.0);
        for &l in losses {
            let w = 1.0 / (eta * (l - x));
            f += 4.0 * w * w;
            df += 8.0 * eta * w * w * w;
        }
        let step = f / df;
        x -= step;
        if step.abs() <= 1e-13 * (1.0 + x.abs()) {
            break;
        }
    }
    x
}

impl TsallisInf {
    pub fn fill(&mut self, arms: &mut Arms, mask: Option<&[bool]>) -> Decision {
        let eta = 2.0 / ((arms.t + 1) as f64).sqrt();
        let n = arms.n_arms();
        let open: Vec<f64> = (0..n)
            .filter(|&i| arms.allowed(i, mask))
            .map(|i| self.loss_sums[i])
            .collect();
        let x = normalizer(&open, eta);
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if allowed(&arms.live, mask, i) {
                let w = 1.0 / (eta * (self.loss_sums[i] - x));
                4.0 * w * w
            } else {
                0.0
            }
        }));
        // Newton leaves the sum within ~1e-13 of 1; renormalize so it is a distribution exactly.
        let total: f64 = arms.scratch.iter().sum();
        self.last_p.clear();
        self.last_p.extend(arms.scratch.iter().map(|p| p / total));
        Decision::Sample
    }

    pub fn update(&mut self, arm: usize, reward: f64) {
        let k = self.loss_sums.len() as f64;
        let p = self.last_p.get(arm).copied().unwrap_or(1.0 / k);
        if p > 0.0 {
            self.loss_sums[arm] += (1.0 - reward) / p;
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizer_makes_a_distribution() {
        for eta in [2.0, 0.1, 0.003] {
            let losses = [0.0, 3.0, 10.0, 10.0, 250.0];
            let x = normalizer(&losses, eta);
            let total: f64 = losses.iter().map(|l| 4.0 / (eta * (l - x)).powi(2)).sum();
            assert!((total - 1.0).abs() < 1e-10, "eta={eta}: sum {total}");
            assert!(x < 0.0);
        }
    }
}
