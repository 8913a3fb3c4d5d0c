//! Linear contextual bandits with one model per arm: LinUCB and linear Thompson sampling.
//!
//! Each arm `a` keeps the ridge statistics `A_a = λI + Σ x xᵀ` and `b_a = Σ r x` of the contexts
//! it was played in ([`Ridge`]: a Cholesky factor updated in `O(d²)` per reward). Both rules cost
//! two triangular solves per arm and decision: `θ̂_a = A_a⁻¹ b_a` and `xᵀ A_a⁻¹ x`.

use serde::{Deserialize, Serialize};

use super::arms::{check_arm, check_finite};
use super::draw;
use super::ridge::Ridge;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::snapshot::Snapshot;

/// Which rule scores the arms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LinearRule {
    /// LinUCB with disjoint models (Li, Chu, Langford and Schapire, "A contextual-bandit approach
    /// to personalized news article recommendation", WWW 2010, algorithm 1): the arm of largest
    /// `θ̂_aᵀx + α sqrt(xᵀ A_a⁻¹ x)`.
    Ucb { alpha: f64 },
    /// Linear Thompson sampling (Agrawal and Goyal, "Thompson sampling for contextual bandits
    /// with linear payoffs", ICML 2013, algorithm 1, one model per arm): the arm of largest
    /// `θ̃_aᵀx` with `θ̃_a ~ N(θ̂_a, v² A_a⁻¹)`.
    Thompson { v: f64 },
}

/// A linear contextual bandit over `n_arms` arms and `d`-dimensional contexts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearBandit {
    rule: LinearRule,
    d: usize,
    ridge: f64,
    arms: Vec<Ridge>,
    live: Vec<bool>,
    steps: u64,
    rng: Rng,
    #[serde(skip)]
    work: Vec<f64>,
}

impl LinearBandit {
    pub fn new(
        rule: LinearRule,
        n_arms: usize,
        d: usize,
        ridge: f64,
        seed: Option<u64>,
    ) -> Result<Self> {
        if n_arms == 0 {
            return Err(Error::invalid("n_arms", 0, "at least one arm"));
        }
        if d == 0 {
            return Err(Error::invalid("n_features", 0, "at least one feature"));
        }
        if !(ridge.is_finite() && ridge > 0.0) {
            return Err(Error::invalid("ridge", ridge, "a finite value > 0"));
        }
        match rule {
            LinearRule::Ucb { alpha } if !(alpha.is_finite() && alpha >= 0.0) => {
                return Err(Error::invalid("alpha", alpha, "a finite value >= 0"));
            }
            LinearRule::Thompson { v } if !(v.is_finite() && v > 0.0) => {
                return Err(Error::invalid("v", v, "a finite value > 0"));
            }
            _ => {}
        }
        Ok(LinearBandit {
            rule,
            d,
            ridge,
            arms: (0..n_arms).map(|_| Ridge::new(d, ridge)).collect(),
            live: vec![true; n_arms],
            steps: 0,
            rng: rng::from_seed(seed),
            work: Vec::new(),
        })
    }

    pub fn n_arms(&self) -> usize {
        self.arms.len()
    }

    pub fn n_features(&self) -> usize {
        self.d
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub fn counts(&self) -> Vec<u64> {
        self.arms.iter().map(Ridge::count).collect()
    }

    fn check_context(&self, x: &[f64]) -> Result<()> {
        if x.len() != self.d {
            return Err(Error::shape("context", x.len(), self.d));
        }
        match x.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(Error::NonFinite {
                name: "context",
                index: i,
                value: x[i],
            }),
            None => Ok(()),
        }
    }

    /// `θ̂_a = A_a⁻¹ b_a`.
    pub fn theta(&self, arm: usize) -> Vec<f64> {
        self.arms[arm].theta()
    }

    /// The score of every arm for context `x` (−inf for arms that may not be chosen).
    pub fn scores(&mut self, x: &[f64], mask: Option<&[bool]>) -> Result<Vec<f64>> {
        self.check_context(x)?;
        if let Some(m) = mask {
            if m.len() != self.n_arms() {
                return Err(Error::shape("mask", m.len(), self.n_arms()));
            }
        }
        let d = self.d;
        let mut out = Vec::with_capacity(self.n_arms());
        for a in 0..self.n_arms() {
            if !(self.live[a] && mask.is_none_or(|m| m[a])) {
                out.push(f64::NEG_INFINITY);
                continue;
            }
            let theta = self.theta(a);
            let mean: f64 = theta.iter().zip(x).map(|(t, v)| t * v).sum();
            let score = match self.rule {
                LinearRule::Ucb { alpha } => {
                    mean + alpha * self.arms[a].width2(x, &mut self.work).sqrt()
                }
                LinearRule::Thompson { v } => {
                    // θ̃ = θ̂ + v L⁻ᵀ z has covariance v² (L Lᵀ)⁻¹ = v² A⁻¹.
                    self.work.clear();
                    for _ in 0..d {
                        let z = draw::normal(&mut self.rng);
                        self.work.push(z);
                    }
                    self.arms[a].solve_transposed(&mut self.work);
                    let noise: f64 = self.work.iter().zip(x).map(|(w, xi)| w * xi).sum();
                    mean + v * noise
                }
            };
            out.push(score);
        }
        if out.iter().all(|s| *s == f64::NEG_INFINITY) {
            return Err(Error::Empty {
                name: "available arms",
            });
        }
        Ok(out)
    }

    /// The arm to play for context `x`.
    pub fn select(&mut self, x: &[f64], mask: Option<&[bool]>) -> Result<usize> {
        let s = self.scores(x, mask)?;
        let mut best = 0;
        for (i, &v) in s.iter().enumerate() {
            if v > s[best] {
                best = i;
            }
        }
        Ok(best)
    }

    /// Reports the reward of `arm` played in context `x`.
    pub fn update(&mut self, arm: usize, reward: f64, x: &[f64]) -> Result<()> {
        check_arm(arm, self.n_arms())?;
        check_finite("reward", reward)?;
        self.check_context(x)?;
        self.arms[arm].update(x, reward, &mut self.work);
        self.steps += 1;
        Ok(())
    }

    pub fn add_arm(&mut self) -> usize {
        self.arms.push(Ridge::new(self.d, self.ridge));
        self.live.push(true);
        self.arms.len() - 1
    }

    pub fn remove_arm(&mut self, arm: usize) -> Result<()> {
        if arm >= self.n_arms() || !self.live[arm] {
            return Err(Error::OutOfRange {
                name: "arm",
                index: 0,
                got: arm.to_string(),
                expected: "the id of a live arm".into(),
            });
        }
        if self.live.iter().filter(|&&l| l).count() == 1 {
            return Err(Error::invalid(
                "arm",
                arm,
                "an arm other than the last live one",
            ));
        }
        self.live[arm] = false;
        Ok(())
    }
}

impl Snapshot for LinearBandit {
    const KIND: &'static str = "bandits.LinearBandit";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let d = self.d;
        let ok = d > 0
            && !self.arms.is_empty()
            && self.live.len() == self.arms.len()
            && self.live.iter().any(|&l| l)
            && self.arms.iter().all(|a| a.consistent(d));
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.LinearBandit state is inconsistent".into(),
            ))
        }
    }
}
