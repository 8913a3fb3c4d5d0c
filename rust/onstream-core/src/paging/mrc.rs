//! LRU miss-ratio curve for every cache size in one pass (Mattson, Gecsei, Slutz, Traiger, "Evaluation
//! techniques for storage hierarchies", IBM Systems Journal 1970).
//!
//! LRU is a stack algorithm: a request hits in a cache of size k exactly when its stack distance
//! (the number of distinct keys requested since its previous request, plus one) is at most k. The
//! distance is counted with a Fenwick tree over request times in which only each key's latest
//! request is marked: O(log n) per request, O(n) memory.

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

/// `hits[k-1]`: the number of hits of an LRU cache of size `k`, for `k` in `1..=universe`.
pub fn lru_hits_all_sizes(trace: &DenseTrace) -> Vec<u64> {
    let n = trace.ids.len();
    let mut last = vec![u32::MAX; trace.universe];
    let mut tree = Fenwick::new(n);
    // histogram[d-1]: requests at stack distance d.
    let mut histogram = vec![0u64; trace.universe];
    let mut marked = 0i64;
    for (t, &id) in trace.ids.iter().enumerate() {
        let prev = last[id as usize];
        if prev != u32::MAX {
            // Distinct keys requested after prev: marked positions in (prev, t).
            let after = marked - tree.prefix(prev as usize + 1);
            histogram[after as usize] += 1;
            tree.add(prev as usize, -1);
        } else {
            marked += 1;
        }
        tree.add(t, 1);
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
