//! LRU miss-ratio curve for every cache size in one pass (Mattson, Gecsei, Slutz, Traiger, "Evaluation
//! techniques for storage hierarchies", IBM Systems Journal 1970).
//!
//! LRU is a stack algorithm: a request hits in a cache of size k exactly when its stack distance
//! (the number of distinct keys requested since its previous request, plus one) is at most k. The
//! distance is counted over request times in which only each key's latest request is marked: a
//! bitset of marks plus a Fenwick tree of per-512-times block counts, O(log(n/512)) per request.

use super::trace::DenseTrace;

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

/// Request times per Fenwick block: 8 words of the bitset, so the tree is 512 times smaller than
/// the trace (cache-resident for tens of millions of requests) and in-block counts are a few
/// popcounts.
const BLOCK_SHIFT: u32 = 9;
const WORDS_PER_BLOCK: usize = 1 << (BLOCK_SHIFT - 6);

/// `hits[k-1]`: the number of hits of an LRU cache of size `k`, for `k` in `1..=universe`.
///
/// Marks live in a bitset over request times; a Fenwick tree counts marks per block of 512 times.
/// The newest block's count is held back until the block is complete, because marks are only ever
/// added at the newest time: one prefix query and one update per request.
pub fn lru_hits_all_sizes(trace: &DenseTrace) -> Vec<u64> {
    let n = trace.ids.len();
    let mut last = vec![u32::MAX; trace.universe];
    let n_blocks = (n >> BLOCK_SHIFT) + 1;
    let mut words = vec![0u64; n_blocks * WORDS_PER_BLOCK];
    let mut blocks = Fenwick::new(n_blocks);
    // histogram[d-1]: requests at stack distance d.
    let mut histogram = vec![0u64; trace.universe];
    let mut marked = 0i64;
    let mut pending = 0i32;
    let mut current_block = 0usize;
    for (t, &id) in trace.ids.iter().enumerate() {
        let block = t >> BLOCK_SHIFT;
        if block != current_block {
            blocks.add(current_block, pending);
            pending = 0;
            current_block = block;
        }
        let prev = last[id as usize];
        if prev != u32::MAX {
            let (w, off) = ((prev >> 6) as usize, prev & 63);
            let b = (prev >> BLOCK_SHIFT) as usize;
            let block_end = (b + 1) * WORDS_PER_BLOCK;
            // Distinct keys requested after prev: later marks in prev's word and block, plus all
            // marks in later blocks (the newest one's still pending).
            let mut after = i64::from((words[w] >> off >> 1).count_ones());
            for &word in &words[w + 1..block_end] {
                after += i64::from(word.count_ones());
            }
            if b != current_block {
                after += marked - blocks.prefix(b + 1);
            }
            histogram[after as usize] += 1;
            words[w] &= !(1u64 << off);
            if b == current_block {
                pending -= 1;
            } else {
                blocks.add(b, -1);
            }
        } else {
            marked += 1;
        }
        words[t >> 6] |= 1u64 << (t & 63);
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
