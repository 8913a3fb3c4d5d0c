//! The smooth binary mechanism (Andersson & Pagh, "A Smooth Binary Mechanism for Efficient
//! Private Continual Observation", NeurIPS 2023): the binary tree mechanism on a taller tree
//! whose used leaves all have the same number of ones, so that every release sums the same number
//! of noisy nodes and the noise is identically distributed at every step.
//!
//! Construction (the paper's text could not be read here; this was reconstructed from its
//! abstract and the shared notes, then checked against the authors' own implementation,
//! `mechanism_noise_generation.py` in github.com/jodander/smooth-binary-mechanism; it has the
//! properties the paper states: identical noise at every step, O(log T) memory, O(1) amortized
//! noise draws per step, variance (1 + o(1))·log₂²T/(8ρ) for ρ-zCDP):
//! * leaves are h-bit integers; the stream's t-th value goes to u_{t−1}, where u_0 < u_1 < … are
//!   the integers with exactly k ones (Gosper's next-combination step);
//! * the release after t steps is the sum over [0, u_t), whose dyadic decomposition takes one
//!   node per one-bit of u_t: exactly k nodes, each a left child, each already complete;
//! * a data leaf has h − k zero bits and lies in exactly h − k left children, so the L1 and
//!   squared L2 sensitivity of the vector of left-child sums is h − k. Node noise is discrete
//!   Laplace with scale (h − k)/ε or discrete Gaussian with σ² = (h − k)/(2ρ), and
//!   Var_t = k·Var(node) for every t;
//! * (h, k) is the pair with C(h, k) ≥ T + 1 minimizing k(h − k) (Gaussian) or k(h − k)²
//!   (Laplace), the release variance for a fixed budget.
//!
//! Against the authors' code: the same leaves (the integers with k ones, in increasing order),
//! the same nodes (one per one-bit of a leaf, identified by the leaf's bits down to it; a node
//! left and re-entered with another prefix gets fresh noise), and the same calibration (node
//! variance (h − k)/(2ρ), their depth/(4ρ) at k = h/2). Their release at step t uses leaf
//! u_{t−1} where ours uses u_t: the same noise process one leaf on, with the same number of leaves
//! (more than T). They fix the shape to the smallest even depth d with C(d, d/2) > T and k = d/2;
//! the search here includes that shape, so its variance is never larger (T = 2^20: (23, 10) and
//! 130/(2ρ), where theirs is (24, 12) and 144/(2ρ)). Their code is for ρ-zCDP only; the Laplace
//! variant (ε-DP, node scale (h − k)/ε) is ours.
//!
//! Each node's noise is drawn the first time a release uses it and kept while later releases use
//! it, so the tree releases one noisy value per node.

use serde::{Deserialize, Serialize};

use super::events;
use super::secure_rng::SecureRng;
use super::source::{release_in_pieces, replay, NodeNoise, NoiseSource, RELEASE_PIECE};
use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// Tallest tree we build (leaves must fit in a u64 with room for the boundary).
const MAX_HEIGHT: u32 = 62;

/// The (height, ones) pair for a horizon: C(h, k) ≥ T + 1 leaves, least release variance.
pub fn shape(horizon: u64, laplace: bool) -> (u32, u32) {
    let need = u128::from(horizon) + 1;
    let cost = |h: u32, k: u32| {
        let z = u128::from(h - k);
        u128::from(k) * z * if laplace { z } else { 1 }
    };
    let mut best: Option<(u128, u32, u32)> = None;
    for h in 1..=MAX_HEIGHT {
        // Every k in 1..h costs at least h − 1, so taller trees cannot win any more.
        if best.is_some_and(|(c, _, _)| c <= u128::from(h - 1)) {
            break;
        }
        let mut choose = 1u128; // C(h, k), built up along k
        for k in 1..h {
            choose = choose * u128::from(h - k + 1) / u128::from(k);
            if choose >= need && best.is_none_or(|(c, _, _)| cost(h, k) < c) {
                best = Some((cost(h, k), h, k));
            }
        }
    }
    best.map_or((MAX_HEIGHT, MAX_HEIGHT / 2), |(_, h, k)| (h, k))
}

/// The next integer with the same number of ones (Gosper's hack); `x` > 0.
fn next_combination(x: u64) -> u64 {
    let low = x & x.wrapping_neg();
    let ripple = x + low;
    // `low` is a power of two: dividing by it is a shift.
    ripple | (((x ^ ripple) >> 2) >> x.trailing_zeros())
}

/// The latest completed block at one level: its index, exact sum and noise once drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Node {
    block: u64,
    sum: i64,
    noise: Option<i64>,
}

/// A smooth binary continual counter: `step(x)` for x ∈ {0, 1} returns the noisy count so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SmoothCounter {
    height: u32,
    ones: u32,
    noise: NodeNoise,
    node_variance: f64,
    horizon: u64,
    t: u64,
    /// u_t: the leaf the next value goes to; the release covers [0, boundary).
    boundary: u64,
    /// Exact sum of the data in the open block at each level (the block holding `boundary`);
    /// kept up to date when a call returns, from `carried`.
    open: Vec<i64>,
    /// The latest completed block at each level.
    latest: Vec<Node>,
    insecure: bool,
    /// Running sums a step updates in O(levels that change) instead of every level's `open`;
    /// rebuilt from `open` and `latest` after a restore.
    #[serde(skip)]
    carried: Option<Carried>,
    #[serde(skip)]
    source: NoiseSource,
}

impl SmoothCounter {
    /// A counter for `horizon` steps; `noise` must be calibrated to the sensitivity
    /// `height − ones` of [`shape`]`(horizon, laplace)`.
    pub fn new(noise: NodeNoise, horizon: u64, rng: &SecureRng) -> Result<Self> {
        events::check_horizon(horizon)?;
        noise.validate()?;
        let (height, ones) = shape(horizon, matches!(noise, NodeNoise::Laplace { .. }));
        let boundary = (1u64 << ones) - 1;
        let latest = (0..height)
            .map(|j| Node {
                block: (boundary >> j).wrapping_sub(1),
                sum: 0,
                noise: None,
            })
            .collect();
        Ok(SmoothCounter {
            height,
            ones,
            noise,
            node_variance: noise.variance(),
            horizon,
            t: 0,
            boundary,
            open: vec![0; height as usize],
            latest,
            insecure: rng.is_insecure(),
            carried: None,
            source: NoiseSource::new(rng),
        })
    }

    pub fn height(&self) -> u32 {
        self.height
    }
    pub fn ones(&self) -> u32 {
        self.ones
    }
    pub fn horizon(&self) -> u64 {
        self.horizon
    }
    pub fn steps(&self) -> u64 {
        self.t
    }
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }
    pub fn noise(&self) -> NodeNoise {
        self.noise
    }

    /// The exact variance of every release: `ones` nodes, each with the node noise's variance.
    pub fn variance_at(&self, _t: u64) -> f64 {
        f64::from(self.ones) * self.node_variance
    }

    fn check_room(&self, n: u64) -> Result<()> {
        events::check_room(self.t, n, self.horizon)
    }

    /// Consumes one input (0 or 1) and returns the noisy count of the stream so far.
    pub fn step(&mut self, x: u8) -> Result<f64> {
        self.check_room(1)?;
        events::check_event(x)?;
        let noise = self.noise;
        let mut source = std::mem::take(&mut self.source);
        let out = self.advance(x, &mut || source.draw(noise));
        self.source = source;
        self.store_open();
        out
    }

    /// Writes `open` from the carried sums (what a snapshot holds).
    fn store_open(&mut self) {
        if let Some(c) = &self.carried {
            for (open, &start) in self.open.iter_mut().zip(&c.open_start) {
                *open = c.count - start;
            }
        }
    }

    /// One step, with node noise from `draw`.
    #[inline]
    fn advance(&mut self, x: u8, draw: &mut impl FnMut() -> Result<i64>) -> Result<f64> {
        self.t += 1;
        let (height, here) = (self.height, self.boundary);
        let c = carried(&mut self.carried, &self.open, &self.latest, here);
        c.count += i64::from(x);
        let next = next_combination(here);
        // Blocks change exactly at the levels below the highest bit where here and next differ;
        // above, the open blocks stay open and the release keeps its nodes.
        let changed = changed_levels(here, next, height);
        for j in 0..changed {
            // Block `old` is complete; blocks strictly between hold no used leaf.
            let (old, done) = (here >> j, (next >> j) - 1);
            let node = &mut self.latest[j];
            if here >> j & 1 == 1 {
                // It leaves the release.
                c.noise -= node.noise.unwrap_or(0);
            }
            let sum = if done == old {
                c.count - c.open_start[j]
            } else {
                0
            };
            // A node's noise is drawn when a release first uses it, which is now or never.
            let noise = if next >> j & 1 == 1 {
                let z = draw()?;
                c.noise += z;
                Some(z)
            } else {
                None
            };
            *node = Node {
                block: done,
                sum,
                noise,
            };
            c.open_start[j] = c.count;
        }
        self.boundary = next;
        // [0, next) holds every value so far, so its k nodes sum to the exact count.
        Ok((c.count + c.noise) as f64)
    }

    /// Steps through a whole stream of 0/1 values (call inside `pool::run`), in pieces whose noise
    /// is drawn while the one before steps ([`release_in_pieces`]).
    pub fn release(&mut self, xs: &[u8]) -> Result<Vec<f64>> {
        events::check_events("stream", xs, 1)?;
        self.check_room(xs.len() as u64)?;
        let mut here = self.boundary;
        let draws: Vec<usize> = xs
            .chunks(RELEASE_PIECE)
            .map(|piece| {
                let n;
                (n, here) = draws_from(here, piece.len(), self.height);
                n
            })
            .collect();
        let mut source = std::mem::take(&mut self.source);
        let out = release_in_pieces(&mut source, self.noise, xs, &draws, |piece, noise, out| {
            let mut draw = replay(noise);
            for &x in piece {
                out.push(self.advance(x, &mut draw)?);
            }
            Ok(())
        });
        self.source = source;
        self.store_open();
        out
    }
}

/// Levels whose blocks change when the boundary moves from `here` to `next`: those below the
/// highest bit where the two differ.
fn changed_levels(here: u64, next: u64, height: u32) -> usize {
    ((64 - (here ^ next).leading_zeros()) as usize).min(height as usize)
}

/// Noise draws of the `steps` steps from boundary `here`, and the boundary after them: one per
/// new node in a release (a changed level whose bit is set in the new boundary), which only
/// needs the leaves.
fn draws_from(mut here: u64, steps: usize, height: u32) -> (usize, u64) {
    let mut n = 0;
    for _ in 0..steps {
        let next = next_combination(here);
        let changed = changed_levels(here, next, height);
        n += (next & !(u64::MAX << changed)).count_ones() as usize;
        here = next;
    }
    (n, here)
}

/// The carried sums, built from `open`, `latest` and `boundary` if there are none yet.
fn carried<'a>(
    carried: &'a mut Option<Carried>,
    open: &[i64],
    latest: &[Node],
    boundary: u64,
) -> &'a mut Carried {
    carried.get_or_insert_with(|| {
        // The release's nodes: [0, boundary) holds every value so far.
        let release = || {
            latest
                .iter()
                .enumerate()
                .filter(move |&(j, _)| boundary >> j & 1 == 1)
                .map(|(_, node)| node)
        };
        let count = release().map(|node| node.sum).sum();
        Carried {
            count,
            open_start: open.iter().map(|&o| count - o).collect(),
            noise: release().map(|node| node.noise.unwrap_or(0)).sum(),
        }
    })
}

/// What a step carries besides the snapshot's state.
#[derive(Debug, Clone)]
struct Carried {
    /// Values seen: the exact count.
    count: i64,
    /// `count` when each level's open block opened: its sum is `count − open_start[j]`.
    open_start: Vec<i64>,
    /// The summed noise of the release's nodes (those at the set bits of `boundary`).
    noise: i64,
}

impl Snapshot for SmoothCounter {
    const KIND: &'static str = "privacy.SmoothCounter";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let laplace = matches!(self.noise, NodeNoise::Laplace { .. });
        let v = self.noise.variance();
        let h = self.height as usize;
        if (self.height, self.ones) != shape(self.horizon, laplace)
            || self.t > self.horizon
            || self.boundary.count_ones() != self.ones
            || (self.node_variance - v).abs() > 1e-9 * v
            || self.open.len() != h
            || self.latest.len() != h
        {
            return Err(Error::Snapshot(
                "privacy.SmoothCounter state is inconsistent".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C(n, k) in u128 (n ≤ 62, so no overflow).
    fn binomial(n: u32, k: u32) -> u128 {
        let k = k.min(n - k.min(n));
        (0..k).fold(1u128, |acc, i| acc * u128::from(n - i) / u128::from(i + 1))
    }

    #[test]
    fn leaves_have_k_ones_in_order() {
        let mut x = 0b0111u64;
        let mut seen = vec![x];
        for _ in 0..30 {
            x = next_combination(x);
            seen.push(x);
        }
        let want: Vec<u64> = (0..1u64 << 12).filter(|v| v.count_ones() == 3).collect();
        assert_eq!(seen, want[..31]);
        assert_eq!(binomial(23, 11), 1_352_078);
    }

    #[test]
    fn shape_is_the_cheapest_tree_with_room() {
        // T = 2^20: C(23, 10) = 1 144 066 ≥ 2^20 + 1 with k(h−k) = 130, the least such product.
        assert_eq!(shape(1 << 20, false), (23, 10));
        for t in [1u64, 2, 7, 100, 5000, 1 << 16] {
            for laplace in [false, true] {
                let (h, k) = shape(t, laplace);
                assert!(binomial(h, k) > u128::from(t));
                let cost = |h: u32, k: u32| {
                    let z = u64::from(h - k);
                    u64::from(k) * z * if laplace { z } else { 1 }
                };
                for hh in 1..=40 {
                    for kk in 1..hh {
                        if binomial(hh, kk) > u128::from(t) {
                            assert!(cost(h, k) <= cost(hh, kk), "{t}: ({h},{k}) vs ({hh},{kk})");
                        }
                    }
                }
            }
        }
    }

    /// The factor matrix of the mechanism on a small horizon: rows are left-child nodes, columns
    /// are time steps, entry 1 when the node holds that step's leaf.
    fn factor(horizon: u64) -> (Vec<Vec<u8>>, SmoothCounter) {
        let c = SmoothCounter::new(
            NodeNoise::Gaussian { num: 1, den: 1 },
            horizon,
            &SecureRng::insecure(0),
        )
        .unwrap();
        let mut leaves = vec![(1u64 << c.ones) - 1];
        for _ in 0..horizon {
            leaves.push(next_combination(*leaves.last().unwrap()));
        }
        let mut nodes = vec![];
        for j in 0..c.height {
            for b in (0..1u64 << (c.height - j)).step_by(2) {
                nodes.push((j, b));
            }
        }
        let rows = nodes
            .iter()
            .map(|&(j, b)| {
                leaves[..horizon as usize]
                    .iter()
                    .map(|&u| u8::from(u >> j == b))
                    .collect()
            })
            .collect();
        (rows, c)
    }

    #[test]
    fn sensitivity_is_the_largest_column_norm() {
        for horizon in [5u64, 20, 60] {
            let (rows, c) = factor(horizon);
            let worst = (0..horizon as usize)
                .map(|t| rows.iter().map(|r| u32::from(r[t])).sum::<u32>())
                .max()
                .unwrap();
            assert_eq!(worst, c.height - c.ones, "horizon {horizon}");
        }
    }

    #[test]
    fn releases_are_exact_node_sums_plus_k_noises() {
        // With the noise recorded, every release equals the truth plus the noises of exactly
        // `ones` distinct nodes, and a node's noise never changes once used.
        let xs: Vec<u8> = (0..300).map(|i| u8::from((i * 7) % 5 < 2)).collect();
        let mut c = SmoothCounter::new(
            NodeNoise::Laplace { num: 4, den: 1 },
            300,
            &SecureRng::insecure(3),
        )
        .unwrap();
        let mut seen = std::collections::HashMap::new();
        let mut truth = 0i64;
        for &x in &xs {
            truth += i64::from(x);
            let y = c.step(x).unwrap();
            let mut noise = 0i64;
            let mut used = 0;
            for (j, node) in c.latest.iter().enumerate() {
                if c.boundary >> j & 1 == 1 {
                    let z = node.noise.unwrap();
                    assert_eq!(*seen.entry((j, node.block)).or_insert(z), z);
                    noise += z;
                    used += 1;
                }
            }
            assert_eq!(used, c.ones);
            assert_eq!(y, (truth + noise) as f64);
        }
    }

    #[test]
    fn draw_counts_match_the_steps_and_a_restore_continues_exactly() {
        let xs: Vec<u8> = (0..5000).map(|i| u8::from((i * 11) % 7 < 3)).collect();
        let noise = NodeNoise::Laplace { num: 4, den: 1 };
        let mut a = SmoothCounter::new(noise, 6000, &SecureRng::insecure(3)).unwrap();
        // What `release` counts for its pieces is what the steps draw.
        let (counted, end) = draws_from(a.boundary, xs.len(), a.height);
        let mut used = 0i64;
        let mut fake = || {
            used += 1;
            Ok(used % 9 - 4)
        };
        for &x in &xs {
            a.advance(x, &mut fake).unwrap();
        }
        a.store_open();
        assert_eq!((used as usize, a.boundary), (counted, end));
        // A restored counter rebuilds its carried sums from `open` and `latest` and continues
        // bit for bit.
        let mut b: SmoothCounter =
            crate::snapshot::from_bytes(&crate::snapshot::to_bytes(&a).unwrap()).unwrap();
        assert!(b.carried.is_none());
        for &x in &xs[..900] {
            let mut z = || Ok(1);
            assert_eq!(a.advance(x, &mut z).unwrap(), b.advance(x, &mut z).unwrap());
        }
    }

    #[test]
    fn empirical_variance_is_k_node_variances_at_every_step() {
        let runs = 3000;
        let horizon = 100u64;
        for noise in [
            NodeNoise::Laplace { num: 3, den: 1 },
            NodeNoise::Gaussian { num: 5, den: 2 },
        ] {
            let mut sq = vec![0.0; horizon as usize];
            let mut c0 = None;
            for r in 0..runs {
                let mut c = SmoothCounter::new(noise, horizon, &SecureRng::insecure(r)).unwrap();
                for (s, y) in sq.iter_mut().zip(c.release(&[0; 100]).unwrap()) {
                    *s += y * y;
                }
                c0 = Some(c);
            }
            let c = c0.unwrap();
            for t in [1usize, 2, 17, 64, 100] {
                let (emp, exact) = (sq[t - 1] / runs as f64, c.variance_at(t as u64));
                let tol = 6.0 * exact * (6.0 / runs as f64).sqrt();
                assert!(
                    (emp - exact).abs() < tol,
                    "{noise:?} t={t}: {emp} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn batch_and_steps_agree_on_the_truth_and_restore() {
        let xs: Vec<u8> = (0..500).map(|i| u8::from(i % 3 == 0)).collect();
        let noise = NodeNoise::Gaussian {
            num: 1,
            den: 1_000_000,
        };
        let mut a = SmoothCounter::new(noise, 1000, &SecureRng::insecure(1)).unwrap();
        let ya = a.release(&xs).unwrap();
        let mut truth = 0.0;
        for (i, &x) in xs.iter().enumerate() {
            truth += f64::from(x);
            // σ² = 1e-6: the discrete Gaussian is 0 except with probability ~1e-200000.
            assert_eq!(ya[i], truth);
        }
        let bytes = crate::snapshot::to_bytes(&a).unwrap();
        let mut b: SmoothCounter = crate::snapshot::from_bytes(&bytes).unwrap();
        for &x in &xs {
            truth += f64::from(x);
            assert_eq!(a.step(x).unwrap(), truth);
            assert_eq!(b.step(x).unwrap(), truth);
        }
        assert!(matches!(a.step(0), Err(Error::BudgetExhausted(_))));
        assert!(matches!(b.release(&[2]), Err(Error::OutOfRange { .. })));
    }
}
