//! ARC, the Adaptive Replacement Cache (Megiddo & Modha, FAST 2003, Fig. 4).
//!
//! Resident keys are split between T1 (seen once recently) and T2 (seen at least twice); ghost
//! lists B1 and B2 remember keys recently evicted from each. A hit in B1 grows the target size `p`
//! of T1, a hit in B2 shrinks it, and REPLACE evicts from T1 or T2 to steer towards `p`. The four
//! lists hold at most 2c keys. `p` is real-valued, as in the paper (δ = max(|B2|/|B1|, 1)).

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{Policy, Request};
use super::slab::{reserve, Links, List, NIL};

const T1: u8 = 0;
const T2: u8 = 1;
const B1: u8 = 2;
const B2: u8 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arc<M> {
    c: usize,
    p: f64,
    map: M,
    keys: Vec<u64>,
    loc: Vec<u8>,
    links: Links,
    lists: [List; 4],
    free: Vec<u32>,
}

impl<M: KeyMap> Arc<M> {
    pub fn new(c: usize, map: M) -> Self {
        Arc {
            c,
            p: 0.0,
            map,
            keys: Vec::with_capacity(reserve(2 * c)),
            loc: Vec::with_capacity(reserve(2 * c)),
            links: Links::with_slots(2 * c),
            lists: [List::default(); 4],
            free: Vec::new(),
        }
    }

    #[inline]
    fn size(&self, l: u8) -> usize {
        self.lists[l as usize].len as usize
    }

    #[inline]
    fn move_to(&mut self, slot: u32, to: u8) {
        let from = self.loc[slot as usize];
        self.links.unlink(&mut self.lists[from as usize], slot);
        self.links.push_front(&mut self.lists[to as usize], slot);
        self.loc[slot as usize] = to;
    }

    /// Forgets the LRU key of a list altogether (ghost lists, or T1 when L1 is full of it).
    fn drop_lru(&mut self, l: u8) {
        if let Some(slot) = self.links.pop_back(&mut self.lists[l as usize]) {
            self.map.remove(self.keys[slot as usize]);
            self.free.push(slot);
        }
    }

    /// REPLACE(x, p): demote the LRU of T1 to B1, or of T2 to B2.
    fn replace(&mut self, hit_in_b2: bool) {
        let t1 = self.size(T1);
        let from_t1 = t1 >= 1 && ((hit_in_b2 && t1 as f64 == self.p) || t1 as f64 > self.p);
        let (from, to) = if (from_t1 || self.size(T2) == 0) && t1 > 0 {
            (T1, B1)
        } else {
            (T2, B2)
        };
        let tail = self.lists[from as usize].tail;
        if tail != NIL {
            self.move_to(tail, to);
        }
    }

    fn admit(&mut self, key: u64) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.keys[s as usize] = key;
                s
            }
            None => {
                self.keys.push(key);
                self.loc.push(T1);
                (self.keys.len() - 1) as u32
            }
        };
        self.loc[slot as usize] = T1;
        self.links.push_front(&mut self.lists[T1 as usize], slot);
        self.map.insert(key, slot);
    }
}

impl<M: KeyMap> Policy for Arc<M> {
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        if slot != NIL {
            match self.loc[slot as usize] {
                T1 | T2 => {
                    self.move_to(slot, T2);
                    return true;
                }
                B1 => {
                    let delta = (self.size(B2) as f64 / self.size(B1) as f64).max(1.0);
                    self.p = (self.p + delta).min(self.c as f64);
                    self.replace(false);
                }
                _ => {
                    let delta = (self.size(B1) as f64 / self.size(B2) as f64).max(1.0);
                    self.p = (self.p - delta).max(0.0);
                    self.replace(true);
                }
            }
            self.move_to(slot, T2);
            return false;
        }
        let l1 = self.size(T1) + self.size(B1);
        let total = l1 + self.size(T2) + self.size(B2);
        if l1 == self.c {
            if self.size(T1) < self.c {
                self.drop_lru(B1);
                self.replace(false);
            } else {
                self.drop_lru(T1);
            }
        } else if total >= self.c {
            if total == 2 * self.c {
                self.drop_lru(B2);
            }
            self.replace(false);
        }
        self.admit(req.key);
        false
    }

    #[inline]
    fn prefetch(&self, key: u64) {
        self.map.prefetch(key);
    }

    fn len(&self) -> usize {
        self.size(T1) + self.size(T2)
    }

    fn contains(&self, key: u64) -> bool {
        let slot = self.map.get(key);
        slot != NIL && self.loc[slot as usize] <= T2
    }
}
