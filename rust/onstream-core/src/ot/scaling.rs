//! Sinkhorn's matrix scaling in the kernel domain (Sinkhorn 1967; Cuturi 2013): `P = diag(u) K
//! diag(v)` with `K = exp(−C/ε)`, alternating `u = a / Kv` and `v = b / Kᵀu`.
//!
//! The fastest sweep there is (two matrix-vector products over a stored `K`, no exponentials after
//! the first pass), and what POT's `ot.sinkhorn` runs. It fails when `exp(−C/ε)` underflows or the
//! scalings overflow, which small ε makes certain; such a failure is reported as
//! [`Error::Numerical`] naming the log-domain method, never returned as garbage. Each row of `K`
//! is shifted by its smallest cost, `K_ij = exp(−(C_ij − min_j C_ij)/ε)`, a per-row factor that the
//! scaling `u` absorbs, so no row is all zeros from the start. `K` takes `n·m` floats.

use rayon::prelude::*;

use super::ground::{fmax, Ground};
use super::problem::{Marginals, Options, Outcome, Stage, Tally};
use crate::error::{Error, Result};

/// Columns per stripe of the `Kᵀu` product.
const STRIPE: usize = 64;

fn kernel<G: Ground>(ground: &G, eps: f64) -> (Vec<f64>, Vec<f64>) {
    let (n, m) = ground.shape();
    let mut k = vec![0.0; n * m];
    let mut shift = vec![0.0; n];
    k.par_chunks_mut(m)
        .zip(shift.par_iter_mut())
        .enumerate()
        .for_each_init(
            || vec![0.0; m],
            |buf, (i, (krow, s))| {
                let c = ground.row(i, buf);
                let lo = c
                    .iter()
                    .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
                for (kv, &cv) in krow.iter_mut().zip(c) {
                    *kv = (-(cv - lo) / eps).exp();
                }
                *s = lo;
            },
        );
    (k, shift)
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0f64; 8];
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}

fn k_v(k: &[f64], m: usize, v: &[f64], out: &mut [f64]) {
    out.par_iter_mut()
        .zip(k.par_chunks(m))
        .for_each(|(o, row)| *o = dot(row, v));
}

fn kt_u(k: &[f64], m: usize, u: &[f64], out: &mut [f64]) {
    out.par_chunks_mut(STRIPE).enumerate().for_each(|(s, o)| {
        let j0 = s * STRIPE;
        let w = o.len();
        let mut acc = [0.0f64; STRIPE];
        for (i, &ui) in u.iter().enumerate() {
            let row = &k[i * m + j0..i * m + j0 + w];
            for (a, &kv) in acc.iter_mut().zip(row) {
                *a += ui * kv;
            }
        }
        o.copy_from_slice(&acc[..w]);
    });
}

fn underflow(side: &str, index: usize, eps: f64) -> Error {
    Error::Numerical(format!(
        "the kernel exp(-C/reg) at reg={eps} underflows ({side} {index} got no mass); use \
         method=\"log\", which works at any reg"
    ))
}

/// Divides `w` by `kx` into `out`, refusing zero or non-finite results.
fn scale(side: &str, w: &[f64], kx: &[f64], out: &mut [f64], eps: f64) -> Result<()> {
    for (index, ((o, &wv), &k)) in out.iter_mut().zip(w).zip(kx).enumerate() {
        let q = wv / k;
        if !(q.is_finite() && q > 0.0) {
            return Err(underflow(side, index, eps));
        }
        *o = q;
    }
    Ok(())
}

/// Runs the scaling iterations at `opts.eps` (ε-scaling does not apply to this method).
pub(crate) fn run<G: Ground>(ground: &G, marg: &Marginals, opts: &Options) -> Result<Outcome> {
    let (n, m) = ground.shape();
    let eps = opts.eps;
    let mut tally = Tally::default();
    let (k, shift) = kernel(ground, eps);
    tally.passes += 1;
    let (mut u, mut v) = (vec![1.0; n], vec![1.0; m]);
    let (mut kv, mut ktu) = (vec![0.0; n], vec![0.0; m]);
    let mut err = f64::INFINITY;
    let mut measured = false;
    while tally.iter < opts.max_iter {
        k_v(&k, m, &v, &mut kv);
        tally.passes += 1;
        err = u
            .iter()
            .zip(&kv)
            .zip(&marg.a)
            .map(|((&u, &k), &a)| (u * k - a).abs())
            .sum();
        measured = true;
        if err <= opts.tol {
            break;
        }
        scale("row", &marg.a, &kv, &mut u, eps)?;
        kt_u(&k, m, &u, &mut ktu);
        tally.passes += 1;
        scale("column", &marg.b, &ktu, &mut v, eps)?;
        tally.record(Stage::Sinkhorn, eps, err);
        measured = false;
    }
    if !measured {
        k_v(&k, m, &v, &mut kv);
        tally.passes += 1;
        err = u
            .iter()
            .zip(&kv)
            .zip(&marg.a)
            .map(|((&u, &k), &a)| (u * k - a).abs())
            .sum();
    }
    let f = u
        .iter()
        .zip(&shift)
        .map(|(&u, &s)| eps * u.ln() + s)
        .collect();
    let g = v.iter().map(|&v| eps * v.ln()).collect();
    let err = fmax(err, 0.0);
    Ok(tally.finish(f, g, err, opts.tol))
}
