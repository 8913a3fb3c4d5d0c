//! Exact personalized PageRank: power iteration and forward push, to an L1 error that means what
//! it says.
//!
//! PPR with teleport probability α and personalization `p` (a distribution over nodes) is the
//! stationary law of the walk that, at each step, restarts from `p` with probability α and
//! otherwise follows an out-edge; at a dangling node it goes where [`Dangling`] says. Equivalently
//! `π = α p + (1 − α) (π P + D(π) q)` with `D(π)` the mass on dangling nodes.
//!
//! **Power iteration** pulls along in-edges, so each new entry is computed by one thread and the
//! result is the same bits on any number of threads. The map is a (1 − α)-contraction in L1, so
//! after a step that changed the vector by `δ` the error is at most `(1 − α)/α · δ`; iterations stop
//! when that bound is at most `tol` (networkx stops at `δ < n·tol`, which on large graphs is no
//! guarantee at all).
//!
//! Three things make a step cheaper or rarer without touching that guarantee. The pulls run over
//! the in-edges in sorted slices (see `pull.rs`). The vector they read at random is stored in single
//! precision while the iteration is far from `tol`: half the bytes (on a 200,000-node graph it then
//! fits a core's L2). Storing it changes a step by at most `‖e‖ = 2^-24 ‖x‖₁` (plus a subnormal
//! term), which enters the bound: `((1 − α) δ + ‖e‖)/α`; once the change is within twice that
//! floor the sweeps go on in double precision. (Summing each node's actual rounding gave a bound
//! about half as large, with per-node work that did not vectorize.) And every fifth step the last
//! four iterates are combined by quadratic extrapolation (`extrapolate.rs`), which cut the steps to
//! 1e-6 from 25 to 19 on a Barabási–Albert graph and from 40 to 27 on the citation graph; the bound
//! always comes from a plain step after it.
//! When most edges run between strongly connected components (a citation graph: two thirds of
//! its edges) and dangling mass does not go everywhere, power steps run inside the components
//! only, taken in topological order, and the edges between them are crossed once
//! (`condensed.rs`, with its own bound).
//!
//! **Forward push** (Andersen, Chung & Lang, FOCS 2006) keeps an estimate `x` and a residual `r`
//! with `π = x + Σ_u r_u π_u`, so the error is at most `Σ r`; pushing `u` moves `α r_u` into `x_u`
//! and spreads `(1 − α) r_u` over its out-edges. Local pushes run from a queue while the active set
//! is small; then, as in PowerPush (Wu, Gan, Wei & Zhang, SIGMOD 2021), whole sweeps over the nodes
//! in order (Gauss–Seidel) take over until `Σ r ≤ tol`.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::csr::{Dangling, Graph};
use super::extrapolate::Extrapolation;
use super::pull::{Pull, Staged, LANES, WINDOW};
use crate::dense::simd::multiversion;
use crate::error::{Error, Result};

/// Teleport probability, tolerance and dangling policy.
#[derive(Debug, Clone, Copy)]
pub struct PprOptions {
    /// Teleport (restart) probability α, in (0, 1).
    pub alpha: f64,
    /// Target L1 error.
    pub tol: f64,
    /// Most iterations (power) or sweeps (push).
    pub max_iter: usize,
    /// Where mass at dangling nodes goes.
    pub dangling: Dangling,
}

/// A PPR vector and how it was reached.
#[derive(Debug, Clone)]
pub struct PprOutcome {
    /// The scores, one per node, summing to 1 (within the error).
    pub scores: Vec<f64>,
    /// Iterations (power) or full sweeps (push) run.
    pub iterations: usize,
    /// Edge traversals (pushes along an edge, or pulls).
    pub edge_work: usize,
    /// A proven upper bound on the L1 error.
    pub error_bound: f64,
    /// Whether `error_bound <= tol`.
    pub converged: bool,
}

impl PprOptions {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid(
                "alpha",
                self.alpha,
                "a probability in (0, 1)",
            ));
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::invalid("tol", self.tol, "a finite value > 0"));
        }
        if self.max_iter == 0 {
            return Err(Error::invalid("max_iter", 0, "at least 1"));
        }
        Ok(())
    }
}

/// Checks that `p` is a distribution over the graph's nodes.
pub fn check_personalization(g: &Graph, p: &[f64]) -> Result<()> {
    if p.len() != g.n_nodes() {
        return Err(Error::shape("personalization", p.len(), g.n_nodes()));
    }
    if let Some(index) = p.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(Error::OutOfRange {
            name: "personalization",
            index,
            got: p[index].to_string(),
            expected: "a finite weight >= 0".into(),
        });
    }
    let total: f64 = p.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(Error::invalid(
            "personalization",
            format!("weights summing to {total}"),
            "weights summing to 1",
        ));
    }
    Ok(())
}

/// Nodes per unit of parallel work (whole sorting windows), fixed so that the L1 change is summed
/// in the same order on any number of threads.
const CHUNK: usize = 2 * WINDOW;

/// Personalized PageRank by power iteration: over the graph's components in topological order
/// when most edges run between components (`condensed.rs`), else over the whole graph.
pub fn power(g: &Graph, p: &[f64], opts: &PprOptions) -> Result<PprOutcome> {
    opts.validate()?;
    check_personalization(g, p)?;
    if opts.dangling != Dangling::Uniform {
        if let Some(c) = g.condensation() {
            return super::condensed::power(g, c, p, opts);
        }
    }
    power_sweeps(g, p, opts)
}

/// Power iteration over the whole graph at every step (`opts` and `p` checked by the caller).
pub(crate) fn power_sweeps(g: &Graph, p: &[f64], opts: &PprOptions) -> Result<PprOutcome> {
    let (alpha, keep) = (opts.alpha, 1.0 - opts.alpha);
    let mut sweep = Sweep {
        g,
        opts,
        support: Support::of(p),
        x: p.to_vec(),
        next: vec![0.0; g.n_nodes()],
    };
    let mut single = Staging::<f32>::of(&sweep);
    let mut double: Option<Staging<f64>> = None;
    let mut extrapolation = Some(Extrapolation::new(g.n_nodes()));
    // After an extrapolation: the change and bound of the step before it, to judge it by.
    let mut judge: Option<(f64, f64)> = None;
    let (mut iterations, mut bound) = (0, f64::INFINITY);
    while iterations < opts.max_iter {
        // The rounding of the staged x_k that this step reads (`step` replaces it with x_{k+1}'s).
        let (delta, rounding) = match &mut double {
            None => {
                let rounding = keep * single.rounding;
                (sweep.step(&mut single), rounding)
            }
            Some(d) => (sweep.step(d), 0.0),
        };
        iterations += 1;
        // One step from x_k gives x_{k+1} = T(x_k) + e with T a (1 − α)-contraction and
        // ‖e‖ ≤ `rounding`, so ‖x_{k+1} − π‖ ≤ ((1 − α) δ + ‖e‖) / α.
        let progress = keep / alpha * delta;
        bound = progress + rounding / alpha;
        if let Some((before, bound_before)) = judge.take() {
            // The extrapolation threw the iterate off: go on from the one it replaced, whose
            // bound is known, and extrapolate no more.
            if let Some(e) = extrapolation.take_if(|_| delta > SLOWED * before) {
                #[cfg(test)]
                UNDONE.with(|n| n.set(n.get() + 1));
                sweep.x.copy_from_slice(e.kept());
                restage(&sweep, &mut single, &mut double);
                bound = bound_before;
                continue;
            }
        }
        if bound <= opts.tol {
            break;
        }
        if double.is_none() && progress <= 2.0 * rounding / alpha {
            double = Some(Staging::of(&sweep));
        }
        // Never as the last step: the bound reported must be the returned iterate's.
        if let Some(e) = extrapolation
            .as_mut()
            .filter(|_| iterations < opts.max_iter)
        {
            if e.record(iterations, &mut sweep.next) && e.combine(&sweep.x, &mut sweep.next) {
                std::mem::swap(&mut sweep.x, &mut sweep.next);
                e.keep(&mut sweep.next);
                restage(&sweep, &mut single, &mut double);
                judge = Some((delta, bound));
            }
        }
    }
    Ok(PprOutcome {
        scores: sweep.x,
        iterations,
        edge_work: iterations * g.n_edges(),
        error_bound: bound,
        converged: bound <= opts.tol,
    })
}

/// Power iteration's state: the iterate and the buffer its successor is written to.
struct Sweep<'a> {
    g: &'a Graph,
    opts: &'a PprOptions,
    support: Support<'a>,
    x: Vec<f64>,
    next: Vec<f64>,
}

/// The iterate staged for pulling (see [`Pull`]) in `T`, a buffer for the next one, and a bound
/// on the L1 change that rounding it makes to the pulls of one step (before the factor 1 − α).
struct Staging<T> {
    y: Vec<T>,
    next: Vec<T>,
    rounding: f64,
}

impl<T: Staged> Staging<T> {
    fn of(s: &Sweep<'_>) -> Self {
        // The last slot is the one the sliced layout's padding reads.
        let blank = vec![T::round(0.0); s.x.len() + 1];
        let mut st = Self {
            y: blank.clone(),
            next: blank,
            rounding: 0.0,
        };
        st.restage(s);
        st
    }

    /// Stages the sweep's iterate afresh, in place (after it was replaced, not stepped).
    fn restage(&mut self, s: &Sweep<'_>) {
        let pull = Pull::new(s.g);
        let mass: f64 = self.y[..s.x.len()]
            .par_chunks_mut(CHUNK)
            .zip(s.x.par_chunks(CHUNK))
            .enumerate()
            .map(|(c, (yc, xc))| pull.stage_run(c * CHUNK, xc, yc))
            .collect::<Vec<f64>>()
            .iter()
            .sum();
        self.rounding = pull.rounding::<T>(s.g, mass);
    }
}

/// Restages the iterate in the precision the sweeps use now.
fn restage(sweep: &Sweep<'_>, single: &mut Staging<f32>, double: &mut Option<Staging<f64>>) {
    match double {
        None => single.restage(sweep),
        Some(d) => d.restage(sweep),
    }
}

impl Sweep<'_> {
    /// One power step from `x` staged in `st` into `next`, staged into `st.next`; swaps both and
    /// returns the L1 change.
    fn step<T: Staged>(&mut self, st: &mut Staging<T>) -> f64 {
        let (g, opts) = (self.g, self.opts);
        let n = g.n_nodes();
        let (alpha, keep) = (opts.alpha, 1.0 - opts.alpha);
        let (pull, sliced) = (Pull::new(g), g.sliced());
        let dangling_mass: f64 = match opts.dangling {
            Dangling::SelfLoop => 0.0,
            _ => g.dangling().iter().map(|&d| self.x[d as usize]).sum(),
        };
        // Node v gets (1 − α)(its pull + `spread`) + `on_p`·p_v, and under `SelfLoop` a dangling
        // node also keeps (1 − α) x_v.
        let (on_p, spread) = match opts.dangling {
            Dangling::Personalization => (alpha + keep * dangling_mass, 0.0),
            Dangling::Uniform => (alpha, dangling_mass / n as f64),
            Dangling::SelfLoop => (alpha, 0.0),
        };
        let self_loops = (opts.dangling == Dangling::SelfLoop).then(|| g.dangling());
        let (xr, yr, support) = (&self.x, &st.y, &self.support);
        let parts: Vec<(f64, f64)> = self
            .next
            .par_chunks_mut(CHUNK)
            .zip(st.next[..n].par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (out, staged))| {
                let mut sums = [0.0f64; WINDOW];
                let (mut delta, mut mass) = (0.0, 0.0);
                let windows = out.chunks_mut(WINDOW).zip(staged.chunks_mut(WINDOW));
                for (k, (out, staged)) in windows.enumerate() {
                    let first = c * CHUNK + k * WINDOW;
                    let sums = &mut sums[..out.len()];
                    sliced.pull_window(g, first / WINDOW, yr, sums);
                    for (o, &s) in out.iter_mut().zip(&*sums) {
                        *o = keep * (s + spread);
                    }
                    if let Some(dangling) = self_loops {
                        for &d in &dangling[within(dangling, first, out.len())] {
                            out[d as usize - first] += keep * xr[d as usize];
                        }
                    }
                    support.add(first, out, on_p);
                    delta += l1_distance(out, &xr[first..first + out.len()]);
                    mass += pull.stage_run(first, out, staged);
                }
                (delta, mass)
            })
            .collect();
        std::mem::swap(&mut self.x, &mut self.next);
        std::mem::swap(&mut st.y, &mut st.next);
        st.rounding = pull.rounding::<T>(g, parts.iter().map(|part| part.1).sum());
        parts.iter().map(|part| part.0).sum()
    }
}

/// Where the entries of the ascending list `nodes` that lie in `first..first + len` are.
fn within(nodes: &[u32], first: usize, len: usize) -> std::ops::Range<usize> {
    let lo = nodes.partition_point(|&v| (v as usize) < first);
    lo..lo + nodes[lo..].partition_point(|&v| (v as usize) < first + len)
}

/// The personalization as a sweep adds it: dense, or its nonzeros when they are few (a single
/// source's vector is one entry, and reading all of it every step cost a full stream).
enum Support<'a> {
    Dense(&'a [f64]),
    Sparse { nodes: Vec<u32>, weights: Vec<f64> },
}

/// A personalization with at most one nonzero in this many entries is kept sparse.
const SPARSE_SHARE: usize = 16;

impl<'a> Support<'a> {
    fn of(p: &'a [f64]) -> Self {
        let nonzeros = p.iter().filter(|&&v| v != 0.0).count();
        if nonzeros * SPARSE_SHARE > p.len() {
            return Support::Dense(p);
        }
        let (nodes, weights) = p
            .iter()
            .enumerate()
            .filter(|&(_, &v)| v != 0.0)
            .map(|(v, &w)| (v as u32, w))
            .unzip();
        Support::Sparse { nodes, weights }
    }

    /// Adds `weight · p_v` to `out[v − first]` for the nodes `v` that `out` covers.
    fn add(&self, first: usize, out: &mut [f64], weight: f64) {
        match self {
            Support::Dense(p) => {
                let p = &p[first..first + out.len()];
                for (o, &pv) in out.iter_mut().zip(p) {
                    *o += weight * pv;
                }
            }
            Support::Sparse { nodes, weights } => {
                let here = within(nodes, first, out.len());
                for (&v, &w) in nodes[here.clone()].iter().zip(&weights[here]) {
                    out[v as usize - first] += weight * w;
                }
            }
        }
    }
}

multiversion! {
    /// `Σ |a[i] − b[i]|`, in [`LANES`] running sums added in a fixed order.
    fn l1_distance(a: &[f64], b: &[f64]) -> f64 {
        let mut acc = [0.0f64; LANES];
        let cut = a.len().min(b.len());
        let cut = cut - cut % LANES;
        for (xs, ys) in a[..cut].chunks_exact(LANES).zip(b[..cut].chunks_exact(LANES)) {
            for l in 0..LANES {
                acc[l] += (xs[l] - ys[l]).abs();
            }
        }
        for (l, (&x, &y)) in a[cut..].iter().zip(&b[cut..]).enumerate() {
            acc[l] += (x - y).abs();
        }
        acc.iter().sum()
    }
}

#[cfg(test)]
thread_local! {
    /// Extrapolations undone on this thread, for the test that must reach that branch.
    pub(crate) static UNDONE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// An extrapolation is undone when the step after it changes the iterate this many times more
/// than the step before it. A good one may raise the change a little (on the citation graph 1.1x
/// at step 21, then four times faster decay), as it stirs modes that die out in a step or two.
const SLOWED: f64 = 4.0;

/// Forward-push state: estimate, residual and its total.
struct Push<'g> {
    g: &'g Graph,
    alpha: f64,
    dangling: Dangling,
    x: Vec<f64>,
    r: Vec<f64>,
    /// The personalization's nonzero entries.
    support: Vec<(usize, f64)>,
    /// Residual to spread over all nodes uniformly, or over the personalization, kept aside so
    /// that a dangling push is O(1) (spread at the end of each sweep).
    pending: f64,
    work: usize,
}

/// A personalization with at most this many nonzeros takes dangling mass at once (the local
/// phase needs it there); a larger one collects it for the end of the sweep.
const SMALL_SUPPORT: usize = 64;

impl Push<'_> {
    /// Pushes node `u`; calls `touched(v)` for every node whose residual grew.
    #[inline]
    fn push(&mut self, u: usize, mut touched: impl FnMut(usize, f64)) {
        let ru = self.r[u];
        if ru <= 0.0 {
            return;
        }
        self.r[u] = 0.0;
        if self.g.is_dangling(u) {
            let m = (1.0 - self.alpha) * ru;
            match self.dangling {
                // The walk never leaves: all of the residual ends on u.
                Dangling::SelfLoop => self.x[u] += ru,
                Dangling::Personalization if self.support.len() <= SMALL_SUPPORT => {
                    self.x[u] += self.alpha * ru;
                    for k in 0..self.support.len() {
                        let (v, pv) = self.support[k];
                        self.r[v] += m * pv;
                        touched(v, self.r[v]);
                    }
                }
                Dangling::Personalization | Dangling::Uniform => {
                    self.x[u] += self.alpha * ru;
                    self.pending += m;
                }
            }
            return;
        }
        let (nb, pr) = self.g.out_edges(u);
        self.x[u] += self.alpha * ru;
        let m = (1.0 - self.alpha) * ru;
        self.work += nb.len();
        for (&v, &w) in nb.iter().zip(pr) {
            let v = v as usize;
            self.r[v] += m * w;
            touched(v, self.r[v]);
        }
    }

    fn flush(&mut self) {
        if self.pending > 0.0 {
            if matches!(self.dangling, Dangling::Uniform) {
                let share = self.pending / self.r.len() as f64;
                for r in &mut self.r {
                    *r += share;
                }
            } else {
                for &(v, pv) in &self.support {
                    self.r[v] += self.pending * pv;
                }
            }
            self.pending = 0.0;
        }
    }

    fn residual(&self) -> f64 {
        self.r.iter().sum::<f64>() + self.pending
    }
}

/// The local phase hands over to sweeps once this share of the nodes is active.
const LOCAL_SHARE: usize = 8;

/// Personalized PageRank by forward push (local queue, then Gauss–Seidel sweeps).
pub fn push(g: &Graph, p: &[f64], opts: &PprOptions) -> Result<PprOutcome> {
    opts.validate()?;
    check_personalization(g, p)?;
    let n = g.n_nodes();
    let mut s = Push {
        g,
        alpha: opts.alpha,
        dangling: opts.dangling,
        x: vec![0.0; n],
        r: p.to_vec(),
        support: p
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, v)| v > 0.0)
            .collect(),
        pending: 0.0,
        work: 0,
    };
    // Local phase: push nodes whose residual is at least tol/m per out-edge (ACL's rule), from a
    // FIFO queue, while the active set stays a small share of the graph.
    let per_edge = opts.tol / g.n_edges().max(1) as f64;
    let threshold = |u: usize, r: f64| r >= per_edge * g.out_degree(u).max(1) as f64;
    let mut queued = vec![false; n];
    let mut queue: VecDeque<usize> = (0..n)
        .filter(|&u| p[u] > 0.0 && threshold(u, p[u]))
        .collect();
    for &u in &queue {
        queued[u] = true;
    }
    while let Some(u) = queue.pop_front() {
        queued[u] = false;
        if queue.len() > n / LOCAL_SHARE {
            break;
        }
        let mut grown = Vec::new();
        s.push(u, |v, r| {
            if !queued[v] && threshold(v, r) {
                grown.push(v);
            }
        });
        for v in grown {
            if !queued[v] {
                queued[v] = true;
                queue.push_back(v);
            }
        }
    }
    // Sweeps: push every node with residual, in order, until the residual is within tol.
    s.flush();
    let mut bound = s.residual();
    let mut sweeps = 0;
    while bound > opts.tol && sweeps < opts.max_iter {
        for u in 0..n {
            s.push(u, |_, _| {});
        }
        s.flush();
        sweeps += 1;
        bound = s.residual();
    }
    Ok(PprOutcome {
        scores: s.x,
        iterations: sweeps,
        edge_work: s.work,
        error_bound: bound,
        converged: bound <= opts.tol,
    })
}
