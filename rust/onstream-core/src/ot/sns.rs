//! Sinkhorn-Newton-Sparse (Tang, Shavlovsky, Rahmanian, Tardini, Thekumparampil, Xiao, Ying,
//! "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations", ICLR 2024, Algorithm 1).
//!
//! Stage 1 runs early-stopped log-domain Sinkhorn sweeps. Stage 2 takes Newton steps on the concave
//! dual `D(f, g) = ⟨a, f⟩ + ⟨b, g⟩ − ε Σ_ij P_ij` with `P_ij = exp((f_i + g_j − C_ij)/ε)`, whose
//! gradient is `(a − P1, b − Pᵀ1)` and whose Hessian is `−(1/ε)[[diag(P1), P], [Pᵀ, diag(Pᵀ1)]]`.
//! The Hessian's off-diagonal blocks are sparsified (the diagonals stay exact, so the matrix stays
//! positive semidefinite: `Σ P_ij (u_i² + v_j²) + 2 Σ S_ij u_i v_j ≥ Σ S_ij (u_i + v_j)²`), the Newton
//! system is solved by Jacobi-preconditioned conjugate gradients, and the step is chosen by
//! backtracking (Armijo) on `D`.
//!
//! Two departures from the paper, both for robustness on point clouds (the shared notes measured
//! why): the kept entries are chosen per row by the mass they cover ([`super::pass::Keep`]) instead
//! of the `λn²` largest overall with `λ = 2/n`, which converges only linearly on diffuse plans; and a
//! Newton step that fails its line search, or two in a row that fail to halve the marginal error,
//! hand over to a round of Sinkhorn sweeps before Newton resumes.
//!
//! Each Newton step costs one dense pass when the full step is accepted: the pass that evaluates a
//! trial point also yields its marginals, its objective and the sparse Hessian for the next step.

use super::ground::Ground;
use super::pass::{plan_pass, Csr, Keep, PassResult};
use super::problem::{Marginals, Options, Outcome, Stage, Tally};
use super::sinkhorn;
use crate::error::Result;

/// The knobs of the Newton stage.
#[derive(Debug, Clone, Copy)]
pub struct SnsOptions {
    /// Sinkhorn sweeps before the first Newton step, and per fallback round.
    pub warmup: usize,
    /// Which entries of the plan the Hessian keeps.
    pub keep: Keep,
    /// Run the Sinkhorn sweeps on a stored stabilized kernel (`n·m` floats; see
    /// [`super::Method::Log`]).
    pub stored_kernel: bool,
}

/// Armijo's sufficient-increase constant.
const ARMIJO: f64 = 1e-4;
/// Halvings of the step before the line search gives up (and Sinkhorn takes over).
const MAX_HALVINGS: usize = 12;
/// Largest first trial step, in units of ε per potential: far from the optimum a Newton step on
/// `exp` overshoots by the ratio of wanted to present mass (`ε·a_i/r_i`, astronomically large
/// when a row's mass underflowed), which no number of halvings would tame.
const STEP_CAP: f64 = 8.0;
/// Diagonal floor of the Newton matrix, relative to its largest diagonal entry: rows whose mass
/// underflowed to zero would otherwise make the system singular and inconsistent.
const DIAG_FLOOR: f64 = 1e-14;
/// A Newton step "stalls" when it leaves more than this fraction of the marginal error.
const STALL: f64 = 0.5;

fn marginal_error(m: &Marginals, p: &PassResult) -> f64 {
    let ra: f64 =
        m.a.iter()
            .zip(&p.row_sums)
            .map(|(a, r)| (a - r).abs())
            .sum();
    let cb: f64 =
        m.b.iter()
            .zip(&p.col_sums)
            .map(|(b, c)| (b - c).abs())
            .sum();
    ra.max(cb)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The dual objective and a bound on its rounding error.
fn dual(m: &Marginals, f: &[f64], g: &[f64], p: &PassResult, eps: f64) -> (f64, f64) {
    let (af, bg, mass) = (dot(&m.a, f), dot(&m.b, g), eps * p.total);
    (af + bg - mass, 1e-13 * (af.abs() + bg.abs() + mass.abs()))
}

/// The sparsified Newton matrix `[[diag(r), S], [Sᵀ, diag(c)]]`.
struct NewtonMatrix<'a> {
    s: &'a Csr,
    st: Csr,
    r: &'a [f64],
    c: &'a [f64],
}

impl NewtonMatrix<'_> {
    fn mul(&self, x: &[f64], out: &mut [f64]) {
        let n = self.r.len();
        let (x1, x2) = x.split_at(n);
        let (o1, o2) = out.split_at_mut(n);
        self.s.mul(x2, o1);
        self.st.mul(x1, o2);
        for ((o, &d), &v) in o1.iter_mut().zip(self.r).zip(x1) {
            *o += d * v;
        }
        for ((o, &d), &v) in o2.iter_mut().zip(self.c).zip(x2) {
            *o += d * v;
        }
    }

    fn diag(&self, k: usize) -> f64 {
        let n = self.r.len();
        if k < n {
            self.r[k]
        } else {
            self.c[k - n]
        }
    }
}

/// Jacobi-preconditioned conjugate gradients for `A x = b` from `x = 0`, to a residual of `rtol·‖b‖`
/// or `max_iter` iterations. Returns the solution and the iterations run.
fn pcg(a: &NewtonMatrix<'_>, b: &[f64], rtol: f64, max_iter: usize) -> (Vec<f64>, usize) {
    let len = b.len();
    let inv_d: Vec<f64> = (0..len)
        .map(|k| {
            let d = a.diag(k);
            if d > 0.0 {
                1.0 / d
            } else {
                1.0
            }
        })
        .collect();
    let mut x = vec![0.0; len];
    let mut r = b.to_vec();
    let mut z: Vec<f64> = r.iter().zip(&inv_d).map(|(r, d)| r * d).collect();
    let mut p = z.clone();
    let mut ap = vec![0.0; len];
    let mut rz = dot(&r, &z);
    let target = rtol * dot(b, b).sqrt();
    let mut it = 0;
    while it < max_iter && dot(&r, &r).sqrt() > target {
        a.mul(&p, &mut ap);
        let pap = dot(&p, &ap);
        if pap.is_nan() || pap <= 0.0 {
            break;
        }
        let alpha = rz / pap;
        for k in 0..len {
            x[k] += alpha * p[k];
            r[k] -= alpha * ap[k];
        }
        for k in 0..len {
            z[k] = r[k] * inv_d[k];
        }
        let rz_new = dot(&r, &z);
        let beta = rz_new / rz;
        rz = rz_new;
        for k in 0..len {
            p[k] = z[k] + beta * p[k];
        }
        it += 1;
    }
    (x, it)
}

/// Runs SNS at `opts.eps` (after the ε-scaling stages, when asked for).
pub(crate) fn run<G: Ground>(
    ground: &G,
    marg: &Marginals,
    opts: &Options,
    sns: &SnsOptions,
) -> Result<Outcome> {
    let (n, m) = ground.shape();
    let eps = opts.eps;
    let keep = Some(sns.keep);
    let mut tally = Tally::default();
    let budget = opts.max_iter;
    // ε-scaling stages (when asked for) come on top of the warm-up sweeps at the target ε.
    let stages = opts
        .eps_scaling
        .map_or(0, |t| sinkhorn::scaling_sweeps(ground.max_cost(), eps, t));
    let warm = sinkhorn::sweeps(
        ground,
        marg,
        (vec![0.0; n], vec![0.0; m]),
        eps,
        opts.tol,
        (stages + sns.warmup).min(budget),
        opts.eps_scaling,
        sns.stored_kernel,
        true,
        Stage::Sinkhorn,
        &mut tally,
    )?;
    let (mut f, mut g) = (warm.f, warm.g);
    if warm.done {
        return Ok(tally.finish(f, g, warm.err, opts.tol));
    }
    let mut pass = plan_pass(ground, &f, &g, eps, keep);
    tally.passes += 1;
    let mut stalls = 0;
    let cells = (n * m) as f64;
    loop {
        let err = marginal_error(marg, &pass);
        if err <= opts.tol || tally.iter >= budget || !pass.is_finite() {
            return Ok(tally.finish(f, g, err, opts.tol));
        }
        let sparse = pass.sparse.take().unwrap_or_default();
        let grad: Vec<f64> = marg
            .a
            .iter()
            .zip(&pass.row_sums)
            .map(|(a, r)| a - r)
            .chain(marg.b.iter().zip(&pass.col_sums).map(|(b, c)| b - c))
            .collect();
        let rhs: Vec<f64> = grad.iter().map(|v| eps * v).collect();
        let top = pass
            .row_sums
            .iter()
            .chain(&pass.col_sums)
            .fold(0.0f64, |x, &y| x.max(y));
        let floor =
            |v: &Vec<f64>| -> Vec<f64> { v.iter().map(|&d| d.max(DIAG_FLOOR * top)).collect() };
        let (r, c) = (floor(&pass.row_sums), floor(&pass.col_sums));
        let matrix = NewtonMatrix {
            st: sparse.transpose(),
            s: &sparse,
            r: &r,
            c: &c,
        };
        // Inexact Newton (Eisenstat–Walker): solve only as accurately as the current error warrants.
        let rtol = err.clamp(1e-12, 0.1);
        let (dir, cg) = pcg(&matrix, &rhs, rtol, 10 * (n + m));
        tally.cg += cg;
        tally.sparse_work += cg as f64 * 2.0 * sparse.nnz() as f64 / cells;
        let slope = dot(&grad, &dir);
        let (d0, slack) = dual(marg, &f, &g, &pass, eps);
        let longest = dir.iter().fold(0.0f64, |x, &y| x.max(y.abs()));
        let mut alpha = if longest > STEP_CAP * eps {
            STEP_CAP * eps / longest
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            let ft: Vec<f64> = f
                .iter()
                .zip(&dir[..n])
                .map(|(v, d)| v + alpha * d)
                .collect();
            let gt: Vec<f64> = g
                .iter()
                .zip(&dir[n..])
                .map(|(v, d)| v + alpha * d)
                .collect();
            let trial = plan_pass(ground, &ft, &gt, eps, keep);
            tally.passes += 1;
            if trial.is_finite() {
                let (d1, _) = dual(marg, &ft, &gt, &trial, eps);
                if d1 >= d0 + ARMIJO * alpha * slope - slack {
                    accepted = Some((ft, gt, trial));
                    break;
                }
            }
            alpha *= 0.5;
        }
        tally.record(Stage::Newton, eps, err);
        match accepted {
            Some((ft, gt, trial)) => {
                let new_err = marginal_error(marg, &trial);
                stalls = if new_err > STALL * err { stalls + 1 } else { 0 };
                (f, g, pass) = (ft, gt, trial);
            }
            None => stalls = 2,
        }
        if stalls >= 2 {
            let until = (tally.iter + sns.warmup).min(budget);
            let s = sinkhorn::sweeps(
                ground,
                marg,
                (f, g),
                eps,
                opts.tol,
                until,
                None,
                sns.stored_kernel,
                false,
                Stage::Fallback,
                &mut tally,
            )?;
            (f, g) = (s.f, s.g);
            pass = plan_pass(ground, &f, &g, eps, keep);
            tally.passes += 1;
            stalls = 0;
        }
    }
}
