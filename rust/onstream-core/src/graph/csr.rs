//! A directed graph in compressed sparse rows, both ways: out-edges (for pushing mass forward and
//! for walks) and in-edges (for pulling it, which parallelizes over target nodes without atomics).
//!
//! Every edge carries its transition probability `P_uv = w_uv / W_u`, with `W_u` the total weight
//! leaving `u`. Parallel edges are kept and their weights add (as a sparse matrix sums duplicates);
//! self-loops are ordinary edges. A node with `W_u = 0` is dangling: where its walkers go is the
//! [`Dangling`] policy of each computation, not a property of the graph.

use std::sync::OnceLock;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::condensed::Condensation;
use super::pull::Sliced;

use crate::error::{Error, Result};
use crate::rng::{below, open01, Rng};
use crate::snapshot::Snapshot;

/// Where the mass (or a walker) at a dangling node goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dangling {
    /// To the personalization (teleport) distribution: networkx's and igraph's default.
    Personalization,
    /// To every node uniformly.
    Uniform,
    /// Nowhere: it stays on the dangling node (an implicit self-loop).
    SelfLoop,
}

/// A weighted directed graph on nodes `0..n`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Graph {
    n: usize,
    out_ptr: Vec<usize>,
    out_idx: Vec<u32>,
    out_p: Vec<f64>,
    in_ptr: Vec<usize>,
    in_idx: Vec<u32>,
    in_p: Vec<f64>,
    dangling: Vec<u32>,
    is_dangling: Vec<bool>,
    /// When every node's out-edges are equally likely: that probability per node (0 if dangling),
    /// so a pull needs no per-edge probabilities.
    uniform_out: Option<Vec<f64>>,
    /// The in-edges laid out for sweeps, built on the first one (not part of a snapshot).
    #[serde(skip)]
    sliced: OnceLock<Sliced>,
    /// Built undirected: every edge has its reverse, so components are never worth solving one
    /// by one (not part of a snapshot: a restored graph finds that out by building them once).
    #[serde(skip)]
    symmetric: bool,
    /// The strongly connected components in topological order when most edges run between
    /// them (`None` when not), decided on first use (not part of a snapshot).
    #[serde(skip)]
    condensation: OnceLock<Option<Condensation>>,
}

/// Rows of the edges `from[k] → to[k]` with values `p[k]`, grouped by `from`, in input order
/// within a row.
///
/// Scattering each edge straight to its row's next slot writes to random places in arrays of
/// tens of megabytes (two cache misses an edge: 270 ms for the 2 M directed entries of a 1 M-edge
/// undirected graph). Edges are first moved, stably, into ranges of [`BUCKET_ROWS`]-row buckets
/// (writes to a few hundred sequential streams), then each bucket is scattered inside its own
/// range, which fits in cache, the buckets in parallel. The result is the direct scatter's; the
/// price is a staging copy of the edges, 16 bytes each, while the rows are built.
fn csr(n: usize, from: &[u32], to: &[u32], p: &[f64]) -> (Vec<usize>, Vec<u32>, Vec<f64>) {
    let mut ptr = vec![0usize; n + 1];
    for &u in from {
        ptr[u as usize + 1] += 1;
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    let m = from.len();
    let mut idx = vec![0u32; m];
    let mut val = vec![0.0; m];
    let buckets = n.div_ceil(BUCKET_ROWS);
    if buckets <= 1 || m < DIRECT_BELOW {
        let edges = from.iter().zip(to).zip(p).map(|((&u, &v), &w)| (u, v, w));
        scatter(&ptr, 0, edges, &mut idx, &mut val);
        return (ptr, idx, val);
    }
    // Stable partition into bucket ranges, which are the buckets' final ranges.
    let mut staged = vec![(0u32, 0u32, 0.0f64); m];
    let mut cursor: Vec<usize> = (0..buckets).map(|b| ptr[b * BUCKET_ROWS]).collect();
    for ((&u, &v), &w) in from.iter().zip(to).zip(p) {
        let c = &mut cursor[u as usize / BUCKET_ROWS];
        staged[*c] = (u, v, w);
        *c += 1;
    }
    // Each bucket's slices of the staged edges and of the output, split off in order.
    let mut parts = Vec::with_capacity(buckets);
    let (mut idx_rest, mut val_rest, mut staged_rest) = (&mut idx[..], &mut val[..], &staged[..]);
    for b in 0..buckets {
        let len = ptr[((b + 1) * BUCKET_ROWS).min(n)] - ptr[b * BUCKET_ROWS];
        let (i, ir) = idx_rest.split_at_mut(len);
        let (v, vr) = val_rest.split_at_mut(len);
        let (st, sr) = staged_rest.split_at(len);
        parts.push((b, i, v, st));
        (idx_rest, val_rest, staged_rest) = (ir, vr, sr);
    }
    parts.into_par_iter().for_each(|(b, idx, val, staged)| {
        let rows = b * BUCKET_ROWS..((b + 1) * BUCKET_ROWS).min(n);
        scatter(
            &ptr[rows.clone()],
            rows.start,
            staged.iter().copied(),
            idx,
            val,
        );
    });
    (ptr, idx, val)
}

/// Rows per bucket of [`csr`]'s two-pass scatter.
const BUCKET_ROWS: usize = 1024;

/// Fewer edges than this are scattered directly (the staging copy would cost more than it saves).
const DIRECT_BELOW: usize = 1 << 16;

/// Each edge `(u, v, w)` to the next slot of row `u`, for rows `first_row..` starting at `starts`
/// (positions in the whole layout; `idx` and `val` begin at the first row's start).
fn scatter(
    starts: &[usize],
    first_row: usize,
    edges: impl Iterator<Item = (u32, u32, f64)>,
    idx: &mut [u32],
    val: &mut [f64],
) {
    let base = starts.first().copied().unwrap_or(0);
    let mut next: Vec<usize> = starts.iter().map(|&q| q - base).collect();
    for (u, v, w) in edges {
        let k = &mut next[u as usize - first_row];
        idx[*k] = v;
        val[*k] = w;
        *k += 1;
    }
}

impl Graph {
    /// Builds the graph of edges `src[k] → dst[k]` (both directions when `directed` is false) on
    /// `n_nodes` nodes (default: the largest id plus one), with optional nonnegative weights.
    pub fn from_edges(
        src: &[i64],
        dst: &[i64],
        n_nodes: Option<usize>,
        directed: bool,
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if src.len() != dst.len() {
            return Err(Error::shape("dst", dst.len(), src.len()));
        }
        if let Some(w) = weights {
            if w.len() != src.len() {
                return Err(Error::shape("weights", w.len(), src.len()));
            }
            if let Some(index) = w.iter().position(|v| !v.is_finite()) {
                return Err(Error::NonFinite {
                    name: "weights",
                    index,
                    value: w[index],
                });
            }
            if let Some(index) = w.iter().position(|&v| v < 0.0) {
                return Err(Error::OutOfRange {
                    name: "weights",
                    index,
                    got: w[index].to_string(),
                    expected: "a weight >= 0".into(),
                });
            }
        }
        let top = src.iter().chain(dst).copied().max().map_or(0, |m| m + 1);
        let n = match n_nodes {
            Some(n) => n,
            None => usize::try_from(top).unwrap_or(0),
        };
        if n == 0 {
            return Err(Error::Empty { name: "graph" });
        }
        if n > u32::MAX as usize {
            return Err(Error::invalid("n_nodes", n, "at most 2^32 - 1 nodes"));
        }
        for (name, ids) in [("src", src), ("dst", dst)] {
            if let Some(index) = ids.iter().position(|&v| v < 0 || v as u64 >= n as u64) {
                return Err(Error::OutOfRange {
                    name,
                    index,
                    got: ids[index].to_string(),
                    expected: format!("a node id in [0, {n})"),
                });
            }
        }
        let extra = if directed { 0 } else { src.len() };
        let mut from = Vec::with_capacity(src.len() + extra);
        let mut to = Vec::with_capacity(src.len() + extra);
        let mut w = Vec::with_capacity(src.len() + extra);
        for (k, (&u, &v)) in src.iter().zip(dst).enumerate() {
            let wk = weights.map_or(1.0, |ws| ws[k]);
            from.push(u as u32);
            to.push(v as u32);
            w.push(wk);
            if !directed && u != v {
                from.push(v as u32);
                to.push(u as u32);
                w.push(wk);
            }
        }
        let mut total = vec![0.0f64; n];
        for (&u, &wk) in from.iter().zip(&w) {
            total[u as usize] += wk;
        }
        let p: Vec<f64> = from
            .iter()
            .zip(&w)
            .map(|(&u, &wk)| wk / total[u as usize])
            .collect();
        let is_dangling: Vec<bool> = total.iter().map(|&t| t <= 0.0).collect();
        let dangling = (0..n as u32).filter(|&u| is_dangling[u as usize]).collect();
        // Zero-weight edges out of a node with weight elsewhere have probability 0; out of a node
        // with no weight at all they would be 0/0: the node is dangling and they carry nothing.
        let p: Vec<f64> = p
            .into_iter()
            .map(|v| if v.is_finite() { v } else { 0.0 })
            .collect();
        // The two layouts are independent scatters of the same edges: one per thread.
        let ((out_ptr, out_idx, out_p), (in_ptr, in_idx, in_p)) =
            rayon::join(|| csr(n, &from, &to, &p), || csr(n, &to, &from, &p));
        let uniform_out = (0..n)
            .all(|u| {
                let row = &out_p[out_ptr[u]..out_ptr[u + 1]];
                row.iter().all(|&v| v == row[0])
            })
            .then(|| {
                (0..n)
                    .map(|u| {
                        out_p
                            .get(out_ptr[u])
                            .filter(|_| out_ptr[u + 1] > out_ptr[u])
                            .copied()
                            .unwrap_or(0.0)
                    })
                    .collect()
            });
        Ok(Self {
            n,
            out_ptr,
            out_idx,
            out_p,
            in_ptr,
            in_idx,
            in_p,
            dangling,
            is_dangling,
            uniform_out,
            sliced: OnceLock::new(),
            symmetric: !directed,
            condensation: OnceLock::new(),
        })
    }

    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.n
    }

    /// Number of stored (directed) edges: twice the input edges of an undirected graph, self-loops
    /// once.
    pub fn n_edges(&self) -> usize {
        self.out_idx.len()
    }

    /// The dangling nodes, ascending.
    pub fn dangling(&self) -> &[u32] {
        &self.dangling
    }

    /// Out-neighbours of `u` with their transition probabilities.
    #[inline]
    pub fn out_edges(&self, u: usize) -> (&[u32], &[f64]) {
        let r = self.out_ptr[u]..self.out_ptr[u + 1];
        (&self.out_idx[r.clone()], &self.out_p[r])
    }

    /// In-neighbours of `v` with the probabilities of their edges into `v`.
    #[inline]
    pub fn in_edges(&self, v: usize) -> (&[u32], &[f64]) {
        let r = self.in_ptr[v]..self.in_ptr[v + 1];
        (&self.in_idx[r.clone()], &self.in_p[r])
    }

    /// In-neighbours of `v` (without probabilities).
    #[inline]
    pub fn in_neighbours(&self, v: usize) -> &[u32] {
        &self.in_idx[self.in_ptr[v]..self.in_ptr[v + 1]]
    }

    /// Each node's out-edge probability when all of a node's out-edges are equally likely (as
    /// in every unweighted graph), else `None`.
    pub fn uniform_out(&self) -> Option<&[f64]> {
        self.uniform_out.as_deref()
    }

    /// Out-degree (stored edges) of `u`.
    #[inline]
    pub fn out_degree(&self, u: usize) -> usize {
        self.out_ptr[u + 1] - self.out_ptr[u]
    }

    /// The in-edges in the layout of a parallel sweep, built on first use.
    pub(crate) fn sliced(&self) -> &Sliced {
        self.sliced.get_or_init(|| Sliced::build(self))
    }

    /// The strongly connected components in topological order, if most edges run between them
    /// (decided, and built, on first use).
    pub(crate) fn condensation(&self) -> Option<&Condensation> {
        self.condensation
            .get_or_init(|| {
                (!self.symmetric)
                    .then(|| Condensation::build(self))
                    .flatten()
            })
            .as_ref()
    }

    /// Whether `u` is dangling.
    #[inline]
    pub fn is_dangling(&self, u: usize) -> bool {
        self.is_dangling[u]
    }
}

/// One step of a walk from a node with out-neighbours `nb` and edge probabilities `pr`: a uniform
/// neighbour when all are equally likely (`uniform`), else one chosen by probability.
#[inline]
pub(crate) fn pick_neighbour(nb: &[u32], pr: &[f64], uniform: bool, rng: &mut Rng) -> u32 {
    if uniform {
        return nb[below(rng, nb.len() as u64) as usize];
    }
    let t = open01(rng);
    let mut acc = 0.0;
    for (&v, &p) in nb.iter().zip(pr) {
        acc += p;
        if t < acc {
            return v;
        }
    }
    nb[nb.len() - 1]
}

impl Snapshot for Graph {
    const KIND: &'static str = "graph.Graph";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let n = self.n;
        let ok = |ptr: &[usize], idx: &[u32], p: &[f64]| {
            ptr.len() == n + 1
                && ptr.windows(2).all(|w| w[0] <= w[1])
                && ptr.last() == Some(&idx.len())
                && idx.len() == p.len()
                && idx.iter().all(|&v| (v as usize) < n)
                && p.iter().all(|&w| (0.0..=1.0).contains(&w))
        };
        let consistent = n > 0
            && ok(&self.out_ptr, &self.out_idx, &self.out_p)
            && ok(&self.in_ptr, &self.in_idx, &self.in_p)
            && self.is_dangling.len() == n
            && self
                .dangling
                .iter()
                .all(|&d| (d as usize) < n && self.is_dangling[d as usize])
            && self.uniform_out.as_ref().is_none_or(|u| u.len() == n);
        if consistent {
            Ok(())
        } else {
            Err(Error::Snapshot("graph arrays are inconsistent".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_the_edges_stably_sorted_by_row() {
        // Enough edges for the two-pass path, over several buckets with a partial last one and
        // empty rows, repeated (u, v) pairs and values that tell the copies of an edge apart.
        for (n, m) in [
            (5 * BUCKET_ROWS + 17, DIRECT_BELOW + 999),
            (BUCKET_ROWS + 1, DIRECT_BELOW),
        ] {
            let mut state = 0x9e37_79b9_7f4a_7c15u64;
            let mut next = |bound: usize| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                ((state >> 33) as usize % bound) as u32
            };
            // Rows skewed towards low ids, so some buckets are full and some rows empty.
            let from: Vec<u32> = (0..m)
                .map(|_| {
                    let top = next(n) as usize + 1;
                    next(top)
                })
                .collect();
            let to: Vec<u32> = (0..m).map(|_| next(n)).collect();
            let p: Vec<f64> = (0..m).map(|k| k as f64).collect();
            let (ptr, idx, val) = csr(n, &from, &to, &p);
            // Reference: the edges stably sorted by row, and each row's first position.
            let mut order: Vec<usize> = (0..m).collect();
            order.sort_by_key(|&k| from[k]);
            let mut sorted = from.clone();
            sorted.sort_unstable();
            let want_ptr: Vec<usize> = (0..=n)
                .map(|u| sorted.partition_point(|&f| (f as usize) < u))
                .collect();
            assert_eq!(ptr, want_ptr);
            assert_eq!(idx, order.iter().map(|&k| to[k]).collect::<Vec<_>>());
            assert_eq!(val, order.iter().map(|&k| p[k]).collect::<Vec<_>>());
            // And the rows are the input's edges in input order (values are input positions).
            for u in 0..n {
                let row = &val[ptr[u]..ptr[u + 1]];
                assert!(row.windows(2).all(|w| w[0] < w[1]));
                assert!(row.iter().all(|&k| from[k as usize] as usize == u));
            }
        }
    }

    #[test]
    fn probabilities_dangling_nodes_and_undirected_edges() {
        let g = Graph::from_edges(&[0, 0, 1, 0], &[1, 2, 2, 1], Some(4), true, None).unwrap();
        assert_eq!(g.n_nodes(), 4);
        assert_eq!(g.dangling(), &[2, 3]);
        let (nb, p) = g.out_edges(0);
        assert_eq!(nb, &[1, 2, 1]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        let (inb, inp) = g.in_edges(2);
        assert_eq!(inb, &[0, 1]);
        assert_eq!(inp, &[1.0 / 3.0, 1.0]);
        let u = Graph::from_edges(&[0, 1], &[1, 1], None, false, Some(&[2.0, 1.0])).unwrap();
        assert_eq!(u.n_edges(), 3);
        let (nb, p) = u.out_edges(1);
        assert_eq!(nb, &[0, 1]);
        assert_eq!(p, &[2.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn bad_edges_are_refused() {
        assert!(matches!(
            Graph::from_edges(&[0, 5], &[1, 1], Some(3), true, None),
            Err(Error::OutOfRange {
                name: "src",
                index: 1,
                ..
            })
        ));
        assert!(matches!(
            Graph::from_edges(&[0], &[-1], None, true, None),
            Err(Error::OutOfRange { name: "dst", .. })
        ));
        assert!(matches!(
            Graph::from_edges(&[0], &[1], None, true, Some(&[-1.0])),
            Err(Error::OutOfRange {
                name: "weights",
                ..
            })
        ));
        assert!(matches!(
            Graph::from_edges(&[], &[], None, true, None),
            Err(Error::Empty { .. })
        ));
        assert!(matches!(
            Graph::from_edges(&[0], &[1, 2], None, true, None),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
