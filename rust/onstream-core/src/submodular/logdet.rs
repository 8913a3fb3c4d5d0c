//! Log-determinant, `f(S) = log det(I + α K_S)` for a positive semidefinite kernel `K`: monotone
//! and submodular, the MAP objective of a determinantal point process (diversity).
//!
//! The state is an incremental Cholesky factorization, as in the fast greedy MAP inference of
//! Chen, Zhang & Zhou (NeurIPS 2018): with `L = I + αK` and `L_S = V Vᵀ` for the set so far, every
//! element `e` keeps `c_e = V⁻¹ L_{S,e}` and `d_e² = L_ee − |c_e|²`, the Schur complement, so the
//! gain `log d_e²` costs constant time; inserting `j` extends every `c_e` by
//! `(L_je − ⟨c_j, c_e⟩) / d_j` (`O(n·|S|)`). Since `L ⪰ I`, every `d_e² ≥ 1` and every gain is
//! nonnegative; rounding below 1 is clamped there.

use rayon::prelude::*;

use super::objective::{check_symmetric, Objective};
use crate::dense::finite::first_non_finite;
use crate::error::{Error, Result};

/// `log det(I + α K_S)` over a dense PSD kernel.
pub struct LogDeterminant {
    /// `L = I + αK`, row-major.
    l: Vec<f64>,
    n: usize,
}

/// The incremental Cholesky factorization of the set's block of `L`.
#[derive(Clone, Debug)]
pub struct Cholesky {
    /// `c[e]`: the coordinates of `L_{S,e}` in the factor (one entry per element of `S`).
    c: Vec<Vec<f64>>,
    /// `d2[e]`: the Schur complement of `e` against `S`.
    d2: Vec<f64>,
    value: f64,
}

impl LogDeterminant {
    /// From a dense symmetric PSD `n × n` kernel and `α > 0`. Symmetry, a nonnegative diagonal
    /// and `|K_ij| ≤ √(K_ii K_jj)` (necessary for PSD) are checked; a kernel that passes them but
    /// is not PSD is the caller's error.
    pub fn new(k: &[f64], n: usize, alpha: f64) -> Result<Self> {
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(Error::invalid("alpha", alpha, "a finite value > 0"));
        }
        if let Some(index) = first_non_finite(k) {
            return Err(Error::NonFinite {
                name: "kernel",
                index,
                value: k[index],
            });
        }
        check_symmetric("kernel", k, n)?;
        // Necessary for PSD: a nonnegative diagonal and |K_ij| <= sqrt(K_ii K_jj), rows in parallel.
        let bad = (0..n).into_par_iter().find_map_first(|i| {
            let a = k[i * n + i];
            (0..n)
                .find(|&j| {
                    let v = k[i * n + j];
                    a < 0.0 || v * v > a * k[j * n + j] * (1.0 + 1e-9) + 1e-12
                })
                .map(|j| i * n + j)
        });
        if let Some(index) = bad {
            return Err(Error::OutOfRange {
                name: "kernel",
                index,
                got: k[index].to_string(),
                expected: "a symmetric positive semidefinite kernel".into(),
            });
        }
        let l = k
            .iter()
            .enumerate()
            .map(|(p, &v)| alpha * v + if p / n == p % n { 1.0 } else { 0.0 })
            .collect();
        Ok(Self { l, n })
    }
}

impl Objective for LogDeterminant {
    type State = Cholesky;

    fn len(&self) -> usize {
        self.n
    }

    fn empty(&self) -> Cholesky {
        Cholesky {
            c: vec![Vec::new(); self.n],
            d2: (0..self.n).map(|e| self.l[e * self.n + e]).collect(),
            value: 0.0,
        }
    }

    fn gain(&self, state: &Cholesky, e: usize) -> f64 {
        state.d2[e].max(1.0).ln()
    }

    fn insert(&self, state: &mut Cholesky, j: usize) {
        let dj2 = state.d2[j].max(1.0);
        state.value += dj2.ln();
        let dj = dj2.sqrt();
        let cj = state.c[j].clone();
        let row = &self.l[j * self.n..(j + 1) * self.n];
        state
            .c
            .par_iter_mut()
            .zip(state.d2.par_iter_mut())
            .enumerate()
            .for_each(|(e, (ce, d2))| {
                let dot: f64 = cj.iter().zip(ce.iter()).map(|(a, b)| a * b).sum();
                let new = (row[e] - dot) / dj;
                ce.push(new);
                *d2 -= new * new;
            });
        // `j` itself is in S now: nothing more to gain from it.
        state.d2[j] = 1.0;
    }

    fn value(&self, state: &Cholesky) -> f64 {
        state.value
    }
}
