//! onstream's algorithms in pure Rust.
//!
//! This crate knows nothing of Python: every function takes slices and plain parameters and returns
//! [`Result`]. The `onstream-py` crate binds it; the `onstream` Python package is the typed facade.
//!
//! Shared machinery lives at the top level ([`error`], [`snapshot`], [`pool`], [`rng`]); each domain
//! is a module of its own (`dense`, `stream`, ...), one concept per file.

pub mod bandits;
pub mod bigbuf;
pub mod dense;
pub mod error;
pub mod graph;
pub mod memo;
pub mod ot;
pub mod paging;
pub mod pool;
pub mod prefetch;
pub mod privacy;
pub mod rng;
pub mod snapshot;
pub mod stream;
pub mod submodular;

pub use error::{Error, Result};
