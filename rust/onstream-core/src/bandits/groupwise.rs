//! Online regression with groupwise regret: sleeping experts over per-group ridge learners.
//!
//! Acharya, Arunachaleswaran, Kannan, Roth and Ziani, "Oracle efficient algorithms for
//! groupwise regret", ICLR 2024. Each of `G` (possibly overlapping) groups of the input space has
//! its own online ridge regressor (the external-regret "oracle"); at each step the experts of the
//! groups the point belongs to are awake, and AdaNormalHedge (Luo and Schapire, "Achieving all
//! with no parameters: AdaNormalHedge", COLT 2015) in its sleeping-experts form mixes their
//! predictions. For every group `g` the squared-loss regret on the steps that belong to `g`,
//! against the best linear model for `g` in hindsight, is at most the ridge learner's own regret
//! plus `O(sqrt(T_g log G))`: no group is sacrificed to the average. Time per step is linear in
//! the number of awake groups.

use serde::{Deserialize, Serialize};

use super::ridge::Ridge;
use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// AdaNormalHedge's log-weight `ln ½[Φ(R+1, C+1) − Φ(R−1, C+1)]`, `Φ(R, C) = exp([R]₊² / 3C)`,
/// in the log domain: the exponent grows like `C/3`, which overflows a double after a few
/// thousand steps.
fn log_weight(r: f64, c: f64) -> f64 {
    let a = (r + 1.0).max(0.0).powi(2) / (3.0 * (c + 1.0));
    let b = (r - 1.0).max(0.0).powi(2) / (3.0 * (c + 1.0));
    if a <= b {
        return f64::NEG_INFINITY; // R ≤ −1: both terms are exp(0), the weight is 0
    }
    a + (-(b - a).exp_m1()).ln() - std::f64::consts::LN_2
}

/// The groupwise online regressor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupwiseRegressor {
    d: usize,
    experts: Vec<Ridge>,
    /// AdaNormalHedge's cumulative regret `R_g` and absolute regret `C_g` per expert.
    regret: Vec<f64>,
    abs_regret: Vec<f64>,
    steps: u64,
    #[serde(skip)]
    work: Vec<f64>,
}

impl GroupwiseRegressor {
    /// `n_groups` experts over `d` features, each a ridge regressor with prior `λI`.
    pub fn new(d: usize, n_groups: usize, lambda: f64) -> Result<Self> {
        if d == 0 {
            return Err(Error::invalid("n_features", 0, "at least one feature"));
        }
        if n_groups == 0 {
            return Err(Error::invalid("n_groups", 0, "at least one group"));
        }
        if !(lambda.is_finite() && lambda > 0.0) {
            return Err(Error::invalid("ridge", lambda, "a finite value > 0"));
        }
        Ok(GroupwiseRegressor {
            d,
            experts: (0..n_groups).map(|_| Ridge::new(d, lambda)).collect(),
            regret: vec![0.0; n_groups],
            abs_regret: vec![0.0; n_groups],
            steps: 0,
            work: Vec::new(),
        })
    }

    pub fn n_groups(&self) -> usize {
        self.experts.len()
    }

    pub fn n_features(&self) -> usize {
        self.d
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn check(&self, x: &[f64], active: &[bool]) -> Result<()> {
        if x.len() != self.d {
            return Err(Error::shape("x", x.len(), self.d));
        }
        if active.len() != self.n_groups() {
            return Err(Error::shape("groups", active.len(), self.n_groups()));
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "x",
                index: i,
                value: x[i],
            });
        }
        if !active.iter().any(|&a| a) {
            return Err(Error::Empty {
                name: "groups of the point (add an always-on group)",
            });
        }
        Ok(())
    }

    /// The mixture weights over groups (zero for sleeping ones) and each awake expert's
    /// prediction.
    pub fn weights(&self, x: &[f64], active: &[bool]) -> Result<(Vec<f64>, Vec<f64>)> {
        self.check(x, active)?;
        let g = self.n_groups();
        let logs: Vec<f64> = (0..g)
            .map(|i| {
                if active[i] {
                    log_weight(self.regret[i], self.abs_regret[i])
                } else {
                    f64::NEG_INFINITY
                }
            })
            .collect();
        let top = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut p: Vec<f64> = if top == f64::NEG_INFINITY {
            // Every awake expert has weight 0 (the start): uniform over the awake ones.
            active.iter().map(|&a| f64::from(u8::from(a))).collect()
        } else {
            logs.iter().map(|l| (l - top).exp()).collect()
        };
        let total: f64 = p.iter().sum();
        p.iter_mut().for_each(|v| *v /= total);
        let preds = (0..g)
            .map(|i| {
                if active[i] {
                    self.experts[i].predict(x)
                } else {
                    0.0
                }
            })
            .collect();
        Ok((p, preds))
    }

    /// The prediction for `x`: the weighted mean of the awake experts' predictions.
    pub fn predict(&self, x: &[f64], active: &[bool]) -> Result<f64> {
        let (p, preds) = self.weights(x, active)?;
        Ok(p.iter().zip(&preds).map(|(a, b)| a * b).sum())
    }

    /// Predicts `x`, then learns its label `y`; returns the prediction made before seeing `y`.
    pub fn update(&mut self, x: &[f64], active: &[bool], y: f64) -> Result<f64> {
        if !y.is_finite() {
            return Err(Error::NonFinite {
                name: "y",
                index: 0,
                value: y,
            });
        }
        let (p, preds) = self.weights(x, active)?;
        let yhat: f64 = p.iter().zip(&preds).map(|(a, b)| a * b).sum();
        let losses: Vec<f64> = preds.iter().map(|q| (q - y) * (q - y)).collect();
        let mixed: f64 = p.iter().zip(&losses).map(|(a, l)| a * l).sum();
        for i in 0..self.n_groups() {
            if active[i] {
                let r = mixed - losses[i];
                self.regret[i] += r;
                self.abs_regret[i] += r.abs();
                self.experts[i].update(x, y, &mut self.work);
            }
        }
        self.steps += 1;
        Ok(yhat)
    }

    /// Runs a stream in order: row `t` of `xs` (`n × d`), of `active` (`n × G`) and `ys[t]`.
    /// Returns the predictions, each made before its label was seen (progressive validation).
    pub fn run(&mut self, xs: &[f64], active: &[bool], ys: &[f64]) -> Result<Vec<f64>> {
        let (d, g, n) = (self.d, self.n_groups(), ys.len());
        if xs.len() != n * d {
            return Err(Error::shape("x", xs.len(), n * d));
        }
        if active.len() != n * g {
            return Err(Error::shape("groups", active.len(), n * g));
        }
        // Check everything first, so a bad row leaves the learner as it was.
        for t in 0..n {
            self.check(&xs[t * d..(t + 1) * d], &active[t * g..(t + 1) * g])?;
            if !ys[t].is_finite() {
                return Err(Error::NonFinite {
                    name: "y",
                    index: t,
                    value: ys[t],
                });
            }
        }
        (0..n)
            .map(|t| self.update(&xs[t * d..(t + 1) * d], &active[t * g..(t + 1) * g], ys[t]))
            .collect()
    }

    /// Each expert's current ridge weights.
    pub fn theta(&self, group: usize) -> Option<Vec<f64>> {
        self.experts.get(group).map(Ridge::theta)
    }
}

impl Snapshot for GroupwiseRegressor {
    const KIND: &'static str = "bandits.GroupwiseRegressor";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let g = self.experts.len();
        let ok = g > 0
            && self.regret.len() == g
            && self.abs_regret.len() == g
            && self.experts.iter().all(|e| e.consistent(self.d))
            && self
                .regret
                .iter()
                .zip(&self.abs_regret)
                .all(|(r, c)| r.is_finite() && *c >= r.abs() - 1e-9 * c.max(1.0));
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.GroupwiseRegressor state is inconsistent".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_weight_matches_the_direct_formula_where_it_does_not_overflow() {
        for &(r, c) in &[
            (0.0, 0.0),
            (2.0, 3.0),
            (5.0, 5.0),
            (-0.5, 2.0),
            (30.0, 40.0),
        ] {
            let phi = |r: f64, c: f64| ((r.max(0.0)).powi(2) / (3.0 * c)).exp();
            let direct = 0.5 * (phi(r + 1.0, c + 1.0) - phi(r - 1.0, c + 1.0));
            assert!(
                (log_weight(r, c) - direct.ln()).abs() < 1e-12,
                "r={r} c={c}"
            );
        }
        assert_eq!(log_weight(-1.5, 3.0), f64::NEG_INFINITY);
        assert!(log_weight(5000.0, 5000.0).is_finite());
    }

    #[test]
    fn a_single_group_is_its_ridge_learner() {
        let mut g = GroupwiseRegressor::new(2, 1, 1.0).unwrap();
        let mut r = Ridge::new(2, 1.0);
        let mut work = Vec::new();
        for t in 0..50 {
            let x = [1.0, (t as f64 * 0.37).sin()];
            let y = 0.5 + 2.0 * x[1];
            let want = r.predict(&x);
            assert!((g.update(&x, &[true], y).unwrap() - want).abs() < 1e-12);
            r.update(&x, y, &mut work);
        }
    }
}
