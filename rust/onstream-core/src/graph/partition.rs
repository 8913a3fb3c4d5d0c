//! The engine-agnostic form of PowerWalk: a graph cut into partitions (contiguous node blocks, each
//! holding only its nodes' out-edges and fingerprints), and the index build and the query written as
//! supersteps `step(partition, inbox) -> (local results, outboxes by partition)`.
//!
//! A driver owns the partitions and moves messages between supersteps; this module ships the
//! single-machine driver, which runs the partitions of a superstep in parallel with rayon. A
//! distributed driver (one actor per partition) calls the same step functions and routes the same
//! messages, which are plain `Copy` records (serializable) so they batch into arrays.
//!
//! The index build gives the same fingerprints for any number of partitions: each walker draws its
//! randomness from a generator positioned by (source, walk, step), not from whatever worker runs
//! it, and visits are integer counts. Queries agree across partitionings up to rounding (the same
//! terms, added in an order that follows the partitions) and are deterministic for a given one.

use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::csr::{pick_neighbour, Graph};
use super::powerwalk::{Fingerprints, PowerWalkIndex};
use crate::error::{Error, Result};
use crate::rng::{open01, stream};

/// Flow of a query: `mass` from the query's `source` sitting on `node`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// The query's source node.
    pub source: u32,
    /// Where the flow is.
    pub node: u32,
    /// How much.
    pub mass: f64,
}

/// A walker of the index build: walk number `walk` from `source`, at `node` after `step` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walker {
    /// The vertex whose fingerprint the walk feeds.
    pub source: u32,
    /// Which of the source's walks.
    pub walk: u32,
    /// Where it is.
    pub node: u32,
    /// Steps taken so far.
    pub step: u32,
}

/// A visit count of the index build: walks from `source` visited `node` `count` times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    /// The walk's source.
    pub source: u32,
    /// The visited node.
    pub node: u32,
    /// Visits.
    pub count: u32,
}

/// One block of nodes `lo..hi`: their out-edges (global ids) and, once built, fingerprints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partition {
    /// This partition's number.
    pub id: usize,
    lo: u32,
    hi: u32,
    /// Nodes per partition (the last may have fewer): `owner(v) = v / block`.
    block: u32,
    out_ptr: Vec<usize>,
    out_idx: Vec<u32>,
    out_p: Vec<f64>,
    uniform: bool,
    fp_ptr: Vec<usize>,
    fp_nodes: Vec<u32>,
    fp_scores: Vec<f32>,
}

impl Partition {
    /// The partition that owns node `v`.
    #[inline]
    pub fn owner(&self, v: u32) -> usize {
        (v / self.block) as usize
    }

    #[inline]
    fn edges(&self, u: u32) -> (&[u32], &[f64]) {
        let k = (u - self.lo) as usize;
        let r = self.out_ptr[k]..self.out_ptr[k + 1];
        (&self.out_idx[r.clone()], &self.out_p[r])
    }

    #[inline]
    fn dangling(&self, u: u32) -> bool {
        self.edges(u).1.iter().all(|&p| p <= 0.0)
    }

    fn fingerprint(&self, u: u32) -> (&[u32], &[f32]) {
        let k = (u - self.lo) as usize;
        let r = self.fp_ptr[k]..self.fp_ptr[k + 1];
        (&self.fp_nodes[r.clone()], &self.fp_scores[r])
    }

    /// One superstep of the index build: every walker here records its visit, stops with
    /// probability α (or at a dangling node), else moves on. Returns the visits (to be routed to
    /// the partition owning each `source`) and the walkers' next hops by owning partition.
    pub fn build_step(
        &self,
        inbox: &[Walker],
        alpha: f64,
        seed: u64,
        n_parts: usize,
    ) -> (Vec<Visit>, Vec<Vec<Walker>>) {
        let mut visits = Vec::with_capacity(inbox.len());
        let mut out = vec![Vec::new(); n_parts];
        for w in inbox {
            visits.push(Visit {
                source: w.source,
                node: w.node,
                count: 1,
            });
            // Positioned generator: the same draws whoever runs this walker.
            let mut rng = stream(seed, u64::from(w.source));
            rng.set_word_pos((u128::from(w.walk) << 40 | u128::from(w.step)) * 4);
            if open01(&mut rng) < alpha || self.dangling(w.node) {
                continue;
            }
            let (nb, pr) = self.edges(w.node);
            let next = pick_neighbour(nb, pr, self.uniform, &mut rng);
            out[self.owner(next)].push(Walker {
                node: next,
                step: w.step + 1,
                ..*w
            });
        }
        (visits, out)
    }

    /// One superstep of a query: flow here is credited `α·mass` and spreads `(1 − α)·mass` along
    /// the out-edges (dropped at dangling nodes, restored by the final normalization); flow below
    /// `prune`, and all flow when `last`, instead takes this node's fingerprint. Returns the
    /// credits (local results, any node) and the spread flow by owning partition.
    pub fn query_step(
        &self,
        inbox: &mut [Flow],
        alpha: f64,
        prune: f64,
        last: bool,
        n_parts: usize,
    ) -> (Vec<Flow>, Vec<Vec<Flow>>) {
        // Same order whatever the partitioning: merge the flows of each (source, node) first.
        inbox.sort_unstable_by_key(|f| (f.source, f.node));
        let mut credits = Vec::new();
        let mut out = vec![Vec::new(); n_parts];
        let mut k = 0;
        while k < inbox.len() {
            let (source, node) = (inbox[k].source, inbox[k].node);
            let mut mass = 0.0;
            while k < inbox.len() && inbox[k].source == source && inbox[k].node == node {
                mass += inbox[k].mass;
                k += 1;
            }
            if last || mass < prune {
                let (nodes, scores) = self.fingerprint(node);
                for (&v, &s) in nodes.iter().zip(scores) {
                    credits.push(Flow {
                        source,
                        node: v,
                        mass: mass * f64::from(s),
                    });
                }
                continue;
            }
            credits.push(Flow {
                source,
                node,
                mass: alpha * mass,
            });
            if self.dangling(node) {
                continue;
            }
            let (nb, pr) = self.edges(node);
            let m = (1.0 - alpha) * mass;
            for (&v, &p) in nb.iter().zip(pr) {
                out[self.owner(v)].push(Flow {
                    source,
                    node: v,
                    mass: m * p,
                });
            }
        }
        (credits, out)
    }
}

/// Cuts `graph` into `n_parts` contiguous node blocks (fingerprints of `index` included, when
/// given).
pub fn partition(
    graph: &Graph,
    n_parts: usize,
    index: Option<&Fingerprints>,
) -> Result<Vec<Partition>> {
    let n = graph.n_nodes();
    if n_parts == 0 || n_parts > n {
        return Err(Error::invalid(
            "n_parts",
            n_parts,
            format!("between 1 and {n}"),
        ));
    }
    let block = n.div_ceil(n_parts) as u32;
    let uniform = graph.uniform_out().is_some();
    Ok((0..n_parts)
        .map(|id| {
            let lo = (id as u32 * block).min(n as u32);
            let hi = ((id as u32 + 1) * block).min(n as u32);
            let mut out_ptr = vec![0];
            let (mut out_idx, mut out_p) = (Vec::new(), Vec::new());
            let mut fp_ptr = vec![0];
            let (mut fp_nodes, mut fp_scores) = (Vec::new(), Vec::new());
            for u in lo..hi {
                let (nb, pr) = graph.out_edges(u as usize);
                out_idx.extend_from_slice(nb);
                out_p.extend_from_slice(pr);
                out_ptr.push(out_idx.len());
                if let Some(fp) = index {
                    let (nodes, scores) = fp.row(u as usize);
                    fp_nodes.extend_from_slice(nodes);
                    fp_scores.extend_from_slice(scores);
                }
                fp_ptr.push(fp_nodes.len());
            }
            Partition {
                id,
                lo,
                hi,
                block,
                out_ptr,
                out_idx,
                out_p,
                uniform,
                fp_ptr,
                fp_nodes,
                fp_scores,
            }
        })
        .collect())
}

/// Routes outboxes (one list per partition, from every partition) into inboxes, in partition order.
fn route<T: Copy + Send>(outboxes: Vec<Vec<Vec<T>>>, n_parts: usize) -> Vec<Vec<T>> {
    let mut inbox = vec![Vec::new(); n_parts];
    for per_sender in outboxes {
        for (dest, msgs) in per_sender.into_iter().enumerate() {
            inbox[dest].extend(msgs);
        }
    }
    inbox
}

/// The single-machine driver of the partitioned index build: `walks` walks from every vertex,
/// supersteps until no walker is left. The result is the same for any number of partitions.
pub fn build_index(
    graph: Arc<Graph>,
    n_parts: usize,
    walks: usize,
    alpha: f64,
    seed: u64,
) -> Result<PowerWalkIndex> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "a probability in (0, 1)"));
    }
    if walks == 0 || walks > u32::MAX as usize {
        return Err(Error::invalid(
            "walks_per_node",
            walks,
            "between 1 and 2^32 - 1",
        ));
    }
    let parts = partition(&graph, n_parts, None)?;
    let n = graph.n_nodes();
    let mut inbox: Vec<Vec<Walker>> = parts
        .iter()
        .map(|p| {
            (p.lo..p.hi)
                .flat_map(|v| {
                    (0..walks as u32).map(move |w| Walker {
                        source: v,
                        walk: w,
                        node: v,
                        step: 0,
                    })
                })
                .collect()
        })
        .collect();
    let mut counts: Vec<std::collections::HashMap<u32, u32>> = vec![Default::default(); n];
    while inbox.iter().any(|b| !b.is_empty()) {
        let results: Vec<(Vec<Visit>, Vec<Vec<Walker>>)> = parts
            .par_iter()
            .zip(inbox.par_iter())
            .map(|(p, b)| p.build_step(b, alpha, seed, n_parts))
            .collect();
        let mut outboxes = Vec::with_capacity(n_parts);
        for (visits, out) in results {
            for v in visits {
                *counts[v.source as usize].entry(v.node).or_insert(0) += v.count;
            }
            outboxes.push(out);
        }
        inbox = route(outboxes, n_parts);
    }
    let scale = alpha / walks as f64;
    let rows = counts
        .into_iter()
        .map(|c| {
            let mut row: Vec<(u32, u32)> = c.into_iter().collect();
            row.sort_unstable();
            row.into_iter()
                .map(|(v, k)| (v, (f64::from(k) * scale) as f32))
                .unzip()
        })
        .collect();
    PowerWalkIndex::from_parts(graph, Fingerprints::from_rows(alpha, walks, seed, rows))
}

/// The single-machine driver of partitioned queries: the (unnormalized) PPR estimate of every
/// source as sparse `(node, score)` lists, after `steps` supersteps and a final combination.
pub fn query(
    parts: &[Partition],
    sources: &[u32],
    alpha: f64,
    steps: usize,
    prune: f64,
) -> Vec<Vec<(u32, f64)>> {
    let n_parts = parts.len();
    let mut inbox: Vec<Vec<Flow>> = vec![Vec::new(); n_parts];
    for &s in sources {
        inbox[parts[0].owner(s)].push(Flow {
            source: s,
            node: s,
            mass: 1.0,
        });
    }
    let mut credits: Vec<Flow> = Vec::new();
    for t in 0..=steps {
        let last = t == steps;
        let results: Vec<(Vec<Flow>, Vec<Vec<Flow>>)> = parts
            .par_iter()
            .zip(inbox.par_iter_mut())
            .map(|(p, b)| p.query_step(b, alpha, prune, last, n_parts))
            .collect();
        let mut outboxes = Vec::with_capacity(n_parts);
        for (c, out) in results {
            credits.extend(c);
            outboxes.push(out);
        }
        inbox = route(outboxes, n_parts);
    }
    credits.sort_by_key(|c| (c.source, c.node));
    let mut out: Vec<Vec<(u32, f64)>> = Vec::with_capacity(sources.len());
    for &s in sources {
        let lo = credits.partition_point(|c| c.source < s);
        let hi = credits.partition_point(|c| c.source <= s);
        let mut row: Vec<(u32, f64)> = Vec::new();
        for c in &credits[lo..hi] {
            match row.last_mut() {
                Some(last) if last.0 == c.node => last.1 += c.mass,
                _ => row.push((c.node, c.mass)),
            }
        }
        let total: f64 = row.iter().map(|r| r.1).sum();
        if total > 0.0 {
            for r in &mut row {
                r.1 /= total;
            }
        }
        out.push(row);
    }
    out
}
