//! Certified brackets of e^(−γ) for a rational γ ≥ 0, in big-integer fixed point.
//!
//! The exact table sampler ([`super::envelope`]) decides almost every draw with integers
//! computed once, and needs e^(−γ) to arbitrary precision only to build them and, about once in
//! 2^32 draws, to finish a comparison with a uniform. Both go through [`exp_neg`], which rounds
//! every term of e^γ's series down for the lower sum and up for the upper one and bounds the
//! series' tail, so the bracket holds whatever its width.

use num_bigint::BigUint;

/// Largest x [`exp_neg_estimate`] takes.
pub const ESTIMATE_UP_TO: f64 = 2.0;

/// A bound on [`exp_neg_estimate`]'s relative error, with room to spare (see there).
pub const ESTIMATE_ERROR: f64 = 1.0 / (1u64 << 28) as f64;

/// e^(−x) in floating point for 0 ≤ x ≤ [`ESTIMATE_UP_TO`], within a relative
/// [`ESTIMATE_ERROR`] of the exact value, for comparisons whose margins absorb that error (the
/// table sampler's in-block acceptance). With y = x/4 ≤ 1/2, the alternating series of e^(−y)
/// cut after y⁹/9! is off by at most y¹⁰/10! < 2.7e-10, below 2^−31 of e^(−1/2); evaluating it
/// in f64 adds under 2^−47 (ten terms below 1, each with a few roundings of 2^−53); raising to
/// the fourth power by two squarings multiplies the relative error by 4 and adds two roundings:
/// under 2^−28.9 in all. The terms are grouped in pairs (Estrin's scheme) rather than nested
/// (Horner's), so the multiplications do not wait for one another: this sits on every draw.
#[inline]
pub fn exp_neg_estimate(x: f64) -> f64 {
    const C: [f64; 10] = [
        1.0,
        -1.0,
        1.0 / 2.0,
        -1.0 / 6.0,
        1.0 / 24.0,
        -1.0 / 120.0,
        1.0 / 720.0,
        -1.0 / 5_040.0,
        1.0 / 40_320.0,
        -1.0 / 362_880.0,
    ];
    let y = 0.25 * x;
    let y2 = y * y;
    let y4 = y2 * y2;
    let low = (C[0] + C[1] * y) + y2 * (C[2] + C[3] * y);
    let mid = (C[4] + C[5] * y) + y2 * (C[6] + C[7] * y);
    let high = C[8] + C[9] * y;
    let p = low + y4 * (mid + y4 * high);
    let p2 = p * p;
    p2 * p2
}

/// `(lo, hi)` with `lo ≤ e^(−a/b)·2^prec ≤ hi` (`b > 0`). The width is a few units for
/// `prec` of 64 and more; the bracket is certain at any width.
pub fn exp_neg(a: &BigUint, b: &BigUint, prec: u64) -> (BigUint, BigUint) {
    assert!(b.bits() > 0, "exp_neg: zero denominator");
    // γ < 2^gamma_bits; the series needs about 2eγ + prec terms, and rounding one unit per term
    // (magnified at most e^γ-fold along the recurrence, as the terms themselves are) costs about
    // 2·log2(terms) bits, so that many guard bits keep the bracket a few units wide.
    let gamma_bits = (a.bits() + 1).saturating_sub(b.bits());
    let terms_estimate = (6u64 << gamma_bits.min(40)) + prec + 64;
    let guard = 2 * u64::from(64 - terms_estimate.leading_zeros()) + 8;
    let f = prec + guard;
    let one = BigUint::from(1u32) << f;
    // e^γ·2^f within [sum_lo, sum_hi].
    let (mut term_lo, mut term_hi) = (one.clone(), one.clone());
    let (mut sum_lo, mut sum_hi) = (one.clone(), one);
    let mut k: u64 = 0;
    loop {
        k += 1;
        let den = b * BigUint::from(k);
        term_lo = &term_lo * a / &den;
        term_hi = ceil_div(&(&term_hi * a), &den);
        sum_lo += &term_lo;
        sum_hi += &term_hi;
        // Once (k + 1)·b ≥ 2a, each later term is at most half the one before, so the tail after
        // term k is at most term k itself; stop when that is below one unit.
        let halving = BigUint::from(k + 1) * b >= a << 1u32;
        if halving && term_hi <= BigUint::from(1u32) {
            sum_hi += &term_hi;
            break;
        }
    }
    let num = BigUint::from(1u32) << (f + prec);
    (&num / &sum_hi, ceil_div(&num, &sum_lo))
}

/// ⌈n/d⌉ for d > 0.
pub fn ceil_div(n: &BigUint, d: &BigUint) -> BigUint {
    let q = n / d;
    if &q * d == *n {
        q
    } else {
        q + 1u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(v: u128) -> BigUint {
        BigUint::from(v)
    }

    fn as_f64(v: &BigUint, prec: u64) -> f64 {
        // Exact enough for a comparison with f64's exp: the top 64 bits and the exponent.
        let bits = v.bits();
        let shift = bits.saturating_sub(64);
        let top = (v >> shift).iter_u64_digits().next().unwrap_or(0) as f64;
        top * 2f64.powi(shift as i32 - prec as i32)
    }

    #[test]
    fn brackets_hold_and_are_narrow() {
        for &(a, b) in &[
            (0u128, 1u128),
            (1, 1),
            (1, 2),
            (3, 7),
            (13, 1),
            (169, 26),
            (1_000_000, 13),
            (72, 1),
            (250, 1),
            (1, 1 << 40),
            ((1 << 40) + 7, (1 << 40) - 3),
        ] {
            let gamma = a as f64 / b as f64;
            for prec in [64u64, 128, 300] {
                let (lo, hi) = exp_neg(&big(a), &big(b), prec);
                assert!(lo <= hi);
                assert!(
                    &hi - &lo <= big(4),
                    "{a}/{b} at {prec}: width {}",
                    &hi - &lo
                );
                let want = (-gamma).exp();
                if want > 1e-300 {
                    let (l, h) = (as_f64(&lo, prec), as_f64(&hi, prec));
                    let tol = want * 1e-14;
                    assert!(
                        l <= want + tol && h >= want - tol,
                        "{a}/{b}: {l} {want} {h}"
                    );
                }
            }
        }
    }

    #[test]
    fn exact_values_are_bracketed() {
        // e^0 = 1 exactly; and e^(−γ)·e^(−γ) = e^(−2γ): products of brackets enclose the
        // bracket of the sum (an identity the two computations do not share).
        let prec = 100;
        let (lo, hi) = exp_neg(&big(0), &big(5), prec);
        assert!(lo <= big(1) << prec && hi >= big(1) << prec);
        for &(a, b) in &[(1u128, 3u128), (22, 7), (5, 1)] {
            let (lo1, hi1) = exp_neg(&big(a), &big(b), prec);
            let (lo2, hi2) = exp_neg(&big(2 * a), &big(b), 2 * prec);
            let (plo, phi) = (&lo1 * &lo1, &hi1 * &hi1);
            // [plo, phi] and [lo2, hi2] both contain e^(−2γ)·2^(2·prec): they overlap.
            assert!(plo <= hi2 && lo2 <= phi, "{a}/{b}");
        }
    }

    #[test]
    fn estimates_are_within_their_error_bound() {
        // Against certified 128-bit brackets, at x = a/b over [0, 2] (both ends included).
        let b = 1u128 << 40;
        let mut worst = 0.0f64;
        for i in 0..=20_000u128 {
            let a = (i * 2 * b / 20_000).min(2 * b) + u128::from(i % 3 == 1) * 12_345;
            let a = a.min(2 * b);
            let x = a as f64 / b as f64;
            let (lo, hi) = exp_neg(&big(a), &big(b), 128);
            let (lo, hi) = (as_f64(&lo, 128), as_f64(&hi, 128));
            let e = exp_neg_estimate(x);
            // x itself is a rounding of a/b: one unit of 2^-52 in x moves e^(−x) by less than
            // 2^-51 relatively, far inside the bound.
            let err = ((e - lo) / lo).abs().max(((e - hi) / hi).abs());
            worst = worst.max(err);
            assert!(err < ESTIMATE_ERROR / 2.0, "x = {x}: {e} vs [{lo}, {hi}]");
        }
        // The bound is not loose by orders of magnitude (the series' cut is most of it).
        assert!(worst > ESTIMATE_ERROR / 64.0, "{worst}");
    }

    #[test]
    fn ceil_division() {
        assert_eq!(ceil_div(&big(10), &big(5)), big(2));
        assert_eq!(ceil_div(&big(11), &big(5)), big(3));
        assert_eq!(ceil_div(&big(0), &big(5)), big(0));
    }
}
