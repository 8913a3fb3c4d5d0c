//! Monotone submodular maximization under a cardinality constraint: objectives with incremental
//! state ([`objective::Objective`]), the greedy family, one-pass sieves, and the fully dynamic
//! algorithm of Banihashem et al. (ICML 2023). Every optimizer counts its oracle calls (marginal
//! gain evaluations), the unit the literature compares algorithms in.

pub mod bag;
pub mod coverage;
pub mod dynamic;
pub mod facility;
pub mod features;
pub mod greedy;
pub mod kernel_fns;
pub mod logdet;
pub mod mixture;
pub mod objective;
pub mod sieve;

pub use coverage::WeightedCoverage;
pub use dynamic::Dynamic;
pub use facility::FacilityLocation;
pub use features::{Concave, FeatureBased};
pub use greedy::Selection;
pub use kernel_fns::{GraphCut, SaturatedCoverage};
pub use logdet::LogDeterminant;
pub use mixture::Mixture;
pub use objective::{Objective, Oracle};

#[cfg(test)]
mod tests;
