//! Learning to relax: bandits that tune the SOR relaxation ω of a sequence of linear systems from
//! the iteration counts alone.
//!
//! Khodak, Chow, Balcan and Talwalkar, "Learning to relax: setting solver parameters across a
//! sequence of linear system instances", ICLR 2024. Non-contextual: Tsallis-INF over a grid of ω
//! with costs normalized by their running mean (section 3; its total iterations approach those of
//! the best fixed ω in hindsight). Contextual: ChebCB, per-arm regression of the normalized cost on
//! Chebyshev features of a scalar context (the diagonal shift of `A + cI`), with inverse-gap
//! weighting over the predictions (section 4; it approaches the instance-optimal ω).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::arms::check_arm;
use super::draw;
use super::ridge::Ridge;
use super::sor::{optimal_omega, sor, SparseMatrix};
use super::tsallis::normalizer;
use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::snapshot::Snapshot;

fn check_grid(omegas: &[f64]) -> Result<()> {
    if omegas.is_empty() {
        return Err(Error::Empty { name: "omegas" });
    }
    match omegas.iter().position(|w| !(*w > 0.0 && *w < 2.0)) {
        Some(i) => Err(Error::OutOfRange {
            name: "omegas",
            index: i,
            got: omegas[i].to_string(),
            expected: "a relaxation in (0, 2)".into(),
        }),
        None => Ok(()),
    }
}

fn check_cost(cost: f64) -> Result<()> {
    if cost.is_finite() && cost >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            "cost",
            cost,
            "a finite cost >= 0 (an iteration count)",
        ))
    }
}

/// Tsallis-INF over a grid of relaxations, losses scaled by the running mean cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelaxTuner {
    omegas: Vec<f64>,
    /// Importance-weighted sums of `cost − 1` per grid point.
    loss_sums: Vec<f64>,
    /// Sum of `cost − 1` over all steps, for the running-mean scale.
    cost_sum: f64,
    steps: u64,
    last_p: Vec<f64>,
    rng: Rng,
}

impl RelaxTuner {
    pub fn new(omegas: Vec<f64>, seed: Option<u64>) -> Result<Self> {
        check_grid(&omegas)?;
        let k = omegas.len();
        Ok(RelaxTuner {
            omegas,
            loss_sums: vec![0.0; k],
            cost_sum: 0.0,
            steps: 0,
            last_p: Vec::new(),
            rng: rng::from_seed(seed),
        })
    }

    pub fn omegas(&self) -> &[f64] {
        &self.omegas
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The distribution over the grid for the next instance: `p_i = 4 (η (L_i/s − x))^(−2)`,
    /// `η = 2/sqrt(t)`, `s` the running mean of `cost − 1` (1 before any cost).
    pub fn probabilities(&self) -> Vec<f64> {
        let eta = 2.0 / ((self.steps + 1) as f64).sqrt();
        let scale = if self.steps == 0 {
            1.0
        } else {
            (self.cost_sum / self.steps as f64).max(1.0)
        };
        let scaled: Vec<f64> = self.loss_sums.iter().map(|l| l / scale).collect();
        let x = normalizer(&scaled, eta);
        let p: Vec<f64> = scaled
            .iter()
            .map(|l| {
                let w = 1.0 / (eta * (l - x));
                4.0 * w * w
            })
            .collect();
        let total: f64 = p.iter().sum();
        p.iter().map(|v| v / total).collect()
    }

    /// The grid index to use for the next instance.
    pub fn select(&mut self) -> usize {
        self.last_p = self.probabilities();
        draw::weighted(&self.last_p, &mut self.rng)
    }

    /// Reports the cost (iterations) of grid point `arm` on the latest instance.
    pub fn update(&mut self, arm: usize, cost: f64) -> Result<()> {
        check_arm(arm, self.omegas.len())?;
        check_cost(cost)?;
        let k = self.omegas.len() as f64;
        let p = self.last_p.get(arm).copied().unwrap_or(1.0 / k);
        let loss = (cost - 1.0).max(0.0);
        if p > 0.0 {
            self.loss_sums[arm] += loss / p;
        }
        self.cost_sum += loss;
        self.steps += 1;
        Ok(())
    }
}

impl Snapshot for RelaxTuner {
    const KIND: &'static str = "bandits.RelaxTuner";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let k = self.omegas.len();
        if check_grid(&self.omegas).is_ok()
            && self.loss_sums.len() == k
            && (self.last_p.is_empty() || self.last_p.len() == k)
        {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.RelaxTuner state is inconsistent".into(),
            ))
        }
    }
}

/// ChebCB: contextual tuning from a scalar context in `[lo, hi]`.
///
/// Each grid point regresses the normalized cost (cost over the running mean cost) on the
/// Chebyshev polynomials `T_0 … T_{m−1}` of the context mapped to `[−1, 1]` (ridge, one model per
/// grid point); decisions weight the predictions by inverse gaps, `p_i = 1 / (K + γ (ŷ_i −
/// ŷ_min))` off the argmin and the rest on it, with `γ_t = γ_0 sqrt(K t)` (the anytime
/// SquareCB rate of Foster and Rakhlin, ICML 2020). The paper's ChebCB fits a bounded least
/// squares; ridge is used here, and its growth of γ was not checked against the paper's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChebCb {
    omegas: Vec<f64>,
    degree: usize,
    lo: f64,
    hi: f64,
    gamma0: f64,
    models: Vec<Ridge>,
    cost_sum: f64,
    steps: u64,
    last_p: Vec<f64>,
    rng: Rng,
    #[serde(skip)]
    work: Vec<f64>,
}

impl ChebCb {
    pub fn new(
        omegas: Vec<f64>,
        degree: usize,
        lo: f64,
        hi: f64,
        gamma0: f64,
        seed: Option<u64>,
    ) -> Result<Self> {
        check_grid(&omegas)?;
        if degree == 0 {
            return Err(Error::invalid(
                "degree",
                0,
                "at least one Chebyshev feature",
            ));
        }
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::invalid(
                "context_range",
                format!("({lo}, {hi})"),
                "lo < hi",
            ));
        }
        if !(gamma0.is_finite() && gamma0 > 0.0) {
            return Err(Error::invalid("gamma", gamma0, "a finite value > 0"));
        }
        let k = omegas.len();
        Ok(ChebCb {
            omegas,
            degree,
            lo,
            hi,
            gamma0,
            models: (0..k).map(|_| Ridge::new(degree, 1.0)).collect(),
            cost_sum: 0.0,
            steps: 0,
            last_p: Vec::new(),
            rng: rng::from_seed(seed),
            work: Vec::new(),
        })
    }

    /// `T_0(z) … T_{m−1}(z)` at the context mapped to `[−1, 1]` (clamped).
    fn features(&self, c: f64) -> Vec<f64> {
        let z = (2.0 * (c - self.lo) / (self.hi - self.lo) - 1.0).clamp(-1.0, 1.0);
        let mut f = Vec::with_capacity(self.degree);
        let (mut a, mut b) = (1.0, z);
        for i in 0..self.degree {
            f.push(if i == 0 { 1.0 } else { b });
            if i > 0 {
                let next = 2.0 * z * b - a;
                a = b;
                b = next;
            }
        }
        f
    }

    fn check_context(c: f64) -> Result<()> {
        if c.is_finite() {
            Ok(())
        } else {
            Err(Error::NonFinite {
                name: "context",
                index: 0,
                value: c,
            })
        }
    }

    /// Each grid point's predicted normalized cost for context `c`.
    pub fn predictions(&self, c: f64) -> Result<Vec<f64>> {
        Self::check_context(c)?;
        let f = self.features(c);
        Ok(self.models.iter().map(|m| m.predict(&f)).collect())
    }

    /// The distribution over the grid for context `c`.
    pub fn probabilities(&self, c: f64) -> Result<Vec<f64>> {
        let y = self.predictions(c)?;
        let k = y.len();
        let mut best = 0;
        for i in 1..k {
            if y[i] < y[best] {
                best = i;
            }
        }
        let gamma = self.gamma0 * ((k as u64 * (self.steps + 1)) as f64).sqrt();
        let mut p: Vec<f64> = y
            .iter()
            .map(|yi| 1.0 / (k as f64 + gamma * (yi - y[best])))
            .collect();
        p[best] = 0.0;
        let rest: f64 = p.iter().sum();
        p[best] = 1.0 - rest;
        Ok(p)
    }

    pub fn select(&mut self, c: f64) -> Result<usize> {
        self.last_p = self.probabilities(c)?;
        Ok(draw::weighted(&self.last_p, &mut self.rng))
    }

    /// Reports the cost of grid point `arm` on an instance with context `c`.
    pub fn update(&mut self, c: f64, arm: usize, cost: f64) -> Result<()> {
        Self::check_context(c)?;
        check_cost(cost)?;
        check_arm(arm, self.omegas.len())?;
        self.cost_sum += cost;
        self.steps += 1;
        let scale = (self.cost_sum / self.steps as f64).max(1.0);
        let f = self.features(c);
        self.models[arm].update(&f, cost / scale, &mut self.work);
        Ok(())
    }
}

impl Snapshot for ChebCb {
    const KIND: &'static str = "bandits.ChebCb";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let k = self.omegas.len();
        if check_grid(&self.omegas).is_ok()
            && self.models.len() == k
            && self.models.iter().all(|m| m.consistent(self.degree))
            && (self.last_p.is_empty() || self.last_p.len() == k)
        {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.ChebCb state is inconsistent".into(),
            ))
        }
    }
}

/// The paper's instance family and every grid point's cost on it.
#[derive(Debug, Clone, PartialEq)]
pub struct CostTable {
    /// The diagonal shift `c_t` of instance `t` (its context).
    pub shifts: Vec<f64>,
    /// `costs[t * K + i]`: SOR iterations of grid point `i` on instance `t`.
    pub costs: Vec<u64>,
    /// Iterations at the instance-optimal `ω*(A_t)`.
    pub optimal: Vec<u64>,
}

/// `n_instances` systems `(L + c_t I) x = b_t` with `L` the 5-point Laplacian of an `m × m`
/// grid, `c_t = −0.15 + 0.6 Beta(a, b)` (the paper's high-variance family is Beta(0.5, 1.5), the
/// low-variance one Beta(2, 6)) and `b_t` Gaussian; the SOR iterations to relative residual
/// `tol` of every grid point and of the instance-optimal ω, computed in parallel. (The paper's
/// `b_t` is radially truncated; iteration counts from `x = 0` at a relative tolerance do not
/// depend on `b`'s norm, only its direction, which is uniform either way.)
#[allow(clippy::too_many_arguments)]
pub fn laplacian_costs(
    m: usize,
    n_instances: usize,
    beta_a: f64,
    beta_b: f64,
    omegas: &[f64],
    tol: f64,
    max_iter: u64,
    seed: u64,
) -> Result<CostTable> {
    check_grid(omegas)?;
    if n_instances == 0 {
        return Err(Error::invalid(
            "n_instances",
            0,
            "a positive number of instances",
        ));
    }
    if !(beta_a > 0.0 && beta_b > 0.0 && beta_a.is_finite() && beta_b.is_finite()) {
        return Err(Error::invalid(
            "beta",
            format!("({beta_a}, {beta_b})"),
            "positive shapes",
        ));
    }
    let base = SparseMatrix::laplacian_2d(m, 0.0)?;
    let n = base.n();
    let mut g = rng::stream(seed, 0);
    let instances: Vec<(f64, Vec<f64>)> = (0..n_instances)
        .map(|_| {
            let c = -0.15 + 0.6 * draw::beta(&mut g, beta_a, beta_b);
            let b: Vec<f64> = (0..n).map(|_| draw::normal(&mut g)).collect();
            (c, b)
        })
        .collect();
    let k = omegas.len();
    let costs: Vec<u64> = (0..n_instances * k)
        .into_par_iter()
        .map(|job| {
            let (t, i) = (job / k, job % k);
            let a = base.shifted(instances[t].0)?;
            Ok(sor(&a, &instances[t].1, omegas[i], tol, max_iter)?.iterations)
        })
        .collect::<Result<_>>()?;
    // Jacobi's spectral radius for L + cI is 4 cos(π/(m+1)) / (4 + c).
    let cos = (std::f64::consts::PI / (m as f64 + 1.0)).cos();
    let optimal: Vec<u64> = instances
        .par_iter()
        .map(|(c, b)| {
            let a = base.shifted(*c)?;
            let star = optimal_omega(4.0 * cos / (4.0 + c)).min(1.999_999);
            Ok(sor(&a, b, star, tol, max_iter)?.iterations)
        })
        .collect::<Result<_>>()?;
    Ok(CostTable {
        shifts: instances.iter().map(|(c, _)| *c).collect(),
        costs,
        optimal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tuner_concentrates_on_the_cheapest_grid_point() {
        // Fixed costs per grid point: Tsallis-INF's play of the others grows like sqrt(T).
        let costs = [300.0, 120.0, 80.0, 150.0, 900.0];
        let mut tuner = RelaxTuner::new(vec![1.0, 1.2, 1.4, 1.6, 1.8], Some(4)).unwrap();
        let mut plays = [0u32; 5];
        for _ in 0..4000 {
            let arm = tuner.select();
            plays[arm] += 1;
            tuner.update(arm, costs[arm]).unwrap();
        }
        assert!(plays[2] > 3000, "{plays:?}");
        let p = tuner.probabilities();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(tuner.update(5, 1.0).is_err());
        assert!(tuner.update(0, f64::NAN).is_err());
    }

    #[test]
    fn chebcb_learns_a_context_dependent_best_point() {
        // Grid point 0 is cheap for negative contexts, point 1 for positive ones.
        let mut cb = ChebCb::new(vec![1.2, 1.7], 3, -1.0, 1.0, 1.0, Some(5)).unwrap();
        let mut g = rng::from_seed(Some(6));
        let cost = |c: f64, arm: usize| {
            if (c < 0.0) == (arm == 0) {
                100.0
            } else {
                400.0
            }
        };
        let mut late_right = 0;
        for t in 0..3000 {
            let c = 2.0 * rng::open01(&mut g) - 1.0;
            let arm = cb.select(c).unwrap();
            if t >= 2000 && cost(c, arm) == 100.0 {
                late_right += 1;
            }
            cb.update(c, arm, cost(c, arm)).unwrap();
        }
        assert!(late_right > 900, "{late_right}/1000 late choices right");
        let p = cb.probabilities(0.3).unwrap();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12 && p.iter().all(|&v| v >= 0.0));
    }

    #[test]
    fn the_cost_table_is_reproducible_and_checked() {
        let a = laplacian_costs(4, 5, 0.5, 1.5, &[1.0, 1.5], 1e-8, 10_000, 1).unwrap();
        let b = laplacian_costs(4, 5, 0.5, 1.5, &[1.0, 1.5], 1e-8, 10_000, 1).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.costs.len(), 10);
        assert!(a.shifts.iter().all(|c| (-0.15..=0.45).contains(c)));
        assert!(laplacian_costs(4, 5, 0.5, 1.5, &[2.5], 1e-8, 100, 1).is_err());
        assert!(laplacian_costs(4, 0, 0.5, 1.5, &[1.5], 1e-8, 100, 1).is_err());
    }
}
