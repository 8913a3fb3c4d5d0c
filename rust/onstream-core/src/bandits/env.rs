//! Reward environments for simulation: stochastic arms, switching arms and fixed adversarial
//! sequences.

use serde::{Deserialize, Serialize};

use super::draw;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};

/// Where rewards come from in a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Env {
    /// Arm `i` pays 1 with probability `means[i]`, else 0.
    Bernoulli { means: Vec<f64> },
    /// Arm `i` pays `N(means[i], sigma²)`.
    Gaussian { means: Vec<f64>, sigma: f64 },
    /// Bernoulli arms whose means switch at given steps: `means[s]` holds from `starts[s]`
    /// (`starts[0] = 0`, increasing) until the next start.
    Switching {
        means: Vec<Vec<f64>>,
        starts: Vec<u64>,
    },
    /// An oblivious adversary: step `t` pays `rewards[t * n_arms + i]` for arm `i`.
    Adversarial { rewards: Vec<f64>, n_arms: usize },
}

/// Checks Bernoulli means: non-empty, each in [0, 1].
pub(crate) fn check_probabilities(name: &'static str, means: &[f64]) -> Result<()> {
    if means.is_empty() {
        return Err(Error::Empty { name });
    }
    match means.iter().position(|m| !(0.0..=1.0).contains(m)) {
        Some(i) => Err(Error::OutOfRange {
            name,
            index: i,
            got: means[i].to_string(),
            expected: "a probability in [0, 1]".into(),
        }),
        None => Ok(()),
    }
}

impl Env {
    pub fn check(&self) -> Result<()> {
        match self {
            Env::Bernoulli { means } => check_probabilities("means", means),
            Env::Gaussian { means, sigma } => {
                if means.is_empty() {
                    return Err(Error::Empty { name: "means" });
                }
                if let Some(i) = means.iter().position(|m| !m.is_finite()) {
                    return Err(Error::NonFinite {
                        name: "means",
                        index: i,
                        value: means[i],
                    });
                }
                if !(sigma.is_finite() && *sigma > 0.0) {
                    return Err(Error::invalid("sigma", sigma, "a finite value > 0"));
                }
                Ok(())
            }
            Env::Switching { means, starts } => {
                if means.is_empty() || means.len() != starts.len() {
                    return Err(Error::shape("starts", starts.len(), means.len()));
                }
                let k = means[0].len();
                for m in means {
                    if m.len() != k {
                        return Err(Error::shape("means", m.len(), k));
                    }
                    check_probabilities("means", m)?;
                }
                if starts[0] != 0 || starts.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(Error::invalid(
                        "starts",
                        format!("{starts:?}"),
                        "increasing steps starting at 0",
                    ));
                }
                Ok(())
            }
            Env::Adversarial { rewards, n_arms } => {
                if *n_arms == 0 || rewards.is_empty() || rewards.len() % n_arms != 0 {
                    return Err(Error::shape(
                        "rewards",
                        rewards.len(),
                        "a whole number of rows",
                    ));
                }
                match rewards.iter().position(|r| !r.is_finite()) {
                    Some(i) => Err(Error::NonFinite {
                        name: "rewards",
                        index: i,
                        value: rewards[i],
                    }),
                    None => Ok(()),
                }
            }
        }
    }

    /// Whether every reward this environment can pay lies in [0, 1].
    pub fn unit_rewards(&self) -> bool {
        match self {
            Env::Bernoulli { .. } | Env::Switching { .. } => true,
            Env::Gaussian { .. } => false,
            Env::Adversarial { rewards, .. } => rewards.iter().all(|r| (0.0..=1.0).contains(r)),
        }
    }

    pub fn n_arms(&self) -> usize {
        match self {
            Env::Bernoulli { means } | Env::Gaussian { means, .. } => means.len(),
            Env::Switching { means, .. } => means[0].len(),
            Env::Adversarial { n_arms, .. } => *n_arms,
        }
    }

    /// The longest horizon the environment can serve (`None`: unbounded).
    pub fn max_horizon(&self) -> Option<u64> {
        match self {
            Env::Adversarial { rewards, n_arms } => Some((rewards.len() / n_arms) as u64),
            _ => None,
        }
    }

    /// The segment of a switching environment that holds at step `t`.
    fn segment(starts: &[u64], t: u64) -> usize {
        starts.partition_point(|&s| s <= t) - 1
    }

    /// The reward of pulling `arm` at step `t` (0-based).
    #[inline]
    pub fn draw(&self, arm: usize, t: u64, rng: &mut Rng) -> f64 {
        match self {
            Env::Bernoulli { means } => f64::from(u8::from(rng::open01(rng) < means[arm])),
            Env::Gaussian { means, sigma } => means[arm] + sigma * draw::normal(rng),
            Env::Switching { means, starts } => {
                let m = means[Self::segment(starts, t)][arm];
                f64::from(u8::from(rng::open01(rng) < m))
            }
            Env::Adversarial { rewards, n_arms } => rewards[t as usize * n_arms + arm],
        }
    }

    /// Per segment, the first step it holds and each arm's gap to the best mean (`μ* − μ_i`), for
    /// pseudo-regret; an adversarial sequence has no gaps (its regret is measured in hindsight).
    pub fn gaps(&self) -> Vec<(u64, Vec<f64>)> {
        let gaps = |means: &[f64]| {
            let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            means.iter().map(|m| best - m).collect::<Vec<f64>>()
        };
        match self {
            Env::Bernoulli { means } | Env::Gaussian { means, .. } => vec![(0, gaps(means))],
            Env::Switching { means, starts } => starts
                .iter()
                .zip(means)
                .map(|(&s, m)| (s, gaps(m)))
                .collect(),
            Env::Adversarial { n_arms, .. } => vec![(0, vec![0.0; *n_arms])],
        }
    }
}
