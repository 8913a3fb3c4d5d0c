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

/// Real transforms of one size (planned once for the process): a zero-padded real signal to its
/// half spectrum and back.
pub(crate) struct RealTransform {
    size: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl RealTransform {
    /// `size`: a power of two of at least 2.
    pub(crate) fn new(size: usize) -> Self {
        // A poisoned lock (a panic elsewhere while planning) only costs the sharing.
        let mut fresh = RealFftPlanner::new();
        let mut guard = planner().lock();
        let plans = match guard.as_mut() {
            Ok(p) => &mut **p,
            Err(_) => &mut fresh,
        };
        RealTransform {
            size,
            forward: plans.plan_fft_forward(size),
            inverse: plans.plan_fft_inverse(size),
        }
    }

    /// The half spectrum of `v` (at most `size` values) zero-padded to the size.
    pub(crate) fn forward(&self, v: &[f64]) -> Vec<Complex64> {
        let mut buf = vec![0.0; self.size];
        buf[..v.len()].copy_from_slice(v);
        let mut spectrum = self.forward.make_output_vec();
        // Buffer lengths come from the plan itself, so the transform cannot refuse them.
        let _ = self.forward.process(&mut buf, &mut spectrum);
        spectrum
    }

    /// The `size` values whose half spectrum is `spectrum` (unscaled: `size` times the signal).
    pub(crate) fn inverse(&self, mut spectrum: Vec<Complex64>) -> Vec<f64> {
        // A product of real signals' spectra is real at 0 and at the Nyquist frequency up to
        // rounding; the inverse transform wants those exactly real.
        if let Some(first) = spectrum.first_mut() {
            first.im = 0.0;
        }
        if let Some(last) = spectrum.last_mut() {
            last.im = 0.0;
        }
        let mut out = vec![0.0; self.size];
        let _ = self.inverse.process(&mut spectrum, &mut out);
        out
    }
}

/// A kernel's first `size / 2` terms, transformed at `size` points (a power of two): products
/// with inputs and outputs of up to `size / 2` terms are free of wrap-around.
pub struct KernelSpectrum {
    transform: RealTransform,
    /// The half spectrum divided by the size, so the inverse transform needs no scaling.
    half: Vec<Complex64>,
}

impl std::fmt::Debug for KernelSpectrum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KernelSpectrum")
            .field("size", &self.size())
            .finish_non_exhaustive()
    }
}

impl KernelSpectrum {
    /// `size` is rounded up to a power of two of at least 2.
    pub fn new(kernel: &[f64], size: usize) -> Self {
        let transform = RealTransform::new(size.next_power_of_two().max(2));
        let scale = 1.0 / transform.size as f64;
        let scaled: Vec<f64> = kernel[..kernel.len().min(transform.size / 2)]
            .iter()
            .map(|&v| v * scale)
            .collect();
        let half = transform.forward(&scaled);
        KernelSpectrum { transform, half }
    }

    /// The largest input and output length a product takes.
    pub fn capacity(&self) -> usize {
        self.transform.size / 2
    }

    /// The transform size.
    pub fn size(&self) -> usize {
        self.transform.size
    }

    /// The first `len` terms of kernel ∗ x, for `x.len()` and `len` at most [`Self::capacity`]
    /// (longer ones are cut to it).
    pub fn apply(&self, x: &[f64], len: usize) -> Vec<f64> {
        let cap = self.capacity();
        let mut spectrum = self.transform.forward(&x[..x.len().min(cap)]);
        for (s, k) in spectrum.iter_mut().zip(&self.half) {
            *s *= k;
        }
        let mut out = self.transform.inverse(spectrum);
        out.truncate(len.min(cap));
        out
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
