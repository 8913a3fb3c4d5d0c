//! Many exact samples at once: fixed-size chunks, each on its own ChaCha20 stream of one key, in
//! parallel. The chunking depends only on the count, so a seeded (insecure, test) run gives the
//! same array on any number of threads.

use rayon::prelude::*;

use super::envelope::{self, Law};
use super::exact::{self, check_rational, check_variance};
use super::secure_rng::SecureRng;
use crate::error::{Error, Result};

const CHUNK: usize = 1 << 12;

/// Which exact distribution, with its rational parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Noise {
    /// Discrete Laplace, scale `num/den`: P(y) ∝ exp(−|y|·den/num).
    Laplace { num: u128, den: u128 },
    /// Discrete Gaussian, variance parameter σ² = `num/den`.
    Gaussian { num: u128, den: u128 },
}

impl Noise {
    fn validate(&self) -> Result<()> {
        match *self {
            Noise::Laplace { num, den } => check_rational("scale", num, den),
            Noise::Gaussian { num, den } => check_variance("sigma^2", num, den),
        }
    }
}

/// `n` independent draws.
pub fn sample(noise: Noise, n: usize, rng: &SecureRng) -> Result<Vec<i64>> {
    sample_streams(noise, n, rng, 0)
}

/// How many generator streams a batch of `n` draws uses.
pub fn streams_used(n: usize) -> u64 {
    n.div_ceil(CHUNK) as u64
}

/// `n` independent draws from streams `first_stream..first_stream + streams_used(n)`.
pub fn sample_streams(
    noise: Noise,
    n: usize,
    rng: &SecureRng,
    first_stream: u64,
) -> Result<Vec<i64>> {
    noise.validate()?;
    // Full chunks draw from the law's table (`envelope.rs`: 17-20 ns a draw instead of 60-100;
    // built once per law in the process, 0.2-2 ms), a batch's short last chunk by CKS.
    // The choice depends on the chunk alone, so a seeded batch is the same whatever ran before
    // it, and a stream drawn in pieces of whole chunks gets the draws of one batch.
    let table = match noise {
        _ if n < CHUNK => None,
        Noise::Gaussian { num, den } => envelope::shared(Law::Gaussian { p: num, q: den }),
        Noise::Laplace { num, den } => envelope::shared(Law::Laplace { num, den }),
    };
    // CKS's Gaussian (its square root and products computed once, not per draw), only when some
    // chunk draws by CKS.
    let gaussian = match noise {
        Noise::Gaussian { num, den } if table.is_none() || n % CHUNK != 0 => Some(
            exact::DiscreteGaussian::new(num, den)
                .ok_or_else(|| Error::Internal("discrete Gaussian parameters overflow".into()))?,
        ),
        _ => None,
    };
    let mut out = vec![0i64; n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .try_for_each(|(i, chunk)| {
            let mut r = rng.stream(first_stream + i as u64);
            // One bit buffer for the chunk: a draw's sign and acceptance bits do not each take a
            // fresh word.
            let bits = &mut exact::Bits::new(&mut r);
            let table = table.as_ref().filter(|_| chunk.len() == CHUNK);
            for slot in chunk.iter_mut() {
                let y = match (noise, table, &gaussian) {
                    (_, Some(t), _) => Some(t.sample(bits.rng())),
                    (Noise::Laplace { num, den }, None, _) => {
                        exact::discrete_laplace_bits(bits, den, num)
                    }
                    (Noise::Gaussian { .. }, None, g) => g.and_then(|g| g.sample(bits)),
                };
                *slot = y
                    .and_then(|v| i64::try_from(v).ok())
                    .ok_or_else(|| Error::Internal("noise sample outside the i64 range".into()))?;
            }
            Ok(())
        })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_runs_do_not_depend_on_threads_and_os_runs_differ() {
        let rng = SecureRng::insecure(7);
        // Laplace; a Gaussian from its table (full chunks) and by CKS (a short batch's chunk).
        for (noise, n) in [
            (Noise::Laplace { num: 3, den: 2 }, 20_000),
            (Noise::Gaussian { num: 13, den: 1 }, 20_000),
            (Noise::Gaussian { num: 13, den: 1 }, 2_000),
            (
                Noise::Gaussian {
                    num: 1 << 30,
                    den: 1,
                },
                20_000,
            ),
        ] {
            let on = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| sample(noise, n, &rng).unwrap())
            };
            assert_eq!(on(1), on(3), "{noise:?}");
        }
        let noise = Noise::Laplace { num: 3, den: 2 };
        let a = sample(noise, 1000, &SecureRng::from_os()).unwrap();
        let b = sample(noise, 1000, &SecureRng::from_os()).unwrap();
        assert_ne!(a, b);
        assert!(SecureRng::insecure(1).is_insecure() && !SecureRng::from_os().is_insecure());
    }

    #[test]
    fn variance_matches_closed_forms() {
        let rng = SecureRng::insecure(8);
        let n = 400_000;
        // Discrete Laplace, scale b: Var = 2a/(1−a)², a = exp(−1/b).
        let y = sample(Noise::Laplace { num: 5, den: 2 }, n, &rng).unwrap();
        let a = (-2.0f64 / 5.0).exp();
        let want = 2.0 * a / (1.0 - a).powi(2);
        let got = y.iter().map(|&v| (v * v) as f64).sum::<f64>() / n as f64;
        assert!((got / want - 1.0).abs() < 0.02, "{got} vs {want}");
        // Discrete Gaussian with sigma^2 = 16: variance within 1e-6 of 16 at this scale.
        let y = sample(Noise::Gaussian { num: 16, den: 1 }, n, &rng).unwrap();
        let got = y.iter().map(|&v| (v * v) as f64).sum::<f64>() / n as f64;
        assert!((got / 16.0 - 1.0).abs() < 0.02, "{got}");
    }

    #[test]
    fn parameters_are_checked() {
        let rng = SecureRng::insecure(1);
        assert!(sample(Noise::Laplace { num: 0, den: 1 }, 3, &rng).is_err());
        assert!(sample(
            Noise::Gaussian {
                num: 1,
                den: 1 << 41
            },
            3,
            &rng
        )
        .is_err());
    }
}
