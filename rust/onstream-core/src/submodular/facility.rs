//! Facility location, `f(S) = Σ_i max_{j ∈ S} s(i, j)` over points `i` and candidates `j`, with
//! similarities stored (a dense float32 kernel) or computed on the fly from features (nothing
//! `n²` is stored).
//!
//! Euclidean similarity is apricot's, `s(i, j) = max D² − D²(i, j)` with the maximum over all pairs
//! of points, and cosine similarity is apricot's too, the squared cosine `cos²(x_i, x_j)`; so
//! selections compare with apricot's `FacilityLocationSelection`. The state of a set is each
//! point's best similarity so far, so a gain `Σ_i max(0, s(i, e) − best_i)` reads one kernel row
//! (or computes one row of similarities).

use rayon::prelude::*;

use super::objective::{check_nonnegative, Objective};
use crate::dense::finite::first_non_finite;
use crate::dense::simd::multiversion;
use crate::error::{Error, Result};

/// Features kept twice: row-major (a candidate's vector) and dimension-major (so the similarities
/// of one candidate to a block of points are `d` vectorized sweeps over contiguous floats).
pub struct Points {
    rows: Vec<f32>,
    cols: Vec<f32>,
    n: usize,
    d: usize,
}

impl Points {
    fn new(rows: Vec<f32>, n: usize, d: usize) -> Self {
        let mut cols = vec![0.0f32; n * d];
        for (i, row) in rows.chunks_exact(d).enumerate() {
            for (k, &v) in row.iter().enumerate() {
                cols[k * n + i] = v;
            }
        }
        Self { rows, cols, n, d }
    }

    fn row(&self, e: usize) -> &[f32] {
        &self.rows[e * self.d..(e + 1) * self.d]
    }
}

multiversion! {
    /// `out[i] = Σ_k (x_{start+i,k} − v_k)²` (`dot = false`) or `Σ_k x_{start+i,k} v_k`
    /// (`dot = true`) for the points `start..start + out.len()`.
    fn block_reduce(cols: &[f32], n: usize, v: &[f32], start: usize, dot: bool, out: &mut [f32]) {
        out.fill(0.0);
        let len = out.len();
        for (k, &vk) in v.iter().enumerate() {
            let col = &cols[k * n + start..k * n + start + len];
            if dot {
                for (o, &x) in out.iter_mut().zip(col) {
                    *o += x * vk;
                }
            } else {
                for (o, &x) in out.iter_mut().zip(col) {
                    let t = x - vk;
                    *o += t * t;
                }
            }
        }
    }
}

/// Points per block of an on-the-fly similarity row (fits L1 with its column slices streaming).
const BLOCK: usize = 2048;

/// How similarities are obtained.
pub enum Similarity {
    /// Stored, candidate-major: `k[e · n_points + i] = s(i, e)`.
    Kernel(Vec<f32>),
    /// Stored sparse, candidate-major: candidate `e`'s nonzero similarities are
    /// `vals[indptr[e]..indptr[e + 1]]` to the points `points[...]` (a k-nearest-neighbour kernel:
    /// every other similarity is 0).
    Sparse {
        /// Offsets of each candidate's entries.
        indptr: Vec<usize>,
        /// Point of each entry.
        points: Vec<u32>,
        /// Similarity of each entry.
        vals: Vec<f32>,
    },
    /// Computed from features: `max D² − |x_i − x_e|²` (apricot's "euclidean").
    Euclidean {
        /// The points.
        p: Points,
        /// The largest squared distance between two points.
        max_d2: f32,
    },
    /// Computed from features: `cos²(x_i, x_e)` (apricot's "cosine"); vectors stored normalized.
    Cosine {
        /// The points, normalized (zero vectors stay zero).
        p: Points,
    },
}

impl Similarity {
    /// `s(start.., e)` into `out` (features only; the kernel is read directly).
    fn block(&self, e: usize, start: usize, out: &mut [f32]) {
        match self {
            Similarity::Kernel(_) | Similarity::Sparse { .. } => {}
            Similarity::Euclidean { p, max_d2 } => {
                block_reduce(&p.cols, p.n, p.row(e), start, false, out);
                for o in out.iter_mut() {
                    *o = max_d2 - *o;
                }
            }
            Similarity::Cosine { p } => {
                block_reduce(&p.cols, p.n, p.row(e), start, true, out);
                for o in out.iter_mut() {
                    *o *= *o;
                }
            }
        }
    }
}

/// Point-major sparse rows to the candidate-major form.
fn transpose(rows: &[Vec<(u32, f32)>], n_cand: usize) -> Similarity {
    let mut count = vec![0usize; n_cand + 1];
    for r in rows {
        for &(j, _) in r {
            count[j as usize + 1] += 1;
        }
    }
    for j in 0..n_cand {
        count[j + 1] += count[j];
    }
    let indptr = count.clone();
    let mut next = count;
    let nnz = indptr[n_cand];
    let (mut points, mut vals) = (vec![0u32; nnz], vec![0.0f32; nnz]);
    for (i, r) in rows.iter().enumerate() {
        for &(j, v) in r {
            let at = &mut next[j as usize];
            points[*at] = i as u32;
            vals[*at] = v;
            *at += 1;
        }
    }
    Similarity::Sparse {
        indptr,
        points,
        vals,
    }
}

/// Facility location over `n_points` points and `n_cand` candidates.
pub struct FacilityLocation {
    sim: Similarity,
    n_points: usize,
    n_cand: usize,
}

/// Each point's best similarity to the set, and `f(S)`.
#[derive(Clone, Debug)]
pub struct Best {
    best: Vec<f32>,
    value: f64,
}

const LANES: usize = 8;

/// `Σ_i max(0, s_i − best_i)`, eight float32 lanes summed in float64 per block.
#[inline(always)]
fn gain_row(s: &[f32], best: &[f32]) -> f64 {
    let mut total = 0.0f64;
    for (sb, bb) in s.chunks(1024).zip(best.chunks(1024)) {
        let mut acc = [0.0f32; LANES];
        let mut sc = sb.chunks_exact(LANES);
        let mut bc = bb.chunks_exact(LANES);
        for (x, y) in (&mut sc).zip(&mut bc) {
            for l in 0..LANES {
                acc[l] += (x[l] - y[l]).max(0.0);
            }
        }
        let tail: f32 = sc
            .remainder()
            .iter()
            .zip(bc.remainder())
            .map(|(x, y)| (x - y).max(0.0))
            .sum();
        total += acc.iter().map(|&v| f64::from(v)).sum::<f64>() + f64::from(tail);
    }
    total
}

fn check_features(x: &[f64], n: usize, d: usize) -> Result<()> {
    if n == 0 || d == 0 {
        return Err(Error::Empty { name: "features" });
    }
    if x.len() != n * d {
        return Err(Error::shape("features", x.len(), format!("{n} × {d}")));
    }
    if let Some(index) = first_non_finite(x) {
        return Err(Error::NonFinite {
            name: "features",
            index,
            value: x[index],
        });
    }
    Ok(())
}

impl FacilityLocation {
    /// From a dense similarity matrix, `n_points × n_cand` row-major (`s(i, j)` at `i · n_cand +
    /// j`); similarities must be finite and nonnegative (the empty set's best is 0).
    pub fn from_kernel(s: &[f64], n_points: usize, n_cand: usize) -> Result<Self> {
        if n_points == 0 || n_cand == 0 {
            return Err(Error::Empty { name: "kernel" });
        }
        if s.len() != n_points * n_cand {
            return Err(Error::shape(
                "kernel",
                s.len(),
                format!("{n_points} × {n_cand}"),
            ));
        }
        check_nonnegative("kernel", s, "similarity")?;
        let mut k = vec![0.0f32; n_points * n_cand];
        k.par_chunks_mut(n_points).enumerate().for_each(|(e, row)| {
            for (i, v) in row.iter_mut().enumerate() {
                *v = s[i * n_cand + e] as f32;
            }
        });
        Ok(Self {
            sim: Similarity::Kernel(k),
            n_points,
            n_cand,
        })
    }

    /// From features `x` (`n × d`, row-major): every point is also a candidate. `metric` is
    /// `"euclidean"` or `"cosine"`; `store` builds the dense `n × n` float32 kernel once instead
    /// of computing rows on the fly.
    pub fn from_features(x: &[f64], n: usize, d: usize, metric: &str, store: bool) -> Result<Self> {
        check_features(x, n, d)?;
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let sim = match metric {
            "euclidean" => {
                let p = Points::new(xf, n, d);
                // The largest squared distance, over the pairs i < j, block by block.
                let max_d2 = (0..n)
                    .into_par_iter()
                    .map_init(
                        || vec![0.0f32; BLOCK],
                        |buf, i| {
                            let mut m = 0.0f32;
                            let mut start = i + 1;
                            while start < n {
                                let len = BLOCK.min(n - start);
                                block_reduce(&p.cols, n, p.row(i), start, false, &mut buf[..len]);
                                m = buf[..len].iter().fold(m, |a, &b| a.max(b));
                                start += len;
                            }
                            m
                        },
                    )
                    .reduce(|| 0.0f32, f32::max);
                Similarity::Euclidean { p, max_d2 }
            }
            "cosine" => {
                let mut xf = xf;
                for row in xf.chunks_mut(d) {
                    let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
                    if norm > 0.0 {
                        row.iter_mut().for_each(|v| *v /= norm);
                    }
                }
                Similarity::Cosine {
                    p: Points::new(xf, n, d),
                }
            }
            other => return Err(Error::invalid("metric", other, "'euclidean' or 'cosine'")),
        };
        let mut out = Self {
            sim,
            n_points: n,
            n_cand: n,
        };
        if store {
            let mut k = vec![0.0f32; n * n];
            k.par_chunks_mut(n)
                .enumerate()
                .for_each(|(e, row)| out.similarities(e, row));
            out.sim = Similarity::Kernel(k);
        }
        Ok(out)
    }

    /// From a sparse similarity matrix in CSR form, `n_points × n_cand` (row `i` holds point
    /// `i`'s nonzero similarities to candidates); entries finite and nonnegative.
    pub fn from_sparse(
        indptr: &[i64],
        indices: &[i64],
        data: &[f64],
        n_points: usize,
        n_cand: usize,
    ) -> Result<Self> {
        if n_points == 0 || n_cand == 0 {
            return Err(Error::Empty { name: "kernel" });
        }
        if indptr.len() != n_points + 1
            || indptr[0] != 0
            || indptr.windows(2).any(|w| w[1] < w[0])
            || indptr[n_points] as usize != indices.len()
            || indices.len() != data.len()
        {
            return Err(Error::invalid(
                "kernel",
                "an inconsistent CSR matrix",
                "indptr of n_points + 1 nondecreasing offsets from 0, one index and value each",
            ));
        }
        if let Some(index) = indices.iter().position(|&j| j < 0 || j as usize >= n_cand) {
            return Err(Error::OutOfRange {
                name: "kernel indices",
                index,
                got: indices[index].to_string(),
                expected: format!("a candidate in 0..{n_cand}"),
            });
        }
        check_nonnegative("kernel", data, "similarity")?;
        let rows: Vec<Vec<(u32, f32)>> = (0..n_points)
            .map(|i| {
                let r = indptr[i] as usize..indptr[i + 1] as usize;
                indices[r.clone()]
                    .iter()
                    .zip(&data[r])
                    .map(|(&j, &v)| (j as u32, v as f32))
                    .collect()
            })
            .collect();
        Ok(Self {
            sim: transpose(&rows, n_cand),
            n_points,
            n_cand,
        })
    }

    /// From features with a k-nearest-neighbour kernel: every point keeps its similarity to its
    /// `neighbors` most similar points (itself included) under `metric`, every other similarity
    /// is 0 (apricot's `n_neighbors`). Building costs one pass over all pairs; memory and every
    /// gain are `O(n · neighbors)`.
    pub fn from_features_knn(
        x: &[f64],
        n: usize,
        d: usize,
        metric: &str,
        neighbors: usize,
    ) -> Result<Self> {
        if neighbors == 0 {
            return Err(Error::invalid("neighbors", neighbors, "an integer >= 1"));
        }
        let dense = Self::from_features(x, n, d, metric, false)?;
        let keep = neighbors.min(n);
        let rows: Vec<Vec<(u32, f32)>> = (0..n)
            .into_par_iter()
            .map_init(
                || vec![0.0f32; n],
                |buf, i| {
                    // Similarities are symmetric: row i of s is column i.
                    dense.similarities(i, buf);
                    let mut order: Vec<u32> = (0..n as u32).collect();
                    order.select_nth_unstable_by(keep - 1, |&a, &b| {
                        buf[b as usize].total_cmp(&buf[a as usize]).then(a.cmp(&b))
                    });
                    order.truncate(keep);
                    order.sort_unstable();
                    order
                        .iter()
                        .map(|&j| (j, buf[j as usize].max(0.0)))
                        .collect()
                },
            )
            .collect();
        Ok(Self {
            sim: transpose(&rows, n),
            n_points: n,
            n_cand: n,
        })
    }

    /// Number of points (the terms of `f`).
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// Whether the similarities are stored (densely or sparsely).
    pub fn stored(&self) -> bool {
        matches!(self.sim, Similarity::Kernel(_) | Similarity::Sparse { .. })
    }

    /// Stored similarities (the kernel's nonzeros when sparse, `n_points · n_cand` when dense).
    pub fn stored_entries(&self) -> usize {
        match &self.sim {
            Similarity::Kernel(k) => k.len(),
            Similarity::Sparse { vals, .. } => vals.len(),
            _ => 0,
        }
    }

    /// Candidate `e`'s sparse entries, when the kernel is sparse.
    fn sparse_row(&self, e: usize) -> Option<(&[u32], &[f32])> {
        match &self.sim {
            Similarity::Sparse {
                indptr,
                points,
                vals,
            } => {
                let r = indptr[e]..indptr[e + 1];
                Some((&points[r.clone()], &vals[r]))
            }
            _ => None,
        }
    }

    /// `s(·, e)` into `out` (length `n_points`).
    fn similarities(&self, e: usize, out: &mut [f32]) {
        if let Similarity::Kernel(k) = &self.sim {
            out.copy_from_slice(&k[e * self.n_points..(e + 1) * self.n_points]);
            return;
        }
        for (b, chunk) in out.chunks_mut(BLOCK).enumerate() {
            self.sim.block(e, b * BLOCK, chunk);
        }
    }

    /// `Σ_i max(0, s(i, e) − best_i)` over block `b` of the points (`best` is that block).
    fn block_gain(&self, e: usize, b: usize, best: &[f32]) -> f64 {
        let start = b * BLOCK;
        if let Similarity::Kernel(k) = &self.sim {
            let row = e * self.n_points + start;
            return gain_row(&k[row..row + best.len()], best);
        }
        let mut buf = [0.0f32; BLOCK];
        let s = &mut buf[..best.len()];
        self.sim.block(e, start, s);
        gain_row(s, best)
    }

    fn with_row<R>(&self, e: usize, f: impl FnOnce(&[f32]) -> R) -> R {
        match &self.sim {
            Similarity::Kernel(k) => f(&k[e * self.n_points..(e + 1) * self.n_points]),
            _ => {
                let mut buf = vec![0.0f32; self.n_points];
                self.similarities(e, &mut buf);
                f(&buf)
            }
        }
    }
}

impl Objective for FacilityLocation {
    type State = Best;

    fn len(&self) -> usize {
        self.n_cand
    }

    fn empty(&self) -> Best {
        Best {
            best: vec![0.0; self.n_points],
            value: 0.0,
        }
    }

    fn gain(&self, state: &Best, e: usize) -> f64 {
        if let Some((pts, vals)) = self.sparse_row(e) {
            return pts
                .iter()
                .zip(vals)
                .map(|(&i, &v)| f64::from((v - state.best[i as usize]).max(0.0)))
                .sum();
        }
        state
            .best
            .chunks(BLOCK)
            .enumerate()
            .map(|(b, bb)| self.block_gain(e, b, bb))
            .sum()
    }

    fn gain_alone(&self, state: &Best, e: usize) -> f64 {
        // Blocks of points in parallel when a row is long enough to pay for the fork; the block
        // sums are added in the order `gain` adds them, so both return the same bits.
        if self.n_points < 4 * BLOCK || self.sparse_row(e).is_some() {
            return self.gain(state, e);
        }
        let parts: Vec<f64> = state
            .best
            .par_chunks(BLOCK)
            .enumerate()
            .map(|(b, bb)| self.block_gain(e, b, bb))
            .collect();
        parts.iter().sum()
    }

    fn insert(&self, state: &mut Best, e: usize) {
        if let Some((pts, vals)) = self.sparse_row(e) {
            state.value += self.gain(state, e);
            for (&i, &v) in pts.iter().zip(vals) {
                let b = &mut state.best[i as usize];
                *b = b.max(v);
            }
            return;
        }
        self.with_row(e, |s| {
            state.value += gain_row(s, &state.best);
            for (b, &v) in state.best.iter_mut().zip(s) {
                *b = b.max(v);
            }
        });
    }

    fn value(&self, state: &Best) -> f64 {
        state.value
    }
}
