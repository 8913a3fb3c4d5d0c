//! Value-stable draws from the laws the bandits need: normal, gamma, beta, binomial and a
//! category from weights.
//!
//! Written here on top of [`crate::rng`] rather than taken from `rand_distr`, whose outputs for a
//! seed may change between versions: a seeded simulation must give the same numbers on every
//! platform and every release.

use crate::rng::{self, Rng};

pub use crate::rng::normal;

/// An index drawn with probability proportional to `weights` (nonnegative, some positive), by
/// inverse CDF on one uniform.
#[inline]
pub fn weighted(weights: &[f64], rng: &mut Rng) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng::open01(rng) * total;
    let mut last = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            last = i;
            if u < w {
                return i;
            }
            u -= w;
        }
    }
    last // rounding left `u` a hair above the total: the last index with weight
}

/// Two independent standard normal draws from one Box–Muller transform (cosine and sine).
#[inline]
fn normal_pair(rng: &mut Rng) -> (f64, f64) {
    let u = rng::open01(rng);
    let v = rng::open01(rng);
    let r = (-2.0 * u.ln()).sqrt();
    let (sin, cos) = (std::f64::consts::TAU * v).sin_cos();
    (r * cos, r * sin)
}

/// A Gamma(`shape`, 1) draw, `shape > 0`.
///
/// Marsaglia and Tsang, "A simple method for generating gamma variables", ACM TOMS 26(3), 2000:
/// squeeze-accelerated rejection from a cubed normal for `shape >= 1`; for `shape < 1` their
/// boosting `Gamma(a) = Gamma(a + 1) · U^(1/a)` (section 6).
pub fn gamma(rng: &mut Rng, shape: f64) -> f64 {
    let first = normal(rng);
    gamma_from(rng, shape, first)
}

/// [`gamma`] whose first proposal uses the normal draw `first` (so a caller that needs two
/// gammas can take both first normals from one Box–Muller pair); rejections draw fresh ones.
fn gamma_from(rng: &mut Rng, shape: f64, first: f64) -> f64 {
    if shape < 1.0 {
        let u = rng::open01(rng);
        return gamma_from(rng, shape + 1.0, first) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    let mut proposal = Some(first);
    loop {
        let x = match proposal.take() {
            Some(z) => z,
            None => normal(rng),
        };
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = rng::open01(rng);
        let x2 = x * x;
        if u < 1.0 - 0.0331 * x2 * x2 || u.ln() < 0.5 * x2 + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A Beta(`a`, `b`) draw as `X / (X + Y)` with independent `X ~ Gamma(a)`, `Y ~ Gamma(b)`; the
/// two gammas' first normal proposals come from one Box–Muller pair (one logarithm, one square
/// root and one sine-cosine instead of two of each: Thompson sampling draws one beta per arm).
pub fn beta(rng: &mut Rng, a: f64, b: f64) -> f64 {
    let (z1, z2) = normal_pair(rng);
    let x = gamma_from(rng, a, z1);
    let y = gamma_from(rng, b, z2);
    x / (x + y)
}

/// Below this many trials a binomial is drawn trial by trial.
const DIRECT_TRIALS: u64 = 32;

/// An exact Binomial(`n`, `p`) draw in `O(log n)` beta draws.
///
/// The count of `n` uniforms below `p` is split at the median order statistic `Y = U_(k)`,
/// `k = ⌈n/2⌉`, which is Beta(k, n + 1 − k): if `Y ≤ p` the `k` smallest uniforms are below `p`
/// and the other `n − k` are uniform on `(Y, 1)`; otherwise the `k − 1` smaller ones are uniform
/// on `(0, Y)` (Devroye, *Non-Uniform Random Variate Generation*, 1986, section X.4.3). Each
/// step halves `n`, and small remainders are counted directly, so the law is exact: no normal
/// approximation, whatever `n`.
pub fn binomial(rng: &mut Rng, mut n: u64, mut p: f64) -> u64 {
    let mut count = 0u64;
    loop {
        if n == 0 || p <= 0.0 {
            return count;
        }
        if p >= 1.0 {
            return count + n;
        }
        if n <= DIRECT_TRIALS {
            return count + (0..n).filter(|_| rng::open01(rng) < p).count() as u64;
        }
        let k = n.div_ceil(2);
        let y = beta(rng, k as f64, (n + 1 - k) as f64);
        if y <= p {
            count += k;
            n -= k;
            p = (p - y) / (1.0 - y);
        } else {
            n = k - 1;
            p /= y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v)
    }

    #[test]
    fn gamma_and_beta_match_their_mean_and_variance() {
        let mut rng = rng::from_seed(Some(3));
        let n = 100_000;
        for &a in &[0.3, 1.0, 2.5, 40.0] {
            let xs: Vec<f64> = (0..n).map(|_| gamma(&mut rng, a)).collect();
            let (m, v) = moments(&xs);
            // Mean a, variance a; the sample mean's standard error is sqrt(a/n).
            assert!(
                (m - a).abs() < 5.0 * (a / n as f64).sqrt(),
                "a={a} mean {m}"
            );
            assert!((v / a - 1.0).abs() < 0.05, "a={a} var {v}");
        }
        let (a, b) = (2.0, 5.0);
        let xs: Vec<f64> = (0..n).map(|_| beta(&mut rng, a, b)).collect();
        let (m, v) = moments(&xs);
        let var = a * b / ((a + b).powi(2) * (a + b + 1.0));
        assert!((m - a / (a + b)).abs() < 5.0 * (var / n as f64).sqrt());
        assert!((v / var - 1.0).abs() < 0.05);
    }

    /// Binomial pmf by the ratio recurrence P(k+1)/P(k) = (n−k)/(k+1) · p/(1−p), in logs.
    fn pmf(n: u64, p: f64) -> Vec<f64> {
        let mut log = vec![0.0; n as usize + 1];
        log[0] = n as f64 * (1.0 - p).ln();
        for k in 0..n as usize {
            log[k + 1] =
                log[k] + ((n - k as u64) as f64 / (k + 1) as f64).ln() + (p / (1.0 - p)).ln();
        }
        log.iter().map(|l| l.exp()).collect()
    }

    #[test]
    fn binomial_matches_the_exact_pmf_by_chi_square() {
        // n above DIRECT_TRIALS so the beta splitting is exercised; cells with expectation < 5 are
        // pooled into their neighbours.
        let mut rng = rng::from_seed(Some(4));
        for &(n, p) in &[(200u64, 0.3), (1000, 0.02), (77, 0.9)] {
            let draws = 60_000;
            let mut counts = vec![0u64; n as usize + 1];
            for _ in 0..draws {
                counts[binomial(&mut rng, n, p) as usize] += 1;
            }
            let probs = pmf(n, p);
            let (mut chi2, mut cells, mut e_acc, mut o_acc) = (0.0, 0, 0.0, 0.0);
            for k in 0..=n as usize {
                e_acc += probs[k] * draws as f64;
                o_acc += counts[k] as f64;
                if e_acc >= 5.0 {
                    chi2 += (o_acc - e_acc).powi(2) / e_acc;
                    cells += 1;
                    e_acc = 0.0;
                    o_acc = 0.0;
                }
            }
            let dof = (cells - 1) as f64;
            // Wilson–Hilferty 99.9% quantile of chi-square(dof).
            let z = 3.09;
            let q = dof * (1.0 - 2.0 / (9.0 * dof) + z * (2.0 / (9.0 * dof)).sqrt()).powi(3);
            assert!(chi2 < q, "n={n} p={p}: chi2 {chi2} > {q} ({cells} cells)");
        }
    }

    #[test]
    fn binomial_of_huge_n_has_the_right_mean_and_variance() {
        let mut rng = rng::from_seed(Some(5));
        let (n, p) = (1_000_000_000u64, 0.37);
        let xs: Vec<f64> = (0..20_000)
            .map(|_| binomial(&mut rng, n, p) as f64)
            .collect();
        let (m, v) = moments(&xs);
        let var = n as f64 * p * (1.0 - p);
        assert!((m - n as f64 * p).abs() < 5.0 * (var / 20_000.0).sqrt());
        assert!((v / var - 1.0).abs() < 0.05);
        assert_eq!(binomial(&mut rng, 10, 0.0), 0);
        assert_eq!(binomial(&mut rng, 10, 1.0), 10);
    }
}
