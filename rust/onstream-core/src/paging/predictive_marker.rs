//! Marking algorithms that follow next-arrival predictions: Predictive Marker (Lykouris &
//! Vassilvitskii, "Competitive Caching with Machine Learned Advice", ICML 2018 / JACM 2021) and
//! LMarker (Rohatgi, "Near-Optimal Bounds for Online Caching with Machine Learned Advice",
//! SODA 2020).
//!
//! Both are marking algorithms (a requested page is marked; a fault with every page marked starts
//! a phase and unmarks all), so both evict only unmarked pages. A missed page is *stale* if it was
//! cached at the phase's start and evicted since, *clean* otherwise. On a fault:
//!
//! * **Predictive Marker** groups faults into *clean chains*: a clean arrival starts a chain, the
//!   page it evicts joins it, and a later fault on that page extends the same chain, and so on.
//!   While a chain has at most H_k evictions, evict the unmarked page whose predicted next
//!   arrival is furthest; after that, a uniformly random unmarked page. Guarantee:
//!   min(2 + 2√(5η/OPT), 4H_k)·OPT, η the ℓ1 error of the predictions (the JACM version's
//!   constants).
//! * **LMarker**: evict the furthest-predicted unmarked page on a clean arrival and a uniformly
//!   random unmarked page on a stale one: O(1 + min(1, η/(k·OPT))·log k)·OPT.
//!
//! The furthest-predicted and the uniformly random unmarked page come from [`UnmarkedSlots`].

use serde::{Deserialize, Serialize};

use super::keymap::KeyMap;
use super::policy::{slot_map_queries, Policy, Request};
use super::slab::NIL;
use super::unmarked::UnmarkedSlots;
use crate::rng::Rng;

/// Which of the two rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MarkerRule {
    /// Lykouris & Vassilvitskii: predictions while the fault's clean chain is short.
    Chains,
    /// Rohatgi: predictions for clean arrivals, random for stale ones.
    LMarker,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PredictiveMarker<M> {
    rule: MarkerRule,
    k: usize,
    map: M,
    keys: Vec<u64>,
    predicted: Vec<u64>,
    slots: UnmarkedSlots,
    /// Evicted key → chain id (global, never reused); a chain records its phase and evictions.
    chain_of: M,
    chains: Vec<(u64, u32)>,
    phase: u64,
    h_k: f64,
    rng: Rng,
}

impl<M: KeyMap> PredictiveMarker<M> {
    pub fn new(rule: MarkerRule, k: usize, map: M, chain_map: M, rng: Rng) -> Self {
        PredictiveMarker {
            rule,
            k,
            map,
            keys: Vec::with_capacity(k),
            predicted: Vec::with_capacity(k),
            slots: UnmarkedSlots::with_capacity(k),
            chain_of: chain_map,
            chains: Vec::new(),
            phase: 0,
            h_k: (1..=k).map(|i| 1.0 / i as f64).sum(),
            rng,
        }
    }

    /// The chain a fault on `key` belongs to: its own (stale) or a new one (clean).
    fn chain_for(&mut self, key: u64) -> u32 {
        let id = self.chain_of.get(key);
        if id != NIL && self.chains[id as usize].0 == self.phase {
            id
        } else {
            self.chains.push((self.phase, 0));
            (self.chains.len() - 1) as u32
        }
    }
}

impl<M: KeyMap> Policy for PredictiveMarker<M> {
    fn access(&mut self, req: Request) -> bool {
        let slot = self.map.get(req.key);
        if slot != NIL {
            self.slots.mark(slot);
            self.predicted[slot as usize] = req.predicted_next;
            return true;
        }
        if self.keys.len() < self.k {
            let s = self.keys.len() as u32;
            self.keys.push(req.key);
            self.predicted.push(req.predicted_next);
            self.slots.add_marked();
            self.map.insert(req.key, s);
            return false;
        }
        if self.slots.is_empty() {
            self.phase += 1;
            self.slots.unmark_all(&self.predicted);
        }
        let chain = self.chain_for(req.key);
        let stale = self.chains[chain as usize].1 > 0;
        self.chains[chain as usize].1 += 1;
        let follow = match self.rule {
            MarkerRule::Chains => f64::from(self.chains[chain as usize].1) <= self.h_k,
            MarkerRule::LMarker => !stale,
        };
        let victim = if follow {
            self.slots.furthest(&mut self.rng)
        } else {
            self.slots.random(&mut self.rng)
        };
        let v = victim as usize;
        self.slots.mark(victim);
        let old = self.keys[v];
        self.map.remove(old);
        self.chain_of.insert(old, chain);
        self.keys[v] = req.key;
        self.predicted[v] = req.predicted_next;
        self.map.insert(req.key, victim);
        false
    }

    slot_map_queries!();
}
