//! Quadratic extrapolation of power iteration (Kamvar, Haveliwala, Manning & Golub, *Extrapolation
//! methods for accelerating PageRank computations*, WWW 2003, §5).
//!
//! If the error of four consecutive iterates lies mostly in the span of the slowest two or three
//! eigenvectors, a combination of the last three cancels it: with `y_j = x_j − x_0` for the four
//! iterates `x_0..x_3`, take `(γ1, γ2)` minimizing `‖γ1 y_1 + γ2 y_2 + y_3‖₂`, `γ3 = 1`, and
//! `x ← β0 x_1 + β1 x_2 + β2 x_3` with `β0 = γ1 + γ2 + γ3`, `β1 = γ2 + γ3`, `β2 = γ3`. It runs every
//! [`PERIOD`] steps, as in the paper. Nothing here is trusted: the caller's error bound comes from
//! the plain step after it, and the caller undoes an extrapolation that slowed the iteration.

use rayon::prelude::*;

/// Steps between extrapolations.
pub(crate) const PERIOD: usize = 5;

/// Nodes per unit of parallel work, fixed so that sums come out the same on any thread count.
const CHUNK: usize = 4096;

/// The three iterates before the current one, recorded in the steps before an extrapolation.
pub(crate) struct Extrapolation {
    past: [Vec<f64>; 3],
}

impl Extrapolation {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            past: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
        }
    }

    /// Called after step `k` (counted from 1) with `previous` holding the iterate before it (the
    /// buffer the next step overwrites): keeps that iterate, by exchanging buffers, if a coming
    /// extrapolation needs it; says whether step `k` is one to extrapolate after.
    pub(crate) fn record(&mut self, k: usize, previous: &mut Vec<f64>) -> bool {
        let slot = (k + 2) % PERIOD;
        if slot < 3 {
            std::mem::swap(&mut self.past[slot], previous);
        }
        k % PERIOD == 0
    }

    /// Writes the extrapolation of the recorded iterates and `x` (clamped at zero, summing to 1)
    /// into `out`; `false` when the least-squares problem or the result is degenerate, and then
    /// `out` holds nothing of use.
    pub(crate) fn combine(&self, x: &[f64], out: &mut [f64]) -> bool {
        let [x0, x1, x2] = &self.past;
        // Gram matrix of (y1, y2) and their products with y3, in one pass.
        let parts: Vec<[f64; 5]> = x
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, x3)| {
                let mut s = [0.0; 5];
                let base = c * CHUNK;
                for (i, &v3) in x3.iter().enumerate() {
                    let v = base + i;
                    let (y1, y2, y3) = (x1[v] - x0[v], x2[v] - x0[v], v3 - x0[v]);
                    s[0] += y1 * y1;
                    s[1] += y1 * y2;
                    s[2] += y2 * y2;
                    s[3] += y1 * y3;
                    s[4] += y2 * y3;
                }
                s
            })
            .collect();
        let mut s = [0.0; 5];
        for part in &parts {
            for (a, b) in s.iter_mut().zip(part) {
                *a += b;
            }
        }
        let [g11, g12, g22, b1, b2] = s;
        let det = g11 * g22 - g12 * g12;
        if det.is_nan() || det <= 1e-12 * g11 * g22 {
            return false;
        }
        let gamma1 = (-b1 * g22 + b2 * g12) / det;
        let gamma2 = (-b2 * g11 + b1 * g12) / det;
        let (beta0, beta1, beta2) = (gamma1 + gamma2 + 1.0, gamma2 + 1.0, 1.0);
        let sums: Vec<f64> = out
            .par_chunks_mut(CHUNK)
            .enumerate()
            .map(|(c, o)| {
                let base = c * CHUNK;
                let mut sum = 0.0;
                for (i, ov) in o.iter_mut().enumerate() {
                    let v = base + i;
                    let e = (beta0 * x1[v] + beta1 * x2[v] + beta2 * x[v]).max(0.0);
                    *ov = e;
                    sum += e;
                }
                sum
            })
            .collect();
        let total: f64 = sums.iter().sum();
        if !total.is_finite() || total <= 0.0 {
            return false;
        }
        out.par_iter_mut().for_each(|v| *v /= total);
        true
    }

    /// Exchanges `x` with the oldest recorded iterate's buffer (no longer needed once combined),
    /// to keep the iterate an extrapolation replaced.
    pub(crate) fn keep(&mut self, x: &mut Vec<f64>) {
        std::mem::swap(&mut self.past[0], x);
    }

    /// The iterate [`Extrapolation::keep`] kept.
    pub(crate) fn kept(&self) -> &[f64] {
        &self.past[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_geometric_error_in_two_directions_is_cancelled() {
        // x_k = π + a λ^k u + b μ^k w: the error spans two directions, which quadratic
        // extrapolation removes exactly.
        let pi = [0.4, 0.3, 0.2, 0.1];
        let (u, w) = ([1.0, -1.0, 0.0, 0.0], [0.0, 1.0, 1.0, -2.0]);
        let (lambda, mu) = (0.9f64, -0.5f64);
        let iterate = |k: i32| -> Vec<f64> {
            (0..4)
                .map(|i| pi[i] + 0.05 * lambda.powi(k) * u[i] + 0.02 * mu.powi(k) * w[i])
                .collect()
        };
        let mut e = Extrapolation::new(4);
        for k in 1..PERIOD {
            assert!(!e.record(k, &mut iterate(k as i32 - 1)));
        }
        assert!(e.record(PERIOD, &mut iterate(PERIOD as i32 - 1)));
        let x = iterate(PERIOD as i32);
        let mut out = vec![0.0; 4];
        assert!(e.combine(&x, &mut out));
        for (o, p) in out.iter().zip(&pi) {
            assert!((o - p).abs() < 1e-12, "{out:?}");
        }
        // Four equal iterates: nothing to solve for.
        let mut e = Extrapolation::new(4);
        for k in 1..=PERIOD {
            e.record(k, &mut pi.to_vec());
        }
        assert!(!e.combine(&pi, &mut out));
    }
}
