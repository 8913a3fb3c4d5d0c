//! Multi-armed bandits: per-step policies, environments and parallel simulation.
//!
//! One concept per file: the shared arm statistics ([`arms`]), the value-stable draws
//! ([`draw`]), each family of rules, the [`policy::Bandit`] that dispatches to them, the reward
//! environments ([`mod@env`]) and the replicate simulator ([`simulate`]).

pub mod arms;
pub mod draw;
pub mod env;
pub mod exp3;
pub mod greedy;
pub mod groupwise;
pub mod linear;
pub mod lsd;
pub mod policy;
pub mod relax;
pub mod ridge;
pub mod simulate;
pub mod slate;
pub mod sor;
pub mod streaming;
pub mod streaming_sim;
pub mod tallying;
pub mod thompson;
pub mod tsallis;
pub mod ucb;
pub mod weighted;
pub mod windowed;

pub use policy::{Bandit, Spec};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod streaming_tests;
