//! The unmarked slots of a marking-style policy that follows next-arrival predictions: a uniform
//! choice among them (an array of slots and each slot's position in it) and the one whose
//! predicted next arrival is furthest (a max-heap with lazy deletion).
//!
//! Slots are unmarked only at a phase's start, all at once; during a phase they only become
//! marked, and a slot's page or prediction changes only when it is marked (the policies mark a
//! page on every request to it). So the heap is filled once per phase and an entry is current
//! exactly while its slot is unmarked.

use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use super::slab::NIL;
use crate::rng::{self, Rng};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UnmarkedSlots {
    unmarked: Vec<u32>,
    /// Each slot's position in `unmarked`, or [`NIL`] when marked.
    pos: Vec<u32>,
    heap: BinaryHeap<(u64, u32)>,
}

impl UnmarkedSlots {
    /// Room for `k` slots.
    pub fn with_capacity(k: usize) -> Self {
        UnmarkedSlots {
            unmarked: Vec::with_capacity(k),
            pos: Vec::with_capacity(k),
            heap: BinaryHeap::new(),
        }
    }

    /// Adds a slot (while the cache fills), marked.
    pub fn add_marked(&mut self) {
        self.pos.push(NIL);
    }

    pub fn is_empty(&self) -> bool {
        self.unmarked.is_empty()
    }

    pub fn is_marked(&self, slot: u32) -> bool {
        self.pos[slot as usize] == NIL
    }

    /// Marks `slot` (no-op if it is marked).
    pub fn mark(&mut self, slot: u32) {
        let at = self.pos[slot as usize];
        if at != NIL {
            self.unmarked.swap_remove(at as usize);
            if let Some(&moved) = self.unmarked.get(at as usize) {
                self.pos[moved as usize] = at;
            }
            self.pos[slot as usize] = NIL;
        }
    }

    /// Unmarks every slot, with `predicted[s]` the predicted next arrival of slot `s`'s page.
    pub fn unmark_all(&mut self, predicted: &[u64]) {
        self.unmarked.clear();
        self.heap.clear();
        for (s, &p) in predicted.iter().enumerate() {
            let s32 = s as u32;
            self.pos[s] = s32;
            self.unmarked.push(s32);
            self.heap.push((p, s32));
        }
    }

    /// The unmarked slot whose predicted next arrival is furthest (ties: the higher slot), or a
    /// uniformly random unmarked one if the heap has run dry. Call only when some slot is
    /// unmarked.
    pub fn furthest(&mut self, rng: &mut Rng) -> u32 {
        while let Some((_, s)) = self.heap.pop() {
            if self.pos[s as usize] != NIL {
                return s;
            }
        }
        self.random(rng)
    }

    /// A uniformly random unmarked slot. Call only when some slot is unmarked.
    pub fn random(&mut self, rng: &mut Rng) -> u32 {
        let j = rng::below(rng, self.unmarked.len() as u64) as usize;
        self.unmarked[j]
    }
}
