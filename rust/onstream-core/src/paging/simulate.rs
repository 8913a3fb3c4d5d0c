//! Batch simulation: every (policy, size) cell of a grid over one trace, cells in parallel.

use rayon::prelude::*;

use super::arc::Arc;
use super::clock::Clock;
use super::fifo::Fifo;
use super::keymap::DenseMap;
use super::lfd::Lfd;
use super::lfu::Lfu;
use super::lru::Lru;
use super::marker::Marker;
use super::policy::{check_capacity, Policy, PolicyName, Request, NEVER};
use super::sieve::Sieve;
use super::trace::{densify, next_use, DenseTrace};
use crate::error::Result;
use crate::rng;

/// The outcome of one (policy, size) cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellResult {
    pub policy: PolicyName,
    pub size: usize,
    pub hits: u64,
    pub misses: u64,
    /// Per-request hit flags, when asked for.
    pub mask: Option<Vec<bool>>,
}

/// The generator of a randomized cell: its own ChaCha stream, so a cell's result does not depend
/// on which other cells run or in which order.
fn cell_rng(seed: u64, policy: PolicyName, size: usize) -> rng::Rng {
    rng::stream(seed, ((policy as u64) << 48) ^ size as u64)
}

fn run<P: Policy>(
    mut p: P,
    trace: &DenseTrace,
    next: Option<&[u64]>,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    let mut hits = 0u64;
    let mut mask = if want_mask {
        Some(Vec::with_capacity(trace.ids.len()))
    } else {
        None
    };
    for (t, &id) in trace.ids.iter().enumerate() {
        let next_use = next.map_or(NEVER, |n| n[t]);
        let hit = p.access(Request {
            key: u64::from(id),
            next_use,
        });
        hits += u64::from(hit);
        if let Some(m) = mask.as_mut() {
            m.push(hit);
        }
    }
    (hits, mask)
}

fn run_cell(
    policy: PolicyName,
    k: usize,
    trace: &DenseTrace,
    next: Option<&[u64]>,
    seed: u64,
    want_mask: bool,
) -> CellResult {
    let map = || DenseMap::new(trace.universe);
    let (hits, mask) = match policy {
        PolicyName::Lru => run(Lru::new(k, map()), trace, None, want_mask),
        PolicyName::Fifo => run(Fifo::new(k, map()), trace, None, want_mask),
        PolicyName::Clock => run(Clock::new(k, map()), trace, None, want_mask),
        PolicyName::Lfu => run(Lfu::new(k, map()), trace, None, want_mask),
        PolicyName::Arc => run(Arc::new(k, map()), trace, None, want_mask),
        PolicyName::Sieve => run(Sieve::new(k, map()), trace, None, want_mask),
        PolicyName::Marker => run(
            Marker::new(k, map(), cell_rng(seed, policy, k)),
            trace,
            None,
            want_mask,
        ),
        PolicyName::Lfd => run(Lfd::new(k, map()), trace, next, want_mask),
    };
    CellResult {
        policy,
        size: k,
        hits,
        misses: trace.ids.len() as u64 - hits,
        mask,
    }
}

/// Simulates every policy at every size over `ids`, cells in parallel (call inside `pool::run`).
/// Results come in grid order: policies outer, sizes inner.
pub fn simulate(
    ids: &[u64],
    policies: &[PolicyName],
    sizes: &[usize],
    seed: u64,
    want_mask: bool,
) -> Result<Vec<CellResult>> {
    for &k in sizes {
        check_capacity(k)?;
    }
    let trace = densify(ids)?;
    let next = if policies.iter().any(|p| p.needs_future()) {
        Some(next_use(&trace))
    } else {
        None
    };
    let cells: Vec<(PolicyName, usize)> = policies
        .iter()
        .flat_map(|&p| sizes.iter().map(move |&k| (p, k)))
        .collect();
    Ok(cells
        .into_par_iter()
        .map(|(p, k)| run_cell(p, k, &trace, next.as_deref(), seed, want_mask))
        .collect())
}
