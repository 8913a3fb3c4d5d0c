//! Mark&Predict: marking with one-bit *phase* predictions (Antoniadis et al., "Paging with Succinct
//! Predictions", ICML 2023, the phase-prediction setting).
//!
//! A marking algorithm: a requested page is marked; a fault with every page marked starts a new
//! phase and unmarks all. Each request carries a bit, 1 = "this page is requested again in the next
//! phase" (`predict::phase_labels`). At a phase start the cache holds the previous phase's pages,
//! and each one's latest bit predicts whether it is needed in the phase now starting. On a fault:
//! evict a uniformly random unmarked page predicted not needed, else a uniformly random unmarked
//! page.
//!
//! Claimed: (2, H_k, 1): E\[misses\] ≤ 2·OPT + H_k·(wrong "needed" bits) + (wrong "not needed"
//! bits), and O(log k)-robust. Even perfect bits only bring the cost down to the number of clean
//! pages per phase, which is at most 2·OPT. Details follow `shared/notes/paging.md` §1.3 (the
//! paper's PDF could not be consulted here); the tests check the bound.

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::pools::{Pools, RandomPools};
use super::slab::NIL;

const MARKED: usize = 0;
const UNMARKED_NOT_NEEDED: usize = 1;
const UNMARKED_NEEDED: usize = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkPredict<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    bit: Vec<bool>,
    pool: Vec<u8>,
    pools: RandomPools,
}

impl<M: KeyMap> MarkPredict<M> {
    pub fn new(k: usize, map: M, pools: RandomPools) -> Self {
        MarkPredict {
            k,
            map,
            keys: Vec::with_capacity(k),
            bit: Vec::with_capacity(k),
            pool: Vec::with_capacity(k),
            pools,
        }
    }

    fn new_phase(&mut self) {
        for slot in self.pools.members(MARKED) {
            self.pools.remove(MARKED, slot);
            let to = if self.bit[slot as usize] {
                UNMARKED_NEEDED
            } else {
                UNMARKED_NOT_NEEDED
            };
            self.pool[slot as usize] = to as u8;
            self.pools.insert(to, slot);
        }
    }

    fn victim(&mut self) -> u32 {
        if self.pools.len(UNMARKED_NOT_NEEDED) + self.pools.len(UNMARKED_NEEDED) == 0 {
            self.new_phase();
        }
        if self.pools.len(UNMARKED_NOT_NEEDED) > 0 {
            self.pools.victim(UNMARKED_NOT_NEEDED)
        } else {
            self.pools.victim(UNMARKED_NEEDED)
        }
    }
}

impl<M: KeyMap> Policy for MarkPredict<M> {
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        let hit = slot != NIL;
        let slot = if hit {
            self.pools.remove(self.pool[slot as usize] as usize, slot);
            slot
        } else if self.keys.len() < self.k {
            self.keys.push(req.key);
            self.bit.push(false);
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
        self.bit[slot as usize] = req.bit;
        self.pool[slot as usize] = MARKED as u8;
        self.pools.insert(MARKED, slot);
        hit
    }

    slot_map_queries!();
}
