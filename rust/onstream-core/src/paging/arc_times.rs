//! ARC over a whole trace by last-request times instead of four recency lists: the same hits
//! as [`super::arc::Arc`] (Megiddo & Modha, FAST 2003, Fig. 4), as [`super::lru_times`] does
//! for LRU.
//!
//! Every key in T1, T2, B1 or B2 holds a mark at the time of its last request, and each list's
//! least recent key is its oldest mark. That holds for the ghost lists too: REPLACE demotes the
//! least recent key of T1 (or T2), and every key that enters T1 (T2) afterwards is requested
//! later than the one demoted, so keys enter B1 (B2) in the order of their last requests, which
//! is the order ARC keeps them in, and leave it oldest first. So T1 and B1 share one set of marks,
//! split by fronts that only move forward, as do T2 and B2 ([`SplitMarks`]): a demotion or a
//! ghost forgotten moves a front, and a key's list follows from its side (the set its last
//! request marked) and its time. A key's state, one `u32`, is written only when it is requested,
//! and the trace is read only at the request served.
//!
//! The first version kept each key's list in its state, with four bitsets, and rewrote the
//! state of every key demoted or forgotten (a random write, and a read of the trace at the old
//! mark to find the key). Its lengths lived in an array indexed by list, so the commonest hit,
//! in T2, decremented and incremented T2's length in memory, a chain from one request to the
//! next. simulate()'s routine, one thread, k = 1000 (alternating builds): 10 M Zipf requests
//! 86-91 -> 80-83 ms, sprite 0.50-0.54 -> 0.42-0.44 ms, cloudPhysics 1.16-1.20 -> 1.05-1.08 ms.
//! Merging the T2 hit and the commonest miss into one branch-free step was slower (Zipf 81 ->
//! 88-90 ms): the miss's two front searches then ran at every request.
//!
//! The key states live in a direct array over dense ids or, for sparse ids, in the hash table
//! that would otherwise renumber them ([`arc_hits_hashed`], as `hashed_times` does for LRU and
//! FIFO): a state is only ever read and written for the key requested, so one lookup a request
//! is all the table costs.

use std::ops::Range;

use super::idtable::{IdTable, Key, Lookahead};
use super::split_marks::{Bytes, Place, Renewals, Slides, SplitMarks};
use super::time_split::{self, Run};
use super::trace::Id;
use crate::{bigbuf, prefetch};

/// How many requests ahead the direct loop prefetches a key's state.
const PREFETCH_AHEAD: usize = 16;

/// Key bounds above which it does (256 K states: 1 MiB), as `lru_times` does. Below, the states
/// stay in L2 and the prefetch only costs: sprite (7 K keys), simulate()'s routine, alternating
/// builds, 0.464-0.470 -> 0.444-0.459 ms with caches flushed before each run, 1% warm.
const PREFETCH_ABOVE: usize = 1 << 18;

/// Bits of a key's state that hold its stamp (last request time + 1; 0 when never requested).
const STAMP_BITS: u32 = 31;
const STAMP_MASK: u32 = (1 << STAMP_BITS) - 1;
/// The state bit of a key whose last request put it in T2 (the side of T2 and B2).
const SIDE2: u32 = 1 << STAMP_BITS;

/// The longest trace this routine takes (longer ones: [`super::arc::Arc`]). No state reaches
/// `u32::MAX`, the hash table's mark of an empty slot.
pub const MAX_REQUESTS: usize = STAMP_MASK as usize - 1;

/// Where the keys' states live, found request by request.
trait KeyStates {
    /// The slot of the key requested at `t` (called with t = 0, 1, 2, ...).
    fn slot(&mut self, t: usize) -> usize;
    fn get(&self, slot: usize) -> u32;
    fn set(&mut self, slot: usize, state: u32);

    /// Serves the request at time `t`, a hit in T2 for the key in `slot` and `state`, and the
    /// requests after it while each is one too (`two`); returns the time of the first that is
    /// not, with its key's slot and state (none when the run reaches `end`).
    #[inline(always)]
    fn renew_run(
        &mut self,
        mut two: Renewals<'_>,
        mut t: usize,
        end: usize,
        (mut slot, mut state): (usize, u32),
    ) -> (usize, Option<(usize, u32)>) {
        loop {
            self.set(slot, SIDE2 | (t as u32 + 1));
            two.renew((state & STAMP_MASK) as usize, t);
            t += 1;
            if t == end {
                return (t, None);
            }
            slot = self.slot(t);
            state = self.get(slot);
            if !renews(&two, state) {
                return (t, Some((slot, state)));
            }
        }
    }

    /// Serves the request at time `t`, a miss that slides (see [`Lists::slides`]) for the key in
    /// `slot`, and the requests after it while each is one too (a key in no list:
    /// slides change no length, so the rest of the condition stays true); returns as
    /// [`Self::renew_run`] does. `two_gone_to` is T2 and B2's forgotten front.
    #[inline(always)]
    fn slide_run(
        &mut self,
        one: &mut Slides<'_>,
        two_gone_to: usize,
        mut t: usize,
        end: usize,
        mut slot: usize,
    ) -> (usize, Option<(usize, u32)>) {
        loop {
            self.set(slot, t as u32 + 1);
            one.slide(t);
            t += 1;
            if t == end {
                return (t, None);
            }
            slot = self.slot(t);
            let state = self.get(slot);
            let stamp = (state & STAMP_MASK) as usize;
            let gone = if state & SIDE2 != 0 {
                stamp <= two_gone_to
            } else {
                one.is_gone(stamp)
            };
            if !gone {
                return (t, Some((slot, state)));
            }
        }
    }
}

/// Whether a key in `state` is in T2, so that its request is a hit there.
#[inline(always)]
fn renews(two: &Renewals<'_>, state: u32) -> bool {
    (state & SIDE2 != 0) & two.is_live((state & STAMP_MASK) as usize)
}

/// States in an array over ids below a bound.
struct Direct<'a, T> {
    ids: &'a [T],
    states: Vec<u32>,
    /// Whether the states are prefetched ([`PREFETCH_ABOVE`]).
    far: bool,
}

impl<'a, T: Id> Direct<'a, T> {
    fn new(ids: &'a [T], bound: usize) -> Self {
        Direct {
            ids,
            states: bigbuf::filled(bound, 0),
            far: bound > PREFETCH_ABOVE,
        }
    }
}

impl<T: Id> KeyStates for Direct<'_, T> {
    #[inline(always)]
    fn slot(&mut self, t: usize) -> usize {
        if self.far {
            if let Some(&ahead) = self.ids.get(t + PREFETCH_AHEAD) {
                prefetch::read(&self.states, ahead.index());
            }
        }
        self.ids[t].index()
    }

    #[inline(always)]
    fn get(&self, slot: usize) -> u32 {
        self.states[slot]
    }

    #[inline(always)]
    fn set(&mut self, slot: usize, state: u32) {
        self.states[slot] = state;
    }

    /// The default's loop over the trace and the states as slices held in registers: through
    /// `self`, each state stored might have changed them.
    #[inline(always)]
    fn renew_run(
        &mut self,
        mut two: Renewals<'_>,
        mut t: usize,
        end: usize,
        (mut slot, mut state): (usize, u32),
    ) -> (usize, Option<(usize, u32)>) {
        let (ids, states, far) = (self.ids, &mut self.states[..], self.far);
        loop {
            states[slot] = SIDE2 | (t as u32 + 1);
            two.renew((state & STAMP_MASK) as usize, t);
            t += 1;
            if t == end {
                return (t, None);
            }
            if far {
                if let Some(&ahead) = ids.get(t + PREFETCH_AHEAD) {
                    prefetch::read(states, ahead.index());
                }
            }
            slot = ids[t].index();
            state = states[slot];
            if !renews(&two, state) {
                return (t, Some((slot, state)));
            }
        }
    }
}

/// States in the hash table of sparse ids (a new id enters with state 0).
struct Hashed<'a, K: Key> {
    pass: Lookahead<'a>,
    table: IdTable<K>,
}

impl<K: Key> KeyStates for Hashed<'_, K> {
    #[inline(always)]
    fn slot(&mut self, t: usize) -> usize {
        self.pass.slot_of(&mut self.table, t, 0).0
    }

    #[inline(always)]
    fn get(&self, slot: usize) -> u32 {
        self.table.value(slot)
    }

    #[inline(always)]
    fn set(&mut self, slot: usize, state: u32) {
        self.table.set_value(slot, state);
    }
}

/// ARC's lists and target: T1 and B1 on side one, T2 and B2 on side two.
struct Lists {
    c: usize,
    p: f64,
    /// The least length of T1 above `p` (`floor(p) + 1`), so that a miss compares integers.
    above_p: usize,
    one: SplitMarks,
    /// A byte a time (a byte a request, an eighth of the trace's own ids). The commonest
    /// request, a hit in T2, clears its key's old mark and sets the newest; as bits each set
    /// waited on the last one's (the same word, read and written back), as bytes neither reads.
    /// The searches, at T2's demotions, are rare on side two. Side one stays in bits: on a
    /// trace of misses its searches run at nearly every request. simulate()'s routine, one
    /// thread, k = 1000, caches flushed, builds timed in turn over six runs: sprite 0.44-0.48
    /// -> 0.42-0.46 ms; cloudPhysics (0.97-1.15 ms) and 10 M Zipf (87-90 ms) the same within
    /// the noise. Both sides in bytes: sprite as fast, cloudPhysics up to 10% and Zipf up to 8%
    /// slower.
    two: SplitMarks<Bytes>,
}

impl Lists {
    /// Empty lists for a cache of `c` keys, over times `0..n`.
    fn new(n: usize, c: usize) -> Self {
        Lists {
            c,
            p: 0.0,
            above_p: 1,
            one: SplitMarks::new(n),
            two: SplitMarks::new(n),
        }
    }

    /// REPLACE(x, p), as `Arc::replace`. (Inlined always, as the slide is: left to the
    /// compiler both stayed calls, and inlining both took 1-4% off simulate()'s ARC.)
    #[inline(always)]
    fn replace(&mut self, hit_in_b2: bool) {
        let t1 = self.one.live();
        let from_t1 = t1 >= 1 && ((hit_in_b2 && t1 as f64 == self.p) || t1 >= self.above_p);
        if (from_t1 || self.two.live() == 0) && t1 > 0 {
            self.one.demote_oldest();
        } else if self.two.live() > 0 {
            self.two.demote_oldest();
        }
    }

    /// Serves the request at time `t` for a key in state `state`, not in T2 (those hits are
    /// [`KeyStates::renew_run`]'s): whether it hits, and the key's state after.
    #[inline(always)]
    fn serve(&mut self, t: usize, state: u32) -> (bool, u32) {
        let stamp = (state & STAMP_MASK) as usize;
        let in_two = state & SIDE2 != 0;
        debug_assert!(!self.in_t2(state), "a hit in T2 is renew_run's");
        let after = t as u32 + 1;
        let place = if in_two {
            self.two.place(stamp)
        } else {
            self.one.place(stamp)
        };
        match place {
            Place::Live => {
                self.one.take(stamp, Place::Live);
                self.two.push(t);
                (true, SIDE2 | after)
            }
            Place::Ghost => {
                // ARC's adaptation, with the ghost lists' lengths before the key leaves.
                let (b1, b2) = (self.one.ghost() as f64, self.two.ghost() as f64);
                if in_two {
                    self.two.take(stamp, Place::Ghost);
                    self.p = (self.p - (b1 / b2).max(1.0)).max(0.0);
                } else {
                    self.one.take(stamp, Place::Ghost);
                    self.p = (self.p + (b2 / b1).max(1.0)).min(self.c as f64);
                }
                self.above_p = self.p as usize + 1;
                self.replace(in_two);
                self.two.push(t);
                (false, SIDE2 | after)
            }
            Place::Gone => {
                self.miss(t);
                (false, after)
            }
        }
    }

    /// Whether a miss is the commonest one: B1's oldest goes, REPLACE demotes T1's oldest, and
    /// the key joins T1, with no length changed.
    #[inline(always)]
    fn slides(&self) -> bool {
        let t1 = self.one.live();
        t1 + self.one.ghost() == self.c && t1 < self.c && t1 >= self.above_p
    }

    /// Whether the key in `state` is in T2 (as [`renews`] tells during a run of renewals), so
    /// that its request is a hit there.
    #[inline(always)]
    fn in_t2(&self, state: u32) -> bool {
        state & SIDE2 != 0 && self.two.is_live((state & STAMP_MASK) as usize)
    }

    /// Whether the key in `state` is in no list.
    #[inline(always)]
    fn is_gone(&self, state: u32) -> bool {
        let stamp = (state & STAMP_MASK) as usize;
        if state & SIDE2 != 0 {
            self.two.is_gone(stamp)
        } else {
            self.one.is_gone(stamp)
        }
    }

    /// Case IV of ARC: a key in no list joins T1.
    #[inline(always)]
    fn miss(&mut self, t: usize) {
        let (t1, l1) = (self.one.live(), self.one.live() + self.one.ghost());
        let total = l1 + self.two.live() + self.two.ghost();
        if l1 == self.c {
            // (The commonest case here, a slide, is `slide_run`'s, which serves it as this
            // branch would.)
            if t1 < self.c {
                self.one.forget_oldest();
                self.replace(false);
            } else {
                self.one.drop_oldest();
            }
        } else if total >= self.c {
            if total == 2 * self.c {
                self.two.forget_oldest();
            }
            self.replace(false);
        }
        self.one.push(t);
    }
}

/// Serves the requests at times `span` (each span starting where the last ended, from 0) with
/// the states `keys` finds; their hits, and their flags pushed onto `mask`.
///
/// Hits in T2 run in a loop of their own ([`KeyStates::renew_run`]), over T2's marks and front
/// held in registers ([`Renewals`]); it hands the first other request back to this one. Before,
/// one loop served every request, and in it the pointers and lengths of the marks and states
/// were read again from memory after each byte stored (it might have changed them), some 45
/// instructions a hit. simulate()'s routine, one thread, k = 1000, caches flushed, builds timed
/// in turn (three runs): sprite 0.395-0.412 -> 0.346-0.359 ms, cloudPhysics 0.871-0.887 ->
/// 0.861-0.888, 10 M Zipf 78.5-79.8 -> 77.8-81.5 ms. A run loop entered at every request,
/// ending at the first request that is not a hit, cost cloudPhysics (mostly misses) 5%.
///
/// The commonest miss, a slide, likewise ([`KeyStates::slide_run`], [`Slides`]): sprite
/// 0.350-0.360 -> 0.340-0.343 ms, cloudPhysics (79% slides) 0.824-0.890 -> 0.781-0.806, Zipf
/// 78.1-78.6 -> 72.4-74.9 ms. Handing the next request back as an `Option` to one dispatch at
/// the top of the loop, instead of the inner loop here, cost sprite 3%.
///
/// One loop tests for the flags at each request. A loop per kind of flag sink, as `lru_times`
/// and `hashed_times` have, made the first version 20-30% slower (sprite 0.55 -> 0.73 ms, Zipf
/// 90 -> 107 ms), the larger body compiled twice.
fn serve_span(
    keys: &mut impl KeyStates,
    lists: &mut Lists,
    span: Range<usize>,
    mask: &mut Option<Vec<bool>>,
) -> u64 {
    let mut hits = 0u64;
    let mut t = span.start;
    'requests: while t < span.end {
        let mut slot = keys.slot(t);
        let mut before = keys.get(slot);
        loop {
            // The commonest request, a hit in T2, moves a mark within T2 and changes no length
            // or front. Those come in runs (sprite's average 23), served by a loop of their own,
            // which hands back the first other request.
            if lists.in_t2(before) {
                let (at, stop) = keys.renew_run(lists.two.renewals(), t, span.end, (slot, before));
                hits += (at - t) as u64;
                if let Some(m) = mask.as_mut() {
                    m.resize(m.len() + (at - t), true);
                }
                t = at;
                let Some(next) = stop else {
                    break 'requests;
                };
                (slot, before) = next;
            }
            // The commonest miss (most of cloudPhysics' requests), likewise; the request it
            // hands back may be a hit in T2.
            if lists.slides() && lists.is_gone(before) {
                let two_gone_to = lists.two.ghost_front();
                let mut one = lists.one.slides();
                let (at, stop) = keys.slide_run(&mut one, two_gone_to, t, span.end, slot);
                let fronts = one.fronts();
                lists.one.resume(fronts);
                if let Some(m) = mask.as_mut() {
                    m.resize(m.len() + (at - t), false);
                }
                t = at;
                let Some(next) = stop else {
                    break 'requests;
                };
                (slot, before) = next;
                continue;
            }
            break;
        }
        // Written before the request is served (a hit in T1 or B1 or B2 leaves the key in T2),
        // so that the store waits on nothing; a miss rewrites it.
        keys.set(slot, SIDE2 | (t as u32 + 1));
        let (hit, state) = lists.serve(t, before);
        if state & SIDE2 == 0 {
            keys.set(slot, state);
        }
        hits += u64::from(hit);
        if let Some(m) = mask.as_mut() {
            m.push(hit);
        }
        t += 1;
    }
    hits
}

/// An ARC run from time `from` on, for [`time_split`]: its keys' states and its lists, over
/// times counted from `from`.
struct ArcRun<S> {
    keys: S,
    lists: Lists,
    from: usize,
}

/// ARC's state: its lists' keys, by the times of their marks, and `p`. ARC's decisions depend
/// on nothing else.
#[derive(PartialEq, Eq)]
struct ArcState {
    p: u64,
    /// Each list's marks, as times from a start, oldest first: T1, B1, T2, B2.
    lists: [Vec<u32>; 4],
}

impl<S> ArcRun<S> {
    /// A run of a cache of `c` keys over the requests from `from` to `n`, their keys' states in
    /// `keys`.
    fn new(keys: S, n: usize, c: usize, from: usize) -> Self {
        ArcRun {
            keys,
            lists: Lists::new(n - from, c),
            from,
        }
    }
}

impl<S: KeyStates + Send> Run for ArcRun<S> {
    type State = ArcState;

    fn serve(&mut self, span: Range<usize>, mask: &mut Option<Vec<bool>>) -> u64 {
        let local = span.start - self.from..span.end - self.from;
        serve_span(&mut self.keys, &mut self.lists, local, mask)
    }

    /// (`start` no earlier than the run's own.)
    fn state(&self, now: usize, start: usize) -> Option<ArcState> {
        let mut lists: [Vec<u32>; 4] = Default::default();
        let mut before_start = false;
        let mut visit = |side: usize, t: usize, place: Place| {
            let list = 2 * side + usize::from(place != Place::Live);
            match (t + self.from).checked_sub(start) {
                Some(since) => lists[list].push(since as u32),
                None => before_start = true,
            }
        };
        let now = now - self.from;
        self.lists
            .one
            .for_each_mark(now, |t, place| visit(0, t, place));
        self.lists
            .two
            .for_each_mark(now, |t, place| visit(1, t, place));
        let p = self.lists.p.to_bits();
        (!before_start).then_some(ArcState { p, lists })
    }

    fn size(state: &ArcState) -> usize {
        state.lists.iter().map(Vec::len).sum()
    }
}

/// The hits of a cache of `c` keys over `n` requests whose keys' states `keys(t)` finds from
/// time `t` on, and the flags when `want_mask`: on two threads for long traces
/// ([`time_split`]).
fn run<S: KeyStates + Send>(
    keys: impl Fn(usize) -> S + Sync,
    n: usize,
    c: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    debug_assert!(n <= MAX_REQUESTS && c > 0);
    time_split::hits(|from| ArcRun::new(keys(from), n, c, from), n, want_mask)
}

/// Hits of an ARC cache of `c` keys over `ids` (all below `bound`; at most [`MAX_REQUESTS`]),
/// and the per-request hit flags when `want_mask`.
pub fn arc_hits<T: Id>(
    ids: &[T],
    bound: usize,
    c: usize,
    want_mask: bool,
) -> (u64, Option<Vec<bool>>) {
    let keys = |from: usize| Direct::new(&ids[from..], bound);
    run(keys, ids.len(), c, want_mask)
}

/// [`arc_hits`] over ids of any size (each fitting `K`), their states in a hash table instead
/// of an array.
pub fn arc_hits_hashed<K: Key>(ids: &[u64], c: usize, want_mask: bool) -> (u64, Option<Vec<bool>>) {
    let keys = |from: usize| Hashed {
        pass: Lookahead::new(&ids[from..]),
        table: IdTable::<K>::for_requests(ids.len() - from),
    };
    run(keys, ids.len(), c, want_mask)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::arc::Arc;
    use super::super::keymap::DenseMap;
    use super::super::tests_support::{bound, locality_trace};
    use super::super::{Policy, Request};
    use super::*;

    /// The list-based ARC's hits and flags over `trace`.
    fn reference(trace: &[u64], c: usize) -> (u64, Option<Vec<bool>>) {
        let bound = bound(trace);
        let mut lists = Arc::new(c, DenseMap::new(bound));
        let want: Vec<bool> = trace
            .iter()
            .map(|&key| lists.access(Request::online(key)))
            .collect();
        (want.iter().filter(|&&h| h).count() as u64, Some(want))
    }

    fn agree(trace: &[u64], c: usize) -> Result<(), TestCaseError> {
        let bound = bound(trace);
        let (want_hits, want) = reference(trace, c);
        let want = want.unwrap_or_default();
        let (hits, mask) = arc_hits(trace, bound, c, true);
        prop_assert_eq!(hits, want_hits);
        prop_assert_eq!(mask.as_ref(), Some(&want));
        // The same keys spread over u64, extremes included, through the hash table.
        let sparse: Vec<u64> = trace
            .iter()
            .map(|&x| match x {
                0 => u64::MAX,
                _ => x.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            })
            .collect();
        let expected = (hits, Some(want));
        prop_assert_eq!(arc_hits_hashed::<u64>(&sparse, c, true), expected.clone());
        // And over u32 (an odd multiplier is one-to-one there), through the narrow table.
        let narrow: Vec<u64> = trace
            .iter()
            .map(|&x| match x {
                0 => u64::from(u32::MAX),
                _ => u64::from((x as u32).wrapping_mul(0x9E37_79B9)),
            })
            .collect();
        prop_assert_eq!(arc_hits_hashed::<u32>(&narrow, c, true), expected);
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

    /// The two-thread ARC over `trace` with dense ids, recording every `every` requests.
    fn two_threads(
        trace: &[u64],
        c: usize,
        every: usize,
    ) -> ((u64, Option<Vec<bool>>), Option<usize>) {
        let bound = bound(trace);
        let start =
            |from: usize| ArcRun::new(Direct::new(&trace[from..], bound), trace.len(), c, from);
        time_split::tests::split(start, trace.len(), every)
    }

    proptest! {
        /// Against the list-based ARC, whether or not the two runs meet.
        #[test]
        fn two_threads_serve_as_the_lists_do(
            seed in 0u64..1_000,
            c in 1usize..40,
            every in 1usize..200,
        ) {
            let trace = locality_trace(3_000, 200, seed);
            prop_assert_eq!(two_threads(&trace, c, every).0, reference(&trace, c));
        }
    }

    #[test]
    fn two_runs_meet_on_a_skewed_trace_and_not_with_a_key_held_from_before() {
        let skewed = locality_trace(40_000, 500, 7);
        let (got, met) = two_threads(&skewed, 50, 1_000);
        assert_eq!(got, reference(&skewed, 50));
        assert!(met.is_some());
        // A key requested once before the second half and never forgotten: its mark keeps
        // the first run's lists apart from every state the second run records.
        let mut held = vec![0u64, 0];
        held.extend((0..20_000u64).map(|i| 1 + i % 2));
        let (got, met) = two_threads(&held, 4, 100);
        assert_eq!(got, reference(&held, 4));
        assert_eq!(met, None);
    }
}
