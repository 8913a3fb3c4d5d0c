//! Dense numerical kernels shared by the dense-math domains (optimal transport first).
//!
//! Each kernel here has a CUDA twin in `gpu/<name>.cu`; the two are tested against each other.

pub mod convolve;
pub mod expm;
pub mod finite;
pub mod logsumexp;
pub mod real;
pub(crate) mod simd;

pub use logsumexp::{logsumexp, Axis};
pub use real::Real;
