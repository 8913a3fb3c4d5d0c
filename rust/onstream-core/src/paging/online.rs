//! Caches for use inside programs: one object, one request at a time, any `u64` keys, memory
//! bounded by the capacity, snapshots that resume bit-for-bit. Offline policies (LFD) are not
//! offered: they need the future, which only a whole trace has.

use serde::{Deserialize, Serialize};

use super::arc::Arc;
use super::clock::Clock;
use super::fifo::Fifo;
use super::keymap::HashKeyMap;
use super::lfu::Lfu;
use super::lru::Lru;
use super::marker::Marker;
use super::policy::{check_capacity, Policy, PolicyName, Request};
use super::sieve::Sieve;
use crate::error::{Error, Result};
use crate::rng;
use crate::snapshot::Snapshot;

// One value per cache, matched on every request: boxing the big variants would add a pointer chase
// to the hot path to save a few hundred bytes once.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Inner {
    Lru(Lru<HashKeyMap>),
    Fifo(Fifo<HashKeyMap>),
    Clock(Clock<HashKeyMap>),
    Lfu(Lfu<HashKeyMap>),
    Arc(Arc<HashKeyMap>),
    Sieve(Sieve<HashKeyMap>),
    Marker(Marker<HashKeyMap>),
}

/// A cache of `capacity` unit-size keys under one policy, with hit and miss counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OnlineCache {
    name: PolicyName,
    capacity: usize,
    hits: u64,
    misses: u64,
    inner: Inner,
}

impl OnlineCache {
    pub fn new(name: PolicyName, capacity: usize, seed: Option<u64>) -> Result<Self> {
        check_capacity(capacity)?;
        let map = || HashKeyMap::with_capacity(capacity.min(1 << 16));
        let inner = match name {
            PolicyName::Lru => Inner::Lru(Lru::new(capacity, map())),
            PolicyName::Fifo => Inner::Fifo(Fifo::new(capacity, map())),
            PolicyName::Clock => Inner::Clock(Clock::new(capacity, map())),
            PolicyName::Lfu => Inner::Lfu(Lfu::new(capacity, map())),
            PolicyName::Arc => Inner::Arc(Arc::new(capacity, map())),
            PolicyName::Sieve => Inner::Sieve(Sieve::new(capacity, map())),
            PolicyName::Marker => Inner::Marker(Marker::new(capacity, map(), rng::from_seed(seed))),
            other => {
                return Err(Error::invalid(
                    "policy",
                    format!("{:?}", other.as_str()),
                    "an online policy: this one reads the future or per-request predictions, \
                     so run it with simulate()",
                ))
            }
        };
        Ok(OnlineCache {
            name,
            capacity,
            hits: 0,
            misses: 0,
            inner,
        })
    }

    pub fn name(&self) -> PolicyName {
        self.name
    }
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    pub fn hits(&self) -> u64 {
        self.hits
    }
    pub fn misses(&self) -> u64 {
        self.misses
    }

    fn policy(&mut self) -> &mut dyn Policy {
        match &mut self.inner {
            Inner::Lru(p) => p,
            Inner::Fifo(p) => p,
            Inner::Clock(p) => p,
            Inner::Lfu(p) => p,
            Inner::Arc(p) => p,
            Inner::Sieve(p) => p,
            Inner::Marker(p) => p,
        }
    }

    /// Resident keys now.
    pub fn len(&mut self) -> usize {
        self.policy().len()
    }

    /// True when nothing is resident.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }

    /// Serves one request; true on a hit.
    #[inline]
    pub fn access(&mut self, key: u64) -> bool {
        let hit = self.policy().access(Request::online(key));
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        hit
    }

    /// Serves `keys` in order, writing each hit flag to `out` (same length).
    pub fn access_many(&mut self, keys: &[u64], out: &mut [bool]) -> Result<()> {
        if keys.len() != out.len() {
            return Err(Error::shape("out", out.len(), keys.len()));
        }
        macro_rules! drive {
            ($p:expr) => {{
                let mut hits = 0u64;
                for (o, &k) in out.iter_mut().zip(keys) {
                    *o = $p.access(Request::online(k));
                    hits += u64::from(*o);
                }
                hits
            }};
        }
        // One match outside the loop, so each policy's loop is monomorphic and inlined.
        let hits = match &mut self.inner {
            Inner::Lru(p) => drive!(p),
            Inner::Fifo(p) => drive!(p),
            Inner::Clock(p) => drive!(p),
            Inner::Lfu(p) => drive!(p),
            Inner::Arc(p) => drive!(p),
            Inner::Sieve(p) => drive!(p),
            Inner::Marker(p) => drive!(p),
        };
        self.hits += hits;
        self.misses += keys.len() as u64 - hits;
        Ok(())
    }
}

impl Snapshot for OnlineCache {
    const KIND: &'static str = "paging.Cache";
    const FORMAT_VERSION: u32 = 1;

    fn validate(&self) -> Result<()> {
        let mut copy = self.clone();
        if self.capacity == 0 || copy.len() > self.capacity {
            return Err(Error::Snapshot("paging.Cache state is inconsistent".into()));
        }
        Ok(())
    }
}
