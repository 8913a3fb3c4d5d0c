//! Graphs and personalized PageRank: exact (power iteration, forward push) and by random walks.

pub mod csr;
pub mod powerwalk;
pub mod ppr;
pub mod walks;

pub use csr::{Dangling, Graph};
pub use powerwalk::{Fingerprints, PowerWalkIndex, TopK};
pub use ppr::{power, push, PprOptions, PprOutcome};
pub use walks::{monte_carlo, Estimator};

#[cfg(test)]
mod tests;
