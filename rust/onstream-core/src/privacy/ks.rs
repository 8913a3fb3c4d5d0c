//! The Kolmogorov–Smirnov check the sampler tests share.

/// Whether sorted samples stay within the KS critical value at p = 1e-6 of `cdf`:
/// sup |F_n − F| < sqrt(−ln(1e-6/2)/2)/sqrt(n) (with 0.35 of slack for the small-n correction).
pub fn within_ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> (bool, f64) {
    let n = sorted.len() as f64;
    let d = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let c = cdf(x);
            (c - i as f64 / n).abs().max((c - (i + 1) as f64 / n).abs())
        })
        .fold(0.0, f64::max);
    (d < (13.8155f64 / 2.0 + 0.35).sqrt() / n.sqrt(), d)
}
