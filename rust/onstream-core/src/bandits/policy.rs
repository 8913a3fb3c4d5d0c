//! [`Bandit`]: one per-step policy object over any of the rules of this module.
//!
//! A rule decides from the shared [`Arms`] state and, for some, state of its own. Rules are an
//! enum rather than trait objects so that a policy serializes as one snapshot kind, a simulation
//! can clone it per replicate, and the per-step call has no dynamic dispatch. Adding a rule adds
//! a file and one arm to each `match` below.

use serde::{Deserialize, Serialize};

use super::arms::Arms;
use super::exp3::Exp3;
use super::greedy::{EpsilonGreedy, Softmax};
use super::slate;
use super::thompson::{BetaThompson, GaussianThompson};
use super::tsallis::TsallisInf;
use super::ucb::{KlUcb, Moss, Ucb1};
use super::weighted::WeightedLosses;
use super::windowed::{DiscountedUcb, SlidingWindowUcb};
use crate::error::{Error, Result};
use crate::rng;
use crate::snapshot::Snapshot;

/// What a rule left in the scratch scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Indices (or posterior draws): play the allowed arm of largest score.
    Argmax,
    /// Unnormalized probabilities, zero outside the allowed arms: draw from them.
    Sample,
}

/// A rule and its parameters, as the user configures it (no learned state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Spec {
    EpsilonGreedy { epsilon: f64 },
    Softmax { temperature: f64 },
    Ucb1 { alpha: f64 },
    KlUcb { c: f64 },
    Moss { horizon: u64 },
    BetaThompson { prior_a: f64, prior_b: f64 },
    GaussianThompson { sigma: f64 },
    Exp3 { horizon: Option<u64> },
    TsallisInf,
    DiscountedUcb { gamma: f64, xi: f64, scale: f64 },
    SlidingWindowUcb { window: usize, xi: f64, scale: f64 },
}

fn positive(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(name, v, "a finite value > 0"))
    }
}

impl Spec {
    fn check(&self) -> Result<()> {
        match *self {
            Spec::EpsilonGreedy { epsilon } if !(0.0..=1.0).contains(&epsilon) => Err(
                Error::invalid("epsilon", epsilon, "a probability in [0, 1]"),
            ),
            Spec::Softmax { temperature } => positive("temperature", temperature),
            Spec::Ucb1 { alpha } => positive("alpha", alpha),
            Spec::KlUcb { c } if !(c.is_finite() && c >= 0.0) => {
                Err(Error::invalid("c", c, "a finite value >= 0"))
            }
            Spec::Moss { horizon: 0 } | Spec::Exp3 { horizon: Some(0) } => {
                Err(Error::invalid("horizon", 0, "a positive number of steps"))
            }
            Spec::BetaThompson { prior_a, prior_b } => {
                positive("prior_a", prior_a)?;
                positive("prior_b", prior_b)
            }
            Spec::GaussianThompson { sigma } => positive("sigma", sigma),
            Spec::DiscountedUcb { gamma, xi, scale } => {
                if !(gamma > 0.0 && gamma < 1.0) {
                    return Err(Error::invalid("gamma", gamma, "a discount in (0, 1)"));
                }
                positive("xi", xi)?;
                positive("scale", scale)
            }
            Spec::SlidingWindowUcb { window, xi, scale } => {
                if window == 0 {
                    return Err(Error::invalid("window", 0, "a positive window"));
                }
                positive("xi", xi)?;
                positive("scale", scale)
            }
            _ => Ok(()),
        }
    }

    /// Whether the rule's guarantee needs rewards in [0, 1] (the others take any finite reward).
    fn unit_rewards(&self) -> bool {
        matches!(
            self,
            Spec::Ucb1 { .. }
                | Spec::KlUcb { .. }
                | Spec::Moss { .. }
                | Spec::BetaThompson { .. }
                | Spec::Exp3 { .. }
                | Spec::TsallisInf
        )
    }

    /// The rule's stable name, as the facade's class is called.
    pub fn name(&self) -> &'static str {
        match self {
            Spec::EpsilonGreedy { .. } => "EpsilonGreedy",
            Spec::Softmax { .. } => "Softmax",
            Spec::Ucb1 { .. } => "UCB1",
            Spec::KlUcb { .. } => "KLUCB",
            Spec::Moss { .. } => "MOSS",
            Spec::BetaThompson { .. } => "ThompsonSampling",
            Spec::GaussianThompson { .. } => "GaussianThompsonSampling",
            Spec::Exp3 { .. } => "EXP3",
            Spec::TsallisInf => "TsallisINF",
            Spec::DiscountedUcb { .. } => "DiscountedUCB",
            Spec::SlidingWindowUcb { .. } => "SlidingWindowUCB",
        }
    }
}

/// A rule with its learned state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Rule {
    EpsilonGreedy(EpsilonGreedy),
    Softmax(Softmax),
    Ucb1(Ucb1),
    KlUcb(KlUcb),
    Moss(Moss),
    BetaThompson(BetaThompson),
    GaussianThompson(GaussianThompson),
    Exp3(Exp3),
    TsallisInf(TsallisInf),
    DiscountedUcb(DiscountedUcb),
    SlidingWindowUcb(SlidingWindowUcb),
}

impl Rule {
    fn new(spec: &Spec, n: usize) -> Rule {
        match *spec {
            Spec::EpsilonGreedy { epsilon } => Rule::EpsilonGreedy(EpsilonGreedy { epsilon }),
            Spec::Softmax { temperature } => Rule::Softmax(Softmax { temperature }),
            Spec::Ucb1 { alpha } => Rule::Ucb1(Ucb1 { alpha, table: None }),
            Spec::KlUcb { c } => Rule::KlUcb(KlUcb { c }),
            Spec::Moss { horizon } => Rule::Moss(Moss { horizon }),
            Spec::BetaThompson { prior_a, prior_b } => Rule::BetaThompson(BetaThompson {
                prior_a,
                prior_b,
                successes: vec![0; n],
            }),
            Spec::GaussianThompson { sigma } => Rule::GaussianThompson(GaussianThompson { sigma }),
            Spec::Exp3 { horizon } => Rule::Exp3(Exp3 {
                horizon,
                losses: WeightedLosses::new(n),
            }),
            Spec::TsallisInf => Rule::TsallisInf(TsallisInf {
                losses: WeightedLosses::new(n),
            }),
            Spec::DiscountedUcb { gamma, xi, scale } => {
                Rule::DiscountedUcb(DiscountedUcb::new(n, gamma, xi, scale))
            }
            Spec::SlidingWindowUcb { window, xi, scale } => {
                Rule::SlidingWindowUcb(SlidingWindowUcb::new(n, window, xi, scale))
            }
        }
    }

    #[inline]
    fn fill(&mut self, arms: &mut Arms, mask: Option<&[bool]>) -> Decision {
        match self {
            Rule::EpsilonGreedy(r) => r.fill(arms, mask),
            Rule::Softmax(r) => r.fill(arms, mask),
            Rule::Ucb1(r) => r.fill(arms),
            Rule::KlUcb(r) => r.fill(arms),
            Rule::Moss(r) => r.fill(arms),
            Rule::BetaThompson(r) => r.fill(arms),
            Rule::GaussianThompson(r) => r.fill(arms),
            Rule::Exp3(r) => r.fill(arms, mask),
            Rule::TsallisInf(r) => r.fill(arms, mask),
            Rule::DiscountedUcb(r) => r.fill(arms),
            Rule::SlidingWindowUcb(r) => r.fill(arms),
        }
    }

    #[inline]
    fn update(&mut self, arms: &mut Arms, arm: usize, reward: f64) {
        match self {
            Rule::BetaThompson(r) => r.update(arms, arm, reward),
            Rule::Exp3(r) => r.update(arm, reward),
            Rule::TsallisInf(r) => r.update(arm, reward),
            Rule::DiscountedUcb(r) => r.update(arm, reward),
            Rule::SlidingWindowUcb(r) => r.update(arm, reward),
            _ => {}
        }
    }

    fn add_arm(&mut self, arms: &Arms) {
        match self {
            Rule::BetaThompson(r) => r.successes.push(0),
            Rule::Exp3(r) => r.add_arm(arms),
            Rule::TsallisInf(r) => r.add_arm(arms),
            Rule::DiscountedUcb(r) => r.add_arm(),
            Rule::SlidingWindowUcb(r) => r.add_arm(),
            _ => {}
        }
    }

    /// Per-arm state lengths agree with the number of arms.
    fn consistent(&self, n: usize) -> bool {
        match self {
            Rule::BetaThompson(r) => r.successes.len() == n,
            Rule::Exp3(r) => r.losses.consistent(n),
            Rule::TsallisInf(r) => r.losses.consistent(n),
            Rule::DiscountedUcb(r) => r.weights.len() == n && r.weighted_sums.len() == n,
            Rule::SlidingWindowUcb(r) => r.counts.len() == n && r.consistent(),
            _ => true,
        }
    }
}

/// A bandit policy: `select` an arm, `update` it with its reward, repeat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bandit {
    spec: Spec,
    rule: Rule,
    arms: Arms,
}

impl Bandit {
    /// A fresh policy over `n_arms` arms; `seed = None` draws one from the OS.
    pub fn new(spec: Spec, n_arms: usize, seed: Option<u64>) -> Result<Self> {
        spec.check()?;
        if n_arms > u32::MAX as usize {
            return Err(Error::invalid("n_arms", n_arms, "at most 2^32 - 1 arms"));
        }
        let arms = Arms::new(n_arms, seed)?;
        Ok(Bandit {
            rule: Rule::new(&spec, n_arms),
            spec,
            arms,
        })
    }

    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    pub fn n_arms(&self) -> usize {
        self.arms.n_arms()
    }

    /// Rewards reported so far.
    pub fn steps(&self) -> u64 {
        self.arms.t
    }

    pub fn counts(&self) -> &[u64] {
        &self.arms.counts
    }

    pub fn means(&self) -> &[f64] {
        &self.arms.means
    }

    pub fn live(&self) -> &[bool] {
        &self.arms.live
    }

    /// Replaces the generator (a simulation gives each replicate its own stream).
    pub fn reseed(&mut self, seed: u64, stream: u64) {
        self.arms.rng = rng::stream(seed, stream);
    }

    #[inline]
    fn decide(&mut self, mask: Option<&[bool]>) -> usize {
        match self.rule.fill(&mut self.arms, mask) {
            Decision::Argmax => {
                self.arms.mask_scores(mask);
                self.arms.argmax()
            }
            Decision::Sample => self.arms.sample_scratch(),
        }
    }

    /// The arm to play next among the live arms (and those `mask` allows).
    #[inline]
    pub fn select(&mut self, mask: Option<&[bool]>) -> Result<usize> {
        self.arms.check_mask(mask)?;
        Ok(self.decide(mask))
    }

    /// [`Self::select`] without a mask: it cannot fail, since a policy always keeps a live arm.
    #[inline]
    pub(crate) fn select_unmasked(&mut self) -> usize {
        if let Rule::Ucb1(r) = &self.rule {
            if self.arms.all_live {
                return r.best_arm(&self.arms);
            }
        }
        self.decide(None)
    }

    /// [`Self::update`] for rewards already known to be valid (a simulation whose environment
    /// was checked against the rule's reward range once, up front).
    #[inline]
    pub(crate) fn update_trusted(&mut self, arm: usize, reward: f64) {
        self.rule.update(&mut self.arms, arm, reward);
        self.arms.record(arm, reward);
    }

    /// Precomputes per-step constants for a run of `horizon` steps, shared by clones (a
    /// simulation's replicates); decisions are unchanged, bit for bit.
    pub(crate) fn prepare(&mut self, horizon: u64) {
        if let Rule::Ucb1(r) = &mut self.rule {
            r.tabulate(horizon);
        }
    }

    /// Whether the rule needs rewards in [0, 1].
    pub fn needs_unit_rewards(&self) -> bool {
        self.spec.unit_rewards()
    }

    /// `n` decisions from the current state, as when `n` requests arrive before any reward does
    /// (an index policy repeats its arm; a randomized one draws `n` times).
    pub fn select_batch(&mut self, n: usize, mask: Option<&[bool]>) -> Result<Vec<usize>> {
        self.arms.check_mask(mask)?;
        Ok((0..n).map(|_| self.decide(mask)).collect())
    }

    /// `k` distinct arms for one request (a slate), best first: the top `k` indices or posterior
    /// draws; for EXP3 and Tsallis-INF a slate with exact inclusion probabilities (Exp3.M's
    /// dependent rounding, [`super::slate`]), by which the updates of its arms are then weighted;
    /// for the other randomized rules `k` draws without replacement.
    pub fn select_k(&mut self, k: usize, mask: Option<&[bool]>) -> Result<Vec<usize>> {
        self.arms.check_mask(mask)?;
        if k == 0 {
            return Err(Error::invalid("k", 0, "a positive number of arms"));
        }
        let decision = self.rule.fill(&mut self.arms, mask);
        let losses = match &mut self.rule {
            Rule::Exp3(r) => Some(&mut r.losses),
            Rule::TsallisInf(r) => Some(&mut r.losses),
            _ => None,
        };
        if let Some(losses) = losses {
            // `fill` left the single-draw probabilities in `last_p`: replace them by the slate's
            // inclusion probabilities, which weight the coming updates.
            let q = slate::marginals(&losses.last_p, k);
            let chosen = slate::dep_round(&q, k, &mut self.arms.rng);
            losses.last_p = q;
            return Ok(chosen);
        }
        Ok(match decision {
            Decision::Argmax => self.arms.top_k(k, mask),
            Decision::Sample => self.arms.sample_k_scratch(k, mask),
        })
    }

    /// Reports the reward of one pull of `arm`.
    #[inline]
    pub fn update(&mut self, arm: usize, reward: f64) -> Result<()> {
        self.arms
            .check_update(arm, reward, self.spec.unit_rewards())?;
        self.rule.update(&mut self.arms, arm, reward);
        self.arms.record(arm, reward);
        Ok(())
    }

    /// Reports many rewards in order. Every pair is checked first, so an error changes nothing.
    pub fn update_batch(&mut self, arms: &[usize], rewards: &[f64]) -> Result<()> {
        if arms.len() != rewards.len() {
            return Err(Error::shape("rewards", rewards.len(), arms.len()));
        }
        let unit = self.spec.unit_rewards();
        for (&a, &r) in arms.iter().zip(rewards) {
            self.arms.check_update(a, r, unit)?;
        }
        for (&a, &r) in arms.iter().zip(rewards) {
            self.rule.update(&mut self.arms, a, r);
            self.arms.record(a, r);
        }
        Ok(())
    }

    /// Adds an arm and returns its id (ids are never reused).
    pub fn add_arm(&mut self) -> Result<usize> {
        if self.n_arms() >= u32::MAX as usize {
            return Err(Error::invalid(
                "n_arms",
                self.n_arms(),
                "at most 2^32 - 1 arms",
            ));
        }
        self.rule.add_arm(&self.arms);
        Ok(self.arms.push_arm())
    }

    /// Retires `arm`: it is never selected again; its statistics are kept.
    pub fn remove_arm(&mut self, arm: usize) -> Result<()> {
        if arm >= self.n_arms() || !self.arms.live[arm] {
            return Err(Error::OutOfRange {
                name: "arm",
                index: 0,
                got: arm.to_string(),
                expected: "the id of a live arm".into(),
            });
        }
        if self.arms.live.iter().filter(|&&l| l).count() == 1 {
            return Err(Error::invalid(
                "arm",
                arm,
                "an arm other than the last live one",
            ));
        }
        self.arms.live[arm] = false;
        self.arms.all_live = false;
        Ok(())
    }
}

impl Snapshot for Bandit {
    const KIND: &'static str = "bandits.Bandit";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let ok = self.spec.check().is_ok()
            && self.arms.validate()
            && self.rule.consistent(self.n_arms())
            && self.arms.live.iter().any(|&l| l);
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.Bandit state is inconsistent".into(),
            ))
        }
    }
}

impl Bandit {
    /// The whole state as readable JSON (the same fields as the binary snapshot).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map_err(|e| Error::Internal(format!("cannot encode a bandit as JSON: {e}")))
    }

    /// A policy from [`Bandit::to_json`] output, checked like a snapshot.
    pub fn from_json(text: &str) -> Result<Self> {
        let b: Bandit = serde_json::from_str(text)
            .map_err(|e| Error::Snapshot(format!("cannot decode a bandit from JSON: {e}")))?;
        b.validate()?;
        Ok(b)
    }
}

impl Spec {
    /// A spec from JSON such as `{"Ucb1": {"alpha": 1.0}}` (serde's externally tagged form).
    pub fn from_json(text: &str) -> Result<Spec> {
        let spec: Spec = serde_json::from_str(text)
            .map_err(|e| Error::invalid("spec", text, format!("a bandit spec ({e})")))?;
        spec.check()?;
        Ok(spec)
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::Internal(format!("cannot encode a bandit spec: {e}")))
    }
}

#[cfg(test)]
mod slate_tests {
    use super::*;

    /// A slate's updates weight each played arm by its inclusion probability, so the
    /// importance-weighted loss of every arm is unbiased: averaged over many slates drawn from
    /// one state, arm i's loss sum after one round is its loss 1 − r_i.
    #[test]
    fn slate_updates_give_unbiased_losses() {
        let rewards = [0.9, 0.2, 0.5, 0.7, 0.1, 0.4];
        for spec in [Spec::Exp3 { horizon: None }, Spec::TsallisInf] {
            let mut base = Bandit::new(spec.clone(), rewards.len(), Some(3)).unwrap();
            // A state with unequal probabilities: a few rounds of plain plays first.
            for _ in 0..40 {
                let arm = base.select(None).unwrap();
                base.update(arm, rewards[arm]).unwrap();
            }
            let before = match &base.rule {
                Rule::Exp3(r) => r.losses.sums.clone(),
                Rule::TsallisInf(r) => r.losses.sums.clone(),
                _ => unreachable!(),
            };
            let trials = 40_000;
            let mut mean = vec![0.0; rewards.len()];
            let mut var = vec![0.0; rewards.len()];
            for trial in 0..trials {
                let mut p = base.clone();
                p.reseed(11, trial);
                let slate = p.select_k(3, None).unwrap();
                assert_eq!(slate.len(), 3);
                for &arm in &slate {
                    p.update(arm, rewards[arm]).unwrap();
                }
                let after = match &p.rule {
                    Rule::Exp3(r) => &r.losses.sums,
                    Rule::TsallisInf(r) => &r.losses.sums,
                    _ => unreachable!(),
                };
                for i in 0..rewards.len() {
                    let d = after[i] - before[i];
                    mean[i] += d / trials as f64;
                    var[i] += d * d / trials as f64;
                }
            }
            for i in 0..rewards.len() {
                let sd = ((var[i] - mean[i] * mean[i]).max(0.0) / trials as f64).sqrt();
                let want = 1.0 - rewards[i];
                assert!(
                    (mean[i] - want).abs() < 5.0 * sd + 1e-9,
                    "{spec:?} arm {i}: {} vs {want} (sd {sd})",
                    mean[i]
                );
            }
        }
    }
}
