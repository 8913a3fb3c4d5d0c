//! LNonMarker (Rohatgi, "Near-Optimal Bounds for Online Caching with Machine Learned Advice",
//! SODA 2020): the paper's non-marking companion of LMarker, the one its
//! O(1 + min(1, η/(k·OPT))·log k) bound is stated for. A marking algorithm never evicts a page
//! requested in the current phase; LNonMarker may, which is what lets it charge a wrong
//! prediction to the ℓ1 error η divided by k.
//!
//! Phases are the k-phase partition of the requests (a phase ends before its (k+1)-th distinct
//! key). A page cached at a phase's start is *stale* during the phase; a missed page that is not
//! stale is *clean*. On a miss:
//!
//! * a clean page evicts the unmarked page whose predicted next arrival is furthest;
//! * a stale page that was evicted by a clean page (so following the predictions cost a fault)
//!   evicts a uniformly random page of the **whole** cache, marked or not;
//! * a stale page evicted by another stale page evicts a uniformly random unmarked page.
//!
//! The paper's text could not be read where this was written: the rule above is the reading of
//! the public Cache-Coliseum benchmark (OptiSys-ZJU, `LNonMarkerAlgorithm`), with phases as the
//! paper's marking analysis defines them. Tests hold it to the LMarker bounds: at most
//! 2·OPT (+ one phase) with exact predictions and O(H_k)·OPT whatever the predictions.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use super::keymap::{KeyMap, Mix64};
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::NIL;
use super::unmarked::UnmarkedSlots;
use crate::rng::{self, Rng};

type Hasher = BuildHasherDefault<Mix64>;

#[derive(Debug, Clone)]
pub struct LNonMarker<M> {
    k: usize,
    map: M,
    keys: Vec<u64>,
    predicted: Vec<u64>,
    slots: UnmarkedSlots,
    /// The keys cached at the phase's start, each with whether a clean page evicted it since.
    stale: HashMap<u64, bool, Hasher>,
    /// Keys requested in this phase and evicted after their request (the non-marking rule).
    evicted_requested: HashSet<u64, Hasher>,
    /// Distinct keys requested in this phase.
    distinct: usize,
    rng: Rng,
}

impl<M: KeyMap> LNonMarker<M> {
    pub fn new(k: usize, map: M, rng: Rng) -> Self {
        LNonMarker {
            k,
            map,
            keys: Vec::with_capacity(k),
            predicted: Vec::with_capacity(k),
            slots: UnmarkedSlots::with_capacity(k),
            stale: HashMap::with_capacity_and_hasher(k, Hasher::default()),
            evicted_requested: HashSet::default(),
            distinct: 0,
            rng,
        }
    }

    fn new_phase(&mut self) {
        self.stale.clear();
        for &key in &self.keys {
            self.stale.insert(key, false);
        }
        self.evicted_requested.clear();
        self.distinct = 0;
        self.slots.unmark_all(&self.predicted);
    }

    /// The slot a miss on `key` frees.
    fn victim(&mut self, key: u64) -> u32 {
        match self.stale.get(&key) {
            None => self.slots.furthest(&mut self.rng),
            Some(true) => rng::below(&mut self.rng, self.k as u64) as u32,
            Some(false) => self.slots.random(&mut self.rng),
        }
    }
}

impl<M: KeyMap> Policy for LNonMarker<M> {
    fn access(&mut self, req: Request) -> bool {
        let key = req.key;
        let slot = self.map.get(key);
        let new_to_phase = if slot != NIL {
            !self.slots.is_marked(slot)
        } else {
            !self.evicted_requested.contains(&key)
        };
        if new_to_phase {
            if self.distinct == self.k {
                self.new_phase();
            }
            self.distinct += 1;
        }
        if slot != NIL {
            self.slots.mark(slot);
            self.predicted[slot as usize] = req.predicted_next;
            return true;
        }
        if self.keys.len() < self.k {
            let s = self.keys.len() as u32;
            self.keys.push(key);
            self.predicted.push(req.predicted_next);
            self.slots.add_marked();
            self.map.insert(key, s);
            return false;
        }
        self.evicted_requested.remove(&key);
        // Some page is unmarked here: the phase's distinct keys (at most k) include this one,
        // which is not cached, and every marked page.
        let victim = self.victim(key);
        let v = victim as usize;
        let old = self.keys[v];
        if self.slots.is_marked(victim) {
            self.evicted_requested.insert(old);
        } else {
            self.slots.mark(victim);
        }
        let clean_arrival = !self.stale.contains_key(&key);
        if let Some(by_clean) = self.stale.get_mut(&old) {
            *by_clean = clean_arrival;
        }
        self.map.remove(old);
        self.keys[v] = key;
        self.predicted[v] = req.predicted_next;
        self.map.insert(key, victim);
        false
    }

    slot_map_queries!();
}
