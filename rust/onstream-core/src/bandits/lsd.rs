//! Last switch dependent (LSD) bandits: payoffs that depend on how long an arm has been played
//! or rested since its last switch, and a constant-factor planner for known payoffs.
//!
//! The model is Laforgue, Clerici, Cesa-Bianchi and Gilad-Bachrach's (AISTATS 2022); the planner
//! follows Foussoul, Goyal, Papadigenopoulos and Zeevi, "Last switch dependent bandits with
//! monotone payoff functions" (arXiv 2306.00338): a higher-dimensional LP relaxation over per-arm
//! *cycles*, independent randomized rounding of each arm to one cycle, and an interleaved schedule
//! in which every arm follows its own *virtual* cycle (its virtual state evolves as if it had
//! played, "mirroring") while a fixed random priority resolves conflicts; monotone payoffs bound
//! what a lost conflict costs.
//!
//! State of arm `i`: `+k` after `k` consecutive plays, `−k` after `k` idle rounds, saturating at
//! `±C` (payoffs are constant beyond). Pulling `i` in state `−k` pays `recharge_i[k]`
//! (non-decreasing in `k`: deprivation), in state `+k` pays `satiate_i[k]` (non-increasing:
//! satiation). One arm, or none, per round.
//!
//! The LP's exact form, the interleaving's conflict rule and the approximation constant are
//! reconstructed from the paper's abstract and its recharging-bandit predecessor
//! (Papadigenopoulos, Caramanis and Shakkottai, NeurIPS 2022); the paper's text could not be read
//! here, so the tests check a conservative fraction (1/2) of the brute-force optimum.
//!
//! The LP is a fractional multiple-choice knapsack (at most one cycle per arm, one unit of
//! play-time per round), which the upper concave hull of each arm's cycles solves exactly by a
//! greedy over hull segments (Zemel 1984; Dyer 1984): no general LP solver is needed.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::{self, Rng};

/// Known payoff curves of `K` arms, each of length `C` (`[k − 1]` is state `∓k`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsdInstance {
    pub recharge: Vec<Vec<f64>>,
    pub satiate: Vec<Vec<f64>>,
}

impl LsdInstance {
    pub fn check(&self) -> Result<()> {
        let k = self.recharge.len();
        if k == 0 {
            return Err(Error::Empty { name: "arms" });
        }
        if self.satiate.len() != k {
            return Err(Error::shape("satiate", self.satiate.len(), k));
        }
        let c = self.recharge[0].len();
        if c == 0 {
            return Err(Error::Empty { name: "recharge" });
        }
        for i in 0..k {
            if self.recharge[i].len() != c || self.satiate[i].len() != c {
                return Err(Error::shape("curves", self.recharge[i].len(), c));
            }
            let all = self.recharge[i].iter().chain(&self.satiate[i]);
            if all.clone().any(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(Error::invalid("payoffs", i, "finite payoffs >= 0"));
            }
            let up = self.recharge[i].windows(2).all(|w| w[0] <= w[1]);
            let down = self.satiate[i].windows(2).all(|w| w[0] >= w[1]);
            if !(up && down) {
                return Err(Error::invalid(
                    "payoffs",
                    format!("arm {i}"),
                    "monotone curves: recharge non-decreasing, satiate non-increasing",
                ));
            }
        }
        Ok(())
    }

    pub fn n_arms(&self) -> usize {
        self.recharge.len()
    }

    /// `C`, where states saturate.
    pub fn cap(&self) -> usize {
        self.recharge[0].len()
    }

    /// The payoff of pulling `arm` in signed state `state` (never 0).
    pub fn payoff(&self, arm: usize, state: i64) -> f64 {
        let c = self.cap() as i64;
        if state < 0 {
            self.recharge[arm][((-state).min(c) - 1) as usize]
        } else {
            self.satiate[arm][(state.min(c) - 1) as usize]
        }
    }

    /// The state after a round in which `arm` was (or was not) pulled.
    fn next_state(&self, state: i64, pulled: bool) -> i64 {
        let c = self.cap() as i64;
        match (pulled, state > 0) {
            (true, true) => (state + 1).min(c),
            (true, false) => 1,
            (false, true) => -1,
            (false, false) => (state - 1).max(-c),
        }
    }

    /// Total payoff of a schedule (`None`: no pull), every arm starting fully rested.
    pub fn evaluate(&self, schedule: &[Option<usize>]) -> f64 {
        let c = self.cap() as i64;
        let mut states = vec![-c; self.n_arms()];
        let mut total = 0.0;
        for &choice in schedule {
            if let Some(a) = choice {
                total += self.payoff(a, states[a]);
            }
            for (i, s) in states.iter_mut().enumerate() {
                *s = self.next_state(*s, choice == Some(i));
            }
        }
        total
    }

    /// Steady-state payoff of one cycle of `q ≥ 1` idle rounds then `p ≥ 1` plays.
    fn cycle_payoff(&self, arm: usize, p: usize, q: usize) -> f64 {
        let mut v = self.payoff(arm, -(q as i64));
        for k in 1..p {
            v += self.payoff(arm, k as i64);
        }
        v
    }
}

/// A cycle `(plays, idle)` and the LP weight on it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CycleWeight {
    pub plays: usize,
    pub idle: usize,
    pub weight: f64,
}

/// The LP relaxation's solution: its value (an upper bound on the long-run payoff per round)
/// and each arm's weights on cycles (at most two per arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsdRelaxation {
    pub value: f64,
    pub cycles: Vec<Vec<CycleWeight>>,
}

/// Where the LP greedy left one arm on its hull: a vertex (a cycle, or none) and a fraction of
/// the next segment toward another cycle.
#[derive(Debug, Clone, Copy, Default)]
struct Position {
    vertex: Option<(usize, usize)>,
    partial: Option<((usize, usize), f64)>,
}

/// Solves the cycle LP exactly: `max Σ z_{i,c} v_{i,c}` subject to `Σ_c z_{i,c} ≤ 1` per arm and
/// `Σ z_{i,c} w_{i,c} ≤ 1`, with `w = p/(p+q)` (share of rounds played) and
/// `v = cycle payoff/(p+q)` (payoff per round), over cycles with `p, q ≤ max_len`.
pub fn relax(inst: &LsdInstance, max_len: usize) -> Result<LsdRelaxation> {
    inst.check()?;
    if max_len == 0 {
        return Err(Error::invalid("max_len", 0, "a positive cycle length"));
    }
    struct Segment {
        arm: usize,
        dw: f64,
        dv: f64,
        from: Option<(usize, usize)>,
        to: (usize, usize),
    }
    let mut segments = Vec::new();
    for arm in 0..inst.n_arms() {
        // Points (w, v) of every cycle; the hull starts at (0, 0), "no cycle".
        let mut pts: Vec<(f64, f64, usize, usize)> = Vec::new();
        for p in 1..=max_len {
            for q in 1..=max_len {
                let len = (p + q) as f64;
                pts.push((p as f64 / len, inst.cycle_payoff(arm, p, q) / len, p, q));
            }
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        // Upper concave hull from (0, 0): repeatedly take the steepest next point.
        let (mut w0, mut v0) = (0.0, 0.0);
        let mut from: Option<(usize, usize)> = None;
        loop {
            let best = pts
                .iter()
                .filter(|pt| pt.0 > w0 + 1e-15)
                .map(|pt| ((pt.1 - v0) / (pt.0 - w0), pt))
                .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1 .0.total_cmp(&a.1 .0)));
            match best {
                Some((slope, pt)) if slope > 0.0 => {
                    segments.push(Segment {
                        arm,
                        dw: pt.0 - w0,
                        dv: pt.1 - v0,
                        from,
                        to: (pt.2, pt.3),
                    });
                    w0 = pt.0;
                    v0 = pt.1;
                    from = Some((pt.2, pt.3));
                }
                _ => break,
            }
        }
    }
    // Greedy over segments by slope: the LP optimum of a multiple-choice knapsack. Each arm's
    // segments come out in its own decreasing-slope order because its hull is concave.
    segments.sort_by(|a, b| (b.dv / b.dw).total_cmp(&(a.dv / a.dw)));
    let mut capacity = 1.0;
    let mut value = 0.0;
    // Per arm: the last hull vertex reached and the fraction of the segment after it.
    let mut position: Vec<Position> = vec![Position::default(); inst.n_arms()];
    for s in &segments {
        if capacity <= 0.0 {
            break;
        }
        let take = (capacity / s.dw).min(1.0);
        value += take * s.dv;
        capacity -= take * s.dw;
        if take >= 1.0 {
            position[s.arm] = Position {
                vertex: Some(s.to),
                partial: None,
            };
        } else {
            position[s.arm].partial = Some((s.to, take));
            debug_assert_eq!(position[s.arm].vertex, s.from);
        }
    }
    let cycles = position
        .into_iter()
        .map(|Position { vertex, partial }| {
            let mut out = Vec::new();
            let push = |out: &mut Vec<CycleWeight>, (p, q): (usize, usize), w: f64| {
                if w > 0.0 {
                    out.push(CycleWeight {
                        plays: p,
                        idle: q,
                        weight: w,
                    });
                }
            };
            match (vertex, partial) {
                (Some(v), Some((to, t))) => {
                    push(&mut out, v, 1.0 - t);
                    push(&mut out, to, t);
                }
                (None, Some((to, t))) => push(&mut out, to, t),
                (Some(v), None) => push(&mut out, v, 1.0),
                (None, None) => {}
            }
            out
        })
        .collect();
    Ok(LsdRelaxation { value, cycles })
}

/// One schedule of the rounding-and-interleaving planner for `horizon` rounds.
pub fn plan(
    inst: &LsdInstance,
    relaxation: &LsdRelaxation,
    horizon: usize,
    rng: &mut Rng,
) -> Vec<Option<usize>> {
    let k = inst.n_arms();
    // Independent rounding: each arm keeps one cycle with its LP weight (or none).
    let chosen: Vec<Option<(usize, usize, usize)>> = relaxation
        .cycles
        .iter()
        .map(|cw| {
            let mut u = rng::open01(rng);
            for c in cw {
                if u < c.weight {
                    let period = c.plays + c.idle;
                    let phase = rng::below(rng, period as u64) as usize;
                    return Some((c.plays, c.idle, phase));
                }
                u -= c.weight;
            }
            None
        })
        .collect();
    // A fixed random priority over arms resolves conflicts.
    let mut order: Vec<usize> = (0..k).collect();
    for i in (1..k).rev() {
        let j = rng::below(rng, (i + 1) as u64) as usize;
        order.swap(i, j);
    }
    (0..horizon)
        .map(|t| {
            // Each arm's virtual cycle says whether it plays now; its virtual state advances
            // whether or not it wins the round (mirroring).
            order.iter().copied().find(|&a| match chosen[a] {
                Some((p, q, phase)) => (t + phase) % (p + q) >= q,
                None => false,
            })
        })
        .collect()
}

/// The best total payoff over `horizon` rounds by dynamic programming over the joint state
/// (`(2C + 1)^K` states): the brute-force optimum the planner is tested against.
pub fn optimum(inst: &LsdInstance, horizon: usize) -> Result<f64> {
    inst.check()?;
    let (k, c) = (inst.n_arms(), inst.cap() as i64);
    let width = (2 * c + 1) as usize;
    let n_states = width
        .checked_pow(k as u32)
        .filter(|&n| n <= 5_000_000)
        .ok_or_else(|| {
            Error::invalid(
                "instance",
                format!("{k} arms, C = {c}"),
                "at most 5,000,000 joint states",
            )
        })?;
    let decode = |mut idx: usize| -> Vec<i64> {
        (0..k)
            .map(|_| {
                let d = (idx % width) as i64 - c;
                idx /= width;
                d
            })
            .collect()
    };
    let encode = |s: &[i64]| -> usize {
        s.iter()
            .rev()
            .fold(0, |acc, &d| acc * width + (d + c) as usize)
    };
    // value[s]: the best payoff of the remaining rounds from state s.
    let mut value = vec![0.0; n_states];
    let mut next = vec![0.0; n_states];
    for _ in 0..horizon {
        for (idx, slot) in next.iter_mut().enumerate() {
            let s = decode(idx);
            if s.contains(&0) {
                continue; // 0 is not a state
            }
            let mut best = f64::NEG_INFINITY;
            for choice in (0..k).map(Some).chain([None]) {
                let gain = choice.map_or(0.0, |a| inst.payoff(a, s[a]));
                let after: Vec<i64> = (0..k)
                    .map(|i| inst.next_state(s[i], choice == Some(i)))
                    .collect();
                best = best.max(gain + value[encode(&after)]);
            }
            *slot = best;
        }
        std::mem::swap(&mut value, &mut next);
    }
    Ok(value[encode(&vec![-c; k])])
}

/// Explore-then-plan for unknown payoffs: explore every state of every arm, then run the
/// planner on the estimates for the rest of the horizon (the paper's learning adaptation, whose
/// regret against the full-information planner is sublinear).
///
/// Exploration repeats, for each arm and each rest length `q = 1..C`, a block of one pull, `q`
/// rounds without pulls and `C + 1` pulls of the arm, so every state `−q` and `+1..+C` is
/// sampled at least once per repetition (each sample is labelled with the arm's actual state,
/// which the learner tracks); `repeats` defaults to `⌈(T / (K C²))^(2/3)⌉`, the
/// explore-then-commit rate. Estimates are made monotone (running max of the recharge curve,
/// running min of the satiation curve) before planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LsdLearner {
    n_arms: usize,
    cap: usize,
    horizon: usize,
    explore: Vec<Option<usize>>,
    /// Every arm's current state, from the learner's own pulls.
    states: Vec<i64>,
    sums: Vec<Vec<f64>>,
    counts: Vec<Vec<u64>>,
    plan: Vec<Option<usize>>,
    t: usize,
    rng: Rng,
}

impl LsdLearner {
    pub fn new(
        n_arms: usize,
        cap: usize,
        horizon: usize,
        repeats: Option<usize>,
        seed: Option<u64>,
    ) -> Result<Self> {
        if n_arms == 0 || cap == 0 || horizon == 0 {
            return Err(Error::invalid(
                "shape",
                format!("{n_arms} arms, C = {cap}, T = {horizon}"),
                "positive arms, cap and horizon",
            ));
        }
        let reps = repeats.unwrap_or_else(|| {
            let x = horizon as f64 / (n_arms * cap * cap) as f64;
            x.powf(2.0 / 3.0).ceil().max(1.0) as usize
        });
        let mut explore = Vec::new();
        for _ in 0..reps {
            for arm in 0..n_arms {
                for q in 1..=cap {
                    explore.push(Some(arm));
                    explore.extend(std::iter::repeat_n(None, q));
                    explore.extend(std::iter::repeat_n(Some(arm), cap + 1));
                }
            }
        }
        explore.truncate(horizon);
        Ok(LsdLearner {
            n_arms,
            cap,
            horizon,
            explore,
            states: vec![-(cap as i64); n_arms],
            sums: vec![vec![0.0; 2 * cap]; n_arms],
            counts: vec![vec![0; 2 * cap]; n_arms],
            plan: Vec::new(),
            t: 0,
            rng: rng::from_seed(seed),
        })
    }

    /// Rounds of exploration before planning.
    pub fn exploration_rounds(&self) -> usize {
        self.explore.len()
    }

    fn slot(&self, state: i64) -> usize {
        let c = self.cap as i64;
        if state < 0 {
            ((-state).min(c) - 1) as usize
        } else {
            (c + state.min(c) - 1) as usize
        }
    }

    /// The monotone estimate of the payoff curves from the exploration so far.
    pub fn estimate(&self) -> LsdInstance {
        let c = self.cap;
        let mean = |a: usize, i: usize| {
            if self.counts[a][i] > 0 {
                self.sums[a][i] / self.counts[a][i] as f64
            } else {
                0.0
            }
        };
        let mut recharge = Vec::with_capacity(self.n_arms);
        let mut satiate = Vec::with_capacity(self.n_arms);
        for a in 0..self.n_arms {
            let mut r: Vec<f64> = (0..c).map(|i| mean(a, i)).collect();
            for i in 1..c {
                r[i] = r[i].max(r[i - 1]);
            }
            let mut s: Vec<f64> = (0..c).map(|i| mean(a, c + i)).collect();
            for i in 1..c {
                s[i] = s[i].min(s[i - 1]);
            }
            recharge.push(r);
            satiate.push(s);
        }
        LsdInstance { recharge, satiate }
    }

    /// The arm to pull this round (`None`: rest every arm).
    pub fn select(&mut self) -> Result<Option<usize>> {
        if self.t >= self.horizon {
            return Err(Error::BudgetExhausted(format!(
                "the horizon of {} rounds is over",
                self.horizon
            )));
        }
        if self.t < self.explore.len() {
            return Ok(self.explore[self.t]);
        }
        if self.plan.is_empty() {
            let est = self.estimate();
            let lp = relax(&est, 2 * self.cap)?;
            let rest = self.horizon - self.explore.len();
            self.plan = plan(&est, &lp, rest, &mut self.rng);
        }
        Ok(self.plan[self.t - self.explore.len()])
    }

    /// Reports the payoff of this round (0 for a round without a pull).
    pub fn update(&mut self, reward: f64) -> Result<()> {
        if !reward.is_finite() {
            return Err(Error::NonFinite {
                name: "reward",
                index: 0,
                value: reward,
            });
        }
        if self.t >= self.horizon {
            return Err(Error::BudgetExhausted("the horizon is over".into()));
        }
        let exploring = self.t < self.explore.len();
        let choice = if exploring {
            self.explore[self.t]
        } else {
            self.plan
                .get(self.t - self.explore.len())
                .copied()
                .flatten()
        };
        if let (true, Some(arm)) = (exploring, choice) {
            let i = self.slot(self.states[arm]);
            self.sums[arm][i] += reward;
            self.counts[arm][i] += 1;
        }
        let c = self.cap as i64;
        for (i, s) in self.states.iter_mut().enumerate() {
            *s = match (choice == Some(i), *s > 0) {
                (true, true) => (*s + 1).min(c),
                (true, false) => 1,
                (false, true) => -1,
                (false, false) => (*s - 1).max(-c),
            };
        }
        self.t += 1;
        Ok(())
    }
}

impl crate::snapshot::Snapshot for LsdLearner {
    const KIND: &'static str = "bandits.LsdLearner";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let ok = self.states.len() == self.n_arms
            && self.sums.len() == self.n_arms
            && self.counts.len() == self.n_arms
            && self.t <= self.horizon;
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.LsdLearner state is inconsistent".into(),
            ))
        }
    }
}

/// Total Bernoulli payoff of the explore-then-plan learner over `horizon` rounds in `inst`,
/// and of the full-information planner, averaged over `n_runs` replicates (run in parallel).
pub fn simulate_lsd(
    inst: &LsdInstance,
    horizon: usize,
    repeats: Option<usize>,
    n_runs: usize,
    seed: u64,
) -> Result<(f64, f64)> {
    use rayon::prelude::*;
    inst.check()?;
    let lp = relax(inst, 2 * inst.cap())?;
    let runs: Vec<(f64, f64)> = (0..n_runs)
        .into_par_iter()
        .map(|run| {
            let mut g = rng::stream(seed, run as u64);
            let mut learner = LsdLearner::new(
                inst.n_arms(),
                inst.cap(),
                horizon,
                repeats,
                Some(run as u64),
            )?;
            let c = inst.cap() as i64;
            let mut states = vec![-c; inst.n_arms()];
            let mut total = 0.0;
            for _ in 0..horizon {
                let choice = learner.select()?;
                let mut r = 0.0;
                if let Some(a) = choice {
                    r = f64::from(u8::from(rng::open01(&mut g) < inst.payoff(a, states[a])));
                    total += inst.payoff(a, states[a]);
                }
                learner.update(r)?;
                for (i, s) in states.iter_mut().enumerate() {
                    *s = inst.next_state(*s, choice == Some(i));
                }
            }
            let full = inst.evaluate(&plan(inst, &lp, horizon, &mut g));
            Ok((total, full))
        })
        .collect::<Result<_>>()?;
    let n = n_runs.max(1) as f64;
    Ok((
        runs.iter().map(|r| r.0).sum::<f64>() / n,
        runs.iter().map(|r| r.1).sum::<f64>() / n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(seed: u64, k: usize, c: usize) -> LsdInstance {
        let mut g = rng::from_seed(Some(seed));
        let mut recharge = Vec::new();
        let mut satiate = Vec::new();
        for _ in 0..k {
            let mut r: Vec<f64> = (0..c).map(|_| rng::open01(&mut g)).collect();
            r.sort_by(f64::total_cmp);
            let mut s: Vec<f64> = (0..c).map(|_| rng::open01(&mut g) * r[c - 1]).collect();
            s.sort_by(|a, b| b.total_cmp(a));
            recharge.push(r);
            satiate.push(s);
        }
        LsdInstance { recharge, satiate }
    }

    #[test]
    fn the_relaxation_bounds_the_optimum_and_the_planner_reaches_half_of_it() {
        for seed in 0..6 {
            let inst = instance(seed, 3, 4);
            let horizon = 120;
            let opt = optimum(&inst, horizon).unwrap();
            let lp = relax(&inst, 8).unwrap();
            // Boundary slack: arms start fully rested, worth at most C rounds of payoff each.
            let slack = (inst.n_arms() * inst.cap()) as f64;
            assert!(
                opt <= lp.value * horizon as f64 + slack,
                "seed {seed}: opt {opt} lp {}",
                lp.value
            );
            let mut g = rng::from_seed(Some(seed + 100));
            let samples = 400;
            let mean = (0..samples)
                .map(|_| inst.evaluate(&plan(&inst, &lp, horizon, &mut g)))
                .sum::<f64>()
                / samples as f64;
            assert!(
                mean >= 0.5 * opt,
                "seed {seed}: planner {mean} vs optimum {opt}"
            );
            for cw in &lp.cycles {
                assert!(cw.len() <= 2 && cw.iter().map(|c| c.weight).sum::<f64>() <= 1.0 + 1e-12);
            }
        }
    }

    #[test]
    fn explore_then_plan_approaches_the_full_information_planner() {
        // Payoffs in [0, 1] (Bernoulli rewards); the learner's per-round deficit to the planner
        // that knows the payoffs shrinks as the horizon grows.
        let inst = instance(3, 3, 4);
        let gap = |t: usize| {
            let (learner, full) = simulate_lsd(&inst, t, None, 24, 9).unwrap();
            (full - learner) / t as f64
        };
        let (short, long) = (gap(2_000), gap(50_000));
        assert!(
            long < 0.5 * short,
            "per-round gap {short} at 2,000, {long} at 50,000"
        );
        let mut l = LsdLearner::new(3, 4, 10, Some(1), Some(0)).unwrap();
        assert!(l.update(f64::NAN).is_err());
        for _ in 0..10 {
            l.select().unwrap();
            l.update(0.0).unwrap();
        }
        assert!(l.select().is_err());
    }

    #[test]
    fn evaluation_follows_the_state_rules() {
        let inst = LsdInstance {
            recharge: vec![vec![0.2, 0.5, 1.0]],
            satiate: vec![vec![0.9, 0.4, 0.1]],
        };
        // Rested (−3): 1.0; then +1: 0.9; +2: 0.4; idle once (−1), then 0.2.
        let v = inst.evaluate(&[Some(0), Some(0), Some(0), None, Some(0)]);
        assert!((v - (1.0 + 0.9 + 0.4 + 0.2)).abs() < 1e-12);
        assert!(LsdInstance {
            recharge: vec![vec![0.5, 0.2]],
            satiate: vec![vec![0.1, 0.2]],
        }
        .check()
        .is_err());
    }
}
