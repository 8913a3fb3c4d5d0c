//! SIEVE (Zhang, Yang, Yue, Vigfusson, Rashmi; NSDI 2024): a FIFO queue with one visited bit per
//! key and a hand that moves from the oldest end towards the newest. A hit sets the bit. To evict,
//! the hand clears set bits as it passes and evicts the first key whose bit is clear, then stays
//! at that key's newer neighbour; past the newest end it wraps to the oldest. New keys enter at the
//! newest end with the bit clear and are never moved: "lazy promotion, quick demotion".

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::{reserve, Links, List, NIL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sieve<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    visited: Vec<bool>,
    links: Links,
    queue: List,
    hand: u32,
}

impl<M: KeyMap> Sieve<M> {
    pub fn new(k: usize, map: M) -> Self {
        Sieve {
            k,
            map,
            keys: Vec::with_capacity(reserve(k)),
            visited: Vec::with_capacity(reserve(k)),
            links: Links::with_slots(k),
            queue: List::default(),
            hand: NIL,
        }
    }

    fn evict(&mut self) -> u32 {
        let mut at = if self.hand == NIL {
            self.queue.tail
        } else {
            self.hand
        };
        while self.visited[at as usize] {
            self.visited[at as usize] = false;
            at = self.links.newer(at);
            if at == NIL {
                at = self.queue.tail;
            }
        }
        self.hand = self.links.newer(at);
        self.links.unlink(&mut self.queue, at);
        self.map.remove(self.keys[at as usize]);
        at
    }
}

impl<M: KeyMap> Policy for Sieve<M> {
    #[inline]
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        if slot != NIL {
            self.visited[slot as usize] = true;
            return true;
        }
        let slot = if self.keys.len() < self.k {
            self.keys.push(req.key);
            self.visited.push(false);
            (self.keys.len() - 1) as u32
        } else {
            let v = self.evict();
            self.keys[v as usize] = req.key;
            self.visited[v as usize] = false;
            v
        };
        self.map.insert(req.key, slot);
        self.links.push_front(&mut self.queue, slot);
        false
    }

    slot_map_queries!();
}
