//! Dense numerical kernels shared by the dense-math domains (optimal transport first).
//!
//! A kernel with a CUDA twin in `gpu/<name>.cu` (logsumexp) is tested against it; the others
//! (vectorized exp, the finite-check, FFT convolution) are CPU building blocks.

pub mod banded;
pub mod convolve;
pub mod expm;
pub mod finite;
pub mod logsumexp;
pub mod real;
pub(crate) mod simd;
pub mod spectrum;

pub use logsumexp::{logsumexp, Axis};
pub use real::Real;
