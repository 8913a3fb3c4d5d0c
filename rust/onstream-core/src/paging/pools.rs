//! A few disjoint pools of slots with a victim rule: least recently inserted ([`LruPools`]) or
//! uniformly random ([`RandomPools`]). Learning-augmented policies keep their pages in such pools
//! (predicted-evictable, marked, unmarked, ...) and differ only in the rule, so one implementation
//! serves the deterministic and the randomized variant of each algorithm.

use serde::{Deserialize, Serialize};

use super::slab::{Links, List, NIL};
use crate::rng::{self, Rng};

/// Up to 4 pools of slots `0..k`.
pub trait Pools {
    /// Adds `slot` to `pool` (as the most recent member).
    fn insert(&mut self, pool: usize, slot: u32);
    /// Removes `slot` from `pool`.
    fn remove(&mut self, pool: usize, slot: u32);
    /// The member of `pool` the rule evicts (least recent, or uniform), or NIL if empty.
    fn victim(&mut self, pool: usize) -> u32;
    fn len(&self, pool: usize) -> usize;
    /// Members of `pool` (any order).
    fn members(&self, pool: usize) -> Vec<u32>;
}

/// Recency-ordered pools: the victim is the member inserted longest ago.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LruPools {
    links: Links,
    lists: [List; 4],
}

impl LruPools {
    pub fn new(k: usize) -> Self {
        LruPools {
            links: Links::with_slots(k),
            lists: [List::default(); 4],
        }
    }
}

impl Pools for LruPools {
    #[inline]
    fn insert(&mut self, pool: usize, slot: u32) {
        self.links.push_front(&mut self.lists[pool], slot);
    }
    #[inline]
    fn remove(&mut self, pool: usize, slot: u32) {
        self.links.unlink(&mut self.lists[pool], slot);
    }
    #[inline]
    fn victim(&mut self, pool: usize) -> u32 {
        self.lists[pool].tail
    }
    #[inline]
    fn len(&self, pool: usize) -> usize {
        self.lists[pool].len as usize
    }
    fn members(&self, pool: usize) -> Vec<u32> {
        self.links.iter(&self.lists[pool]).collect()
    }
}

/// Unordered pools with O(1) uniform choice: members in an array, positions per slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomPools {
    items: [Vec<u32>; 4],
    pos: Vec<u32>,
    rng: Rng,
}

impl RandomPools {
    pub fn new(k: usize, rng: Rng) -> Self {
        RandomPools {
            items: Default::default(),
            pos: vec![NIL; k],
            rng,
        }
    }
}

impl Pools for RandomPools {
    #[inline]
    fn insert(&mut self, pool: usize, slot: u32) {
        self.pos[slot as usize] = self.items[pool].len() as u32;
        self.items[pool].push(slot);
    }
    #[inline]
    fn remove(&mut self, pool: usize, slot: u32) {
        let at = self.pos[slot as usize] as usize;
        let items = &mut self.items[pool];
        items.swap_remove(at);
        if at < items.len() {
            self.pos[items[at] as usize] = at as u32;
        }
        self.pos[slot as usize] = NIL;
    }
    #[inline]
    fn victim(&mut self, pool: usize) -> u32 {
        let n = self.items[pool].len();
        if n == 0 {
            return NIL;
        }
        self.items[pool][rng::below(&mut self.rng, n as u64) as usize]
    }
    #[inline]
    fn len(&self, pool: usize) -> usize {
        self.items[pool].len()
    }
    fn members(&self, pool: usize) -> Vec<u32> {
        self.items[pool].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise<P: Pools>(mut p: P) -> P {
        for s in 0..6 {
            p.insert((s % 2) as usize, s);
        }
        p.remove(0, 2);
        p.remove(1, 1);
        assert_eq!(p.len(0), 2);
        assert_eq!(p.len(1), 2);
        let mut m = p.members(0);
        m.sort_unstable();
        assert_eq!(m, vec![0, 4]);
        assert_eq!(p.victim(2), NIL);
        p
    }

    #[test]
    fn both_rules_keep_membership() {
        let mut lru = exercise(LruPools::new(6));
        assert_eq!(lru.victim(0), 0);
        assert_eq!(lru.victim(1), 3);
        let mut rnd = exercise(RandomPools::new(6, crate::rng::from_seed(Some(1))));
        for _ in 0..20 {
            assert!([0, 4].contains(&rnd.victim(0)));
        }
    }
}
