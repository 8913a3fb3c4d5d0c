//! Two objectives over a dense symmetric similarity kernel `s` (float32, `n × n`), each with the
//! per-element sums `c_i = Σ_{j ∈ S} s_ij` as its state:
//!
//! * graph cut, `f(S) = Σ_{i ∈ V, j ∈ S} s_ij − λ Σ_{i, j ∈ S} s_ij`, monotone for `λ ≤ 1/2`
//!   (Lin & Bilmes 2011; apricot's and submodlib's GraphCut): a gain is
//!   `Σ_i s_ie − λ (2 c_e + s_ee)`, constant time.
//! * saturated coverage, `f(S) = Σ_i min(c_i, α Σ_{j ∈ V} s_ij)` (Lin & Bilmes 2011): each point
//!   counts its similarity to the set up to a fraction `α` of its similarity to everything; a
//!   gain reads one kernel row.

use rayon::prelude::*;

use super::objective::{check_nonnegative, check_symmetric, Objective};
use crate::error::{Error, Result};

/// A dense symmetric kernel with its row sums.
struct Kernel {
    k: Vec<f32>,
    n: usize,
    row_sums: Vec<f64>,
}

impl Kernel {
    fn new(s: &[f64], n: usize) -> Result<Self> {
        check_symmetric("kernel", s, n)?;
        check_nonnegative("kernel", s, "similarity")?;
        let k: Vec<f32> = s.iter().map(|&v| v as f32).collect();
        let row_sums = k
            .par_chunks(n)
            .map(|r| r.iter().map(|&v| f64::from(v)).sum())
            .collect();
        Ok(Self { k, n, row_sums })
    }

    fn row(&self, e: usize) -> &[f32] {
        &self.k[e * self.n..(e + 1) * self.n]
    }
}

/// Per-element sums of similarity to the set, and `f(S)`.
#[derive(Clone, Debug)]
pub struct Sums {
    c: Vec<f64>,
    value: f64,
}

fn add_row(state: &mut Sums, row: &[f32]) {
    for (c, &v) in state.c.iter_mut().zip(row) {
        *c += f64::from(v);
    }
}

/// Graph cut with penalty `λ`.
pub struct GraphCut {
    kernel: Kernel,
    lambda: f64,
}

impl GraphCut {
    /// From a dense symmetric `n × n` kernel; `λ` in `[0, 1/2]` keeps the function monotone.
    pub fn new(s: &[f64], n: usize, lambda: f64) -> Result<Self> {
        if !(0.0..=0.5).contains(&lambda) {
            return Err(Error::invalid(
                "lambda",
                lambda,
                "a value in [0, 0.5] (monotone)",
            ));
        }
        Ok(Self {
            kernel: Kernel::new(s, n)?,
            lambda,
        })
    }
}

impl Objective for GraphCut {
    type State = Sums;

    fn len(&self) -> usize {
        self.kernel.n
    }

    fn empty(&self) -> Sums {
        Sums {
            c: vec![0.0; self.kernel.n],
            value: 0.0,
        }
    }

    fn gain(&self, state: &Sums, e: usize) -> f64 {
        let see = f64::from(self.kernel.k[e * self.kernel.n + e]);
        self.kernel.row_sums[e] - self.lambda * (2.0 * state.c[e] + see)
    }

    fn insert(&self, state: &mut Sums, e: usize) {
        state.value += self.gain(state, e);
        add_row(state, self.kernel.row(e));
    }

    fn value(&self, state: &Sums) -> f64 {
        state.value
    }
}

/// Saturated coverage with saturation fraction `α`.
pub struct SaturatedCoverage {
    kernel: Kernel,
    caps: Vec<f64>,
}

impl SaturatedCoverage {
    /// From a dense symmetric `n × n` kernel; `α` in `(0, 1]`.
    pub fn new(s: &[f64], n: usize, alpha: f64) -> Result<Self> {
        if !(alpha > 0.0 && alpha <= 1.0) {
            return Err(Error::invalid("alpha", alpha, "a fraction in (0, 1]"));
        }
        let kernel = Kernel::new(s, n)?;
        let caps = kernel.row_sums.iter().map(|r| alpha * r).collect();
        Ok(Self { kernel, caps })
    }
}

impl Objective for SaturatedCoverage {
    type State = Sums;

    fn len(&self) -> usize {
        self.kernel.n
    }

    fn empty(&self) -> Sums {
        Sums {
            c: vec![0.0; self.kernel.n],
            value: 0.0,
        }
    }

    fn gain(&self, state: &Sums, e: usize) -> f64 {
        self.kernel
            .row(e)
            .iter()
            .zip(&state.c)
            .zip(&self.caps)
            .map(|((&s, &c), &cap)| (c + f64::from(s)).min(cap) - c.min(cap))
            .sum()
    }

    fn insert(&self, state: &mut Sums, e: usize) {
        state.value += self.gain(state, e);
        add_row(state, self.kernel.row(e));
    }

    fn value(&self, state: &Sums) -> f64 {
        state.value
    }
}
