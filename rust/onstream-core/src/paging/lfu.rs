//! Least frequently used, counting requests while a key is resident (in-cache LFU, as cachetools
//! and libCacheSim's LFU do). Tie-break: among keys with the lowest count, evict the least recently
//! used. A re-admitted key starts again at count 1. Not competitive, but a baseline users expect.
//!
//! The victim order is a `BTreeSet` of (count, last request, slot): O(log k) per request.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::{reserve, NIL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lfu<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    count: Vec<u64>,
    last: Vec<u64>,
    order: BTreeSet<(u64, u64, u32)>,
    tick: u64,
}

impl<M: KeyMap> Lfu<M> {
    pub fn new(k: usize, map: M) -> Self {
        Lfu {
            k,
            map,
            keys: Vec::with_capacity(reserve(k)),
            count: Vec::with_capacity(reserve(k)),
            last: Vec::with_capacity(reserve(k)),
            order: BTreeSet::new(),
            tick: 0,
        }
    }
}

impl<M: KeyMap> Policy for Lfu<M> {
    fn access(&mut self, req: Request) -> bool {
        self.tick += 1;
        let slot = self.map.get(req.key);
        if slot != NIL {
            let s = slot as usize;
            self.order.remove(&(self.count[s], self.last[s], slot));
            self.count[s] += 1;
            self.last[s] = self.tick;
            self.order.insert((self.count[s], self.last[s], slot));
            return true;
        }
        let slot = if self.keys.len() < self.k {
            self.keys.push(req.key);
            self.count.push(0);
            self.last.push(0);
            (self.keys.len() - 1) as u32
        } else {
            let Some((_, _, victim)) = self.order.pop_first() else {
                return false;
            };
            self.map.remove(self.keys[victim as usize]);
            self.keys[victim as usize] = req.key;
            victim
        };
        let s = slot as usize;
        self.count[s] = 1;
        self.last[s] = self.tick;
        self.order.insert((1, self.tick, slot));
        self.map.insert(req.key, slot);
        false
    }

    slot_map_queries!();
}
