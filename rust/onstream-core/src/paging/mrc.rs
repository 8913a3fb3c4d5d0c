//! LRU miss-ratio curve for every cache size in one pass (Mattson, Gecsei, Slutz, Traiger, "Evaluation
//! techniques for storage hierarchies", IBM Systems Journal 1970).
//!
//! LRU is a stack algorithm: a request hits in a cache of size k exactly when its stack distance
//! (the number of distinct keys requested since its previous request, plus one) is at most k. The
//! distance is counted over request times in which only each key's latest request is marked: a
//! bitset of marks plus a Fenwick tree of per-word (64 times) counts, O(log(n/64)) per request,
//! with the two random reads of each request (its key's last time, that time's word) prefetched.

use super::trace::DenseTrace;
use crate::prefetch;

/// Fenwick (binary indexed) tree of counts over positions `0..n`.
struct Fenwick {
    tree: Vec<i32>,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick {
            tree: vec![0; n + 1],
        }
    }

    #[inline]
    fn add(&mut self, pos: usize, delta: i32) {
        let mut i = pos + 1;
        while i < self.tree.len() {
            self.tree[i] += delta;
            i += i & i.wrapping_neg();
        }
    }

    /// Sum over positions `0..pos` (exclusive).
    #[inline]
    fn prefix(&self, pos: usize) -> i64 {
        let mut i = pos;
        let mut s = 0i64;
        while i > 0 {
            s += i64::from(self.tree[i]);
            i &= i - 1;
        }
        s
    }
}

/// How far ahead the loop prefetches: `last[id]` this many requests ahead, and the bitset word
/// of that request's previous time half as far ahead (once `last` has arrived).
const AHEAD: usize = 16;

/// `hits[k-1]`: the number of hits of an LRU cache of size `k`, for `k` in `1..=universe`.
///
/// Marks live in a bitset over request times; a Fenwick tree counts the marks of each 64-time word.
/// The newest word's count is held back until the word is complete, because marks are only ever
/// added at the newest time: one prefix query and one update per request.
pub fn lru_hits_all_sizes(trace: &DenseTrace) -> Vec<u64> {
    let ids = &trace.ids;
    let n = ids.len();
    let mut last = vec![u32::MAX; trace.universe];
    let n_words = (n >> 6) + 1;
    let mut words = vec![0u64; n_words];
    let mut counts = Fenwick::new(n_words);
    // histogram[d-1]: requests at stack distance d.
    let mut histogram = vec![0u64; trace.universe];
    let mut marked = 0i64;
    let mut pending = 0i32;
    let mut current = 0usize;
    for (t, &id) in ids.iter().enumerate() {
        if let Some(&ahead) = ids.get(t + AHEAD) {
            prefetch::read(&last, ahead as usize);
        }
        if let Some(&ahead) = ids.get(t + AHEAD / 2) {
            if let Some(&p) = last.get(ahead as usize) {
                prefetch::read(&words, (p >> 6) as usize);
            }
        }
        let word = t >> 6;
        if word != current {
            counts.add(current, pending);
            pending = 0;
            current = word;
        }
        let prev = last[id as usize];
        if prev != u32::MAX {
            let (w, off) = ((prev >> 6) as usize, prev & 63);
            // Distinct keys requested after prev: later marks in prev's word, plus all marks in
            // later words (the newest one's still pending).
            let mut after = i64::from((words[w] >> off >> 1).count_ones());
            if w != current {
                after += marked - counts.prefix(w + 1);
                counts.add(w, -1);
            } else {
                pending -= 1;
            }
            histogram[after as usize] += 1;
            words[w] &= !(1u64 << off);
        } else {
            marked += 1;
        }
        words[word] |= 1u64 << (t & 63);
        pending += 1;
        last[id as usize] = t as u32;
    }
    let mut hits = Vec::with_capacity(trace.universe);
    let mut acc = 0u64;
    for h in histogram {
        acc += h;
        hits.push(acc);
    }
    hits
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::simulate::simulate;
    use super::super::trace::densify;
    use super::super::PolicyName;
    use super::*;

    #[test]
    fn equals_an_lru_simulation_on_a_long_trace() {
        // Long enough for many Fenwick levels and prefetches that run past the end.
        let trace = crate::paging::tests_support::locality_trace(50_000, 3_000, 5);
        let dense = densify(&trace).unwrap();
        let hits = lru_hits_all_sizes(&dense);
        let sizes = [1usize, 7, 64, 65, 500, dense.universe - 1, dense.universe];
        let sim = simulate(
            &trace,
            &[PolicyName::Lru],
            &sizes,
            0,
            false,
            &Default::default(),
        )
        .unwrap();
        for (k, cell) in sizes.iter().zip(&sim) {
            assert_eq!(hits[k - 1], cell.hits, "size {k}");
        }
    }

    proptest! {
        #[test]
        fn equals_an_lru_simulation_at_every_size(trace in prop::collection::vec(0u64..30, 1..300)) {
            let dense = densify(&trace).unwrap();
            let hits = lru_hits_all_sizes(&dense);
            let sizes: Vec<usize> = (1..=dense.universe).collect();
            let sim = simulate(&trace, &[PolicyName::Lru], &sizes, 0, false, &Default::default()).unwrap();
            for (k, cell) in sizes.iter().zip(&sim) {
                prop_assert_eq!(hits[k - 1], cell.hits, "size {}", k);
            }
        }
    }
}
