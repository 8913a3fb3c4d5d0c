//! A set of element ids with O(1) insert, remove, membership and uniform sampling.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::rng::{below, Rng};

/// Ids in a vector, with each id's position.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Bag {
    items: Vec<usize>,
    at: HashMap<usize, usize>,
}

impl Bag {
    /// A bag of `items` (distinct).
    pub fn from_vec(items: Vec<usize>) -> Self {
        let at = items.iter().enumerate().map(|(i, &e)| (e, i)).collect();
        Self { items, at }
    }

    /// Adds `e`; false if it was there.
    pub fn insert(&mut self, e: usize) -> bool {
        if self.at.contains_key(&e) {
            return false;
        }
        self.at.insert(e, self.items.len());
        self.items.push(e);
        true
    }

    /// Removes `e`; false if it was not there.
    pub fn remove(&mut self, e: usize) -> bool {
        let Some(i) = self.at.remove(&e) else {
            return false;
        };
        self.items.swap_remove(i);
        if let Some(&moved) = self.items.get(i) {
            self.at.insert(moved, i);
        }
        true
    }

    /// Whether `e` is in the bag.
    pub fn contains(&self, e: usize) -> bool {
        self.at.contains_key(&e)
    }

    /// A uniformly random id.
    pub fn sample(&self, rng: &mut Rng) -> Option<usize> {
        if self.items.is_empty() {
            return None;
        }
        Some(self.items[below(rng, self.items.len() as u64) as usize])
    }

    /// The ids (in no particular order).
    pub fn items(&self) -> &[usize] {
        &self.items
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether the position map agrees with the items (checked after decoding a snapshot).
    pub fn is_consistent(&self) -> bool {
        self.at.len() == self.items.len()
            && self
                .items
                .iter()
                .enumerate()
                .all(|(i, e)| self.at.get(e) == Some(&i))
    }
}
