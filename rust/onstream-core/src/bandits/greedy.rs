//! ε-greedy and softmax (Boltzmann) exploration over empirical means.
//!
//! Both are the textbook rules of Sutton and Barto, *Reinforcement Learning* (2nd ed., 2018),
//! sections 2.2–2.3 and 13.1; Auer, Cesa-Bianchi and Fischer (Machine Learning 47, 2002) analyse
//! ε-greedy. With a fixed ε or temperature their regret grows linearly: they are here because
//! users compare against them, not for their guarantees.

use serde::{Deserialize, Serialize};

use super::arms::{allowed, Arms};
use super::policy::Decision;

/// With probability ε a uniformly random available arm, otherwise the best empirical mean
/// (an unplayed arm counts as best, so every arm is tried once before the greedy step repeats).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpsilonGreedy {
    pub epsilon: f64,
}

impl EpsilonGreedy {
    pub fn fill(&self, arms: &mut Arms, mask: Option<&[bool]>) -> Decision {
        let n = arms.n_arms();
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if arms.counts[i] == 0 {
                f64::INFINITY
            } else {
                arms.means[i]
            }
        }));
        arms.mask_scores(mask);
        let greedy = arms.argmax();
        let allowed = (0..n).filter(|&i| allowed(&arms.live, mask, i)).count() as f64;
        let share = self.epsilon / allowed;
        for i in 0..n {
            arms.scratch[i] = if arms.allowed(i, mask) { share } else { 0.0 };
        }
        arms.scratch[greedy] += 1.0 - self.epsilon;
        Decision::Sample
    }
}

/// Softmax exploration: arm `i` with probability proportional to `exp(mean_i / temperature)`;
/// unplayed arms are tried first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Softmax {
    pub temperature: f64,
}

impl Softmax {
    pub fn fill(&self, arms: &mut Arms, mask: Option<&[bool]>) -> Decision {
        let n = arms.n_arms();
        if let Some(first) = (0..n).find(|&i| arms.counts[i] == 0 && arms.allowed(i, mask)) {
            arms.scratch.clear();
            arms.scratch.resize(n, 0.0);
            arms.scratch[first] = 1.0;
            return Decision::Sample;
        }
        let top = (0..n)
            .filter(|&i| arms.allowed(i, mask))
            .map(|i| arms.means[i])
            .fold(f64::NEG_INFINITY, f64::max);
        arms.scratch.clear();
        arms.scratch.extend((0..n).map(|i| {
            if allowed(&arms.live, mask, i) {
                ((arms.means[i] - top) / self.temperature).exp()
            } else {
                0.0
            }
        }));
        Decision::Sample
    }
}
