//! Replicated simulation of the streaming bandits on Bernoulli arms, with exact batch rewards.

use rayon::prelude::*;

use super::draw;
use super::env::check_probabilities;
use super::streaming::{StreamingBandit, StreamingKind};
use crate::error::{Error, Result};
use crate::rng;

/// One replicate's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamingRun {
    /// Expected regret `Σ n (μ* − μ_arm)` over all `T` pulls, the commitment included.
    pub regret: f64,
    /// Position in the stream of the committed arm (`u64::MAX` if none).
    pub committed: u64,
    /// Pulls spent before committing.
    pub exploration: u64,
    /// The most arms stored at once.
    pub peak_stored: usize,
}

/// Runs `kind` over Bernoulli arms arriving in the order of `means`, `n_runs` times in
/// parallel. A batch of `n` pulls of an arm of mean μ pays an exact Binomial(n, μ) draw, so
/// horizons of 10¹² pulls cost no more than small ones. Replicate `r` uses stream `r` of `seed`.
pub fn simulate_streaming(
    kind: StreamingKind,
    means: &[f64],
    horizon: u64,
    n_runs: usize,
    seed: u64,
) -> Result<Vec<StreamingRun>> {
    check_probabilities("means", means)?;
    if n_runs == 0 {
        return Err(Error::invalid(
            "n_runs",
            0,
            "a positive number of replicates",
        ));
    }
    // Checks the parameters once, before the pool starts.
    StreamingBandit::new(kind, means.len() as u64, horizon)?;
    let best = means.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (0..n_runs)
        .into_par_iter()
        .map(|run| {
            let mut alg = StreamingBandit::new(kind, means.len() as u64, horizon)?;
            let mut g = rng::stream(seed, run as u64);
            let mut regret = 0.0;
            let mut pull_all = |alg: &mut StreamingBandit, regret: &mut f64| -> Result<()> {
                while let Some(p) = alg.next_pull() {
                    let mu = means[p.arm as usize];
                    let sum = draw::binomial(&mut g, p.n, mu) as f64;
                    *regret += p.n as f64 * (best - mu);
                    alg.report(p.arm, sum, p.n)?;
                }
                Ok(())
            };
            for arm in 0..means.len() as u64 {
                if alg.committed().is_some() {
                    break; // the horizon ran out during exploration
                }
                alg.push_arm(arm)?;
                pull_all(&mut alg, &mut regret)?;
            }
            if alg.committed().is_none() {
                alg.finish()?;
                pull_all(&mut alg, &mut regret)?;
            }
            let exploration = alg.pulls_used();
            let committed = alg.committed().unwrap_or(u64::MAX);
            if let Some(&mu) = means.get(committed as usize) {
                regret += alg.remaining() as f64 * (best - mu);
            }
            Ok(StreamingRun {
                regret,
                committed,
                exploration,
                peak_stored: alg.peak_stored(),
            })
        })
        .collect()
}
