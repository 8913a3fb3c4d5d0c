//! LFD over a whole trace from its next-use times alone: the same hits as [`super::lfd::Lfd`]
//! (Belady 1966), as [`super::lru_times`] does for LRU.
//!
//! A key is found by time instead of by id. Serving the request at time `s` puts its key in a
//! slot with the entry (next use, slot), and leaves that slot at `slot_at[next[s]]`, the key's
//! next request. At time `t` the key is resident exactly when that slot still holds the entry
//! (t, slot): no other key's entry has time `t`, since each time is one request's. So a
//! request reads one array in order and writes one entry ahead, instead of looking its key up
//! in a map and keeping the slots' keys; the victims, and so the hits, are `Lfd`'s.

use std::ops::Range;

use super::lfd::{Entry, Packed};
use super::policy::built_capacity;
use super::slab::NIL;
use super::time_split::{self, Run};
use super::tournament::Tournament;
use super::trace::{widen, NOT_AGAIN};
use crate::bigbuf;

/// Hits of LFD with `k` slots (below 2^31) over the trace whose next-use times are `next`
/// ([`super::trace::next_use`]) and whose keys lie below `universe`, and the per-request hit
/// flags when `want_mask`: on two threads for long traces ([`time_split`]).
pub fn lfd_hits(
    next: &[u32],
    k: usize,
    universe: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    let k = built_capacity(k, universe);
    time_split::hits(|from| LfdRun::new(next, k, from), next.len(), want_mask)
}

/// An LFD run from time `from` on.
struct LfdRun<'a> {
    next: &'a [u32],
    order: Tournament<Packed>,
    /// Slots.
    k: usize,
    /// The slot of the key requested at each time from `from` on, left there by its previous
    /// request.
    slot_at: Vec<u32>,
    /// Slots in use (the first ones).
    filled: usize,
    from: usize,
}

impl<'a> LfdRun<'a> {
    /// A run of `k` slots over the requests from `from` on of the trace whose next-use times are
    /// `next`.
    fn new(next: &'a [u32], k: usize, from: usize) -> Self {
        LfdRun {
            next,
            order: Tournament::new(k, Packed::LEAST),
            k,
            slot_at: bigbuf::filled(next.len() - from, NIL),
            filled: 0,
            from,
        }
    }
}

impl Run for LfdRun<'_> {
    /// The next-use times of the keys held, in order: every hit from now on depends on them
    /// alone (a request hits exactly when a key held is next requested then, and a miss
    /// evicts the furthest). Keys never requested again all hold the same time; which of them
    /// goes first changes no hit.
    type State = Vec<u64>;

    fn serve(&mut self, span: Range<usize>, mask: &mut Option<Vec<bool>>) -> u64 {
        let (order, k) = (&mut self.order, self.k);
        let mut hits = 0u64;
        for t in span {
            let nt = self.next[t];
            let held = self.slot_at[t - self.from];
            let hit = held != NIL && order.get(held as usize) == Packed::pack(t as u64, held);
            let slot = if hit {
                held
            } else if self.filled < k {
                self.filled += 1;
                (self.filled - 1) as u32
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
                self.slot_at[nt as usize - self.from] = slot;
            }
            hits += u64::from(hit);
            if let Some(m) = mask.as_mut() {
                m.push(hit);
            }
        }
        hits
    }

    fn state(&self, _now: usize, _start: usize) -> Option<Vec<u64>> {
        let mut times: Vec<u64> = (0..self.filled)
            .map(|slot| self.order.get(slot).unpack().0)
            .collect();
        times.sort_unstable();
        Some(times)
    }

    fn size(state: &Vec<u64>) -> usize {
        2 * state.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::keymap::DenseMap;
    use super::super::lfd::Lfd;
    use super::super::tests_support::{bound, locality_trace};
    use super::super::trace::{next_use, Id};
    use super::super::{Policy, Request};
    use super::*;

    /// The map-and-slots LFD's hits and flags over `trace` (keys below `universe`).
    fn reference<T: Id + Into<u64>>(
        trace: &[T],
        k: usize,
        universe: usize,
    ) -> (u64, Option<Vec<bool>>) {
        let mut lfd = Lfd::new(k, DenseMap::new(universe));
        let want: Vec<bool> = trace
            .iter()
            .zip(&next_use(trace, universe))
            .map(|(&key, &nt)| {
                let mut req = Request::online(key.into());
                req.next_use = widen(nt);
                lfd.access(req)
            })
            .collect();
        (want.iter().filter(|&&h| h).count() as u64, Some(want))
    }

    /// LFD with `k` slots over `trace` on two threads, recording every `every` requests.
    fn two_threads(
        trace: &[u64],
        k: usize,
        every: usize,
    ) -> ((u64, Option<Vec<bool>>), Option<usize>) {
        let universe = bound(trace);
        let next = next_use(trace, universe);
        let k = built_capacity(k, universe);
        time_split::tests::split(|from| LfdRun::new(&next, k, from), trace.len(), every)
    }

    #[test]
    fn two_runs_meet_on_a_skewed_trace_and_not_with_a_key_held_from_before() {
        let skewed = locality_trace(40_000, 500, 7);
        let (got, met) = two_threads(&skewed, 50, 1_000);
        assert_eq!(got, reference(&skewed, 50, bound(&skewed)));
        assert!(met.is_some());
        // Key 0 is held from the first request to the last: the first run holds it through the
        // second half, the second never does.
        let mut held = vec![0u64];
        held.extend((0..20_000u64).map(|i| 1 + i % 2));
        held.push(0);
        let (got, met) = two_threads(&held, 3, 100);
        assert_eq!(got, reference(&held, 3, 3));
        assert_eq!(met, None);
    }

    proptest! {
        /// Against the map-and-slots LFD, whether or not the two runs meet.
        #[test]
        fn two_threads_serve_as_the_map_based_lfd_does(
            seed in 0u64..1_000,
            k in 1usize..40,
            every in 1usize..200,
        ) {
            let trace = locality_trace(3_000, 200, seed);
            let want = reference(&trace, k, bound(&trace));
            prop_assert_eq!(two_threads(&trace, k, every).0, want);
        }

        /// Hit for hit as the map-and-slots LFD, on traces with keys never requested again (the
        /// ties) and caches larger than the universe.
        #[test]
        fn hits_as_the_map_based_lfd_does(
            trace in prop::collection::vec(0u32..30, 1..500),
            k in 1usize..40,
        ) {
            prop_assert_eq!(lfd_hits(&next_use(&trace, 30), k, 30, true), reference(&trace, k, 30));
        }
    }
}
