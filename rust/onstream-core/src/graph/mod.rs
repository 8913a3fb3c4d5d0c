//! Graphs and personalized PageRank: exact (power iteration, forward push), by random walks,
//! and with PowerWalk's fingerprint index; self-repellent random walks for sampling.

mod condensed;
pub mod csr;
mod extrapolate;
pub mod partition;
pub mod powerwalk;
pub mod ppr;
mod pull;
pub mod srrw;
pub mod walks;

pub use csr::{Dangling, Graph};
pub use powerwalk::{Fingerprints, PowerWalkIndex, TopK};
pub use ppr::{power, push, PprOptions, PprOutcome};
pub use srrw::{Srrw, Target};
pub use walks::{monte_carlo, Estimator};

#[cfg(test)]
mod tests;
