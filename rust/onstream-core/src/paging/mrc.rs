//! LRU miss-ratio curve for every cache size in one pass (Mattson, Gecsei, Slutz, Traiger, "Evaluation
//! techniques for storage hierarchies", IBM Systems Journal 1970).
//!
//! LRU is a stack algorithm: a request hits in a cache of size k exactly when its stack distance
//! (the number of distinct keys requested since its previous request, plus one) is at most k. The
//! distance is counted over request times in which only each key's latest request is marked: a
//! bitset of marks plus a Fenwick tree of per-word (64 times) counts, O(log(n/64)) per request,
//! with the two random reads of each request (its key's last time, that time's word) prefetched.

use super::trace::DenseTrace;
use crate::{bigbuf, prefetch};

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

/// Traces shorter than this run in one pass; longer ones in two parts at once.
const SPLIT_AT: usize = 1 << 16;

/// `hits[k-1]`: the number of hits of an LRU cache of size `k`, for `k` in `1..=universe`.
///
/// A long trace is cut in two parts counted at the same time (call inside `pool::run`): the
/// first as usual, the second from an empty stack, where a key's first request in the second part
/// takes the distinct keys after its last first-part request (counted from the first part's
/// last-request times) plus the keys first seen in the second part since whose last first-part
/// request is older. Every distance is exact, so the result does not depend on the number of
/// threads or on where the cut falls. The second part costs about twice as much per request (a
/// pass over the first part's last times, and a Fenwick query and update at each first request),
/// so the cut is at two thirds, where the two took about the same time on a 10 M-request Zipf
/// trace (at one half the second part took twice the first's).
pub fn lru_hits_all_sizes(trace: &DenseTrace) -> Vec<u64> {
    hits_split_from(trace, SPLIT_AT)
}

fn hits_split_from(trace: &DenseTrace, split_at: usize) -> Vec<u64> {
    let ids = &trace.ids;
    let m = trace.universe;
    let (first, second) = if ids.len() < split_at.max(2) {
        (stack_distances(ids, m, |_| None), vec![0; m])
    } else {
        let (head, tail) = ids.split_at(ids.len() / 3 * 2);
        rayon::join(
            || stack_distances(head, m, |_| None),
            || second_part(head, tail, m),
        )
    };
    let mut hits = Vec::with_capacity(m);
    let mut acc = 0u64;
    for (a, b) in first.into_iter().zip(second) {
        acc += a + b;
        hits.push(acc);
    }
    hits
}

/// The second part's histogram: distances within it from its own stack; a key's first request
/// in it from the keys' last times in `head`.
fn second_part(head: &[u32], tail: &[u32], universe: usize) -> Vec<u64> {
    let mut last_head = bigbuf::filled(universe, u32::MAX);
    for (t, &id) in head.iter().enumerate() {
        if let Some(&ahead) = head.get(t + AHEAD) {
            prefetch::read(&last_head, ahead as usize);
        }
        last_head[id as usize] = t as u32;
    }
    // Ranks of the last times in `head`: rank(L) = how many keys last appear at or before L.
    let mut marks = vec![0u64; (head.len() >> 6) + 1];
    for &l in &last_head {
        if l != u32::MAX {
            marks[(l >> 6) as usize] |= 1 << (l & 63);
        }
    }
    let mut before = Vec::with_capacity(marks.len());
    let mut total = 0u32;
    for w in &marks {
        before.push(total);
        total += w.count_ones();
    }
    let rank = |l: u32| {
        let (w, b) = ((l >> 6) as usize, l & 63);
        before[w] + (marks[w] & (u64::MAX >> (63 - b))).count_ones()
    };
    // Keys seen so far in the tail, by the rank of their last time in `head` (0: none).
    let mut seen = Fenwick::new(total as usize + 1);
    stack_distances(tail, universe, |id| {
        let l = last_head[id as usize];
        let r = if l == u32::MAX { 0 } else { rank(l) };
        // Keys whose last head time is after l, and tail keys so far whose last head time is
        // before l (or absent).
        let distance = (l != u32::MAX).then(|| i64::from(total - r) + seen.prefix(r as usize));
        seen.add(r as usize, 1);
        distance
    })
}

/// Requests of `ids` by stack distance (`histogram[d-1]`: distance d), from an empty stack; a
/// key's first request asks `first(id)` for its distance (`None`: a cold miss).
///
/// Marks live in a bitset over request times; a Fenwick tree counts the marks of each 64-time word.
/// The newest word's count is held back until the word is complete, because marks are only ever
/// added at the newest time: one prefix query and one update per request.
fn stack_distances(
    ids: &[u32],
    universe: usize,
    mut first: impl FnMut(u32) -> Option<i64>,
) -> Vec<u64> {
    let n = ids.len();
    let mut last = bigbuf::filled(universe, u32::MAX);
    let n_words = (n >> 6) + 1;
    let mut words = vec![0u64; n_words];
    let mut counts = Fenwick::new(n_words);
    let mut histogram = bigbuf::filled(universe, 0u64);
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
            if let Some(after) = first(id) {
                histogram[after as usize] += 1;
            }
            marked += 1;
        }
        words[word] |= 1u64 << (t & 63);
        pending += 1;
        last[id as usize] = t as u32;
    }
    histogram
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
        // In one pass, and in two parts counted apart.
        for split_at in [usize::MAX, 2] {
            let hits = hits_split_from(&dense, split_at);
            for (k, cell) in sizes.iter().zip(&sim) {
                assert_eq!(hits[k - 1], cell.hits, "size {k} split {split_at}");
            }
        }
    }

    proptest! {
        #[test]
        fn equals_an_lru_simulation_at_every_size(trace in prop::collection::vec(0u64..30, 1..300)) {
            let dense = densify(&trace).unwrap();
            let sizes: Vec<usize> = (1..=dense.universe).collect();
            let sim = simulate(&trace, &[PolicyName::Lru], &sizes, 0, false, &Default::default()).unwrap();
            // One pass, and two parts counted apart (every trace of two or more requests).
            for split_at in [usize::MAX, 2] {
                let hits = hits_split_from(&dense, split_at);
                for (k, cell) in sizes.iter().zip(&sim) {
                    prop_assert_eq!(hits[k - 1], cell.hits, "size {} split {}", k, split_at);
                }
            }
        }
    }
}
