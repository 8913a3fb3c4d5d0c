//! Weighted coverage, `f(S) = Σ_{u ∈ ∪_{j ∈ S} C_j} w_u`: candidate `j` covers the items `C_j`
//! (a CSR list), each item counts once with its weight. The state is the covered items, so a
//! gain reads one candidate's items.

use super::objective::{check_nonnegative, Objective};
use crate::error::{Error, Result};

/// Weighted coverage of `n_items` items by candidate sets.
pub struct WeightedCoverage {
    indptr: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f64>,
}

/// The covered items and `f(S)`.
#[derive(Clone, Debug)]
pub struct Covered {
    covered: Vec<bool>,
    value: f64,
}

impl WeightedCoverage {
    /// Candidate `j` covers `items[indptr[j]..indptr[j + 1]]`; `weights` (one per item, finite and
    /// nonnegative) default to 1.
    pub fn new(indptr: &[i64], items: &[i64], weights: Option<&[f64]>) -> Result<Self> {
        if indptr.len() < 2 {
            return Err(Error::Empty { name: "sets" });
        }
        if indptr[0] != 0 || indptr.windows(2).any(|w| w[1] < w[0]) {
            return Err(Error::invalid(
                "indptr",
                "a decreasing or shifted pointer array",
                "0 followed by nondecreasing offsets",
            ));
        }
        let last = indptr[indptr.len() - 1];
        if last as usize != items.len() {
            return Err(Error::shape("items", items.len(), last));
        }
        let n_items = match weights {
            Some(w) => w.len(),
            None => items
                .iter()
                .map(|&u| u.max(0) as usize + 1)
                .max()
                .unwrap_or(0),
        };
        if let Some(index) = items.iter().position(|&u| u < 0 || u as usize >= n_items) {
            return Err(Error::OutOfRange {
                name: "items",
                index,
                got: items[index].to_string(),
                expected: format!("an item id in 0..{n_items}"),
            });
        }
        let weights = match weights {
            Some(w) => {
                check_nonnegative("weights", w, "weight")?;
                w.to_vec()
            }
            None => vec![1.0; n_items],
        };
        Ok(Self {
            indptr: indptr.iter().map(|&v| v as usize).collect(),
            items: items.iter().map(|&u| u as u32).collect(),
            weights,
        })
    }

    fn set(&self, e: usize) -> &[u32] {
        &self.items[self.indptr[e]..self.indptr[e + 1]]
    }
}

impl Objective for WeightedCoverage {
    type State = Covered;

    fn len(&self) -> usize {
        self.indptr.len() - 1
    }

    fn empty(&self) -> Covered {
        Covered {
            covered: vec![false; self.weights.len()],
            value: 0.0,
        }
    }

    fn gain(&self, state: &Covered, e: usize) -> f64 {
        self.set(e)
            .iter()
            .filter(|&&u| !state.covered[u as usize])
            .map(|&u| self.weights[u as usize])
            .sum()
    }

    fn insert(&self, state: &mut Covered, e: usize) {
        for &u in self.set(e) {
            let u = u as usize;
            if !state.covered[u] {
                state.covered[u] = true;
                state.value += self.weights[u];
            }
        }
    }

    fn value(&self, state: &Covered) -> f64 {
        state.value
    }
}
