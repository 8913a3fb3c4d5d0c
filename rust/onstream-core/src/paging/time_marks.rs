//! Marks over a trace's request times, taken oldest first: the shared core of the routines by
//! last-request times `lru_times` and `hashed_times` (`arc_times` shares a bitset between two
//! lists instead: `split_marks`). A mark stands for a key whose time it is; the oldest one is
//! found from a front that only moves forward, because every routine sets marks only at or
//! after the oldest one still set.

use crate::bigbuf;

#[derive(Debug, Clone)]
pub struct TimeMarks {
    words: Vec<u64>,
    /// The word before which no mark is left.
    front: usize,
    /// Marks set.
    len: usize,
}

impl TimeMarks {
    /// No marks, over times `0..n`.
    pub fn new(n: usize) -> Self {
        TimeMarks {
            words: bigbuf::filled(n / 64 + 1, 0),
            front: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn is_set(&self, t: usize) -> bool {
        self.words[t >> 6] & (1 << (t & 63)) != 0
    }

    /// Marks `t` (not marked, and not before the oldest mark).
    #[inline]
    pub fn set(&mut self, t: usize) {
        self.words[t >> 6] |= 1 << (t & 63);
        self.len += 1;
    }

    /// Unmarks `t` (marked).
    #[inline]
    pub fn clear(&mut self, t: usize) {
        self.words[t >> 6] &= !(1u64 << (t & 63));
        self.len -= 1;
    }

    /// Unmarks the oldest mark (one must be set) and returns its time.
    #[inline]
    pub fn pop_oldest(&mut self) -> usize {
        while self.words[self.front] == 0 {
            self.front += 1;
        }
        let word = &mut self.words[self.front];
        let t = self.front * 64 + word.trailing_zeros() as usize;
        *word &= *word - 1;
        self.len -= 1;
        t
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Against an ordered set, with the routines' discipline: set at the newest time, clear
        /// any mark, pop the oldest.
        #[test]
        fn pops_the_oldest_as_an_ordered_set_does(ops in prop::collection::vec(0u8..3, 1..600)) {
            let mut marks = TimeMarks::new(ops.len());
            let mut set = BTreeSet::new();
            for (t, op) in ops.into_iter().enumerate() {
                match op {
                    0 => {
                        marks.set(t);
                        set.insert(t);
                    }
                    1 if !set.is_empty() => {
                        let &victim = set.iter().nth(t % set.len()).unwrap();
                        marks.clear(victim);
                        set.remove(&victim);
                    }
                    _ if !set.is_empty() => {
                        prop_assert_eq!(marks.pop_oldest(), set.pop_first().unwrap());
                    }
                    _ => {}
                }
                prop_assert_eq!(marks.len(), set.len());
                prop_assert!((0..=t).all(|u| marks.is_set(u) == set.contains(&u)));
            }
        }
    }
}
