//! The square-root factorization's two kernels as spectra, shared by the whole process: R̃'s
//! coefficients f̃ and R̃⁻¹'s, g = 1/f̃ (the inverse power series), each transformed at one size.
//!
//! Both depend on the grid, the band and the size alone, so every counter that releases a batch
//! by transforms at that size reuses them. g is the costly one: Newton's iteration takes about
//! ten convolutions, more than the whole release that needs it. Being pure functions of their key,
//! cached or fresh kernels give the same bits, so a restored counter continues exactly as the
//! original would whatever this process computed before.

use std::sync::Arc;

use super::factorization::coefficients;
use crate::dense::convolve::Convolver;
use crate::dense::spectrum::KernelSpectrum;
use crate::memo::Memo;

/// Which of the two kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// f̃: R̃·x is the convolution f̃ ∗ x.
    Root,
    /// g = 1/f̃: R̃⁻¹·w is g ∗ w.
    Inverse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    bits: u32,
    /// The band, capped at the transform's capacity (a longer band gives the same kernel).
    taps: usize,
    series: Series,
    size: usize,
}

/// The spectra kept for the process: 64 MiB (a half spectrum takes about 8 bytes per point, so a
/// million-step release's pair is 32 MiB).
static KERNELS: Memo<Key, KernelSpectrum> = Memo::new(64 << 20);

/// The kernel of the band-`band` factor on the 2^−`bits` grid, transformed at `size` points (a
/// power of two): products of up to `size / 2` terms.
pub fn spectrum(bits: u32, band: usize, series: Series, size: usize) -> Arc<KernelSpectrum> {
    let size = size.next_power_of_two().max(2);
    let key = Key {
        bits,
        taps: band.min(size / 2),
        series,
        size,
    };
    KERNELS.get_or_build(&key, || {
        let bytes = (size / 2 + 1) * std::mem::size_of::<rustfft::num_complex::Complex64>();
        (build(key), bytes)
    })
}

fn build(key: Key) -> KernelSpectrum {
    let f = coefficients(key.taps, key.bits);
    match key.series {
        Series::Root => KernelSpectrum::new(&f, key.size),
        Series::Inverse => {
            let g = Convolver::new().series_inverse(&f, key.size / 2);
            KernelSpectrum::new(&g, key.size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_are_the_series_and_its_inverse() {
        let (bits, band, size) = (12, 40, 256);
        let f = coefficients(band, bits);
        let root = spectrum(bits, band, Series::Root, size);
        let inverse = spectrum(bits, band, Series::Inverse, size);
        // R̃ applied to an impulse is f̃ (cut to the band), and R̃⁻¹·R̃ is the identity.
        let mut impulse = vec![0.0; 128];
        impulse[0] = 1.0;
        let col = root.apply(&impulse, 128);
        for (k, c) in col.iter().enumerate() {
            let want = if k < band { f[k] } else { 0.0 };
            assert!((c - want).abs() < 1e-6, "{k}: {c} vs {want}");
        }
        let x: Vec<f64> = (0..128).map(|i| f64::from(i % 3 == 0)).collect();
        let back = inverse.apply(&root.apply(&x, 128), 128);
        for (b, x) in back.iter().zip(&x) {
            assert!((b - x).abs() < 1e-9, "{b} vs {x}");
        }
        // The same key gives the same kernel object; a band past the capacity is the same key.
        assert!(Arc::ptr_eq(
            &root,
            &spectrum(bits, band, Series::Root, size)
        ));
        let wide = spectrum(bits, 1 << 20, Series::Root, size);
        assert!(Arc::ptr_eq(&wide, &spectrum(bits, 128, Series::Root, size)));
    }
}
