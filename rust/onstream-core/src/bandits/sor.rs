//! Successive over-relaxation for sparse linear systems, whose iteration count is the cost a
//! solver-tuning bandit learns from (Khodak, Chow, Balcan and Talwalkar, "Learning to relax",
//! ICLR 2024, section 2: SOR with relaxation ω, stopped at relative residual 1e-8).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A square sparse matrix in compressed sparse row form, with its diagonal located.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparseMatrix {
    n: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
    /// Position in `data` of each row's diagonal entry.
    diag: Vec<usize>,
}

impl SparseMatrix {
    /// A CSR matrix; every row needs a non-zero diagonal entry (SOR divides by it).
    pub fn new(n: usize, indptr: Vec<usize>, indices: Vec<u32>, data: Vec<f64>) -> Result<Self> {
        if n == 0 {
            return Err(Error::Empty { name: "matrix" });
        }
        if indptr.len() != n + 1 || indptr[0] != 0 {
            return Err(Error::shape("indptr", indptr.len(), n + 1));
        }
        if indices.len() != data.len() || indptr[n] != data.len() {
            return Err(Error::shape("data", data.len(), indptr[n]));
        }
        if indptr.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::invalid(
                "indptr",
                "decreasing offsets",
                "non-decreasing offsets",
            ));
        }
        if let Some(k) = indices.iter().position(|&j| j as usize >= n) {
            return Err(Error::OutOfRange {
                name: "indices",
                index: k,
                got: indices[k].to_string(),
                expected: format!("a column below {n}"),
            });
        }
        if let Some(k) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name: "data",
                index: k,
                value: data[k],
            });
        }
        let mut diag = Vec::with_capacity(n);
        for i in 0..n {
            let at =
                (indptr[i]..indptr[i + 1]).find(|&k| indices[k] as usize == i && data[k] != 0.0);
            match at {
                Some(k) => diag.push(k),
                None => {
                    return Err(Error::invalid(
                        "matrix",
                        format!("row {i} without a diagonal entry"),
                        "a non-zero diagonal (SOR divides by it)",
                    ))
                }
            }
        }
        Ok(SparseMatrix {
            n,
            indptr,
            indices,
            data,
            diag,
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    /// The 5-point Laplacian of an `m × m` grid of interior points (Dirichlet boundary),
    /// `4` on the diagonal and `−1` to each grid neighbour, plus `shift` on the diagonal.
    pub fn laplacian_2d(m: usize, shift: f64) -> Result<Self> {
        if m == 0 {
            return Err(Error::invalid("m", 0, "a positive grid size"));
        }
        let n = m * m;
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        for r in 0..m {
            for c in 0..m {
                let i = r * m + c;
                let mut row: Vec<(usize, f64)> = vec![(i, 4.0 + shift)];
                if r > 0 {
                    row.push((i - m, -1.0));
                }
                if c > 0 {
                    row.push((i - 1, -1.0));
                }
                if c + 1 < m {
                    row.push((i + 1, -1.0));
                }
                if r + 1 < m {
                    row.push((i + m, -1.0));
                }
                row.sort_unstable_by_key(|e| e.0);
                for (j, v) in row {
                    indices.push(j as u32);
                    data.push(v);
                }
                indptr.push(indices.len());
            }
        }
        SparseMatrix::new(n, indptr, indices, data)
    }

    /// The same matrix with `shift` added to every diagonal entry.
    pub fn shifted(&self, shift: f64) -> Result<Self> {
        let mut out = self.clone();
        for &k in &out.diag {
            out.data[k] += shift;
        }
        if out
            .diag
            .iter()
            .any(|&k| out.data[k] == 0.0 || !out.data[k].is_finite())
        {
            return Err(Error::invalid(
                "shift",
                shift,
                "a shift that leaves the diagonal non-zero",
            ));
        }
        Ok(out)
    }

    fn residual_norm(&self, x: &[f64], b: &[f64]) -> f64 {
        let mut s = 0.0;
        for (row, bi) in self.indptr.windows(2).zip(b) {
            let mut ax = 0.0;
            for k in row[0]..row[1] {
                ax += self.data[k] * x[self.indices[k] as usize];
            }
            let r = bi - ax;
            s += r * r;
        }
        s.sqrt()
    }
}

/// The outcome of one SOR solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SorSolve {
    pub x: Vec<f64>,
    /// Sweeps carried out (the cost the tuning bandits minimize).
    pub iterations: u64,
    pub converged: bool,
}

/// Solves `A x = b` by SOR with relaxation `omega` from `x = 0`: each sweep updates
/// `x_i ← (1 − ω) x_i + ω (b_i − Σ_{j≠i} a_ij x_j) / a_ii` in row order; stops when
/// `‖b − A x‖ ≤ tol ‖b‖` or after `max_iter` sweeps.
pub fn sor(a: &SparseMatrix, b: &[f64], omega: f64, tol: f64, max_iter: u64) -> Result<SorSolve> {
    if b.len() != a.n {
        return Err(Error::shape("b", b.len(), a.n));
    }
    if let Some(i) = b.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            name: "b",
            index: i,
            value: b[i],
        });
    }
    if !(omega > 0.0 && omega < 2.0) {
        return Err(Error::invalid("omega", omega, "a relaxation in (0, 2)"));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(Error::invalid("tol", tol, "a finite value > 0"));
    }
    let target = tol * b.iter().map(|v| v * v).sum::<f64>().sqrt();
    let mut x = vec![0.0; a.n];
    if target == 0.0 {
        return Ok(SorSolve {
            x,
            iterations: 0,
            converged: true,
        });
    }
    let mut iterations = 0;
    while iterations < max_iter {
        for i in 0..a.n {
            let mut sigma = 0.0;
            for k in a.indptr[i]..a.indptr[i + 1] {
                if k != a.diag[i] {
                    sigma += a.data[k] * x[a.indices[k] as usize];
                }
            }
            x[i] = (1.0 - omega) * x[i] + omega * (b[i] - sigma) / a.data[a.diag[i]];
        }
        iterations += 1;
        let r = a.residual_norm(&x, b);
        if !r.is_finite() {
            break; // diverged: the iteration count so far is the (capped) cost
        }
        if r <= target {
            return Ok(SorSolve {
                x,
                iterations,
                converged: true,
            });
        }
    }
    Ok(SorSolve {
        x,
        iterations,
        converged: false,
    })
}

/// The asymptotically optimal relaxation for a consistently ordered matrix whose Jacobi
/// iteration has spectral radius `rho` (Young, 1950): `2 / (1 + sqrt(1 − ρ²))`.
pub fn optimal_omega(rho: f64) -> f64 {
    2.0 / (1.0 + (1.0 - rho * rho).max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sor_solves_a_laplacian_and_the_optimal_omega_is_fastest() {
        let m = 10;
        let a = SparseMatrix::laplacian_2d(m, 0.0).unwrap();
        let b: Vec<f64> = (0..m * m).map(|i| ((i * 7) % 11) as f64 - 5.0).collect();
        let s = sor(&a, &b, 1.5, 1e-10, 10_000).unwrap();
        assert!(s.converged);
        assert!(a.residual_norm(&s.x, &b) <= 1e-10 * b.iter().map(|v| v * v).sum::<f64>().sqrt());
        // Jacobi's spectral radius for the 5-point Laplacian is cos(π/(m+1)).
        let rho = (std::f64::consts::PI / (m as f64 + 1.0)).cos();
        let star = optimal_omega(rho);
        let at_star = sor(&a, &b, star, 1e-8, 10_000).unwrap().iterations;
        for w in [1.0, 1.2, 1.4, 1.8, 1.9] {
            let it = sor(&a, &b, w, 1e-8, 10_000).unwrap().iterations;
            assert!(
                at_star <= it,
                "ω* = {star}: {at_star} sweeps; ω = {w}: {it}"
            );
        }
        assert!(sor(&a, &b, 2.0, 1e-8, 10).is_err());
    }
}
