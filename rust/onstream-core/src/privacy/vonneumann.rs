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
///
/// The first two comparisons are made at once: x, u₁ and u₂ settle five trials in six (a run of
/// 0, accepted, or of 1, rejected) with one unpredictable branch on the outcome where comparing
/// one after the other took two. u₂ is drawn before it is known to be needed; when it is not
/// (u₁ ≥ x), it is dropped unexamined by the outcome, so the bits that decide stay independent.
#[inline]
fn trial<R: RngCore>(rng: &mut R) -> Option<LazyUniform> {
    let (x, u1, u2) = (rng.next_u32(), rng.next_u32(), rng.next_u32());
    let half = |hi| Halves { hi, lo: None };
    let first = u1 < x;
    let second = first & (u2 < u1);
    // 0: run 0; 1: run 1; 2: run of at least 2; 3: u₁ ties x, 4: u₂ ties u₁ < x.
    let case = if u1 == x {
        3
    } else if first & (u2 == u1) {
        4
    } else {
        u8::from(first) + u8::from(second)
    };
    match case {
        0 => Some(LazyUniform {
            first: u64::from(x) << 32 | u64::from(rng.next_u32()),
            rest: Vec::new(),
        }),
        1 => None,
        2 => {
            let u3 = Halves::draw(rng);
            run_from(rng, half(x), Some(half(u2)), 2, u3)
        }
        3 => run_from(rng, half(x), None, 0, half(u1)),
        _ => run_from(rng, half(x), Some(half(u1)), 1, half(u2)),
    }
}

/// A trial from a run of `run` uniforms below x ending at `prev` (`None` while the run is empty),
/// with `u` the next candidate: one comparison after the other.
fn run_from<R: RngCore>(
    rng: &mut R,
    mut x: Halves,
    mut prev: Option<Halves>,
    mut run: u32,
    mut u: Halves,
) -> Option<LazyUniform> {
    loop {
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
        u = Halves::draw(rng);
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
/// `None` only if k·a overflows 64 bits (k ≥ 2^24: probability e^(−2^24)).
#[inline]
pub fn floor_scaled<R: RngCore>(
    k: u64,
    x: &LazyUniform,
    a: u128,
    b: u128,
    bits: &mut Bits<'_, R>,
) -> Option<u128> {
    let (a, b) = (u64::try_from(a).ok()?, u64::try_from(b).ok()?);
    // (k + x)·a/b = (n + R·a)/(b·2^64) with n = k·a·2^64 + d₁·a and R ∈ [0, 1) the digits after
    // d₁, so the floor is ⌊n/(b·2^64)⌋ unless an integer multiple of b·2^64 lies in (n, n + a].
    // ⌊n/2^64⌋ = k·a + the high word of d₁·a: one 64×64 product, and a 64-bit division unless
    // b = 1 (a division with a u128 divisor is a slow library call).
    let ka = u128::from(k.checked_mul(a)?);
    let da = u128::from(x.first) * u128::from(a);
    let div = |m: u128| match u64::try_from(m) {
        _ if b == 1 => m,
        Ok(m) => u128::from(m / b),
        Err(_) => m / u128::from(b),
    };
    let lo = div(ka + (da >> 64));
    let hi = div(ka + ((da + u128::from(a)) >> 64));
    if lo == hi {
        return Some(lo);
    }
    // One boundary hi·b·2^64 in (n, n + a]: the floor is lo iff R·a < hi·b·2^64 − n, i.e. R < c.
    let n = (ka << 64).checked_add(da)?;
    let c_num = (hi * u128::from(b)).checked_mul(1u128 << 64)? - n;
    let below = uniform_below_ratio(&x.rest, bits, c_num, u128::from(a));
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

/// Bernoulli(exp(−num/den)) for any num/den ≥ 0 (den > 0), by the run-length method of von
/// Neumann (1951) as Forsythe (1972) generalized it, with the fixed γ = num/den in place of the
/// uniform x: the length n of the run γ > u₁ > u₂ > … has P(n ≥ k) = γ^k/k!, so
/// P(n even) = Σ_k (γ^(2k)/(2k)! − γ^(2k+1)/(2k+1)!) = e^(−γ). γ ≥ 1 is split into ⌊γ⌋ draws
/// with γ = 1 (every u₁ is below 1) and one with the fraction, as CKS Algorithm 1 does.
///
/// This replaces CKS's Bernoulli(γ/k) chain for the discrete Gaussian's acceptance: about
/// 1 + γ uniforms compared on 32 bits each, instead of two bits of a u128 long division per
/// Bernoulli(γ/k). Only u₁ meets γ. It is compared with a floating-point γ only where the margin
/// for that value's error (below 2^-50 relative) makes the answer certain, and with γ's exact
/// binary expansion otherwise (probability about 2^-31): floating point filters, it never
/// decides an outcome it could get wrong.
pub fn bernoulli_exp<R: RngCore>(rng: &mut R, num: u128, den: u128) -> bool {
    bernoulli_exp_scaled(rng, num, den, gamma_scale(den))
}

/// 2^32/den in floating point, for [`bernoulli_exp_scaled`] with a fixed denominator.
pub fn gamma_scale(den: u128) -> f64 {
    (1u64 << 32) as f64 / den as f64
}

/// [`bernoulli_exp`] given `scale` = [`gamma_scale`]`(den)`.
#[inline]
pub fn bernoulli_exp_scaled<R: RngCore>(rng: &mut R, num: u128, den: u128, scale: f64) -> bool {
    debug_assert!(den > 0);
    let (whole, frac) = if num < den {
        (0, num)
    } else {
        (num / den, num % den)
    };
    for _ in 0..whole {
        let u1 = Halves::draw(rng);
        if !run_parity(rng, u1, 1) {
            return false;
        }
    }
    if frac == 0 {
        return true;
    }
    let u1 = Halves::draw(rng);
    match first_below(rng, u1, frac, den, scale) {
        None => true,
        Some(Element::Halves(u1)) => run_parity(rng, u1, 1),
        Some(Element::Lazy(u1)) => {
            let u2 = LazyUniform::new(rng);
            continue_run(rng, LazyUniform::default(), Some(u1), u2, 1).0
        }
    }
}

const TWO64: f64 = 18_446_744_073_709_551_616.0;

/// A uniform as far as comparisons have drawn it.
#[derive(Clone)]
enum Element {
    Halves(Halves),
    Lazy(LazyUniform),
}

/// u₁ if it is below γ = num/den < 1, else `None`: decided on u₁'s first half against a
/// floating-point γ when the margin for that value's error leaves no doubt, and digit by digit
/// against γ's binary expansion otherwise.
fn first_below<R: RngCore>(
    rng: &mut R,
    u1: Halves,
    num: u128,
    den: u128,
    scale: f64,
) -> Option<Element> {
    // γ·2^32 with six roundings of 2^-53 at most (num's two halves, their sum, den, the scale's
    // division, the product), then bounds that hold for the exact value whatever they were.
    const MARGIN: f64 = 1.0 / (1u64 << 45) as f64;
    let num_f = (num >> 64) as u64 as f64 * TWO64 + num as u64 as f64;
    let g = num_f * scale;
    let h = f64::from(u1.hi);
    if h + 1.0 <= g * (1.0 - MARGIN) {
        Some(Element::Halves(u1))
    } else if h >= g * (1.0 + MARGIN) {
        None
    } else {
        let mut u1 = LazyUniform {
            first: { u1 }.digit(rng),
            rest: Vec::new(),
        };
        below_ratio(rng, &mut u1, num, den).then_some(Element::Lazy(u1))
    }
}

/// Whether the run whose `run`-th element is `prev` ends with even length: [`run_from`], whose
/// x is never compared once the run has an element (a placeholder with both halves drawn, so
/// that returning it draws nothing).
fn run_parity<R: RngCore>(rng: &mut R, prev: Halves, run: u32) -> bool {
    const NO_X: Halves = Halves { hi: 0, lo: Some(0) };
    let u = Halves::draw(rng);
    run_from(rng, NO_X, Some(prev), run, u).is_some()
}

/// Whether the lazy uniform `u` is below num/den (< 1), comparing its base-2^64 digits with
/// the expansion's and drawing (and keeping) digits while they agree.
fn below_ratio<R: RngCore>(rng: &mut R, u: &mut LazyUniform, num: u128, den: u128) -> bool {
    let mut p = Expansion::new(num, den);
    let mut i = 0;
    loop {
        let digit = u.digit(i, rng);
        let mut want = 0u64;
        for _ in 0..64 {
            want = want << 1 | u64::from(p.next_bit());
        }
        if digit != want {
            return digit < want;
        }
        i += 1;
    }
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
        // x = 7, u₁ = 9 above it: run 0, accepted; u₂ (0) is dropped and x's second half (5)
        // drawn.
        let mut r = script(&[7, 9, 0, 5]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 5)));
        assert!(r.0.is_empty());
        // u₁ < x, u₂ > u₁: run 1, rejected without drawing any second half.
        let mut r = script(&[7, 4, 8, 99]);
        assert!(trial(&mut r).is_none());
        assert_eq!(r.0.len(), 1);
        // u₁ < x, u₂ < u₁: the run goes on one comparison at a time; u₃ = 9 ends it at 2,
        // accepted; with u₃ = 1 below u₂ instead it reaches 3 (u₄ = 9 ends it), rejected.
        let mut r = script(&[7, 4, 2, 9, 5]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 5)));
        assert!(r.0.is_empty());
        let mut r = script(&[7, 4, 2, 1, 9]);
        assert!(trial(&mut r).is_none());
        assert!(r.0.is_empty());
        // u₁ ties x on its first half: u₂ (42) is dropped, x's second half (3) and then u₁'s (9)
        // decide u₁ > x: run 0.
        let mut r = script(&[7, 7, 42, 3, 9]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 3)));
        assert!(r.0.is_empty());
        // u₂ ties u₁ < x: u₁'s second half (10), then u₂'s (2) put u₂ below (run 2); u₃ = 9 above
        // u₂ ends an even run, and x's second half (5) is drawn.
        let mut r = script(&[7, 4, 4, 10, 2, 9, 5]);
        assert_eq!(trial(&mut r).map(|x| x.first), Some(half(7, 5)));
        assert!(r.0.is_empty());
        // A tie of all 64 bits goes on digit by digit: the next digits (u's 1 below x's 2) put u
        // below x, the run goes on from u (u₂ = 1·2^32 below it, u₃ = 9·2^32 above u₂) and ends
        // even, with x's second digit drawn.
        let mut r = script(&[7, 7, 42, 3, 3, 1, 0, 2, 0, 0, 1, 0, 9]);
        let x = trial(&mut r).map(|x| (x.first, x.rest));
        assert_eq!(x, Some((half(7, 3), vec![2])));
        assert!(r.0.is_empty());
    }

    #[test]
    fn trials_accept_with_probability_one_minus_one_over_e() {
        // Von Neumann's acceptance rate, 1 − e^(−1), through the trial's first-two-at-once path.
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let n = 200_000u32;
        let accepted = (0..n).filter(|_| trial(&mut rng).is_some()).count();
        let p = 1.0 - (-1.0f64).exp();
        let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
        assert!(
            (accepted as f64 / f64::from(n) - p).abs() < 6.0 * sd,
            "{accepted}"
        );
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

    proptest::proptest! {
        #[test]
        fn floor_scaled_is_the_rational_floor_away_from_a_boundary(
            k in 0u64..5000,
            first: u64,
            a in 1u128..=1 << 40,
            b in 1u128..=1 << 40,
        ) {
            // (k + first/2^64)·a/b in plain u128 arithmetic: k·2^64 + first < 2^77, times a < 2^118.
            let n = ((u128::from(k) << 64) + u128::from(first)) * a;
            let d = b << 64;
            let x = LazyUniform { first, rest: vec![] };
            let mut rng = ChaCha20Rng::seed_from_u64(first);
            let got = floor_scaled(k, &x, a, b, &mut Bits::new(&mut rng));
            if n / d == (n + a) / d {
                proptest::prop_assert_eq!(got, Some(n / d));
            } else {
                // A boundary inside d₁'s interval: either side, decided by the later digits.
                let g = got.unwrap_or(u128::MAX);
                proptest::prop_assert!(g == n / d || g == (n + a) / d);
            }
        }
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

    #[test]
    fn bernoulli_exp_has_rate_exp_minus_gamma() {
        // Rates within 5 standard errors, γ below and above 1, with an integer part, zero, and
        // a rational on the discrete Gaussian's scale (parts near 2^85); and the same rates as
        // CKS's Bernoulli(γ/k) chain.
        let mut rng = ChaCha20Rng::seed_from_u64(31);
        let big = (1u128 << 85) + 12_345;
        for (num, den) in [
            (1u128, 2u128),
            (3, 1),
            (7, 3),
            (0, 1),
            (1, 1),
            (big / 3, big),
            (big * 2 + 7, big),
        ] {
            let n = 200_000;
            let hits = (0..n).filter(|_| bernoulli_exp(&mut rng, num, den)).count();
            let p = (-(num as f64) / den as f64).exp();
            let sd = (p * (1.0 - p) / f64::from(n)).sqrt().max(1e-9);
            assert!(
                ((hits as f64 / f64::from(n)) - p).abs() < 5.0 * sd,
                "{num}/{den}: {hits}"
            );
        }
    }

    #[test]
    fn the_exact_comparison_with_gamma_draws_digits_until_they_differ() {
        // γ = (d + 1/3)/2^64: a uniform whose first digit is d is below γ with probability 1/3,
        // decided on its second digit, which it keeps; first digits d ± 1 decide at once.
        let mut rng = ChaCha20Rng::seed_from_u64(32);
        let d = 0x9e37_79b9_7f4a_7c15u64;
        let (num, den) = (3 * u128::from(d) + 1, 3u128 << 64);
        let n = 60_000u32;
        let mut below = 0u32;
        for _ in 0..n {
            let mut u = LazyUniform {
                first: d,
                rest: vec![],
            };
            below += u32::from(below_ratio(&mut rng, &mut u, num, den));
            assert_eq!(u.rest.len(), 1);
        }
        let sd = (2.0 / 9.0 / f64::from(n)).sqrt();
        assert!((f64::from(below) / f64::from(n) - 1.0 / 3.0).abs() < 5.0 * sd);
        for (first, want) in [(d - 1, true), (d + 1, false)] {
            let mut u = LazyUniform {
                first,
                rest: vec![],
            };
            assert_eq!(below_ratio(&mut rng, &mut u, num, den), want);
            assert!(u.rest.is_empty());
        }
    }

    #[test]
    fn u1_near_gamma_is_compared_exactly() {
        // γ = m/2^32 exactly: first halves m − 2 and m + 1 are decided in floating point; m − 1
        // (always below) and m (never below: γ's later bits are zeros) lie within the margin
        // and go to the exact comparison, which keeps the digits it drew.
        let mut rng = ChaCha20Rng::seed_from_u64(33);
        let m = 7u32;
        let (num, den) = (u128::from(m), 1u128 << 32);
        let half = |hi| Halves { hi, lo: None };
        for _ in 0..1000 {
            assert!(matches!(
                first_below(&mut rng, half(m - 2), num, den, gamma_scale(den)),
                Some(Element::Halves(_))
            ));
            assert!(first_below(&mut rng, half(m + 1), num, den, gamma_scale(den)).is_none());
            match first_below(&mut rng, half(m - 1), num, den, gamma_scale(den)) {
                Some(Element::Lazy(u)) => assert_eq!(u.first >> 32, u64::from(m - 1)),
                _ => panic!("m - 1 is below γ, decided exactly"),
            }
            assert!(first_below(&mut rng, half(m), num, den, gamma_scale(den)).is_none());
        }
    }
}
