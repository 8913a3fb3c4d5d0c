//! What every solver is given (marginals, ε, tolerances) and what it returns (potentials, counts, a
//! convergence log).

use crate::error::{Error, Result};

/// The two marginals of a balanced problem, validated: positive, finite, each summing to 1.
pub struct Marginals {
    /// Source weights `a` (length `n`).
    pub a: Vec<f64>,
    /// Target weights `b` (length `m`).
    pub b: Vec<f64>,
    /// `ln a`.
    pub log_a: Vec<f64>,
    /// `ln b`.
    pub log_b: Vec<f64>,
}

/// How far a marginal's sum may be from 1: rounding of a normalized float64 vector, not more.
const SUM_TOLERANCE: f64 = 1e-9;

fn check_weights(name: &'static str, w: &[f64], want: usize) -> Result<()> {
    if w.is_empty() {
        return Err(Error::Empty { name });
    }
    if w.len() != want {
        return Err(Error::shape(
            name,
            format!("{} weights", w.len()),
            format!("{want} (the cost's side)"),
        ));
    }
    for (index, &v) in w.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite {
                name,
                index,
                value: v,
            });
        }
        if v <= 0.0 {
            return Err(Error::OutOfRange {
                name,
                index,
                got: v.to_string(),
                expected: "a positive weight (drop zero-mass points first)".into(),
            });
        }
    }
    let total: f64 = w.iter().sum();
    if (total - 1.0).abs() > SUM_TOLERANCE * (w.len() as f64).sqrt().max(1.0) {
        return Err(Error::invalid(
            name,
            format!("weights summing to {total}"),
            "weights summing to 1 (divide by their sum)",
        ));
    }
    Ok(())
}

impl Marginals {
    /// Checks `a` (length `n`) and `b` (length `m`).
    pub fn new(a: &[f64], b: &[f64], (n, m): (usize, usize)) -> Result<Self> {
        check_weights("a", a, n)?;
        check_weights("b", b, m)?;
        Ok(Self {
            a: a.to_vec(),
            b: b.to_vec(),
            log_a: a.iter().map(|v| v.ln()).collect(),
            log_b: b.iter().map(|v| v.ln()).collect(),
        })
    }
}

/// Stopping rules shared by the solvers.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The entropic regularization ε (`reg`), in the units of the cost.
    pub eps: f64,
    /// Stop once the marginal error (the larger L1 violation of the two marginals) is at most this.
    pub tol: f64,
    /// Most iterations (Sinkhorn sweeps plus Newton steps) before giving up.
    pub max_iter: usize,
    /// ε-scaling: start at the largest cost and shrink ε by this factor per stage down to `eps`.
    /// `None` runs at `eps` from the start.
    pub eps_scaling: Option<f64>,
}

impl Options {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::invalid("reg", self.eps, "a finite value > 0"));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::invalid("tol", self.tol, "a finite value > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid("max_iter", 0, "at least 1"));
        }
        if let Some(t) = self.eps_scaling {
            if !(t > 0.0 && t < 1.0) {
                return Err(Error::invalid("eps_scaling", t, "a factor in (0, 1)"));
            }
        }
        Ok(())
    }
}

/// Which part of a solve a log entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A Sinkhorn sweep at an ε above the target (ε-scaling).
    Scaling,
    /// A Sinkhorn sweep at the target ε.
    Sinkhorn,
    /// A sparse Newton step.
    Newton,
    /// Sinkhorn sweeps run because Newton stalled.
    Fallback,
}

impl Stage {
    /// The name used in logs and tables.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Scaling => "scaling",
            Stage::Sinkhorn => "sinkhorn",
            Stage::Newton => "newton",
            Stage::Fallback => "fallback",
        }
    }
}

/// One line of the convergence log.
#[derive(Debug, Clone, Copy)]
pub struct LogEntry {
    /// 1-based iteration number.
    pub iteration: usize,
    /// The part of the solve.
    pub stage: Stage,
    /// ε of this iteration.
    pub eps: f64,
    /// Marginal error of the state this iteration started from (the error it was meant to fix).
    pub marginal_error: f64,
    /// Dense passes over the cost so far (a pass evaluates all `n·m` entries once).
    pub passes: usize,
    /// Work so far in dense-pass equivalents: passes plus sparse products weighted by their
    /// share of the `n·m` entries.
    pub work: f64,
}

/// What a solver returns.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Dual potential of the source side (cost units).
    pub f: Vec<f64>,
    /// Dual potential of the target side.
    pub g: Vec<f64>,
    /// Iterations run (Sinkhorn sweeps and Newton steps together).
    pub n_iter: usize,
    /// Sinkhorn sweeps among them (warm-up, scaling and fallback included).
    pub sinkhorn_iter: usize,
    /// Newton steps among them.
    pub newton_iter: usize,
    /// Conjugate-gradient iterations over all Newton steps.
    pub cg_iter: usize,
    /// Dense passes over the cost.
    pub passes: usize,
    /// Dense-pass equivalents of all work (see [`LogEntry::work`]).
    pub work: f64,
    /// Marginal error of the returned potentials.
    pub marginal_error: f64,
    /// Whether `marginal_error <= tol`.
    pub converged: bool,
    /// One entry per iteration.
    pub log: Vec<LogEntry>,
}

/// Running counters a solver threads through its stages.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub iter: usize,
    pub sinkhorn: usize,
    pub newton: usize,
    pub cg: usize,
    pub passes: usize,
    pub sparse_work: f64,
    pub log: Vec<LogEntry>,
}

impl Tally {
    pub fn record(&mut self, stage: Stage, eps: f64, marginal_error: f64) {
        self.iter += 1;
        match stage {
            Stage::Newton => self.newton += 1,
            _ => self.sinkhorn += 1,
        }
        self.log.push(LogEntry {
            iteration: self.iter,
            stage,
            eps,
            marginal_error,
            passes: self.passes,
            work: self.work(),
        });
    }

    pub fn work(&self) -> f64 {
        self.passes as f64 + self.sparse_work
    }

    pub fn finish(self, f: Vec<f64>, g: Vec<f64>, marginal_error: f64, tol: f64) -> Outcome {
        let work = self.work();
        Outcome {
            f,
            g,
            n_iter: self.iter,
            sinkhorn_iter: self.sinkhorn,
            newton_iter: self.newton,
            cg_iter: self.cg,
            passes: self.passes,
            work,
            marginal_error,
            converged: marginal_error <= tol,
            log: self.log,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marginals_must_be_positive_normalized_and_sized() {
        assert!(Marginals::new(&[0.5, 0.5], &[1.0], (2, 1)).is_ok());
        assert!(matches!(
            Marginals::new(&[0.5, 0.6], &[1.0], (2, 1)),
            Err(Error::InvalidParameter { name: "a", .. })
        ));
        assert!(matches!(
            Marginals::new(&[1.5, -0.5], &[1.0], (2, 1)),
            Err(Error::OutOfRange { name: "a", .. })
        ));
        assert!(matches!(
            Marginals::new(&[0.5, 0.5], &[0.5, 0.5], (2, 1)),
            Err(Error::ShapeMismatch { name: "b", .. })
        ));
        assert!(matches!(
            Marginals::new(&[f64::NAN, 1.0], &[1.0], (2, 1)),
            Err(Error::NonFinite { name: "a", .. })
        ));
    }

    #[test]
    fn options_ranges() {
        let ok = Options {
            eps: 0.1,
            tol: 1e-9,
            max_iter: 10,
            eps_scaling: Some(0.5),
        };
        assert!(ok.validate().is_ok());
        assert!(Options { eps: 0.0, ..ok }.validate().is_err());
        assert!(Options {
            eps: f64::NAN,
            ..ok
        }
        .validate()
        .is_err());
        assert!(Options { tol: -1.0, ..ok }.validate().is_err());
        assert!(Options { max_iter: 0, ..ok }.validate().is_err());
        assert!(Options {
            eps_scaling: Some(1.0),
            ..ok
        }
        .validate()
        .is_err());
    }
}
