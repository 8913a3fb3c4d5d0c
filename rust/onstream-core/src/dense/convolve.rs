//! Linear convolution by FFT, and power-series inversion by Newton's iteration on it: the two
//! products a lower-triangular Toeplitz matrix T(a) needs (T(a)·x is the convolution a∗x, and
//! T(a)⁻¹ = T(1/a) with 1/a the inverse power series).
//!
//! Both work in floating point: a convolution's terms carry an error of a few units in the last
//! place of the largest term times log₂ of the length, not of each term.

use std::sync::{Arc, Mutex, OnceLock};

use rustfft::{Fft, FftPlanner};

use super::spectrum::RealTransform;

/// Convolutions that share their transforms' plans (twiddle tables cost as much as a transform
/// to build): one for a batch of related products. Plans up to `SHARED_UP_TO` points are also
/// kept for the whole process, so repeated small batches do not rebuild them; larger ones live
/// as long as the `Convolver` (a 2^21-point plan holds tens of MB).
pub struct Convolver {
    planner: FftPlanner<f64>,
}

const SHARED_UP_TO: usize = 1 << 17;

fn shared() -> &'static Mutex<FftPlanner<f64>> {
    static PLANS: OnceLock<Mutex<FftPlanner<f64>>> = OnceLock::new();
    PLANS.get_or_init(|| Mutex::new(FftPlanner::new()))
}

impl Default for Convolver {
    fn default() -> Self {
        Self::new()
    }
}

impl Convolver {
    pub fn new() -> Self {
        Convolver {
            planner: FftPlanner::new(),
        }
    }

    /// A plan of `size` points, forward or inverse.
    pub(crate) fn plan(&mut self, size: usize, forward: bool) -> Arc<dyn Fft<f64>> {
        let make = |p: &mut FftPlanner<f64>| {
            if forward {
                p.plan_fft_forward(size)
            } else {
                p.plan_fft_inverse(size)
            }
        };
        if size <= SHARED_UP_TO {
            // A poisoned lock (a panic elsewhere while planning) only costs the sharing.
            if let Ok(mut p) = shared().lock() {
                return make(&mut p);
            }
        }
        make(&mut self.planner)
    }

    /// The first `len` terms of the linear convolution of `a` and `b`: two real forward
    /// transforms and one real inverse, each about half a complex transform of the size.
    pub fn convolve(&mut self, a: &[f64], b: &[f64], len: usize) -> Vec<f64> {
        let (a, b) = (&a[..a.len().min(len)], &b[..b.len().min(len)]);
        if a.is_empty() || b.is_empty() {
            return vec![0.0; len];
        }
        // Without wrap-around: the transform holds the whole product.
        let size = (a.len() + b.len() - 1).next_power_of_two().max(2);
        let transform = RealTransform::new(size);
        let mut product = transform.forward(a);
        let scale = 1.0 / size as f64;
        for (p, q) in product.iter_mut().zip(&transform.forward(b)) {
            *p *= q * scale;
        }
        let mut out = transform.inverse(product);
        out.truncate(len);
        out.resize(len, 0.0);
        out
    }

    /// The first `n` coefficients of 1/f(z), for f(0) ≠ 0: g ← g + g·(1 − f·g), each step
    /// doubling the number of correct terms.
    pub fn series_inverse(&mut self, f: &[f64], n: usize) -> Vec<f64> {
        let Some(&lead) = f.first() else {
            return vec![f64::NAN; n];
        };
        let mut g = vec![1.0 / lead];
        g.truncate(n);
        while g.len() < n {
            let m = (2 * g.len()).min(n);
            let mut r: Vec<f64> = self.convolve(f, &g, m).iter().map(|v| -v).collect();
            r[0] += 1.0;
            // r vanishes below g.len() up to rounding: those terms are exact already.
            r[..g.len()].fill(0.0);
            // g·r vanishes below g.len() too: only the new terms are taken, so the known ones keep
            // their value instead of picking up the transform's rounding.
            let known = g.len();
            let new = self.convolve(&g, &r, m);
            g.extend_from_slice(&new[known..]);
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(a: &[f64], b: &[f64], len: usize) -> Vec<f64> {
        (0..len)
            .map(|k| {
                (0..=k)
                    .filter(|&i| i < a.len() && k - i < b.len())
                    .map(|i| a[i] * b[k - i])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn convolution_matches_the_direct_sum() {
        let a: Vec<f64> = (0..300)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        let b: Vec<f64> = (0..170).map(|i| ((i * 13 % 29) as f64) - 14.0).collect();
        for len in [0usize, 1, 5, 169, 300, 469, 600] {
            let (got, want) = (Convolver::new().convolve(&a, &b, len), direct(&a, &b, len));
            assert_eq!(got.len(), len);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-9 * (1.0 + w.abs()), "{len}: {g} vs {w}");
            }
        }
        assert_eq!(Convolver::new().convolve(&[], &b, 3), vec![0.0; 3]);
    }

    #[test]
    fn series_inverse_times_the_series_is_one() {
        // (1 − z)^(−1/2)'s coefficients, scaled: the square-root counter's case; and 1/(1 − z/2).
        let mut f = vec![1.0f64];
        for k in 0..999 {
            let next = f[k] * (2 * k + 1) as f64 / (2 * k + 2) as f64;
            f.push(next);
        }
        let scaled: Vec<f64> = f.iter().map(|v| (v * 1048576.0).round()).collect();
        for (series, n) in [(scaled, 1000usize), (vec![1.0, -0.5], 77)] {
            let g = Convolver::new().series_inverse(&series, n);
            assert_eq!(g.len(), n);
            let one = direct(&series, &g, n);
            for (k, v) in one.iter().enumerate() {
                let want = if k == 0 { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-10, "term {k}: {v}");
            }
        }
        let g = Convolver::new().series_inverse(&[1.0, -0.5], 5);
        assert_eq!(g, vec![1.0, 0.5, 0.25, 0.125, 0.0625]);
    }
}
