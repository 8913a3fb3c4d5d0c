//! A tournament (winner) tree over a fixed number of slots: each slot holds a value, every inner
//! node the largest value below it, so the largest of all is read at the root, and changing one
//! slot's value recomputes its path upwards only as far as the winners change.
//!
//! LFD's victim is the slot whose next request is furthest away. A binary heap with lazy
//! deletion pushes an entry at every request and pops stale ones at evictions; here a request
//! rewrites its slot and climbs the path, with no stale entries and nothing to rebuild.

use serde::{Deserialize, Serialize};

/// Levels a [`Tournament::raise`] climbs without testing where to stop. The climb ends at a level
/// that depends on the data, so its exit branch mispredicts; on LFD's hits most climbs end
/// within the lowest levels. LFD with k = 1000 (10 levels) on the sprite trace took about 1.19
/// ms with the test at every level; with 1, 2, 3, 4 and 6 levels free of it 0.89, 0.73, 0.63,
/// 0.63 and 0.78 ms, and 1.04 with all. On 10 M Zipf requests 3 levels were within noise, 4 to
/// 6 were 4-12% slower.
const BRANCH_FREE_LEVELS: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tournament<E> {
    /// Slots rounded up to a power of two.
    leaves: usize,
    /// `tree[1]` is the root, `tree[i]` the larger of `tree[2i]` and `tree[2i + 1]`, and slot s
    /// is `tree[leaves + s]`. Unused leaves (and `tree[0]`) hold the `least` value.
    tree: Vec<E>,
}

impl<E: Ord + Copy> Tournament<E> {
    /// `slots` slots, all holding `least`, a value no larger than any set later.
    pub fn new(slots: usize, least: E) -> Self {
        let leaves = slots.max(1).next_power_of_two();
        Tournament {
            leaves,
            tree: vec![least; 2 * leaves],
        }
    }

    /// The largest value held.
    #[inline]
    pub fn max(&self) -> E {
        self.tree[1]
    }

    /// The value slot `slot` holds.
    #[inline]
    pub fn get(&self, slot: usize) -> E {
        self.tree[self.leaves + slot]
    }

    /// Raises slot `slot`'s value to `value`, no smaller than the one it holds: an ancestor
    /// becomes `value` exactly when it held less, so the climb reads one node a level and ends
    /// at the first that holds more (past the `BRANCH_FREE_LEVELS` lowest).
    #[inline]
    pub fn raise(&mut self, slot: usize, value: E) {
        let mut i = self.leaves + slot;
        debug_assert!(self.tree[i] <= value);
        self.tree[i] = value;
        // The lowest levels without a branch (a max into each, right whether or not it changes),
        // then climb while it changes.
        for _ in 0..BRANCH_FREE_LEVELS {
            if i > 1 {
                i >>= 1;
                let node = &mut self.tree[i];
                *node = (*node).max(value);
            }
        }
        while i > 1 {
            i >>= 1;
            if self.tree[i] >= value {
                break;
            }
            self.tree[i] = value;
        }
    }

    /// Sets slot `slot`'s value. The climb ends at the first node whose value comes out
    /// unchanged, as nothing above it changes.
    #[inline]
    pub fn set(&mut self, slot: usize, value: E) {
        let mut i = self.leaves + slot;
        self.tree[i] = value;
        while i > 1 {
            let winner = self.tree[i].max(self.tree[i ^ 1]);
            i >>= 1;
            if self.tree[i] == winner {
                break;
            }
            self.tree[i] = winner;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn the_root_is_the_largest_slot_value(
            slots in 1usize..40,
            writes in prop::collection::vec((0usize..40, 0u64..50), 0..300),
        ) {
            let mut t = Tournament::new(slots, (0, 0));
            let mut values = vec![(0u64, 0usize); slots];
            for (s, v) in writes {
                let s = s % slots;
                // Values carry their slot, as LFD's do, so no two slots hold equal values. Odd
                // writes raise a slot by `v` (LFD's hits), even ones set it to anything.
                if v % 2 == 1 {
                    values[s] = (values[s].0 + v, s);
                    t.raise(s, values[s]);
                } else {
                    values[s] = (v + 1, s);
                    t.set(s, values[s]);
                }
                prop_assert_eq!(t.max(), *values.iter().max().unwrap());
            }
        }
    }
}
