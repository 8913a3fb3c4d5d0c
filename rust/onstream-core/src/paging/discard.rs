//! Paging with one-bit *discard* predictions (Antoniadis, Boyar, Eliáš, Favrholdt, Hoeksma, Larsen,
//! Polak, Simon, "Paging with Succinct Predictions", ICML 2023, the discard-prediction setting).
//!
//! Each request comes with a bit: 1 = "LFD would evict this page before its next request" (see
//! `predict::discard_labels`). Rule, per request `(p, b)`:
//!
//! ```text
//! on a fault with a full cache:
//!     if some cached page has bit 1: evict one of them
//!     else: if every cached page is marked, unmark all (a new phase); evict an unmarked page
//! then bit(p) = b, and p is marked iff b = 0
//! ```
//!
//! With `LruPools` the choice within a set is least recently requested (deterministic); with
//! `RandomPools` it is uniform (randomized). Claimed bounds, E\[misses\] ≤ α·OPT + β·η₀ + γ·η₁
//! (η₀ wrong 0s, η₁ wrong 1s): deterministic (1, k−1, 1), randomized (1, 2H_k, 1).
//!
//! Source of the details: the paper's PDF could not be consulted when this was written; the rule
//! above is the reconstruction in `shared/notes/paging.md` §1.2, consistent with the stated bounds
//! (perfect bits never evict a page LFD keeps, so faults ⊆ LFD's; a wrong 1 costs one fault; wrong
//! 0s leave pages that only the marking fallback removes). The tests check the bounds themselves.

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::pools::Pools;
use super::slab::NIL;

/// Pool of pages whose latest bit is 1.
const ONES: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscardBits<M, P> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    /// Pool of each slot: ONES, or one of the two zero pools (marked/unmarked by phase parity).
    pool: Vec<u8>,
    pools: P,
    /// Zero pages marked in this phase live in pool `phase & 1`, unmarked ones in the other.
    phase: u64,
}

impl<M: KeyMap, P: Pools> DiscardBits<M, P> {
    pub fn new(k: usize, map: M, pools: P) -> Self {
        DiscardBits {
            k,
            map,
            keys: Vec::with_capacity(k),
            pool: Vec::with_capacity(k),
            pools,
            phase: 0,
        }
    }

    #[inline]
    fn marked(&self) -> usize {
        (self.phase & 1) as usize
    }

    #[inline]
    fn unmarked(&self) -> usize {
        1 - self.marked()
    }

    fn victim(&mut self) -> u32 {
        if self.pools.len(ONES) > 0 {
            return self.pools.victim(ONES);
        }
        if self.pools.len(self.unmarked()) == 0 {
            // Every cached page is a marked 0-page: a new phase unmarks them all at once.
            self.phase += 1;
        }
        self.pools.victim(self.unmarked())
    }
}

impl<M: KeyMap, P: Pools> Policy for DiscardBits<M, P> {
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        let hit = slot != NIL;
        let slot = if hit {
            self.pools.remove(self.pool[slot as usize] as usize, slot);
            slot
        } else if self.keys.len() < self.k {
            self.keys.push(req.key);
            self.pool.push(0);
            (self.keys.len() - 1) as u32
        } else {
            let v = self.victim();
            self.pools.remove(self.pool[v as usize] as usize, v);
            self.map.remove(self.keys[v as usize]);
            self.keys[v as usize] = req.key;
            v
        };
        if !hit {
            self.map.insert(req.key, slot);
        }
        let to = if req.bit { ONES } else { self.marked() };
        self.pool[slot as usize] = to as u8;
        self.pools.insert(to, slot);
        hit
    }

    slot_map_queries!();
}
