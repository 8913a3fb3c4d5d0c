//! One pass over the plan `P_ij = exp((f_i + g_j − C_ij)/ε)` of given potentials: its marginals,
//! its total mass, its transport cost `⟨C, P⟩`, and optionally a sparse copy of its heaviest entries.
//!
//! The sparse copy keeps, in each row, the largest entries until the mass left out is at most a
//! fraction `drop` of the row's mass, capped at `max_keep` entries. Choosing by mass rather than by
//! a global count (the paper's `λn²` largest entries, Tang et al. 2024, Alg. 1) adapts to how
//! concentrated the plan is: a near-permutation plan keeps one or two entries a row, a diffuse one
//! keeps hundreds. The cut is found with a histogram of `ln P` in half-e-fold bins (one more read of
//! the row, no sort).

use rayon::prelude::*;

use super::ground::{fmax, Ground};
use crate::dense::expm::exp_nonpos;
use crate::dense::simd::multiversion;

/// Which entries to keep in a row.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    /// Largest fraction of a row's mass that may be left out.
    pub drop: f64,
    /// Most entries kept per row.
    pub max_keep: usize,
}

/// A sparse matrix in compressed sparse rows.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// `indptr[i]..indptr[i + 1]` index row `i`'s entries.
    pub indptr: Vec<usize>,
    /// Column of each entry (ascending within a row).
    pub indices: Vec<u32>,
    /// Value of each entry.
    pub data: Vec<f64>,
}

impl Csr {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// The transpose, also in CSR form (so: the CSC form of `self`). Counting sort, O(nnz).
    pub fn transpose(&self) -> Csr {
        let mut count = vec![0usize; self.n_cols + 1];
        for &j in &self.indices {
            count[j as usize + 1] += 1;
        }
        for j in 0..self.n_cols {
            count[j + 1] += count[j];
        }
        let indptr = count.clone();
        let mut next = count;
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![0.0; self.nnz()];
        for i in 0..self.n_rows {
            for k in self.indptr[i]..self.indptr[i + 1] {
                let j = self.indices[k] as usize;
                indices[next[j]] = i as u32;
                data[next[j]] = self.data[k];
                next[j] += 1;
            }
        }
        Csr {
            n_rows: self.n_cols,
            n_cols: self.n_rows,
            indptr,
            indices,
            data,
        }
    }

    /// `out = self · x`, rows in parallel.
    pub fn mul(&self, x: &[f64], out: &mut [f64]) {
        out.par_iter_mut().enumerate().for_each(|(i, o)| {
            let r = self.indptr[i]..self.indptr[i + 1];
            *o = self.indices[r.clone()]
                .iter()
                .zip(&self.data[r])
                .map(|(&j, &v)| v * x[j as usize])
                .sum();
        });
    }
}

/// What one pass measured.
#[derive(Debug, Clone)]
pub struct PassResult {
    /// `P 1`.
    pub row_sums: Vec<f64>,
    /// `Pᵀ 1`.
    pub col_sums: Vec<f64>,
    /// `Σ P_ij`.
    pub total: f64,
    /// `⟨C, P⟩`.
    pub linear: f64,
    /// The kept entries, when asked for.
    pub sparse: Option<Csr>,
}

impl PassResult {
    /// Whether every sum is finite (potentials far off can overflow `exp`).
    pub fn is_finite(&self) -> bool {
        self.total.is_finite() && self.linear.is_finite()
    }
}

/// Row blocks per pass: a fixed number, so the column sums are added in the same order whatever
/// the thread count (the result is the same bits on 1 thread or 64).
const BLOCKS: usize = 64;
/// Half-e-fold bins of `ln(P_max/P_ij)` in the keep histogram; the last bin takes everything
/// below `e^-48` of the row maximum.
const BINS: usize = 96;

struct Block {
    col_sums: Vec<f64>,
    row_sums: Vec<f64>,
    total: f64,
    linear: f64,
    counts: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

/// Keeps the heaviest entries of one row (values `p`, log-values relative to the maximum `rel`).
fn keep_row(
    p: &[f64],
    rel: &[f64],
    row_sum: f64,
    keep: Keep,
    indices: &mut Vec<u32>,
    data: &mut Vec<f64>,
) -> usize {
    let mut hist = [0.0f64; BINS];
    for (&pv, &r) in p.iter().zip(rel) {
        let b = ((-r) * 2.0).min((BINS - 1) as f64) as usize;
        hist[b] += pv;
    }
    let budget = keep.drop * row_sum;
    let (mut dropped, mut cut) = (0.0, BINS);
    while cut > 1 && dropped + hist[cut - 1] <= budget {
        dropped += hist[cut - 1];
        cut -= 1;
    }
    let limit = -(cut as f64) / 2.0;
    let start = indices.len();
    for (j, (&pv, &r)) in p.iter().zip(rel).enumerate() {
        // Entries of bin `cut - 1` and above: `r > -cut/2` exactly when `floor(-2r) < cut`.
        if r > limit || (cut == BINS) {
            indices.push(j as u32);
            data.push(pv);
        }
    }
    let kept = indices.len() - start;
    if kept > keep.max_keep {
        let mut order: Vec<usize> = (start..indices.len()).collect();
        order.select_nth_unstable_by(keep.max_keep - 1, |&x, &y| data[y].total_cmp(&data[x]));
        let mut chosen: Vec<usize> = order[..keep.max_keep].to_vec();
        chosen.sort_unstable();
        let (ci, cd): (Vec<u32>, Vec<f64>) = chosen.iter().map(|&k| (indices[k], data[k])).unzip();
        indices.truncate(start);
        data.truncate(start);
        indices.extend(ci);
        data.extend(cd);
        return keep.max_keep;
    }
    kept
}

const LANES: usize = 8;

/// One row of the plan: `z_j = (f_i + g_j − C_ij)/ε − max` and `p_j = exp(z_j + max)`, shifted by
/// the row maximum so that the exponentials are the vectorizable [`exp_nonpos`]. Eight maximum
/// accumulators over exact chunks (no bounds checks), so it vectorizes.
#[inline(always)]
fn shifted_exp(c: &[f64], fi: f64, g: &[f64], inv_eps: f64, z: &mut [f64], p: &mut [f64]) {
    let body = c.len() - c.len() % LANES;
    let (cb, ct) = c.split_at(body);
    let (gb, gt) = g.split_at(body);
    let (zb, zt) = z.split_at_mut(body);
    let mut mx = [f64::NEG_INFINITY; LANES];
    for ((zc, gc), cc) in zb
        .chunks_exact_mut(LANES)
        .zip(gb.chunks_exact(LANES))
        .zip(cb.chunks_exact(LANES))
    {
        for l in 0..LANES {
            let v = (fi + gc[l] - cc[l]) * inv_eps;
            zc[l] = v;
            mx[l] = fmax(v, mx[l]);
        }
    }
    let mut zmax = mx.iter().fold(f64::NEG_INFINITY, |a, &b| fmax(b, a));
    for ((zv, &gv), &cv) in zt.iter_mut().zip(gt).zip(ct) {
        *zv = (fi + gv - cv) * inv_eps;
        zmax = fmax(*zv, zmax);
    }
    let scale = zmax.exp();
    // Separate simple loops: each vectorizes on its own, where one fused loop did not.
    for (pv, zv) in p.iter_mut().zip(z.iter_mut()) {
        let r = *zv - zmax;
        *zv = r;
        *pv = exp_nonpos(r) * scale;
    }
}

/// One row of the plan ([`shifted_exp`]) added into the column sums; returns the row's mass and
/// `Σ_j C_ij p_j`.
#[inline(always)]
fn plan_row(
    c: &[f64],
    fi: f64,
    g: &[f64],
    inv_eps: f64,
    z: &mut [f64],
    p: &mut [f64],
    col: &mut [f64],
) -> (f64, f64) {
    shifted_exp(c, fi, g, inv_eps, z, p);
    let body = c.len() - c.len() % LANES;
    let (cb, ct) = c.split_at(body);
    for (cv, &pv) in col.iter_mut().zip(p.iter()) {
        *cv += pv;
    }
    let (mut s, mut lin) = ([0.0f64; LANES], [0.0f64; LANES]);
    let (pb, pt) = p.split_at(body);
    for (pc, cc) in pb.chunks_exact(LANES).zip(cb.chunks_exact(LANES)) {
        for l in 0..LANES {
            s[l] += pc[l];
            lin[l] += pc[l] * cc[l];
        }
    }
    let (mut st, mut lt) = (s.iter().sum::<f64>(), lin.iter().sum::<f64>());
    for (&pv, &cv) in pt.iter().zip(ct) {
        st += pv;
        lt += pv * cv;
    }
    (st, lt)
}

multiversion! {
    /// Rows `rows` of the plan into `out` (marginals, mass, cost, kept entries).
    fn block_rows<G: Ground>(
        ground: &G,
        rows: std::ops::Range<usize>,
        f: &[f64],
        g: &[f64],
        inv_eps: f64,
        keep: Option<Keep>,
        scratch: &mut [Vec<f64>; 3],
        out: &mut Block,
    ) {
        let [buf, z, p] = scratch;
        for i in rows {
            let c = ground.row(i, buf);
            let (s, lin) = plan_row(c, f[i], g, inv_eps, z, p, &mut out.col_sums);
            out.row_sums.push(s);
            out.total += s;
            out.linear += lin;
            if let Some(k) = keep {
                let kept = keep_row(p, z, s, k, &mut out.indices, &mut out.data);
                out.counts.push(kept);
            }
        }
    }
}

/// Evaluates the plan of `(f, g)` at `eps` once, block by block of rows.
pub fn plan_pass<G: Ground>(
    ground: &G,
    f: &[f64],
    g: &[f64],
    eps: f64,
    keep: Option<Keep>,
) -> PassResult {
    let (n, m) = ground.shape();
    let inv_eps = 1.0 / eps;
    let rows_per_block = n.div_ceil(BLOCKS).max(1);
    let blocks: Vec<Block> = (0..n.div_ceil(rows_per_block))
        .into_par_iter()
        .map(|b| {
            let rows = b * rows_per_block..((b + 1) * rows_per_block).min(n);
            let mut out = Block {
                col_sums: vec![0.0; m],
                row_sums: Vec::with_capacity(rows.len()),
                total: 0.0,
                linear: 0.0,
                counts: Vec::with_capacity(rows.len()),
                indices: Vec::new(),
                data: Vec::new(),
            };
            let mut scratch = [vec![0.0; m], vec![0.0; m], vec![0.0; m]];
            block_rows(ground, rows, f, g, inv_eps, keep, &mut scratch, &mut out);
            out
        })
        .collect();
    let mut res = PassResult {
        row_sums: Vec::with_capacity(n),
        col_sums: vec![0.0; m],
        total: 0.0,
        linear: 0.0,
        sparse: None,
    };
    let mut csr = keep.map(|_| Csr {
        n_rows: n,
        n_cols: m,
        indptr: vec![0],
        ..Csr::default()
    });
    for b in blocks {
        res.row_sums.extend_from_slice(&b.row_sums);
        for (a, v) in res.col_sums.iter_mut().zip(&b.col_sums) {
            *a += v;
        }
        res.total += b.total;
        res.linear += b.linear;
        if let Some(s) = csr.as_mut() {
            for c in b.counts {
                let last = *s.indptr.last().unwrap_or(&0);
                s.indptr.push(last + c);
            }
            s.indices.extend_from_slice(&b.indices);
            s.data.extend_from_slice(&b.data);
        }
    }
    res.sparse = csr;
    res
}

multiversion! {
    /// Rows `i0 ..` of the plan (as many as `out` holds, `g.len()` columns each).
    fn plan_rows<G: Ground>(
        ground: &G,
        i0: usize,
        f: &[f64],
        g: &[f64],
        inv_eps: f64,
        scratch: &mut (Vec<f64>, Vec<f64>),
        out: &mut [f64],
    ) {
        let m = g.len();
        let (buf, z) = scratch;
        for (k, o) in out.chunks_exact_mut(m).enumerate() {
            let c = ground.row(i0 + k, buf);
            shifted_exp(c, f[i0 + k], g, inv_eps, z, o);
        }
    }
}

/// Rows per unit of parallel work when materializing a plan.
const PLAN_ROWS: usize = 8;

/// The dense plan of `(f, g)` at `eps`, row-major `n × m` (also the stabilized kernel of
/// log-domain Sinkhorn: the plan of the potentials absorbed so far).
pub fn dense_plan<G: Ground>(ground: &G, f: &[f64], g: &[f64], eps: f64) -> Vec<f64> {
    let (n, m) = ground.shape();
    let inv_eps = 1.0 / eps;
    let mut out = vec![0.0; n * m];
    out.par_chunks_mut(m * PLAN_ROWS).enumerate().for_each_init(
        || (vec![0.0; m], vec![0.0; m]),
        |scratch, (t, o)| plan_rows(ground, t * PLAN_ROWS, f, g, inv_eps, scratch, o),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::ground::DenseCost;

    #[test]
    fn pass_matches_the_dense_plan_and_keeps_by_mass() {
        let (n, m) = (9, 40);
        let c: Vec<f64> = (0..n * m).map(|k| ((k * 37 % 101) as f64) / 50.0).collect();
        let ground = DenseCost::new(&c, n, m).unwrap();
        let f: Vec<f64> = (0..n).map(|i| 0.1 * i as f64).collect();
        let g: Vec<f64> = (0..m).map(|j| -0.01 * j as f64).collect();
        let eps = 0.2;
        // The reference is the definition, with libm's exp, not this module's passes.
        let p: Vec<f64> = (0..n * m)
            .map(|k| ((f[k / m] + g[k % m] - c[k]) / eps).exp())
            .collect();
        let dense = dense_plan(&ground, &f, &g, eps);
        for (x, y) in dense.iter().zip(&p) {
            assert!((x - y).abs() <= 1e-14 * y);
        }
        let keep = Keep {
            drop: 1e-3,
            max_keep: m,
        };
        let r = plan_pass(&ground, &f, &g, eps, Some(keep));
        let total: f64 = p.iter().sum();
        assert!((r.total - total).abs() < 1e-12 * total);
        let lin: f64 = p.iter().zip(&c).map(|(a, b)| a * b).sum();
        assert!((r.linear - lin).abs() < 1e-12 * lin);
        for j in 0..m {
            let cs: f64 = (0..n).map(|i| p[i * m + j]).sum();
            assert!((r.col_sums[j] - cs).abs() < 1e-12 * cs);
        }
        let s = r.sparse.unwrap();
        for i in 0..n {
            let row = &p[i * m..(i + 1) * m];
            let rs: f64 = row.iter().sum();
            let kept: f64 = s.data[s.indptr[i]..s.indptr[i + 1]].iter().sum();
            assert!(rs - kept <= 1e-3 * rs + 1e-15, "row {i} dropped too much");
            // Every kept entry is at least as large as every dropped one.
            let cols = &s.indices[s.indptr[i]..s.indptr[i + 1]];
            let min_kept = cols
                .iter()
                .map(|&j| row[j as usize])
                .fold(f64::INFINITY, f64::min);
            let max_dropped = (0..m)
                .filter(|j| !cols.contains(&(*j as u32)))
                .map(|j| row[j])
                .fold(0.0, f64::max);
            assert!(
                max_dropped <= min_kept * (1.0 + 1e-12),
                "row {i}: not the heaviest"
            );
            for (k, &j) in cols.iter().enumerate() {
                let v = row[j as usize];
                assert!((s.data[s.indptr[i] + k] - v).abs() <= 1e-13 * v);
            }
        }
        let capped = plan_pass(
            &ground,
            &f,
            &g,
            eps,
            Some(Keep {
                drop: 0.0,
                max_keep: 3,
            }),
        );
        let cs = capped.sparse.unwrap();
        for i in 0..n {
            assert_eq!(cs.indptr[i + 1] - cs.indptr[i], 3);
            let row = &p[i * m..(i + 1) * m];
            let mut sorted = row.to_vec();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let kept: Vec<f64> = cs.data[cs.indptr[i]..cs.indptr[i + 1]].to_vec();
            let mut ks = kept.clone();
            ks.sort_by(|a, b| b.total_cmp(a));
            for k in 0..3 {
                assert!((ks[k] - sorted[k]).abs() <= 1e-12 * sorted[k]);
            }
        }
    }

    #[test]
    fn transpose_and_products() {
        let a = Csr {
            n_rows: 2,
            n_cols: 3,
            indptr: vec![0, 2, 3],
            indices: vec![0, 2, 1],
            data: vec![1.0, 2.0, 3.0],
        };
        let t = a.transpose();
        let mut y = vec![0.0; 3];
        t.mul(&[1.0, 10.0], &mut y);
        assert_eq!(y, vec![1.0, 30.0, 2.0]);
        let mut z = vec![0.0; 2];
        a.mul(&[1.0, 1.0, 1.0], &mut z);
        assert_eq!(z, vec![3.0, 3.0]);
    }
}
