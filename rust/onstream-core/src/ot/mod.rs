//! Entropic optimal transport: Sinkhorn in the kernel and log domains, with ε-scaling, and
//! Sinkhorn-Newton-Sparse (Tang et al., ICLR 2024).
//!
//! A problem is a [`Cost`] (dense matrix or point clouds) and two marginals; every method returns
//! dual potentials `(f, g)` in cost units, from which the plan `exp((f_i + g_j − C_ij)/ε)`, its
//! transport cost and a sparse copy are computed by [`pass`] without ever storing more than asked.
//! The CUDA twins of the fused reductions are in `gpu/sinkhorn.cu`.

pub mod ground;
pub mod pass;
pub mod problem;
mod scaling;
mod sinkhorn;
pub mod sns;

pub use ground::{DenseCost, Ground, SqEuclidean};
pub use pass::{Csr, Keep, PassResult};
pub use problem::{LogEntry, Marginals, Options, Outcome, Stage};
pub use sns::SnsOptions;

use crate::error::{Error, Result};
use problem::Tally;

/// A ground cost of either kind.
pub enum Cost<'a> {
    /// A dense matrix.
    Dense(DenseCost<'a>),
    /// Squared Euclidean distances between point clouds, computed on the fly.
    SqEuclidean(SqEuclidean),
}

/// Calls `$body` with `$g` bound to the concrete ground of `$cost`.
macro_rules! with_ground {
    ($cost:expr, $g:ident => $body:expr) => {
        match $cost {
            Cost::Dense($g) => $body,
            Cost::SqEuclidean($g) => $body,
        }
    };
}

/// Which solver to run.
#[derive(Debug, Clone, Copy)]
pub enum Method {
    /// Kernel-domain matrix scaling (fast sweeps; fails cleanly when `exp(−C/ε)` underflows).
    Scaling,
    /// Log-domain Sinkhorn (any ε); `stored_kernel` runs the sweeps on a stored stabilized kernel
    /// (`n·m` floats, one read of it a sweep) instead of fused exponential passes (no storage).
    Log {
        /// Store the stabilized kernel.
        stored_kernel: bool,
    },
    /// Sinkhorn-Newton-Sparse.
    Sns(SnsOptions),
}

impl Cost<'_> {
    /// `(n, m)`.
    pub fn shape(&self) -> (usize, usize) {
        with_ground!(self, g => g.shape())
    }
}

/// Solves the entropic problem with marginals `a`, `b` by `method`.
pub fn solve(
    cost: &Cost<'_>,
    a: &[f64],
    b: &[f64],
    method: Method,
    opts: &Options,
) -> Result<Outcome> {
    opts.validate()?;
    let marg = Marginals::new(a, b, cost.shape())?;
    if let Method::Sns(s) = method {
        if !(s.keep.drop >= 0.0 && s.keep.drop < 1.0) {
            return Err(Error::invalid(
                "keep_drop",
                s.keep.drop,
                "a fraction in [0, 1)",
            ));
        }
        if s.keep.max_keep == 0 {
            return Err(Error::invalid("max_keep", 0, "at least 1"));
        }
    }
    with_ground!(cost, g => match method {
        Method::Scaling => {
            let mut tally = Tally::default();
            let g0 = vec![0.0; g.shape().1];
            let fin = scaling::run(
                g, &marg, opts.eps, opts.tol, opts.max_iter, (scaling::row_minima(g), g0),
                scaling::Mode::Fail, Stage::Sinkhorn, &mut tally,
            )?;
            Ok(tally.finish(fin.f, fin.g, fin.err, opts.tol))
        }
        Method::Log { stored_kernel } => sinkhorn::run_log(g, &marg, opts, stored_kernel),
        Method::Sns(s) => sns::run(g, &marg, opts, &s),
    })
}

fn check_potentials(cost: &Cost<'_>, f: &[f64], g: &[f64], eps: f64) -> Result<()> {
    let (n, m) = cost.shape();
    if f.len() != n {
        return Err(Error::shape("f", f.len(), n));
    }
    if g.len() != m {
        return Err(Error::shape("g", g.len(), m));
    }
    if !(eps.is_finite() && eps > 0.0) {
        return Err(Error::invalid("reg", eps, "a finite value > 0"));
    }
    Ok(())
}

/// The dense plan of potentials `(f, g)` at `eps`, row-major.
pub fn dense_plan(cost: &Cost<'_>, f: &[f64], g: &[f64], eps: f64) -> Result<Vec<f64>> {
    check_potentials(cost, f, g, eps)?;
    Ok(with_ground!(cost, gr => pass::dense_plan(gr, f, g, eps)))
}

/// One pass over the plan of `(f, g)`: marginals, mass, `⟨C, P⟩`, and the kept entries if asked.
pub fn evaluate(
    cost: &Cost<'_>,
    f: &[f64],
    g: &[f64],
    eps: f64,
    keep: Option<Keep>,
) -> Result<PassResult> {
    check_potentials(cost, f, g, eps)?;
    Ok(with_ground!(cost, gr => pass::plan_pass(gr, f, g, eps, keep)))
}

#[cfg(test)]
mod tests;
