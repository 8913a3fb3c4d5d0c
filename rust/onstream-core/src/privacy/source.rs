//! The noise of a streaming mechanism: its exact law ([`NodeNoise`]) and where the draws come
//! from ([`NoiseSource`]).
//!
//! A source holds a ChaCha20 key (from the OS, or an explicitly insecure seed), stream 0 for
//! draws one step at a time, and fresh streams for batches, so a batch drawn in parallel never
//! reuses bits a step used. It is never part of a snapshot: a restored mechanism is re-keyed from
//! the OS, and restoring one checkpoint twice releases two noisy views of the same data, which
//! spends the privacy budget twice.

use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use super::batch;
use super::exact;
use super::secure_rng::SecureRng;
use super::variance;
use crate::error::{Error, Result};

/// Discrete Laplace with scale `num/den`, or discrete Gaussian with σ² = `num/den`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeNoise {
    Laplace { num: u64, den: u64 },
    Gaussian { num: u64, den: u64 },
}

impl NodeNoise {
    fn ratio(num: u64, den: u64) -> f64 {
        num as f64 / den as f64
    }

    /// Refuses parameters the exact samplers cannot take without loss.
    pub fn validate(&self) -> Result<()> {
        match *self {
            NodeNoise::Laplace { num, den } => {
                exact::check_rational("noise", u128::from(num), u128::from(den))
            }
            NodeNoise::Gaussian { num, den } => {
                exact::check_variance("noise", u128::from(num), u128::from(den))
            }
        }
    }

    /// The exact variance of one draw.
    pub fn variance(&self) -> f64 {
        match *self {
            NodeNoise::Laplace { num, den } => variance::discrete_laplace(Self::ratio(num, den)),
            NodeNoise::Gaussian { num, den } => variance::discrete_gaussian(Self::ratio(num, den)),
        }
    }

    fn as_batch(&self) -> batch::Noise {
        match *self {
            NodeNoise::Laplace { num, den } => batch::Noise::Laplace {
                num: num.into(),
                den: den.into(),
            },
            NodeNoise::Gaussian { num, den } => batch::Noise::Gaussian {
                num: num.into(),
                den: den.into(),
            },
        }
    }

    fn draw(&self, rng: &mut ChaCha20Rng) -> Result<i64> {
        let y = match *self {
            NodeNoise::Laplace { num, den } => {
                exact::discrete_laplace(rng, u128::from(den), u128::from(num))
            }
            NodeNoise::Gaussian { num, den } => {
                exact::discrete_gaussian(rng, u128::from(num), u128::from(den))
            }
        };
        y.and_then(|v| i64::try_from(v).ok())
            .ok_or_else(|| Error::Internal("noise sample outside the i64 range".into()))
    }
}

/// Steps per piece of a batch release: the next piece's noise is drawn while this one steps.
pub const RELEASE_PIECE: usize = 1 << 15;

/// A whole stream stepped in pieces of [`RELEASE_PIECE`] (call inside `pool::run`): while one
/// piece steps, in order on this thread, the next piece's `draws[i]` draws are made in parallel,
/// so the pool's other threads sample while this one steps (and join the sampling when it is
/// done). Each piece's noise comes from streams no other call uses, a fixed number per piece, so a
/// seeded run does not depend on the number of threads. `step` gets a piece, its noise in the
/// order the steps consume it, and the output to push the piece's releases to.
pub fn release_in_pieces(
    source: &mut NoiseSource,
    law: NodeNoise,
    xs: &[u8],
    draws: &[usize],
    mut step: impl FnMut(&[u8], &[i64], &mut Vec<f64>) -> Result<()> + Send,
) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(xs.len());
    let mut counts = draws.iter().copied();
    let mut noise = source.batch(law, counts.next().unwrap_or(0));
    for piece in xs.chunks(RELEASE_PIECE) {
        let upcoming = counts.next();
        let current = noise;
        let (stepped, next) = rayon::join(
            || step(piece, &current?, &mut out),
            || upcoming.map(|n| source.batch(law, n)),
        );
        stepped?;
        noise = next.unwrap_or_else(|| Ok(Vec::new()));
    }
    Ok(out)
}

/// Draws handed out in order from a batch drawn up front (as a tree's steps consume them).
pub fn replay(noise: &[i64]) -> impl FnMut() -> Result<i64> + '_ {
    let mut next = noise.iter();
    move || {
        next.next()
            .copied()
            .ok_or_else(|| Error::Internal("batch noise ran out".into()))
    }
}

/// A key, the single-step generator (stream 0) and the next stream free for a batch.
#[derive(Debug, Clone)]
pub struct NoiseSource {
    key: Option<SecureRng>,
    rng: Option<ChaCha20Rng>,
    next_stream: u64,
}

impl Default for NoiseSource {
    /// An unkeyed source (what a restored snapshot gets): keyed from the OS on first use.
    fn default() -> Self {
        NoiseSource {
            key: None,
            rng: None,
            next_stream: 1,
        }
    }
}

impl NoiseSource {
    pub fn new(key: &SecureRng) -> Self {
        NoiseSource {
            key: Some(key.clone()),
            rng: Some(key.stream(0)),
            next_stream: 1,
        }
    }

    fn key(&mut self) -> &SecureRng {
        self.key.get_or_insert_with(SecureRng::from_os)
    }

    /// One draw on the single-step stream.
    pub fn draw(&mut self, noise: NodeNoise) -> Result<i64> {
        if self.rng.is_none() {
            let r = self.key().stream(0);
            self.rng = Some(r);
        }
        match self.rng.as_mut() {
            Some(r) => noise.draw(r),
            None => Err(Error::Internal("no generator".into())),
        }
    }

    /// `n` draws in parallel (call inside `pool::run`) from streams no other call uses.
    pub fn batch(&mut self, noise: NodeNoise, n: usize) -> Result<Vec<i64>> {
        let first = self.next_stream;
        let key = self.key().clone();
        let out = batch::sample_streams(noise.as_batch(), n, &key, first)?;
        self.next_stream = first + batch::streams_used(n);
        Ok(out)
    }
}
