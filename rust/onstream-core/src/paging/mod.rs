//! Unit-size paging: classical eviction policies, Belady's offline optimum, batch simulation over
//! traces, LRU miss-ratio curves, and online caches.
//!
//! Every policy is one file, generic over its key → slot map ([`keymap`]) so that batch simulation
//! (dense ids, arrays) and online caches (arbitrary keys, hash maps) share one implementation.

pub mod arc;
pub mod arc_times;
pub mod block_tree;
pub mod clock;
pub mod discard;
pub mod fifo;
pub mod h2o;
pub mod hashed_times;
pub mod idtable;
pub mod keymap;
pub mod later_marks;
pub mod lfd;
pub mod lfd_times;
pub mod lfu;
pub mod lnonmarker;
pub mod lru;
pub mod lru_times;
pub mod mark_predict;
pub mod marker;
pub mod mrc;
pub mod online;
pub mod policy;
pub mod pools;
pub mod predict;
pub mod predictive_marker;
pub mod robust;
pub mod sieve;
pub mod simulate;
pub mod slab;
pub mod split_marks;
pub mod time_marks;
pub mod time_split;
pub mod tournament;
pub mod trace;
pub mod unmarked;

#[cfg(test)]
mod bounds_tests;
#[cfg(test)]
mod tests_support;

pub use online::OnlineCache;
pub use policy::{Needs, Policy, PolicyName, Request, NEVER};
pub use predict::Noise;
pub use simulate::{generate_bits, generate_next_arrival, simulate, CellResult, Grid, Predictions};
