//! The interface every eviction policy implements, and the names users pick them by.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// "Never requested again" as a next-use time.
pub const NEVER: u64 = u64::MAX;

/// One request as a policy sees it: the key, and for offline policies the time of the key's next
/// request (`NEVER` if none). Online callers pass [`Request::online`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub key: u64,
    pub next_use: u64,
}

impl Request {
    #[inline]
    pub fn online(key: u64) -> Self {
        Request {
            key,
            next_use: NEVER,
        }
    }
}

/// A unit-size cache with a fixed capacity.
pub trait Policy {
    /// Serves one request: true on a hit; on a miss the key is admitted (evicting if full).
    fn access(&mut self, req: Request) -> bool;
    /// Resident keys now.
    fn len(&self) -> usize;
    /// True when nothing is resident.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
}

impl PolicyName {
    pub const ALL: [PolicyName; 8] = [
        PolicyName::Lru,
        PolicyName::Fifo,
        PolicyName::Clock,
        PolicyName::Lfu,
        PolicyName::Arc,
        PolicyName::Sieve,
        PolicyName::Marker,
        PolicyName::Lfd,
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

    /// Whether the policy reads the future (next-use times): offline only.
    pub fn needs_future(self) -> bool {
        matches!(self, PolicyName::Lfd)
    }

    /// Whether the policy draws random numbers.
    pub fn is_randomized(self) -> bool {
        matches!(self, PolicyName::Marker)
    }
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
