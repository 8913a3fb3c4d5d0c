//! ARC over a whole trace by last-request times instead of four recency lists: the same hits
//! as [`super::arc::Arc`] (Megiddo & Modha, FAST 2003, Fig. 4), as [`super::lru_times`] does
//! for LRU.
//!
//! Every key in T1, T2, B1 or B2 holds a mark at the time of its last request, in the bitset of
//! its list, and each list's least recent key is its oldest mark. That holds for the ghost lists
//! too: REPLACE demotes the least recent key of T1 (or T2), and every key that enters T1 (T2)
//! afterwards is requested later than the one demoted, so keys enter B1 (B2) in the order of
//! their last requests, which is the order ARC keeps them in. So a demotion moves a mark from
//! one bitset to another at the same time, every bitset's oldest mark lies at or after a front
//! that only moves forward, and the trace names the key at any mark.
//!
//! A key's list is kept with its last time in one `u32` (two bits of list, 30 of time), so one
//! random access a request reads both; longer traces than [`MAX_REQUESTS`] take the lists.
//! simulate() with k = 1000: 10 M Zipf requests 131-145 -> 97 ms, sprite 0.92 -> 0.65 ms.
//! Writing only the requested key's entry, and reading a key's list from the four bitsets at
//! its time, would spare the demoted and forgotten keys' writes; the random reads of old marks
//! cost more (Zipf 89 -> 116-133 ms).

use super::slab::NIL;
use super::time_marks::TimeMarks;
use super::trace::Id;
use crate::{bigbuf, prefetch};

/// How many requests ahead the loop prefetches a key's state.
const PREFETCH_AHEAD: usize = 16;

/// Bits of a key's state that hold its last request time.
const TIME_BITS: u32 = 30;
const TIME_MASK: u32 = (1 << TIME_BITS) - 1;

/// The longest trace this routine takes (longer ones: [`super::arc::Arc`]).
pub const MAX_REQUESTS: usize = TIME_MASK as usize - 1;

const T1: usize = 0;
const T2: usize = 1;
const B1: usize = 2;
const B2: usize = 3;

struct State<'a, T> {
    ids: &'a [T],
    c: usize,
    p: f64,
    /// Key → list << 30 | last request time, or [`NIL`] when in no list.
    state: Vec<u32>,
    lists: [TimeMarks; 4],
}

impl<T: Id> State<'_, T> {
    #[inline]
    fn key_at(&self, t: usize) -> usize {
        self.ids[t].index()
    }

    /// Forgets the least recent key of list `l` (not empty).
    #[inline]
    fn drop_oldest(&mut self, l: usize) {
        let t = self.lists[l].pop_oldest();
        let key = self.key_at(t);
        self.state[key] = NIL;
    }

    /// Demotes the least recent key of `from` (not empty) to the ghost list `to`.
    #[inline]
    fn demote(&mut self, from: usize, to: usize) {
        let t = self.lists[from].pop_oldest();
        self.lists[to].set(t);
        let key = self.key_at(t);
        self.state[key] = (to as u32) << TIME_BITS | t as u32;
    }

    /// REPLACE(x, p), as `Arc::replace`.
    #[inline]
    fn replace(&mut self, hit_in_b2: bool) {
        let t1 = self.lists[T1].len();
        let from_t1 = t1 >= 1 && ((hit_in_b2 && t1 as f64 == self.p) || t1 as f64 > self.p);
        if (from_t1 || self.lists[T2].is_empty()) && t1 > 0 {
            self.demote(T1, B1);
        } else if !self.lists[T2].is_empty() {
            self.demote(T2, B2);
        }
    }

    /// Serves the request at time `t`; true on a hit.
    #[inline]
    fn access(&mut self, t: usize) -> bool {
        let key = self.key_at(t);
        let s = self.state[key];
        if s != NIL {
            let (list, last) = ((s >> TIME_BITS) as usize, (s & TIME_MASK) as usize);
            self.lists[list].clear(last);
            let hit = list <= T2;
            if list == B1 {
                let delta =
                    (self.lists[B2].len() as f64 / (self.lists[B1].len() + 1) as f64).max(1.0);
                self.p = (self.p + delta).min(self.c as f64);
                self.replace(false);
            } else if list == B2 {
                let delta =
                    (self.lists[B1].len() as f64 / (self.lists[B2].len() + 1) as f64).max(1.0);
                self.p = (self.p - delta).max(0.0);
                self.replace(true);
            }
            self.lists[T2].set(t);
            self.state[key] = (T2 as u32) << TIME_BITS | t as u32;
            return hit;
        }
        let l1 = self.lists[T1].len() + self.lists[B1].len();
        let total = l1 + self.lists[T2].len() + self.lists[B2].len();
        if l1 == self.c {
            if self.lists[T1].len() < self.c {
                self.drop_oldest(B1);
                self.replace(false);
            } else {
                self.drop_oldest(T1);
            }
        } else if total >= self.c {
            if total == 2 * self.c {
                self.drop_oldest(B2);
            }
            self.replace(false);
        }
        self.lists[T1].set(t);
        self.state[key] = (T1 as u32) << TIME_BITS | t as u32;
        false
    }
}

/// Hits of an ARC cache of `c` keys over `ids` (all below `bound`; at most [`MAX_REQUESTS`]),
/// and the per-request hit flags when `want_mask`.
///
/// One loop tests for the flags at each request. A loop per kind of flag sink, as `lru_times`
/// and `hashed_times` have, made this one 20-30% slower (sprite 0.55 -> 0.73 ms, Zipf 90 -> 107
/// ms), the larger body compiled twice.
pub fn arc_hits<T: Id>(
    ids: &[T],
    bound: usize,
    c: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    debug_assert!(ids.len() <= MAX_REQUESTS && c > 0);
    let n = ids.len();
    let mut s = State {
        ids,
        c,
        p: 0.0,
        state: bigbuf::filled(bound, NIL),
        lists: std::array::from_fn(|_| TimeMarks::new(n)),
    };
    let mut mask = want_mask.then(|| bigbuf::with_capacity(n));
    let mut hits = 0u64;
    for t in 0..n {
        if let Some(&ahead) = ids.get(t + PREFETCH_AHEAD) {
            prefetch::read(&s.state, ahead.index());
        }
        let hit = s.access(t);
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

    use super::super::arc::Arc;
    use super::super::keymap::DenseMap;
    use super::super::{Policy, Request};
    use super::*;

    fn agree(trace: &[u64], c: usize) -> Result<(), TestCaseError> {
        let bound = trace.iter().max().map_or(0, |&m| m as usize + 1);
        let mut lists = Arc::new(c, DenseMap::new(bound));
        let want: Vec<bool> = trace
            .iter()
            .map(|&key| lists.access(Request::online(key)))
            .collect();
        let (hits, mask) = arc_hits(trace, bound, c, true);
        prop_assert_eq!(hits, want.iter().filter(|&&h| h).count() as u64);
        prop_assert_eq!(mask, Some(want));
        Ok(())
    }

    proptest! {
        #[test]
        fn hits_as_the_four_lists_do(
            trace in prop::collection::vec(0u64..40, 1..600),
            c in 1usize..12,
        ) {
            agree(&trace, c)?;
        }

        /// Scans mixed with a hot set, so that both ghost lists fill and `p` moves both ways.
        #[test]
        fn hits_as_the_four_lists_do_on_scans(
            seed in 0u64..1_000,
            c in 2usize..40,
        ) {
            let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let trace: Vec<u64> = (0..3_000u64)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if (i / 200) % 2 == 0 { x % (c as u64 + 3) } else { 100 + i % 500 }
                })
                .collect();
            agree(&trace, c)?;
        }
    }
}
