//! Products with a fixed real kernel by real FFTs: the kernel's half spectrum is computed once,
//! so each product T(k)·x (the first terms of the linear convolution k ∗ x) costs one real
//! forward and one real inverse transform, each about half a complex transform of the same size.
//!
//! A product's terms carry the transform's rounding: a few units in the last place of the largest
//! term times log₂ of the size, as with [`super::convolve::Convolver`].

use std::sync::{Arc, Mutex, OnceLock};

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex64;

fn planner() -> &'static Mutex<RealFftPlanner<f64>> {
    static PLANS: OnceLock<Mutex<RealFftPlanner<f64>>> = OnceLock::new();
    PLANS.get_or_init(|| Mutex::new(RealFftPlanner::new()))
}

/// Forward and inverse real transforms of `size` points, planned once for the process.
pub(crate) fn real_plans(
    size: usize,
) -> (Arc<dyn RealToComplex<f64>>, Arc<dyn ComplexToReal<f64>>) {
    // A poisoned lock (a panic elsewhere while planning) only costs the sharing.
    let mut fresh = RealFftPlanner::new();
    let mut guard = planner().lock();
    let plans = match guard.as_mut() {
        Ok(p) => &mut **p,
        Err(_) => &mut fresh,
    };
    (plans.plan_fft_forward(size), plans.plan_fft_inverse(size))
}

/// A kernel's first `size / 2` terms, transformed at `size` points (a power of two): products
/// with inputs and outputs of up to `size / 2` terms are free of wrap-around.
pub struct KernelSpectrum {
    size: usize,
    /// The half spectrum divided by the size, so the inverse transform needs no scaling.
    half: Vec<Complex64>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for KernelSpectrum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelSpectrum")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl KernelSpectrum {
    /// `size` is rounded up to a power of two of at least 2.
    pub fn new(kernel: &[f64], size: usize) -> Self {
        let size = size.next_power_of_two().max(2);
        let (forward, inverse) = real_plans(size);
        let mut buf = vec![0.0; size];
        let scale = 1.0 / size as f64;
        for (slot, &v) in buf.iter_mut().zip(&kernel[..kernel.len().min(size / 2)]) {
            *slot = v * scale;
        }
        let mut half = forward.make_output_vec();
        // Buffer lengths come from the plan itself, so the transform cannot refuse them.
        let _ = forward.process(&mut buf, &mut half);
        KernelSpectrum {
            size,
            half,
            forward,
            inverse,
        }
    }

    /// The largest input and output length a product takes.
    pub fn capacity(&self) -> usize {
        self.size / 2
    }

    /// The transform size.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The first `len` terms of kernel ∗ x, for `x.len()` and `len` at most [`Self::capacity`]
    /// (longer ones are cut to it).
    pub fn apply(&self, x: &[f64], len: usize) -> Vec<f64> {
        let cap = self.capacity();
        let mut buf = vec![0.0; self.size];
        let x = &x[..x.len().min(cap)];
        buf[..x.len()].copy_from_slice(x);
        let mut spec = self.forward.make_output_vec();
        let _ = self.forward.process(&mut buf, &mut spec);
        for (s, k) in spec.iter_mut().zip(&self.half) {
            *s *= k;
        }
        // The product of two real signals' spectra is real at 0 and at the Nyquist frequency up
        // to rounding; the inverse transform wants those exactly real.
        if let Some(first) = spec.first_mut() {
            first.im = 0.0;
        }
        if let Some(last) = spec.last_mut() {
            last.im = 0.0;
        }
        let _ = self.inverse.process(&mut spec, &mut buf);
        buf.truncate(len.min(cap));
        buf
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
    fn products_match_the_direct_sum() {
        let kernel: Vec<f64> = (0..700)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) / 7.0)
            .collect();
        let x: Vec<f64> = (0..512).map(|i| ((i * 13 % 29) as f64) - 14.0).collect();
        for (size, xlen, len) in [
            (1024, 512, 512),
            (1024, 100, 300),
            (2048, 512, 1000),
            (2, 1, 1),
        ] {
            let k = KernelSpectrum::new(&kernel, size);
            assert_eq!(k.capacity(), size / 2);
            let got = k.apply(&x[..xlen], len);
            let want = direct(&kernel[..kernel.len().min(size / 2)], &x[..xlen], len);
            assert_eq!(got.len(), len);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-9 * (1.0 + w.abs()), "{size}: {g} vs {w}");
            }
        }
        // Sizes round up to a power of two; a short kernel is zero-padded.
        let k = KernelSpectrum::new(&[1.0, 2.0], 5);
        assert_eq!(k.size(), 8);
        assert_eq!(
            k.apply(&[1.0, 1.0, 1.0], 4)
                .iter()
                .map(|v| v.round())
                .collect::<Vec<_>>(),
            [1.0, 3.0, 3.0, 2.0]
        );
    }
}
