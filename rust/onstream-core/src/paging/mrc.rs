//! LRU miss-ratio curve for every cache size in one pass (Mattson, Gecsei, Slutz, Traiger, "Evaluation
//! techniques for storage hierarchies", IBM Systems Journal 1970).
//!
//! LRU is a stack algorithm: a request hits in a cache of size k exactly when its stack distance
//! (the number of distinct keys requested since its previous request, plus one) is at most k. The
//! distance is counted over request times in which only each key's latest request is marked
//! ([`LaterMarks`]: a bitset, per-word counts and a tree of block counts, O(log(n/4096)) per
//! request), with the random reads of each request (its key's last time, that time's word)
//! prefetched and the histogram's increments gathered (`Tally`).

use super::later_marks::LaterMarks;
use super::trace::{keyed_ids, Id, KeyedIds};
use crate::error::Result;
use crate::{bigbuf, prefetch};

/// How far ahead the loop prefetches: `last[id]` this many requests ahead, and the bitset word
/// of that request's previous time half as far ahead (once `last` has arrived).
const AHEAD: usize = 16;

/// Traces shorter than this run in one pass; longer ones in two parts at once.
const SPLIT_AT: usize = 1 << 16;

/// `hits[k-1]`: the number of hits of an LRU cache of size `k`, for `k` from 1 to the number of
/// distinct ids in `ids`, which lie below `bound`.
///
/// A long trace is cut in two parts counted at the same time (call inside `pool::run`): the
/// first as usual, the second from an empty stack, where a key's first request in the second part
/// takes the distinct keys after its last first-part request (counted from the first part's
/// last-request times) plus the keys first seen in the second part since whose last first-part
/// request is older. Every distance is exact, so the result does not depend on the number of
/// threads or on where the cut falls. The second part costs more per request (a backward pass
/// over the first part, and a count of earlier marks at each first request), so the cut is at
/// `HEAD_SHARE`.
pub fn lru_hits_all_sizes<T: Id>(ids: &[T], bound: usize) -> Vec<u64> {
    hits_split_from(ids, bound, SPLIT_AT)
}

/// [`lru_hits_all_sizes`] of any trace, its ids kept or renumbered ([`KeyedIds`]).
pub fn lru_hits_all_sizes_of(ids: &[u64]) -> Result<Vec<u64>> {
    Ok(match keyed_ids(ids)? {
        KeyedIds::Kept { ids, bound } => lru_hits_all_sizes(ids, bound),
        KeyedIds::Renumbered(trace) => lru_hits_all_sizes(&trace.ids, trace.universe),
    })
}

/// Where a long trace is cut: the two parts took about the same time there on a 10 M-request
/// Zipf trace with its ids kept (first part 16.5 ns a request, second 21 ns, and 1.7 ns a
/// first-part request for its backward pass). Faster line sums took from both parts alike: cuts
/// at 4/7 and 5/8 then timed the same as this one, within noise.
const HEAD_SHARE: (usize, usize) = (3, 5);

fn hits_split_from<T: Id>(ids: &[T], m: usize, split_at: usize) -> Vec<u64> {
    // The second part keeps codes above its times in u32 (see `second_part`).
    let (first, second) = if ids.len() < split_at.max(2) || ids.len() >= 1 << 31 {
        let whole = stack_distances(ids, unseen(m), |_| None);
        (whole, Distances::default())
    } else {
        let (head, tail) = ids.split_at(ids.len() / HEAD_SHARE.1 * HEAD_SHARE.0);
        rayon::join(
            || stack_distances(head, unseen(m), |_| None),
            || second_part(head, tail, m),
        )
    };
    let distinct = first.cold + second.cold;
    let mut hits = Vec::with_capacity(distinct);
    let mut acc = 0u64;
    for d in 0..distinct {
        acc += u64::from(first.count(d)) + u64::from(second.count(d));
        hits.push(acc);
    }
    hits
}

/// Requests by stack distance: `counts[d]` at distance `d + 1`, and `cold` requests of keys
/// not requested before.
#[derive(Default)]
struct Distances {
    counts: Vec<u32>,
    cold: usize,
}

impl Distances {
    fn count(&self, d: usize) -> u32 {
        self.counts.get(d).copied().unwrap_or(0)
    }
}

/// Last-request times of `universe` keys none of which was requested.
fn unseen(universe: usize) -> Vec<u32> {
    bigbuf::filled(universe, u32::MAX)
}

/// The second part's histogram: distances within it from its own stack; a key's first request
/// in it from the keys' last times in `head`.
fn second_part<T: Id>(head: &[T], tail: &[T], universe: usize) -> Distances {
    // A key's place among the keys of `head` by its last request there, counted from the end
    // (1: requested last), found walking `head` backwards. It is stored in the tail's initial
    // last-request array as `u32::MAX - q`, above every tail time, so that the loop's one read of
    // a key's last time also tells it the key's place.
    let mut last = bigbuf::filled(universe, u32::MAX);
    let mut total = 0u32;
    for &id in head.iter().rev() {
        let code = &mut last[id.index()];
        if *code == u32::MAX {
            total += 1;
            *code = u32::MAX - total;
        }
    }
    // Keys seen so far in the tail: those of `head` marked at their rank by last time there
    // (`total - q`, oldest first), the others counted.
    let mut seen = LaterMarks::new(total as usize);
    let mut seen_new = 0;
    stack_distances(tail, last, |code| {
        let q = u32::MAX - code;
        if q == 0 {
            seen_new += 1;
            return None;
        }
        // Keys whose last head time is later (q - 1 of them), and tail keys so far whose last
        // head time is earlier (or absent).
        Some(q - 1 + seen_new + seen.set_counting_earlier((total - q) as usize))
    })
}

/// Requests of `ids` by stack distance, from an empty stack and
/// `last`, each key's last-request time. A time at or past the end of `ids` marks a key not yet
/// requested in them: its first request asks `first(code)` for its distance (`None`: a cold
/// miss). The distinct keys since a key's last request are the marks after its time in
/// [`LaterMarks`], where each key has one, at its latest time.
fn stack_distances<T: Id>(
    ids: &[T],
    mut last: Vec<u32>,
    mut first: impl FnMut(u32) -> Option<u32>,
) -> Distances {
    let universe = last.len();
    let n = ids.len() as u32;
    let mut marks = LaterMarks::new(ids.len());
    let mut histogram = bigbuf::filled(universe, 0u32);
    let mut tally = Tally::default();
    let mut cold = 0;
    for (t, &id) in ids.iter().enumerate() {
        if let Some(&ahead) = ids.get(t + AHEAD) {
            prefetch::read(&last, ahead.index());
        }
        if let Some(&ahead) = ids.get(t + AHEAD / 2) {
            if let Some(&p) = last.get(ahead.index()) {
                marks.prefetch(p as usize);
            }
        }
        let prev = last[id.index()];
        if prev < n {
            tally.push(marks.clear_counting_later(prev as usize), &mut histogram);
        } else if let Some(after) = first(prev) {
            tally.push(after, &mut histogram);
        } else {
            cold += 1;
        }
        marks.set_newest(t);
        last[id.index()] = t as u32;
    }
    tally.flush(&mut histogram);
    Distances {
        counts: histogram,
        cold,
    }
}

/// Distances held back to be counted together. The histogram is as large as the universe and
/// read at random: an increment's cache miss in the main loop stalls it (perf put 55% of the
/// loop there), while a loop of increments alone prefetches the ones ahead and overlaps their
/// misses. 10 M-request Zipf: 225 -> 160-195 ms.
struct Tally {
    held: [u32; TALLY],
    len: usize,
}

/// Distances held; the increments prefetch `TALLY_AHEAD` ahead.
const TALLY: usize = 256;
const TALLY_AHEAD: usize = 24;

impl Default for Tally {
    fn default() -> Self {
        Tally {
            held: [0; TALLY],
            len: 0,
        }
    }
}

impl Tally {
    #[inline]
    fn push(&mut self, distance: u32, histogram: &mut [u32]) {
        self.held[self.len] = distance;
        self.len += 1;
        if self.len == TALLY {
            self.flush(histogram);
        }
    }

    fn flush(&mut self, histogram: &mut [u32]) {
        let held = &self.held[..self.len];
        for (i, &d) in held.iter().enumerate() {
            if let Some(&ahead) = held.get(i + TALLY_AHEAD) {
                prefetch::read(histogram, ahead as usize);
            }
            histogram[d as usize] += 1;
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::simulate::simulate;
    use super::super::trace::densify;
    use super::super::PolicyName;
    use super::*;

    /// LRU hits at every size by Mattson's stack kept as a list, most recent first: a request's
    /// distance is its key's place in the list.
    fn by_list(trace: &[u64]) -> Vec<u64> {
        let mut stack: Vec<u64> = Vec::new();
        let mut at_distance = Vec::new();
        for &id in trace {
            if let Some(place) = stack.iter().position(|&k| k == id) {
                stack.remove(place);
                at_distance.resize(at_distance.len().max(place + 1), 0);
                at_distance[place] += 1;
            }
            stack.insert(0, id);
        }
        at_distance.resize(stack.len(), 0);
        at_distance
            .iter()
            .scan(0, |acc, &c| {
                *acc += c;
                Some(*acc)
            })
            .collect()
    }

    #[test]
    fn equals_an_lru_simulation_on_a_long_trace() {
        // Long enough for several blocks of the marks' tree, and prefetches that run past the end.
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
        // Ids renumbered, kept as u32 and kept as they are, in one pass and in two parts.
        let spread: Vec<u64> = trace.iter().map(|&id| id * 3 + 1).collect();
        let bound = *spread.iter().max().unwrap() as usize + 1;
        let narrowed: Vec<u32> = spread.iter().map(|&id| id as u32).collect();
        for split_at in [usize::MAX, 2] {
            for hits in [
                hits_split_from(&dense.ids, dense.universe, split_at),
                hits_split_from(&narrowed, bound, split_at),
                hits_split_from(&spread, bound, split_at),
            ] {
                assert_eq!(hits.len(), sizes[6], "split {split_at}");
                for (k, cell) in sizes.iter().zip(&sim) {
                    assert_eq!(hits[k - 1], cell.hits, "size {k} split {split_at}");
                }
            }
        }
        assert_eq!(lru_hits_all_sizes_of(&spread).unwrap()[499], sim[4].hits);
    }

    proptest! {
        #[test]
        fn equals_mattsons_stack_at_every_size(
            trace in prop::collection::vec(0u64..30, 1..300),
            spread in 1u64..5,
        ) {
            let want = by_list(&trace);
            // Kept ids up to 150 for 30 keys: the arrays are larger than the keys' count.
            let spread_ids: Vec<u64> = trace.iter().map(|&id| id * spread).collect();
            let bound = *spread_ids.iter().max().unwrap_or(&0) as usize + 1;
            let dense = densify(&trace).unwrap();
            // One pass, and two parts counted apart (every trace of two or more requests).
            for split_at in [usize::MAX, 2] {
                let renumbered = hits_split_from(&dense.ids, dense.universe, split_at);
                prop_assert_eq!(&renumbered, &want, "split {}", split_at);
                let kept = hits_split_from(&spread_ids, bound, split_at);
                prop_assert_eq!(&kept, &want, "kept, split {}", split_at);
            }
            prop_assert_eq!(&lru_hits_all_sizes_of(&spread_ids).unwrap(), &want);
        }
    }
}
