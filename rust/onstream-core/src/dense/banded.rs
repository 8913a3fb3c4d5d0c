//! Products and solves with a lower-triangular banded Toeplitz matrix T(f) (f of length b) over
//! long vectors, by blocks of FFTs (overlap-save), in O(log b) work per value instead of O(b).
//!
//! The solve T(f)·v = w is an IIR filter: each v depends on the b − 1 before it. Over a block of
//! B ≥ b positions it splits into the block's own part, T(g_B)·w_block with g_B the first B terms
//! of 1/f (exact: the leading B×B block of T(f)⁻¹ is T(g_B)), which every block computes at once,
//! in parallel; and the part reaching back into the previous block, T(g_B)·H·v_prev, whose input
//! H·v_prev (the tail of the history's convolution with f) is nonzero on the block's first b − 1
//! positions only. Only that second part runs block after block, three transforms per block.
//! The result is the filter's, with a transform's rounding per block instead of a dot product's
//! per value.

use std::sync::Arc;

use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use rustfft::Fft;

use super::convolve::Convolver;

/// A transform size with its forward and inverse plans.
#[derive(Clone)]
struct Plan {
    size: usize,
    forward: Arc<dyn Fft<f64>>,
    inverse: Arc<dyn Fft<f64>>,
}

impl Plan {
    fn new(plans: &mut Convolver, size: usize) -> Self {
        Plan {
            size,
            forward: plans.plan(size, true),
            inverse: plans.plan(size, false),
        }
    }

    /// The spectrum of `kernel` zero-padded to the size, divided by the size, so that an inverse
    /// transform of a product with it needs no scaling.
    fn spectrum(&self, kernel: &[f64]) -> Vec<Complex64> {
        let mut buf = vec![Complex64::new(0.0, 0.0); self.size];
        for (slot, &v) in buf.iter_mut().zip(kernel) {
            slot.re = v / self.size as f64;
        }
        self.forward.process(&mut buf);
        buf
    }

    /// Circular convolution of `buf` with the kernel whose [`Self::spectrum`] is given, in place.
    fn convolve(
        &self,
        buf: &mut [Complex64],
        spectrum: &[Complex64],
        scratch: &mut Vec<Complex64>,
    ) {
        let need = self
            .forward
            .get_inplace_scratch_len()
            .max(self.inverse.get_inplace_scratch_len());
        scratch.resize(need, Complex64::new(0.0, 0.0));
        self.forward.process_with_scratch(buf, scratch);
        for (b, s) in buf.iter_mut().zip(spectrum) {
            *b *= s;
        }
        self.inverse.process_with_scratch(buf, scratch);
    }
}

/// T(f) for one f, with the transforms' plans and kernel spectra computed once for any number of
/// products and solves.
#[derive(Clone)]
pub struct BandedToeplitz {
    /// b − 1: how far back each value reaches.
    reach: usize,
    /// Positions per block (B ≥ b).
    block: usize,
    /// Size ≥ 2·reach + 1: the history's part H·v_prev.
    tail: Plan,
    /// Size B + reach: products with f, and g_B on inputs supported on the first `reach` values.
    near: Plan,
    /// Size ≥ 2B − 1: g_B on a whole block.
    far: Plan,
    f_tail: Vec<Complex64>,
    f_near: Vec<Complex64>,
    g_near: Vec<Complex64>,
    g_far: Vec<Complex64>,
}

impl std::fmt::Debug for BandedToeplitz {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        out.debug_struct("BandedToeplitz")
            .field("band", &(self.reach + 1))
            .field("block", &self.block)
            .finish_non_exhaustive()
    }
}

/// Transform size per band value: blocks of about seven bands keep a transform's cost per value
/// near its minimum while its buffers stay in L2.
const SIZE_PER_BAND: usize = 8;
const MIN_SIZE: usize = 1024;

impl BandedToeplitz {
    /// T(f) for `f` of length b ≥ 2 with f\[0\] ≠ 0.
    pub fn new(f: &[f64]) -> Self {
        let reach = f.len().saturating_sub(1).max(1);
        // One convolver for the plans (the process's up to its size) and for 1/f.
        let mut conv = Convolver::new();
        let near_size = (SIZE_PER_BAND * (reach + 1))
            .next_power_of_two()
            .max(MIN_SIZE);
        let block = near_size - reach;
        let near = Plan::new(&mut conv, near_size);
        let far = Plan::new(&mut conv, (2 * block - 1).next_power_of_two());
        let tail = Plan::new(&mut conv, (2 * reach + 1).next_power_of_two());
        let g = conv.series_inverse(f, block);
        BandedToeplitz {
            reach,
            block,
            f_tail: tail.spectrum(f),
            f_near: near.spectrum(f),
            g_near: near.spectrum(&g),
            g_far: far.spectrum(&g),
            tail,
            near,
            far,
        }
    }

    /// Positions per block: shorter vectors gain nothing over direct sums.
    pub fn block(&self) -> usize {
        self.block
    }

    /// The last `reach` values of `history`, zeros in front where it is shorter.
    fn last_reach(&self, history: &[f64]) -> Vec<f64> {
        let have = history.len().min(self.reach);
        let mut out = vec![0.0; self.reach - have];
        out.extend_from_slice(&history[history.len() - have..]);
        out
    }

    /// T(f)·x at the positions of `x`, which follows `history` (its last b − 1 values count;
    /// missing ones are zero). Blocks in parallel, two per transform (real and imaginary parts:
    /// f is real).
    pub fn multiply(&self, history: &[f64], x: &[f64]) -> Vec<f64> {
        let (r, bl) = (self.reach, self.block);
        let mut padded = self.last_reach(history);
        padded.extend_from_slice(x);
        let mut out = vec![0.0; x.len()];
        out.par_chunks_mut(2 * bl)
            .enumerate()
            .for_each_init(Vec::new, |scratch, (k, pair)| {
                let mut buf = vec![Complex64::new(0.0, 0.0); self.near.size];
                for half in 0..2 {
                    let start = (2 * k + half) * bl;
                    let seg = &padded[start.min(padded.len())..(start + bl + r).min(padded.len())];
                    for (slot, &v) in buf.iter_mut().zip(seg) {
                        if half == 0 {
                            slot.re = v;
                        } else {
                            slot.im = v;
                        }
                    }
                }
                self.near.convolve(&mut buf, &self.f_near, scratch);
                for (p, slot) in pair.iter_mut().enumerate() {
                    let c = buf[r + p % bl];
                    *slot = if p < bl { c.re } else { c.im };
                }
            });
        out
    }

    /// v with Σ_k f\[k\]·v\[t − k\] = w\[t\] at each position of `w`, given the v before it in
    /// `history` (its last b − 1 values count; missing ones are zero).
    pub fn solve(&self, history: &[f64], w: &[f64]) -> Vec<f64> {
        let (r, bl) = (self.reach, self.block);
        // Each block's own part, T(g_B)·w_block, in parallel.
        let mut v = vec![0.0; w.len()];
        v.par_chunks_mut(2 * bl)
            .zip(w.par_chunks(2 * bl))
            .for_each_init(Vec::new, |scratch, (pair, wp)| {
                let mut buf = vec![Complex64::new(0.0, 0.0); self.far.size];
                for (p, &x) in wp.iter().enumerate() {
                    if p < bl {
                        buf[p].re = x;
                    } else {
                        buf[p - bl].im = x;
                    }
                }
                self.far.convolve(&mut buf, &self.g_far, scratch);
                for (p, slot) in pair.iter_mut().enumerate() {
                    let c = buf[p % bl];
                    *slot = if p < bl { c.re } else { c.im };
                }
            });
        // Then, in order, the part each block inherits from the one before.
        let mut prev = self.last_reach(history);
        let (mut tail, mut near, mut scratch) = (
            vec![Complex64::new(0.0, 0.0); self.tail.size],
            vec![Complex64::new(0.0, 0.0); self.near.size],
            Vec::new(),
        );
        for block in v.chunks_mut(bl) {
            // H·v_prev: the history's convolution with f at the block's first `reach` positions
            // (indices r.. of the history followed by zeros).
            tail.fill(Complex64::new(0.0, 0.0));
            for (slot, &x) in tail.iter_mut().zip(&prev) {
                slot.re = x;
            }
            self.tail.convolve(&mut tail, &self.f_tail, &mut scratch);
            near.fill(Complex64::new(0.0, 0.0));
            for (slot, c) in near.iter_mut().zip(&tail[r..2 * r]) {
                slot.re = c.re;
            }
            self.near.convolve(&mut near, &self.g_near, &mut scratch);
            for (x, c) in block.iter_mut().zip(&near) {
                *x -= c.re;
            }
            let have = block.len().min(r);
            prev.drain(..have);
            prev.extend_from_slice(&block[block.len() - have..]);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// T(f)·x and the solve of T(f)·v = w term by term, with history.
    fn direct_multiply(f: &[f64], history: &[f64], x: &[f64]) -> Vec<f64> {
        let mut all = history.to_vec();
        all.extend_from_slice(x);
        let h = history.len();
        (h..all.len())
            .map(|t| (0..f.len().min(t + 1)).map(|k| f[k] * all[t - k]).sum())
            .collect()
    }

    fn direct_solve(f: &[f64], history: &[f64], w: &[f64]) -> Vec<f64> {
        let mut v = history.to_vec();
        let h = history.len();
        for (i, &wt) in w.iter().enumerate() {
            let t = h + i;
            let past: f64 = (1..f.len().min(t + 1)).map(|k| f[k] * v[t - k]).sum();
            v.push((wt - past) / f[0]);
        }
        v.split_off(h)
    }

    fn sqrt_coefficients(b: usize) -> Vec<f64> {
        let mut f = vec![1.0f64];
        for k in 0..b - 1 {
            let next = f[k] * (2 * k + 1) as f64 / (2 * k + 2) as f64;
            f.push(next);
        }
        f.iter().map(|v| (v * 1024.0).round()).collect()
    }

    #[test]
    fn products_and_solves_match_the_direct_sums() {
        // Bands that give one block and several, a partial last block, an odd number of blocks
        // (the last pair half empty), and histories shorter and longer than the band.
        for (b, n, h) in [
            (2usize, 5000usize, 0usize),
            (37, 3000, 10),
            (129, 2500, 400),
            (64, 961, 3),
        ] {
            let f = sqrt_coefficients(b);
            let t = BandedToeplitz::new(&f);
            let x: Vec<f64> = (0..n)
                .map(|i| f64::from((i * 7919 % 13 < 3) as u8))
                .collect();
            let hist: Vec<f64> = (0..h).map(|i| ((i * 31 % 17) as f64 - 8.0) / 3.0).collect();
            let (got, want) = (t.multiply(&hist, &x), direct_multiply(&f, &hist, &x));
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-9 * (1.0 + w.abs()), "b {b}: {g} vs {w}");
            }
            let w: Vec<f64> = want
                .iter()
                .enumerate()
                .map(|(i, v)| v + ((i * 13 % 7) as f64 - 3.0) * 50.0)
                .collect();
            let (got, want) = (t.solve(&hist, &w), direct_solve(&f, &hist, &w));
            assert_eq!(got.len(), n);
            let scale = want.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() < 1e-9 * scale,
                    "b {b}, position {i}: {g} vs {w}"
                );
            }
        }
    }
}
