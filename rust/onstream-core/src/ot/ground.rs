//! The ground cost `C` of a transport problem and the fused log-domain reductions over it.
//!
//! Two kinds of cost: a dense row-major `n × m` matrix borrowed from the caller, or squared
//! Euclidean distances between two point clouds, computed on the fly one row at a time, so a
//! point-cloud problem never holds an `n × m` matrix. Every solver touches the cost only through
//! [`Ground::row`] and [`Ground::lse_cols`], so a new cost (a lazily evaluated kernel, a grid with a
//! separable cost) is a new implementation of this trait and nothing else.
//!
//! The reductions are the inner steps of log-domain Sinkhorn: for potentials `h`,
//! `LSE_j (h_j − C_ij)/ε` per row and `LSE_i (h_i − C_ij)/ε` per column, each in two passes (the
//! maximum, then shifted exponentials through the vectorizable [`exp_nonpos`]) so nothing overflows.
//! Work splits by rows or by column stripes, never across a reduction: the bits do not depend on the
//! number of threads.

use rayon::prelude::*;

use crate::dense::expm::exp_nonpos;
use crate::dense::finite::first_non_finite;
use crate::dense::simd::multiversion;
use crate::error::{Error, Result};

/// The cost matrix of a transport problem, as the solvers see it.
pub trait Ground: Sync {
    /// `(n, m)`: rows index the source measure, columns the target.
    fn shape(&self) -> (usize, usize);
    /// Row `i` of `C`: borrowed when it is stored, else computed into `buf` (length `m`).
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64];
    /// For each column `j`, `LSE_i (h_i − C_ij)·inv_eps`, written to `out` (length `m`).
    fn lse_cols(&self, h: &[f64], inv_eps: f64, out: &mut [f64]);
    /// The largest entry of `C` or an upper bound on it: where ε-scaling starts.
    fn max_cost(&self) -> f64;
}

/// A dense row-major cost matrix borrowed from the caller.
pub struct DenseCost<'a> {
    c: &'a [f64],
    n: usize,
    m: usize,
}

impl<'a> DenseCost<'a> {
    /// Checks the shape, that every entry is finite and that the matrix is not empty.
    pub fn new(c: &'a [f64], n: usize, m: usize) -> Result<Self> {
        if n == 0 || m == 0 {
            return Err(Error::Empty { name: "cost" });
        }
        if n.checked_mul(m) != Some(c.len()) {
            return Err(Error::shape(
                "cost",
                format!("{} elements", c.len()),
                format!("{n} × {m}"),
            ));
        }
        if let Some(index) = first_non_finite(c) {
            return Err(Error::NonFinite {
                name: "cost",
                index,
                value: c[index],
            });
        }
        Ok(Self { c, n, m })
    }
}

/// Columns per stripe in the column reduction: each stripe is read twice (maximum, then sums), and
/// 32 columns of a few thousand rows stay in L2 between the two reads.
const STRIPE: usize = 32;

impl Ground for DenseCost<'_> {
    fn shape(&self) -> (usize, usize) {
        (self.n, self.m)
    }

    #[inline(always)]
    fn row<'s>(&'s self, i: usize, _buf: &'s mut [f64]) -> &'s [f64] {
        &self.c[i * self.m..(i + 1) * self.m]
    }

    fn lse_cols(&self, h: &[f64], inv_eps: f64, out: &mut [f64]) {
        out.par_chunks_mut(STRIPE)
            .enumerate()
            .for_each(|(s, o)| stripe_lse(self.c, self.m, s * STRIPE, h, inv_eps, o));
    }

    fn max_cost(&self) -> f64 {
        self.c
            .par_iter()
            .copied()
            .reduce(|| f64::NEG_INFINITY, f64::max)
    }
}

/// Points in `R^d`, kept both point-major (one point's coordinates together, for the point a row
/// belongs to) and coordinate-major (one coordinate of every point together, so the distance loop
/// over the other side's points is contiguous and vectorizes).
pub struct Points {
    len: usize,
    dim: usize,
    by_point: Vec<f64>,
    by_coord: Vec<f64>,
}

impl Points {
    /// `len` points of dimension `dim`, point-major; every coordinate finite.
    pub fn new(name: &'static str, coords: &[f64], len: usize, dim: usize) -> Result<Self> {
        if len == 0 || dim == 0 {
            return Err(Error::Empty { name });
        }
        if len.checked_mul(dim) != Some(coords.len()) {
            return Err(Error::shape(
                name,
                format!("{} coordinates", coords.len()),
                format!("{len} × {dim}"),
            ));
        }
        if let Some(index) = coords.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                name,
                index,
                value: coords[index],
            });
        }
        let mut by_coord = vec![0.0; coords.len()];
        for (p, point) in coords.chunks_exact(dim).enumerate() {
            for (k, &v) in point.iter().enumerate() {
                by_coord[k * len + p] = v;
            }
        }
        Ok(Self {
            len,
            dim,
            by_point: coords.to_vec(),
            by_coord,
        })
    }

    /// Squared distances from point `i` of `self` to every point of `other`, into `out`.
    #[inline(always)]
    fn sq_dists(&self, i: usize, other: &Points, out: &mut [f64]) {
        let p = &self.by_point[i * self.dim..(i + 1) * self.dim];
        out.fill(0.0);
        for (k, &pk) in p.iter().enumerate() {
            let col = &other.by_coord[k * other.len..(k + 1) * other.len];
            for (o, &q) in out.iter_mut().zip(col) {
                let d = pk - q;
                *o += d * d;
            }
        }
    }

    /// Per-coordinate minimum and maximum.
    fn bounds(&self) -> Vec<(f64, f64)> {
        (0..self.dim)
            .map(|k| {
                let col = &self.by_coord[k * self.len..(k + 1) * self.len];
                col.iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                        (lo.min(v), hi.max(v))
                    })
            })
            .collect()
    }
}

/// Squared Euclidean cost `C_ij = ‖x_i − y_j‖²` between two point clouds, never materialized.
pub struct SqEuclidean {
    x: Points,
    y: Points,
}

impl SqEuclidean {
    /// The cost between `x` (`n × d`, point-major) and `y` (`m × d`).
    pub fn new(x: &[f64], n: usize, y: &[f64], m: usize, dim: usize) -> Result<Self> {
        Ok(Self {
            x: Points::new("x", x, n, dim)?,
            y: Points::new("y", y, m, dim)?,
        })
    }
}

impl Ground for SqEuclidean {
    fn shape(&self) -> (usize, usize) {
        (self.x.len, self.y.len)
    }

    #[inline(always)]
    fn row<'s>(&'s self, i: usize, buf: &'s mut [f64]) -> &'s [f64] {
        self.x.sq_dists(i, &self.y, buf);
        buf
    }

    fn lse_cols(&self, h: &[f64], inv_eps: f64, out: &mut [f64]) {
        // A column of C is a row of the swapped problem: distances from y_j to every x_i.
        let n = self.x.len;
        out.par_iter_mut().enumerate().for_each_init(
            || vec![0.0; n],
            |buf, (j, o)| {
                *o = dispatch_col(&self.y, j, &self.x, h, inv_eps, buf);
            },
        );
    }

    fn max_cost(&self) -> f64 {
        // The squared diagonal of the joint bounding box bounds every distance.
        self.x
            .bounds()
            .iter()
            .zip(self.y.bounds())
            .map(|(&(a_lo, a_hi), (b_lo, b_hi))| {
                let w = a_hi.max(b_hi) - a_lo.min(b_lo);
                w * w
            })
            .sum()
    }
}

/// NaN-free maximum in a form that maps onto `maxpd`.
#[inline(always)]
pub(crate) fn fmax(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else {
        b
    }
}

const LANES: usize = 8;

/// `(max_j (h_j − c_j), Σ_j exp(((h_j − c_j) − max)·inv_eps))`: the two passes of a shifted
/// log-sum-exp, eight accumulators wide so the compiler vectorizes both loops.
#[inline(always)]
pub(crate) fn shifted_sum(h: &[f64], c: &[f64], inv_eps: f64) -> (f64, f64) {
    let hs = h.chunks_exact(LANES);
    let cs = c.chunks_exact(LANES);
    let (h_rest, c_rest) = (hs.remainder(), cs.remainder());
    let mut mx = [f64::NEG_INFINITY; LANES];
    for (hc, cc) in hs.clone().zip(cs.clone()) {
        for l in 0..LANES {
            mx[l] = fmax(hc[l] - cc[l], mx[l]);
        }
    }
    let mut m = mx.iter().fold(f64::NEG_INFINITY, |a, &b| fmax(b, a));
    for (&hv, &cv) in h_rest.iter().zip(c_rest) {
        m = fmax(hv - cv, m);
    }
    if m == f64::NEG_INFINITY {
        return (m, 0.0);
    }
    let mut acc = [0.0f64; LANES];
    for (hc, cc) in hs.zip(cs) {
        for l in 0..LANES {
            acc[l] += exp_nonpos(((hc[l] - cc[l]) - m) * inv_eps);
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (&hv, &cv) in h_rest.iter().zip(c_rest) {
        s += exp_nonpos(((hv - cv) - m) * inv_eps);
    }
    (m, s)
}

/// `LSE_j (h_j − c_j)·inv_eps`.
#[inline(always)]
pub(crate) fn shifted_lse(h: &[f64], c: &[f64], inv_eps: f64) -> f64 {
    let (m, s) = shifted_sum(h, c, inv_eps);
    if m == f64::NEG_INFINITY {
        m
    } else {
        m * inv_eps + s.ln()
    }
}

multiversion! {
    /// Log-sum-exp down column `j` of a point-cloud cost: a row of the swapped problem.
    fn dispatch_col(
        a: &Points,
        j: usize,
        b: &Points,
        h: &[f64],
        inv_eps: f64,
        buf: &mut [f64],
    ) -> f64 {
        a.sq_dists(j, b, buf);
        shifted_lse(h, buf, inv_eps)
    }
}

multiversion! {
    /// Column log-sum-exps of columns `j0 .. j0 + out.len()` (at most [`STRIPE`]) of a dense cost.
    fn stripe_lse(c: &[f64], m: usize, j0: usize, h: &[f64], inv_eps: f64, out: &mut [f64]) {
        let w = out.len();
        let mut mx = [f64::NEG_INFINITY; STRIPE];
        for (i, &hi) in h.iter().enumerate() {
            let row = &c[i * m + j0..i * m + j0 + w];
            for (x, &cv) in mx.iter_mut().zip(row) {
                *x = fmax(hi - cv, *x);
            }
        }
        let mut s = [0.0f64; STRIPE];
        for (i, &hi) in h.iter().enumerate() {
            let row = &c[i * m + j0..i * m + j0 + w];
            for ((acc, &x), &cv) in s.iter_mut().zip(&mx).zip(row) {
                *acc += exp_nonpos(((hi - cv) - x) * inv_eps);
            }
        }
        for ((o, &x), &acc) in out.iter_mut().zip(&mx).zip(&s) {
            *o = if x == f64::NEG_INFINITY {
                x
            } else {
                x * inv_eps + acc.ln()
            };
        }
    }
}

multiversion! {
    /// Log-sum-exps of the rows `i0 ..` (as many as `out` holds).
    fn rows_block<G: Ground>(
        ground: &G,
        i0: usize,
        h: &[f64],
        inv_eps: f64,
        buf: &mut [f64],
        out: &mut [f64],
    ) {
        for (k, o) in out.iter_mut().enumerate() {
            let row = ground.row(i0 + k, buf);
            *o = shifted_lse(h, row, inv_eps);
        }
    }
}

/// Rows per unit of parallel work in the row reduction.
const ROWS_PER_TASK: usize = 8;

/// For each row `i`, `LSE_j (h_j − C_ij)·inv_eps`, written to `out` (length `n`).
pub fn lse_rows<G: Ground>(ground: &G, h: &[f64], inv_eps: f64, out: &mut [f64]) {
    let m = ground.shape().1;
    out.par_chunks_mut(ROWS_PER_TASK).enumerate().for_each_init(
        || vec![0.0; m],
        |buf, (t, o)| rows_block(ground, t * ROWS_PER_TASK, h, inv_eps, buf, o),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_lse(v: impl Iterator<Item = f64>) -> f64 {
        let v: Vec<f64> = v.collect();
        let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        m + v.iter().map(|x| (x - m).exp()).sum::<f64>().ln()
    }

    fn cloud(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn dense_and_cloud_reductions_match_the_definition() {
        let (n, m, d) = (37, 53, 3);
        let (x, y) = (cloud(n, d, 1), cloud(m, d, 2));
        let c: Vec<f64> = (0..n * m)
            .map(|k| {
                let (i, j) = (k / m, k % m);
                (0..d).map(|t| (x[i * d + t] - y[j * d + t]).powi(2)).sum()
            })
            .collect();
        let dense = DenseCost::new(&c, n, m).unwrap();
        let pts = SqEuclidean::new(&x, n, &y, m, d).unwrap();
        let hr = cloud(m, 1, 3);
        let hc = cloud(n, 1, 4);
        let inv_eps = 1.0 / 0.01;
        let mut rd = vec![0.0; n];
        let mut rp = vec![0.0; n];
        lse_rows(&dense, &hr, inv_eps, &mut rd);
        lse_rows(&pts, &hr, inv_eps, &mut rp);
        let mut cd = vec![0.0; m];
        let mut cp = vec![0.0; m];
        dense.lse_cols(&hc, inv_eps, &mut cd);
        pts.lse_cols(&hc, inv_eps, &mut cp);
        for i in 0..n {
            let want = naive_lse((0..m).map(|j| (hr[j] - c[i * m + j]) * inv_eps));
            assert!((rd[i] - want).abs() < 1e-9 * want.abs().max(1.0), "{i}");
            assert!((rp[i] - want).abs() < 1e-9 * want.abs().max(1.0), "{i}");
        }
        for j in 0..m {
            let want = naive_lse((0..n).map(|i| (hc[i] - c[i * m + j]) * inv_eps));
            assert!((cd[j] - want).abs() < 1e-9 * want.abs().max(1.0), "{j}");
            assert!((cp[j] - want).abs() < 1e-9 * want.abs().max(1.0), "{j}");
        }
        assert!(pts.max_cost() >= dense.max_cost());
    }

    #[test]
    fn bad_costs_are_refused() {
        assert!(matches!(
            DenseCost::new(&[1.0, f64::NAN], 1, 2),
            Err(Error::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            DenseCost::new(&[1.0; 5], 2, 3),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            DenseCost::new(&[], 0, 3),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            SqEuclidean::new(&[0.0, f64::INFINITY], 1, &[0.0, 0.0], 1, 2),
            Err(Error::NonFinite { name: "x", .. })
        ));
    }
}
