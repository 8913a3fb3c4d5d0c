//! First in, first out: evict the key admitted earliest; hits change nothing. k-competitive.

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::{reserve, NIL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fifo<M> {
    k: usize,
    map: M,
    /// A ring: `keys[hand]` is the oldest once full.
    keys: Vec<u64>,
    hand: usize,
}

impl<M: KeyMap> Fifo<M> {
    pub fn new(k: usize, map: M) -> Self {
        Fifo {
            k,
            map,
            keys: Vec::with_capacity(reserve(k)),
            hand: 0,
        }
    }
}

impl<M: KeyMap> Policy for Fifo<M> {
    #[inline]
    fn access(&mut self, req: Request) -> bool {
        if self.map.get(req.key) != NIL {
            return true;
        }
        if self.keys.len() < self.k {
            self.map.insert(req.key, self.keys.len() as u32);
            self.keys.push(req.key);
        } else {
            let h = self.hand;
            self.map.remove(self.keys[h]);
            self.keys[h] = req.key;
            self.map.insert(req.key, h as u32);
            self.hand = if h + 1 == self.k { 0 } else { h + 1 };
        }
        false
    }

    slot_map_queries!();
}
