//! Continual counting of a 0/1 stream under differential privacy, with exact error.
//!
//! * **Binary mechanism** (Dwork, Naor, Pitassi, Rothblum, STOC 2010; Chan, Shi, Song, TISSEC
//!   2011): with T ≤ 2^L, every dyadic interval of the stream is a tree node that gets its own
//!   noise when it completes; the release at t sums the popcount(t) nodes of t's binary
//!   decomposition. Each input lies in L+1 nodes, so the node noise is discrete Laplace with scale
//!   (L+1)/ε for ε-DP, or discrete Gaussian with σ² = (L+1)/(2ρ) for ρ-zCDP, and
//!   Var_t = popcount(t)·v with v the node noise's exact variance.
//! * **Online Honaker estimator** (Honaker 2015, in its bottom-up online form as in TF-Privacy's
//!   `EfficientTreeAggregator`): every node, left or right, is noised, and each completed node's
//!   estimate is the inverse-variance combination of its own noisy value and the sum of its two
//!   children's estimates: v_0 = v, 1/v_h = 1/v + 1/(2v_{h−1}), i.e. v_h = v·2^h/(2^(h+1)−1);
//!   Var_t = Σ_{h: bit h of t set} v_h, about half the binary mechanism's.
//!
//! Inputs are 0/1 (event-level neighbours differ in one step), so node sums are integers and the
//! exact integer samplers make the privacy guarantee exact. Noise parameters are rationals rounded
//! *up* from (L+1)/ε and (L+1)/(2ρ), never below what the guarantee needs. The generator is
//! ChaCha20 keyed from the OS (or an explicitly insecure seed) and is never part of a snapshot: a
//! restored counter draws fresh noise, and restoring one checkpoint twice releases two noisy views
//! of the same data, which spends the privacy budget twice.

use serde::{Deserialize, Serialize};

use super::events;
use super::secure_rng::SecureRng;
use super::source::{release_in_pieces, replay, NodeNoise, NoiseSource, RELEASE_PIECE};
use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// Tree aggregation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mechanism {
    Binary,
    Honaker,
}

/// Variance of a node estimate at height `h` given node noise variance `v`.
fn level_variance(mechanism: Mechanism, v: f64, h: u32) -> f64 {
    match mechanism {
        Mechanism::Binary => v,
        Mechanism::Honaker => {
            let p = 2f64.powi(h as i32);
            v * p / (2.0 * p - 1.0)
        }
    }
}

/// Tree levels needed for a horizon: L with 2^L ≥ T, plus one (levels 0..=L).
pub const fn levels(horizon: u64) -> u32 {
    64 - horizon.saturating_sub(1).leading_zeros() + 1
}

/// A continual counter: `step(x)` for x ∈ {0, 1} returns the noisy count so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContinualCounter {
    mechanism: Mechanism,
    noise: NodeNoise,
    /// `noise.variance()`, computed once (the discrete Gaussian's is a sum over its support).
    node_variance: f64,
    horizon: u64,
    t: u64,
    /// Exact sums of the latest node per level that ended at a left-child position.
    left_sum: Vec<i64>,
    /// Honaker's estimates of the same nodes (the binary mechanism never reads them: zeros).
    left_est: Vec<f64>,
    /// Estimate of the node at each level in the current time's dyadic decomposition.
    decomposition: Vec<f64>,
    /// The binary mechanism's release (the integer sum of `decomposition` over t's set bits),
    /// carried from step to step; rebuilt from `decomposition` after a restore.
    #[serde(skip)]
    binary_total: Option<i64>,
    /// Honaker's release carried as sums of `decomposition` from the top level down to each
    /// level (O(1) a step on average); rebuilt from `decomposition` after a restore.
    #[serde(skip)]
    from_level: Vec<f64>,
    insecure: bool,
    /// Never serialized: a restored counter is re-keyed from the OS.
    #[serde(skip)]
    source: NoiseSource,
}

impl ContinualCounter {
    pub fn new(
        mechanism: Mechanism,
        noise: NodeNoise,
        horizon: u64,
        rng: &SecureRng,
    ) -> Result<Self> {
        events::check_horizon(horizon)?;
        noise.validate()?;
        let l = levels(horizon) as usize;
        Ok(ContinualCounter {
            mechanism,
            noise,
            node_variance: noise.variance(),
            horizon,
            t: 0,
            left_sum: vec![0; l],
            left_est: vec![0.0; l],
            decomposition: vec![0.0; l],
            binary_total: Some(0),
            from_level: vec![0.0; l],
            insecure: rng.is_insecure(),
            source: NoiseSource::new(rng),
        })
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
    pub fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// Variance of node estimates at height h (Honaker) or of every node (binary).
    fn level_variance(&self, h: u32) -> f64 {
        level_variance(self.mechanism, self.node_variance, h)
    }

    /// The exact variance of the release at time `t` (1-based).
    pub fn variance_at(&self, t: u64) -> f64 {
        (0..64)
            .filter(|h| t >> h & 1 == 1)
            .map(|h| self.level_variance(h))
            .sum()
    }

    /// Node noise draws a step at time `t` needs.
    fn draws_at(&self, t: u64) -> usize {
        match self.mechanism {
            Mechanism::Binary => 1,
            Mechanism::Honaker => t.trailing_zeros() as usize + 1,
        }
    }

    /// Consumes one input (0 or 1) and returns the noisy count of the stream so far.
    pub fn step(&mut self, x: u8) -> Result<f64> {
        self.check_room(1)?;
        events::check_event(x)?;
        let noise = self.noise;
        let mut source = std::mem::take(&mut self.source);
        let out = match self.mechanism {
            Mechanism::Binary => source.draw(noise).map(|z| {
                let mut steps = BinarySteps::load(self);
                let total = steps.step(x, z);
                steps.store(self);
                total as f64
            }),
            Mechanism::Honaker => self.advance_honaker(x, &mut || source.draw(noise)),
        };
        self.source = source;
        out
    }

    fn check_room(&self, n: u64) -> Result<()> {
        events::check_room(self.t, n, self.horizon)
    }

    /// The sum of the decomposition's estimates over the set bits of `t`, lowest first.
    fn decomposition_sum(&self, t: u64) -> f64 {
        let mut total = 0.0;
        let mut bits = t;
        while bits != 0 {
            total += self.decomposition[bits.trailing_zeros() as usize];
            bits &= bits - 1;
        }
        total
    }

    /// `from_level` as the decomposition gives it: sums from the top level down.
    fn rebuild_from_level(&mut self) {
        let mut acc = 0.0;
        self.from_level = self
            .decomposition
            .iter()
            .rev()
            .map(|&d| {
                acc += d;
                acc
            })
            .collect();
        self.from_level.reverse();
    }

    /// One step of Honaker's tree, with node noise from `draw` (bottom-up, one draw per node).
    #[inline]
    fn advance_honaker(&mut self, x: u8, draw: &mut impl FnMut() -> Result<i64>) -> Result<f64> {
        if self.from_level.len() != self.decomposition.len() {
            self.rebuild_from_level();
        }
        self.t += 1;
        let top = self.t.trailing_zeros() as usize;
        // The nodes that end at t, levels 0..=top, each combined with its children's estimates.
        let mut sum = i64::from(x);
        let mut est = (sum + draw()?) as f64;
        let below = self.left_sum[..top].iter().zip(&self.left_est[..top]);
        for ((&left_sum, &left_est), &(own, children)) in below.zip(&HONAKER_WEIGHTS[1..]) {
            sum += left_sum;
            let noisy = (sum + draw()?) as f64;
            est = own * noisy + children * (left_est + est);
        }
        // The node at level `top` is a left child iff bit top+1 of t is 0.
        if top + 1 < self.left_sum.len() {
            self.left_sum[top] = sum;
            self.left_est[top] = est;
        }
        // Levels below `top` leave t's decomposition as level `top` enters it.
        self.decomposition[top] = est;
        self.decomposition[..top].fill(0.0);
        let total = est + self.from_level.get(top + 1).copied().unwrap_or(0.0);
        self.from_level[..=top].fill(total);
        Ok(total)
    }

    /// One piece of a batch release, with its noise drawn up front in the order the steps use it.
    fn advance_piece(&mut self, xs: &[u8], noise: &[i64], out: &mut Vec<f64>) -> Result<()> {
        match self.mechanism {
            Mechanism::Binary => {
                if noise.len() != xs.len() {
                    return Err(Error::Internal("batch noise does not fit the piece".into()));
                }
                let mut steps = BinarySteps::load(self);
                out.extend(xs.iter().zip(noise).map(|(&x, &z)| steps.step(x, z) as f64));
                steps.store(self);
            }
            Mechanism::Honaker => {
                let mut draw = replay(noise);
                for &x in xs {
                    out.push(self.advance_honaker(x, &mut draw)?);
                }
            }
        }
        Ok(())
    }

    /// Node noise draws the `n` steps after `t` need.
    fn draws_after(&self, t: u64, n: usize) -> usize {
        (t + 1..=t + n as u64).map(|s| self.draws_at(s)).sum()
    }

    /// Steps through a whole stream of 0/1 values (call inside `pool::run`), in pieces whose noise
    /// is drawn while the one before steps ([`release_in_pieces`]).
    pub fn release(&mut self, xs: &[u8]) -> Result<Vec<f64>> {
        events::check_events("stream", xs, 1)?;
        self.check_room(xs.len() as u64)?;
        let mut t = self.t;
        let draws: Vec<usize> = xs
            .chunks(RELEASE_PIECE)
            .map(|piece| {
                let n = self.draws_after(t, piece.len());
                t += piece.len() as u64;
                n
            })
            .collect();
        let mut source = std::mem::take(&mut self.source);
        let out = release_in_pieces(&mut source, self.noise, xs, &draws, |piece, noise, out| {
            self.advance_piece(piece, noise, out)
        });
        self.source = source;
        out
    }
}

/// Honaker's inverse-variance weights at height h ≥ 1, of a node's own noisy value and of its
/// children's summed estimates: p/(2p − 1) and (p − 1)/(2p − 1) with p = 2^h. (From 1/v and
/// 1/(2·v_{h−1}) with v_{h−1} = v·2^(h−1)/(2^h − 1): the node noise variance v cancels.)
const HONAKER_WEIGHTS: [(f64, f64); 64] = {
    let mut w = [(1.0, 0.0); 64];
    let mut h = 1;
    while h < 64 {
        let p = (1u64 << h) as f64;
        w[h] = (p / (2.0 * p - 1.0), (p - 1.0) / (2.0 * p - 1.0));
        h += 1;
    }
    w
};

/// Deepest tree a counter builds.
const MAX_LEVELS: usize = levels(events::MAX_HORIZON) as usize;

/// The binary mechanism's state as integers (its node values are integers, so the release is
/// exact in any order), loaded once for a run of steps (`left_est` is Honaker's alone and is not
/// kept): a batch piece steps on fixed arrays with
/// no float conversions and carries the release instead of summing popcount(t) nodes.
struct BinarySteps {
    t: u64,
    levels: usize,
    total: i64,
    left_sum: [i64; MAX_LEVELS],
    decomposition: [i64; MAX_LEVELS],
}

impl BinarySteps {
    fn load(c: &ContinualCounter) -> Self {
        let mut s = BinarySteps {
            t: c.t,
            levels: c.left_sum.len(),
            // A restored counter carries no total: rebuilt from the decomposition.
            total: c
                .binary_total
                .unwrap_or_else(|| c.decomposition_sum(c.t) as i64),
            left_sum: [0; MAX_LEVELS],
            decomposition: [0; MAX_LEVELS],
        };
        let l = s.levels;
        s.left_sum[..l].copy_from_slice(&c.left_sum);
        for h in 0..l {
            s.decomposition[h] = c.decomposition[h] as i64;
        }
        s
    }

    fn store(&self, c: &mut ContinualCounter) {
        let l = self.levels;
        c.t = self.t;
        c.binary_total = Some(self.total);
        c.left_sum.copy_from_slice(&self.left_sum[..l]);
        for h in 0..l {
            c.decomposition[h] = self.decomposition[h] as f64;
        }
    }

    /// One step with the noise `z` of the node that completes at t (the only node the binary
    /// mechanism noises: the one at t's lowest set bit); returns the release.
    #[inline]
    fn step(&mut self, x: u8, z: i64) -> i64 {
        self.t += 1;
        let top = self.t.trailing_zeros() as usize;
        // The node is its left siblings below `top` plus x; they leave t's decomposition.
        let mut sum = i64::from(x);
        let mut leaving = 0;
        for h in 0..top {
            sum += self.left_sum[h];
            leaving += self.decomposition[h];
            self.decomposition[h] = 0;
        }
        let est = sum + z;
        // The node at level `top` is a left child iff bit top+1 of t is 0.
        if top + 1 < self.levels {
            self.left_sum[top] = sum;
        }
        self.decomposition[top] = est;
        self.total += est - leaving;
        self.total
    }
}

impl Snapshot for ContinualCounter {
    const KIND: &'static str = "privacy.ContinualCounter";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let l = levels(self.horizon) as usize;
        let v = self.noise.variance();
        if self.t > self.horizon
            || (self.node_variance - v).abs() > 1e-9 * v
            || self.left_sum.len() != l
            || self.left_est.len() != l
            || self.decomposition.len() != l
        {
            return Err(Error::Snapshot(
                "privacy.ContinualCounter state is inconsistent".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero_stream_stats(
        mech: Mechanism,
        noise: NodeNoise,
        horizon: u64,
        runs: u64,
    ) -> Vec<(f64, f64)> {
        // Per t: (empirical variance, exact variance).
        let mut sq = vec![0.0; horizon as usize];
        let mut c0 = None;
        for r in 0..runs {
            let mut c =
                ContinualCounter::new(mech, noise, horizon, &SecureRng::insecure(r)).unwrap();
            let out = c.release(&vec![0u8; horizon as usize]).unwrap();
            for (s, y) in sq.iter_mut().zip(out) {
                *s += y * y;
            }
            c0 = Some(c);
        }
        let c = c0.unwrap();
        sq.iter()
            .enumerate()
            .map(|(i, s)| (s / runs as f64, c.variance_at(i as u64 + 1)))
            .collect()
    }

    #[test]
    fn empirical_variance_matches_the_exact_formula() {
        let runs = 4000;
        for mech in [Mechanism::Binary, Mechanism::Honaker] {
            for noise in [
                NodeNoise::Laplace { num: 3, den: 1 },
                NodeNoise::Gaussian { num: 5, den: 1 },
            ] {
                let stats = zero_stream_stats(mech, noise, 64, runs);
                for t in [1usize, 2, 3, 7, 8, 31, 63, 64] {
                    let (emp, exact) = stats[t - 1];
                    // Sample variance of a mean-zero sum: sd ≈ exact·sqrt(2/runs)·(kurtosis factor);
                    // allow 6 of those with a factor 2 for the Laplace tails.
                    let tol = 6.0 * exact * (2.0 * 3.0 / runs as f64).sqrt();
                    assert!(
                        (emp - exact).abs() < tol,
                        "{mech:?} {noise:?} t={t}: {emp} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn counts_are_unbiased_and_honaker_is_tighter() {
        let xs: Vec<u8> = (0..1000).map(|i| u8::from(i % 3 == 0)).collect();
        let truth: Vec<f64> = xs
            .iter()
            .scan(0.0, |s, &x| {
                *s += f64::from(x);
                Some(*s)
            })
            .collect();
        let noise = NodeNoise::Gaussian { num: 4, den: 1 };
        // Errors at a few steps, summed over runs: each step's release is unbiased with the
        // exact variance (errors at different steps share nodes, so they are checked apart).
        let at = [1usize, 3, 512, 777, 1000];
        let runs = 200;
        let mut err = [[0.0; 5]; 2];
        for r in 0..runs {
            for (i, mech) in [Mechanism::Binary, Mechanism::Honaker]
                .into_iter()
                .enumerate()
            {
                let mut c =
                    ContinualCounter::new(mech, noise, 1000, &SecureRng::insecure(r)).unwrap();
                let out = c.release(&xs).unwrap();
                for (e, &t) in err[i].iter_mut().zip(&at) {
                    *e += out[t - 1] - truth[t - 1];
                }
            }
        }
        let c =
            ContinualCounter::new(Mechanism::Binary, noise, 1000, &SecureRng::insecure(0)).unwrap();
        let h = ContinualCounter::new(Mechanism::Honaker, noise, 1000, &SecureRng::insecure(0))
            .unwrap();
        let mean_var =
            |c: &ContinualCounter| (1..=1000).map(|t| c.variance_at(t)).sum::<f64>() / 1000.0;
        assert!(mean_var(&h) < 0.6 * mean_var(&c));
        for (i, cc) in [&c, &h].into_iter().enumerate() {
            for (&e, &t) in err[i].iter().zip(&at) {
                let sd = (cc.variance_at(t as u64) * runs as f64).sqrt();
                assert!(
                    e.abs() < 6.0 * sd,
                    "mechanism {i} t {t}: summed error {e}, sd {sd}"
                );
            }
        }
    }

    #[test]
    fn binary_variance_closed_form() {
        // Var_t = popcount(t)·Var(node) for the binary mechanism.
        let noise = NodeNoise::Laplace { num: 11, den: 1 };
        let c =
            ContinualCounter::new(Mechanism::Binary, noise, 1024, &SecureRng::insecure(0)).unwrap();
        assert_eq!(levels(1024), 11);
        for t in [1u64, 5, 1023, 1024] {
            let want = f64::from(t.count_ones()) * super::super::variance::discrete_laplace(11.0);
            assert!((c.variance_at(t) - want).abs() < 1e-9);
        }
    }

    #[test]
    fn bad_input_and_horizon() {
        let noise = NodeNoise::Laplace { num: 1, den: 1 };
        let mut c =
            ContinualCounter::new(Mechanism::Binary, noise, 2, &SecureRng::insecure(0)).unwrap();
        assert!(matches!(c.step(2), Err(Error::InvalidParameter { .. })));
        c.step(1).unwrap();
        c.step(0).unwrap();
        assert!(matches!(c.step(1), Err(Error::BudgetExhausted(_))));
        assert!(
            ContinualCounter::new(Mechanism::Binary, noise, 0, &SecureRng::insecure(0)).is_err()
        );
    }

    #[test]
    fn the_carried_binary_total_is_the_decomposition_sum_across_a_restore() {
        let noise = NodeNoise::Laplace { num: 7, den: 2 };
        let mut c =
            ContinualCounter::new(Mechanism::Binary, noise, 5000, &SecureRng::insecure(4)).unwrap();
        for t in 1..=1000u64 {
            let out = c.step(u8::from(t % 3 == 0)).unwrap();
            assert_eq!(out, c.decomposition_sum(t), "t {t}");
        }
        let xs: Vec<u8> = (0..1000u32).map(|i| u8::from(i % 5 == 0)).collect();
        let last = c.release(&xs).unwrap()[999];
        assert_eq!(last, c.decomposition_sum(2000));
        assert_eq!(c.binary_total, Some(last as i64));
        // A restored counter has no carried total: the next step rebuilds it.
        let mut back: ContinualCounter =
            crate::snapshot::from_bytes(&crate::snapshot::to_bytes(&c).unwrap()).unwrap();
        assert_eq!(back.binary_total, None);
        for t in 2001..=2600u64 {
            let out = back.step(u8::from(t % 2 == 0)).unwrap();
            assert_eq!(out, back.decomposition_sum(t), "t {t}");
        }
    }

    /// Releases by definition, from explicit node noise: `noise` in the order the steps draw it
    /// (per step, the nodes that end there, bottom-up; the binary mechanism only the top one).
    /// Honaker's estimates are computed recursively with the inverse-variance formula.
    fn reference(mech: Mechanism, xs: &[u8], noise: &[i64]) -> Vec<f64> {
        use std::collections::HashMap;
        let mut prefix = vec![0i64];
        for &x in xs {
            prefix.push(prefix.last().copied().unwrap_or(0) + i64::from(x));
        }
        let mut node_noise: HashMap<(u32, u64), i64> = HashMap::new();
        let mut next = noise.iter().copied();
        for t in 1..=xs.len() as u64 {
            let top = t.trailing_zeros();
            let lowest = if mech == Mechanism::Binary { top } else { 0 };
            for h in lowest..=top {
                node_noise.insert((h, t), next.next().unwrap());
            }
        }
        assert!(next.next().is_none());
        let v = 1.0;
        fn est(
            h: u32,
            end: u64,
            mech: Mechanism,
            prefix: &[i64],
            node_noise: &std::collections::HashMap<(u32, u64), i64>,
            v: f64,
        ) -> f64 {
            let start = end - (1 << h);
            let noisy =
                (prefix[end as usize] - prefix[start as usize] + node_noise[&(h, end)]) as f64;
            if mech == Mechanism::Binary || h == 0 {
                return noisy;
            }
            let half = 1u64 << (h - 1);
            let children = est(h - 1, end - half, mech, prefix, node_noise, v)
                + est(h - 1, end, mech, prefix, node_noise, v);
            let vc = 2.0 * level_variance(mech, v, h - 1);
            (noisy / v + children / vc) / (1.0 / v + 1.0 / vc)
        }
        (1..=xs.len() as u64)
            .map(|t| {
                (0..64u32)
                    .filter(|h| t >> h & 1 == 1)
                    .map(|h| est(h, t >> h << h, mech, &prefix, &node_noise, v))
                    .sum()
            })
            .collect()
    }

    #[test]
    fn pieces_release_what_the_tree_defines_and_a_restore_continues_exactly() {
        let n = 3000usize;
        let xs: Vec<u8> = (0..n).map(|i| u8::from(i % 7 < 3)).collect();
        for mech in [Mechanism::Binary, Mechanism::Honaker] {
            let mut c = ContinualCounter::new(
                mech,
                NodeNoise::Laplace { num: 4, den: 1 },
                4096,
                &SecureRng::insecure(1),
            )
            .unwrap();
            let draws = c.draws_after(0, n);
            let noise: Vec<i64> = (0..draws as i64).map(|i| (i * 37 % 23) - 11).collect();
            let want = reference(mech, &xs, &noise);
            // Pieces of uneven lengths, with a snapshot round trip (which drops the carried
            // release) before the last one.
            let mut got = Vec::new();
            let (mut at, mut used) = (0usize, 0usize);
            for len in [1usize, 2, 500, 1200] {
                let k = c.draws_after(at as u64, len);
                c.advance_piece(&xs[at..at + len], &noise[used..used + k], &mut got)
                    .unwrap();
                (at, used) = (at + len, used + k);
            }
            let mut back: ContinualCounter =
                crate::snapshot::from_bytes(&crate::snapshot::to_bytes(&c).unwrap()).unwrap();
            let mut direct = got.clone();
            c.advance_piece(&xs[at..], &noise[used..], &mut direct)
                .unwrap();
            back.advance_piece(&xs[at..], &noise[used..], &mut got)
                .unwrap();
            assert_eq!(
                got, direct,
                "{mech:?}: a restored counter continues bit for bit"
            );
            for (t, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                    "{mech:?} t {}: {g} vs {w}",
                    t + 1
                );
            }
            if mech == Mechanism::Binary {
                assert_eq!(got, want);
            }
        }
    }
}
