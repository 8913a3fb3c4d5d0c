//! Exact variances of the discrete noise distributions, for error bars that mean what they say.

/// Variance of the discrete Laplace with scale `b` (P(y) ∝ exp(−|y|/b)): 2a/(1−a)², a = e^(−1/b).
pub fn discrete_laplace(b: f64) -> f64 {
    let a = (-1.0 / b).exp();
    2.0 * a / ((1.0 - a) * (1.0 - a))
}

/// Variance of the discrete Gaussian with parameter σ² (P(y) ∝ exp(−y²/(2σ²))), summed over
/// the support out to 40σ + 40, beyond which terms are below 1e-300 of the total.
pub fn discrete_gaussian(sigma2: f64) -> f64 {
    // By Poisson summation the lattice changes the variance by a relative 8π²σ²·e^(−2π²σ²)
    // at most, below 1e-1000 once σ² ≥ 64: the continuous variance is then exact in f64 (and
    // the sum below would take 40σ terms, 2^30 at the matrix mechanisms' σ).
    if sigma2 >= 64.0 {
        return sigma2;
    }
    let reach = (40.0 * sigma2.sqrt() + 40.0) as i64;
    let (mut z, mut m2) = (1.0f64, 0.0f64);
    for y in 1..=reach {
        let w = (-((y * y) as f64) / (2.0 * sigma2)).exp();
        z += 2.0 * w;
        m2 += 2.0 * (y * y) as f64 * w;
    }
    m2 / z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_known_values() {
        // Large scales approach the continuous laws: 2b² and σ².
        assert!((discrete_laplace(1000.0) / 2e6 - 1.0).abs() < 1e-3);
        assert!((discrete_gaussian(1e4) / 1e4 - 1.0).abs() < 1e-9);
        // Scale 1: 2e^-1/(1-e^-1)^2 = 1.84135...
        assert!((discrete_laplace(1.0) - 1.841_347_188).abs() < 1e-6);
        // Small σ: the lattice dominates, variance ≈ 2e^(−1/(2σ²)).
        let s2 = 0.04;
        assert!((discrete_gaussian(s2) / (2.0 * (-1.0f64 / (2.0 * s2)).exp()) - 1.0).abs() < 1e-3);
    }
}
