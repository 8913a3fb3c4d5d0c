//! The table that renumbers arbitrary `u64` ids (block addresses, object hashes) to `0..m` when
//! they are too sparse for a direct array: open addressing with linear probing over 16-byte
//! slots, at most half full, or 8-byte slots when every id of the trace fits in 32 bits.
//!
//! A general hash map does the same at several times the cost here: renumbering is one lookup a
//! request and nothing else, ids are only ever added, and a batch pass knows the ids to come, so
//! it can prefetch an id's slot a few requests ahead (hashbrown offers no such hook). On real
//! traces with sparse ids the renumbering was most of a simulation's time.
//!
//! Block numbers usually fit in 32 bits, and narrow slots halve the table, which decides the
//! lookup's cost once the table outgrows L2. One cell over the cloudPhysics trace (49 K block
//! numbers below 2^26; 256 K slots, 4 MiB wide), caches flushed before each run as a peer's run
//! in between does, alternating builds: LRU 0.81-0.83 -> 0.67-0.74 ms, FIFO 0.80-0.83 ->
//! 0.66-0.74 ms, ARC 1.01-1.09 -> 0.93-0.94 ms, LFD (renumbered first) 1.75-1.87 -> 1.60-1.67 ms.

use std::hash::Hasher;

use super::keymap::Mix64;
use super::slab::NIL;
use super::trace::fits_bits;
use crate::{bigbuf, prefetch};

/// How a table stores its keys: `u64`, or `u32` for ids that all fit ([`fits_narrow`]).
pub trait Key: Copy + Eq + Send + Sync + std::fmt::Debug + 'static {
    /// The key of `id`, which must fit.
    fn of(id: u64) -> Self;
    /// The id of this key.
    fn id(self) -> u64;
    /// The key of an empty slot (any value: an empty slot is known by its value).
    const ZERO: Self;
}

impl Key for u64 {
    #[inline(always)]
    fn of(id: u64) -> Self {
        id
    }
    #[inline(always)]
    fn id(self) -> u64 {
        self
    }
    const ZERO: Self = 0;
}

impl Key for u32 {
    #[inline(always)]
    fn of(id: u64) -> Self {
        debug_assert!(id <= u64::from(u32::MAX));
        id as u32
    }
    #[inline(always)]
    fn id(self) -> u64 {
        u64::from(self)
    }
    const ZERO: Self = 0;
}

/// Whether every id of `ids` fits a narrow (`u32`) key: one pass, stopped at the first block
/// of ids where one does not (an id hash, usually the first).
pub fn fits_narrow(ids: &[u64]) -> bool {
    fits_bits(ids, 32)
}

/// `id`'s hash, whatever the table's size or key width. A pass that prefetches a few requests
/// ahead can keep the hashes it computed for that and hand them to
/// [`IdTable::slot_of_hashed`], so each id is hashed once (hashing twice cost about 10% of a
/// pass).
#[inline]
pub fn hash(id: u64) -> u64 {
    let mut h = Mix64::default();
    h.write_u64(id);
    h.finish()
}

#[derive(Debug, Clone, Copy)]
struct Slot<K> {
    key: K,
    /// The dense id, or [`NIL`] for an empty slot (so every `u64` can be a key).
    val: u32,
}

#[derive(Debug, Clone)]
pub struct IdTable<K: Key = u64> {
    slots: Vec<Slot<K>>,
    len: usize,
}

impl<K: Key> IdTable<K> {
    const EMPTY: Slot<K> = Slot {
        key: K::ZERO,
        val: NIL,
    };

    /// A table for about `n` distinct ids before it first grows.
    fn with_capacity(n: usize) -> Self {
        IdTable {
            slots: bigbuf::filled((2 * n).next_power_of_two().max(1024), Self::EMPTY),
            len: 0,
        }
    }

    /// A table for the ids of a trace of `n` requests: room for each to be new up to 1 M
    /// requests (32 MiB of wide slots), so that a short trace never grows the table. Growing
    /// rehashes every id, and the fuller table it leaves probes further: on a 114 K-request
    /// block trace with 49 K ids, starting at a quarter of the length took 1.2 ms, at the length
    /// 0.65 ms.
    pub fn for_requests(n: usize) -> Self {
        Self::with_capacity(n.min(1 << 20))
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        self.home_of(hash(key))
    }

    #[inline]
    fn home_of(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// A hint that the key of this [`hash`] is looked up soon.
    #[inline]
    pub fn prefetch_hashed(&self, hash: u64) {
        prefetch::read(&self.slots, self.home_of(hash));
    }

    /// The slot holding `key` (which must fit `K`), and whether it was absent and has just been
    /// given `fresh` (which must not be [`NIL`]). The slot stays `key`'s until the next
    /// insertion.
    #[inline]
    pub fn slot_of(&mut self, key: u64, fresh: u32) -> (usize, bool) {
        self.slot_of_hashed(key, hash(key), fresh)
    }

    /// [`Self::slot_of`] with the id's [`hash`] already at hand.
    #[inline]
    pub fn slot_of_hashed(&mut self, id: u64, hash: u64, fresh: u32) -> (usize, bool) {
        let key = K::of(id);
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
            return self.slot_of_hashed(id, hash, fresh);
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
        let doubled = bigbuf::filled(2 * self.slots.len(), Self::EMPTY);
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.val != NIL) {
            let mut i = self.home(s.key.id());
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
            hashes[t % IN_FLIGHT] = hash(id);
        }
        Lookahead { ids, hashes }
    }

    /// The slot of `ids[t]` (inserted with `fresh` when absent, as [`IdTable::slot_of`]), after
    /// prefetching the slot of `ids[t + AHEAD]`. Call with t = 0, 1, 2, ... (Inlined always: as
    /// a call it cost 15% of a hash-table LRU pass.)
    #[inline(always)]
    pub fn slot_of<K: Key>(
        &mut self,
        table: &mut IdTable<K>,
        t: usize,
        fresh: u32,
    ) -> (usize, bool) {
        if let Some(&ahead) = self.ids.get(t + AHEAD) {
            let h = hash(ahead);
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

    /// Numbers 20,000 ids like a hash map does: a few extremes, then a mix of repeats and new
    /// ones from a small LCG, spread by shifts of `spread` bits, up to `max`.
    fn numbers_like_a_hash_map<K: Key>(max: u64, spread: u64) {
        let mut t = IdTable::<K>::with_capacity(1);
        let mut reference = HashMap::new();
        let mut state = 1u64;
        for step in 0..20_000u64 {
            let key = match step {
                0 => 0,
                1 => max,
                _ => {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (state >> 50) << (step % 3 * spread)
                }
            };
            assert!(key <= max);
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

    #[test]
    fn numbers_like_a_hash_map_through_growth() {
        numbers_like_a_hash_map::<u64>(u64::MAX, 20);
        numbers_like_a_hash_map::<u32>(u64::from(u32::MAX), 9);
    }

    #[test]
    fn narrow_keys_fit_exactly_up_to_32_bits() {
        assert!(fits_narrow(&[0, 5, u64::from(u32::MAX)]));
        assert!(!fits_narrow(&[0, 5, 1 << 32]));
        // Found past the first block that the scan reads.
        let mut ids = vec![7u64; 5_000];
        assert!(fits_narrow(&ids));
        ids[4_321] = u64::MAX;
        assert!(!fits_narrow(&ids));
    }
}
