//! Monte Carlo personalized PageRank: walks that start from the personalization, stop with
//! probability α at each step, and otherwise follow an out-edge (Fogaras, Rácz, Csalogány &
//! Sarlós, Internet Mathematics 2005; Avrachenkov et al., SIAM J. Numer. Anal. 2007).
//!
//! Two unbiased estimators: **end-point** (`π_v ≈` the share of walks that stop at `v`, a binomial
//! proportion) and **full-path** (`π_v ≈ α ×` visits to `v` per walk, since a walk visits `v`
//! `π_v/α` times in expectation), which uses every step and has lower variance.
//!
//! Walks run in chunks, each on its own generator stream of the seed, and the counts are integers,
//! so the estimate is the same bits on any number of threads.

use rayon::prelude::*;

use super::csr::{Dangling, Graph};
use super::ppr::check_personalization;
use crate::error::{Error, Result};
use crate::rng::{below, open01, stream, Rng};

/// Which visits count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Only where each walk stops.
    EndPoint,
    /// Every node a walk visits, weighted by α.
    FullPath,
}

/// Walks per generator stream.
const CHUNK: usize = 1024;

/// Draws from a distribution given by its cumulative sums over `nodes`.
struct Sampler {
    nodes: Vec<usize>,
    cum: Vec<f64>,
}

impl Sampler {
    fn new(p: &[f64]) -> Self {
        let mut nodes = Vec::new();
        let mut cum = Vec::new();
        let mut acc = 0.0;
        for (v, &w) in p.iter().enumerate() {
            if w > 0.0 {
                acc += w;
                nodes.push(v);
                cum.push(acc);
            }
        }
        Self { nodes, cum }
    }

    #[inline]
    fn draw(&self, rng: &mut Rng) -> usize {
        pick(&self.nodes, &self.cum, open01(rng))
    }
}

/// The item whose cumulative interval holds `t·total`.
#[inline]
fn pick<T: Copy>(items: &[T], cum: &[f64], t: f64) -> T {
    let target = t * cum[cum.len() - 1];
    let k = cum.partition_point(|&c| c < target).min(items.len() - 1);
    items[k]
}

/// One walk; adds its visits (or its end point) to `counts`.
#[inline]
#[allow(clippy::too_many_arguments)]
fn walk(
    g: &Graph,
    start: &Sampler,
    cum: &[Vec<f64>],
    alpha: f64,
    dangling: Dangling,
    estimator: Estimator,
    rng: &mut Rng,
    counts: &mut [u64],
) {
    let mut u = start.draw(rng);
    loop {
        if estimator == Estimator::FullPath {
            counts[u] += 1;
        }
        if open01(rng) < alpha {
            if estimator == Estimator::EndPoint {
                counts[u] += 1;
            }
            return;
        }
        if g.is_dangling(u) {
            u = match dangling {
                Dangling::Personalization => start.draw(rng),
                Dangling::Uniform => below(rng, g.n_nodes() as u64) as usize,
                Dangling::SelfLoop => u,
            };
        } else {
            let (nb, _) = g.out_edges(u);
            u = if cum[u].is_empty() {
                nb[below(rng, nb.len() as u64) as usize] as usize
            } else {
                pick(nb, &cum[u], open01(rng)) as usize
            };
        }
    }
}

/// Estimates PPR from `walks` walks.
pub fn monte_carlo(
    g: &Graph,
    p: &[f64],
    alpha: f64,
    walks: usize,
    estimator: Estimator,
    dangling: Dangling,
    seed: u64,
) -> Result<Vec<f64>> {
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::invalid("alpha", alpha, "a probability in (0, 1)"));
    }
    if walks == 0 {
        return Err(Error::invalid("walks", 0, "at least 1"));
    }
    check_personalization(g, p)?;
    let n = g.n_nodes();
    let start = Sampler::new(p);
    // Cumulative edge probabilities, only for nodes whose out-edges are not all equally likely.
    let cum: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|u| {
            let (_, pr) = g.out_edges(u);
            if pr.iter().all(|&w| w == pr[0]) {
                Vec::new()
            } else {
                pr.iter()
                    .scan(0.0, |acc, &w| {
                        *acc += w;
                        Some(*acc)
                    })
                    .collect()
            }
        })
        .collect();
    let chunks = walks.div_ceil(CHUNK);
    let counts = (0..chunks)
        .into_par_iter()
        .fold(
            || vec![0u64; n],
            |mut counts, c| {
                let mut rng = stream(seed, c as u64);
                let todo = CHUNK.min(walks - c * CHUNK);
                for _ in 0..todo {
                    walk(
                        g,
                        &start,
                        &cum,
                        alpha,
                        dangling,
                        estimator,
                        &mut rng,
                        &mut counts,
                    );
                }
                counts
            },
        )
        .reduce(
            || vec![0u64; n],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
    let scale = match estimator {
        Estimator::EndPoint => 1.0 / walks as f64,
        Estimator::FullPath => alpha / walks as f64,
    };
    Ok(counts.iter().map(|&c| c as f64 * scale).collect())
}
