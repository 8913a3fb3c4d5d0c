//! Exact exponential variates by von Neumann's comparison method, on lazily drawn uniforms.
//!
//! Von Neumann (1951), as given by Karney, "Sampling exactly from the normal distribution",
//! ACM TOMS 2016, Algorithm V: draw a uniform x and then uniforms u₁, u₂, … while they keep
//! decreasing (x > u₁ > u₂ > …); if the run has even length, return k + x, otherwise increase
//! k and start again. Only comparisons of uniforms are made, so with uniforms compared digit by
//! digit (Karney's "u-rands", here in base 2^64: a tie in a digit, probability 2^-64, draws the
//! next digit of both) the result is an exact Exp(1) variate, known as an integer k plus a lazy
//! fraction x. A run compares the first halves of its digits (32 bits) and draws second halves only
//! for a tie or for the x it keeps: about 2.65 generator words per variate instead of 4.3.
//!
//! ⌊(k + x)·a/b⌋ is then a geometric variate with P(G ≥ g) = e^(−g·b/a), decided exactly from x's
//! first digit except when an integer boundary falls inside that digit's interval, where the
//! remaining digits are compared with the boundary's rational position bit by bit.

use rand_core::RngCore;

use super::exact::{Bits, Expansion};

/// A uniform real in [0, 1) whose base-2^64 digits are drawn when a comparison needs them.
#[derive(Debug, Clone, Default)]
pub struct LazyUniform {
    first: u64,
    /// Digits after the first (almost always none: only ties draw them).
    rest: Vec<u64>,
}

impl LazyUniform {
    fn new<R: RngCore>(rng: &mut R) -> Self {
        LazyUniform {
            first: rng.next_u64(),
            rest: Vec::new(),
        }
    }

    fn digit<R: RngCore>(&mut self, i: usize, rng: &mut R) -> u64 {
        if i == 0 {
            return self.first;
        }
        while self.rest.len() < i {
            self.rest.push(rng.next_u64());
        }
        self.rest[i - 1]
    }

    /// Whether `self < other`, drawing digits of both until they differ (ties have probability 0).
    fn less<R: RngCore>(&mut self, other: &mut LazyUniform, rng: &mut R) -> bool {
        let mut i = 0;
        loop {
            let (a, b) = (self.digit(i, rng), other.digit(i, rng));
            if a != b {
                return a < b;
            }
            i += 1;
        }
    }
}

/// One uniform of a run, known to its leading 32 bits; the next 32 are drawn when a comparison
/// ties on the first half (probability 2^-32) or when the uniform is kept as x.
#[derive(Clone, Copy)]
struct Halves {
    hi: u32,
    lo: Option<u32>,
}

impl Halves {
    fn draw<R: RngCore>(rng: &mut R) -> Self {
        Halves {
            hi: rng.next_u32(),
            lo: None,
        }
    }

    /// The first base-2^64 digit, drawing the second half if it is not drawn yet.
    fn digit<R: RngCore>(&mut self, rng: &mut R) -> u64 {
        let lo = *self.lo.get_or_insert_with(|| rng.next_u32());
        u64::from(self.hi) << 32 | u64::from(lo)
    }
}

/// One trial of von Neumann's method: a uniform x and the run below it; `Some(x)` when the run
/// has even length (probability 1 − e^(−1) over x), in which case x is E's fractional part.
///
/// Uniforms are compared on their first 32 bits (a run takes 1 + e^x of them, and a generator
/// word is most of a sample's cost), on 64 after a tie, and digit by digit after a 64-bit tie.
/// Every bit is drawn once, independently of the others, whenever a comparison first needs it,
/// so the comparisons are those of exact uniforms.
fn trial<R: RngCore>(rng: &mut R) -> Option<LazyUniform> {
    let mut x = Halves::draw(rng);
    // The run's last element; `None` while it is x.
    let mut prev: Option<Halves> = None;
    let mut run = 0u32;
    loop {
        let mut u = Halves::draw(rng);
        let p = prev.as_mut().unwrap_or(&mut x);
        let below = if u.hi != p.hi {
            u.hi < p.hi
        } else {
            let (pd, ud) = (p.digit(rng), u.digit(rng));
            if pd == ud {
                let lazy = |first| LazyUniform {
                    first,
                    rest: Vec::new(),
                };
                let xd = lazy(x.digit(rng));
                let prev = prev.map(|mut p| lazy(p.digit(rng)));
                let (accepted, xl) = continue_run(rng, xd, prev, lazy(ud), run);
                return accepted.then_some(xl);
            }
            ud < pd
        };
        if !below {
            return (run % 2 == 0).then(|| LazyUniform {
                first: x.digit(rng),
                rest: Vec::new(),
            });
        }
        run += 1;
        prev = Some(u);
    }
}

/// An exact Exp(1) variate as (integer part, fractional part).
pub fn exponential<R: RngCore>(rng: &mut R) -> (u64, LazyUniform) {
    let mut k = 0u64;
    loop {
        if let Some(x) = trial(rng) {
            return (k, x);
        }
        k += 1;
    }
}

/// The rest of a decreasing run on lazy digits: `u` is the candidate next element, `prev` the
/// run's last element (None while it is `x`), `run` its length so far. Returns whether the run
/// ends with even length, and x.
fn continue_run<R: RngCore>(
    rng: &mut R,
    mut x: LazyUniform,
    mut prev: Option<LazyUniform>,
    mut u: LazyUniform,
    mut run: u32,
) -> (bool, LazyUniform) {
    loop {
        let below = match prev.as_mut() {
            None => u.less(&mut x, rng),
            Some(p) => u.less(p, rng),
        };
        if !below {
            return (run % 2 == 0, x);
        }
        run += 1;
        prev = Some(u);
        u = LazyUniform::new(rng);
    }
}

/// ⌊(k + x)·a/b⌋ exactly, for a, b in 1..=2^40 and x's remaining digits drawn from `bits`.
/// `None` only if k·a·2^64 overflows u128 (k ≥ 2^24: probability e^(−2^24)).
pub fn floor_scaled<R: RngCore>(
    k: u64,
    x: &LazyUniform,
    a: u128,
    b: u128,
    bits: &mut Bits<'_, R>,
) -> Option<u128> {
    // (k + x)·a/b = (k·a·2^64 + d₁·a + R·a)/(b·2^64), R ∈ [0, 1) the digits after d₁.
    let n = (u128::from(k).checked_mul(a)?)
        .checked_mul(1u128 << 64)?
        .checked_add(u128::from(x.first).checked_mul(a)?)?;
    // ⌊n/(b·2^64)⌋ = ⌊⌊n/2^64⌋/b⌋: a shift and, unless b = 1, a 64-bit division (a u128
    // division by a u128 divisor is a slow library call and was half the sampler's time).
    let div = |m: u128| match (u64::try_from(m >> 64), u64::try_from(b)) {
        _ if b == 1 => m >> 64,
        (Ok(h), Ok(b)) => u128::from(h / b),
        _ => (m >> 64) / b,
    };
    let (lo, hi) = (div(n), div(n.checked_add(a)?));
    if lo == hi {
        return Some(lo);
    }
    let d = b << 64;
    // One boundary hi·D in (n, n + a]: the floor is lo iff R·a < hi·D − n, i.e. R < c.
    let c_num = hi * d - n;
    let below = uniform_below_ratio(&x.rest, bits, c_num, a);
    Some(if below { lo } else { hi })
}

/// Whether R < num/den (0 < num ≤ den) for the uniform R whose leading base-2^64 digits are
/// `known` and whose later bits are fresh: the two binary expansions compared bit by bit.
fn uniform_below_ratio<R: RngCore>(
    known: &[u64],
    bits: &mut Bits<'_, R>,
    num: u128,
    den: u128,
) -> bool {
    if num >= den {
        return true;
    }
    let mut p = Expansion::new(num, den);
    for &digit in known {
        for i in (0..64).rev() {
            let (u, p_bit) = (digit >> i & 1 == 1, p.next_bit());
            if u != p_bit {
                return p_bit;
            }
        }
    }
    bits.below(&mut p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn exponential_is_exp_one() {
        // KS distance of k + x (x to 53 bits) from Exp(1) within the 1e-6 critical value.
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let n = 100_000;
        let mut v: Vec<f64> = (0..n)
            .map(|_| {
                let (k, x) = exponential(&mut rng);
                k as f64 + (x.first >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        v.sort_by(f64::total_cmp);
        let (ok, ks) = crate::privacy::ks::within_ks(&v, |e| 1.0 - (-e).exp());
        assert!(ok, "ks {ks}");
    }

    #[test]
    fn a_run_continued_on_lazy_digits_keeps_its_parity() {
        // x and u tie on a first digit at 1/2: u < x with probability 1/2 (run 0, accepted
        // otherwise); then the run goes on from prev ≈ 1/2, and more elements m follow with
        // P(m ≥ j) = 2^-j/j!, so the total 1 + m is even with probability
        // sinh(1/2) − (cosh(1/2) − 1) = 1 − e^(−1/2). P(accept) = (1 + 1 − e^(−1/2))/2.
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let n = 40_000u32;
        let mut accepted = 0u32;
        for _ in 0..n {
            let x = LazyUniform {
                first: 1 << 63,
                rest: vec![],
            };
            let u = LazyUniform {
                first: 1 << 63,
                rest: vec![],
            };
            let (ok, x) = continue_run(&mut rng, x, None, u, 0);
            assert!(!x.rest.is_empty());
            accepted += u32::from(ok);
        }
        let p = (2.0 - (-0.5f64).exp()) / 2.0;
        let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
        assert!(
            (f64::from(accepted) / f64::from(n) - p).abs() < 6.0 * sd,
            "{accepted}"
        );
    }

    /// Hands out scripted 32-bit values (a 64-bit draw takes two, the first as the low half).
    struct Script(std::collections::VecDeque<u32>);

    impl RngCore for Script {
        fn next_u32(&mut self) -> u32 {
            self.0.pop_front().unwrap()
        }
        fn next_u64(&mut self) -> u64 {
            let lo = self.next_u32();
            u64::from(self.next_u32()) << 32 | u64::from(lo)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
    }

    fn script(values: &[u32]) -> Script {
        Script(values.iter().copied().collect())
    }

    #[test]
    fn trials_compare_first_halves_and_draw_second_halves_for_ties_and_x() {
        let half = |hi: u64, lo: u64| hi << 32 | lo;
        // x and u tie on their first halves: x's second half (3), then u's (9) decide u > x.
        let mut r = script(&[7, 7, 3, 9]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 3)));
        assert!(r.0.is_empty());
        // u₁ < x; u₂ ties u₁ on the first half and is below on the second (run 2); u₃ > u₂ ends
        // an even run, and only then is x's second half drawn (5).
        let mut r = script(&[7, 4, 4, 10, 2, 9, 5]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 5)));
        assert!(r.0.is_empty());
        // An odd run is rejected without drawing any second half.
        let mut r = script(&[7, 4, 8, 99]);
        assert!(trial(&mut r).is_none());
        assert_eq!(r.0.len(), 1);
        // A tie of all 64 bits goes on digit by digit: the next digits (u's 1 below x's 2) put u
        // below x, the run goes on from u (u₂ = 1·2^32 below it, u₃ = 9·2^32 above u₂) and ends
        // even, with x's second digit drawn.
        let mut r = script(&[7, 7, 3, 3, 1, 0, 2, 0, 0, 1, 0, 9]);
        let x = trial(&mut r).map(|x| (x.first, x.rest));
        assert_eq!(x, Some((half(7, 3), vec![2])));
        assert!(r.0.is_empty());
    }

    #[test]
    fn ties_draw_more_digits_and_compare_exactly() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut a = LazyUniform {
            first: 7,
            rest: vec![],
        };
        let mut b = LazyUniform {
            first: 7,
            rest: vec![],
        };
        let less = a.less(&mut b, &mut rng);
        assert!(!a.rest.is_empty() && !b.rest.is_empty());
        assert_eq!(less, a.rest[0] < b.rest[0]);
    }

    #[test]
    fn the_boundary_case_splits_in_the_right_proportion() {
        // a/b = 3 and d₁ chosen so that 3·x crosses the integer 1 inside d₁'s interval: the floor
        // is 0 with probability (2^64/3 − d₁) (in units of the interval), else 1.
        let third = u64::MAX / 3; // ⌊(2^64 − 1)/3⌋: 3·third < 2^64 ≤ 3·(third + 1)
        let x = LazyUniform {
            first: third,
            rest: vec![],
        };
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let n = 200_000;
        let mut zeros = 0;
        for _ in 0..n {
            let mut bits = Bits::new(&mut rng);
            if floor_scaled(0, &x, 3, 1, &mut bits).unwrap() == 0 {
                zeros += 1;
            }
        }
        // P(0) = P(third + R < 2^64/3) = 2^64/3 − third = 1/3 (2^64 ≡ 1 mod 3).
        let p = 1.0 / 3.0;
        let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
        assert!(
            (f64::from(zeros) / f64::from(n) - p).abs() < 6.0 * sd,
            "{zeros}"
        );
        // Away from a boundary the first digit decides, with no draws.
        let y = LazyUniform {
            first: 1 << 62,
            rest: vec![],
        };
        assert_eq!(floor_scaled(2, &y, 3, 1, &mut Bits::new(&mut rng)), Some(6));
    }
}
