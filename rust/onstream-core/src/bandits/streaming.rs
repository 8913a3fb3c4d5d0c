//! Single-pass streaming bandits with bounded arm memory.
//!
//! Chen Wang, "Tight regret bounds for single-pass streaming multi-armed bandits", ICML 2023.
//! `K` arms arrive one at a time; an arm can be pulled only while it is stored, a discarded arm
//! never returns, and at most a few arms are stored at once. `T` pulls in all. Every algorithm
//! here finds an ε-best arm in one pass with `ε = (K/T)^(1/3)` and commits to it for the pulls
//! that remain ("ε-best-then-commit", the paper's section 4), which gives regret
//! `O(K^(1/3) T^(2/3))` against the paper's `Ω(K^(1/3) T^(2/3))` lower bound for `o(K)` memory.
//!
//! The object is a state machine: [`StreamingBandit::push_arm`] an arriving arm, then carry out
//! each [`Pull`] it asks for (pull that arm `n` times) and [`StreamingBandit::report`] the sum of
//! the rewards; [`StreamingBandit::finish`] at the end of the stream, carry out the final pulls,
//! and read [`StreamingBandit::committed`]. Pulls come in batches because every decision of these
//! algorithms is "pull this arm `n` times".

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// Which single-pass algorithm runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamingKind {
    /// Uniform exploration, the baseline: each arm `b = (T/K)^(2/3) ln(T)^(1/3)` times, keep the
    /// better of king and newcomer; regret `O(K^(1/3) T^(2/3) log^(1/3) T)`. Two stored arms.
    Uniform,
    /// The paper's single-arm-memory algorithm for expected regret: each arm `ln(K)/ε²` times,
    /// so the kept arm is ε-best with probability `1 − 1/K`; regret `O(K^(1/3) T^(2/3) log K)`.
    /// Two stored arms (the king and the arriving one).
    Naive,
    /// The `O(log* K)`-memory algorithm for the optimal expected regret, built on the ε-best
    /// arm algorithm of Assadi and Wang (STOC 2020, "aggressive selective promotion"): level ℓ
    /// keeps a king; challengers at level ℓ are pulled `s_ℓ = r_ℓ/ε²` times (`s_0 = 1/ε²`,
    /// `r_1 = 4`, `r_{ℓ+1} = 2^{r_ℓ}`); once level ℓ has spent its budget `c_ℓ` (`4/ε²` at level
    /// 0, `s_ℓ 2^{r_ℓ − r_{ℓ−1}}` above) its king is promoted to challenge level ℓ+1 and level ℓ
    /// restarts; at the end each stored king is pulled `1/ε²` times and the best is committed to.
    LogStar,
}

/// An instruction: pull `arm` `n` times and report the sum of the rewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pull {
    pub arm: u64,
    pub n: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Role {
    /// The arm challenges the king of this level (or becomes king of an empty level).
    Challenge(usize),
    /// End-of-stream evaluation of the king of this level.
    Final(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Level {
    /// Stored arm and its empirical mean at this level.
    king: Option<(u64, f64)>,
    /// Challenge pulls spent at this level since it last restarted.
    spent: u64,
}

/// A single-pass streaming bandit (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamingBandit {
    kind: StreamingKind,
    n_arms: u64,
    horizon: u64,
    epsilon: f64,
    /// Challenge pulls per level.
    samples: Vec<u64>,
    /// Challenge budget per level (`u64::MAX`: never promotes).
    budgets: Vec<u64>,
    /// Pulls of each king at the end of the stream (0: commit to the single king directly).
    final_pulls: u64,
    levels: Vec<Level>,
    pending: Option<(Pull, Role)>,
    /// Final means of the kings evaluated so far, by level.
    finals: Vec<(usize, f64)>,
    arrived: u64,
    used: u64,
    stored: usize,
    peak: usize,
    finished: bool,
    committed: Option<u64>,
}

fn ceil_u64(x: f64) -> u64 {
    if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        x.ceil().max(1.0) as u64
    }
}

impl StreamingBandit {
    /// An algorithm for a stream of `n_arms` arms and `horizon` pulls (`horizon > n_arms`).
    pub fn new(kind: StreamingKind, n_arms: u64, horizon: u64) -> Result<Self> {
        if n_arms < 2 {
            return Err(Error::invalid("n_arms", n_arms, "at least 2 arms"));
        }
        if horizon <= n_arms {
            return Err(Error::invalid(
                "horizon",
                horizon,
                format!("more pulls than arms ({n_arms})"),
            ));
        }
        let (k, t) = (n_arms as f64, horizon as f64);
        let epsilon = (k / t).cbrt();
        let inv = 1.0 / (epsilon * epsilon);
        let (samples, budgets, final_pulls) = match kind {
            StreamingKind::Uniform => {
                let b = (t / k).powf(2.0 / 3.0) * t.ln().cbrt();
                (vec![ceil_u64(b)], vec![u64::MAX], 0)
            }
            StreamingKind::Naive => (vec![ceil_u64(k.ln() * inv)], vec![u64::MAX], 0),
            StreamingKind::LogStar => {
                let (mut samples, mut budgets) = (vec![ceil_u64(inv)], vec![ceil_u64(4.0 * inv)]);
                // Level ℓ ≥ 1 sees about K / Π_{j<ℓ} (c_j / s_j) arms; stop adding levels once
                // that is at most one, so the top level's king is never promoted.
                let mut fan_in = 4.0_f64; // c_0 / s_0
                let (mut r_prev, mut r) = (2.0_f64, 4.0_f64);
                while fan_in < k {
                    let s = r * inv;
                    let ratio = (r - r_prev).exp2();
                    samples.push(ceil_u64(s));
                    budgets.push(ceil_u64(s * ratio));
                    fan_in *= ratio;
                    r_prev = r;
                    r = r.exp2();
                }
                if let Some(top) = budgets.last_mut() {
                    *top = u64::MAX;
                }
                (samples, budgets, ceil_u64(inv))
            }
        };
        let levels = vec![
            Level {
                king: None,
                spent: 0
            };
            samples.len()
        ];
        Ok(StreamingBandit {
            kind,
            n_arms,
            horizon,
            epsilon,
            samples,
            budgets,
            final_pulls,
            levels,
            pending: None,
            finals: Vec::new(),
            arrived: 0,
            used: 0,
            stored: 0,
            peak: 0,
            finished: false,
            committed: None,
        })
    }

    pub fn kind(&self) -> StreamingKind {
        self.kind
    }

    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// The most arms this algorithm ever stores at once: a king per level plus the arriving arm.
    pub fn memory_bound(&self) -> usize {
        self.levels.len() + 1
    }

    /// Arms stored now.
    pub fn stored(&self) -> usize {
        self.stored
    }

    /// The most arms stored at any time so far.
    pub fn peak_stored(&self) -> usize {
        self.peak
    }

    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// Pulls carried out so far (reported).
    pub fn pulls_used(&self) -> u64 {
        self.used
    }

    pub fn arms_seen(&self) -> u64 {
        self.arrived
    }

    /// The pull to carry out now, if any.
    pub fn next_pull(&self) -> Option<Pull> {
        self.pending.map(|(p, _)| p)
    }

    /// The arm committed to once the stream is finished and the final pulls are reported.
    pub fn committed(&self) -> Option<u64> {
        self.committed
    }

    /// Pulls left for the committed arm.
    pub fn remaining(&self) -> u64 {
        self.horizon - self.used
    }

    fn busy(&self) -> Result<()> {
        if let Some((p, _)) = self.pending {
            return Err(Error::invalid(
                "call order",
                "a pull is pending",
                format!("report(arm={}, n={}) first", p.arm, p.n),
            ));
        }
        if self.finished {
            return Err(Error::invalid(
                "call order",
                "the stream is finished",
                "no more arms",
            ));
        }
        Ok(())
    }

    /// Asks for `n` pulls of `arm`, cut to the pulls left; with none left, explorations stops and
    /// the best king so far is committed to.
    fn ask(&mut self, arm: u64, n: u64, role: Role) {
        let n = n.min(self.horizon - self.used);
        if n == 0 {
            self.stop_exploring();
        } else {
            self.pending = Some((Pull { arm, n }, role));
        }
    }

    fn stop_exploring(&mut self) {
        self.pending = None;
        self.finished = true;
        self.committed = self
            .levels
            .iter()
            .rev()
            .filter_map(|l| l.king)
            .fold(None, |best: Option<(u64, f64)>, k| match best {
                Some(b) if b.1 >= k.1 => Some(b),
                _ => Some(k),
            })
            .map(|(arm, _)| arm);
    }

    /// An arm arrives: it is stored and challenges the bottom level.
    pub fn push_arm(&mut self, arm: u64) -> Result<Pull> {
        self.busy()?;
        if self.arrived == self.n_arms {
            return Err(Error::invalid(
                "arm",
                arm,
                format!("no more than the {} arms announced", self.n_arms),
            ));
        }
        self.arrived += 1;
        self.stored += 1;
        self.peak = self.peak.max(self.stored);
        self.ask(arm, self.samples[0], Role::Challenge(0));
        match self.pending {
            Some((p, _)) => Ok(p),
            // The horizon was spent before this arm: it is dropped.
            None => {
                self.stored -= 1;
                Ok(Pull { arm, n: 0 })
            }
        }
    }

    /// Reports the reward sum of the pending pull (`n` rewards in [0, 1]).
    pub fn report(&mut self, arm: u64, reward_sum: f64, n: u64) -> Result<()> {
        let Some((pull, role)) = self.pending else {
            return Err(Error::invalid(
                "call order",
                "no pull is pending",
                "push_arm or finish first",
            ));
        };
        if arm != pull.arm || n != pull.n {
            return Err(Error::invalid(
                "report",
                format!("arm {arm}, n {n}"),
                format!("the pending pull: arm {}, n {}", pull.arm, pull.n),
            ));
        }
        if !(reward_sum.is_finite() && reward_sum >= 0.0 && reward_sum <= n as f64) {
            return Err(Error::invalid(
                "reward_sum",
                reward_sum,
                format!("the sum of {n} rewards in [0, 1]"),
            ));
        }
        self.pending = None;
        self.used += n;
        let mean = reward_sum / n as f64;
        match role {
            Role::Challenge(level) => self.challenge(level, arm, mean, n),
            Role::Final(level) => {
                self.finals.push((level, mean));
                self.next_final();
            }
        }
        if self.pending.is_none() && self.used == self.horizon && self.committed.is_none() {
            self.stop_exploring();
        }
        Ok(())
    }

    fn challenge(&mut self, level: usize, arm: u64, mean: f64, n: u64) {
        let has_next = level + 1 < self.levels.len();
        let lv = &mut self.levels[level];
        match lv.king {
            Some((_, king_mean)) if king_mean >= mean => self.stored -= 1,
            Some(_) => {
                lv.king = Some((arm, mean));
                self.stored -= 1;
            }
            None => lv.king = Some((arm, mean)),
        }
        lv.spent = lv.spent.saturating_add(n);
        let pulls_left = self.used < self.horizon;
        if lv.spent >= self.budgets[level] && has_next && pulls_left {
            // Promotion: the king leaves this level (which restarts) to challenge the next one.
            if let Some((king, _)) = lv.king.take() {
                lv.spent = 0;
                self.ask(king, self.samples[level + 1], Role::Challenge(level + 1));
            }
        }
    }

    /// The end of the stream: returns the first final pull, if the algorithm needs any.
    pub fn finish(&mut self) -> Result<Option<Pull>> {
        self.busy()?;
        self.finished = true;
        let kings = self.levels.iter().filter(|l| l.king.is_some()).count();
        if kings <= 1 || self.final_pulls == 0 {
            self.stop_exploring();
            return Ok(None);
        }
        self.finals.clear();
        self.next_final();
        Ok(self.next_pull())
    }

    fn next_final(&mut self) {
        let done: Vec<usize> = self.finals.iter().map(|&(l, _)| l).collect();
        let next =
            (0..self.levels.len()).find(|l| self.levels[*l].king.is_some() && !done.contains(l));
        match next {
            Some(level) => {
                if let Some((arm, _)) = self.levels[level].king {
                    let n = self.final_pulls.min(self.horizon - self.used);
                    if n == 0 {
                        self.commit_finals();
                    } else {
                        self.pending = Some((Pull { arm, n }, Role::Final(level)));
                    }
                }
            }
            None => self.commit_finals(),
        }
    }

    fn commit_finals(&mut self) {
        self.pending = None;
        let best =
            self.finals
                .iter()
                .fold(None, |best: Option<(usize, f64)>, &(l, m)| match best {
                    Some(b) if b.1 >= m => Some(b),
                    _ => Some((l, m)),
                });
        self.committed = match best {
            Some((level, _)) => self.levels[level].king.map(|(a, _)| a),
            None => {
                self.stop_exploring();
                return;
            }
        };
    }
}

impl Snapshot for StreamingBandit {
    const KIND: &'static str = "bandits.StreamingBandit";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let kings = self.levels.iter().filter(|l| l.king.is_some()).count();
        let ok = self.samples.len() == self.levels.len()
            && self.budgets.len() == self.levels.len()
            && !self.levels.is_empty()
            && self.used <= self.horizon
            && self.arrived <= self.n_arms
            && self.stored <= self.memory_bound()
            && self.peak <= self.memory_bound()
            && kings <= self.stored
            && self.samples.iter().all(|&s| s > 0);
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "bandits.StreamingBandit state is inconsistent".into(),
            ))
        }
    }
}
