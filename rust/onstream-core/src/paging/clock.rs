//! CLOCK (second chance; Corbató 1968): FIFO whose hand spares a key with its reference bit set,
//! clearing the bit. A hit sets the bit; a newly admitted key starts with the bit clear (as in
//! libCacheSim's Clock), so it is evicted on the hand's next pass unless requested again.

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::{reserve, NIL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clock<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    referenced: Vec<bool>,
    hand: usize,
}

impl<M: KeyMap> Clock<M> {
    pub fn new(k: usize, map: M) -> Self {
        Clock {
            k,
            map,
            keys: Vec::with_capacity(reserve(k)),
            referenced: Vec::with_capacity(reserve(k)),
            hand: 0,
        }
    }
}

impl<M: KeyMap> Policy for Clock<M> {
    #[inline]
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        if slot != NIL {
            self.referenced[slot as usize] = true;
            return true;
        }
        if self.keys.len() < self.k {
            self.map.insert(req.key, self.keys.len() as u32);
            self.keys.push(req.key);
            self.referenced.push(false);
            return false;
        }
        while self.referenced[self.hand] {
            self.referenced[self.hand] = false;
            self.hand = if self.hand + 1 == self.k {
                0
            } else {
                self.hand + 1
            };
        }
        let h = self.hand;
        self.map.remove(self.keys[h]);
        self.keys[h] = req.key;
        self.map.insert(req.key, h as u32);
        self.hand = if h + 1 == self.k { 0 } else { h + 1 };
        false
    }

    slot_map_queries!();
}
