//! H2O, the Heavy-Hitter Oracle for KV-cache eviction (Zhang, Sheng, Zhou, Chen, Zheng, Cai, Song,
//! Tian, Ré, Barrett, Wang, Chen; NeurIPS 2023).
//!
//! Per attention head, the cache keeps the `recent` most recent tokens plus the `heavy` older
//! tokens with the largest *accumulated* attention: each step adds the column sums of the new
//! query rows' attention weights to the scores of the kept tokens. Tokens outside the budget are
//! evicted for good (their scores are dropped). Selection is independent per head.
//!
//! Two selection rules, as in the authors' two code paths (`shared/notes/paging.md` §2):
//! * [`H2oVariant::TopK`] (the Hugging Face "real drop" path): after each update, keep the top
//!   `heavy` scores among all but the last `recent` tokens; O(n) per step with a selection.
//! * [`H2oVariant::Argmin`] (the FlexGen path): evict the argmin of the scores outside the recent
//!   window, one token at a time, until the budget holds ("one in, one out" during decoding).
//!
//! Both keep the same sets (removing the m smallest is keeping the rest); ties go to the older
//! token being evicted first in both. The variant names the rule; the implementation picks the
//! cheaper computation of that same set (scans when a step evicts few tokens, a selection when it
//! evicts many, as after a long prefill).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::snapshot::Snapshot;

/// How the heavy hitters are selected each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum H2oVariant {
    TopK,
    Argmin,
}

/// Per-head KV-cache bookkeeping: which token positions are kept, and their scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct H2o {
    heavy: usize,
    recent: usize,
    variant: H2oVariant,
    next_position: u64,
    positions: Vec<Vec<u64>>,
    scores: Vec<Vec<f64>>,
}

impl H2o {
    pub fn new(heads: usize, heavy: usize, recent: usize, variant: H2oVariant) -> Result<Self> {
        if heads == 0 {
            return Err(Error::invalid("n_heads", heads, "at least 1"));
        }
        if heavy + recent == 0 {
            return Err(Error::invalid(
                "heavy + recent",
                0,
                "a positive token budget",
            ));
        }
        Ok(H2o {
            heavy,
            recent,
            variant,
            next_position: 0,
            positions: vec![Vec::new(); heads],
            scores: vec![Vec::new(); heads],
        })
    }

    pub fn heads(&self) -> usize {
        self.positions.len()
    }

    /// Tokens kept per head now (the same count for every head).
    pub fn kept(&self) -> usize {
        self.positions[0].len()
    }

    /// Kept token positions, head by head, oldest first.
    pub fn positions(&self) -> &[Vec<u64>] {
        &self.positions
    }

    /// Accumulated scores of the kept tokens, aligned with [`H2o::positions`].
    pub fn scores(&self) -> &[Vec<f64>] {
        &self.scores
    }

    /// Appends `n` new tokens (the next positions) to every head, with score 0.
    pub fn append(&mut self, n: usize) {
        for (pos, score) in self.positions.iter_mut().zip(&mut self.scores) {
            pos.extend(self.next_position..self.next_position + n as u64);
            score.resize(pos.len(), 0.0);
        }
        self.next_position += n as u64;
    }

    /// Adds one step's attention and evicts down to the budget.
    ///
    /// `attn` is `heads × queries × kept` (row-major), the new query rows' attention weights over
    /// the tokens kept now, in [`H2o::positions`] order. Returns `heads × kept` flags of the tokens
    /// that survive, so a caller can gather its keys and values with them.
    pub fn update<T: Copy + Into<f64>>(&mut self, attn: &[T], queries: usize) -> Result<Vec<bool>> {
        let heads = self.heads();
        let n = self.kept();
        if attn.len() != heads * queries * n {
            return Err(Error::shape(
                "attn",
                format!("{} values", attn.len()),
                format!("{heads} heads × {queries} queries × {n} kept tokens"),
            ));
        }
        if let Some(index) = attn.iter().position(|v| !(*v).into().is_finite()) {
            return Err(Error::NonFinite {
                name: "attn",
                index,
                value: attn[index].into(),
            });
        }
        let mut keep_all = Vec::with_capacity(heads * n);
        for h in 0..heads {
            let block = &attn[h * queries * n..(h + 1) * queries * n];
            let scores = &mut self.scores[h];
            for row in block.chunks_exact(n.max(1)).take(queries) {
                for (s, &a) in scores.iter_mut().zip(row) {
                    *s += a.into();
                }
            }
            let keep = self.select(h);
            let mut i = 0;
            self.positions[h].retain(|_| {
                i += 1;
                keep[i - 1]
            });
            let mut i = 0;
            self.scores[h].retain(|_| {
                i += 1;
                keep[i - 1]
            });
            keep_all.extend(keep);
        }
        Ok(keep_all)
    }

    /// Which of head `h`'s tokens stay.
    fn select(&self, h: usize) -> Vec<bool> {
        let scores = &self.scores[h];
        let n = scores.len();
        let budget = self.heavy + self.recent;
        let mut keep = vec![true; n];
        if n <= budget {
            return keep;
        }
        let old = n - self.recent.min(n);
        let evict = old.saturating_sub(self.heavy);
        // A decoding step evicts one or two tokens: a few scans beat a full selection, and give
        // the same set (the argmin rule), so TopK takes that path too when it is cheaper.
        if self.variant == H2oVariant::Argmin || evict * 8 <= old {
            for _ in 0..evict {
                let mut victim = usize::MAX;
                for i in 0..old {
                    if keep[i] && (victim == usize::MAX || scores[i] < scores[victim]) {
                        victim = i;
                    }
                }
                if victim == usize::MAX {
                    break;
                }
                keep[victim] = false;
            }
        } else {
            // Order the old tokens by (score desc, position desc): the top `heavy` stay, so
            // among equal scores the older token goes first, as with the argmin scans.
            let mut order: Vec<usize> = (0..old).collect();
            let by =
                |a: &usize, b: &usize| scores[*b].total_cmp(&scores[*a]).then_with(|| b.cmp(a));
            order.select_nth_unstable_by(self.heavy, by);
            for &i in &order[self.heavy..] {
                keep[i] = false;
            }
        }
        keep
    }
}

impl Snapshot for H2o {
    const KIND: &'static str = "paging.H2OCache";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let n = self.positions.first().map_or(0, Vec::len);
        let ok = !self.positions.is_empty()
            && self.positions.len() == self.scores.len()
            && self
                .positions
                .iter()
                .zip(&self.scores)
                .all(|(p, s)| p.len() == n && s.len() == n);
        if ok {
            Ok(())
        } else {
            Err(Error::Snapshot(
                "paging.H2OCache state is inconsistent".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn variants_keep_the_same_tokens(
            heavy in 0usize..5, recent in 1usize..5, steps in 1usize..30, seed in any::<u64>(),
            chunk in 1usize..4,
        ) {
            let mut a = H2o::new(2, heavy, recent, H2oVariant::TopK).unwrap();
            let mut b = H2o::new(2, heavy, recent, H2oVariant::Argmin).unwrap();
            let mut rng = crate::rng::from_seed(Some(seed));
            for _ in 0..steps {
                a.append(chunk);
                b.append(chunk);
                let n = a.kept();
                // Coarse weights so that ties happen and the tie rule is exercised too.
                let attn: Vec<f64> = (0..2 * n)
                    .map(|_| crate::rng::below(&mut rng, 4) as f64 / 4.0)
                    .collect();
                let ka = a.update(&attn, 1).unwrap();
                let kb = b.update(&attn, 1).unwrap();
                prop_assert_eq!(ka, kb);
                prop_assert_eq!(a.positions(), b.positions());
                prop_assert!(a.kept() <= heavy + recent);
            }
        }
    }

    #[test]
    fn keeps_recent_window_and_heavy_hitters() {
        let mut c = H2o::new(1, 1, 2, H2oVariant::TopK).unwrap();
        c.append(4);
        // Token 1 gets the most attention; tokens 2 and 3 are the recent window.
        let keep = c.update(&[0.1, 0.7, 0.1, 0.1], 1).unwrap();
        assert_eq!(keep, vec![false, true, true, true]);
        assert_eq!(c.positions()[0], vec![1, 2, 3]);
        c.append(1);
        let keep = c.update(&[0.5, 0.2, 0.2, 0.1], 1).unwrap();
        // Scores: pos1 1.2, pos2 0.3 (leaves the window), pos3 0.3, pos4 0.1: pos2 goes.
        assert_eq!(keep, vec![true, false, true, true]);
        assert_eq!(c.positions()[0], vec![1, 3, 4]);
    }

    #[test]
    fn bad_input() {
        assert!(H2o::new(0, 1, 1, H2oVariant::TopK).is_err());
        assert!(H2o::new(1, 0, 0, H2oVariant::TopK).is_err());
        let mut c = H2o::new(2, 1, 1, H2oVariant::TopK).unwrap();
        c.append(3);
        assert!(matches!(
            c.update(&[0.0; 5], 1),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            c.update(&[0.0, 0.0, f64::NAN, 0.0, 0.0, 0.0], 1),
            Err(Error::NonFinite { index: 2, .. })
        ));
    }
}
