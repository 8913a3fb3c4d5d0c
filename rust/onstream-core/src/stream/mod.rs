//! General-purpose streaming summaries.

pub mod reservoir;

pub use reservoir::Reservoir;
