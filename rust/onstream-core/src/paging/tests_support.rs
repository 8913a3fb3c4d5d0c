//! Shared test fixtures for the paging tests.

/// A trace with locality: a working set that drifts over a universe of `universe` keys.
pub fn locality_trace(n: usize, universe: u64, seed: u64) -> Vec<u64> {
    let mut rng = crate::rng::from_seed(Some(seed));
    let mut base = 0u64;
    (0..n)
        .map(|_| {
            if crate::rng::below(&mut rng, 50) == 0 {
                base = crate::rng::below(&mut rng, universe);
            }
            (base + crate::rng::below(&mut rng, 12)) % universe
        })
        .collect()
}

/// One past the largest key of `trace` (0 for none): the bound arrays over its keys need.
pub fn bound(trace: &[u64]) -> usize {
    trace.iter().max().map_or(0, |&m| m as usize + 1)
}
