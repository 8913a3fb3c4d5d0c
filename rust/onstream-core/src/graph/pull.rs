//! The pull of a sweep: every node's sum of its in-neighbours' values times their edge
//! probabilities, over in-edges laid out in sorted slices (SELL-C-σ).
//!
//! Pulling (rather than pushing along out-edges) lets each thread write only its own nodes, so a
//! sweep parallelizes without atomics and gives the same bits on any number of threads.
//!
//! A node-at-a-time loop over compressed rows pays a mispredicted loop exit per node and runs one
//! chain of dependent additions; on the citation graph (12 in-edges a node) that was about half of
//! a sweep. SELL-C-σ (Kreutzer, Hager, Wellein, Fehske & Bishop, *A unified sparse matrix data
//! format for efficient general sparse matrix-vector multiplication on modern processors with wide
//! SIMD units*, SIAM J. Sci. Comput. 36(5), 2014) sorts the nodes of each window of σ nodes by
//! in-degree, cuts them into slices of C and stores each slice column by column, padded to its
//! longest row with a slot that reads zero: one loop runs C rows at once with C independent sums
//! and exits once per slice. Rows longer than [`LONG`] keep a loop of their own (padding a slice to
//! a hub's length would multiply its work). A window's nodes are contiguous, so a thread that owns
//! whole windows owns a contiguous range of the output.

use super::csr::Graph;
use crate::dense::simd::multiversion;
use crate::prefetch;

/// Rows per slice (C).
const SLICE: usize = 8;
/// Nodes per sorting window (σ); a parallel sweep hands out whole windows.
pub(crate) const WINDOW: usize = 512;
/// Rows with more in-edges than this are summed on their own.
const LONG: usize = 128;
/// How far ahead (entries) a sweep asks for `idx` (and `prob`). The slices are short and of
/// uneven widths, and without the hint the gathers waited on them: on the 1 M-edge
/// Barabási–Albert graph a solve took 8–10% longer without it (and varied more), and 40% longer
/// with weighted edges.
const IDX_AHEAD: usize = 1024;
/// Marks a padding row of a window's last slice.
const NO_ROW: u32 = u32::MAX;

/// `Σ_k y[idx[k]]`, in four partial sums added in a fixed order.
#[inline]
fn sum_at<T: Staged>(y: &[T], idx: &[u32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut quads = idx.chunks_exact(4);
    for q in &mut quads {
        for (a, &u) in acc.iter_mut().zip(q) {
            *a += y[u as usize].into();
        }
    }
    for (a, &u) in acc.iter_mut().zip(quads.remainder()) {
        *a += y[u as usize].into();
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// `Σ_k y[idx[k]] · w[k]`, in four partial sums added in a fixed order.
#[inline]
fn dot_at<T: Staged>(y: &[T], idx: &[u32], w: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (main, rest) = (idx.len() - idx.len() % 4, idx.len() % 4);
    for (q, wq) in idx[..main].chunks_exact(4).zip(w.chunks_exact(4)) {
        for ((a, &u), &wk) in acc.iter_mut().zip(q).zip(wq) {
            *a += y[u as usize].into() * wk;
        }
    }
    for ((a, &u), &wk) in acc.iter_mut().zip(&idx[main..]).zip(&w[main..main + rest]) {
        *a += y[u as usize].into() * wk;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// The number type of a staged vector: `f64`, or `f32`, whose rounding the caller accounts for
/// (half the bytes to read at random in every pull).
pub(crate) trait Staged: Copy + Send + Sync + Into<f64> {
    /// The unit roundoff of storing a value: `|stored − v| ≤ UNIT·|v|` in the normal range. Zero
    /// for double precision, whose rounding is that of the arithmetic itself, which the bounds
    /// leave out as they always have.
    const UNIT: f64;
    /// The nearest stored value.
    fn round(v: f64) -> Self;
}

impl Staged for f64 {
    const UNIT: f64 = 0.0;
    #[inline(always)]
    fn round(v: f64) -> Self {
        v
    }
}

impl Staged for f32 {
    const UNIT: f64 = 1.0 / (1u64 << 24) as f64;
    #[inline(always)]
    fn round(v: f64) -> Self {
        v as f32
    }
}

/// Below single precision's normal range a stored value is off by at most half its spacing, 2^-150.
const F32_SUBNORMAL_HALF_SPACING: f64 = 1.0 / (1u128 << 100) as f64 / (1u64 << 50) as f64;

/// How a sweep stages its source vector: with equally likely out-edges each node's value is
/// multiplied by its out-probability once and a pull is a plain sum; otherwise the value is kept
/// and the pull multiplies by each edge's probability.
#[derive(Clone, Copy)]
pub(crate) struct Pull<'g> {
    uniform: Option<&'g [f64]>,
}

impl<'g> Pull<'g> {
    pub(crate) fn new(g: &'g Graph) -> Self {
        Self {
            uniform: g.uniform_out(),
        }
    }

    /// Stages the values `x` of consecutive nodes from `first` into `staged` and returns their L1
    /// mass, which [`Pull::rounding`] turns into a bound on what the storing changes.
    #[inline]
    pub(crate) fn stage_run<T: Staged>(&self, first: usize, x: &[f64], staged: &mut [T]) -> f64 {
        match self.uniform {
            Some(pu) => stage_scaled(x, &pu[first..first + x.len()], staged),
            None => stage_plain(x, staged),
        }
    }

    /// The most that storing an iterate of L1 mass `mass` as `T` can change the pulls of one
    /// step, in L1. A node's stored value is off by at most `UNIT` times its staged value (or
    /// 2^-150 below the normal range). With equally likely out-edges the staged value x_u/d_u is
    /// pulled d_u times, so node u contributes at most `UNIT·|x_u|` (plus d_u·2^-150); otherwise
    /// its edge probabilities add up to at most 1. The sum needs no per-node work, and the slack
    /// covers the double-precision rounding of 1/d_u, the products and the mass's own sum.
    pub(crate) fn rounding<T: Staged>(&self, g: &Graph, mass: f64) -> f64 {
        if T::UNIT == 0.0 {
            return 0.0;
        }
        let tiny = (g.n_edges() + g.n_nodes()) as f64 * F32_SUBNORMAL_HALF_SPACING;
        T::UNIT * mass * (1.0 + ROUNDING_SLACK) + tiny
    }
}

/// Relative slack on the rounding bound (see [`Pull::rounding`]).
const ROUNDING_SLACK: f64 = 1.0 / (1u64 << 20) as f64;

/// Lanes of the running sums in [`stage_scaled`] and [`stage_plain`]: independent chains that
/// vectorize, added in a fixed order.
pub(crate) const LANES: usize = 8;

multiversion! {
    /// `staged[i] = round(x[i]·scale[i])`; returns `Σ |x[i]|`.
    fn stage_scaled<T: Staged>(x: &[f64], scale: &[f64], staged: &mut [T]) -> f64 {
        let mut acc = [0.0f64; LANES];
        let cut = x.len() - x.len() % LANES;
        let (head, tail) = staged.split_at_mut(cut);
        let runs = head.chunks_exact_mut(LANES).zip(x.chunks_exact(LANES)).zip(scale.chunks_exact(LANES));
        for ((s, xs), ks) in runs {
            for l in 0..LANES {
                s[l] = T::round(xs[l] * ks[l]);
                acc[l] += xs[l].abs();
            }
        }
        for (l, ((s, &v), &k)) in tail.iter_mut().zip(&x[cut..]).zip(&scale[cut..]).enumerate() {
            *s = T::round(v * k);
            acc[l] += v.abs();
        }
        acc.iter().sum()
    }
}

multiversion! {
    /// `staged[i] = round(x[i])`; returns `Σ |x[i]|`.
    fn stage_plain<T: Staged>(x: &[f64], staged: &mut [T]) -> f64 {
        let mut acc = [0.0f64; LANES];
        let cut = x.len() - x.len() % LANES;
        let (head, tail) = staged.split_at_mut(cut);
        for (s, xs) in head.chunks_exact_mut(LANES).zip(x.chunks_exact(LANES)) {
            for l in 0..LANES {
                s[l] = T::round(xs[l]);
                acc[l] += xs[l].abs();
            }
        }
        for (l, (s, &v)) in tail.iter_mut().zip(&x[cut..]).enumerate() {
            *s = T::round(v);
            acc[l] += v.abs();
        }
        acc.iter().sum()
    }
}

/// A graph's in-edges in SELL-C-σ layout, built once per graph on its first sweep.
#[derive(Debug, Clone)]
pub(crate) struct Sliced {
    n: usize,
    /// The short rows' nodes, window by window, each window padded to whole slices with `NO_ROW`.
    rows: Vec<u32>,
    /// Where each slice starts in `idx` (one more entry at the end); its width is its length over
    /// `SLICE`, entry `j` of its row `r` at `start + j · SLICE + r`.
    slice_start: Vec<usize>,
    /// Each window's first slice (one more entry at the end).
    window_slices: Vec<usize>,
    /// The long rows' nodes, window by window, and each window's first (one more at the end).
    long: Vec<u32>,
    window_long: Vec<usize>,
    /// In-neighbours, padding pointing at slot `n`, which the staged vector keeps at zero.
    idx: Vec<u32>,
    /// The edges' probabilities in the same layout (padding 0), when out-edges are not equally
    /// likely; with equally likely ones the staged vector already carries them.
    prob: Option<Vec<f64>>,
}

impl Sliced {
    pub(crate) fn build(g: &Graph) -> Self {
        let n = g.n_nodes();
        let weighted = g.uniform_out().is_none();
        let degree = |v: u32| g.in_neighbours(v as usize).len();
        let windows = n.div_ceil(WINDOW);
        let mut s = Self {
            n,
            rows: Vec::with_capacity(n + windows * SLICE),
            slice_start: Vec::new(),
            window_slices: vec![0],
            long: Vec::new(),
            window_long: vec![0],
            idx: Vec::with_capacity(g.n_edges() + n),
            prob: weighted.then(|| Vec::with_capacity(g.n_edges() + n)),
        };
        for w in 0..windows {
            let nodes = (w * WINDOW) as u32..((w + 1) * WINDOW).min(n) as u32;
            let (mut short, long): (Vec<u32>, Vec<u32>) = nodes.partition(|&v| degree(v) <= LONG);
            // Stable: equal degrees keep node order, so the layout is a function of the graph.
            short.sort_by_key(|&v| std::cmp::Reverse(degree(v)));
            short.resize(short.len().next_multiple_of(SLICE), NO_ROW);
            for slice in short.chunks_exact(SLICE) {
                s.slice_start.push(s.idx.len());
                let width = slice
                    .iter()
                    .map(|&v| if v == NO_ROW { 0 } else { degree(v) })
                    .max()
                    .unwrap_or(0);
                for j in 0..width {
                    for &v in slice {
                        let (nb, pr) = if v == NO_ROW {
                            (&[][..], &[][..])
                        } else {
                            g.in_edges(v as usize)
                        };
                        s.idx.push(nb.get(j).copied().unwrap_or(n as u32));
                        if let Some(prob) = &mut s.prob {
                            prob.push(pr.get(j).copied().unwrap_or(0.0));
                        }
                    }
                }
            }
            s.rows.extend_from_slice(&short);
            s.window_slices.push(s.slice_start.len());
            s.long.extend_from_slice(&long);
            s.window_long.push(s.long.len());
        }
        s.slice_start.push(s.idx.len());
        s
    }

    /// Writes `Σ_{u → v} P_uv x_u` for each node `v` of window `w` into `sums[v − w · WINDOW]`.
    /// `y` is the staged vector (`x_u · P_u` with equally likely out-edges, else `x`), one entry
    /// longer than the graph, the last zero. The caller reads `sums` in node order: the slices
    /// visit the window's nodes in degree order, and reading the other vectors in that order would
    /// defeat the prefetcher.
    #[inline]
    pub(crate) fn pull_window<T: Staged>(&self, g: &Graph, w: usize, y: &[T], sums: &mut [f64]) {
        debug_assert!(y.len() == self.n + 1 && y[self.n].into() == 0.0);
        let first = w * WINDOW;
        for slice in self.window_slices[w]..self.window_slices[w + 1] {
            let edges = self.slice_start[slice]..self.slice_start[slice + 1];
            let mut acc = [0.0f64; SLICE];
            match &self.prob {
                None => {
                    let start = edges.start;
                    for (k, col) in self.idx[edges].chunks_exact(SLICE).enumerate() {
                        // Once per cache line of `idx` (two columns), the line 4 KiB ahead.
                        if k % 2 == 0 {
                            prefetch::read(&self.idx, start + k * SLICE + IDX_AHEAD);
                        }
                        for (a, &u) in acc.iter_mut().zip(col) {
                            *a += y[u as usize].into();
                        }
                    }
                }
                Some(prob) => {
                    let start = edges.start;
                    let cols = self.idx[edges.clone()].chunks_exact(SLICE);
                    for (k, (col, pc)) in cols.zip(prob[edges].chunks_exact(SLICE)).enumerate() {
                        // `prob` (f64) fills a cache line per column, `idx` one per two.
                        prefetch::read(prob, start + k * SLICE + IDX_AHEAD);
                        if k % 2 == 0 {
                            prefetch::read(&self.idx, start + k * SLICE + IDX_AHEAD);
                        }
                        for ((a, &u), &p) in acc.iter_mut().zip(col).zip(pc) {
                            *a += y[u as usize].into() * p;
                        }
                    }
                }
            }
            let rows = &self.rows[slice * SLICE..(slice + 1) * SLICE];
            for (&v, &sum) in rows.iter().zip(&acc) {
                if v != NO_ROW {
                    sums[v as usize - first] = sum;
                }
            }
        }
        for &v in &self.long[self.window_long[w]..self.window_long[w + 1]] {
            sums[v as usize - first] = match &self.prob {
                None => sum_at(y, g.in_neighbours(v as usize)),
                Some(_) => {
                    let (nb, pr) = g.in_edges(v as usize);
                    dot_at(y, nb, pr)
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_sums_equal_the_plain_sum_on_exact_values() {
        // Small integers add exactly in any order, so the four-way sums must equal plain ones.
        let y: Vec<f64> = (0..50).map(|k| (k * 7 % 13) as f64).collect();
        for len in 0..20 {
            let idx: Vec<u32> = (0..len).map(|k| (k * 11 % 50) as u32).collect();
            let w: Vec<f64> = (0..len).map(|k| (k % 3) as f64).collect();
            let plain: f64 = idx.iter().map(|&u| y[u as usize]).sum();
            let weighted: f64 = idx.iter().zip(&w).map(|(&u, &wk)| y[u as usize] * wk).sum();
            assert_eq!(sum_at(&y, &idx), plain);
            assert_eq!(dot_at(&y, &idx, &w), weighted);
        }
    }

    /// Every node gets the sum a plain loop over its in-edges gives (NaN marks one never written).
    fn check(g: &Graph) {
        let n = g.n_nodes();
        let s = Sliced::build(g);
        // Values that are multiples of 2^-10 below 2^10, so that every sum here is exact.
        let x: Vec<f64> = (0..n).map(|u| ((u * 37 % 101) as f64) / 1024.0).collect();
        let mut y: Vec<f64> = (0..n)
            .map(|u| g.uniform_out().map_or(x[u], |pu| x[u] * pu[u]))
            .collect();
        y.push(0.0);
        let mut got = vec![f64::NAN; n];
        for (w, sums) in got.chunks_mut(WINDOW).enumerate() {
            s.pull_window(g, w, &y, sums);
        }
        assert_eq!(s.window_slices.len(), n.div_ceil(WINDOW) + 1);
        for (v, &sum) in got.iter().enumerate() {
            let (nb, pr) = g.in_edges(v);
            let want: f64 = nb.iter().zip(pr).map(|(&u, &p)| x[u as usize] * p).sum();
            assert!((sum - want).abs() <= 1e-12 * want.abs().max(1.0), "{v}");
        }
    }

    #[test]
    fn sliced_pull_gives_every_node_its_sum() {
        // Degrees from 0 to beyond LONG, windows that are not full, weighted and unweighted.
        let n = 2 * WINDOW + 77;
        let (mut src, mut dst) = (Vec::new(), Vec::new());
        for v in 0..n as i64 {
            let deg = match v % 11 {
                0 => 0,
                1 => LONG as i64 + 5,
                k => k * 3,
            };
            for k in 0..deg {
                src.push((v * 31 + k * 17) % n as i64);
                dst.push(v);
            }
        }
        let weights: Vec<f64> = (0..src.len()).map(|k| 1.0 + (k % 4) as f64).collect();
        check(&Graph::from_edges(&src, &dst, Some(n), true, None).unwrap());
        check(&Graph::from_edges(&src, &dst, Some(n), true, Some(&weights)).unwrap());
        check(&Graph::from_edges(&[0], &[1], Some(3), true, None).unwrap());
    }
}
