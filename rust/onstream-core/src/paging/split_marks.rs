//! One side of ARC over request times: a cache list and its ghost list (T1 and B1, or T2 and
//! B2) as marks in one set of request times ([`Marks`]: a bit or a byte a time), split by two
//! fronts that only move forward.
//!
//! Keys leave the cache list for the ghost list oldest first, and leave the ghost list for
//! nowhere oldest first (see `arc_times`), so the marks below the `live` front that are still
//! set belong to the ghost list, those at or after it to the cache list, and everything below
//! the `ghost` front is forgotten. Moving a key down is moving a front: neither the mark nor the
//! key's own state is written, and a key's place follows from its mark's time alone.
//!
//! Keys are named by *stamps*, a mark's time plus one, so that stamp 0 (a key never marked) is
//! [`Place::Gone`] on either side without a test of its own.

use crate::bigbuf;

/// Where a mark's time puts its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Live,
    Ghost,
    Gone,
}

/// A set of request times, as [`SplitMarks`] keeps its marks.
pub trait Marks {
    /// An empty set over times `0..n`.
    fn new(n: usize) -> Self;
    fn set(&mut self, t: usize);
    fn clear(&mut self, t: usize);
    /// Visits the times in `from..to` in the set, in order.
    fn for_each_in(&self, from: usize, to: usize, visit: impl FnMut(usize));
    /// The first time at or after `from` in the set (one exists).
    fn next(&self, from: usize) -> usize;
}

/// One bit per time: a next mark is found 64 times at a word, but setting a bit is a
/// read-modify-write of its word, so consecutive marks wait on each other.
#[derive(Debug, Clone)]
pub struct Bits(Vec<u64>);

impl Marks for Bits {
    fn new(n: usize) -> Self {
        Bits(bigbuf::filled(n / 64 + 1, 0))
    }

    #[inline(always)]
    fn set(&mut self, t: usize) {
        self.0[t >> 6] |= 1 << (t & 63);
    }

    #[inline(always)]
    fn clear(&mut self, t: usize) {
        self.0[t >> 6] &= !(1u64 << (t & 63));
    }

    fn for_each_in(&self, from: usize, to: usize, mut visit: impl FnMut(usize)) {
        let mut t = from;
        while t < to {
            let word = self.0[t >> 6] >> (t & 63);
            if word == 0 {
                t = (t | 63) + 1;
                continue;
            }
            t += word.trailing_zeros() as usize;
            if t < to {
                visit(t);
            }
            t += 1;
        }
    }

    #[inline]
    fn next(&self, from: usize) -> usize {
        next_bit(&self.0, from)
    }
}

/// The first set bit of `words` at or after `from` (one exists).
#[inline(always)]
fn next_bit(words: &[u64], from: usize) -> usize {
    let mut i = from >> 6;
    let mut word = words[i] & (u64::MAX << (from & 63));
    while word == 0 {
        i += 1;
        word = words[i];
    }
    i * 64 + word.trailing_zeros() as usize
}

/// One byte per time (0 or 1): a mark is set or cleared by a plain store, which waits on no
/// earlier one, at eight times the memory of [`Bits`] and a slower search.
#[derive(Debug, Clone)]
pub struct Bytes(Vec<u8>);

/// Times a search reads at a step.
const STEP: usize = 32;

impl Marks for Bytes {
    fn new(n: usize) -> Self {
        // Room for a word and a whole step past the last time.
        Bytes(bigbuf::filled(n + 8 + STEP, 0))
    }

    #[inline(always)]
    fn set(&mut self, t: usize) {
        self.0[t] = 1;
    }

    #[inline(always)]
    fn clear(&mut self, t: usize) {
        self.0[t] = 0;
    }

    fn for_each_in(&self, from: usize, to: usize, mut visit: impl FnMut(usize)) {
        for t in from..to {
            if self.0[t] != 0 {
                visit(t);
            }
        }
    }

    #[inline]
    fn next(&self, from: usize) -> usize {
        // Most searches end within a few times: one word first, then whole steps.
        let first = word_at(&self.0, from);
        if first != 0 {
            return from + (first.trailing_zeros() / 8) as usize;
        }
        let mut i = from + 8;
        loop {
            // Each byte's low bit to one bit of `found`: the multiplier moves byte j's bit 0
            // to bit 56 + j, and no two products overlap, so nothing carries.
            let mut found = 0u32;
            for j in 0..STEP / 8 {
                let word = word_at(&self.0, i + 8 * j);
                found |= ((word.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32) << (8 * j);
            }
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
            i += STEP;
        }
    }
}

/// The eight bytes from `i` as one little-endian word (one load).
#[inline(always)]
fn word_at(bytes: &[u8], i: usize) -> u64 {
    // The slice has eight bytes, so the conversion cannot fail (and compiles to nothing).
    bytes[i..i + 8].try_into().map_or(0, u64::from_le_bytes)
}

#[derive(Debug, Clone)]
pub struct SplitMarks<M = Bits> {
    marks: M,
    /// Times before this are forgotten; marks below it mean nothing.
    ghost_from: usize,
    /// Times before this (and from `ghost_from`) are the ghost list's.
    live_from: usize,
    live: usize,
    ghost: usize,
}

impl<M: Marks> SplitMarks<M> {
    /// No marks, over times `0..n`.
    pub fn new(n: usize) -> Self {
        SplitMarks {
            marks: M::new(n),
            ghost_from: 0,
            live_from: 0,
            live: 0,
            ghost: 0,
        }
    }

    /// Keys in the cache list.
    #[inline]
    pub fn live(&self) -> usize {
        self.live
    }

    /// Keys in the ghost list.
    #[inline]
    pub fn ghost(&self) -> usize {
        self.ghost
    }

    /// The place of a key whose mark was set on this side with `stamp` (0: never) and not
    /// taken since.
    #[inline]
    pub fn place(&self, stamp: usize) -> Place {
        if self.is_live(stamp) {
            Place::Live
        } else if stamp > self.ghost_from {
            Place::Ghost
        } else {
            Place::Gone
        }
    }

    /// The ghost front: keys with stamps up to it are in neither list.
    #[inline]
    pub fn ghost_front(&self) -> usize {
        self.ghost_from
    }

    /// Whether the key with `stamp` (as for [`Self::place`]) is in neither list.
    #[inline]
    pub fn is_gone(&self, stamp: usize) -> bool {
        stamp <= self.ghost_from
    }

    /// Whether the key with `stamp` (as for [`Self::place`]) is in the cache list.
    #[inline]
    pub fn is_live(&self, stamp: usize) -> bool {
        stamp > self.live_from
    }

    /// A new key in the cache list at `t`, the newest time yet.
    #[inline]
    pub fn push(&mut self, t: usize) {
        self.marks.set(t);
        self.live += 1;
    }

    /// Takes out the key with `stamp`, in the list `place` names (`Live` or `Ghost`).
    #[inline]
    pub fn take(&mut self, stamp: usize, place: Place) {
        self.marks.clear(stamp - 1);
        if place == Place::Live {
            self.live -= 1;
        } else {
            self.ghost -= 1;
        }
    }

    /// The cache list's oldest key (there is one) moves to the ghost list.
    #[inline]
    pub fn demote_oldest(&mut self) {
        self.live_from = self.next_set(self.live_from) + 1;
        self.live -= 1;
        self.ghost += 1;
    }

    /// The ghost list's oldest key (there is one) is forgotten.
    #[inline]
    pub fn forget_oldest(&mut self) {
        self.ghost_from = self.next_set(self.ghost_from) + 1;
        self.ghost -= 1;
    }

    /// The cache list's oldest key (there is one) is forgotten; the ghost list must be empty.
    #[inline]
    pub fn drop_oldest(&mut self) {
        debug_assert_eq!(self.ghost, 0);
        self.live_from = self.next_set(self.live_from) + 1;
        self.ghost_from = self.live_from;
        self.live -= 1;
    }

    /// Visits the marks of both lists before time `now` (no later mark set), oldest first.
    pub fn for_each_mark(&self, now: usize, mut visit: impl FnMut(usize, Place)) {
        self.marks
            .for_each_in(self.ghost_from, now, |t| visit(t, self.place(t + 1)));
    }

    /// The first mark at or after `from` (one exists).
    #[inline]
    fn next_set(&self, from: usize) -> usize {
        self.marks.next(from)
    }
}

/// Side two during a run of renewals (hits in T2): its marks as a plain slice and its live
/// front, which no renewal moves, held apart from the struct so that a loop over them keeps both
/// in registers (through the struct, every byte stored might have changed the vector's own
/// pointer and length, which were read again after each).
pub struct Renewals<'a> {
    marks: &'a mut [u8],
    live_from: usize,
}

impl SplitMarks<Bytes> {
    /// The side for a run of renewals.
    pub fn renewals(&mut self) -> Renewals<'_> {
        Renewals {
            marks: &mut self.marks.0,
            live_from: self.live_from,
        }
    }
}

impl Renewals<'_> {
    /// [`SplitMarks::is_live`].
    #[inline(always)]
    pub fn is_live(&self, stamp: usize) -> bool {
        stamp > self.live_from
    }

    /// The cache list's key with `stamp` is requested again at `t`, the newest time yet: out
    /// of the cache list and back in at `t`, both lengths as they were.
    #[inline(always)]
    pub fn renew(&mut self, stamp: usize, t: usize) {
        self.marks[stamp - 1] = 0;
        self.marks[t] = 1;
    }
}

/// Side one during a run of slides ([`Slides::slide`] request after request): its marks as
/// a plain slice and its fronts as locals, held apart from the struct for the reason
/// [`Renewals`] gives. [`Slides::fronts`] hands the fronts back to [`SplitMarks::resume`].
pub struct Slides<'a> {
    words: &'a mut [u64],
    ghost_from: usize,
    live_from: usize,
}

/// Where a run of slides left side one's fronts.
pub struct Fronts {
    ghost_from: usize,
    live_from: usize,
}

impl SplitMarks<Bits> {
    /// The side for a run of slides.
    pub fn slides(&mut self) -> Slides<'_> {
        Slides {
            words: &mut self.marks.0,
            ghost_from: self.ghost_from,
            live_from: self.live_from,
        }
    }

    /// Takes the fronts a run of slides ([`Self::slides`]) left.
    pub fn resume(&mut self, fronts: Fronts) {
        self.ghost_from = fronts.ghost_from;
        self.live_from = fronts.live_from;
    }
}

impl Slides<'_> {
    /// [`SplitMarks::is_gone`].
    #[inline(always)]
    pub fn is_gone(&self, stamp: usize) -> bool {
        stamp <= self.ghost_from
    }

    /// [`SplitMarks::forget_oldest`], [`SplitMarks::demote_oldest`] and [`SplitMarks::push`]`(t)`
    /// in one, which leave both lengths as they were (the ghost list and the cache list are not
    /// empty).
    #[inline(always)]
    pub fn slide(&mut self, t: usize) {
        self.ghost_from = next_bit(self.words, self.ghost_from) + 1;
        self.live_from = next_bit(self.words, self.live_from) + 1;
        self.words[t >> 6] |= 1 << (t & 63);
    }

    /// The fronts, for [`SplitMarks::resume`].
    pub fn fronts(self) -> Fronts {
        Fronts {
            ghost_from: self.ghost_from,
            live_from: self.live_from,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    /// Against two queues ordered by time, under ARC's discipline: push the newest time, take
    /// any key out of either list, demote or forget the oldest, drop the oldest live key when
    /// no ghost is left, slide when neither list is empty, renew any live key.
    /// `renew` renews a live key's mark and `slide` slides: by the primitives
    /// ([`renew_by_parts`], [`slide_by_parts`]), or through [`Renewals`] and [`Slides`].
    fn places_keys_as_two_queues_do<M: Marks>(
        ops: Vec<u8>,
        renew: fn(&mut SplitMarks<M>, usize, usize),
        slide: fn(&mut SplitMarks<M>, usize),
    ) -> Result<(), TestCaseError> {
        let mut marks = SplitMarks::<M>::new(ops.len());
        let (mut live, mut ghost) = (VecDeque::new(), VecDeque::new());
        let mut gone = Vec::new();
        for (t, op) in ops.into_iter().enumerate() {
            match op {
                0 => {
                    marks.push(t);
                    live.push_back(t);
                }
                1 if !live.is_empty() || !ghost.is_empty() => {
                    let i = t % (live.len() + ghost.len());
                    let (u, place) = if i < live.len() {
                        (live.remove(i).unwrap(), Place::Live)
                    } else {
                        (ghost.remove(i - live.len()).unwrap(), Place::Ghost)
                    };
                    prop_assert_eq!(marks.place(u + 1), place);
                    marks.take(u + 1, place);
                }
                2 if !live.is_empty() => {
                    marks.demote_oldest();
                    ghost.push_back(live.pop_front().unwrap());
                }
                3 if !ghost.is_empty() => {
                    marks.forget_oldest();
                    gone.push(ghost.pop_front().unwrap());
                }
                4 if ghost.is_empty() && !live.is_empty() => {
                    marks.drop_oldest();
                    gone.push(live.pop_front().unwrap());
                }
                5 if !ghost.is_empty() && !live.is_empty() => {
                    slide(&mut marks, t);
                    gone.push(ghost.pop_front().unwrap());
                    ghost.push_back(live.pop_front().unwrap());
                    live.push_back(t);
                }
                6 if !live.is_empty() => {
                    let u = live.remove(t % live.len()).unwrap();
                    prop_assert_eq!(marks.place(u + 1), Place::Live);
                    renew(&mut marks, u + 1, t);
                    live.push_back(t);
                }
                _ => {}
            }
            prop_assert_eq!((marks.live(), marks.ghost()), (live.len(), ghost.len()));
            prop_assert!(live.iter().all(|&u| marks.place(u + 1) == Place::Live));
            prop_assert!(ghost.iter().all(|&u| marks.place(u + 1) == Place::Ghost));
            prop_assert!(gone.iter().all(|&u| marks.place(u + 1) == Place::Gone));
            prop_assert!(gone.iter().all(|&u| marks.is_gone(u + 1)));
            prop_assert!(live.iter().chain(&ghost).all(|&u| !marks.is_gone(u + 1)));
            prop_assert_eq!(marks.place(0), Place::Gone);
            // The marks in time order, as both queues hold them.
            let mut visited = Vec::new();
            marks.for_each_mark(t + 1, |u, place| visited.push((u, place)));
            let queued: Vec<(usize, Place)> = ghost
                .iter()
                .map(|&u| (u, Place::Ghost))
                .chain(live.iter().map(|&u| (u, Place::Live)))
                .collect();
            prop_assert_eq!(visited, queued);
        }
        Ok(())
    }

    /// A renewal by the primitives: out of the cache list, then back in at `t`.
    fn renew_by_parts<M: Marks>(marks: &mut SplitMarks<M>, stamp: usize, t: usize) {
        marks.take(stamp, Place::Live);
        marks.push(t);
    }

    /// A slide by the primitives.
    fn slide_by_parts<M: Marks>(marks: &mut SplitMarks<M>, t: usize) {
        marks.forget_oldest();
        marks.demote_oldest();
        marks.push(t);
    }

    proptest! {
        #[test]
        fn bits_place_keys_as_two_queues_do(ops in prop::collection::vec(0u8..7, 1..600)) {
            places_keys_as_two_queues_do::<Bits>(ops, renew_by_parts, slide_by_parts)?;
        }

        #[test]
        fn bits_slid_apart_place_keys_as_two_queues_do(
            ops in prop::collection::vec(0u8..7, 1..600),
        ) {
            places_keys_as_two_queues_do::<Bits>(ops, renew_by_parts, |marks, t| {
                let mut run = marks.slides();
                run.slide(t);
                let fronts = run.fronts();
                marks.resume(fronts);
            })?;
        }

        #[test]
        fn bytes_place_keys_as_two_queues_do(ops in prop::collection::vec(0u8..7, 1..600)) {
            places_keys_as_two_queues_do::<Bytes>(ops, renew_by_parts, slide_by_parts)?;
        }

        #[test]
        fn bytes_renewed_apart_place_keys_as_two_queues_do(
            ops in prop::collection::vec(0u8..7, 1..600),
        ) {
            places_keys_as_two_queues_do::<Bytes>(ops, |marks, stamp, t| {
                let mut run = marks.renewals();
                assert!(run.is_live(stamp) && !run.is_live(0));
                run.renew(stamp, t);
            }, slide_by_parts)?;
        }
    }
}
