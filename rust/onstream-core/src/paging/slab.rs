//! Index-linked lists over a slab of slots, the building block of every recency-ordered policy.
//!
//! Slots are `u32` indices into per-policy arrays (keys, bits, counters); a [`Links`] holds the
//! prev/next pointers of all slots and a [`List`] one list's ends, so one slab can carry several
//! lists (ARC keeps four). No allocation after construction, no pointers, serde-able.

use serde::{Deserialize, Serialize};

/// "No slot".
pub const NIL: u32 = u32::MAX;

/// Room to reserve up front for a per-slot array of a cache of capacity `k`: all of it for
/// usual capacities, a start for huge ones, which grow as keys arrive (reserving 2^31 slots
/// asked the allocator for tens of GB and aborted the process).
pub fn reserve(k: usize) -> usize {
    k.min(1 << 16)
}

/// One list's ends and length: `head` is the most recent end, `tail` the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct List {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

impl Default for List {
    fn default() -> Self {
        List {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

/// Prev/next pointers of every slot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Links {
    prev: Vec<u32>,
    next: Vec<u32>,
}

impl Links {
    /// Links for slots `0..n`, allocated as slots are first linked (a cache's capacity may be
    /// far beyond the keys it will ever hold).
    pub fn with_slots(n: usize) -> Self {
        Links {
            prev: Vec::with_capacity(reserve(n)),
            next: Vec::with_capacity(reserve(n)),
        }
    }

    /// The slot after `i` towards the tail (older), or NIL.
    #[inline]
    pub fn older(&self, i: u32) -> u32 {
        self.next[i as usize]
    }

    /// The slot before `i` towards the head (newer), or NIL.
    #[inline]
    pub fn newer(&self, i: u32) -> u32 {
        self.prev[i as usize]
    }

    #[inline]
    pub fn push_front(&mut self, list: &mut List, i: u32) {
        if i as usize >= self.prev.len() {
            self.prev.resize(i as usize + 1, NIL);
            self.next.resize(i as usize + 1, NIL);
        }
        self.prev[i as usize] = NIL;
        self.next[i as usize] = list.head;
        if list.head != NIL {
            self.prev[list.head as usize] = i;
        } else {
            list.tail = i;
        }
        list.head = i;
        list.len += 1;
    }

    #[inline]
    pub fn unlink(&mut self, list: &mut List, i: u32) {
        let (p, n) = (self.prev[i as usize], self.next[i as usize]);
        if p != NIL {
            self.next[p as usize] = n;
        } else {
            list.head = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        } else {
            list.tail = p;
        }
        list.len -= 1;
    }

    /// Moves `i` (already in `list`) to the head.
    #[inline]
    pub fn move_front(&mut self, list: &mut List, i: u32) {
        if list.head != i {
            self.unlink(list, i);
            self.push_front(list, i);
        }
    }

    /// Removes and returns the tail (oldest) slot.
    #[inline]
    pub fn pop_back(&mut self, list: &mut List) -> Option<u32> {
        let t = list.tail;
        if t == NIL {
            return None;
        }
        self.unlink(list, t);
        Some(t)
    }

    /// Slots from head to tail (for tests and snapshots' validation).
    pub fn iter<'a>(&'a self, list: &List) -> impl Iterator<Item = u32> + 'a {
        let mut at = list.head;
        std::iter::from_fn(move || {
            if at == NIL {
                return None;
            }
            let here = at;
            at = self.next[here as usize];
            Some(here)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_operations_keep_order() {
        let mut links = Links::with_slots(5);
        let mut l = List::default();
        for i in 0..5 {
            links.push_front(&mut l, i);
        }
        assert_eq!(links.iter(&l).collect::<Vec<_>>(), vec![4, 3, 2, 1, 0]);
        links.move_front(&mut l, 2);
        links.unlink(&mut l, 4);
        assert_eq!(links.iter(&l).collect::<Vec<_>>(), vec![2, 3, 1, 0]);
        assert_eq!(links.pop_back(&mut l), Some(0));
        assert_eq!(l.len, 3);
        assert_eq!(links.newer(1), 3);
        assert_eq!(links.older(3), 1);
    }
}
