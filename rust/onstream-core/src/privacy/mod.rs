//! Differential privacy: exact noise samplers on a cryptographically secure generator.
//!
//! Continual counters and continual MaxSum/SumSelect build on these (see the privacy issue).

pub mod accounting;
pub mod batch;
pub mod counter;
pub mod exact;
pub mod secure_rng;
pub mod variance;

pub use accounting::{Budget, Guarantee};
pub use counter::{ContinualCounter, Mechanism, NodeNoise};
pub use secure_rng::SecureRng;
