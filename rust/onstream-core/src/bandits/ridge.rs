//! Online ridge regression kept as a Cholesky factor: `A = λI + Σ x xᵀ`, `b = Σ y x`.
//!
//! A reward updates the factor in `O(d²)` by a rank-one update, which stays accurate where an
//! explicit inverse updated by Sherman–Morrison drifts; estimates and confidence widths cost
//! two triangular solves. Shared by the linear bandits and the groupwise learner.

use serde::{Deserialize, Serialize};

/// Ridge statistics of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    d: usize,
    /// Lower-triangular Cholesky factor of `A`, row-major `d × d`.
    chol: Vec<f64>,
    b: Vec<f64>,
    n: u64,
}

/// Solves `L y = x` in place (forward substitution), `L` lower-triangular row-major.
fn forward(l: &[f64], d: usize, y: &mut [f64]) {
    for i in 0..d {
        let row = &l[i * d..i * d + i];
        let s: f64 = row.iter().zip(&y[..i]).map(|(a, b)| a * b).sum();
        y[i] = (y[i] - s) / l[i * d + i];
    }
}

/// Solves `Lᵀ y = x` in place (back substitution).
fn backward(l: &[f64], d: usize, y: &mut [f64]) {
    for i in (0..d).rev() {
        let mut s = 0.0;
        for j in i + 1..d {
            s += l[j * d + i] * y[j];
        }
        y[i] = (y[i] - s) / l[i * d + i];
    }
}

impl Ridge {
    /// The prior `A = λI`, `b = 0`.
    pub fn new(d: usize, lambda: f64) -> Self {
        let mut chol = vec![0.0; d * d];
        for i in 0..d {
            chol[i * d + i] = lambda.sqrt();
        }
        Ridge {
            d,
            chol,
            b: vec![0.0; d],
            n: 0,
        }
    }

    /// Observations absorbed.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// `θ̂ = A⁻¹ b`.
    pub fn theta(&self) -> Vec<f64> {
        let mut y = self.b.clone();
        forward(&self.chol, self.d, &mut y);
        backward(&self.chol, self.d, &mut y);
        y
    }

    /// `θ̂ᵀx`.
    pub fn predict(&self, x: &[f64]) -> f64 {
        self.theta().iter().zip(x).map(|(t, v)| t * v).sum()
    }

    /// `xᵀ A⁻¹ x = ‖L⁻¹ x‖²`, using `work` as scratch.
    pub fn width2(&self, x: &[f64], work: &mut Vec<f64>) -> f64 {
        work.clear();
        work.extend_from_slice(x);
        forward(&self.chol, self.d, work);
        work.iter().map(|v| v * v).sum()
    }

    /// `L⁻ᵀ z` for a standard normal `z` (in `work`, overwritten): a draw with covariance `A⁻¹`.
    pub fn solve_transposed(&self, work: &mut [f64]) {
        backward(&self.chol, self.d, work);
    }

    /// Absorbs one observation `(x, y)`: `b += y x`, and `L ← chol(L Lᵀ + x xᵀ)` by the
    /// classical rank-one update (Golub and Van Loan, *Matrix Computations*, section 6.5.4).
    pub fn update(&mut self, x: &[f64], y: f64, work: &mut Vec<f64>) {
        let d = self.d;
        for (bi, xi) in self.b.iter_mut().zip(x) {
            *bi += y * xi;
        }
        work.clear();
        work.extend_from_slice(x);
        let l = &mut self.chol;
        for k in 0..d {
            let lkk = l[k * d + k];
            let r = lkk.hypot(work[k]);
            let c = r / lkk;
            let s = work[k] / lkk;
            l[k * d + k] = r;
            for i in k + 1..d {
                l[i * d + k] = (l[i * d + k] + s * work[i]) / c;
                work[i] = c * work[i] - s * l[i * d + k];
            }
        }
        self.n += 1;
    }

    /// Shapes agree and the factor is positive on its diagonal.
    pub fn consistent(&self, d: usize) -> bool {
        self.d == d
            && self.chol.len() == d * d
            && self.b.len() == d
            && (0..d).all(|i| self.chol[i * d + i] > 0.0)
    }

    /// `L Lᵀ` (tests).
    #[cfg(test)]
    pub fn gram(&self) -> Vec<f64> {
        let d = self.d;
        let l = &self.chol;
        let mut g = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                g[i * d + j] = (0..d).map(|k| l[i * d + k] * l[j * d + k]).sum();
            }
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_match_the_ridge_system() {
        // After updates, L Lᵀ equals λI + Σ x xᵀ and θ̂ solves A θ = b.
        let mut r = Ridge::new(3, 0.5);
        let mut work = Vec::new();
        let xs = [
            [1.0, 0.2, -0.3],
            [0.1, 2.0, 0.5],
            [-1.0, 0.4, 1.5],
            [0.3, 0.3, 0.3],
        ];
        let ys = [1.0, 0.0, 0.5, 2.0];
        let mut a = [0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.5];
        let mut b = [0.0; 3];
        for (x, y) in xs.iter().zip(ys) {
            r.update(x, y, &mut work);
            for i in 0..3 {
                b[i] += y * x[i];
                for j in 0..3 {
                    a[i * 3 + j] += x[i] * x[j];
                }
            }
        }
        for (g, want) in r.gram().iter().zip(a) {
            assert!((g - want).abs() < 1e-12);
        }
        let theta = r.theta();
        for i in 0..3 {
            let v: f64 = (0..3).map(|j| a[i * 3 + j] * theta[j]).sum();
            assert!((v - b[i]).abs() < 1e-12);
        }
        assert_eq!(r.count(), 4);
    }
}
