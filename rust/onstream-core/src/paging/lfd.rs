//! Belady's LFD ("longest forward distance"; Belady 1966): evict the resident key whose next
//! request is furthest in the future. Optimal offline for unit-size paging (Mattson et al. 1970).
//!
//! Needs each request's next-use time, which `trace::next_use` computes in one backward pass.
//! Ties happen only among keys never requested again (`NEVER`); the one in the highest slot is
//! evicted, a fixed rule so that labels derived from LFD's choices are reproducible.
//!
//! The victim comes from a max-heap of (next use, slot) with lazy deletion: a hit pushes the new
//! entry and leaves the old one, which is recognised as stale when it surfaces. The heap is rebuilt
//! from the resident keys when stale entries outnumber them, so it stays O(k).

use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::NIL;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lfd<M> {
    /// Evict by the predicted next arrival instead of the true one (BlindOracle).
    predicted: bool,
    k: usize,
    map: M,
    keys: Vec<u64>,
    next: Vec<u64>,
    heap: BinaryHeap<(u64, u32)>,
}

impl<M: KeyMap> Lfd<M> {
    pub fn new(k: usize, map: M) -> Self {
        Self::with_times(k, map, false)
    }

    /// BlindOracle (Wei, APPROX 2020): LFD's rule applied to *predicted* next-arrival times.
    /// Guarantee: misses ≤ min(1 + 2η/OPT, 2 + 4η/((k−1)OPT))·OPT, η the ℓ1 error of the
    /// predictions; no bound when they are bad (see `robust.rs` for the combination with LRU).
    pub fn blind_oracle(k: usize, map: M) -> Self {
        Self::with_times(k, map, true)
    }

    fn with_times(k: usize, map: M, predicted: bool) -> Self {
        Lfd {
            predicted,
            k,
            map,
            keys: Vec::with_capacity(k),
            next: Vec::with_capacity(k),
            heap: BinaryHeap::with_capacity(4 * k + 16),
        }
    }

    #[inline]
    fn time_of(&self, req: &Request) -> u64 {
        if self.predicted {
            req.predicted_next
        } else {
            req.next_use
        }
    }

    fn victim(&mut self) -> u32 {
        while let Some((n, slot)) = self.heap.pop() {
            if self.next[slot as usize] == n {
                return slot;
            }
        }
        // Unreachable while the heap holds every resident slot; rebuilding keeps that true.
        self.rebuild();
        self.heap.pop().map_or(0, |(_, s)| s)
    }

    fn rebuild(&mut self) {
        self.heap.clear();
        self.heap
            .extend(self.next.iter().enumerate().map(|(s, &n)| (n, s as u32)));
    }
}

impl<M: KeyMap> Lfd<M> {
    /// Serves a request; returns whether it hit and the key evicted to make room, if any.
    #[inline]
    pub fn access_evicting(&mut self, req: Request) -> (bool, Option<u64>) {
        let slot = self.map.get(req.key);
        let hit = slot != NIL;
        let mut evicted = None;
        let slot = if hit {
            slot
        } else if self.keys.len() < self.k {
            self.keys.push(req.key);
            self.next.push(0);
            (self.keys.len() - 1) as u32
        } else {
            let v = self.victim();
            let old = self.keys[v as usize];
            self.map.remove(old);
            evicted = Some(old);
            self.keys[v as usize] = req.key;
            v
        };
        if !hit {
            self.map.insert(req.key, slot);
        }
        let when = self.time_of(&req);
        self.next[slot as usize] = when;
        self.heap.push((when, slot));
        if self.heap.len() > 4 * self.k + 16 {
            self.rebuild();
        }
        (hit, evicted)
    }
}

impl<M: KeyMap> Policy for Lfd<M> {
    #[inline]
    fn access(&mut self, req: Request) -> bool {
        self.access_evicting(req).0
    }

    slot_map_queries!();
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use proptest::prelude::*;

    use super::super::simulate::simulate;
    use super::super::PolicyName;

    /// Fewest misses of any demand-paging algorithm: dynamic programming over every reachable set
    /// of resident keys (exhaustive search, feasible for tiny universes).
    fn exhaustive_opt(trace: &[u64], k: usize) -> u64 {
        let mut states: HashMap<BTreeSet<u64>, u64> = HashMap::from([(BTreeSet::new(), 0)]);
        for &x in trace {
            let mut next: HashMap<BTreeSet<u64>, u64> = HashMap::new();
            for (cache, cost) in states {
                let mut push = |c: BTreeSet<u64>, v: u64| {
                    let e = next.entry(c).or_insert(u64::MAX);
                    *e = (*e).min(v);
                };
                if cache.contains(&x) {
                    push(cache, cost);
                } else if cache.len() < k {
                    let mut c = cache.clone();
                    c.insert(x);
                    push(c, cost + 1);
                } else {
                    for &victim in &cache {
                        let mut c = cache.clone();
                        c.remove(&victim);
                        c.insert(x);
                        push(c, cost + 1);
                    }
                }
            }
            states = next;
        }
        states.into_values().min().unwrap_or(0)
    }

    proptest! {
        #[test]
        fn lfd_is_optimal(trace in prop::collection::vec(0u64..6, 1..16), k in 1usize..5) {
            let r = simulate(&trace, &[PolicyName::Lfd], &[k], 0, false, &Default::default()).unwrap();
            prop_assert_eq!(r[0].misses, exhaustive_opt(&trace, k));
        }
    }
}
