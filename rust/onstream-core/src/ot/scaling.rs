//! Sinkhorn's iterations on a stored kernel (Sinkhorn 1967; Cuturi 2013): `P = diag(u) K̃ diag(v)`,
//! alternating `u = a / K̃v` and `v = b / K̃ᵀu`, two matrix-vector products a sweep and no
//! exponentials. `K̃` is the plan of base potentials `(f, g)`, `K̃_ij = exp((f_i + g_j − C_ij)/ε)`,
//! so `n·m` floats are stored.
//!
//! Two modes:
//!
//! * [`Mode::Fail`] is the classical kernel-domain method, POT's `ot.sinkhorn`: `K̃ = exp(−C/ε)`
//!   (each row shifted by its smallest cost, a factor `u` absorbs, so no row starts all zeros).
//!   Small ε makes the kernel underflow or the scalings overflow; that is reported as
//!   [`Error::Numerical`] naming the log-domain method, never returned as garbage.
//! * [`Mode::Absorb`] is log-domain Sinkhorn in the stabilized form of Schmitzer (2019, Alg. 2):
//!   whenever a scaling leaves `[e^−τ, e^τ]` it is absorbed into the potentials,
//!   `f += ε ln u`, `g += ε ln v`, and `K̃` is rebuilt from them (one exponential pass). The iterates
//!   are the log-domain ones; a sweep costs two products instead of two exponential passes.

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

multiversion! {
    /// `out = K̃v` for a block of whole rows.
    fn rows(k: &[f64], m: usize, v: &[f64], out: &mut [f64]) {
        let mut quads = out.chunks_exact_mut(4);
        let mut blocks = k.chunks_exact(4 * m);
        for (o, block) in (&mut quads).zip(&mut blocks) {
            let (r0, rest) = block.split_at(m);
            let (r1, rest) = rest.split_at(m);
            let (r2, r3) = rest.split_at(m);
            o.copy_from_slice(&dot4([r0, r1, r2, r3], v));
        }
        for (o, row) in quads
            .into_remainder()
            .iter_mut()
            .zip(blocks.remainder().chunks_exact(m))
        {
            *o = row.iter().zip(v).map(|(a, b)| a * b).sum();
        }
    }
}

/// Rows per unit of parallel work in `K̃v`.
const ROWS: usize = 16;

/// `out = K̃v`, rows in parallel.
pub fn k_v(k: &[f64], m: usize, v: &[f64], out: &mut [f64]) {
    out.par_chunks_mut(ROWS)
        .zip(k.par_chunks(ROWS * m))
        .for_each(|(o, block)| rows(block, m, v, o));
}

/// Row blocks of the `K̃ᵀu` product: a fixed number, so the partial sums are added in the same
/// order whatever the thread count.
const BLOCKS: usize = 16;

multiversion! {
    /// `acc += Σ_r u_r · rows[r]` over the rows of `block`, four at a time, so each load and
    /// store of `acc` serves four rows.
    fn axpy_rows(block: &[f64], m: usize, u: &[f64], acc: &mut [f64]) {
        let mut quads = block.chunks_exact(4 * m);
        let mut us = u.chunks_exact(4);
        for (q, uq) in (&mut quads).zip(&mut us) {
            let (r0, rest) = q.split_at(m);
            let (r1, rest) = rest.split_at(m);
            let (r2, r3) = rest.split_at(m);
            for ((((a, &x0), &x1), &x2), &x3) in acc.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
                *a += (uq[0] * x0 + uq[1] * x1) + (uq[2] * x2 + uq[3] * x3);
            }
        }
        for (row, &ui) in quads.remainder().chunks_exact(m).zip(us.remainder()) {
            for (a, &x) in acc.iter_mut().zip(row) {
                *a += ui * x;
            }
        }
    }
}

/// `out = K̃ᵀu` as a sum over row blocks, each streaming its rows contiguously.
pub fn kt_u(k: &[f64], m: usize, u: &[f64], out: &mut [f64]) {
    let n = u.len();
    let per = n.div_ceil(BLOCKS).max(1);
    let parts: Vec<Vec<f64>> = (0..n.div_ceil(per))
        .into_par_iter()
        .map(|b| {
            let mut acc = vec![0.0; m];
            let rows = b * per..((b + 1) * per).min(n);
            let block = &k[rows.start * m..rows.end * m];
            let ub = &u[rows];
            axpy_rows(block, m, ub, &mut acc);
            acc
        })
        .collect();
    out.fill(0.0);
    for part in parts {
        for (o, v) in out.iter_mut().zip(part) {
            *o += v;
        }
    }
}

/// `w / kx` into `out`, or `None` (and `out` untouched) when a quotient is zero or not finite.
fn divide(w: &[f64], kx: &[f64], out: &mut [f64]) -> Option<usize> {
    if let Some(index) = w.iter().zip(kx).position(|(&wv, &k)| {
        let q = wv / k;
        !(q.is_finite() && q > 0.0)
    }) {
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
    let (mut kv, mut ktu) = (vec![0.0; n], vec![0.0; m]);
    loop {
        let k = dense_plan(ground, &f, &g, eps);
        tally.passes += 1;
        let (mut u, mut v) = (vec![1.0; n], vec![1.0; m]);
        let mut fresh = true;
        loop {
            k_v(&k, m, &v, &mut kv);
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
            let failed = match divide(&marg.a, &kv, &mut u) {
                Some(i) => Some(("row", i)),
                None => {
                    kt_u(&k, m, &u, &mut ktu);
                    tally.passes += 1;
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
