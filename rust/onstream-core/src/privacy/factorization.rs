//! Continual counting by a factorization of the prefix-sum matrix A (lower-triangular ones):
//! the square-root factorization A = M·M (Henzinger, Upadhyay & Upadhyay, SODA 2023;
//! Fichtenberger, Henzinger & Upadhyay, ICML 2023) and its banded variant with bounded memory
//! (Kalinin & Lampert, "Banded Square Root Matrix Factorization for Differentially Private Model
//! Training", NeurIPS 2024).
//!
//! M is Toeplitz with M_ij = f(i − j), f(k) = C(2k, k)/4^k, the coefficients of (1 − z)^(−1/2).
//! A factorization mechanism releases L·(R·x + z) = A·x + L·z with R = M, L = A·R⁻¹ (= M); the
//! banded variant keeps the first b coefficients of M in R, so each step needs O(b) memory and
//! work, and L = A·R⁻¹ is applied by the recurrence R·v = w followed by a running sum.
//!
//! **Exactness.** Real-valued Gaussian noise in floating point is open to Mironov-style attacks,
//! so the mechanism runs on integers: R's coefficients are rounded once to the 2^−q grid,
//! f̃(k) = round(f(k)·2^q) (q ≤ 20), R̃ x is then an exact integer for 0/1 inputs, and the noise
//! is an exact discrete Gaussian Z. The released vector is a function of the integers
//! W = R̃x + Z alone (v solves R̃v = W in floating point, y = running sum of v), so everything
//! after W is post-processing. By Canonne, Kamath & Steinke (NeurIPS 2020, Theorem 14), adding
//! discrete Gaussian noise with σ² to an integer vector of L2 sensitivity Δ is Δ²/(2σ²)-zCDP;
//! here Δ² = Σ_{k<min(b,T)} f̃(k)², the largest squared column norm of R̃ (an exact integer).
//!
//! **Exact variance.** y_t − Σ_{s≤t} x_s = Σ_{s≤t} ℓ(t − s)·Z_s with ℓ the running sums of the
//! series inverse of f̃, so Var_t = Var(Z)·Σ_{j<t} ℓ(j)², computed once (lazily) in the same
//! integer-scaled arithmetic. For the full square root this is S(T)·S(t)/(2ρ) up to the 2^−q
//! rounding, S(n) = Σ_{k<n} f(k)² (the shared notes' closed form).
//!
//! Cost: the full square root takes O(t) work and memory at step t; the banded one O(b) per step.
//! A batch release of n steps after h steps of history is done by FFT when that is cheaper, in
//! O((h + n) log(h + n)): R̃x and the history's part of R̃v are convolutions, and R̃⁻¹ on the
//! batch is the convolution with f̃'s inverse series (Newton's iteration). Both kernels' spectra
//! are shared by the process (`root_kernels.rs`), so a fresh release costs four real transforms
//! and its noise, which the pool draws while R̃x is transformed. It computes the same
//! function of W and past v as the steps (agreeing to about 1e-9 of the count); R̃x is rounded
//! to the integers it is, with the transform's error checked to be below 1/4. The banded
//! counter's error grows with t/b (the inverse of a truncated series), so b is a
//! memory/accuracy trade-off.

use std::borrow::Cow;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::events;
use super::root_kernels::{self, Series};
use super::secure_rng::SecureRng;
use super::source::{release_in_pieces, NodeNoise, NoiseSource, RELEASE_PIECE};
use crate::dense::banded::BandedToeplitz;
use crate::dense::convolve::Convolver;
use crate::dense::simd::multiversion;
use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// Finest coefficient grid: f̃ ≤ 2^20, so Δ² ≈ 2^40·S(b) and σ² stays within the exact
/// sampler's range for every ρ ≥ 2^−15; coarser grids serve smaller ρ.
pub const MAX_SCALE_BITS: u32 = 20;

/// Terms of f̃ kept for the process on each grid: every counter (and its sensitivity) up to this
/// band slices them instead of rerunning the recurrence, which costs more than a 16 K-step
/// release's transforms (1 MiB a grid).
const SHARED_TERMS: usize = 1 << 17;

/// f̃(k) = round(f(k)·2^bits) for k < band, as exact integers in f64.
pub fn coefficients(band: usize, bits: u32) -> Vec<f64> {
    coefficient_terms(band, bits).into_owned()
}

/// [`coefficients`] without a copy where the process's shared terms cover them.
fn coefficient_terms(band: usize, bits: u32) -> Cow<'static, [f64]> {
    if band <= SHARED_TERMS && (1..=MAX_SCALE_BITS).contains(&bits) {
        Cow::Borrowed(&shared_coefficients(bits)[..band])
    } else {
        Cow::Owned(compute_coefficients(band, bits))
    }
}

/// The first [`SHARED_TERMS`] of f̃ on the 2^−`bits` grid (1..=20), computed once per process.
/// The recurrence runs term by term, so they are the first terms of any longer run.
fn shared_coefficients(bits: u32) -> &'static [f64] {
    static GRIDS: [OnceLock<Vec<f64>>; MAX_SCALE_BITS as usize + 1] =
        [const { OnceLock::new() }; MAX_SCALE_BITS as usize + 1];
    GRIDS[bits as usize].get_or_init(|| compute_coefficients(SHARED_TERMS, bits))
}

fn compute_coefficients(band: usize, bits: u32) -> Vec<f64> {
    let scale = f64::from(1u32 << bits);
    // 2k + 1 as a float (exact below 2^53): the baseline x86-64 target converts unsigned
    // integers to floats by a long sequence.
    let (mut f, mut odd) = (1.0f64, 1.0f64);
    (0..band)
        .map(|_| {
            let c = round_half_up(f * scale);
            f *= odd / (odd + 1.0);
            odd += 2.0;
            c
        })
        .collect()
}

/// `y.round()` for 0 ≤ y < 2^52, without the library call the baseline x86-64 target makes for
/// it (half the cost of building a counter): the fraction y − ⌊y⌋ is exact in that range.
#[inline]
fn round_half_up(y: f64) -> f64 {
    // Signed conversions are one instruction each way.
    let whole = (y as i64) as f64;
    if y - whole >= 0.5 {
        whole + 1.0
    } else {
        whole
    }
}

/// Δ² = Σ_{k < min(band, horizon)} f̃(k)²: the squared L2 sensitivity of R̃x for one changed step.
pub fn sensitivity2(band: usize, horizon: u64, bits: u32) -> u128 {
    let n = band.min(usize::try_from(horizon).unwrap_or(usize::MAX));
    // 0 ≤ c ≤ 2^20: exact as an integer (a signed conversion is one instruction), c² below
    // 2^40, so 2^23 of them sum exactly in a u64.
    coefficient_terms(n, bits)
        .chunks(1 << 23)
        .map(|part| {
            let s: u64 = part.iter().map(|&c| (c as i64 as u64).pow(2)).sum();
            u128::from(s)
        })
        .sum()
}

multiversion! {
    /// (Σ c_i x_i, Σ c_i v_i) with eight fixed accumulators each: one pass over the
    /// coefficients, the same association (so the same bits) on every CPU, and no FMA, so the
    /// AVX2 build agrees with the portable one.
    fn dots(c: &[f64], x: &[f64], v: &[f64]) -> (f64, f64) {
        let (mut ax, mut av) = ([0.0f64; 8], [0.0f64; 8]);
        let n = c.len().min(x.len()).min(v.len()) / 8 * 8;
        let mut i = 0;
        while i < n {
            // Fixed-size views: bounds are checked once per block and the lanes vectorize.
            let cc: &[f64; 8] = c[i..i + 8].try_into().unwrap_or(&[0.0; 8]);
            let xx: &[f64; 8] = x[i..i + 8].try_into().unwrap_or(&[0.0; 8]);
            let vv: &[f64; 8] = v[i..i + 8].try_into().unwrap_or(&[0.0; 8]);
            for l in 0..8 {
                ax[l] += cc[l] * xx[l];
                av[l] += cc[l] * vv[l];
            }
            i += 8;
        }
        let fold = |a: [f64; 8]| ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
        let (mut sx, mut sv) = (fold(ax), fold(av));
        for i in n..c.len() {
            sx += c[i] * x[i];
            sv += c[i] * v[i];
        }
        (sx, sv)
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    dots(a, b, b).0
}

/// Steps per block of a batch release, and the band from which releases are blocked (below it
/// a step's history fits in L1 and plain steps are as fast).
const BLOCK: usize = 256;
const BLOCKED_FROM: usize = 512;
/// Multiply-adds above which the variance table's inverse series is computed by FFT.
const FFT_TABLE_FROM: f64 = (1u64 << 26) as f64;
/// Bands from which long batches go by blocks of transforms (below, a step's two dot products
/// cost less than its share of the transforms).
const OVERLAP_FROM: usize = 32;
/// Batches shorter than this always step (the transforms' fixed costs dominate).
const FFT_FROM: usize = 1024;
/// Cost of a transform pass per value and level, in units of one step's multiply-add
/// (measured on the release benchmark's sizes).
const FFT_COST: f64 = 12.0;
/// History entries per unit of the blocked pass: three arrays of 2,048 values (48 KiB) stay in
/// cache while a block's 256 steps read them.
const HISTORY_CHUNK: usize = 2048;

/// How far a transform's R̃x may lie from the integers it is before a batch is refused (its
/// error is of order 1e-6 at a million steps).
const ROUNDING_TOL: f64 = 0.25;

/// W = R̃x + Z from R̃x computed by transforms: each value rounded to the integer it is, `None`
/// if one lies farther than `tol` from it.
fn noisy(rx: &[f64], noise: &[i64], tol: f64) -> Option<Vec<f64>> {
    rx.iter()
        .zip(noise)
        .map(|(&r, &z)| {
            // The nearest integer by signed conversions (`round` is a library call on the
            // baseline target); only values within tol < 1/2 of an integer are kept, and for
            // those any rounding of halves agrees. |r| is far below 2^62.
            let exact = ((r + 0.5f64.copysign(r)) as i64) as f64;
            ((r - exact).abs() <= tol).then_some(exact + z as f64)
        })
        .collect()
}

/// Σ_{j<t} ℓ(j)² for t ≤ `cum.len() − 1`, then `tail` per further step (ℓ has converged).
#[derive(Debug, Clone)]
struct VarianceTable {
    cum: Vec<f64>,
    tail: f64,
}

/// A square-root (banded or full) factorization counter over a 0/1 stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactorCounter {
    band: usize,
    /// Built as the banded variant (even when its band covers the horizon).
    banded: bool,
    bits: u32,
    /// f̃ reversed: `rev[band − 1 − k]` = f̃(k), so a window of past values in time order meets
    /// its coefficients in memory order.
    rev: Vec<f64>,
    noise: NodeNoise,
    noise_variance: f64,
    horizon: u64,
    t: u64,
    /// The latest inputs and the latest v (at most 2·band, the last band − 1 used).
    xs: Vec<f64>,
    vs: Vec<f64>,
    total: f64,
    insecure: bool,
    #[serde(skip)]
    source: NoiseSource,
    #[serde(skip)]
    table: OnceLock<VarianceTable>,
    /// R̃'s transforms for batches much longer than the band (built on first use).
    #[serde(skip)]
    transforms: OnceLock<Box<BandedToeplitz>>,
}

impl FactorCounter {
    /// The square root (`band` None) or its first `band` coefficients (a band of at least the
    /// horizon keeps them all), on the 2^−`bits` grid, with discrete Gaussian noise of
    /// σ² = `sigma2` (integer units).
    pub fn new(
        band: Option<usize>,
        bits: u32,
        sigma2: u64,
        horizon: u64,
        rng: &SecureRng,
    ) -> Result<Self> {
        events::check_horizon(horizon)?;
        let banded = band.is_some();
        let band = band.unwrap_or(usize::MAX);
        if band == 0 {
            return Err(Error::invalid("band", band, "a positive integer"));
        }
        if bits == 0 || bits > MAX_SCALE_BITS {
            return Err(Error::invalid("bits", bits, "an integer in 1..=20"));
        }
        let noise = NodeNoise::Gaussian {
            num: sigma2,
            den: 1,
        };
        noise.validate()?;
        let band = band.min(usize::try_from(horizon).unwrap_or(usize::MAX));
        let mut rev = coefficients(band, bits);
        rev.reverse();
        Ok(FactorCounter {
            band,
            banded,
            bits,
            rev,
            noise,
            noise_variance: noise.variance(),
            horizon,
            t: 0,
            xs: Vec::new(),
            vs: Vec::new(),
            total: 0.0,
            insecure: rng.is_insecure(),
            source: NoiseSource::new(rng),
            table: OnceLock::new(),
            transforms: OnceLock::new(),
        })
    }

    pub fn band(&self) -> usize {
        self.band
    }
    pub fn is_banded(&self) -> bool {
        self.banded
    }
    pub fn bits(&self) -> u32 {
        self.bits
    }
    pub fn horizon(&self) -> u64 {
        self.horizon
    }
    pub fn steps(&self) -> u64 {
        self.t
    }
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }
    pub fn noise(&self) -> NodeNoise {
        self.noise
    }

    /// f̃(0), f̃(1), … : the first `len` coefficients (at most the band) in series order.
    fn forward(&self, len: usize) -> Vec<f64> {
        self.rev.iter().rev().take(len).copied().collect()
    }

    fn lead(&self) -> f64 {
        self.rev[self.band - 1]
    }

    fn table(&self) -> &VarianceTable {
        self.table.get_or_init(|| {
            // g = series inverse of f̃ by the same recurrence the releases use (an impulse for
            // W); ℓ = running sums of g. A banded inverse converges geometrically: once ℓ stops
            // moving for a whole band, the rest of the horizon adds ℓ∞² per step.
            let n = usize::try_from(self.horizon).unwrap_or(usize::MAX);
            let (b, lead) = (self.band, self.lead());
            // A long full root (a banded inverse converges within a few bands): past
            // O(n²) multiply-adds, the series inverse by FFT instead.
            let by_fft = b >= n && (n as f64) * (n as f64) > FFT_TABLE_FROM;
            let mut g: Vec<f64> = if by_fft {
                Convolver::new().series_inverse(&self.forward(n), n)
            } else {
                Vec::new()
            };
            let mut cum = vec![0.0];
            let (mut ell, mut still) = (0.0f64, 0usize);
            for j in 0..n {
                let gj = if by_fft {
                    g[j]
                } else {
                    let m = (b - 1).min(j);
                    let past = dot(&self.rev[b - 1 - m..b - 1], &g[j - m..j]);
                    let gj = (if j == 0 { 1.0 } else { 0.0 } - past) / lead;
                    g.push(gj);
                    gj
                };
                ell += gj;
                cum.push(cum[j] + ell * ell);
                still = if gj.abs() <= 1e-17 * ell.abs() {
                    still + 1
                } else {
                    0
                };
                if b < n && still > b {
                    return VarianceTable {
                        cum,
                        tail: ell * ell,
                    };
                }
            }
            VarianceTable { cum, tail: 0.0 }
        })
    }

    /// The exact variance of the release at time `t` (1-based).
    pub fn variance_at(&self, t: u64) -> f64 {
        let tab = self.table();
        let last = tab.cum.len() as u64 - 1;
        let sum = if t <= last {
            tab.cum[t as usize]
        } else {
            tab.cum[last as usize] + (t - last) as f64 * tab.tail
        };
        self.noise_variance * sum
    }

    fn check_room(&self, n: u64) -> Result<()> {
        events::check_room(self.t, n, self.horizon)
    }

    /// One step with noise `z`: W = R̃x + z exactly, then v and the running sum from W alone.
    fn advance(&mut self, x: u8, z: i64) -> f64 {
        let b = self.band;
        let m = (b - 1).min(self.xs.len());
        let coef = &self.rev[b - 1 - m..b - 1];
        let (past_x, past_v) = dots(
            coef,
            &self.xs[self.xs.len() - m..],
            &self.vs[self.vs.len() - m..],
        );
        let out = self.commit(x, z, past_x, past_v);
        self.trim_history();
        out
    }

    /// The end of a step, given the past's part of R̃x (`past_x`) and of the v sum (`past_v`):
    /// W, then v, the running sum and the history.
    #[inline]
    fn commit(&mut self, x: u8, z: i64, past_x: f64, past_v: f64) -> f64 {
        self.t += 1;
        let lead = self.rev[self.band - 1];
        // R̃x: integers below 2^53 throughout, so exact in any order.
        let w = lead * f64::from(x) + past_x + z as f64;
        let v = (w - past_v) / lead;
        self.total += v;
        self.xs.push(f64::from(x));
        self.vs.push(v);
        self.total
    }

    /// Drops history older than the band once it has grown to twice the band.
    fn trim_history(&mut self) {
        let b = self.band;
        if self.xs.len() >= 2 * b {
            let keep = self.xs.len() - (b - 1);
            self.xs.drain(..keep);
            self.vs.drain(..keep);
        }
    }

    /// Consumes one input (0 or 1) and returns the noisy count of the stream so far.
    pub fn step(&mut self, x: u8) -> Result<f64> {
        self.check_room(1)?;
        events::check_event(x)?;
        let z = self.source.draw(self.noise)?;
        Ok(self.advance(x, z))
    }

    /// Steps through a whole stream of 0/1 values; the noise is drawn first, in parallel (call
    /// inside `pool::run`), from streams no other call uses.
    pub fn release(&mut self, xs: &[u8]) -> Result<Vec<f64>> {
        events::check_events("stream", xs, 1)?;
        self.check_room(xs.len() as u64)?;
        if self.overlap_pays(xs.len()) && 4 * self.band <= RELEASE_PIECE {
            return self.release_overlap_in_pieces(xs);
        }
        let overlap = self.overlap_pays(xs.len());
        let by_fft = !overlap && self.fft_pays(xs.len());
        let (noise, rx) = if by_fft {
            // R̃x does not need the noise: the pool draws it meanwhile.
            let (law, mut source) = (self.noise, std::mem::take(&mut self.source));
            let (noise, rx) = rayon::join(|| source.batch(law, xs.len()), || self.root_product(xs));
            self.source = source;
            (noise?, Some(rx))
        } else {
            (self.source.batch(self.noise, xs.len())?, None)
        };
        if overlap {
            if let Some(out) = self.release_overlap(xs, &noise) {
                return Ok(out);
            }
        }
        if let Some(rx) = rx {
            if let Some(out) = self.finish_fft(xs, &rx, &noise, ROUNDING_TOL) {
                return Ok(out);
            }
        }
        if self.band < BLOCKED_FROM {
            return Ok(xs
                .iter()
                .zip(noise)
                .map(|(&x, z)| self.advance(x, z))
                .collect());
        }
        Ok(self.release_blocked(xs, &noise))
    }

    /// Whether a batch of `n` steps is cheaper by FFT than step by step: the steps cost about
    /// n·w multiply-adds for a window of w past values, the transforms a few passes of
    /// O(N log N) over the N = history + n values.
    fn fft_pays(&self, n: usize) -> bool {
        let len = self.xs.len() + n;
        let window = self.band.min(len);
        let transforms = (len as f64) * (len as f64).log2() * FFT_COST;
        n >= FFT_FROM && (n as f64) * (window as f64) > transforms
    }

    /// Whether a batch of `n` steps goes by blocks of transforms ([`BandedToeplitz`]): for a
    /// band of at least [`OVERLAP_FROM`] that the batch and its history outgrow, once the batch
    /// fills a block.
    fn overlap_pays(&self, n: usize) -> bool {
        self.band >= OVERLAP_FROM && self.band < self.xs.len() + n && n >= 4 * self.band
    }

    /// A batch by blocks of transforms: R̃x, rounded to the integers it is (the transform's error
    /// checked to be below 1/4), plus the noise gives W; then v solves R̃v = W given the past v,
    /// [`BandedToeplitz::solve`]. The same function of W and past v as the steps, to rounding.
    /// `None` leaves the counter as it was.
    fn release_overlap(&mut self, xs: &[u8], noise: &[i64]) -> Option<Vec<f64>> {
        let f = self.forward(self.band);
        let ops = self
            .transforms
            .get_or_init(|| Box::new(BandedToeplitz::new(&f)));
        let x: Vec<f64> = xs.iter().map(|&x| f64::from(x)).collect();
        let w = noisy(&ops.multiply(&self.xs, &x), noise, ROUNDING_TOL)?;
        let v = ops.solve(&self.vs, &w);
        Some(self.absorb(xs, &v))
    }

    /// [`Self::release_overlap`] piece by piece, each piece's noise drawn while the one before
    /// is released ([`release_in_pieces`]: the same draws as one batch). A piece the transforms
    /// refuse steps instead.
    fn release_overlap_in_pieces(&mut self, xs: &[u8]) -> Result<Vec<f64>> {
        let draws: Vec<usize> = xs.chunks(RELEASE_PIECE).map(<[u8]>::len).collect();
        let mut source = std::mem::take(&mut self.source);
        let out = release_in_pieces(&mut source, self.noise, xs, &draws, |piece, noise, out| {
            match self.release_overlap(piece, noise) {
                Some(released) => out.extend(released),
                None => out.extend(piece.iter().zip(noise).map(|(&x, &z)| self.advance(x, z))),
            }
            Ok(())
        });
        self.source = source;
        out
    }

    /// The end of a batch computed whole: the running sums of its v, and the history.
    fn absorb(&mut self, xs: &[u8], v: &[f64]) -> Vec<f64> {
        // The running total in a local: through the field it made a store and a load per value.
        let mut total = self.total;
        let out: Vec<f64> = v
            .iter()
            .map(|&v| {
                total += v;
                total
            })
            .collect();
        self.total = total;
        self.t += v.len() as u64;
        // Only the last band − 1 values are read again.
        let keep = xs.len().min(self.band);
        self.xs
            .extend(xs[xs.len() - keep..].iter().map(|&x| f64::from(x)));
        self.vs.extend_from_slice(&v[v.len() - keep..]);
        self.trim_history();
        out
    }

    /// A batch by transforms (O(N log N) for N = history + n) instead of n steps of O(window)
    /// each: W = R̃x + Z over the batch, less the history's part of R̃v, then v = R̃⁻¹ of that by
    /// the inverse series of f̃ restricted to the batch, all from W and past v alone as the steps
    /// compute them. R̃x is rounded to the integers it is, the transform's error checked to be
    /// below 1/4 (it is of order 1e-6 at a million steps); `None`, and the caller steps instead,
    /// if it ever is not. The kernels' spectra are shared by the process ([`root_kernels`]).
    /// (`release` runs the same two halves with the noise drawn during the first.)
    #[cfg(test)]
    fn release_fft(&mut self, xs: &[u8], noise: &[i64]) -> Option<Vec<f64>> {
        self.release_fft_within(xs, noise, ROUNDING_TOL)
    }

    /// [`Self::release_fft`] with the largest rounding of R̃x it accepts; `None` leaves the
    /// counter as it was.
    #[cfg(test)]
    fn release_fft_within(&mut self, xs: &[u8], noise: &[i64], tol: f64) -> Option<Vec<f64>> {
        let rx = self.root_product(xs);
        self.finish_fft(xs, &rx, noise, tol)
    }

    /// R̃x over the batch `xs` after the history, by transforms (not yet rounded): the part of
    /// [`Self::release_fft`] that does not need the noise, so the noise can be drawn meanwhile.
    fn root_product(&self, xs: &[u8]) -> Vec<f64> {
        let (h, n) = (self.xs.len(), xs.len());
        let root = root_kernels::spectrum(self.bits, self.band, Series::Root, 2 * (h + n));
        let mut signal = Vec::with_capacity(h + n);
        signal.extend_from_slice(&self.xs);
        signal.extend(xs.iter().map(|&x| f64::from(x)));
        let mut rx = root.apply(&signal, h + n);
        rx.drain(..h);
        rx
    }

    /// The rest of [`Self::release_fft`] given the batch's R̃x from [`Self::root_product`].
    fn finish_fft(&mut self, xs: &[u8], rx: &[f64], noise: &[i64], tol: f64) -> Option<Vec<f64>> {
        let (h, n) = (self.xs.len(), xs.len());
        let mut w = noisy(rx, noise, tol)?;
        if h > 0 {
            let root = root_kernels::spectrum(self.bits, self.band, Series::Root, 2 * (h + n));
            let mut signal = self.vs.clone();
            signal.resize(h + n, 0.0);
            for (w, r) in w.iter_mut().zip(&root.apply(&signal, h + n)[h..]) {
                *w -= r;
            }
        }
        let inverse = root_kernels::spectrum(self.bits, self.band, Series::Inverse, 2 * n);
        let v = inverse.apply(&w, n);
        Some(self.absorb(xs, &v))
    }

    /// [`Self::advance`] over blocks of steps: the part of each step's two sums that reaches back
    /// before its block is computed for the whole block at once, in parallel, every step reading
    /// the same history from cache instead of streaming it from memory once per step; then the
    /// block's steps run in order over their recent past. The same arithmetic grouped otherwise
    /// (results agree to rounding), and the same on any number of threads.
    fn release_blocked(&mut self, xs: &[u8], noise: &[i64]) -> Vec<f64> {
        let b = self.band;
        let mut out = Vec::with_capacity(xs.len());
        for (bx, bz) in xs.chunks(BLOCK).zip(noise.chunks(BLOCK)) {
            let base = self.xs.len();
            let (rev, hx, hv) = (&self.rev, &self.xs, &self.vs);
            // Window index j holds the value of `tau − j` steps back, weighted by
            // f̃(tau − j) = rev[b − 1 − (tau − j)]. The history before the block is cut into
            // chunks that fit in cache; each chunk adds its part of every step's sums (in
            // parallel over chunks), and the parts are added in chunk order.
            let steps = bx.len();
            let first_lo = base - (b - 1).min(base);
            let chunks: Vec<usize> = (first_lo..base).step_by(HISTORY_CHUNK).collect();
            let parts: Vec<Vec<(f64, f64)>> = chunks
                .par_iter()
                .map(|&c0| {
                    let c1 = (c0 + HISTORY_CHUNK).min(base);
                    (0..steps)
                        .map(|p| {
                            let tau = base + p;
                            let j0 = c0.max(tau - (b - 1).min(tau));
                            if j0 >= c1 {
                                return (0.0, 0.0);
                            }
                            let coef = &rev[b - 1 - (tau - j0)..b - 1 - (tau - c1)];
                            dots(coef, &hx[j0..c1], &hv[j0..c1])
                        })
                        .collect()
                })
                .collect();
            let far: Vec<(f64, f64)> = (0..steps)
                .map(|p| {
                    parts
                        .iter()
                        .fold((0.0, 0.0), |(a, b), part| (a + part[p].0, b + part[p].1))
                })
                .collect();
            // History is trimmed only between blocks: the block's positions stay valid.
            for (p, (&x, &z)) in bx.iter().zip(bz).enumerate() {
                let tau = base + p;
                let lo = (tau - (b - 1).min(tau)).max(base);
                let coef = &self.rev[b - 1 - (tau - lo)..b - 1];
                let (near_x, near_v) = dots(coef, &self.xs[lo..tau], &self.vs[lo..tau]);
                out.push(self.commit(x, z, far[p].0 + near_x, far[p].1 + near_v));
            }
            self.trim_history();
        }
        out
    }
}

impl Snapshot for FactorCounter {
    const KIND: &'static str = "privacy.FactorCounter";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let mut want = coefficients(self.band, self.bits);
        want.reverse();
        let v = self.noise.variance();
        if self.band == 0
            || self.bits == 0
            || self.bits > MAX_SCALE_BITS
            || self.rev != want
            || self.noise.validate().is_err()
            || (self.noise_variance - v).abs() > 1e-9 * v
            || self.t > self.horizon
            || self.xs.len() != self.vs.len()
            || self.xs.len() as u64 > self.t
            || self.xs.len() >= 2 * self.band
            || self.xs.iter().any(|&x| x != 0.0 && x != 1.0)
            || !self.total.is_finite()
        {
            return Err(Error::Snapshot(
                "privacy.FactorCounter state is inconsistent".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(k) = Π_{i≤k} (2i − 1)/(2i), unrounded.
    fn f(n: usize) -> Vec<f64> {
        (0..n)
            .scan(1.0f64, |p, k| {
                let out = *p;
                *p *= (2 * k + 1) as f64 / (2 * k + 2) as f64;
                Some(out)
            })
            .collect()
    }

    #[test]
    fn the_square_root_squares_to_the_prefix_matrix() {
        // (M·M)_ij = Σ_k f(i−k) f(k−j) = 1 for every i ≥ j: the series of (1−z)^(−1/2) squared.
        let n = 200;
        let c = f(n);
        for d in 0..n {
            let s: f64 = (0..=d).map(|k| c[k] * c[d - k]).sum();
            assert!((s - 1.0).abs() < 1e-12, "d={d}: {s}");
        }
        // The notes' constant: S(2^16) = 4.5964 (ln(n)/π + 1.066276 asymptotically).
        let s: f64 = f(1 << 16).iter().map(|x| x * x).sum();
        assert!((s - 4.5964).abs() < 1e-4, "{s}");
        // The exact integer grid loses at most half a unit per coefficient.
        for (k, (&q, &x)) in coefficients(50, 20).iter().zip(&c).enumerate() {
            assert!((q - x * 2f64.powi(20)).abs() <= 0.5, "k={k}");
        }
        // The process's shared terms are the recurrence's own.
        for bits in [3, 20] {
            let long = compute_coefficients(SHARED_TERMS + 5, bits);
            assert_eq!(coefficients(1000, bits), long[..1000]);
            assert_eq!(coefficients(SHARED_TERMS + 5, bits), long);
        }
        // The grid's rounding is the library's round() (halves away from zero), ties included.
        let below_half = 0.5 - f64::EPSILON / 4.0;
        for y in [
            0.0,
            0.5,
            1.5,
            2.5,
            below_half,
            7.0 + below_half,
            1e15 + 0.5,
            3.7,
            2.0f64.powi(51),
        ] {
            assert_eq!(round_half_up(y), y.round(), "{y}");
        }
        let mut f = 1.0f64;
        for k in 0..(1 << 16) {
            for bits in [1, 7, 20] {
                let y = f * f64::from(1u32 << bits);
                assert_eq!(round_half_up(y), y.round(), "k={k} bits={bits}");
            }
            f *= (2 * k + 1) as f64 / (2 * k + 2) as f64;
        }
    }

    #[test]
    fn sensitivity_is_the_largest_column_norm() {
        // Columns of the banded Toeplitz R̃ restricted to the horizon: the first is the longest.
        for (band, horizon) in [(5usize, 12u64), (12, 12), (30, 12)] {
            let c = coefficients(band, 20);
            let worst = (0..horizon as usize)
                .map(|col| {
                    (col..horizon as usize)
                        .filter(|row| row - col < band)
                        .map(|row| (c[row - col] as u128).pow(2))
                        .sum::<u128>()
                })
                .max()
                .unwrap();
            assert_eq!(worst, sensitivity2(band, horizon, 20));
        }
    }

    #[test]
    fn full_square_root_variance_is_s_t_times_s_big_t() {
        // Var_t = σ²·Σ_{j<t} ℓ_j² with σ² = Δ²/(2ρ): against S(T)·S(t)/(2ρ) of the notes (ρ = 1/2),
        // equal up to the 2^-20 grid. The longer horizon's table is built by FFT.
        for horizon in [1024u64, 12_000] {
            assert_eq!(horizon > 1024, (horizon * horizon) as f64 > FFT_TABLE_FROM);
            let d2 = sensitivity2(horizon as usize, horizon, 20);
            let c =
                FactorCounter::new(None, 20, d2 as u64, horizon, &SecureRng::insecure(0)).unwrap();
            let ff = f(horizon as usize);
            let s = |n: usize| ff[..n].iter().map(|x| x * x).sum::<f64>();
            if horizon == 1024 {
                assert!((s(1024) - 3.2726).abs() < 1e-4);
            }
            for t in [1u64, 2, 10, 500, 1024, horizon] {
                let want = s(horizon as usize) * s(t as usize);
                let got = c.variance_at(t);
                assert!(
                    (got / want - 1.0).abs() < 1e-4,
                    "T={horizon} t={t}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn empirical_variance_matches_the_exact_formula() {
        let runs = 2000;
        let horizon = 64u64;
        for band in [64usize, 8] {
            let mut sq = vec![0.0; horizon as usize];
            let mut c0 = None;
            for r in 0..runs {
                let mut c =
                    FactorCounter::new(Some(band), 20, 3 << 40, horizon, &SecureRng::insecure(r))
                        .unwrap();
                for (s, y) in sq.iter_mut().zip(c.release(&[0; 64]).unwrap()) {
                    *s += y * y;
                }
                c0 = Some(c);
            }
            let c = c0.unwrap();
            for t in [1usize, 2, 9, 33, 64] {
                let (emp, exact) = (sq[t - 1] / runs as f64, c.variance_at(t as u64));
                // Gaussian releases: the sample variance has sd exact·sqrt(2/runs).
                let tol = 6.0 * exact * (2.0 / runs as f64).sqrt();
                assert!(
                    (emp - exact).abs() < tol,
                    "band {band} t={t}: {emp} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn banded_variance_table_extrapolates_exactly() {
        // A short band converges long before the horizon; the tail must agree with the direct sum.
        let long = FactorCounter::new(Some(4), 20, 1 << 40, 5000, &SecureRng::insecure(0)).unwrap();
        let tab = long.table();
        assert!(tab.cum.len() < 5000);
        let mut c = long.clone();
        c.table = OnceLock::new();
        // Recompute without the early exit by asking for every step through a fresh table.
        let direct = {
            let b = 4;
            let rev = &c.rev;
            let mut g: Vec<f64> = vec![];
            let (mut ell, mut s) = (0.0, 0.0);
            for j in 0..5000usize {
                let m = (b - 1).min(j);
                let past = dot(&rev[b - 1 - m..b - 1], &g[j - m..j]);
                let gj = (f64::from(u8::from(j == 0)) - past) / rev[b - 1];
                g.push(gj);
                ell += gj;
                s += ell * ell;
            }
            s
        };
        let got = long.variance_at(5000) / long.noise.variance();
        assert!((got / direct - 1.0).abs() < 1e-12, "{got} vs {direct}");
    }

    #[test]
    fn blocked_release_takes_the_steps_of_the_plain_one() {
        // The same noise through `advance` one step at a time and through blocks: equal up to
        // the rounding of sums grouped differently, for the full root and a wide band, starting
        // from a history that is partly trimmed.
        for (band, horizon) in [(4000usize, 3000u64), (700, 3000)] {
            let mut plain =
                FactorCounter::new(Some(band), 20, 1 << 41, horizon, &SecureRng::insecure(1))
                    .unwrap();
            let xs: Vec<u8> = (0..horizon).map(|i| u8::from(i % 5 < 2)).collect();
            let zs: Vec<i64> = (0..horizon as i64)
                .map(|i| (i * 7_919 % 4_001 - 2_000) << 18)
                .collect();
            for (&x, &z) in xs[..900].iter().zip(&zs) {
                plain.advance(x, z);
            }
            let mut blocked = plain.clone();
            let want: Vec<f64> = xs[900..]
                .iter()
                .zip(&zs[900..])
                .map(|(&x, &z)| plain.advance(x, z))
                .collect();
            let got =
                crate::pool::run(|| Ok(blocked.release_blocked(&xs[900..], &zs[900..]))).unwrap();
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                    "{band} step {i}: {a} vs {b}"
                );
            }
            assert_eq!(blocked.steps(), plain.steps());
            // Windows are trimmed at different moments; the part later steps read agrees.
            let keep = (band - 1).min(plain.xs.len());
            assert_eq!(
                blocked.xs[blocked.xs.len() - keep..],
                plain.xs[plain.xs.len() - keep..]
            );
        }
    }

    #[test]
    fn fft_release_takes_the_steps_of_the_plain_one() {
        // The same noise step by step and by transforms, from a fresh counter and after a
        // history (trimmed, for the band): equal up to rounding, for the full root and a band.
        for (band, horizon, before) in [
            (6000usize, 5000u64, 0usize),
            (6000, 5000, 700),
            (300, 5000, 900),
        ] {
            let mut plain =
                FactorCounter::new(Some(band), 20, 1 << 41, horizon, &SecureRng::insecure(1))
                    .unwrap();
            let xs: Vec<u8> = (0..horizon).map(|i| u8::from(i % 5 < 2)).collect();
            let zs: Vec<i64> = (0..horizon as i64)
                .map(|i| (i * 7_919 % 4_001 - 2_000) << 18)
                .collect();
            for (&x, &z) in xs[..before].iter().zip(&zs) {
                plain.advance(x, z);
            }
            let mut fast = plain.clone();
            let want: Vec<f64> = xs[before..]
                .iter()
                .zip(&zs[before..])
                .map(|(&x, &z)| plain.advance(x, z))
                .collect();
            let got = fast.release_fft(&xs[before..], &zs[before..]).unwrap();
            assert_eq!(got.len(), want.len());
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                // Observed: within 4e-10 of the count (the noise's sd is in the hundreds).
                assert!(
                    (a - b).abs() <= 1e-8 * (1.0 + b.abs()),
                    "{band} after {before}, step {i}: {a} vs {b}"
                );
            }
            assert_eq!(fast.steps(), plain.steps());
            let keep = (band - 1).min(plain.xs.len());
            assert_eq!(
                fast.xs[fast.xs.len() - keep..],
                plain.xs[plain.xs.len() - keep..]
            );
            // Later steps read the same window of v.
            let (a, b) = (fast.advance(1, 5 << 18), plain.advance(1, 5 << 18));
            assert!((a - b).abs() <= 1e-8 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn overlap_release_takes_the_steps_of_the_plain_one() {
        // The same noise step by step and by blocks of transforms, fresh and after a history
        // longer than the band, over batches of one block, several, and a partial last one.
        for (band, before, n) in [
            (64usize, 0usize, 5000usize),
            (300, 900, 6000),
            (1024, 50, 9000),
        ] {
            let horizon = (before + n + 1) as u64;
            let mut plain =
                FactorCounter::new(Some(band), 20, 1 << 41, horizon, &SecureRng::insecure(1))
                    .unwrap();
            let xs: Vec<u8> = (0..before + n).map(|i| u8::from(i % 5 < 2)).collect();
            let zs: Vec<i64> = (0..(before + n) as i64)
                .map(|i| (i * 7_919 % 4_001 - 2_000) << 18)
                .collect();
            for (&x, &z) in xs[..before].iter().zip(&zs) {
                plain.advance(x, z);
            }
            let mut fast = plain.clone();
            assert!(fast.overlap_pays(n));
            let want: Vec<f64> = xs[before..]
                .iter()
                .zip(&zs[before..])
                .map(|(&x, &z)| plain.advance(x, z))
                .collect();
            let got = crate::pool::run(|| Ok(fast.release_overlap(&xs[before..], &zs[before..])))
                .unwrap()
                .unwrap();
            assert_eq!(got.len(), want.len());
            for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-8 * (1.0 + b.abs()),
                    "{band} after {before}, step {i}: {a} vs {b}"
                );
            }
            assert_eq!(fast.steps(), plain.steps());
            let keep = (band - 1).min(plain.xs.len());
            assert_eq!(
                fast.xs[fast.xs.len() - keep..],
                plain.xs[plain.xs.len() - keep..]
            );
            // The history left behind is one a snapshot accepts.
            let bytes = crate::snapshot::to_bytes(&fast).unwrap();
            crate::snapshot::from_bytes::<FactorCounter>(&bytes).unwrap();
            let (a, b) = (fast.advance(1, 5 << 18), plain.advance(1, 5 << 18));
            assert!((a - b).abs() <= 1e-8 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn pieces_of_a_long_banded_release_take_the_steps_with_the_same_noise() {
        // A batch of several pieces, each by blocks of transforms from the one before's history,
        // against steps with the draws the pieces take (their streams, in order): equal up to
        // rounding, so each piece carried the history the next one needs.
        let n = 3 * RELEASE_PIECE + 1234;
        let xs: Vec<u8> = (0..n).map(|i| u8::from(i % 7 < 3 || i % 11 == 0)).collect();
        let rng = SecureRng::insecure(4);
        let mut c = FactorCounter::new(Some(64), 20, 1 << 41, n as u64, &rng).unwrap();
        assert!(c.overlap_pays(n));
        let mut plain = c.clone();
        let got = crate::pool::run(|| c.release(&xs)).unwrap();
        let mut source = NoiseSource::new(&rng);
        let zs: Vec<i64> = crate::pool::run(|| {
            let mut zs = Vec::new();
            for piece in xs.chunks(RELEASE_PIECE) {
                zs.extend(source.batch(plain.noise, piece.len())?);
            }
            Ok(zs)
        })
        .unwrap();
        // They are the draws of one batch of the whole stream, too.
        let mut whole = NoiseSource::new(&rng);
        let one = crate::pool::run(|| whole.batch(plain.noise, n)).unwrap();
        assert_eq!(one, zs);
        for (t, ((&x, &z), y)) in xs.iter().zip(&zs).zip(&got).enumerate() {
            let want = plain.advance(x, z);
            assert!(
                (y - want).abs() <= 1e-8 * (1.0 + want.abs()),
                "step {t}: {y} vs {want}"
            );
        }
    }

    #[test]
    fn a_refused_fft_release_leaves_the_counter_as_it_was() {
        // Past the rounding tolerance (here: any), the batch is refused before any state changes,
        // so `release` can step the same batch instead.
        let mut c = FactorCounter::new(None, 20, 1 << 30, 4000, &SecureRng::insecure(3)).unwrap();
        let xs: Vec<u8> = (0..3000).map(|i| u8::from(i % 3 == 0)).collect();
        let zs: Vec<i64> = (0..3000).map(|i| (i % 11 - 5) << 10).collect();
        for (&x, &z) in xs[..1000].iter().zip(&zs) {
            c.advance(x, z);
        }
        let before = crate::snapshot::to_bytes(&c).unwrap();
        assert!(c
            .release_fft_within(&xs[1000..], &zs[1000..], -1.0)
            .is_none());
        assert_eq!(crate::snapshot::to_bytes(&c).unwrap(), before);
        assert!(c.release_fft(&xs[1000..], &zs[1000..]).is_some());
        assert_eq!(c.steps(), 3000);
    }

    #[test]
    fn counts_are_exact_without_noise_and_restore_bit_for_bit() {
        // σ² = 1 on a 2^20 grid: the release's standard deviation is below 1e-5 of a count.
        let xs: Vec<u8> = (0..400).map(|i| u8::from(i % 7 < 3)).collect();
        let mut a = FactorCounter::new(Some(16), 20, 1, 800, &SecureRng::insecure(2)).unwrap();
        let ya = a.release(&xs).unwrap();
        let mut truth = 0.0;
        for (y, &x) in ya.iter().zip(&xs) {
            truth += f64::from(x);
            assert!((y - truth).abs() < 1e-4, "{y} vs {truth}");
        }
        let bytes = crate::snapshot::to_bytes(&a).unwrap();
        let b: FactorCounter = crate::snapshot::from_bytes(&bytes).unwrap();
        assert_eq!(crate::snapshot::to_bytes(&b).unwrap(), bytes);
        assert!(matches!(a.step(3), Err(Error::InvalidParameter { .. })));
        assert!(FactorCounter::new(Some(0), 20, 1, 10, &SecureRng::insecure(0)).is_err());
        assert!(FactorCounter::new(Some(4), 21, 1, 10, &SecureRng::insecure(0)).is_err());
        assert!(FactorCounter::new(Some(4), 20, 1 << 59, 10, &SecureRng::insecure(0)).is_err());
        let mut short = FactorCounter::new(Some(4), 20, 1, 2, &SecureRng::insecure(0)).unwrap();
        short.release(&[1, 1]).unwrap();
        assert!(matches!(short.step(0), Err(Error::BudgetExhausted(_))));
    }
}
