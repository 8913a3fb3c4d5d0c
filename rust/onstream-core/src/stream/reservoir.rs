//! Uniform reservoir sampling by skips: Algorithm L.
//!
//! Kim-Hung Li, "Reservoir-sampling algorithms of time complexity O(n(1 + log(N/n)))",
//! ACM Transactions on Mathematical Software 20(4), 1994, section 4 ("Algorithm L").
//!
//! Guarantee: after `N` items, the reservoir is a uniform random sample without replacement of
//! `min(k, N)` of them; each item is kept with probability `min(1, k/N)`. Instead of one random
//! number per item (Algorithm R), L draws the gap to the next accepted item from its geometric law
//! given `W`, the largest of `k` uniform keys, so a stream of `N` items costs `O(k (1 + log(N/k)))`
//! random numbers.
//!
//! State after item `n` (1-based): `w` is `W`, `next` the index of the next item to accept.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::{self, Rng};
use crate::snapshot::Snapshot;

/// A fixed-size uniform sample of a stream of `i64` items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reservoir {
    k: usize,
    items: Vec<i64>,
    seen: u64,
    w: f64,
    next: u64,
    rng: Rng,
}

impl Reservoir {
    /// An empty reservoir holding at most `k` items; `seed = None` draws one from the OS.
    pub fn new(k: usize, seed: Option<u64>) -> Result<Self> {
        if k == 0 {
            return Err(Error::invalid("k", k, "a positive sample size"));
        }
        Ok(Reservoir {
            k,
            items: Vec::with_capacity(k.min(1 << 20)),
            seen: 0,
            w: 1.0,
            next: k as u64,
            rng: rng::from_seed(seed),
        })
    }

    /// Sample size `k`.
    pub fn capacity(&self) -> usize {
        self.k
    }

    /// Number of items seen so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// The current sample, in slot order (not stream order).
    pub fn sample(&self) -> &[i64] {
        &self.items
    }

    /// `W ← W · exp(ln(U)/k)`: the new largest of k uniform keys below the old one (Li, eq. 4.1).
    fn shrink_w(&mut self) {
        self.w *= (rng::open01(&mut self.rng).ln() / self.k as f64).exp();
    }

    /// The gap to the next accepted item: `⌊ln U / ln(1 − W)⌋ + 1` (Li, section 4).
    fn schedule_next(&mut self) {
        let gap = (rng::open01(&mut self.rng).ln() / (-self.w).ln_1p()).floor();
        // A gap beyond u64 means no further item will be accepted in any stream that can exist.
        self.next = if gap.is_finite() && gap < (u64::MAX - self.next) as f64 {
            self.next + gap as u64 + 1
        } else {
            u64::MAX
        };
    }

    /// Offers one item to the sample.
    pub fn push(&mut self, item: i64) {
        self.seen += 1;
        if self.items.len() < self.k {
            self.items.push(item);
            if self.items.len() == self.k {
                self.shrink_w();
                self.schedule_next();
            }
        } else if self.seen == self.next {
            let slot = rng::below(&mut self.rng, self.k as u64) as usize;
            self.items[slot] = item;
            self.shrink_w();
            self.schedule_next();
        }
    }

    /// Offers every item of `items` in order. Skipped items cost no random numbers and no reads:
    /// the loop jumps from one accepted position to the next.
    pub fn push_many(&mut self, items: &[i64]) {
        let mut rest = items;
        while self.items.len() < self.k {
            match rest.split_first() {
                Some((&first, tail)) => {
                    self.push(first);
                    rest = tail;
                }
                None => return,
            }
        }
        let start = self.seen;
        let end = start + rest.len() as u64;
        while self.next <= end {
            let at = (self.next - start - 1) as usize;
            self.seen = self.next - 1;
            self.push(rest[at]);
        }
        self.seen = end;
    }
}

impl Snapshot for Reservoir {
    const KIND: &'static str = "stream.Reservoir";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let full = self.items.len() == self.k;
        let consistent = self.k > 0
            && self.items.len() <= self.k
            && (full || self.seen == self.items.len() as u64)
            && (!full || self.next > self.seen)
            && self.w > 0.0
            && self.w <= 1.0;
        if consistent {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "stream.Reservoir state is inconsistent".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{from_bytes, to_bytes};
    use proptest::prelude::*;

    #[test]
    fn inclusion_probability_is_k_over_n() {
        // Chi-square over stream positions: each of N items is kept with probability k/N, so over
        // R runs each position's count is Binomial(R, k/N). 199 dof; 99.9% quantile is ~ 267.
        let (k, n, runs) = (10usize, 200i64, 20_000u64);
        let items: Vec<i64> = (0..n).collect();
        let mut counts = vec![0u64; n as usize];
        for seed in 0..runs {
            let mut r = Reservoir::new(k, Some(seed)).unwrap();
            r.push_many(&items);
            for &x in r.sample() {
                counts[x as usize] += 1;
            }
        }
        let p = k as f64 / n as f64;
        let expected = runs as f64 * p;
        let var = runs as f64 * p * (1.0 - p);
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / var)
            .sum();
        assert!(chi2 < 267.0, "chi2 = {chi2}");
    }

    proptest! {
        #[test]
        fn push_many_equals_repeated_push_and_keeps_distinct_stream_items(
            k in 1usize..20,
            n in 0i64..400,
            cut in 0i64..400,
            seed in any::<u64>(),
        ) {
            let items: Vec<i64> = (0..n).map(|i| i * 3 + 1).collect();
            let cut = (cut.min(n)) as usize;
            let mut a = Reservoir::new(k, Some(seed)).unwrap();
            a.push_many(&items[..cut]);
            a.push_many(&items[cut..]);
            let mut b = Reservoir::new(k, Some(seed)).unwrap();
            for &x in &items {
                b.push(x);
            }
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(a.sample().len(), k.min(n as usize));
            let mut s = a.sample().to_vec();
            s.sort_unstable();
            s.dedup();
            prop_assert_eq!(s.len(), k.min(n as usize));
            prop_assert!(s.iter().all(|x| (x - 1) % 3 == 0 && *x <= 3 * n));
        }

        #[test]
        fn restored_snapshot_continues_bit_for_bit(k in 1usize..10, seed in any::<u64>()) {
            let items: Vec<i64> = (0..500).collect();
            let mut a = Reservoir::new(k, Some(seed)).unwrap();
            a.push_many(&items[..250]);
            let mut b: Reservoir = from_bytes(&to_bytes(&a).unwrap()).unwrap();
            a.push_many(&items[250..]);
            b.push_many(&items[250..]);
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn zero_capacity_is_refused() {
        assert!(matches!(
            Reservoir::new(0, Some(1)),
            Err(Error::InvalidParameter { name: "k", .. })
        ));
    }
}
