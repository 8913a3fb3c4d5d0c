//! Sinkhorn's iterations on a stored kernel (Sinkhorn 1967; Cuturi 2013): `P = diag(u) K̃ diag(v)`,
//! alternating `u = a / K̃v` and `v = b / K̃ᵀu`, no exponentials, and both products of a sweep in
//! one read of the kernel ([`sweep`]: each row's entry of `K̃v` gives its new `u` at once, and the
//! row, still in cache, is added into `K̃ᵀu`). `K̃` is the plan of base potentials `(f, g)`,
//! `K̃_ij = exp((f_i + g_j − C_ij)/ε)`, so `n·m` floats are stored.
//!
//! Two modes:
//!
//! * [`Mode::Fail`] is the classical kernel-domain method, POT's `ot.sinkhorn`: `K̃ = exp(−C/ε)`
//!   (each row shifted by its smallest cost, a factor `u` absorbs, so no row starts all zeros).
//!   Small ε makes the kernel underflow or the scalings overflow; that is reported as
//!   [`Error::Numerical`] naming the log-domain method, never returned as garbage.
//! * [`Mode::Absorb`] is log-domain Sinkhorn in the stabilized form of Schmitzer (2019, Alg. 2):
//!   whenever a scaling leaves `[e^−τ, e^τ]` it is absorbed into the potentials,
//!   `f += ε ln u`, `g += ε ln v`, and `K̃` is rebuilt from them (one exponential pass). The
//!   iterates are the log-domain ones; a sweep costs one read of the kernel instead of two
//!   exponential passes.

use rayon::prelude::*;

use super::ground::{fmax, Ground};
use super::pass::dense_plan;
use super::problem::{Marginals, Stage, Tally};
use crate::dense::simd::multiversion;
use crate::error::{Error, Result};

/// What to do when a scaling leaves the floating-point range.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mode {
    /// Report [`Error::Numerical`] (the kernel-domain method).
    Fail,
    /// Absorb scalings beyond `e^±τ` into the potentials and rebuild the kernel.
    Absorb(f64),
}

const LANES: usize = 4;

/// Four rows at once against `v`: each load of `v` serves four rows (what a BLAS gemv kernel does).
#[inline(always)]
fn dot4(rows: [&[f64]; 4], v: &[f64]) -> [f64; 4] {
    let [r0, r1, r2, r3] = rows;
    let mut acc = [[0.0f64; LANES]; 4];
    let chunks = v
        .chunks_exact(LANES)
        .zip(r0.chunks_exact(LANES))
        .zip(r1.chunks_exact(LANES))
        .zip(r2.chunks_exact(LANES))
        .zip(r3.chunks_exact(LANES));
    for ((((vc, c0), c1), c2), c3) in chunks {
        for l in 0..LANES {
            acc[0][l] += c0[l] * vc[l];
            acc[1][l] += c1[l] * vc[l];
            acc[2][l] += c2[l] * vc[l];
            acc[3][l] += c3[l] * vc[l];
        }
    }
    let body = v.len() - v.len() % LANES;
    let mut out = [0.0; 4];
    for (r, row) in rows.iter().enumerate() {
        let mut s = (acc[r][0] + acc[r][1]) + (acc[r][2] + acc[r][3]);
        for (x, y) in row[body..].iter().zip(&v[body..]) {
            s += x * y;
        }
        out[r] = s;
    }
    out
}

/// Row blocks of a sweep: a fixed number, so the column sums `K̃ᵀu` are added in the same order
/// whatever the thread count.
const BLOCKS: usize = 16;

/// `a / k` when that is a usable scaling (finite and positive).
#[inline(always)]
fn quotient(a: f64, k: f64) -> Option<f64> {
    let q = a / k;
    (q.is_finite() && q > 0.0).then_some(q)
}

multiversion! {
    /// One block of rows of a sweep, each row read once: `kv = K̃v` for its rows (four at a time,
    /// so each load of `v` serves four rows, as a BLAS gemv kernel does), the new row scalings
    /// `u = a / kv`, and `acc += Σ_r u_r · row_r` while the rows are still in cache. Returns the
    /// first row (within the block) whose quotient is zero or not finite; its `u` is left 0.
    fn sweep_rows(
        block: &[f64], m: usize, v: &[f64], a: &[f64], kv: &mut [f64], u: &mut [f64],
        acc: &mut [f64],
    ) -> Option<usize> {
        let mut bad = None;
        let rows = kv.len();
        let mut r = 0;
        while r < rows {
            let take = (rows - r).min(4);
            let row = |l: usize| &block[(r + l.min(take - 1)) * m..(r + l.min(take - 1) + 1) * m];
            let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3));
            let d = dot4([r0, r1, r2, r3], v);
            let mut uq = [0.0; 4];
            for l in 0..take {
                kv[r + l] = d[l];
                match quotient(a[r + l], d[l]) {
                    Some(q) => uq[l] = q,
                    None => {
                        bad.get_or_insert(r + l);
                    }
                }
                u[r + l] = uq[l];
            }
            if take == 4 {
                let quad = acc.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3);
                for ((((o, &x0), &x1), &x2), &x3) in quad {
                    *o += (uq[0] * x0 + uq[1] * x1) + (uq[2] * x2 + uq[3] * x3);
                }
            } else {
                for (l, &ul) in uq.iter().enumerate().take(take) {
                    for (o, &x) in acc.iter_mut().zip(row(l)) {
                        *o += ul * x;
                    }
                }
            }
            r += take;
        }
        bad
    }
}

/// One Sinkhorn sweep in a single read of the kernel: `kv = K̃v` (with the current `v`), the new
/// row scalings `u = a / kv`, and `ktu = K̃ᵀu` with those new scalings. A two-product sweep reads
/// the `n·m` kernel twice; this one streams it once (each row block's column partial sums are
/// added in a fixed order). Returns the first row whose quotient is zero or not finite.
pub fn sweep(
    k: &[f64],
    m: usize,
    v: &[f64],
    a: &[f64],
    kv: &mut [f64],
    u: &mut [f64],
    ktu: &mut [f64],
) -> Option<usize> {
    let n = kv.len();
    let per = n.div_ceil(BLOCKS).max(1);
    let parts: Vec<(Vec<f64>, Option<usize>)> = kv
        .par_chunks_mut(per)
        .zip(u.par_chunks_mut(per))
        .zip(a.par_chunks(per))
        .zip(k.par_chunks(per * m))
        .enumerate()
        .map(|(b, (((kvb, ub), ab), block))| {
            let mut acc = vec![0.0; m];
            let bad = sweep_rows(block, m, v, ab, kvb, ub, &mut acc);
            (acc, bad.map(|i| b * per + i))
        })
        .collect();
    ktu.fill(0.0);
    let mut bad = None;
    for (part, b) in parts {
        for (o, x) in ktu.iter_mut().zip(part) {
            *o += x;
        }
        bad = bad.or(b);
    }
    bad
}

/// `w / kx` into `out`, or `None` (and `out` untouched) when a quotient is zero or not finite.
fn divide(w: &[f64], kx: &[f64], out: &mut [f64]) -> Option<usize> {
    if let Some(index) = w
        .iter()
        .zip(kx)
        .position(|(&wv, &k)| quotient(wv, k).is_none())
    {
        return Some(index);
    }
    for ((o, &wv), &k) in out.iter_mut().zip(w).zip(kx) {
        *o = wv / k;
    }
    None
}

fn underflow(side: &str, index: usize, eps: f64) -> Error {
    Error::Numerical(format!(
        "the kernel exp(-C/reg) at reg={eps} underflows ({side} {index} got no mass); use \
         method=\"log\", which works at any reg"
    ))
}

fn absorb(p: &mut [f64], s: &[f64], eps: f64) {
    for (p, &s) in p.iter_mut().zip(s) {
        *p += eps * s.ln();
    }
}

fn out_of(s: &[f64], lo: f64, hi: f64) -> bool {
    s.iter().any(|&x| !(lo..=hi).contains(&x))
}

/// Where a run ended.
pub(crate) struct Finished {
    pub f: Vec<f64>,
    pub g: Vec<f64>,
    /// The row violation of the returned potentials (their columns are exact).
    pub err: f64,
}

/// Sinkhorn sweeps at `eps` on the kernel of `(f, g)` until the row violation is at most `tol` or
/// `max_iter` iterations ran in all (counted in `tally`).
///
/// In [`Mode::Absorb`], a kernel whose products underflow right after a rebuild is returned as
/// [`Error::Numerical`] too: the caller then continues with fused log-domain sweeps.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<G: Ground>(
    ground: &G,
    marg: &Marginals,
    eps: f64,
    tol: f64,
    max_iter: usize,
    (mut f, mut g): (Vec<f64>, Vec<f64>),
    mode: Mode,
    stage: Stage,
    tally: &mut Tally,
) -> Result<Finished> {
    let (n, m) = ground.shape();
    let (lo, hi) = match mode {
        Mode::Absorb(tau) => ((-tau).exp(), tau.exp()),
        Mode::Fail => (0.0, f64::INFINITY),
    };
    let (mut kv, mut ktu, mut u_next) = (vec![0.0; n], vec![0.0; m], vec![0.0; n]);
    loop {
        let k = dense_plan(ground, &f, &g, eps);
        tally.passes += 1;
        let (mut u, mut v) = (vec![1.0; n], vec![1.0; m]);
        let mut fresh = true;
        loop {
            // One read of the kernel: this sweep's row measurement and both of its updates.
            let bad_row = sweep(&k, m, &v, &marg.a, &mut kv, &mut u_next, &mut ktu);
            tally.passes += 1;
            let err: f64 = u
                .iter()
                .zip(&kv)
                .zip(&marg.a)
                .map(|((&u, &k), &a)| (u * k - a).abs())
                .sum();
            if err <= tol || tally.iter >= max_iter || !err.is_finite() {
                absorb(&mut f, &u, eps);
                absorb(&mut g, &v, eps);
                let err = fmax(err, 0.0);
                return Ok(Finished { f, g, err });
            }
            let failed = match bad_row {
                Some(i) => Some(("row", i)),
                None => {
                    std::mem::swap(&mut u, &mut u_next);
                    divide(&marg.b, &ktu, &mut v).map(|j| ("column", j))
                }
            };
            if let Some((side, index)) = failed {
                if matches!(mode, Mode::Fail) || fresh {
                    return Err(underflow(side, index, eps));
                }
                // The last good scalings are absorbed and the kernel rebuilt around them.
                absorb(&mut f, &u, eps);
                absorb(&mut g, &v, eps);
                break;
            }
            tally.record(stage, eps, err);
            fresh = false;
            if out_of(&u, lo, hi) || out_of(&v, lo, hi) {
                absorb(&mut f, &u, eps);
                absorb(&mut g, &v, eps);
                break;
            }
        }
    }
}

/// Each row's smallest cost: the base potentials of the kernel-domain method.
pub(crate) fn row_minima<G: Ground>(ground: &G) -> Vec<f64> {
    let (n, m) = ground.shape();
    (0..n)
        .into_par_iter()
        .map_init(
            || vec![0.0; m],
            |buf, i| {
                ground
                    .row(i, buf)
                    .iter()
                    .fold(f64::INFINITY, |a, &b| if b < a { b } else { a })
            },
        )
        .collect()
}
