//! Reproducible randomness.
//!
//! Every seeded object owns a [`Rng`]: ChaCha12, whose output for a given seed is fixed by its
//! specification rather than by the platform, the word size or the crate version, and whose state
//! serializes (so a restored object continues bit-for-bit). The conversions to floats and bounded
//! integers are written here, not taken from `rand`'s distributions, whose value-stability is not
//! promised across versions.
//!
//! Differential-privacy noise does not use this module's seeded path: it draws from the operating
//! system's entropy unless the user explicitly asks for an insecure, test-only seed.

use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

/// The generator every seeded object owns.
pub type Rng = ChaCha12Rng;

/// A generator from `seed`, or from the operating system's entropy when `seed` is `None`.
pub fn from_seed(seed: Option<u64>) -> Rng {
    match seed {
        Some(s) => Rng::seed_from_u64(s),
        None => Rng::from_os_rng(),
    }
}

/// The `stream`-th of 2^64 independent generators that share `seed` (one per worker, say).
pub fn stream(seed: u64, stream: u64) -> Rng {
    let mut rng = Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A uniform double in the open interval (0, 1): never 0, so `ln` of it is finite.
#[inline]
pub fn open01(rng: &mut Rng) -> f64 {
    open01_of(rng.next_u64())
}

/// [`open01`]'s value for a generator word: its top 53 bits `k` as `(k + 0.5) / 2^53`.
#[inline]
fn open01_of(word: u64) -> f64 {
    // k + 0.5 needs 54 bits for k >= 2^52 and rounds to even: only k = 2^53 - 1 rounds up to
    // 2^53, which would give exactly 1. The clamp maps that one word to the largest double
    // below 1 and leaves every other value as it was.
    (((word >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)).min(BELOW_ONE)
}

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// A standard normal draw: Box–Muller on two open-interval uniforms, one of the pair used, so a
/// draw is a pure function of the generator state and snapshots need no cached spare.
#[inline]
pub fn normal(rng: &mut Rng) -> f64 {
    let u = open01(rng);
    let v = open01(rng);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject), from any
/// generator (the seeded ChaCha12 here, the privacy module's ChaCha20). `n` must be > 0.
#[inline]
pub fn below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    debug_assert!(n > 0);
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_streams_differ() {
        let a: Vec<u64> = (0..8).map(|_| from_seed(Some(42)).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s0 = stream(42, 0);
        let mut s1 = stream(42, 1);
        assert_ne!(s0.next_u64(), s1.next_u64());
    }

    #[test]
    fn open01_stays_inside_the_open_interval() {
        // The extreme words, and the top words whose k + 0.5 rounds (k >= 2^52).
        assert!(open01_of(0) > 0.0);
        assert_eq!(open01_of(u64::MAX), BELOW_ONE);
        assert!(BELOW_ONE < 1.0 && f64::from_bits(BELOW_ONE.to_bits() + 1) == 1.0);
        let top = [
            u64::MAX - (1 << 11),
            u64::MAX - (2 << 11),
            1 << 63,
            (1 << 63) - 1,
        ];
        for w in top {
            assert!(
                open01_of(w) < 1.0 && open01_of(w) <= open01_of(u64::MAX),
                "{w}"
            );
        }
        // Below the clamp the value is the unclamped expression, bit for bit.
        let w = u64::MAX - (2 << 11);
        assert_eq!(open01_of(w), ((w >> 11) as f64 + 0.5) / (1u64 << 53) as f64);
    }

    #[test]
    fn below_is_unbiased_on_a_small_range() {
        // Chi-square against the uniform law on 0..6 (5 dof; 99.9% quantile 20.5).
        let mut rng = from_seed(Some(1));
        let mut counts = [0u64; 6];
        let n = 600_000;
        for _ in 0..n {
            counts[below(&mut rng, 6) as usize] += 1;
        }
        let expected = n as f64 / 6.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 20.5, "chi2 = {chi2}");
    }

    #[test]
    fn open01_mean_and_range() {
        let mut rng = from_seed(Some(2));
        let n = 200_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = open01(&mut rng);
            assert!(u > 0.0 && u < 1.0);
            sum += u;
        }
        // Standard error of the mean is sqrt(1/12/n) ~ 6.5e-4; allow 5 of them.
        assert!((sum / n as f64 - 0.5).abs() < 5.0 * (1.0 / 12.0 / n as f64).sqrt());
    }
}
