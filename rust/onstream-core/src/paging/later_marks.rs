//! Marks over request times, set newest first, that count the marks after a given one as they
//! clear it: the stack distance of LRU's miss-ratio curve (`mrc`), where a mark stands for a key's
//! latest request.
//!
//! Three levels, each read at one place a request:
//! - a bitset of the marks (64 times a word);
//! - a byte per word with its count, so that the counts of the 63 words around a word sit in
//!   one cache line (aligned) with its own, that of its block of 64 words (4096 times);
//! - a tree of block counts, 16 a node ([`BlockTree`]), small enough to stay in L1 (3 levels
//!   and 10 KiB for 10 M requests).
//!
//! A clear walks up the tree once, taking one from each level's count and adding the counts
//! after it in its node: the marks in later blocks. The newest block's count is held back until
//! the block is complete, because marks are only ever set at the newest time. A binary tree
//! like this replaced two walks of a Fenwick tree over words (the query, then the update), 17
//! levels each on a 10 M-request trace: that curve's two counting threads went from 160-195 ms
//! to 125-130 ms; the tree of 16 a node took the curve on one thread from 149-150 to 136-138
//! ms. A count line is summed by SSE2 byte sums (`psadbw`), 16 counts at a time: a plain masked
//! loop, which LLVM widened to 32-bit lanes, was 10% slower over the whole curve, and eight
//! 64-bit lanes by shifts and masks slower still.
//!
//! [`LaterMarks::set_counting_earlier`] sets a mark anywhere and counts the ones before it: the
//! second part of a split curve uses it for keys ranked by their last request before the cut.

use super::block_tree::BlockTree;
use crate::{bigbuf, prefetch};

const WORD_BITS: usize = 64;
/// Words a block: one cache line of their byte counts.
const BLOCK_WORDS: usize = 64;
const BLOCK_TIMES: usize = WORD_BITS * BLOCK_WORDS;

#[derive(Debug, Clone)]
pub struct LaterMarks {
    words: Vec<u64>,
    /// Marks in each word (at most 64), a block's to a line.
    counts: Vec<CountLine>,
    /// The blocks' counts.
    tree: BlockTree,
    /// Marks in the newest block, not yet in the tree.
    pending: u32,
    /// The newest block.
    newest: usize,
}

impl LaterMarks {
    /// No marks, over times `0..n`.
    pub fn new(n: usize) -> Self {
        let n_words = n / WORD_BITS + 1;
        // Whole blocks, so the count line of any word is complete.
        let n_blocks = n_words.div_ceil(BLOCK_WORDS);
        LaterMarks {
            words: bigbuf::filled(n_blocks * BLOCK_WORDS, 0),
            counts: vec![CountLine([0; BLOCK_WORDS]); n_blocks],
            tree: BlockTree::new(n_blocks),
            pending: 0,
            newest: 0,
        }
    }

    /// Prefetches what [`LaterMarks::clear_counting_later`] will read at `t`.
    #[inline]
    pub fn prefetch(&self, t: usize) {
        prefetch::read(&self.words, t / WORD_BITS);
        prefetch::read(&self.counts, t / BLOCK_TIMES);
    }

    /// Marks `t`, which must be later than every time marked before.
    #[inline]
    pub fn set_newest(&mut self, t: usize) {
        let block = t / BLOCK_TIMES;
        if block != self.newest {
            self.tree.add(self.newest, self.pending);
            self.pending = 0;
            self.newest = block;
        }
        let w = t / WORD_BITS;
        self.words[w] |= 1 << (t % WORD_BITS);
        self.counts[block].0[w % BLOCK_WORDS] += 1;
        self.pending += 1;
    }

    /// Unmarks `t` (marked) and returns how many marks are later than it.
    #[inline(always)]
    pub fn clear_counting_later(&mut self, t: usize) -> u32 {
        let (w, bit) = (t / WORD_BITS, t % WORD_BITS);
        let word = self.words[w];
        let mut later = (word >> bit >> 1).count_ones();
        self.words[w] = word & !(1 << bit);
        let (block, at) = (w / BLOCK_WORDS, w % BLOCK_WORDS);
        let line = &mut self.counts[block].0;
        // Summed before the count changes: a line's vector loads right after a byte stored
        // into it would wait for the store to complete (a load that spans a narrower store
        // gets no forwarding).
        later += later_in_line(line, at);
        line[at] -= 1;
        if block == self.newest {
            self.pending -= 1;
        } else {
            later += self.pending + self.tree.take_one_counting_later(block);
        }
        later
    }

    /// Marks `t` (not marked; at any time) and returns how many marks are earlier than it. For
    /// marks set only this way: block 0 stays the newest, as no [`LaterMarks::set_newest`]
    /// moves it on.
    #[inline(always)]
    pub fn set_counting_earlier(&mut self, t: usize) -> u32 {
        let (w, bit) = (t / WORD_BITS, t % WORD_BITS);
        let word = self.words[w];
        let mut earlier = (word & ((1 << bit) - 1)).count_ones();
        self.words[w] = word | (1 << bit);
        let (block, at) = (w / BLOCK_WORDS, w % BLOCK_WORDS);
        let line = &mut self.counts[block].0;
        // Before the count changes, as in `clear_counting_later`.
        earlier += earlier_in_line(line, at);
        line[at] += 1;
        if block == self.newest {
            self.pending += 1;
        } else {
            earlier += self.tree.put_one_counting_earlier(block);
            if self.newest < block {
                earlier += self.pending;
            }
        }
        earlier
    }
}

/// A block's word counts, aligned to a cache line so that one line holds them.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct CountLine([u8; BLOCK_WORDS]);

/// The sum of `line[i]` over `i < before` (counts of at most 64).
#[inline(always)]
fn earlier_in_line(line: &[u8; BLOCK_WORDS], before: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU that runs this build has it.
    return unsafe { sse2::sum_beside(line, before, false) };
    #[cfg(not(target_arch = "x86_64"))]
    line.iter().take(before).map(|&c| u32::from(c)).sum()
}

/// The sum of `line[i]` over `i > after` (counts of at most 64).
#[inline(always)]
fn later_in_line(line: &[u8; BLOCK_WORDS], after: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `earlier_in_line`.
    return unsafe { sse2::sum_beside(line, after, true) };
    #[cfg(not(target_arch = "x86_64"))]
    line.iter().skip(after + 1).map(|&c| u32::from(c)).sum()
}

/// A count line's sums by SSE2's byte sums: per 16 counts, one compare of their indices, a mask
/// and a `psadbw`. LLVM compiled the plain masked loop into 32-bit lanes (16 `pcmpgtd`, 32
/// unpacks and 17 `paddd` a sum); this takes about 20 vector instructions, and the 10 M-request
/// Zipf curve went from 100-104 to 89-93 ms.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi64, _mm_add_epi8, _mm_and_si128, _mm_cmpgt_epi8, _mm_cvtsi128_si64,
        _mm_sad_epu8, _mm_set1_epi8, _mm_setr_epi8, _mm_setzero_si128, _mm_unpackhi_epi64,
    };

    use super::BLOCK_WORDS;

    /// The sum of `line[i]` over `i > at` (`later`) or over `i < at`.
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn sum_beside(line: &[u8; BLOCK_WORDS], at: usize, later: bool) -> u32 {
        // Indices and `at` are below 64, so the signed byte compare orders them right.
        let at = _mm_set1_epi8(at as i8);
        let zero = _mm_setzero_si128();
        let first = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let mut acc = zero;
        for k in 0..BLOCK_WORDS / 16 {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&line[16 * k..16 * k + 16]);
            // SAFETY: sixteen bytes and an `__m128i` are 16 bytes each, and any bits are valid
            // for both: a plain 16-byte load.
            let counts = unsafe { std::mem::transmute::<[u8; 16], __m128i>(bytes) };
            let index = _mm_add_epi8(first, _mm_set1_epi8((16 * k) as i8));
            let keep = if later {
                _mm_cmpgt_epi8(index, at)
            } else {
                _mm_cmpgt_epi8(at, index)
            };
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_and_si128(counts, keep), zero));
        }
        (_mm_cvtsi128_si64(acc) + _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc))) as u32
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn line_sums_add_the_counts_on_either_side_of_an_index() {
        let line: [u8; 64] = std::array::from_fn(|i| ((i * 7 + 3) % 65) as u8);
        for at in 0..64 {
            let later: u32 = line[at + 1..].iter().map(|&c| u32::from(c)).sum();
            let earlier: u32 = line[..at].iter().map(|&c| u32::from(c)).sum();
            assert_eq!(later_in_line(&line, at), later, "after {at}");
            assert_eq!(earlier_in_line(&line, at), earlier, "before {at}");
        }
        let full = [64u8; 64];
        assert_eq!(later_in_line(&full, 0), 63 * 64);
        assert_eq!(earlier_in_line(&full, 63), 63 * 64);
    }

    /// Over many blocks (147: a tree of two levels), against a Fenwick tree over times: marks
    /// set at every time, and live ones cleared at random, older ones among them.
    #[test]
    fn counts_the_later_marks_across_many_blocks() {
        let n = 600_000;
        let mut marks = LaterMarks::new(n);
        let mut fenwick = vec![0i64; n + 1];
        let add = |f: &mut Vec<i64>, t: usize, d: i64| {
            let mut i = t + 1;
            while i <= n {
                f[i] += d;
                i += i & i.wrapping_neg();
            }
        };
        let upto = |f: &Vec<i64>, t: usize| {
            let (mut i, mut s) = (t + 1, 0);
            while i > 0 {
                s += f[i];
                i &= i - 1;
            }
            s
        };
        let mut live: Vec<usize> = Vec::new();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for t in 0..n {
            marks.set_newest(t);
            add(&mut fenwick, t, 1);
            live.push(t);
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if state % 3 != 0 {
                let pick = (state >> 20) as usize % live.len();
                let cleared = live.swap_remove(pick);
                let want = upto(&fenwick, n - 1) - upto(&fenwick, cleared);
                assert_eq!(
                    i64::from(marks.clear_counting_later(cleared)),
                    want,
                    "t {t}"
                );
                add(&mut fenwick, cleared, -1);
            }
        }
    }

    proptest! {
        // Counting in an ordered set takes a walk over it: few cases, as the tests build in
        // debug (the test over many blocks above checks longer runs).
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Against an ordered set of the marked times: keys requested at random, each request
        /// clearing its key's previous mark and marking the newest time, over two blocks.
        #[test]
        fn counts_the_later_marks_of_an_ordered_set(
            keys in prop::collection::vec(0u32..300, 1..6_000),
        ) {
            let n = keys.len();
            let mut marks = LaterMarks::new(n);
            let mut set = BTreeSet::new();
            let mut last = vec![usize::MAX; 300];
            for (t, &key) in keys.iter().enumerate() {
                let prev = last[key as usize];
                if prev != usize::MAX {
                    let want = set.range(prev + 1..).count() as u32;
                    prop_assert_eq!(marks.clear_counting_later(prev), want);
                    set.remove(&prev);
                }
                marks.set_newest(t);
                set.insert(t);
                last[key as usize] = t;
            }
        }

        /// Against an ordered set: marks set in any order, each counting the earlier ones, with
        /// the newest block (block 0 here) held back as `set_newest` would.
        #[test]
        fn counts_the_earlier_marks_of_an_ordered_set(
            positions in prop::collection::hash_set(0usize..20_000, 1..3000),
        ) {
            let mut marks = LaterMarks::new(20_000);
            let mut set = BTreeSet::new();
            for &p in &positions {
                let want = set.range(..p).count() as u32;
                prop_assert_eq!(marks.set_counting_earlier(p), want);
                set.insert(p);
            }
        }
    }
}
