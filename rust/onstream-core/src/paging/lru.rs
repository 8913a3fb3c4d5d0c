//! Least recently used: evict the key whose last request is oldest. k-competitive (Sleator &
//! Tarjan 1985), a stack algorithm, so one pass gives every size's misses (see `mrc.rs`).

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::{reserve, Links, List, NIL};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lru<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    links: Links,
    order: List,
}

impl<M: KeyMap> Lru<M> {
    pub fn new(k: usize, map: M) -> Self {
        Lru {
            k,
            map,
            keys: Vec::with_capacity(reserve(k)),
            links: Links::with_slots(k),
            order: List::default(),
        }
    }
}

impl<M: KeyMap> Policy for Lru<M> {
    #[inline]
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        if slot != NIL {
            self.links.move_front(&mut self.order, slot);
            return true;
        }
        let slot = if self.keys.len() < self.k {
            self.keys.push(req.key);
            (self.keys.len() - 1) as u32
        } else {
            let Some(victim) = self.links.pop_back(&mut self.order) else {
                return false;
            };
            self.map.remove(self.keys[victim as usize]);
            self.keys[victim as usize] = req.key;
            victim
        };
        self.map.insert(req.key, slot);
        self.links.push_front(&mut self.order, slot);
        false
    }

    slot_map_queries!();
}
