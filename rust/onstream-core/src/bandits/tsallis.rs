//! Tsallis-INF: best of both worlds for adversarial and stochastic rewards in [0, 1].

use serde::{Deserialize, Serialize};

use super::arms::{allowed, Arms};
use super::policy::Decision;
use super::weighted::WeightedLosses;

/// Tsallis-INF with the ½-Tsallis entropy of Zimmert and Seldin, "Tsallis-INF: an optimal
/// algorithm for stochastic and adversarial bandits", JMLR 22, 2021, algorithm 1 with
/// `α = 1/2`, the importance-weighted loss estimator and `η_t = 2 / sqrt(t)`:
/// `p_{t,i} = 4 (η_t (L̂_i − x))^(−2)` with the normalizer `x < min L̂` found by Newton's method
/// (their section 4 and appendix). Theorem 1: the adversarial pseudo-regret is at most
/// `4 sqrt(K T) + 1`; Theorem 3: logarithmic in the stochastically constrained regime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TsallisInf {
    pub losses: WeightedLosses,
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
            .map(|i| self.losses.sums[i])
            .collect();
        let x = normalizer(&open, eta);
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if allowed(&arms.live, mask, i) {
                let w = 1.0 / (eta * (self.losses.sums[i] - x));
                4.0 * w * w
            } else {
                0.0
            }
        }));
        // Newton leaves the sum within ~1e-13 of 1; renormalized so it is a distribution.
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
