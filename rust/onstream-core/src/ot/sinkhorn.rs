//! Log-domain Sinkhorn (Cuturi 2013, in the stabilized form of Schmitzer 2019) with ε-scaling.
//!
//! The plan is `P_ij = exp((f_i + g_j − C_ij)/ε)`. A sweep makes the rows right,
//! `f_i = ε(ln a_i − LSE_j (g_j − C_ij)/ε)`, then the columns,
//! `g_j = ε(ln b_j − LSE_i (f_i − C_ij)/ε)`: exact block-coordinate ascent on the dual (Tang et al.
//! 2024, §2). Each half is one fused pass over the cost ([`super::ground`]), and the pass that
//! updates the rows also yields the row sums of the plan it replaces, so the marginal error costs
//! nothing: after a sweep the columns are exact and the rows are off by what the next pass measures.
//!
//! With `stored = true` the sweeps at the target ε run on a stored kernel in Schmitzer's stabilized
//! form ([`super::scaling`], `Mode::Absorb`): the same iterates for one read of the kernel a sweep
//! instead of two exponential passes, at the price of `n·m` stored floats. The fused passes
//! remain for the ε-scaling stages and for the rare kernel that leaves a column without mass
//! ([`sweeps`]).
//!
//! ε-scaling (Schmitzer 2019, §3.2): the potentials are in cost units, so they carry over between
//! values of ε; starting at the largest cost and shrinking ε geometrically reaches a small target ε
//! in far fewer sweeps than starting there. The fixed point, and so the plan, is the target ε's.

use super::ground::{lse_rows, Ground};
use super::problem::{Marginals, Options, Outcome, Stage, Tally};
use super::scaling::{self, Mode};
use crate::error::{Error, Result};

/// Potentials and the per-side scratch of a log-domain Sinkhorn run.
pub(crate) struct LogSinkhorn<'a, G: Ground> {
    ground: &'a G,
    marginals: &'a Marginals,
    pub f: Vec<f64>,
    pub g: Vec<f64>,
    lse_r: Vec<f64>,
    lse_c: Vec<f64>,
}

/// `Σ_i |exp(p_i/ε + lse_i) − w_i|`: the L1 violation of a marginal, from the log-sums of a pass.
fn violation(p: &[f64], lse: &[f64], w: &[f64], inv_eps: f64) -> f64 {
    p.iter()
        .zip(lse)
        .zip(w)
        .map(|((&p, &l), &w)| ((p * inv_eps + l).exp() - w).abs())
        .sum()
}

impl<'a, G: Ground> LogSinkhorn<'a, G> {
    /// Starts from the given potentials.
    pub fn new(ground: &'a G, marginals: &'a Marginals, f: Vec<f64>, g: Vec<f64>) -> Self {
        let (n, m) = ground.shape();
        Self {
            ground,
            marginals,
            f,
            g,
            lse_r: vec![0.0; n],
            lse_c: vec![0.0; m],
        }
    }

    /// Measures the row violation of the current plan (one pass); [`Self::apply_rows`] then uses
    /// the same pass to make the rows exact.
    pub fn measure_rows(&mut self, eps: f64, tally: &mut Tally) -> f64 {
        let inv_eps = 1.0 / eps;
        lse_rows(self.ground, &self.g, inv_eps, &mut self.lse_r);
        tally.passes += 1;
        violation(&self.f, &self.lse_r, &self.marginals.a, inv_eps)
    }

    /// Updates `f` from the last [`Self::measure_rows`] at the same `eps`: the rows become exact.
    pub fn apply_rows(&mut self, eps: f64) {
        for ((f, &la), &l) in self
            .f
            .iter_mut()
            .zip(&self.marginals.log_a)
            .zip(&self.lse_r)
        {
            *f = eps * (la - l);
        }
    }

    /// Updates `g` so the columns are exact.
    pub fn cols(&mut self, eps: f64, tally: &mut Tally) {
        self.ground.lse_cols(&self.f, 1.0 / eps, &mut self.lse_c);
        tally.passes += 1;
        for ((g, &lb), &l) in self
            .g
            .iter_mut()
            .zip(&self.marginals.log_b)
            .zip(&self.lse_c)
        {
            *g = eps * (lb - l);
        }
    }

    /// Sweeps at `eps` until the row violation found at the start of a sweep is at most `tol`, or
    /// `budget` sweeps ran. Returns the last violation measured and whether it met `tol`; when it
    /// did, the potentials are those it was measured on (the columns exact, the rows within `tol`).
    pub fn sweep_until(
        &mut self,
        eps: f64,
        tol: f64,
        budget: usize,
        stage: Stage,
        tally: &mut Tally,
    ) -> (f64, bool) {
        let mut err = f64::INFINITY;
        for _ in 0..budget {
            err = self.measure_rows(eps, tally);
            if err <= tol {
                return (err, true);
            }
            self.apply_rows(eps);
            self.cols(eps, tally);
            tally.record(stage, eps, err);
        }
        (err, false)
    }
}

/// The ε of each scaling stage above the target: `max_cost·θ^k` while that exceeds `eps`.
pub(crate) fn schedule(max_cost: f64, eps: f64, theta: f64) -> Vec<f64> {
    let mut out = Vec::new();
    let mut e = max_cost;
    while e > eps && out.len() < 200 {
        out.push(e);
        e *= theta;
    }
    out
}

/// Sweeps run at each scaling stage: enough to follow the moving fixed point, few enough that the
/// stages cost less than the sweeps they save at the target.
const SWEEPS_PER_STAGE: usize = 2;

/// Sweeps the scaling stages take in all.
pub(crate) fn scaling_sweeps(max_cost: f64, eps: f64, theta: f64) -> usize {
    schedule(max_cost, eps, theta).len() * SWEEPS_PER_STAGE
}

/// Runs the scaling stages (if any) and then sweeps at the target ε until `tol` or until `max_iter`
/// iterations ran in all, logging the latter as `stage`.
fn run_stage<G: Ground>(
    solver: &mut LogSinkhorn<'_, G>,
    eps: f64,
    tol: f64,
    max_iter: usize,
    scaling: Option<f64>,
    stage: Stage,
    tally: &mut Tally,
) -> (f64, bool) {
    if let Some(theta) = scaling {
        for e in schedule(solver.ground.max_cost(), eps, theta) {
            let left = max_iter.saturating_sub(tally.iter);
            solver.sweep_until(e, 0.0, SWEEPS_PER_STAGE.min(left), Stage::Scaling, tally);
        }
    }
    let left = max_iter.saturating_sub(tally.iter);
    let (err, done) = solver.sweep_until(eps, tol, left, stage, tally);
    if done {
        return (err, true);
    }
    // Out of iterations: measure the returned state (its columns are exact).
    let err = solver.measure_rows(eps, tally);
    (err, err <= tol)
}

/// Scalings beyond `e^±TAU` are absorbed into the potentials (Schmitzer's τ): far inside the
/// float range, so no product overflows, and rare enough that rebuilds cost little.
const TAU: f64 = 30.0;

/// Where a round of sweeps ended.
pub(crate) struct Swept {
    pub f: Vec<f64>,
    pub g: Vec<f64>,
    /// Row violation of `(f, g)`, whose columns are exact.
    pub err: f64,
    /// Whether `err <= tol`.
    pub done: bool,
}

/// Sinkhorn sweeps from `(f, g)` at `eps` until the row violation is at most `tol` or `until`
/// iterations ran in all (counted in `tally`), after ε-scaling stages when `scaling` is given.
///
/// With `stored`, the sweeps at `eps` run on a stored stabilized kernel. `prime` says the
/// potentials are from scratch: the kernel then starts from each row's smallest cost (as the
/// kernel-domain method does), so every row has mass. A column without mass in a fresh kernel (ε
/// small against the cost) gets one fused sweep, which gives every row and column its exact mass,
/// before the stored kernel is tried again; a second failure leaves the rest to fused sweeps.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sweeps<G: Ground>(
    ground: &G,
    marg: &Marginals,
    (f, g): (Vec<f64>, Vec<f64>),
    eps: f64,
    tol: f64,
    until: usize,
    scaling: Option<f64>,
    stored: bool,
    prime: bool,
    stage: Stage,
    tally: &mut Tally,
) -> Result<Swept> {
    let mut solver = LogSinkhorn::new(ground, marg, f, g);
    let fused = |solver: &mut LogSinkhorn<'_, G>, until: usize, scaling, tally: &mut Tally| {
        run_stage(solver, eps, tol, until, scaling, stage, tally)
    };
    let swept = |solver: LogSinkhorn<'_, G>, (err, done): (f64, bool)| Swept {
        f: solver.f,
        g: solver.g,
        err,
        done,
    };
    if !stored {
        let r = fused(&mut solver, until, scaling, tally);
        return Ok(swept(solver, r));
    }
    if let Some(theta) = scaling {
        let stages = scaling_sweeps(ground.max_cost(), eps, theta);
        let r = fused(
            &mut solver,
            (tally.iter + stages).min(until),
            scaling,
            tally,
        );
        if r.1 || tally.iter >= until {
            return Ok(swept(solver, r));
        }
    } else if prime {
        solver.f = scaling::row_minima(ground);
    }
    for _ in 0..2 {
        let start = (solver.f.clone(), solver.g.clone());
        match scaling::run(
            ground,
            marg,
            eps,
            tol,
            until,
            start,
            Mode::Absorb(TAU),
            stage,
            tally,
        ) {
            Ok(fin) => {
                return Ok(Swept {
                    done: fin.err <= tol,
                    f: fin.f,
                    g: fin.g,
                    err: fin.err,
                })
            }
            Err(Error::Numerical(_)) => {
                let r = fused(&mut solver, (tally.iter + 1).min(until), None, tally);
                if r.1 || tally.iter >= until {
                    return Ok(swept(solver, r));
                }
            }
            Err(e) => return Err(e),
        }
    }
    let r = fused(&mut solver, until, None, tally);
    Ok(swept(solver, r))
}

/// Log-domain Sinkhorn from zero potentials: ε-scaling stages (if asked), then sweeps at
/// `opts.eps`, fused or on a stored stabilized kernel.
pub(crate) fn run_log<G: Ground>(
    ground: &G,
    marg: &Marginals,
    opts: &Options,
    stored: bool,
) -> Result<Outcome> {
    let (n, m) = ground.shape();
    let mut tally = Tally::default();
    let zero = (vec![0.0; n], vec![0.0; m]);
    let s = sweeps(
        ground,
        marg,
        zero,
        opts.eps,
        opts.tol,
        opts.max_iter,
        opts.eps_scaling,
        stored,
        true,
        Stage::Sinkhorn,
        &mut tally,
    )?;
    Ok(tally.finish(s.f, s.g, s.err, opts.tol))
}
