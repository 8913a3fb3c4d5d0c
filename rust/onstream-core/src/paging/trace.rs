//! Trace preparation shared by every simulation: ids renumbered to `0..m` (so policies index
//! arrays instead of hashing) and next-use times for offline policies.

use super::idtable::{fits_narrow, IdTable, Key, Lookahead};
use super::policy::NEVER;
use super::slab::NIL;
use crate::error::{Error, Result};
use crate::{bigbuf, prefetch};

/// How many requests ahead the passes over a trace prefetch their table entry.
const PREFETCH_AHEAD: usize = 16;

/// A trace with dense ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenseTrace {
    /// `ids[t]` in `0..universe`; [`densify`] numbers them by first appearance.
    pub ids: Vec<u32>,
    /// A bound of the ids: from [`densify`], the number of distinct ids.
    pub universe: usize,
}

/// The largest span of ids kept as they are ([`Densifier::keeps_ids`]): every simulated policy
/// holds an array over it, so up to 16 MiB each.
pub const KEPT_SPAN_MAX: usize = 1 << 22;

/// Renumbers ids by first appearance.
pub fn densify(ids: &[u64]) -> Result<DenseTrace> {
    Ok(Densifier::for_trace(ids)?.whole(ids))
}

/// A trace's ids for uses that depend only on which requests share a key: the ids as they are
/// when [`Densifier::keeps_ids`], not even narrowed (a copy of a 10 M-request trace was 8% of its
/// miss-ratio curve), else renumbered by first appearance.
pub enum KeyedIds<'a> {
    /// The ids as they are, all below `bound`.
    Kept { ids: &'a [u64], bound: usize },
    /// Renumbered by first appearance.
    Renumbered(DenseTrace),
}

/// `ids` as [`KeyedIds`] (checked as [`Densifier::for_trace`] checks them).
pub fn keyed_ids(ids: &[u64]) -> Result<KeyedIds<'_>> {
    let densifier = Densifier::for_trace(ids)?;
    Ok(if densifier.keeps_ids() {
        let bound = densifier.bound();
        KeyedIds::Kept { ids, bound }
    } else {
        KeyedIds::Renumbered(densifier.whole(ids))
    })
}

/// Renumbering by first appearance, one piece of a trace after another, so that a simulation can
/// step through one piece while the next is renumbered.
///
/// When the largest id is at most a few times the trace length (block numbers, synthetic traces),
/// a direct lookup table does it with array reads; otherwise an [`IdTable`].
pub struct Densifier {
    table: Table,
    next: u32,
    len: usize,
}

enum Table {
    /// A table over `0..span` (above every id: [`span_below`]), allocated when the first piece
    /// is renumbered (a simulation that keeps the ids as they are never allocates it).
    Direct { span: usize, table: Vec<u32> },
    /// A hash table for the trace ([`IdTable::for_requests`]), allocated when the first piece is
    /// renumbered, with narrow keys when every id fits 32 bits.
    Hash { narrow: bool, table: Option<Hashes> },
}

/// An [`IdTable`] of either key width.
enum Hashes {
    Narrow(IdTable<u32>),
    Wide(IdTable<u64>),
}

impl Densifier {
    /// A renumbering for the whole of `ids`, which is checked (not empty, fewer than 2^32 − 1
    /// requests) and read for a span above its ids, or only up to its first ids too large for a
    /// direct table ([`span_below`]).
    pub fn for_trace(ids: &[u64]) -> Result<Self> {
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
        let table_limit = (4 * ids.len()).max(1 << 20) as u64;
        let table = match span_below(ids, table_limit) {
            Some(span) => Table::Direct {
                span,
                table: Vec::new(),
            },
            None => Table::Hash {
                narrow: fits_narrow(ids),
                table: None,
            },
        };
        Ok(Densifier {
            table,
            next: 0,
            len: ids.len(),
        })
    }

    /// A bound known before renumbering: every dense id will be below it (the direct table's
    /// span, or the trace's length).
    pub fn bound(&self) -> usize {
        match &self.table {
            Table::Direct { span, .. } => *span,
            Table::Hash { .. } => self.len,
        }
    }

    /// Whether the ids can stand for their own dense ids: they all lie below [`Self::bound`],
    /// itself at most a few times the trace's length, so arrays indexed by them stay as small as
    /// the renumbering's own table, and a simulation whose results do not depend on how keys are
    /// numbered can skip the renumbering (a random read a request) and only [`narrow`] them.
    pub fn keeps_ids(&self) -> bool {
        matches!(self.table, Table::Direct { span, .. } if span <= KEPT_SPAN_MAX)
    }

    /// Distinct ids seen so far.
    pub fn universe(&self) -> usize {
        self.next as usize
    }

    /// Renumbers all of `ids` (the trace it was made for) at once.
    pub fn whole(mut self, ids: &[u64]) -> DenseTrace {
        let mut out = bigbuf::with_capacity(ids.len());
        self.extend(ids, &mut out);
        DenseTrace {
            ids: out,
            universe: self.universe(),
        }
    }

    /// All of `ids` (the trace it was made for) with ids small enough to index arrays by: as they
    /// are, narrowed to `u32`, when [`Self::keeps_ids`] (`universe` is then their bound, not
    /// their count), else renumbered by first appearance.
    pub fn small(self, ids: &[u64]) -> DenseTrace {
        if !self.keeps_ids() {
            return self.whole(ids);
        }
        let mut narrowed = bigbuf::with_capacity(ids.len());
        narrow(ids, &mut narrowed);
        DenseTrace {
            ids: narrowed,
            universe: self.bound(),
        }
    }

    /// Appends the dense ids of the next piece of the trace to `out`.
    pub fn extend(&mut self, ids: &[u64], out: &mut Vec<u32>) {
        out.reserve(ids.len());
        let (next, len) = (&mut self.next, self.len);
        match &mut self.table {
            Table::Direct { span, table } => {
                if table.is_empty() {
                    *table = bigbuf::filled(*span, NIL);
                }
                out.extend(ids.iter().enumerate().map(|(t, &id)| {
                    if let Some(&ahead) = ids.get(t + PREFETCH_AHEAD) {
                        prefetch::read(table, ahead as usize);
                    }
                    let slot = &mut table[id as usize];
                    if *slot == NIL {
                        *slot = *next;
                        *next += 1;
                    }
                    *slot
                }))
            }
            Table::Hash { narrow, table } => match table.get_or_insert_with(|| match narrow {
                true => Hashes::Narrow(IdTable::for_requests(len)),
                false => Hashes::Wide(IdTable::for_requests(len)),
            }) {
                Hashes::Narrow(table) => renumber(table, ids, next, out),
                Hashes::Wide(table) => renumber(table, ids, next, out),
            },
        }
    }

    /// Whether every id of the trace fits 32 bits (a routine that keeps its own hash table can
    /// then make its keys narrow).
    pub fn narrow_keys(&self) -> bool {
        match self.table {
            Table::Direct { span, .. } => span as u64 <= 1 << 32,
            Table::Hash { narrow, .. } => narrow,
        }
    }
}

/// Appends the dense ids of `ids` through `table`, numbering new ones from `next` on.
fn renumber<K: Key>(table: &mut IdTable<K>, ids: &[u64], next: &mut u32, out: &mut Vec<u32>) {
    let mut pass = Lookahead::new(ids);
    out.extend((0..ids.len()).map(|t| {
        let (slot, fresh) = pass.slot_of(table, t, *next);
        *next += u32::from(fresh);
        table.value(slot)
    }))
}

/// The largest id (0 for none). Eight running maxima instead of one: `Iterator::max` compiles to
/// one chain of compare-and-select, a dependency per id, and took 1 ns an id (0.12 ms of a
/// 134 K-request simulation of 0.6 ms; 11 ms of a 10 M one), eight chains 0.2-0.25 ns.
pub fn largest(ids: &[u64]) -> u64 {
    let mut lanes = [0u64; 8];
    let mut chunks = ids.chunks_exact(8);
    for c in &mut chunks {
        for (lane, &id) in lanes.iter_mut().zip(c) {
            *lane = (*lane).max(id);
        }
    }
    let rest = chunks.remainder().iter().copied();
    lanes.into_iter().chain(rest).max().unwrap_or(0)
}

/// The bitwise OR of `ids`: at least their largest id and below twice it, in less time (one
/// vector OR for two ids; the maximum takes a compare and a select an id, there being no vector
/// maximum of `u64` below AVX-512): over the 134 K ids of the sprite trace, 16 us against 27.
fn ored(ids: &[u64]) -> u64 {
    ids.iter().fold(0, |acc, &id| acc | id)
}

/// Whether every id of `ids` lies below `2^bits`, found as soon as one does not: exactly when
/// their bitwise OR does.
pub fn fits_bits(ids: &[u64], bits: u32) -> bool {
    let limit = 1u64.checked_shl(bits).unwrap_or(0).wrapping_sub(1);
    let mut or = 0;
    ids.chunks(1 << 10).all(|block| {
        or |= ored(block);
        or <= limit
    })
}

/// A span above every id of `ids` when they all lie below `limit`, else none: their bitwise OR
/// plus one when that is no longer than the trace, so arrays over the span still cost less to
/// fill than the trace to read (the sprite trace: 8,192 for ids up to 7,074); otherwise, or when
/// the OR reaches `limit`, the largest id plus one. As [`largest_below`], a trace of sparse ids
/// is known as such from its first ids.
pub fn span_below(ids: &[u64], limit: u64) -> Option<usize> {
    let mut or = 0;
    for block in ids.chunks(1 << 10) {
        or |= ored(block);
        if or >= limit {
            return largest_below(ids, limit).map(|max| max as usize + 1);
        }
    }
    let span = or as usize + 1;
    if span <= ids.len() {
        Some(span)
    } else {
        largest_below(ids, limit).map(|max| max as usize + 1)
    }
}

/// The largest id when it is below `limit`, else none, found as soon as an id reaches it: a
/// trace of sparse ids (block numbers, hashes) is known as such from its first ids, without
/// reading the rest before the simulation does.
pub fn largest_below(ids: &[u64], limit: u64) -> Option<u64> {
    let mut max = 0;
    for block in ids.chunks(1 << 10) {
        max = max.max(largest(block));
        if max >= limit {
            return None;
        }
    }
    Some(max)
}

/// Appends `ids` as `u32`, for ids already below `u32::MAX` ([`Densifier::keeps_ids`]).
pub fn narrow(ids: &[u64], out: &mut Vec<u32>) {
    debug_assert!(ids.iter().all(|&id| id < u64::from(NIL)));
    out.extend(ids.iter().map(|&id| id as u32));
}

/// A request's id as the simulations index arrays by: a kept raw id (`u64`, below the trace's
/// bound) or a renumbered one (`u32`).
pub trait Id: Copy + Send + Sync {
    fn index(self) -> usize;
}

impl Id for u32 {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

impl Id for u64 {
    #[inline]
    fn index(self) -> usize {
        self as usize
    }
}

/// What [`next_use`] stores for a request whose key is not requested again.
pub const NOT_AGAIN: u32 = u32::MAX;

/// A time from [`next_use`] as a [`Request`](super::Request) carries it ([`NEVER`] for
/// [`NOT_AGAIN`]).
#[inline]
pub fn widen(next: u32) -> u64 {
    if next == NOT_AGAIN {
        NEVER
    } else {
        u64::from(next)
    }
}

/// `next[t]`: the time of the next request for `ids[t]` (all below `universe`), or
/// [`NOT_AGAIN`]. Times fit `u32` because traces are shorter than `u32::MAX` (checked by
/// [`Densifier::for_trace`]), which halves the largest array a simulation writes: on this VM,
/// first writes into fresh pages cost more than the pass itself.
pub fn next_use<T: Id>(ids: &[T], universe: usize) -> Vec<u32> {
    debug_assert!(ids.len() < NOT_AGAIN as usize);
    let mut last = bigbuf::filled(universe, NOT_AGAIN);
    let mut next = bigbuf::filled(ids.len(), NOT_AGAIN);
    for (t, &id) in ids.iter().enumerate().rev() {
        if let Some(&ahead) = t.checked_sub(PREFETCH_AHEAD).and_then(|a| ids.get(a)) {
            prefetch::read(&last, ahead.index());
        }
        let slot = &mut last[id.index()];
        next[t] = *slot;
        *slot = t as u32;
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
        assert_eq!(
            next_use(&t.ids, t.universe),
            vec![2, 4, 5, NOT_AGAIN, NOT_AGAIN, NOT_AGAIN]
        );
        assert_eq!(widen(NOT_AGAIN), NEVER);
        assert_eq!(widen(5), 5);
        assert_eq!(densify(&[]), Err(Error::Empty { name: "trace" }));
        // Large ids take the hash path and must number the same way.
        let big = densify(&[u64::MAX, 7, u64::MAX, 1 << 40]).unwrap();
        assert_eq!(big.ids, vec![0, 1, 0, 2]);
        assert_eq!(big.universe, 3);
    }

    #[test]
    fn largest_is_the_maximum() {
        assert_eq!(largest(&[]), 0);
        for n in [1usize, 7, 8, 9, 64, 67] {
            for at in [0, n / 2, n - 1] {
                let mut ids: Vec<u64> = (0..n as u64).map(|i| i * 7 % 5).collect();
                ids[at] = u64::MAX - 1;
                assert_eq!(largest(&ids), *ids.iter().max().unwrap(), "n {n} at {at}");
            }
        }
    }

    #[test]
    fn fits_bits_as_the_largest_id_does() {
        assert!(fits_bits(&[], 0) && fits_bits(&[0], 0) && !fits_bits(&[1], 0));
        assert!(fits_bits(&[u64::MAX], 64) && !fits_bits(&[u64::MAX], 63));
        for n in [1usize, 1023, 1024, 1025, 5000] {
            for at in [0, n / 2, n - 1] {
                let mut ids: Vec<u64> = (0..n as u64).map(|i| i % 97).collect();
                ids[at] = (1 << 32) - 1;
                assert!(fits_bits(&ids, 32), "n {n} at {at}");
                ids[at] = 1 << 32;
                assert!(!fits_bits(&ids, 32) && fits_bits(&ids, 33), "n {n} at {at}");
            }
        }
    }

    #[test]
    fn span_below_bounds_every_id_and_turns_down_what_reaches_the_limit() {
        assert_eq!(span_below(&[], 10), Some(1));
        for n in [1usize, 1023, 1024, 1025, 5000] {
            let ids: Vec<u64> = (0..n as u64).map(|i| i * 13 % 97).collect();
            let max = *ids.iter().max().unwrap() as usize;
            // The OR (127 for n >= 97) plus one when no longer than the trace, else the largest
            // id plus one; that too when the OR reaches the limit.
            let want = if n >= 128 { 128 } else { max + 1 };
            assert_eq!(span_below(&ids, 1000), Some(want), "n {n}");
            assert_eq!(span_below(&ids, 97), Some(max + 1), "n {n}");
            for at in [0, n / 2, n - 1] {
                let mut over = ids.clone();
                over[at] = 97;
                assert_eq!(span_below(&over, 97), None, "n {n} at {at}");
                // The OR reaches the limit, the largest id does not.
                assert_eq!(span_below(&over, 100), Some(98), "n {n} at {at}");
            }
        }
    }

    #[test]
    fn largest_below_stops_at_the_limit_wherever_it_is_reached() {
        assert_eq!(largest_below(&[], 10), Some(0));
        for n in [1usize, 1023, 1024, 1025, 5000] {
            let ids: Vec<u64> = (0..n as u64).map(|i| i % 97).collect();
            assert_eq!(largest_below(&ids, 97), Some(*ids.iter().max().unwrap()));
            for at in [0, n / 2, n - 1] {
                let mut over = ids.clone();
                over[at] = 97;
                assert_eq!(largest_below(&over, 97), None, "n {n} at {at}");
                assert_eq!(largest_below(&over, 98), Some(97), "n {n} at {at}");
            }
        }
    }

    #[test]
    fn pieces_number_like_the_whole() {
        for ids in [
            vec![5u64, 9, 5, 0, 9, 3, 3, 7, 5, 1],
            vec![u64::MAX, 1 << 40, 3, u64::MAX, 3, 1 << 40, 8],
            // Sparse but within 32 bits: the narrow table.
            vec![
                u64::from(u32::MAX),
                1 << 31,
                3,
                1 << 31,
                3,
                u64::from(u32::MAX),
                8,
            ],
        ] {
            // Numbered by first appearance.
            let mut first = std::collections::HashMap::new();
            let want: Vec<u32> = ids
                .iter()
                .map(|&id| {
                    let n = first.len() as u32;
                    *first.entry(id).or_insert(n)
                })
                .collect();
            let whole = densify(&ids).unwrap();
            assert_eq!(whole.ids, want);
            let mut renumber = Densifier::for_trace(&ids).unwrap();
            let mut out = Vec::new();
            for piece in ids.chunks(3) {
                renumber.extend(piece, &mut out);
            }
            assert_eq!(out, whole.ids);
            assert_eq!(renumber.universe(), whole.universe);
            let bound = renumber.bound();
            assert!(whole.ids.iter().all(|&d| (d as usize) < bound));
            assert_eq!(renumber.narrow_keys(), ids.iter().all(|&id| id >> 32 == 0));
        }
    }
}
