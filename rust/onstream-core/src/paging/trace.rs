//! Trace preparation shared by every simulation: ids renumbered to `0..m` (so policies index
//! arrays instead of hashing) and next-use times for offline policies.

use super::keymap::{HashKeyMap, KeyMap};
use super::policy::NEVER;
use super::slab::NIL;
use crate::error::{Error, Result};
use crate::prefetch;

/// How many requests ahead the passes over a trace prefetch their table entry.
const PREFETCH_AHEAD: usize = 16;

/// A trace with dense ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseTrace {
    /// `ids[t]` in `0..universe`, numbered by first appearance.
    pub ids: Vec<u32>,
    /// Number of distinct ids.
    pub universe: usize,
}

/// Renumbers ids by first appearance.
///
/// When the largest id is at most a few times the trace length (block numbers, synthetic traces),
/// a direct lookup table does it in one pass of array reads; otherwise a hash map sized up front.
pub fn densify(ids: &[u64]) -> Result<DenseTrace> {
    if ids.is_empty() {
        return Err(Error::Empty { name: "trace" });
    }
    if ids.len() >= u32::MAX as usize {
        return Err(Error::invalid(
            "trace",
            format!("{} requests", ids.len()),
            format!("fewer than {}", u32::MAX),
        ));
    }
    let max = ids.iter().copied().max().unwrap_or(0);
    let table_limit = (4 * ids.len()).max(1 << 20) as u64;
    if max < table_limit {
        return Ok(densify_by_table(ids, max as usize + 1));
    }
    let mut map = HashKeyMap::with_capacity((ids.len() / 4).clamp(1024, 1 << 24));
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        let mut d = map.get(id);
        if d == NIL {
            d = map.len() as u32;
            map.insert(id, d);
        }
        out.push(d);
    }
    Ok(DenseTrace {
        universe: map.len(),
        ids: out,
    })
}

fn densify_by_table(ids: &[u64], span: usize) -> DenseTrace {
    let mut table = vec![NIL; span];
    let mut next = 0u32;
    let out = ids
        .iter()
        .enumerate()
        .map(|(t, &id)| {
            if let Some(&ahead) = ids.get(t + PREFETCH_AHEAD) {
                prefetch::read(&table, ahead as usize);
            }
            let slot = &mut table[id as usize];
            if *slot == NIL {
                *slot = next;
                next += 1;
            }
            *slot
        })
        .collect();
    DenseTrace {
        ids: out,
        universe: next as usize,
    }
}

/// `next[t]`: the time of the next request for `ids[t]`, or [`NEVER`].
pub fn next_use(trace: &DenseTrace) -> Vec<u64> {
    let mut last = vec![NEVER; trace.universe];
    let mut next = vec![NEVER; trace.ids.len()];
    let ids = &trace.ids;
    for (t, &id) in ids.iter().enumerate().rev() {
        if let Some(&ahead) = t.checked_sub(PREFETCH_AHEAD).and_then(|a| ids.get(a)) {
            prefetch::read(&last, ahead as usize);
        }
        next[t] = last[id as usize];
        last[id as usize] = t as u64;
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densify_and_next_use() {
        let t = densify(&[10, 20, 10, 30, 20, 10]).unwrap();
        assert_eq!(t.ids, vec![0, 1, 0, 2, 1, 0]);
        assert_eq!(t.universe, 3);
        assert_eq!(next_use(&t), vec![2, 4, 5, NEVER, NEVER, NEVER]);
        assert_eq!(densify(&[]), Err(Error::Empty { name: "trace" }));
        // Large ids take the hash path and must number the same way.
        let big = densify(&[u64::MAX, 7, u64::MAX, 1 << 40]).unwrap();
        assert_eq!(big.ids, vec![0, 1, 0, 2]);
        assert_eq!(big.universe, 3);
    }
}
