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

use super::objective::Objective;
use crate::dense::finite::first_non_finite;
use crate::error::{Error, Result};

/// How similarities are obtained.
pub enum Similarity {
    /// Stored, candidate-major: `k[e · n_points + i] = s(i, e)`.
    Kernel(Vec<f32>),
    /// Computed from features: `max D² − |x_i − x_e|²` (apricot's "euclidean").
    Euclidean {
        /// Row-major points, `n × d`.
        x: Vec<f32>,
        /// Dimension.
        d: usize,
        /// The largest squared distance between two points.
        max_d2: f32,
    },
    /// Computed from features: `cos²(x_i, x_e)` (apricot's "cosine"); rows stored normalized.
    Cosine {
        /// Row-major unit vectors (zero rows stay zero), `n × d`.
        x: Vec<f32>,
        /// Dimension.
        d: usize,
    },
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

fn sq_dist(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut ac = a.chunks_exact(LANES);
    let mut bc = b.chunks_exact(LANES);
    for (x, y) in (&mut ac).zip(&mut bc) {
        for l in 0..LANES {
            let t = x[l] - y[l];
            acc[l] += t * t;
        }
    }
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| (x - y) * (x - y))
        .sum();
    acc.iter().sum::<f32>() + tail
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let mut ac = a.chunks_exact(LANES);
    let mut bc = b.chunks_exact(LANES);
    for (x, y) in (&mut ac).zip(&mut bc) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f32 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    acc.iter().sum::<f32>() + tail
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
        if let Some(index) = s.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::OutOfRange {
                name: "kernel",
                index,
                got: s[index].to_string(),
                expected: "a finite similarity >= 0".into(),
            });
        }
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
                let max_d2 = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let xi = &xf[i * d..(i + 1) * d];
                        (i + 1..n)
                            .map(|j| sq_dist(xi, &xf[j * d..(j + 1) * d]))
                            .fold(0.0f32, f32::max)
                    })
                    .reduce(|| 0.0f32, f32::max);
                Similarity::Euclidean { x: xf, d, max_d2 }
            }
            "cosine" => {
                let mut xf = xf;
                for row in xf.chunks_mut(d) {
                    let norm = dot(row, row).sqrt();
                    if norm > 0.0 {
                        row.iter_mut().for_each(|v| *v /= norm);
                    }
                }
                Similarity::Cosine { x: xf, d }
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

    /// Number of points (the terms of `f`).
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// Whether the similarities are stored.
    pub fn stored(&self) -> bool {
        matches!(self.sim, Similarity::Kernel(_))
    }

    /// `s(·, e)` into `out` (length `n_points`).
    fn similarities(&self, e: usize, out: &mut [f32]) {
        match &self.sim {
            Similarity::Kernel(k) => {
                out.copy_from_slice(&k[e * self.n_points..(e + 1) * self.n_points])
            }
            Similarity::Euclidean { x, d, max_d2 } => {
                let xe = &x[e * d..(e + 1) * d];
                for (o, xi) in out.iter_mut().zip(x.chunks_exact(*d)) {
                    *o = max_d2 - sq_dist(xi, xe);
                }
            }
            Similarity::Cosine { x, d } => {
                let xe = &x[e * d..(e + 1) * d];
                for (o, xi) in out.iter_mut().zip(x.chunks_exact(*d)) {
                    let c = dot(xi, xe);
                    *o = c * c;
                }
            }
        }
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
        let best = &state.best;
        match &self.sim {
            Similarity::Kernel(k) => gain_row(&k[e * self.n_points..(e + 1) * self.n_points], best),
            // On the fly: one pass over the points, no row buffer.
            Similarity::Euclidean { x, d, max_d2 } => {
                let xe = &x[e * d..(e + 1) * d];
                x.chunks_exact(*d)
                    .zip(best)
                    .map(|(xi, &b)| f64::from((max_d2 - sq_dist(xi, xe) - b).max(0.0)))
                    .sum()
            }
            Similarity::Cosine { x, d } => {
                let xe = &x[e * d..(e + 1) * d];
                x.chunks_exact(*d)
                    .zip(best)
                    .map(|(xi, &b)| {
                        let c = dot(xi, xe);
                        f64::from((c * c - b).max(0.0))
                    })
                    .sum()
            }
        }
    }

    fn insert(&self, state: &mut Best, e: usize) {
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
