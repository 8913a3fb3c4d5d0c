//! Personalized PageRank through the graph's condensation: strongly connected components solved
//! one after the other in topological order.
//!
//! With walks stopped at dangling nodes (or kept there, [`Dangling::SelfLoop`]), PPR solves
//! `x = α p + (1 − α) x P`, and a node's value depends only on its in-neighbours. Taken component
//! by component in topological order (Tarjan, "Depth-first search and linear graph algorithms",
//! SIAM J. Comput. 1972, gives them in reverse), every in-neighbour outside a node's component
//! is final when the component is reached: a single node is solved exactly, in one pass over its
//! in-edges, and a larger component by power steps over its inner edges alone, the flow from
//! earlier components held fixed. On a citation graph, where a paper mostly cites earlier ones,
//! two thirds of the edges are crossed once instead of at every step.
//!
//! PPR with dangling mass returned to the personalization ([`Dangling::Personalization`]) is
//! that solution normalized, `π = x / ‖x‖₁` (the returning mass is re-injected in the shape of
//! `p`); with [`Dangling::SelfLoop`] it is `x` itself. Uniform redistribution couples every node
//! to every other and is left to the plain power iteration.
//!
//! **Error bound.** A component's power steps start from zero and rise monotonically to its
//! solution; after a step that changed its values by `δ` (L1), its residual is at most
//! `(1 − α) δ`, and single nodes have none. The residual `r` of the whole vector is the sum of
//! those, and `‖x − x̂‖₁ ≤ ‖r‖₁ / α` (the map is a (1 − α)-contraction). Normalizing adds at most
//! a factor `2 / (‖x̂‖₁ − ‖x − x̂‖₁)`. Each component stops when its residual is within
//! `ρ = tol·α / ((2 − α)(2 + tol))` of the flow entering it; since those flows add up to at most
//! `(2 − α)‖x̂‖₁`, the normalized vector is then within `tol`. The bound reported is computed
//! from the residuals actually reached, as power iteration's is (arithmetic rounding aside).

use rayon::prelude::*;

use super::csr::{Dangling, Graph};
use super::ppr::{PprOptions, PprOutcome};
use crate::error::{Error, Result};

/// Rows per unit of parallel work in a component's steps: fixed, so that the L1 change is summed
/// in the same order on any number of threads.
const CHUNK: usize = 1024;

/// A graph's strongly connected components in topological order, with every node's in-edges
/// split into those from its own component and those from earlier ones. Nodes are referred to by
/// their position in that order, so a component's values are contiguous.
#[derive(Debug, Clone)]
pub(crate) struct Condensation {
    /// Nodes, component after component.
    order: Vec<u32>,
    /// Where each component starts in `order` (one more entry at the end).
    starts: Vec<usize>,
    /// In-edges from the same component (self-loops included), row by position: sources as
    /// positions, and their probabilities.
    inner_ptr: Vec<usize>,
    inner_idx: Vec<u32>,
    inner_p: Vec<f64>,
    /// In-edges from earlier components, likewise.
    outer_ptr: Vec<usize>,
    outer_idx: Vec<u32>,
    outer_p: Vec<f64>,
}

/// Each node's component, numbered in Tarjan's order (reverse topological), over the edges that
/// carry flow (probability above zero). Iterative, so deep graphs do not overflow the stack.
fn tarjan(g: &Graph) -> (Vec<u32>, usize) {
    const NONE: u32 = u32::MAX;
    let n = g.n_nodes();
    let (mut index, mut low) = (vec![NONE; n], vec![0u32; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut call): (Vec<u32>, Vec<(u32, usize)>) = (Vec::new(), Vec::new());
    let (mut comp, mut n_comp, mut counter) = (vec![NONE; n], 0u32, 0u32);
    macro_rules! visit {
        ($v:expr) => {{
            let v: u32 = $v;
            index[v as usize] = counter;
            low[v as usize] = counter;
            counter += 1;
            stack.push(v);
            on_stack[v as usize] = true;
            call.push((v, 0));
        }};
    }
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        visit!(root);
        while let Some(&(v, next)) = call.last() {
            let (nb, pr) = g.out_edges(v as usize);
            if let Some(k) = (next..nb.len()).find(|&k| pr[k] > 0.0) {
                if let Some(top) = call.last_mut() {
                    top.1 = k + 1;
                }
                let w = nb[k];
                if index[w as usize] == NONE {
                    visit!(w);
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                while let Some(w) = stack.pop() {
                    on_stack[w as usize] = false;
                    comp[w as usize] = n_comp;
                    if w == v {
                        break;
                    }
                }
                n_comp += 1;
            }
        }
    }
    (comp, n_comp as usize)
}

impl Condensation {
    /// The condensation if at least half the edges run between components (each crossed once
    /// instead of at every power step), else `None`.
    pub(crate) fn build(g: &Graph) -> Option<Self> {
        let n = g.n_nodes();
        let (comp, n_comp) = tarjan(g);
        let mut size = vec![0u32; n_comp];
        for &c in &comp {
            size[c as usize] += 1;
        }
        let cyclic_edges: usize = (0..n)
            .filter(|&v| size[comp[v] as usize] > 1)
            .map(|v| {
                let nb = g.in_neighbours(v);
                nb.iter().filter(|&&u| comp[u as usize] == comp[v]).count()
            })
            .sum();
        if 2 * cyclic_edges > g.n_edges() {
            return None;
        }
        Some(Self::assemble(g, &comp, n_comp))
    }

    /// The order and the split in-edges, given each node's component in Tarjan's numbering.
    fn assemble(g: &Graph, comp: &[u32], n_comp: usize) -> Self {
        let n = g.n_nodes();
        // Topological rank: Tarjan numbers a component after every component it reaches.
        let rank = |v: usize| n_comp - 1 - comp[v] as usize;
        let mut starts = vec![0usize; n_comp + 1];
        for v in 0..n {
            starts[rank(v) + 1] += 1;
        }
        for c in 0..n_comp {
            starts[c + 1] += starts[c];
        }
        let mut fill = starts.clone();
        let (mut order, mut pos) = (vec![0u32; n], vec![0u32; n]);
        for v in 0..n {
            let slot = &mut fill[rank(v)];
            order[*slot] = v as u32;
            pos[v] = *slot as u32;
            *slot += 1;
        }
        let mut s = Condensation {
            order,
            starts,
            inner_ptr: vec![0],
            inner_idx: Vec::new(),
            inner_p: Vec::new(),
            outer_ptr: vec![0],
            outer_idx: Vec::new(),
            outer_p: Vec::new(),
        };
        // Rows in order (component after component).
        for i in 0..n {
            let v = s.order[i] as usize;
            let (nb, pr) = g.in_edges(v);
            for (&u, &p) in nb.iter().zip(pr) {
                let at = pos[u as usize];
                if comp[u as usize] == comp[v] {
                    s.inner_idx.push(at);
                    s.inner_p.push(p);
                } else {
                    s.outer_idx.push(at);
                    s.outer_p.push(p);
                }
            }
            s.inner_ptr.push(s.inner_idx.len());
            s.outer_ptr.push(s.outer_idx.len());
        }
        s
    }

    /// Σ over the in-edges of row `i` (positions `ptr[i]..ptr[i + 1]`) of `x[source] · p`. Not
    /// `pull::dot_at`: its four partial sums made the citation graph's solve 2x slower in the
    /// bench (rows of a dozen edges, most of them single nodes' rows).
    #[inline]
    fn pull(ptr: &[usize], idx: &[u32], prob: &[f64], x: &[f64], i: usize, base: usize) -> f64 {
        let r = ptr[i]..ptr[i + 1];
        idx[r.clone()]
            .iter()
            .zip(&prob[r])
            .map(|(&u, &p)| x[u as usize - base] * p)
            .sum()
    }
}

/// PPR by the condensation `c` of `g` (see the module documentation), for dangling mass that
/// returns to the personalization or stays (`opts` and `p` checked by the caller).
pub(crate) fn power(
    g: &Graph,
    c: &Condensation,
    p: &[f64],
    opts: &PprOptions,
) -> Result<PprOutcome> {
    if opts.dangling == Dangling::Uniform {
        return Err(Error::Internal(
            "uniform dangling mass couples every component".into(),
        ));
    }
    let (alpha, keep) = (opts.alpha, 1.0 - opts.alpha);
    let rho = opts.tol * alpha / ((2.0 - alpha) * (2.0 + opts.tol));
    let self_loops = opts.dangling == Dangling::SelfLoop;
    let mut x = vec![0.0f64; g.n_nodes()];
    let (mut residual, mut sweeps, mut edge_work) = (0.0f64, 1usize, g.n_edges());
    for comp in 0..c.starts.len() - 1 {
        let (lo, hi) = (c.starts[comp], c.starts[comp + 1]);
        // The flow into each row from earlier components, and the teleport.
        let entering = |i: usize, x: &[f64]| {
            alpha * p[c.order[i] as usize]
                + keep * Condensation::pull(&c.outer_ptr, &c.outer_idx, &c.outer_p, x, i, 0)
        };
        if hi - lo == 1 {
            let v = c.order[lo] as usize;
            let mut stay: f64 = c.inner_p[c.inner_ptr[lo]..c.inner_ptr[lo + 1]].iter().sum();
            if self_loops && g.is_dangling(v) {
                stay += 1.0;
            }
            x[lo] = entering(lo, &x) / (1.0 - keep * stay.min(1.0));
            continue;
        }
        let inflow: Vec<f64> = (lo..hi).map(|i| entering(i, &x)).collect();
        let total: f64 = inflow.iter().sum();
        if total == 0.0 {
            continue; // nothing reaches it: zero is its solution
        }
        // Power steps from zero: the first gives the inflow itself.
        let mut y = inflow.clone();
        let mut next = vec![0.0f64; hi - lo];
        let mut steps = 1;
        let mut delta = total;
        while keep * delta > rho * total && steps < opts.max_iter {
            let parts: Vec<f64> = next
                .par_chunks_mut(CHUNK)
                .zip(inflow.par_chunks(CHUNK))
                .enumerate()
                .map(|(k, (out, inf))| {
                    let mut change = 0.0;
                    for (j, (o, &b)) in out.iter_mut().zip(inf).enumerate() {
                        let i = lo + k * CHUNK + j;
                        let pulled =
                            Condensation::pull(&c.inner_ptr, &c.inner_idx, &c.inner_p, &y, i, lo);
                        *o = b + keep * pulled;
                        change += (*o - y[i - lo]).abs();
                    }
                    change
                })
                .collect();
            delta = parts.iter().sum();
            std::mem::swap(&mut y, &mut next);
            steps += 1;
        }
        residual += keep * delta;
        sweeps = sweeps.max(steps);
        edge_work += (steps - 1) * (c.inner_ptr[hi] - c.inner_ptr[lo]);
        x[lo..hi].copy_from_slice(&y);
    }
    let off = residual / alpha; // ≥ ‖x − x̂‖₁
    let mass: f64 = x.iter().sum();
    let (scale, bound) = if self_loops {
        (1.0, off)
    } else if mass > off {
        (1.0 / mass, 2.0 * off / (mass - off))
    } else {
        (1.0 / mass.max(f64::MIN_POSITIVE), f64::INFINITY)
    };
    let mut scores = vec![0.0f64; g.n_nodes()];
    for (&v, &xv) in c.order.iter().zip(&x) {
        scores[v as usize] = xv * scale;
    }
    Ok(PprOutcome {
        scores,
        iterations: sweeps,
        edge_work,
        error_bound: bound,
        converged: bound <= opts.tol,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The condensation even where it would not pay.
    pub(crate) fn build_always(g: &Graph) -> Condensation {
        let (comp, n_comp) = tarjan(g);
        Condensation::assemble(g, &comp, n_comp)
    }

    /// Whether `u` reaches `v` along edges with flow, by search.
    fn reaches(g: &Graph, u: usize, v: usize) -> bool {
        let mut seen = vec![false; g.n_nodes()];
        let mut todo = vec![u];
        seen[u] = true;
        while let Some(w) = todo.pop() {
            if w == v {
                return true;
            }
            let (nb, pr) = g.out_edges(w);
            for (&t, &p) in nb.iter().zip(pr) {
                if p > 0.0 && !seen[t as usize] {
                    seen[t as usize] = true;
                    todo.push(t as usize);
                }
            }
        }
        false
    }

    #[test]
    fn components_are_the_mutually_reachable_sets_in_topological_order() {
        // Random sparse directed graphs (cycles of every size, self-loops, dangling nodes, a
        // zero-weight edge that carries no flow), against reachability by search.
        let mut s = 7u64;
        let mut next = |m: u64| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) % m
        };
        for _ in 0..30 {
            let n = 1 + next(40) as usize;
            let m = next(3 * n as u64) as usize;
            let src: Vec<i64> = (0..m).map(|_| next(n as u64) as i64).collect();
            let dst: Vec<i64> = (0..m).map(|_| next(n as u64) as i64).collect();
            let w: Vec<f64> = (0..m)
                .map(|k| if k == 0 { 0.0 } else { 1.0 + next(3) as f64 })
                .collect();
            let g = Graph::from_edges(&src, &dst, Some(n), true, Some(&w)).unwrap();
            // Built whether or not it pays, to check the components themselves.
            let c = build_always(&g);
            let mut comp_of = vec![0usize; n];
            for k in 0..c.starts.len() - 1 {
                for &v in &c.order[c.starts[k]..c.starts[k + 1]] {
                    comp_of[v as usize] = k;
                }
            }
            for u in 0..n {
                for v in 0..n {
                    let same = reaches(&g, u, v) && reaches(&g, v, u);
                    assert_eq!(comp_of[u] == comp_of[v], same, "{u} {v}");
                    if reaches(&g, u, v) {
                        assert!(
                            comp_of[u] <= comp_of[v],
                            "{u} reaches {v} from a later component"
                        );
                    }
                }
            }
        }
    }
}
