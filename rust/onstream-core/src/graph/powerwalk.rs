//! PowerWalk (Liu, Li, Lui & Cheng, "PowerWalk: Scalable Personalized PageRank via Random Walks
//! with Vertex-Centric Decomposition", CIKM 2016): an offline index of Monte Carlo fingerprints, one
//! per vertex, and online queries that take `T` exact steps of the Jeh–Widom decomposition
//! `π_s = α Σ_{t<T} f_t + Σ_v f_T(v) π_v` (`f_0 = e_s`, `f_{t+1} = (1 − α) f_t P`) before
//! combining fingerprints, so a fingerprint's error reaches the answer scaled by `(1 − α)^T` and
//! averaged over every vertex the flow reached.
//!
//! The decomposition is exact for walks that stop at dangling nodes (`π̃`). PPR whose dangling
//! mass returns to the personalization (networkx's and igraph's convention, and
//! [`super::Dangling::Personalization`]) is that vector normalized, `π = π̃ / ‖π̃‖₁`: the returning
//! mass is re-injected in the shape of the personalization, so the fingerprints (walks killed at
//! dangling nodes, full-path estimator, as in the authors' `rw-fullpath.cpp`) serve both.
//!
//! The index build runs the vertices in parallel, each on its own generator stream, and a query
//! batch runs its sources in parallel: both give the same bits on any number of threads.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::csr::{pick_neighbour, Graph};
use crate::error::{Error, Result};
use crate::rng::{open01, stream};
use crate::snapshot::Snapshot;

/// The fingerprints `π̂_v` of every vertex, in compressed sparse rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fingerprints {
    /// Teleport probability the walks used.
    pub alpha: f64,
    /// Walks per vertex.
    pub walks: usize,
    /// The seed of the walks.
    pub seed: u64,
    indptr: Vec<usize>,
    nodes: Vec<u32>,
    scores: Vec<f32>,
}

impl Fingerprints {
    /// Fingerprints from one `(nodes, scores)` row per vertex (nodes ascending).
    pub fn from_rows(alpha: f64, walks: usize, seed: u64, rows: Vec<(Vec<u32>, Vec<f32>)>) -> Self {
        let mut indptr = Vec::with_capacity(rows.len() + 1);
        indptr.push(0);
        let (mut nodes, mut scores) = (Vec::new(), Vec::new());
        for (ns, ss) in rows {
            nodes.extend(ns);
            scores.extend(ss);
            indptr.push(nodes.len());
        }
        Self {
            alpha,
            walks,
            seed,
            indptr,
            nodes,
            scores,
        }
    }

    /// The fingerprint of vertex `u`.
    pub fn row(&self, u: usize) -> (&[u32], &[f32]) {
        let r = self.indptr[u]..self.indptr[u + 1];
        (&self.nodes[r.clone()], &self.scores[r])
    }
}

impl Snapshot for Fingerprints {
    const KIND: &'static str = "graph.PowerWalkFingerprints";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let consistent = self.alpha > 0.0
            && self.alpha < 1.0
            && self.walks > 0
            && !self.indptr.is_empty()
            && self.indptr.windows(2).all(|w| w[0] <= w[1])
            && self.indptr.last() == Some(&self.nodes.len())
            && self.nodes.len() == self.scores.len();
        if consistent {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "fingerprint arrays are inconsistent".into(),
            ))
        }
    }
}

/// An index over a graph: its fingerprints, and the graph the queries step on.
#[derive(Debug, Clone)]
pub struct PowerWalkIndex {
    graph: Arc<Graph>,
    fp: Fingerprints,
}

/// One query's answer: the top nodes and their scores, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct TopK {
    /// Node ids, best first (ties: lower id first).
    pub nodes: Vec<u32>,
    /// Their estimated PPR scores.
    pub scores: Vec<f64>,
}

/// Sparse vector over nodes on a dense scratch array, with the list of touched entries.
struct Scratch {
    val: Vec<f64>,
    touched: Vec<u32>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Self {
            val: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    /// Adds `x` ≥ 0 at `v`. A zero (the flow of a zero-weight edge) is skipped: it would list
    /// `v` as touched with its value still 0, and the next addition would list it again.
    #[inline]
    fn add(&mut self, v: u32, x: f64) {
        if x == 0.0 {
            return;
        }
        let slot = &mut self.val[v as usize];
        if *slot == 0.0 {
            self.touched.push(v);
        }
        *slot += x;
    }

    fn clear(&mut self) {
        for &v in &self.touched {
            self.val[v as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// Stopping vertices (per vertex of the graph) from which their fingerprints are added in vertex
/// order, by a scan of every vertex.
const DENSE_REST: usize = 32;

/// A query's dense work vectors: the flow now and next, the flow stopped at each vertex, and
/// the estimate.
struct Work {
    f: Scratch,
    next: Scratch,
    rest: Scratch,
    out: Scratch,
}

impl Work {
    fn new(n: usize) -> Self {
        Work {
            f: Scratch::new(n),
            next: Scratch::new(n),
            rest: Scratch::new(n),
            out: Scratch::new(n),
        }
    }
}

fn check_prune(prune: f64) -> Result<()> {
    if !(0.0..1.0).contains(&prune) {
        return Err(Error::invalid("prune", prune, "a flow threshold in [0, 1)"));
    }
    Ok(())
}

/// One walk from `start` that stops with probability α per step and dies at a dangling node;
/// counts every visit.
fn fingerprint_walks(g: &Graph, v: usize, alpha: f64, walks: usize, seed: u64, acc: &mut Scratch) {
    let mut rng = stream(seed, v as u64);
    for _ in 0..walks {
        let mut u = v;
        loop {
            acc.add(u as u32, 1.0);
            if open01(&mut rng) < alpha || g.is_dangling(u) {
                break;
            }
            let (nb, pr) = g.out_edges(u);
            u = pick_neighbour(nb, pr, g.uniform_out().is_some(), &mut rng) as usize;
        }
    }
}

impl PowerWalkIndex {
    /// Builds the index: `walks` full-path walks from every vertex.
    pub fn build(graph: Arc<Graph>, walks: usize, alpha: f64, seed: u64) -> Result<Self> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::invalid("alpha", alpha, "a probability in (0, 1)"));
        }
        if walks == 0 {
            return Err(Error::invalid("walks_per_node", 0, "at least 1"));
        }
        let n = graph.n_nodes();
        let g = &*graph;
        let rows: Vec<(Vec<u32>, Vec<f32>)> = (0..n)
            .into_par_iter()
            .map_init(
                || Scratch::new(n),
                |acc, v| {
                    fingerprint_walks(g, v, alpha, walks, seed, acc);
                    acc.touched.sort_unstable();
                    let scale = alpha / walks as f64;
                    let nodes = acc.touched.clone();
                    let scores = nodes
                        .iter()
                        .map(|&u| (acc.val[u as usize] * scale) as f32)
                        .collect();
                    acc.clear();
                    (nodes, scores)
                },
            )
            .collect();
        Ok(Self {
            graph,
            fp: Fingerprints::from_rows(alpha, walks, seed, rows),
        })
    }

    /// Restores an index from its fingerprints and the graph they were built on.
    pub fn from_parts(graph: Arc<Graph>, fp: Fingerprints) -> Result<Self> {
        if fp.indptr.len() != graph.n_nodes() + 1
            || fp.indptr.last() != Some(&fp.nodes.len())
            || fp.nodes.len() != fp.scores.len()
            || fp.nodes.iter().any(|&v| v as usize >= graph.n_nodes())
        {
            return Err(Error::Snapshot(
                "fingerprints do not match this graph (node count or index arrays)".into(),
            ));
        }
        Ok(Self { graph, fp })
    }

    /// The fingerprints (for snapshots).
    pub fn fingerprints(&self) -> &Fingerprints {
        &self.fp
    }

    /// Stored fingerprint entries.
    pub fn nnz(&self) -> usize {
        self.fp.nodes.len()
    }

    /// The estimated PPR vector of `source` after `steps` exact steps (dangling mass back to the
    /// source), as a sparse vector on `w.out`.
    ///
    /// Flow that stops (below `prune`, or after the last step) is collected per vertex in
    /// `w.rest` and each vertex's fingerprint is added once, with its total: the same sum as
    /// adding it for every stopped flow (the estimate is linear in the flows), in as many
    /// fingerprint passes as there are distinct stopping vertices rather than stopped flows.
    fn estimate(&self, source: usize, steps: usize, prune: f64, w: &mut Work) {
        let g = &*self.graph;
        let alpha = self.fp.alpha;
        let Work { f, next, rest, out } = w;
        f.add(source as u32, 1.0);
        for _ in 0..steps {
            for k in 0..f.touched.len() {
                let u = f.touched[k];
                let mass = f.val[u as usize];
                if mass < prune {
                    // The decomposition may stop anywhere: a small flow takes its fingerprint
                    // instead of spreading over the neighbours (the answer stays unbiased).
                    rest.add(u, mass);
                    continue;
                }
                out.add(u, alpha * mass);
                if g.is_dangling(u as usize) {
                    continue; // the stopped walk: its mass returns at the normalization
                }
                let (nb, pr) = g.out_edges(u as usize);
                let m = (1.0 - alpha) * mass;
                for (&v, &p) in nb.iter().zip(pr) {
                    next.add(v, m * p);
                }
            }
            f.clear();
            std::mem::swap(f, next);
        }
        for k in 0..f.touched.len() {
            let u = f.touched[k];
            rest.add(u, f.val[u as usize]);
        }
        f.clear();
        if rest.touched.len() > rest.val.len() / DENSE_REST {
            // Many stopping vertices: in vertex order, the fingerprint rows are read front to
            // back (and their offsets in sequence) instead of at random; their entries are added
            // without listing each first touch (a branch per entry), and the estimate's nonzeros
            // are listed by one scan afterwards.
            for u in 0..rest.val.len() {
                let mass = rest.val[u];
                if mass != 0.0 {
                    self.combine_dense(u, mass, &mut out.val);
                }
            }
            out.touched.clear();
            out.touched
                .extend((0..out.val.len() as u32).filter(|&v| out.val[v as usize] != 0.0));
        } else {
            for k in 0..rest.touched.len() {
                let u = rest.touched[k] as usize;
                self.combine(u, rest.val[u], out);
            }
        }
        rest.clear();
        let total: f64 = out.touched.iter().map(|&v| out.val[v as usize]).sum();
        if total > 0.0 {
            for k in 0..out.touched.len() {
                out.val[out.touched[k] as usize] /= total;
            }
        }
    }

    /// Adds `mass × π̂_u` to the dense `val`, listing nothing.
    #[inline]
    fn combine_dense(&self, u: usize, mass: f64, val: &mut [f64]) {
        let r = self.fp.indptr[u]..self.fp.indptr[u + 1];
        for (&v, &s) in self.fp.nodes[r.clone()].iter().zip(&self.fp.scores[r]) {
            val[v as usize] += mass * f64::from(s);
        }
    }

    /// Adds `mass × π̂_u` to `out`.
    #[inline]
    fn combine(&self, u: usize, mass: f64, out: &mut Scratch) {
        let r = self.fp.indptr[u]..self.fp.indptr[u + 1];
        for (&v, &s) in self.fp.nodes[r.clone()].iter().zip(&self.fp.scores[r]) {
            out.add(v, mass * f64::from(s));
        }
    }

    /// Top-`k` PPR of each source after (at most) `steps` exact steps, the sources in parallel;
    /// flow below `prune` stops early and takes its fingerprint.
    pub fn query(&self, sources: &[i64], k: usize, steps: usize, prune: f64) -> Result<Vec<TopK>> {
        check_prune(prune)?;
        let n = self.graph.n_nodes();
        if k == 0 {
            return Err(Error::invalid("k", 0, "at least 1"));
        }
        if let Some(index) = sources.iter().position(|&s| s < 0 || s as u64 >= n as u64) {
            return Err(Error::OutOfRange {
                name: "sources",
                index,
                got: sources[index].to_string(),
                expected: format!("a node id in [0, {n})"),
            });
        }
        Ok(sources
            .par_iter()
            .map_init(
                || Work::new(n),
                |w, &s| {
                    self.estimate(s as usize, steps, prune, w);
                    let out = &mut w.out;
                    let mut cand: Vec<(u32, f64)> = out
                        .touched
                        .iter()
                        .map(|&v| (v, out.val[v as usize]))
                        .collect();
                    let by_score =
                        |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
                    if cand.len() > k {
                        cand.select_nth_unstable_by(k - 1, by_score);
                        cand.truncate(k);
                    }
                    cand.sort_unstable_by(by_score);
                    out.clear();
                    TopK {
                        nodes: cand.iter().map(|c| c.0).collect(),
                        scores: cand.iter().map(|c| c.1).collect(),
                    }
                },
            )
            .collect())
    }

    /// The full estimated PPR vector of one source (dense), for checking against exact PPR.
    pub fn query_dense(&self, source: usize, steps: usize, prune: f64) -> Result<Vec<f64>> {
        check_prune(prune)?;
        let n = self.graph.n_nodes();
        if source >= n {
            return Err(Error::OutOfRange {
                name: "source",
                index: 0,
                got: source.to_string(),
                expected: format!("a node id in [0, {n})"),
            });
        }
        let mut w = Work::new(n);
        self.estimate(source, steps, prune, &mut w);
        Ok(w.out.val)
    }
}
