//! The self-repellent random walk (Doshi, Hu & Eun, "Self-Repellent Random Walks on General
//! Graphs", ICML 2023; the walker of Hu, Doshi & Eun, ICLR 2024): a walk whose next step avoids
//! nodes it has visited more than the target measure `μ` says it should,
//!
//! `K_ij[x] ∝ P_ij · (x_j / μ_j)^(−α)`,
//!
//! with `x` the walker's empirical visit measure and `P` a base chain reversible with respect to
//! `μ`: the simple random walk for `μ ∝ degree`, Metropolis–Hastings on it for any other target.
//! `α = 0` is the base chain; the paper proves `x_n → μ` for every `α ≥ 0` and an asymptotic
//! covariance that decreases in `α` (sampling variance `O(1/α)`).
//!
//! Counts start at one per node (a positive `x`, as the rule needs); the `1/n` inside `x` cancels in
//! the normalization, so a step costs `O(deg)` powers of integer counts. Independent walkers run in
//! parallel, each on its own generator stream.

use rayon::prelude::*;

use super::csr::Graph;
use crate::error::{Error, Result};
use crate::rng::{open01, stream, Rng};

/// The measure a walk should sample.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every node equally.
    Uniform,
    /// Proportional to degree (the simple random walk's own measure).
    Degree,
    /// Proportional to the given positive weights.
    Weights(Vec<f64>),
}

/// A walker's fixed inputs: graph, target and strength of the repulsion.
pub struct Srrw<'g> {
    g: &'g Graph,
    alpha: f64,
    /// `μ_j` up to a constant.
    mu: Vec<f64>,
    /// Whether the base chain is the simple random walk (else Metropolis–Hastings).
    simple: bool,
}

impl<'g> Srrw<'g> {
    /// Checks that the graph is usable (every node has a neighbour) and the target valid.
    pub fn new(g: &'g Graph, alpha: f64, target: Target) -> Result<Self> {
        if !(alpha.is_finite() && alpha >= 0.0) {
            return Err(Error::invalid("alpha", alpha, "a finite value >= 0"));
        }
        if let Some(&d) = g.dangling().first() {
            return Err(Error::invalid(
                "graph",
                format!("node {d} without neighbours"),
                "a graph where every node has a neighbour (undirected, no isolated nodes)",
            ));
        }
        let n = g.n_nodes();
        let (mu, simple) = match target {
            Target::Degree => ((0..n).map(|u| g.out_degree(u) as f64).collect(), true),
            Target::Uniform => (vec![1.0; n], false),
            Target::Weights(w) => {
                if w.len() != n {
                    return Err(Error::shape("target", w.len(), n));
                }
                if let Some(index) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                    return Err(Error::OutOfRange {
                        name: "target",
                        index,
                        got: w[index].to_string(),
                        expected: "a finite weight > 0".into(),
                    });
                }
                (w, false)
            }
        };
        Ok(Self {
            g,
            alpha,
            mu,
            simple,
        })
    }

    /// Base-chain probability of `u → v` for a neighbour `v` (before the self-loop of rejections).
    #[inline]
    fn base(&self, u: usize, v: usize) -> f64 {
        let du = self.g.out_degree(u) as f64;
        if self.simple {
            1.0 / du
        } else {
            let dv = self.g.out_degree(v) as f64;
            // Metropolis–Hastings: propose a uniform neighbour, accept with min(1, μ_v d_u / μ_u d_v).
            (1.0 / du) * (self.mu[v] * du / (self.mu[u] * dv)).min(1.0)
        }
    }

    /// One step from `u` given visit counts; returns the next node.
    fn step(&self, u: usize, counts: &[u64], weights: &mut Vec<f64>, rng: &mut Rng) -> usize {
        self.step_with(u, |v| counts[v] as f64, weights, rng)
    }

    /// One step from `u` given any positive occupation measure up to a constant factor (the
    /// factor cancels in the normalization).
    fn step_with(
        &self,
        u: usize,
        occupation: impl Fn(usize) -> f64,
        weights: &mut Vec<f64>,
        rng: &mut Rng,
    ) -> usize {
        let (nb, _) = self.g.out_edges(u);
        let repel = |v: usize| (occupation(v) / self.mu[v]).powf(-self.alpha);
        weights.clear();
        let mut stay = 1.0;
        let mut total = 0.0;
        for &v in nb {
            let p = self.base(u, v as usize);
            stay -= p;
            let w = p * repel(v as usize);
            total += w;
            weights.push(total);
        }
        // Rejected proposals (and self-loops of the graph, counted among the neighbours) stay.
        let stay_w = if stay > 1e-12 { stay * repel(u) } else { 0.0 };
        let t = open01(rng) * (total + stay_w);
        match weights.iter().position(|&c| t < c) {
            Some(k) => nb[k] as usize,
            None => u,
        }
    }

    /// A trajectory of `steps` steps from `start` (the start included).
    pub fn walk(&self, start: usize, steps: usize, seed: u64, stream_id: u64) -> Result<Vec<u32>> {
        let n = self.g.n_nodes();
        if start >= n {
            return Err(Error::OutOfRange {
                name: "start",
                index: 0,
                got: start.to_string(),
                expected: format!("a node id in [0, {n})"),
            });
        }
        let mut rng = stream(seed, stream_id);
        let mut counts = vec![1u64; n];
        let mut weights = Vec::new();
        let mut out = Vec::with_capacity(steps + 1);
        let mut u = start;
        out.push(u as u32);
        counts[u] += 1;
        for _ in 0..steps {
            u = self.step(u, &counts, &mut weights, &mut rng);
            counts[u] += 1;
            out.push(u as u32);
        }
        Ok(out)
    }

    /// `runs` independent walkers (walker `r` on stream `r`), each returning the average of
    /// `values` over its trajectory: estimates of the `μ`-average of `values`.
    pub fn averages(
        &self,
        values: &[f64],
        start: usize,
        steps: usize,
        runs: usize,
        seed: u64,
    ) -> Result<Vec<f64>> {
        if values.len() != self.g.n_nodes() {
            return Err(Error::shape("values", values.len(), self.g.n_nodes()));
        }
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "values",
                index,
                value: values[index],
            });
        }
        (0..runs)
            .into_par_iter()
            .map(|r| {
                let path = self.walk(start, steps, seed, r as u64)?;
                Ok(path.iter().map(|&v| values[v as usize]).sum::<f64>() / path.len() as f64)
            })
            .collect()
    }

    /// SA-SRRW (Hu, Doshi & Eun, ICLR 2024, §3): a token walks by the generalized SRRW, whose
    /// occupation measure moves with step `γ_n = (n+1)^−a`, `x_{n+1} = x_n + γ_{n+1}(δ_{X_{n+1}} − x_n)`
    /// (from `x_0 = μ`), and drives the stochastic-gradient iterate
    /// `θ_{n+1} = θ_n − β_{n+1} ∇f_{X_{n+1}}(θ_n)`, `β_n = β_0 (n+1)^−b`, for the least-squares
    /// losses `f_i(θ) = (a_iᵀθ − y_i)²/2` held by the nodes (`features` is `n × d`, row-major).
    /// Returns the final `θ` of each of `runs` independent tokens (`runs × d`).
    ///
    /// The paper's variance gain in `α` needs `θ` on the slower timescale, `b > a`. The occupation
    /// is kept as `s·y` with a scalar `s`, so a step costs `O(deg)`, not `O(n)`.
    #[allow(clippy::too_many_arguments)]
    pub fn sa_least_squares(
        &self,
        features: &[f64],
        labels: &[f64],
        start: usize,
        steps: usize,
        (a, b, beta0): (f64, f64, f64),
        runs: usize,
        seed: u64,
    ) -> Result<Vec<f64>> {
        let n = self.g.n_nodes();
        if labels.len() != n {
            return Err(Error::shape("labels", labels.len(), n));
        }
        if n == 0 || features.len() % n != 0 || features.is_empty() {
            return Err(Error::shape("features", features.len(), format!("{n} × d")));
        }
        if let Some(index) = features.iter().chain(labels).position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "features",
                index,
                value: f64::NAN,
            });
        }
        for (name, e) in [("gamma_exponent", a), ("beta_exponent", b)] {
            if !(e > 0.5 && e <= 1.0) {
                return Err(Error::invalid(name, e, "an exponent in (0.5, 1]"));
            }
        }
        if !(beta0.is_finite() && beta0 > 0.0) {
            return Err(Error::invalid("beta0", beta0, "a finite value > 0"));
        }
        if start >= n {
            return Err(Error::OutOfRange {
                name: "start",
                index: 0,
                got: start.to_string(),
                expected: format!("a node id in [0, {n})"),
            });
        }
        let d = features.len() / n;
        let total_mu: f64 = self.mu.iter().sum();
        let out: Vec<Vec<f64>> = (0..runs)
            .into_par_iter()
            .map(|r| {
                let mut rng = stream(seed, r as u64);
                let mut y: Vec<f64> = self.mu.iter().map(|m| m / total_mu).collect();
                let mut scale = 1.0f64;
                let mut theta = vec![0.0; d];
                let mut weights = Vec::new();
                let mut u = start;
                for k in 1..=steps {
                    u = self.step_with(u, |v| y[v], &mut weights, &mut rng);
                    let gamma = (k as f64 + 1.0).powf(-a);
                    scale *= 1.0 - gamma;
                    y[u] += gamma / scale;
                    if scale < 1e-150 {
                        // Fold the scalar back in before it underflows.
                        for v in y.iter_mut() {
                            *v *= scale;
                        }
                        scale = 1.0;
                    }
                    let beta = beta0 * (k as f64 + 1.0).powf(-b);
                    let row = &features[u * d..(u + 1) * d];
                    let resid: f64 =
                        row.iter().zip(&theta).map(|(x, t)| x * t).sum::<f64>() - labels[u];
                    for (t, x) in theta.iter_mut().zip(row) {
                        *t -= beta * resid * x;
                    }
                }
                theta
            })
            .collect();
        Ok(out.concat())
    }
}
