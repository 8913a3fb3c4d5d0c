//! Row-wise and column-wise log-sum-exp of a dense row-major matrix.
//!
//! `lse(v) = m + ln Σ exp(v_i − m)` with `m = max v`, the shift that keeps every exponent ≤ 0 and so
//! never overflows. This is the inner step of log-domain Sinkhorn (Cuturi 2013; Schmitzer 2019). Sums
//! run in `f64` for both element types. `-inf` entries are zero weights; a row of them gives `-inf`.
//! A `+inf` entry gives `+inf`. NaN is refused.
//!
//! Rows are independent, so row-wise work is split over rows. Column-wise work is split into tiles
//! of (column stripe × row block), each keeping running `(max, sum)` pairs per column, merged in
//! row order at the end, so tall and wide matrices both use every thread. Both reductions are
//! deterministic: the same bits whatever the number of threads.
//! The CUDA twin is `gpu/logsumexp.cu`.

use rayon::prelude::*;

use super::expm::exp_nonpos;
use super::real::Real;
use super::simd::multiversion;
use crate::error::{Error, Result};

/// Which way to reduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// One value per row (reduce across columns; NumPy's `axis=1`).
    Rows,
    /// One value per column (reduce across rows; NumPy's `axis=0`).
    Cols,
}

/// Elements per unit of parallel work: large enough to amortize scheduling.
const GRAIN: usize = 1 << 14;
/// Independent accumulators per reduction: the compiler maps them onto SIMD lanes, and the fixed
/// summation order keeps results identical on every machine and thread count.
const LANES: usize = 8;

/// Log-sum-exp of the `n_rows × n_cols` row-major matrix `x` along `axis`.
pub fn logsumexp<T: Real>(x: &[T], n_rows: usize, n_cols: usize, axis: Axis) -> Result<Vec<T>> {
    check_shape(x.len(), n_rows, n_cols)?;
    let has_nan = x
        .par_chunks(GRAIN)
        .any(|c| c.iter().any(|v| v.to_f64().is_nan()));
    if has_nan {
        let index = x.iter().position(|v| v.to_f64().is_nan()).unwrap_or(0);
        return Err(Error::NonFinite {
            name: "x",
            index,
            value: f64::NAN,
        });
    }
    Ok(match axis {
        Axis::Rows => rows(x, n_rows, n_cols),
        Axis::Cols => cols(x, n_rows, n_cols),
    })
}

fn check_shape(len: usize, n_rows: usize, n_cols: usize) -> Result<()> {
    if n_rows == 0 || n_cols == 0 {
        return Err(Error::Empty { name: "x" });
    }
    match n_rows.checked_mul(n_cols) {
        Some(n) if n == len => Ok(()),
        _ => Err(Error::shape(
            "x",
            format!("{len} elements"),
            format!("{n_rows} × {n_cols}"),
        )),
    }
}

/// `m + ln s` with the conventions for infinite maxima.
#[inline]
fn finish(m: f64, s: f64) -> f64 {
    if m.is_infinite() {
        m
    } else {
        m + s.ln()
    }
}

/// NaN-free maximum (NaN was refused up front), in a form that maps onto `maxpd`.
#[inline(always)]
fn fmax(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

#[inline(always)]
fn lse_slice<T: Real>(v: &[T]) -> f64 {
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    let mut mx = [f64::NEG_INFINITY; LANES];
    for c in chunks.clone() {
        for l in 0..LANES {
            mx[l] = fmax(c[l].to_f64(), mx[l]);
        }
    }
    let mut m = mx.iter().fold(f64::NEG_INFINITY, |a, &b| fmax(b, a));
    for a in rest {
        m = fmax(a.to_f64(), m);
    }
    if m.is_infinite() {
        return m;
    }
    let mut acc = [0.0f64; LANES];
    for c in chunks {
        for l in 0..LANES {
            acc[l] += exp_nonpos(c[l].to_f64() - m);
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for a in rest {
        s += exp_nonpos(a.to_f64() - m);
    }
    m + s.ln()
}

multiversion! {
    /// Rows `block` (whole rows) into `out`.
    fn rows_block<T: Real>(block: &[T], n_cols: usize, out: &mut [T]) {
        for (row, o) in block.chunks_exact(n_cols).zip(out.iter_mut()) {
            *o = T::from_f64(lse_slice(row));
        }
    }
}

fn rows<T: Real>(x: &[T], n_rows: usize, n_cols: usize) -> Vec<T> {
    let rows_per_task = (GRAIN / n_cols).max(1);
    let mut out = vec![T::from_f64(0.0); n_rows];
    x.par_chunks(rows_per_task * n_cols)
        .zip(out.par_chunks_mut(rows_per_task))
        .for_each(|(block, o)| rows_block(block, n_cols, o));
    out
}

/// Running per-column state: `lse = max + ln(sum)` with `sum` relative to `max`.
#[derive(Clone)]
struct ColState {
    max: Vec<f64>,
    sum: Vec<f64>,
}

impl ColState {
    /// Merges `other` (columns aligned) into `self`.
    fn merge(mut self, other: &Self) -> Self {
        for j in 0..self.max.len() {
            let (m1, s1) = (self.max[j], self.sum[j]);
            let (m2, s2) = (other.max[j], other.sum[j]);
            let m = fmax(m1, m2);
            self.max[j] = m;
            self.sum[j] = if m.is_infinite() {
                0.0
            } else {
                let a = if m1 == f64::NEG_INFINITY {
                    0.0
                } else {
                    s1 * (m1 - m).exp()
                };
                let b = if m2 == f64::NEG_INFINITY {
                    0.0
                } else {
                    s2 * (m2 - m).exp()
                };
                a + b
            };
        }
        self
    }
}

multiversion! {
    /// One tile: rows `r0..r1` of columns `c0..c1`. Two passes: column maxima, then shifted sums; the
    /// inner loops run along a row, so they are contiguous and vectorize.
    fn tile<T: Real>(
        x: &[T],
        n_cols: usize,
        c: (usize, usize),
        r: (usize, usize),
    ) -> ColState {
        let width = c.1 - c.0;
        let mut max = vec![f64::NEG_INFINITY; width];
        for i in r.0..r.1 {
            let row = &x[i * n_cols + c.0..i * n_cols + c.1];
            for (m, a) in max.iter_mut().zip(row) {
                *m = fmax(a.to_f64(), *m);
            }
        }
        let mut sum = vec![0.0f64; width];
        for i in r.0..r.1 {
            let row = &x[i * n_cols + c.0..i * n_cols + c.1];
            for ((s, &m), a) in sum.iter_mut().zip(&max).zip(row) {
                let e = exp_nonpos(a.to_f64() - m);
                *s += if m.is_finite() { e } else { 0.0 };
            }
        }
        ColState { max, sum }
    }
}

/// Columns per stripe in the column-wise reduction.
const STRIPE: usize = 512;
/// Upper bound on parallel tiles when there are few stripes.
const MAX_TILES: usize = 64;

/// Column-wise reduction over tiles of (column stripe × block of rows).
///
/// The tiling depends only on the shape, never on the thread count or on work stealing, and the
/// tiles of a stripe are merged in row order: the result is bit-for-bit the same on 1 thread or 64,
/// in a forked child or in the parent. Wide matrices get one tile per stripe (memory O(n_cols));
/// narrow ones get up to `MAX_TILES` row blocks (memory O(MAX_TILES × STRIPE)).
fn cols<T: Real>(x: &[T], n_rows: usize, n_cols: usize) -> Vec<T> {
    let width = STRIPE.min(n_cols);
    let stripes = n_cols.div_ceil(width);
    let min_rows = (GRAIN / width).max(1);
    let row_blocks = MAX_TILES
        .div_ceil(stripes)
        .min(n_rows.div_ceil(min_rows))
        .max(1);
    let rows_per_block = n_rows.div_ceil(row_blocks);
    let tiles: Vec<ColState> = (0..stripes * row_blocks)
        .into_par_iter()
        .map(|t| {
            let (stripe, block) = (t / row_blocks, t % row_blocks);
            let c0 = stripe * width;
            let r0 = (block * rows_per_block).min(n_rows);
            let r1 = (r0 + rows_per_block).min(n_rows);
            tile(x, n_cols, (c0, (c0 + width).min(n_cols)), (r0, r1))
        })
        .collect();
    let mut out = Vec::with_capacity(n_cols);
    for per_stripe in tiles.chunks(row_blocks) {
        let mut merged = per_stripe[0].clone();
        for t in &per_stripe[1..] {
            merged = merged.merge(t);
        }
        out.extend(
            merged
                .max
                .iter()
                .zip(&merged.sum)
                .map(|(&m, &s)| T::from_f64(finish(m, s))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, summed naively in the widest type: the independent reference.
    fn naive(values: impl Iterator<Item = f64>) -> f64 {
        let v: Vec<f64> = values.collect();
        let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if m.is_infinite() {
            return m;
        }
        m + v.iter().map(|a| (a - m).exp()).sum::<f64>().ln()
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        a == b || (a - b).abs() <= tol * (1.0 + b.abs())
    }

    proptest! {
        #[test]
        fn matches_the_definition(
            n_rows in 1usize..40,
            n_cols in 1usize..40,
            seed in any::<u64>(),
            scale in prop_oneof![Just(1.0), Just(100.0), Just(1e4)],
        ) {
            let mut rng = crate::rng::from_seed(Some(seed));
            let x: Vec<f64> = (0..n_rows * n_cols)
                .map(|_| (crate::rng::open01(&mut rng) - 0.5) * scale)
                .collect();
            let r = logsumexp(&x, n_rows, n_cols, Axis::Rows).unwrap();
            for i in 0..n_rows {
                let want = naive(x[i * n_cols..(i + 1) * n_cols].iter().copied());
                prop_assert!(close(r[i], want, 1e-12), "row {i}: {} vs {want}", r[i]);
            }
            let c = logsumexp(&x, n_rows, n_cols, Axis::Cols).unwrap();
            for j in 0..n_cols {
                let want = naive((0..n_rows).map(|i| x[i * n_cols + j]));
                prop_assert!(close(c[j], want, 1e-12), "col {j}: {} vs {want}", c[j]);
            }
        }
    }

    #[test]
    fn large_tall_and_wide_matrices_use_the_parallel_paths() {
        for (n_rows, n_cols) in [(20_000, 3), (3, 20_000), (300, 300)] {
            let x: Vec<f32> = (0..n_rows * n_cols)
                .map(|k| ((k * 7919) % 1000) as f32 / 10.0 - 50.0)
                .collect();
            let c = logsumexp(&x, n_rows, n_cols, Axis::Cols).unwrap();
            for j in [0, n_cols / 2, n_cols - 1] {
                let want = naive((0..n_rows).map(|i| f64::from(x[i * n_cols + j])));
                assert!(close(f64::from(c[j]), want, 1e-6));
            }
            let r = logsumexp(&x, n_rows, n_cols, Axis::Rows).unwrap();
            let want = naive(x[..n_cols].iter().map(|&a| f64::from(a)));
            assert!(close(f64::from(r[0]), want, 1e-6));
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (n_rows, n_cols) = (5_000, 37);
        let x: Vec<f64> = (0..n_rows * n_cols)
            .map(|k| ((k * 7919) % 10_007) as f64 / 97.0)
            .collect();
        let on = |threads: usize, axis: Axis| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| logsumexp(&x, n_rows, n_cols, axis).unwrap())
        };
        for axis in [Axis::Rows, Axis::Cols] {
            let one = on(1, axis);
            for threads in [2, 3, 8] {
                let many = on(threads, axis);
                assert!(one
                    .iter()
                    .zip(&many)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
            }
        }
    }

    #[test]
    fn infinities_follow_the_conventions() {
        let ninf = f64::NEG_INFINITY;
        let x = [ninf, ninf, ninf, 0.0, 1.0, f64::INFINITY];
        let r = logsumexp(&x, 2, 3, Axis::Rows).unwrap();
        assert_eq!(r[0], ninf);
        assert_eq!(r[1], f64::INFINITY);
        let c = logsumexp(&x, 2, 3, Axis::Cols).unwrap();
        assert_eq!(c, vec![0.0, 1.0, f64::INFINITY]);
        let c = logsumexp(&[ninf, 2.0, ninf, ninf], 2, 2, Axis::Cols).unwrap();
        assert_eq!(c, vec![ninf, 2.0]);
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(
            logsumexp::<f64>(&[], 0, 3, Axis::Rows),
            Err(Error::Empty { name: "x" })
        );
        assert!(matches!(
            logsumexp(&[1.0, 2.0, 3.0], 2, 2, Axis::Rows),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            logsumexp(&[1.0, f64::NAN], 1, 2, Axis::Cols),
            Err(Error::NonFinite { index: 1, .. })
        ));
    }
}
