//! Differential privacy: exact noise samplers on a cryptographically secure generator.
//!
//! Continual counters and continual MaxSum/SumSelect build on these (see the privacy issue).

pub mod accounting;
pub mod batch;
pub mod counter;
pub mod drift;
pub mod envelope;
pub mod events;
pub mod exact;
pub mod expbound;
pub mod factorization;
#[cfg(test)]
mod ks;
pub mod root_kernels;
pub mod secure_rng;
pub mod smooth;
pub mod source;
pub mod variance;
pub mod vonneumann;

pub use accounting::{Budget, Guarantee};
pub use counter::{ContinualCounter, Mechanism};
pub use factorization::FactorCounter;
pub use secure_rng::SecureRng;
pub use smooth::SmoothCounter;
pub use source::{NodeNoise, NoiseSource};
