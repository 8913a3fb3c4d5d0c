//! Replicated bandit simulations, one replicate per task on the rayon pool.

use rayon::prelude::*;

use super::env::Env;
use super::policy::Bandit;
use crate::error::{Error, Result};
use crate::rng;

/// Regret curves of `n_runs` independent replicates of `policy` (cloned fresh for each) in `env`.
///
/// Returns `n_runs × checkpoints.len()` values, row-major: the regret after `checkpoints[j]`
/// steps. In stochastic environments it is the pseudo-regret `Σ_t (μ*_t − μ_{a_t})`; against an
/// adversarial sequence it is the realized regret against the best fixed arm in hindsight up to
/// that step. Replicate `r` draws its policy's randomness from stream `2r` of `seed` and the
/// environment's from stream `2r + 1`, so results do not depend on the number of threads.
pub fn simulate(
    policy: &Bandit,
    env: &Env,
    horizon: u64,
    n_runs: usize,
    seed: u64,
    checkpoints: &[u64],
) -> Result<Vec<f64>> {
    env.check()?;
    if policy.n_arms() != env.n_arms() {
        return Err(Error::shape("env arms", env.n_arms(), policy.n_arms()));
    }
    if policy.needs_unit_rewards() && !env.unit_rewards() {
        return Err(Error::invalid(
            "env",
            "rewards outside [0, 1]",
            format!(
                "rewards in [0, 1] for {} (rescale the environment)",
                policy.spec().name()
            ),
        ));
    }
    if horizon == 0 {
        return Err(Error::invalid("horizon", 0, "a positive number of steps"));
    }
    if n_runs == 0 {
        return Err(Error::invalid(
            "n_runs",
            0,
            "a positive number of replicates",
        ));
    }
    if let Some(max) = env.max_horizon() {
        if horizon > max {
            return Err(Error::invalid(
                "horizon",
                horizon,
                format!("at most the {max} rows of the adversarial sequence"),
            ));
        }
    }
    if checkpoints.is_empty()
        || checkpoints.windows(2).any(|w| w[0] >= w[1])
        || checkpoints[0] == 0
        || checkpoints[checkpoints.len() - 1] > horizon
    {
        return Err(Error::invalid(
            "checkpoints",
            format!("{} values", checkpoints.len()),
            "increasing steps in 1..=horizon",
        ));
    }
    // Against an adversary the comparator is the best arm's cumulative reward at each checkpoint.
    let best_fixed = match env {
        Env::Adversarial { rewards, n_arms } => {
            let mut totals = vec![0.0; *n_arms];
            let mut best = Vec::with_capacity(checkpoints.len());
            let mut row = 0usize;
            for &c in checkpoints {
                while (row as u64) < c {
                    for (tot, r) in totals.iter_mut().zip(&rewards[row * n_arms..]) {
                        *tot += r;
                    }
                    row += 1;
                }
                best.push(totals.iter().copied().fold(f64::NEG_INFINITY, f64::max));
            }
            Some(best)
        }
        _ => None,
    };
    let gaps = env.gaps();
    // Steps go up to the last checkpoint; the table is shared (an Arc) by every replicate.
    let mut policy = policy.clone();
    policy.prepare(checkpoints[checkpoints.len() - 1]);
    let policy = &policy;
    let rows: Vec<Result<Vec<f64>>> = (0..n_runs)
        .into_par_iter()
        .map(|run| {
            let mut p = policy.clone();
            p.reseed(seed, 2 * run as u64);
            let mut env_rng = rng::stream(seed, 2 * run as u64 + 1);
            let mut out = Vec::with_capacity(checkpoints.len());
            let (mut regret, mut earned) = (0.0, 0.0);
            let mut next = 0;
            let mut segment = 0;
            for t in 0..horizon {
                if segment + 1 < gaps.len() && gaps[segment + 1].0 == t {
                    segment += 1;
                }
                // Checked once above: the environment's rewards suit the rule, and a policy
                // always keeps a live arm, so the per-step checks are skipped.
                let arm = p.select_unmasked();
                let r = env.draw(arm, t, &mut env_rng);
                p.update_trusted(arm, r);
                regret += gaps[segment].1[arm];
                earned += r;
                if t + 1 == checkpoints[next] {
                    out.push(match &best_fixed {
                        Some(best) => best[next] - earned,
                        None => regret,
                    });
                    next += 1;
                    if next == checkpoints.len() {
                        break;
                    }
                }
            }
            Ok(out)
        })
        .collect();
    let mut flat = Vec::with_capacity(n_runs * checkpoints.len());
    for row in rows {
        flat.extend(row?);
    }
    Ok(flat)
}
