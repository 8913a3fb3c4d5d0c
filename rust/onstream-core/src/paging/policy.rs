//! The interface every eviction policy implements, and the names users pick them by.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// "Never requested again" as a next-use time.
pub const NEVER: u64 = u64::MAX;

/// One request as a policy sees it: the key; for offline policies the time of the key's next
/// request (`NEVER` if none); for learning-augmented policies the prediction that came with the
/// request: one bit (discard or phase, by policy) and a predicted next-arrival time (an ordered
/// encoding of a non-negative float, see `predict::time_key`). Online callers pass
/// [`Request::online`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub key: u64,
    pub next_use: u64,
    pub bit: bool,
    pub predicted_next: u64,
}

impl Request {
    #[inline]
    pub fn online(key: u64) -> Self {
        Request {
            key,
            next_use: NEVER,
            bit: false,
            predicted_next: NEVER,
        }
    }
}

/// `prefetch`, `len` and `contains` for a policy that keeps its resident keys in `self.keys` and
/// their slots in `self.map` (most policies; ARC, with ghost entries in its map, has its own).
macro_rules! slot_map_queries {
    () => {
        #[inline]
        fn prefetch(&self, key: u64) {
            self.map.prefetch(key);
        }

        fn len(&self) -> usize {
            self.keys.len()
        }

        fn contains(&self, key: u64) -> bool {
            self.map.get(key) != $crate::paging::slab::NIL
        }
    };
}
pub(crate) use slot_map_queries;

/// A unit-size cache with a fixed capacity.
pub trait Policy {
    /// Serves one request: true on a hit; on a miss the key is admitted (evicting if full).
    fn access(&mut self, req: Request) -> bool;
    /// A hint that `key` is requested soon: batch simulations know the trace ahead and call it
    /// some requests early, so the lookup's cache misses overlap with work.
    fn prefetch(&self, _key: u64) {}
    /// Resident keys now.
    fn len(&self) -> usize;
    /// Whether `key` is resident (ghost entries of ARC are not).
    fn contains(&self, key: u64) -> bool;
    /// True when nothing is resident.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a policy needs beyond the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// True next-use times (offline).
    Future,
    /// One discard bit per request.
    DiscardBits,
    /// One phase bit per request.
    PhaseBits,
    /// A predicted next-arrival time per request.
    NextArrival,
}

/// The policies onstream simulates, by the lower-case names users give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PolicyName {
    Lru,
    Fifo,
    Clock,
    Lfu,
    Arc,
    Sieve,
    Marker,
    Lfd,
    Discard,
    DiscardRandom,
    DiscardRobust,
    DiscardRandomRobust,
    MarkPredict,
    BlindOracle,
    BlindOracleRobust,
    PredictiveMarker,
    LMarker,
    LNonMarker,
}

impl PolicyName {
    pub const ALL: [PolicyName; 18] = [
        PolicyName::Lru,
        PolicyName::Fifo,
        PolicyName::Clock,
        PolicyName::Lfu,
        PolicyName::Arc,
        PolicyName::Sieve,
        PolicyName::Marker,
        PolicyName::Lfd,
        PolicyName::Discard,
        PolicyName::DiscardRandom,
        PolicyName::DiscardRobust,
        PolicyName::DiscardRandomRobust,
        PolicyName::MarkPredict,
        PolicyName::BlindOracle,
        PolicyName::BlindOracleRobust,
        PolicyName::PredictiveMarker,
        PolicyName::LMarker,
        PolicyName::LNonMarker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::Lru => "lru",
            PolicyName::Fifo => "fifo",
            PolicyName::Clock => "clock",
            PolicyName::Lfu => "lfu",
            PolicyName::Arc => "arc",
            PolicyName::Sieve => "sieve",
            PolicyName::Marker => "marker",
            PolicyName::Lfd => "lfd",
            PolicyName::Discard => "discard",
            PolicyName::DiscardRandom => "discard_random",
            PolicyName::DiscardRobust => "discard_robust",
            PolicyName::DiscardRandomRobust => "discard_random_robust",
            PolicyName::MarkPredict => "mark_predict",
            PolicyName::BlindOracle => "blind_oracle",
            PolicyName::BlindOracleRobust => "blind_oracle_robust",
            PolicyName::PredictiveMarker => "predictive_marker",
            PolicyName::LMarker => "lmarker",
            PolicyName::LNonMarker => "lnonmarker",
        }
    }

    /// Parses a name (`belady` and `opt` are aliases of `lfd`).
    pub fn parse(name: &str) -> Result<Self> {
        let lower = name.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "belady" | "opt" => "lfd",
            other => other,
        };
        PolicyName::ALL
            .into_iter()
            .find(|p| p.as_str() == alias)
            .ok_or_else(|| {
                let names: Vec<&str> = PolicyName::ALL.iter().map(|p| p.as_str()).collect();
                Error::invalid(
                    "policy",
                    format!("{name:?}"),
                    format!("one of {} (or belady/opt for lfd)", names.join(", ")),
                )
            })
    }

    /// What the policy reads besides keys.
    pub fn needs(self) -> Needs {
        match self {
            PolicyName::Lfd => Needs::Future,
            PolicyName::Discard
            | PolicyName::DiscardRandom
            | PolicyName::DiscardRobust
            | PolicyName::DiscardRandomRobust => Needs::DiscardBits,
            PolicyName::MarkPredict => Needs::PhaseBits,
            PolicyName::BlindOracle
            | PolicyName::BlindOracleRobust
            | PolicyName::PredictiveMarker
            | PolicyName::LMarker
            | PolicyName::LNonMarker => Needs::NextArrival,
            _ => Needs::Nothing,
        }
    }
}

/// The capacity to build a cache of size `k` with over keys below `universe`: a cache at least as
/// large as the universe never evicts, whatever its size, so it is built no larger (per-slot
/// arrays for a size near 2^31 would not fit in memory).
pub fn built_capacity(k: usize, universe: usize) -> usize {
    k.min(universe.max(1))
}

/// Checks a cache size.
pub fn check_capacity(k: usize) -> Result<()> {
    if k == 0 || k >= u32::MAX as usize / 2 {
        return Err(Error::invalid(
            "size",
            k,
            format!("a cache size in 1..{}", u32::MAX / 2),
        ));
    }
    Ok(())
}
