//! Key → slot maps. Batch simulation first renumbers a trace's ids to `0..m` and uses a plain array
//! ([`DenseMap`]); online caches see arbitrary `u64` keys and use a hash map sized to what they hold
//! ([`HashKeyMap`]), so their memory follows the capacity, not the key universe. Every policy is
//! generic over the map, so both uses share one implementation.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::slab::NIL;

/// What policies need of a key → slot map.
pub trait KeyMap {
    /// The slot of `key`, or [`NIL`].
    fn get(&self, key: u64) -> u32;
    fn insert(&mut self, key: u64, slot: u32);
    fn remove(&mut self, key: u64);
    /// A hint that `key` is looked up soon (see [`super::Policy::prefetch`]).
    fn prefetch(&self, _key: u64) {}
}

/// Array map for keys already renumbered to `0..m`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseMap(Vec<u32>);

impl DenseMap {
    pub fn new(universe: usize) -> Self {
        DenseMap(crate::bigbuf::filled(universe, NIL))
    }
}

impl KeyMap for DenseMap {
    #[inline]
    fn get(&self, key: u64) -> u32 {
        self.0[key as usize]
    }
    #[inline]
    fn insert(&mut self, key: u64, slot: u32) {
        self.0[key as usize] = slot;
    }
    #[inline]
    fn remove(&mut self, key: u64) {
        self.0[key as usize] = NIL;
    }
    #[inline]
    fn prefetch(&self, key: u64) {
        crate::prefetch::read(&self.0, key as usize);
    }
}

/// The splitmix64 finalizer as a `Hasher` for `u64` keys: a full-avalanche mix in a few cycles
/// (SipHash, std's default, costs several times more per lookup on this hot path).
#[derive(Default, Clone, Copy)]
pub struct Mix64(u64);

impl Hasher for Mix64 {
    #[inline]
    fn finish(&self) -> u64 {
        let mut z = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b) ^ (self.0 >> 56);
        }
    }
    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Hash map for arbitrary keys.
///
/// Serialized as pairs sorted by key, so a snapshot's bytes depend only on the contents, not on the
/// table's internal layout (which differs between a map and its restored copy).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HashKeyMap(HashMap<u64, u32, BuildHasherDefault<Mix64>>);

impl Serialize for HashKeyMap {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<(u64, u32)> = self.0.iter().map(|(&k, &v)| (k, v)).collect();
        pairs.sort_unstable();
        pairs.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HashKeyMap {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let pairs = Vec::<(u64, u32)>::deserialize(deserializer)?;
        let mut map = HashKeyMap::with_capacity(pairs.len());
        map.0.extend(pairs);
        Ok(map)
    }
}

impl HashKeyMap {
    pub fn with_capacity(n: usize) -> Self {
        HashKeyMap(HashMap::with_capacity_and_hasher(n, Default::default()))
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl KeyMap for HashKeyMap {
    #[inline]
    fn get(&self, key: u64) -> u32 {
        self.0.get(&key).copied().unwrap_or(NIL)
    }
    #[inline]
    fn insert(&mut self, key: u64, slot: u32) {
        self.0.insert(key, slot);
    }
    #[inline]
    fn remove(&mut self, key: u64) {
        self.0.remove(&key);
    }
}
