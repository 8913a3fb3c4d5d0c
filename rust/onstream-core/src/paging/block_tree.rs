//! Counts per block, in a tree of 16 counts a node (a cache line of `u32`), that count the
//! other blocks' marks on either side as they change one: the top level of [`LaterMarks`].
//!
//! A binary tree over the 2,442 blocks of a 10 M-request trace takes 12 levels, each a load, a
//! store and a sibling's count; here 3 levels, each a node whose counts past (or before) the
//! changed one are summed by vector compares and adds (SSE2). The 10 M-request Zipf curve spent
//! about 15% of its time in the binary walk; with this tree, one thread 149-150 -> 136-138 ms,
//! two 81-89 -> 77-79 ms. A node is loaded 16 bytes at a time and summed before its count
//! changes: with its lanes gathered one by one the curve took 154 ms on one thread, and summed
//! after the store as well 275 ms (a vector load waits for a narrower store it spans).
//!
//! [`LaterMarks`]: super::later_marks::LaterMarks

/// Counts a node.
const FAN: usize = 16;

/// A node's counts, aligned to a cache line so that one line holds them.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
struct Node([u32; FAN]);

#[derive(Debug, Clone)]
pub struct BlockTree {
    /// The blocks' counts (`levels[0]`, 16 a node), then each level's node sums 16 a node, up
    /// to a level of one node.
    levels: Vec<Vec<Node>>,
}

impl BlockTree {
    /// Counts of zero for blocks `0..blocks`.
    pub fn new(blocks: usize) -> Self {
        let mut levels = Vec::new();
        let mut width = blocks.max(1);
        loop {
            let nodes = width.div_ceil(FAN);
            levels.push(vec![Node([0; FAN]); nodes]);
            if nodes == 1 {
                return BlockTree { levels };
            }
            width = nodes;
        }
    }

    /// Adds `delta` to `block`'s count.
    pub fn add(&mut self, block: usize, delta: u32) {
        let mut i = block;
        for level in &mut self.levels {
            level[i / FAN].0[i % FAN] += delta;
            i /= FAN;
        }
    }

    /// Takes one from `block`'s count (above zero) and returns the counts of later blocks.
    #[inline]
    pub fn take_one_counting_later(&mut self, block: usize) -> u32 {
        let mut i = block;
        let mut later = 0;
        for level in &mut self.levels {
            let (node, at) = (&mut level[i / FAN].0, i % FAN);
            later += sum_after(node, at);
            node[at] -= 1;
            i /= FAN;
        }
        later
    }

    /// Adds one to `block`'s count and returns the counts of earlier blocks.
    #[inline]
    pub fn put_one_counting_earlier(&mut self, block: usize) -> u32 {
        let mut i = block;
        let mut earlier = 0;
        for level in &mut self.levels {
            let (node, at) = (&mut level[i / FAN].0, i % FAN);
            earlier += sum_before(node, at);
            node[at] += 1;
            i /= FAN;
        }
        earlier
    }
}

/// The sum of `node[j]` over `j > at`.
#[inline(always)]
fn sum_after(node: &[u32; FAN], at: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of the x86-64 baseline, so every CPU that runs this build has it.
    return unsafe { sse2::sum_beside(node, at, true) };
    #[cfg(not(target_arch = "x86_64"))]
    plain_sum_beside(node, at, true)
}

/// The sum of `node[j]` over `j < at`.
#[inline(always)]
fn sum_before(node: &[u32; FAN], at: usize) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: as in `sum_after`.
    return unsafe { sse2::sum_beside(node, at, false) };
    #[cfg(not(target_arch = "x86_64"))]
    plain_sum_beside(node, at, false)
}

/// The sum of `node[j]` over `j > at` (`later`) or over `j < at`, plainly: elsewhere than
/// x86-64, and the reference of the vector sums in tests.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn plain_sum_beside(node: &[u32; FAN], at: usize, later: bool) -> u32 {
    let keep = |j: usize| if later { j > at } else { j < at };
    (0..FAN).filter(|&j| keep(j)).map(|j| node[j]).sum()
}

/// A node's sums in four vectors of `u32` lanes: compare the lanes' indices with `at`, mask,
/// add. The same sum as a plain masked loop compiled to a compare and a branch a count.
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi32, _mm_and_si128, _mm_cmpgt_epi32, _mm_cvtsi128_si32, _mm_set1_epi32,
        _mm_set_epi32, _mm_setzero_si128, _mm_shuffle_epi32,
    };

    use super::FAN;

    /// The sum of `node[j]` over `j > at` (`later`) or over `j < at`.
    #[target_feature(enable = "sse2")]
    #[inline]
    pub(super) fn sum_beside(node: &[u32; FAN], at: usize, later: bool) -> u32 {
        // Indices and `at` are below 16, so the signed compare orders them right.
        let at = _mm_set1_epi32(at as i32);
        let mut acc = _mm_setzero_si128();
        for k in 0..FAN / 4 {
            let quad: [u32; 4] = [0, 1, 2, 3].map(|i| node[4 * k + i]);
            // SAFETY: four `u32` and an `__m128i` are 16 bytes each, and any bits are valid
            // for both: a plain 16-byte load.
            let counts = unsafe { std::mem::transmute::<[u32; 4], __m128i>(quad) };
            let first = (4 * k) as i32;
            let index = _mm_set_epi32(first + 3, first + 2, first + 1, first);
            let keep = if later {
                _mm_cmpgt_epi32(index, at)
            } else {
                _mm_cmpgt_epi32(at, index)
            };
            acc = _mm_add_epi32(acc, _mm_and_si128(counts, keep));
        }
        let halves = _mm_add_epi32(acc, _mm_shuffle_epi32::<0b01_00_11_10>(acc));
        let sum = _mm_add_epi32(halves, _mm_shuffle_epi32::<0b00_00_00_01>(halves));
        _mm_cvtsi128_si32(sum) as u32
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Against the block counts kept plainly, over sizes of one to four levels.
        #[test]
        fn counts_either_side_as_a_plain_array_does(
            blocks in 1usize..5_000,
            ops in prop::collection::vec((0usize..5_000, 0u8..3, 1u32..50), 1..400),
        ) {
            let mut tree = BlockTree::new(blocks);
            let mut plain = vec![0u32; blocks];
            for (at, op, delta) in ops {
                let b = at % blocks;
                match op {
                    0 => {
                        tree.add(b, delta);
                        plain[b] += delta;
                    }
                    1 => {
                        let want: u32 = plain[..b].iter().sum();
                        prop_assert_eq!(tree.put_one_counting_earlier(b), want);
                        plain[b] += 1;
                    }
                    _ if plain[b] > 0 => {
                        let want: u32 = plain[b + 1..].iter().sum();
                        prop_assert_eq!(tree.take_one_counting_later(b), want);
                        plain[b] -= 1;
                    }
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn node_sums_add_the_counts_on_either_side_of_an_index() {
        let node: [u32; FAN] = std::array::from_fn(|j| (j as u32).wrapping_mul(2_654_435_761) >> 8);
        for at in 0..FAN {
            assert_eq!(
                sum_after(&node, at),
                plain_sum_beside(&node, at, true),
                "after {at}"
            );
            assert_eq!(
                sum_before(&node, at),
                plain_sum_beside(&node, at, false),
                "before {at}"
            );
        }
    }

    #[test]
    fn levels_up_to_one_node() {
        for (blocks, levels) in [(1, 1), (16, 1), (17, 2), (256, 2), (257, 3), (2_442, 3)] {
            assert_eq!(
                BlockTree::new(blocks).levels.len(),
                levels,
                "{blocks} blocks"
            );
        }
    }
}
