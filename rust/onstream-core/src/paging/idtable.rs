//! The table that renumbers arbitrary `u64` ids (block addresses, object hashes) to `0..m` when
//! they are too sparse for a direct array: open addressing with linear probing over 16-byte
//! slots, at most half full.
//!
//! A general hash map does the same at several times the cost here: renumbering is one lookup a
//! request and nothing else, ids are only ever added, and a batch pass knows the ids to come, so
//! it can prefetch an id's slot a few requests ahead (hashbrown offers no such hook). On real
//! traces with sparse ids the renumbering was most of a simulation's time.

use std::hash::Hasher;

use super::keymap::Mix64;
use super::slab::NIL;
use crate::{bigbuf, prefetch};

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: u64,
    /// The dense id, or [`NIL`] for an empty slot (so every `u64` can be a key).
    val: u32,
}

const EMPTY: Slot = Slot { key: 0, val: NIL };

#[derive(Debug, Clone)]
pub struct IdTable {
    slots: Vec<Slot>,
    len: usize,
}

impl IdTable {
    /// A table for about `n` distinct ids before it first grows.
    pub fn with_capacity(n: usize) -> Self {
        IdTable {
            slots: bigbuf::filled((2 * n).next_power_of_two().max(1024), EMPTY),
            len: 0,
        }
    }

    /// `key`'s hash, whatever the table's size. A pass that prefetches a few requests ahead
    /// can keep the hashes it computed for that and hand them to [`Self::slot_of_hashed`], so
    /// each id is hashed once (hashing twice cost about 10% of a pass).
    #[inline]
    pub fn hash(key: u64) -> u64 {
        let mut h = Mix64::default();
        h.write_u64(key);
        h.finish()
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        self.home_of(Self::hash(key))
    }

    #[inline]
    fn home_of(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// A hint that the key of this [`Self::hash`] is looked up soon.
    #[inline]
    pub fn prefetch_hashed(&self, hash: u64) {
        prefetch::read(&self.slots, self.home_of(hash));
    }

    /// The slot holding `key`, and whether it was absent and has just been given `fresh` (which
    /// must not be [`NIL`]). The slot stays `key`'s until the next insertion.
    #[inline]
    pub fn slot_of(&mut self, key: u64, fresh: u32) -> (usize, bool) {
        self.slot_of_hashed(key, Self::hash(key), fresh)
    }

    /// [`Self::slot_of`] with `key`'s [`Self::hash`] already at hand.
    #[inline]
    pub fn slot_of_hashed(&mut self, key: u64, hash: u64, fresh: u32) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let mut i = self.home_of(hash);
        loop {
            let s = self.slots[i];
            if s.val == NIL {
                break;
            }
            if s.key == key {
                return (i, false);
            }
            i = (i + 1) & mask;
        }
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
            return self.slot_of_hashed(key, hash, fresh);
        }
        self.slots[i] = Slot { key, val: fresh };
        self.len += 1;
        (i, true)
    }

    /// The value in a slot from [`Self::slot_of`].
    #[inline]
    pub fn value(&self, slot: usize) -> u32 {
        self.slots[slot].val
    }

    /// Replaces the value in a slot from [`Self::slot_of`] (not with [`NIL`]).
    #[inline]
    pub fn set_value(&mut self, slot: usize, val: u32) {
        debug_assert!(val != NIL);
        self.slots[slot].val = val;
    }

    fn grow(&mut self) {
        let doubled = bigbuf::filled(2 * self.slots.len(), EMPTY);
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.val != NIL) {
            let mut i = self.home(s.key);
            while self.slots[i].val != NIL {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// Requests ahead a pass over a trace prefetches an id's slot.
const AHEAD: usize = 16;

/// Hashes in flight between a slot's prefetch and its lookup (a power of two above [`AHEAD`]).
const IN_FLIGHT: usize = 32;

/// A pass over `ids` that prefetches each id's slot 16 requests (`AHEAD`) before looking it up
/// and hashes each id once for both (hashing twice cost about 10% of a pass).
pub struct Lookahead<'a> {
    ids: &'a [u64],
    hashes: [u64; IN_FLIGHT],
}

impl<'a> Lookahead<'a> {
    pub fn new(ids: &'a [u64]) -> Self {
        let mut hashes = [0; IN_FLIGHT];
        for (t, &id) in ids.iter().enumerate().take(AHEAD) {
            hashes[t % IN_FLIGHT] = IdTable::hash(id);
        }
        Lookahead { ids, hashes }
    }

    /// The slot of `ids[t]` (inserted with `fresh` when absent, as [`IdTable::slot_of`]), after
    /// prefetching the slot of `ids[t + AHEAD]`. Call with t = 0, 1, 2, ... (Inlined always: as
    /// a call it cost 15% of a hash-table LRU pass.)
    #[inline(always)]
    pub fn slot_of(&mut self, table: &mut IdTable, t: usize, fresh: u32) -> (usize, bool) {
        if let Some(&ahead) = self.ids.get(t + AHEAD) {
            let h = IdTable::hash(ahead);
            self.hashes[(t + AHEAD) % IN_FLIGHT] = h;
            table.prefetch_hashed(h);
        }
        table.slot_of_hashed(self.ids[t], self.hashes[t % IN_FLIGHT], fresh)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn numbers_like_a_hash_map_through_growth() {
        let mut t = IdTable::with_capacity(1);
        let mut reference = HashMap::new();
        let mut state = 1u64;
        for step in 0..20_000u64 {
            // A few extreme keys, then a mix of repeats and new ones from a small LCG.
            let key = match step {
                0 => 0,
                1 => u64::MAX,
                _ => {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (state >> 50) << (step % 3 * 20)
                }
            };
            let fresh = reference.len() as u32;
            let absent = !reference.contains_key(&key);
            let want = *reference.entry(key).or_insert(fresh);
            let (slot, inserted) = t.slot_of(key, fresh);
            assert_eq!(
                (t.value(slot), inserted),
                (want, absent),
                "key {key} at step {step}"
            );
        }
        assert_eq!(t.len, reference.len());
        assert!(t.slots.len() > 1024 && 2 * t.len <= t.slots.len());
    }
}
