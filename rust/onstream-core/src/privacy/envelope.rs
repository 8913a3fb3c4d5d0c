//! Exact discrete Gaussian and discrete Laplace draws from an alias table over a rounded-up
//! envelope.
//!
//! The law is P(Y = y) ∝ e^(−γ(|y|)) with γ(k) = k²/(2σ²) (Gaussian) or k/scale (Laplace).
//! Canonne, Kamath & Steinke's Gaussian sampler (`exact.rs`) makes a discrete Laplace candidate
//! and accepts it with probability e^(−γ'): about 80 ns a draw at σ² = 13 (the smooth counter's
//! node noise) and 72 ns at σ² ≈ 3.6·10^12 (the banded square root's, on its 2^-20 grid); the
//! Laplace one (an exact exponential, floored) about 55 ns. This is rejection sampling from an
//! envelope with integer weights, 17–20 ns a draw at any parameter (on one thread of the 2-core
//! VM; the generator's 12 bytes a draw are a third of it):
//!
//! * **Blocks.** Entry i stands for the magnitudes iB..(i + 1)B, with B = 1 for a Gaussian up to
//!   σ² = 4096 and otherwise a power of two near σ/16 (scale/16), so that e^(−γ) changes little
//!   inside a block and the table has a few hundred to a few thousand entries.
//! * **Envelope.** Block i's weight is an integer V_i ≥ s_i·K·e^(−γ(iB)) (s_i slots: 2B signed
//!   values, or 1 for the block {0} when B = 1; K an integer scale), rounded up from a certified
//!   bracket of e^(−γ) (`expbound.rs`). Past the table, at base = (L + 1)B, block t ≥ 1 of the
//!   tail (B_T magnitudes) has weight 2^(−t) per slot (2B_T in all). It dominates because e^(−γ)
//!   falls at least twofold from one tail block to the next (Gaussian: base·B ≥ σ² ln 2, B_T = B;
//!   Laplace: B_T ≥ scale·ln 2) and K·e^(−γ(base)) < 1/2 as γ(base) ≥ 100.
//! * **Proposal.** A Walker alias table over the blocks, the tail and a rejection entry that
//!   brings the total weight to exactly N·2^64 (N, the table's length, a power of two): the top
//!   bits of one word pick a bucket, a second uniform 64-bit word the bucket's side (drawn 32
//!   bits at a time: its high half decides but once in 2^32). Every proposal probability is its
//!   weight over N·2^64, exactly. A uniform slot of the block follows, its sign and offset from
//!   the first word's bits between the bucket's and U's (a word of their own for blocks too wide
//!   for them; a second zero is rejected).
//! * **Acceptance** of |y| = k in block i with probability r·e^(−(γ(k) − γ(iB))) =
//!   s·K·e^(−γ(k))/V ≤ 1, r = s·K·e^(−γ(iB))/V (for the tail K·e^(−γ)·2^t), by comparing a
//!   uniform U with it. U's first 32 bits are compared with r's bracket computed once per entry,
//!   times a floating-point e^(−(γ(k) − γ(iB))) (`expbound::exp_neg_estimate`, a proven relative
//!   error below 2^(−28), with a margin of eight times that) when k is inside the block. For the
//!   central entries r > 1 − 2^(−40), so at k = iB this accepts unless those bits are all ones;
//!   inside a block about 256 values of the 2^32 are left undecided. Only for those (and for the
//!   far entries and the tail, proposed about once in 2^64 draws) U's further bits are drawn and
//!   compared with ever narrower brackets of e^(−γ(k)) until the comparison is certain.
//!
//! A signed value y is then proposed and accepted with probability K·e^(−γ(|y|))/(N·2^64), so the
//! output's law is exactly the one asked for. Nothing is rounded that decides an outcome.

use std::sync::Arc;

use num_bigint::BigUint;
use rand_core::RngCore;

use super::exact::MAX_VARIANCE;
use super::expbound::{ceil_div, exp_neg, exp_neg_estimate, ESTIMATE_ERROR, ESTIMATE_UP_TO};
use crate::memo::Memo;

/// Bits of the brackets built with the table: e^(−γ) down to e^(−100) ≈ 2^(−144) with about
/// 100 significant bits, so that each acceptance bracket is far narrower than 2^(−32).
const PREC: u64 = 256;

/// Magnitudes whose γ is below this get weights from brackets (see [`EnvelopeTable::new`]).
const BRACKETED_BELOW: u32 = 100;

/// The in-block estimate's margin: 8 times its error bound, which leaves far more room than the
/// three roundings (2^−53 each) of the products it is compared through.
const IN_BLOCK_MARGIN: f64 = 8.0 * ESTIMATE_ERROR;

/// Above this σ² an entry stands for a block of magnitudes (see [`EnvelopeTable::new`]).
const BLOCKS_FROM: f64 = 4096.0;

/// The law drawn: P(y) ∝ e^(−γ(|y|)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// Discrete Gaussian with σ² = p/q: γ(k) = k²·q/(2p).
    Gaussian { p: u128, q: u128 },
    /// Discrete Laplace with scale num/den: γ(k) = k·den/num.
    Laplace { num: u128, den: u128 },
}

impl Law {
    /// γ(k) as numerator and denominator.
    fn gamma(&self, k: u64) -> (BigUint, BigUint) {
        match *self {
            Law::Gaussian { p, q } => (
                BigUint::from(k) * BigUint::from(k) * BigUint::from(q),
                BigUint::from(p) << 1u32,
            ),
            Law::Laplace { num, den } => {
                (BigUint::from(k) * BigUint::from(den), BigUint::from(num))
            }
        }
    }

    /// σ² or the scale, roughly (to size blocks, with margins where it bounds anything).
    fn spread(&self) -> f64 {
        match *self {
            Law::Gaussian { p, q } => p as f64 / q as f64,
            Law::Laplace { num, den } => num as f64 / den as f64,
        }
    }
}

/// An exact alias table and acceptance brackets for a [`Law`] (see the module documentation).
#[derive(Debug)]
pub struct EnvelopeTable {
    law: Law,
    /// Magnitudes per entry (B, a power of two): entry i stands for iB..(i + 1)B.
    block: u64,
    /// Magnitudes per block of the tail (a power of two).
    tail_block: u64,
    /// q/(2p) (Gaussian) or den/num (Laplace) in floating point: γ's coefficient, for the
    /// in-block estimate.
    gap_ratio: f64,
    /// Entries 0..=limit are blocks of magnitudes; beyond (limit + 1)·B, the tail.
    limit: u64,
    /// The scale K.
    scale: u128,
    /// V_i for the blocks i ≤ limit.
    weights: Vec<u128>,
    /// 64 − log2 N: a word shifted right by this is a bucket.
    shift: u32,
    /// Whether a sign and an offset in the block (1 + log2 B bits) fit between bit 32 and the
    /// bucket's bits of the proposal's word.
    spare_bits_suffice: bool,
    /// A bucket keeps its own entry when the second word is below this (0 for a full bucket,
    /// whose alias is itself), else goes to its alias.
    threshold: Vec<u64>,
    alias: Vec<u32>,
    /// Per block: accept when U's first 32 bits are below `sure`, reject when at or above
    /// `never`, else compare further bits.
    sure: Vec<u32>,
    never: Vec<u64>,
}

impl EnvelopeTable {
    /// The table for `law`, or `None` for a zero parameter or a Gaussian whose σ² numerator is
    /// above what the exact samplers take ([`MAX_VARIANCE`]).
    pub fn new(law: Law) -> Option<Self> {
        let spread = law.spread();
        // The ratio: three roundings of 2^−53 at most (two conversions, the division).
        let (zero, gap_ratio) = match law {
            Law::Gaussian { p, q } => (
                p == 0 || q == 0 || p > MAX_VARIANCE,
                q as f64 / (2 * p) as f64,
            ),
            Law::Laplace { num, den } => (num == 0 || den == 0, den as f64 / num as f64),
        };
        if zero {
            return None;
        }
        // One magnitude an entry while the table stays short; then blocks of about σ/16 (or a
        // sixteenth of the Laplace scale), so that e^(−γ) changes little inside a block.
        let width = match law {
            Law::Gaussian { .. } if spread <= BLOCKS_FROM => 1.0,
            Law::Gaussian { .. } => spread.sqrt() / 16.0,
            Law::Laplace { .. } => spread / 16.0,
        };
        let block = 1u64 << (63 - (width as u64).max(1).leading_zeros());
        // Blocks with γ below BRACKETED_BELOW get bracketed weights; from there on
        // e^(−γ) ≤ 2^(−⌊γ⌋) makes 2B·K·e^(−γ) < 1 (K·B < 2^98, checked), so a weight of 1 dominates.
        let more = |i: u64| {
            let (a, b) = law.gamma(i * block);
            a / b < BigUint::from(BRACKETED_BELOW)
        };
        // From block to block γ grows by c + 2ic (Gaussian, c = B²q/(2p)) or by c (Laplace,
        // c = B·den/num).
        let (c, c_den, growing) = match law {
            Law::Gaussian { p, q } => (
                BigUint::from(q) * BigUint::from(block) * BigUint::from(block),
                BigUint::from(p) << 1u32,
                true,
            ),
            Law::Laplace { num, den } => (
                BigUint::from(den) * BigUint::from(block),
                BigUint::from(num),
                false,
            ),
        };
        let exps = brackets(&c, &c_den, growing, more);
        let bracketed = exps.len() as u64 - 1;
        // The tail's envelope halves from one of its blocks to the next: for the Gaussian once
        // base·B ≥ σ² ln 2 (base the first magnitude past the table), for the Laplace with tail
        // blocks of at least scale·ln 2 magnitudes. +1 covers f64's error in those products.
        let ln2 = std::f64::consts::LN_2;
        let (tail_from, tail_block) = match law {
            Law::Gaussian { .. } => ((spread * ln2 / block as f64).ceil() as u64 + 1, block),
            Law::Laplace { .. } => (0, ((spread * ln2).ceil() as u64 + 1).next_power_of_two()),
        };
        let limit = bracketed.max(tail_from.div_ceil(block));
        let entries = (limit + 3).next_power_of_two();
        let mult = |i: u64| multiplicity(block, i);
        // K: the bracketed weights, the unit weights beyond and the tail's 2B fit in N·2^64.
        let total = BigUint::from(entries) << 64u32;
        let upper: BigUint = exps
            .iter()
            .enumerate()
            .map(|(i, (_, hi))| hi * mult(i as u64))
            .sum();
        let room = &total - BigUint::from(2 * limit + 2 * tail_block + 8);
        let scale = u128::try_from((room << PREC) / upper).ok()?;
        if scale.checked_mul(u128::from(block))? >= 1 << 98 {
            return None;
        }
        let kb = BigUint::from(scale);
        let mut weights = Vec::with_capacity(limit as usize + 1);
        let (mut sure, mut never) = (Vec::new(), Vec::new());
        for k in 0..=limit {
            if let Some((lo, hi)) = exps.get(k as usize) {
                let num = &kb * mult(k);
                let v = ceil_div(&(&num * hi), &(BigUint::from(1u32) << PREC)).max(1u32.into());
                let (r_lo, r_hi) = (&num * lo / &v, ceil_div(&(&num * hi), &v));
                // In units of 2^-32: ⌊r_lo⌋ and ⌈r_hi⌉.
                let unit = BigUint::from(1u32) << (PREC - 32);
                let floor = u64::try_from(&r_lo / &unit).unwrap_or(u64::MAX);
                sure.push(floor.min(u64::from(u32::MAX)) as u32);
                never.push(u64::try_from(ceil_div(&r_hi, &unit)).unwrap_or(u64::MAX));
                weights.push(u128::try_from(v).ok()?);
            } else {
                weights.push(1);
                sure.push(0);
                never.push(u64::MAX);
            }
        }
        // Masses: blocks, the tail (2 per tail slot), the rejection entry, empty pads.
        let mut mass: Vec<u128> = weights.clone();
        mass.push(2 * u128::from(tail_block));
        let used: u128 = mass.iter().sum();
        let total = u128::try_from(total).ok()?;
        mass.push(total.checked_sub(used)?);
        mass.resize(entries as usize, 0);
        let (threshold, alias) = walker(&mass)?;
        Some(EnvelopeTable {
            law,
            block,
            tail_block,
            gap_ratio,
            limit,
            scale,
            weights,
            shift: 64 - entries.trailing_zeros(),
            spare_bits_suffice: 32 + 1 + block.trailing_zeros() <= 64 - entries.trailing_zeros(),
            threshold,
            alias,
            sure,
            never,
        })
    }

    /// One draw.
    pub fn sample<R: RngCore>(&self, rng: &mut R) -> i128 {
        loop {
            let w = rng.next_u64();
            let bucket = (w >> self.shift) as usize;
            let entry = if below_lazily(rng, self.threshold[bucket]) {
                bucket
            } else {
                self.alias[bucket] as usize
            };
            let i = entry as u64;
            if i <= self.limit {
                // A value of the block, uniformly: a sign and (for B > 1) an offset, 0 counted
                // once. Their bits come from w between the bucket's (top) and U's first 32
                // (bottom) when they fit there, else from a word of their own.
                let start = i * self.block;
                let v = if self.spare_bits_suffice {
                    w >> 32
                } else {
                    rng.next_u64()
                };
                let k = start + ((v >> 1) & (self.block - 1));
                if k == 0 && v & 1 == 1 && self.block > 1 {
                    continue;
                }
                let negative = v & 1 == 1;
                if self.accepts(entry, k, start, w as u32, rng) {
                    let y = i128::from(k);
                    return if negative { -y } else { y };
                }
            } else if i == self.limit + 1 {
                if let Some(y) = self.tail(rng) {
                    return y;
                }
            }
            // The rejection entry or a rejected candidate: propose again.
        }
    }

    /// The memory the table holds, about.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.weights.len() * std::mem::size_of::<u128>()
            + self.threshold.len() * std::mem::size_of::<u64>()
            + self.alias.len() * std::mem::size_of::<u32>()
            + self.sure.len() * std::mem::size_of::<u32>()
            + self.never.len() * std::mem::size_of::<u64>()
    }

    /// The envelope's slots in block `i` (see [`multiplicity`]).
    fn multiplicity(&self, i: u64) -> u64 {
        multiplicity(self.block, i)
    }

    /// Whether the candidate k of block `entry` (starting at magnitude `start`) is accepted: U <
    /// r·e^(−(γ(k) − γ(start))) = s·K·e^(−γ(k))/V for a uniform U whose first 32 bits are `d`.
    /// [`Self::settle`] decides almost always; otherwise U's further bits are drawn for
    /// [`Self::below`]'s exact comparison.
    #[inline]
    fn accepts<R: RngCore>(&self, entry: usize, k: u64, start: u64, d: u32, rng: &mut R) -> bool {
        self.settle(entry, k, start, d).unwrap_or_else(|| {
            let num = BigUint::from(self.scale) * self.multiplicity(entry as u64);
            self.below(k, &num, self.weights[entry], u64::from(d), 32, rng)
        })
    }

    /// [`Self::accepts`] from U's first 32 bits alone where they make it certain: r's bracket
    /// [sure, never]·2^−32 and a floating-point estimate of the in-block factor (within
    /// [`ESTIMATE_ERROR`], widened to [`IN_BLOCK_MARGIN`] so that the products' own roundings are
    /// covered) leave a few values of d in 2^32 undecided, and the far entries without a bracket.
    #[inline]
    fn settle(&self, entry: usize, k: u64, start: u64, d: u32) -> Option<bool> {
        let (sure, never) = (self.sure[entry], self.never[entry]);
        if u64::from(d) >= never {
            // U ≥ r ≥ r·e^(−gap).
            return Some(false);
        }
        if k == start {
            return (d < sure).then_some(true);
        }
        let e = self.in_block_estimate(k, start)?;
        // U < (d + 1)·2^−32 ≤ sure·e_lo·2^−32 ≤ r·e^(−gap), or U ≥ d·2^−32 ≥ never·e_hi·2^−32.
        let d = f64::from(d);
        if d + 1.0 <= f64::from(sure) * (e * (1.0 - IN_BLOCK_MARGIN)) {
            Some(true)
        } else if d >= never as f64 * (e * (1.0 + IN_BLOCK_MARGIN)) {
            Some(false)
        } else {
            None
        }
    }

    /// e^(−(γ(k) − γ(start))) within [`ESTIMATE_ERROR`], or `None` when the gap is too wide for
    /// the estimate (beyond the blocks ever proposed but about once in 2^64 draws). The gap is
    /// (k − start)(k + start)·q/(2p) or (k − start)·den/num, formed in f64 from exact integers
    /// (below 2^53) and the law's ratio: a relative error under 2^−50, which moves e^(−gap) by
    /// less than 2^−48.
    #[inline]
    fn in_block_estimate(&self, k: u64, start: u64) -> Option<f64> {
        // Signed conversions (one instruction each); magnitudes are far below 2^62.
        let offset = (k - start) as i64 as f64;
        let gap = match self.law {
            Law::Gaussian { .. } => offset * ((k + start) as i64 as f64) * self.gap_ratio,
            Law::Laplace { .. } => offset * self.gap_ratio,
        };
        (gap <= ESTIMATE_UP_TO).then(|| exp_neg_estimate(gap))
    }

    /// The tail past magnitude base = (limit + 1)·B: block t ≥ 1 with P(t) = 2^(−t), a uniform
    /// offset in it and a sign, accepted with probability K·e^(−γ)·2^t.
    fn tail<R: RngCore>(&self, rng: &mut R) -> Option<i128> {
        let mut t: u64 = 1;
        loop {
            let word = rng.next_u64();
            if word != 0 {
                t += u64::from(word.trailing_zeros());
                break;
            }
            t += 64;
        }
        let v = rng.next_u64();
        let negative = v & 1 == 1;
        let offset = (v >> 1) & (self.tail_block - 1);
        // base + (t − 1)·B_T + offset, base = (limit + 1)·B.
        let k = (self.limit + 1)
            .checked_mul(self.block)?
            .checked_add((t - 1).checked_mul(self.tail_block)?)?
            .checked_add(offset)?;
        let num = BigUint::from(self.scale) << t;
        if !self.below(k, &num, 1, 0, 0, rng) {
            return None;
        }
        let y = i128::from(k);
        Some(if negative { -y } else { y })
    }

    /// Whether U < num·e^(−γ_k)/den for a uniform U whose first `known` bits are `prefix` (the
    /// rest drawn here as needed), with brackets of e^(−γ_k) at doubling precision.
    fn below<R: RngCore>(
        &self,
        k: u64,
        num: &BigUint,
        den: u128,
        prefix: u64,
        known: u64,
        rng: &mut R,
    ) -> bool {
        let (a, b) = self.law.gamma(k);
        let den = BigUint::from(den);
        let (mut u, mut bits) = (BigUint::from(prefix), known);
        // r < num/den·2^(−⌊γ⌋) < 2^(−e): a one among U's first e bits settles U > r without
        // computing e^(−γ) (which for a far magnitude at a tiny σ² would take very long).
        let whole = u64::try_from(&a / &b).unwrap_or(u64::MAX);
        let e = i128::from(whole) + i128::from(den.bits()) - 1 - i128::from(num.bits());
        if let Ok(e @ 1..) = u64::try_from(e) {
            loop {
                let seen = bits.min(e);
                if (&u >> (bits - seen)) != BigUint::ZERO {
                    return false;
                }
                if seen == e {
                    break; // U < 2^(−e): compare with the brackets below
                }
                u = (u << 64u32) + rng.next_u64();
                bits += 64;
            }
        }
        let mut prec = (2 * PREC).max(bits.next_multiple_of(64));
        loop {
            while bits < prec {
                u = (u << 64u32) + rng.next_u64();
                bits += 64;
            }
            let (lo, hi) = exp_neg(&a, &b, prec);
            let (r_lo, r_hi) = (num * lo / &den, ceil_div(&(num * hi), &den));
            // U·2^bits lies in [u, u + 1); r·2^bits in [r_lo, r_hi]·2^(bits − prec), whose low
            // end is a whole number: u < it means u + 1 ≤ it, so U < r.
            let shift = bits - prec;
            if u < r_lo << shift {
                return true;
            }
            if u >= r_hi << shift {
                return false;
            }
            prec *= 2;
        }
    }
}

/// The envelope's slots in block `i` of `block` magnitudes: one per signed value, 2B; with B = 1
/// the block holding 0 has one. (With B > 1 that block also has 2B slots, one of them a second
/// zero that a draw rejects: counting it 2B − 1 would shrink the block's share by that factor.)
fn multiplicity(block: u64, i: u64) -> u64 {
    if block == 1 && i == 0 {
        1
    } else {
        2 * block
    }
}

/// Brackets of e^(−γ(iB))·2^PREC for the blocks i = 0, 1, … while `more(i)`. From block to
/// block γ grows by c + 2ic when `growing` (the Gaussian, c = B²q/(2p)) and by c otherwise (the
/// Laplace), c = `c`/`c_den`; so each bracket is the one before times those of e^(−c) and
/// e^(−2ic) (itself a running product of e^(−2c)'s): three products an entry instead of a
/// series each (30 ms -> 1.5 ms at σ² = 4096). Products are rounded down for the lower end and
/// up for the upper one, with 64 guard bits for the widening along the way.
fn brackets(
    c: &BigUint,
    c_den: &BigUint,
    growing: bool,
    more: impl Fn(u64) -> bool,
) -> Vec<(BigUint, BigUint)> {
    const GUARD: u64 = 64;
    let prec = PREC + GUARD;
    let unit = BigUint::from(1u32) << prec;
    if !more(1) {
        // Only block 0 (e^0 = 1); e^(−c) may be far too small to bracket cheaply.
        return if more(0) {
            vec![(BigUint::from(1u32) << PREC, BigUint::from(1u32) << PREC)]
        } else {
            Vec::new()
        };
    }
    let (c_lo, c_hi) = exp_neg(c, c_den, prec);
    let (c2_lo, c2_hi) = if growing {
        exp_neg(&(c << 1u32), c_den, prec)
    } else {
        (unit.clone(), unit.clone()) // e^0: the step stays c
    };
    let lower = |a: &BigUint, b: &BigUint| (a * b) >> prec;
    let upper = |a: &BigUint, b: &BigUint| ceil_div(&(a * b), &unit);
    let (mut e_lo, mut e_hi) = (unit.clone(), unit.clone());
    let (mut g_lo, mut g_hi) = (unit.clone(), unit.clone());
    let shrink = BigUint::from(1u32) << GUARD;
    let mut out = Vec::new();
    let mut i = 0;
    while more(i) {
        out.push((&e_lo >> GUARD, ceil_div(&e_hi, &shrink)));
        // e^(−γ_{i+1}) = e^(−γ_i)·e^(−c)·e^(−2ic); then e^(−2(i+1)c) = e^(−2ic)·e^(−2c).
        e_lo = lower(&lower(&e_lo, &c_lo), &g_lo);
        e_hi = upper(&upper(&e_hi, &c_hi), &g_hi);
        g_lo = lower(&g_lo, &c2_lo);
        g_hi = upper(&g_hi, &c2_hi);
        i += 1;
    }
    out
}

/// Walker's alias table (Vose's construction) for integer masses summing to exactly
/// `mass.len()·2^64`: a bucket keeps its own entry with probability threshold/2^64. `None` if the
/// masses do not sum so.
fn walker(mass: &[u128]) -> Option<(Vec<u64>, Vec<u32>)> {
    const FULL: u128 = 1 << 64;
    let n = mass.len();
    if mass.iter().sum::<u128>() != FULL * n as u128 {
        return None;
    }
    let mut left = mass.to_vec();
    let mut threshold = vec![0u64; n];
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| left[i] < FULL);
    while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
        small.pop();
        threshold[s] = u64::try_from(left[s]).ok()?;
        alias[s] = l as u32;
        left[l] -= FULL - left[s];
        if left[l] < FULL {
            large.pop();
            small.push(l);
        }
    }
    // What is left is exactly full (the sums are exact): each such bucket keeps itself.
    if small.iter().chain(&large).any(|&i| left[i] != FULL) {
        return None;
    }
    Some((threshold, alias))
}

/// The process's tables (a mechanism draws many batches from one law), by law (`None`: that law
/// has none). 16 MiB: a table is a few hundred to a few thousand entries of about 40 bytes.
static TABLES: Memo<Law, Option<Arc<EnvelopeTable>>> = Memo::new(16 << 20);

/// The table for `law`, built once per process (0.2 ms at σ² = 13, 2 ms at 4 096); `None` when
/// the law has none.
pub fn shared(law: Law) -> Option<Arc<EnvelopeTable>> {
    let table = TABLES.get_or_build(&law, || {
        let table = EnvelopeTable::new(law).map(Arc::new);
        let bytes = table.as_deref().map_or(0, EnvelopeTable::bytes);
        (table, bytes)
    });
    (*table).clone()
}

/// Whether a uniform 64-bit word is below `threshold`, drawing its 32-bit halves as needed: the
/// high half decides unless it equals the threshold's (once in 2^32), so a proposal takes 32
/// bits here instead of 64.
#[inline]
fn below_lazily<R: RngCore>(rng: &mut R, threshold: u64) -> bool {
    let hi = rng.next_u32();
    let t_hi = (threshold >> 32) as u32;
    hi < t_hi || (hi == t_hi && rng.next_u32() < threshold as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn gauss(p: u128, q: u128) -> Law {
        Law::Gaussian { p, q }
    }

    fn laplace(num: u128, den: u128) -> Law {
        Law::Laplace { num, den }
    }

    /// Laws with one magnitude an entry and with blocks, tiny to large, both families.
    fn laws() -> Vec<Law> {
        vec![
            gauss(13, 1),
            gauss(1, 4),
            gauss(1000, 1),
            gauss(7, 3),
            gauss(1, 1_000_000),
            gauss(50_000, 7),
            gauss(1 << 42, 3),
            laplace(1, 1),
            laplace(3, 2),
            laplace(1, 100),
            laplace(21, 1),
            laplace(1000, 3),
            laplace(1 << 36, 1),
        ]
    }

    #[test]
    fn proposals_have_their_weights_exactly() {
        // Rebuild each entry's probability from the buckets: Σ_buckets (threshold or 2^64 −
        // threshold, by side) must give back the mass.
        for law in laws() {
            let t = EnvelopeTable::new(law).unwrap();
            let n = t.threshold.len();
            let mut got = vec![0u128; n];
            for b in 0..n {
                let keep = if t.threshold[b] == 0 && t.alias[b] as usize == b {
                    1u128 << 64
                } else {
                    u128::from(t.threshold[b])
                };
                got[b] += keep;
                got[t.alias[b] as usize] += (1u128 << 64) - keep;
            }
            for (k, &v) in t.weights.iter().enumerate() {
                assert_eq!(got[k], v, "{law:?}, entry {k}");
            }
            assert_eq!(got[t.limit as usize + 1], 2 * u128::from(t.tail_block));
            assert_eq!(got.iter().sum::<u128>(), (n as u128) << 64);
        }
    }

    /// r's bracket at `prec` bits for block `i`, from the series (not the table's running
    /// products).
    fn acceptance(t: &EnvelopeTable, i: u64, prec: u64) -> (BigUint, BigUint) {
        let num = BigUint::from(t.scale) * t.multiplicity(i);
        let (a, b) = t.law.gamma(i * t.block);
        let (lo, hi) = exp_neg(&a, &b, prec);
        let den = BigUint::from(t.weights[i as usize]);
        (&num * lo / &den, ceil_div(&(&num * hi), &den))
    }

    #[test]
    fn acceptance_never_exceeds_one_and_is_near_one_at_the_centre() {
        for law in laws() {
            let t = EnvelopeTable::new(law).unwrap();
            // The bracketed blocks (past them e^(−γ) is below 2^-100 and the weight is 1).
            for i in (0..=t.limit.min(40)).filter(|&i| t.never[i as usize] != u64::MAX) {
                let (_, r_hi) = acceptance(&t, i, 200);
                assert!(
                    r_hi <= (BigUint::from(1u32) << 200u32) + 2u32,
                    "{law:?} i={i}"
                );
            }
            assert_eq!(t.sure[0], u32::MAX, "{law:?}");
        }
    }

    #[test]
    fn first_bits_decide_only_where_the_acceptance_is_certain() {
        // Against a bracket of r at twice the precision: U's first 32 bits d accept at once only
        // if (d + 1)/2^32 ≤ r, reject at once only if d/2^32 ≥ r, and leave at most two values
        // of d to the further bits.
        for law in laws() {
            let t = EnvelopeTable::new(law).unwrap();
            let prec = 2 * PREC;
            for i in 0..=t.limit {
                let (sure, never) = (u64::from(t.sure[i as usize]), t.never[i as usize]);
                if never == u64::MAX {
                    assert_eq!(sure, 0); // compared bit by bit
                    continue;
                }
                let (r_lo, r_hi) = acceptance(&t, i, prec);
                let at = |d: u64| BigUint::from(d) << (prec - 32);
                assert!(at(sure) <= r_lo, "{law:?} i={i}: sure {sure}");
                assert!(at(never) >= r_hi, "{law:?} i={i}: never {never}");
                assert!(never - sure <= 2, "{law:?} i={i}: {sure}..{never}");
            }
        }
    }

    #[test]
    fn in_block_candidates_are_settled_only_where_certain() {
        // Against a bracket of the exact acceptance s·K·e^(−γ(k))/V at 256 bits: a candidate
        // inside a block is accepted on U's first 32 bits d only if (d + 1)/2^32 is below it,
        // rejected only if d/2^32 is above it; values of d next to it are left to the further
        // bits (a band of about 2^32·2·IN_BLOCK_MARGIN = 256 values), and no random ones.
        let prec = 2 * PREC;
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        for law in [
            gauss(1 << 30, 1),
            gauss(3_600_000_000_000, 1),
            laplace(5_000, 3),
        ] {
            let t = EnvelopeTable::new(law).unwrap();
            assert!(t.block > 1, "{law:?}");
            let mut open_at_random = 0;
            for i in (0..=t.limit).filter(|&i| t.never[i as usize] != u64::MAX) {
                let start = i * t.block;
                for k in [start + 1, start + t.block / 2, start + t.block - 1] {
                    let num = BigUint::from(t.scale) * t.multiplicity(i);
                    let (a, b) = law.gamma(k);
                    let (lo, hi) = exp_neg(&a, &b, prec);
                    let den = BigUint::from(t.weights[i as usize]);
                    let (r_lo, r_hi) = (&num * lo / &den, ceil_div(&(&num * hi), &den));
                    let edge = u64::try_from(&r_lo >> (prec - 32)).unwrap();
                    let near: Vec<u64> = (edge.saturating_sub(300)..=edge + 300)
                        .step_by(20)
                        .filter(|&d| d <= u64::from(u32::MAX))
                        .collect();
                    let random: Vec<u64> = (0..40).map(|_| u64::from(rng.next_u32())).collect();
                    for (d, at_random) in near
                        .iter()
                        .map(|&d| (d, false))
                        .chain(random.iter().map(|&d| (d, true)))
                    {
                        let at = |d: u64| BigUint::from(d) << (prec - 32);
                        match t.settle(i as usize, k, start, d as u32) {
                            Some(true) => assert!(at(d + 1) <= r_lo, "{law:?} k={k} d={d}"),
                            Some(false) => assert!(at(d) >= r_hi, "{law:?} k={k} d={d}"),
                            None => open_at_random += usize::from(at_random),
                        }
                    }
                    // Just outside the band the first bits decide.
                    if edge > 200 {
                        assert_eq!(
                            t.settle(i as usize, k, start, (edge - 200) as u32),
                            Some(true)
                        );
                    }
                    if edge + 200 <= u64::from(u32::MAX) {
                        assert_eq!(
                            t.settle(i as usize, k, start, (edge + 200) as u32),
                            Some(false)
                        );
                    }
                }
            }
            assert_eq!(open_at_random, 0, "{law:?}");
        }
    }

    #[test]
    fn draws_match_the_pmf() {
        // χ² against the exact pmf over bins of width ⌈spread/4⌉ (σ or the scale), pooled to an
        // expected count of at least 20.
        let mut all = laws();
        all.extend([gauss(5, 2), gauss(1, 1 << 30), gauss(3_600_000_000_000, 1)]);
        for law in all {
            let t = EnvelopeTable::new(law).unwrap();
            let (spread, reach_by) = match law {
                Law::Gaussian { .. } => (law.spread().sqrt(), 9.0),
                Law::Laplace { .. } => (law.spread(), 25.0),
            };
            let width = (spread / 4.0).ceil().max(1.0) as i128;
            let reach = (reach_by * spread).ceil() as i128 + width;
            let bin = |y: i128| (y + reach).div_euclid(width);
            let w = |y: i128| match law {
                Law::Gaussian { .. } => (-(y * y) as f64 / (2.0 * law.spread())).exp(),
                Law::Laplace { .. } => (-(y.abs() as f64) / law.spread()).exp(),
            };
            if reach > 50_000_000 {
                continue; // the pmf sums would take too long here
            }
            let z: f64 = (-reach..=reach).map(w).sum();
            let mut want = vec![0.0; bin(reach) as usize + 1];
            for y in -reach..=reach {
                want[bin(y) as usize] += w(y) / z;
            }
            let mut rng = ChaCha20Rng::seed_from_u64(t.scale as u64);
            let n = 400_000u64;
            let mut got = vec![0u64; want.len()];
            for _ in 0..n {
                let y = t.sample(&mut rng);
                assert!(y.abs() <= reach, "{law:?}: {y}");
                got[bin(y) as usize] += 1;
            }
            let (mut chi2, mut cells) = (0.0, 0);
            let (mut obs, mut exp) = (0.0, 0.0);
            for (&g, &f) in got.iter().zip(&want) {
                obs += g as f64;
                exp += f * n as f64;
                if exp >= 20.0 {
                    chi2 += (obs - exp).powi(2) / exp;
                    cells += 1;
                    (obs, exp) = (0.0, 0.0);
                }
            }
            if cells < 2 {
                // σ² ~ 1e-9 or scale 1e-2: anything but 0 has probability below e^(−100).
                assert_eq!(got[bin(0) as usize], n, "{law:?}");
                continue;
            }
            // 99.9% point of χ² with `cells − 1` degrees of freedom, by Wilson–Hilferty.
            let dof = (cells - 1) as f64;
            let crit = dof * (1.0 - 2.0 / (9.0 * dof) + 3.09 * (2.0 / (9.0 * dof)).sqrt()).powi(3);
            assert!(
                chi2 < crit,
                "{law:?}: χ² {chi2} over {cells} cells (crit {crit})"
            );
        }
    }

    #[test]
    fn the_bit_by_bit_comparison_decides_like_the_brackets() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for law in [gauss(13, 1), laplace(3, 2)] {
            let t = EnvelopeTable::new(law).unwrap();
            // r_0 = K/V_0 is below 1 by less than 2^-40: U with 32 ones then anything.
            let num = BigUint::from(t.scale);
            let yes = (0..200)
                .filter(|_| t.below(0, &num, t.weights[0], u64::from(u32::MAX), 32, &mut rng))
                .count();
            // P(U < r | first 32 bits all ones) = 1 − (1 − r)·2^32 > 1 − 2^-8.
            assert!(yes >= 195, "{law:?}: {yes} accepted");
            // Past the table r = 2·K·e^(−γ) is astronomically small: always rejected, and a
            // tail proposal too (almost surely).
            let far = (t.limit + 1) * t.block;
            let num = BigUint::from(t.scale) * 2u32;
            assert!((0..50).all(|_| !t.below(far, &num, 1, 0, 0, &mut rng)));
            assert!((0..50).all(|_| t.tail(&mut rng).is_none()));
        }
    }

    /// A generator whose first `zeros` words are 0 (a uniform that starts with that many zero
    /// bits), then ChaCha20's.
    struct ZerosFirst {
        zeros: usize,
        rest: ChaCha20Rng,
    }

    impl RngCore for ZerosFirst {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            if self.zeros > 0 {
                self.zeros -= 1;
                return 0;
            }
            self.rest.next_u64()
        }
        fn fill_bytes(&mut self, dst: &mut [u8]) {
            for b in dst {
                *b = self.next_u64() as u8;
            }
        }
    }

    #[test]
    fn a_tiny_uniform_is_compared_through_the_brackets() {
        // Just past the table r = 2K·e^(−γ) with γ ≈ 100: about 2^-76. A uniform whose first
        // 128 bits are zero is below it, which only the brackets can tell; one whose first bits
        // are not is above it, which the exponent test tells.
        for law in [gauss(13, 1), gauss(1, 1_000_000), laplace(3, 2)] {
            let t = EnvelopeTable::new(law).unwrap();
            let k = (t.limit + 1) * t.block;
            let num = BigUint::from(t.scale) * 2u32;
            let (a, b) = law.gamma(k);
            let mut rng = ZerosFirst {
                zeros: 0,
                rest: ChaCha20Rng::seed_from_u64(3),
            };
            assert!(!t.below(k, &num, 1, 0, 0, &mut rng));
            if a / b < BigUint::from(200u32) {
                rng.zeros = 3;
                assert!(t.below(k, &num, 1, 0, 0, &mut rng), "{law:?}");
            }
        }
    }

    #[test]
    fn large_or_zero_parameters_have_no_table_and_the_cache_shares_one() {
        assert!(EnvelopeTable::new(gauss(1 << 60, 1)).is_none());
        assert!(EnvelopeTable::new(gauss(0, 1)).is_none());
        assert!(EnvelopeTable::new(laplace(0, 1)).is_none());
        let (a, b) = (shared(gauss(17, 3)).unwrap(), shared(gauss(17, 3)).unwrap());
        assert!(Arc::ptr_eq(&a, &b));
        assert!(shared(gauss(1 << 60, 1)).is_none());
    }
}
