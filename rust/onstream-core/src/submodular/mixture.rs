//! Mixtures `f(S) = Σ_m w_m f_m(S)` with nonnegative weights: submodular and monotone when each
//! component is. The state is the components' states.

use super::objective::{check_nonnegative, Objective};
use crate::error::{Error, Result};

/// A weighted sum of objectives over the same elements.
pub struct Mixture<O> {
    parts: Vec<(f64, O)>,
}

impl<O: Objective> Mixture<O> {
    /// Components with their weights (finite, `>= 0`), all over the same number of elements.
    pub fn new(parts: Vec<(f64, O)>) -> Result<Self> {
        let Some((_, first)) = parts.first() else {
            return Err(Error::Empty { name: "mixture" });
        };
        let n = first.len();
        let weights: Vec<f64> = parts.iter().map(|(w, _)| *w).collect();
        check_nonnegative("weights", &weights, "weight")?;
        if let Some((_, f)) = parts.iter().find(|(_, f)| f.len() != n) {
            return Err(Error::shape("mixture component", f.len(), n));
        }
        Ok(Self { parts })
    }
}

impl<O> Mixture<O> {
    /// The components.
    pub fn components(&self) -> impl Iterator<Item = &O> {
        self.parts.iter().map(|(_, f)| f)
    }
}

impl<O: Objective> Objective for Mixture<O> {
    type State = Vec<O::State>;

    fn len(&self) -> usize {
        self.parts.first().map_or(0, |(_, f)| f.len())
    }

    fn empty(&self) -> Vec<O::State> {
        self.parts.iter().map(|(_, f)| f.empty()).collect()
    }

    fn gain(&self, state: &Vec<O::State>, e: usize) -> f64 {
        self.parts
            .iter()
            .zip(state)
            .map(|((w, f), s)| w * f.gain(s, e))
            .sum()
    }

    fn gain_alone(&self, state: &Vec<O::State>, e: usize) -> f64 {
        self.parts
            .iter()
            .zip(state)
            .map(|((w, f), s)| w * f.gain_alone(s, e))
            .sum()
    }

    fn insert(&self, state: &mut Vec<O::State>, e: usize) {
        for ((_, f), s) in self.parts.iter().zip(state.iter_mut()) {
            f.insert(s, e);
        }
    }

    fn value(&self, state: &Vec<O::State>) -> f64 {
        self.parts
            .iter()
            .zip(state)
            .map(|((w, f), s)| w * f.value(s))
            .sum()
    }
}
