//! LFD over a whole trace from its next-use times alone: the same hits as [`super::lfd::Lfd`]
//! (Belady 1966), as [`super::lru_times`] does for LRU.
//!
//! A key is found by time instead of by id. Serving the request at time `s` puts its key in a
//! slot with the entry (next use, slot), and leaves that slot at `slot_at[next[s]]`, the key's
//! next request. At time `t` the key is resident exactly when that slot still holds the entry
//! (t, slot): no other key's entry has time `t`, since each time is one request's. So a
//! request reads one array in order and writes one entry ahead, instead of looking its key up
//! in a map and keeping the slots' keys; the victims, and so the hits, are `Lfd`'s.

use super::lfd::{Entry, Packed};
use super::policy::built_capacity;
use super::slab::NIL;
use super::tournament::Tournament;
use super::trace::{widen, NOT_AGAIN};
use crate::bigbuf;

/// Hits of LFD with `k` slots (below 2^31) over the trace whose next-use times are `next`
/// ([`super::trace::next_use`]) and whose keys lie below `universe`, and the per-request hit
/// flags when `want_mask`.
pub fn lfd_hits(
    next: &[u32],
    k: usize,
    universe: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    let n = next.len();
    let k = built_capacity(k, universe);
    let mut order = Tournament::new(k, Packed::LEAST);
    // The slot of the key requested at each time, left there by its previous request.
    let mut slot_at = bigbuf::filled(n, NIL);
    let mut filled = 0usize;
    let mut hits = 0u64;
    let mut mask = want_mask.then(|| bigbuf::with_capacity(n));
    for (t, &nt) in next.iter().enumerate() {
        let held = slot_at[t];
        let hit = held != NIL && order.get(held as usize) == Packed::pack(t as u64, held);
        let slot = if hit {
            held
        } else if filled < k {
            filled += 1;
            (filled - 1) as u32
        } else {
            order.max().unpack().1
        };
        let entry = Packed::pack(widen(nt), slot);
        if hit {
            order.raise(slot as usize, entry);
        } else {
            order.set(slot as usize, entry);
        }
        if nt != NOT_AGAIN {
            slot_at[nt as usize] = slot;
        }
        hits += u64::from(hit);
        if let Some(m) = mask.as_mut() {
            m.push(hit);
        }
    }
    (hits, mask)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::keymap::DenseMap;
    use super::super::lfd::Lfd;
    use super::super::trace::next_use;
    use super::super::{Policy, Request};
    use super::*;

    proptest! {
        /// Hit for hit as the map-and-slots LFD, on traces with keys never requested again (the
        /// ties) and caches larger than the universe.
        #[test]
        fn hits_as_the_map_based_lfd_does(
            trace in prop::collection::vec(0u32..30, 1..500),
            k in 1usize..40,
        ) {
            let next = next_use(&trace, 30);
            let mut lfd = Lfd::new(k, DenseMap::new(30));
            let want: Vec<bool> = trace
                .iter()
                .zip(&next)
                .map(|(&key, &nt)| {
                    let mut req = Request::online(u64::from(key));
                    req.next_use = widen(nt);
                    lfd.access(req)
                })
                .collect();
            let (hits, mask) = lfd_hits(&next, k, 30, true);
            prop_assert_eq!(hits, want.iter().filter(|&&h| h).count() as u64);
            prop_assert_eq!(mask, Some(want));
        }
    }
}
