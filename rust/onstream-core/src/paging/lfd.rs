//! Belady's LFD ("longest forward distance"; Belady 1966): evict the resident key whose next
//! request is furthest in the future. Optimal offline for unit-size paging (Mattson et al. 1970).
//!
//! Needs each request's next-use time, which `trace::next_use` computes in one backward pass.
//! Ties happen only among keys never requested again (`NEVER`); the one in the highest slot is
//! evicted, a fixed rule so that labels derived from LFD's choices are reproducible.
//!
//! The victim comes from a [`Tournament`] over the slots of their (next use, slot) entries: a
//! request rewrites its slot's entry and climbs as far as the winners change; the root is the
//! victim. With true next-use times (below 2^32, or `NEVER`) an entry is one `u64`
//! ([`Packed`]), one comparison where a (time, slot) pair takes two.
//!
//! `simulate` runs its LFD cells by [`super::lfd_times`], which finds keys by time instead of
//! through a map; this one serves the prediction labels, BlindOracle and the tests' references.

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request, NEVER};
use super::slab::NIL;
use super::tournament::Tournament;

/// An eviction entry, ordered as its (time, slot) pair, and which time of a request it orders by.
pub trait Entry: Ord + Copy {
    /// No larger than any entry: what slots hold before they are filled.
    const LEAST: Self;
    /// Whether a hit never lowers its slot's entry. True next-use times only move forward: the
    /// entry of a key requested now held the time now, below every other.
    const HITS_RAISE: bool;
    fn pack(time: u64, slot: u32) -> Self;
    fn unpack(self) -> (u64, u32);
    fn time_of(req: &Request) -> u64;
}

/// BlindOracle's entries: predicted next-arrival times are any order-preserving `u64`.
impl Entry for (u64, u32) {
    const LEAST: Self = (0, 0);
    const HITS_RAISE: bool = false;
    #[inline]
    fn time_of(req: &Request) -> u64 {
        req.predicted_next
    }
    #[inline]
    fn pack(time: u64, slot: u32) -> Self {
        (time, slot)
    }
    #[inline]
    fn unpack(self) -> (u64, u32) {
        self
    }
}

/// A true next-use time (a request index, below 2^32, or `NEVER`, above every index) in the
/// high 33 bits and a slot (below 2^31: `check_capacity`) in the low 31.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Packed(u64);

const SLOT_BITS: u32 = 31;
const NEVER_PACKED: u64 = 1 << 32;

impl Entry for Packed {
    const LEAST: Self = Packed(0);
    const HITS_RAISE: bool = true;
    #[inline]
    fn time_of(req: &Request) -> u64 {
        req.next_use
    }
    #[inline]
    fn pack(time: u64, slot: u32) -> Self {
        debug_assert!((time < NEVER_PACKED || time == NEVER) && slot < 1 << SLOT_BITS);
        Packed(time.min(NEVER_PACKED) << SLOT_BITS | u64::from(slot))
    }
    #[inline]
    fn unpack(self) -> (u64, u32) {
        let time = self.0 >> SLOT_BITS;
        let time = if time == NEVER_PACKED { NEVER } else { time };
        (time, (self.0 & ((1 << SLOT_BITS) - 1)) as u32)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lfd<M, E = Packed> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    order: Tournament<E>,
}

impl<M: KeyMap> Lfd<M> {
    pub fn new(k: usize, map: M) -> Self {
        Self::with_map(k, map)
    }
}

impl<M: KeyMap> Lfd<M, (u64, u32)> {
    /// BlindOracle (Wei, APPROX 2020): LFD's rule applied to *predicted* next-arrival times.
    /// Guarantee: misses ≤ min(1 + 2η/OPT, 2 + 4η/((k−1)OPT))·OPT, η the ℓ1 error of the
    /// predictions; no bound when they are bad (see `robust.rs` for the combination with LRU).
    /// Predicted times are any order-preserving `u64`, so entries stay pairs.
    pub fn blind_oracle(k: usize, map: M) -> Self {
        Self::with_map(k, map)
    }
}

impl<M: KeyMap, E: Entry> Lfd<M, E> {
    fn with_map(k: usize, map: M) -> Self {
        Lfd {
            k,
            map,
            keys: Vec::with_capacity(k),
            order: Tournament::new(k, E::LEAST),
        }
    }

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
            (self.keys.len() - 1) as u32
        } else {
            let v = self.order.max().unpack().1;
            let old = self.keys[v as usize];
            self.map.remove(old);
            evicted = Some(old);
            self.keys[v as usize] = req.key;
            v
        };
        if !hit {
            self.map.insert(req.key, slot);
        }
        let entry = E::pack(E::time_of(&req), slot);
        if hit && E::HITS_RAISE {
            self.order.raise(slot as usize, entry);
        } else {
            self.order.set(slot as usize, entry);
        }
        (hit, evicted)
    }
}

impl<M: KeyMap, E: Entry> Policy for Lfd<M, E> {
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
    use super::{Entry, Packed, NEVER};

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

    #[test]
    fn packed_entries_order_as_their_pairs() {
        let times = [0, 1, 7, (1 << 32) - 2, NEVER];
        let slots = [0, 1, 5, (1 << 31) - 2];
        let pairs: Vec<(u64, u32)> = times
            .iter()
            .flat_map(|&t| slots.iter().map(move |&s| (t, s)))
            .collect();
        for &a in &pairs {
            assert_eq!(Packed::pack(a.0, a.1).unpack(), a);
            for &b in &pairs {
                assert_eq!(
                    Packed::pack(a.0, a.1).cmp(&Packed::pack(b.0, b.1)),
                    a.cmp(&b)
                );
            }
        }
    }

    proptest! {
        #[test]
        fn lfd_is_optimal(trace in prop::collection::vec(0u64..6, 1..16), k in 1usize..5) {
            let r = simulate(&trace, &[PolicyName::Lfd], &[k], 0, false, &Default::default()).unwrap();
            prop_assert_eq!(r[0].misses, exhaustive_opt(&trace, k));
        }
    }
}
