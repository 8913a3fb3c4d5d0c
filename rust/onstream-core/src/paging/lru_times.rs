//! LRU over a whole trace by last-request times instead of a recency list: the same hits as
//! [`super::lru::Lru`], in fewer dependent memory operations per request.
//!
//! An array holds each resident key's last request time. A bitset over the trace's times marks
//! the live ones (the last request of a resident key), so the least recently used key is at the
//! oldest live time: a hit moves one mark (clear the old time, set the new), an eviction takes
//! the first mark from a front that only moves forward, and the trace itself names the key
//! requested then.
//!
//! A hit on the linked list unlinks and relinks a slot, a chain of loads and stores through its
//! neighbours; here it is two bit updates. Loop alone, k = 1000: 10 M Zipf requests 43-46 ms
//! against the list's 67-70; the sprite and cloudPhysics traces 0.23-0.28 ms against 0.39-0.44.
//! Keeping the keys in a window of its own instead of reading them from the trace cost 30-40%
//! of that, which is why this is a batch routine over a trace held whole, not a [`Policy`]
//! (online caches keep the list).
//!
//! [`Policy`]: super::Policy

use super::slab::NIL;
use super::time_marks::TimeMarks;
use super::trace::Id;
use crate::{bigbuf, prefetch};

/// How many requests ahead the loop prefetches a key's last time.
const PREFETCH_AHEAD: usize = 16;

/// Key bounds above which it does (256 K times: 1 MiB).
const PREFETCH_ABOVE: usize = 1 << 18;

/// Hits of an LRU cache of `k` keys over `ids` (all below `bound`; fewer than `u32::MAX`
/// requests), and the per-request hit flags when `want_mask`.
pub fn lru_hits<T: Id>(
    ids: &[T],
    bound: usize,
    k: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    if !want_mask {
        return (count(ids, bound, k, |_| {}), None);
    }
    let mut mask = bigbuf::with_capacity(ids.len());
    let hits = count(ids, bound, k, |hit| mask.push(hit));
    (hits, Some(mask))
}

/// The hits, each request's flag given to `seen` (a loop of its own for each kind of `seen`:
/// testing for a mask at every request cost 10% on the sprite trace).
#[inline(always)]
fn count<T: Id>(ids: &[T], bound: usize, k: usize, mut seen: impl FnMut(bool)) -> u64 {
    debug_assert!(ids.len() < NIL as usize && k > 0);
    let mut last = bigbuf::filled(bound, NIL);
    // One mark per resident key, at its last request.
    let mut live = TimeMarks::new(ids.len());
    let mut hits = 0u64;
    // Times that fit in L2 are there already.
    let far = bound > PREFETCH_ABOVE;
    for (t, &key) in ids.iter().enumerate() {
        if far {
            if let Some(&ahead) = ids.get(t + PREFETCH_AHEAD) {
                prefetch::read(&last, ahead.index());
            }
        }
        let previous = std::mem::replace(&mut last[key.index()], t as u32);
        let hit = previous != NIL;
        if hit {
            live.clear(previous as usize);
            hits += 1;
        } else if live.len() == k {
            // A full cache holds k keys whose last requests are all before t.
            last[ids[live.pop_oldest()].index()] = NIL;
        }
        live.set(t);
        seen(hit);
    }
    hits
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::keymap::DenseMap;
    use super::super::lru::Lru;
    use super::super::tests_support::bound;
    use super::super::{Policy, Request};
    use super::*;

    /// The recency list's hit flags, request by request.
    fn list_mask(trace: &[u64], k: usize, bound: usize) -> Vec<bool> {
        let mut list = Lru::new(k, DenseMap::new(bound));
        trace
            .iter()
            .map(|&key| list.access(Request::online(key)))
            .collect()
    }

    fn agree(trace: &[u64], k: usize) -> Result<(), TestCaseError> {
        let bound = bound(trace);
        let want = list_mask(trace, k, bound);
        let (hits, mask) = lru_hits(trace, bound, k, true);
        prop_assert_eq!(hits, want.iter().filter(|&&h| h).count() as u64);
        prop_assert_eq!(mask, Some(want));
        Ok(())
    }

    proptest! {
        #[test]
        fn hits_as_the_recency_list_does(
            trace in prop::collection::vec(0u64..24, 1..400),
            k in 1usize..12,
        ) {
            agree(&trace, k)?;
        }
    }

    #[test]
    fn finds_the_oldest_mark_far_behind() {
        // Key 100 once, then two keys hit for 120 K requests: the oldest mark is 1,875 empty
        // words behind when new keys finally evict 100; then the pattern again.
        let mut trace = vec![100u64];
        for round in 0..2u64 {
            trace.extend((0..120_000u64).map(|i| 1 + i % 2));
            trace.extend(3 + 10 * round..13 + 10 * round);
            trace.push(100);
        }
        for k in [1, 3, 4] {
            agree(&trace, k).unwrap();
        }
    }
}
